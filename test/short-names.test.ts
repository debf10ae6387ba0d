/**
 * compiler/emit/short-names.ts: the default output names each function's
 * variables `a`, `b`, ..., the most used first; the program is the one the
 * lowering's names print, up to a renaming of each function's own
 * variables, and computes what native WebAssembly computes.
 */
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as acorn from 'acorn';
import { generate, GENERATOR } from 'astring';
import { compile, type CompileOptions } from '../compiler/index.js';
import { withShortNames } from '../compiler/emit/short-names.js';
import { importCode, SHARED } from './util/load.js';
import { wat } from './util/wat.js';

/** `js` printed as astring prints it, spaces collapsed. */
function same(js: string): string {
  return generate(acorn.parse(js, { ecmaVersion: 2022 }) as any).replace(/\s+/g, ' ');
}

/** `js` (function declarations) printed with short names, spaces collapsed. */
function shorten(js: string): string {
  const program = acorn.parse(js, { ecmaVersion: 2022 }) as any;
  return withShortNames(program, GENERATOR, (generator) => generate(program, { generator })).replace(/\s+/g, ' ');
}

/**
 * Checks that `short` and `long` (the same module printed with and without
 * short names) are the same tree but for identifiers, and that inside each
 * function of `instantiate` those differ by one consistent renaming (a
 * bijection); member names, keys and labels are equal. Returns how many
 * identifiers were renamed.
 */
function sameUpToRenaming(short: string, long: string): number {
  const a = acorn.parse(short, { ecmaVersion: 'latest', sourceType: 'module' }) as any;
  const b = acorn.parse(long, { ecmaVersion: 'latest', sourceType: 'module' }) as any;
  let renamed = 0;
  const walk = (x: any, y: any, to: Map<string, string> | null, from: Map<string, string> | null): void => {
    if (x === null || typeof x !== 'object') {
      expect(x).toBe(y);
      return;
    }
    if (Array.isArray(x)) {
      expect(x.length).toBe(y.length);
      x.forEach((c, i) => walk(c, y[i], to, from));
      return;
    }
    expect(x.type).toBe(y.type);
    if (x.type === 'Identifier') {
      if (to === null || x.name === y.name) {
        expect(x.name).toBe(y.name);
        // A name kept in one place is kept everywhere in the function.
        if (to !== null) expect(to.get(y.name) ?? y.name, y.name).toBe(y.name);
        return;
      }
      expect(to.get(y.name) ?? x.name, y.name).toBe(x.name);
      expect(from!.get(x.name) ?? y.name, x.name).toBe(y.name);
      to.set(y.name, x.name);
      from!.set(x.name, y.name);
      renamed++;
      return;
    }
    if (x.type === 'MemberExpression' && !x.computed) {
      walk(x.object, y.object, to, from);
      expect(x.property.name).toBe(y.property.name);
      return;
    }
    if (x.type === 'Property' && !x.computed) {
      expect(x.key.name ?? x.key.value).toBe(y.key.name ?? y.key.value);
      walk(x.value, y.value, to, from);
      return;
    }
    if (x.type === 'LabeledStatement' || x.type === 'BreakStatement' || x.type === 'ContinueStatement') {
      expect(x.label?.name).toBe(y.label?.name);
      if (x.type === 'LabeledStatement') walk(x.body, y.body, to, from);
      return;
    }
    // Each function declared in `instantiate` is renamed on its own (its name is not).
    if (x.type === 'FunctionDeclaration' && to === null && x.id.name !== 'instantiate') {
      expect(x.id.name).toBe(y.id.name);
      const t = new Map<string, string>();
      const f = new Map<string, string>();
      walk(x.params, y.params, t, f);
      walk(x.body, y.body, t, f);
      return;
    }
    for (const k of Object.keys(x)) if (k !== 'start' && k !== 'end' && k !== 'raw') walk(x[k], y[k], to, from);
  };
  walk(a, b, null, null);
  return renamed;
}

describe('short local names', () => {
  it('rename declared variables by use, keep catch parameters, free names, keys, labels and nested function names', () => {
    expect(shorten('function f(l0, l1) { var t0 = l1 + l1 + l1; L1: for (;;) { if (t0) break L1; } return l0 + t0; }'))
      .toBe(same('function f(c, a) { var b = a + a + a; L1: for (;;) { if (b) break L1; } return c + b; }'));
    // `a` and `b` are read from outside: never taken; `ex1` is a catch parameter: kept, and so is the
    // local of that name; the object's key and the member name stay.
    expect(shorten('function f(x1, ex1) { var y2 = { x1: a }; try { b(y2.x1); } catch (ex1) { return ex1; } return ex1 + x1; }'))
      .toBe(same('function f(c, ex1) { var d = { x1: a }; try { b(d.x1); } catch (ex1) { return ex1; } return ex1 + c; }'));
    // A split part's shared variable (`fr$.l4`, one Identifier) renames with its frame; a nested part keeps its name.
    expect(shorten('function f(l0) { const fr$ = { l4: l0 }; function f$p1() { fr$.l4 = fr$.l4 + 1 | 0; } f$p1(); return fr$.l4; }'))
      .toBe(same('function f(b) { const a = { l4: b }; function f$p1() { a.l4 = a.l4 + 1 | 0; } f$p1(); return a.l4; }'));
    // A key or member name that is also a local's name (as a frame's fields are) stays.
    expect(shorten('function f(l4) { var obj = { l4: l4 }; L1: { if (obj.l4) break L1; } return obj.l4 + l4; }'))
      .toBe(same('function f(a) { var b = { l4: a }; L1: { if (b.l4) break L1; } return b.l4 + a; }'));
    // Names that would be no shorter are kept.
    expect(shorten('function f(a, b) { return a + b; }')).toBe(same('function f(a, b) { return a + b; }'));
  });

  const MODULE = wat(String.raw`(module (memory 1)
    (func $sum (export "sum") (param i32 i32) (result i32) (local i32 i64)
      (loop $l
        (local.set 2 (i32.add (local.get 2) (i32.load8_u (local.get 0))))
        (local.set 3 (i64.add (local.get 3) (i64.extend_i32_u (local.get 2))))
        (local.set 0 (i32.add (local.get 0) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get 0) (local.get 1))))
      (i32.add (local.get 2) (i32.wrap_i64 (i64.shr_u (local.get 3) (i64.const 3)))))
    (func (export "fill") (param i32 i32)
      (memory.fill (i32.const 0) (local.get 0) (local.get 1))))`);

  it('print the program the lowering names print, renamed function by function, and compute as native', async () => {
    const native = new WebAssembly.Instance(new WebAssembly.Module(MODULE)).exports as Record<string, (...a: number[]) => number>;
    for (const opts of [{}, { i64: 'bigint' }, { splitWeight: 8 }, { fuel: true, splitWeight: 20 }, { flatDepth: 0 }, { tune: 'hermes' }] as CompileOptions[]) {
      const short = compile(MODULE, opts).code;
      const long = compile(MODULE, { ...opts, shortNames: false }).code;
      expect(short.length, JSON.stringify(opts)).toBeLessThan(long.length);
      expect(sameUpToRenaming(short, long), JSON.stringify(opts)).toBeGreaterThan(0);
      const x = ((await importCode(short)) as any).instantiate({}, opts.fuel ? { fuel: 1e12 } : {}).exports;
      native.fill(7, 300);
      x.fill(7, 300);
      for (const [a, b] of [[0, 10], [5, 300], [100, 101]]) expect(x.sum(a, b), JSON.stringify(opts)).toBe(native.sum(a, b));
    }
  });

  it('rename the bench kernels consistently (pretty output keeps the lowering names)', (ctx) => {
    const all = SHARED === null ? null : join(SHARED, 'bench/build/all.wasm');
    if (all === null || !existsSync(all)) ctx.skip('../shared/bench/build/all.wasm not found');
    const bytes = new Uint8Array(readFileSync(all!));
    expect(sameUpToRenaming(compile(bytes).code, compile(bytes, { shortNames: false }).code)).toBeGreaterThan(1000);
    expect(compile(bytes, { pretty: true }).code).toBe(compile(bytes, { pretty: true, shortNames: false }).code);
  });
});
