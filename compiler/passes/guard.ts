/**
 * Guarded versions of functions, for output tuned for engines without an
 * optimizing JIT (`tune: 'hermes'`: V8 `--jitless`, Hermes).
 *
 * There every memory load through a view pays for its exact fallback
 * (`h32[a / 4] ?? dv.getInt32(a >>> 0, true)`): one more bytecode per access,
 * 12-13% of an interpreter loop that reads its registers through a base
 * pointer (the interp kernel in V8 `--jitless`; test/bench/JOURNAL.md
 * "Division by constants, and where a warm Lua run goes"). Such a base is
 * often a parameter the function never assigns. When the function uses
 * such a parameter often enough, it is lowered a second time (`<name>$g`)
 * assuming the parameter is a multiple of 8 in [0, minimum memory size less
 * REACH] and the host little-endian
 * (lower/ranges.ts `assuming`): accesses proved in bounds and aligned under
 * that assumption, and those proved without it, index the views with no
 * fallback (views.ts `memoryLoad`, `memoryStore`). The function as lowered
 * first starts by testing the assumption and, where it holds, returns what
 * the guarded version returns:
 *
 *   if (HB !== 0 && (l1 >>> 0) <= 126976 && !(l1 & 7)) return $exec$g(l0, l1);
 *
 * The test is sound for the whole call: the parameter keeps its value, a
 * memory never shrinks, and `HB` is 0 only on a big-endian host. Both
 * versions run the same statements with the same fuel charges and traps.
 * passes/index.ts keeps the guarded version only where the function stays
 * whole and the guarded version sheds at least MIN_GUARDED checks inside
 * loops: it doubles the function's code and adds a call to each of its calls.
 */
import * as A from '../lower/ast.js';
import type { Expr, Stmt } from '../lower/ast.js';
import type { ModuleEnv } from '../lower/env.js';
import { VIEW_BYTES } from '../lower/views.js';
import { assuming, range, type Range } from '../lower/ranges.js';
import { I32 } from '../types.js';

/** Checks inside loops the guarded version must shed to be kept (passes/index.ts); its parameter must appear half as often. */
export const MIN_GUARDED = 8;
/** The largest offset from the base the guarded version's accesses may add (bytes). */
const REACH = 4096;

/** What a guarded version assumes: the parameter `name` in [0, limit], a multiple of 8, and the `ranges` that follow. */
export interface GuardPlan {
  name: string;
  limit: number;
  /** The parameter's range, and those of the locals whose every value the analysis bounds given it (ranges.ts). */
  ranges: Map<string, Range>;
}

/**
 * The guard for `decl` (the function as lowered, before the split pass), or
 * null: the i32 parameter it reads most, if at least MIN_GUARDED / 2 times and
 * never assigned, and memory large enough for the guard to hold. With it,
 * the range of every wasm local (`l<n>`, not a temporary, whose name may
 * mean another value in another lowering) whose every assigned value the
 * analysis bounds, given the parameter's range and the ranges found so far
 * (a local starts at 0): the byte a local holds to index a register file.
 */
export function guardPlan(env: ModuleEnv, funcidx: number, decl: Stmt): GuardPlan | null {
  const limit = env.safeBytes - REACH;
  if (env.tune !== 'hermes' || limit < 0 || decl.type !== 'FunctionDeclaration') return null;
  const types = env.m.types[env.m.funcTypes[funcidx]!]!.params;
  const params = new Set<string>((decl.params as Expr[]).map((p) => p.name));
  const uses = new Map<string, number>();
  for (const p of params) {
    const n = /^l(\d+)$/.exec(p)?.[1];
    if (n !== undefined && types[Number(n)] === I32) uses.set(p, 0);
  }
  if (uses.size === 0) return null;
  // Every value assigned to each local (null: one the analysis cannot see, a compound assignment).
  const writes = new Map<string, Expr[] | null>();
  const write = (name: string, value: Expr | null) => {
    const w = writes.get(name);
    if (w === null) return;
    if (value === null) writes.set(name, null);
    else if (w === undefined) writes.set(name, [value]);
    else w.push(value);
  };
  const walk = (n: any): void => {
    if (n === null || typeof n !== 'object') return;
    if (Array.isArray(n)) {
      for (const c of n) walk(c);
      return;
    }
    if (n.type === 'AssignmentExpression' && n.left.type === 'Identifier') write(n.left.name, n.operator === '=' ? n.right : null);
    else if (n.type === 'AssignmentExpression' && n.left.type !== 'MemberExpression') opaque = true; // a pattern: not lowered today
    else if (n.type === 'UpdateExpression' && n.argument.type === 'Identifier') write(n.argument.name, null);
    else if (n.type === 'VariableDeclarator' && n.init != null) write(n.id.name, n.init);
    if (n.type === 'Identifier' && uses.has(n.name)) uses.set(n.name, uses.get(n.name)! + 1);
    for (const k of A.childKeys(n)) walk(n[k]);
  };
  let opaque = false;
  walk(decl.body);
  if (opaque) return null;
  let name: string | null = null;
  for (const [p, c] of uses) if (c >= MIN_GUARDED / 2 && !writes.has(p) && (name === null || c > uses.get(name)!)) name = p;
  if (name === null) return null;
  const ranges = new Map<string, Range>([[name, { lo: 0, hi: limit, tz: 3 }]]);
  const zero: Expr = A.num(0);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [local, values] of writes) {
      if (values === null || ranges.has(local) || params.has(local) || !/^l\d+$/.test(local)) continue;
      const r = assuming(ranges, () => {
        let u = range(zero);
        for (const v of values) {
          const x = u && range(v);
          u = x && { lo: Math.min(u!.lo, x.lo), hi: Math.max(u!.hi, x.hi), tz: Math.min(u!.tz, x.tz) };
        }
        return u;
      });
      if (r !== null) {
        ranges.set(local, r);
        grew = true;
      }
    }
  }
  return { name, limit, ranges };
}

/**
 * The statement the unguarded version starts with: `if (HB !== 0 &&
 * (p >>> 0) <= limit && !(p & 7)) return guarded(params...);`.
 */
export function guardStatement(name: string, limit: number, guarded: string, params: Expr[]): Stmt {
  const p = A.id(name);
  const test = A.bin('&&', A.bin('&&', A.bin('!==', A.id(VIEW_BYTES), A.num(0)), A.bin('<=', A.bin('>>>', p, A.num(0)), A.num(limit))), A.un('!', A.bin('&', p, A.num(7))));
  return A.ifStmt(test, [A.ret(A.call(guarded, params.map((q) => A.id(q.name))))], null);
}
