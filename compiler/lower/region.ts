/**
 * Dispatch regions in the lowering (which nests qualify: passes/regions.ts):
 * a `br_table` nest as `st = idx >>> 0; L: for (;;) { switch (st) { ... }
 * break L; }`. lower/control.ts keeps the nest's blocks as frames with no JS
 * block of their own (so the code before the table stays where the region
 * will stand), calls `regionSwitch` at the table and `regionJump` for a
 * branch to a nest block, and at block k's `end` continues in `arms[k]`
 * (after block n's, after the region).
 */
import * as A from './ast.js';
import type { Expr, Node, Stmt } from './ast.js';

/** One region being lowered. */
export interface Region {
  /** The loop's label (the outermost block's). */
  label: string;
  /** The variable the switch dispatches on. */
  state: string;
  /** Blocks in the nest (n). */
  n: number;
  /** The statement list of arm k (the code after block k's `end`), k = 1 .. n-1, made by `regionSwitch`. */
  arms: Stmt[][];
}

/** What the region code needs of a control frame: its region, if any, and its place there (1: innermost). */
export interface RegionFrame {
  region: Region | null;
  arm: number;
}

/**
 * The statements of region `r`'s `br_table` (`count` table entries in
 * `targets`, then `dflt`, as label depths; `idx`, the index as an int32
 * expression): the index in the state variable, then the loop and its
 * `switch`, with the cases for targets outside the nest first (their bodies
 * from `branchTo`, each ending in a jump), a case leaving the region for
 * block n, then one clause per arm in nest order, each with its table
 * indexes and its own case -1 - k (`regionJump`), its body `r.arms[k]`,
 * which the lowering fills as it reaches each block's `end`. Nest blocks are
 * void, so the table carries no values.
 */
export function regionSwitch(
  r: Region, targets: Uint32Array, count: number, dflt: number, idx: Expr, offset: number,
  frameAt: (depth: number) => RegionFrame, branchTo: (depth: number) => Stmt[],
): Stmt[] {
  const tests: (Expr | null)[][] = Array.from({ length: r.n + 1 }, () => []);
  const outer = new Map<number, (Expr | null)[]>();
  for (let i = 0; i <= count; i++) {
    const depth = i < count ? targets[i]! : dflt;
    const test = i < count ? A.num(i) : null;
    const f = frameAt(depth);
    if (f.region === r) tests[f.arm]!.push(test);
    else {
      let list = outer.get(depth);
      if (!list) outer.set(depth, (list = []));
      list.push(test);
    }
  }
  const cases: Node[] = [];
  const clause = (list: (Expr | null)[], body: Stmt[]) =>
    list.forEach((t, i) => cases.push({ type: 'SwitchCase', test: t, consequent: i === list.length - 1 ? body : [] }));
  for (const [depth, list] of outer) clause(list, branchTo(depth));
  if (tests[r.n]!.length > 0) clause(tests[r.n]!, [A.brk(r.label)]);
  for (let k = 1; k < r.n; k++) clause([...tests[k]!, A.num(-1 - k)], (r.arms[k] = []));
  const sw = A.withLoc({ type: 'SwitchStatement', discriminant: A.id(r.state), cases }, offset);
  return [A.exprStmt(A.assign(r.state, A.bin('>>>', idx, A.num(0)))), A.labeled(r.label, A.loop([sw, A.brk(r.label)]))];
}

/** A branch to the end of block k of region `r`: to arm k (through its own case, -1 - k), or out of the region after block n. */
export function regionJump(r: Region, k: number): Stmt[] {
  if (k === r.n) return [A.brk(r.label)];
  return [A.exprStmt(A.assign(r.state, A.num(-1 - k))), A.cont(r.label)];
}
