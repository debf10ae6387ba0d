/**
 * Source maps of the emitted JS (compile option `sourceMap`, README
 * "Inspecting the output").
 *
 * Target: by default the wasm module itself, following the wasm source-map
 * convention (one line; column = byte offset in the module). Lowered
 * statements carry `loc = { line: 1, column: <offset of their instruction> }`
 * (lower/ast.ts) and function declarations the offset of their first
 * instruction. Functions are printed one at a time (emit/module.ts): each is
 * printed by astring with a `MAPPING_GENERATOR` that reports the start of
 * every located statement to a per-function `Collector` (astring's
 * `sourceMap` option), whose mappings are copied, shifted by the function's
 * line in the module and its indentation, into the module's
 * `SourceMapGenerator` (the `source-map` package). Only one function's AST
 * and mappings are held at a time.
 *
 * Composition: given a source map of the wasm module (`inputSourceMap`, e.g.
 * from DWARF line info; README), each mapping goes straight to the original
 * source position of its instruction instead (the input map's entry with the
 * greatest offset not past the instruction, within the same function), with
 * `sourcesContent` carried over. The input map's VLQ is decoded here
 * (`decodeWasmSourceMap`), so `compile()` stays synchronous.
 *
 * With `sourceMap` off nothing here runs. Nothing here needs Node (the
 * explorer compiles in a browser); reading map files for the CLI and the
 * bundler plugin is in sourcemap-files.ts.
 */
import { GENERATOR, generate } from 'astring';
import { denseGenerator } from './dense.js';
import { withShortNames } from './short-names.js';
import { SourceMapGenerator, type RawSourceMap } from 'source-map';
import type { Stmt } from '../lower/ast.js';
import type { ModuleEnv } from '../lower/env.js';
import type { Module } from '../module.js';
import { base64ToUtf8, utf8ToBase64 } from '../base64.js';

/** Source-map options of `compile` (part of `CompileOptions`). */
export interface SourceMapOptions {
  /**
   * Emit a source map. `true`: `compile` returns it as `map` (JSON text) and
   * the code ends with `//# sourceMappingURL=<sourceMapURL>`; `'inline'`:
   * the comment holds the map as a data URL (and `map` is returned too).
   */
  sourceMap?: boolean | 'inline';
  /** Name of the emitted JS file: the map's `file` (default `module.js`). */
  file?: string;
  /** URL written in the `sourceMappingURL` comment with `sourceMap: true` (default `<file>.map`). */
  sourceMapURL?: string;
  /** How the map names the wasm module among its sources (default `module.wasm`); relative to the map. */
  sourceFileName?: string;
  /** The map's `sourceRoot`: a URL its sources are relative to (default none: relative to the map). */
  sourceRoot?: string;
  /**
   * A source map of the input wasm module (wasm convention: line 1, column =
   * byte offset), as JSON text or an object: the output then maps straight to
   * its sources. Without it, a `sourceMappingURL` custom section holding a
   * `data:` URL is used; `false` ignores both. (The CLI also resolves file
   * URLs, relative to the input.)
   */
  inputSourceMap?: string | RawSourceMap | false;
}

// ------------------------------------------------------------------ printing

/** Statement types whose start is reported when the node has a `loc`. */
const LOCATED = [
  'ExpressionStatement', 'IfStatement', 'BreakStatement', 'ContinueStatement', 'ReturnStatement', 'SwitchStatement',
  'LabeledStatement', 'VariableDeclaration', 'ForStatement', 'WhileStatement', 'BlockStatement', 'TryStatement',
  'ThrowStatement',
] as const;

type GenFn = (this: unknown, node: Stmt, state: { write(code: string, node?: unknown): void }) => void;

/**
 * astring's generator, but every located statement first writes an empty
 * string with its node, so astring's source-map support records a mapping at
 * the statement's first character (astring itself only maps leaf nodes).
 */
export const MAPPING_GENERATOR = (() => {
  const base = GENERATOR as unknown as Record<string, GenFn>;
  const gen: Record<string, GenFn> = { ...base };
  for (const type of LOCATED) {
    const print = base[type];
    gen[type] = function (node, state) {
      if (node.loc != null) state.write('', node);
      print.call(this, node, state);
    };
  }
  return gen as unknown as typeof GENERATOR;
})();

/** `MAPPING_GENERATOR` printing densely (dense.ts), for output that is not `pretty`. */
const DENSE_MAPPING_GENERATOR = denseGenerator(MAPPING_GENERATOR);

/**
 * Receives astring's mappings for one function (astring calls
 * `addMapping({ generated: state, original: loc.start, ... })` with one
 * reused object): generated line (1-based), column, wasm offset.
 */
class Collector {
  readonly file = undefined;
  n = 0;
  data = new Int32Array(3 * 64);

  addMapping(m: { generated: { line: number; column: number }; original: { column: number } }): void {
    let d = this.data;
    if (3 * this.n + 3 > d.length) {
      const bigger = new Int32Array(d.length * 2);
      bigger.set(d);
      this.data = d = bigger;
    }
    const i = 3 * this.n++;
    d[i] = m.generated.line;
    d[i + 1] = m.generated.column;
    d[i + 2] = m.original.column;
  }
}

function newGenerator(file: string, sourceRoot: string | undefined): SourceMapGenerator {
  return new SourceMapGenerator({ file, sourceRoot, skipValidation: true });
}

function countLines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * Builds the module's source map while emit/module.ts prints it. Every part
 * of the output passes through `text` or `func`, in order, so the builder
 * knows the line each function starts on.
 */
export class ModuleSourceMap {
  private readonly gen: SourceMapGenerator;
  private readonly source: string;
  private readonly input: WasmSourceMap | null;
  private readonly opts: SourceMapOptions;
  private readonly file: string;
  /** Lines in the first `counted` parts of the output. */
  private lines = 0;
  private counted = 0;

  constructor(env: ModuleEnv, opts: SourceMapOptions) {
    this.opts = opts;
    this.file = opts.file ?? 'module.js';
    this.gen = newGenerator(this.file, opts.sourceRoot);
    this.source = opts.sourceFileName ?? 'module.wasm';
    this.input = inputMapOf(env.m, opts);
    if (this.input !== null) {
      const { sources, sourcesContent } = this.input;
      sourcesContent.forEach((c, i) => {
        if (typeof c === 'string') this.gen.setSourceContent(sources[i], c);
      });
    }
  }

  /**
   * Prints defined function `funcidx` (its lowered declaration `decl`) after
   * the one-line `header`, indented by `indent` spaces (local names shortened
   * with `shortNames`), recording its
   * mappings; returns the text, which the caller appends to `parts` (the
   * output so far). A mapping without source closes the function, so nothing
   * after it inherits its last position.
   */
  func(parts: readonly string[], env: ModuleEnv, funcidx: number, decl: Stmt, header: string, pad: string, shortNames = false): string {
    while (this.counted < parts.length) this.lines += countLines(parts[this.counted++]);
    const c = new Collector();
    // Unindented output (not `pretty`) is dense; `shortNames`: local names shortened (short-names.ts).
    const base = pad === '' ? DENSE_MAPPING_GENERATOR : MAPPING_GENERATOR;
    const print = (generator: typeof base) => generate(decl, { indent: pad, sourceMap: c as unknown as SourceMapGenerator, generator });
    const code = shortNames ? withShortNames(decl, base, print) : print(base);
    const indent = pad.length;
    const text = pad === '' ? header + code.trimEnd() + '\n' : header + pad + code.trimEnd().replace(/\n/g, '\n' + pad) + '\n';
    const first = this.lines + 1 + countLines(header);
    const m = env.m;
    const k = funcidx - m.numImportedFuncs;
    const lo = m.bodyStart[k];
    const hi = m.bodyEnd[k];
    const name = env.funcIds.raw[funcidx];
    const d = c.data;
    const gen = this.gen;
    const input = this.input;
    for (let i = 0; i < c.n; i++) {
      const generated = { line: first + d[3 * i] - 1, column: d[3 * i + 1] + indent };
      const offset = d[3 * i + 2];
      // The declaration's own mapping (the first) names the function: engines
      // and Node's --enable-source-maps look up the name at the enclosing
      // function's start.
      const fnName = i === 0 ? name : undefined;
      if (input === null) {
        gen.addMapping({ generated, original: { line: 1, column: offset }, source: this.source, name: fnName } as never);
        continue;
      }
      // The declaration maps to the function's own line (DWARF puts it at
      // the body's start), else its first located instruction.
      let j = input.find(i === 0 ? lo : offset, lo);
      if (j < 0 && i === 0) j = input.firstIn(lo, hi);
      if (j < 0) {
        gen.addMapping({ generated } as never);
        continue;
      }
      const nameIdx = input.name[j];
      gen.addMapping({
        generated,
        original: { line: input.line[j] + 1, column: input.col[j] },
        source: input.sources[input.src[j]],
        name: fnName ?? (nameIdx >= 0 ? input.names[nameIdx] : undefined),
      } as never);
    }
    this.lines += countLines(text);
    this.counted++;
    gen.addMapping({ generated: { line: this.lines + 1, column: 0 } } as never);
    return text;
  }

  /** The finished code (with its `sourceMappingURL` comment) and map. */
  finish(code: string): { code: string; map: string } {
    const map = this.gen.toString();
    const url =
      this.opts.sourceMap === 'inline'
        ? 'data:application/json;charset=utf-8;base64,' + utf8ToBase64(map)
        : (this.opts.sourceMapURL ?? this.file.replace(/^.*[\\/]/, '') + '.map');
    return { code: `${code}//# sourceMappingURL=${url}\n`, map };
  }
}

// --------------------------------------------------------- input source maps

/** A decoded wasm source map: its line-1 segments sorted by offset, as parallel arrays. */
export interface WasmSourceMap {
  sources: string[];
  sourcesContent: (string | null)[];
  names: string[];
  /** Per segment: wasm byte offset (the generated column). */
  offset: Int32Array;
  /** Per segment: source index, or -1 for a segment without source (ends the previous range). */
  src: Int32Array;
  /** Per segment: original line (0-based) and column. */
  line: Int32Array;
  col: Int32Array;
  /** Per segment: name index or -1. */
  name: Int32Array;
  /** Index of the segment with the greatest offset <= `offset` and >= `lowerBound` that has a source, or -1. */
  find(offset: number, lowerBound: number): number;
  /** Index of the first segment with a source in [lo, hi), or -1. */
  firstIn(lo: number, hi: number): number;
}

const B64 = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;

/**
 * Decodes a source map of a wasm module (all mappings on line 1, generated
 * column = byte offset in the module). Source names are `sourceRoot` +
 * source, as the map gives them.
 * @throws Error when it is not such a source map.
 */
export function decodeWasmSourceMap(input: string | RawSourceMap): WasmSourceMap {
  const raw = (typeof input === 'string' ? JSON.parse(input) : input) as RawSourceMap & { sections?: unknown };
  if (raw === null || typeof raw !== 'object' || raw.sections !== undefined || typeof raw.mappings !== 'string' || !Array.isArray(raw.sources)) {
    throw new Error('input source map: expected a source map (version 3) with `sources` and `mappings`');
  }
  const mappings = raw.mappings;
  const root = raw.sourceRoot ? (raw.sourceRoot.endsWith('/') ? raw.sourceRoot : raw.sourceRoot + '/') : '';
  const sources = raw.sources.map((s) => (s == null ? '' : root !== '' && !/^[a-z][a-z0-9+.-]*:|^\//i.test(s) ? root + s : s));
  const sourcesContent = raw.sources.map((_, i) => raw.sourcesContent?.[i] ?? null);
  const names = Array.isArray(raw.names) ? raw.names : [];
  const semi = mappings.indexOf(';');
  if (semi !== -1 && /[^;]/.test(mappings.slice(semi))) {
    throw new Error('input source map: not a wasm source map (it has mappings past line 1; wasm maps put every mapping on line 1, column = byte offset)');
  }
  const end = semi === -1 ? mappings.length : semi;
  let cap = 1;
  for (let i = 0; i < end; i++) if (mappings.charCodeAt(i) === 44) cap++;
  const offset = new Int32Array(cap);
  const src = new Int32Array(cap);
  const line = new Int32Array(cap);
  const col = new Int32Array(cap);
  const name = new Int32Array(cap);
  let n = 0;
  let pos = 0;
  const fields = [0, 0, 0, 0, 0];
  const state = [0, 0, 0, 0, 0];
  while (pos < end) {
    let k = 0;
    while (pos < end && mappings.charCodeAt(pos) !== 44) {
      // One base64 VLQ value.
      let value = 0;
      let shift = 0;
      for (;;) {
        if (pos >= end) throw new Error('input source map: truncated VLQ in `mappings`');
        const c = mappings.charCodeAt(pos++);
        const digit = c < 128 ? B64[c] : -1;
        if (digit < 0) throw new Error(`input source map: bad character ${JSON.stringify(String.fromCharCode(c))} in \`mappings\``);
        value += (digit & 31) * 2 ** shift;
        shift += 5;
        if ((digit & 32) === 0) break;
      }
      if (k < 5) fields[k] = value % 2 === 1 ? -(value - 1) / 2 : value / 2;
      k++;
    }
    pos++;
    if (k === 0) continue;
    if (k !== 1 && k !== 4 && k !== 5) throw new Error(`input source map: a segment of ${k} fields in \`mappings\``);
    state[0] += fields[0];
    offset[n] = state[0];
    if (k === 1) {
      src[n] = -1;
      name[n] = -1;
    } else {
      state[1] += fields[1];
      state[2] += fields[2];
      state[3] += fields[3];
      src[n] = state[1] >= 0 && state[1] < sources.length ? state[1] : -1;
      line[n] = state[2];
      col[n] = state[3];
      if (k === 5) state[4] += fields[4];
      name[n] = k === 5 && state[4] >= 0 && state[4] < names.length ? state[4] : -1;
    }
    n++;
  }
  // Segments should already be in offset order; make sure (stable).
  let sorted = true;
  for (let i = 1; i < n; i++) if (offset[i] < offset[i - 1]) sorted = false;
  const order = Array.from({ length: n }, (_, i) => i);
  if (!sorted) order.sort((a, b) => offset[a] - offset[b] || a - b);
  const pick = (a: Int32Array) => Int32Array.from(order, (i) => a[i]);
  const map = { offset: pick(offset), src: pick(src), line: pick(line), col: pick(col), name: pick(name) };
  return {
    sources,
    sourcesContent,
    names,
    ...map,
    find(at, lowerBound) {
      const o = map.offset;
      let a = 0;
      let b = o.length;
      while (a < b) {
        const mid = (a + b) >>> 1;
        if (o[mid] <= at) a = mid + 1;
        else b = mid;
      }
      const j = a - 1;
      return j >= 0 && o[j] >= lowerBound && map.src[j] >= 0 ? j : -1;
    },
    firstIn(lo, hi) {
      const o = map.offset;
      let a = 0;
      let b = o.length;
      while (a < b) {
        const mid = (a + b) >>> 1;
        if (o[mid] < lo) a = mid + 1;
        else b = mid;
      }
      for (let j = a; j < o.length && o[j] < hi; j++) if (map.src[j] >= 0) return j;
      return -1;
    },
  };
}

/** The URL in the module's `sourceMappingURL` custom section, or undefined. */
export function sourceMappingURL(m: Module): string | undefined {
  const c = m.customs.find((s) => s.name === 'sourceMappingURL');
  return c === undefined ? undefined : readSectionURL(m.bytes, c.start, c.end);
}

/**
 * The URL in the `sourceMappingURL` custom section of a binary module, found
 * by walking section headers only (no decoding); undefined when absent or
 * malformed. For the CLI, before it compiles.
 */
export function sourceMappingURLOf(bytes: Uint8Array): string | undefined {
  let pos = 8;
  const u32 = (): number => {
    let v = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos >= bytes.length) return -1;
      const b = bytes[pos++];
      v += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return v;
    }
    return -1;
  };
  while (pos < bytes.length) {
    const id = bytes[pos++];
    const size = u32();
    if (size < 0 || pos + size > bytes.length) return undefined;
    const end = pos + size;
    if (id === 0) {
      const len = u32();
      if (len >= 0 && pos + len <= end && new TextDecoder().decode(bytes.subarray(pos, pos + len)) === 'sourceMappingURL') {
        return readSectionURL(bytes, pos + len, end);
      }
    }
    pos = end;
  }
  return undefined;
}

function readSectionURL(bytes: Uint8Array, start: number, end: number): string | undefined {
  let pos = start;
  let len = 0;
  for (let shift = 0; pos < end && shift < 35; shift += 7) {
    const b = bytes[pos++];
    len += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) break;
  }
  if (pos + len > end) return undefined;
  return new TextDecoder().decode(bytes.subarray(pos, pos + len));
}

/** The contents of a `data:` URL holding JSON (base64 or percent-encoded), or undefined. */
export function dataURLText(url: string): string | undefined {
  const m = /^data:([^,]*?)(;base64)?,(.*)$/s.exec(url);
  if (m === null) return undefined;
  return m[2] ? base64ToUtf8(m[3]) : decodeURIComponent(m[3]);
}

function inputMapOf(m: Module, opts: SourceMapOptions): WasmSourceMap | null {
  if (opts.inputSourceMap === false) return null;
  if (opts.inputSourceMap !== undefined) return decodeWasmSourceMap(opts.inputSourceMap);
  const url = sourceMappingURL(m);
  const text = url === undefined ? undefined : dataURLText(url);
  return text === undefined ? null : decodeWasmSourceMap(text);
}

/**
 * A copy of a raw source map with `sourceRoot` folded into its sources and
 * every source that is not a URL passed through `rel` (the CLI makes them
 * relative to the output map instead of the input map).
 */
export function rebaseSources(raw: RawSourceMap, rel: (source: string) => string): RawSourceMap {
  const root = raw.sourceRoot ? (raw.sourceRoot.endsWith('/') ? raw.sourceRoot : raw.sourceRoot + '/') : '';
  const sources = raw.sources.map((s) => {
    if (s == null) return s;
    const full = /^[a-z][a-z0-9+.-]*:/i.test(s) || s.startsWith('/') ? s : root + s;
    return /^[a-z][a-z0-9+.-]*:/i.test(full) ? full : rel(full);
  });
  return { ...raw, sourceRoot: undefined, sources } as RawSourceMap;
}
