/**
 * xxhash-wasm (hand-written WebAssembly text, its own small glue; i64 seeds
 * and digests cross the JS boundary as BigInt): 32- and 64-bit hashes of
 * strings and bytes, seeded and streamed, on Kiln in each i64 form and on
 * native WebAssembly; every digest must match.
 */
import { freshRequire } from './glue.js';
import { sameAsNative } from './same.js';
import { I64_FORMS, packageWasm } from './shim.js';
import { SIZES, randomBytes, textBytes } from './inputs.js';

type XXHash = () => Promise<import('xxhash-wasm').XXHashAPI>;

// The CommonJS glue embeds its module as an array of byte values.
const WASM = packageWasm('xxhash-wasm', ['cjs/xxhash-wasm.cjs']);
const BYTES = SIZES.map((n, i) => randomBytes(n, i + 11));
const STRINGS = ['', 'a', 'Kiln ♨ ahead-of-time 🔥', new TextDecoder().decode(textBytes(10_000, 3)), 'x'.repeat(100_003)];
const SEEDS32 = [0, 1, 0x9e3779b1, 0xffffffff];
const SEEDS64 = [0n, 1n, 0x9e3779b97f4a7c15n, 0xffffffffffffffffn];

async function workload(): Promise<unknown[]> {
  const xx = await freshRequire<XXHash>('xxhash-wasm')();
  const out: unknown[] = [];
  for (const d of BYTES) {
    for (const s of SEEDS32) out.push(xx.h32Raw(d, s));
    for (const s of SEEDS64) out.push(xx.h64Raw(d, s));
  }
  for (const str of STRINGS) {
    out.push(xx.h32(str), xx.h32ToString(str, 7), xx.h64(str), xx.h64ToString(str, 7n));
  }
  const big = BYTES[4]!;
  const h32 = xx.create32(SEEDS32[2]);
  const h64 = xx.create64(SEEDS64[2]);
  for (let i = 0; i < big.length; i += 12_345) {
    h32.update(big.subarray(i, i + 12_345));
    h64.update(big.subarray(i, i + 12_345)).update(STRINGS[2]!);
  }
  out.push(h32.digest(), h64.digest());
  return out;
}

sameAsNative('xxhash-wasm', I64_FORMS, WASM, workload);
