/**
 * brotli-wasm (Rust brotli crate, wasm-bindgen `nodejs` glue): one-shot
 * compression at several qualities, streaming compression and decompression,
 * on Kiln and on native WebAssembly; the compressed bytes must be identical
 * and every round trip must restore the input.
 */
import { expect } from 'vitest';
import { createHash } from 'node:crypto';
import { freshRequire } from './glue.js';
import { sameAsNative } from './same.js';
import { randomBytes, textBytes, sameBytes } from './inputs.js';

type Brotli = import('brotli-wasm').BrotliWasmType;

const INPUTS = [new Uint8Array(0), textBytes(1), textBytes(100, 2), textBytes(10_000, 3), textBytes(200_000, 4), randomBytes(30_000, 5)];

/** SHA-256 of `b`, so results stay small while every byte counts. */
function digest(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Streams `input` through a `CompressStream` in 4 KB pieces with a small output window. */
function streamCompress(br: Brotli, input: Uint8Array, quality: number): Uint8Array {
  const s = new br.CompressStream(quality);
  const out: number[] = [];
  for (let off = 0; off < input.length; ) {
    const r = s.compress(input.subarray(off, off + 4096), 1000);
    out.push(...r.buf);
    off += r.input_offset;
  }
  for (;;) {
    const r = s.compress(undefined, 1000);
    out.push(...r.buf);
    if (r.code === br.BrotliStreamResultCode.ResultSuccess) break;
  }
  s.free();
  return Uint8Array.from(out);
}

/** Streams `input` through a `DecompressStream` in 500-byte pieces. */
function streamDecompress(br: Brotli, input: Uint8Array): Uint8Array {
  const s = new br.DecompressStream();
  const out: number[] = [];
  let off = 0;
  for (;;) {
    const r = s.decompress(input.subarray(off, off + 500), 7000);
    out.push(...r.buf);
    off += r.input_offset;
    if (r.code === br.BrotliStreamResultCode.ResultSuccess) break;
  }
  s.free();
  return Uint8Array.from(out);
}

async function workload(): Promise<unknown[]> {
  const br = freshRequire<Brotli>('brotli-wasm');
  const out: unknown[] = [];
  for (const input of INPUTS) {
    for (const quality of [0, 5, 9, 11]) {
      if (quality === 11 && input.length > 10_000) continue; // seconds on Kiln; quality 9 covers the big inputs
      const c = br.compress(input, { quality });
      expect(sameBytes(br.decompress(c), input), 'round trip').toBe(true);
      out.push(input.length, quality, c.length, digest(c));
    }
  }
  const big = INPUTS[4]!;
  const s = streamCompress(br, big, 6);
  expect(sameBytes(streamDecompress(br, s), big), 'round trip').toBe(true);
  out.push(s.length, digest(s));
  try {
    br.decompress(Uint8Array.of(1, 2, 3, 4, 5));
    out.push('no error');
  } catch (e) {
    out.push(String(e));
  }
  return out;
}

sameAsNative('brotli-wasm', ['auto', 'pair'], workload);
