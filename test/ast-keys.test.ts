/**
 * The shape of the ESTree the backend emits, as the ESTree passes rely on it:
 *
 * - `CHILD_KEYS` (compiler/lower/ast.ts) lists, for every node type the
 *   backend emits, every key that holds a node or an array of nodes: the
 *   passes walk children through it, so a key it missed would be a subtree
 *   they never see (a temporary never renamed, a variable never copied);
 * - `loweredBound` (compiler/passes/index.ts) bounds the AST nodes a
 *   function lowers to by its IR rows: the split pass weighs only functions
 *   over it, so a function the bound undercounts would escape splitting.
 *
 * Both are checked over the bench kernels (with ../shared) and generated
 * modules (the fuzzer's, with exceptions in half), in every i64 form, with
 * and without fuel, and in the flat form.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import { decodeAndValidate } from '../compiler/index.js';
import { CHILD_KEYS, num, type Node } from '../compiler/lower/ast.js';
import { makeEnv, type ModuleEnv } from '../compiler/lower/env.js';
import { FLAT_DEPTH } from '../compiler/lower/func.js';
import { lowerFunction } from '../compiler/lower/func.js';
import { memoryGrowers } from '../compiler/lower/grows.js';
import { tableContents } from '../compiler/lower/tables.js';
import { resolveFuelCosts } from '../compiler/lower/fuel-costs.js';
import { entryFuel, functionIR, loweredBound, lowerWithPasses } from '../compiler/passes/index.js';
import { chooseForm } from '../compiler/passes/form.js';
import { heavier, weigh, weighAround } from '../compiler/passes/split.js';
import { childLists } from '../compiler/passes/statements.js';
import { generate } from './fuzz/gen.js';
import { encodeModule } from './fuzz/encode.js';
import { ROOT } from './util/load.js';

const ALL_KERNELS = join(ROOT, '..', 'shared', 'bench', 'build', 'all.wasm');

/** The modules checked: the kernels linked in one (when ../shared is there) and 30 generated ones. */
function modules(): [string, Uint8Array][] {
  const out: [string, Uint8Array][] = [];
  if (existsSync(ALL_KERNELS)) out.push(['all.wasm', new Uint8Array(readFileSync(ALL_KERNELS))]);
  else console.warn(`ast-keys.test: ${ALL_KERNELS} is absent (../shared); generated modules only`);
  for (let s = 0; s < 30; s++) out.push([`generated seed ${s}`, encodeModule(generate(7_100_000 + s, { exceptions: s % 2 === 1 }).module)]);
  return out;
}

const OPTIONS = [
  { i64: 'auto' }, { i64: 'pair' }, { i64: 'bigint' }, { i64: 'auto', fuel: true }, { i64: 'pair', fuel: true }, { i64: 'auto', flatDepth: 0 },
] as const;

/** The module environment emit/module.ts makes for these options. */
function env(bytes: Uint8Array, o: (typeof OPTIONS)[number]): ModuleEnv {
  const m = decodeAndValidate(bytes);
  const e = makeEnv(m, 'flatDepth' in o ? o.flatDepth : FLAT_DEPTH);
  e.fuel = 'fuel' in o ? resolveFuelCosts(undefined) : null;
  e.prepaid = e.fuel ? entryFuel(m, e.fuel) : null;
  e.i64 = o.i64;
  e.bigFuncs = new Map();
  e.tables = tableContents(m);
  e.growers = m.memories.length > 0 ? memoryGrowers(m, e.tables) : null;
  return e;
}

/** Each function of each module in each option set: `f(env, funcidx)`. */
function eachFunction(f: (e: ModuleEnv, funcidx: number, what: string) => void): void {
  for (const [name, bytes] of modules()) {
    for (const o of OPTIONS) {
      const e = env(bytes, o);
      for (let i = e.m.numImportedFuncs; i < e.m.funcTypes.length; i++) f(e, i, `${name} ${JSON.stringify(o)} funcidx ${i}`);
    }
  }
}

/** Keys of `n` holding a node or array that CHILD_KEYS does not list (`Type.key`), throughout the tree; `types` collects the node types seen. */
function unlisted(root: Node, types = new Set<string>()): Set<string> {
  const out = new Set<string>();
  const visit = (n: Node): void => {
    if (n === null || typeof n !== 'object') return;
    if (Array.isArray(n)) return n.forEach(visit);
    types.add(n.type);
    const listed = CHILD_KEYS[n.type];
    for (const k of Object.keys(n)) {
      if (k === 'loc' || k === 'type' || n[k] === null || typeof n[k] !== 'object') continue;
      if (listed === undefined || !listed.includes(k)) out.add(`${String(n.type)}.${k}`);
      visit(n[k]);
    }
  };
  visit(root);
  return out;
}

describe('the ESTree the backend emits', () => {
  it('has its children under the keys CHILD_KEYS lists, after every pass (split into small parts, temporaries reused)', () => {
    const found = new Set<string>();
    const types = new Set<string>();
    eachFunction((e, i) => {
      const fn = functionIR(e, i);
      const decl = lowerWithPasses(e, fn, 60);
      fn.release();
      for (const k of unlisted(decl, types)) found.add(k);
    });
    expect([...found]).toEqual([]);
    // Small integer literals are shared nodes (lower/ast.ts SMALL_LITERALS): no pass may have changed one.
    for (const n of [0, 1, 8, 31, 255, 1023]) expect(Object.entries(num(n))).toEqual([['type', 'Literal'], ['value', n], ['raw', String(n)]]);
    // The walk saw the shapes that matter: parts, exits, handlers, loops.
    for (const t of ['FunctionDeclaration', 'LabeledStatement', 'SwitchStatement', 'TryStatement', 'ForStatement', 'CallExpression']) expect(types).toContain(t);
  });

  it('weighs at most loweredBound AST nodes per function, so the split pass skips only functions under its weight', () => {
    let worst = 0;
    let checked = 0;
    eachFunction((e, i, what) => {
      const fn = functionIR(e, i);
      const body = lowerFunction(e, fn, chooseForm(e, fn)).body.body;
      const w = weigh(body);
      // The split pass's first test stops walking once over its weight: exact at the boundary.
      for (const max of [0, w - 1, w, w + 1, w >> 1]) expect(heavier(body, max), `${what} at ${max}`).toBe(w > max);
      const bound = loweredBound(fn);
      fn.release();
      expect(w, what).toBeLessThanOrEqual(bound);
      worst = Math.max(worst, w / bound);
      checked++;
    });
    console.log(`ast-keys: ${checked} functions; the heaviest weighs ${(100 * worst).toFixed(0)}% of its bound`);
    expect(checked).toBeGreaterThan(500);
  });

  it('weighs a statement from its lists\' weights (weighAround) exactly as weigh walks it', () => {
    let checked = 0;
    const visit = (list: Node[]): void => {
      for (const s of list) {
        const lists = s.type === 'LabeledStatement' ? [[s.body]] : childLists(s);
        lists.forEach(visit);
        if (s.type === 'LabeledStatement' || lists.length === 0 || s.type === 'TryStatement') continue;
        expect(weighAround(s, lists.map((l) => weigh(l))), s.type).toBe(weigh(s));
        checked++;
      }
    };
    eachFunction((e, i) => {
      const fn = functionIR(e, i);
      visit(lowerFunction(e, fn, chooseForm(e, fn)).body.body);
      fn.release();
    });
    expect(checked).toBeGreaterThan(1000);
  });

  it('the check finds a key CHILD_KEYS does not list', () => {
    expect([...unlisted({ type: 'ExpressionStatement', expression: { type: 'Identifier', name: 'x' }, extra: { type: 'Literal', value: 1 } })]).toEqual(['ExpressionStatement.extra']);
    expect([...unlisted({ type: 'NoSuchNode', body: [] })]).toEqual(['NoSuchNode.body']);
  });
});
