/**
 * @bokuweb/zstd-wasm (zstd built with Emscripten, Emscripten's glue):
 * compression at several levels, with and without a dictionary, and
 * decompression, on Kiln and on native WebAssembly; the compressed bytes must
 * be identical and every round trip must restore the input.
 */
import { expect } from 'vitest';
import { createHash } from 'node:crypto';
import { freshRequire } from './glue.js';
import { sameAsNative } from './same.js';
import { packageWasm } from './shim.js';
import { randomBytes, textBytes, sameBytes } from './inputs.js';

type Zstd = typeof import('@bokuweb/zstd-wasm');

// The Node entry (dist/common/index.node.js) reads the zstd.wasm beside it.
const WASM = packageWasm('@bokuweb/zstd-wasm', ['dist/common/zstd.wasm']);
const INPUTS = [textBytes(1), textBytes(100, 2), textBytes(10_000, 3), textBytes(300_000, 4), randomBytes(50_000, 5)];

function digest(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

async function workload(): Promise<unknown[]> {
  const zstd = freshRequire<Zstd>('@bokuweb/zstd-wasm');
  await zstd.init();
  const out: unknown[] = [];
  for (const input of INPUTS) {
    for (const level of [1, 3, 9, 19]) {
      if (level === 19 && input.length > 10_000) continue; // slow on Kiln; level 9 covers the big inputs
      const c = zstd.compress(input, level);
      expect(sameBytes(zstd.decompress(c), input), 'round trip').toBe(true);
      out.push(input.length, level, c.length, digest(c));
    }
  }
  const dict = textBytes(4_000, 77);
  const cctx = zstd.createCCtx();
  const dctx = zstd.createDCtx();
  for (const input of INPUTS.slice(0, 3)) {
    const c = zstd.compressUsingDict(cctx, input, dict, 5);
    expect(sameBytes(zstd.decompressUsingDict(dctx, c, dict), input), 'round trip').toBe(true);
    out.push(c.length, digest(c));
  }
  zstd.freeCCtx(cctx);
  zstd.freeDCtx(dctx);
  return out;
}

sameAsNative('@bokuweb/zstd-wasm', ['auto', 'pair'], WASM, workload);
