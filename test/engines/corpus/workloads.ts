/**
 * The corpus workloads of the engine matrix (corpus-bundle.ts): each drives
 * an npm package through its own, unchanged glue (bundled as browsers load
 * it: the package's ES module build) and returns what it computed as
 * strings (BigInts included), so the results of any engine compare as JSON
 * with those of native WebAssembly in Node. Inputs are small and fixed
 * (interpreters run them: V8 `--jitless`, Hermes).
 */
import * as hw from 'hash-wasm';
import xxhash from 'xxhash-wasm';
// @ts-expect-error: sql.js ships no types; its build with the wasm inline (base64), as a bundle embeds it
import initSqlJs from 'sql.js/dist/sql-wasm-inline.js';
import { randomBytes } from '../../realworld/inputs.js';

/** Input sizes: empty, one byte, under a block, several blocks. */
const SIZES = [0, 1, 100, 3000];
const KEY = randomBytes(32, 99);

/** hash-wasm (C built with clang, its TypeScript glue): one-shot, seeded, keyed and streamed hashes, HMAC, a small argon2id. */
async function hashWasm(): Promise<string[]> {
  const out: string[] = [];
  for (const [i, n] of SIZES.entries()) {
    const d = randomBytes(n, i + 1);
    out.push(
      await hw.md5(d), await hw.sha1(d), await hw.sha256(d), await hw.sha512(d), await hw.sha3(d, 256), await hw.keccak(d, 512),
      await hw.blake2b(d), await hw.blake2s(d, 256, KEY), await hw.blake3(d), await hw.xxhash32(d, 7), await hw.xxhash64(d, 0x9e3779b1, 0x7f4a7c15),
      await hw.xxhash128(d), await hw.crc32(d), await hw.crc64(d), await hw.ripemd160(d), await hw.whirlpool(d), await hw.sm3(d), await hw.adler32(d),
    );
  }
  const h = (await hw.createSHA256()).init();
  const big = randomBytes(5000, 7);
  h.update(big.subarray(0, 1234));
  const state = h.save();
  h.update(randomBytes(77, 5));
  h.load(state);
  h.update(big.subarray(1234));
  out.push(h.digest('hex'));
  out.push(await hw.createHMAC(hw.createSHA512(), KEY).then((m) => m.init().update(big).digest('hex')));
  out.push(await hw.argon2id({ password: 'kiln', salt: KEY.subarray(0, 16), parallelism: 1, iterations: 2, memorySize: 64, hashLength: 32, outputType: 'hex' }));
  return out;
}

/** xxhash-wasm (hand-written WebAssembly text, its own glue; 64-bit seeds and digests as BigInt). */
async function xxhashWasm(): Promise<string[]> {
  const xx = await xxhash();
  const out: string[] = [];
  for (const [i, n] of SIZES.entries()) {
    const d = randomBytes(n, i + 11);
    for (const s of [0, 0x9e3779b1, 0xffffffff]) out.push(String(xx.h32Raw(d, s)));
    for (const s of [0n, 0x9e3779b97f4a7c15n, 0xffffffffffffffffn]) out.push(String(xx.h64Raw(d, s)));
  }
  for (const s of ['', 'a', 'Kiln ♨ ahead-of-time 🔥']) out.push(String(xx.h32(s)), xx.h32ToString(s, 7), String(xx.h64(s)), xx.h64ToString(s, 7n));
  const h = xx.create64(3n);
  for (let i = 0; i < 4; i++) h.update(randomBytes(1000, i));
  out.push(String(h.digest()));
  return out;
}

/**
 * sql.js (SQLite built with Emscripten, Emscripten's glue): a table filled by
 * a prepared statement, aggregates, a join, a window function, a recursive
 * CTE, JSON, `printf`, a JS scalar function (Emscripten's `addFunction`), an
 * error, and the exported database file (its FNV-1a hash).
 */
async function sqlJs(): Promise<string[]> {
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  db.run('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL, big INTEGER); CREATE TABLE u (id INTEGER, t INTEGER)');
  const ins = db.prepare('INSERT INTO t VALUES (?, ?, ?, ?)');
  for (let i = 0; i < 300; i++) ins.run([i, `n${(i * 7919) % 1000}`, i * 1.5 - 100, i * 1000003]);
  ins.free();
  db.run('INSERT INTO u SELECT id * 3, id % 17 FROM t WHERE id % 5 = 0');
  db.create_function('twice', (x: number) => x * 2);
  const out: string[] = [];
  for (const q of [
    'SELECT count(*), sum(score), avg(big), min(name), max(name) FROM t',
    'SELECT t.id, count(u.id), total(u.id) FROM t JOIN u ON u.t = t.id GROUP BY t.id ORDER BY 2 DESC, 1 LIMIT 8',
    'SELECT id, rank() OVER (ORDER BY score DESC), sum(id) OVER (ORDER BY id ROWS 2 PRECEDING) FROM t WHERE id % 37 = 1 ORDER BY id',
    'WITH RECURSIVE f(n, a, b) AS (SELECT 0, 0, 1 UNION ALL SELECT n + 1, b, a + b FROM f WHERE n < 80) SELECT group_concat(a) FROM f',
    "SELECT json_object('id', id, 'x', json_array(score, name)), printf('%.3f|%5d|%x', score, id, big) FROM t WHERE id < 5",
    'SELECT twice(id), twice(score) FROM t WHERE id IN (3, 30, 299)',
  ]) out.push(JSON.stringify(db.exec(q)));
  try {
    db.run('SELECT * FROM missing');
  } catch (e) {
    out.push(String((e as Error).message));
  }
  let h = 0x811c9dc5;
  for (const b of db.export()) h = Math.imul(h ^ b, 16777619);
  out.push(String(h >>> 0));
  db.close();
  return out;
}

/** The workloads by package name. */
export const WORKLOADS: Record<string, () => Promise<string[]>> = { 'hash-wasm': hashWasm, 'xxhash-wasm': xxhashWasm, 'sql.js': sqlJs };
