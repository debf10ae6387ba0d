/**
 * The one entry into the backend: decode, then validate (spec 5 "Binary
 * Format", 3 "Validation"). `compile` (index.ts) and the run-time compile
 * mode (polyfill/) both go through it. No Node API, so it runs in browsers.
 */
import { decodeModule } from '../decode/module.js';
import { validateModule } from './module.js';
import type { Module } from '../module.js';

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
