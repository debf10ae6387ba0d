/**
 * lz4-wasm-nodejs (Rust lz4_flex, wasm-bindgen `nodejs` glue): block
 * compression and decompression on Kiln and on native WebAssembly; the
 * compressed bytes must be identical and every round trip must restore the input.
 */
import { expect } from 'vitest';
import { createHash } from 'node:crypto';
import { freshRequire } from './glue.js';
import { sameAsNative } from './same.js';
import { packageWasm } from './shim.js';
import { SIZES, randomBytes, textBytes, sameBytes } from './inputs.js';

type Lz4 = typeof import('lz4-wasm-nodejs');

const WASM = packageWasm('lz4-wasm-nodejs', ['lz4_wasm_nodejs_bg.wasm']);
const INPUTS = [...SIZES.map((n, i) => textBytes(n, i + 1)), randomBytes(100_000, 9)];

async function workload(): Promise<unknown[]> {
  const lz4 = freshRequire<Lz4>('lz4-wasm-nodejs');
  const out: unknown[] = [];
  for (const input of INPUTS) {
    const c = lz4.compress(input);
    expect(sameBytes(lz4.decompress(c), input), 'round trip').toBe(true);
    out.push(input.length, c.length, createHash('sha256').update(c).digest('hex'));
  }
  return out;
}

sameAsNative('lz4-wasm-nodejs', ['auto', 'pair'], WASM, workload);
