/**
 * The global bindings emitted code may reference (the runtime embedded by
 * `--runtime inline` included). Emitted code never uses `eval`, `Function`,
 * `globalThis` or any host object; `WebAssembly` is only probed with
 * `typeof` to give the error classes the engine's bases when it exists.
 * `Boolean`, `Reflect` and `ReferenceError` are used by the helpers with
 * which Babel lowers the runtime's classes for the `hermes` target
 * (scripts/bundle-runtime.mjs): `Reflect.construct` to extend `Error`.
 * CommonJS output adds `module` (and `require` with `--runtime import`).
 * A test parses emitted code with acorn and checks its free identifiers
 * against this list (test/emit.test.ts).
 */
export const ALLOWED_GLOBALS: readonly string[] = [
  'undefined', 'NaN', 'Infinity', 'Math', 'Number', 'String', 'Object', 'Array', 'Symbol', 'BigInt', 'JSON',
  'Error', 'TypeError', 'RangeError', 'ReferenceError', 'Boolean', 'Reflect', 'WeakMap', 'WeakSet', 'ArrayBuffer', 'DataView', 'Uint8Array', 'Uint16Array',
  'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigUint64Array', 'WebAssembly',
];
