/**
 * The explorer's panes and the links between them: the function list, the
 * emitted JS, the wasm disassembly of one function, and (when the module
 * has a source map of its own) the original source. A click on a JS line
 * highlights the wasm instruction its statement maps to (and the C/Rust
 * line of that instruction); a click on an instruction highlights the JS
 * statements mapped to it.
 */
import type { WasmSourceMap } from '../../../compiler/emit/sourcemap.js';
import { disassemble, type Row } from './disasm.js';
import { JsMap, type LineMappings } from './jsmap.js';
import { ListView } from './listview.js';
import type { FuncInfo } from './messages.js';

const hex = (n: number) => '0x' + n.toString(16).padStart(6, '0');

function $(id: string): HTMLElement {
  return document.getElementById(id)!;
}

/** The panes of one loaded module. */
export class Panes {
  private readonly bytes: Uint8Array;
  private readonly funcs: FuncInfo[];
  /** Defined functions sorted by body start, for offset -> function. */
  private readonly defined: FuncInfo[];
  private readonly srcMap: WasmSourceMap | null;
  private readonly list: ListView;
  private readonly js: ListView;
  private readonly wasm: ListView;
  private readonly src: ListView;
  private shown: FuncInfo[];
  private jsLines: string[] = [''];
  /** JS line of each function's header comment, in order of appearance. */
  private headerLine: number[] = [];
  private headerFunc: number[] = [];
  private jsMap: JsMap | null = null;
  private func: FuncInfo | null = null;
  private rows: Row[] = [];
  private srcLines: string[] = [];
  /** Index in the module's source map of the source shown, or -1. */
  private srcFile = -1;
  /** Whether a function is selected yet (the first one is, as soon as its JS arrives). */
  private selected = false;

  constructor(bytes: Uint8Array, funcs: FuncInfo[], srcMap: WasmSourceMap | null) {
    this.bytes = bytes;
    this.funcs = funcs;
    this.shown = funcs;
    this.defined = funcs.filter((f) => f.start >= 0).sort((a, b) => a.start - b.start);
    this.srcMap = srcMap;
    this.list = new ListView($('funcs-list'), (i, row) => {
      const f = this.shown[i];
      row.textContent = `${f.index} ${f.name ?? ''}${f.start < 0 ? ' (import)' : ''}`;
    });
    this.list.onClick((i) => this.selectFunc(this.shown[i]));
    this.list.setCount(funcs.length);
    this.js = new ListView($('js-list'), (i, row) => {
      const ln = document.createElement('span');
      ln.className = 'ln';
      ln.textContent = String(i + 1).padStart(6) + '  ';
      row.dataset.line = String(i + 1);
      row.append(ln, this.jsLines[i]);
    });
    this.js.onClick((i) => this.clickJs(i));
    this.wasm = new ListView($('wasm-list'), (i, row) => this.drawInstr(i, row));
    this.wasm.onClick((i) => this.clickWasm(i));
    this.wasm.setCount(0, true);
    this.src = new ListView($('src-list'), (i, row) => {
      const ln = document.createElement('span');
      ln.className = 'ln';
      ln.textContent = String(i + 1).padStart(5) + '  ';
      row.append(ln, this.srcLines[i]);
    });
    this.src.onClick((i) => this.clickSrc(i));
    $('src').hidden = srcMap === null;
    ($('funcs-filter') as HTMLInputElement).oninput = (e) => this.filter((e.target as HTMLInputElement).value);
  }

  /** Appends a piece of the JS output (the worker sends them as functions are printed). */
  appendJs(text: string): void {
    const parts = text.split('\n');
    const start = this.jsLines.length - 1;
    this.jsLines[start] += parts[0];
    for (let k = 1; k < parts.length; k++) this.jsLines.push(parts[k]);
    for (let l = start; l < this.jsLines.length; l++) {
      const m = /^\s*\/\/ func (\d+)/.exec(this.jsLines[l]);
      if (m !== null && this.headerLine[this.headerLine.length - 1] !== l) {
        this.headerLine.push(l);
        this.headerFunc.push(Number(m[1]));
      }
    }
    this.js.setCount(this.jsLines.length, true);
    // Past the runtime at the top: show the first function as soon as it is there.
    if (!this.selected && this.headerLine.length > 0) this.selectFunc(this.funcs[this.headerFunc[0]]);
  }

  /** The compile finished: its source map's mappings make JS lines clickable. */
  setMap(map: LineMappings): void {
    this.jsMap = new JsMap(map);
  }

  private filter(text: string): void {
    const t = text.toLowerCase();
    this.shown = t === '' ? this.funcs : this.funcs.filter((f) => `${f.index} ${f.name ?? ''}`.toLowerCase().includes(t));
    this.list.setCount(this.shown.length, true);
  }

  /** Shows function `f`: its JS (scrolled to its header) and its disassembly. */
  selectFunc(f: FuncInfo): void {
    this.selected = true;
    const k = this.headerFunc.indexOf(f.index);
    if (k >= 0) {
      this.js.reveal(this.headerLine[k], true);
      this.js.mark([this.headerLine[k]]);
    }
    this.showWasm(f);
    this.wasm.mark([]);
  }

  /** The defined function whose body holds `offset`, or null. */
  private funcAt(offset: number): FuncInfo | null {
    const d = this.defined;
    let a = 0;
    let b = d.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (d[mid].start <= offset) a = mid + 1;
      else b = mid;
    }
    const f = d[a - 1];
    return f !== undefined && offset < f.end ? f : null;
  }

  /** The function whose JS holds line `line`, from the header comments. */
  private funcOfLine(line: number): FuncInfo | null {
    let a = 0;
    let b = this.headerLine.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (this.headerLine[mid] <= line) a = mid + 1;
      else b = mid;
    }
    return a === 0 ? null : this.funcs[this.headerFunc[a - 1]];
  }

  private showWasm(f: FuncInfo): void {
    if (this.func === f) return;
    this.func = f;
    const name = (i: number) => this.funcs[i]?.name;
    this.rows = f.start < 0 ? [] : disassemble(this.bytes, f.start, f.end, name);
    $('wasm-title').textContent = `wasm: func ${f.index} ${f.name ?? ''}` + (f.start < 0 ? ' (imported)' : `, body ${hex(f.start)}..${hex(f.end)}`);
    this.wasm.setCount(this.rows.length, true);
  }

  private drawInstr(i: number, row: HTMLElement): void {
    const r = this.rows[i];
    row.dataset.offset = String(r.offset);
    const at = document.createElement('span');
    at.className = 'off';
    at.textContent = hex(r.offset);
    const op = document.createElement('span');
    op.className = 'op';
    op.textContent = '  ' + '  '.repeat(r.depth) + r.op;
    row.append(at, op, r.args === '' ? '' : ' ' + r.args);
  }

  /** A JS line was clicked: highlight it and the instruction its statement maps to. */
  private clickJs(line: number): void {
    this.selected = true;
    this.js.mark([line]);
    const f = this.funcOfLine(line);
    if (this.jsMap === null) {
      if (f !== null) this.showWasm(f);
      $('hint').textContent = 'links appear when the compile is done';
      return;
    }
    // A line without a statement of its own (a closing brace) belongs to the statement above it.
    const stop = f === null ? 0 : this.headerLine[this.headerFunc.indexOf(f.index)];
    let offset = -1;
    for (let l = line; l >= stop && offset < 0; l--) offset = this.jsMap.offsetOfLine(l);
    const g = offset < 0 ? f : this.funcAt(offset);
    if (g !== null) this.showWasm(g);
    if (offset < 0) {
      this.wasm.mark([]);
      $('hint').textContent = `JS line ${line + 1}: no wasm instruction maps here`;
      return;
    }
    this.markInstr(offset);
    $('hint').textContent = `JS line ${line + 1} -> wasm ${hex(offset)}`;
  }

  /** An instruction was clicked: highlight it and the JS statements mapped to it. */
  private clickWasm(i: number): void {
    const r = this.rows[i];
    const f = this.func;
    if (f === null || r === undefined) return;
    this.markInstr(r.offset);
    if (this.jsMap === null) return;
    const lines = this.jsMap.linesOfOffset(r.offset, f.start);
    this.js.mark(lines);
    if (lines.length > 0) this.js.reveal(lines[0]);
    $('hint').textContent = `wasm ${hex(r.offset)} -> JS line${lines.length === 1 ? '' : 's'} ${lines.map((l) => l + 1).join(', ') || '(none)'}`;
  }

  /** Highlights the instruction at `offset` and, with a source map of the module, its source line. */
  private markInstr(offset: number): void {
    const k = this.rows.findIndex((r) => r.op !== '' && r.offset === offset);
    this.wasm.mark(k < 0 ? [] : [k]);
    if (k >= 0) this.wasm.reveal(k);
    this.showSource(offset);
  }

  private showSource(offset: number): void {
    const m = this.srcMap;
    if (m === null || this.func === null) return;
    const j = m.find(offset, this.func.start);
    if (j < 0) {
      $('src-title').textContent = `source: no line for ${hex(offset)}`;
      this.src.mark([]);
      return;
    }
    if (this.srcFile !== m.src[j]) {
      this.srcFile = m.src[j];
      this.srcLines = (m.sourcesContent[this.srcFile] ?? '(source text not in the map)').split('\n');
      this.src.setCount(this.srcLines.length, true);
    }
    $('src-title').textContent = `source: ${m.sources[this.srcFile]}:${m.line[j] + 1}:${m.col[j] + 1}`;
    this.src.mark([m.line[j]]);
    this.src.reveal(m.line[j]);
  }

  /**
   * A source line was clicked: highlight the instructions the module's map
   * puts on it (in the function shown, else in the first function that has
   * any) and the JS statements mapped to them.
   */
  private clickSrc(line: number): void {
    const m = this.srcMap;
    if (m === null || this.srcFile < 0) return;
    this.src.mark([line]);
    const offsets: number[] = [];
    for (let j = 0; j < m.offset.length; j++) if (m.src[j] === this.srcFile && m.line[j] === line) offsets.push(m.offset[j]);
    const f = this.func;
    const here = f === null ? [] : offsets.filter((o) => o >= f.start && o < f.end);
    const g = here.length > 0 ? f : offsets.map((o) => this.funcAt(o)).find((x) => x !== null) ?? null;
    if (g === null) {
      $('hint').textContent = `source line ${line + 1}: no wasm instruction maps here`;
      return;
    }
    this.showWasm(g);
    const mine = new Set(offsets.filter((o) => o >= g.start && o < g.end));
    const rows = this.rows.flatMap((r, i) => (r.op !== '' && mine.has(r.offset) ? [i] : []));
    this.wasm.mark(rows);
    if (rows.length > 0) this.wasm.reveal(rows[0]);
    const lines = this.jsMap === null ? [] : [...new Set([...mine].flatMap((o) => this.jsMap!.linesOfOffset(o, g.start)))].sort((a, b) => a - b);
    this.js.mark(lines);
    if (lines.length > 0) this.js.reveal(lines[0]);
    $('hint').textContent = `source line ${line + 1} -> wasm ${[...mine].map(hex).join(', ')} -> JS line${lines.length === 1 ? '' : 's'} ${lines.map((l) => l + 1).join(', ')}`;
  }
}
