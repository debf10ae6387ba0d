/**
 * The runtime's one piece of mutable state, shared by generated code and the
 * runtime helpers (see ABI.md "Calling convention").
 */

/** Version of the generated-code/runtime contract in ABI.md. Bump on any change to it. */
export const ABI_VERSION = 5;

/** Shape of the state object (`Func.rt` points at one). */
export interface State {
  /** High half (int32) of the last `i64` result returned by a function. */
  hi: number;
}

/**
 * This runtime's state object: a function with a single `i64` result returns
 * the low half and stores the high half (int32) in `rt.hi`.
 */
export const rt: State = { hi: 0 };

/**
 * A brand: a registry symbol, so objects made by another copy of the runtime
 * (e.g. two generated modules, each with an inline runtime) are recognised
 * when they follow the same ABI version.
 */
export function brand(name: string): symbol {
  return Symbol.for(`wasm-kiln.${name}.v${ABI_VERSION}`);
}

/**
 * WebIDL `[EnforceRange] unsigned long` (used by the JS API for sizes and
 * indices): ToNumber, then TypeError when not finite or outside [0, 2^32 - 1].
 */
export function enforceU32(v: unknown, what: string): number {
  const n = Math.trunc(+(v as number)); // unary + throws TypeError on BigInt and Symbol, like WebIDL ToNumber
  if (!(n >= 0 && n <= 0xffffffff)) throw new TypeError(`${what} must be an integer in [0, 2^32 - 1], got ${String(v)}`);
  return n;
}
