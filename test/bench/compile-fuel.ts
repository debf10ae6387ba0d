/**
 * `npm run bench:compile-fuel`: measures the default compile fuel of the
 * run-time compile mode (wasm-kiln/polyfill, README "Run-time compile mode
 * (polyfill)"): how much fuel compiling a function should cost so that it
 * stands for about the time the compile takes, in the fuel's own unit (the
 * time one unit of fuel takes to execute).
 *
 * - Compile time: every defined function of ../shared/bench/build/all.wasm
 *   (all the kernels linked in one module) and ../shared/programs/lua.wasm
 *   (the Lua interpreter, WASI) is lowered and printed
 *   (compiler/emit/lazy.ts lazyFunctionCode, what a first call runs) and its
 *   code parsed by `new Function` (as the instance's `eval` does), after a
 *   warm-up round; the fastest of 5 rounds per function. The cost per
 *   function is the median time of the bodies of at most 16 bytes, the cost
 *   per byte the median of (time - that) / bytes over the bodies over 64
 *   bytes (a least-squares fit is dominated by the few huge functions).
 * - Execution time per fuel unit: each kernel's `run` through the polyfill
 *   with fuel (default cost table), after a warm-up call: the faster of 2
 *   timed calls divided by the fuel it consumed.
 *
 * Prints both, and per kernel the two factors (ns per byte / ns per fuel,
 * ns per function / ns per fuel). A benchmark: it checks checksums, not speed.
 */
import { readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { decodeAndValidate } from '../../compiler/index.js';
import { prepareLazyModule, lazyFunctionCode } from '../../compiler/emit/lazy.js';
import { createWebAssembly, getFuel, setFuel } from '../../polyfill/index.js';

const SHARED = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/bench');
const manifest = JSON.parse(readFileSync(join(SHARED, 'manifest.json'), 'utf8')) as { kernels: Record<string, { wasm: string; export: string; checksum: number }> };

// ---- compile time per function and per body byte
const samples: [number, number][] = [];
for (const file of [join(SHARED, 'build/all.wasm'), join(SHARED, '../programs/lua.wasm')]) {
  const m = decodeAndValidate(new Uint8Array(readFileSync(file)));
  const lazy = prepareLazyModule(m, { fuel: true });
  const count = m.funcTypes.length - m.numImportedFuncs;
  const best = new Float64Array(count).fill(Infinity);
  for (let round = 0; round < 6; round++) {
    for (let i = 0; i < count; i++) {
      const t = performance.now();
      const text = lazyFunctionCode(lazy, m.numImportedFuncs + i);
      new Function('$$lazy', 'return ' + text);
      const dt = (performance.now() - t) * 1e6;
      if (round > 0 && dt < best[i]!) best[i] = dt;
    }
  }
  for (let i = 0; i < count; i++) samples.push([m.bodyEnd[i]! - m.bodyStart[i]!, best[i]!]);
}
const nx = samples.length;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
// Robust to the few huge functions (whose compile grows faster than linearly, e.g. with the split pass):
// the fixed cost is the median time of the smallest functions, the per-byte cost the median over the others.
const small = samples.filter(([x]) => x <= 16);
const perFunction = median(small.map(([, y]) => y));
const perByte = median(samples.filter(([x]) => x > 64).map(([x, y]) => (y - perFunction) / x));
const totalBytes = samples.reduce((s, [x]) => s + x, 0);
const totalTime = samples.reduce((s, [, y]) => s + y, 0);
console.log(`compile (all.wasm and lua.wasm, ${nx} functions, ${totalBytes} body bytes, ${(totalTime / 1e6).toFixed(0)} ms in all = ${(totalTime / totalBytes).toFixed(0)} ns per byte):`);
console.log(`  ${perFunction.toFixed(0)} ns per function (median of the ${small.length} bodies of at most 16 bytes) + ${perByte.toFixed(0)} ns per body byte (median over bodies over 64 bytes)`);

// ---- execution time per fuel unit
const W = createWebAssembly({ fuel: true, compileFuelPerByte: 0, compileFuelPerFunction: 0 });
const rows: string[][] = [];
const ratios: [number, number][] = [];
for (const [name, k] of Object.entries(manifest.kernels)) {
  const { instance } = (await W.instantiate(readFileSync(join(SHARED, k.wasm)), {})) as any;
  setFuel(instance, 1e15);
  const run = instance.exports[k.export] as () => number;
  if (run() !== k.checksum) throw new Error(`${name}: bad checksum`);
  let fastest = Infinity;
  let fuel = 0;
  for (let i = 0; i < 2; i++) {
    const before = getFuel(instance);
    const t = performance.now();
    if (run() !== k.checksum) throw new Error(`${name}: bad checksum`);
    fastest = Math.min(fastest, (performance.now() - t) * 1e6);
    fuel = before - getFuel(instance);
  }
  const nsPerFuel = fastest / fuel;
  ratios.push([perByte / nsPerFuel, perFunction / nsPerFuel]);
  rows.push([name, (fastest / 1e6).toFixed(1), String(fuel), nsPerFuel.toFixed(3), (perByte / nsPerFuel).toFixed(0), (perFunction / nsPerFuel).toFixed(0)]);
}
console.log('| kernel | ms per run | fuel per run | ns per fuel | fuel per body byte | fuel per function |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
console.log(`median: ${median(ratios.map((r) => r[0])).toFixed(0)} fuel per body byte, ${median(ratios.map((r) => r[1])).toFixed(0)} fuel per function`);
