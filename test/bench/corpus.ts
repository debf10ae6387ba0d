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
 * 1 MB updates, and sql.js building and querying a table.
 */
import { writeFileSync } from 'node:fs';
import { freshRequire } from '../realworld/glue.js';
import { kilnEngine, onKiln, onNative, packageWasm, type I64Form, type KilnEngine } from '../realworld/shim.js';
import { randomBytes } from '../realworld/inputs.js';

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

const WORKLOADS: Workload[] = [...HASHES.map(hashWorkload), sqlWorkload].filter((w) => ONLY === undefined || w.name.includes(ONLY));

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
