/**
 * The explorer page (examples/explorer/, README "The explorer"): drop a
 * `.wasm` (with its `.map`, if it has one) or pick it with the file input;
 * a Web Worker (worker.ts) validates and compiles it while the page shows
 * the function list at once, the JS as it arrives, and the links between
 * JS lines, wasm instructions and source lines (panes.ts). `kiln explore
 * file.wasm` serves this page with the file preloaded (`preload.json`).
 *
 * For tests and for reading the figures, `window.__explorer` holds the
 * state (`idle`, `compiling`, `done`, `error`) and the times in ms since
 * the file was dropped: validated, first JS shown, compile done.
 */
import { decodeWasmSourceMap, dataURLText, sourceMappingURLOf, type WasmSourceMap } from '../../../compiler/emit/sourcemap.js';
import type { CompileRequest, WorkerMessage } from './messages.js';
import { Panes } from './panes.js';

/** The worker's bundle as text, put in by the build (scripts/build-explorer.mjs): a blob worker also runs from file://. */
declare const KILN_WORKER_SOURCE: string;

/** What the page exposes on `window.__explorer`. */
interface ExplorerState {
  state: 'idle' | 'compiling' | 'done' | 'error';
  name?: string;
  validMs?: number;
  firstJsMs?: number;
  doneMs?: number;
  error?: { message: string; offset?: number };
}

const state: ExplorerState = { state: 'idle' };
(window as unknown as { __explorer: ExplorerState }).__explorer = state;

let worker: Worker | null = null;
/** The module shown, compiled again when an option changes. */
let current: { name: string; bytes: Uint8Array; mapText: string | undefined } | null = null;
const workerURL = URL.createObjectURL(new Blob([KILN_WORKER_SOURCE], { type: 'text/javascript' }));

function $(id: string): HTMLElement {
  return document.getElementById(id)!;
}

function status(text: string): void {
  $('status').textContent = text;
}

const fmt = (ms: number) => Math.round(ms).toLocaleString('en-US');

/** Shows a CompileError: its message, byte offset and the bytes around it. */
function showError(bytes: Uint8Array, message: string, offset: number | undefined, funcIndex: number | undefined): void {
  const box = $('error');
  box.hidden = false;
  box.textContent = '';
  const head = box.appendChild(document.createElement('div'));
  head.className = 'error-message';
  head.textContent = message;
  if (offset === undefined) return;
  const where = box.appendChild(document.createElement('div'));
  where.className = 'error-offset';
  where.textContent = `at byte offset 0x${offset.toString(16)} (${offset})${funcIndex === undefined ? '' : ` in func ${funcIndex}`}`;
  const dump = box.appendChild(document.createElement('pre'));
  const from = Math.max(0, (offset & ~15) - 16);
  for (let row = from; row < Math.min(bytes.length, from + 48); row += 16) {
    dump.append(`${row.toString(16).padStart(8, '0')}  `);
    for (let i = row; i < Math.min(bytes.length, row + 16); i++) {
      const b = document.createElement('span');
      b.textContent = bytes[i].toString(16).padStart(2, '0');
      if (i === offset) b.className = 'bad';
      dump.append(b, ' ');
    }
    dump.append('\n');
  }
}

/** The module's own source map: a dropped `.map`, else a `data:` URL in its sourceMappingURL section. */
function moduleSourceMap(bytes: Uint8Array, mapText: string | undefined): WasmSourceMap | null {
  let text = mapText;
  if (text === undefined) {
    const url = sourceMappingURLOf(bytes);
    text = url === undefined ? undefined : dataURLText(url);
  }
  if (text === undefined) return null;
  try {
    return decodeWasmSourceMap(text);
  } catch (e) {
    console.warn('explorer: the source map is not usable:', e);
    return null;
  }
}

/** Compiles `bytes` in a fresh worker and fills the panes as results arrive; `t0` is when the file was dropped. */
function load(name: string, bytes: Uint8Array, mapText: string | undefined, t0: number): void {
  worker?.terminate();
  current = { name, bytes, mapText };
  Object.assign(state, { state: 'compiling', name, validMs: undefined, firstJsMs: undefined, doneMs: undefined, error: undefined });
  $('error').hidden = true;
  $('main').hidden = true;
  $('hint').textContent = '';
  status(`${name}: ${bytes.length.toLocaleString('en-US')} bytes, validating…`);
  const w = (worker = new Worker(workerURL));
  let panes: Panes | null = null;
  w.onmessage = (e: MessageEvent<WorkerMessage>) => {
    const msg = e.data;
    const now = performance.now() - t0;
    if (msg.type === 'error') {
      state.state = 'error';
      state.error = { message: msg.message, offset: msg.offset };
      status(`${name}: not a valid module`);
      showError(bytes, msg.message, msg.offset, msg.funcIndex);
    } else if (msg.type === 'module') {
      state.validMs = now;
      $('main').hidden = false;
      panes = new Panes(bytes, msg.funcs, moduleSourceMap(bytes, mapText));
      status(`${name}: valid, ${msg.funcs.length} functions (${fmt(now)} ms); compiling…`);
    } else if (msg.type === 'chunk' && panes !== null) {
      panes.appendJs(msg.text);
      status(`${name}: compiling, ${msg.done} of ${msg.total} functions…`);
      if (state.firstJsMs === undefined) requestAnimationFrame(() => (state.firstJsMs ??= performance.now() - t0));
    } else if (msg.type === 'done' && panes !== null) {
      panes.setMap(msg.map);
      state.doneMs = now;
      state.state = 'done';
      status(`${name}: first JS after ${fmt(state.firstJsMs ?? now)} ms, compiled in ${fmt(now)} ms. Click a JS line or an instruction.`);
    }
  };
  w.onerror = (e) => {
    state.state = 'error';
    state.error = { message: e.message };
    status(`${name}: the compile worker failed: ${e.message}`);
  };
  const copy = bytes.slice();
  const req: CompileRequest = { bytes: copy.buffer, options: { pretty: ($('pretty') as HTMLInputElement).checked, target: 'hermes' } };
  w.postMessage(req, [copy.buffer]);
}

/** Loads dropped or picked files: the first `.wasm`, and a `.map` beside it if any. */
async function loadFiles(files: FileList | File[], t0: number): Promise<void> {
  const list = Array.from(files);
  const wasm = list.find((f) => !f.name.endsWith('.map')) ?? list[0];
  if (wasm === undefined) return;
  const map = list.find((f) => f.name.endsWith('.map'));
  const [bytes, mapText] = await Promise.all([wasm.arrayBuffer(), map?.text()]);
  load(wasm.name, new Uint8Array(bytes), mapText, t0);
}

/** With `kiln explore file.wasm`, the server names the file to load in preload.json. */
async function preload(): Promise<void> {
  if (!location.protocol.startsWith('http')) return;
  const t0 = performance.now();
  const res = await fetch('preload.json').catch(() => null);
  if (res === null || !res.ok) return;
  const p = (await res.json()) as { name: string; wasm: string; map?: string };
  const [bytes, mapText] = await Promise.all([
    fetch(p.wasm).then((r) => r.arrayBuffer()),
    p.map === undefined ? undefined : fetch(p.map).then((r) => (r.ok ? r.text() : undefined)),
  ]);
  load(p.name, new Uint8Array(bytes), mapText, t0);
}

($('pretty') as HTMLInputElement).onchange = () => {
  if (current !== null) load(current.name, current.bytes, current.mapText, performance.now());
};
const input = $('file') as HTMLInputElement;
input.onchange = () => {
  if (input.files !== null) void loadFiles(input.files, performance.now());
};
document.addEventListener('dragover', (e) => {
  e.preventDefault();
  document.body.classList.add('dragging');
});
document.addEventListener('dragleave', () => document.body.classList.remove('dragging'));
document.addEventListener('drop', (e) => {
  e.preventDefault();
  document.body.classList.remove('dragging');
  if (e.dataTransfer !== null) void loadFiles(e.dataTransfer.files, performance.now());
});
void preload();
