/**
 * `npm run bench:first-call -- [--runs N] [--wasm FILE] [--sql TEXT] [--node PATH]`: time to
 * first call in the run-time compile mode (issue 19's target), against
 * polywasm (npm, a run-time translator) and native WebAssembly: bytes to
 * `new Module` (decode and validate), `new Instance`, and the first export,
 * `_start` of ../shared/programs/sqlite.wasm running one statement on an
 * in-memory database (test/util/wasi.ts, the output checked against native).
 * Each measurement in a fresh `node` process (`--node`: that binary, Node 24
 * from test/engines/fetch.mjs, say; default the one running this); prints
 * the median per step, in ms. A benchmark: it never fails on speed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { createWasi } from '../util/wasi.js';

const SQLITE = fileURLToPath(new URL('../../../shared/programs/sqlite.wasm', import.meta.url));
const IMPLS = ['native', 'kiln-polyfill', 'polywasm'] as const;
type Impl = (typeof IMPLS)[number];

/** The namespace each implementation provides. */
async function namespace(impl: Impl): Promise<typeof WebAssembly> {
  if (impl === 'native') return WebAssembly;
  // The built package (npm run build), as users load it, not the TypeScript sources through tsx.
  if (impl === 'kiln-polyfill') return (await import('../../dist/polyfill/index.js' as string)).WebAssembly as typeof WebAssembly;
  return (await import('polywasm')).WebAssembly as unknown as typeof WebAssembly;
}

/** Child: one measurement, printed as JSON `{ module, instance, first, total, stdout }` (ms). */
async function child(impl: Impl, wasm: string, sql: string): Promise<void> {
  const NS = await namespace(impl);
  const bytes = readFileSync(wasm);
  const wasi = createWasi({ args: ['sqlite3', ':memory:', sql] });
  const t0 = performance.now();
  const m = new NS.Module(bytes);
  const t1 = performance.now();
  const inst = new NS.Instance(m, wasi.imports as unknown as WebAssembly.Imports);
  const t2 = performance.now();
  const code = wasi.start(inst.exports as never);
  const t3 = performance.now();
  process.stdout.write(JSON.stringify({ module: t1 - t0, instance: t2 - t1, first: t3 - t2, total: t3 - t0, code, stdout: wasi.stdout() }) + '\n');
}

function main(): void {
  const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const runs = Number(arg('runs') ?? 5);
  const wasm = arg('wasm') ?? SQLITE;
  const sql = arg('sql') ?? 'SELECT 1+1;';
  const node = arg('node') ?? process.execPath;
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  if (!existsSync(wasm)) {
    console.log(`first-call bench: ${wasm} is absent (../shared/programs)`);
    return;
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  console.log(`time to first call, ${wasm.split('/').pop()} running ${JSON.stringify(sql)}: median of ${runs} fresh processes (ms), node ${version}`);
  console.log(`| implementation | new Module | new Instance | first call (_start) | total | output |`);
  console.log(`| --- | --: | --: | --: | --: | --- |`);
  let expected: string | null = null;
  const totals = new Map<Impl, number>();
  for (const impl of IMPLS) {
    const rs: { module: number; instance: number; first: number; total: number; code: number; stdout: string }[] = [];
    for (let i = 0; i < runs; i++) {
      const r = spawnSync(node, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', impl, wasm, sql], { encoding: 'utf8', maxBuffer: 1 << 26 });
      const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
      if (line === undefined) {
        console.log(`| ${impl} | failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-1)[0]} | | | | |`);
        break;
      }
      rs.push(JSON.parse(line));
    }
    if (rs.length < runs) continue;
    expected ??= rs[0].stdout;
    const ok = rs.every((r) => r.code === 0 && r.stdout === expected) ? 'same as native' : 'DIFFERENT';
    const f = (k: 'module' | 'instance' | 'first' | 'total') => median(rs.map((r) => r[k])).toFixed(0);
    totals.set(impl, Number(f('total')));
    console.log(`| ${impl} | ${f('module')} | ${f('instance')} | ${f('first')} | ${f('total')} | ${ok} |`);
  }
  const k = totals.get('kiln-polyfill');
  const p = totals.get('polywasm');
  if (k !== undefined && p !== undefined) console.log(`kiln-polyfill / polywasm, total: ${(k / p).toFixed(2)}x (target <= 0.5x)`);
}

if (process.argv[2] === '--child') await child(process.argv[3] as Impl, process.argv[4], process.argv[5]);
else main();
