/**
 * The f32 bit moves (`i32.reinterpret_f32`, `f32.reinterpret_i32`) as
 * expressions: folded where the bits are known at compile time, else moved
 * inline through the runtime's scratch views, NaNs through the runtime's
 * helpers (runtime/ABI.md "NaN bits"). Used by ops.ts.
 */
import * as A from './ast.js';
import type { Expr } from './ast.js';
import { literal } from './values.js';

const f32buf = new Float32Array(1);
const i32bits = new Int32Array(f32buf.buffer);

/** Whether `e` calls the runtime function `fn`. */
export const calls = (e: Expr, fn: string) => e.type === 'CallExpression' && e.callee.type === 'Identifier' && e.callee.name === fn;
/** `(SF32[0] = x, SI32[0])` and the other way round: a bit move through the runtime's scratch views (runtime/numeric.ts). */
const through = (from: string, to: string, x: Expr): Expr =>
  ({ type: 'SequenceExpression', expressions: [A.assign(A.index(from, A.num(0)), x), A.index(to, A.num(0))] });

/**
 * `i32.reinterpret_f32` of `e`, folded where the bits are known here: of
 * `f32.reinterpret_i32(x)` they are `x` (both moves are exact, inline too), of a
 * non-NaN constant they are a constant, and of `c ? a : b` (a `select`)
 * they are `c ? bits(a) : bits(b)`. Else, for a variable, inline through the
 * scratch views, a NaN (whose bits Kiln keeps in its own representation,
 * runtime/ABI.md "NaN bits") still through the helper: a call of the helper
 * was not inlined by V8 once a function had used up its inlining budget
 * (Rust's float code, tiny-skia in resvg, rounds with bit tricks: the two
 * helpers were 7% of resvg's ticks).
 */
export function f32Bits(e: Expr): Expr {
  if (calls(e, 'f32_reinterpret_i32')) return e.arguments[0];
  // The inline move of non-NaN bits `b` (`f32FromBits`): `(SI32[0] = b, SF32[0])` has the bits `b`.
  if (e.type === 'SequenceExpression' && e.expressions[0].left?.object?.name === 'SI32') return e.expressions[0].right;
  const k = literal(e);
  if (k !== null && k === k) {
    f32buf[0] = k;
    return A.num(i32bits[0]!);
  }
  if (e.type === 'ConditionalExpression') return A.cond(e.test, f32Bits(e.consequent), f32Bits(e.alternate));
  if (e.type === 'Identifier') return A.cond(A.bin('===', e, e), through('SF32', 'SI32', e), A.call('i32_reinterpret_f32', [e]));
  return A.call('i32_reinterpret_f32', [e]);
}

/** `f32.reinterpret_i32` of `e`: a constant for constant non-NaN bits, pushed into both arms of `c ? a : b`, inline for a variable (see `f32Bits`). */
export function f32FromBits(e: Expr): Expr {
  const k = literal(e);
  if (k !== null) {
    i32bits[0] = k;
    const x = f32buf[0]!;
    if (x === x) return A.num(x);
  }
  if (e.type === 'ConditionalExpression') return A.cond(e.test, f32FromBits(e.consequent), f32FromBits(e.alternate));
  if (e.type === 'Identifier') {
    const nan = A.bin('>', A.bin('&', e, A.num(0x7fffffff)), A.num(0x7f800000));
    return A.cond(nan, A.call('f32_reinterpret_i32', [e]), through('SI32', 'SF32', e));
  }
  return A.call('f32_reinterpret_i32', [e]);
}
