/**
 * hash-wasm (C compiled with clang to wasm, its own TypeScript glue): every
 * hash, HMAC and KDF it offers, run through the package's unchanged glue on
 * Kiln in each i64 form and on native WebAssembly; the digests must match.
 */
import { describe, it, expect } from 'vitest';
import { freshRequire } from './glue.js';
import { I64_FORMS, NATIVE, kilnEngine, onKiln, onNative, packageWasm, polyfillEngine, type KilnEngine } from './shim.js';
import { SIZES, randomBytes } from './inputs.js';

type HashWasm = typeof import('hash-wasm');
type IHasher = Awaited<ReturnType<HashWasm['createSHA1']>>;

/** One hash-wasm call pattern: returns the digests it computes over `inputs`. */
interface Case {
  name: string;
  run(hw: HashWasm, inputs: readonly Uint8Array[]): Promise<string[]>;
}

// The CommonJS entry (dist/index.umd.js) embeds every module as a base64 string, which its loader
// decodes and passes to WebAssembly.compile; these are those strings, decoded.
const WASM = packageWasm('hash-wasm', ['dist/index.umd.js']);
const INPUTS = SIZES.map((n, i) => randomBytes(n, i + 1));
const SEED_LO = 0x9e3779b1 | 0;
const SEED_HI = 0x7f4a7c15;
const KEY = randomBytes(32, 99);
/** Lengths at the edges of XXH3's size classes (0-3, 4-8, 9-16, 17-128, 129-240, longer; 1024-byte blocks). */
const XXH3_LENGTHS = [2, 3, 4, 5, 8, 9, 15, 16, 17, 64, 127, 128, 129, 200, 240, 241, 1023, 1024, 1025, 4096];

/**
 * A case hashing every input with `f`; `small` skips the 1 MB input (for the
 * hashes whose 1 MB run on Kiln takes seconds, and variants of a hash already
 * run over 1 MB).
 */
function each(name: string, f: (hw: HashWasm, d: Uint8Array) => Promise<string>, small = false): Case {
  return {
    name,
    run: async (hw, inputs) => {
      const out: string[] = [];
      for (const d of small ? inputs.filter((x) => x.length <= 10_000) : inputs) out.push(await f(hw, d));
      return out;
    },
  };
}

/** A case hashing one input of each of `lengths` with `f` (the inputs handed in are ignored). */
function lengths(name: string, ls: readonly number[], f: (hw: HashWasm, d: Uint8Array) => Promise<string>): Case {
  return {
    name,
    run: async (hw) => {
      const out: string[] = [];
      for (const n of ls) out.push(await f(hw, randomBytes(n, n + 1000)));
      return out;
    },
  };
}

/** Streams `d` into `h` in uneven chunks, with a save()/load() round trip midway. */
async function streamed(h: Promise<IHasher>, d: Uint8Array): Promise<string> {
  const hasher = (await h).init();
  const cut = Math.floor(d.length / 3);
  hasher.update(d.subarray(0, cut));
  const state = hasher.save();
  hasher.update(randomBytes(77, 5)); // thrown away by load()
  hasher.load(state);
  for (let i = cut; i < d.length; i += 4093) hasher.update(d.subarray(i, Math.min(d.length, i + 4093)));
  return hasher.digest('hex');
}

const CASES: Case[] = [
  each('md4', (hw, d) => hw.md4(d)),
  each('md5', (hw, d) => hw.md5(d)),
  each('sha1', (hw, d) => hw.sha1(d)),
  each('sha224', (hw, d) => hw.sha224(d)),
  each('sha256', (hw, d) => hw.sha256(d)),
  each('sha384', (hw, d) => hw.sha384(d), true),
  each('sha512', (hw, d) => hw.sha512(d), true),
  ...([224, 256, 384, 512] as const).map((b) => each(`sha3-${b}`, (hw, d) => hw.sha3(d, b), b !== 256)),
  ...([224, 256, 384, 512] as const).map((b) => each(`keccak-${b}`, (hw, d) => hw.keccak(d, b), b !== 256)),
  each('blake2b-512', (hw, d) => hw.blake2b(d)),
  each('blake2b-256 keyed', (hw, d) => hw.blake2b(d, 256, KEY), true),
  each('blake2s-256', (hw, d) => hw.blake2s(d)),
  each('blake2s-128 keyed', (hw, d) => hw.blake2s(d, 128, KEY.subarray(0, 16)), true),
  each('blake3-256', (hw, d) => hw.blake3(d)),
  each('blake3-512 keyed', (hw, d) => hw.blake3(d, 512, KEY), true),
  each('xxhash32', (hw, d) => hw.xxhash32(d)),
  each('xxhash32 seeded', (hw, d) => hw.xxhash32(d, SEED_LO >>> 0), true),
  each('xxhash64', (hw, d) => hw.xxhash64(d)),
  each('xxhash64 seeded', (hw, d) => hw.xxhash64(d, SEED_LO >>> 0, SEED_HI), true),
  each('xxhash3', (hw, d) => hw.xxhash3(d)),
  each('xxhash3 seeded', (hw, d) => hw.xxhash3(d, SEED_LO >>> 0, SEED_HI), true),
  each('xxhash128', (hw, d) => hw.xxhash128(d)),
  each('xxhash128 seeded', (hw, d) => hw.xxhash128(d, SEED_LO >>> 0, SEED_HI), true),
  lengths('xxhash3 at every size class', XXH3_LENGTHS, (hw, d) => hw.xxhash3(d, SEED_LO >>> 0, SEED_HI)),
  lengths('xxhash128 at every size class', XXH3_LENGTHS, (hw, d) => hw.xxhash128(d, SEED_LO >>> 0, SEED_HI)),
  each('crc32', (hw, d) => hw.crc32(d)),
  each('crc32c', (hw, d) => hw.crc32(d, 0x82f63b78)),
  each('crc64', (hw, d) => hw.crc64(d)),
  each('crc64 (ECMA-182 polynomial)', (hw, d) => hw.crc64(d, 'c96c5795d7870f42'), true),
  each('ripemd160', (hw, d) => hw.ripemd160(d)),
  each('whirlpool', (hw, d) => hw.whirlpool(d), true),
  each('sm3', (hw, d) => hw.sm3(d)),
  each('adler32', (hw, d) => hw.adler32(d)),
  each('streamed sha512 with save/load', (hw, d) => streamed(hw.createSHA512(), d), true),
  each('streamed xxhash64 with save/load', (hw, d) => streamed(hw.createXXHash64(SEED_LO >>> 0, SEED_HI), d)),
  each('streamed xxhash3 with save/load', (hw, d) => streamed(hw.createXXHash3(SEED_LO >>> 0, SEED_HI), d), true),
  each('streamed xxhash128 with save/load', (hw, d) => streamed(hw.createXXHash128(SEED_LO >>> 0, SEED_HI), d), true),
  each('streamed blake3 with save/load', (hw, d) => streamed(hw.createBLAKE3(256, KEY), d), true),
  each('hmac-sha256', async (hw, d) => (await hw.createHMAC(hw.createSHA256(), KEY)).init().update(d).digest('hex'), true),
  each('hmac-sha3-512', async (hw, d) => (await hw.createHMAC(hw.createSHA3(512), d)).init().update(KEY).digest('hex'), true),
  each('hmac-md5', async (hw, d) => (await hw.createHMAC(hw.createMD5(), d.subarray(0, 200))).init().update(d).digest('hex'), true),
  {
    name: 'pbkdf2 (sha1, sha512)',
    run: async (hw) => [
      await hw.pbkdf2({ password: 'password', salt: 'salt', iterations: 32, hashLength: 20, hashFunction: hw.createSHA1() }),
      await hw.pbkdf2({ password: KEY, salt: randomBytes(16, 7), iterations: 8, hashLength: 100, hashFunction: hw.createSHA512() }),
    ],
  },
  {
    name: 'argon2i, argon2d, argon2id, argon2Verify',
    run: async (hw) => {
      const opts = { password: 'kiln', salt: randomBytes(16, 3), parallelism: 1, iterations: 2, memorySize: 64, hashLength: 32 };
      const encoded = await hw.argon2id({ ...opts, parallelism: 2, secret: KEY, outputType: 'encoded' });
      return [
        await hw.argon2i(opts),
        await hw.argon2d(opts),
        await hw.argon2id({ ...opts, hashLength: 77 }),
        encoded,
        String(await hw.argon2Verify({ password: 'kiln', secret: KEY, hash: encoded })),
        String(await hw.argon2Verify({ password: 'klin', secret: KEY, hash: encoded })),
      ];
    },
  },
  {
    name: 'bcrypt, bcryptVerify',
    run: async (hw) => {
      const encoded = await hw.bcrypt({ password: 'kiln', salt: randomBytes(16, 4), costFactor: 4, outputType: 'encoded' });
      return [
        encoded,
        await hw.bcrypt({ password: KEY, salt: randomBytes(16, 5), costFactor: 5, outputType: 'hex' }),
        String(await hw.bcryptVerify({ password: 'kiln', hash: encoded })),
        String(await hw.bcryptVerify({ password: 'kilN', hash: encoded })),
      ];
    },
  },
  {
    name: 'scrypt',
    run: async (hw) => [
      await hw.scrypt({ password: 'password', salt: 'NaCl', costFactor: 16, blockSize: 8, parallelism: 2, hashLength: 64 }),
      await hw.scrypt({ password: KEY, salt: randomBytes(8, 6), costFactor: 32, blockSize: 4, parallelism: 1, hashLength: 33 }),
    ],
  },
];

/** Native digests per case, computed once (on a fresh copy of the glue) for all i64 forms. */
const expected = new Map<string, Promise<string[]>>();

function nativeDigests(c: Case): Promise<string[]> {
  let p = expected.get(c.name);
  if (p === undefined) {
    p = onNative(() => c.run(freshRequire<HashWasm>('hash-wasm'), INPUTS));
    expected.set(c.name, p);
  }
  return p;
}

describe.each(I64_FORMS)('hash-wasm on Kiln, i64 %s', (i64) => {
  let engine: KilnEngine | undefined;

  // Each case gets its own copy of the glue, so it instantiates its modules anew on Kiln.
  it.each(CASES)('$name', async (c) => {
    const want = await nativeDigests(c);
    engine ??= kilnEngine(i64, WASM); // compiles every module of the package in this form, once
    const before = engine.stats.instances;
    const got = await onKiln(engine, () => c.run(freshRequire<HashWasm>('hash-wasm'), INPUTS));
    expect(engine.stats.instances, 'the case ran on Kiln instances').toBeGreaterThan(before);
    expect(got).toEqual(want);
  });

  it('every module the glue embeds ran on Kiln', () => {
    expect(engine?.stats.byHash.size, 'precompiled modules instantiated').toBe(WASM.length);
  });
});

describe('hash-wasm on the polyfill (compiled at run time, no precompiled module)', () => {
  const engine = polyfillEngine();
  it.each(CASES)('$name', async (c) => {
    const want = await nativeDigests(c);
    const before = engine.stats.instances;
    const got = await onKiln(engine, () => c.run(freshRequire<HashWasm>('hash-wasm'), INPUTS));
    expect(engine.stats.instances, 'the case ran on polyfill instances').toBeGreaterThan(before);
    expect(got).toEqual(want);
  });
});

it('inputs cover 0 B to 1 MB', () => {
  expect(INPUTS.map((d) => d.length)).toEqual([0, 1, 100, 10_000, 1_000_000]);
});

it('the precompiled set is every module the glue embeds, each one it can load', () => {
  // One base64 module per algorithm family (md4 ... whirlpool, argon2, bcrypt, scrypt); all valid wasm.
  expect(WASM.length).toBeGreaterThanOrEqual(20);
  for (const b of WASM) expect(NATIVE.validate(b)).toBe(true);
});
