// Runs SQLite (sql.js, Emscripten) and Brotli (brotli-wasm, wasm-bindgen) in
// the page. Built with the Kiln plugin, neither needs WebAssembly.
import initSqlJs from 'sql.js';
import sqlWasmUrl from 'sql.js/dist/sql-wasm-browser.wasm?url';
import brotliReady from 'brotli-wasm';
import { compute } from './compute.js';

const out = document.getElementById('out');
try {
  const started = performance.now();
  const [SQL, brotli] = await Promise.all([initSqlJs({ locateFile: () => sqlWasmUrl }), brotliReady]);
  const loaded = performance.now();
  const results = compute(SQL, brotli);
  const ms = (t) => Math.round(t);
  window.__timings = { scriptStart: ms(started), instantiate: ms(loaded - started), compute: ms(performance.now() - loaded) };
  window.__results = results;
  out.textContent = `${typeof WebAssembly === 'object' ? String(WebAssembly) : 'no WebAssembly'}, timings (ms) ${JSON.stringify(window.__timings)}\n${JSON.stringify(results, null, 2)}`;
} catch (e) {
  window.__error = String(e?.stack ?? e);
  out.textContent = `failed: ${window.__error}`;
}
