/**
 * TypeScript declarations for the JS module `emitModule` writes (README "API",
 * `compile(bytes, { dts: true })`, `kiln compile --dts`): the exact shape of
 * the import object, every export typed, `instantiate`'s options and result,
 * and the `imports`, `exports`, `sha256` and `customSections` named exports.
 *
 * The declarations follow the value conversions of the runtime
 * (runtime/func.ts ToWebAssemblyValue / ToJSValue, runtime/instance.ts
 * importGlobal):
 *
 * | wasm            | TypeScript                                         |
 * |-----------------|----------------------------------------------------|
 * | i32, f32, f64   | `number`                                           |
 * | i64             | `bigint`                                           |
 * | funcref         | `Function \| null`                                 |
 * | externref       | `unknown`                                          |
 * | v128            | `never` (it cannot cross the JS boundary)          |
 * | several results | a tuple, `readonly [number, bigint]`               |
 * | memory / table  | `Memory` / `Table`                                 |
 * | global          | export: `Global & { value: T }`; import: `Global`, or when immutable also a plain `T` |
 * | tag             | `Tag` (declared only for a module with a tag import or export) |
 *
 * `Memory`, `Table` and `Global` are the runtime's classes with
 * `runtime: 'import'` (`import("<runtimeModule>")`); with the inline runtime
 * the declarations are self-contained, so they declare structural interfaces
 * of the same shape (a Kiln object, from any copy of the runtime, satisfies
 * them). Output shape (ESM; CJS wraps the same declarations in a namespace
 * with `export =`):
 *
 * ```ts
 * export type Memory = …; export type Table = …; export type Global = …;
 * export interface Imports { env: { log: (p: number) => void; memory: Memory } }
 * export interface Exports { readonly add: (a: number, b: number) => number }
 * export interface InstantiateOptions { maxMemoryPages?: number; i64?: 'bigint' | 'pair'; fuel?: number }
 * export interface Instance { readonly exports: Exports; getFuel(): number; setFuel(n: number): void }
 * export declare function instantiate(importObject: Imports, options?: InstantiateOptions | null): Instance;
 * export { $imports as imports, $exports as exports, $sha256 as sha256, $customSections as customSections };
 * ```
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { Module } from '../module.js';
import { I32, I64, F32, F64, V128, FUNCREF, EXTERNREF, valTypeName, type FuncType, type GlobalType, type Limits, type ValType } from '../types.js';
import { readNames } from '../decode/names.js';
import { commentText } from './names.js';

/** The options of `compile` the declarations depend on (a subset of `CompileOptions`, same meanings). */
export interface DtsOptions {
  /** `esm` (default): ES `export` declarations; `cjs`: one namespace, `export =`. */
  format?: 'esm' | 'cjs';
  /** `inline` (default): self-contained `Memory`/`Table`/`Global` interfaces; `import`: the runtime module's classes. */
  runtime?: 'inline' | 'import';
  /** Runtime specifier with `runtime: 'import'` (default `wasm-kiln/runtime`). */
  runtimeModule?: string;
  /** Compiled with fuel metering: `options.fuel`, `getFuel` and `setFuel` are declared. */
  fuel?: boolean;
  /** The compile-time default page limit, quoted in the docs of `maxMemoryPages`. */
  maxMemoryPages?: number;
}

/**
 * The declaration file TypeScript pairs with the JS file `file`:
 * `out.js` → `out.d.ts`, `out.mjs` → `out.d.mts`, `out.cjs` → `out.d.cts`;
 * any other name gets `.d.ts` appended (`out` → `out.d.ts`).
 */
export function dtsFileName(file: string): string {
  const m = /\.([mc]?)js$/.exec(file);
  if (m === null) return `${file}.d.ts`;
  return `${file.slice(0, m.index)}.d.${m[1]}ts`;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Words that cannot name a parameter in strict code (or mean something else there: `this`). */
const RESERVED = new Set(
  ('break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'yield let static implements interface package private protected public await arguments eval').split(' '),
);

/** A property name: as is when it is an ASCII identifier, else a string literal (`"my-func"`). */
function propName(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

/** Text safe inside a `/** … *\/` comment (printable ASCII, `*\/` broken up, at most ~200 characters). */
function doc(s: string): string {
  return commentText(s).replace(/\*\//g, '*\\/');
}

/** TypeScript type of a wasm value crossing the JS boundary (either way). */
function tsType(t: ValType): string {
  switch (t) {
    case I32:
    case F32:
    case F64:
      return 'number';
    case I64:
      return 'bigint';
    case FUNCREF:
      return 'Function | null';
    case EXTERNREF:
      return 'unknown';
    case V128:
      return 'never';
    default:
      return 'unknown';
  }
}

/** The type of function results: `void`, the single value's type, or a readonly tuple. */
function resultType(results: readonly ValType[]): string {
  if (results.length === 0) return 'void';
  if (results.length === 1) return tsType(results[0]);
  return `readonly [${results.map(tsType).join(', ')}]`;
}

/** `(func (param i32 i64) (result f64))`: a function type in the text format. */
function watFunc(t: FuncType): string {
  const p = t.params.length === 0 ? '' : ` (param ${t.params.map(valTypeName).join(' ')})`;
  const r = t.results.length === 0 ? '' : ` (result ${t.results.map(valTypeName).join(' ')})`;
  return `(func${p}${r})`;
}

function watLimits(l: Limits): string {
  return l.max === undefined ? `${l.min}` : `${l.min} ${l.max}`;
}

function watGlobal(g: GlobalType): string {
  return g.mutable ? `(global (mut ${valTypeName(g.type)}))` : `(global ${valTypeName(g.type)})`;
}

/**
 * Parameter names of function `funcidx`: its local names from the name
 * section made into identifiers (`$a-b` → `a_b`), else `p0`, `p1`, …; never
 * a reserved word, never two alike.
 */
function paramNames(m: Module, funcidx: number, count: number): string[] {
  const locals = readNames(m).locals.get(funcidx);
  const out: string[] = [];
  const used = new Set<string>();
  for (let i = 0; i < count; i++) {
    let base = locals?.get(i)?.replace(/[^A-Za-z0-9_$]/g, '_').slice(0, 64) ?? '';
    if (base !== '' && /^[0-9]/.test(base)) base = '_' + base;
    if (base === '' || RESERVED.has(base)) base = `p${i}`;
    let name = base;
    for (let k = 2; used.has(name); k++) name = `${base}_${k}`;
    used.add(name);
    out.push(name);
  }
  return out;
}

/** `(a: number, b: bigint) => number` for function `funcidx` of type `t`. */
function funcType(m: Module, funcidx: number, t: FuncType): string {
  const names = paramNames(m, funcidx, t.params.length);
  return `(${t.params.map((p, i) => `${names[i]}: ${tsType(p)}`).join(', ')}) => ${resultType(t.results)}`;
}

/** ` \`$name\`` from the name section, or ''. */
function funcLabel(m: Module, funcidx: number): string {
  const n = readNames(m).funcs.get(funcidx);
  return n === undefined ? '' : ` \`$${doc(n)}\``;
}

/** The global's type as an export: a `Global` whose `value` has the value's type. */
function exportedGlobal(g: GlobalType): string {
  return g.type === V128 ? 'Global' : `Global & { value: ${tsType(g.type)} }`;
}

/**
 * What an imported global accepts (runtime/instance.ts importGlobal): a
 * `Global` of the same type and mutability, or for an immutable global also a
 * plain value (Number for i32/f32/f64, BigInt for i64, null or a Kiln
 * function for funcref, anything for externref).
 */
function importedGlobal(g: GlobalType): string {
  if (g.mutable || g.type === V128) return 'Global';
  if (g.type === EXTERNREF) return 'unknown';
  return `Global | ${tsType(g.type)}`;
}

/** One member of an object type: its JSDoc lines and its declaration. */
interface Member {
  docs: string[];
  decl: string;
}

function member(lines: string[], indent: string, m: Member): void {
  if (m.docs.length === 1) lines.push(`${indent}/** ${m.docs[0]} */`);
  else {
    lines.push(`${indent}/**`);
    for (const d of m.docs) lines.push(`${indent} * ${d}`);
    lines.push(`${indent} */`);
  }
  lines.push(`${indent}${m.decl}`);
}

/** The `Imports` interface: module → field → type; duplicate imports of one name must satisfy every type (`A & B`). */
function importsInterface(m: Module, lines: string[], ind: string): void {
  const modules = new Map<string, Map<string, { types: string[]; docs: string[] }>>();
  let f = 0;
  for (const imp of m.imports) {
    let type: string;
    let text: string;
    switch (imp.kind) {
      case 'func': {
        const t = m.types[imp.typeIndex];
        type = funcType(m, f, t);
        text = `\`${watFunc(t)}\`: imported function ${f}${funcLabel(m, f)}`;
        f++;
        break;
      }
      case 'memory':
        type = 'Memory';
        text = `\`(memory ${watLimits(imp.memory!)})\`: a Memory of at least ${imp.memory!.min} page${imp.memory!.min === 1 ? '' : 's'} of 64 KiB` +
          (imp.memory!.max === undefined ? '' : `, declared maximum at most ${imp.memory!.max}`);
        break;
      case 'table': {
        const tt = imp.table!;
        type = 'Table';
        text = `\`(table ${watLimits(tt.limits)} ${valTypeName(tt.elem)})\`: a Table of ${valTypeName(tt.elem)} (element \`${tsType(tt.elem)}\`), length at least ${tt.limits.min}` +
          (tt.limits.max === undefined ? '' : `, declared maximum at most ${tt.limits.max}`);
        break;
      }
      case 'global': {
        const g = imp.global!;
        type = importedGlobal(g);
        text = `\`${watGlobal(g)}\`: ` + (g.mutable ? `a mutable Global of ${valTypeName(g.type)}` : `a Global of ${valTypeName(g.type)}, or the plain value`);
        break;
      }
      case 'tag':
        type = 'Tag';
        text = `\`(tag (param ${m.types[imp.typeIndex].params.map(valTypeName).join(' ')}))\`: a wasm-kiln Tag (runtime \`Tag\`) of those parameters`;
        break;
    }
    let fields = modules.get(imp.module);
    if (fields === undefined) modules.set(imp.module, (fields = new Map()));
    let entry = fields.get(imp.name);
    if (entry === undefined) fields.set(imp.name, (entry = { types: [], docs: [] }));
    if (!entry.types.includes(type)) entry.types.push(type);
    entry.docs.push(text);
  }
  lines.push(`${ind}/** The import object \`instantiate\` reads: module name → field name → value. */`);
  lines.push(`${ind}export interface Imports {`);
  for (const [mod, fields] of modules) {
    lines.push(`${ind}  ${propName(mod)}: {`);
    for (const [name, e] of fields) {
      const type = e.types.length === 1 ? e.types[0] : e.types.map((t) => (/=>|\|/.test(t) ? `(${t})` : t)).join(' & ');
      member(lines, `${ind}    `, { docs: e.docs, decl: `${propName(name)}: ${type};` });
    }
    lines.push(`${ind}  };`);
  }
  lines.push(`${ind}}`);
}

/** The `Exports` interface: one readonly member per export, in order. */
function exportsInterface(m: Module, lines: string[], ind: string): void {
  lines.push(`${ind}/** \`instance.exports\`: a frozen object with a null prototype. */`);
  lines.push(`${ind}export interface Exports {`);
  for (const e of m.exports) {
    let type: string;
    let text: string;
    switch (e.kind) {
      case 'func': {
        const t = m.types[m.funcTypes[e.index]];
        type = funcType(m, e.index, t);
        text = `\`${watFunc(t)}\`: function ${e.index}${funcLabel(m, e.index)}` +
          (t.params.includes(V128) || t.results.includes(V128) ? ' (v128 cannot cross the JS boundary: calling it throws TypeError)' : '');
        break;
      }
      case 'memory':
        type = 'Memory';
        text = `\`(memory ${watLimits(m.memories[e.index])})\`: sizes in pages of 64 KiB`;
        break;
      case 'table': {
        const tt = m.tables[e.index];
        type = 'Table';
        text = `\`(table ${watLimits(tt.limits)} ${valTypeName(tt.elem)})\`: elements are \`${tsType(tt.elem)}\``;
        break;
      }
      case 'global': {
        const g = m.globalTypes[e.index];
        type = exportedGlobal(g);
        text = `\`${watGlobal(g)}\`` + (g.mutable ? '' : ': immutable (setting `value` throws TypeError)');
        break;
      }
      case 'tag':
        type = 'Tag';
        text = `\`(tag (param ${m.types[m.tags[e.index]].params.map(valTypeName).join(' ')}))\`: the runtime's \`Tag\``;
        break;
    }
    member(lines, `${ind}  `, { docs: [text], decl: `readonly ${propName(e.name)}: ${type};` });
  }
  lines.push(`${ind}}`);
}

/**
 * The runtime object types: the runtime module's classes, or structural
 * interfaces of the same shape (`Tag` only for a module that imports or
 * exports a tag).
 */
function runtimeTypes(opts: DtsOptions, lines: string[], ind: string, tags: boolean): void {
  if ((opts.runtime ?? 'inline') === 'import') {
    const spec = JSON.stringify(opts.runtimeModule ?? 'wasm-kiln/runtime');
    if (tags) {
      lines.push(`${ind}/** An exception tag: the runtime's \`Tag\` (\`new Tag({ parameters: ['i32'] })\`), as \`WebAssembly.Tag\`. */`);
      lines.push(`${ind}export type Tag = import(${spec}).Tag;`);
    }
    lines.push(`${ind}/** A linear memory: the runtime's \`Memory\` (construct with \`new Memory({ initial, maximum })\`, sizes in pages of 64 KiB). */`);
    lines.push(`${ind}export type Memory = import(${spec}).Memory;`);
    lines.push(`${ind}/** A table: the runtime's \`Table\` (\`new Table({ element: 'anyfunc' | 'externref', initial, maximum })\`). */`);
    lines.push(`${ind}export type Table = import(${spec}).Table;`);
    lines.push(`${ind}/** A global: the runtime's \`Global\` (\`new Global({ value: 'i32', mutable: true }, 0)\`); its \`value\` is \`unknown\`, exports narrow it. */`);
    lines.push(`${ind}export type Global = import(${spec}).Global;`);
    return;
  }
  lines.push(
    `${ind}/** A linear memory, shaped like \`WebAssembly.Memory\`: a Kiln \`Memory\` (\`new Memory({ initial, maximum })\` from wasm-kiln/runtime) or another instance's export. */`,
    `${ind}export interface Memory {`,
    `${ind}  /** The memory's bytes (\`pages * 65536\`); a new buffer after each grow. */`,
    `${ind}  readonly buffer: ArrayBuffer;`,
    `${ind}  /** Grows by \`delta\` pages of 64 KiB; returns the old size in pages. @throws RangeError when it cannot grow. */`,
    `${ind}  grow(delta: number): number;`,
    `${ind}}`,
    `${ind}/** A table, shaped like \`WebAssembly.Table\`: a Kiln \`Table\` (\`new Table({ element, initial, maximum })\` from wasm-kiln/runtime) or another instance's export. */`,
    `${ind}export interface Table {`,
    `${ind}  /** Current number of elements. */`,
    `${ind}  readonly length: number;`,
    `${ind}  /** Element \`index\` (a function or null for funcref tables). @throws RangeError when out of bounds. */`,
    `${ind}  get(index: number): unknown;`,
    `${ind}  /** Sets element \`index\`. @throws RangeError when out of bounds; TypeError for a value of the wrong type. */`,
    `${ind}  set(index: number, value?: unknown): void;`,
    `${ind}  /** Grows by \`delta\` elements set to \`value\`; returns the old length. @throws RangeError when it cannot grow. */`,
    `${ind}  grow(delta: number, value?: unknown): number;`,
    `${ind}}`,
    `${ind}/** A global, shaped like \`WebAssembly.Global\`: a Kiln \`Global\` (\`new Global({ value: 'i32', mutable: true }, 0)\` from wasm-kiln/runtime) or another instance's export. */`,
    `${ind}export interface Global {`,
    `${ind}  /** The value (BigInt for i64); setting it throws TypeError when the global is immutable. */`,
    `${ind}  value: unknown;`,
    `${ind}  valueOf(): unknown;`,
    `${ind}  readonly type: 'i32' | 'i64' | 'f32' | 'f64' | 'funcref' | 'externref';`,
    `${ind}  readonly mutable: boolean;`,
    `${ind}}`,
  );
  if (tags) {
    lines.push(
      `${ind}/** An exception tag, shaped like \`WebAssembly.Tag\`: a Kiln \`Tag\` (\`new Tag({ parameters: ['i32'] })\` from wasm-kiln/runtime) or another instance's export. */`,
      `${ind}export interface Tag {`,
      `${ind}  /** Valtype names of the payload. */`,
      `${ind}  readonly parameters: readonly string[];`,
      `${ind}  /** The tag's type, as the JS API's type reflection gives it. */`,
      `${ind}  type(): { parameters: string[] };`,
      `${ind}}`,
    );
  }
}

/**
 * The TypeScript declarations of the module `emitModule(m, opts)` emits,
 * as the text of a `.d.ts` (`.d.mts` / `.d.cts`: see `dtsFileName`) file.
 * `m` must have been validated.
 */
export function emitDts(m: Module, opts: DtsOptions = {}): string {
  const cjs = opts.format === 'cjs';
  const ind = cjs ? '  ' : '';
  const declare = cjs ? '' : 'declare ';
  const hash = bytesToHex(sha256(m.bytes));
  const lines: string[] = [];
  const tags = m.imports.some((i) => i.kind === 'tag') || m.exports.some((e) => e.kind === 'tag');
  runtimeTypes(opts, lines, ind, tags);
  importsInterface(m, lines, ind);
  exportsInterface(m, lines, ind);
  const limit = opts.maxMemoryPages === undefined ? '65536, the 4 GiB of wasm32' : `${Math.min(opts.maxMemoryPages, 65536)}, set at compile time`;
  lines.push(
    `${ind}/** The options of \`instantiate\`. */`,
    `${ind}export interface InstantiateOptions {`,
    `${ind}  /** Page limit (pages of 64 KiB) of this instance's memories: a non-negative integer or Infinity (default ${limit}). */`,
    `${ind}  maxMemoryPages?: number | undefined;`,
    `${ind}  /** Which form runs the functions compiled both ways under \`i64: 'auto'\` (default: BigInt in V8 with its JIT, int32 pairs elsewhere). */`,
    `${ind}  i64?: 'bigint' | 'pair' | undefined;`,
  );
  if (opts.fuel) {
    lines.push(
      `${ind}  /** Initial fuel: a non-negative integer up to 2^53 - 1, or Infinity (the default). Running out traps with RuntimeError \`out-of-fuel\`. */`,
      `${ind}  fuel?: number | undefined;`,
    );
  }
  lines.push(`${ind}}`, `${ind}/** What \`instantiate\` returns. */`, `${ind}export interface Instance {`, `${ind}  readonly exports: Exports;`);
  if (opts.fuel) {
    lines.push(
      `${ind}  /** The fuel left (Infinity when unbounded). */`,
      `${ind}  getFuel(): number;`,
      `${ind}  /** Sets the fuel left: a non-negative integer up to 2^53 - 1, or Infinity. @throws TypeError otherwise. */`,
      `${ind}  setFuel(n: number): void;`,
    );
  }
  lines.push(`${ind}}`);
  const kinds = `'function' | 'table' | 'memory' | 'global'${tags ? " | 'tag'" : ''}`;
  const importParam = m.imports.length === 0 ? 'importObject?: Imports | null' : 'importObject: Imports';
  lines.push(
    `${ind}/** An entry of \`imports\`, shaped like \`WebAssembly.ModuleImportDescriptor\`. */`,
    `${ind}export interface ImportDescriptor {`,
    `${ind}  readonly module: string;`,
    `${ind}  readonly name: string;`,
    `${ind}  readonly kind: ${kinds};`,
    `${ind}}`,
    `${ind}/** An entry of \`exports\`, shaped like \`WebAssembly.ModuleExportDescriptor\`. */`,
    `${ind}export interface ExportDescriptor {`,
    `${ind}  readonly name: string;`,
    `${ind}  readonly kind: ${kinds};`,
    `${ind}}`,
    `${ind}/** A custom section kept at compile time: its name and its contents in base64. */`,
    `${ind}export interface CustomSection {`,
    `${ind}  readonly name: string;`,
    `${ind}  readonly data: string;`,
    `${ind}}`,
    `${ind}/**`,
    `${ind} * Instantiates the module (spec 4.5.4): resolves and checks the imports, creates`,
    `${ind} * its memories, tables and globals, applies element and data segments, runs the start function.`,
    `${ind} * @throws LinkError when an import is missing or does not match; RuntimeError when the start function traps.`,
    `${ind} */`,
    `${ind}export ${declare}function instantiate(${importParam}, options?: InstantiateOptions | null): Instance;`,
    `${ind}/** The module's imports, in order. */`,
    `${ind}${declare}const $imports: readonly ImportDescriptor[];`,
    `${ind}/** The module's exports, in order. */`,
    `${ind}${declare}const $exports: readonly ExportDescriptor[];`,
    `${ind}/** SHA-256 of the wasm binary, in lowercase hex (\`${hash}\`). */`,
    `${ind}${declare}const $sha256: string;`,
    `${ind}/** The custom sections kept at compile time (\`customSections\` option), in order. */`,
    `${ind}${declare}const $customSections: readonly CustomSection[];`,
    `${ind}export { $imports as imports, $exports as exports, $sha256 as sha256, $customSections as customSections };`,
  );
  const head = `// Generated by Kiln (wasm-kiln). Do not edit.\n// Declarations of the ${cjs ? 'CommonJS' : 'ES'} module compiled from the wasm module with SHA-256 ${hash}.\n`;
  if (!cjs) return head + lines.join('\n') + '\n';
  return head + `declare namespace KilnModule {\n${lines.join('\n')}\n}\nexport = KilnModule;\n`;
}
