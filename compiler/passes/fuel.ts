/**
 * The fuel pass: places fuel charges in a function's IR (compile option
 * `fuel`; the scheme is described in compiler/lower/fuel.ts).
 *
 * Reads: the IR (ir/ir.ts) of one function, the fuel plan (cost per opcode,
 * fold limits) and, for direct calls, what each callee's callers prepay.
 * Changes: inserts a `Charge` node at the start of every region (function
 * body, loop body, if arm, after the `end` of a block some branch targets)
 * with its final amount (0 where the region folded into another), marks bulk
 * operations of constant length `fuelPaid` (their region charged the
 * length), and sets `fn.fuelForm` (how the lowering keeps the fuel: the
 * instance's counter, or a local copy in a leaf function with a loop).
 * Guarantees: the charges depend on the IR only, so the lowering and the
 * prepayment estimate (`entryFuel`) can never disagree; a call consumes,
 * deterministically, the sum of the regions it entered.
 */
import { OP, STACK, FUEL_PAID, ELSE_LIVE, END_LIVE, type Func } from '../ir/ir.js';
import { walk, type Visitor } from '../ir/walk.js';
import { readBrTable, newInstr } from '../decode/code.js';
import { buildFunc } from '../ir/build.js';
import type { Module } from '../module.js';
import type { FuelPlan } from '../lower/fuel-costs.js';
import type { LeafForm } from '../lower/fuel-meter.js';
import { OPS, OP as OPCODE } from '../opcodes.js';
import { Regions } from './fuel-regions.js';

/** Instructions that may run other code reading or changing `fuel` (calls) or charge it themselves (the opcode table's `sized` column). */
const CALL_LIKE = Uint8Array.from(OPS, (o) => (o.cost === 'call' || o.sized !== null ? 1 : 0));
/** Bulk operations whose last operand is a length charged per `bytesPerFuel` (1) or `elementsPerFuel` (2). */
const BULK = Uint8Array.from(OPS, (o) => (o.sized === 'bytes' ? 1 : o.sized === 'elements' ? 2 : 0));

const LOOP = OPCODE['loop']!;
const IF = OPCODE['if']!;
const ELSE = OPCODE['else']!;
const END = OPCODE['end']!;
const BR = OPCODE['br']!;
const BR_IF = OPCODE['br_if']!;
const BR_TABLE = OPCODE['br_table']!;
const RETURN = OPCODE['return']!;
const CALL = OPCODE['call']!;
const DELEGATE = OPCODE['delegate']!;
const THROW = OPCODE['throw']!;
const RETHROW = OPCODE['rethrow']!;
const I32_CONST = OPCODE['i32.const']!;

/** A control frame of the walk: what a branch to it leaves, in Regions levels. */
interface Frame {
  loop: boolean;
  func: boolean;
  /** A branch targets it. */
  used: boolean;
  /** Index of the first level a branch here leaves (Regions.branch). */
  from: number;
  /** A `try` whose handler's arm (a Regions level) is open. */
  arm: boolean;
}

/**
 * How a function keeps its fuel (lower/fuel-meter.ts LeafForm): `none`
 * unless it has a loop and no call-like instruction; then `chunk` with a
 * `br_table`, else `total`. (Without a loop, each charge runs at most once
 * per call: a local copy would not pay for itself.)
 */
function leafForm(fn: Func): LeafForm {
  let loop = false;
  let table = false;
  let calls = false;
  walk(fn, {
    op(n) {
      const op = fn.op(n);
      if (CALL_LIKE[op]) calls = true;
      if (op === BR_TABLE) table = true;
    },
    enter(n) {
      if (fn.op(n) === LOOP) loop = true;
    },
    else_() {},
    handler() {},
    end() {},
    charge() {},
  });
  return calls || !loop ? 'none' : table ? 'chunk' : 'total';
}

/**
 * Runs the fuel pass on `fn` of module `m` (see the file comment).
 * `prepaid`: what direct callers pay of this function's first region;
 * `calleeEntry(f)`: what a direct call of `f` prepays. Returns the fuel of
 * the function's first region as its direct callers should prepay it.
 */
export function meterFunction(m: Module, fn: Func, plan: FuelPlan, prepaid: number, calleeEntry: (funcidx: number) => number): number {
  fn.fuelForm = leafForm(fn);
  const meter = new Meter(m, fn, plan, prepaid, calleeEntry);
  meter.regions.start(fn.charge(fn.bodyStart, 'function'));
  meter.frames.push({ loop: false, func: true, used: false, from: 0, arm: false });
  walk(fn, meter);
  if (fn.endLive) meter.regions.count(END);
  meter.regions.close();
  meter.regions.resolve();
  return meter.regions.entryTotal();
}

/** The walk of the fuel pass: drives Regions as the instructions come, in body order. */
class Meter implements Visitor {
  readonly regions: Regions;
  readonly frames: Frame[] = [];
  private readonly m: Module;
  private readonly fn: Func;
  private readonly plan: FuelPlan;
  private readonly calleeEntry: (funcidx: number) => number;
  private targets: Uint32Array = new Uint32Array(16);
  private readonly ins = newInstr();

  constructor(m: Module, fn: Func, plan: FuelPlan, prepaid: number, calleeEntry: (funcidx: number) => number) {
    this.m = m;
    this.fn = fn;
    this.plan = plan;
    this.calleeEntry = calleeEntry;
    this.regions = new Regions(fn, plan, prepaid);
  }

  private branch(depth: number, uncond: boolean): void {
    const f = this.frames[this.frames.length - 1 - depth]!;
    if (!f.func) f.used = true;
    this.regions.branch(f.func ? 0 : f.from, f.loop, uncond);
  }

  op(n: number): void {
    const { fn, regions: R } = this;
    const op = fn.op(n);
    R.count(op);
    switch (op) {
      case CALL:
        R.add(this.calleeEntry(fn.a(n)));
        return;
      case BR:
        return this.branch(fn.a(n), true);
      case BR_IF:
        return this.branch(fn.a(n), false);
      case BR_TABLE: {
        const ins = this.ins;
        ins.a = fn.a(n);
        ins.b = fn.b(n);
        const t = (this.targets = readBrTable(this.m.bytes, ins, this.targets));
        for (let k = 0; k < ins.a; k++) this.branch(t[k]!, false);
        return this.branch(fn.c(n), false);
      }
      case RETURN:
      case THROW:
      case RETHROW:
        R.branch(0, false, false);
        return;
    }
    const bulk = BULK[op];
    if (bulk) {
      const len = constOf(fn, fn.lastArg(n));
      const per = bulk === 1 ? this.plan.costs.bytesPerFuel : this.plan.costs.elementsPerFuel;
      if (len !== null && per > 0) {
        R.add(Math.floor(len / per));
        fn.setFlag(n, FUEL_PAID);
      }
    }
  }

  enter(s: number): void {
    const { fn, regions: R } = this;
    const op = fn.op(s);
    R.count(op);
    if (op === LOOP) {
      R.openLoop(fn.charge(fn.offset(s), { first: s, arm: 'body' }));
      this.frames.push({ loop: true, func: false, used: false, from: R.depth() - 1, arm: false });
    } else if (op === IF) {
      this.frames.push({ loop: false, func: false, used: false, from: R.depth(), arm: false });
      R.openArm(fn.charge(fn.offset(s), { first: s, arm: 'body' }));
    } else this.frames.push({ loop: false, func: false, used: false, from: R.depth() - 1, arm: false });
  }

  else_(s: number): void {
    const fn = this.fn;
    if (fn.flags(s) & ELSE_LIVE) this.regions.count(ELSE);
    this.regions.close();
    this.regions.openArm(fn.charge(fn.elseOffset(s), { first: s, arm: 'alt' }));
  }

  /**
   * A handler of a `try`. The try body is counted in the enclosing level, as
   * a block's is (an exception leaves its region early, as a trap does); a
   * `catch`/`catch_all` body is an arm of its own, like an `if` arm, after
   * which the code following the `try` continues the enclosing region.
   */
  handler(_s: number, h: number): void {
    const { fn, regions: R } = this;
    if (fn.flags(h) & ELSE_LIVE && fn.op(h) !== DELEGATE) R.count(fn.op(h)); // a delegate counts as the try's end
    const f = this.frames[this.frames.length - 1]!;
    if (f.arm) R.close();
    f.arm = fn.op(h) !== DELEGATE;
    if (f.arm) R.openArm(fn.charge(fn.offset(h), { first: h, arm: 'body' }));
  }

  end(s: number): void {
    const { fn, regions: R } = this;
    const live = (fn.flags(s) & END_LIVE) !== 0;
    if (live) R.count(END);
    const f = this.frames.pop()!;
    const op = fn.op(s);
    if (f.arm) R.close();
    if (op !== LOOP && op !== IF) {
      // A join region starts after a block some branch targets: its charge follows the block.
      if (f.used) R.join(fn.charge(fn.endOffsetOf(s), { after: s }), live);
      return;
    }
    R.close();
  }

  charge(): void {}
}

/**
 * The value of operand `v` when it is a non-negative `i32.const` (directly
 * or waiting on the stack), or null. (A length of 2^31 or more would make
 * the region pay up front for an operation that traps; it is charged when
 * it runs.)
 */
function constOf(fn: Func, v: number): number | null {
  const n = fn.kind(v) === STACK ? fn.from(v) : v;
  if (fn.kind(n) !== OP || fn.op(n) !== I32_CONST) return null;
  const a = fn.a(n);
  return a >= 0 ? a : null;
}

/**
 * Fuel each defined function's direct callers prepay for its first region,
 * indexed by funcidx minus the number of imported functions: the first
 * region's fuel as the fuel pass meters it, its own callees' prepaid fuel
 * included. Where first regions call each other in a cycle (or more than
 * 200 deep), a callee still being computed counts 0. A function charges on
 * entry its first region minus what was prepaid (0, as both come from this
 * pass, except in such a cycle), so the fuel consumed never depends on the
 * prepayment; only the number of charges does.
 */
export function entryFuel(m: Module, plan: FuelPlan): Float64Array {
  const base = m.numImportedFuncs;
  const out = new Float64Array(m.funcTypes.length - base);
  const state = new Uint8Array(out.length); // 0 not yet, 1 in progress, 2 done
  let depth = 0;
  const get = (f: number): number => {
    const i = f - base;
    if (i < 0) return 0;
    if (state[i] === 2) return out[i]!;
    if (state[i] === 1 || depth > 200) return 0;
    state[i] = 1;
    depth++;
    const fn = buildFunc(m, f);
    out[i] = meterFunction(m, fn, plan, 0, get);
    fn.release();
    depth--;
    state[i] = 2;
    return out[i]!;
  };
  for (let f = base; f < m.funcTypes.length; f++) get(f);
  return out;
}
