/**
 * `wasm-kiln/polyfill` in a browser: polyfill/index.ts bundled by esbuild
 * for browsers (no Node API on its path), loaded by a page in headless
 * Chromium (Debian's /usr/bin/chromium, driven by playwright-core as in
 * bundler-vite.test.ts):
 *
 * - with `--js-flags=--jitless` (V8 without WebAssembly), the page installs
 *   the polyfill where there is none and computes what native WebAssembly
 *   computes here in Node;
 * - with a Content Security Policy without 'unsafe-eval', `new Module`
 *   throws the polyfill's CompileError explaining the policy.
 *
 * The same in Firefox ESR (Debian's /usr/bin/firefox-esr, driven by
 * puppeteer-core over WebDriver BiDi as in test/engines/browser.ts), with
 * the pref `javascript.options.wasm` off (SpiderMonkey without WebAssembly).
 *
 * And the same bundle in Node 24 and Bun (JavaScriptCore), from the engine
 * matrix's cache (`node test/engines/fetch.mjs`), used directly.
 *
 * Skips, naming it, when a browser or engine is absent.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';
import { enginePath } from './engines/fetch.mjs';
import { ROOT } from './util/load.js';
import { wat } from './util/wat.js';

const CHROMIUM = '/usr/bin/chromium';
const MISSING = `Chromium is missing: no ${CHROMIUM} (Debian: apt-get install -y chromium); the browser tests skip`;
const FIREFOX = '/usr/bin/firefox-esr';
const MISSING_FIREFOX = `Firefox is missing: no ${FIREFOX} (Debian: apt-get install -y firefox-esr); the Firefox tests skip`;
const DIR = join(ROOT, '.tmp/polyfill-engines');

const MAIN = wat(String.raw`(module
  (memory (export "memory") 1)
  (table 2 funcref) (elem (i32.const 0) $fib $sq)
  (type $un (func (param i32) (result i32)))
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_s (local.get 0) (i32.const 2)) (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1))) (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func $sq (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
  (func (export "at") (param i32 i32) (result i32) (call_indirect (type $un) (local.get 1) (local.get 0)))
  (func (export "wide") (param i64) (result i64) (i64.mul (local.get 0) (i64.const 0x100000001)))
  (func (export "div") (param i32) (result i32) (i32.div_s (i32.const 7) (local.get 0))))`);

/** The page's script: what it computes with `W` (the polyfill, or the engine's WebAssembly in Node). */
async function compute(W: any, bytes: Uint8Array): Promise<unknown[]> {
  const { instance } = await W.instantiate(bytes, {});
  const e = instance.exports;
  let trap: unknown;
  try {
    e.div(0);
  } catch (x) {
    trap = [x instanceof W.RuntimeError, x instanceof Error];
  }
  return [e.fib(20), e.at(1, 12), e.at(0, 10), String(e.wide(-3n)), trap, e.memory.buffer.byteLength];
}

const RUN = `import { WebAssembly as P } from './polyfill.js';
const bytes = new Uint8Array([${[...MAIN].join(',')}]);
const mode = new URLSearchParams(location.search).get('mode');
const compute = ${compute.toString().replace(/^async function compute\(W: any, bytes: Uint8Array\): Promise<unknown\[\]>/, 'async function compute(W, bytes)')};
async function main() {
  if (mode === 'csp') {
    try { new P.Module(bytes); return ['compiled']; } catch (e) { return [e instanceof P.CompileError, e.message]; }
  }
  const had = typeof WebAssembly;
  if (had === 'undefined') globalThis.WebAssembly = P;
  return [had, globalThis.WebAssembly === P, ...(await compute(globalThis.WebAssembly, bytes))];
}
main().then((r) => { window.__result = JSON.stringify(r); }, (e) => { window.__result = JSON.stringify(['error', String(e && e.stack || e)]); });
`;

/** The script Node 24 and Bun run: the page's computation on the bundle's namespace, printed as JSON. */
const ENGINE_RUN = `import { WebAssembly as P } from './polyfill.js';
const bytes = new Uint8Array([${[...MAIN].join(',')}]);
const compute = ${compute.toString().replace(/^async function compute\(W: any, bytes: Uint8Array\): Promise<unknown\[\]>/, 'async function compute(W, bytes)')};
console.log(JSON.stringify(await compute(P, bytes)));
`;

/**
 * The tuning the bundle's default namespace picks (runtime/i64form.ts
 * `JITLESS`), with the engine's `WebAssembly` and without it (deleted before
 * the bundle loads, as Safari's Lockdown Mode runs JavaScriptCore: no JIT,
 * no WebAssembly), printed as JSON.
 */
const ENGINE_TUNE = `const bytes = new Uint8Array([${[...MAIN].join(',')}]);
const tune = async () => {
  const { WebAssembly: P, compilerOf } = await import('./polyfill.js?' + typeof WebAssembly);
  return compilerOf(new P.Module(bytes)).lazy.env.tune;
};
const present = await tune();
delete globalThis.WebAssembly;
console.log(JSON.stringify([present, await tune()]));
`;

let server: Server;
let origin = '';

beforeAll(async () => {
  mkdirSync(DIR, { recursive: true });
  await build({ entryPoints: [join(ROOT, 'polyfill/index.ts')], bundle: true, platform: 'browser', format: 'esm', outfile: join(DIR, 'polyfill.js'), logLevel: 'silent' });
  writeFileSync(join(DIR, 'run.js'), RUN);
  writeFileSync(join(DIR, 'engine-run.mjs'), ENGINE_RUN);
  writeFileSync(join(DIR, 'engine-tune.mjs'), ENGINE_TUNE);
  writeFileSync(join(DIR, 'index.html'), '<!doctype html><meta charset="utf-8"><title>polyfill</title><script type="module" src="/run.js"></script>\n');
  server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const name = url.pathname === '/' ? 'index.html' : url.pathname.slice(1);
    if (!['index.html', 'run.js', 'polyfill.js'].includes(name)) {
      res.writeHead(404);
      res.end();
      return;
    }
    const headers: Record<string, string> = { 'Content-Type': name.endsWith('.html') ? 'text/html' : 'text/javascript' };
    if (url.searchParams.get('mode') === 'csp' && name === 'index.html') headers['Content-Security-Policy'] = "script-src 'self'";
    res.writeHead(200, headers);
    res.end(await readFile(join(DIR, name)));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const a = server.address();
  origin = `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}`;
}, 120_000);

afterAll(async () => {
  await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
});

/** Opens `/?mode=<mode>` in Chromium with `jsFlags` and returns what the page computed. */
async function inChromium(mode: string, jsFlags: string[]): Promise<unknown[]> {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'kiln-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...jsFlags],
  });
  try {
    const page = await context.newPage();
    await page.goto(`${origin}/?mode=${mode}`);
    await page.waitForFunction(() => (window as any).__result !== undefined, undefined, { timeout: 60_000 });
    return JSON.parse(await page.evaluate(() => (window as any).__result as string)) as unknown[];
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Opens `/?mode=<mode>` in Firefox with `prefs` and returns what the page computed. */
async function inFirefox(mode: string, prefs: Record<string, boolean>): Promise<unknown[]> {
  const puppeteer = (await import('puppeteer-core')).default;
  const browser = await puppeteer.launch({ browser: 'firefox', protocol: 'webDriverBiDi', executablePath: FIREFOX, headless: true, extraPrefsFirefox: prefs });
  try {
    const page = await browser.newPage();
    await page.goto(`${origin}/?mode=${mode}`);
    // Polled from here, not with waitForFunction: its poller runs `new Function` in the page, which the
    // CSP page forbids, so the test failed whenever the result was not there at the first look (a busy machine).
    const deadline = Date.now() + 60_000;
    let result: string | undefined;
    while ((result = await page.evaluate(() => (window as any).__result as string | undefined)) === undefined) {
      if (Date.now() > deadline) throw new Error(`Firefox: /?mode=${mode} gave no result within 60 s`);
      await new Promise((ok) => setTimeout(ok, 100));
    }
    return JSON.parse(result) as unknown[];
  } finally {
    await browser.close();
  }
}

describe('wasm-kiln/polyfill in Firefox', () => {
  it('installs where SpiderMonkey has no WebAssembly (javascript.options.wasm off) and computes what native WebAssembly computes', async (ctx) => {
    if (!existsSync(FIREFOX)) ctx.skip(MISSING_FIREFOX);
    const native = await compute(WebAssembly, MAIN);
    expect(await inFirefox('run', { 'javascript.options.wasm': false })).toEqual(['undefined', true, ...native]);
  }, 120_000);

  it("throws a CompileError explaining the policy under a CSP without 'unsafe-eval'", async (ctx) => {
    if (!existsSync(FIREFOX)) ctx.skip(MISSING_FIREFOX);
    const [isCompileError, message] = await inFirefox('csp', {});
    expect(isCompileError).toBe(true);
    expect(message).toMatch(/unsafe-eval.*kiln compile/);
  }, 120_000);
});

describe('wasm-kiln/polyfill in Chromium', () => {
  it('installs where V8 has no WebAssembly (--jitless) and computes what native WebAssembly computes', async (ctx) => {
    if (!existsSync(CHROMIUM)) ctx.skip(MISSING);
    const native = await compute(WebAssembly, MAIN);
    expect(await inChromium('run', ['--js-flags=--jitless'])).toEqual(['undefined', true, ...native]);
  }, 120_000);

  it("throws a CompileError explaining the policy under a CSP without 'unsafe-eval'", async (ctx) => {
    if (!existsSync(CHROMIUM)) ctx.skip(MISSING);
    const [isCompileError, message] = await inChromium('csp', []);
    expect(isCompileError).toBe(true);
    expect(message).toMatch(/unsafe-eval.*kiln compile/);
  }, 120_000);
});

describe('wasm-kiln/polyfill in Node 24 and Bun', () => {
  for (const engine of ['node24', 'bun']) {
    it(`${engine}: computes what native WebAssembly computes`, async (ctx) => {
      const bin = enginePath(engine);
      if (bin === null || !existsSync(bin)) ctx.skip(`${engine} is missing: run \`node test/engines/fetch.mjs ${engine}\``);
      const r = spawnSync(bin!, [join(DIR, 'engine-run.mjs')], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toEqual(await compute(WebAssembly, MAIN));
    }, 60_000);

    it(`${engine}: tunes for engines without a JIT where it has no WebAssembly, for its JIT where it has`, (ctx) => {
      const bin = enginePath(engine);
      if (bin === null || !existsSync(bin)) ctx.skip(`${engine} is missing: run \`node test/engines/fetch.mjs ${engine}\``);
      const r = spawnSync(bin!, [join(DIR, 'engine-tune.mjs')], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      // Both V8 and JavaScriptCore drop WebAssembly with their JIT (README "Run-time compile mode").
      expect(JSON.parse(r.stdout)).toEqual(['jit', 'hermes']);
    }, 60_000);
  }
});
