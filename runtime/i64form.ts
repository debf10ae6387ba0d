/**
 * Which form of i64 code an instance runs, where the compiler emitted two
 * (compile option `i64: 'auto'`, compiler/emit/module.ts): a function whose
 * loops do enough i64 arithmetic gets a BigInt form, fast only in V8's
 * optimizing JIT, and an int32-pair form, used everywhere else.
 *
 * Measured on the `xxh64` kernel (test/bench/I64-STUDY.md, "Engines"): BigInt
 * 1.5 s against pairs 4.0 s in Node 24; pairs 5.1 s against BigInt 220-290 s
 * in Bun (JavaScriptCore) and 170 s in Firefox (SpiderMonkey); Hermes and V8
 * without its JIT (`--jitless`, where `WebAssembly` is absent) run pairs
 * faster too.
 *
 * Also whether the engine runs without its JIT (`JITLESS`), for the
 * run-time compile mode's choice of memory access form (compile option
 * `tune`).
 */

/**
 * Which engine this is, where it matters: known by the wording of its
 * TypeError for a property read of `null` (V8: "Cannot read properties of
 * null (reading 'x')"; JavaScriptCore: "null is not an object (evaluating
 * '...')"; SpiderMonkey and Hermes word it otherwise), as these engines have
 * no feature of their own left to probe.
 */
function detectEngine(): 'v8' | 'jsc' | 'other' {
  const message = nullReadMessage();
  return /\(reading 'x'\)/.test(message) ? 'v8' : /^null is not an object \(evaluating /.test(message) ? 'jsc' : 'other';
}

/** The message of the TypeError a property read of `null` throws. */
function nullReadMessage(): string {
  try {
    const none: { x?: unknown } | null = nothing();
    return String(none!.x);
  } catch (e) {
    return String((e as Error).message);
  }
}

/** Whether the engine has its own `WebAssembly` (native code, not a JS polyfill's functions). */
function detectNativeWasm(): boolean {
  try {
    if (typeof WebAssembly !== 'object' || WebAssembly === null || typeof WebAssembly.validate !== 'function') return false;
    return String(WebAssembly.validate).indexOf('[native code]') >= 0;
  } catch {
    return false;
  }
}

function nothing(): null {
  return null;
}

const ENGINE = detectEngine();
const NATIVE_WASM = detectNativeWasm();

/**
 * Whether this engine runs the BigInt form (this engine's default, detected
 * once, when the runtime loads): V8 with its JIT, known by V8's wording
 * (`detectV8`) and its JIT by the engine's own `WebAssembly`, which V8 drops
 * with `--jitless`.
 */
export const I64_BIGINT_DEFAULT: boolean = ENGINE === 'v8' && NATIVE_WASM;

/**
 * Whether this engine runs without its JIT: V8 or JavaScriptCore with no
 * `WebAssembly` of its own, which both drop with their JIT (V8
 * `--jitless`, as Chromium runs with `--js-flags=--jitless`; Safari's
 * Lockdown Mode). The run-time compile mode (compiler/emit/lazy.ts) tunes its
 * code for such an engine (`tune: 'hermes'`, typed-array views: 1.3-2.2x
 * faster in JavaScriptCore's interpreter on the kernels that touch memory,
 * 1.1-2x in V8's), as its code runs in the engine that compiles it. An engine
 * with its JIT whose `WebAssembly` a page deleted looks the same; there the
 * views cost speed, not correctness.
 */
export const JITLESS: boolean = (ENGINE === 'v8' || ENGINE === 'jsc') && !NATIVE_WASM;

/**
 * Whether the BigInt form reads and writes an i64 in memory with one
 * `DataView` BigInt method (`getBigUint64`, `setBigUint64`) rather than two
 * 32-bit ones: V8's optimizing compiler inlines those methods from V8 13.6
 * (Node 24, Chrome 136) and calls them, allocating, before (Node 22, V8
 * 12.4, and Node 20: 4-7x slower than two 32-bit accesses; measured in
 * test/bench/I64-STUDY.md). Known by V8 with its JIT (`I64_BIGINT_DEFAULT`)
 * that has both `RegExp.escape` (V8 13.6) and `Float16Array` (V8 13.5), two
 * globals that libraries rarely polyfill together; a wrong answer costs only
 * speed. `instantiate` runs each function's `$b32` variant when it is false
 * (compiler/emit/module.ts); both read and write the same bytes and trap alike.
 */
/** `Float16Array`, when the engine has it (probed with `typeof` only; not in the ES2022 library). */
declare const Float16Array: unknown;

export const DV_BIG: boolean =
  I64_BIGINT_DEFAULT && typeof (RegExp as unknown as { escape?: unknown }).escape === 'function' && typeof Float16Array === 'function';

/**
 * Whether an instance runs the BigInt form of functions that have both:
 * `options.i64` of `instantiate` (`'bigint'` or `'pair'`) when given, else
 * the engine's default (I64_BIGINT_DEFAULT). `options` was checked to be an
 * object or nullish by `instanceLimit`.
 * @throws TypeError on another `options.i64`.
 */
export function i64BigInt(options: unknown): boolean {
  const v = options === undefined || options === null ? undefined : (options as { i64?: unknown }).i64;
  if (v === undefined) return I64_BIGINT_DEFAULT;
  if (v === 'bigint') return true;
  if (v === 'pair') return false;
  throw new TypeError(`instantiate: options.i64 must be 'bigint' or 'pair', got ${String(v)}`);
}
