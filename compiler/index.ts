/**
 * Kiln's public API: `validate` (and, with the backend, `compile`).
 * Every entry point decodes and validates the whole module first
 * (spec 5 "Binary Format", 3 "Validation"); nothing downstream ever sees an
 * unvalidated module.
 */
import { decodeAndValidate } from './validate/decode-validate.js';
import { emitModule, type CompileOptions as EmitOptions } from './emit/module.js';
import { emitDts } from './emit/dts.js';

export { CompileError, LinkError, RuntimeError } from '../runtime/errors.js';
export type { Module } from './module.js';
export { Memory, Table, Global } from '../runtime/index.js';
export { dtsFileName } from './emit/dts.js';
export { setRuntimeSource, type RuntimeSources } from './emit/runtime-source.js';
export { decodeAndValidate };

/** Options of `compile`: those of the emitted module (emit/module.ts, README "API") and `dts`. */
export interface CompileOptions extends EmitOptions {
  /**
   * Also return TypeScript declarations of the output as `dts` (emit/dts.ts):
   * the import object's exact shape, every export typed, `instantiate`'s
   * options and result. Write them beside the output under `dtsFileName(file)`.
   */
  dts?: boolean;
}

/**
 * What `compile` returns:
 * - `code`: the JS module (ESM, or CJS with `format: 'cjs'`);
 * - `map`: with `sourceMap`, its source map as JSON text (README "Inspecting the output");
 * - `dts`: with `dts: true`, the module's TypeScript declarations (for `out.d.ts`,
 *   `out.d.mts` or `out.d.cts` beside `out.js`, `.mjs`, `.cjs`: `dtsFileName`).
 */
export interface CompileResult {
  code: string;
  map?: string;
  dts?: string;
}

/**
 * Validates a binary module exactly as the spec says (Wasm 2.0, SIMD included).
 * @throws CompileError with `.offset` (byte offset in `bytes`), `.funcIndex` inside a body, and a message in spec terms.
 */
export function validate(bytes: Uint8Array): void {
  decodeAndValidate(bytes);
}

/**
 * Compiles a binary module to a JavaScript module (spec 4.5.4 instantiation
 * semantics, traps exact). The output exports `instantiate(imports?,
 * options?)`, `imports`, `exports`, `sha256` and `customSections` (see README "The emitted module").
 * @returns `{ code, map?, dts? }` (`CompileResult`): the module source text, its source map with
 *   `sourceMap`, its TypeScript declarations with `dts: true`.
 * @throws CompileError (with `.offset`) when the module is malformed or invalid; no output is produced then.
 */
export function compile(bytes: Uint8Array, options: CompileOptions & { dts: true }): CompileResult & { dts: string };
export function compile(bytes: Uint8Array, options?: CompileOptions): CompileResult;
export function compile(bytes: Uint8Array, options: CompileOptions = {}): CompileResult {
  const module = decodeAndValidate(bytes);
  const result: CompileResult = { code: '' };
  if (!options.sourceMap) result.code = emitModule(module, options);
  else {
    const out: { map?: string } = {};
    result.code = emitModule(module, options, out);
    result.map = out.map;
  }
  if (options.dts) result.dts = emitDts(module, options);
  return result;
}
