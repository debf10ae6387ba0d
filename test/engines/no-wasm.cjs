// Preloaded (`node --require`) by the engine matrix's "WebAssembly deleted" rows:
// removes the global before any script loads, as in an engine that has none.
delete globalThis.WebAssembly;
if (typeof WebAssembly !== 'undefined') throw new Error('no-wasm.cjs: WebAssembly is still defined');
