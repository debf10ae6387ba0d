/** Deep nesting and huge functions must still compile and run (the flat form, lower/control.ts). */
import { describe, it, expect } from 'vitest';
import { compile } from './util/wasm-names.js';
import { importCode, ROOT } from './util/load.js';
import { leb, section, HEADER } from './util/wasm-bytes.js';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as acorn from 'acorn';
import { MAX_JS_DEPTH } from '../compiler/passes/form.js';
import { enginePath } from './engines/fetch.mjs';

/** The flat form's dispatch (lower/control.ts), its state in a frame when the function is split. */
const FLAT = /switch\((fr\$\.)?st\)/;

/** A module exporting `f: [i32] -> [i32]` with the given body (no locals). */
function moduleWithBody(body: number[]): Uint8Array {
  const code = [0, ...body, 0x0b];
  return new Uint8Array([
    ...HEADER,
    ...section(1, [1, 0x60, 1, 0x7f, 1, 0x7f]), ...section(3, [1, 0]), ...section(7, [1, 1, 0x66, 0, 0]),
    ...section(10, [1, ...leb(code.length), ...code]),
  ]);
}

describe('deep nesting', () => {
  for (const depth of [100, 300, 20000]) {
    it(`${depth} nested blocks, every one a br_table target`, async () => {
      // block^depth (local.get 0; br_table 0 1 ... depth-1) end^depth, then i32.const 7
      const body: number[] = [];
      for (let i = 0; i < depth; i++) body.push(0x02, 0x40);
      body.push(0x20, 0, 0x0e, ...leb(depth - 1));
      for (let i = 0; i < depth - 1; i++) body.push(...leb(i));
      body.push(...leb(depth - 1));
      for (let i = 0; i < depth; i++) body.push(0x0b);
      body.push(0x41, 7);
      const { exports } = (await importCode(compile(moduleWithBody(body)).code)).instantiate();
      expect(exports.f(0)).toBe(7);
      expect(exports.f(depth * 2)).toBe(7);
    });
  }

  it('deeply nested ifs with results and a loop counting down', async () => {
    // loop: if x { x-1 ... } nested 1000 deep, each if (result i32) adding 1 on the then arm.
    const depth = 1000;
    const body: number[] = [];
    for (let i = 0; i < depth; i++) body.push(0x20, 0, 0x04, 0x7f); // local.get 0; if (result i32)
    body.push(0x41, 0); // innermost value
    for (let i = 0; i < depth; i++) body.push(0x41, 1, 0x6a, 0x05, 0x41, ...leb(100 + i), 0x0b); // i32.const 1; i32.add; else i32.const 100+i; end
    const { exports } = (await importCode(compile(moduleWithBody(body)).code)).instantiate();
    expect(exports.f(1)).toBe(depth);
    expect(exports.f(0)).toBe(100 + depth - 1);
  });

  it('one huge function (200k instructions) compiles and runs', async () => {
    const body: number[] = [0x20, 0]; // acc = x
    for (let i = 0; i < 100_000; i++) body.push(0x41, (i % 50) + 1, 0x6a); // + k
    let expected = 5;
    for (let i = 0; i < 100_000; i++) expected = (expected + (i % 50) + 1) | 0;
    const { exports } = (await importCode(compile(moduleWithBody(body)).code)).instantiate();
    expect(exports.f(5)).toBe(expected);
  });
});

describe('a br_table nest deeper than flatDepth, lowered as one switch (passes/regions.ts)', () => {
  /** Signed LEB128 of a small non-negative i32 (spec 5.2.2). */
  const sleb = (v: number): number[] => (v < 64 ? [v] : [(v & 0x7f) | 0x80, ...sleb(v >> 7)]);
  /**
   * `f: [i32] -> [i32]`, locals $acc (1) and $i (2): a switch of n-1 arms inside a loop $again. Arm k
   * updates $acc, then falls through (k % 5 = 0), leaves the nest (1), skips to a later arm (2), does so
   * when $acc is odd (3), or restarts the loop (4); table entries also target the loop. The code before
   * the table counts the rounds in $i and moves the index $x on each round. (Bytes by hand: wabt's
   * parser runs out of memory on a few hundred nested blocks.)
   */
  const nest = (n: number, c0Branch = false): Uint8Array<ArrayBuffer> => {
    const b: number[] = [0x41, 1, 0x21, 1, 0x03, 0x40];
    for (let k = n; k >= 1; k--) b.push(0x02, 0x40);
    b.push(0x20, 2, 0x41, 1, 0x6a, 0x21, 2, 0x20, 0, 0x41, 1, 0x6a, 0x21, 0);
    if (c0Branch) b.push(0x20, 0, 0x41, 5, 0x46, 0x0d, 1); // br_if $b2 when x = 5
    const table: number[] = [];
    for (let j = 0; j < n + 10; j++) table.push(j % 50 === 0 ? n : (j * 7) % n);
    b.push(0x20, 0, 0x0e, ...leb(table.length), ...table.flatMap((d) => leb(d)), ...leb(2));
    for (let k = 1; k <= n; k++) {
      b.push(0x0b);
      if (k === n) break;
      b.push(0x20, 1, 0x41, 31, 0x6c, 0x41, ...sleb(k), 0x6a, 0x21, 1);
      if (k % 5 === 1) b.push(0x0c, ...leb(n - k - 1));
      if (k % 5 === 2 && k + 2 <= n) b.push(0x0c, 1);
      if (k % 5 === 3 && k + 3 <= n) b.push(0x20, 1, 0x41, 1, 0x71, 0x0d, 2);
      if (k % 5 === 4) b.push(0x20, 2, 0x41, 3, 0x49, 0x0d, ...leb(n - k));
    }
    b.push(0x20, 1, 0x41, 0xd5, 0x00, 0x73, 0x21, 1, 0x20, 2, 0x41, 2, 0x49, 0x0d, 0, 0x0b, 0x20, 1);
    const code = [1, 2, 0x7f, ...b, 0x0b];
    return new Uint8Array([
      ...HEADER,
      ...section(1, [1, 0x60, 1, 0x7f, 1, 0x7f]), ...section(3, [1, 0]), ...section(7, [1, 1, 0x66, 0, 0]),
      ...section(10, [1, ...leb(code.length), ...code]),
    ]);
  };
  // Past FLAT_DEPTH (400) by default: 450 arms nest 452 deep.
  const cases: [string, number, object, boolean][] = [
    ['450 arms', 450, {}, true],
    ['450 arms, fuel', 450, { fuel: true }, true],
    ['450 arms, split into small parts', 450, { splitWeight: 60 }, true],
    ['450 arms, i64 as BigInt', 450, { i64: 'bigint' }, true],
    ['20 arms under flatDepth 6', 20, { flatDepth: 6 }, true],
    ['20 arms under flatDepth 2 (still too deep: flat)', 20, { flatDepth: 2 }, false],
  ];
  for (const [name, n, options, region] of cases) {
    it(`${name}: every index as native`, async () => {
      const bytes = nest(n);
      const native = (await WebAssembly.instantiate(bytes)).instance.exports as { f(x: number): number };
      const { code } = compile(bytes, options);
      expect(FLAT.test(code), 'flat form').toBe(!region);
      const { exports } = (await importCode(code)).instantiate();
      for (const x of [-1, -2, 0x7fffffff, -0x80000000, ...Array.from({ length: n + 20 }, (_, i) => i - 1)]) {
        expect(exports.f(x), `f(${x})`).toBe(native.f(x));
      }
    });
  }

  it('a nest whose code before the table branches into it stays flat, and right', async () => {
    const bytes = nest(450, true);
    const native = (await WebAssembly.instantiate(bytes)).instance.exports as { f(x: number): number };
    const { code } = compile(bytes);
    expect(code).toMatch(FLAT);
    const { exports } = (await importCode(code)).instantiate();
    for (let x = -1; x < 470; x++) expect(exports.f(x), `f(${x})`).toBe(native.f(x));
  });
});

describe('dispatch regions: found by fuzzing', async () => {
  const wabt = await (await import('wabt')).default();
  it('fuzz seed 41005341: a nest whose br_table carries a value out of it is no region', async () => {
    // The code after the inner br_table is unreachable, so the nest ends in a table whose every
    // target is $L2, outside the nest, with an f32: the region form has no place for the value.
    const bytes = wabt.parseWat('t.wat', `(module
      (func (export "f") (param i64 f32) (result f32)
        (block $L2 (result f32)
          (block $L3 (block $L4 (block $L5 (block $L6 (block $L7 (block $L8 (block $L9 (block $L10 (block $L11 (block $L12
            (br_table $L7 $L6 $L5 $L4 $L3
              (f32.eq (br_table 11 $L2 (f32.const 0.5) (i32.const 0)) (f32.const 0)))))))))))))
          (f32.const 2))))`, {}).toBinary({}).buffer as Uint8Array<ArrayBuffer>;
    const native = (await WebAssembly.instantiate(bytes)).instance.exports as { f(a: bigint, b: number): number };
    for (const options of [{ flatDepth: 10 }, { flatDepth: 4 }, {}]) {
      const { exports } = (await importCode(compile(bytes, options).code)).instantiate();
      expect(exports.f(1n, 3)).toBe(native.f(1n, 3));
    }
  });
});

describe('functions nested deeper than 256 levels stay nested while their JS is shallow enough (passes/form.ts MAX_JS_DEPTH)', () => {
  /** How deep ESTree nodes nest in `code` (arrays are no level; the Program is 0), as acorn parses it. */
  const jsDepth = (code: string): number => {
    let best = 0;
    const visit = (n: any, d: number): void => {
      if (d > best) best = d;
      for (const k in n) {
        const v = n[k];
        if (Array.isArray(v)) {
          for (const c of v) if (c && typeof c.type === 'string') visit(c, d + 1);
        } else if (v && typeof v === 'object' && typeof v.type === 'string') visit(v, d + 1);
      }
    };
    visit(acorn.parse(code, { ecmaVersion: 'latest', sourceType: 'module' }), 0);
    return best;
  };
  /**
   * `f: [i32] -> [i32]` with local $acc: `n` nested blocks, level k starting with a `br_if` out of
   * itself when the argument is k and adding k * 3 + 1 to $acc after its inner level; or `n` nested
   * loops (never branched back to), level k leaving all of them when the argument is k. No
   * br_table: nothing for dispatch regions (regions.ts) to take.
   */
  const nested = (n: number, loops: boolean): Uint8Array<ArrayBuffer> => {
    const levels: number[] = [];
    for (let k = 0; k < n; k++) levels.push(loops ? 0x03 : 0x02, 0x40, 0x20, 0, 0x41, ...sleb(k), 0x46, 0x0d, ...(loops ? leb(k + 1) : [0]));
    for (let k = n - 1; k >= 0; k--) levels.push(0x20, 1, 0x41, ...sleb(k * 3 + 1), 0x6a, 0x21, 1, 0x0b);
    const code = [1, 1, 0x7f, ...(loops ? [0x02, 0x40, ...levels, 0x0b] : levels), 0x20, 1, 0x0b];
    return new Uint8Array([
      ...HEADER,
      ...section(1, [1, 0x60, 1, 0x7f, 1, 0x7f]), ...section(3, [1, 0]), ...section(7, [1, 1, 0x66, 0, 0]),
      ...section(10, [1, ...leb(code.length), ...code]),
    ]);
  };
  function sleb(v: number): number[] {
    return v < 64 ? [v] : [(v & 0x7f) | 0x80, ...sleb(v >> 7)];
  }

  it('300 nested blocks are lowered nested, under MAX_JS_DEPTH, and right', async () => {
    const bytes = nested(300, false);
    const native = (await WebAssembly.instantiate(bytes)).instance.exports as { f(x: number): number };
    const { code } = compile(bytes);
    expect(FLAT.test(code), 'flat form').toBe(false);
    expect(jsDepth(code)).toBeLessThanOrEqual(MAX_JS_DEPTH);
    const { exports } = (await importCode(code)).instantiate();
    for (let x = -2; x < 305; x++) expect(exports.f(x), `f(${x})`).toBe(native.f(x));
  });

  // 360 labelled loops would nest past what Hermes parses (338, form.ts MAX_JS_DEPTH). The function is
  // lowered twice (nested, then flat): with fuel and split too, each lowering from the same IR.
  for (const options of [{}, { fuel: true }, { splitWeight: 60 }]) {
    it(`360 nested loops would nest past MAX_JS_DEPTH: lowered flat, and right (${JSON.stringify(options)})`, async () => {
      const bytes = nested(360, true);
      const native = (await WebAssembly.instantiate(bytes)).instance.exports as { f(x: number): number };
      const { code } = compile(bytes, options);
      expect(FLAT.test(code), 'flat form').toBe(true);
      expect(jsDepth(code)).toBeLessThanOrEqual(MAX_JS_DEPTH);
      const { exports } = (await importCode(code)).instantiate();
      for (let x = -2; x < 365; x++) expect(exports.f(x), `f(${x})`).toBe(native.f(x));
    });
  }

  // Hermes refuses source nested past about 1,020 nodes (the tightest engine of the matrix): both outputs must parse and run there.
  const hermes = enginePath('hermes');
  it.skipIf(hermes === null || !existsSync(hermes))('both run in Hermes 0.12 (skipped when test/engines/fetch.mjs has not fetched it)', () => {
    const dir = join(ROOT, '.tmp', 'nesting');
    mkdirSync(dir, { recursive: true });
    for (const loops of [false, true]) {
      const bytes = nested(loops ? 360 : 300, loops);
      const { code } = compile(bytes, { format: 'cjs' });
      const file = join(dir, `nested-${loops ? 'loops' : 'blocks'}.js`);
      writeFileSync(file, `var module = { exports: {} }, exports = module.exports;\n${code}\nvar f = module.exports.instantiate().exports.f;\nprint(f(-1) + ' ' + f(0) + ' ' + f(150) + ' ' + f(299));\n`);
      const r = spawnSync(hermes!, ['-w', file], { encoding: 'utf8', timeout: 60_000 });
      const native = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as { f(x: number): number };
      const want = [-1, 0, 150, 299].map((x) => native.f(x));
      expect(`${r.stdout}${r.stderr}`.trim(), file).toBe(want.join(' '));
    }
  });
});
