/**
 * Sandbox lowering: fuel metering and the per-instance page limit on memory
 * grows (README "Running untrusted plugins").
 *
 * Fuel. A compiled module's instances each hold their fuel in closure
 * variables of `instantiate` (FUEL_VAR plus a reserve, see `fuelPrologue`).
 * Code is charged up front per region, one statement per region:
 *
 *     if ((fuel -= N) < 0) outOfFuel(N);
 *
 * A region starts at the function entry, at each loop body (charged on every
 * iteration: a branch to a loop re-enters its body), at each arm of an `if`,
 * and after the `end` of a block that is a branch target (the paths arriving
 * there by a branch skipped the rest of the region they came from). The code
 * after the `end` of an `if`, a loop or a block no branch targets continues
 * the region that was open before it: every path to it went through that
 * region's start. A region's N is the sum of the costs of the live
 * instructions in it; the cost of `loop`, `if` and `block` belongs to the
 * region they appear in, that of `else` and `end` to the region they close.
 * Small regions fold: a region after a block end, or an if arm, costing at
 * most `foldUpTo` is charged with the region before it. A region that ends
 * by branching back to its loop (an interpreter's handler), costing at most
 * `loopFoldUpTo`, is charged at the loop header, which charges the costliest
 * such region of the loop. A direct call pays, with the caller's region, the
 * callee's first region (`entryFuel`). So a call consumes, deterministically,
 * the sum of the regions it entered; code skipped by a branch within a
 * region, a small region skipped, the difference to the costliest back
 * region, or code after a trap, is still paid for. Function bodies and loop
 * bodies cost at least 1, so a finite budget always ends infinite loops and
 * infinite recursion.
 *
 * An instruction's cost is the cost of its class (the `cost` column of
 * compiler/opcodes.ts), from `DEFAULT_FUEL_COSTS` or the `fuelCosts` compile
 * option. Bulk memory operations and `memory.grow` also cost 1 per
 * `bytesPerFuel` bytes written (a grow: the bytes of the new pages, charged
 * only when the grow succeeds), bulk table operations and `table.grow` 1 per
 * `elementsPerFuel` elements; both charged just before the operation, after
 * its operands are evaluated (when the length is a constant, it is added to
 * the region's N instead).
 *
 * A function with a loop and no call-like instruction charges a local copy
 * of the fuel instead (see FuelMeter). Without the `fuel` option nothing here
 * emits any code (no fuel identifier appears in the output).
 *
 * Page limit. An instance's own memory gets its maximum lowered to the limit
 * when it is created (runtime `newMemory`). An imported memory is shared and
 * keeps its own maximum, so `memory.grow` inside an instance whose memory is
 * imported grows by the runtime's `limitGrow(M, delta, limit)`, a delta that
 * fails when it would pass this instance's limit.
 */
import * as A from './ast.js';
import type { Expr, Stmt } from './ast.js';
import { IMPURE, CONST, val, asI32, type Val } from './values.js';
import type { ModuleEnv } from './env.js';
import { LOWER_OPS, type OpLowering } from './ops.js';
import { readInstr, readLocals, readBrTable, newInstr } from '../decode/code.js';
import { Reader } from '../decode/reader.js';
import { OPS, OP, type CostClass } from '../opcodes.js';
import { I32 } from '../types.js';

/**
 * The fuel cost table: the cost of one instruction of each class (opcode
 * table `cost` column), and the rates of the operations whose cost depends on
 * their length. Every value is a non-negative integer.
 */
export interface FuelCosts {
  /** block, loop, if, else, end, br, br_if, br_table, return, unreachable, nop. */
  control: number;
  /** Numeric operators, constants, conversions, drop, select, ref.*, memory.size, table.size, data/elem.drop. */
  simple: number;
  /** local.get/set/tee, global.get/set. */
  var: number;
  /** Memory loads. */
  load: number;
  /** Memory stores. */
  store: number;
  /** call, call_indirect (the caller's side; the callee's body is charged as it runs, its first region by a direct caller). */
  call: number;
  /** memory.grow, memory.fill, memory.copy, memory.init: base cost. */
  memory: number;
  /** table.get, table.set, table.grow, table.fill, table.copy, table.init: base cost. */
  table: number;
  /** SIMD operators other than loads and stores. */
  simd: number;
  /** Bulk memory operations and memory.grow: 1 fuel per this many bytes (0: no charge per byte). */
  bytesPerFuel: number;
  /** Bulk table operations and table.grow: 1 fuel per this many elements (0: no charge per element). */
  elementsPerFuel: number;
  /**
   * A region after a block end, or an if arm, costing at most this much is
   * charged with the region before it (fewer charges; a path that skips it
   * pays at most this much too much). 0: every such region is charged on its own.
   */
  foldUpTo: number;
  /**
   * A region ending in an unconditional branch back to its loop, costing at
   * most this much, is charged at the loop header, which charges the
   * costliest such region of the loop on every iteration (an iteration pays at
   * most this much too much). 0: every such region is charged on its own.
   */
  loopFoldUpTo: number;
}

/** The default cost table (README "Running untrusted plugins"). */
export const DEFAULT_FUEL_COSTS: Readonly<FuelCosts> = Object.freeze({
  control: 1,
  simple: 1,
  var: 1,
  load: 2,
  store: 2,
  call: 5,
  memory: 10,
  table: 2,
  simd: 2,
  bytesPerFuel: 64,
  elementsPerFuel: 1,
  foldUpTo: 8,
  loopFoldUpTo: 32,
});

/** Fuel costs resolved for one compile: per-class costs as a table indexed by opcode row. */
export interface FuelPlan {
  costs: FuelCosts;
  /** `opCost[opId]`: cost of one instruction of row `opId`. */
  opCost: Float64Array;
}

/**
 * Merges `overrides` into the default cost table and checks it.
 * @throws TypeError on an unknown key or a value that is not a non-negative integer.
 */
export function resolveFuelCosts(overrides: Partial<FuelCosts> | undefined = undefined): FuelPlan {
  const costs: FuelCosts = { ...DEFAULT_FUEL_COSTS };
  if (overrides !== undefined && overrides !== null) {
    if (typeof overrides !== 'object') throw new TypeError('fuelCosts must be an object');
    for (const [k, v] of Object.entries(overrides)) {
      if (!Object.prototype.hasOwnProperty.call(DEFAULT_FUEL_COSTS, k)) {
        throw new TypeError(`fuelCosts: unknown key ${JSON.stringify(k)} (known: ${Object.keys(DEFAULT_FUEL_COSTS).join(', ')})`);
      }
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
        throw new TypeError(`fuelCosts.${k} must be a non-negative integer, got ${JSON.stringify(v)}`);
      }
      (costs as unknown as Record<string, number>)[k] = v;
    }
  }
  const opCost = new Float64Array(OPS.length);
  for (const op of OPS) opCost[op.id] = costs[op.cost as CostClass];
  return { costs, opCost };
}

/** Identifiers of the generated code's fuel state and functions (closure bindings of `instantiate`). */
export const FUEL_VAR = 'fuel';
const RESERVE = 'fuelReserve';
const OUT_OF_FUEL = 'outOfFuel';
const CHARGE = 'chargeFuel';
const REFILL = 'fuelRefill';
/** The function-local copy of `fuel` in a leaf function with a loop (FuelMeter). */
const LOCAL_FUEL = 'fl';
/** Value of runtime/fuel.ts FUEL_CHUNK (kept in sync by test/fuel.test.ts). */
export const FUEL_CHUNK = 0x20000000;

/** `if ((fuel -= n) < 0) outOfFuel(n);` */
function chargeStmt(n: number): Stmt {
  const test = A.bin('<', A.assign(FUEL_VAR, A.num(n), '-='), A.num(0));
  return A.ifStmt(test, [A.exprStmt(A.call(OUT_OF_FUEL, [A.num(n)]))], null);
}

/**
 * How a leaf function with a loop keeps its fuel in a local `fl` (see
 * FuelMeter):
 * - `total`: `fl` holds all of the instance's fuel (a double, possibly
 *   Infinity), so a charge never refills: `if ((fl -= n) < 0) { fl += n;
 *   throw fuelError(); }`. The body becomes `let fl = fuel + fuelReserve;
 *   try { ... fuel = 0, fuelReserve = fl; return x; } catch (e) { fuel = 0,
 *   fuelReserve = fl; throw e; }`. The cold path is a throw, so the loop
 *   keeps its registers. The write-back is plain stores: V8 first compiles
 *   such a function during its first, long call, and an operator there
 *   without type feedback deoptimises and leaves the loop running in
 *   on-stack-replacement code, where `fl` is boxed. The entry's `+` has the
 *   same hazard (see the README).
 * - `chunk`: `fl` is a copy of `fuel` (an int32, at most FUEL_CHUNK), stored
 *   back after every charge: `{ if ((fl -= n) < 0) fl = fuelRefill(fl + n,
 *   n); fuel = fl; }`; the body starts with `let fl = fuel;` and needs no
 *   try/catch or write-back, and nothing at entry or exit needs type
 *   feedback. Used for dispatch loops (a `br_table` in the
 *   function): on the interpreter kernel it costs 1.22x against 1.26x for
 *   `total`, while on tight arithmetic loops (sha256, sieve) the refill call
 *   in the loop costs 1.33x against 1.15x.
 */
type LeafForm = 'none' | 'total' | 'chunk';

/** The charge of `n` in a leaf function of the given form (above). */
function localChargeStmt(n: number, form: LeafForm): Stmt {
  const fl = LOCAL_FUEL;
  const test = A.bin('<', A.assign(fl, A.num(n), '-='), A.num(0));
  if (form === 'total') {
    return A.ifStmt(test, [A.exprStmt(A.assign(fl, A.num(n), '+=')), { type: 'ThrowStatement', argument: A.call('fuelError', []) }], null);
  }
  const refill = A.exprStmt(A.assign(fl, A.call(REFILL, [A.bin('+', A.id(fl), A.num(n)), A.num(n)])));
  return A.block([A.ifStmt(test, [refill], null), A.exprStmt(A.assign(FUEL_VAR, A.id(fl)))]);
}

interface Region {
  /** The charge statement: an EmptyStatement until `resolve` fills it in (or removes it). */
  node: Stmt;
  list: Stmt[];
  sum: number;
  min: number;
  /** A branch or return left the region before its end. */
  exited: boolean;
  /** Charged with another region (folded): its statement is removed. */
  folded: boolean;
  /** The loop's head region, when the region ends in an unconditional branch back to that loop and nothing left it before. */
  back: Region | null;
  /** A loop's head region: the costliest of the regions charged with it (see `resolve`). */
  backMax: number;
  /** The join region this one falls into, when nothing left it before its end. */
  next: Region | null;
  /** A loop's first region. */
  head: boolean;
  /** Index in FuelMeter.regions. */
  idx: number;
}

/**
 * The regions of one function body, loop body or if arm: `base`, the region
 * small join regions fold into, and `cur`, the region instructions are
 * counted in (a join region, or `base` itself).
 */
interface Level {
  base: Region;
  cur: Region;
  /** A loop body's head (first) region, or null. */
  head: Region | null;
  /** An if arm (may fold into the enclosing level). */
  arm: boolean;
  /** `base` is still the level's first region. */
  single: boolean;
}

/** Instructions that may run other code reading or changing `fuel` (calls) or charge it themselves. */
const CALL_LIKE = new Uint8Array(OPS.length);
for (const n of ['call', 'call_indirect', 'memory.grow', 'memory.fill', 'memory.copy', 'memory.init', 'table.grow', 'table.fill', 'table.copy', 'table.init']) {
  CALL_LIKE[OP[n]!] = 1;
}

const LOOP_OP = OP['loop']!;

const BR_TABLE_OP = OP['br_table']!;

/**
 * The LeafForm of the body (from `start`, after the locals, to `end`):
 * `none` unless it has a loop and no call-like instruction (CALL_LIKE);
 * then `chunk` with a `br_table`, else `total`. (Without a loop, each charge
 * runs at most once per call: a local copy would not pay for itself.)
 */
function leafForm(bytes: Uint8Array, start: number, end: number): LeafForm {
  const r = new Reader(bytes, start, end);
  const ins = newInstr();
  let loop = false;
  let table = false;
  while (r.pos < r.end) {
    readInstr(r, ins);
    if (CALL_LIKE[ins.op]) return 'none';
    if (ins.op === LOOP_OP) loop = true;
    if (ins.op === BR_TABLE_OP) table = true;
  }
  return !loop ? 'none' : table ? 'chunk' : 'total';
}

/** Removes statement `node` from `list`. */
function remove(list: Stmt[], node: Stmt): void {
  const i = list.lastIndexOf(node);
  if (i >= 0) list.splice(i, 1);
}

/**
 * Per-function region bookkeeping (see the file comment): `start` at the
 * function body, `openLoop`/`openArm` where a loop body or an if arm starts,
 * `join` after the `end` of a block that is a branch target, `count` for
 * every live instruction, `call` for a direct call, `branch` for every branch
 * and return, `close` at the `else`/`end` of a loop, arm or the function,
 * then `resolve`, which fills in every charge, and `wrapBody`.
 *
 * Small regions fold (FuelCosts.foldUpTo): a join region, or an if arm made
 * of one region, that costs at most `foldUpTo` is charged with the region
 * before it (the one it would otherwise follow, or the one holding the `if`),
 * which every path to it went through; a path that skips it pays at most
 * `foldUpTo` too much for it, and saves a charge.
 *
 * Back regions fold into their loop's header (FuelCosts.loopFoldUpTo): a
 * region that ends in an unconditional `br` back to its loop, that no path
 * leaves before (no branch or return in it), and costs at most
 * `loopFoldUpTo`, is charged at the loop header instead, which charges its
 * own region plus the costliest such region of the loop. So is a region
 * that falls, with nothing leaving it, into such a region, at the cost of
 * both (a back path). An iteration passes through at most one back path,
 * after the header, so each is paid before it runs; an iteration pays at
 * most `loopFoldUpTo` too much. So an interpreter's dispatch loop charges
 * once per interpreted instruction.
 *
 * Direct calls pay the callee's first region (`prepaid`, see `entryFuel`),
 * so a small callee charges nothing on entry; entries from elsewhere (exports,
 * tables, the start function) go through `entryCharge`.
 *
 * A leaf function with a loop (no call-like instruction: nothing else can
 * read or charge the fuel while it runs) charges a local `fl` instead, which
 * the engine keeps in a register, in one of two forms (LeafForm).
 * Other functions charge `fuel` itself.
 */
export class FuelMeter {
  private readonly opCost: Float64Array;
  private readonly fold: number;
  private readonly loopFold: number;
  private readonly levels: Level[] = [];
  private readonly regions: Region[] = [];
  private readonly env: ModuleEnv;
  private readonly funcidx: number;
  /** Fuel of a direct call's callee's entry, by funcidx (0: the callee charges it itself). */
  private readonly calleeEntry: (funcidx: number) => number;
  /** Fuel direct callers pay for this function's first region. */
  private readonly prepaid: number;
  private entry: Region | null = null;
  /** Charges go to the local copy `fl` (a leaf function with a loop), unless `none`. */
  private leaf: LeafForm = 'none';

  constructor(plan: FuelPlan, env: ModuleEnv, funcidx: number, prepaid: number, calleeEntry: (funcidx: number) => number) {
    this.opCost = plan.opCost;
    this.fold = plan.costs.foldUpTo;
    this.loopFold = plan.costs.loopFoldUpTo;
    this.env = env;
    this.funcidx = funcidx;
    this.prepaid = prepaid;
    this.calleeEntry = calleeEntry;
  }

  /** Opens the function body's region (at least 1), the body's instructions starting at `bodyStart`. */
  start(list: Stmt[], bodyStart: number): void {
    const m = this.env.m;
    this.leaf = leafForm(m.bytes, bodyStart, m.bodyEnd[this.funcidx - m.numImportedFuncs]!);
    this.entry = this.open(list, 1, bodyStart, false);
  }

  /** Opens a loop body's region (charged on every iteration, at least 1); `offset`: the `loop` instruction. */
  openLoop(list: Stmt[], offset: number): void {
    const head = this.open(list, 1, offset, false);
    head.head = true;
    this.top().head = head;
  }

  /** Opens the region of an `if` arm. */
  openArm(list: Stmt[], offset: number): void {
    this.open(list, 0, offset, true);
  }

  private open(list: Stmt[], min: number, offset: number, arm: boolean): Region {
    const r = this.region(list, min, offset);
    this.levels.push({ base: r, cur: r, head: null, arm, single: true });
    return r;
  }

  private region(list: Stmt[], min: number, offset: number): Region {
    const node = A.withLoc({ type: 'EmptyStatement' }, offset);
    list.push(node);
    const r: Region = { node, list, sum: 0, min, exited: false, folded: false, back: null, backMax: 0, next: null, head: false, idx: this.regions.length };
    this.regions.push(r);
    return r;
  }

  private top(): Level {
    return this.levels[this.levels.length - 1]!;
  }

  /** The number of open levels (function body, loop bodies, if arms); `branch` takes an index below it. */
  depth(): number {
    return this.levels.length;
  }

  /**
   * A new region after the `end` of a block that is a branch target (the
   * paths arriving there by a branch skipped the rest of the current region),
   * its charge appended to `list`; `live`: the code before the `end` falls
   * through into it.
   */
  join(list: Stmt[], offset: number, live: boolean): void {
    const L = this.top();
    const c = L.cur;
    this.settle(L);
    L.cur = this.region(list, 0, offset);
    if (live && !c.exited) c.next = L.cur;
  }

  /** Adds the cost of one instruction of opcode row `op` to the current region. */
  count(op: number): void {
    this.top().cur.sum += this.opCost[op]!;
  }

  /** Adds `n` fuel to the current region (a bulk operation of constant length). */
  add(n: number): void {
    this.top().cur.sum += n;
  }

  /** A direct call of `funcidx`: the current region also pays what the callee's entry leaves to its callers. */
  call(funcidx: number): void {
    this.top().cur.sum += this.calleeEntry(funcidx);
  }

  /**
   * A branch (or return) out of the levels from index `from` inward: their
   * current regions are left early. `loop`: the branch goes back to the loop
   * whose body is level `from`; `uncond`: a `br` (see the class comment).
   */
  branch(from: number, loop: boolean, uncond: boolean): void {
    const cur = this.top().cur;
    if (loop && uncond && !cur.exited) {
      const head = this.levels[from]!.head!;
      if (cur !== head) cur.back = head;
    }
    for (let i = from; i < this.levels.length; i++) this.levels[i]!.cur.exited = true;
  }

  /** Ends the innermost level (at the `else`/`end` of its loop, arm or function). */
  close(): void {
    const L = this.levels.pop()!;
    this.settle(L);
    const b = L.base;
    if (L.arm && L.single && b.sum <= this.fold && b.back === null && this.levels.length > 0) {
      this.top().cur.sum += b.sum;
      b.folded = true;
    }
  }

  /** Ends the level's join region, if one is open: folded into `base` when small, else it becomes `base`. */
  private settle(L: Level): void {
    const c = L.cur;
    if (c === L.base) return;
    if (c.sum <= this.fold && c.back === null) {
      L.base.sum += c.sum;
      c.folded = true;
    } else {
      L.base = c;
      L.single = false;
    }
    L.cur = L.base;
  }

  /** Fuel of the function's first region, as direct callers should prepay it (after `resolve`). */
  entryTotal(): number {
    return Math.max(this.entry!.sum, 1);
  }

  /** The charge of `n` fuel (a negative `n` gives fuel back), or null for none. */
  private charge(n: number): Stmt | null {
    if (n === 0) return null;
    if (n < 0) {
      if (this.leaf === 'none') return A.exprStmt(A.assign(FUEL_VAR, A.num(-n), '+='));
      const back = A.assign(LOCAL_FUEL, A.num(-n), '+=');
      return A.exprStmt(this.leaf === 'chunk' ? A.assign(FUEL_VAR, back) : back);
    }
    return this.leaf === 'none' ? chargeStmt(n) : localChargeStmt(n, this.leaf);
  }

  /**
   * Fills in every charge statement: call once the whole body is lowered,
   * before its statement lists are copied. First the back paths fold into
   * their loop's header: a back region, or a region that falls, with nothing
   * leaving it, into a back path (a later region: so, in reverse order).
   */
  resolve(): void {
    const regions = this.regions;
    const pathHead: (Region | null)[] = new Array(regions.length).fill(null);
    const pathCost = new Float64Array(regions.length);
    for (let i = regions.length - 1; i >= 0; i--) {
      const r = regions[i]!;
      if (r.folded || r.head) continue;
      if (r.back !== null) {
        pathHead[i] = r.back;
        pathCost[i] = r.sum;
      } else if (r.next !== null && pathHead[r.next.idx] !== null) {
        pathHead[i] = pathHead[r.next.idx]!;
        pathCost[i] = r.sum + pathCost[r.next.idx]!;
      }
    }
    const fold: Region[] = [];
    for (let i = 0; i < regions.length; i++) {
      const head = pathHead[i];
      if (head === null || pathCost[i]! > this.loopFold) continue;
      fold.push(regions[i]!);
      if (pathCost[i]! > head.backMax) head.backMax = pathCost[i]!;
    }
    for (const r of fold) r.folded = true;
    for (const r of regions) {
      if (r.folded) {
        remove(r.list, r.node);
        continue;
      }
      const n = Math.max(r.sum, r.min) + r.backMax - (r === this.entry ? this.prepaid : 0);
      const stmt = this.charge(n);
      if (stmt === null) remove(r.list, r.node);
      else Object.assign(r.node, stmt);
    }
  }

  /** The finished function body (declarations first; after `resolve`): for a leaf function, with `fl` as LeafForm describes. */
  wrapBody(body: Stmt[]): Stmt[] {
    if (this.leaf === 'none') return body;
    if (this.leaf === 'chunk') return [A.decl('let', [[LOCAL_FUEL, A.id(FUEL_VAR)]]), ...body];
    const sync = () => A.exprStmt({
      type: 'SequenceExpression',
      expressions: [A.assign(FUEL_VAR, A.num(0)), A.assign(RESERVE, A.id(LOCAL_FUEL))],
    } as Expr);
    syncReturns(body, sync);
    const tryStmt = {
      type: 'TryStatement',
      block: A.block([...body, sync()]),
      handler: { type: 'CatchClause', param: A.id('e'), body: A.block([sync(), { type: 'ThrowStatement', argument: A.id('e') }]) },
      finalizer: null,
    };
    return [A.decl('let', [[LOCAL_FUEL, A.bin('+', A.id(FUEL_VAR), A.id(RESERVE))]]), tryStmt];
  }
}

/**
 * Fuel each defined function's direct callers prepay for its first region
 * (FuelMeter `prepaid`), indexed by funcidx minus the number of imported
 * functions: the first region's fuel as `skeleton` meters it, its own
 * callees' prepaid fuel included. Where first regions call each other in a
 * cycle (or more than 200 deep), a callee still being computed counts 0.
 * The lowering charges on entry whatever its own metering finds beyond the
 * prepaid amount (or gives back any excess), so the fuel consumed never
 * depends on this estimate; only the number of charges does.
 */
export function entryFuel(env: ModuleEnv, plan: FuelPlan): Float64Array {
  const m = env.m;
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
    out[i] = skeleton(env, plan, f, get);
    depth--;
    state[i] = 2;
    return out[i]!;
  };
  for (let f = base; f < m.funcTypes.length; f++) get(f);
  return out;
}

const SK_BLOCK = 0;
const SK_LOOP = 1;
const SK_IF = 2;
const SK_FUNC = 3;
const OP_NAME = OPS.map((o) => o.name);

/**
 * The fuel of function `funcidx`'s first region: a FuelMeter driven over the
 * body's control instructions exactly as func.ts drives it (dead code after
 * an unconditional branch is skipped; a block is a join when a live branch
 * targets it), without lowering anything. Bulk operations of constant length
 * count only their base cost here.
 */
function skeleton(env: ModuleEnv, plan: FuelPlan, funcidx: number, calleeEntry: (f: number) => number): number {
  const m = env.m;
  const i = funcidx - m.numImportedFuncs;
  const r = new Reader(m.bytes, m.bodyStart[i]!, m.bodyEnd[i]!);
  readLocals(r, m.types[m.funcTypes[funcidx]!]!.params);
  const meter = new FuelMeter(plan, env, funcidx, 0, calleeEntry);
  const list: Stmt[] = [];
  const frames: { kind: number; used: boolean; from: number }[] = [{ kind: SK_FUNC, used: false, from: 0 }];
  meter.start(list, r.pos);
  const ins = newInstr();
  let targets: Uint32Array = new Uint32Array(16);
  let dead = false;
  let deadDepth = 0;
  const end = () => {
    const f = frames.pop()!;
    if (f.kind !== SK_BLOCK) meter.close();
    const live = !dead;
    dead = false;
    if (f.kind === SK_BLOCK && f.used) meter.join(list, 0, live);
  };
  const branch = (depth: number, uncond: boolean) => {
    const f = frames[frames.length - 1 - depth]!;
    f.used = true;
    meter.branch(f.from, f.kind === SK_LOOP, uncond);
  };
  while (frames.length > 0) {
    readInstr(r, ins);
    const name = OP_NAME[ins.op];
    if (dead) {
      if (name === 'block' || name === 'loop' || name === 'if') deadDepth++;
      else if (name === 'end') {
        if (deadDepth > 0) deadDepth--;
        else end();
      } else if (name === 'else' && deadDepth === 0) {
        meter.close();
        dead = false;
        meter.openArm(list, 0);
      }
      continue;
    }
    meter.count(ins.op);
    switch (name) {
      case 'unreachable':
        dead = true;
        break;
      case 'block':
        frames.push({ kind: SK_BLOCK, used: false, from: meter.depth() - 1 });
        break;
      case 'loop':
        meter.openLoop(list, 0);
        frames.push({ kind: SK_LOOP, used: false, from: meter.depth() - 1 });
        break;
      case 'if':
        frames.push({ kind: SK_IF, used: false, from: meter.depth() });
        meter.openArm(list, 0);
        break;
      case 'else':
        meter.close();
        meter.openArm(list, 0);
        break;
      case 'end':
        end();
        break;
      case 'br':
        branch(ins.a, true);
        dead = true;
        break;
      case 'br_if':
        branch(ins.a, false);
        break;
      case 'br_table':
        targets = readBrTable(m.bytes, ins, targets);
        for (let k = 0; k < ins.a; k++) branch(targets[k]!, false);
        branch(ins.c, false);
        dead = true;
        break;
      case 'return':
        meter.branch(0, false, false);
        dead = true;
        break;
      case 'call':
        meter.call(ins.a);
        break;
    }
  }
  return meter.entryTotal();
}

/**
 * The statement charging function `funcidx`'s prepaid first region on an
 * entry that is not a direct call (export, table, start function), or null
 * when nothing is prepaid.
 */
export function entryCharge(env: ModuleEnv, funcidx: number): Stmt | null {
  const n = env.prepaid ? env.prepaid[funcidx - env.m.numImportedFuncs]! : 0;
  return n > 0 ? chargeStmt(n) : null;
}

/**
 * Puts `sync()` before every `return` in `stmts` (in place). A leaf
 * function's return value cannot charge fuel, so writing `fl` back before
 * evaluating it is the same as after.
 */
function syncReturns(stmts: Stmt[], sync: () => Stmt): void {
  for (let i = 0; i < stmts.length; i++) {
    const s = stmts[i];
    if (s.type === 'ReturnStatement') {
      stmts[i] = A.withLoc(A.block([sync(), s]), s.loc?.start.column);
      continue;
    }
    visit(s, sync);
  }
}

/** Descends into the statement lists of `s` (functions are never nested in a lowered body). */
function visit(s: Stmt, sync: () => Stmt): void {
  switch (s.type) {
    case 'BlockStatement':
      syncReturns(s.body, sync);
      return;
    case 'IfStatement':
      for (const arm of [s.consequent, s.alternate]) {
        if (arm === null) continue;
        if (arm.type === 'ReturnStatement') {
          if (arm === s.consequent) s.consequent = A.block([sync(), arm]);
          else s.alternate = A.block([sync(), arm]);
        } else visit(arm, sync);
      }
      return;
    case 'LabeledStatement':
    case 'ForStatement':
    case 'WhileStatement':
    case 'DoWhileStatement':
      if (s.body.type === 'ReturnStatement') s.body = A.block([sync(), s.body]);
      else visit(s.body, sync);
      return;
    case 'SwitchStatement':
      for (const c of s.cases) syncReturns(c.consequent, sync);
      return;
    case 'TryStatement':
      visit(s.block, sync);
      if (s.handler) visit(s.handler.body, sync);
      if (s.finalizer) visit(s.finalizer, sync);
      return;
  }
}

// ------------------------------------------------------ operand-dependent costs

/** Fuel of `n` units (an int32 expression read as unsigned) at `per` units per fuel. */
function rate(n: Expr, per: number): Expr {
  if ((per & (per - 1)) === 0) return A.bin('>>>', n, A.num(Math.log2(per)));
  return A.call(A.member('Math', 'floor'), [A.bin('/', A.bin('>>>', n, A.num(0)), A.num(per))]);
}

/**
 * A bulk operation whose last operand is its length: charges `floor(length /
 * per)` after the operands are evaluated, then lowers as usual.
 */
function bulkCharge(per: number): OpLowering {
  return (L, ins, env) => {
    let n = L.popVal();
    const lit = n.k === CONST && n.e.type === 'Literal' ? (n.e.value as number) >>> 0 : null;
    if (lit !== null) L.meter!.add(Math.floor(lit / per));
    else {
      L.spillImpure();
      n = L.evalNow(n);
      L.emit(A.exprStmt(A.call(CHARGE, [rate(asI32(n, A.bin), per)])));
    }
    L.pushVal(n);
    LOWER_OPS[ins.op]!(L, ins, env);
  };
}

/** `table.grow`: charges its elements when it will succeed, then lowers as usual. */
function tableGrowCharge(per: number): OpLowering {
  return (L, ins, env) => {
    let n = L.popVal();
    const v = L.popVal();
    L.pushVal(v);
    L.spillImpure();
    n = L.evalNow(n);
    L.emit(A.exprStmt(A.call(CHARGE, [A.call('tableGrowFuel', [A.id(`T${ins.a}`), asI32(n, A.bin), A.num(per)])])));
    L.pushVal(n);
    LOWER_OPS[ins.op]!(L, ins, env);
  };
}

/**
 * `memory.grow`: with fuel, charges the new pages when the grow will
 * succeed; with an imported memory, grows by `limitGrow(M, delta, limit)`
 * so the instance's page limit applies. Then lowers as usual.
 */
function memoryGrow(pageCost: number | null, imported: boolean): OpLowering {
  return (L, ins, env) => {
    let a: Val = L.popVal();
    if (pageCost !== null && pageCost > 0) {
      L.spillImpure();
      a = L.evalNow(a);
      L.emit(A.exprStmt(A.call(CHARGE, [A.call('memoryGrowFuel', [A.id('M'), asI32(a, A.bin), A.id('limit'), A.num(pageCost)])])));
    }
    if (imported) a = val(A.call('limitGrow', [A.id('M'), asI32(a, A.bin), A.id('limit')]), I32, IMPURE, a.reads, false, a.d + 1);
    L.pushVal(a);
    LOWER_OPS[ins.op]!(L, ins, env);
  };
}

const overrideCache = new WeakMap<ModuleEnv, (OpLowering | undefined)[] | null>();

/**
 * Lowerings that replace ops.ts's for this module (memory.grow, bulk memory
 * and table operations), or null when none is needed (no fuel, no imported memory).
 */
export function sandboxOps(env: ModuleEnv): (OpLowering | undefined)[] | null {
  let ops = overrideCache.get(env);
  if (ops !== undefined) return ops;
  const fuel = env.fuel ?? null;
  const imported = env.m.numImportedMemories > 0;
  ops = null;
  if (fuel !== null || imported) {
    ops = new Array(OPS.length);
    const bytes = fuel === null ? 0 : fuel.costs.bytesPerFuel;
    const elems = fuel === null ? 0 : fuel.costs.elementsPerFuel;
    ops[OP['memory.grow']!] = memoryGrow(fuel === null ? null : bytes === 0 ? 0 : Math.floor(65536 / bytes), imported);
    if (bytes > 0) for (const n of ['memory.fill', 'memory.copy', 'memory.init']) ops[OP[n]!] = bulkCharge(bytes);
    if (elems > 0) {
      for (const n of ['table.fill', 'table.copy', 'table.init']) ops[OP[n]!] = bulkCharge(elems);
      ops[OP['table.grow']!] = tableGrowCharge(elems);
    }
  }
  overrideCache.set(env, ops);
  return ops;
}

// ------------------------------------------------------------ module level

/** Runtime bindings the sandbox code of this module uses, beyond emit/module.ts RUNTIME_BINDINGS. */
export function sandboxBindings(env: ModuleEnv): string[] {
  const out = ['instanceLimit'];
  if (env.m.numImportedMemories > 0) out.push('limitGrow');
  if (env.fuel) out.push('fuelAmount', 'fuelError', 'memoryGrowFuel', 'tableGrowFuel');
  return out;
}

/**
 * Statements at the top of `instantiate` (after `limit`) holding the fuel
 * state, as JS text: `fuel` (the hot counter, at most FUEL_CHUNK; a `var`,
 * which the functions reach without the temporal-dead-zone check of a `let`) and
 * `fuelReserve` (the rest, possibly Infinity); their sum is the instance's
 * fuel. `outOfFuel(n)` runs when a charge of `n` took `fuel` below 0: it
 * moves fuel from the reserve, or, when there is not enough, gives the `n`
 * back (fuel stays at what it was before the failing charge) and traps
 * `out-of-fuel`. `fuelRefill(avail, n)` does the same for a leaf function's
 * local copy `fl`: with `avail` fuel left, it takes enough from the reserve
 * to pay `n` (up to FUEL_CHUNK more) and returns the new `fl`, or traps
 * `out-of-fuel` with nothing changed (the function stored `fuel = avail`
 * after its last charge). Leaf functions of the `total` form write theirs
 * back as `fuel = 0, fuelReserve = fl`.
 * `options.fuel` sets the initial amount (default Infinity).
 */
export function fuelPrologue(): string {
  const C = FUEL_CHUNK;
  return [
    `var ${FUEL_VAR} = 0, ${RESERVE} = 0;`,
    `function ${OUT_OF_FUEL}(n) {`,
    `  if (${FUEL_VAR} + ${RESERVE} < 0) {`,
    `    ${FUEL_VAR} += n;`,
    `    if (${FUEL_VAR} + ${RESERVE} < 0) ${FUEL_VAR} = -${RESERVE};`,
    `    trap('out-of-fuel');`,
    `  }`,
    `  const room = ${C} - ${FUEL_VAR};`,
    `  const t = ${RESERVE} < room ? ${RESERVE} : room;`,
    `  ${RESERVE} -= t;`,
    `  ${FUEL_VAR} += t;`,
    `}`,
    `function ${REFILL}(avail, n) {`,
    `  const t = ${RESERVE} < ${C} - avail + n ? ${RESERVE} : ${C} - avail + n;`,
    `  if (avail + t < n) trap('out-of-fuel');`,
    `  ${RESERVE} -= t;`,
    `  return avail + t - n;`,
    `}`,
    `function ${CHARGE}(n) {`,
    `  if ((${FUEL_VAR} -= n) < 0) ${OUT_OF_FUEL}(n);`,
    `}`,
    `function getFuel() {`,
    `  const n = ${FUEL_VAR} + ${RESERVE};`,
    `  return n > 0 ? n : 0;`,
    `}`,
    `function setFuel(n) {`,
    `  n = fuelAmount(n);`,
    `  ${FUEL_VAR} = n < ${C} ? n : ${C};`,
    `  ${RESERVE} = n - ${FUEL_VAR};`,
    `}`,
    `setFuel(options !== undefined && options !== null && options.fuel !== undefined ? options.fuel : Infinity);`,
  ].join('\n');
}

/** Extra properties of the object `instantiate` returns: `getFuel`, `setFuel` with fuel. */
export function instanceProperties(env: ModuleEnv): { type: 'Property'; [k: string]: unknown }[] {
  if (!env.fuel) return [];
  return ['getFuel', 'setFuel'].map((name) => ({
    type: 'Property', key: A.id(name), value: A.id(name), kind: 'init', computed: false, method: false, shorthand: false,
  }));
}

/**
 * The compile-time default page limit (`maxMemoryPages` option): 65536 when
 * absent; limits above 65536 mean 65536.
 * @throws TypeError when it is not a non-negative integer.
 */
export function compilePageLimit(pages: number | undefined): number {
  if (pages === undefined) return 65536;
  if (typeof pages !== 'number' || !Number.isInteger(pages) || pages < 0) {
    throw new TypeError(`maxMemoryPages must be a non-negative integer (pages of 64 KiB), got ${String(pages)}`);
  }
  return Math.min(pages, 65536);
}
