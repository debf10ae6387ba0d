/**
 * Dispatch regions: the `br_table` nests of a function too deep for nested
 * JS, lowered as one `switch` so the function keeps its structured form.
 *
 * A C `switch` compiles to a nest of blocks with a `br_table` at the bottom:
 * `block $n ... block $2 block $1 (br_table $1 $2 ... (idx)) end arm1 end
 * arm2 ... end`, where arm k (the code after block k's `end`) runs when the
 * table picks block k, and falls through into arm k+1. Nested JS labelled
 * blocks then nest as deep as the switch has cases, and a function deeper
 * than `flatDepth` falls back to the flat form (one dispatch loop for the
 * whole function, lower/func.ts FLAT_DEPTH), which engines run slowly
 * (SQLite's parser `yy_reduce`, 400 cases). Here the nest becomes
 * `st = idx >>> 0; L: for (;;) { switch (st) { case ...: arm1 case ...: arm2
 * ... } break L; }` (lower/control.ts): the arms in order, so falling
 * through is the switch's own; a branch from an arm to block k sets `st` to
 * arm k's own case (-1 - k) and continues `L`; to block n it breaks `L`.
 *
 * Reads: the IR (ir/ir.ts) of one function. Changes: nothing. Returns, for
 * a function deeper than `flatDepth`, the blocks of its nests with their
 * place in the nest, and the depth the function has once they are regions.
 * A nest qualifies when its blocks are void, each starts (after fuel charges)
 * with the next, there are at least two, and the innermost holds nothing but
 * code without branches or blocks and then its `br_table` (so nothing
 * branches into the region but the table), whose default is in the nest
 * (so it carries no values).
 */
import { OP, STRUCT, CHARGE, type Func } from '../ir/ir.js';
import { walk } from '../ir/walk.js';
import { OP as OPCODE } from '../opcodes.js';
import { blockValType } from '../decode/code.js';
import type { Module } from '../module.js';

const BLOCK = OPCODE['block']!;
const BR = OPCODE['br']!;
const BR_IF = OPCODE['br_if']!;
const BR_TABLE = OPCODE['br_table']!;

/** The regions of a function: each nest block with its place, 1 the innermost up to n, the outermost (`head`). */
export interface Regions {
  /** STRUCT node of a nest block -> its place k (1 = innermost, holding the `br_table`). */
  place: Map<number, number>;
  /** STRUCT node of each nest's outermost block -> the nest's number of blocks n. */
  heads: Map<number, number>;
  /** Nesting depth of the function with its nests as regions (a region counts 2: its loop and switch). */
  depth: number;
}

/** The dispatch regions of `fn` (see the file comment), or null when it has none. */
export function dispatchRegions(m: Module, fn: Func): Regions | null {
  const place = new Map<number, number>();
  const heads = new Map<number, number>();
  const seen = new Set<number>();
  const isVoidBlock = (n: number): boolean => {
    if (fn.kind(n) !== STRUCT || fn.op(n) !== BLOCK) return false;
    const a = fn.a(n);
    if (a < 0) return blockValType(a) === 0x40;
    const t = m.types[a]!;
    return t.params.length === 0 && t.results.length === 0;
  };
  const firstOf = (list: number): number => {
    let x = list;
    while (x !== 0 && fn.kind(x) === CHARGE) x = fn.next(x);
    return x;
  };
  const consider = (head: number): void => {
    const chain = [head];
    for (let x = firstOf(fn.body(head)); x !== 0 && isVoidBlock(x); x = firstOf(fn.body(x))) chain.push(x);
    for (const x of chain) seen.add(x);
    if (chain.length < 2 || !endsInTable(fn, fn.body(chain[chain.length - 1]!), chain.length)) return;
    heads.set(head, chain.length);
    chain.forEach((x, i) => place.set(x, chain.length - i));
  };
  let depth = 0;
  let max = 0;
  const adds: number[] = [];
  walk(fn, {
    op() {},
    enter(n) {
      if (!seen.has(n) && isVoidBlock(n)) consider(n);
      const add = heads.has(n) ? 2 : place.has(n) ? 0 : 1;
      adds.push(add);
      depth += add;
      if (depth > max) max = depth;
    },
    end() {
      depth -= adds.pop()!;
    },
    else_() {},
    handler() {},
    charge() {},
  });
  return heads.size === 0 ? null : { place, heads, depth: max };
}

/**
 * Whether list `first` (the innermost nest block's body, in a nest of `n`
 * blocks) is code without blocks or branches (charges included) ending in a
 * `br_table` whose default is a nest block: then every target takes what a
 * void block takes, no values (the code after an unconditional branch is not
 * in the IR, so the table may also be one inside an operand, carrying a value
 * out of the nest: fuzz seed 41005341).
 */
function endsInTable(fn: Func, first: number, n: number): boolean {
  let last = 0;
  for (let x = first; x !== 0; x = fn.next(x)) {
    if (fn.kind(x) === STRUCT) return false;
    if (fn.kind(x) === OP) {
      if (fn.next(x) !== 0 && !branchFree(fn, x)) return false;
      last = x;
    }
  }
  return last !== 0 && fn.op(last) === BR_TABLE && fn.c(last) < n && operandsBranchFree(fn, last);
}

function branchFree(fn: Func, n: number): boolean {
  const op = fn.op(n);
  return op !== BR && op !== BR_IF && op !== BR_TABLE && operandsBranchFree(fn, n);
}

/** Operand trees are shallow (ir/build.ts bounds their height), so this recursion is too. */
function operandsBranchFree(fn: Func, n: number): boolean {
  for (let a = fn.firstArg(n); a !== 0; a = fn.next(a)) if (fn.kind(a) === OP && !branchFree(fn, a)) return false;
  return true;
}
