/**
 * @chainsafe/as-chacha20poly1305 (AssemblyScript, its own glue, which
 * compiles and instantiates at load time): ChaCha20-Poly1305 seal and open,
 * Poly1305 and the ChaCha20 stream, on Kiln and on native WebAssembly; every
 * ciphertext, tag and plaintext must match.
 */
import { expect } from 'vitest';
import { freshRequire } from './glue.js';
import { sameAsNative } from './same.js';
import { packageWasm } from './shim.js';
import { SIZES, randomBytes, hex, sameBytes } from './inputs.js';

type Chacha = typeof import('@chainsafe/as-chacha20poly1305');

// Embedded as an array of byte values in lib/src/wasmCode.js, which lib/src/wasm.js compiles at load time.
const WASM = packageWasm('@chainsafe/as-chacha20poly1305', ['lib/src/wasmCode.js']);
const KEY = randomBytes(32, 1);
const INPUTS = [...SIZES.filter((n) => n <= 10_000), 64, 65_536, 200_000].map((n, i) => randomBytes(n, i + 40));

async function workload(): Promise<unknown[]> {
  const lib = freshRequire<Chacha>('@chainsafe/as-chacha20poly1305');
  const aead = new lib.ChaCha20Poly1305(lib.newInstance());
  const out: unknown[] = [];
  for (const [i, pt] of INPUTS.entries()) {
    const nonce = randomBytes(12, 100 + i);
    const ad = i % 2 ? randomBytes(i * 3, 200 + i) : undefined;
    const sealed = aead.seal(KEY, nonce, pt, ad);
    expect(sameBytes(aead.open(KEY, nonce, sealed, ad)!, pt), 'open(seal(x)) is x').toBe(true);
    sealed[sealed.length - 1]! ^= 1;
    out.push(sealed.length, hex(sealed.subarray(Math.max(0, sealed.length - 48))), aead.open(KEY, nonce, sealed, ad));
  }
  const poly = new lib.Poly1305(lib.newInstance());
  poly.init(KEY);
  for (const d of INPUTS.slice(0, 5)) poly.update(d);
  out.push(hex(poly.digest()));
  const stream = lib.chacha20StreamXOR(KEY, randomBytes(16, 7), INPUTS[INPUTS.length - 1]!);
  out.push(hex(stream.subarray(0, 64)), hex(stream.subarray(stream.length - 64)));
  return out;
}

// Load-time instance of the stream cipher, then one per newInstance().
sameAsNative('@chainsafe/as-chacha20poly1305', ['auto', 'pair'], WASM, workload, 3);
