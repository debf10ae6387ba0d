/**
 * Boolean locals (compiler/passes/bools.ts, `tune: 'hermes'`): a variable
 * read only as a condition keeps a comparison's `true`/`false` instead of
 * `c | 0`. Functions whose loop keeps its exit test in a local (as clang's
 * rotated loops do), and locals that hold a comparison but are also read as
 * numbers, must compute what native wasm computes; the rule is checked case
 * by case on parsed JS.
 */
import { describe, it, expect } from 'vitest';
import { parse } from 'acorn';
import { generate } from 'astring';
import { type CompileOptions } from '../compiler/index.js';
import { compile } from './util/wasm-names.js';
import { boolLocals } from '../compiler/passes/bools.js';
import { importCode } from './util/load.js';
import { wat } from './util/wat.js';


// $count: the exit test in $c, read only by br_if. $mixed: $c also added to the result and compared with i32.eq.
// $sel: the test read by select and by i32.eqz.
const WAT = `(module
  (func (export "count") (param $n i32) (result i32) (local $c i32) (local $k i32)
    (loop $l
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (local.set $c (i32.gt_u (local.get $n) (i32.const 3)))
      (local.set $n (i32.sub (local.get $n) (i32.const 2)))
      (br_if $l (local.get $c)))
    (local.get $k))
  (func (export "mixed") (param $n i32) (result i32) (local $c i32) (local $s i32)
    (loop $l
      (local.set $c (i32.lt_s (local.get $n) (i32.const 10)))
      (local.set $s (i32.add (local.get $s) (local.get $c)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $l (local.get $c)))
    (i32.add (local.get $s) (i32.eq (local.get $c) (i32.const 0))))
  (func (export "sel") (param $a i32) (param $b i32) (result i32) (local $c i32)
    (local.set $c (i32.ne (local.get $a) (local.get $b)))
    (i32.add (select (i32.const 100) (i32.const 200) (local.get $c)) (i32.eqz (local.get $c)))))`;

type Exports = { count(n: number): number; mixed(n: number): number; sel(a: number, b: number): number };

async function load(code: string, fuel: boolean): Promise<Exports> {
  const m = (await importCode(code)) as { instantiate: (i: object, o?: object) => { exports: Exports } };
  return m.instantiate({}, fuel ? { fuel: 1e9 } : undefined).exports;
}

const bytes = wat(WAT);
const native = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as Exports;

describe('boolean locals', () => {
  const forms: [string, CompileOptions][] = [
    ['hermes', { tune: 'hermes' }],
    ['hermes, split, fuel', { tune: 'hermes', splitWeight: 40, fuel: true }],
    ['default', {}],
  ];
  for (const [name, options] of forms) {
    it(`compute as native wasm (${name})`, async () => {
      const kiln = await load(compile(bytes, options).code, options.fuel === true);
      for (const n of [0, 1, 3, 4, 9, 100, 1001]) expect(kiln.count(n), `count(${n})`).toBe(native.count(n));
      for (const n of [-5, 0, 1, 3, 9, 10, 100]) expect(kiln.mixed(n), `mixed(${n})`).toBe(native.mixed(n));
      for (const [a, b] of [[1, 1], [1, 2], [-1, 0]]) expect(kiln.sel(a, b), `sel(${a}, ${b})`).toBe(native.sel(a, b));
    });
  }

  it('keeps the | 0 of a global and of a split function\'s frame field, which other functions read (fuzz seed 134000014)', async () => {
    // $set reads $g only as a condition; $get returns it. $f5's block result, split into a part, is a frame
    // field the part writes and the function returns.
    const other = wat(`(module
      (global $g (mut i32) (i32.const 0))
      (func (export "set") (param i32) (global.set $g (i32.lt_s (local.get 0) (i32.const 5))) (if (global.get $g) (then (nop))))
      (func (export "get") (result i32) (global.get $g))
      (global $g1 (mut i32) (i32.const 0))
      (global $g2 (mut i64) (i64.const 0))
      (func $f5 (param i32) (result i32 f64)
        (block $L2 (result i32 f64) (f32.lt (f32.const 0) (f32.const 1)) (f64.const 0))
        (global.set $g1 (i32.const 0))
        (global.set $g1 (i32.const 0))
        (global.set $g2 (i64.rotl (i64.const 0) (i64.const 1))))
      (func (export "f5_b") (param i32) (result i32 i64) (local f64)
        (call $f5 (i32.const 0))
        (local.set 1)
        (i64.const 0)))`);
    const nx = new WebAssembly.Instance(new WebAssembly.Module(other)).exports as any;
    for (const options of [{ tune: 'hermes' }, { i64: 'auto', fuel: true, splitWeight: 60, tune: 'hermes' }] as CompileOptions[]) {
      const kx = await load(compile(other, options).code, options.fuel === true) as any;
      for (const x of [1, 9]) {
        kx.set(x);
        nx.set(x);
        expect(kx.get(), `${JSON.stringify(options)} get after set(${x})`).toBe(nx.get());
      }
      expect(kx.f5_b(-2147483648), JSON.stringify(options)).toEqual(nx.f5_b(-2147483648));
    }
  });

  it('drops the | 0 only with tune hermes, only where every read is a condition', () => {
    const hermes = compile(bytes, { format: 'cjs', tune: 'hermes', splitWeight: 0 }).code;
    const body = (f: string) => hermes.slice(hermes.indexOf(`function ${f}(`), hermes.indexOf('\n}\n', hermes.indexOf(`function ${f}(`)));
    expect(body('f0')).toMatch(/\bl1=l0>>>0>3;/);
    expect(body('f1')).toMatch(/\bl1=l0<10\|0;/);
    expect(compile(bytes, { format: 'cjs', splitWeight: 0 }).code).toMatch(/\bl1=l0>>>0>3\|0;/);
  });
});

/** `body` in `function f(x, g) { var a, b, c; <body> }` after the pass, printed. */
function after(body: string): string {
  const fn = (parse(`function f(x, g) { var a, b, c; ${body} }`, { ecmaVersion: 2022 }) as any).body[0];
  boolLocals(fn);
  return generate(fn.body).replace(/\s+/g, ' ');
}

describe('boolean locals: the rule', () => {
  const cases: [string, string, boolean][] = [
    ['if test', 'a = x < 3 | 0; if (a) g();', true],
    ['loop exit', 'L: for (;;) { a = x > 3 | 0; x = x - 1 | 0; if (a) continue L; break L; }', true],
    ['! operand', 'a = x === 2 | 0; if (!a) g();', true],
    ['?: test', 'a = !x | 0; b = a ? 1 : 2; g(b);', true],
    ['while test', 'a = x != 0 | 0; while (a) { a = x-- > 5 | 0; }', true],
    ['added', 'a = x < 3 | 0; b = a + 1 | 0; g(b);', false],
    ['compared', 'a = x < 3 | 0; if (a === 0) g();', false],
    ['returned', 'a = x < 3 | 0; return a;', false],
    ['an argument', 'a = x < 3 | 0; g(a);', false],
    ['in &&', 'a = x < 3 | 0; if (a && x) g();', false],
    ['the write\'s value used', 'b = (a = x < 3 | 0); if (a) g(b);', false],
    ['compound write', 'a = x < 3 | 0; a += 1; if (a) g();', false],
    ['a closure', 'a = x < 3 | 0; if (a) g(() => a);', false],
    ['not a comparison', 'a = x & 1 | 0; if (a) g();', false],
    ['stored in a member', 'a = x < 3 | 0; if (a) g(); x.y = a;', false],
    ['a parameter', 'x = x < 3 | 0; if (x) g();', true],
  ];
  it('a variable the function does not declare (a global): keeps the | 0', () => {
    expect(after('z = x < 3 | 0; if (z) g();')).toMatch(/z = x < 3 \| 0;/);
  });
  for (const [name, body, dropped] of cases) {
    it(`${name}: ${dropped ? 'drops' : 'keeps'} the | 0`, () => {
      const out = after(body);
      if (dropped) expect(out, out).not.toMatch(/a = [^;]* \| 0;/);
      else expect(out, out).toMatch(/a = [^;]* \| 0;/);
    });
  }
});
