/**
 * Per-process kernel runner of `npm run bench` (see run.ts). Plain JS, so it
 * runs under bare `node` with no loader hooks between the engine and the
 * code being timed.
 *
 * Usage:
 *   node child.mjs <engine> <module> <export> <warmup> <runs> <budgetMs> <checksum>
 *
 * - engine: `native` (module = a .wasm file, run by `WebAssembly`),
 *   `kiln` (module = Kiln's ESM output, `instantiate({}).exports[export]`), or
 *   `wasm2js` (module = wasm2js's ESM output, which exports the function).
 * - warmup: untimed calls first; runs: timed calls; budgetMs: stop timing
 *   early once this much time has been spent on timed calls and at least
 *   3 have been made (0: no budget).
 *
 * Prints one JSON line on stdout: `{ engine, loadMs, warmupMs, times, ok,
 * results }` (`results`: the distinct values `run()` returned, `ok`: all of
 * them equal the checksum), or `{ engine, error }` when loading or running
 * throws. Exits 0 in both cases.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [engine, file, exportName, warmupArg, runsArg, budgetArg, checksumArg] = process.argv.slice(2);
const warmup = Number(warmupArg);
const runs = Number(runsArg);
const budgetMs = Number(budgetArg);
const checksum = Number(checksumArg);

/**
 * Loads `file` with `engine` and returns the exported kernel function.
 * @param {string} engine
 * @param {string} file
 * @param {string} name
 * @returns {Promise<() => number>}
 */
async function load(engine, file, name) {
  if (engine === 'native') {
    const module = new WebAssembly.Module(readFileSync(file));
    const instance = new WebAssembly.Instance(module, {});
    return /** @type {() => number} */ (instance.exports[name]);
  }
  const ns = await import(pathToFileURL(file).href);
  if (engine === 'kiln') return ns.instantiate({}).exports[name];
  if (engine === 'wasm2js') return ns[name];
  throw new Error(`unknown engine ${engine}`);
}

/** Runs the kernel as described in the file comment and prints the JSON line. */
async function main() {
  const t0 = performance.now();
  const fn = await load(engine, file, exportName);
  if (typeof fn !== 'function') throw new Error(`export ${exportName} is not a function`);
  const loadMs = performance.now() - t0;
  const results = new Set();
  const warmupMs = [];
  for (let i = 0; i < warmup; i++) {
    const s = performance.now();
    results.add(fn());
    warmupMs.push(performance.now() - s);
  }
  const times = [];
  let spent = 0;
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    const r = fn();
    const dt = performance.now() - s;
    results.add(r);
    times.push(dt);
    spent += dt;
    if (budgetMs > 0 && spent > budgetMs && times.length >= 3) break;
  }
  const list = [...results];
  const ok = list.length === 1 && list[0] === checksum;
  process.stdout.write(JSON.stringify({ engine, loadMs, warmupMs, times, ok, results: list }) + '\n');
}

main().catch((e) => {
  const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  process.stdout.write(JSON.stringify({ engine, error: message }) + '\n');
});
