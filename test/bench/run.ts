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
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import {
  ROOT, HERE, SHARED, OUT, WASM2JS, ENGINES, type Engine, type Options, type RunResult, type KernelResult, type CompileResult,
  type CompileInput, TARGETS, parseOptions, usage, median,
} from './run-options.js';
import { fmtMs, fmtRatio, goodMedian, mark, printKernels, printCompile, type KernelSummary } from './run-report.js';

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
