/**
 * Functions: the `Func` object of ABI.md, the JS-facing wrapper of an exported
 * function (JS API "Exported Functions"), the adapter that lets wasm call a
 * host function (JS API "create a host function"), and value conversions
 * between JS values and the internal ABI (JS API ToWebAssemblyValue / ToJSValue).
 */
import { LinkError, RuntimeError, type TrapCode } from './errors.js';
import { brand, rt, type State } from './state.js';

/** A function in the internal ABI: i64 parameters are (lo, hi) int32 pairs; see ABI.md "Calling convention". */
export type InternalFn = (...args: any[]) => any;

/** Any JS callable. */
export type JSFunction = (...args: any[]) => unknown;

const FUNC_BRAND = brand('Func');
/** Property of a JS-facing function holding its `Func` (a registry symbol, so other runtime copies find it too). */
const JS_FUNC = brand('Func.js');

/**
 * A wasm function value: what `funcref` holds and what tables store.
 * - `sig`: canonical signature string (`parseSig`), compared by string identity for `call_indirect`;
 * - `fn`: the internal-ABI callable;
 * - `rt`: the state object of the runtime whose `rt.hi` carries `fn`'s i64 result high half;
 * - `js`: the JS-facing function, made by `toJS` on first use and cached (one identity in JS).
 */
export class Func {
  sig: string;
  fn: InternalFn;
  rt: State;
  js: JSFunction | null;
  constructor(sig: string, fn: InternalFn, state: State) {
    this.sig = sig;
    this.fn = fn;
    this.rt = state;
    this.js = null;
  }
}
(Func.prototype as any)[FUNC_BRAND] = true;

/** True for a `Func`, including one made by another copy of the runtime with the same ABI version. */
export function isFunc(v: unknown): v is Func {
  return typeof v === 'object' && v !== null && (v as any)[FUNC_BRAND] === true;
}

// ---------------------------------------------------------------- signatures

/** A parsed signature: valtype names ("i32", "i64", "f32", "f64", "v128", "funcref", "externref"). */
export interface Sig {
  params: string[];
  results: string[];
}

/**
 * Parses a signature string `"<params>><results>"`, valtype names separated by
 * single spaces: `"i32 i64>f64"`, `">"` for `[] -> []`, `">i32 i32"`.
 * @throws TypeError when there is no `>`.
 */
export function parseSig(sig: string): Sig {
  const i = sig.indexOf('>');
  if (i < 0) throw new TypeError(`bad signature string ${JSON.stringify(sig)}`);
  const p = sig.slice(0, i);
  const r = sig.slice(i + 1);
  return { params: p === '' ? [] : p.split(' '), results: r === '' ? [] : r.split(' ') };
}

/** Builds the signature string of `[params] -> [results]` (valtype names); inverse of `parseSig`. */
export function makeSig(params: readonly string[], results: readonly string[]): string {
  return `${params.join(' ')}>${results.join(' ')}`;
}

/** True when a function of this signature returns its result's high half in `rt.hi` (exactly one `i64` result). */
export function sigUsesHi(sig: string): boolean {
  return sig.endsWith('>i64');
}

// Value kinds, as small integers so the conversion switches stay cheap.
const I32 = 0;
const I64 = 1;
const F32 = 2;
const F64 = 3;
const FUNCREF = 4;
const EXTERNREF = 5;
const V128 = 6;

/** The value kind of a valtype name (an internal small integer; `argsFromJS`, `argsToJS`). @throws TypeError for an unknown name. */
export function kindOf(name: string): number {
  switch (name) {
    case 'i32': return I32;
    case 'i64': return I64;
    case 'f32': return F32;
    case 'f64': return F64;
    case 'funcref': return FUNCREF;
    case 'externref': return EXTERNREF;
    case 'v128': return V128;
    default: throw new TypeError(`unknown value type ${JSON.stringify(name)} in signature`);
  }
}

function noV128(): never {
  throw new TypeError('type v128 cannot cross the JS boundary');
}

// ------------------------------------------------------------ i64 and refs

/** The signed BigInt of an i64 given as int32 halves. */
export function i64ToBigInt(lo: number, hi: number): bigint {
  return (BigInt(hi | 0) << 32n) | BigInt(lo >>> 0);
}

/** Low int32 half of a BigInt taken modulo 2^64. */
export function i64Lo(b: bigint): number {
  return Number(BigInt.asIntN(32, b));
}

/** High int32 half of a BigInt taken modulo 2^64. */
export function i64Hi(b: bigint): number {
  return Number(BigInt.asIntN(32, b >> 32n));
}

/**
 * JS API ToBigInt64: `BigInt.asIntN(64, ToBigInt(v))`. A Number, `undefined`,
 * `null` or Symbol throws TypeError; a string is parsed (SyntaxError if invalid).
 */
export function toBigInt64(v: unknown): bigint {
  return BigInt.asIntN(64, v as bigint);
}

/** The `Func` behind a JS-facing (exported) Kiln function, or null for anything else. */
export function fromJS(v: unknown): Func | null {
  if (typeof v !== 'function') return null;
  const f = (v as any)[JS_FUNC];
  return f === undefined ? null : (f as Func);
}

/**
 * JS API ToWebAssemblyValue for `funcref`: null, or a Kiln exported function (→ its `Func`).
 * @throws TypeError for anything else.
 */
export function toFuncRef(v: unknown): Func | null {
  if (v === null) return null;
  const f = fromJS(v);
  if (f === null) throw new TypeError('a funcref must be null or an exported WebAssembly function');
  return f;
}

/** JS API ToJSValue for `funcref`: the JS-facing function of a `Func`, or null. */
export function funcRefToJS(v: Func | null): JSFunction | null {
  return v === null ? null : toJS(v);
}

// ------------------------------------------------------------------ errors

const hostErrors = new WeakSet<object>();

/** Marks a value thrown by a host function so `convertError` passes it through unchanged. */
export function markHostError(e: unknown): void {
  if ((typeof e === 'object' && e !== null) || typeof e === 'function') hostErrors.add(e as object);
}

/**
 * Converts an engine error that escaped from generated code into a trap
 * (ABI.md "Traps"): a `RangeError` from a DataView access ("outside the
 * bounds", "out of bounds", "out of range"; Hermes: "Cannot read/write that
 * many bytes"; at a negative index, which a memory of at most 2 GiB is given
 * for an address at or past 2^31: JavaScriptCore "byteOffset cannot be
 * negative", Hermes "A negative value cannot be an index") becomes `RuntimeError`
 * `out-of-bounds-memory`; a stack overflow (`RangeError` "Maximum call stack
 * size exceeded", `InternalError` "too much recursion") becomes `RuntimeError`
 * `stack-exhausted`, keeping the original `.stack`. Anything else, and anything
 * thrown by a host function (see `hostFunc`), is returned unchanged.
 */
export function convertError(e: unknown): unknown {
  if (typeof e !== 'object' || e === null || hostErrors.has(e)) return e;
  let code: TrapCode | null = null;
  const msg = String((e as Error).message);
  if (e instanceof RangeError) {
    if (/call stack/i.test(msg)) code = 'stack-exhausted';
    else if (/bounds|out.of.range|that many bytes|negative/i.test(msg)) code = 'out-of-bounds-memory';
  } else if ((e as Error).name === 'InternalError' && /recursion/i.test(msg)) {
    code = 'stack-exhausted';
  }
  if (code === null) return e;
  const err = new RuntimeError(code);
  Object.defineProperty(err, 'stack', { value: (e as Error).stack, writable: true, configurable: true });
  return err;
}

// --------------------------------------------------------- JS -> internal

/**
 * A fresh empty array whose elements kind is generic, so numbers stored in it
 * keep their NaN bits (V8 quiets signalling NaNs stored in double arrays).
 */
function list(): unknown[] {
  const a: unknown[] = [null];
  a.length = 0;
  return a;
}

const scratch = new DataView(new ArrayBuffer(8));

/**
 * JS API ToWebAssemblyValue for f32: ToNumber, then rounded to f32. A NaN is
 * kept as is (ABI.md "NaN bits": its sign and top mantissa bits are the f32
 * NaN), unless those bits would read as an infinity; then it is the canonical NaN.
 */
export function toF32(x: unknown): number {
  const n = +(x as number);
  const y = Math.fround(n);
  if (y === y) return y;
  scratch.setFloat64(0, n);
  return (scratch.getUint32(0) & 0xfffff) === 0 && scratch.getUint32(4) >>> 29 === 0 ? NaN : n;
}

/** ToWebAssemblyValue for a number type. */
function num(k: number, x: unknown): number {
  return k === I32 ? (x as number) | 0 : k === F32 ? toF32(x) : +(x as number);
}

/** Converts JS arguments to internal-ABI arguments (i64 → two entries); `pk` from `kindOf`. */
export function argsFromJS(pk: readonly number[], args: ArrayLike<unknown>): unknown[] {
  const out = list();
  for (let i = 0; i < pk.length; i++) {
    const x = args[i];
    switch (pk[i]) {
      case I32: out.push((x as number) | 0); break;
      case I64: { const b = toBigInt64(x); out.push(i64Lo(b), i64Hi(b)); break; }
      case F32: out.push(toF32(x)); break;
      case F64: out.push(+(x as number)); break;
      case FUNCREF: out.push(toFuncRef(x)); break;
      case EXTERNREF: out.push(x); break;
      default: noV128();
    }
  }
  return out;
}

/** Converts a host function's result to the internal ABI (single i64: lo returned, hi in `rt.hi`). */
function resultFromJS(rk: readonly number[], r: unknown): unknown {
  if (rk.length === 1) {
    switch (rk[0]) {
      case I32: return (r as number) | 0;
      case I64: { const b = toBigInt64(r); rt.hi = i64Hi(b); return i64Lo(b); }
      case F32: return toF32(r);
      case F64: return +(r as number);
      case FUNCREF: return toFuncRef(r);
      case EXTERNREF: return r;
      default: return noV128();
    }
  }
  if (rk.length === 0) return undefined;
  const vals = list();
  for (const v of r as Iterable<unknown>) vals.push(v); // TypeError when not iterable
  if (vals.length !== rk.length) throw new TypeError(`expected ${rk.length} results, got ${vals.length}`);
  const out = list();
  for (let i = 0; i < rk.length; i++) {
    const k = rk[i]!;
    const v = vals[i];
    if (k === I64) { const b = toBigInt64(v); out.push(i64Lo(b), i64Hi(b)); }
    else if (k === FUNCREF) out.push(toFuncRef(v));
    else if (k === EXTERNREF) out.push(v);
    else if (k === V128) noV128();
    else out.push(num(k, v));
  }
  return out;
}

// --------------------------------------------------------- internal -> JS

/** Converts internal-ABI arguments (i64 as two entries) to JS values; `pk` from `kindOf`. */
export function argsToJS(pk: readonly number[], a: ArrayLike<any>): unknown[] {
  const out = list();
  let j = 0;
  for (let i = 0; i < pk.length; i++) {
    switch (pk[i]) {
      case I64: out.push(i64ToBigInt(a[j], a[j + 1])); j += 2; break;
      case FUNCREF: out.push(funcRefToJS(a[j++])); break;
      case V128: return noV128();
      default: out.push(a[j++]);
    }
  }
  return out;
}

/** Converts an internal result to JS (single i64: low half `r`, high half `hi`). */
function resultToJS(rk: readonly number[], r: any, hi: number): unknown {
  if (rk.length === 1) {
    switch (rk[0]) {
      case I64: return i64ToBigInt(r, hi);
      case FUNCREF: return funcRefToJS(r);
      case V128: return noV128();
      default: return r;
    }
  }
  if (rk.length === 0) return undefined;
  const out = list();
  let j = 0;
  for (let i = 0; i < rk.length; i++) {
    switch (rk[i]) {
      case I64: out.push(i64ToBigInt(r[j], r[j + 1])); j += 2; break;
      case FUNCREF: out.push(funcRefToJS(r[j++])); break;
      case V128: return noV128();
      default: out.push(r[j++]);
    }
  }
  return out;
}

// ---------------------------------------------------------------- wrappers

/**
 * The JS-facing function of `func` (JS API "Exported Functions"), made once
 * and cached in `func.js`; `fromJS` maps it back to `func`. Arguments are
 * converted with ToWebAssemblyValue (i32 ToInt32, i64 ToBigInt64 (TypeError
 * for a Number), f32 `Math.fround`, f64 ToNumber, funcref null or a Kiln
 * function, externref as is; a missing argument is `undefined`). The result
 * is converted back (i64 → signed BigInt, funcref → its JS function, several
 * results → an array). Engine errors escaping from wasm code become traps
 * (`convertError`); errors thrown by host functions pass through unchanged.
 */
export function toJS(func: Func): JSFunction {
  let js = func.js;
  if (js === null) {
    js = makeJS(func);
    func.js = js;
  }
  return js;
}

function makeJS(func: Func): JSFunction {
  const { params, results } = parseSig(func.sig);
  const pk = params.map(kindOf);
  const rk = results.map(kindOf);
  const fn = func.fn;
  const st = func.rt;
  let w: JSFunction;
  const plainResult = rk.length === 0 || (rk.length === 1 && rk[0] !== I64 && rk[0] !== FUNCREF && rk[0] !== V128);
  const numParams = pk.every((k) => k === I32 || k === F32 || k === F64);
  if (plainResult && numParams && pk.length <= 5) {
    // Fast paths for the common shapes: no allocation per call.
    const [k0, k1, k2, k3, k4] = pk as [number, number, number, number, number];
    const none = rk.length === 0;
    switch (pk.length) {
      case 0:
        w = function () {
          try { const r = fn(); return none ? undefined : r; } catch (e) { throw convertError(e); }
        };
        break;
      case 1:
        w = function (a: unknown) {
          const x = num(k0, a);
          try { const r = fn(x); return none ? undefined : r; } catch (e) { throw convertError(e); }
        };
        break;
      case 2:
        w = function (a: unknown, b: unknown) {
          const x = num(k0, a), y = num(k1, b);
          try { const r = fn(x, y); return none ? undefined : r; } catch (e) { throw convertError(e); }
        };
        break;
      case 3:
        w = function (a: unknown, b: unknown, c: unknown) {
          const x = num(k0, a), y = num(k1, b), z = num(k2, c);
          try { const r = fn(x, y, z); return none ? undefined : r; } catch (e) { throw convertError(e); }
        };
        break;
      case 4:
        w = function (a: unknown, b: unknown, c: unknown, d: unknown) {
          const x = num(k0, a), y = num(k1, b), z = num(k2, c), u = num(k3, d);
          try { const r = fn(x, y, z, u); return none ? undefined : r; } catch (e) { throw convertError(e); }
        };
        break;
      default:
        w = function (a: unknown, b: unknown, c: unknown, d: unknown, g: unknown) {
          const x = num(k0, a), y = num(k1, b), z = num(k2, c), u = num(k3, d), v = num(k4, g);
          try { const r = fn(x, y, z, u, v); return none ? undefined : r; } catch (e) { throw convertError(e); }
        };
    }
  } else {
    w = function (...args: unknown[]) {
      const a = argsFromJS(pk, args);
      let r: unknown;
      try { r = fn(...a); } catch (e) { throw convertError(e); }
      return resultToJS(rk, r, st.hi);
    };
  }
  Object.defineProperty(w, 'length', { value: pk.length });
  Object.defineProperty(w, JS_FUNC, { value: func });
  return w;
}

/**
 * Wraps a host JS function as a `Func` of signature `sig` (JS API "create a
 * host function"). The internal-ABI adapter converts arguments to JS (i64
 * pair → signed BigInt, funcref → JS function), calls `f` with `this`
 * undefined, and converts its result with ToWebAssemblyValue (i32 ToInt32 —
 * TypeError for a BigInt; i64 ToBigInt64 — TypeError for a Number, low half
 * returned and high half stored in `rt.hi`; f32 `Math.fround`; several
 * results: an iterable of exactly that many values, TypeError otherwise).
 * Anything `f` throws is marked so `convertError` never turns it into a trap.
 */
export function hostFunc(sig: string, f: JSFunction): Func {
  const { params, results } = parseSig(sig);
  const pk = params.map(kindOf);
  const rk = results.map(kindOf);
  let fn: InternalFn;
  if (pk.every((k) => k === I32 || k === F32 || k === F64 || k === EXTERNREF)) {
    // Arguments need no conversion.
    switch (pk.length) {
      case 0:
        fn = () => {
          let r: unknown;
          try { r = f(); } catch (e) { markHostError(e); throw e; }
          return resultFromJS(rk, r);
        };
        break;
      case 1:
        fn = (a: unknown) => {
          let r: unknown;
          try { r = f(a); } catch (e) { markHostError(e); throw e; }
          return resultFromJS(rk, r);
        };
        break;
      case 2:
        fn = (a: unknown, b: unknown) => {
          let r: unknown;
          try { r = f(a, b); } catch (e) { markHostError(e); throw e; }
          return resultFromJS(rk, r);
        };
        break;
      default:
        fn = (...a: unknown[]) => {
          let r: unknown;
          try { r = f(...a); } catch (e) { markHostError(e); throw e; }
          return resultFromJS(rk, r);
        };
    }
  } else {
    fn = (...a: unknown[]) => {
      const args = argsToJS(pk, a);
      let r: unknown;
      try { r = f(...args); } catch (e) { markHostError(e); throw e; }
      return resultFromJS(rk, r);
    };
  }
  return new Func(sig, fn, rt);
}

/**
 * Resolves the value given for a function import of signature `sig` (spec
 * 4.5.4 "Instantiation", JS API "read the imports"): a Kiln exported function
 * with the same `sig` → its `Func` (wrapped with `hostFunc` when it belongs to
 * another runtime copy and returns a single i64 through that runtime's
 * `rt.hi`); any other callable → `hostFunc(sig, value)`.
 * @param state this runtime's state object (`rt`).
 * @param name the import's name for messages, e.g. `"env"."f"`.
 * @throws LinkError "incompatible import type" for a non-callable or a Kiln function of another signature.
 */
export function importFunc(value: unknown, sig: string, state: State = rt, name = 'function import'): Func {
  if (typeof value !== 'function') {
    throw new LinkError(`incompatible import type: ${name} must be a function, got ${typeof value}`);
  }
  const f = fromJS(value);
  if (f === null) return hostFunc(sig, value as JSFunction);
  if (f.sig !== sig) {
    throw new LinkError(`incompatible import type: ${name} has signature [${f.sig}], expected [${sig}]`);
  }
  if (f.rt !== state && sigUsesHi(sig)) return hostFunc(sig, value as JSFunction);
  return f;
}
