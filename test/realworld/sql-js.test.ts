/**
 * sql.js (SQLite built with Emscripten, Emscripten's glue): one SQL workload
 * (schema, prepared inserts, joins, aggregates, window functions, recursive
 * CTEs, JSON, JS user functions, errors, transactions, export and reopen)
 * run through the unchanged glue on Kiln and on native WebAssembly; every
 * result and the exported database file must be identical.
 */
import { createHash } from 'node:crypto';
import { freshRequire } from './glue.js';
import { I64_FORMS, packageWasm } from './shim.js';
import { sameAsNative } from './same.js';
import { randomBytes, hex } from './inputs.js';

/** The part of sql.js's API the workload uses (the package ships no types). */
interface SqlJs {
  Database: new (data?: Uint8Array) => Database;
}
interface Statement {
  bind(values: unknown): boolean;
  step(): boolean;
  get(params?: unknown, config?: { useBigInt?: boolean }): unknown[];
  getAsObject(params?: unknown): Record<string, unknown>;
  run(values?: unknown): void;
  reset(): void;
  free(): boolean;
}
interface Database {
  run(sql: string, params?: unknown): Database;
  exec(sql: string, params?: unknown, config?: { useBigInt?: boolean }): { columns: string[]; values: unknown[][] }[];
  prepare(sql: string, params?: unknown): Statement;
  create_function(name: string, f: (...args: any[]) => unknown): Database;
  create_aggregate(name: string, f: { init?: () => unknown; step: (state: any, ...args: any[]) => unknown; finalize: (state: any) => unknown }): Database;
  getRowsModified(): number;
  export(): Uint8Array;
  close(): void;
}

/** JSON-safe form of a result value (BigInt and blobs made text). */
function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Uint8Array) return `x'${hex(v)}'`;
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

// The Node build (dist/sql-wasm.js) reads the sql-wasm.wasm beside it.
const WASM = packageWasm('sql.js', ['dist/sql-wasm.wasm']);

const QUERIES = [
  'SELECT count(*), sum(age), avg(score), min(name), max(name), total(big) FROM people',
  'SELECT age % 7 AS k, count(*), round(avg(score), 6), group_concat(id, ",") FROM people WHERE id % 13 = 0 GROUP BY k ORDER BY k',
  'SELECT p.name, count(o.id), sum(o.amount) FROM people p JOIN orders o ON o.person = p.id GROUP BY p.id ORDER BY 3 DESC, 1 LIMIT 10',
  "SELECT name, upper(name), length(data), hex(substr(data, 2, 5)), instr(name, 'a'), replace(name, 'e', 'EE') FROM people WHERE name LIKE '%ba%' ORDER BY id LIMIT 20",
  'SELECT id, score, rank() OVER w, sum(age) OVER (ORDER BY id ROWS 3 PRECEDING), lag(name) OVER w FROM people WINDOW w AS (ORDER BY score DESC) ORDER BY id LIMIT 25',
  'WITH RECURSIVE fib(n, a, b) AS (SELECT 0, 0, 1 UNION ALL SELECT n + 1, b, a + b FROM fib WHERE n < 90) SELECT n, a FROM fib',
  "WITH RECURSIVE x(i) AS (VALUES(0) UNION ALL SELECT i + 1 FROM x WHERE i < 20), y(j) AS (VALUES(0) UNION ALL SELECT j + 1 FROM y WHERE j < 10), m(i, j, cr, ci, zr, zi, k) AS (SELECT i, j, -2.0 + i * 0.13, -1.2 + j * 0.24, 0.0, 0.0, 0 FROM x, y UNION ALL SELECT i, j, cr, ci, zr * zr - zi * zi + cr, 2 * zr * zi + ci, k + 1 FROM m WHERE zr * zr + zi * zi < 4 AND k < 40) SELECT j, group_concat(substr(' .:-=+*#%@', 1 + k % 10, 1), '') FROM (SELECT i, j, max(k) AS k FROM m GROUP BY i, j) GROUP BY j ORDER BY j",
  "SELECT json_object('id', id, 'tags', json_array(age, score, name)), json_extract('{\"a\":[1,2,{\"b\":3.5}]}', '$.a[2].b') FROM people WHERE id < 4",
  "SELECT printf('%.3f|%5d|%x|%e|%s', score, age, big & 65535, score * 1e10, name) FROM people WHERE id BETWEEN 100 AND 110",
  "SELECT 0.1 + 0.2, 1e308 * 10, -1e308 * 10, 9223372036854775807, -9223372036854775808, 9223372036854775807 + 1, 7 / 2, 7.0 / 2, 7 % -3, CAST('3.14abc' AS REAL), CAST(2.5e18 AS INTEGER), abs(-0.0), round(2.5), round(-2.5)",
  'SELECT kiln_mix(id, score), kiln_mix(name, NULL) FROM people WHERE id % 97 = 1 ORDER BY id',
  'SELECT age % 5, kiln_geo(score) FROM people GROUP BY age % 5 ORDER BY 1',
  'SELECT big, big >> 7, big * 3, typeof(big) FROM people WHERE id % 211 = 5 ORDER BY id',
  'SELECT sqlite_version(), quote(x\'00ff10\'), zeroblob(3), unicode(\'é\'), char(233, 0x1F600)',
];

/** Runs the whole workload on the sql.js glue `SQL`; returns every observable result in order. */
async function workload(SQL: SqlJs): Promise<unknown[]> {
  const out: unknown[] = [];
  const r = randomBytes(64_000, 42);
  const db = new SQL.Database();
  db.run('CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL, age INT, score REAL, data BLOB, big INT)');
  db.run('CREATE TABLE orders (id INTEGER PRIMARY KEY, person INT REFERENCES people(id), amount REAL, note TEXT)');
  db.run('CREATE INDEX orders_person ON orders(person)');
  const syl = ['ka', 'ba', 'lo', 'ne', 'ri', 'su', 'to', 'mi'];
  const ins = db.prepare('INSERT INTO people (name, age, score, data, big) VALUES (?, ?, ?, ?, ?)');
  db.run('BEGIN');
  for (let i = 0; i < 2000; i++) {
    const b = (k: number) => r[(i * 31 + k) % r.length]!;
    const name = syl[b(0) & 7]! + syl[b(1) & 7]! + (b(2) & 1 ? syl[b(3) & 7]! : '');
    const big = (BigInt(b(4) | (b(5) << 8) | (b(6) << 16)) << 38n) - (1n << 61n) - BigInt(b(7) << 20) * 1000n;
    ins.run([name, b(8) % 90, (b(9) * 65536 + b(10) * 256 + b(11)) / 1000 - 5000, r.subarray(i * 7 % 60_000, i * 7 % 60_000 + (b(12) % 40)), big]);
  }
  ins.free();
  db.run('COMMIT');
  const ord = db.prepare('INSERT INTO orders (person, amount, note) VALUES ($p, $a, $n)');
  for (let i = 0; i < 3000; i++) ord.run({ $p: 1 + ((r[i]! * 7 + i) % 2000), $a: r[i + 5]! * 1.25 - 3, $n: i % 3 ? null : `n${i}` });
  ord.free();

  db.create_function('kiln_mix', (a: unknown, b: unknown) => (typeof a === 'number' ? a * 2 + (b as number) : `${String(a)}/${String(b)}`));
  db.create_aggregate('kiln_geo', {
    init: () => ({ n: 0, s: 0 }),
    step: (st: { n: number; s: number }, x: number) => ({ n: st.n + 1, s: st.s + Math.log(Math.abs(x) + 1) }),
    finalize: (st: { n: number; s: number }) => Math.exp(st.s / st.n),
  });

  for (const q of QUERIES) out.push(q.slice(0, 40), db.exec(q));
  out.push(db.exec('SELECT big FROM people WHERE id < 6', undefined, { useBigInt: true }));

  const st = db.prepare('SELECT id, name, data, big FROM people WHERE age > ? AND score < ? ORDER BY id');
  st.bind([30, 0]);
  let n = 0;
  while (st.step() && n++ < 50) out.push(st.get(undefined, { useBigInt: true }));
  out.push(st.getAsObject([80, 1e9]));
  st.free();

  db.run('UPDATE people SET score = score * 2 WHERE age < 10');
  out.push(db.getRowsModified());
  db.run('BEGIN');
  db.run('DELETE FROM orders WHERE amount < 100');
  out.push(db.getRowsModified());
  db.run('ROLLBACK');
  out.push(db.exec('SELECT count(*) FROM orders'));
  for (const bad of ['SELEC 1', 'INSERT INTO people (id, name) VALUES (1, \'dup\')', 'SELECT nosuch FROM people', 'INSERT INTO people (name) VALUES (NULL)']) {
    try {
      db.exec(bad);
      out.push('no error');
    } catch (e) {
      out.push(String(e));
    }
  }

  const file = db.export();
  out.push(file.length, createHash('sha256').update(file).digest('hex'));
  db.close();
  const again = new SQL.Database(file);
  out.push(again.exec("SELECT count(*), sum(amount) FROM orders; PRAGMA integrity_check; SELECT name FROM sqlite_master ORDER BY name"));
  again.close();
  return plain(out) as unknown[];
}

/** initSqlJs from a fresh copy of the glue (it caches its module and instance). */
function initSqlJs(): Promise<SqlJs> {
  return freshRequire<() => Promise<SqlJs>>('sql.js')();
}

// SQLite is the one precompiled module; the adapter modules `addFunction` builds per JS function
// signature (for create_function/create_aggregate) are made by the namespace from their bytes.
sameAsNative('sql.js', I64_FORMS, WASM, async () => workload(await initSqlJs()));
