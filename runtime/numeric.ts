/**
 * Numeric helpers called by generated code (spec 4.3 "Numerics").
 *
 * Value representations follow runtime/ABI.md: an i32 is an int32 number; an
 * i64 is a pair of int32 halves (lo, hi) — functions take them as two
 * parameters and return the low half, storing the high half in `rt.hi`; an f32
 * is a number equal to an f32 value, and an f32 NaN keeps its sign and its 23
 * mantissa bits in the sign and top mantissa bits of the f64 ("NaN bits").
 *
 * Hot paths use int32/double arithmetic only. BigInt appears only in the
 * `*_big` bridges and in the slow path of i64 division (operands beyond 2^53).
 *
 * V8 (Node 20.20, x64) behaviour with NaNs, checked in the interpreter,
 * Sparkplug, Maglev and TurboFan (%OptimizeFunctionOnNextCall and hot loops):
 * - `-x` and `Math.abs(x)` flip/clear the sign bit only: signalling NaNs and
 *   payloads survive in every tier. So neg/abs/copysign use them directly.
 * - Float64Array and DataView get/setFloat64 move f64 bits exactly,
 *   signalling NaNs included, in every tier.
 * - Float32Array and DataView get/setFloat32 quiet signalling NaNs (f32 -> f64
 *   load sets the quiet bit; f64 -> f32 store keeps the top mantissa bits and
 *   sets the quiet bit). So the f32 NaN paths move the bits by hand.
 * - `x * 1` keeps a signalling NaN under TurboFan (folded away) but quiets it
 *   in the interpreter: never rely on arithmetic to quiet (see f64_nearest).
 * - Packed double arrays (`[x, y]`, elements kind PACKED_DOUBLE) canonicalize
 *   every NaN to 0x7ff8000000000000, losing payloads; object fields do not.
 */

import { RuntimeError, type TrapCode } from './errors.js';
import { rt } from './state.js';

/** Throws the trap `code` (spec 4.4.1 "Traps"). Kept out of line so the callers stay small. */
function trap(code: TrapCode): never {
  throw new RuntimeError(code);
}

// Scratch views for bit moves. The f32 view aliases the first 4 bytes, as does i32[0].
const scratch = new ArrayBuffer(8);
const f64 = new Float64Array(scratch);
const f32 = new Float32Array(scratch, 0, 1);
const i32 = new Int32Array(scratch);
/**
 * The scratch views for the bit moves generated code makes inline (lower/ops.ts
 * `f32Bits`): `(SF32[0] = x, SI32[0])` is the bits of a non-NaN f32 `x`,
 * `(SI32[0] = b, SF32[0])` the f32 of non-NaN bits `b`. Aliases of the
 * helpers' own views: nothing runs between a store and its load.
 */
export const SF32 = f32;
export const SI32 = i32;
const LO = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;
const HI = 1 - LO;

const TWO32 = 4294967296;
const TWO52 = 4503599627370496;
const TWO63 = 9223372036854775808;
const TWO64 = 18446744073709551616;

// ---------------------------------------------------------------------------
// i32

/** `i32.div_s` (spec 4.3.2 idiv_s): int32 in/out; traps on b = 0 and on INT_MIN / -1. */
export function i32_div_s(a: number, b: number): number {
  if (b === 0) trap('integer-divide-by-zero');
  if (b === -1 && a === -2147483648) trap('integer-overflow');
  // The double quotient of two int32s never rounds across an integer, so truncation is exact.
  return (a / b) | 0;
}

/** `i32.div_u` (spec 4.3.2 idiv_u): operands read as uint32; result int32; traps on b = 0. */
export function i32_div_u(a: number, b: number): number {
  if (b === 0) trap('integer-divide-by-zero');
  return ((a >>> 0) / (b >>> 0)) | 0;
}

/** `i32.rem_s` (spec 4.3.2 irem_s): sign of the dividend; INT_MIN rem -1 is 0; traps on b = 0. */
export function i32_rem_s(a: number, b: number): number {
  if (b === 0) trap('integer-divide-by-zero');
  return (a % b) | 0;
}

/** `i32.rem_u` (spec 4.3.2 irem_u): operands read as uint32; result int32; traps on b = 0. */
export function i32_rem_u(a: number, b: number): number {
  if (b === 0) trap('integer-divide-by-zero');
  return ((a >>> 0) % (b >>> 0)) | 0;
}

/** `i32.rotl` (spec 4.3.2 irotl): count taken mod 32 (JS shifts mask their count). */
export function i32_rotl(a: number, n: number): number {
  return (a << n) | (a >>> -n);
}

/** `i32.rotr` (spec 4.3.2 irotr): count taken mod 32. */
export function i32_rotr(a: number, n: number): number {
  return (a >>> n) | (a << -n);
}

/** `i32.ctz` (spec 4.3.2 ictz): 32 for 0. */
export function i32_ctz(a: number): number {
  return a === 0 ? 32 : 31 - Math.clz32(a & -a);
}

/** `i32.popcnt` (spec 4.3.2 ipopcnt). */
export function i32_popcnt(a: number): number {
  a = a - ((a >>> 1) & 0x55555555);
  a = (a & 0x33333333) + ((a >>> 2) & 0x33333333);
  return Math.imul((a + (a >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

// ---------------------------------------------------------------------------
// i64 (pairs: lo, hi as int32; result lo returned, hi in rt.hi)

/** The pair for an integral double t with -2^64 < t < 2^64 (wrapped mod 2^64); lo returned, hi in rt.hi. */
function fromDouble(t: number): number {
  rt.hi = Math.floor(t / TWO32) | 0;
  return t | 0;
}

// Division with both operands in [-2^53, 2^53] (their high words within 21 bits) runs in doubles: the quotient a / b
// rounded to the nearest double is less than 1 / |b| from the exact one (half an ulp, at most |a / b| * 2^-53, equal
// to 1 / |b| only for |a| = 2^53 and |b| a power of two, whose quotient is exact), nearer than the next integer away
// from zero (at least 1 / |b| off when the division is inexact; exact quotients are representable), so
// truncating it gives the exact integer quotient, and a - q * b (each term at most 2^53) the exact remainder. `%` on
// doubles gave the same but is a call to fmod in V8: 2.6x the time (Node 24).

/** `i64.div_s` (spec 4.3.2 idiv_s): traps on zero divisor and on INT64_MIN / -1. */
export function i64_div_s(alo: number, ahi: number, blo: number, bhi: number): number {
  if ((blo | bhi) === 0) trap('integer-divide-by-zero');
  if (((ahi + 0x200000) | (bhi + 0x200000)) >>> 22 === 0) {
    const a = ahi * TWO32 + (alo >>> 0), b = bhi * TWO32 + (blo >>> 0);
    return fromDouble(Math.trunc(a / b));
  }
  if (ahi === -2147483648 && alo === 0 && (blo & bhi) === -1) trap('integer-overflow');
  if (bhi === 0 || (bhi === -1 && blo !== 0)) {
    // |b| < 2^32: divide the magnitudes, then give the quotient its sign (INT64_MIN / -1 trapped above).
    const d = bhi === 0 ? blo >>> 0 : -blo >>> 0;
    const q = ahi < 0 ? udiv32(-alo | 0, alo === 0 ? -ahi | 0 : ~ahi, d) : udiv32(alo, ahi, d);
    if (ahi < 0 === (bhi === 0)) {
      rt.hi = q === 0 ? -rt.hi | 0 : ~rt.hi;
      return -q | 0;
    }
    return q;
  }
  return i64_from_big(i64_to_big(alo, ahi) / i64_to_big(blo, bhi));
}

/** `i64.div_u` (spec 4.3.2 idiv_u): operands read as uint64; traps on zero divisor. */
export function i64_div_u(alo: number, ahi: number, blo: number, bhi: number): number {
  if ((blo | bhi) === 0) trap('integer-divide-by-zero');
  if ((ahi | bhi) >>> 21 === 0) {
    const a = ahi * TWO32 + (alo >>> 0), b = bhi * TWO32 + (blo >>> 0);
    return fromDouble(Math.floor(a / b));
  }
  if (bhi === 0) return udiv32(alo, ahi, blo >>> 0);
  return i64_from_big(u64ToBig(alo, ahi) / u64ToBig(blo, bhi));
}

/** `i64.rem_s` (spec 4.3.2 irem_s): sign of the dividend; INT64_MIN rem -1 is 0; traps on zero divisor. */
export function i64_rem_s(alo: number, ahi: number, blo: number, bhi: number): number {
  if ((blo | bhi) === 0) trap('integer-divide-by-zero');
  if (((ahi + 0x200000) | (bhi + 0x200000)) >>> 22 === 0) {
    const a = ahi * TWO32 + (alo >>> 0), b = bhi * TWO32 + (blo >>> 0);
    return fromDouble(a - Math.trunc(a / b) * b);
  }
  if (bhi === 0 || (bhi === -1 && blo !== 0)) {
    // |b| < 2^32: the remainder of the magnitudes, under 2^32, with the dividend's sign.
    const d = bhi === 0 ? blo >>> 0 : -blo >>> 0;
    if (ahi >= 0) {
      udiv32(alo, ahi, d);
      rt.hi = 0;
      return udivRem | 0;
    }
    udiv32(-alo | 0, alo === 0 ? -ahi | 0 : ~ahi, d);
    rt.hi = udivRem === 0 ? 0 : -1;
    return -udivRem | 0;
  }
  return i64_from_big(i64_to_big(alo, ahi) % i64_to_big(blo, bhi));
}

/** `i64.rem_u` (spec 4.3.2 irem_u): operands read as uint64; traps on zero divisor. */
export function i64_rem_u(alo: number, ahi: number, blo: number, bhi: number): number {
  if ((blo | bhi) === 0) trap('integer-divide-by-zero');
  if ((ahi | bhi) >>> 21 === 0) {
    const a = ahi * TWO32 + (alo >>> 0), b = bhi * TWO32 + (blo >>> 0);
    return fromDouble(a - Math.floor(a / b) * b);
  }
  if (bhi === 0) {
    udiv32(alo, ahi, blo >>> 0);
    rt.hi = 0;
    return udivRem | 0;
  }
  return i64_from_big(u64ToBig(alo, ahi) % u64ToBig(blo, bhi));
}

/** The remainder of the last `udiv32`: an integer in [0, d). */
let udivRem = 0;

/**
 * The uint64 `hi:lo` (int32 halves read as unsigned) divided by `d`, an
 * integer in [1, 2^32): returns the quotient's low half and leaves its high
 * half in `rt.hi` and the remainder in `udivRem`. Exact without BigInt: long
 * division by the high word, then by the low word whole when `d < 2^21` (the
 * partial dividend, under `d * 2^32`, stays under 2^53), else by two 16-bit
 * digits (partial dividends under 2^48). Each quotient digit `floor(n / d)`
 * is exact: n and d are exact doubles, and `n / d` is an integer or at least
 * 1/d from the next one, more than half an ulp of the quotient (under 2^32:
 * half an ulp is at most 2^-22, and 1/d > 2^-21), so rounding never reaches it.
 * (SQLite's overflow check divides INT64_MAX by each factor: the
 * one-division form takes a third off its cost.)
 */
function udiv32(lo: number, hi: number, d: number): number {
  const h = hi >>> 0;
  const qh = Math.floor(h / d);
  if (d < 0x200000) {
    const m = (h - qh * d) * 4294967296 + (lo >>> 0);
    const q = Math.floor(m / d);
    udivRem = m - q * d;
    rt.hi = qh | 0;
    return q | 0;
  }
  let n = (h - qh * d) * 65536 + (lo >>> 16);
  const q1 = Math.floor(n / d);
  n = (n - q1 * d) * 65536 + (lo & 0xffff);
  const q0 = Math.floor(n / d);
  udivRem = n - q0 * d;
  rt.hi = qh | 0;
  return (q1 * 65536 + q0) | 0;
}

/** `i64.shl` (spec 4.3.2 ishl): n is the low half of the count, taken mod 64. */
export function i64_shl(lo: number, hi: number, n: number): number {
  n &= 63;
  if (n < 32) {
    rt.hi = (hi << n) | ((lo >>> 1) >>> (31 - n));
    return lo << n;
  }
  rt.hi = lo << n;
  return 0;
}

/** `i64.shr_s` (spec 4.3.2 ishr_s): arithmetic shift; n is the low half of the count, mod 64. */
export function i64_shr_s(lo: number, hi: number, n: number): number {
  n &= 63;
  if (n < 32) {
    rt.hi = hi >> n;
    return (lo >>> n) | ((hi << 1) << (31 - n));
  }
  rt.hi = hi >> 31;
  return hi >> n;
}

/** `i64.shr_u` (spec 4.3.2 ishr_u): logical shift; n is the low half of the count, mod 64. */
export function i64_shr_u(lo: number, hi: number, n: number): number {
  n &= 63;
  if (n < 32) {
    rt.hi = (hi >>> n) | 0;
    return (lo >>> n) | ((hi << 1) << (31 - n));
  }
  rt.hi = 0;
  return (hi >>> n) | 0;
}

/** `i64.rotl` (spec 4.3.2 irotl): n is the low half of the count, mod 64. */
export function i64_rotl(lo: number, hi: number, n: number): number {
  if (n & 32) {
    const t = lo;
    lo = hi;
    hi = t;
  }
  n &= 31;
  rt.hi = (hi << n) | ((lo >>> 1) >>> (31 - n));
  return (lo << n) | ((hi >>> 1) >>> (31 - n));
}

/** `i64.rotr` (spec 4.3.2 irotr): n is the low half of the count, mod 64. */
export function i64_rotr(lo: number, hi: number, n: number): number {
  return i64_rotl(lo, hi, -n);
}

/** `i64.clz` (spec 4.3.2 iclz): result as a pair (rt.hi = 0); 64 for 0. */
export function i64_clz(lo: number, hi: number): number {
  rt.hi = 0;
  return hi === 0 ? 32 + Math.clz32(lo) : Math.clz32(hi);
}

/** `i64.ctz` (spec 4.3.2 ictz): result as a pair (rt.hi = 0); 64 for 0. */
export function i64_ctz(lo: number, hi: number): number {
  rt.hi = 0;
  return lo === 0 ? 32 + i32_ctz(hi) : i32_ctz(lo);
}

/** `i64.popcnt` (spec 4.3.2 ipopcnt): result as a pair (rt.hi = 0). */
export function i64_popcnt(lo: number, hi: number): number {
  rt.hi = 0;
  return i32_popcnt(lo) + i32_popcnt(hi);
}

/** The i64 pair for a BigInt, wrapped mod 2^64: lo returned, hi in rt.hi. */
export function i64_from_big(v: bigint): number {
  rt.hi = Number(BigInt.asIntN(32, v >> 32n));
  return Number(BigInt.asIntN(32, v));
}

/** The signed value of an i64 pair as a BigInt. */
export function i64_to_big(lo: number, hi: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo >>> 0);
}

function u64ToBig(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

// ---------------------------------------------------------------------------
// Float -> integer truncation (spec 4.3.3 trunc_s/trunc_u, trunc_sat_s/trunc_sat_u).
// Inputs are f32 or f64 values as numbers (an f32 is exact as a double).

/** `i32.trunc_f32_s`/`i32.trunc_f64_s`: int32 result; traps on NaN (invalid conversion) and out of range (overflow). */
export function i32_trunc_s(x: number): number {
  if (!(x > -2147483649 && x < 2147483648)) trap(x !== x ? 'invalid-conversion' : 'integer-overflow');
  return x | 0;
}

/** `i32.trunc_f32_u`/`i32.trunc_f64_u`: the uint32 result as int32 (`|0`); traps like i32_trunc_s. */
export function i32_trunc_u(x: number): number {
  if (!(x > -1 && x < TWO32)) trap(x !== x ? 'invalid-conversion' : 'integer-overflow');
  return x | 0;
}

/** `i32.trunc_sat_f32_s`/`_f64_s`: NaN -> 0, saturates at INT32_MIN/MAX. */
export function i32_trunc_sat_s(x: number): number {
  return x >= 2147483647 ? 2147483647 : x <= -2147483648 ? -2147483648 : x | 0;
}

/** `i32.trunc_sat_f32_u`/`_f64_u`: NaN -> 0, saturates at 0 and 2^32-1; result as int32. */
export function i32_trunc_sat_u(x: number): number {
  return x >= TWO32 ? -1 : x > 0 ? x | 0 : 0;
}

/** `i64.trunc_f32_s`/`i64.trunc_f64_s`: pair result; traps on NaN and out of range. */
export function i64_trunc_s(x: number): number {
  if (!(x >= -TWO63 && x < TWO63)) trap(x !== x ? 'invalid-conversion' : 'integer-overflow');
  return fromDouble(Math.trunc(x));
}

/** `i64.trunc_f32_u`/`i64.trunc_f64_u`: pair result (uint64 bits); traps on NaN and out of range. */
export function i64_trunc_u(x: number): number {
  if (!(x > -1 && x < TWO64)) trap(x !== x ? 'invalid-conversion' : 'integer-overflow');
  return fromDouble(Math.trunc(x));
}

/** `i64.trunc_sat_f32_s`/`_f64_s`: pair result; NaN -> 0, saturates at INT64_MIN/MAX. */
export function i64_trunc_sat_s(x: number): number {
  if (x >= TWO63) {
    rt.hi = 0x7fffffff;
    return -1;
  }
  if (x <= -TWO63) {
    rt.hi = -2147483648;
    return 0;
  }
  if (x !== x) x = 0;
  return fromDouble(Math.trunc(x));
}

/** `i64.trunc_sat_f32_u`/`_f64_u`: pair result (uint64 bits); NaN -> 0, saturates at 0 and 2^64-1. */
export function i64_trunc_sat_u(x: number): number {
  if (x >= TWO64) {
    rt.hi = -1;
    return -1;
  }
  if (!(x > 0)) x = 0;
  return fromDouble(Math.trunc(x));
}

// ---------------------------------------------------------------------------
// i64 -> float conversion (spec 4.3.3 convert_s/convert_u): one rounding, to nearest even.

/** `f64.convert_i64_s`: hi * 2^32 is exact, so the one addition is the only rounding. */
export function f64_convert_i64_s(lo: number, hi: number): number {
  return hi * TWO32 + (lo >>> 0);
}

/** `f64.convert_i64_u`: the pair read as uint64. */
export function f64_convert_i64_u(lo: number, hi: number): number {
  return (hi >>> 0) * TWO32 + (lo >>> 0);
}

/**
 * `f32.convert_i64_u`: the pair read as uint64, rounded once to f32. At 2^53
 * and above, bits 0..11 lie below the f32 rounding bit and only matter as a
 * sticky bit, so they are folded into bit 11; the value then fits 53 bits, is
 * exact as a double, and Math.fround does the only rounding.
 */
export function f32_convert_i64_u(lo: number, hi: number): number {
  if (hi >>> 21 !== 0) lo = (lo | ((lo & 0x7ff) === 0 ? 0 : 0x800)) & ~0x7ff;
  return Math.fround((hi >>> 0) * TWO32 + (lo >>> 0));
}

/** `f32.convert_i64_s`: rounds the magnitude (round-to-nearest-even is symmetric) and restores the sign. */
export function f32_convert_i64_s(lo: number, hi: number): number {
  if (hi >= 0) return f32_convert_i64_u(lo, hi);
  return -f32_convert_i64_u(-lo | 0, lo === 0 ? -hi | 0 : ~hi);
}

// ---------------------------------------------------------------------------
// Sign-bit operations and rounding (spec 4.3.3 fneg, fabs, fcopysign, fnearest).
// neg/abs/copysign act on the sign bit only and keep NaN payloads (see the V8 notes above).

/** `f32.neg`: flips the sign bit; NaN payloads (incl. signalling) are kept. */
export function f32_neg(x: number): number {
  return -x;
}

/** `f64.neg`: flips the sign bit; NaN payloads (incl. signalling) are kept. */
export function f64_neg(x: number): number {
  return -x;
}

/** `f32.abs`: clears the sign bit; NaN payloads are kept. */
export function f32_abs(x: number): number {
  return Math.abs(x);
}

/** `f64.abs`: clears the sign bit; NaN payloads are kept. */
export function f64_abs(x: number): number {
  return Math.abs(x);
}

/** `f64.copysign`: a's magnitude with b's sign bit (also for -0 and NaN b); a's NaN payload kept. */
export function f64_copysign(a: number, b: number): number {
  const m = Math.abs(a);
  if (b > 0) return m;
  if (b < 0) return -m;
  f64[0] = b;
  return i32[HI] < 0 ? -m : m;
}

/** `f32.copysign`: as f64_copysign; the f32 sign is the f64 sign in Kiln's representation. */
export function f32_copysign(a: number, b: number): number {
  return f64_copysign(a, b);
}

/**
 * `f64.nearest`: round half to even; zeros and results that round to zero keep
 * the input's sign; a NaN input gives a quiet NaN with the same payload.
 * Below 2^52, adding and subtracting 2^52 rounds to an integer in the FPU's
 * round-to-nearest-even mode; from 2^52 on every double is an integer.
 */
export function f64_nearest(x: number): number {
  const a = Math.abs(x);
  if (a < TWO52) {
    const r = a + TWO52 - TWO52;
    return x > 0 ? r : x < 0 ? -r : x;
  }
  if (x === x) return x;
  f64[0] = x;
  i32[HI] |= 0x80000;
  return f64[0];
}

/** `f32.nearest`: f32 values round to f32 values, and the f64 quiet bit is the f32 quiet bit (ABI "NaN bits"). */
export function f32_nearest(x: number): number {
  return f64_nearest(x);
}

// ---------------------------------------------------------------------------
// Exact bit moves (spec 4.3.4 reinterpret; 4.4.7 loads/stores). See ABI.md "NaN bits".

/** The f32 bits (int32) of an f32 NaN in Kiln's representation; a mantissa that would be 0 becomes quiet. */
function f32NaNBits(x: number): number {
  f64[0] = x;
  const hi = i32[HI];
  const m = ((hi & 0xfffff) << 3) | (i32[LO] >>> 29);
  return (hi & 0x80000000) | 0x7f800000 | (m === 0 ? 0x400000 : m);
}

/** The number representing the f32 NaN with bits b (sign and 23-bit payload moved into the f64's top bits). */
function f32NaNFromBits(b: number): number {
  i32[HI] = (b & 0x80000000) | 0x7ff00000 | ((b & 0x7fffff) >>> 3);
  i32[LO] = b << 29;
  return f64[0];
}

/** `i32.reinterpret_f32`: the f32's bits as int32 (NaN sign and payload exact). */
export function i32_reinterpret_f32(x: number): number {
  if (x !== x) return f32NaNBits(x);
  f32[0] = x;
  return i32[0];
}

/** `f32.reinterpret_i32`: the f32 with bits i; NaNs (signalling included) in Kiln's representation. */
export function f32_reinterpret_i32(i: number): number {
  if ((i & 0x7fffffff) > 0x7f800000) return f32NaNFromBits(i);
  i32[0] = i;
  return f32[0];
}

/** `i64.reinterpret_f64`: the f64's bits as a pair (lo returned, hi in rt.hi). */
export function i64_reinterpret_f64(x: number): number {
  f64[0] = x;
  rt.hi = i32[HI];
  return i32[LO];
}

/** `f64.reinterpret_i64`: the f64 with bits (lo, hi). */
export function f64_reinterpret_i64(lo: number, hi: number): number {
  i32[LO] = lo;
  i32[HI] = hi;
  return f64[0];
}

/** `f32.load` at a byte address (little-endian); NaN bits exact. Out of bounds throws DataView's RangeError. */
export function f32_load(dv: DataView, addr: number): number {
  const x = dv.getFloat32(addr, true);
  return x === x ? x : f32NaNFromBits(dv.getInt32(addr, true));
}

/** `f32.store` at a byte address (little-endian); NaN bits exact. Out of bounds throws DataView's RangeError. */
export function f32_store(dv: DataView, addr: number, x: number): void {
  if (x === x) dv.setFloat32(addr, x, true);
  else dv.setInt32(addr, f32NaNBits(x), true);
}
