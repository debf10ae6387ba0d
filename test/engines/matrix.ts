/**
 * The engine matrix (README "Engines"): which engines, how each is run, and
 * running generated scripts (spec-bundle.ts) in them. Used by
 * engines.test.ts (`npm test`) and run.ts (`npm run engines`).
 *
 * Engines: the Node running the tests (WebAssembly present, and deleted
 * before anything loads), Node 24, Bun and Hermes 0.12 from the cache that
 * fetch.mjs fills (`node test/engines/fetch.mjs`), and the browsers Debian
 * packages: Chromium (JIT, and `--jitless`: no WebAssembly) and Firefox ESR
 * (default, and `javascript.options.wasm=false`), run by browser.ts. An
 * engine whose binary is missing is reported as skipped with the command
 * that installs it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Target } from '../../compiler/emit/runtime-source.js';
import type { Tune } from '../../compiler/lower/env.js';
import { kernelScript, specScript } from './spec-bundle.js';
import { runInBrowser, type BrowserLaunch } from './browser.js';
import { head, parseSExprs, type SExpr } from '../spec/sexpr.js';
import { parseConst, parsePattern, type Pattern, type Value } from '../spec/values.js';
import { enginePath, ENGINE_PACKAGES } from './fetch.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(HERE, '../..');
export const SHARED = resolve(ROOT, '../shared');
export const SUITE_DIR = join(SHARED, 'testsuite', 'wasm-2.0');
export const OUT = join(ROOT, '.tmp', 'engines');

/** One row of the matrix. */
export interface EngineRow {
  id: string;
  /** Human name with version, e.g. `Node 20.19.2`. */
  name: string;
  /** The binary, or null when missing (see `missing`). */
  bin: string | null;
  /** Arguments before the script. */
  args: string[];
  /** WebAssembly in the engine while the scripts run. */
  wasm: 'present' | 'deleted' | 'absent';
  /** Output target the scripts are compiled for. */
  target: Target;
  /** Compile option `tune` of the scripts (compiler/lower/views.ts); absent: the default, `jit`. */
  tune?: Tune;
  /** Why the engine is skipped. */
  missing?: string;
  /** For a browser: how browser.ts launches it (`bin` is the browser's executable; `args` are unused). */
  browser?: BrowserLaunch;
}

const NO_WASM = join(HERE, 'no-wasm.cjs');

function version(bin: string, args: string[], pattern: RegExp): string {
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 20_000 });
  const m = pattern.exec(`${r.stdout ?? ''}\n${r.stderr ?? ''}`);
  return m ? m[1] : '?';
}

/** The matrix's engines, those whose binary is missing included (with `missing` set). */
export function engineRows(): EngineRow[] {
  const rows: EngineRow[] = [];
  const host = `Node ${process.versions.node}`;
  // Every row runs the default target (hermes) but the first, which runs es2020 (the runtime with classes).
  rows.push({ id: 'node-es2020', name: host, bin: process.execPath, args: [], wasm: 'present', target: 'es2020' });
  rows.push({ id: 'node-nowasm', name: host, bin: process.execPath, args: ['--require', NO_WASM], wasm: 'deleted', target: 'hermes' });
  const cached = (id: string) => {
    const bin: string | null = enginePath(id);
    const pkg = ENGINE_PACKAGES[id as keyof typeof ENGINE_PACKAGES] as { pkg: string; version: string };
    if (bin === null) return { bin: null, missing: `${pkg.pkg} has no binary for ${process.platform}-${process.arch}` };
    if (!existsSync(bin)) return { bin: null, missing: `${bin} is missing: run \`node test/engines/fetch.mjs ${id}\`` };
    return { bin };
  };
  const node24 = cached('node24');
  const n24 = node24.bin ? `Node ${version(node24.bin, ['--version'], /v(\S+)/)}` : 'Node 24';
  rows.push({ id: 'node24', name: n24, args: [], wasm: 'present', target: 'hermes', ...node24 });
  rows.push({ id: 'node24-nowasm', name: n24, args: ['--require', NO_WASM], wasm: 'deleted', target: 'hermes', ...node24 });
  const bun = cached('bun');
  rows.push({ id: 'bun', name: bun.bin ? `Bun ${version(bun.bin, ['--version'], /(\S+)/)}` : 'Bun', args: [], wasm: 'present', target: 'hermes', ...bun });
  const hermes = cached('hermes');
  const hv = hermes.bin ? version(hermes.bin, ['-version'], /Hermes release version: (\S+)/) : '0.12';
  // Hermes has no JIT: its scripts are tuned for it (memory through typed-array views, README "Tuning for Hermes").
  rows.push({ id: 'hermes', name: `Hermes ${hv}`, args: ['-w'], wasm: 'absent', target: 'hermes', tune: 'hermes', ...hermes });
  rows.push(...browserRows());
  return rows;
}

export const CHROMIUM = '/usr/bin/chromium';
export const FIREFOX = '/usr/bin/firefox-esr';

/** The browser rows: Debian's chromium (driven by playwright-core) and firefox-esr (by puppeteer-core over WebDriver BiDi). */
function browserRows(): EngineRow[] {
  const debian = (path: string, pkg: string) => `${path} is missing (Debian: apt-get install -y ${pkg}; .ci/run installs it)`;
  const chromium = existsSync(CHROMIUM) ? { bin: CHROMIUM } : { bin: null, missing: debian(CHROMIUM, 'chromium') };
  const cv = chromium.bin ? ` ${version(CHROMIUM, ['--version'], /Chromium (\S+)/)}` : '';
  const chrome = (args: string[]): BrowserLaunch => ({ kind: 'chromium', args, prefs: {} });
  let firefox: { bin: string | null; missing?: string } = existsSync(FIREFOX) ? { bin: FIREFOX } : { bin: null, missing: debian(FIREFOX, 'firefox-esr') };
  try {
    if (firefox.bin !== null) createRequire(import.meta.url).resolve('puppeteer-core');
  } catch {
    firefox = { bin: null, missing: 'puppeteer-core, which drives Firefox, is not installed (a devDependency: npm ci installs it)' };
  }
  const fv = firefox.bin ? ` ${version(FIREFOX, ['--version'], /Firefox (\S+)/)}` : '';
  const fox = (prefs: BrowserLaunch['prefs']): BrowserLaunch => ({ kind: 'firefox', args: [], prefs });
  return [
    { id: 'chromium', name: `Chromium${cv}`, args: [], wasm: 'present', target: 'hermes', browser: chrome([]), ...chromium },
    { id: 'chromium-jitless', name: `Chromium${cv}`, args: [], wasm: 'absent', target: 'hermes', browser: chrome(['--js-flags=--jitless']), ...chromium },
    { id: 'firefox', name: `Firefox ESR${fv}`, args: [], wasm: 'present', target: 'hermes', browser: fox({}), ...firefox },
    { id: 'firefox-nowasm', name: `Firefox ESR${fv}`, args: [], wasm: 'absent', target: 'hermes', browser: fox({ 'javascript.options.wasm': false }), ...firefox },
  ];
}

/** Kiln's own spec-style files (`kiln-*.wast`), run beside the suite's: what the suite does not reach (test/wast/kiln-addresses.wast). */
export const OWN_WAST_DIR = join(ROOT, 'test', 'wast');

/** Non-SIMD `.wast` files of the wasm-2.0 suite, then Kiln's own, sorted. */
export function specFiles(): string[] {
  const own = readdirSync(OWN_WAST_DIR).filter((f) => f.startsWith('kiln-') && f.endsWith('.wast'));
  return [...readdirSync(SUITE_DIR).filter((f) => f.endsWith('.wast') && !f.startsWith('simd_')), ...own].sort();
}

/** The path of spec file `f` (`specFiles`): Kiln's own directory for a `kiln-` file, else the suite's. */
function wastPath(f: string): string {
  return join(f.startsWith('kiln-') ? OWN_WAST_DIR : SUITE_DIR, f);
}

/** The name of scripts built for `target` and `tune` (their directory under .tmp/engines). */
export function buildName(target: Target, tune?: Tune): string {
  return tune === undefined ? target : `${target}-${tune}`;
}

/** Writes the spec scripts of `files` for `target` (and `tune`) under .tmp/engines/<buildName>/spec; returns their paths by file. */
export async function buildSpecScripts(files: string[], target: Target, tune?: Tune): Promise<Map<string, string>> {
  const dir = join(OUT, buildName(target, tune), 'spec');
  mkdirSync(dir, { recursive: true });
  const out = new Map<string, string>();
  for (const f of files) {
    const { script } = await specScript(wastPath(f), target, 'wasm-2.0', tune);
    const path = join(dir, f.replace(/\.wast$/, '.cjs'));
    writeFileSync(path, script);
    out.set(f, path);
  }
  return out;
}

/** A bench kernel of ../shared/bench/manifest.json. */
export interface Kernel {
  name: string;
  wasm: string;
  export: string;
  checksum: number;
}

export function kernels(): Kernel[] {
  const manifest = JSON.parse(readFileSync(join(SHARED, 'bench', 'manifest.json'), 'utf8')) as { kernels: Record<string, Omit<Kernel, 'name'>> };
  return Object.entries(manifest.kernels).map(([name, k]) => ({ name, ...k }));
}

/** Writes the kernel scripts for `target` (and `tune`) under .tmp/engines/<buildName>/kernels; returns their paths by kernel name. */
export function buildKernelScripts(list: Kernel[], target: Target, tune?: Tune): Map<string, string> {
  const dir = join(OUT, buildName(target, tune), 'kernels');
  mkdirSync(dir, { recursive: true });
  const out = new Map<string, string>();
  for (const k of list) {
    const path = join(dir, `${k.name}.cjs`);
    writeFileSync(path, kernelScript(k.name, new Uint8Array(readFileSync(join(SHARED, 'bench', k.wasm))), k.export, k.checksum, target, tune));
    out.set(k.name, path);
  }
  return out;
}

/** What one script printed: its `KILN-*` lines parsed, or why there are none. */
export interface ScriptRun {
  /** The file or kernel. */
  key: string;
  ms: number;
  /** Parsed JSON of the first `KILN-RESULT` / `KILN-KERNEL` line. */
  result?: Record<string, unknown>;
  /** A `KILN-ERROR` line, a crash, a timeout, or no result line. */
  error?: string;
}

/** Runs `script` in engine `row` (a fresh process, with `args` or the row's); never throws. */
export function runScript(row: EngineRow, key: string, script: string, timeoutMs: number, args = row.args): Promise<ScriptRun> {
  return new Promise((done) => {
    const t0 = Date.now();
    const child = spawn(row.bin!, [...args, script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const ms = Date.now() - t0;
      const line = stdout.split('\n').find((l) => /^KILN-(RESULT|KERNEL|ERROR) /.test(l));
      if (line !== undefined && !line.startsWith('KILN-ERROR ')) {
        done({ key, ms, result: JSON.parse(line.slice(line.indexOf(' ') + 1)) as Record<string, unknown> });
        return;
      }
      const why = line !== undefined ? line.slice('KILN-ERROR '.length)
        : signal === 'SIGKILL' && ms >= timeoutMs ? `timed out after ${timeoutMs / 1000} s`
        : `exited with ${signal ?? code} and no result`;
      done({ key, ms, error: `${why}${stderr.trim() ? `\n${stderr.trim().split('\n').slice(-8).join('\n')}` : ''}` });
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      done({ key, ms: Date.now() - t0, error: `cannot run ${row.bin}: ${e.message}` });
    });
  });
}

/**
 * Runs every script of `scripts` (key → path) in `row`, `concurrency` at a
 * time, with `argsFor(key)` instead of the row's arguments where it gives
 * some (not for browsers); results in the order given. A browser row runs
 * each script in a fresh page (browser.ts), a process row in a fresh process.
 */
export async function runAll(
  row: EngineRow,
  scripts: Map<string, string>,
  timeoutMs: number,
  concurrency = Math.max(1, availableParallelism()),
  argsFor: (key: string) => string[] | undefined = () => undefined,
): Promise<ScriptRun[]> {
  if (row.browser !== undefined) return runInBrowser(row, scripts, timeoutMs, concurrency);
  const entries = [...scripts];
  const results: ScriptRun[] = new Array(entries.length);
  let next = 0;
  const worker = async () => {
    while (next < entries.length) {
      const i = next++;
      results[i] = await runScript(row, entries[i][0], entries[i][1], timeoutMs, argsFor(entries[i][0]) ?? row.args);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, entries.length) }, worker));
  return results;
}

interface SpecFailure {
  file: string;
  line: number;
  command: string;
  kind: string;
  reason: string;
}

const CANONICAL_F32 = 0x7fc00000;
const CANONICAL_F64 = 0x7ff8000000000000n;
const isNan32 = (b: number) => (b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0;
const isNan64 = (b: bigint) => (b & 0x7ff0000000000000n) === 0x7ff0000000000000n && (b & 0xfffffffffffffn) !== 0n;

/** Whether a value is (as f32/f64, or as the bits of one for i32/i64) a NaN other than the positive quiet NaN with no payload. */
function nanWithBits(v: Value): boolean {
  switch (v.type) {
    case 'f32': return isNan32(v.bits) && v.bits !== CANONICAL_F32;
    case 'f64': return isNan64(v.bits) && v.bits !== CANONICAL_F64;
    case 'i32': return isNan32(v.value >>> 0) && v.value >>> 0 !== CANONICAL_F32;
    case 'i64': return isNan64(BigInt.asUintN(64, v.value)) && BigInt.asUintN(64, v.value) !== CANONICAL_F64;
    default: return false;
  }
}

function patternHasNanBits(p: Pattern): boolean {
  if (p.kind === 'either') return p.alts.some(patternHasNanBits);
  return p.kind === 'value' && nanWithBits(p.value);
}

/** Whether the `got …` of a failure reason is a NaN (f32/f64), or an i32/i64 holding the bits of one. */
function gotNan(reason: string): boolean {
  const m = /got (i32|i64|f32|f64):(\S+)(?: \((0x[0-9a-f]+)\))?/.exec(reason);
  if (m === null) return false;
  if (m[1] === 'f32' || m[1] === 'f64') return m[2] === 'NaN';
  if (m[1] === 'i32') return isNan32(Number(m[2]) >>> 0);
  return isNan64(BigInt.asUintN(64, BigInt(m[2])));
}

const commandsByLine = new Map<string, Map<number, SExpr>>();

function commandAt(file: string, line: number): SExpr | undefined {
  let map = commandsByLine.get(file);
  if (map === undefined) {
    map = new Map();
    for (const c of parseSExprs(readFileSync(wastPath(file), 'utf8'))) map.set(c.line, c);
    commandsByLine.set(file, map);
  }
  return map.get(line);
}

/**
 * Whether a failure is the engine's NaN canonicalization and nothing else:
 * in an engine that canonicalizes NaNs held in JS values (the harness probes
 * it: JavaScriptCore and Hermes do, V8 does not), an `assert_return` whose
 * arguments include a NaN with a sign or payload (the bits never reach the
 * compiled code), or whose expected result is such a NaN, or the bits of one
 * in an integer, and which got a NaN (or its bits). Kiln holds f32/f64 values
 * as JS numbers, so on these engines NaN signs and payloads are not kept.
 */
export function nanBitsLimited(f: SpecFailure): boolean {
  if (f.command !== 'assert_return' || f.kind !== 'execution') return false;
  const cmd = commandAt(f.file, f.line);
  if (cmd === undefined || cmd.kind !== 'list') return false;
  const action = cmd.items[1];
  try {
    if (action?.kind === 'list' && head(action) === 'invoke') {
      const args = action.items.slice(1).filter((e) => e.kind === 'list').map(parseConst);
      if (args.some(nanWithBits)) return true;
    }
    return cmd.items.slice(2).map(parsePattern).some(patternHasNanBits) && gotNan(f.reason);
  } catch {
    return false;
  }
}

/** Outcome of an engine's spec runs. */
export interface SpecOutcome {
  passed: number;
  /** Assertions that failed only by the engine's NaN canonicalization (`nanBitsLimited`). */
  nanBits: number;
  /** `engine file:line: command [kind] reason`, one per real failure (a script that did not run is one). */
  failures: string[];
}

/** Sums spec runs; failures named by engine, file and line. */
export function specOutcome(row: EngineRow, runs: ScriptRun[]): SpecOutcome {
  const out: SpecOutcome = { passed: 0, nanBits: 0, failures: [] };
  for (const r of runs) {
    if (r.error !== undefined) {
      out.failures.push(`${row.name} (${row.id}) ${r.key}: ${r.error}`);
      continue;
    }
    out.passed += Number(r.result!.passed);
    for (const f of (r.result!.failures ?? []) as SpecFailure[]) {
      if (r.result!.nanCanonical === true && nanBitsLimited(f)) out.nanBits++;
      else out.failures.push(`${row.name} (${row.id}) ${f.file}:${f.line}: ${f.command} [${f.kind}] ${f.reason.split('\n')[0]}`);
    }
  }
  return out;
}

/** Failure lines of kernel runs: `engine kernel: what`. */
export function kernelFailures(row: EngineRow, runs: ScriptRun[], list: Kernel[]): string[] {
  const lines: string[] = [];
  for (const r of runs) {
    const k = list.find((x) => x.name === r.key)!;
    if (r.error !== undefined) lines.push(`${row.name} (${row.id}) kernel ${r.key}: ${r.error}`);
    else if (r.result!.error !== undefined) lines.push(`${row.name} (${row.id}) kernel ${r.key}: threw ${String(r.result!.error).split('\n')[0]}`);
    else if (r.result!.ok !== true) lines.push(`${row.name} (${row.id}) kernel ${r.key}: returned ${String(r.result!.result)}, expected checksum ${k.checksum}`);
  }
  return lines;
}
