/**
 * Validator benchmark (`npx tsx test/bench/validate.ts`). Prints figures,
 * asserts nothing: decode+validate MB/s (and validate alone) on
 * ../shared/bench/build/all.wasm and on each ../shared/programs/*.wasm that
 * validates; the median of several timed batches after warm-up.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeModule } from '../../compiler/decode/module.js';
import { validateModule } from '../../compiler/validate/module.js';

const SHARED = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared');
/** Each timed batch runs at least this long (ms). */
const BATCH_MS = 200;
const BATCHES = 7;

/** Median MB/s of `fn` over `BATCHES` batches, after one warm-up batch. */
function measure(bytes: number, fn: () => void): number {
  const rates: number[] = [];
  for (let b = -1; b < BATCHES; b++) {
    let n = 0;
    const start = performance.now();
    let now: number;
    do {
      fn();
      n++;
      now = performance.now();
    } while (now - start < BATCH_MS);
    if (b >= 0) rates.push((bytes * n) / 1e6 / ((now - start) / 1000));
  }
  rates.sort((x, y) => x - y);
  return rates[BATCHES >> 1];
}

function bench(file: string): void {
  const bytes = new Uint8Array(readFileSync(file));
  const name = basename(file);
  let module;
  try {
    module = decodeModule(bytes);
    validateModule(module);
  } catch (e) {
    console.log(`${name.padEnd(16)} skipped: ${(e as Error).message}`);
    return;
  }
  const m = module;
  const both = measure(bytes.length, () => validateModule(decodeModule(bytes)));
  const alone = measure(bytes.length, () => validateModule(m));
  const kb = (bytes.length / 1024).toFixed(0).padStart(5);
  console.log(`${name.padEnd(16)} ${kb} KiB  decode+validate ${both.toFixed(1).padStart(6)} MB/s  validate ${alone.toFixed(1).padStart(6)} MB/s`);
}

if (!existsSync(SHARED)) {
  console.log(`${SHARED} not found: nothing to measure`);
} else {
  bench(join(SHARED, 'bench/build/all.wasm'));
  const programs = join(SHARED, 'programs');
  for (const f of readdirSync(programs).sort()) if (f.endsWith('.wasm')) bench(join(programs, f));
}
