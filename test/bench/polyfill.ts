/**
 * `npm run bench:polyfill` (node --expose-gc): what an uncompiled function
 * costs in the run-time compile mode (wasm-kiln/polyfill), on a generated
 * module of N functions (default 100,000; `-- 20000` for another N).
 *
 * The module: one type `[i32] -> [i32]`; function i adds a constant to its
 * argument and calls function i + 1, except every tenth, which returns; every
 * thousandth is exported and in a table of N / 1000 entries; no name section.
 * Prints, per function, what `new WebAssembly.Module(bytes)` keeps beyond
 * the input bytes: V8 heap (`used_heap_size` after two full GCs) plus
 * ArrayBuffer memory (outside the V8 heap: the decoded module's typed arrays,
 * beyond the module's copy of the input); what an instance adds, and what
 * calling one chain of ten functions costs; and the time of each step, with
 * AOT `compile` of the same module for comparison. A smaller module is
 * compiled, instantiated and called first, so the figures leave out the
 * compiler's own code (V8 bytecode made on first use).
 *
 * `-- --fuel` measures the same with fuel metering (`createWebAssembly({ fuel: true })`).
 * `-- --memory` gives the module a memory (1 page), as every real module has:
 * the compiler then also keeps which functions may grow it (lower/grows.ts),
 * a byte per function.
 *
 * `npm run bench:polyfill -- --speed` instead times code compiled at run time
 * against AOT output, in one process: four bench kernels
 * (../shared/bench, fastest of 3 calls after 2 warm-up calls) and Lua's
 * fib.lua (../shared/programs, three instances of one module each).
 */
import { getHeapStatistics } from 'node:v8';
import { performance } from 'node:perf_hooks';
import { WebAssembly as DEFAULT_NS, compilerOf, createWebAssembly } from '../../polyfill/index.js';
import { compile } from '../../compiler/index.js';
import { HEADER, leb, section } from '../util/wasm-bytes.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importCode, SHARED } from '../util/load.js';
import { createWasi } from '../util/wasi.js';

/** `--fuel`: the namespace with fuel metering (the fuel prepayments are kept per function too). */
const P = process.argv.includes('--fuel') ? createWebAssembly({ fuel: true }) : DEFAULT_NS;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc (npm run bench:polyfill)');

/** `--memory`: the generated module has a memory (see the file comment). */
const MEMORY = process.argv.includes('--memory');

/** The generated module of `n` functions (see the file comment). */
function generate(n: number): Uint8Array {
  const parts: number[][] = [HEADER];
  parts.push(section(1, [1, 0x60, 1, 0x7f, 1, 0x7f]));
  const funcs: number[] = [...leb(n)];
  for (let i = 0; i < n; i++) funcs.push(0);
  parts.push(section(3, funcs));
  const every = 1000;
  const escaping = Math.ceil(n / every);
  parts.push(section(4, [1, 0x70, 0, ...leb(escaping)]));
  if (MEMORY) parts.push(section(5, [1, 0, 1]));
  const exps: number[] = [...leb(escaping)];
  for (let i = 0; i < n; i += every) {
    const name = [...new TextEncoder().encode(`e${i}`)];
    exps.push(name.length, ...name, 0, ...leb(i));
  }
  parts.push(section(7, exps));
  const elem: number[] = [1, 0, 0x41, 0, 0x0b, ...leb(escaping)];
  for (let i = 0; i < n; i += every) elem.push(...leb(i));
  parts.push(section(9, elem));
  const code: number[] = [...leb(n)];
  for (let i = 0; i < n; i++) {
    const body = i % 10 === 9 || i + 1 === n ? [0, 0x20, 0, 0x0b] : [0, 0x20, 0, 0x41, i % 64, 0x6a, 0x10, ...leb(i + 1), 0x0b];
    code.push(...leb(body.length), ...body);
  }
  parts.push(section(10, code));
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** V8 heap in use after full collections, in bytes. */
function heap(): number {
  gc!();
  gc!();
  return getHeapStatistics().used_heap_size;
}

/** Kernels and Lua's fib.lua, AOT and run-time compiled (see the file comment). */
async function speed(): Promise<void> {
  if (SHARED === null) throw new Error('--speed needs ../shared');
  const manifest = JSON.parse(readFileSync(join(SHARED, 'bench/manifest.json'), 'utf8')) as { kernels: Record<string, { wasm: string; checksum: number }> };
  const aotOf = async (bytes: Uint8Array) => importCode(compile(bytes, { runtime: 'import', runtimeModule: new URL('../../runtime/index.ts', import.meta.url).href }).code);
  for (const name of ['fib', 'mandelbrot', 'interp', 'sieve']) {
    const k = manifest.kernels[name]!;
    const bytes = readFileSync(join(SHARED, 'bench', k.wasm));
    const row: string[] = [];
    for (const mode of ['aot', 'polyfill']) {
      const run = (mode === 'aot' ? (await aotOf(bytes)).instantiate({}).exports.run : (new P.Instance(new P.Module(bytes), {}).exports as any).run) as () => number;
      run();
      run();
      let best = Infinity;
      for (let i = 0; i < 3; i++) {
        const t = performance.now();
        if (run() !== k.checksum) throw new Error(`${name}: bad checksum`);
        best = Math.min(best, performance.now() - t);
      }
      row.push(`${mode} ${best.toFixed(0)} ms`);
    }
    console.log(`${name}: ${row.join(', ')}`);
  }
  const lua = readFileSync(join(SHARED, 'programs/lua.wasm'));
  const cwd = join(SHARED, 'programs/lua-scripts');
  let t = performance.now();
  const aot = await aotOf(lua);
  console.log(`lua.wasm: AOT compile and import ${(performance.now() - t).toFixed(0)} ms; polyfill new Module ${((t = performance.now()), new P.Module(lua), performance.now() - t).toFixed(0)} ms`);
  const module = new P.Module(lua);
  for (const mode of ['aot', 'polyfill']) {
    const times: string[] = [];
    for (let k = 0; k < 3; k++) {
      const wasi = createWasi({ args: ['lua', 'fib.lua'], env: {}, preopens: { '.': cwd } });
      const t0 = performance.now();
      const exports = mode === 'aot' ? aot.instantiate(wasi.imports).exports : new P.Instance(module, wasi.imports).exports;
      if (wasi.start(exports) !== 0) throw new Error('fib.lua failed');
      times.push(`${(performance.now() - t0).toFixed(0)} ms`);
    }
    console.log(`fib.lua ${mode}, three instances: ${times.join(', ')}${mode === 'polyfill' ? ` (${compilerOf(module)!.lowered().length} functions compiled)` : ''}`);
  }
}

if (process.argv.includes('--speed')) {
  await speed();
  process.exit(0);
}

const n = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 100_000);
const bytes = generate(n);
const ms = (t: number) => `${(performance.now() - t).toFixed(1)} ms`;
console.log(`module: ${n} functions, ${bytes.length} bytes (${(bytes.length / n).toFixed(1)} bytes per function), ${Math.ceil(n / 1000)} exported and in the table${MEMORY ? ', a memory of 1 page' : ''}`);

// Warm-up: the compiler's code is compiled by V8 on first use, once per process.
new P.Instance(new P.Module(generate(1000)), {}).exports.e0(1);

// Three Modules of the same bytes, each measured while the ones before it are kept.
const modules: InstanceType<typeof P.Module>[] = [];
const per: number[] = [];
for (let k = 0; k < 3; k++) {
  const h0 = heap();
  const ab0 = process.memoryUsage().arrayBuffers;
  const t0 = performance.now();
  modules.push(new P.Module(bytes));
  const tModule = ms(t0);
  const h1 = heap();
  const typed = process.memoryUsage().arrayBuffers - ab0 - bytes.length;
  per.push((h1 - h0 + typed) / n);
  console.log(`new Module #${k + 1}: ${tModule}; kept ${h1 - h0} bytes of heap + ${typed} bytes of ArrayBuffer beyond the copy of the input = ${((h1 - h0 + typed) / n).toFixed(2)} bytes per uncompiled function (${((h1 - h0) / n).toFixed(2)} heap + ${(typed / n).toFixed(2)} typed arrays)`);
}
console.log(`median: ${per.sort((a, b) => a - b)[1]!.toFixed(2)} bytes per uncompiled function beyond the input bytes`);
const module = modules[0]!;
const h1 = heap();

let t = performance.now();
const instance = new P.Instance(module, {}) as { exports: Record<string, (x: number) => number> };
const tInstance = ms(t);
const h2 = heap();
console.log(`new Instance: ${tInstance}; heap: ${h2 - h1} bytes = ${((h2 - h1) / n).toFixed(2)} bytes per function (the ${Math.ceil(n / 1000)} exported functions' Func objects, stubs and JS wrappers included)`);

const second = new P.Instance(module, {});
const h2b = heap();
console.log(`a second Instance: heap ${h2b - h2} bytes (the first one also compiled the module's instantiate code)`);
void second;

t = performance.now();
const r = instance.exports.e0(1);
const tCall = ms(t);
const h3 = heap() - (h2b - h2);
const compiled = compilerOf(module)!.lowered().length;
console.log(`first call of e0 (${r}): ${tCall}, compiled ${compiled} functions; heap: +${h3 - h2} bytes (${((h3 - h2) / compiled).toFixed(0)} per compiled function)`);

t = performance.now();
const aot = compile(bytes).code;
console.log(`for comparison, AOT compile of the whole module: ${ms(t)}, ${aot.length} characters of JS`);
