/**
 * examples/vite/: a page using sql.js (Emscripten) and brotli-wasm
 * (wasm-bindgen), built by Vite with `wasm-kiln/bundler` (from source, with
 * the options of examples/vite/vite.config.js). The output holds no .wasm;
 * in headless Chromium with `--js-flags=--jitless` (no WebAssembly at all)
 * and in plain Chromium (Kiln installed over the engine's WebAssembly), and
 * in headless Firefox ESR with `javascript.options.wasm` off and on, the page
 * computes what the same code computes natively in Node.
 *
 * The browser part needs Debian's chromium at /usr/bin/chromium and
 * firefox-esr at /usr/bin/firefox-esr (.ci/run installs them when missing),
 * and skips, naming the package, when one is absent.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { build } from 'vite';
import kiln from '../bundler/index.js';
import { ROOT } from './util/load.js';
// A plain JS module (the page imports it too).
import { compute } from '../examples/vite/compute.js';

const APP = join(ROOT, 'examples/vite');
const DIST = join(ROOT, '.tmp/vite-dist');
const CHROMIUM = '/usr/bin/chromium';
const require = createRequire(import.meta.url);
const MISSING = `Chromium is missing: no ${CHROMIUM} (Debian: apt-get install -y chromium; .ci/run installs it); the browser tests skip`;
const FIREFOX = '/usr/bin/firefox-esr';
const MISSING_FIREFOX = `Firefox is missing: no ${FIREFOX} (Debian: apt-get install -y firefox-esr; .ci/run installs it); the Firefox tests skip`;

let files: string[] = [];
let server: Server;
let origin = '';

/** Serves DIST on 127.0.0.1 (a random port). */
async function serve(): Promise<void> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm' };
  server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const file = join(DIST, path.endsWith('/') ? `${path}index.html` : path);
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  origin = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
}

/** What the page exposes (examples/vite/main.js), with the page's uncaught errors in `error`. */
interface Seen {
  native: string;
  installed: string;
  results?: unknown;
  error?: string;
}

/** In the page: whether it has finished (computed its results, or failed). */
const finished = () => (window as any).__results !== undefined || (window as any).__error !== undefined;

/** What a finished page exposed, its uncaught `errors` added (a Playwright or Puppeteer page). */
async function seenIn(page: { evaluate(f: () => Seen): Promise<Seen> }, errors: string[]): Promise<Seen> {
  const seen = await page.evaluate(() => ({
    native: (window as any).__nativeWebAssembly as string,
    installed: String((globalThis as any).WebAssembly),
    results: (window as any).__results,
    error: (window as any).__error,
  }));
  if (errors.length > 0) seen.error = [seen.error, ...errors].filter(Boolean).join('\n');
  return seen;
}

/** Loads the page in a fresh headless Chromium; returns what it exposed. */
async function runPage(jsFlags: string[]): Promise<Seen> {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'kiln-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', ...jsFlags,
    ],
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${origin}/`);
    await page.waitForFunction(finished, null, { timeout: 45_000 });
    return await seenIn(page, errors); // awaited here: the `finally` closes the browser
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Loads the page in a fresh headless Firefox ESR (puppeteer-core over WebDriver BiDi, as test/engines/browser.ts) with `prefs`; returns what it exposed. */
async function runFirefoxPage(prefs: Record<string, boolean>): Promise<Seen> {
  const puppeteer = (await import('puppeteer-core')).default;
  const browser = await puppeteer.launch({ browser: 'firefox', protocol: 'webDriverBiDi', executablePath: FIREFOX, headless: true, extraPrefsFirefox: prefs });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${origin}/`);
    await page.waitForFunction(finished, { timeout: 45_000, polling: 100 });
    return await seenIn(page, errors); // awaited here: the `finally` closes the browser
  } finally {
    await browser.close();
  }
}

/**
 * The page computed what Node computes natively (`expected`), on Kiln's
 * WebAssembly: installed where the browser has none, or over its own.
 */
function expectLikeNative(page: Seen, expected: unknown, browserHasWasm: boolean): void {
  expect(page.error).toBeUndefined();
  expect(page.native).toBe(browserHasWasm ? 'object' : 'undefined');
  expect(page.installed).toBe('[object WebAssembly]');
  expect(page.results).toEqual(expected);
}

/** The page's computation, done natively in Node (sql.js's Node build, brotli-wasm's Node build). */
async function nativeResults(): Promise<unknown> {
  const SQL = await require('sql.js')();
  const brotli = await require('brotli-wasm');
  return compute(SQL, brotli);
}

beforeAll(async () => {
  await build({
    root: APP,
    configFile: false,
    mode: 'production',
    logLevel: 'warn',
    plugins: [kiln.vite()],
    // bundlerTimings: rolldown's note that the plugin's load hook (Kiln compiling) takes most of the build.
    build: { outDir: DIST, emptyOutDir: true, chunkSizeWarningLimit: 8000, rolldownOptions: { checks: { bundlerTimings: false } } },
  });
  files = readdirSync(DIST, { recursive: true }).map(String);
  if (!existsSync(CHROMIUM)) console.warn(`bundler-vite.test.ts: ${MISSING}`);
  await serve();
}, 120_000);

afterAll(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

describe('examples/vite with wasm-kiln/bundler', () => {
  it('builds with no .wasm in the output, a stub for each module', () => {
    expect(files).toContain('index.html');
    expect(files.filter((f) => f.endsWith('.wasm'))).toEqual([]);
    const js = files.filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(DIST, f), 'utf8')).join('\n');
    // One stub (86 bytes: 116 characters of base64) for sql.js's module, one for brotli-wasm's.
    const stubs = new Set(js.match(/data:application\/wasm;base64,[A-Za-z0-9+/=]+/g));
    expect([...stubs].map((s) => s.length - 'data:application/wasm;base64,'.length)).toEqual([116, 116]);
  });

  it('runs in Chromium without WebAssembly (--jitless), as natively in Node', async (ctx) => {
    if (!existsSync(CHROMIUM)) ctx.skip(MISSING);
    expectLikeNative(...(await Promise.all([runPage(['--js-flags=--jitless']), nativeResults()])), false);
  }, 60_000);

  it('runs in Chromium with WebAssembly (Kiln installed over it)', async (ctx) => {
    if (!existsSync(CHROMIUM)) ctx.skip(MISSING);
    expectLikeNative(...(await Promise.all([runPage([]), nativeResults()])), true);
  }, 60_000);

  it('runs in Firefox without WebAssembly (javascript.options.wasm off), as natively in Node', async (ctx) => {
    if (!existsSync(FIREFOX)) ctx.skip(MISSING_FIREFOX);
    expectLikeNative(...(await Promise.all([runFirefoxPage({ 'javascript.options.wasm': false }), nativeResults()])), false);
  }, 90_000);

  it('runs in Firefox with WebAssembly (Kiln installed over it)', async (ctx) => {
    if (!existsSync(FIREFOX)) ctx.skip(MISSING_FIREFOX);
    expectLikeNative(...(await Promise.all([runFirefoxPage({}), nativeResults()])), true);
  }, 90_000);
});
