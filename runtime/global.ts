/**
 * Globals (spec 4.2.10 "Global Instances", JS API `WebAssembly.Global`).
 */
import { funcRefToJS, i64Hi, i64Lo, i64ToBigInt, toBigInt64, toF32, toFuncRef, type Func } from './func.js';
import { brand } from './state.js';

const GLOBAL_BRAND = brand('Global');

/** A global's value type name as the JS API spells it (`'anyfunc'` is an alias of `'funcref'`). */
export type GlobalValueType = 'i32' | 'i64' | 'f32' | 'f64' | 'externref' | 'anyfunc' | 'funcref';

/** JS API `GlobalDescriptor`. */
export interface GlobalDescriptor {
  value: GlobalValueType;
  mutable?: boolean | undefined;
}

/**
 * A global cell. Fields (ABI.md): `type` (valtype name: i32, i64, f32, f64,
 * funcref, externref), `mutable`, `v` (the value for non-i64 types: a number,
 * `Func | null` for funcref, any JS value for externref; 0 for i64), `lo` and
 * `hi` (int32 halves of an i64 value; 0 for other types).
 */
export class Global {
  /** `instanceof` holds for a Global made by any runtime copy of the same ABI version (JS API glue checks it). */
  static [Symbol.hasInstance](x: unknown): boolean {
    return isGlobal(x);
  }

  type: 'i32' | 'i64' | 'f32' | 'f64' | 'funcref' | 'externref';
  mutable: boolean;
  v: any;
  lo: number;
  hi: number;

  /**
   * JS API `new WebAssembly.Global({ value, mutable }, v)`. The initial value
   * is `v` converted by ToWebAssemblyValue, or when `v` is undefined the
   * default (0, 0n, null for funcref, `undefined` for externref — JS API DefaultValue).
   * @throws TypeError for an unknown value type or a value that does not
   * convert (a Number for i64, a non-Kiln function for funcref, a BigInt for a number type).
   */
  constructor(descriptor: GlobalDescriptor, v?: unknown) {
    const t = descriptor.value;
    if (t !== 'i32' && t !== 'i64' && t !== 'f32' && t !== 'f64' && t !== 'externref' && t !== 'anyfunc' && t !== 'funcref') {
      throw new TypeError(`bad global value type ${String(t)}`);
    }
    this.type = t === 'anyfunc' ? 'funcref' : t;
    this.mutable = !!descriptor.mutable;
    this.v = this.type === 'funcref' ? null : 0;
    this.lo = 0;
    this.hi = 0;
    if (v !== undefined || this.type === 'externref') this.set(v);
  }

  /** JS API `value`: the value as JS sees it (BigInt for i64, the JS-facing function or null for funcref). */
  get value(): unknown {
    switch (this.type) {
      case 'i64': return i64ToBigInt(this.lo, this.hi);
      case 'funcref': return funcRefToJS(this.v as Func | null);
      default: return this.v;
    }
  }

  /**
   * JS API `value` setter: ToWebAssemblyValue (i32 ToInt32, f32 `Math.fround`,
   * f64 ToNumber, i64 ToBigInt64, funcref null or a Kiln exported function).
   * @throws TypeError when the global is immutable or the value does not convert.
   */
  set value(v: unknown) {
    if (!this.mutable) throw new TypeError('cannot set the value of an immutable global');
    this.set(v);
  }

  /** JS API `valueOf()`: the same as `value`. */
  valueOf(): unknown {
    return this.value;
  }

  private set(v: unknown): void {
    switch (this.type) {
      case 'i32': this.v = (v as number) | 0; break;
      case 'i64': { const b = toBigInt64(v); this.lo = i64Lo(b); this.hi = i64Hi(b); break; }
      case 'f32': this.v = toF32(v); break;
      case 'f64': this.v = +(v as number); break;
      case 'funcref': this.v = toFuncRef(v); break;
      default: this.v = v;
    }
  }
}
(Global.prototype as any)[GLOBAL_BRAND] = true;

/** True for a Kiln `Global`, including one made by another runtime copy of the same ABI version. */
export function isGlobal(v: unknown): v is Global {
  return typeof v === 'object' && v !== null && (v as any)[GLOBAL_BRAND] === true;
}
