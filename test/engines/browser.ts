/**
 * The engine matrix's browser rows (matrix.ts `engineRows`): runs the same
 * generated scripts as the other engines (spec-bundle.ts), each in a fresh
 * page of a headless browser, and reads back the `KILN-*` line it printed.
 *
 * - Chromium (Debian's `chromium`) is driven by playwright-core over CDP, as
 *   test/bundler-vite.test.ts does; `--js-flags=--jitless` leaves V8 without
 *   WebAssembly.
 * - Firefox ESR (Debian's `firefox-esr`) is driven by puppeteer-core over
 *   WebDriver BiDi (stock Firefox speaks it); the pref
 *   `javascript.options.wasm=false` leaves SpiderMonkey without WebAssembly.
 *
 * One browser per call of `runInBrowser`; each script gets its own page
 * (Chromium: its own browser context) served by a local HTTP server:
 * `/page/<i>` is a page that wraps `console.log` (where the scripts print)
 * and records uncaught errors, then loads `/script/<i>`, the script itself.
 * A page that has not printed its line within the timeout fails, and the
 * browser is restarted; a page whose browser went away under it (another
 * page's timeout, or the driver losing it) runs again, at most twice.
 */
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { EngineRow, ScriptRun } from './matrix.js';

/** How a browser row is launched (EngineRow `browser`). */
export interface BrowserLaunch {
  kind: 'chromium' | 'firefox';
  /** Command-line arguments (Chromium: `--js-flags=--jitless`). */
  args: string[];
  /** Firefox preferences (`javascript.options.wasm`). */
  prefs: Record<string, string | number | boolean>;
}

/** What a page exposes on `window.__kilnPage` (`page`; the spec scripts define their own global `__kiln`). */
interface PageState {
  /** The first `KILN-RESULT` / `KILN-KERNEL` / `KILN-ERROR` line printed. */
  line?: string;
  /** Uncaught errors and unhandled rejections. */
  errors: string[];
  /** `typeof WebAssembly` before the script ran. */
  wasm: string;
}

/** The page of script `i`: records the line and errors, then loads the script (a classic script, as the other engines run it). */
function page(i: number): string {
  return `<!doctype html><meta charset="utf-8"><title>kiln engine matrix</title><script>
(function () {
  var k = window.__kilnPage = { errors: [], wasm: typeof WebAssembly };
  var log = console.log;
  console.log = function () {
    var s = Array.prototype.map.call(arguments, String).join(' ');
    if (k.line === undefined && /^KILN-(RESULT|KERNEL|ERROR) /.test(s)) k.line = s;
    return log.apply(console, arguments);
  };
  window.addEventListener('error', function (e) { k.errors.push(String(e.message) + (e.filename ? ' (' + e.filename + ':' + e.lineno + ')' : '')); });
  window.addEventListener('unhandledrejection', function (e) { k.errors.push('unhandled rejection: ' + String(e.reason && e.reason.stack || e.reason)); });
})();
</script><script src="/script/${i}" onerror="window.__kilnPage.errors.push('cannot load ' + this.src)"></script>
`;
}

/** Serves the pages and scripts of `paths` on 127.0.0.1 (a random port). */
async function serve(paths: string[]): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const m = /^\/(page|script)\/(\d+)$/.exec(req.url ?? '');
    const path = m ? paths[Number(m[2])] : undefined;
    if (m === null || path === undefined) {
      res.writeHead(404).end();
      return;
    }
    if (m[1] === 'page') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(page(Number(m[2])));
      return;
    }
    readFile(path).then(
      (body) => res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-store' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  return { server, origin: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}` };
}

/** A page as both drivers give it, reduced to what is used here. */
interface OpenPage {
  /** Navigates, waits for the line or an error (at most `timeoutMs`), returns the state; throws on timeout. */
  run(url: string, timeoutMs: number): Promise<PageState>;
  close(): Promise<void>;
}

/** A launched browser, either driver. */
interface Driver {
  open(): Promise<OpenPage>;
  close(): Promise<void>;
}

const settled = () => {
  const k = (window as unknown as { __kilnPage?: PageState }).__kilnPage;
  return k !== undefined && (k.line !== undefined || k.errors.length > 0);
};
const state = () => (window as unknown as { __kilnPage: PageState }).__kilnPage;

/** Chromium flags: headless, no network chatter, no throttling of background pages (several run at once). */
const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-renderer-backgrounding', '--disable-background-timer-throttling',
  '--disable-backgrounding-occluded-windows', '--disable-hang-monitor',
];

async function launchChromium(executablePath: string, args: string[]): Promise<Driver> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_FLAGS, ...args] });
  return {
    async open() {
      const p = await browser.newPage();
      return {
        async run(url, timeoutMs) {
          await p.goto(url, { timeout: timeoutMs });
          await p.waitForFunction(settled, null, { timeout: timeoutMs, polling: 100 });
          return p.evaluate(state);
        },
        close: () => p.context().close(),
      };
    },
    close: () => browser.close(),
  };
}

/** Firefox prefs for every run: no slow-script dialog stopping a long kernel, no background throttling. */
const FIREFOX_PREFS = { 'dom.max_script_run_time': 0, 'dom.max_chrome_script_run_time': 0, 'dom.min_background_timeout_value': 4 };

async function launchFirefox(executablePath: string, args: string[], prefs: BrowserLaunch['prefs']): Promise<Driver> {
  const puppeteer = (await import('puppeteer-core')).default;
  const browser = await puppeteer.launch({
    browser: 'firefox',
    protocol: 'webDriverBiDi',
    executablePath,
    headless: true,
    args,
    // The default (180 s) would end a navigation whose page runs a long kernel: runPage's own timeout applies instead.
    protocolTimeout: 24 * 3_600_000,
    extraPrefsFirefox: { ...FIREFOX_PREFS, ...prefs },
  });
  return {
    async open() {
      // A page of the default context: creating and closing a context per page races in Firefox's BiDi ("no such frame").
      const p = await browser.newPage();
      return {
        async run(url, timeoutMs) {
          await p.goto(url, { timeout: timeoutMs });
          await p.waitForFunction(settled, { timeout: timeoutMs, polling: 100 });
          return p.evaluate(state);
        },
        close: () => p.close(),
      };
    },
    close: () => browser.close(),
  };
}

function launch(row: EngineRow): Promise<Driver> {
  const b = row.browser!;
  return b.kind === 'chromium' ? launchChromium(row.bin!, b.args) : launchFirefox(row.bin!, b.args, b.prefs);
}

/** `p`, or a rejection after `ms`. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, no) => (timer = setTimeout(() => no(new Error(`${what}: no answer in ${ms / 1000} s`)), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** The outcome of one page: its parsed line, or why there is none. */
function outcome(key: string, ms: number, s: PageState, row: EngineRow): ScriptRun {
  const expected = row.wasm === 'present' ? 'object' : 'undefined';
  if (s.wasm !== expected) return { key, ms, error: `typeof WebAssembly is '${s.wasm}' in the page, but the row has it ${row.wasm}` };
  if (s.line !== undefined && !s.line.startsWith('KILN-ERROR ')) {
    return { key, ms, result: JSON.parse(s.line.slice(s.line.indexOf(' ') + 1)) as Record<string, unknown> };
  }
  const why = s.line !== undefined ? s.line.slice('KILN-ERROR '.length) : 'no result line';
  return { key, ms, error: `${why}${s.errors.length > 0 ? `\n${s.errors.slice(0, 8).join('\n')}` : ''}` };
}

/**
 * Shared state of one `runInBrowser` call: the browser, launched on first
 * use and again after a page that did not answer. `generation` counts the
 * launches, so that a page that failed because another page's timeout closed
 * the browser under it knows to run again.
 */
class Session {
  private driver: Promise<Driver> | null = null;
  generation = 0;
  constructor(readonly row: EngineRow) {}

  browser(): Promise<Driver> {
    if (this.driver === null) this.driver = launch(this.row);
    return this.driver;
  }

  /** Closes the browser of `generation` (unless already replaced): the next page gets a new one. */
  async restart(generation = this.generation): Promise<void> {
    if (generation !== this.generation) return;
    const d = this.driver;
    this.driver = null;
    this.generation++;
    if (d !== null) await within(d.then((x) => x.close()), 30_000, 'closing the browser').catch(() => {});
  }
}

/** How often a page whose browser failed under it (not by its own timeout) is run again. */
const RETRIES = 2;

async function runPage(session: Session, url: string, key: string, timeoutMs: number, attempt = 0): Promise<ScriptRun> {
  const t0 = Date.now();
  const generation = session.generation;
  let p: OpenPage;
  try {
    p = await (await session.browser()).open();
  } catch (e) {
    // Opening a page fails when the browser is gone (closed under this page by another's timeout) or confused: a new one.
    await session.restart(generation);
    if (attempt < RETRIES) return runPage(session, url, key, timeoutMs, attempt + 1);
    return { key, ms: Date.now() - t0, error: `cannot open a page in ${session.row.name}: ${(e as Error).message.split('\n')[0]}` };
  }
  try {
    const s = await within(p.run(url, timeoutMs), timeoutMs + 10_000, 'the page');
    const run = outcome(key, Date.now() - t0, s, session.row);
    await within(p.close(), 30_000, 'closing the page').catch(() => session.restart(generation));
    return run;
  } catch (e) {
    const ms = Date.now() - t0;
    if (ms < timeoutMs && session.generation !== generation && attempt < RETRIES) return runPage(session, url, key, timeoutMs, attempt + 1);
    await session.restart(generation);
    return { key, ms, error: ms >= timeoutMs ? `timed out after ${timeoutMs / 1000} s` : (e as Error).message.split('\n')[0] };
  }
}

/**
 * Runs each script of `scripts` (key → path) in the browser of `row`, in its
 * own page, `concurrency` pages at a time; results in the order given. Never
 * throws: a browser that does not start makes every script an error.
 */
export async function runInBrowser(
  row: EngineRow,
  scripts: Map<string, string>,
  timeoutMs: number,
  concurrency: number,
): Promise<ScriptRun[]> {
  const entries = [...scripts];
  const { server, origin } = await serve(entries.map((e) => e[1]));
  const session = new Session(row);
  const results: ScriptRun[] = new Array(entries.length);
  let next = 0;
  const worker = async () => {
    while (next < entries.length) {
      const i = next++;
      results[i] = await runPage(session, `${origin}/page/${i}`, entries[i][0], timeoutMs);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, entries.length) }, worker));
  } finally {
    await session.restart();
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  }
  return results;
}
