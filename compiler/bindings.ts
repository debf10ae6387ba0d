/**
 * The free identifiers of emitted code: the runtime bindings it
 * destructures from the runtime namespace, and the JS globals it may
 * reference. A leaf module: the lowering (lower/) names these bindings in
 * the code it builds, the emitter (emit/module.ts) declares them, and the
 * identifier scheme (identifiers.ts) reserves them.
 */

/**
 * Every runtime binding generated code may use (besides the sandbox ones,
 * lower/fuel.ts `sandboxBindings`). The emitted module destructures them
 * from the runtime namespace once, at module level. A test checks that
 * runtime/index.ts exports each of them (test/bindings.test.ts).
 */
export const RUNTIME_BINDINGS = [
  'rt', 'trap', 'Func', 'Global', 'Table', 'toJS', 'convertError', 'importFunc', 'getImport', 'importMemory', 'newMemory', 'importTable',
  'importGlobal', 'makeGlobal', 'makeExports', 'b64', 'callIndirect', 'EMPTY_DATA',
  'memoryInit', 'memoryCopy', 'memoryFill', 'tableInit', 'tableCopy', 'tableFill', 'tableGet', 'tableSet', 'tableGrow',
  'i32_div_s', 'i32_div_u', 'i32_rem_s', 'i32_rem_u', 'i32_rotl', 'i32_rotr', 'i32_ctz', 'i32_popcnt',
  'i64_div_s', 'i64_div_u', 'i64_rem_s', 'i64_rem_u', 'i64_shl', 'i64_shr_s', 'i64_shr_u', 'i64_rotl',
  'i64_rotr', 'i64_clz', 'i64_ctz', 'i64_popcnt',
  'i32_trunc_s', 'i32_trunc_u', 'i32_trunc_sat_s', 'i32_trunc_sat_u', 'i64_trunc_s', 'i64_trunc_u', 'i64_trunc_sat_s',
  'i64_trunc_sat_u', 'f32_convert_i64_s', 'f32_convert_i64_u', 'f64_convert_i64_s', 'f64_convert_i64_u',
  'f32_nearest', 'f64_nearest', 'f32_copysign', 'f64_copysign',
  'i32_reinterpret_f32', 'f32_reinterpret_i32', 'i64_reinterpret_f64', 'f64_reinterpret_i64', 'f32_load', 'f32_store', 'SF32', 'SI32',
  'i64BigInt', 'DV_BIG', 'throwTag', 'caught', 'exnArgs', 'importTag', 'newTag',
];

/**
 * The global bindings emitted code may reference (the runtime embedded by
 * `--runtime inline` included). Emitted code never uses `eval`, `Function`,
 * `globalThis` or any host object; `WebAssembly` is only probed with
 * `typeof` to give the error classes the engine's bases when it exists.
 * `Boolean`, `Reflect` and `ReferenceError` are used by the helpers with
 * which Babel lowers the runtime's classes for the `hermes` target
 * (scripts/bundle-runtime.mjs): `Reflect.construct` to extend `Error`.
 * `structuredClone` (probed with `typeof`) detaches a grown memory's old
 * buffer where `ArrayBuffer.prototype.transfer` is missing (runtime/memory.ts).
 * `RegExp` (its `escape`) and `Float16Array`, probed with `typeof`, tell V8
 * 13.6 and later (runtime/i64form.ts `DV_BIG`).
 * CommonJS output adds `module` (and `require` with `--runtime import`).
 * A test parses emitted code with acorn and checks its free identifiers
 * against this list (test/emit.test.ts).
 */
export const ALLOWED_GLOBALS: readonly string[] = [
  'undefined', 'NaN', 'Infinity', 'Math', 'Number', 'String', 'Object', 'Array', 'Symbol', 'BigInt', 'JSON',
  'Error', 'TypeError', 'RangeError', 'ReferenceError', 'Boolean', 'Reflect', 'WeakMap', 'WeakSet', 'ArrayBuffer', 'DataView', 'Int8Array', 'Uint8Array', 'Int16Array', 'Uint16Array',
  'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigUint64Array', 'WebAssembly', 'structuredClone', 'RegExp', 'Float16Array',
];
