/**
 * The BigInt lowering of i64 (compiler/lower/i64big.ts, runtime/ABI.md
 * "i64 in BigInt functions"): which functions `auto` picks, and the same
 * results as the pair lowering and native WebAssembly across calls,
 * recursion, traps, globals, memory and operators lowered through pairs.
 * The whole spec suite also runs with `i64: 'bigint'` (test/spec.test.ts).
 */
import { describe, it, expect } from 'vitest';
import { compile, type CompileOptions } from '../compiler/index.js';
import { importCode } from './util/load.js';
import { wat } from './util/wat.js';

const MODULE = String.raw`
(module
  (memory (export "mem") 1)
  (global $g (mut i64) (i64.const 0x0123456789abcdef))
  (global (export "ge") (mut i64) (i64.const -1))
  ;; An xxhash-like loop: enough i64 arithmetic in a loop for auto to pick BigInts.
  (func $hash (export "hash") (param $p i32) (param $n i32) (param $seed i64) (result i64)
    (local $h i64) (local $v i64) (local $i i32)
    (local.set $h (i64.add (local.get $seed) (i64.const 0x27D4EB2F165667C5)))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $v (i64.load (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $v (i64.mul (local.get $v) (i64.const 0xC2B2AE3D27D4EB4F)))
        (local.set $v (i64.rotl (local.get $v) (i64.const 31)))
        (local.set $h (i64.xor (local.get $h) (i64.mul (local.get $v) (i64.const 0x9E3779B185EBCA87))))
        (local.set $h (i64.add (i64.mul (i64.rotl (local.get $h) (i64.const 27)) (i64.const 0x9E3779B185EBCA87)) (i64.const 0x85EBCA77C2B2AE63)))
        (local.set $h (i64.sub (local.get $h) (i64.shr_s (local.get $h) (i64.const 7))))
        (local.set $h (i64.add (local.get $h) (i64.shr_u (local.get $h) (i64.extend_i32_u (local.get $i)))))
        (local.set $h (select (local.get $h) (i64.div_u (local.get $h) (i64.const 3)) (i64.lt_s (local.get $h) (i64.const 0))))
        (global.set $g (i64.add (global.get $g) (i64.extend_i32_s (i32.wrap_i64 (local.get $h)))))
        (i64.store8 (i32.const 9000) (local.get $h))
        (i64.store32 offset=9001 (i32.const 0) (i64.load16_s (i32.const 9000)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (i64.xor (local.get $h) (global.get $g)))
  ;; Recursion through a BigInt function: each nested call needs its own register file.
  (func $rec (export "rec") (param $d i32) (param $x i64) (result i64)
    (local $a i64) (local $k i32)
    (local.set $a (local.get $x))
    (loop $l
      (local.set $a (i64.mul (i64.add (local.get $a) (i64.const 0x9E3779B97F4A7C15)) (i64.const 0xBF58476D1CE4E5B9)))
      (local.set $a (i64.xor (local.get $a) (i64.shr_u (local.get $a) (i64.const 29))))
      (local.set $a (i64.mul (local.get $a) (i64.const 0x94D049BB133111EB)))
      (local.set $a (i64.rotr (local.get $a) (i64.const 13)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $k) (i32.const 3))))
    (if (i32.gt_s (local.get $d) (i32.const 0))
      (then (local.set $a (i64.add (local.get $a) (call $rec (i32.sub (local.get $d) (i32.const 1)) (local.get $a))))))
    (i64.add (local.get $a) (local.get $x)))
  ;; Traps inside a BigInt function (out-of-bounds i64 load, division by zero).
  (func (export "trap") (param $at i32) (param $d i64) (result i64)
    (local $a i64) (local $k i32)
    (loop $l
      (local.set $a (i64.mul (i64.add (local.get $a) (i64.load (local.get $at))) (i64.const 0xBF58476D1CE4E5B9)))
      (local.set $a (i64.mul (i64.xor (local.get $a) (i64.shr_u (local.get $a) (i64.const 31))) (i64.const 0x94D049BB133111EB)))
      (local.set $a (i64.mul (i64.rotl (local.get $a) (i64.const 5)) (i64.const 3)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $k) (i32.const 2))))
    (i64.div_s (local.get $a) (local.get $d)))
  ;; No loop: stays in pairs under auto.
  (func (export "plain") (param i64 i64) (result i64)
    (i64.mul (local.get 0) (local.get 1)))
  ;; As much arithmetic, in a loop that calls a function: stays in pairs under auto (form.ts \`scan\`).
  (func (export "callsOut") (param $n i32) (param $x i64) (result i64)
    (local $i i32)
    (loop $l
      (local.set $x (i64.mul (i64.rotl (i64.mul (local.get $x) (i64.const 0xC2B2AE3D27D4EB4F)) (i64.const 31)) (i64.const 0x9E3779B185EBCA87)))
      (local.set $x (i64.add (i64.mul (local.get $x) (i64.const 0x165667B19E3779F9)) (i64.extend_i32_u (call $step (local.get $i)))))
      (local.set $x (i64.mul (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 29))) (i64.const 0x94D049BB133111EB)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $x))
  (func $step (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
)`;

const bytes = wat(MODULE);

async function load(opts: CompileOptions, options?: object): Promise<any> {
  const { code } = compile(bytes, opts);
  return { code, inst: (await importCode(code)).instantiate({}, options) };
}

function fill(mem: ArrayBuffer): void {
  const dv = new DataView(mem);
  for (let i = 0; i < 1024; i++) dv.setUint32(i * 4, Math.imul(i + 1, 0x9e3779b1) >>> 0, true);
}

/** Calls that exercise every function; traps give their message. */
function scenario(exports: any, mem: ArrayBuffer): unknown[] {
  fill(mem);
  const out: unknown[] = [];
  const attempt = (f: () => unknown) => {
    try {
      out.push(f());
    } catch (e) {
      out.push(`trap: ${(e as Error).constructor.name}`);
    }
  };
  for (const [p, n, seed] of [[0, 100, 0n], [3, 250, -5n], [1, 0, 1n << 63n]] as const) attempt(() => exports.hash(p, n, seed));
  attempt(() => exports.rec(5, 0x123456789n));
  attempt(() => exports.trap(65536 - 4, 1n));
  attempt(() => exports.trap(8, 0n));
  attempt(() => exports.trap(8, -1n));
  // After traps, the functions still work (their register files are free again).
  attempt(() => exports.rec(3, -7n));
  attempt(() => exports.hash(5, 40, 42n));
  attempt(() => exports.plain(-3n, 0x100000001n));
  attempt(() => exports.callsOut(50, 0x0123456789abcdefn));
  out.push(exports.ge.value);
  return out;
}

describe('i64 as BigInt inside functions (i64big.ts)', () => {
  it('auto lowers the i64-heavy loop functions with BigInts; the recursive, loop-free and calling-in-the-loop ones with pairs', () => {
    const code = compile(bytes).code;
    expect(code).toMatch(/const RF0 = new BigUint64Array/);
    expect(code).not.toMatch(/const RF1 = /);
    expect(code).toMatch(/const RF2 = new BigUint64Array/);
    expect(code).not.toMatch(/const RF3 = /);
    expect(code).not.toMatch(/const RF4 = /);
    expect(compile(bytes, { i64: 'pair' }).code).not.toMatch(/BigUint64Array/);
    const all = compile(bytes, { i64: 'bigint' }).code;
    expect(all).toMatch(/const RF3 = new BigUint64Array/);
    expect(all).toMatch(/const RF4 = new BigUint64Array/);
  });

  it('gives the same results and traps as pairs and native WebAssembly', async () => {
    const native = await WebAssembly.instantiate(bytes);
    const nat = native.instance.exports as any;
    const expected = scenario(nat, nat.mem.buffer);
    expect(expected.filter((x) => typeof x === 'string')).toEqual(['trap: RuntimeError', 'trap: RuntimeError']);
    for (const i64 of ['auto', 'pair', 'bigint'] as const) {
      const { inst } = await load({ i64 });
      const got = scenario(inst.exports, inst.exports.mem.buffer);
      expect(got, i64).toEqual(expected);
    }
  });

  it('auto also emits each BigInt function as int32 pairs, one chosen per instance (runtime/i64form.ts)', async () => {
    const code = compile(bytes).code;
    // Functions 0 and 2 have the BigInt form; their pair variants are swapped in unless the engine is V8 with its JIT.
    expect(code).toMatch(/if \(!i64BigInt\(options\)\) \{ (\S+) = \1\$pair; (\S+) = \2\$pair; \}/);
    expect(code.match(/function \S+\$pair\(/g)).toHaveLength(2);
    expect(compile(bytes, { i64: 'pair' }).code).not.toMatch(/\$pair/);
    expect(compile(bytes, { i64: 'bigint' }).code).not.toMatch(/\$pair/);
    const nat = (await WebAssembly.instantiate(bytes)).instance.exports as any;
    const expected = scenario(nat, nat.mem.buffer);
    for (const i64 of ['pair', 'bigint'] as const) {
      const { inst } = await load({}, { i64 });
      expect(scenario(inst.exports, inst.exports.mem.buffer), i64).toEqual(expected);
    }
    await expect(load({}, { i64: 'int64' })).rejects.toThrow(/options.i64 must be 'bigint' or 'pair'/);
  });

  it('picks the BigInt form by default in V8 with WebAssembly only (Node here)', async () => {
    const { I64_BIGINT_DEFAULT, i64BigInt } = await import('../runtime/i64form.js');
    expect(I64_BIGINT_DEFAULT).toBe(typeof WebAssembly === 'object');
    expect([i64BigInt(undefined), i64BigInt({ i64: 'pair' }), i64BigInt({ i64: 'bigint' })]).toEqual([I64_BIGINT_DEFAULT, false, true]);
  });

  it('a recursive call gets its own register file, and the outer one is intact after it', async () => {
    const { inst } = await load({ i64: 'bigint' });
    const native = (await WebAssembly.instantiate(bytes)).instance.exports as any;
    for (const [d, x] of [[0, 99n], [1, 99n], [4, -1n], [9, 1n << 40n]] as const) expect(inst.exports.rec(d, x)).toBe(native.rec(d, x));
  });
});
