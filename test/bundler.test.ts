/**
 * `wasm-kiln/bundler` (bundler/index.ts) with Rollup and esbuild on a small
 * module: the output has no .wasm, runs in `node --jitless` (no
 * WebAssembly), and keeps working source maps; `keepWasm` leaves native
 * engines the real module. The Vite example app (examples/vite/) in a
 * browser is test/bundler-vite.test.ts.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { rollup, type Plugin } from 'rollup';
import { build as esbuild, transform as esbuildTransform } from 'esbuild';
import { SourceMapConsumer } from 'source-map';
import kiln, { type KilnPluginOptions } from '../bundler/index.js';
import { ROOT } from './util/load.js';

const wabt = await (await import('wabt')).default();

const DIR = join(ROOT, '.tmp', 'bundler');

/** add(a, b) = a + b + env.k(); `grow` reports a page limit; `spin` loops forever (for fuel). */
const WAT = String.raw`(module
  (import "env" "k" (func $k (result i32)))
  (memory (export "memory") 1)
  (func (export "add") (param i32 i32) (result i32) (i32.add (i32.add (local.get 0) (local.get 1)) (call $k)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "spin") (loop $l (br $l))))`;

/**
 * Node 20's fetch and Response load undici, which compiles its HTTP parser
 * with WebAssembly.compile: under --jitless (no WebAssembly) that crashes the
 * process. There the test uses this fetch of data: URLs instead.
 */
const FETCH_DATA = `
if (typeof WebAssembly === 'undefined') {
  globalThis.fetch = async (url) => {
    const m = /^data:([^;,]*)(;base64)?,(.*)$/s.exec(String(url));
    const bytes = m[2] ? Uint8Array.from(atob(m[3]), (c) => c.charCodeAt(0)) : new TextEncoder().encode(decodeURIComponent(m[3]));
    return { ok: true, status: 200, headers: { get: (n) => (n.toLowerCase() === 'content-type' ? m[1] : null) },
      arrayBuffer: async () => bytes.buffer, text: async () => new TextDecoder().decode(bytes) };
  };
}
`;

/** Glue of the two shapes the plugin rewrites, run in Node: prints what it observed as JSON. */
const GLUE = `
async function bytesOf(url) {
  if (url.protocol === 'file:') return (await import('node:fs/promises')).readFile(url);
  return new Uint8Array(await (await fetch(url)).arrayBuffer());
}
export async function viaNewURL() {
  const url = new URL('./add.wasm', import.meta.url), after = 'after the URL';
  const { instance } = await WebAssembly.instantiate(await bytesOf(url), { env: { k: () => 100 } });
  return { scheme: url.protocol, after, add: instance.exports.add(2, 3), grow: instance.exports.grow(3) };
}
`;
const ENTRY_QUERY = `
import './fetch-data.js';
import { viaNewURL } from './glue.js';
import url from './add.wasm?url';
import init from './add.wasm?init';
const report = { engine: /\\[native code\\]/.test(String(WebAssembly.Module)) ? 'native' : 'kiln' };
report.newURL = await viaNewURL();
const { instance } = await WebAssembly.instantiateStreaming(fetch(url), { env: { k: () => 1000 } });
report.query = { scheme: new URL(url).protocol, add: instance.exports.add(2, 3) };
report.init = (await init({ env: { k: () => 7 } })).exports.add(2, 3);
try { instance.exports.spin(); report.spin = 'returned'; } catch (e) { report.spin = e.code ?? String(e); }
// Node's own fetch compiles its HTTP parser with WebAssembly.compile: bytes that are not a stub go to the engine.
report.fetch = await (await fetch('data:,fetched')).text();
console.log(JSON.stringify(report));
`;
const ENTRY_PLAIN = `
import './fetch-data.js';
import { viaNewURL } from './glue.js';
const report = { engine: /\\[native code\\]/.test(String(WebAssembly.Module)) ? 'native' : 'kiln' };
report.newURL = await viaNewURL();
console.log(JSON.stringify(report));
`;

/** Lets Rollup bundle Kiln's runtime from its TypeScript source (`./x.js` imports of `x.ts`, types stripped by esbuild). */
const typescript: Plugin = {
  name: 'test-typescript',
  resolveId(source, importer) {
    if (importer?.endsWith('.ts') && source.startsWith('.') && source.endsWith('.js')) {
      const ts = resolve(dirname(importer), source.slice(0, -3) + '.ts');
      if (existsSync(ts)) return ts;
    }
    return null;
  },
  async transform(code, id) {
    if (!id.endsWith('.ts')) return null;
    const r = await esbuildTransform(code, { loader: 'ts', sourcemap: true, sourcefile: id });
    return { code: r.code, map: r.map };
  },
};

/** Bundles `entry` with Rollup and the plugin into `out/`; returns the files written. */
async function bundleRollup(entry: string, out: string, options: KilnPluginOptions, sourcemap = false): Promise<string[]> {
  rmSync(out, { recursive: true, force: true });
  const warnings: string[] = [];
  const bundle = await rollup({
    input: entry,
    plugins: [kiln.rollup(options), typescript],
    external: (id) => id.startsWith('node:') || id.startsWith('@noble/'),
    onwarn: (w) => void warnings.push(w.message),
  });
  await bundle.write({ dir: out, format: 'esm', sourcemap });
  await bundle.close();
  expect(warnings).toEqual([]);
  return readdirSync(out, { recursive: true }).map(String);
}

/** Runs an ES module in a child Node, with `--jitless` (no WebAssembly) or not; returns its JSON report. */
function run(file: string, jitless: boolean): any {
  const args = [...(jitless ? ['--jitless'] : []), '--no-warnings', file];
  return JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
}

beforeAll(() => {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(join(DIR, 'src'), { recursive: true });
  writeFileSync(join(DIR, 'src/add.wasm'), wabt.parseWat('add.wat', WAT).toBinary({}).buffer);
  writeFileSync(join(DIR, 'src/glue.js'), GLUE);
  writeFileSync(join(DIR, 'src/fetch-data.js'), FETCH_DATA);
  writeFileSync(join(DIR, 'src/query.js'), ENTRY_QUERY);
  writeFileSync(join(DIR, 'src/plain.js'), ENTRY_PLAIN);
});

describe('wasm-kiln/bundler', () => {
  it('Rollup: no .wasm in the output, which runs without WebAssembly and with it', async () => {
    const out = join(DIR, 'rollup');
    const files = await bundleRollup(join(DIR, 'src/query.js'), out, { maxMemoryPages: 2, fuel: 100_000 });
    expect(files.filter((f) => f.endsWith('.wasm'))).toEqual([]);
    expect(readFileSync(join(out, 'query.js'), 'utf8')).toContain('data:application/wasm;base64,');
    const expected = {
      engine: 'kiln',
      newURL: { scheme: 'data:', after: 'after the URL', add: 105, grow: -1 }, // the page limit of 2 is compiled in: 1 + 3 pages is refused
      query: { scheme: 'data:', add: 1005 },
      init: 12,
      spin: 'out-of-fuel',
      fetch: 'fetched',
    };
    expect(run(join(out, 'query.js'), true)).toEqual(expected);
    // Where the engine has WebAssembly, Kiln's namespace replaces it too: the stub is not a runnable module.
    expect(run(join(out, 'query.js'), false)).toEqual(expected);
  });

  it('keepWasm: the real module for native engines, Kiln only where WebAssembly is missing', async () => {
    // Rollup does not copy assets referenced by new URL(): the output goes beside add.wasm.
    const out = join(DIR, 'src/keep');
    const files = await bundleRollup(join(DIR, 'src/plain.js'), out, { keepWasm: true });
    writeFileSync(join(out, 'add.wasm'), readFileSync(join(DIR, 'src/add.wasm')));
    expect(files.filter((f) => f.endsWith('.wasm'))).toEqual([]);
    expect(readFileSync(join(out, 'plain.js'), 'utf8')).not.toContain('data:application/wasm');
    expect(run(join(out, 'plain.js'), false)).toEqual({ engine: 'native', newURL: { scheme: 'file:', after: 'after the URL', add: 105, grow: 1 } });
    // No WebAssembly: Kiln's namespace, which matches the real bytes by their SHA-256.
    expect(run(join(out, 'plain.js'), true)).toEqual({ engine: 'kiln', newURL: { scheme: 'file:', after: 'after the URL', add: 105, grow: 1 } });
  });

  it('esbuild: the same bundle', async () => {
    const outfile = join(DIR, 'esbuild/query.mjs');
    rmSync(dirname(outfile), { recursive: true, force: true });
    await esbuild({
      entryPoints: [join(DIR, 'src/query.js')],
      bundle: true,
      format: 'esm',
      platform: 'node',
      outfile,
      external: ['@noble/*'],
      plugins: [kiln.esbuild({ maxMemoryPages: 2, fuel: 100_000, tune: 'hermes' })],
      logLevel: 'silent',
    });
    expect(readdirSync(dirname(outfile)).filter((f) => f.endsWith('.wasm'))).toEqual([]);
    // `tune` reaches the compiler: the module keeps typed-array views of its memory (README "Tuning for Hermes").
    expect(readFileSync(outfile, 'utf8')).toMatch(/H32 = new Int32Array\(/);
    expect(run(outfile, true)).toMatchObject({ newURL: { scheme: 'data:', after: 'after the URL', add: 105, grow: -1 }, query: { add: 1005 }, spin: 'out-of-fuel' });
  });

  it('source maps: the glue keeps its mappings, the compiled module maps to the wasm', async () => {
    const out = join(DIR, 'rollup-map');
    await bundleRollup(join(DIR, 'src/query.js'), out, { sourceMap: true }, true);
    const code = readFileSync(join(out, 'query.js'), 'utf8');
    const raw = JSON.parse(readFileSync(join(out, 'query.js.map'), 'utf8'));
    expect(raw.sources.map((s: string) => s.replace(/^(\.\.\/)+/, ''))).toEqual(expect.arrayContaining(['src/add.wasm', 'src/glue.js', 'src/query.js']));
    await SourceMapConsumer.with(raw, null, (c) => {
      /** The original position of the first occurrence of `needle` in the output. */
      const at = (needle: string) => {
        const i = code.indexOf(needle);
        expect(i).toBeGreaterThanOrEqual(0);
        const before = code.slice(0, i).split('\n');
        return c.originalPositionFor({ line: before.length, column: before.at(-1)!.length });
      };
      // What follows the rewritten new URL(...) on its line in the glue still maps to where it was.
      const glue = at("'after the URL'");
      expect(glue.source).toMatch(/glue\.js$/);
      const lines = GLUE.split('\n');
      const line = lines.findIndex((l) => l.includes("'after the URL'"));
      expect([glue.line, glue.column]).toEqual([line + 1, lines[line]!.indexOf("'after the URL'")]);
      // A compiled function maps to its first instruction in add.wasm (line 1, column = byte offset).
      const fn = at('function f1(');
      expect(fn.source).toMatch(/add\.wasm$/);
      expect(fn.line).toBe(1);
      expect(fn.column).toBeGreaterThan(0x57); // the body of func 1 (add) starts at 0x57
    });
  });
});
