/**
 * Operand-stack values of the lowering: each wasm stack slot becomes a JS
 * expression (folded into the expression that consumes it) or, for i64, a
 * pair of simple expressions (identifiers or literals) for the low and high
 * halves. The kind says where a pending expression may be moved to.
 */
import type { Expr } from './ast.js';
import type { ValType } from '../types.js';

/** A literal: can be evaluated anywhere, any number of times. */
export const CONST = 0;
/** A temporary variable that is never reassigned while the value is live. */
export const TEMP = 1;
/** Reads locals (listed in `reads`) and nothing else; no side effect, cannot trap. */
export const LOCAL = 2;
/** Anything else: calls, memory and global reads, operations that can trap. */
export const IMPURE = 3;

export type Kind = typeof CONST | typeof TEMP | typeof LOCAL | typeof IMPURE;

export interface Val {
  /** The expression; for i64 the low half. */
  e: Expr;
  /** For i64: the high half (an identifier or literal); else null. */
  h: Expr | null;
  t: ValType;
  k: Kind;
  /** Local indices read by the expression (kind LOCAL or IMPURE), or null. */
  reads: number[] | null;
  /** The expression is a JS boolean standing for an i32 0/1. */
  bool: boolean;
  /** Expression nesting depth, to bound the size of folded expressions. */
  d: number;
  /**
   * A cheaper form of `e` that may return a different NaN (an f32 load
   * without its exact-NaN path): only for consumers whose result does not
   * depend on a NaN operand's bits (arithmetic, comparisons). Else undefined.
   */
  fast?: Expr;
}

export function val(e: Expr, t: ValType, k: Kind, reads: number[] | null = null, bool = false, d = 0, h: Expr | null = null): Val {
  return { e, h, t, k, reads, bool, d };
}

/** Union of the locals read by some values (null when none). */
export function mergeReads(vals: Val[]): number[] | null {
  let out: number[] | null = null;
  for (const v of vals) {
    if (v.reads === null) continue;
    if (out === null) out = v.reads.slice();
    else for (const r of v.reads) if (!out.includes(r)) out.push(r);
  }
  return out;
}

/** The value as an int32 expression (a boolean comparison becomes `x | 0`). */
export function asI32(v: Val, bin: (op: string, l: Expr, r: Expr) => Expr): Expr {
  return v.bool ? bin('|', v.e, { type: 'Literal', value: 0, raw: '0' }) : v.e;
}

/** The value of a literal expression (`5`, `-5`), or null. */
export function literal(e: Expr): number | null {
  if (e.type === 'Literal' && typeof e.value === 'number') return e.value;
  if (e.type === 'UnaryExpression' && e.operator === '-' && e.argument.type === 'Literal') return -e.argument.value;
  return null;
}
