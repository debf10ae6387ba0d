/**
 * Real programs in every engine of the matrix (issues 16 and 18):
 * `npm run bench:programs-engines -- [--engines ids] [--only SUBSTRING]
 *   [--runs N] [--timeout S] [--split-weight N] [--impls a,b] [--json FILE]`.
 *
 * The Lua and SQLite cases of ../shared/programs (check.mjs's scripts), each
 * fed to the program on stdin (`lua -`, `sqlite3`), run on Kiln's output
 * (default compile options, or `--split-weight`; the row's target, CommonJS) and, where the
 * engine has `WebAssembly`, on the engine's own; with `--impls`, on those of
 * `kiln`, `native`, `polyfill` (Kiln's run-time compile mode, its default
 * namespace) and `polywasm` (peers.ts) the row can run. Each (engine, case,
 * implementation) is one classic script (.tmp/programs-engines/), run in a
 * fresh process or page by the matrix (test/engines/matrix.ts `runAll`):
 * the WASI host of test/util/wasi.ts bundled by esbuild (its file-system
 * imports stubbed: nothing here opens a file), the program, the script's
 * text. The script times the load (Kiln: evaluating the module's code with
 * `new Function`, then `instantiate`; the others: `new Module` and
 * `Instance` of their namespace) and `_start`, and prints a `KILN-RESULT`
 * line. The output must be the expected output, or native's in the same
 * engine (the Lua scripts that print a chunk name see `stdin`). Prints per
 * engine the median load and run times (ms), Kiln/native and
 * polyfill/polywasm for the runs, and their geometric means.
 * A benchmark: it never fails on speed.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { compile } from '../../compiler/index.js';
import { engineRows, OUT, ROOT, runAll, SHARED } from '../engines/matrix.js';
import { programCases } from '../util/programs.js';
import { polyfillBundle, polywasmBundle } from './peers.js';

const PROGRAMS = join(SHARED, 'programs');
const DIR = join(OUT, '..', 'programs-engines');
type Impl = 'kiln' | 'native' | 'polyfill' | 'polywasm';
const IMPLS: readonly Impl[] = ['kiln', 'native', 'polyfill', 'polywasm'];
/** The namespace whose `Module` and `Instance` load each implementation but Kiln's output. */
const NAMESPACE: Record<Exclude<Impl, 'kiln'>, string> = { native: 'WebAssembly', polyfill: '__kilnPolyfill.WebAssembly', polywasm: '__polywasm.WebAssembly' };
/** The run-time ratios shown, where a row runs both sides. */
const RATIOS: [Impl, Impl][] = [['kiln', 'native'], ['polyfill', 'polywasm'], ['polyfill', 'kiln']];

/** One case: module, script file and what it must print. */
interface Case {
  name: string;
  wasm: string;
  script: string;
  expected: string;
}

function cases(only: string | undefined): Case[] {
  // One module per script: lua.wasm for the Lua scripts (lua-eh.wasm for those that need it), sqlite.wasm.
  return programCases(PROGRAMS)
    .filter((c) => !(c.wasm === 'lua-eh.wasm' && c.dir === 'lua-scripts'))
    .map((c) => ({
      name: c.script,
      wasm: c.wasm,
      script: join(PROGRAMS, c.dir, c.script),
      expected: readFileSync(join(PROGRAMS, c.dir, c.script.replace(/\.(lua|sql)$/, '.out')), 'latin1'),
    }))
    .filter((c) => only === undefined || c.name.includes(only));
}

/** The WASI host as a script defining `__kilnWasi` (createWasi), node:fs/path/crypto and process/Buffer stubbed for browsers. */
async function wasiBundle(): Promise<string> {
  const stubs: Record<string, string> = {
    'node:fs': 'const no = () => { throw new Error("no file system here"); }; export const openSync = no, closeSync = no, readSync = no, writeSync = no, fstatSync = no, statSync = no, lstatSync = no, mkdirSync = no, readdirSync = no, unlinkSync = no, rmdirSync = no, renameSync = no, ftruncateSync = no, fsyncSync = no, existsSync = () => false, constants = {};',
    'node:path': 'export const resolve = (p) => p, relative = (a, b) => b, isAbsolute = (p) => p.startsWith("/"), sep = "/";',
    'node:crypto': 'export function randomFillSync(b) { crypto.getRandomValues(b); return b; }',
  };
  const shim = [
    'const now = () => (typeof performance === "object" ? performance.now() : Date.now());',
    'export const process = { hrtime: { bigint: () => BigInt(Math.round(now() * 1e6)) }, cpuUsage: (s) => { const u = Math.round(now() * 1000); return { user: s ? u - s.user : u, system: 0 }; } };',
    'class B extends Uint8Array {',
    '  static concat(l) { const o = new B(l.reduce((a, x) => a + x.length, 0)); let i = 0; for (const x of l) { o.set(x, i); i += x.length; } return o; }',
    '  static from(x) { return new B(x); }',
    '  toString() { let s = ""; for (let i = 0; i < this.length; i += 8192) s += String.fromCharCode.apply(null, this.subarray(i, i + 8192)); return s; }',
    '}',
    'export { B as Buffer };',
  ].join('\n');
  const r = await build({
    entryPoints: [join(ROOT, 'test', 'util', 'wasi.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: '__kilnWasi',
    target: 'es2020',
    inject: ['kiln-shim'],
    plugins: [{
      name: 'kiln-stubs',
      setup(b) {
        b.onResolve({ filter: /^(node:(fs|path|crypto)|kiln-shim)$/ }, (a) => ({ path: a.path, namespace: 'kiln-stub' }));
        b.onLoad({ filter: /.*/, namespace: 'kiln-stub' }, (a) => ({ contents: a.path === 'kiln-shim' ? shim : stubs[a.path], loader: 'js' }));
      },
    }],
  });
  return r.outputFiles[0]!.text;
}

/** The script of one run: the host, the program (Kiln's code as a string, or the wasm bytes and the peer's bundle), the timing frame. */
function script(wasi: string, c: Case, impl: Impl, kilnCode: string, peer: string): string {
  const stdin = readFileSync(c.script).toString('base64');
  const args = c.wasm === 'sqlite.wasm' ? ['sqlite3'] : ['lua', '-'];
  const program = impl === 'kiln'
    ? `var __code = ${JSON.stringify(kilnCode)};\nfunction __load(imports) { var m = { exports: {} }; new Function('module', 'exports', __code)(m, m.exports); return m.exports.instantiate(imports).exports; }\n`
    : `var __bytes = __b64(${JSON.stringify(readFileSync(join(PROGRAMS, c.wasm)).toString('base64'))});\nfunction __load(imports) { var W = ${NAMESPACE[impl]}; return new W.Instance(new W.Module(__bytes), imports).exports; }\n`;
  return [
    `// Kiln bench:programs-engines: ${c.name}, ${impl} (generated by test/bench/programs-engines.ts)\n`,
    wasi,
    peer,
    'var __out = typeof console === "object" ? function (s) { console.log(s); } : print;\n',
    'var __now = typeof performance === "object" ? function () { return performance.now(); } : function () { return Date.now(); };\n',
    'function __b64(s) { var t = atob(s), b = new Uint8Array(t.length); for (var i = 0; i < t.length; i++) b[i] = t.charCodeAt(i); return b; }\n',
    program,
    `try {\n  var w = __kilnWasi.createWasi({ args: ${JSON.stringify(args)}, stdin: __b64(${JSON.stringify(stdin)}) });\n`,
    '  var t0 = __now(); var e = __load(w.imports); var t1 = __now(); var code = w.start(e); var t2 = __now();\n',
    '  __out("KILN-RESULT " + JSON.stringify({ load: t1 - t0, run: t2 - t1, code: code, stdout: w.stdout() }));\n',
    '} catch (err) { __out("KILN-ERROR " + String(err && err.stack || err)); }\n',
  ].join('');
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const geomean = (xs: number[]) => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { engines: { type: 'string' }, only: { type: 'string' }, runs: { type: 'string' }, timeout: { type: 'string' }, 'split-weight': { type: 'string' }, impls: { type: 'string' }, json: { type: 'string' } } });
  const asked = values.impls?.split(',') as Impl[] | undefined;
  if (asked !== undefined && asked.some((i) => !IMPLS.includes(i))) {
    console.log(`bench:programs-engines: --impls takes some of ${IMPLS.join(', ')}`);
    return;
  }
  const runs = Number(values.runs ?? 1);
  const split = values['split-weight'] !== undefined ? { splitWeight: Number(values['split-weight']) } : {};
  const timeoutMs = Number(values.timeout ?? 300) * 1000;
  if (!existsSync(PROGRAMS)) {
    console.log(`bench:programs-engines: ${PROGRAMS} is absent (../shared/programs beside the project): nothing to run`);
    return;
  }
  const list = cases(values.only);
  const wanted = (values.engines ?? 'node24,chromium,firefox').split(',');
  const rows = engineRows().filter((r) => wanted.includes(r.id));
  mkdirSync(DIR, { recursive: true });
  const wasi = await wasiBundle();
  const json: unknown[] = [];
  for (const row of rows) {
    if (row.missing !== undefined) {
      console.log(`${row.id}: skipped, ${row.missing}`);
      continue;
    }
    const own: Impl[] = row.wasm === 'present' ? ['kiln', 'native'] : ['kiln'];
    // The polyfill cannot run in Hermes (its `eval` does not see local variables).
    const impls = asked === undefined ? own : IMPLS.filter((i) => asked.includes(i) && (i !== 'native' || row.wasm === 'present') && (i !== 'polyfill' || row.id !== 'hermes'));
    const peers: Partial<Record<Impl, string>> = {};
    if (impls.includes('polyfill')) peers.polyfill = await polyfillBundle();
    if (impls.includes('polywasm')) peers.polywasm = await polywasmBundle(row.id === 'hermes');
    const code = new Map<string, string>();
    const scripts = new Map<string, string>();
    for (let r = 0; r < runs; r++) {
      for (const c of list) {
        for (const impl of impls) {
          if (impl === 'kiln' && !code.has(c.wasm)) code.set(c.wasm, compile(readFileSync(join(PROGRAMS, c.wasm)), { format: 'cjs', target: row.target, ...split }).code);
          const path = join(DIR, `${row.id}-${c.name}-${impl}.js`);
          if (r === 0) writeFileSync(path, script(wasi, c, impl, code.get(c.wasm) ?? '', peers[impl] ?? ''));
          scripts.set(`${c.name}|${impl}|${r}`, path);
        }
      }
    }
    const pairs = RATIOS.filter(([a, b]) => impls.includes(a) && impls.includes(b));
    console.log(`\n${row.name} (\`${row.id}\`), ${runs} run(s), medians (ms): load is evaluating and instantiating, run is \`_start\``);
    const head = [...impls.flatMap((i) => [`${i} load`, `${i} run`]), ...pairs.map(([a, b]) => `${a}/${b} run`)];
    console.log(`| case | ${head.join(' | ')} | output |`);
    console.log(`| --- | ${head.map(() => '--:').join(' | ')} | --- |`);
    const results = await runAll(row, scripts, timeoutMs, 1);
    const keys = [...scripts.keys()];
    const ratios = new Map<string, number[]>(pairs.map(([a, b]) => [`${a}/${b}`, []]));
    for (const c of list) {
      const get = (impl: Impl) => keys.map((k, i) => [k, results[i]!] as const).filter(([k]) => k.startsWith(`${c.name}|${impl}|`)).map(([, v]) => v);
      const got = new Map(impls.map((i) => [i, get(i)] as const));
      const all = [...got.values()].flat();
      const nativeOut = got.get('native')?.find((x) => x.result !== undefined)?.result?.stdout;
      const right = (x: (typeof all)[number]) => x.result !== undefined && x.result.code === 0 && (x.result.stdout === c.expected || x.result.stdout === nativeOut);
      const ok = all.every(right);
      const err = all.find((x) => x.error !== undefined)?.error?.split('\n')[0];
      const m = (impl: Impl, f: 'load' | 'run') => {
        const xs = got.get(impl)!;
        return xs.length > 0 && xs.every(right) ? median(xs.map((x) => x.result![f] as number)) : NaN;
      };
      const cols = impls.flatMap((i) => [m(i, 'load'), m(i, 'run')]);
      const rs = pairs.map(([a, b]) => m(a, 'run') / m(b, 'run'));
      pairs.forEach(([a, b], i) => Number.isFinite(rs[i]!) && ratios.get(`${a}/${b}`)!.push(rs[i]!));
      const cells = [...cols.map((x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–')), ...rs.map((x) => (Number.isFinite(x) ? `${x.toFixed(2)}x` : '–'))];
      console.log(`| ${c.name} | ${cells.join(' | ')} | ${err !== undefined ? `error: ${err}` : ok ? 'right' : 'WRONG'} |`);
      json.push({ engine: row.id, case: c.name, ...Object.fromEntries([...got].map(([i, xs]) => [i, xs.map((x) => x.result ?? x.error)])), ok });
    }
    const geo = [...ratios.values()].map((xs) => (xs.length > 0 ? `**${geomean(xs).toFixed(2)}x** (${xs.length})` : '–'));
    if (pairs.length > 0) console.log(`| geomean | ${impls.flatMap(() => ['', '']).join(' | ')} | ${geo.join(' | ')} | |`);
  }
  if (values.json !== undefined) writeFileSync(values.json, JSON.stringify(json, (k, v) => (k === 'stdout' ? undefined : v), 1));
}

await main();
