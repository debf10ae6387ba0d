/**
 * Writes read their inputs first: wherever one wasm value becomes several JS
 * variables (an i64 pair) or several values are written at once (branch
 * values, block results, loop params), every input is read before any output
 * is written, and a pending value that names a local is re-read only while
 * that local still holds the value (compiler/lower/stack.ts, `assignAll` and
 * `pushI64`). Each case runs in every i64 form, with and without fuel, and
 * in the flat form, against native WebAssembly.
 */
import { describe, it, expect } from 'vitest';
import { compile, type CompileOptions } from '../compiler/index.js';
import { importCode } from './util/load.js';
import { wat } from './util/wat.js';

const FORMS: [string, CompileOptions][] = [];
for (const i64 of ['pair', 'bigint', 'auto'] as const) {
  FORMS.push([i64, { i64 }], [`${i64} fuel`, { i64, fuel: true }]);
  FORMS.push([`${i64} flat`, { i64, flatDepth: 0 }]);
}

const I64_EDGES = [0n, 1n, 7n, -9n, -1n, 1n << 31n, 1n << 32n, (1n << 32n) - 1n, 1n << 62n, -(1n << 63n), (1n << 63n) - 1n];

/** Runs export `f` of `text` on every argument list, natively and in every form, and compares the results. */
async function same(text: string, args: unknown[][]): Promise<void> {
  const bytes = wat(text);
  const native = (await WebAssembly.instantiate(bytes)).instance.exports as any;
  const expected = args.map((a) => native.f(...a));
  for (const [name, opts] of FORMS) {
    const m = await importCode(compile(bytes, opts).code);
    const { exports } = m.instantiate();
    const got = args.map((a) => exports.f(...a));
    expect(got, name).toEqual(expected);
  }
}

const pairs = (xs: bigint[]) => xs.flatMap((a) => xs.map((b) => [a, b]));

describe('writes read their inputs first', () => {
  it('local.tee of an i64 computed from the same local (issue 14 reproducer)', async () => {
    await same(String.raw`(module
      (func (export "f") (param $a i64) (param $b i64) (result i64) (local $x i64)
        (local.set $x (local.get $a))
        (i64.add
          (i64.extend_i32_u (i64.lt_u (local.get $x) (local.get $b)))
          (i64.add (local.tee $x (i64.shl (local.get $x) (i64.const 32))) (local.get $x)))))`, pairs(I64_EDGES));
  });

  it('local.set of an i64 whose halves swap or move (rotl 32, shr_u 32, shl 32, extend32_s)', async () => {
    await same(String.raw`(module
      (func (export "f") (param $x i64) (param $y i64) (result i64)
        (local.set $x (i64.rotl (local.get $x) (i64.const 32)))
        (local.set $y (i64.shr_u (local.get $y) (i64.const 32)))
        (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 32))))
        (local.set $y (i64.add (local.get $y) (i64.extend32_s (local.get $y))))
        (local.set $x (i64.rotr (local.get $x) (i64.const 32)))
        (i64.xor (local.get $x) (i64.mul (local.get $y) (i64.const 3)))))`, pairs(I64_EDGES));
  });

  it('a pending i64 that names a local, then the local is written before it is used', async () => {
    // shl by 0 and by 32, shr_s by 32 and extend32_s all reuse the operand's halves.
    await same(String.raw`(module
      (func (export "f") (param $x i64) (param $y i64) (result i64)
        (i64.add
          (i64.add (i64.shl (local.get $x) (i64.const 0)) (i64.shr_s (local.get $x) (i64.const 32)))
          (i64.add (i64.extend32_s (local.get $y))
            (i64.add (local.tee $x (i64.const 5)) (local.tee $y (i64.const 7)))))))`, pairs(I64_EDGES));
  });

  it('an i64 extended from an i32 local, then the local is written before it is used', async () => {
    // i64.extend_i32_u/_s use the local's own variable as the low word (compiler/lower/ops.ts).
    await same(String.raw`(module
      (func (export "f") (param $x i64) (param $y i64) (result i64) (local $a i32) (local $b i32)
        (local.set $a (i32.wrap_i64 (local.get $x)))
        (local.set $b (i32.wrap_i64 (i64.shr_u (local.get $y) (i64.const 17))))
        (i64.extend_i32_u (local.get $a))
        (i64.extend_i32_s (local.get $b))
        (local.set $a (i32.const -3))
        (local.set $b (i32.add (local.get $b) (local.get $a)))
        (i64.add (i64.extend_i32_s (local.tee $a (i32.xor (local.get $a) (local.get $b)))))
        (i64.mul)
        (block (param i64) (result i64) (local.set $a (i32.const 9)) (i64.add (i64.extend_i32_u (local.get $a))))
        (i64.xor (i64.extend_i32_u (local.get $b)))))`, pairs(I64_EDGES));
  });

  it('a pending i64 that names a local crosses a block that writes the local', async () => {
    await same(String.raw`(module
      (func (export "f") (param $x i64) (param $y i64) (result i64)
        (i64.rotl (local.get $x) (i64.const 32))
        (block (param i64) (result i64)
          (local.set $x (local.get $y))
          (i64.add (local.get $x)))
        (i64.shl (local.get $y) (i64.const 32))
        (if (param i64) (result i64) (i64.eqz (local.get $x))
          (then (local.set $y (i64.const 1)) (i64.sub (local.get $y)))
          (else (local.set $y (i64.const 2)) (i64.mul (local.get $y))))
        (i64.xor)))`, pairs(I64_EDGES));
  });

  it('global.set of an i64 derived from the same global', async () => {
    await same(String.raw`(module
      (global $g (mut i64) (i64.const 0))
      (func (export "f") (param $x i64) (param $y i64) (result i64)
        (global.set $g (local.get $x))
        (global.set $g (i64.rotl (global.get $g) (i64.const 32)))
        (global.set $g (i64.add (i64.shl (global.get $g) (i64.const 32)) (global.get $g)))
        (i64.xor (global.get $g) (local.get $y))))`, pairs(I64_EDGES));
  });

  it('loop params and block results of i64 written from one another', async () => {
    await same(String.raw`(module
      (func (export "f") (param $x i64) (param $y i64) (result i64) (local $n i32)
        (local.get $x) (local.get $y)
        (loop $l (param i64 i64) (result i64 i64)
          ;; (a, b) -> (b << 32 | a >>> 32 rotated, a): halves of each feed the other
          (i64.rotl (i64.const 32))
          (i64.shl (i64.const 32))
          (local.set $n (i32.add (local.get $n) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $n) (i32.const 3))))
        (i64.add)
        (block $b (result i64 i64)
          (local.get $x)
          (i64.rotl (local.get $x) (i64.const 32))
          (br_table $b $b (i32.wrap_i64 (local.get $y))))
        (i64.sub)
        (i64.xor)))`, pairs(I64_EDGES));
  });

  it('select and multi-value returns of i64 pairs that alias locals', async () => {
    await same(String.raw`(module
      (func $two (param $x i64) (result i64 i64)
        (i64.rotl (local.get $x) (i64.const 32))
        (local.tee $x (i64.shr_u (local.get $x) (i64.const 32))))
      (func (export "f") (param $x i64) (param $y i64) (result i64)
        (select (i64.shl (local.get $x) (i64.const 32)) (local.tee $x (local.get $y)) (i64.lt_s (local.get $x) (local.get $y)))
        (call $two (local.get $x))
        (i64.xor)
        (i64.add)))`, pairs(I64_EDGES));
  });
});

describe('effects and local reads keep their order (found by fuzzing)', () => {
  it('a call argument reads a local before a later operand tees it', async () => {
    await same(String.raw`(module
      (func $id (param f64) (result f64) (local.get 0))
      (func $id32 (param i32) (result i32) (local.get 0))
      (func (export "f") (param $a i64) (param $b i64) (result i64) (local f64) (local i32)
        (local.set 2 (f64.convert_i64_s (local.get $a)))
        (local.set 3 (i32.wrap_i64 (local.get $b)))
        (i64.add
          (i64.extend_i32_u (f64.ne (call $id (local.get 2)) (local.tee 2 (f64.const 1))))
          (i64.extend_i32_s (i32.sub (call $id32 (local.get 3)) (local.tee 3 (i32.const 7)))))))`, pairs(I64_EDGES));
  });

  it('a multi-value sequence: a call reading a local, then a tee of it', async () => {
    await same(String.raw`(module
      (func $id (param f64) (result f64) (local.get 0))
      (func $two (param f64) (result f64 f64)
        (call $id (local.get 0))
        (local.tee 0 (f64.convert_i32_u (i32.const 1))))
      (func (export "f") (param $a i64) (param $b i64) (result i64)
        (call $two (f64.convert_i64_s (local.get $a)))
        (f64.add)
        (i64.trunc_sat_f64_s)))`, pairs(I64_EDGES));
  });

  it('a trapping operand is evaluated after the trapping operands before it, even when a later operand tees a local it reads', async () => {
    const text = String.raw`(module
      (type $t (func (param i64 i32) (result i32)))
      (table 2 funcref)
      (func (export "f") (param $a i64) (param $b i64) (result i64) (local i32)
        (local.set 2 (i32.wrap_i64 (local.get $b)))
        (i64.extend_i32_s
          (select
            (call_indirect (type $t) (i64.const 0) (i32.const 0) (i32.wrap_i64 (local.get $a)))
            (i32.const 0)
            (select (i32.const 0) (i32.div_s (i32.const 0) (local.get 2)) (local.tee 2 (i32.const 0)))))))`;
    const bytes = wat(text);
    const native = (await WebAssembly.instantiate(bytes)).instance.exports as any;
    const attempt = (f: () => unknown) => { try { return f(); } catch (e) { return (e as Error).message; } };
    const args = pairs([0n, 1n, 5n, -1n]);
    const expected = args.map(([a, b]) => attempt(() => native.f(a, b)));
    for (const [name, opts] of FORMS) {
      const { exports } = (await importCode(compile(bytes, opts).code)).instantiate();
      // V8's message for a null entry vs Kiln's: compare the kind of trap.
      const got = args.map(([a, b]) => attempt(() => exports.f(a, b)));
      const kind = (r: unknown) => (typeof r === 'string' ? (/divide/.test(r) ? 'div' : 'indirect') : r);
      expect(got.map(kind), name).toEqual(expected.map(kind));
    }
  });

  it('select and an import call whose argument tees the local another operand tees (binaryen seed 1095)', async () => {
    const text = String.raw`(module
      (import "env" "seen" (func $seen (param i32) (result i32)))
      (func (export "f") (param $a i64) (param $b i64) (result i64) (local i32)
        (i64.extend_i32_s
          (select (i32.const -22) (call $seen (local.tee 2 (i32.const 32767))) (local.tee 2 (i32.wrap_i64 (local.get $a)))))))`;
    const bytes = wat(text);
    const log: number[] = [];
    const imports = { env: { seen: (x: number) => (log.push(x), x) } };
    const native = (await WebAssembly.instantiate(bytes, imports)).instance.exports as any;
    const args = pairs([0n, 1n, -1n]);
    const expected = args.map((a) => native.f(...a));
    const expectedLog = log.splice(0);
    for (const [name, opts] of FORMS) {
      const { exports } = (await importCode(compile(bytes, opts).code)).instantiate(imports);
      expect(args.map((a) => exports.f(...a)), name).toEqual(expected);
      expect(log.splice(0), name).toEqual(expectedLog);
    }
  });
});
