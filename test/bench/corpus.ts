/**
 * Real-world corpus timings: npm packages that ship wasm, each driven through
 * its own unchanged glue, on native WebAssembly and on Kiln's output
 * (installed as `globalThis.WebAssembly` by `createWebAssembly`, the engine's
 * own deleted). A benchmark, not a test: it prints the median wall time of
 * each workload per engine, Kiln/native, and whether the results match
 * native's; it never fails on speed. It also prints each workload's first run,
 * cold: V8 runs BigInt code (the i64 form `auto` picks for i64-heavy
 * functions) about a hundred times slower until it optimizes it.
 *
 *   npx tsx test/bench/corpus.ts [--only=SUBSTRING] [--runs=N] [--mb=N] [--split-weight=N] [--i64=auto|pair|bigint]
 *     [--no-wasm-in-scope] [--json=FILE]
 *
 * Kiln's output is evaluated with the engine's `WebAssembly` in scope, so that
 * under `auto` it runs the i64 forms it runs in this engine (BigInts in V8's
 * JIT, runtime/i64form.ts); `--no-wasm-in-scope` evaluates it without, as the
 * corpus tests do (an engine without WebAssembly: every pair variant).
 *
 * Workloads: hash-wasm's hashes over `--mb` MB (default 4) of random bytes in
 * 1 MB updates and its key derivations (argon2id over 16 MiB, scrypt N=16384,
 * bcrypt cost 10, pbkdf2-SHA-512 20,000 iterations), sql.js building and querying a table, a JS program run inside
 * QuickJS, 150 steps of a rapier2d world, resvg rendering an SVG,
 * libsodium signing and hashing a password, tiktoken tokenizing 1 MB of
 * text, and draco3d decoding a mesh.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freshRequire, packageDir } from '../realworld/glue.js';
import { kilnEngine, onKiln, onNative, packageWasm, type I64Form, type KilnEngine } from '../realworld/shim.js';
import { randomBytes, textBytes } from '../realworld/inputs.js';

const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const RUNS = Number(arg('runs') ?? 3);
const MB = Number(arg('mb') ?? 4);
const ONLY = arg('only');
const I64 = (arg('i64') ?? 'auto') as I64Form;
const SPLIT = arg('split-weight');
const EXTRA = SPLIT === undefined ? {} : { splitWeight: Number(SPLIT) };

interface Workload {
  name: string;
  pkg: string;
  wasm: () => Uint8Array<ArrayBuffer>[];
  /** Loads a fresh copy of the glue and returns one run of the workload, which returns its result as a string. */
  setup(): Promise<() => Promise<string>>;
}

const HASHES = ['md5', 'sha1', 'sha256', 'sha512', 'sha3', 'keccak', 'blake2b', 'blake2s', 'blake3', 'xxhash64', 'xxhash128', 'crc32', 'ripemd160', 'whirlpool', 'sm3'];
const CREATE: Record<string, string> = {
  md5: 'createMD5', sha1: 'createSHA1', sha256: 'createSHA256', sha512: 'createSHA512', sha3: 'createSHA3', keccak: 'createKeccak',
  blake2b: 'createBLAKE2b', blake2s: 'createBLAKE2s', blake3: 'createBLAKE3', xxhash64: 'createXXHash64', xxhash128: 'createXXHash128',
  crc32: 'createCRC32', ripemd160: 'createRIPEMD160', whirlpool: 'createWhirlpool', sm3: 'createSM3',
};
const DATA = randomBytes(1 << 20, 7);

function hashWorkload(algo: string): Workload {
  return {
    name: `hash-wasm ${algo} ${MB} MB`,
    pkg: 'hash-wasm',
    wasm: () => packageWasm('hash-wasm', ['dist/index.umd.js']),
    async setup() {
      const hw = freshRequire('hash-wasm');
      const h = await hw[CREATE[algo]]();
      return async () => {
        h.init();
        for (let i = 0; i < MB; i++) h.update(DATA);
        return h.digest('hex');
      };
    },
  };
}

/** hash-wasm's password hashes and key derivations (argon2id, scrypt, bcrypt, pbkdf2), whose loops are in their own modules. */
const KDFS: Record<string, (hw: any) => Promise<string>> = {
  argon2id: (hw) => hw.argon2id({ password: 'password', salt: DATA.subarray(0, 16), parallelism: 1, iterations: 2, memorySize: 16384, hashLength: 32, outputType: 'hex' }),
  scrypt: (hw) => hw.scrypt({ password: 'password', salt: DATA.subarray(0, 16), costFactor: 16384, blockSize: 8, parallelism: 1, hashLength: 32, outputType: 'hex' }),
  bcrypt: (hw) => hw.bcrypt({ password: 'password', salt: DATA.subarray(0, 16), costFactor: 10, outputType: 'encoded' }),
  pbkdf2: (hw) => hw.pbkdf2({ password: 'password', salt: DATA.subarray(0, 16), iterations: 20000, hashLength: 32, hashFunction: hw.createSHA512(), outputType: 'hex' }),
};

function kdfWorkload(algo: string): Workload {
  return {
    name: `hash-wasm ${algo}`,
    pkg: 'hash-wasm',
    wasm: () => packageWasm('hash-wasm', ['dist/index.umd.js']),
    async setup() {
      const hw = freshRequire('hash-wasm');
      return () => KDFS[algo]!(hw);
    },
  };
}

const sqlWorkload: Workload = {
  name: 'sql.js insert 20k rows, 3 queries',
  pkg: 'sql.js',
  wasm: () => packageWasm('sql.js', ['dist/sql-wasm.wasm']),
  async setup() {
    const init = freshRequire('sql.js');
    const SQL = await init();
    return async () => {
      const db = new SQL.Database();
      db.run('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, v REAL)');
      db.run('BEGIN');
      const st = db.prepare('INSERT INTO t VALUES (?, ?, ?)');
      for (let i = 0; i < 20000; i++) st.run([i, `name ${(i * 7919) % 20000}`, i / 7]);
      st.free();
      db.run('COMMIT');
      db.run('CREATE INDEX ti ON t(name)');
      const out = JSON.stringify([
        db.exec('SELECT count(*), sum(v), max(name) FROM t'),
        db.exec("SELECT id FROM t WHERE name LIKE 'name 19%' ORDER BY v DESC LIMIT 5"),
        db.exec('SELECT substr(name, 1, 6) AS k, count(*) FROM t GROUP BY k ORDER BY k'),
      ]);
      db.close();
      return out;
    };
  },
};

/** QuickJS (C, Emscripten) interpreting a JS program: objects, closures, strings and floats in a loop. */
const quickjsWorkload: Workload = {
  name: 'QuickJS: a JS program run inside it',
  pkg: 'quickjs-emscripten',
  wasm: () => packageWasm('@jitl/quickjs-wasmfile-release-sync', ['dist/emscripten-module.wasm']),
  async setup() {
    const q = freshRequire('quickjs-emscripten', 'quickjs-emscripten', ['quickjs-emscripten-core', '@jitl/quickjs-wasmfile-release-sync']);
    const QuickJS = await q.newQuickJSWASMModule(q.RELEASE_SYNC);
    const program = `let acc = 0; const pts = []; for (let i = 0; i < 20000; i++) pts.push({ x: Math.sin(i) * 100, y: Math.cos(i * 0.7) * 100, name: 'p' + (i % 97) });
      pts.sort((a, b) => a.x - b.x || a.y - b.y); const by = new Map(); for (const p of pts) by.set(p.name, (by.get(p.name) || 0) + Math.hypot(p.x, p.y));
      for (const [k, v] of by) acc += v * k.length; JSON.stringify(pts.slice(0, 200)).length + ' ' + acc.toFixed(6)`;
    return async () => {
      const vm = QuickJS.newContext();
      const r = vm.unwrapResult(vm.evalCode(program));
      const out = String(vm.dump(r));
      r.dispose();
      vm.dispose();
      return out;
    };
  },
};

/** rapier2d (Rust, wasm-bindgen): 150 steps of a world of 300 boxes and balls falling into a pile. */
const rapierWorkload: Workload = {
  name: 'rapier2d: 150 steps of 300 bodies',
  pkg: '@dimforge/rapier2d-compat',
  wasm: () => packageWasm('@dimforge/rapier2d-compat', ['dist/rapier.cjs']),
  async setup() {
    const R = freshRequire('@dimforge/rapier2d-compat');
    await R.init();
    return async () => {
      const world = new R.World({ x: 0, y: -9.81 });
      world.createCollider(R.ColliderDesc.cuboid(30, 0.5));
      const bodies = [];
      for (let i = 0; i < 300; i++) {
        const b = world.createRigidBody(R.RigidBodyDesc.dynamic().setTranslation((i % 20) - 10 + (i % 3) * 0.1, 1 + Math.floor(i / 20) * 1.1));
        world.createCollider(i % 2 ? R.ColliderDesc.ball(0.45) : R.ColliderDesc.cuboid(0.4, 0.4), b);
        bodies.push(b);
      }
      for (let s = 0; s < 150; s++) world.step();
      const out = bodies.map((b) => `${b.translation().x.toFixed(4)},${b.translation().y.toFixed(4)}`).join(' ');
      world.free();
      return out;
    };
  },
};

/** resvg (Rust, wasm-bindgen): an SVG of gradients, curves and a blur rendered at 1024 px. */
const resvgWorkload: Workload = {
  name: 'resvg: render an SVG at 1024 px',
  pkg: '@resvg/resvg-wasm',
  wasm: () => packageWasm('@resvg/resvg-wasm', ['index_bg.wasm']),
  async setup() {
    const resvg = freshRequire('@resvg/resvg-wasm');
    await resvg.initWasm(readFileSync(join(packageDir('@resvg/resvg-wasm'), 'index_bg.wasm')));
    const shapes = Array.from({ length: 60 }, (_, i) =>
      `<path d="M${i * 3} ${100 + i} C ${40 + i} ${10 + i * 2}, ${65 + i} 10, ${95 + i} ${80 + i} S 150 ${150 - i}, ${150 - i} 80" fill="url(#g)" stroke="#${(i * 4093 % 4096).toString(16).padStart(3, '0')}" stroke-width="${1 + (i % 5)}" opacity=".6" transform="rotate(${i * 6} 100 100)"/>`).join('');
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200"><defs><linearGradient id="g"><stop offset="0" stop-color="#f80"/><stop offset="1" stop-color="#08f"/></linearGradient>
      <filter id="b"><feGaussianBlur stdDeviation="2"/></filter></defs><g filter="url(#b)">${shapes}</g><circle cx="100" cy="100" r="60" fill="none" stroke="black" stroke-dasharray="4 3"/></svg>`;
    return async () => {
      const r = new resvg.Resvg(svg, { fitTo: { mode: 'width', value: 1024 }, font: { loadSystemFonts: false } });
      const img = r.render();
      const out = createHash('sha256').update(img.pixels).digest('hex');
      img.free();
      r.free();
      return out;
    };
  },
};

/** libsodium (C, Emscripten): Ed25519 signatures, X25519 and Argon2id. */
const sodiumWorkload: Workload = {
  name: 'libsodium: 300 Ed25519 signatures, Argon2id 16 MiB',
  pkg: 'libsodium-wrappers-sumo',
  wasm: () => packageWasm('libsodium-sumo', ['dist/modules-sumo/libsodium-sumo.js']),
  async setup() {
    const s = freshRequire('libsodium-wrappers-sumo', 'libsodium-wrappers-sumo', ['libsodium-sumo']);
    await s.ready;
    const kp = s.crypto_sign_seed_keypair(new Uint8Array(32).fill(7));
    return async () => {
      let acc = '';
      for (let i = 0; i < 300; i++) acc = s.to_hex(s.crypto_sign_detached(`message ${i} ${acc.slice(0, 8)}`, kp.privateKey));
      const pw = s.crypto_pwhash(32, 'password', new Uint8Array(16).fill(3), 2, 16 << 20, s.crypto_pwhash_ALG_ARGON2ID13);
      return `${acc} ${s.to_hex(pw)}`;
    };
  },
};

/** tiktoken (Rust, wasm-bindgen): 1 MB of text tokenized with cl100k_base. */
const tiktokenWorkload: Workload = {
  name: 'tiktoken: 1 MB of text, cl100k_base',
  pkg: 'tiktoken',
  wasm: () => packageWasm('tiktoken', ['tiktoken_bg.wasm']),
  async setup() {
    const { get_encoding } = freshRequire('tiktoken');
    const enc = get_encoding('cl100k_base');
    const text = new TextDecoder().decode(textBytes(1 << 20, 5));
    return async () => createHash('sha256').update(enc.encode(text)).digest('hex');
  },
};

/** draco3d (C++, Emscripten WebIDL): the package's bunny.drc decoded 20 times. */
const dracoWorkload: Workload = {
  name: 'draco3d: decode bunny.drc 20 times',
  pkg: 'draco3d',
  wasm: () => packageWasm('draco3d', ['draco_decoder.wasm']),
  async setup() {
    const D = await freshRequire('draco3d').createDecoderModule({});
    const bytes = new Int8Array(readFileSync(join(packageDir('draco3d'), 'bunny.drc')));
    return async () => {
      let points = 0;
      for (let i = 0; i < 20; i++) {
        const decoder = new D.Decoder();
        const buffer = new D.DecoderBuffer();
        buffer.Init(bytes, bytes.byteLength);
        const mesh = new D.Mesh();
        decoder.DecodeBufferToMesh(buffer, mesh);
        points += mesh.num_points() + mesh.num_faces();
        for (const x of [mesh, buffer, decoder]) D.destroy(x);
      }
      return String(points);
    };
  },
};

const WORKLOADS: Workload[] = [...HASHES.map(hashWorkload), ...Object.keys(KDFS).map(kdfWorkload), sqlWorkload, quickjsWorkload, rapierWorkload, resvgWorkload, sodiumWorkload, tiktokenWorkload, dracoWorkload].filter((w) => ONLY === undefined || w.name.includes(ONLY));

/** The first run (cold: each workload's module is fresh in this process) and the median of RUNS more. */
async function time(run: () => Promise<string>): Promise<{ ms: number; first: number; out: string }> {
  const start = performance.now();
  let out = await run(); // warm-up
  const first = performance.now() - start;
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    out = await run();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { ms: ms[ms.length >> 1], first, out };
}

const rows: { name: string; native_ms: number; kiln_ms: number; native_first_ms: number; kiln_first_ms: number; ok: boolean }[] = [];
const engines = new Map<string, KilnEngine>();
const SEE_WASM = !process.argv.includes('--no-wasm-in-scope');
console.log(
  `node ${process.version}, i64 ${I64}${SPLIT === undefined ? '' : `, splitWeight ${SPLIT}`}, ${RUNS} runs after 1 warm-up, medians` +
    `; Kiln's output evaluated ${SEE_WASM ? "with the engine's WebAssembly in scope (auto picks the forms this engine runs)" : 'without WebAssembly (every pair variant)'}`,
);
console.log('| workload | native ms | Kiln ms | Kiln/native | first run: native ms | Kiln ms | Kiln/native | same result |\n|---|---:|---:|---:|---:|---:|---:|---|');
for (const w of WORKLOADS) {
  let engine = engines.get(w.pkg);
  if (engine === undefined) engines.set(w.pkg, (engine = kilnEngine(I64, w.wasm(), EXTRA, SEE_WASM)));
  const native = await onNative(async () => time(await w.setup()));
  const kiln = await onKiln(engine, async () => time(await w.setup()));
  const ok = native.out === kiln.out;
  rows.push({ name: w.name, native_ms: native.ms, kiln_ms: kiln.ms, native_first_ms: native.first, kiln_first_ms: kiln.first, ok });
  const cols = [native.ms, kiln.ms].map((x) => x.toFixed(1)).concat((kiln.ms / native.ms).toFixed(2), [native.first, kiln.first].map((x) => x.toFixed(1)), (kiln.first / native.first).toFixed(2));
  console.log(`| ${w.name} | ${cols.join(' | ')} | ${ok ? 'yes' : 'NO'} |`);
}
const geo = Math.exp(rows.reduce((a, r) => a + Math.log(r.kiln_ms / r.native_ms), 0) / rows.length);
const geoFirst = Math.exp(rows.reduce((a, r) => a + Math.log(r.kiln_first_ms / r.native_first_ms), 0) / rows.length);
console.log(`geomean Kiln/native ${geo.toFixed(2)}; first runs ${geoFirst.toFixed(2)}`);
const json = arg('json');
if (json !== undefined) writeFileSync(json, JSON.stringify({ node: process.version, i64: I64, cases: rows }, null, 2));
if (rows.some((r) => !r.ok)) process.exitCode = 1;
