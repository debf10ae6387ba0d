/**
 * `wasm-kiln/runtime`: the objects and helpers generated code uses (see
 * ABI.md), and the JS API-shaped classes `Memory`, `Table`, `Global` and the
 * error classes for embedders.
 */
export * from './state.js';
export * from './errors.js';
export * from './memory.js';
export * from './table.js';
export * from './global.js';
export * from './func.js';
export * from './instance.js';
export * from './bulk.js';
export * from './numeric.js';
export * from './call.js';
export * from './fuel.js';
export * from './i64form.js';
export * from './exceptions.js';
