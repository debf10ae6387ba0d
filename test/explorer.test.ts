/**
 * The explorer (examples/explorer/, `kiln explore`; README "The explorer"),
 * in headless Chromium: the page is built into .tmp/ by
 * scripts/build-explorer.mjs and served by compiler/explore.ts. A fixture is
 * dropped on the page; a click on a JS line must highlight the instruction
 * the source map names (computed here, independently, from the map Kiln
 * emits for the same module), and its C line; a click on an instruction must
 * highlight the JS lines mapped to it, a click on a C line the instructions
 * the module's own map puts on it; an invalid module must show its byte
 * offset. With ../shared, SQLite's 1.8 MB module measures the time to the
 * first JS shown.
 *
 * The screenshot the README shows is taken here: KILN_SCREENSHOT=1 writes it
 * to examples/explorer/screenshot.png (otherwise to .tmp/).
 *
 * Needs Debian's chromium at /usr/bin/chromium (as test/bundler-vite.test.ts)
 * and skips, naming it, when it is absent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SourceMapConsumer, type RawSourceMap } from 'source-map';
import type { Browser, Page } from 'playwright-core';
import { compile, decodeAndValidate, validate, CompileError } from '../compiler/index.js';
import { readNames } from '../compiler/decode/names.js';
import { disassemble } from '../examples/explorer/src/disasm.js';
import { decodeMappings, JsMap } from '../examples/explorer/src/jsmap.js';
import { serveExplorer, type ExploreServer } from '../compiler/explore.js';
import { buildExplorer } from '../scripts/build-explorer.mjs';
import { ROOT, SHARED } from './util/load.js';
import { wat } from './util/wat.js';

const CHROMIUM = '/usr/bin/chromium';
const MISSING = `Chromium is missing: no ${CHROMIUM} (Debian: apt-get install -y chromium; .ci/run installs it); the explorer tests skip`;
const FIXTURE = join(ROOT, 'test/fixtures/sourcemap');
const TRAP_WASM = new Uint8Array(readFileSync(join(FIXTURE, 'trap.wasm')));
const TRAP_MAP = readFileSync(join(FIXTURE, 'trap.wasm.map'), 'utf8');
const OUT = join(ROOT, '.tmp/explorer-page');

let server: ExploreServer | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  await buildExplorer(OUT);
  if (!existsSync(CHROMIUM)) {
    console.warn(`explorer.test.ts: ${MISSING}`);
    return;
  }
  server = await serveExplorer({ dir: OUT, port: 0 });
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** A fresh page of the explorer at `url`, failing the test on page errors. */
async function open(url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser!.newPage({ viewport: { width: 1200, height: 560 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  return { page, errors };
}

/** Drops files on the page as a person would: a `drop` event whose DataTransfer holds them. */
async function drop(page: Page, files: { name: string; bytes: Uint8Array }[]): Promise<void> {
  const plain = files.map((f) => ({ name: f.name, bytes: Array.from(f.bytes) }));
  await page.evaluate((list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([new Uint8Array(f.bytes)], f.name));
    document.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, plain);
}

async function settled(page: Page): Promise<{ state: string; firstJsMs?: number; doneMs?: number; error?: { offset?: number } }> {
  await page.waitForFunction(() => ['done', 'error'].includes((window as any).__explorer.state), null, { timeout: 30_000 });
  return page.evaluate(() => (window as any).__explorer);
}

/** The highlighted rows of a pane: their `data-*` attribute `attr` and text. */
function marked(page: Page, pane: string, attr: string): Promise<{ key: string; text: string }[]> {
  return page.$$eval(`#${pane} .row.hl`, (rows, a) => rows.map((r) => ({ key: (r as HTMLElement).getAttribute(a) ?? '', text: r.textContent ?? '' })), `data-${attr}`);
}

/** Kiln's map for the module as the page compiles it, read with source-map's consumer: per JS line, its mapped offsets in column order. */
async function offsetsByLine(bytes: Uint8Array): Promise<{ code: string; lines: Map<number, number[]> }> {
  const r = compile(bytes, { sourceMap: true, inputSourceMap: false, headers: true });
  const lines = new Map<number, number[]>();
  const consumer = await new SourceMapConsumer(JSON.parse(r.map!) as RawSourceMap);
  consumer.eachMapping((m) => {
    if (m.source === null) return;
    const l = lines.get(m.generatedLine) ?? [];
    l.push(m.originalColumn);
    lines.set(m.generatedLine, l);
  }, null, SourceMapConsumer.GENERATED_ORDER);
  consumer.destroy();
  return { code: r.code, lines };
}

describe('the explorer parts, in Node', () => {
  it('decodes the map as source-map does, and every mapped offset is a disassembled instruction', async () => {
    const files = [join(FIXTURE, 'trap.wasm'), ...(SHARED === null ? [] : [join(SHARED, 'programs/lua.wasm')])];
    for (const file of files) {
      const bytes = new Uint8Array(readFileSync(file));
      const { lines } = await offsetsByLine(bytes);
      const map = new JsMap(decodeMappings(JSON.parse(compile(bytes, { sourceMap: true, inputSourceMap: false, headers: true }).map!).mappings));
      for (const [line, offs] of lines) expect(map.offsetOfLine(line - 1), `${file} line ${line}`).toBe(offs[0]);
      const m = decodeAndValidate(bytes);
      const names = readNames(m);
      const starts = new Set<number>();
      for (let k = 0; k < m.bodyStart.length; k++) {
        const rows = disassemble(bytes, m.bodyStart[k], m.bodyEnd[k], (i) => names.funcs.get(i));
        expect(rows.at(-1)!.op, `${file} func ${k + m.numImportedFuncs}`).toBe('end');
        for (const r of rows.slice(1)) starts.add(r.offset);
      }
      const mapped = new Set([...lines.values()].flat());
      expect([...mapped].filter((o) => !starts.has(o)), file).toEqual([]);
    }
  }, 60_000);
});

describe('the explorer disassembly', () => {
  it('shows the tag index of throw (a regression: the opcode table gained tagidx, the disassembly showed nothing)', () => {
    const bytes = wat('(module (tag $a) (tag $b (param i32)) (func (param i32) (throw $b (local.get 0))))');
    const m = decodeAndValidate(bytes);
    const rows = disassemble(bytes, m.bodyStart[0], m.bodyEnd[0], () => undefined);
    expect(rows.find((r) => r.op === 'throw')?.args).toBe('1');
  });
});

describe('the explorer in Chromium', () => {
  it('links a JS line to its wasm instruction and C line, and an instruction back to its JS lines', async (ctx) => {
    if (browser === undefined) ctx.skip(MISSING);
    const { page, errors } = await open(server!.url);
    await drop(page, [{ name: 'trap.wasm', bytes: TRAP_WASM }, { name: 'trap.wasm.map', bytes: new TextEncoder().encode(TRAP_MAP) }]);
    expect((await settled(page)).state).toBe('done');
    const { code, lines } = await offsetsByLine(TRAP_WASM);
    // The statement of check_depth's __builtin_trap(): the JS line calling trap("unreachable").
    const jsLine = code.split('\n').findIndex((l) => l.startsWith('trap("unreachable")')) + 1;
    const expected = lines.get(jsLine)![0];
    expect(TRAP_WASM[expected]).toBe(0x00); // unreachable
    // The function list scrolls the JS to check_depth, then a click on the line.
    await page.getByText('2 check_depth', { exact: true }).click();
    await page.locator(`#js-list .row[data-line="${jsLine}"]`).click({ position: { x: 40, y: 8 } });
    expect(await marked(page, 'wasm-list', 'offset')).toEqual([{ key: String(expected), text: expect.stringMatching(/unreachable$/) }]);
    expect((await marked(page, 'src-list', 'i')).map((r) => r.text)).toEqual([expect.stringContaining('__builtin_trap(); /* TRAP-LINE */')]);
    expect(await page.textContent('#src-title')).toMatch(/trap\.c:14:/);
    // Back: an instruction of the same function with statements of its own (the call's argument check, br_if).
    const rows = await page.$$eval('#wasm-list .row', (rs) => rs.map((r) => ({ offset: Number((r as HTMLElement).dataset.offset), text: r.textContent ?? '' })));
    const back = rows.find((r) => r.offset !== expected && r.text.includes('br_if'))!;
    const want = [...lines].filter(([, offs]) => offs.includes(back.offset)).map(([l]) => String(l));
    expect(want.length).toBeGreaterThan(0);
    await page.locator(`#wasm-list .row[data-offset="${back.offset}"]`).click({ position: { x: 40, y: 8 } });
    expect((await marked(page, 'js-list', 'line')).map((r) => r.key)).toEqual(want);
    expect((await marked(page, 'wasm-list', 'offset')).map((r) => r.key)).toEqual([String(back.offset)]);
    // A C line: the instructions trap.wasm.map puts on it, and their JS lines.
    const cMap = await new SourceMapConsumer(JSON.parse(TRAP_MAP) as RawSourceMap);
    const onLine14: number[] = [];
    cMap.eachMapping((m) => {
      if (m.originalLine === 14) onLine14.push(m.generatedColumn);
    });
    cMap.destroy();
    expect(onLine14).toContain(expected);
    await page.locator('#src-list .row[data-i="13"]').click({ position: { x: 40, y: 8 } });
    expect((await marked(page, 'wasm-list', 'offset')).map((r) => Number(r.key))).toEqual([...new Set(onLine14)].sort((a, b) => a - b));
    expect((await marked(page, 'js-list', 'line')).map((r) => r.key)).toContain(String(jsLine));
    // The screenshot for the README: the trap line selected again.
    await page.locator(`#js-list .row[data-line="${jsLine}"]`).click({ position: { x: 40, y: 8 } });
    const png = await page.screenshot();
    expect(png.length).toBeGreaterThan(10_000);
    const shot = process.env.KILN_SCREENSHOT === '1' ? join(ROOT, 'examples/explorer/screenshot.png') : join(ROOT, '.tmp/explorer-screenshot.png');
    mkdirSync(join(shot, '..'), { recursive: true });
    writeFileSync(shot, png);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('shows an invalid module\'s error with its byte offset', async (ctx) => {
    if (browser === undefined) ctx.skip(MISSING);
    // A type section whose function type starts with 0x61 instead of 0x60.
    const bad = Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x61, 0x00, 0x00]);
    let offset = -1;
    try {
      validate(bad);
    } catch (e) {
      if (!(e instanceof CompileError) || e.offset === undefined) throw e;
      offset = e.offset;
    }
    expect(offset).toBe(11);
    const { page, errors } = await open(server!.url);
    await page.setInputFiles('#file', { name: 'bad.wasm', mimeType: 'application/wasm', buffer: Buffer.from(bad) });
    const s = await settled(page);
    expect([s.state, s.error?.offset]).toEqual(['error', offset]);
    expect(await page.textContent('#error .error-offset')).toContain(`at byte offset 0x${offset.toString(16)} (${offset})`);
    expect(await page.textContent('#error .bad')).toBe('61');
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);

  it('kiln explore preloads the file and its source map', async (ctx) => {
    if (browser === undefined) ctx.skip(MISSING);
    const preloading = await serveExplorer({ dir: OUT, port: 0, file: join(FIXTURE, 'trap.wasm') });
    try {
      const { page, errors } = await open(preloading.url);
      expect((await settled(page)).state).toBe('done');
      expect(await page.isVisible('#src')).toBe(true);
      expect(await page.textContent('#wasm-title')).toMatch(/func 0 run/);
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await preloading.close();
    }
  }, 30_000);

  it('shows SQLite\'s first JS within 3 s of the drop', async (ctx) => {
    if (browser === undefined) ctx.skip(MISSING);
    if (SHARED === null) ctx.skip('../shared is absent: no sqlite.wasm');
    const { page, errors } = await open(server!.url);
    await page.setInputFiles('#file', join(SHARED!, 'programs/sqlite.wasm'));
    const s = await settled(page);
    console.log(`explorer: sqlite.wasm (1.8 MB): first JS shown after ${Math.round(s.firstJsMs!)} ms, compiled in ${Math.round(s.doneMs!)} ms`);
    expect(s.state).toBe('done');
    expect(s.firstJsMs).toBeLessThan(3000);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
