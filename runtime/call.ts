/**
 * Helpers generated code calls for `call_indirect` and instantiation
 * (spec 4.4.8 "call_indirect", 4.5.4 "Instantiation").
 */
import { Func, hostFunc, toJS, sigUsesHi } from './func.js';
import { Global } from './global.js';
import { trap } from './bulk.js';
import { rt } from './state.js';

/** Adapters for functions of another runtime copy, per Func (see ABI.md "Calling convention"). */
const foreign = new WeakMap<Func, Func>();

/**
 * The `Func` that `call_indirect` with signature `sig` calls at index `i`
 * (an int32, taken as unsigned) of a funcref table's `elements`.
 * Traps `undefined-element` past the end, `uninitialized-element` on null,
 * `indirect-call-type-mismatch` when the signatures differ.
 */
export function callIndirect(elements: (Func | null)[], i: number, sig: string): Func {
  const f = elements[i >>> 0];
  if (f === undefined) trap('undefined-element');
  if (f === null) trap('uninitialized-element');
  if (f.sig !== sig) trap('indirect-call-type-mismatch');
  if (f.rt !== rt && sigUsesHi(sig)) {
    let g = foreign.get(f);
    if (g === undefined) foreign.set(f, (g = hostFunc(sig, toJS(f))));
    return g;
  }
  return f;
}

/** The contents of a dropped data segment. */
export const EMPTY_DATA = new Uint8Array(0);

/**
 * A `Global` cell holding a value already in the internal representation
 * (`v`, or `lo`/`hi` for i64), for globals that generated code exports.
 */
export function makeGlobal(type: 'i32' | 'i64' | 'f32' | 'f64' | 'funcref' | 'externref', mutable: boolean, v: unknown, lo: number, hi: number): Global {
  const g = new Global({ value: type, mutable });
  g.v = v;
  g.lo = lo;
  g.hi = hi;
  return g;
}
