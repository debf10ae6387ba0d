// The computation the page runs, shared with the test that runs it natively
// in Node: SQLite (sql.js, built with Emscripten) and Brotli (brotli-wasm,
// built with wasm-bindgen). Returns plain data, JSON-comparable.

/** Deterministic text to compress: 64 numbered lines of pseudo-random words. */
export function sampleText() {
  const words = ['kiln', 'wasm', 'fire', 'clay', 'glaze', 'bundle', 'vite', 'rollup', 'stub', 'brotli', 'sqlite', 'page'];
  let seed = 12345;
  const lines = [];
  for (let i = 0; i < 64; i++) {
    const line = [];
    for (let j = 0; j < 12; j++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      line.push(words[seed % words.length]);
    }
    lines.push(`${i}: ${line.join(' ')}`);
  }
  return lines.join('\n');
}

/**
 * @param SQL what `initSqlJs()` resolves to
 * @param brotli the brotli-wasm module (`compress`, `decompress`)
 */
export function compute(SQL, brotli) {
  const db = new SQL.Database();
  db.run('CREATE TABLE t (n INTEGER PRIMARY KEY, sq INTEGER, name TEXT, r REAL)');
  db.run(`WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 500)
          INSERT INTO t SELECT n, n * n, printf('row-%03d', n), n / 7.0 FROM c`);
  const [stats] = db.exec(`SELECT count(*), sum(sq), printf('%.6f', avg(r)), max(name),
                                  (SELECT group_concat(n, ',') FROM t WHERE n % 97 = 0),
                                  json_object('v', sqlite_version(), 'sum', total(r))
                           FROM t`);
  const stmt = db.prepare('SELECT name, sq FROM t WHERE sq BETWEEN ? AND ? ORDER BY n DESC');
  stmt.bind([1000, 1300]);
  const range = [];
  while (stmt.step()) range.push(stmt.get());
  stmt.free();
  const dbBytes = db.export().length;
  db.close();

  const input = new TextEncoder().encode(sampleText());
  const compressed = brotli.compress(input, { quality: 6 });
  const back = brotli.decompress(compressed);
  let hex = '';
  for (const b of compressed) hex += b.toString(16).padStart(2, '0');
  return {
    sqlite: { stats: stats.values[0], range, dbBytes },
    brotli: { inputLength: input.length, compressed: hex, roundTrip: new TextDecoder().decode(back) === sampleText() },
  };
}
