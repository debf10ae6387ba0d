/**
 * Bare declarations (compiler/passes/decls.ts): a variable written on every
 * path before it is read is declared without `= 0`; one that some path reads
 * first (a wasm local's initial zero, spec 4.4.10) keeps it. Each function
 * here reads a local of each type before writing it on some path (a loop's
 * first trip, one arm of an `if`), and must compute what native wasm
 * computes in every form: nested and split, pairs and BigInts, with fuel.
 */
import { describe, it, expect } from 'vitest';
import { createRequire } from 'node:module';
import { parse } from 'acorn';
import { type CompileOptions } from '../compiler/index.js';
import { compile } from './util/wasm-names.js';
import { bareDecls } from '../compiler/passes/decls.js';
import { wat } from './util/wat.js';


// $sum: the accumulator and the f64 sum are read on the loop's first trip before any write.
// $pick: $x is written in one arm of the `if` only, then read (zero on the other path); $y is written before every read.
// $wide: an i64 and an f32 read before written when $n is 0.
const WAT = `(module
  (func (export "sum") (param $n i32) (result f64) (local $acc i32) (local $f f64) (local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (local.set $acc (i32.add (local.get $acc) (i32.mul (local.get $i) (i32.const 3))))
      (local.set $f (f64.add (local.get $f) (f64.convert_i32_s (local.get $acc))))
      (br_if $l (i32.lt_s (local.get $i) (local.get $n))))
    (f64.add (local.get $f) (f64.convert_i32_s (local.get $acc))))
  (func (export "pick") (param $c i32) (result i32) (local $x i32) (local $y i32)
    (local.set $y (i32.mul (local.get $c) (i32.const 7)))
    (if (i32.gt_s (local.get $c) (i32.const 10)) (then (local.set $x (i32.const 100))))
    (i32.add (i32.add (local.get $x) (local.get $y)) (i32.const 1)))
  (func (export "wide") (param $n i32) (result f64) (local $w i64) (local $s f32)
    (block $b (br_if $b (i32.eqz (local.get $n)))
      (local.set $w (i64.mul (i64.extend_i32_s (local.get $n)) (i64.const 0x100000001)))
      (local.set $s (f32.convert_i32_s (local.get $n))))
    (f64.add (f64.convert_i64_s (local.get $w)) (f64.div (f64.const 1) (f64.promote_f32 (local.get $s))))))`;

type Exports = { sum(n: number): number; pick(c: number): number; wide(n: number): number };

function load(code: string, fuel: boolean): Exports {
  const mod = { exports: {} as { instantiate: (i: object, o?: object) => { exports: Exports } } };
  new Function('module', 'exports', 'require', code)(mod, mod.exports, createRequire(import.meta.url));
  return mod.exports.instantiate({}, fuel ? { fuel: 1e9 } : undefined).exports;
}

const bytes = wat(WAT);
const native = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as Exports;

describe('bare declarations', () => {
  const forms: [string, CompileOptions][] = [
    ['pairs', { i64: 'pair' }],
    ['BigInt', { i64: 'bigint' }],
    ['split', { splitWeight: 60 }],
    ['fuel', { fuel: true }],
    ['hermes', { tune: 'hermes' }],
  ];
  for (const [name, options] of forms) {
    it(`keeps the zero of every local some path reads first (${name})`, () => {
      const kiln = load(compile(bytes, { format: 'cjs', ...options }).code, options.fuel === true);
      for (const n of [0, 1, 2, 5, 100]) expect(kiln.sum(n)).toBe(native.sum(n));
      for (const c of [-3, 0, 4, 11, 50]) expect(kiln.pick(c)).toBe(native.pick(c));
      for (const n of [0, 1, -7, 123456]) expect(Object.is(kiln.wide(n), native.wide(n))).toBe(true);
    });
  }

  it('declares a variable written before every read without an initialiser', () => {
    const { code } = compile(bytes, { format: 'cjs', splitWeight: 0 });
    const decl = (f: string) => code.slice(code.indexOf(`function ${f}(`)).split('\n')[1];
    // $pick (f1): l1 ($x) keeps its zero, l2 ($y) is written first.
    expect(decl('f1')).toMatch(/^var.*\bl1=0\b/);
    expect(decl('f1')).toMatch(/\bl2[,;]/);
    // $sum (f0): the accumulator and the f64 sum are read first; so is the counter $i.
    expect(decl('f0')).toMatch(/\bl1=0\b.*\bl2=0\b.*\bl3=0\b/);
  });
});

/** The names `bareDecls` leaves initialised in `function f() { let a = 0, b = 0; <body> }` (null: left a `let`). */
function kept(body: string): string[] | null {
  const fn = (parse(`function f(x, g) { let a = 0, b = 0; ${body} }`, { ecmaVersion: 2022 }) as any).body[0];
  bareDecls(fn);
  const decl = fn.body.body[0];
  return decl.kind === 'let' ? null : decl.declarations.filter((d: any) => d.init !== null).map((d: any) => d.id.name);
}

describe('bare declarations: the definitely-assigned walk', () => {
  const cases: [string, string[] | null][] = [
    ['a = 1; b = a; return a + b;', []],
    ['if (x) a = 1; return a;', ['a']],
    ['if (x) a = 1; else a = 2; b = 3; return a + b;', []],
    ['(a = g()) && a; b = 0; return a;', []],
    ['x && (a = 1); b = 0; return a;', ['a']],
    ['x ? (a = 1) : (a = 2); b = 0; return a;', []],
    ['x ? (a = 1) : 0; b = 0; return a;', ['a']],
    ['a += 1; b = 0; return a;', ['a']],
    ['L: { if (x) break L; a = 1; } b = 0; return a;', ['a']],
    ['L: { a = 1; if (x) break L; } b = 0; return a;', []],
    ['for (;;) { if (x) break; a = 1; } b = 0; return a;', ['a']],
    ['for (;;) { a = 1; if (x) break; } b = 0; return a;', []],
    ['for (;;) { b = a; a = 1; if (x) break; } return b;', ['a']],
    ['L: for (;;) { for (;;) { a = 1; if (x) break L; if (g) continue L; b = 1; break; } } return a + b;', ['b']],
    ['switch (x) { case 0: a = 1; break; case 1: a = 2; } b = 0; return a;', ['a']],
    ['switch (x) { case 0: a = 1; break; default: a = 2; } b = 0; return a;', []],
    ['switch (x) { case 0: a = 1; case 1: return a; } b = 0; return b;', ['a']],
    ['try { a = g(); } catch (e) {} b = 0; return a;', ['a']],
    ['try { a = g(); } catch (e) { a = 2; } b = 0; return a;', []],
    ['try { a = 1; g(); } catch (e) { return a; } b = 0; return b;', ['a']],
    ['do { if (x) continue; a = 1; } while (a); b = 0; return b;', ['a']],
    ['return; a = 1;', []],
    ['b = 0; g(() => a); a = 1;', null],
  ];
  for (const [body, want] of cases) {
    it(body, () => expect(kept(body)).toEqual(want));
  }
});
