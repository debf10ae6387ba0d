/**
 * The global bindings emitted code may reference (the runtime embedded by
 * `--runtime inline` included). Emitted code never uses `eval`, `Function`,
 * `globalThis` or any host object; `WebAssembly` is only probed with
 * `typeof` to give the error classes the engine's bases when it exists.
 * CommonJS output adds `module` (and `require` with `--runtime import`).
 * A test parses emitted code with acorn and checks its free identifiers
 * against this list (test/emit.test.ts).
 */
export const ALLOWED_GLOBALS: readonly string[] = [
  'undefined', 'NaN', 'Infinity', 'Math', 'Number', 'String', 'Object', 'Array', 'Symbol', 'BigInt', 'JSON',
  'Error', 'TypeError', 'RangeError', 'WeakMap', 'WeakSet', 'ArrayBuffer', 'DataView', 'Uint8Array', 'Uint16Array',
  'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigUint64Array', 'WebAssembly',
];
