/**
 * Options, targets and result shapes of the performance harness (run.ts,
 * `npm run bench`): what it is asked to do and what it hands the report
 * (run-report.ts).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const HERE = join(ROOT, 'test', 'bench');
export const SHARED = resolve(ROOT, '../shared');
export const OUT = join(ROOT, '.tmp', 'bench');
export const WASM2JS = join(ROOT, 'node_modules', 'binaryen', 'bin', 'wasm2js');
export const ENGINES = ['native', 'kiln', 'wasm2js'] as const;
export type Engine = (typeof ENGINES)[number];

/** The targets printed beside the figures (from the issue). */
export const TARGETS = {
  nativeGeomean: 2.0,
  wasm2jsGeomean: 0.8,
  perKernelNative: 4.0,
  compileMBps: 1.0,
  /**
   * Issue 15: compile throughput on sqlite.wasm not below 2 MB/s, against the
   * 2.8 MB/s issue 16 gives as "today". That figure is a steady-state one:
   * the compiler of that day (28fc0e2, before the IR) compiles sqlite.wasm
   * on this machine at 0.83-0.99 MB/s cold and 2.7 MB/s warm (Node 24), so
   * the bench checks it against `steadyMs` and prints the cold figure too.
   */
  steadyCompileMBps: 2.0,
  compileVsWasm2js: 10,
  rssPerInputByte: 30,
  rssBaseBytes: 150e6,
  gzipVsWasm2js: 1.3,
};

/** Command-line options of the harness. */
export interface Options {
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
export interface RunResult {
  engine: Engine;
  loadMs?: number;
  warmupMs?: number[];
  times?: number[];
  ok?: boolean;
  results?: unknown[];
  error?: string;
}

/** One kernel's figures across engines. */
export interface KernelResult {
  name: string;
  checksum: number;
  runs: Partial<Record<Engine, RunResult>>;
  /** Compile errors of the module for an engine (kiln, wasm2js). */
  buildErrors: Partial<Record<Engine, string>>;
}

/** One compile, by Kiln (compile-child.mjs) or by the wasm2js CLI. */
export interface CompileResult {
  engine: 'kiln' | 'wasm2js';
  /** Wall time of the child process as the parent saw it. */
  wallMs: number;
  /** Kiln: from process start to the output written (what `kiln compile` takes), reported by the child. */
  endToEndMs?: number;
  /** Kiln: measured around `compile` in the child; wasm2js: wall time less the CLI's start-up time. */
  compileMs?: number;
  warmCompileMs?: number;
  /** Kiln: median of compile-child.mjs's STEADY_RUNS compiles after the cold one (default options). */
  steadyMs?: number;
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
export interface CompileInput {
  name: string;
  path: string;
  bytes: number;
  /** One of ../shared/programs (the compile-speed targets apply to the largest of these). */
  program: boolean;
  kiln?: CompileResult;
  wasm2js?: CompileResult;
}


export const USAGE = `Usage: npm run bench -- [options]
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
export function parseOptions(argv: string[]): Options {
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

export function usage(message: string): never {
  process.stderr.write(`bench: ${message}\n\n${USAGE}`);
  process.exit(2);
}

/** Median of a non-empty list. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Geometric mean of a non-empty list of positive numbers (NaN when empty). */
export function geomean(xs: number[]): number {
  if (xs.length === 0) return NaN;
  return Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
}

/** Environment for children: no inherited NODE_OPTIONS (loaders, inspectors). */
