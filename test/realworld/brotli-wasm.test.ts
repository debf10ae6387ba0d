/**
 * brotli-wasm (Rust brotli crate): one-shot compression at several
 * qualities, streaming compression and decompression, on Kiln and on native
 * WebAssembly, through both of its wasm-bindgen glues: the `nodejs` target
 * (CommonJS; `new Module` + `new Instance` at load time) and the `web` target
 * (the ES module browsers load; its `init` instantiates a `Response` with
 * `instantiateStreaming`). The compressed bytes must be identical and every
 * round trip must restore the input.
 */
import { expect } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freshRequire, packageDir } from './glue.js';
import { sameAsNative } from './same.js';
import { packageWasm } from './shim.js';
import { randomBytes, textBytes, sameBytes } from './inputs.js';

type Brotli = import('brotli-wasm').BrotliWasmType;

// Each target ships its own build of the wasm (imports from "__wbindgen_placeholder__" and from "wbg").
const NODE_WASM = packageWasm('brotli-wasm', ['pkg.node/brotli_wasm_bg.wasm']);
const WEB_WASM = packageWasm('brotli-wasm', ['pkg.web/brotli_wasm_bg.wasm']);
const WEB_GLUE = pathToFileURL(join(packageDir('brotli-wasm'), 'pkg.web/brotli_wasm.js')).href;

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

/** The `nodejs` target, from a fresh copy of its CommonJS glue (it instantiates at load time). */
function loadNode(): Promise<Brotli> {
  return Promise.resolve(freshRequire<Brotli>('brotli-wasm'));
}

let webCopies = 0;

/**
 * The `web` target, as a page loads it: a new copy of the ES module (a new
 * query string makes Node load it anew, so no instance is shared), then its
 * `init` given what `fetch('brotli_wasm_bg.wasm')` resolves to, a `Response`
 * with MIME type `application/wasm`. (Called with no argument, `init`
 * fetches `new URL('brotli_wasm_bg.wasm', import.meta.url)`, a `file:` URL
 * Node's `fetch` does not load; passing the response is documented usage.)
 */
async function loadWeb(): Promise<Brotli> {
  const glue = await import(/* @vite-ignore */ `${WEB_GLUE}?copy=${++webCopies}`);
  const bytes = readFileSync(new URL('brotli_wasm_bg.wasm', WEB_GLUE));
  await glue.default(new Response(bytes, { headers: { 'Content-Type': 'application/wasm' } }));
  return glue as Brotli;
}

/**
 * Compresses each of `inputs` at qualities 0/5/9/11 (11 only up to 10 KB),
 * streams `big` through compression and decompression, and decodes garbage,
 * through the glue `load` gives.
 */
async function workload(load: () => Promise<Brotli>, inputs: readonly Uint8Array[], big: Uint8Array): Promise<unknown[]> {
  const br = await load();
  const out: unknown[] = [];
  for (const input of inputs) {
    for (const quality of [0, 5, 9, 11]) {
      if (quality === 11 && input.length > 10_000) continue; // seconds on Kiln; quality 9 covers the big inputs
      const c = br.compress(input, { quality });
      expect(sameBytes(br.decompress(c), input), 'round trip').toBe(true);
      out.push(input.length, quality, c.length, digest(c));
    }
  }
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

sameAsNative('brotli-wasm (nodejs target)', ['auto', 'pair'], NODE_WASM, () => workload(loadNode, INPUTS, INPUTS[4]!));
// The same compressor in another build, through another glue: inputs up to 30 KB, to keep the corpus
// fast (the 200 KB input takes about 3 s a form on Kiln; the nodejs target runs it).
const SMALL = INPUTS.filter((d) => d.length <= 30_000);
sameAsNative('brotli-wasm (web target)', ['auto', 'pair'], WEB_WASM, () => workload(loadWeb, SMALL, INPUTS[5]!));
