// Runs plugin.wasm, compiled by Kiln to ./plugin.js with fuel metering
// (kiln.json: { "fuel": true }), as an untrusted plugin: at most 16 pages
// (1 MiB) of memory, a fuel budget per call, and one import.
// Usage: node run.mjs [n]   (count the primes below n; default 20000)
// (Fuel figures depend on the cost table: README "Running untrusted plugins".)
import { instantiate } from './plugin.js';

const n = Number(process.argv[2] ?? 20000);
const PAGE_LIMIT = 16; // pages of 64 KiB
const BUDGET = 10_000_000; // fuel per call

// The import object is the plugin's whole world: it can call `report` and
// nothing else (no fetch, no file system, no globals).
const reported = [];
const plugin = instantiate(
  { env: { report: (prime) => void reported.push(prime) } },
  { maxMemoryPages: PAGE_LIMIT, fuel: BUDGET },
);
const { exports } = plugin;

/** Calls `fn` with a fresh budget; returns its result, or the trap's code. */
function metered(fn, ...args) {
  plugin.setFuel(BUDGET);
  try {
    const value = fn(...args);
    return { value, fuel: BUDGET - plugin.getFuel() };
  } catch (e) {
    if (e.name !== 'RuntimeError') throw e; // errors of the host's own imports pass through unchanged
    return { trap: e.code, fuel: BUDGET - plugin.getFuel() };
  }
}

console.log(`memory: ${exports.pages()} pages, limit ${PAGE_LIMIT}`);
console.log(`grow(100) -> ${exports.grow(100)}  (refused: past the limit; nothing allocated)`);
console.log(`grow(4)   -> ${exports.grow(4)}  (old size)`);
console.log(`memory: ${exports.pages()} pages = ${exports.memory.buffer.byteLength} bytes`);
try {
  exports.memory.grow(100); // the host's side obeys the same limit
} catch (e) {
  console.log(`memory.grow(100) from JS: ${e.name}`);
}

let r = metered(exports.count_primes, n);
console.log(`count_primes(${n}) = ${r.value}, ${r.fuel} fuel; reported ${reported.join(', ')}`);
r = metered(exports.count_primes, n);
console.log(`again: ${r.value}, ${r.fuel} fuel (deterministic)`);
r = metered(exports.count_primes, 10 * n);
console.log(`count_primes(${10 * n}): trap ${r.trap} after ${r.fuel} fuel`);

r = metered(exports.spin);
console.log(`spin(): trap ${r.trap} after ${r.fuel} fuel; ticks = ${metered(exports.ticks).value}`);
r = metered(exports.count_primes, 100);
console.log(`still usable: count_primes(100) = ${r.value}, ${r.fuel} fuel`);
