/**
 * TypeScript declarations of compiled modules (compiler/emit/dts.ts,
 * `compile(bytes, { dts: true })`, `kiln compile --dts`): for modules with
 * a variety of imports and exports (ESM and CJS, inline and imported runtime,
 * with and without fuel), consumers that use the API correctly typecheck with
 * `tsc` (the TypeScript API, strict) and run, and consumers with deliberate
 * mistakes fail with exactly the errors marked `// error TS…` on their lines.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import ts from 'typescript';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compile, dtsFileName, type CompileOptions } from '../compiler/index.js';
import { ROOT } from './util/load.js';

const wabt = await (await import('wabt')).default();
const features = { multi_value: true, bulk_memory: true, reference_types: true, sign_extension: true, sat_float_to_int: true, simd: true, exceptions: true };
/** Binary of `text`, with the name section (function and parameter names). */
function wat(text: string): Uint8Array {
  return wabt.parseWat('t.wat', text, features).toBinary({ write_debug_names: true }).buffer;
}

const DIR = join(ROOT, '.tmp', 'dts');
const RUNTIME = '../../../runtime/index.js'; // from DIR/<case>/, for consumers of inline-runtime modules

function write(rel: string, text: string | Uint8Array): string {
  const file = join(DIR, rel);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/** Compiles `text` with `opts` to `<rel>` and its declarations beside it; returns the declarations. */
function build(rel: string, text: string, opts: CompileOptions = {}): string {
  const r = compile(wat(text), { ...opts, dts: true });
  write(rel, r.code);
  write(dtsFileName(rel), r.dts);
  return r.dts;
}

// ------------------------------------------------------------------ modules

/** Imports of every kind (a quoted module name, an immutable and a mutable global, multi-value), exports of every kind. */
const MAIN = String.raw`(module
  (import "env" "log" (func $log (param $msg i32) (param $big i64)))
  (import "env" "pair" (func $pair (param f64) (result i32 i64)))
  (import "env" "memory" (memory 1 16))
  (import "env" "table" (table 2 funcref))
  (import "env" "gc" (global $gc i32))
  (import "env" "gm" (global $gm (mut i64)))
  (import "js-host" "ext" (global $ext externref))
  (import "js-host" "ref" (func $hostref (param $f funcref) (param $x externref) (result funcref)))
  (func $add (export "add") (param $a i32) (param $b i32) (result i32) (i32.add (local.get $a) (local.get $b)))
  (func (export "swap") (param i64 f32) (result f32 i64) (local.get 1) (local.get 0))
  (func (export "callPair") (param $x f64) (result i64) (local $hi i64)
    (call $pair (local.get $x)) (local.set $hi) (i64.extend_i32_s) (local.get $hi) (i64.add))
  (func (export "my-func") (param $class i32) (result i32) (i32.mul (local.get $class) (i32.const 2)))
  (func (export "__proto__") (result f64) (f64.const 1.5))
  (func (export "constructor") (result i32) (global.get $gc))
  (func (export "logIt") (param i32 i64) (call $log (local.get 0) (local.get 1)))
  (func (export "id") (param $f funcref) (result funcref) (call $hostref (local.get $f) (global.get $ext)))
  (func (export "v") (param v128))
  (export "mem" (memory 0))
  (export "tbl" (table 0))
  (global $counter (export "counter") (mut i32) (i32.const 7))
  (global (export "big") i64 (i64.const -5))
  (global (export "pi") f64 (f64.const 3.25))
  (export "gm" (global $gm))
  (export "ext" (global $ext))
  (export "log" (func $log))
)`;

/** No imports; metered. */
const FUEL = String.raw`(module
  (memory (export "memory") 1)
  (func (export "spin") (param $n i32)
    (loop $l (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
)`;

/** Runtime objects in and out, for `runtime: 'import'`. */
const SHARED = String.raw`(module
  (import "env" "memory" (memory 1))
  (import "env" "g" (global $g (mut i32)))
  (import "env" "tick" (func $tick (result i32)))
  (table (export "table") 1 externref)
  (func (export "bump") (result i32) (global.set $g (i32.add (global.get $g) (call $tick))) (global.get $g))
  (export "memory" (memory 0))
  (export "g" (global $g))
)`;

/** Exception tags in and out (legacy exception handling). */
const TAGS = String.raw`(module
  (import "env" "t" (tag $t (param i32)))
  (tag $own (export "own") (param i64))
  (export "t" (tag $t))
  (func (export "raise") (param $x i32) (throw $t (local.get $x)))
)`;

// ---------------------------------------------------------------- consumers

const EQUAL = `type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
function assertType<T extends true>(): void {}
`;

const MAIN_OK = `import { Memory, Table, Global } from '${RUNTIME}';
import * as M from './mod.js';
import { instantiate, imports, exports as exportDescs, sha256, customSections, type Imports, type Exports, type Instance, type Global as ModGlobal } from './mod.js';
${EQUAL}
assertType<Equal<keyof typeof M, 'instantiate' | 'imports' | 'exports' | 'sha256' | 'customSections'>>();
assertType<Equal<Exports['add'], (a: number, b: number) => number>>();
assertType<Equal<Exports['swap'], (a: bigint, b: number) => readonly [number, bigint]>>();
assertType<Equal<Exports['id'], (f: Function | null) => Function | null>>();
assertType<Equal<Exports['v'], (x: never) => void>>();
assertType<Equal<Exports['counter']['value'], number>>();
assertType<Equal<Exports['big']['value'], bigint>>();
assertType<Equal<Exports['ext']['value'], unknown>>();
assertType<Equal<Imports['env']['pair'], (x: number) => readonly [number, bigint]>>();
assertType<Equal<Imports['env']['gc'], ModGlobal | number>>();
assertType<Equal<Imports['js-host']['ref'], (f: Function | null, x: unknown) => Function | null>>();
assertType<Equal<keyof Instance, 'exports'>>();

export function run() {
  const logged: [number, bigint][] = [];
  const importObject: Imports = {
    env: {
      log: (msg, big) => { logged.push([msg, big]); },
      pair: (x) => [Math.trunc(x), BigInt(Math.trunc(x)) * 10n],
      memory: new Memory({ initial: 1, maximum: 16 }),
      table: new Table({ element: 'anyfunc', initial: 2 }),
      gc: 42,
      gm: new Global({ value: 'i64', mutable: true }, 9n),
    },
    'js-host': { ext: { hello: 'world' }, ref: (f, x) => (x === null ? null : f) },
  };
  const inst: Instance = instantiate(importObject, { maxMemoryPages: 16 });
  const ex = inst.exports;
  const sum: number = ex.add(2, 3);
  const swapped: readonly [number, bigint] = ex.swap(5n, 1.5);
  const paired: bigint = ex.callPair(4.5);
  const doubled: number = ex['my-func'](7);
  const proto: number = ex.__proto__();
  const ctor: number = ex.constructor();
  ex.logIt(1, 2n);
  ex.log(3, 4n);
  const id: Function | null = ex.id(ex.add);
  ex.counter.value = ex.counter.value + 1;
  const counter: number = ex.counter.value;
  const big: bigint = ex.big.value;
  const pi: number = ex.pi.value;
  ex.gm.value = 11n;
  const gm: unknown = importObject.env.gm instanceof Global ? importObject.env.gm.value : undefined;
  const ext: unknown = ex.ext.value;
  const pages: number = ex.mem.grow(1);
  const bytes: number = ex.mem.buffer.byteLength;
  const tableLength: number = ex.tbl.length;
  ex.tbl.set(0, ex.add);
  const again = instantiate(importObject, null).exports.add(1, 1);
  return {
    keys: Object.keys(M).sort(), instanceKeys: Object.keys(inst), exportKeys: Object.keys(ex),
    sum, swapped, paired, doubled, proto, ctor, logged, idIsAdd: id === ex.add, counter, big, pi, gm, ext, pages, bytes, tableLength, again,
    imports: imports.map((d) => \`\${d.kind} \${d.module}.\${d.name}\`), exportDescs: exportDescs.map((d) => d.name),
    sha256: sha256.length, customSections: customSections.length,
  };
}
`;

const MAIN_BAD = `import { Table, Global } from '${RUNTIME}';
import { instantiate, type Imports } from './mod.js';
declare const good: Imports;
const ex = instantiate(good).exports;
instantiate({ env: good.env }); // error TS2345
instantiate(); // error TS2554
instantiate(good, { fuel: 10 }); // error TS2353
instantiate(good, { maxMemoryPages: '4' }); // error TS2322
instantiate(good).getFuel(); // error TS2339
instantiate({ ...good, env: { ...good.env, pair: (x: number) => x } }); // error TS2322
instantiate({ ...good, env: { ...good.env, log: (m: string) => void m } }); // error TS2322
instantiate({ ...good, env: { ...good.env, gm: 5n } }); // error TS2322
instantiate({ ...good, env: { ...good.env, gc: 5n } }); // error TS2322
instantiate({ ...good, env: { ...good.env, gm: new Global({ value: 'i64', mutable: true }), memory: new Table({ element: 'anyfunc', initial: 1 }) } }); // error TS2741
instantiate({ ...good, 'js-host': { ext: 1 } }); // error TS2741
ex.add(1n, 2); // error TS2345
const s: string = ex.add(1, 2); // error TS2322
ex.swap(1, 2); // error TS2345
const n1: number = ex.swap(1n, 2)[1]; // error TS2322
ex.swap(1n, 2)[0] = 3; // error TS2540
ex.missing; // error TS2339
ex.add = ex.add; // error TS2540
ex.myfunc(1); // error TS2551
const n2: number = ex.big.value; // error TS2322
ex.counter.value = 'x'; // error TS2322
ex.mem.grow('1'); // error TS2345
ex.v(1); // error TS2345
ex.logIt(1); // error TS2554
void s; void n1; void n2;
`;

const FUEL_OK = `import { instantiate, type Instance, type InstantiateOptions } from './mod.js';
${EQUAL}
assertType<Equal<keyof Instance, 'exports' | 'getFuel' | 'setFuel'>>();
assertType<Equal<keyof InstantiateOptions, 'maxMemoryPages' | 'i64' | 'fuel'>>();
export function run() {
  const inst = instantiate(undefined, { fuel: 1000, maxMemoryPages: 2 });
  inst.exports.spin(10);
  const left: number = inst.getFuel();
  inst.setFuel(5);
  let trapped = '';
  try { inst.exports.spin(1000); } catch (e) { trapped = (e as { code: string }).code; }
  inst.setFuel(Infinity);
  const plain = instantiate();
  plain.exports.spin(3);
  return { spent: 1000 - left, trapped, fuel: plain.getFuel(), pages: inst.exports.memory.buffer.byteLength / 65536, instanceKeys: Object.keys(inst).sort() };
}
`;

const FUEL_BAD = `import { instantiate } from './mod.js';
const inst = instantiate(null, { fuel: 1000 });
inst.setFuel('x'); // error TS2345
instantiate({}, { fuel: 1n }); // error TS2322
inst.getFuel(1); // error TS2554
const s: string = inst.getFuel(); // error TS2322
inst.exports.spin(); // error TS2554
void s;
`;

/** With the runtime imported, `Memory`, `Table` and `Global` are the runtime's own classes (nominal: private members). */
const SHARED_OK = `import { Memory, Global } from 'wasm-kiln/runtime';
import { instantiate, type Exports } from './mod.js';
${EQUAL}
assertType<Equal<Exports['memory'], Memory>>();
assertType<Equal<Exports['g'], Global & { value: number }>>();
export function run() {
  const memory = new Memory({ initial: 1 });
  const g = new Global({ value: 'i32', mutable: true }, 1);
  const a = instantiate({ env: { memory, g, tick: () => 1 } });
  const b = instantiate({ env: { memory: a.exports.memory, g: a.exports.g, tick: () => 2 } });
  const n: number = a.exports.bump() + b.exports.bump();
  const m: Memory = b.exports.memory;
  b.exports.table.set(0, {});
  return { n, same: m === memory };
}
`;

const SHARED_BAD = `import { Global } from 'wasm-kiln/runtime';
import { instantiate } from './mod.js';
const g = new Global({ value: 'i32', mutable: true }, 1);
instantiate({ env: { memory: { buffer: new ArrayBuffer(65536), grow: () => 0 }, g, tick: () => 1 } }); // error TS2740
instantiate({ env: { memory: instantiate({} as never).exports.memory, g: 1, tick: () => 1 } }); // error TS2322
instantiate({ env: { memory: instantiate({} as never).exports.memory, g, tick: () => 1n } }); // error TS2322
`;

const TAGS_OK = `import { Tag, Exception } from '${RUNTIME}';
import { instantiate, imports, exports, type Exports, type Tag as ModTag } from './mod.js';
${EQUAL}
assertType<Equal<Exports['own'], ModTag>>();
assertType<Equal<(typeof imports)[number]['kind'], 'function' | 'table' | 'memory' | 'global' | 'tag'>>();
export function run() {
  const t = new Tag({ parameters: ['i32'] });
  const inst = instantiate({ env: { t } });
  const own: ModTag = inst.exports.own;
  let payload: unknown;
  try { inst.exports.raise(7); } catch (e) { payload = (e as Exception).getArg(t, 0); }
  return { own: own.type().parameters, same: inst.exports.t === t, payload, kinds: [...imports, ...exports].map((d) => d.kind) };
}
`;

const TAGS_BAD = `import { instantiate } from './mod.js';
instantiate({ env: { t: 5 } }); // error TS2322
const p: number = instantiate({} as never).exports.own.parameters; // error TS2322
instantiate({} as never).exports.own.type(1); // error TS2554
void p;
`;

/** CommonJS output, written by the CLI: `mod.cjs` and `mod.d.cts` (`export =`). */
const CJS_OK_MTS = `import mod from './mod.cjs';
import { instantiate, sha256 } from './mod.cjs';
import { Memory } from '${RUNTIME}';
export function run() {
  const imports: mod.Imports = { env: { memory: new Memory({ initial: 1 }), g: 5, f: (x) => x * 2 } };
  const a = mod.instantiate(imports);
  const b = instantiate(imports);
  const r: number = a.exports.twice(4) + b.exports.twice(1);
  const big: bigint = a.exports.wide(-1);
  return { r, big, sameHash: sha256 === mod.sha256, exports: mod.exports.map((e) => e.name) };
}
`;

const CJS_OK_CTS = `import mod = require('./mod.cjs');
const inst: mod.Instance = mod.instantiate({ env: { memory: {} as mod.Memory, g: 5, f: (x: number) => x } });
const r: number = inst.exports.twice(4);
const descs: readonly mod.ExportDescriptor[] = mod.exports;
void r; void descs;
`;

const CJS_BAD_CTS = `import mod = require('./mod.cjs');
const inst = mod.instantiate({ env: { memory: {} as mod.Memory, g: 5, f: (x: number) => x } });
inst.exports.twice(4n); // error TS2345
const w: number = inst.exports.wide(1); // error TS2322
mod.instantiate({ env: { memory: {} as mod.Memory, g: 5n, f: (x: number) => x } }); // error TS2322
mod.nothing; // error TS2339
void w;
`;

const CJS_WAT = String.raw`(module
  (import "env" "memory" (memory 1))
  (import "env" "g" (global $g i32))
  (import "env" "f" (func $f (param $x i32) (result i32)))
  (func (export "twice") (param $x i32) (result i32) (call $f (local.get $x)))
  (func (export "wide") (param $x i32) (result i64) (i64.extend_i32_s (i32.add (local.get $x) (global.get $g))))
)`;

/** CommonJS output importing its runtime: the declarations name it with `import("wasm-kiln/runtime")` types. */
const CJS_IMPORT_OK = `import mod = require('./mod.cjs');
declare const memory: mod.Memory;
const inst = mod.instantiate({ env: { memory, g: 5, f: (x: number) => x } });
const m: mod.Memory = inst.exports.mem;
const pages: number = m.pages;
void pages;
`;

// ------------------------------------------------------------------ checks

const OPTIONS: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2022.d.ts'],
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  noImplicitReturns: true,
  // The generated declarations are checked too (only the default lib is skipped).
  skipLibCheck: false,
  skipDefaultLibCheck: true,
  types: [],
  paths: { 'wasm-kiln/runtime': [join(ROOT, 'runtime/index.ts')] },
};

interface Diag {
  line: number;
  code: number;
  text: string;
}

/** `line:code` of every `// error TS…` marker in `text` (1-based lines). */
function expectedErrors(text: string): string[] {
  const out: string[] = [];
  text.split('\n').forEach((l, i) => {
    const m = /\/\/ error (.*)$/.exec(l);
    if (m) for (const code of m[1]!.match(/TS\d+/g)!) out.push(`${i + 1}:${code.slice(2)}`);
  });
  return out.sort();
}

const CONSUMERS: Record<string, string> = {
  'main/ok.ts': MAIN_OK,
  'main/bad.ts': MAIN_BAD,
  'fuel/ok.ts': FUEL_OK,
  'fuel/bad.ts': FUEL_BAD,
  'shared/ok.ts': SHARED_OK,
  'shared/bad.ts': SHARED_BAD,
  'cjs/ok.mts': CJS_OK_MTS,
  'cjs/ok.cts': CJS_OK_CTS,
  'cjs/bad.cts': CJS_BAD_CTS,
  'cjs-import/ok.cts': CJS_IMPORT_OK,
  'tags/ok.ts': TAGS_OK,
  'tags/bad.ts': TAGS_BAD,
};

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in DIR. */
function kiln(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', join(ROOT, 'compiler/cli.ts'), ...args], { cwd: DIR, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err !== null && typeof err.code !== 'number') reject(err);
      else resolve({ status: err === null ? 0 : (err.code as number), stdout, stderr });
    });
  });
}

/** The command lines run (at once, in beforeAll) and their results. */
const CLI: Record<string, string[]> = {
  cjs: ['compile', 'cjs/in.wasm', '--format', 'cjs', '-o', 'cjs/mod.cjs', '--dts'],
  esm: ['compile', 'cjs/in.wasm', '-o', 'cli/out.js', '--dts', '--fuel'],
  noOut: ['compile', 'cjs/in.wasm', '--dts'],
  help: ['compile', '--help'],
  invalid: ['compile', 'cli/bad.wasm', '-o', 'cli/bad.js', '--dts'],
};
const cli: Record<string, Run> = {};

let diags: Map<string, Diag[]>;
let globalDiags: string[];
const decls: Record<string, string> = {};

beforeAll(async () => {
  rmSync(DIR, { recursive: true, force: true });
  write('cjs/in.wasm', wat(CJS_WAT));
  write('cli/bad.wasm', new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 99]));
  const runs = Promise.all(Object.entries(CLI).map(async ([k, args]) => (cli[k] = await kiln(...args))));
  decls.main = build('main/mod.js', MAIN);
  decls.fuel = build('fuel/mod.js', FUEL, { fuel: true, maxMemoryPages: 4 });
  decls.shared = build('shared/mod.js', SHARED, { runtime: 'import' });
  decls.tags = build('tags/mod.js', TAGS);
  decls.cjsImport = build('cjs-import/mod.cjs', CJS_WAT.replace('(func (export "twice")', '(export "mem" (memory 0)) (func (export "twice")'), { format: 'cjs', runtime: 'import' });
  // The CommonJS module comes from the command line.
  await runs;
  expect(cli.cjs!.stderr).toBe('');
  expect(cli.cjs!.status).toBe(0);
  decls.cjs = readFileSync(join(DIR, 'cjs/mod.d.cts'), 'utf8');
  const files = Object.entries(CONSUMERS).map(([rel, text]) => write(rel, text));
  const program = ts.createProgram(files, OPTIONS);
  globalDiags = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()].map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  diags = new Map();
  for (const sf of program.getSourceFiles()) {
    if (!sf.fileName.startsWith(DIR)) continue;
    const list = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)].map((d) => ({
      line: sf.getLineAndCharacterOfPosition(d.start ?? 0).line + 1,
      code: d.code,
      text: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
    }));
    diags.set(sf.fileName.slice(DIR.length + 1), list);
  }
}, 120_000);

function errorsOf(rel: string): Diag[] {
  const list = diags.get(rel);
  if (list === undefined) throw new Error(`${rel} is not in the program`);
  return list;
}

/** The file has no errors (printed in full when it has). */
function expectClean(rel: string): void {
  expect(errorsOf(rel).map((d) => `${rel}:${d.line}: TS${d.code} ${d.text}`)).toEqual([]);
}

/** The file has exactly the errors its `// error TS…` markers name, on their lines. */
function expectMarked(rel: string): void {
  const found = errorsOf(rel).map((d) => `${d.line}:${d.code}`).sort();
  const detail = errorsOf(rel).map((d) => `${d.line}: TS${d.code} ${d.text}`).join('\n');
  expect(found, detail).toEqual(expectedErrors(CONSUMERS[rel]!));
}

describe('dts: declarations typecheck', () => {
  it('no compiler or global diagnostics', () => {
    expect(globalDiags).toEqual([]);
  });

  it('the generated declarations themselves have no errors', () => {
    for (const rel of ['main/mod.d.ts', 'fuel/mod.d.ts', 'shared/mod.d.ts', 'cjs/mod.d.cts', 'cjs-import/mod.d.cts', 'tags/mod.d.ts']) expectClean(rel);
  });

  it('correct consumers typecheck', () => {
    for (const rel of Object.keys(CONSUMERS).filter((f) => f.includes('/ok.'))) expectClean(rel);
  });

  it('consumers with mistakes fail with exactly the expected errors', () => {
    const bad = Object.keys(CONSUMERS).filter((f) => f.includes('/bad.'));
    for (const rel of bad) {
      expect(expectedErrors(CONSUMERS[rel]!).length).toBeGreaterThan(2);
      expectMarked(rel);
    }
  });
});

describe('dts: the declared API is the real one', () => {
  const load = async (rel: string) => (await import(pathToFileURL(join(DIR, rel)).href)).run();

  it('every kind of import and export', async () => {
    const r = await load('main/ok.ts');
    expect(r.keys).toEqual(['customSections', 'exports', 'imports', 'instantiate', 'sha256']);
    expect(r.instanceKeys).toEqual(['exports']);
    expect(r.exportKeys).toEqual(['add', 'swap', 'callPair', 'my-func', '__proto__', 'constructor', 'logIt', 'id', 'v', 'mem', 'tbl', 'counter', 'big', 'pi', 'gm', 'ext', 'log']);
    expect(r).toMatchObject({
      sum: 5, swapped: [1.5, 5n], paired: 4n + 40n, doubled: 14, proto: 1.5, ctor: 42,
      logged: [[1, 2n], [3, 4n]], idIsAdd: true, counter: 8, big: -5n, pi: 3.25, gm: 11n, ext: { hello: 'world' },
      pages: 1, bytes: 2 * 65536, tableLength: 2, again: 2, sha256: 64, customSections: 0,
    });
    expect(r.imports).toEqual(['function env.log', 'function env.pair', 'memory env.memory', 'table env.table', 'global env.gc', 'global env.gm', 'global js-host.ext', 'function js-host.ref']);
    expect(r.exportDescs).toEqual(r.exportKeys);
  });

  it('fuel: options.fuel, getFuel and setFuel', async () => {
    const r = await load('fuel/ok.ts');
    expect(r.spent).toBeGreaterThan(10);
    expect(r).toMatchObject({ trapped: 'out-of-fuel', fuel: Infinity, pages: 1, instanceKeys: ['exports', 'getFuel', 'setFuel'] });
  });

  it('tags: a runtime Tag imported, tags exported, descriptors of kind tag', async () => {
    const r = await load('tags/ok.ts');
    expect(r).toEqual({ own: ['i64'], same: true, payload: 7, kinds: ['tag', 'tag', 'tag', 'function'] });
  });

  it('CommonJS: default and named imports of mod.cjs', async () => {
    const r = await load('cjs/ok.mts');
    expect(r).toEqual({ r: 10, big: 4n, sameHash: true, exports: ['twice', 'wide'] });
  });
});

describe('dts: what is declared', () => {
  it('quotes names that are not identifiers, names parameters from the name section, documents wasm types', () => {
    const d = decls.main!;
    expect(d).toContain('  "js-host": {\n');
    expect(d).toContain('  readonly "my-func": (p0: number) => number;\n'); // $class is reserved: p0
    expect(d).toContain('  readonly add: (a: number, b: number) => number;\n');
    expect(d).toContain('  readonly swap: (p0: bigint, p1: number) => readonly [number, bigint];\n');
    expect(d).toContain('    log: (msg: number, big: bigint) => void;\n');
    expect(d).toContain('/** `(func (param i32 i32) (result i32))`: function 3 `$add` */');
    expect(d).toContain('/** `(global (mut i64))`: a mutable Global of i64 */');
    expect(d).toContain('export declare function instantiate(importObject: Imports, options?: InstantiateOptions | null): Instance;');
    expect(d).not.toMatch(/fuel/i);
    expect(decls.fuel).toContain('export declare function instantiate(importObject?: Imports | null, options?: InstantiateOptions | null): Instance;');
    expect(decls.fuel).toContain('default 4, set at compile time');
    expect(decls.shared).toContain('export type Memory = import("wasm-kiln/runtime").Memory;');
  });

  it('CommonJS: one namespace and export =', () => {
    expect(decls.cjs).toMatch(/^declare namespace KilnModule \{$/m);
    expect(decls.cjs).toMatch(/\nexport = KilnModule;\n$/);
    expect(decls.cjs).not.toMatch(/declare (const|function)/);
  });

  it('a name cannot end a doc comment, duplicate imports must satisfy both types', () => {
    const d = compile(wat(String.raw`(module
      (import "env" "dup" (func (param i32)))
      (import "env" "dup" (global i32))
      (import "env" "same" (func (param i32)))
      (import "env" "same" (func (param i32)))
      (func $a*/b (export "*/") (param $x*/y i32)))`), { dts: true }).dts;
    expect(d).toContain('    dup: ((p0: number) => void) & (Global | number);\n');
    expect(d).toContain('    same: (p0: number) => void;\n');
    expect(d).toContain('  readonly "*/": (x__y: number) => void;\n');
    expect(d).toContain('function 3 `$a*\\/b`');
    // The comments end where they should: the parsed Exports interface has its one member.
    const sf = ts.createSourceFile('x.d.ts', d, ts.ScriptTarget.ES2022, true);
    const iface = sf.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'Exports')!;
    expect(iface.members.map((m) => (m.name as ts.StringLiteral).text)).toEqual(['*/']);
  });

  it('dtsFileName', () => {
    expect(dtsFileName('out/mod.js')).toBe('out/mod.d.ts');
    expect(dtsFileName('mod.mjs')).toBe('mod.d.mts');
    expect(dtsFileName('a.b/mod.cjs')).toBe('a.b/mod.d.cts');
    expect(dtsFileName('mod')).toBe('mod.d.ts');
  });
});

describe('dts: command line', () => {
  it('--dts needs -o; --help lists it; an invalid module writes nothing', () => {
    expect(cli.noOut!.status).toBe(2);
    expect(cli.noOut!.stderr).toMatch(/--dts writes the declarations beside the output/);
    expect(cli.help!.stdout).toMatch(/--dts +also write TypeScript declarations/);
    expect(cli.invalid!.status).toBe(1);
    expect(existsSync(join(DIR, 'cli/bad.js'))).toBe(false);
    expect(existsSync(join(DIR, 'cli/bad.d.ts'))).toBe(false);
  });

  it('out.js gets out.d.ts, out.cjs gets out.d.cts: the same text as compile()', () => {
    expect(cli.esm!.status).toBe(0);
    const bytes = new Uint8Array(readFileSync(join(DIR, 'cjs/in.wasm')));
    expect(readFileSync(join(DIR, 'cli/out.d.ts'), 'utf8')).toBe(compile(bytes, { fuel: true, dts: true }).dts);
    expect(decls.cjs).toBe(compile(bytes, { format: 'cjs', dts: true }).dts);
  });
});
