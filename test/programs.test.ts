/**
 * Real WASI programs (../shared/programs: Lua 5.4 and the SQLite shell)
 * compiled by Kiln and run on every script exactly as check.mjs runs them:
 * argv `[lua, SCRIPT]` (or `[sqlite]` with the script on stdin), the
 * script's folder preopened as `.`, no environment; stdout must equal the
 * `.out` file byte for byte, the exit status must be 0 and stderr empty.
 * Each script gets a fresh instance of one compiled module, under the WASI
 * host of test/util/wasi.ts.
 *
 * Speed: Kiln's output for these programs is much slower than native wasm
 * (timings in test/bench/programs.ts), mostly because V8 never optimizes
 * the largest functions (luaV_execute, sqlite3VdbeExec exceed V8's
 * --max-optimized-bytecode-size). Scripts taking more than ~10 s under
 * Kiln are skipped by default; KILN_PROGRAMS=all runs every script.
 * On a mismatch, the same script runs on native WebAssembly through the
 * same host, to tell a Kiln bug from a host bug.
 */
import { programCases, type ProgramCase } from './util/programs.js';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile, CompileError } from '../compiler/index.js';
import { ROOT, SHARED } from './util/load.js';
import { createWasi, type WasiOptions } from './util/wasi.js';

const PROGRAMS = SHARED ? join(SHARED, 'programs') : null;
const HAVE = PROGRAMS !== null && existsSync(join(PROGRAMS, 'check.mjs'));
const ALL = process.env.KILN_PROGRAMS === 'all';

/**
 * Scripts slower than ~10 s under Kiln on the 2-core VM (measured ms, default V8 flags),
 * skipped unless KILN_PROGRAMS=all. Native wasm takes 0.5-3 s on each.
 */
const SLOW: Record<string, number> = {
  'lua-scripts/binarytrees.lua': 22_600,
  'lua-scripts/fannkuch.lua': 20_700,
  'lua-scripts/json.lua': 15_500,
  'lua-scripts/mandelbrot.lua': 19_700,
  'lua-scripts/nbody.lua': 45_900,
  'lua-scripts/spectralnorm.lua': 18_000,
  'sqlite-scripts/bulk.sql': 27_700,
  'sqlite-scripts/cte_compute.sql': 35_500,
};

type Case = ProgramCase;

/** check.mjs's module/script pairs. */
const cases = (): Case[] => programCases(PROGRAMS!);

/** WASI options for a case, as run-wasi.mjs sets them (argv[0] is the module's base name). */
function wasiOptions(c: Case): WasiOptions {
  const cwd = join(PROGRAMS!, c.dir);
  return {
    args: [c.wasm.replace(/\.wasm$/, ''), ...c.args],
    env: {},
    stdin: c.stdin ? readFileSync(join(cwd, c.stdin)) : new Uint8Array(0),
    preopens: { '.': cwd },
  };
}

/**
 * Loads CommonJS output with Node's own `require`. (Vitest would pass an
 * `import()`ed file through its transform pipeline, which takes ~30 s on
 * sqlite's 18 MB of output; the code is the same as the ESM output but
 * for the final export statement.)
 */
function loadCjs(code: string): any {
  const dir = join(ROOT, '.tmp');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `p-${createHash('sha1').update(code).digest('hex').slice(0, 16)}.cjs`);
  if (!existsSync(file)) writeFileSync(file, code);
  return createRequire(import.meta.url)(file);
}

type Instantiate = (imports: object) => { exports: any };
interface Result { code: number; stdout: string; stderr: string; ms: number }

/** Runs one fresh instance under a fresh WASI host. */
function run(instantiate: Instantiate, opts: WasiOptions): Result {
  const wasi = createWasi(opts);
  const { exports } = instantiate(wasi.imports);
  const t0 = performance.now();
  const code = wasi.start(exports);
  return { code, stdout: wasi.stdout(), stderr: wasi.stderr(), ms: performance.now() - t0 };
}

/** Compiled programs: Kiln instantiate functions, or the CompileError message when Kiln rejects the module. */
const kiln = new Map<string, Instantiate | string>();
const timings: string[] = [];

describe.skipIf(!HAVE)('real WASI programs compiled by Kiln (check.mjs cases)', () => {
  if (!HAVE) return;

  beforeAll(() => {
    for (const wasm of ['lua.wasm', 'lua-eh.wasm', 'sqlite.wasm']) {
      const bytes = new Uint8Array(readFileSync(join(PROGRAMS!, wasm)));
      const t0 = performance.now();
      let code: string;
      try {
        code = compile(bytes, { format: 'cjs' }).code;
      } catch (e) {
        if (!(e instanceof CompileError)) throw e;
        kiln.set(wasm, (e as Error).message);
        continue;
      }
      const mod = loadCjs(code);
      kiln.set(wasm, (imports) => mod.instantiate(imports));
      timings.push(`compile+load ${wasm}: ${(performance.now() - t0).toFixed(0)} ms`);
    }
  }, 120_000);

  afterAll(() => {
    if (timings.length) console.log(`programs.test timings (Kiln):\n  ${timings.join('\n  ')}`);
  });

  it('lua-eh.wasm (setjmp/longjmp lowered to legacy exception handling) compiles', () => {
    expect(typeof kiln.get('lua-eh.wasm'), String(kiln.get('lua-eh.wasm'))).toBe('function');
  });

  for (const c of cases()) {
    const key = `${c.dir}/${c.script}`;
    it(`${c.wasm} ${key}`, (ctx) => {
      const k = kiln.get(c.wasm);
      if (typeof k === 'string') return ctx.skip(`Kiln rejects ${c.wasm}: ${k}`);
      if (SLOW[key] && !ALL) return ctx.skip(`slow under Kiln (~${Math.round(SLOW[key] / 1000)} s): set KILN_PROGRAMS=all to run it`);
      const opts = wasiOptions(c);
      const r = run(k!, opts);
      timings.push(`${c.wasm} ${key}: ${r.ms.toFixed(0)} ms`);
      const expected = readFileSync(join(PROGRAMS!, c.dir, c.script.replace(/\.(lua|sql)$/, '.out'))).toString('latin1');
      if (r.code !== 0 || r.stdout !== expected || r.stderr !== '') {
        // Oracle: the same module on native WebAssembly through the same host.
        const m = new WebAssembly.Module(readFileSync(join(PROGRAMS!, c.wasm)));
        const n = run((i) => new WebAssembly.Instance(m, i as WebAssembly.Imports), opts);
        const hostOk = n.code === 0 && n.stdout === expected && n.stderr === '';
        const msg = hostOk ? 'native wasm passes through the same WASI host: Kiln bug' : 'native wasm fails too: WASI host bug';
        expect({ code: r.code, stderr: r.stderr, stdout: r.stdout }, msg).toEqual({ code: 0, stderr: '', stdout: expected });
      }
    }, 300_000);
  }

  it('lua.wasm on the lua-eh scripts ends with exit 1 and the same stderr as native', (ctx) => {
    const k = kiln.get('lua.wasm');
    if (typeof k === 'string') return ctx.skip(k);
    const m = new WebAssembly.Module(readFileSync(join(PROGRAMS!, 'lua.wasm')));
    for (const s of ['errors.lua', 'coroutines.lua']) {
      const opts = wasiOptions({ wasm: 'lua.wasm', dir: 'lua-eh-scripts', script: s, args: [s] });
      const n = run((i) => new WebAssembly.Instance(m, i as WebAssembly.Imports), opts);
      const r = run(k!, opts);
      expect(n.code).toBe(1);
      expect(n.stderr).toMatch(/^lua: /);
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: n.code, stdout: n.stdout, stderr: n.stderr });
    }
  });

  it('sqlite.wasm with a file database (path_open, fd_pread/pwrite, fd_seek, filestat) matches native', (ctx) => {
    const k = kiln.get('sqlite.wasm');
    if (typeof k === 'string') return ctx.skip(k);
    const m = new WebAssembly.Module(readFileSync(join(PROGRAMS!, 'sqlite.wasm')));
    const native: Instantiate = (i) => new WebAssembly.Instance(m, i as WebAssembly.Imports);
    const steps: [string[], string][] = [
      [['test.db', "create table t(x integer primary key, y text); insert into t(y) select printf('row %d', value) from generate_series(1, 3000);"], ''],
      [['test.db'], 'select count(*), sum(x), max(y) from t;\ndelete from t where x % 3 = 0;\nvacuum;\nselect count(*), total(length(y)) from t;\npragma integrity_check;\n.tables\n'],
      [['missing/x.db', 'select 1'], ''],
    ];
    const outputs: Record<string, Result[]> = {};
    for (const [name, inst] of [['native', native], ['kiln', k!]] as const) {
      const dir = mkdtempSync(join(tmpdir(), 'kiln-programs-'));
      try {
        outputs[name] = steps.map(([args, stdin]) => run(inst, { args: ['sqlite', ...args], stdin: new TextEncoder().encode(stdin), preopens: { '.': dir } }));
        outputs[name].push({ code: 0, stdout: String(readFileSync(join(dir, 'test.db')).length), stderr: '', ms: 0 });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    const strip = (rs: Result[]) => rs.map(({ code, stdout, stderr }) => ({ code, stdout, stderr }));
    expect(strip(outputs.native)[1].stdout).toBe('3000|4501500|row 999\n2000|15262.0\nok\nt\n');
    expect(strip(outputs.kiln)).toEqual(strip(outputs.native));
  });
});

/**
 * Compile configurations other than the default, each on a Lua script and a
 * SQLite script that run in well under a second: fuel (a budget no script
 * exhausts), i64 pairs with the typed-array tuning, small split parts, and
 * signed addresses (a page limit under 2 GiB). The fuzzers try every
 * configuration on small generated modules; this is the same on real code.
 * (Session 37 ran all 30 cases in nine configurations, the polyfill among them: 0 mismatches.)
 */
const CONFIGS: Record<string, object> = {
  fuel: { fuel: true },
  'pair+hermes': { i64: 'pair', tune: 'hermes' },
  'split 2000': { splitWeight: 2000 },
  'signed addresses': { maxMemoryPages: 32768 },
};
const CONFIG_CASES = ['lua-scripts/oop.lua', 'sqlite-scripts/basics.sql'];

describe.skipIf(!HAVE)('real WASI programs in other compile configurations', () => {
  if (!HAVE) return;
  for (const [name, opts] of Object.entries(CONFIGS)) {
    it(name, () => {
      for (const c of cases().filter((c) => c.wasm !== 'lua-eh.wasm' && CONFIG_CASES.includes(`${c.dir}/${c.script}`))) {
        const mod = loadCjs(compile(new Uint8Array(readFileSync(join(PROGRAMS!, c.wasm))), { format: 'cjs', ...opts }).code);
        const r = run((i) => mod.instantiate(i, 'fuel' in opts ? { fuel: 1e15 } : undefined), wasiOptions(c));
        const expected = readFileSync(join(PROGRAMS!, c.dir, c.script.replace(/\.(lua|sql)$/, '.out'))).toString('latin1');
        expect({ code: r.code, stderr: r.stderr, stdout: r.stdout }, `${c.wasm} ${c.script}`).toEqual({ code: 0, stderr: '', stdout: expected });
      }
    }, 300_000);
  }
});

if (!HAVE) console.warn('programs.test: ../shared/programs is absent; skipping the real-program tests');
