/**
 * Value ranges of address expressions, for memory accesses through views
 * (views.ts, `tune: 'hermes'`) that need no bounds or alignment check.
 *
 * A table lookup such as crc32's `T[(c ^ b) & 255]` indexes memory at
 * `((x & 255) << 2) + 1024`: whatever `x` is, that address lies in
 * [1024, 2044] and is a multiple of 4, so with a memory of at least 2048
 * bytes the load is always in bounds and aligned (a memory never shrinks:
 * spec 4.2.8; an imported one is at least its declared minimum). Such an
 * access indexes the view at `(x & 255) + 256` directly. The analysis looks
 * at the JS expression only (its operators and literals), never at locals,
 * so it holds wherever the expression is evaluated; the one exception is an
 * identifier given a range by `assuming`, for code that runs only where a
 * guard has checked it.
 */
import * as A from './ast.js';
import type { Expr } from './ast.js';

/** The values an expression can take: integers in [lo, hi], each a multiple of 2^tz. */
export interface Range {
  lo: number;
  hi: number;
  /** Trailing zero bits every value has (32 when the only value is 0). */
  tz: number;
}

const TWO31 = 2 ** 31;
const TWO32 = 2 ** 32;

function trailingZeros(v: number): number {
  if (v === 0) return 32;
  let n = 0;
  for (; v % 2 === 0; n++) v /= 2;
  return n;
}

/** A range that is its own ToInt32 (so `&`, `<<` and `| 0` see the same values). */
const int32 = (r: Range | null): r is Range => r !== null && r.lo >= -TWO31 && r.hi < TWO31;

/** Byte loads give [0, 255], 16-bit ones [0, 65535], through a view (`HU8[a]`) or the `DataView` (`dv.getUint8(a)`). */
function loadRange(e: Expr): Range | null {
  const name = e.type === 'MemberExpression' && e.object.type === 'Identifier' ? e.object.name
    : e.type === 'CallExpression' && e.callee.type === 'MemberExpression' && e.callee.property.type === 'Identifier' ? e.callee.property.name : '';
  if (name === 'HU8' || name === 'getUint8') return { lo: 0, hi: 255, tz: 0 };
  if (name === 'HU16' || name === 'getUint16') return { lo: 0, hi: 65535, tz: 0 };
  return null;
}

/** Ranges the analysis may assume for identifiers, in a guarded version of a function (passes/guard.ts). */
let assumed: ReadonlyMap<string, Range> | null = null;

/** Runs `f` with each identifier of `ranges` assumed to hold a value in its range; returns `f`'s result. */
export function assuming<T>(ranges: ReadonlyMap<string, Range>, f: () => T): T {
  const outer = assumed;
  assumed = ranges;
  try {
    return f();
  } finally {
    assumed = outer;
  }
}

/** The range of `e`'s value, or null when the analysis cannot bound it. */
export function range(e: Expr): Range | null {
  switch (e.type) {
    case 'Identifier':
      return assumed?.get(e.name) ?? null;
    case 'Literal':
      return typeof e.value === 'number' && Number.isInteger(e.value) ? { lo: e.value, hi: e.value, tz: trailingZeros(Math.abs(e.value)) } : null;
    case 'UnaryExpression': {
      const r = e.operator === '-' ? range(e.argument) : null;
      return r && { lo: -r.hi, hi: -r.lo, tz: r.tz };
    }
    case 'AssignmentExpression':
      return e.operator === '=' ? range(e.right) : null;
    case 'LogicalExpression': {
      if (e.operator !== '??') return null;
      const a = range(e.left) ?? loadRange(e.left);
      const b = range(e.right) ?? loadRange(e.right);
      return a && b && { lo: Math.min(a.lo, b.lo), hi: Math.max(a.hi, b.hi), tz: Math.min(a.tz, b.tz) };
    }
    case 'MemberExpression':
    case 'CallExpression':
      return loadRange(e);
    case 'BinaryExpression':
      return binaryRange(e.operator, e.left, e.right);
  }
  return null;
}

function binaryRange(op: string, left: Expr, right: Expr): Range | null {
  const a = range(left);
  const b = range(right);
  const k = b !== null && b.lo === b.hi && b.lo >= 0 && b.lo < 32 ? b.lo : -1;
  switch (op) {
    case '+':
      return a && b && { lo: a.lo + b.lo, hi: a.hi + b.hi, tz: Math.min(a.tz, b.tz) };
    case '-':
      return a && b && { lo: a.lo - b.hi, hi: a.hi - b.lo, tz: Math.min(a.tz, b.tz) };
    case '&': {
      // With one operand in [0, m], the result is in [0, m] and keeps at least that operand's zero bits.
      const masks = [a, b].filter((r): r is Range => int32(r) && r.lo >= 0);
      if (masks.length === 0) return null;
      return { lo: 0, hi: Math.min(...masks.map((r) => r.hi)), tz: Math.max(...masks.map((r) => r.tz)) };
    }
    case '<<':
      return int32(a) && a.lo >= 0 && k >= 0 && a.hi * 2 ** k < TWO31 ? { lo: a.lo * 2 ** k, hi: a.hi * 2 ** k, tz: Math.min(32, a.tz + k) } : null;
    case '|':
      return k === 0 && int32(a) ? a : null;
    case '>>>':
      if (k < 0) return null;
      if (a !== null && a.lo >= 0 && a.hi < TWO32) return k === 0 ? a : { lo: Math.floor(a.lo / 2 ** k), hi: Math.floor(a.hi / 2 ** k), tz: 0 };
      return k === 0 ? null : { lo: 0, hi: Math.floor((TWO32 - 1) / 2 ** k), tz: 0 };
  }
  return null;
}

/**
 * The element index, in a view of `2^shift`-byte elements, of byte address
 * `addr` when every value of `addr` is an aligned address of a whole element
 * below `safeBytes` (and below 2^31); else null. The index is `addr / 2^shift` written without
 * the division where the shape allows (`((x & 255) << 2) + 1024` at shift 2
 * is `(x & 255) + 256`) and without the address's wrap (`x >>> 0`, `x | 0`:
 * no-ops on these values).
 */
export function safeIndex(addr: Expr, shift: number, safeBytes: number): Expr | null {
  const r = range(addr);
  if (r === null || r.lo < 0 || r.hi >= TWO31 || r.hi + 2 ** shift > safeBytes || r.tz < shift) return null;
  return scaled(addr, shift);
}

/** `e / 2^shift` for an expression whose values are in [0, 2^31) and multiples of 2^shift. */
function scaled(e: Expr, shift: number): Expr {
  if (e.type === 'Literal') return A.num((e.value as number) / 2 ** shift);
  if (e.type === 'BinaryExpression') {
    const k = e.right.type === 'Literal' ? e.right.value : null;
    if ((e.operator === '>>>' || e.operator === '|') && k === 0) return scaled(e.left, shift);
    if (e.operator === '<<' && typeof k === 'number' && k >= shift) return k === shift ? e.left : A.bin('<<', e.left, A.num(k - shift));
    if (e.operator === '+') {
      const a = range(e.left);
      const b = range(e.right);
      if (a !== null && b !== null && a.lo >= 0 && b.lo >= 0 && a.tz >= shift && b.tz >= shift) {
        const right = scaled(e.right, shift);
        return right.type === 'Literal' && right.value === 0 ? scaled(e.left, shift) : A.bin('+', scaled(e.left, shift), right);
      }
    }
  }
  return shift === 0 ? e : A.bin('>>', e, A.num(shift));
}
