/**
 * The fuzzer's randomness (gen.ts): a seeded PRNG, and the values it draws,
 * edge values first (the constants compilers get wrong), with control over
 * which NaNs appear.
 */
import type { ValType } from './ast.js';

// ---------------------------------------------------------------------------
// PRNG

/** A small seeded PRNG (sfc32, seeded through splitmix32). */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.u32();
  }
  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.u32() / 4294967296) * n);
  }
  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  /** True with probability p. */
  bool(p = 0.5): boolean {
    return this.u32() / 4294967296 < p;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!;
  }
  /** A uniform 64-bit pattern as a signed BigInt. */
  i64(): bigint {
    return BigInt.asIntN(64, (BigInt(this.u32()) << 32n) | BigInt(this.u32()));
  }
  /** Picks a key of `weights` with probability proportional to its weight. */
  weighted<K extends string>(weights: Partial<Record<K, number>>): K {
    let total = 0;
    for (const k in weights) total += weights[k] ?? 0;
    let r = (this.u32() / 4294967296) * total;
    for (const k in weights) {
      r -= weights[k] ?? 0;
      if (r < 0) return k;
    }
    return Object.keys(weights)[0] as K;
  }
}

// ---------------------------------------------------------------------------
// Values

const f32bits = (x: number) => new Uint32Array(new Float32Array([x]).buffer)[0]!;
const f64bits = (x: number) => new BigUint64Array(new Float64Array([x]).buffer)[0]!;

/** Edge-case i32 values. */
export const I32_EDGES: readonly number[] = [
  0, 1, -1, 2, 3, 7, 8, 15, 16, 31, 32, 33, 63, 64, 65, 127, 128, 255, 256, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, -0x80000000,
  -2, -0x7fffffff, 0x55555555, -0x55555556, 0x12345678, 0x3fffffff, 0x40000000, 0xff00, -256,
];
/** Edge-case i64 values. */
export const I64_EDGES: readonly bigint[] = [
  0n, 1n, -1n, 2n, 31n, 32n, 33n, 63n, 64n, 65n, 127n, 255n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 0x100000001n, -0x80000000n,
  -0x80000001n, -0x100000000n, 0x7fffffffffffffffn, -0x8000000000000000n, -2n, 0xffffffff00000000n - 0x10000000000000000n,
  0x7fffffff00000000n, 0x80000000ffffffffn - 0x10000000000000000n, 0x123456789abcdefn, 1n << 52n, (1n << 53n) + 1n, 1n << 62n,
];
/** i32 divisors: powers of two of either sign, 10, odd ones, the extremes (see compiler/lower/ops.ts `divideByConstant`). */
export const I32_DIVISORS: readonly number[] = [3, 7, 10, -10, 16, -16, 1000, 0x10001, 0x40000000, -0x40000000, 0x7fffffff, -0x7fffffff, -0x80000000];
/** Small shift counts: at and around the widths. */
export const SHIFTS: readonly number[] = [0, 1, 7, 8, 16, 31, 32, 32, 32, 33, 48, 63, 64, 65, 96, -1, -32, 127];
/** Edge-case f32 bit patterns: zeros, infinities, NaNs (canonical, payloads, signalling, negative), denormals, conversion limits, halves. */
export const F32_EDGES: readonly number[] = [
  0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fa00000, 0x7f800001,
  0x7fc00001, 0xffbfffff, 0x7fffffff, 0xffffffff, 0x00000001, 0x80000001, 0x007fffff, 0x00800000, 0x7f7fffff, 0xff7fffff,
  f32bits(2 ** 31), f32bits(-(2 ** 31)), f32bits(2 ** 32), f32bits(2 ** 63), f32bits(-(2 ** 63)), f32bits(2 ** 64), 0x4effffff, 0xcf000001,
  0x4f7fffff, 0x5effffff, 0xdeffffff, 0x5f7fffff, f32bits(0.5), f32bits(-0.5), f32bits(1.5), f32bits(2.5), f32bits(-1.5), f32bits(0.49999997),
  f32bits(2 ** 23), f32bits(2 ** 23 + 1), f32bits(2 ** 24 + 2), f32bits(-0.9999999), f32bits(4294967295), f32bits(-1.0000001),
].map((b) => b >>> 0);
/** Edge-case f64 bit patterns (see F32_EDGES). */
export const F64_EDGES: readonly bigint[] = [
  0n, 0x8000000000000000n, f64bits(1), f64bits(-1), 0x7ff0000000000000n, 0xfff0000000000000n, 0x7ff8000000000000n, 0xfff8000000000000n,
  0x7ff4000000000000n, 0x7ff0000000000001n, 0x7ff8000000000001n, 0xfff7ffffffffffffn, 0x7fffffffffffffffn, 0xffffffffffffffffn, 1n,
  0x8000000000000001n, 0x000fffffffffffffn, 0x0010000000000000n, 0x7fefffffffffffffn, 0xffefffffffffffffn, f64bits(2 ** 31),
  f64bits(-(2 ** 31)), f64bits(2 ** 31 - 1), f64bits(2 ** 31 - 0.5), f64bits(-(2 ** 31) - 1), f64bits(-(2 ** 31) - 0.5), f64bits(2 ** 32),
  f64bits(2 ** 32 - 1), f64bits(2 ** 32 - 0.5), f64bits(2 ** 63), f64bits(-(2 ** 63)), f64bits(2 ** 64), f64bits(-1 + 2 ** -53),
  0x43dfffffffffffffn, 0xc3dfffffffffffffn, 0x43efffffffffffffn, f64bits(0.5), f64bits(-0.5), f64bits(1.5), f64bits(2.5), f64bits(-2.5),
  f64bits(0.49999999999999994), f64bits(2 ** 52), f64bits(2 ** 52 + 1), f64bits(2 ** 53 + 2), f64bits(1e300), f64bits(1e-300),
  f64bits(3.4028235677973366e38), f64bits(3.4028234663852886e38), f64bits(1.401298464324817e-45), f64bits(7e-46),
];

/** A random i32: an edge value or uniform. */
export function randI32(r: Rng): number {
  return r.bool(0.6) ? r.pick(I32_EDGES) : r.bool(0.3) ? r.range(-300, 300) : r.u32() | 0;
}
/** A random i64 (signed BigInt). */
export function randI64(r: Rng): bigint {
  return r.bool(0.6) ? r.pick(I64_EDGES) : r.bool(0.3) ? BigInt(r.range(-300, 300)) : r.i64();
}
/** Random f32 bits. */
export function randF32(r: Rng): number {
  if (r.bool(0.55)) return r.pick(F32_EDGES);
  if (r.bool(0.5)) return f32bits(r.range(-2000, 2000) / r.pick([1, 2, 4, 8, 3, 10]));
  return r.u32();
}
/** Random f64 bits (unsigned BigInt). */
export function randF64(r: Rng): bigint {
  if (r.bool(0.55)) return r.pick(F64_EDGES);
  if (r.bool(0.5)) return f64bits(r.range(-2000, 2000) / r.pick([1, 2, 4, 8, 3, 10]));
  return BigInt.asUintN(64, r.i64());
}
/** Which NaNs constants and arguments may be: any, quiet ones only, or only the canonical NaN (either sign). */
export type NaNs = 'all' | 'quiet' | 'canonical';

/** Float bits with a NaN restricted to `nans` (other values unchanged). */
export function restrictNaN(t: 'f32' | 'f64', v: number | bigint, nans: NaNs): number | bigint {
  if (nans === 'all' || nanKind(t, v) === 'none') return v;
  if (t === 'f32') {
    const b = (v as number) >>> 0;
    return (nans === 'quiet' ? b | 0x400000 : (b & 0x80000000) | 0x7fc00000) >>> 0;
  }
  const b = BigInt.asUintN(64, v as bigint);
  return nans === 'quiet' ? b | 0x8000000000000n : (b & 0x8000000000000000n) | 0x7ff8000000000000n;
}

/** A random constant value of type `t` (ast.ts encoding), its NaNs restricted to `nans`. */
export function randValue(r: Rng, t: ValType, nans: NaNs = 'all'): number | bigint {
  switch (t) {
    case 'i32': return randI32(r);
    case 'i64': return randI64(r);
    case 'f32': return restrictNaN(t, randF32(r), nans);
    case 'f64': return restrictNaN(t, randF64(r), nans);
  }
}

/** Whether float bits are a NaN, and whether it is the canonical one (either sign). */
export function nanKind(t: 'f32' | 'f64', v: number | bigint): 'none' | 'canonical' | 'other' {
  if (t === 'f32') {
    const b = (v as number) >>> 0;
    if ((b & 0x7f800000) !== 0x7f800000 || (b & 0x7fffff) === 0) return 'none';
    return (b & 0x7fffff) === 0x400000 ? 'canonical' : 'other';
  }
  const b = BigInt.asUintN(64, v as bigint);
  if ((b & 0x7ff0000000000000n) !== 0x7ff0000000000000n || (b & 0xfffffffffffffn) === 0n) return 'none';
  return (b & 0xfffffffffffffn) === 0x8000000000000n ? 'canonical' : 'other';
}
