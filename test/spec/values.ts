/**
 * Wasm values of the spec scripts: exact literal parsing (integers as
 * BigInt, floats to their exact bit patterns), result patterns
 * (`nan:canonical`, `nan:arithmetic`, lane-wise v128, references, `either`),
 * matching, and conversion to and from JS values.
 */

import { type SExpr, type SList, atomText, head } from './sexpr.js';

/** A wasm value. Floats are kept as bit patterns so NaN payloads and -0 survive. */
export type Value =
  | { type: 'i32'; value: number } // signed
  | { type: 'i64'; value: bigint } // signed
  | { type: 'f32'; bits: number } // unsigned 32-bit pattern
  | { type: 'f64'; bits: bigint } // unsigned 64-bit pattern
  | { type: 'v128'; bytes: Uint8Array } // 16 bytes, little-endian
  | { type: 'ref'; value: unknown }; // null, a HostRef, a function, or another engine reference

export type ValueType = Value['type'];

type NanKind = 'canonical' | 'arithmetic';
/** A lane of an expected v128: exact bits, or a NaN class for float lanes. */
type LanePattern = bigint | NanKind;

/** An expected result of `assert_return`. */
export type Pattern =
  | { kind: 'value'; value: Value }
  | { kind: 'nan'; type: 'f32' | 'f64'; nan: NanKind }
  | { kind: 'v128'; laneBits: number; float: boolean; lanes: LanePattern[] }
  | { kind: 'ref'; ref: 'null' | 'func' | 'nonnull' | 'host'; host?: number }
  | { kind: 'either'; alts: Pattern[] };

/** Error in a constant or pattern of the script. */
export class LiteralError extends Error {
  override name = 'LiteralError';
}

// ---------------------------------------------------------------------------
// Host references

/** The host value denoted by `(ref.extern N)` / `(ref.host N)`; one object per N. */
export class HostRef {
  constructor(readonly n: number) {}
  toString(): string {
    return `ref.extern ${this.n}`;
  }
}
const hostRefs = new Map<number, HostRef>();

/** The unique host object for `ref.extern N`. */
export function hostRef(n: number): HostRef {
  let r = hostRefs.get(n);
  if (!r) hostRefs.set(n, (r = new HostRef(n)));
  return r;
}

// ---------------------------------------------------------------------------
// Literals

/** Parses an integer literal (decimal or hex, signed or not, with `_`) to its value modulo 2^bits, unsigned. */
export function parseIntBits(text: string, bits: number): bigint {
  let s = text.replace(/_/g, '');
  const neg = s.startsWith('-');
  if (neg || s.startsWith('+')) s = s.slice(1);
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(s)) throw new LiteralError(`bad integer literal ${text}`);
  const v = BigInt(s);
  return BigInt.asUintN(bits, neg ? -v : v);
}

interface FloatFormat {
  mant: number; // explicit fraction bits
  exp: number; // exponent bits
}
const F32: FloatFormat = { mant: 23, exp: 8 };
const F64: FloatFormat = { mant: 52, exp: 11 };

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** Rounds the positive rational num/den to the nearest float (ties to even); returns the bits without sign. */
function roundRational(num: bigint, den: bigint, f: FloatFormat): bigint {
  if (num === 0n) return 0n;
  const bias = (1 << (f.exp - 1)) - 1;
  const emin = 1 - bias;
  const infBits = ((1n << BigInt(f.exp)) - 1n) << BigInt(f.mant);
  let e = bitLength(num) - bitLength(den);
  if (e >= 0 ? num < den << BigInt(e) : num << BigInt(-e) < den) e--;
  if (e > bias + 1) return infBits;
  if (e < emin) e = emin;
  const shift = f.mant - e;
  const n = shift >= 0 ? num << BigInt(shift) : num;
  const d = shift >= 0 ? den : den << BigInt(-shift);
  let q = n / d;
  const twice = 2n * (n - q * d);
  if (twice > d || (twice === d && (q & 1n) === 1n)) q++;
  if (q === 1n << BigInt(f.mant + 1)) {
    q >>= 1n;
    e++;
  }
  if (e > bias) return infBits;
  const hidden = 1n << BigInt(f.mant);
  if (q < hidden) return q; // subnormal
  return (BigInt(e + bias) << BigInt(f.mant)) | (q - hidden);
}

/** Parses a float literal (decimal, hex, `inf`, `nan`, `nan:0x…`, with sign and `_`) to its exact bit pattern. */
function parseFloatBits(text: string, f: FloatFormat): bigint {
  let s = text.replace(/_/g, '');
  const neg = s.startsWith('-');
  if (neg || s.startsWith('+')) s = s.slice(1);
  const signBit = neg ? 1n << BigInt(f.mant + f.exp) : 0n;
  const expAll = ((1n << BigInt(f.exp)) - 1n) << BigInt(f.mant);
  let m: RegExpMatchArray | null;
  let bits: bigint;
  if (s === 'inf') bits = expAll;
  else if (s === 'nan') bits = expAll | (1n << BigInt(f.mant - 1));
  else if ((m = s.match(/^nan:(0x[0-9a-fA-F]+)$/))) {
    const payload = BigInt(m[1]);
    if (payload === 0n || payload >= 1n << BigInt(f.mant)) throw new LiteralError(`bad NaN payload ${text}`);
    bits = expAll | payload;
  } else if ((m = s.match(/^0x([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?[0-9]+))?$/)) && (m[1] || m[2])) {
    const frac = m[2] ?? '';
    const mant = BigInt('0x0' + m[1] + frac);
    const e2 = Number(m[3] ?? 0) - 4 * frac.length;
    if (mant === 0n) bits = 0n;
    else if (e2 > 5000) bits = expAll;
    else if (e2 < -5000 - 4 * (m[1].length + frac.length)) bits = 0n;
    else bits = e2 >= 0 ? roundRational(mant << BigInt(e2), 1n, f) : roundRational(mant, 1n << BigInt(-e2), f);
  } else if ((m = s.match(/^([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$/)) && (m[1] || m[2])) {
    const frac = m[2] ?? '';
    const mant = BigInt('0' + m[1] + frac);
    const e10 = Number(m[3] ?? 0) - frac.length;
    if (mant === 0n) bits = 0n;
    else if (e10 > 1000) bits = expAll;
    else if (e10 < -1000 - m[1].length - frac.length) bits = 0n;
    else bits = e10 >= 0 ? roundRational(mant * 10n ** BigInt(e10), 1n, f) : roundRational(mant, 10n ** BigInt(-e10), f);
  } else throw new LiteralError(`bad float literal ${text}`);
  return signBit | bits;
}

/** f32 literal → its 32-bit pattern (unsigned number). */
export function parseF32(text: string): number {
  return Number(parseFloatBits(text, F32));
}

/** f64 literal → its 64-bit pattern. */
export function parseF64(text: string): bigint {
  return parseFloatBits(text, F64);
}

const SHAPES: Record<string, { laneBits: number; float: boolean }> = {
  i8x16: { laneBits: 8, float: false },
  i16x8: { laneBits: 16, float: false },
  i32x4: { laneBits: 32, float: false },
  i64x2: { laneBits: 64, float: false },
  f32x4: { laneBits: 32, float: true },
  f64x2: { laneBits: 64, float: true },
};

function laneBitsOf(text: string, laneBits: number, float: boolean): bigint {
  if (!float) return parseIntBits(text, laneBits);
  return laneBits === 32 ? BigInt(parseF32(text)) : parseF64(text);
}

function writeLanes(lanes: bigint[], laneBits: number): Uint8Array {
  const bytes = new Uint8Array(16);
  const n = laneBits / 8;
  lanes.forEach((v, i) => {
    for (let b = 0; b < n; b++) bytes[i * n + b] = Number((v >> BigInt(8 * b)) & 0xffn);
  });
  return bytes;
}

function operands(e: SList, n: number): string[] {
  const ops = e.items.slice(1).map((x) => atomText(x));
  if (ops.length !== n || ops.some((x) => x === undefined)) throw new LiteralError(`${head(e)} expects ${n} operand(s)`);
  return ops as string[];
}

/** Parses an argument constant: `(i32.const 1)`, `(f32.const nan:0x1)`, `(v128.const i16x8 …)`, `(ref.null func)`, `(ref.extern 1)`. */
export function parseConst(e: SExpr): Value {
  const h = head(e);
  if (e.kind !== 'list' || !h) throw new LiteralError('expected a constant');
  switch (h) {
    case 'i32.const':
      return { type: 'i32', value: Number(BigInt.asIntN(32, parseIntBits(operands(e, 1)[0], 32))) };
    case 'i64.const':
      return { type: 'i64', value: BigInt.asIntN(64, parseIntBits(operands(e, 1)[0], 64)) };
    case 'f32.const':
      return { type: 'f32', bits: parseF32(operands(e, 1)[0]) };
    case 'f64.const':
      return { type: 'f64', bits: parseF64(operands(e, 1)[0]) };
    case 'v128.const': {
      const shape = SHAPES[atomText(e.items[1]) ?? ''];
      if (!shape) throw new LiteralError('bad v128 shape');
      const texts = e.items.slice(2).map((x) => atomText(x) ?? '');
      if (texts.length !== 128 / shape.laneBits) throw new LiteralError('wrong v128 lane count');
      return { type: 'v128', bytes: writeLanes(texts.map((t) => laneBitsOf(t, shape.laneBits, shape.float)), shape.laneBits) };
    }
    case 'ref.null':
      return { type: 'ref', value: null };
    case 'ref.extern':
    case 'ref.host':
      return { type: 'ref', value: hostRef(Number(operands(e, 1)[0])) };
    default:
      throw new LiteralError(`unsupported constant ${h}`);
  }
}

/** Parses an expected result: a constant, a NaN class, a lane-wise v128 pattern, a reference class or `(either …)`. */
export function parsePattern(e: SExpr): Pattern {
  const h = head(e);
  if (e.kind !== 'list' || !h) throw new LiteralError('expected a result');
  const op = atomText(e.items[1]);
  switch (h) {
    case 'either':
      return { kind: 'either', alts: e.items.slice(1).map(parsePattern) };
    case 'f32.const':
    case 'f64.const':
      if (op === 'nan:canonical' || op === 'nan:arithmetic') return { kind: 'nan', type: h === 'f32.const' ? 'f32' : 'f64', nan: op.slice(4) as NanKind };
      break;
    case 'v128.const': {
      const shape = SHAPES[op ?? ''];
      if (!shape) throw new LiteralError('bad v128 shape');
      const texts = e.items.slice(2).map((x) => atomText(x) ?? '');
      if (texts.length !== 128 / shape.laneBits) throw new LiteralError('wrong v128 lane count');
      const lanes = texts.map((t): LanePattern =>
        shape.float && (t === 'nan:canonical' || t === 'nan:arithmetic') ? (t.slice(4) as NanKind) : laneBitsOf(t, shape.laneBits, shape.float),
      );
      return { kind: 'v128', ...shape, lanes };
    }
    case 'ref.null':
      return { kind: 'ref', ref: 'null' };
    case 'ref.func':
      return { kind: 'ref', ref: 'func' };
    case 'ref.extern':
    case 'ref.host':
      return op === undefined ? { kind: 'ref', ref: 'nonnull' } : { kind: 'ref', ref: 'host', host: Number(op) };
    case 'ref.struct':
    case 'ref.array':
    case 'ref.i31':
    case 'ref.eq':
    case 'ref.any':
    case 'ref.exn':
      return { kind: 'ref', ref: 'nonnull' };
  }
  return { kind: 'value', value: parseConst(e) };
}

/** The value type a pattern expects (for `either`, that of its first alternative). */
export function patternType(p: Pattern): ValueType {
  switch (p.kind) {
    case 'value': return p.value.type;
    case 'nan': return p.type;
    case 'v128': return 'v128';
    case 'ref': return 'ref';
    case 'either': return patternType(p.alts[0]);
  }
}

// ---------------------------------------------------------------------------
// Matching

function isNan32(bits: number, nan: NanKind): boolean {
  return nan === 'canonical' ? (bits & 0x7fffffff) === 0x7fc00000 : (bits & 0x7fc00000) === 0x7fc00000;
}
function isNan64(bits: bigint, nan: NanKind): boolean {
  return nan === 'canonical'
    ? (bits & 0x7fffffffffffffffn) === 0x7ff8000000000000n
    : (bits & 0x7ff8000000000000n) === 0x7ff8000000000000n;
}

function readLane(bytes: Uint8Array, i: number, laneBits: number): bigint {
  const n = laneBits / 8;
  let v = 0n;
  for (let b = n - 1; b >= 0; b--) v = (v << 8n) | BigInt(bytes[i * n + b]);
  return v;
}

/** Whether `v` matches `p`: same type, bitwise-equal floats, NaN classes, lane-wise v128, reference classes. */
export function matches(p: Pattern, v: Value): boolean {
  switch (p.kind) {
    case 'either':
      return p.alts.some((a) => matches(a, v));
    case 'nan':
      if (v.type !== p.type) return false;
      return v.type === 'f32' ? isNan32(v.bits, p.nan) : v.type === 'f64' && isNan64(v.bits, p.nan);
    case 'v128':
      if (v.type !== 'v128') return false;
      return p.lanes.every((lane, i) => {
        const bits = readLane(v.bytes, i, p.laneBits);
        if (typeof lane === 'bigint') return bits === lane;
        return p.laneBits === 32 ? isNan32(Number(bits), lane) : isNan64(bits, lane);
      });
    case 'ref': {
      if (v.type !== 'ref') return false;
      const x = v.value;
      if (p.ref === 'null') return x === null || x === undefined;
      if (x === null || x === undefined) return false;
      if (p.ref === 'host') return x === hostRef(p.host!);
      return true;
    }
    case 'value': {
      const e = p.value;
      if (e.type !== v.type) return false;
      switch (e.type) {
        case 'i32': return e.value === (v as typeof e).value;
        case 'i64': return e.value === (v as typeof e).value;
        case 'f32': return e.bits === (v as typeof e).bits;
        case 'f64': return e.bits === (v as typeof e).bits;
        case 'v128': return e.bytes.every((b, i) => b === (v as typeof e).bytes[i]);
        case 'ref': return e.value === (v as typeof e).value;
      }
    }
  }
}

// ---------------------------------------------------------------------------
// JS boundary

const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);
const f64buf = new Float64Array(1);
const u64buf = new BigUint64Array(f64buf.buffer);

/** The JS value passed for a wasm value: number for i32/f32/f64, BigInt for i64, a 16-byte Uint8Array for v128. */
export function toJS(v: Value): unknown {
  switch (v.type) {
    case 'i32': return v.value;
    case 'i64': return v.value;
    case 'f32': return f32FromBits(v.bits);
    case 'f64': u64buf[0] = v.bits; return f64buf[0];
    case 'v128': return v.bytes.slice();
    case 'ref': return v.value;
  }
}

/** Interprets a JS result as a value of `type`; undefined when the JS type doesn't fit. */
export function fromJS(type: ValueType, x: unknown): Value | undefined {
  switch (type) {
    case 'i32': return typeof x === 'number' ? { type, value: x | 0 } : undefined;
    case 'i64': return typeof x === 'bigint' ? { type, value: BigInt.asIntN(64, x) } : undefined;
    case 'f32':
      return typeof x === 'number' ? { type, bits: f32ToBits(x) } : undefined;
    case 'f64':
      if (typeof x !== 'number') return undefined;
      f64buf[0] = x;
      return { type, bits: u64buf[0] };
    case 'v128':
      if (!ArrayBuffer.isView(x) || x.byteLength !== 16) return undefined;
      return { type, bytes: new Uint8Array(x.buffer, x.byteOffset, 16).slice() };
    case 'ref':
      return { type, value: x ?? null };
  }
}

/**
 * f32 bits → the number they denote. A NaN keeps its sign and payload in the
 * top bits of the f64 mantissa, as a hardware f32→f64 conversion would but
 * without quieting a signalling NaN (Kiln's convention, runtime/ABI.md).
 */
export function f32FromBits(bits: number): number {
  if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x7fffff) !== 0) {
    u64buf[0] = (BigInt(bits >>> 31) << 63n) | 0x7ff0000000000000n | (BigInt(bits & 0x7fffff) << 29n);
    return f64buf[0];
  }
  u32buf[0] = bits;
  return f32buf[0];
}

/** A number's f32 bits (the inverse of f32FromBits; non-NaNs are rounded to f32 first). */
export function f32ToBits(x: number): number {
  if (x !== x) {
    f64buf[0] = x;
    const b = u64buf[0];
    const payload = Number((b >> 29n) & 0x7fffffn) || 0x400000;
    return ((Number(b >> 63n) << 31) | 0x7f800000 | payload) >>> 0;
  }
  f32buf[0] = x;
  return u32buf[0];
}

/** f64 bits → the number they denote. */
export function f64FromBits(bits: bigint): number {
  u64buf[0] = bits;
  return f64buf[0];
}

/** Short human-readable form of a value, e.g. `f32:1.5 (0x3fc00000)`. */
export function formatValue(v: Value): string {
  switch (v.type) {
    case 'i32': return `i32:${v.value}`;
    case 'i64': return `i64:${v.value}`;
    case 'f32': return `f32:${f32FromBits(v.bits)} (0x${v.bits.toString(16).padStart(8, '0')})`;
    case 'f64': return `f64:${f64FromBits(v.bits)} (0x${v.bits.toString(16).padStart(16, '0')})`;
    case 'v128': {
      const lanes = [0, 1, 2, 3].map((i) => '0x' + readLane(v.bytes, i, 32).toString(16).padStart(8, '0'));
      return `v128:i32x4 ${lanes.join(' ')}`;
    }
    case 'ref': {
      const x = v.value;
      if (x === null || x === undefined) return 'ref.null';
      if (x instanceof HostRef) return x.toString();
      return typeof x === 'function' ? 'funcref' : `ref:${String(x)}`;
    }
  }
}
