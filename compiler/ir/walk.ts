/**
 * The walk every pass and the lowering use to visit a function's IR in body
 * order (ir.ts): for each node of a list, its operand trees first (postorder),
 * then the node; a structured node's arms in between its `enter` and `end`.
 * Nesting is followed with an explicit stack, so a function nested 100,000
 * blocks deep walks like a flat one (operand trees are shallow: build.ts
 * bounds their height).
 */
import { OP, CHARGE, type Func } from './ir.js';

/** What a walk reports, node numbers of `fn` (ir.ts). */
export interface Visitor {
  /** An instruction (OP), after its operand trees. */
  op(n: number): void;
  /** A `block`, `loop` or `if` (STRUCT), after its condition (an `if`'s operand tree), before its body. */
  enter(n: number): void;
  /** Between an `if`'s arms (only for an `if` with an `else`). */
  else_(n: number): void;
  /** After the last arm. Nodes inserted after `n` now are visited next. */
  end(n: number): void;
  /** A fuel charge (CHARGE). */
  charge(n: number): void;
}

/** Visits the body of `fn` and everything in it, in body order (see the file comment). */
export function walk(fn: Func, v: Visitor): void {
  // Open structured nodes, innermost last, each with whether its else-arm is being walked.
  const open: number[] = [];
  const inAlt: boolean[] = [];
  let n = fn.head;
  for (;;) {
    if (n === 0) {
      // The end of a list: the function body's, or an arm's.
      if (open.length === 0) return;
      const s = open[open.length - 1]!;
      if (!inAlt[inAlt.length - 1] && fn.hasElse(s)) {
        v.else_(s);
        inAlt[inAlt.length - 1] = true;
        n = fn.alt(s);
        continue;
      }
      open.pop();
      inAlt.pop();
      v.end(s);
      n = fn.next(s);
      continue;
    }
    const k = fn.kind(n);
    if (k === CHARGE) {
      v.charge(n);
      n = fn.next(n);
      continue;
    }
    operands(fn, fn.firstArg(n), v);
    if (k === OP) {
      v.op(n);
      n = fn.next(n);
      continue;
    }
    v.enter(n);
    open.push(n);
    inAlt.push(false);
    // Read after `enter`: a pass may have put a node first in the body.
    n = fn.body(n);
  }
}

/** Visits the operand trees of the list starting at `a` (postorder); STACK nodes were visited where they stand. */
function operands(fn: Func, a: number, v: Visitor): void {
  for (; a !== 0; a = fn.next(a)) {
    if (fn.kind(a) !== OP) continue;
    operands(fn, fn.firstArg(a), v);
    v.op(a);
  }
}
