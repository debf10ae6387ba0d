/**
 * Per-function fuel metering (the scheme is described in fuel.ts): the
 * FuelMeter that the function lowering (control.ts) drives to place one charge
 * per region, the charge statements it fills in, and the identifiers of the
 * generated code's fuel state.
 */
import * as A from './ast.js';
import type { Expr, Stmt } from './ast.js';
import type { ModuleEnv } from './env.js';
import type { FuelPlan } from './fuel-costs.js';
import { readInstr, newInstr } from '../decode/code.js';
import { Reader } from '../decode/reader.js';
import { OPS, OP } from '../opcodes.js';

/** Identifiers of the generated code's fuel state and functions (closure bindings of `instantiate`). */
export const FUEL_VAR = 'fuel';
export const RESERVE = 'fuelReserve';
export const OUT_OF_FUEL = 'outOfFuel';
export const CHARGE = 'chargeFuel';
export const REFILL = 'fuelRefill';
/** The function-local copy of `fuel` in a leaf function with a loop (FuelMeter). */
const LOCAL_FUEL = 'fl';

/** `if ((fuel -= n) < 0) outOfFuel(n);` */
export function chargeStmt(n: number): Stmt {
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
