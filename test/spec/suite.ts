/**
 * Runs a whole spec suite (or some of its files) against an engine; shared by
 * the CLI (run.ts) and the vitest wrapper (test/spec.test.ts).
 */

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Engine, kilnEngine, nativeEngine, polyfillEngine } from './engine.js';
import { type Failure, type FileResult, type Wabt, runScript } from './wast.js';

/** The repository root (this file is <root>/test/spec/suite.ts). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Where the suites live: `<repo>/../shared/testsuite`. */
export const TESTSUITE_DIR = resolve(REPO_ROOT, '../shared/testsuite');

const FEATURES_2_0 = {
  mutable_globals: true, sat_float_to_int: true, sign_extension: true, simd: true,
  multi_value: true, bulk_memory: true, reference_types: true,
};
const FEATURES_3_0 = {
  ...FEATURES_2_0, exceptions: true, function_references: true, tail_call: true, gc: true, memory64: true,
  multi_memory: true, extended_const: true, relaxed_simd: true, annotations: true, threads: true,
};

/** wabt text-parser features for a suite. */
export function wabtFeatures(suite: string): Record<string, boolean> {
  return suite === 'wasm-2.0' ? FEATURES_2_0 : FEATURES_3_0;
}

let wabtPromise: Promise<Wabt> | undefined;
/** The wabt instance (loaded once). */
export function loadWabt(): Promise<Wabt> {
  wabtPromise ??= import('wabt').then((m) => (m.default as unknown as () => Promise<Wabt>)());
  return wabtPromise;
}

export interface SuiteOptions {
  /** `wasm-2.0` (default) or `wasm-3.0`: a directory under TESTSUITE_DIR. */
  suite?: string;
  /** `kiln` (default), `native`, or an Engine. */
  engine?: 'kiln' | 'native' | 'polyfill' | Engine;
  /** Files to run (`i32`, `i32.wast`, `legacy/throw.wast`); default all `*.wast` of the suite directory. */
  files?: string[];
  /** Called after each file. */
  onFile?: (r: FileResult) => void;
}

export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

export interface SuiteResult extends Counts {
  /** `missing` when `<repo>/../shared/testsuite` does not exist (nothing was run). */
  status: 'ok' | 'missing';
  dir: string;
  engine: string;
  /** Engine remarks (what is not available yet). */
  notes: string[];
  messages: { matched: number; total: number };
  files: FileResult[];
  failures: Failure[];
  /** Failures by kind. */
  failuresByKind: Record<Failure['kind'], number>;
  skips: Record<string, number>;
}

/** Maps file arguments to paths in `dir`; throws on unknown files. */
export function resolveFiles(dir: string, files: string[] | undefined): string[] {
  if (!files || files.length === 0) {
    return readdirSync(dir).filter((f) => f.endsWith('.wast')).sort().map((f) => join(dir, f));
  }
  return files.map((f) => {
    const name = f.endsWith('.wast') ? f : `${f}.wast`;
    for (const candidate of [join(dir, name), resolve(f)]) if (existsSync(candidate) && candidate.endsWith('.wast')) return candidate;
    throw new Error(`no spec file ${f} in ${dir}`);
  });
}

/** Runs the suite's scripts and returns the counts, per file and in total. */
export async function runSuite(options: SuiteOptions = {}): Promise<SuiteResult> {
  const suite = options.suite ?? 'wasm-2.0';
  const dir = join(TESTSUITE_DIR, suite);
  const engineOpt = options.engine ?? 'kiln';
  const engine =
    typeof engineOpt === 'object' ? engineOpt : engineOpt === 'native' ? nativeEngine() : engineOpt === 'polyfill' ? await polyfillEngine(REPO_ROOT) : await kilnEngine(REPO_ROOT);
  const result: SuiteResult = {
    status: 'ok', dir, engine: engine.name, notes: engine.notes, passed: 0, failed: 0, skipped: 0,
    messages: { matched: 0, total: 0 }, files: [], failures: [],
    failuresByKind: { validation: 0, execution: 0, wabt: 0, runner: 0 }, skips: {},
  };
  if (!existsSync(TESTSUITE_DIR)) return { ...result, status: 'missing' };
  if (!existsSync(dir)) throw new Error(`unknown suite ${suite}: no directory ${dir}`);
  const wabt = await loadWabt();
  const features = wabtFeatures(suite);
  for (const path of resolveFiles(dir, options.files)) {
    const file = path.startsWith(dir + '/') ? path.slice(dir.length + 1) : basename(path);
    const r = await runScript(readFileSync(path, 'utf8'), { file, engine, wabt, features });
    result.files.push(r);
    result.passed += r.passed;
    result.failed += r.failed;
    result.skipped += r.skipped;
    result.messages.matched += r.messages.matched;
    result.messages.total += r.messages.total;
    result.failures.push(...r.failures);
    for (const f of r.failures) result.failuresByKind[f.kind]++;
    for (const [reason, n] of Object.entries(r.skips)) result.skips[reason] = (result.skips[reason] ?? 0) + n;
    options.onFile?.(r);
  }
  return result;
}
