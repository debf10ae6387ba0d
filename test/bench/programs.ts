/**
 * Real-program timings: every check.mjs case of ../shared/programs run on
 * native WebAssembly and on Kiln's output, both through the WASI host of
 * test/util/wasi.ts, each (engine, case) in a fresh `node` process (cold,
 * like check.mjs's "cold _start"). A benchmark, not a test: it prints the
 * wall time of `_start` and whether stdout/exit status match, never fails
 * on speed.
 *
 *   npx tsx test/bench/programs.ts [--only=SUBSTRING] [--runs=N] [--v8-big] [--engines=native,kiln]
 *     [--split-weight=N] [--node=PATH] [--json=FILE] [--callgrind]
 *
 * --split-weight compiles with that `splitWeight` (passes/split.ts; 0: no
 * splitting); --node runs the cases on another `node` binary (Node 24 from
 * test/engines/fetch.mjs, say); --json writes `{ node, cases: [{ name,
 * native_ms, kiln_ms, ok }] }`.
 *
 * --v8-big raises V8's --max-optimized-bytecode-size (61440 by default) so
 * that the largest generated functions (luaV_execute, sqlite3VdbeExec) can
 * be optimized by TurboFan at all; it shows how much of Kiln's gap comes
 * from that limit.
 *
 * --callgrind counts instructions instead of timing (Valgrind's callgrind,
 * `node --single-threaded` so that V8's compilers run on the measured
 * thread): a figure that does not move with the machine's load, for A/B
 * decisions a noisy machine cannot make by wall time. Each case runs once
 * under callgrind, and so does, per (engine, module), a process that loads
 * and instantiates the module without calling `_start`; the table shows
 * the difference, the instructions of `_start` (billions), beside the whole
 * process's. About 50x slower than a timed run.
 */
import { programCases, type ProgramCase } from '../util/programs.js';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile, CompileError } from '../../compiler/index.js';
import { createWasi } from '../util/wasi.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PROGRAMS = resolve(ROOT, '../shared/programs');
const OUT = join(ROOT, '.tmp', 'bench-programs');

type Case = ProgramCase;

/** check.mjs's module/script pairs. */
const cases = (): Case[] => programCases(PROGRAMS);

/** Child: runs one case once and prints `{ ms, code, ok }` as JSON; with `noStart`, only loads and instantiates. */
function child(engine: string, modFile: string, c: Case, noStart = false): void {
  const cwd = join(PROGRAMS, c.dir);
  let instantiate: (imports: any) => { exports: any };
  if (engine === 'native') {
    const m = new WebAssembly.Module(readFileSync(modFile));
    instantiate = (i) => new WebAssembly.Instance(m, i);
  } else {
    const mod = createRequire(import.meta.url)(modFile);
    instantiate = (i) => mod.instantiate(i);
  }
  const wasi = createWasi({
    args: [c.wasm.replace(/\.wasm$/, ''), ...c.args],
    stdin: c.stdin ? readFileSync(join(cwd, c.stdin)) : undefined,
    preopens: { '.': cwd },
  });
  const { exports } = instantiate(wasi.imports);
  if (noStart) return;
  const t0 = performance.now();
  const code = wasi.start(exports);
  const ms = performance.now() - t0;
  const expected = readFileSync(join(cwd, c.script.replace(/\.(lua|sql)$/, '.out'))).toString('latin1');
  process.stdout.write(JSON.stringify({ ms, code, ok: code === 0 && wasi.stdout() === expected }) + '\n');
}

function main(): void {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    if (argv[1] === '--v8-big') argv.splice(1, 1);
    const noStart = argv[1] === '--no-start';
    if (noStart) argv.splice(1, 1);
    const [, engine, modFile, json] = argv;
    child(engine, modFile, JSON.parse(json), noStart);
    return;
  }
  const opt = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const only = opt('only') ?? '';
  const runs = Number(opt('runs') ?? 1);
  const engines = (opt('engines') ?? 'native,kiln').split(',');
  const big = argv.includes('--v8-big');
  const split = opt('split-weight');
  const nodeBin = opt('node') ?? process.execPath;
  const json = opt('json');
  const grind = argv.includes('--callgrind');
  // With --callgrind the *_ms fields hold billions of instructions of `_start` (the JSON says so in `unit`).
  const rows: { name: string; native_ms: number; kiln_ms: number; ok: boolean }[] = [];
  if (!existsSync(PROGRAMS)) { console.log('programs bench: ../shared/programs is absent'); return; }
  if (grind && spawnSync('valgrind', ['--version']).status !== 0) { console.log('programs bench: --callgrind needs valgrind (apt-get install valgrind)'); return; }
  mkdirSync(OUT, { recursive: true });

  const kilnFiles = new Map<string, string | Error>();
  for (const wasm of ['lua.wasm', 'lua-eh.wasm', 'sqlite.wasm']) {
    const t0 = performance.now();
    try {
      const { code } = compile(new Uint8Array(readFileSync(join(PROGRAMS, wasm))), { format: 'cjs', ...(split === undefined ? {} : { splitWeight: Number(split) }) });
      const file = join(OUT, wasm.replace(/\.wasm$/, '.cjs'));
      writeFileSync(file, code);
      kilnFiles.set(wasm, file);
      console.log(`compile ${wasm}: ${(performance.now() - t0).toFixed(0)} ms, ${(code.length / 1e6).toFixed(1)} MB of JS`);
    } catch (e) {
      if (!(e instanceof CompileError)) throw e;
      kilnFiles.set(wasm, e);
      console.log(`compile ${wasm}: rejected (${e.message})`);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const version = spawnSync(nodeBin, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const unit = grind ? 'G instr of _start (whole process)' : 'ms of _start';
  console.log(`node ${version}${split === undefined ? '' : `, splitWeight ${split}`}; ${unit}`);
  console.log(`\n${'case'.padEnd(44)} ${engines.map((e) => e.padStart(grind ? 16 : 10)).join(' ')}   kiln/native${big ? '   (V8 --max-optimized-bytecode-size raised)' : ''}`);
  /** Runs the child once: its JSON line (null when it printed none), its stderr, and with --callgrind the instructions it executed. */
  const runChild = (engine: string, modFile: string, c: Case, noStart: boolean) => {
    const args = [...(big ? ['--max-optimized-bytecode-size=1000000'] : []), '--import', 'tsx', fileURLToPath(import.meta.url), '--child', ...(noStart ? ['--no-start'] : []), engine, modFile, JSON.stringify(c)];
    const r = grind
      ? spawnSync('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', nodeBin, '--single-threaded', ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 })
      : spawnSync(nodeBin, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
    let res: { ms: number; code: number; ok: boolean } | null;
    try { res = JSON.parse(r.stdout.trim().split('\n').pop() ?? ''); } catch { res = null; }
    const instr = Number(/Collected : (\d+)/.exec(r.stderr ?? '')?.[1] ?? NaN);
    return { res, instr, stderr: r.stderr ?? '' };
  };
  /** Instructions of a process that loads and instantiates `modFile` without running `_start` (--callgrind), by engine and module. */
  const baselines = new Map<string, number>();
  const baseline = (engine: string, modFile: string, c: Case): number => {
    const key = `${engine} ${modFile}`;
    if (!baselines.has(key)) baselines.set(key, runChild(engine, modFile, c, true).instr);
    return baselines.get(key)!;
  };
  for (const c of cases()) {
    const name = `${c.wasm} ${c.dir}/${c.script}`;
    if (only && !name.includes(only)) continue;
    const cells: Record<string, string> = {};
    const ms: Record<string, number> = {};
    for (const engine of engines) {
      const modFile = engine === 'native' ? join(PROGRAMS, c.wasm) : kilnFiles.get(c.wasm);
      if (modFile instanceof Error || modFile === undefined) { cells[engine] = 'rejected'; continue; }
      const times: number[] = [];
      let status = 'ok';
      let whole = NaN;
      for (let i = 0; i < (grind ? 1 : runs); i++) {
        const { res, instr, stderr } = runChild(engine, modFile, c, false);
        const base = grind ? baseline(engine, modFile, c) : 0;
        if (res === null || (grind && !(instr > 0))) status = `ERROR: ${stderr.trim().split('\n').slice(-3).join(' / ')}`;
        else if (!(base >= 0)) status = 'ERROR: the load-only process under callgrind printed no count';
        else {
          times.push(grind ? (instr - base) / 1e9 : res.ms);
          whole = instr / 1e9;
          if (!res.ok) status = `FAIL(exit ${res.code})`;
        }
      }
      ms[engine] = median(times);
      cells[engine] = status !== 'ok' ? status : grind ? `${ms[engine].toFixed(2)} (${whole.toFixed(2)})` : ms[engine].toFixed(0);
    }
    const ratio = ms.native && ms.kiln ? (ms.kiln / ms.native).toFixed(1) + 'x' : '';
    if (ms.native && ms.kiln) rows.push({ name, native_ms: ms.native, kiln_ms: ms.kiln, ok: !cells.kiln.includes('FAIL') && !cells.kiln.includes('ERROR') });
    console.log(`${name.padEnd(44)} ${engines.map((e) => (cells[e] ?? '').padStart(grind ? 16 : 10)).join(' ')}   ${ratio.padStart(8)}`);
  }
  if (rows.length > 0) {
    const geo = Math.exp(rows.reduce((a, r) => a + Math.log(r.kiln_ms / r.native_ms), 0) / rows.length);
    const worst = rows.reduce((a, r) => Math.max(a, r.kiln_ms / r.native_ms), 0);
    console.log(`\nkiln/native: geomean ${geo.toFixed(2)}x, worst ${worst.toFixed(2)}x over ${rows.length} cases`);
  }
  if (json !== undefined) writeFileSync(json, JSON.stringify({ node: version, splitWeight: split === undefined ? null : Number(split), unit: grind ? 'G instructions' : 'ms', cases: rows }, null, 2));
}

main();
