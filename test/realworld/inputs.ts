/** Deterministic pseudo-random inputs for the corpus (the same bytes in every run). */

/** The input sizes hashes run over: empty, one byte, short, 10 KB, 1 MB. */
export const SIZES: readonly number[] = [0, 1, 100, 10_000, 1_000_000];

/** `n` pseudo-random bytes from `seed` (xorshift32). */
export function randomBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = (seed * 0x9e3779b1) | 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x >>> 24;
  }
  return out;
}

const WORDS = ['kiln', 'wasm', 'fire', 'clay', 'glaze', 'the', 'of', 'and', 'module', 'memory', 'table', 'byte', '\n', 'zx81', '{"k":1}'];

/** About `n` bytes of compressible, word-like ASCII text from `seed` (exactly `n` bytes). */
export function textBytes(n: number, seed = 1): Uint8Array {
  const r = randomBytes(n, seed);
  const out = new Uint8Array(n);
  let o = 0;
  for (let i = 0; o < n; i++) {
    const w = WORDS[r[i % n]! % WORDS.length]! + ' ';
    for (let j = 0; j < w.length && o < n; j++) out[o++] = w.charCodeAt(j);
  }
  return out;
}

/** Hex text of `bytes`, for readable assertion diffs. */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** True when `a` and `b` hold the same bytes (fast, unlike a deep `toEqual` on megabytes). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** Deterministic pseudo-random numbers in [0, 1) from `seed` (xorshift32), so a native and a Kiln run build the same scene. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}
