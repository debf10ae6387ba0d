/**
 * The walk every pass and the lowering use to visit a function's IR in body
 * order (ir.ts): for each node of a list, its operand trees first (postorder),
 * then the node; a structured node's arms in between its `enter` and `end`.
 * Nesting is followed with an explicit stack, so a function nested 100,000
 * blocks deep walks like a flat one (operand trees are shallow: build.ts
 * bounds their height).
 */
import { OP, CHARGE, type Func } from './ir.js';
import { OP as OPCODE } from '../opcodes.js';

const TRY = OPCODE['try']!;

/** What a walk reports, node numbers of `fn` (ir.ts). */
export interface Visitor {
  /** An instruction (OP), after its operand trees. */
  op(n: number): void;
  /** A `block`, `loop` or `if` (STRUCT), after its condition (an `if`'s operand tree), before its body. */
  enter(n: number): void;
  /** Between an `if`'s arms (only for an `if` with an `else`). */
  else_(n: number): void;
  /** Before handler `h` (a HANDLER: `catch`, `catch_all`, `delegate`) of `try` `n`, after the arm before it. */
  handler(n: number, h: number): void;
  /** After the last arm. Nodes inserted after `n` now are visited next. */
  end(n: number): void;
  /** A fuel charge (CHARGE). */
  charge(n: number): void;
}

/** Visits the body of `fn` and everything in it, in body order (see the file comment). */
export function walk(fn: Func, v: Visitor): void {
  // Open structured nodes, innermost last, each with the arm being walked: 0 the body, -1 an else-arm, or a HANDLER.
  const open: number[] = [];
  const arm: number[] = [];
  let n = fn.head;
  for (;;) {
    if (n === 0) {
      // The end of a list: the function body's, or an arm's.
      if (open.length === 0) return;
      const s = open[open.length - 1]!;
      const a = arm[arm.length - 1]!;
      if (a === 0 && fn.hasElse(s)) {
        v.else_(s);
        arm[arm.length - 1] = -1;
        n = fn.alt(s);
        continue;
      }
      const h = a === 0 ? (fn.op(s) === TRY ? fn.alt(s) : 0) : a > 0 ? fn.next(a) : 0;
      if (h !== 0) {
        v.handler(s, h);
        arm[arm.length - 1] = h;
        n = fn.body(h);
        continue;
      }
      open.pop();
      arm.pop();
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
    arm.push(0);
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
