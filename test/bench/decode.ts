/**
 * Decoder benchmark (`npm run bench:decode`). Prints figures, asserts nothing.
 *
 * 1. Memory: a generated module with 100,000 small functions; heap bytes per
 *    function retained by the decoded Module beyond the input (target <= 32).
 * 2. Throughput: decode MB/s (median of several timed batches after warm-up) on
 *    ../shared/bench/build/all.wasm, ../shared/programs/sqlite.wasm and the
 *    generated module; decode+validate too when the validator is present.
 */
import { leb as uleb } from '../util/wasm-bytes.js';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { decodeModule } from '../../compiler/decode/module.js';
import type { Module } from '../../compiler/module.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHARED = join(ROOT, '..', 'shared');
const FUNCS = 100_000;

/** `gc()`: the global one under `--expose-gc`, else enabled at run time. */
function getGc(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return g;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Unsigned LEB128 appended to `out` (no spread: sections here hold 100k functions). */
function leb(out: number[], n: number): void {
  for (const b of uleb(n)) out.push(b);
}

function section(out: number[], id: number, content: number[]): void {
  out.push(id);
  leb(out, content.length);
  for (const b of content) out.push(b);
}

/** A module with `n` functions of type (i32) -> i32, each `local.get 0; i32.const k; i32.add`; function 0 exported. */
function generate(n: number): Uint8Array {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  section(out, 1, [1, 0x60, 1, 0x7f, 1, 0x7f]);
  const funcs: number[] = [];
  leb(funcs, n);
  for (let i = 0; i < n; i++) funcs.push(0);
  section(out, 3, funcs);
  const exp: number[] = [1, 1, 0x66, 0x00];
  leb(exp, 0);
  section(out, 7, exp);
  const code: number[] = [];
  leb(code, n);
  const body: number[] = [];
  for (let k = 0; k < n; k++) {
    body.length = 0;
    body.push(0x00, 0x20, 0x00, 0x41);
    // signed LEB128 of k (k >= 0)
    let v = k;
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      if (v === 0 && (b & 0x40) === 0) {
        body.push(b);
        break;
      }
      body.push(b | 0x80);
    }
    body.push(0x6a, 0x0b);
    leb(code, body.length);
    for (const b of body) code.push(b);
  }
  section(out, 10, code);
  return Uint8Array.from(out);
}

function retainedBytesPerFunction(bytes: Uint8Array): number {
  const gc = getGc();
  const used = () => {
    const u = process.memoryUsage();
    return u.heapUsed + u.arrayBuffers;
  };
  decodeModule(bytes); // warm up: compile the decoder first
  gc();
  gc();
  const before = used();
  const kept: Module = decodeModule(bytes);
  gc();
  gc();
  const after = used();
  if (kept.bodyStart.length !== FUNCS) throw new Error('unexpected body count');
  return (after - before) / FUNCS;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** MB/s of `run(bytes)`: median of 9 batches of >= ~30 ms each, after warm-up. */
function throughput(bytes: Uint8Array, run: (b: Uint8Array) => unknown): number {
  const t0 = performance.now();
  run(bytes);
  const once = Math.max(performance.now() - t0, 0.001);
  const reps = Math.max(1, Math.ceil(30 / once));
  for (let i = 0; i < Math.min(reps * 3, 200); i++) run(bytes); // warm-up
  const times: number[] = [];
  for (let s = 0; s < 9; s++) {
    const start = performance.now();
    for (let i = 0; i < reps; i++) run(bytes);
    times.push((performance.now() - start) / reps);
  }
  return bytes.length / 1e6 / (median(times) / 1000);
}

async function loadValidate(): Promise<((b: Uint8Array) => void) | null> {
  if (!existsSync(join(ROOT, 'compiler', 'validate', 'module.ts')) && !existsSync(join(ROOT, 'compiler', 'validate', 'module.js'))) return null;
  const v = (await import('../../compiler/validate/module.js')) as Record<string, unknown>;
  if (typeof v.validateModule !== 'function') return null;
  const index = await import('../../compiler/index.js');
  return index.validate;
}

async function main(): Promise<void> {
  const generated = generate(FUNCS);
  console.log(`Generated module: ${FUNCS} functions, ${(generated.length / 1e6).toFixed(2)} MB`);
  const perFunc = retainedBytesPerFunction(generated);
  console.log(`  retained by the decoded Module beyond the input: ${perFunc.toFixed(1)} bytes per function (target <= 32)`);

  const inputs: [string, Uint8Array][] = [['generated (100k funcs)', generated]];
  for (const rel of ['bench/build/all.wasm', 'programs/sqlite.wasm']) {
    const path = join(SHARED, rel);
    if (existsSync(path)) inputs.push([rel, new Uint8Array(readFileSync(path))]);
    else console.log(`  (${path} not found: skipped)`);
  }

  let validate: ((b: Uint8Array) => void) | null = null;
  try {
    validate = await loadValidate();
  } catch (e) {
    console.log(`  (validator failed to load: ${(e as Error).message})`);
  }
  if (validate === null) console.log('Validator (compiler/validate/module.ts validateModule) not available: decode only.');

  console.log('\nThroughput (median of 9 batches after warm-up):');
  for (const [name, bytes] of inputs) {
    const size = `${(bytes.length / 1e6).toFixed(3)} MB`;
    const dec = throughput(bytes, decodeModule);
    let line = `  ${name.padEnd(24)} ${size.padStart(10)}  decode ${dec.toFixed(0).padStart(6)} MB/s`;
    if (validate !== null) {
      try {
        const both = throughput(bytes, validate);
        line += `   decode+validate ${both.toFixed(1).padStart(6)} MB/s (target >= 30)`;
      } catch (e) {
        line += `   decode+validate: ${(e as Error).message}`;
      }
    }
    console.log(line);
  }
}

await main();
