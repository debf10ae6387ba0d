// runtime/numeric.ts against native WebAssembly (V8) as the oracle: every
// helper is compared with the wasm instruction it implements, on edge values
// and seeded random bit patterns (and `i64.mul`, which has no helper, as Kiln
// lowers it inline). Float values cross the JS boundary as bits (i32 for f32,
// i64 for f64) so NaN payloads survive.
import { beforeAll, describe, expect, it } from 'vitest';
import * as N from '../runtime/numeric.js';
import { RuntimeError } from '../runtime/errors.js';
import { rt } from '../runtime/state.js';
import { compile } from './util/wasm-names.js';
import { importCode } from './util/load.js';

// ---------------------------------------------------------------------------
// The oracle module

const I32_BIN = ['div_s', 'div_u', 'rem_s', 'rem_u', 'rotl', 'rotr'] as const;
const I32_UN = ['ctz', 'popcnt'] as const;
const I64_BIN = ['mul', 'div_s', 'div_u', 'rem_s', 'rem_u', 'shl', 'shr_s', 'shr_u', 'rotl', 'rotr'] as const;
const I64_UN = ['clz', 'ctz', 'popcnt'] as const;
/** Constant rotate counts lowered inline: 0, mod-32 wraps and negatives. */
const ROT_COUNTS = [0, 1, 7, 8, 16, 25, 31, 32, 33, 63, -1, -31];
/** `i32.mul` by constants: those of magnitude up to 2^21 are lowered as `a * c | 0`, larger ones with `Math.imul`. */
const MUL_CONSTS = [0, 1, -1, 3, 24, -24, 1664525, 2097151, 2097152, -2097152, 2097153, -2097153, 0x7fffffff, -0x80000000];
const FLOAT_UN = ['abs', 'neg', 'nearest'] as const;
/**
 * i32 division and remainder by constants: those that cannot trap are lowered inline (`a / c | 0`,
 * `a % c | 0`, a shift or a mask for an unsigned power of two); 0, and -1 for div_s, keep the helper.
 */
const DIV_CONSTS = [0, 1, -1, 2, -2, 3, -3, 7, 10, -10, 16, 1000, 0x7fffffff, -0x80000000, -0x7fffffff, 0x40000000, -0x40000000, 0x10001, -65536];

function wat(): string {
  const f: string[] = [];
  for (const op of I32_BIN) f.push(`(func (export "i32_${op}") (param i32 i32) (result i32) (i32.${op} (local.get 0) (local.get 1)))`);
  for (const op of I32_UN) f.push(`(func (export "i32_${op}") (param i32) (result i32) (i32.${op} (local.get 0)))`);
  for (const op of I64_BIN) f.push(`(func (export "i64_${op}") (param i64 i64) (result i64) (i64.${op} (local.get 0) (local.get 1)))`);
  for (const op of I64_UN) f.push(`(func (export "i64_${op}") (param i64) (result i64) (i64.${op} (local.get 0)))`);
  for (const [ft, it] of [['f32', 'i32'], ['f64', 'i64']]) {
    const arg = (n: number) => `(${ft}.reinterpret_${it} (local.get ${n}))`;
    for (const op of FLOAT_UN) {
      f.push(`(func (export "${ft}_${op}") (param ${it}) (result ${it}) (${it}.reinterpret_${ft} (${ft}.${op} ${arg(0)})))`);
    }
    f.push(`(func (export "${ft}_copysign") (param ${it} ${it}) (result ${it}) (${it}.reinterpret_${ft} (${ft}.copysign ${arg(0)} ${arg(1)})))`);
    for (const dst of ['i32', 'i64']) {
      for (const sat of ['', '_sat']) {
        for (const su of ['s', 'u']) {
          f.push(`(func (export "${dst}_trunc${sat}_${su}_${ft}") (param ${it}) (result ${dst}) (${dst}.trunc${sat}_${ft}_${su} ${arg(0)}))`);
        }
      }
    }
    for (const su of ['s', 'u']) {
      f.push(`(func (export "${ft}_convert_i64_${su}") (param i64) (result ${it}) (${it}.reinterpret_${ft} (${ft}.convert_i64_${su} (local.get 0))))`);
    }
  }
  // Constant counts are lowered inline (two shifts), not through the helper: counts taken mod 32,
  // on a local and on a computed operand (which the inline form must evaluate once).
  for (const op of ['rotl', 'rotr']) {
    for (const k of ROT_COUNTS) {
      f.push(`(func (export "i32_${op}_${k}") (param i32) (result i32) (i32.${op} (local.get 0) (i32.const ${k})))`);
      f.push(`(func (export "i32_${op}_${k}_expr") (param i32) (result i32) (i32.${op} (i32.xor (local.get 0) (i32.const 0x5a5a5a5a)) (i32.const ${k})))`);
    }
  }
  for (const [i, c] of MUL_CONSTS.entries()) {
    f.push(`(func (export "i32_mul_${i}") (param i32) (result i32) (i32.mul (local.get 0) (i32.const ${c})))`);
    f.push(`(func (export "i32_mul_${i}_first") (param i32) (result i32) (i32.mul (i32.const ${c}) (i32.xor (local.get 0) (i32.const 0x5a5a5a5a))))`);
  }
  for (const op of ['div_s', 'div_u', 'rem_s', 'rem_u']) {
    for (const [i, c] of DIV_CONSTS.entries()) {
      f.push(`(func (export "i32_${op}_${i}") (param i32) (result i32) (i32.${op} (local.get 0) (i32.const ${c})))`);
      // a computed dividend, and the quotient used inside an expression (the inline form is pure)
      f.push(`(func (export "i32_${op}_${i}_expr") (param i32) (result i32) (i32.add (i32.${op} (i32.xor (local.get 0) (i32.const 0x5a5a5a5a)) (i32.const ${c})) (local.get 0)))`);
    }
  }
  // Adding or subtracting 0 leaves the operand (lowered as the operand itself).
  f.push('(func (export "i32_add0") (param i32) (result i32) (i32.add (local.get 0) (i32.const 0)))');
  f.push('(func (export "i32_0add") (param i32) (result i32) (i32.add (i32.const 0) (i32.xor (local.get 0) (i32.const 0x5a5a5a5a))))');
  f.push('(func (export "i32_sub0") (param i32) (result i32) (i32.sub (i32.mul (local.get 0) (i32.const 3)) (i32.const 0)))');
  // A sum made unsigned (an unsigned compare).
  f.push('(func (export "i32_add_ltu") (param i32 i32) (result i32) (i32.lt_u (i32.add (local.get 0) (local.get 1)) (i32.sub (local.get 1) (local.get 0))))');
  f.push('(memory (export "mem") 1)');
  f.push('(func (export "copy32") (param i32 i32) (f32.store (local.get 1) (f32.load (local.get 0))))');
  return `(module\n${f.join('\n')}\n)`;
}

type Fn = (...args: any[]) => any;
let W: Record<string, Fn>;
let wmem: WebAssembly.Memory;
/** The oracle module's binary. */
let BIN: Uint8Array;

beforeAll(async () => {
  const wabt = await (await import('wabt')).default();
  const bin = (BIN = wabt.parseWat('numeric.wat', wat(), {}).toBinary({}).buffer);
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bin as Uint8Array<ArrayBuffer>));
  W = inst.exports as unknown as Record<string, Fn>;
  wmem = inst.exports.mem as WebAssembly.Memory;
});

// ---------------------------------------------------------------------------
// Inputs: edge values and seeded random bit patterns

let seed = 0x9e3779b9;
/** mulberry32: a random int32. */
function r32(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) | 0;
}
const below = (n: number) => (r32() >>> 0) % n;
const r64 = () => BigInt.asIntN(64, (BigInt(r32()) << 32n) | BigInt(r32() >>> 0));
const RANDOM = 4000;
const times = <T>(n: number, f: () => T): T[] => Array.from({ length: n }, f);

const I32_EDGES = [
  0, 1, -1, 2, -2, 3, 7, 10, -10, 31, 32, 33, 63, 64, 0x7fff, 0x8000, 0xffff, 0x10000, 0x55555555, 0xaaaaaaaa | 0,
  2147483647, -2147483648, -2147483647, 2147483646, 1000000007, -1000000007,
];
/** Full-width, or arithmetic-shifted down to any magnitude. */
const randI32 = () => r32() >> below(32);

const P = (e: bigint) => 2n ** e;
const I64_EDGES = [
  0n, 1n, -1n, 2n, -2n, 3n, 7n, 10n, -10n, 31n, 32n, 33n, 63n, 64n, 65n, P(31n) - 1n, P(31n), -P(31n), P(32n) - 1n, P(32n),
  P(32n) + 1n, -P(32n), -P(32n) - 1n, P(52n), P(53n) - 1n, P(53n), P(53n) + 1n, -P(53n), -P(53n) - 1n, -P(53n) + 1n,
  P(62n), P(63n) - 1n, -P(63n), -P(63n) + 1n, 0x123456789abcdefn, 0x5555555555555555n, -0x5555555555555556n,
  -0x100000000n + 5n, 0x7fffffff00000000n,
];
/** Random 64 bits shifted (arithmetic) to a random magnitude, sometimes also shifted left. */
const randI64 = () => {
  const v = r64() >> BigInt(below(64));
  return below(4) === 0 ? BigInt.asIntN(64, v << BigInt(below(64))) : v;
};

const pairs = <T>(edges: T[], rnd: () => T): [T, T][] => [
  ...edges.flatMap((a) => edges.map((b): [T, T] => [a, b])),
  ...times(RANDOM, (): [T, T] => [rnd(), rnd()]),
];
const singles = <T>(edges: T[], rnd: () => T): T[] => [...edges, ...times(RANDOM, rnd)];

// Float bit patterns. f32 bits are int32, f64 bits are BigInt (signed, as the wasm i64 boundary gives them back).
const F32_EDGES = [
  0, 0x80000000, 0x3f800000, 0xbf800000, 0x3f000000, 0xbf000000, 0x3fc00000, 0xbfc00000, 0x40200000, 0xc0200000,
  0x3effffff, 0xbeffffff, 0x3f7fffff, 0xbf7fffff, 0x4b000000, 0x4affffff, 0x4b7fffff, 0xcafffffd, 0x4f000000,
  0x4effffff, 0xcf000000, 0xcf000001, 0x4f800000, 0x4f7fffff, 0x5f000000, 0x5effffff, 0xdf000000, 0xdf000001,
  0x5f800000, 0x5f7fffff, 0x7f7fffff, 0xff7fffff, 0x00000001, 0x80000001, 0x007fffff, 0x00800000, 0x7f800000,
  0xff800000, 0x7fc00000, 0xffc00000, 0x7f800001, 0xff800001, 0x7fa00000, 0x7fbfffff, 0xffbfffff, 0x7fc00001,
  0x7fffffff, 0xffffffff, 0x7f812345,
].map((b) => b | 0);
const F64_EDGES = [
  0n, P(63n), 0x3ff0000000000000n, 0xbff0000000000000n, 0x3fe0000000000000n, 0xbfe0000000000000n, 0x3ff8000000000000n,
  0xbff8000000000000n, 0x4004000000000000n, 0xc004000000000000n, 0x3fdfffffffffffffn, 0xbfdfffffffffffffn,
  0x4330000000000000n, 0x432fffffffffffffn, 0xc32fffffffffffffn, 0x4340000000000000n, 0x433fffffffffffffn,
  0x41dfffffffc00000n, 0x41dfffffffffffffn, 0x41e0000000000000n, 0xc1e0000000000000n, 0xc1e0000000100000n,
  0xc1e00000001fffffn, 0xc1e0000000200000n, 0x41efffffffe00000n, 0x41efffffffffffffn, 0x41f0000000000000n,
  0xbfefffffffffffffn, 0x43dfffffffffffffn, 0x43e0000000000000n, 0xc3e0000000000000n, 0xc3e0000000000001n,
  0x43efffffffffffffn, 0x43f0000000000000n, 0x7fefffffffffffffn, 0x0000000000000001n, 0x800fffffffffffffn,
  0x0010000000000000n, 0x7ff0000000000000n, 0xfff0000000000000n, 0x7ff8000000000000n, 0xfff8000000000000n,
  0x7ff0000000000001n, 0xfff0000000000001n, 0x7ff4000000000000n, 0x7ff7ffffffffffffn, 0x7ff8000000000001n,
  0xffffffffffffffffn, 0x7ff0000020000000n,
].map((b) => BigInt.asIntN(64, b));

const randF32 = () => {
  switch (below(5)) {
    case 0: return r32(); // any pattern
    case 1: return (r32() & 0x80000000) | ((0x7f + below(70) - 3) << 23) | (r32() & 0x7fffff); // near integer ranges
    case 2: return (r32() & 0x80000000) | 0x7f800000 | (r32() & 0x7fffff) | 1; // NaN, signalling or quiet
    case 3: return f32bits(((r32() >> below(31)) + 0.5 * below(2)) * (below(2) ? 1 : -1)); // halves
    default: return r32() & 0x807fffff; // subnormal
  }
};
const randF64 = () => {
  const m = () => BigInt(r32() >>> 0) | (BigInt(r32() & 0xfffff) << 32n);
  const s = () => BigInt(below(2)) << 63n;
  switch (below(5)) {
    case 0: return r64();
    case 1: return BigInt.asIntN(64, s() | (BigInt(1023 + below(70) - 3) << 52n) | m());
    case 2: return BigInt.asIntN(64, s() | 0x7ff0000000000000n | m() | 1n);
    case 3: return f64bits(((r32() >> below(31)) * 2 ** below(23) + 0.5 * below(2)) * (below(2) ? 1 : -1));
    default: return BigInt.asIntN(64, s() | m());
  }
};

// Independent bit helpers (DataView moves f64 bits exactly, signalling NaNs included).
const sdv = new DataView(new ArrayBuffer(8));
function f64bits(x: number): bigint {
  sdv.setFloat64(0, x);
  return sdv.getBigInt64(0);
}
function f64of(b: bigint): number {
  sdv.setBigInt64(0, b);
  return sdv.getFloat64(0);
}
function f32bits(x: number): number {
  sdv.setFloat32(0, x);
  return sdv.getInt32(0);
}
/** ABI "NaN bits": the number representing f32 bits b (sign, and the 23 mantissa bits on top of the f64 mantissa). */
function f32rep(b: number): number {
  if ((b & 0x7fffffff) <= 0x7f800000) {
    sdv.setInt32(0, b);
    return sdv.getFloat32(0);
  }
  return f64of(BigInt.asIntN(64, (BigInt(b >>> 31) << 63n) | (0x7ffn << 52n) | (BigInt(b & 0x7fffff) << 29n)));
}
const isNaN32 = (b: number) => (b & 0x7fffffff) > 0x7f800000;
const isNaN64 = (b: bigint) => (b & 0x7fffffffffffffffn) > 0x7ff0000000000000n;

// Kiln-side adapters
const lo = (v: bigint) => Number(BigInt.asIntN(32, v));
const hi = (v: bigint) => Number(BigInt.asIntN(32, v >> 32n));
const isI32 = (x: number) => x === (x | 0) && !Object.is(x, -0);
/** Reads a Kiln pair result (lo returned, hi in rt.hi) as a signed BigInt, checking both halves are int32. */
function pair(l: number): bigint | string {
  const h = rt.hi;
  if (!isI32(l) || !isI32(h)) return `bad pair (${l}, ${h})`;
  return N.i64_to_big(l, h);
}
const i32res = (x: number) => (isI32(x) ? x : `bad i32 ${x}`);
const k32 = (b: number) => N.f32_reinterpret_i32(b);
const k64 = (b: bigint) => N.f64_reinterpret_i64(lo(b), hi(b));
const b32 = (x: number) => N.i32_reinterpret_f32(x);
const b64 = (x: number) => pair(N.i64_reinterpret_f64(x));

// ---------------------------------------------------------------------------
// Comparison

const fmt = (x: unknown) => (Object.is(x, -0) ? '-0' : String(x));
const hex = (x: unknown) => (typeof x === 'bigint' ? `0x${BigInt.asUintN(64, x).toString(16)}` : typeof x === 'number' ? `0x${(x >>> 0).toString(16)}` : String(x));
const show = (x: unknown) => (Array.isArray(x) ? x.map(hex).join(', ') : hex(x));

function wasmTrap(msg: string, nanInput: boolean): string {
  if (/by zero/.test(msg)) return 'integer-divide-by-zero';
  if (/divide result unrepresentable|integer overflow/.test(msg)) return 'integer-overflow';
  if (/unrepresentable|invalid conversion/.test(msg)) return nanInput ? 'invalid-conversion' : 'integer-overflow';
  return `unknown trap: ${msg}`;
}

interface Opts<T> {
  /** For conversions: whether the input is a NaN (V8 words both conversion traps alike). */
  nanInput?: (x: T) => boolean;
  /** Accept differing outcomes (used for arithmetic NaN results). */
  accept?: (kiln: string, wasm: string) => boolean;
}

let compared = 0;
function compare<T>(inputs: T[], kiln: (x: T) => unknown, wasm: (x: T) => unknown, opts: Opts<T> = {}): void {
  const bad: string[] = [];
  for (const x of inputs) {
    let k: string, w: string;
    try {
      k = fmt(kiln(x));
    } catch (e) {
      if (!(e instanceof RuntimeError)) throw e;
      k = `trap ${e.code}`;
    }
    try {
      w = fmt(wasm(x));
    } catch (e) {
      if (!(e instanceof WebAssembly.RuntimeError)) throw e;
      w = `trap ${wasmTrap(e.message, opts.nanInput?.(x) ?? false)}`;
    }
    if (k !== w && !opts.accept?.(k, w)) {
      bad.push(`${show(x)}: kiln ${k}, wasm ${w}`);
      if (bad.length >= 10) break;
    }
  }
  compared += inputs.length;
  expect(bad).toEqual([]);
}

// ---------------------------------------------------------------------------

describe('i32', () => {
  const bin = pairs(I32_EDGES, randI32);
  for (const op of I32_BIN) {
    it(op, () => compare(bin, ([a, b]) => i32res((N as unknown as Record<string, Fn>)[`i32_${op}`](a, b)), ([a, b]) => W[`i32_${op}`](a, b)));
  }
  const un = singles(I32_EDGES, () => (below(2) ? randI32() : r32() << below(32)));
  for (const op of I32_UN) {
    it(op, () => compare(un, (a) => i32res((N as unknown as Record<string, Fn>)[`i32_${op}`](a)), (a) => W[`i32_${op}`](a)));
  }
});

describe('i32 rotations by a constant count, lowered inline', () => {
  it('match native for every count', async () => {
    const m = await importCode(compile(BIN).code);
    const k = m.instantiate({}).exports as Record<string, Fn>;
    const xs = singles(I32_EDGES, randI32);
    for (const op of ['rotl', 'rotr']) {
      for (const c of ROT_COUNTS) {
        for (const sfx of ['', '_expr']) compare(xs, (a) => k[`i32_${op}_${c}${sfx}`](a), (a) => W[`i32_${op}_${c}${sfx}`](a));
      }
    }
  });
});

describe('i32 arithmetic by a constant', () => {
  it('mul matches native on both sides of the 2^21 bound, the constant first or second; add and sub of 0', async () => {
    const { code } = compile(BIN);
    expect(code).toMatch(/\*1664525\|0/);
    expect(code).toMatch(/Math\.imul\(l0,2097153\)/);
    const k = (await importCode(code)).instantiate({}).exports as Record<string, Fn>;
    const xs = singles(I32_EDGES, randI32);
    for (let i = 0; i < MUL_CONSTS.length; i++) {
      for (const sfx of ['', '_first']) compare(xs, (a) => k[`i32_mul_${i}${sfx}`](a), (a) => W[`i32_mul_${i}${sfx}`](a));
    }
    for (const f of ['i32_add0', 'i32_0add', 'i32_sub0']) compare(xs, (a) => k[f](a), (a) => W[f](a));
    compare(pairs(I32_EDGES, randI32), ([a, b]) => k.i32_add_ltu(a, b), ([a, b]) => W.i32_add_ltu(a, b));

    const wabt = await (await import('wabt')).default();
    const add0 = wabt.parseWat('add0.wat', '(module (func (export "f") (param i32) (result i32) (i32.add (local.get 0) (i32.const 0))))', {}).toBinary({}).buffer;
    expect(compile(add0).code).toMatch(/function f0\(l0\)\{\nreturn l0;\n\}/);
  });
});

describe('i32 division and remainder by a constant', () => {
  it('match native for every constant, traps included; only 0 and div_s by -1 call the helper', async () => {
    const { code } = compile(BIN);
    for (const op of ['div_s', 'div_u', 'rem_s', 'rem_u']) {
      const calls = [...code.matchAll(new RegExp(`i32_${op}\\([^;]*,(-?\\d+)\\)`, 'g'))].map((m) => Number(m[1]));
      expect(calls.sort(), op).toEqual(op === 'div_s' ? [-1, -1, 0, 0] : [0, 0]);
    }
    expect(code).toMatch(/l0>>>4;/); // div_u by 16
    expect(code).toMatch(/l0&15;/); // rem_u by 16
    const k = (await importCode(code)).instantiate({}).exports as Record<string, Fn>;
    const xs = singles(I32_EDGES, randI32);
    for (const op of ['div_s', 'div_u', 'rem_s', 'rem_u']) {
      for (let i = 0; i < DIV_CONSTS.length; i++) {
        for (const sfx of ['', '_expr']) compare(xs, (a) => k[`i32_${op}_${i}${sfx}`](a), (a) => W[`i32_${op}_${i}${sfx}`](a));
      }
    }
  });
});

describe('i64', () => {
  const bin = pairs(I64_EDGES, randI64);
  for (const op of I64_BIN) {
    if (op === 'mul') continue; // no runtime helper: lowered inline (below)
    it(op, () =>
      compare(bin, ([a, b]) => pair((N as unknown as Record<string, Fn>)[`i64_${op}`](lo(a), hi(a), ...(op.startsWith('sh') || op.startsWith('rot') ? [lo(b)] : [lo(b), hi(b)]))), ([a, b]) => W[`i64_${op}`](a, b)),
    );
  }
  for (const i64 of ['pair', 'bigint'] as const) {
    it(`mul, lowered inline (i64: ${i64})`, async () => {
      const m = await importCode(compile(BIN, { i64 }).code);
      const k = m.instantiate({}).exports as Record<string, Fn>;
      compare(bin, ([a, b]) => k.i64_mul(a, b), ([a, b]) => W.i64_mul(a, b));
    });
  }
  for (const i64 of ['pair', 'bigint'] as const) {
    it(`add, sub, and, or, xor where a high word is literal 0: zero-extended i32s, constants below 2^32 (i64: ${i64})`, async () => {
      const fns = [
        ['add_ext', '(param i64 i32) (result i64) (i64.add (local.get 0) (i64.extend_i32_u (local.get 1)))'],
        ['ext_add', '(param i64 i32) (result i64) (i64.add (i64.extend_i32_u (local.get 1)) (local.get 0))'],
        ['ext_add_ext', '(param i64 i32) (result i64) (i64.add (i64.extend_i32_u (i32.wrap_i64 (local.get 0))) (i64.extend_i32_u (local.get 1)))'],
        ['add_k', '(param i64 i32) (result i64) (i64.add (local.get 0) (i64.const 0xfffffffe))'],
        ['sub_ext', '(param i64 i32) (result i64) (i64.sub (local.get 0) (i64.extend_i32_u (local.get 1)))'],
        ['ext_sub', '(param i64 i32) (result i64) (i64.sub (i64.extend_i32_u (local.get 1)) (local.get 0))'],
        ['sub_k', '(param i64 i32) (result i64) (i64.sub (local.get 0) (i64.const 0xffffffff))'],
        // and/or/xor with a literal-0 high word on either side (`x & 0` lowers to a literal 0), then its uses
        ['and_k', '(param i64 i32) (result i64) (i64.and (local.get 0) (i64.const 0xff00ff00))'],
        ['k_and', '(param i64 i32) (result i64) (i64.and (i64.const 0xffffffff) (local.get 0))'],
        ['and_ext', '(param i64 i32) (result i64) (i64.and (i64.extend_i32_u (local.get 1)) (local.get 0))'],
        ['or_ext', '(param i64 i32) (result i64) (i64.or (local.get 0) (i64.extend_i32_u (local.get 1)))'],
        ['xor_k', '(param i64 i32) (result i64) (i64.xor (i64.const 0x80000001) (local.get 0))'],
        ['and_add', '(param i64 i32) (result i64) (i64.add (i64.and (local.get 0) (i64.const 0xffffffff)) (local.get 0))'],
        ['and_shl', '(param i64 i32) (result i64) (i64.shl (i64.and (local.get 0) (i64.const 0xffff)) (i64.const 40))'],
        ['and_mul', '(param i64 i32) (result i64) (i64.mul (local.get 0) (i64.and (local.get 0) (i64.const 0xfffffff0)))'],
        ['and_sub', '(param i64 i32) (result i64) (i64.sub (i64.and (local.get 0) (i64.const 0x7f)) (i64.extend_i32_s (local.get 1)))'],
      ];
      const wabt = await (await import('wabt')).default();
      const text = `(module ${fns.map(([n, body]) => `(func (export "${n}") ${body})`).join(' ')})`;
      const bytes = new Uint8Array(wabt.parseWat('hi0.wat', text, {}).toBinary({}).buffer);
      const w = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as Record<string, Fn>;
      const k = (await importCode(compile(bytes, { i64 }).code)).instantiate({}).exports as Record<string, Fn>;
      const xs: [bigint, number][] = [...I64_EDGES.flatMap((a) => I32_EDGES.map((b): [bigint, number] => [a, b])), ...times(RANDOM, (): [bigint, number] => [randI64(), randI32()])];
      for (const [n] of fns) compare(xs, ([a, b]) => k[n!]!(a, b), ([a, b]) => w[n!]!(a, b));
    });
  }
  // Divisors of at most 32 bits (either sign) with dividends past 2^53: the runtime's long division by 16-bit
  // digits in doubles (no BigInt), e.g. an LCG's `(seed * 1103515245 + 12345) % 2^31` or printf's `/ 10`.
  const narrow = (): bigint => {
    const d = BigInt((r32() >>> below(32)) >>> 0) || 1n;
    return below(2) ? d : -d;
  };
  const NARROW_EDGES = [1n, -1n, 2n, 3n, 10n, -10n, 65535n, 65536n, 65537n, P(21n) - 1n, -(P(21n) - 1n), P(21n), P(31n) - 1n, P(31n), -P(31n), P(32n) - 1n, -(P(32n) - 1n), 0xfedcba98n];
  const narrowDiv: [bigint, bigint][] = [
    ...I64_EDGES.flatMap((a) => NARROW_EDGES.map((b): [bigint, bigint] => [a, b])),
    ...times(RANDOM, (): [bigint, bigint] => [randI64(), narrow()]),
  ];
  for (const op of ['div_s', 'div_u', 'rem_s', 'rem_u']) {
    it(`${op}, divisors of at most 32 bits`, () =>
      compare(narrowDiv, ([a, b]) => pair((N as unknown as Record<string, Fn>)[`i64_${op}`](lo(a), hi(a), lo(b), hi(b))), ([a, b]) => W[`i64_${op}`](a, b)),
    );
  }
  // Both operands within 2^53 (the runtime divides them as doubles): quotients whose remainder is b - 1, 0 or 1,
  // where a quotient rounded to the nearest double could land on the next integer, up to |a| = 2^53, either sign.
  const within53 = (): bigint => BigInt(Math.floor((r32() >>> 0) / 2 ** 32 * 2 ** below(53))) + 1n;
  const near53: [bigint, bigint][] = times(RANDOM, (): [bigint, bigint] => {
    const b = within53();
    const q = (P(53n) - 1n) / b >> BigInt(below(4) === 0 ? below(53) : 0);
    const r = [b - 1n, 0n, 1n, b / 2n][below(4)]!;
    const a = q * b + r < P(53n) ? q * b + r : q * b;
    return [below(2) ? a : -a, below(2) ? b : -b];
  });
  for (const op of ['div_s', 'div_u', 'rem_s', 'rem_u']) {
    it(`${op}, both operands within 2^53`, () =>
      compare(near53, ([a, b]) => pair((N as unknown as Record<string, Fn>)[`i64_${op}`](lo(a), hi(a), lo(b), hi(b))), ([a, b]) => W[`i64_${op}`](a, b)),
    );
  }
  const un = singles(I64_EDGES, randI64);
  for (const op of I64_UN) {
    it(op, () => compare(un, (a) => pair((N as unknown as Record<string, Fn>)[`i64_${op}`](lo(a), hi(a))), (a) => W[`i64_${op}`](a)));
  }
  it('i64_from_big / i64_to_big', () => {
    for (const v of [...un, P(64n) - 1n, P(63n), -P(64n), P(70n) + 5n]) {
      const l = N.i64_from_big(v);
      expect([l, rt.hi]).toEqual([lo(v), hi(v)]);
      expect(N.i64_to_big(l, rt.hi)).toBe(BigInt.asIntN(64, v));
    }
  });
});

describe('float -> integer', () => {
  const f32s = singles(F32_EDGES, randF32);
  const f64s = singles(F64_EDGES, randF64);
  for (const dst of ['i32', 'i64'] as const) {
    for (const sat of ['', '_sat']) {
      for (const su of ['s', 'u']) {
        const k = (N as unknown as Record<string, Fn>)[`${dst}_trunc${sat}_${su}`];
        const res = dst === 'i32' ? i32res : pair;
        it(`${dst}_trunc${sat}_${su} (f32)`, () => compare(f32s, (b) => res(k(k32(b))), (b) => W[`${dst}_trunc${sat}_${su}_f32`](b), { nanInput: isNaN32 }));
        it(`${dst}_trunc${sat}_${su} (f64)`, () => compare(f64s, (b) => res(k(k64(b))), (b) => W[`${dst}_trunc${sat}_${su}_f64`](b), { nanInput: isNaN64 }));
      }
    }
  }
  // i32.trunc_f32_s/_u and _f64_s/_u of a local are lowered inline (the helper only traps): compiled, on float
  // parameters, against native; the value's bits do not matter (a NaN traps).
  it('i32 trunc of a local, lowered inline', async () => {
    const fns = ['f32', 'f64'].flatMap((ft) => ['s', 'u'].map((su) => [`${ft}_${su}`, `(param ${ft}) (result i32) (i32.trunc_${ft}_${su} (local.get 0))`]));
    const wabt = await (await import('wabt')).default();
    const text = `(module ${fns.map(([n, body]) => `(func (export "${n}") ${body})`).join(' ')})`;
    const bytes = new Uint8Array(wabt.parseWat('trunc.wat', text, {}).toBinary({}).buffer);
    const w = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as Record<string, Fn>;
    const { code } = compile(bytes);
    expect(code).not.toMatch(/return i32_trunc_[su]\(/);
    const kiln = (await importCode(code)).instantiate({}).exports as Record<string, Fn>;
    const near = [-2147483649, -2147483648.5, -2147483648, -2147483647.5, -1, -0.99, -0.5, -0, 0, 0.5, 0.99, 1, 2147483647, 2147483647.5, 2147483648, 4294967295, 4294967295.5, 4294967296, 1e10, -1e10, Infinity, -Infinity, NaN];
    for (const [ft, xs] of [['f32', [...near, ...f32s.map(k32)]], ['f64', [...near, ...f64s.map(k64)]]] as const) {
      const vals = ft === 'f32' ? xs.map(Math.fround) : [...xs];
      for (const su of ['s', 'u']) compare(vals, (x) => i32res(kiln[`${ft}_${su}`]!(x)), (x) => w[`${ft}_${su}`]!(x), { nanInput: (x) => x !== x });
    }
  });
});

describe('i64 -> float', () => {
  /** Values whose bits below the target precision p sit at or near a rounding tie, at every magnitude. */
  const tie = (p: number) => () => {
    const len = p + 1 + below(64 - p); // bit length, p+1..64
    const drop = BigInt(len - p); // bits below the kept p
    const top = (1n << BigInt(p - 1)) | (BigInt.asUintN(p - 1, r64()));
    const half = 1n << (drop - 1n);
    const low = [0n, 1n, half, half - 1n, half + 1n, half | (1n << BigInt(below(Number(drop)))), BigInt(r32() >>> 0) & (half - 1n)][below(7)];
    const v = (top << drop) | low;
    return below(2) ? BigInt.asIntN(64, v) : BigInt.asIntN(64, -v);
  };
  const ints = [...I64_EDGES, -P(63n) + P(39n) + 1n, BigInt.asIntN(64, 0x8000008000000001n), 0x7fffff4000000001n, 0x20000010000001n];
  for (const [ft, p] of [['f32', 24], ['f64', 53]] as const) {
    const inputs = [...ints, ...times(RANDOM, randI64), ...times(RANDOM, tie(p))];
    for (const su of ['s', 'u']) {
      const k = (N as unknown as Record<string, Fn>)[`${ft}_convert_i64_${su}`];
      it(`${ft}_convert_i64_${su}`, () =>
        compare(inputs, (v) => (ft === 'f32' ? b32(k(lo(v), hi(v))) : b64(k(lo(v), hi(v)))), (v) => W[`${ft}_convert_i64_${su}`](v)),
      );
    }
  }
});

describe('float bitwise and nearest', () => {
  const f32s = singles(F32_EDGES, randF32);
  const f64s = singles(F64_EDGES, randF64);
  /** Arithmetic NaN results: both NaN and Kiln's quiet (spec 4.3.3: nearest of a NaN is an arithmetic NaN). */
  const arith32 = (k: string, w: string) => isNaN32(Number(w)) && isNaN32(Number(k)) && (Number(k) & 0x400000) !== 0;
  const big = (s: string) => (/^-?\d+$/.test(s) ? BigInt(s) : 0n);
  const arith64 = (k: string, w: string) => isNaN64(big(w)) && isNaN64(big(k)) && (big(k) & 0x8000000000000n) !== 0n;
  for (const op of FLOAT_UN) {
    const k32f = (N as unknown as Record<string, Fn>)[`f32_${op}`];
    const k64f = (N as unknown as Record<string, Fn>)[`f64_${op}`];
    it(`f32_${op}`, () => compare(f32s, (b) => b32(k32f(k32(b))), (b) => W[`f32_${op}`](b), { accept: op === 'nearest' ? arith32 : undefined }));
    it(`f64_${op}`, () => compare(f64s, (b) => b64(k64f(k64(b))), (b) => W[`f64_${op}`](b), { accept: op === 'nearest' ? arith64 : undefined }));
  }
  it('f32_copysign', () => compare(pairs(F32_EDGES, randF32), ([a, b]) => b32(N.f32_copysign(k32(a), k32(b))), ([a, b]) => W.f32_copysign(a, b)));
  it('f64_copysign', () => compare(pairs(F64_EDGES, randF64), ([a, b]) => b64(N.f64_copysign(k64(a), k64(b))), ([a, b]) => W.f64_copysign(a, b)));
  // The same operators compiled (abs and neg are lowered inline): bits in, bits out, NaN payloads included.
  for (const tune of ['jit', 'hermes'] as const) {
    it(`abs, neg, nearest, copysign compiled (tune: ${tune})`, async () => {
      const k = (await importCode(compile(BIN, { tune }).code)).instantiate({}).exports as Record<string, Fn>;
      for (const op of FLOAT_UN) {
        compare(f32s, (b) => k[`f32_${op}`]!(b), (b) => W[`f32_${op}`](b), { accept: op === 'nearest' ? arith32 : undefined });
        compare(f64s, (b) => k[`f64_${op}`]!(b), (b) => W[`f64_${op}`](b), { accept: op === 'nearest' ? arith64 : undefined });
      }
      compare(pairs(F32_EDGES, randF32), ([a, b]) => k.f32_copysign!(a, b), ([a, b]) => W.f32_copysign(a, b));
      compare(pairs(F64_EDGES, randF64), ([a, b]) => k.f64_copysign!(a, b), ([a, b]) => W.f64_copysign(a, b));
    });
  }
});

describe('NaN bits (ABI)', () => {
  const f32s = singles(F32_EDGES, randF32);
  const f64s = singles(F64_EDGES, randF64);

  it('f32_reinterpret_i32 gives the ABI representation; i32_reinterpret_f32 inverts it', () => {
    for (const b of f32s) {
      const x = N.f32_reinterpret_i32(b);
      expect(f64bits(x)).toBe(f64bits(f32rep(b)));
      expect(N.i32_reinterpret_f32(x)).toBe(b);
    }
    // Signalling f32 NaN -> signalling f64 NaN, sign and payload kept.
    expect(f64bits(N.f32_reinterpret_i32(0x7fa00001))).toBe(0x7ff4000020000000n);
    expect(f64bits(N.f32_reinterpret_i32(0xff800001 | 0))).toBe(BigInt.asIntN(64, 0xfff0000020000000n));
  });

  it('i64_reinterpret_f64 / f64_reinterpret_i64 move the bits exactly', () => {
    for (const b of f64s) {
      const x = N.f64_reinterpret_i64(lo(b), hi(b));
      expect(f64bits(x)).toBe(b);
      expect(pair(N.i64_reinterpret_f64(x))).toBe(b);
    }
  });

  it('f32_load / f32_store match wasm f32.load / f32.store', () => {
    const kdv = new DataView(new ArrayBuffer(65536));
    const wdv = new DataView(wmem.buffer);
    const bad: string[] = [];
    for (const b of f32s) {
      const src = below(65533), dst = below(65533);
      kdv.setInt32(src, b, true);
      wdv.setInt32(src, b, true);
      const x = N.f32_load(kdv, src);
      if (f64bits(x) !== f64bits(f32rep(b))) bad.push(`load ${hex(b)}`);
      N.f32_store(kdv, dst, x);
      W.copy32(src, dst);
      if (kdv.getInt32(dst, true) !== wdv.getInt32(dst, true)) bad.push(`store ${hex(b)}`);
    }
    expect(bad).toEqual([]);
  });

  it('f32_load / f32_store out of bounds throw the DataView RangeError', () => {
    const dv = new DataView(new ArrayBuffer(65536));
    for (const f of [() => N.f32_load(dv, 65533), () => N.f32_store(dv, 65533, 1.5), () => N.f32_store(dv, 65536, NaN), () => N.f32_load(dv, -1)]) {
      expect(f).toThrow(RangeError);
    }
    dv.setInt32(65532, 0x7f800001, true);
    expect(N.i32_reinterpret_f32(N.f32_load(dv, 65532))).toBe(0x7f800001);
  });

  it('stays exact once the helpers are hot (optimising tiers)', () => {
    const b32s = [0x7f800001, 0xffa00005 | 0, 0x7fc00000, 0x3fc00000, 0x80000000 | 0, 0x7f7fffff, 1, 0xff812345 | 0];
    const b64s = [0x7ff0000000000001n, BigInt.asIntN(64, 0xfff4000000001234n), 0x3ff8000000000000n, 0x7ff8000000000005n].map((b) => [lo(b), hi(b)]);
    const dv = new DataView(new ArrayBuffer(16));
    let bad = 0;
    for (let i = 0; i < 200_000; i++) {
      const b = b32s[i & 7], c = b32s[(i >> 3) & 7];
      const x = N.f32_reinterpret_i32(b), y = N.f32_reinterpret_i32(c);
      if (N.i32_reinterpret_f32(x) !== b) bad++;
      if (N.i32_reinterpret_f32(N.f32_neg(x)) !== (b ^ 0x80000000)) bad++;
      if (N.i32_reinterpret_f32(N.f32_abs(x)) !== (b & 0x7fffffff)) bad++;
      if (N.i32_reinterpret_f32(N.f32_copysign(x, y)) !== ((b & 0x7fffffff) | (c & 0x80000000))) bad++;
      dv.setInt32(0, c, true);
      N.f32_store(dv, 4, N.f32_load(dv, 0));
      if (dv.getInt32(4, true) !== c) bad++;
      N.f32_store(dv, 8, x);
      if (dv.getInt32(8, true) !== b) bad++;
      const [l, h] = b64s[i & 3];
      const d = N.f64_reinterpret_i64(l, h);
      if (N.i64_reinterpret_f64(N.f64_neg(d)) !== l || rt.hi !== (h ^ 0x80000000)) bad++;
      if (N.i64_reinterpret_f64(N.f64_abs(d)) !== l || rt.hi !== (h & 0x7fffffff)) bad++;
    }
    expect(bad).toBe(0);
  });
});

describe('summary', () => {
  it('compared a few hundred thousand inputs', () => {
    expect(compared).toBeGreaterThan(100_000);
    console.log(`numeric: ${compared} inputs compared with native wasm`);
  });
});
