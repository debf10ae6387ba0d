/**
 * `wasm-kiln/polyfill`: the WebAssembly JS API (JS API spec, "The WebAssembly
 * Namespace"), compiling modules at run time (README "Run-time compile mode
 * (polyfill)"). `new WebAssembly.Module(bytes)`, `compile` and `instantiate`
 * decode and validate the whole module up front, with the validator of
 * `kiln compile` (a `CompileError` with the same message and byte offset),
 * then each function is compiled to JS the first time it is called, with the
 * lowering, runtime and semantics of Kiln's ahead-of-time output
 * (compiler/emit/lazy.ts, polyfill/linker.ts).
 *
 * ```js
 * import { WebAssembly } from 'wasm-kiln/polyfill';
 * const { instance } = await WebAssembly.instantiate(bytes, imports);
 * ```
 *
 * `createWebAssembly(options)` makes a namespace with compile options (page
 * limit, fuel metering and compile fuel); `import 'wasm-kiln/polyfill/auto'`
 * installs the default one as `globalThis.WebAssembly` where there is none.
 */
import { createNamespace, compiledModule, instanceObject, type CompiledModule, type WebAssemblyNamespace } from '../runtime/webassembly.js';
import { decodeAndValidate } from '../compiler/validate/decode-validate.js';
import { unsupportedInstruction } from '../compiler/emit/lazy.js';
import { LazyCompiler, type PolyfillOptions } from './linker.js';
import { bytesToBase64 } from '../compiler/base64.js';

export { DEFAULT_COMPILE_FUEL_PER_BYTE, DEFAULT_COMPILE_FUEL_PER_FUNCTION, LazyCompiler, type PolyfillOptions } from './linker.js';
export type { WebAssemblyNamespace } from '../runtime/webassembly.js';

/** Options of `createWebAssembly`: the compile options, compile fuel, and each instance's starting fuel. */
export interface PolyfillNamespaceOptions extends Omit<PolyfillOptions, 'fuel' | 'customSections'> {
  /**
   * Fuel metering (README "Running untrusted plugins"): `true`, metered with
   * unlimited fuel; a number, each instance starts with that much fuel (a
   * non-negative integer, or Infinity). Compiling a function at run time
   * charges its compile fuel to the instance calling it. Default: off.
   */
  fuel?: boolean | number;
}

const COMPILERS = new WeakMap<object, LazyCompiler>();

/**
 * A WebAssembly namespace compiling at run time with `options` (see
 * `PolyfillNamespaceOptions`); `Memory`, `Table`, `Global` and the error
 * classes are Kiln's runtime classes, as in wasm-kiln/webassembly.
 * @throws TypeError for a bad option (when the first module is compiled).
 */
export function createWebAssembly(options: PolyfillNamespaceOptions = {}): WebAssemblyNamespace {
  const { fuel, ...rest } = options;
  const compileOptions: PolyfillOptions = { ...rest, fuel: fuel !== undefined && fuel !== false };
  const instanceOptions = typeof fuel === 'number' ? { fuel } : undefined;
  const find = (bytes: Uint8Array): CompiledModule => {
    // The JS API copies the bytes (a caller may reuse its buffer); functions are decoded from the copy later.
    const c = new LazyCompiler(bytes.slice(), compileOptions);
    const { code } = c;
    const m = c.lazy.env.m;
    const compiled: CompiledModule = {
      imports: code.imports,
      exports: code.exports,
      // JS API Module.customSections: every custom section, read from the bytes when asked for.
      get customSections() {
        return m.customs.map((s) => ({ name: s.name, data: bytesToBase64(m.bytes.subarray(s.start, s.end)) }));
      },
      instantiate: (importObject) => code.instantiate(importObject, instanceOptions),
    };
    COMPILERS.set(compiled, c);
    return compiled;
  };
  // validate(bytes): whether `new Module(bytes)` compiles: valid (spec 3), and nothing Kiln cannot lower yet (SIMD).
  return createNamespace(find, (bytes) => {
    const e = unsupportedInstruction(decodeAndValidate(bytes));
    if (e !== null) throw e;
  });
}

/** The namespace with default options (no fuel metering, page limit 65536). */
export const WebAssembly: WebAssemblyNamespace = createWebAssembly();

/** The fuel left in `instance` (an `Instance` of a namespace made with `fuel`). @throws TypeError for any other value. */
export function getFuel(instance: unknown): number {
  const o = instanceObject(instance);
  if (o?.getFuel === undefined) throw new TypeError('getFuel: not an instance of a polyfill namespace made with fuel');
  return o.getFuel();
}

/**
 * Sets the fuel of `instance` (refills or drains it): a non-negative integer up to 2^53 - 1, or Infinity.
 * @throws TypeError for another instance or a bad amount.
 */
export function setFuel(instance: unknown, n: number): void {
  const o = instanceObject(instance);
  if (o?.setFuel === undefined) throw new TypeError('setFuel: not an instance of a polyfill namespace made with fuel');
  o.setFuel(n);
}

/**
 * The run-time compiler behind a polyfill `Module` (which functions it has
 * lowered: `lowered()`), or undefined for anything else; for tests and
 * benchmarks.
 */
export function compilerOf(module: unknown): LazyCompiler | undefined {
  const c = compiledModule(module);
  return c === undefined ? undefined : COMPILERS.get(c);
}
