/**
 * Kiln's per-function IR: what one function body looks like between the
 * bytes and the JavaScript. This file is the whole definition; build.ts
 * makes it, walk.ts visits it, compiler/passes/ read and annotate it,
 * compiler/lower/ turns it into ESTree.
 *
 * ## Shape
 *
 * A function is a list of nodes (`Func.body`); so are the arms of every
 * structured instruction. The operand stack is folded away into expression
 * trees: a node's operands are the nodes that computed them, bottom of the
 * stack first, so `(i32.add (local.get 0) (i32.const 1))` is one OP node
 * with two OP operands. A node that leaves no value on the stack (a store,
 * `local.set`, a branch), or several values (a call with two results), or
 * that is structured (`block`, `loop`, `if`), is a root: it stands in a
 * list. Where wasm keeps a value on the stack across a root (computed before
 * a store, consumed after it; a block's params and results), the value's
 * tree is a root too, in its place in the list, and its consumer's operand
 * is a STACK node naming it (`from`, `index`). So the tree never moves a
 * computation: a postorder walk of the lists (operands, then the node; STACK
 * nodes skipped) visits the instructions exactly in body order, which is
 * what keeps effects and traps in wasm order for every pass and for the
 * lowering. STACK operands only ever come first among a node's operands.
 *
 * Code after an unconditional branch (`br`, `br_table`, `return`,
 * `unreachable`) up to the end of its block is not in the IR: it can never
 * run, and validation has already checked it. Whether an `else` or `end` is
 * reached by falling through (not only by branches) is recorded
 * (ELSE_LIVE, END_LIVE), since fuel charges for reaching it.
 *
 * A `try` (legacy exception handling) is a STRUCT whose body is the try
 * body and whose `alt` is its first HANDLER node: one per `catch`,
 * `catch_all` or `delegate`, chained through `next`, each with its own body
 * (a `delegate` has none). The values a `catch` pushes (its tag's payload)
 * are STACK nodes naming the HANDLER.
 *
 * Every node carries the byte offset of its instruction in the module
 * (`offset`), which source maps and error messages use; a structured node
 * also has the offsets of its `else` and `end`.
 *
 * Passes annotate the IR in place: the fuel pass (passes/fuel.ts) inserts
 * CHARGE nodes at the start of each metered region and marks bulk
 * operations whose length their region already charged (FUEL_PAID).
 *
 * ## Storage
 *
 * Nodes are rows of one Int32Array (`d`, STRIDE slots a row), numbered from
 * 1 (0 means "none"); lists and operand lists are chained through `next`.
 * A module of 100,000 functions never holds more than one function's IR,
 * and a row costs no garbage-collected object: a 100,000-instruction body
 * is one typed array, invisible to the scavenger while the lowering runs.
 */
import type { Locals } from '../decode/code.js';
import { OPS } from '../opcodes.js';

/** Node kinds (`kind(n)`). */
export const OP = 1;
export const STACK = 2;
export const STRUCT = 3;
export const CHARGE = 4;
export const HANDLER = 5;

/** Flags (`flags(n)`). */
/** A bulk operation whose constant length its fuel region already charged (passes/fuel.ts). */
export const FUEL_PAID = 1;
/** A structured node's `else` (a HANDLER: its `catch`) is reached by falling through. */
export const ELSE_LIVE = 2;
/** A structured node's `end` is reached by falling through. */
export const END_LIVE = 4;

// Slots of a row.
const KIND = 0;
const OPC = 1;
const OFFSET = 2;
const A = 3;
const B = 4;
const C = 5;
const LO = 6;
const HI = 7;
/** OP, STRUCT: first operand; STACK: the root whose value it is. */
const ARG = 8;
/** Next node of the same list or operand list. */
const NEXT = 9;
/** OP, STRUCT: number of results; STACK: which result; CHARGE: index into `amounts`. */
const RES = 10;
/** OP, STACK: valtype of the (first) result, or 0. */
const TYPE = 11;
/** OP: height of its operand tree; STRUCT, HANDLER: first node of the body (then-arm). */
const DEPTH_BODY = 12;
const FLAGS = 13;
/** STRUCT: first node of the else-arm (a `try`: its first HANDLER). */
const ALT = 14;
/** STRUCT: byte offsets of the `else` (or -1) and of the `end`. */
const ELSE_AT = 15;
const END_AT = 16;
export const STRIDE = 17;

/** By opcode row: 1 when the immediate `a` is signed (kinds i32 and blocktype, decode/code.ts); every other is unsigned. */
const SIGNED_A = Uint8Array.from(OPS, (o) => (o.imm === 'i32' || o.imm === 'blocktype' ? 1 : 0));

/** Row storage given back by `Func.release`, reused by the next IR (at most a few arrays). */
const pool: Int32Array[] = [];

function acquire(length: number): Int32Array {
  for (let i = 0; i < pool.length; i++) {
    const d = pool[i]!;
    if (d.length >= length) {
      pool.splice(i, 1);
      return d;
    }
  }
  return new Int32Array(length);
}

function release(d: Int32Array): void {
  if (d.length === 0) return;
  pool.push(d);
  if (pool.length > 4) {
    pool.sort((x, y) => y.length - x.length);
    pool.length = 4;
  }
}

/** One function's IR (see the file comment). */
export class Func {
  readonly funcidx: number;
  readonly locals: Locals;
  /** Byte offsets of the first instruction (after the locals) and of the body's end. */
  readonly bodyStart: number;
  readonly bodyEnd: number;
  /** First node of the body. */
  head = 0;
  /** Byte offset of the function's final `end`, and whether falling through reaches it. */
  endOffset = 0;
  endLive = true;
  /** Deepest nesting of structured instructions. */
  depth = 0;
  /** Set by the fuel pass: how the function keeps its fuel (lower/fuel-meter.ts LeafForm); null without fuel. */
  fuelForm: 'none' | 'total' | 'chunk' | null = null;
  /** Rows (see the file comment). */
  d: Int32Array;
  /** Number of rows in use, plus one (row 0 is "none"). */
  size = 1;
  /** Fuel amounts of CHARGE nodes. */
  readonly amounts: number[] = [];

  constructor(funcidx: number, locals: Locals, bodyStart: number, bodyEnd: number) {
    this.funcidx = funcidx;
    this.locals = locals;
    this.bodyStart = bodyStart;
    this.bodyEnd = bodyEnd;
    this.d = acquire(STRIDE * Math.max(64, (bodyEnd - bodyStart) >> 1));
  }

  /**
   * A new row of kind `kind`, its other slots 0 (or, with `dirty`, left as
   * they are: the caller writes every slot); returns its number.
   */
  add(kind: number, dirty = false): number {
    const n = this.size++;
    const at = n * STRIDE;
    if (at + STRIDE > this.d.length) {
      const d = acquire(this.d.length * 2);
      d.set(this.d.subarray(0, at));
      release(this.d);
      this.d = d;
    }
    if (!dirty) this.d.fill(0, at, at + STRIDE);
    this.d[at + KIND] = kind;
    return n;
  }

  /**
   * Gives the row storage back for the next function's IR (a large typed
   * array, whose first touch costs page faults): call when done with this
   * IR; the Func must not be used after.
   */
  release(): void {
    release(this.d);
    this.d = new Int32Array(0);
  }

  kind(n: number): number { return this.d[n * STRIDE + KIND]!; }
  /** Row of compiler/opcodes.ts (OP, STRUCT). */
  op(n: number): number { return this.d[n * STRIDE + OPC]!; }
  offset(n: number): number { return this.d[n * STRIDE + OFFSET]!; }
  /** Immediates as decode/code.ts `readInstr` gives them. */
  a(n: number): number {
    const v = this.d[n * STRIDE + A]!;
    return SIGNED_A[this.op(n)] === 1 ? v : v >>> 0;
  }
  b(n: number): number { return this.d[n * STRIDE + B]! >>> 0; }
  c(n: number): number { return this.d[n * STRIDE + C]! >>> 0; }
  lo(n: number): number { return this.d[n * STRIDE + LO]!; }
  hi(n: number): number { return this.d[n * STRIDE + HI]!; }
  /** First operand (OP, STRUCT), or 0. */
  firstArg(n: number): number { return this.d[n * STRIDE + ARG]!; }
  /** The root a STACK node's value comes from. */
  from(n: number): number { return this.d[n * STRIDE + ARG]!; }
  /** Next node in the same list or operand list, or 0. */
  next(n: number): number { return this.d[n * STRIDE + NEXT]!; }
  /** Number of results (OP, STRUCT); which result (STACK). */
  results(n: number): number { return this.d[n * STRIDE + RES]!; }
  /** Valtype of the (first) result (OP, STACK), or 0. */
  type(n: number): number { return this.d[n * STRIDE + TYPE]!; }
  /** Height of an OP's operand tree. */
  treeDepth(n: number): number { return this.d[n * STRIDE + DEPTH_BODY]!; }
  /** First node of a STRUCT's or HANDLER's body (then-arm) and a STRUCT's else-arm or first HANDLER (0: none). */
  body(n: number): number { return this.d[n * STRIDE + DEPTH_BODY]!; }
  alt(n: number): number { return this.d[n * STRIDE + ALT]!; }
  /** A STRUCT with an else-arm (possibly empty). */
  hasElse(n: number): boolean { return this.d[n * STRIDE + ELSE_AT]! >= 0; }
  elseOffset(n: number): number { return this.d[n * STRIDE + ELSE_AT]!; }
  endOffsetOf(n: number): number { return this.d[n * STRIDE + END_AT]!; }
  flags(n: number): number { return this.d[n * STRIDE + FLAGS]!; }
  /** Fuel a CHARGE node charges (0: nothing; negative: given back). */
  amount(n: number): number { return this.amounts[this.d[n * STRIDE + RES]!]!; }

  /** The last operand of `n`, or 0. */
  lastArg(n: number): number {
    let a = this.firstArg(n);
    if (a === 0) return 0;
    while (this.next(a) !== 0) a = this.next(a);
    return a;
  }

  // Writers, for build.ts and the passes.
  set(n: number, slot: number, v: number): void { this.d[n * STRIDE + slot] = v; }
  setFlag(n: number, f: number): void { this.d[n * STRIDE + FLAGS]! |= f; }
  setAmount(n: number, v: number): void { this.amounts[this.d[n * STRIDE + RES]!] = v; }

  /**
   * A new CHARGE node at byte offset `offset` (amount 0 until set), placed
   * first in the function body (`'function'`), first in an arm of STRUCT
   * `first` (`arm`: its body or its else-arm; a HANDLER: its body), or right after node `after`.
   * Returns its number.
   */
  charge(offset: number, where: { after: number } | { first: number; arm: 'body' | 'alt' } | 'function'): number {
    const c = this.add(CHARGE);
    this.set(c, OFFSET, offset);
    this.set(c, RES, this.amounts.length);
    this.amounts.push(0);
    if (where === 'function') {
      this.set(c, NEXT, this.head);
      this.head = c;
    } else if ('after' in where) {
      this.set(c, NEXT, this.next(where.after));
      this.set(where.after, NEXT, c);
    } else {
      const slot = where.arm === 'body' ? DEPTH_BODY : ALT;
      this.set(c, NEXT, this.d[where.first * STRIDE + slot]!);
      this.set(where.first, slot, c);
    }
    return c;
  }
}

/** Slot numbers, for build.ts (the one writer of rows besides `charge`). */
export const SLOT = { KIND, OPC, OFFSET, A, B, C, LO, HI, ARG, NEXT, RES, TYPE, DEPTH_BODY, FLAGS, ALT, ELSE_AT, END_AT } as const;
