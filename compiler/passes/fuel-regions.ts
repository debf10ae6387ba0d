/**
 * Region bookkeeping of the fuel pass (fuel.ts): which instructions each
 * region pays for, which small regions fold into others, and the final
 * amount of every charge. The scheme is described in compiler/lower/fuel.ts.
 *
 * The pass calls `start` at the function body, `openLoop`/`openArm` where a
 * loop body or an if arm starts, `join` after the `end` of a block that is a
 * branch target, `count` for every live instruction, `add` for extra fuel
 * (a direct call's prepaid callee entry, a bulk operation's constant
 * length), `branch` for every branch and return, `close` at the `else`/`end`
 * of a loop, arm or the function, then `resolve`, which sets every charge.
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
 * Direct calls pay the callee's first region (`prepaid`, see fuel.ts
 * `entryFuel`), so a small callee charges nothing on entry; entries from
 * elsewhere (exports, tables, the start function) go through
 * lower/fuel.ts `entryCharge`.
 */
import type { Func } from '../ir/ir.js';
import type { FuelPlan } from '../lower/fuel-costs.js';

interface Region {
  /** The region's CHARGE node in the IR: its amount is set by `resolve` (0 when folded). */
  node: number;
  sum: number;
  min: number;
  /** A branch or return left the region before its end. */
  exited: boolean;
  /** Charged with another region (folded). */
  folded: boolean;
  /** The loop's head region, when the region ends in an unconditional branch back to that loop and nothing left it before. */
  back: Region | null;
  /** A loop's head region: the costliest of the regions charged with it (see `resolve`). */
  backMax: number;
  /** The join region this one falls into, when nothing left it before its end. */
  next: Region | null;
  /** A loop's first region. */
  head: boolean;
  /** Index in Regions.regions. */
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

/** The regions of one function (see the file comment). */
export class Regions {
  private readonly opCost: Float64Array;
  private readonly fold: number;
  private readonly loopFold: number;
  private readonly levels: Level[] = [];
  private readonly regions: Region[] = [];
  /** Fuel direct callers pay for this function's first region. */
  private readonly prepaid: number;
  private entry: Region | null = null;
  private readonly fn: Func;

  constructor(fn: Func, plan: FuelPlan, prepaid: number) {
    this.fn = fn;
    this.opCost = plan.opCost;
    this.fold = plan.costs.foldUpTo;
    this.loopFold = plan.costs.loopFoldUpTo;
    this.prepaid = prepaid;
  }

  /** Opens the function body's region (at least 1), charged at `node`. */
  start(node: number): void {
    this.entry = this.open(node, 1, false);
  }

  /** Opens a loop body's region (charged on every iteration, at least 1). */
  openLoop(node: number): void {
    const head = this.open(node, 1, false);
    head.head = true;
    this.top().head = head;
  }

  /** Opens the region of an `if` arm. */
  openArm(node: number): void {
    this.open(node, 0, true);
  }

  private open(node: number, min: number, arm: boolean): Region {
    const r = this.region(node, min);
    this.levels.push({ base: r, cur: r, head: null, arm, single: true });
    return r;
  }

  private region(node: number, min: number): Region {
    const r: Region = { node, sum: 0, min, exited: false, folded: false, back: null, backMax: 0, next: null, head: false, idx: this.regions.length };
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
   * charged at `node`; `live`: the code before the `end` falls through into it.
   */
  join(node: number, live: boolean): void {
    const L = this.top();
    const c = L.cur;
    this.settle(L);
    L.cur = this.region(node, 0);
    if (live && !c.exited) c.next = L.cur;
  }

  /** Adds the cost of one instruction of opcode row `op` to the current region. */
  count(op: number): void {
    this.top().cur.sum += this.opCost[op]!;
  }

  /** Adds `n` fuel to the current region (a callee's prepaid entry, a bulk operation of constant length). */
  add(n: number): void {
    this.top().cur.sum += n;
  }

  /**
   * A branch (or return) out of the levels from index `from` inward: their
   * current regions are left early. `loop`: the branch goes back to the loop
   * whose body is level `from`; `uncond`: a `br` (see the file comment).
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

  /**
   * Sets every charge: call once the whole body is walked. First the back
   * paths fold into their loop's header: a back region, or a region that
   * falls, with nothing leaving it, into a back path (a later region: so, in
   * reverse order).
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
      this.fn.setAmount(r.node, r.folded ? 0 : Math.max(r.sum, r.min) + r.backMax - (r === this.entry ? this.prepaid : 0));
    }
  }
}
