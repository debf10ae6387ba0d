/**
 * Kiln's performance harness (`npm run bench`). A benchmark, not a test: it
 * prints figures and targets side by side and never fails on speed.
 *
 * 1. Kernels: every kernel of ../shared/bench/manifest.json run natively
 *    (`WebAssembly`), compiled by Kiln, and compiled by Binaryen's
 *    `wasm2js -O3`, each (engine, kernel) in a fresh `node` process
 *    (child.mjs): warm-up calls, then timed calls, every checksum checked.
 *    Prints the medians (ms), Kiln/native and Kiln/wasm2js and their
 *    geometric means.
 * 2. Compile: Kiln vs wasm2js on ../shared/bench/build/all.wasm and each
 *    ../shared/programs/*.wasm, each compile in a fresh process: compile
 *    time, input MB/s, peak RSS, output size raw and gzipped (Kiln with the
 *    inline runtime, and with `runtime: 'import'`).
 *
 * Kiln is the esbuild bundle of the current sources (written to
 * .tmp/bench/kiln-compiler.mjs), so children run under bare `node` with no
 * TypeScript loader. Generated modules go under .tmp/bench/.
 *
 * Options: --only a,b  --runs N  --wasm2js-runs N  --warmup N  --budget S
 *          --timeout S  --json file  --no-wasm2js  --no-kernels  --no-compile
 *          --smoke (fib only, 1 timed run, no warm-up, no wasm2js, compile
 *          section on all.wasm with Kiln only)  --help
 * Units: 1 KB = 1000 bytes, 1 MB = 10^6 bytes (throughput and RSS alike).
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const HERE = join(ROOT, 'test', 'bench');
const SHARED = resolve(ROOT, '../shared');
const OUT = join(ROOT, '.tmp', 'bench');
const WASM2JS = join(ROOT, 'node_modules', 'binaryen', 'bin', 'wasm2js');
const ENGINES = ['native', 'kiln', 'wasm2js'] as const;
type Engine = (typeof ENGINES)[number];

/** The targets printed beside the figures (from the issue). */
const TARGETS = {
  nativeGeomean: 2.0,
  wasm2jsGeomean: 0.8,
  perKernelNative: 4.0,
  compileMBps: 1.0,
  compileVsWasm2js: 10,
  rssPerInputByte: 30,
  rssBaseBytes: 150e6,
  gzipVsWasm2js: 1.3,
};

/** Command-line options of the harness. */
interface Options {
  only: string[] | null;
  runs: number;
  wasm2jsRuns: number;
  warmup: number;
  budgetMs: number;
  timeoutMs: number;
  json: string | null;
  wasm2js: boolean;
  kernels: boolean;
  compile: boolean;
  smoke: boolean;
}

/** What child.mjs prints for one (engine, kernel). */
interface RunResult {
  engine: Engine;
  loadMs?: number;
  warmupMs?: number[];
  times?: number[];
  ok?: boolean;
  results?: unknown[];
  error?: string;
}

/** One kernel's figures across engines. */
interface KernelResult {
  name: string;
  checksum: number;
  runs: Partial<Record<Engine, RunResult>>;
  /** Compile errors of the module for an engine (kiln, wasm2js). */
  buildErrors: Partial<Record<Engine, string>>;
}

/** One compile, by Kiln (compile-child.mjs) or by the wasm2js CLI. */
interface CompileResult {
  engine: 'kiln' | 'wasm2js';
  /** Wall time of the child process as the parent saw it. */
  wallMs: number;
  /** Kiln: from process start to the output written (what `kiln compile` takes), reported by the child. */
  endToEndMs?: number;
  /** Kiln: measured around `compile` in the child; wasm2js: wall time less the CLI's start-up time. */
  compileMs?: number;
  warmCompileMs?: number;
  rssBeforeBytes?: number;
  /** Kiln: peak RSS right after compile(), before writing the output. */
  compileRSSBytes?: number;
  /** Peak RSS of the process (Kiln: after writing the output). */
  maxRSSBytes?: number;
  inline?: { raw: number; gzip: number };
  import?: { raw: number; gzip: number };
  /** wasm2js output sizes. */
  output?: { raw: number; gzip: number };
  rejected?: boolean;
  error?: string;
}

/** One compile-section input. */
interface CompileInput {
  name: string;
  path: string;
  bytes: number;
  /** One of ../shared/programs (the compile-speed targets apply to the largest of these). */
  program: boolean;
  kiln?: CompileResult;
  wasm2js?: CompileResult;
}

const USAGE = `Usage: npm run bench -- [options]
  --only a,b         kernels to run (default: all in the manifest)
  --runs N           timed runs per (engine, kernel) (default 5)
  --wasm2js-runs N   timed runs for wasm2js (default: --runs)
  --warmup N         untimed warm-up calls first (default 1)
  --budget S         stop timing early after S seconds of timed runs, once 3 are done (default 45; 0: never)
  --timeout S        kill a child process after S seconds (default 300)
  --json FILE        write every figure (every run's time) as JSON
  --no-wasm2js       skip wasm2js (runs and compiles)
  --no-kernels       skip the kernel timings
  --no-compile       skip the compile section
  --smoke            tiny run: fib only, 1 timed run, no warm-up, no wasm2js, compile section on all.wasm (Kiln)
`;

/** Parses `argv` (without node and script) into `Options`; exits with usage on bad input. */
function parseOptions(argv: string[]): Options {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        only: { type: 'string' },
        runs: { type: 'string' },
        'wasm2js-runs': { type: 'string' },
        warmup: { type: 'string' },
        budget: { type: 'string' },
        timeout: { type: 'string' },
        json: { type: 'string' },
        'no-wasm2js': { type: 'boolean' },
        'no-kernels': { type: 'boolean' },
        'no-compile': { type: 'boolean' },
        smoke: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    usage((e as Error).message);
  }
  if (parsed.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const smoke = parsed.smoke === true;
  const int = (v: string | undefined, dflt: number, min: number, what: string): number => {
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) usage(`${what} must be an integer >= ${min}, got ${v}`);
    return n;
  };
  const runs = int(parsed.runs, smoke ? 1 : 5, 1, '--runs');
  return {
    only: parsed.only !== undefined ? parsed.only.split(',').map((s) => s.trim()).filter(Boolean) : smoke ? ['fib'] : null,
    runs,
    wasm2jsRuns: int(parsed['wasm2js-runs'], runs, 1, '--wasm2js-runs'),
    warmup: int(parsed.warmup, smoke ? 0 : 1, 0, '--warmup'),
    budgetMs: int(parsed.budget, 45, 0, '--budget') * 1000,
    timeoutMs: int(parsed.timeout, 300, 1, '--timeout') * 1000,
    json: parsed.json ?? null,
    wasm2js: !smoke && parsed['no-wasm2js'] !== true,
    kernels: parsed['no-kernels'] !== true,
    compile: parsed['no-compile'] !== true,
    smoke,
  };
}

function usage(message: string): never {
  process.stderr.write(`bench: ${message}\n\n${USAGE}`);
  process.exit(2);
}

/** Median of a non-empty list. */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Geometric mean of a non-empty list of positive numbers (NaN when empty). */
function geomean(xs: number[]): number {
  if (xs.length === 0) return NaN;
  return Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
}

/** Environment for children: no inherited NODE_OPTIONS (loaders, inspectors). */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env.NODE_OPTIONS;
  return env;
}

/** The highest 1-minute load average seen after a child process (contention shows as > 1 on top of our own child). */
let maxLoad = 0;

/** Runs `node args...` to completion; returns the result and its wall time. */
function node(args: string[], timeoutMs: number, env?: NodeJS.ProcessEnv): { r: SpawnSyncReturns<string>; wallMs: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 << 20,
    env: env ?? childEnv(),
    cwd: ROOT,
  });
  const wallMs = performance.now() - t0;
  maxLoad = Math.max(maxLoad, loadavg()[0]!);
  return { r, wallMs };
}

/** Why a child failed, in one line (signal, timeout, exit status, last stderr line). */
function failure(r: SpawnSyncReturns<string>, timeoutMs: number): string {
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') return `timed out after ${timeoutMs / 1000} s`;
  if (r.error) return r.error.message;
  const lines = (r.stderr ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
  const at = lines.findIndex((l) => /fatal|error/i.test(l));
  // The first line naming an error and what follows it (wasm2js prints the offending expression over several lines).
  const fatal = (at >= 0 ? lines.slice(at) : lines.slice(-1)).join(' ');
  const how = r.signal ? `killed by ${r.signal}` : `exit status ${r.status}`;
  return `${how}${fatal ? `: ${fatal.slice(0, 160)}` : ''}`;
}

/** The last JSON line a child printed, or null. */
function lastJson<T>(stdout: string | null): T | null {
  const lines = (stdout ?? '').trim().split('\n');
  try {
    return JSON.parse(lines[lines.length - 1]!) as T;
  } catch {
    return null;
  }
}

/** Bundles compiler/index.ts (current sources) into .tmp/bench/kiln-compiler.mjs; returns its path. */
async function bundleKiln(): Promise<string> {
  const outfile = join(OUT, 'kiln-compiler.mjs');
  await build({
    entryPoints: [join(ROOT, 'compiler', 'index.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}

/** Compiles `wasm` with the wasm2js CLI (`-O3`) into `out`; returns an error message or null. */
function wasm2js(wasm: string, out: string, timeoutMs: number): string | null {
  const { r } = node([WASM2JS, '-O3', wasm, '-o', out], timeoutMs);
  return r.status === 0 && existsSync(out) ? null : failure(r, timeoutMs);
}

// ---------------------------------------------------------------- kernels

/** The part of ../shared/bench/manifest.json the harness reads. */
interface Manifest {
  kernels: Record<string, { wasm: string; export: string; checksum: number }>;
}

/** Runs the kernel section; returns one result per kernel. */
async function runKernels(opts: Options, bundle: string, manifest: Manifest): Promise<KernelResult[]> {
  const selected = opts.only ?? Object.keys(manifest.kernels).sort();
  const kiln = (await import(pathToFileURL(bundle).href)) as { compile: (b: Uint8Array) => { code: string } };
  for (const d of ['kiln', 'wasm2js']) mkdirSync(join(OUT, d), { recursive: true });
  const engines = ENGINES.filter((e) => e !== 'wasm2js' || opts.wasm2js);
  const results: KernelResult[] = [];
  for (const [i, name] of selected.entries()) {
    const k = manifest.kernels[name]!;
    const wasm = join(SHARED, 'bench', k.wasm);
    const res: KernelResult = { name, checksum: k.checksum, runs: {}, buildErrors: {} };
    const files: Record<Engine, string> = {
      native: wasm,
      kiln: join(OUT, 'kiln', `${name}.mjs`),
      wasm2js: join(OUT, 'wasm2js', `${name}.mjs`),
    };
    try {
      writeFileSync(files.kiln, kiln.compile(new Uint8Array(readFileSync(wasm))).code);
    } catch (e) {
      res.buildErrors.kiln = `${(e as Error).name}: ${(e as Error).message}`;
    }
    if (opts.wasm2js) {
      rmSync(files.wasm2js, { force: true });
      const err = wasm2js(wasm, files.wasm2js, opts.timeoutMs);
      if (err) res.buildErrors.wasm2js = err;
    }
    const progress: string[] = [];
    for (const engine of engines) {
      if (res.buildErrors[engine]) {
        progress.push(`${engine} (compile error)`);
        continue;
      }
      const runs = engine === 'wasm2js' ? opts.wasm2jsRuns : opts.runs;
      const args = [join(HERE, 'child.mjs'), engine, files[engine], k.export, String(opts.warmup), String(runs), String(opts.budgetMs), String(k.checksum)];
      const { r } = node(args, opts.timeoutMs);
      const out = lastJson<RunResult>(r.stdout);
      const run: RunResult = out ?? { engine, error: failure(r, opts.timeoutMs) };
      res.runs[engine] = run;
      progress.push(run.times ? `${engine} ${fmtMs(median(run.times))}${run.ok ? '' : ' ✗'}` : `${engine} error`);
    }
    process.stderr.write(`[${i + 1}/${selected.length}] ${name}: ${progress.join(', ')}\n`);
    results.push(res);
  }
  return results;
}

/** Median time of a run that completed with the right checksum, else null. */
function goodMedian(r: RunResult | undefined): number | null {
  return r?.times?.length && r.ok ? median(r.times) : null;
}

function fmtMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
}

function fmtRatio(x: number, digits = 2): string {
  return Number.isFinite(x) ? `${x.toFixed(digits)}x` : '-';
}

/** Lays out `rows` in columns: the first `left` columns left-aligned, the others right-aligned; returns the lines. */
function table(rows: string[][], left = 1): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c < left ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd());
}

/** Summary figures of the kernel section (also written to the JSON). */
interface KernelSummary {
  nativeGeomean: number;
  wasm2jsGeomean: number;
  worst: { name: string; ratio: number } | null;
}

/** Prints the kernel table and returns the summary. */
function printKernels(results: KernelResult[], opts: Options): KernelSummary {
  const cell = (k: KernelResult, e: Engine): string => {
    if (e === 'wasm2js' && !opts.wasm2js) return 'skipped';
    if (k.buildErrors[e]) return 'compile error';
    const r = k.runs[e];
    if (!r?.times?.length) return 'error';
    const want = e === 'wasm2js' ? opts.wasm2jsRuns : opts.runs;
    const n = r.times.length < want ? ` (n=${r.times.length})` : '';
    return `${r.ok ? '' : '✗ '}${fmtMs(median(r.times))}${n}`;
  };
  const rows: string[][] = [['kernel', 'native', 'kiln', 'wasm2js', 'kiln/native', 'kiln/wasm2js']];
  const vsNative: number[] = [];
  const vsW2j: number[] = [];
  const notes: string[] = [];
  let worst: KernelSummary['worst'] = null;
  for (const k of results) {
    const nat = goodMedian(k.runs.native);
    const kil = goodMedian(k.runs.kiln);
    const w2j = goodMedian(k.runs.wasm2js);
    let rn = '-';
    let rw = '-';
    if (kil !== null && nat !== null) {
      const x = kil / nat;
      vsNative.push(x);
      if (!worst || x > worst.ratio) worst = { name: k.name, ratio: x };
      rn = fmtRatio(x) + (x > TARGETS.perKernelNative ? ' ✗' : '');
    }
    if (kil !== null && w2j !== null) {
      vsW2j.push(kil / w2j);
      rw = fmtRatio(kil / w2j);
    }
    rows.push([k.name, cell(k, 'native'), cell(k, 'kiln'), cell(k, 'wasm2js'), rn, rw]);
    for (const e of ENGINES) {
      const r = k.runs[e];
      if (k.buildErrors[e]) notes.push(`✗ ${e} could not compile ${k.name}: ${k.buildErrors[e]}`);
      else if (r?.error) notes.push(`✗ ${e} failed on ${k.name}: ${r.error}`);
      else if (r && !r.ok) {
        const got = (r.results ?? []).filter((v) => v !== k.checksum);
        notes.push(`✗ ${e} gave a wrong checksum on ${k.name}: ${got.join(', ')} (expected ${k.checksum}); excluded from the ratios`);
      }
    }
  }
  const gn = geomean(vsNative);
  const gw = geomean(vsW2j);
  rows.push(['geomean', '', '', '', fmtRatio(gn, 3), fmtRatio(gw, 3)]);
  rows.push(['target', '', '', '', `<= ${TARGETS.nativeGeomean.toFixed(1)}`, `<= ${TARGETS.wasm2jsGeomean.toFixed(1)}`]);
  const w2jRuns = opts.wasm2js && opts.wasm2jsRuns !== opts.runs ? `, wasm2js ${opts.wasm2jsRuns}` : '';
  console.log(`\nKernels: median ms of ${opts.runs} timed run(s)${w2jRuns} after ${opts.warmup} warm-up call(s); each (engine, kernel) in a fresh node process`);
  for (const line of table(rows)) console.log('  ' + line);
  console.log(`  (✗ before a time: wrong checksum; ✗ after a ratio: slower than ${TARGETS.perKernelNative}x native; n=: fewer runs, time budget)`);
  for (const n of notes) console.log('  ' + n);
  return { nativeGeomean: gn, wasm2jsGeomean: gw, worst };
}

// ---------------------------------------------------------------- compile

/** Runs the compile section on all.wasm and ../shared/programs/*.wasm. */
function runCompile(opts: Options, bundle: string): { startupMs: number | null; inputs: CompileInput[] } {
  const dir = join(OUT, 'compile');
  mkdirSync(dir, { recursive: true });
  const paths = [join(SHARED, 'bench', 'build', 'all.wasm')];
  const programs = join(SHARED, 'programs');
  if (!opts.smoke && existsSync(programs)) {
    for (const f of readdirSync(programs).filter((f) => f.endsWith('.wasm')).sort()) paths.push(join(programs, f));
  }
  const inputs: CompileInput[] = paths.filter((p) => existsSync(p)).map((p) => ({
    name: basename(p), path: p, bytes: statSync(p).size, program: dirname(p) === programs,
  }));

  // The wasm2js CLI's own start-up time: its wall time on an empty module.
  let startupMs: number | null = null;
  if (opts.wasm2js) {
    const empty = join(dir, 'empty.wasm');
    writeFileSync(empty, Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0));
    const walls: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { r, wallMs } = node([WASM2JS, '-O3', empty, '-o', join(dir, 'empty.wasm2js.mjs')], opts.timeoutMs);
      if (r.status === 0) walls.push(wallMs);
    }
    if (walls.length) startupMs = median(walls);
  }

  for (const input of inputs) {
    const stem = input.name.replace(/\.wasm$/, '');
    // Kiln
    {
      const { r, wallMs } = node([join(HERE, 'compile-child.mjs'), bundle, input.path, join(dir, `${stem}.kiln.mjs`)], opts.timeoutMs);
      const out = lastJson<Omit<CompileResult, 'engine' | 'wallMs'>>(r.stdout);
      input.kiln = { engine: 'kiln', wallMs, ...(out ?? { error: failure(r, opts.timeoutMs) }) };
      process.stderr.write(`compile ${input.name}: kiln ${input.kiln.compileMs !== undefined ? fmtMs(input.kiln.compileMs) + ' ms' : input.kiln.rejected ? 'rejected' : 'error'}`);
    }
    // wasm2js, with its peak RSS from the preload
    if (opts.wasm2js) {
      const out = join(dir, `${stem}.wasm2js.mjs`);
      const rssFile = join(dir, `${stem}.wasm2js.rss.json`);
      rmSync(out, { force: true });
      rmSync(rssFile, { force: true });
      const env = childEnv({ KILN_BENCH_RSS_FILE: rssFile });
      const { r, wallMs } = node(['--require', join(HERE, 'rss-preload.cjs'), WASM2JS, '-O3', input.path, '-o', out], opts.timeoutMs, env);
      const res: CompileResult = { engine: 'wasm2js', wallMs };
      if (existsSync(rssFile)) res.maxRSSBytes = (JSON.parse(readFileSync(rssFile, 'utf8')) as { maxRSS: number }).maxRSS;
      if (r.status === 0 && existsSync(out)) {
        res.compileMs = Math.max(0, wallMs - (startupMs ?? 0));
        const code = readFileSync(out);
        res.output = { raw: code.length, gzip: gzipSync(code).length };
      } else {
        res.error = failure(r, opts.timeoutMs);
      }
      input.wasm2js = res;
      process.stderr.write(`, wasm2js ${res.error ? 'error' : fmtMs(wallMs) + ' ms wall'}`);
    }
    process.stderr.write('\n');
  }
  return { startupMs, inputs };
}

function fmtBytes(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} MB`;
  return `${(n / 1e3).toFixed(1)} KB`;
}

/** The RSS target for an input of `bytes` bytes. */
function rssLimit(bytes: number): number {
  return TARGETS.rssPerInputByte * bytes + TARGETS.rssBaseBytes;
}

/** Prints the compile table; returns the lines of the target checks. */
function printCompile(c: { startupMs: number | null; inputs: CompileInput[] }, opts: Options): string[] {
  const rows: string[][] = [['input', 'engine', 'compile ms', 'wall ms', 'MB/s', 'peak RSS', 'RSS target', 'out raw', 'out gzip', 'gzip/wasm2js']];
  const notes: string[] = [];
  for (const inp of c.inputs) {
    const label = `${inp.name} (${fmtBytes(inp.bytes)})`;
    const k = inp.kiln;
    const w = inp.wasm2js?.output ? inp.wasm2js : undefined;
    const gzr = (gz: number): string => (w?.output ? fmtRatio(gz / w.output.gzip) : '-');
    if (k?.compileMs !== undefined && k.inline && k.import && k.maxRSSBytes !== undefined) {
      const lim = rssLimit(inp.bytes);
      rows.push([
        label, 'kiln', fmtMs(k.compileMs), fmtMs(k.endToEndMs ?? k.wallMs), (inp.bytes / 1e6 / (k.compileMs / 1000)).toFixed(2),
        fmtBytes(k.maxRSSBytes), `< ${fmtBytes(lim)} ${k.maxRSSBytes < lim ? '✓' : '✗'}`,
        fmtBytes(k.inline.raw), fmtBytes(k.inline.gzip), gzr(k.inline.gzip),
      ]);
      rows.push(['', 'kiln --runtime import', `(${fmtMs(k.warmCompileMs ?? NaN)} warm)`, '', '', '', '', fmtBytes(k.import.raw), fmtBytes(k.import.gzip), gzr(k.import.gzip)]);
    } else {
      rows.push([label, 'kiln', k?.rejected ? 'rejected' : 'error', k ? fmtMs(k.wallMs) : '', '', '', '', '', '', '']);
      notes.push(`${k?.rejected ? '' : '✗ '}kiln on ${inp.name}: ${k?.rejected ? 'rejected: ' : ''}${k?.error ?? 'no result'}`);
    }
    if (opts.wasm2js && inp.wasm2js) {
      const x = inp.wasm2js;
      if (x.output && x.compileMs !== undefined) {
        rows.push([
          '', 'wasm2js -O3', `~${fmtMs(x.compileMs)}`, fmtMs(x.wallMs), (inp.bytes / 1e6 / (x.compileMs / 1000)).toFixed(2),
          x.maxRSSBytes !== undefined ? fmtBytes(x.maxRSSBytes) : '?', '', fmtBytes(x.output.raw), fmtBytes(x.output.gzip), '',
        ]);
      } else {
        rows.push(['', 'wasm2js -O3', 'error', fmtMs(x.wallMs), '', x.maxRSSBytes !== undefined ? fmtBytes(x.maxRSSBytes) : '', '', '', '', '']);
        notes.push(`wasm2js on ${inp.name}: ${x.error}`);
      }
    }
  }
  console.log('\nCompile: each compile in a fresh node process (Kiln: esbuild bundle of the current sources; wasm2js: the binaryen npm CLI)');
  for (const line of table(rows, 2)) console.log('  ' + line);
  console.log('  compile ms: Kiln timed around compile() in the child (cold, first call); wasm2js: wall time less its CLI start-up' +
    (c.startupMs !== null ? ` (${fmtMs(c.startupMs)} ms on an empty module)` : ''));
  console.log('  wall ms: the whole process, start-up included (Kiln: process start to output written, as `kiln compile` would take)');
  console.log('  peak RSS: the whole process (node itself included); RSS target: 30 x input + 150 MB; gzip: zlib default level');
  for (const n of notes) console.log('  ' + n);

  // Target checks
  const checks: string[] = [];
  const compiled = c.inputs.filter((i) => i.kiln?.compileMs !== undefined);
  const largest = compiled.filter((i) => i.program).reduce<CompileInput | null>((a, b) => (a && a.bytes >= b.bytes ? a : b), null);
  if (largest?.kiln?.compileMs !== undefined) {
    const mbps = largest.bytes / 1e6 / (largest.kiln.compileMs / 1000);
    checks.push(`${mark(mbps >= TARGETS.compileMBps)} compile speed on ${largest.name}: ${mbps.toFixed(2)} MB/s (target >= ${TARGETS.compileMBps} MB/s)`);
    const w = largest.wasm2js;
    if (w?.compileMs !== undefined && w.output) {
      const x = w.compileMs / largest.kiln.compileMs;
      const wall = w.wallMs / (largest.kiln.endToEndMs ?? largest.kiln.wallMs);
      checks.push(`${mark(x >= TARGETS.compileVsWasm2js)} compile vs wasm2js on ${largest.name}: ${x.toFixed(1)}x faster (wall to wall ${wall.toFixed(1)}x; target >= ${TARGETS.compileVsWasm2js}x)`);
    }
  }
  for (const inp of compiled) {
    const k = inp.kiln!;
    const lim = rssLimit(inp.bytes);
    const atCompile = k.compileRSSBytes !== undefined ? `; ${fmtBytes(k.compileRSSBytes)} before writing the output` : '';
    checks.push(`${mark(k.maxRSSBytes! < lim)} peak RSS on ${inp.name}: ${fmtBytes(k.maxRSSBytes!)} (target < ${fmtBytes(lim)}${atCompile})`);
  }
  for (const inp of compiled) {
    const w = inp.wasm2js?.output;
    if (!w) continue;
    const k = inp.kiln!;
    const ri = k.inline!.gzip / w.gzip;
    const rm = k.import!.gzip / w.gzip;
    checks.push(`${mark(ri <= TARGETS.gzipVsWasm2js)} gzipped output vs wasm2js on ${inp.name}: ${fmtRatio(ri)} inline runtime, ${fmtRatio(rm)} --runtime import (target <= ${TARGETS.gzipVsWasm2js}x)`);
  }
  return checks;
}

function mark(ok: boolean): string {
  return ok ? '✓' : '✗';
}

// ---------------------------------------------------------------- main

/** Runs the harness with the process's arguments. */
async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  if (!existsSync(join(SHARED, 'bench', 'manifest.json'))) {
    console.log(`bench: shared benchmark material not found at ${SHARED}/bench; nothing to measure`);
    return;
  }
  const manifest = JSON.parse(readFileSync(join(SHARED, 'bench', 'manifest.json'), 'utf8')) as Manifest;
  const names = Object.keys(manifest.kernels).sort();
  for (const n of opts.only ?? []) if (!names.includes(n)) usage(`--only: no kernel named ${n} (known: ${names.join(', ')})`);
  if (opts.wasm2js && !existsSync(WASM2JS)) {
    process.stderr.write(`bench: ${WASM2JS} not found (npm install); running without wasm2js\n`);
    opts.wasm2js = false;
  }
  mkdirSync(OUT, { recursive: true });
  let bundle: string;
  try {
    bundle = await bundleKiln();
  } catch (e) {
    process.stderr.write(`bench: cannot bundle the compiler from compiler/index.ts: ${(e as Error).message}\n`);
    process.exit(2);
  }
  const started = Date.now();
  const loadAtStart = loadavg()[0]!;
  console.log(`Kiln bench: node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} x${cpus().length}, ${new Date().toISOString()}`);

  let kernels: KernelResult[] = [];
  let summary: KernelSummary | null = null;
  if (opts.kernels) {
    kernels = await runKernels(opts, bundle, manifest);
    summary = printKernels(kernels, opts);
  }
  let compile: ReturnType<typeof runCompile> | null = null;
  let compileChecks: string[] = [];
  if (opts.compile) {
    compile = runCompile(opts, bundle);
    compileChecks = printCompile(compile, opts);
  }

  console.log('\nTargets');
  if (summary) {
    const { nativeGeomean: gn, wasm2jsGeomean: gw, worst } = summary;
    if (Number.isFinite(gn)) console.log(`  ${mark(gn <= TARGETS.nativeGeomean)} Kiln/native geomean ${fmtRatio(gn, 3)} (target <= ${TARGETS.nativeGeomean})`);
    if (Number.isFinite(gw)) console.log(`  ${mark(gw <= TARGETS.wasm2jsGeomean)} Kiln/wasm2js geomean ${fmtRatio(gw, 3)} (target <= ${TARGETS.wasm2jsGeomean})`);
    if (worst) {
      const over = kernels.filter((k) => {
        const n = goodMedian(k.runs.native);
        const q = goodMedian(k.runs.kiln);
        return n !== null && q !== null && q / n > TARGETS.perKernelNative;
      });
      console.log(`  ${mark(over.length === 0)} slowest kernel vs native: ${worst.name} ${fmtRatio(worst.ratio)} (target: none above ${TARGETS.perKernelNative}x` +
        (over.length ? `; above: ${over.map((k) => k.name).join(', ')})` : ')'));
    }
    const wrong = kernels.filter((k) => k.runs.kiln && !k.runs.kiln.ok);
    if (wrong.length) console.log(`  ✗ Kiln wrong or failing on: ${wrong.map((k) => k.name).join(', ')}`);
  }
  for (const c of compileChecks) console.log('  ' + c);
  const load = Math.max(maxLoad, loadAtStart);
  console.log(`\n(${((Date.now() - started) / 1000).toFixed(0)} s; 1-minute load average ${loadAtStart.toFixed(2)} at the start, at most ${load.toFixed(2)} during the run` +
    (load > 1.5 ? ` on ${cpus().length} cores: other processes were competing, figures are noisy; every run's time is in --json)` : ')'));

  if (opts.json) {
    const data = {
      meta: { node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, date: new Date().toISOString(), options: opts, targets: TARGETS },
      kernels,
      summary,
      compile,
    };
    writeFileSync(opts.json, JSON.stringify(data, null, 2) + '\n');
    console.log(`raw figures written to ${opts.json}`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(2);
});
