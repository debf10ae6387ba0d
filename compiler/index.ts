/**
 * Kiln's public API: `validate` (and, with the backend, `compile`).
 * Every entry point decodes and validates the whole module first
 * (spec 5 "Binary Format", 3 "Validation"); nothing downstream ever sees an
 * unvalidated module.
 */
import { decodeModule } from './decode/module.js';
import { validateModule } from './validate/module.js';
import type { Module } from './module.js';
import { emitModule, type CompileOptions } from './emit/module.js';

export { CompileError, LinkError, RuntimeError } from '../runtime/errors.js';
export type { Module } from './module.js';
export type { CompileOptions } from './emit/module.js';
export { Memory, Table, Global } from '../runtime/index.js';

/**
 * Decodes and validates a binary module; returns the decoded `Module`
 * (zero-copy views into `bytes`).
 * @throws CompileError with `.offset` (byte offset in `bytes`) when the module is malformed or invalid.
 */
export function decodeAndValidate(bytes: Uint8Array): Module {
  const module = decodeModule(bytes);
  validateModule(module);
  return module;
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
 * options?)`, `imports` and `exports` (see README "The emitted module").
 * @returns `{ code, map? }`: the module source text (ESM, or CJS with `format: 'cjs'`), and with
 *   `sourceMap` its source map as JSON text (README "Inspecting the output").
 * @throws CompileError (with `.offset`) when the module is malformed or invalid; no output is produced then.
 */
export function compile(bytes: Uint8Array, options: CompileOptions = {}): { code: string; map?: string } {
  const module = decodeAndValidate(bytes);
  if (!options.sourceMap) return { code: emitModule(module, options) };
  const out: { map?: string } = {};
  const code = emitModule(module, options, out);
  return { code, map: out.map };
}
