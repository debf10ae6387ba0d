/**
 * `wasm-kiln/webassembly`: an object with the WebAssembly JS API (JS API
 * spec, "The WebAssembly Namespace") backed by modules Kiln compiled ahead of
 * time, so glue written for `WebAssembly` (Emscripten, wasm-bindgen, Go's
 * `wasm_exec.js`, hash-wasm...) runs unchanged where the engine has none:
 *
 * ```js
 * import { createWebAssembly } from 'wasm-kiln/webassembly';
 * import * as sqlWasm from './sql-wasm.wasm.js';      // kiln compile sql-wasm.wasm
 * globalThis.WebAssembly = createWebAssembly([sqlWasm]);
 * ```
 *
 * Bytes given to `new Module`, `compile` or `instantiate` are matched with a
 * precompiled module by the SHA-256 of the wasm it was compiled from (the
 * compiled module's `sha256` export). Bytes that match none throw a
 * `CompileError` naming their hash, except one shape: a module that only
 * imports functions and exports them again (Emscripten's `addFunction`
 * builds one to turn a JS function into a wasm function), which is made
 * directly from its bytes.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { CompileError, LinkError, RuntimeError } from './errors.js';
import { Memory } from './memory.js';
import { Table } from './table.js';
import { Global } from './global.js';
import { Exception, Tag } from './exceptions.js';
import { importFunc, makeSig } from './func.js';
import { rt } from './state.js';
import { b64, getImport, importName, makeExports } from './instance.js';

/** JS API `ModuleImportDescriptor` / `ModuleExportDescriptor`. */
export interface ImportDescriptor {
  module: string;
  name: string;
  kind: 'function' | 'table' | 'memory' | 'global' | 'tag';
}
export interface ExportDescriptor {
  name: string;
  kind: 'function' | 'table' | 'memory' | 'global' | 'tag';
}

/**
 * A module compiled by Kiln, as its emitted JS module's namespace gives it
 * (`import * as m from './x.js'`): README "The emitted module".
 */
export interface PrecompiledModule {
  instantiate(importObject?: unknown, options?: unknown): { exports: object };
  imports: readonly ImportDescriptor[];
  exports: readonly ExportDescriptor[];
  /** SHA-256 of the wasm bytes the module was compiled from, 64 lowercase hex digits. */
  sha256: string;
  /** Custom sections kept by `compile` (option `customSections`): name and contents (base64). */
  customSections?: readonly { name: string; data: string }[];
}

/** The object `createWebAssembly` returns: the WebAssembly namespace of the JS API. */
export interface WebAssemblyNamespace {
  Module: typeof KModule;
  Instance: typeof KInstance;
  Memory: typeof Memory;
  Table: typeof Table;
  Global: typeof Global;
  /** Exception handling (runtime/exceptions.ts). */
  Tag: typeof Tag;
  Exception: typeof Exception;
  CompileError: typeof CompileError;
  LinkError: typeof LinkError;
  RuntimeError: typeof RuntimeError;
  validate(bytes: ArrayBuffer | ArrayBufferView): boolean;
  compile(bytes: ArrayBuffer | ArrayBufferView): Promise<KModule>;
  instantiate(source: ArrayBuffer | ArrayBufferView | KModule, importObject?: unknown): Promise<any>;
  compileStreaming(source: Response | PromiseLike<Response>): Promise<KModule>;
  instantiateStreaming(source: Response | PromiseLike<Response>, importObject?: unknown): Promise<{ module: KModule; instance: KInstance }>;
}

/**
 * What a `Module` object holds: how to instantiate it (returning the
 * instance object of the compiled module: `exports`, and `getFuel`/`setFuel`
 * with fuel) and its descriptors.
 */
export interface CompiledModule {
  instantiate(importObject: unknown): { exports: object };
  imports: readonly ImportDescriptor[];
  exports: readonly ExportDescriptor[];
  customSections: readonly { name: string; data: string }[];
}

const MODULE = Symbol('wasm-kiln.Module');
const INSTANCE_EXPORTS = Symbol('wasm-kiln.Instance.exports');
const INSTANCE_OBJECT = Symbol('wasm-kiln.Instance.object');

/** The `CompiledModule` behind a namespace's `Module`, or undefined when `module` is not one. */
export function compiledModule(module: unknown): CompiledModule | undefined {
  return typeof module === 'object' && module !== null ? (module as any)[MODULE] : undefined;
}

/**
 * The object the compiled module's `instantiate` returned for a namespace's
 * `Instance` (`exports`, and `getFuel`/`setFuel` with fuel), or undefined
 * when `instance` is not one.
 */
export function instanceObject(instance: unknown): { exports: object; getFuel?(): number; setFuel?(n: number): void } | undefined {
  return typeof instance === 'object' && instance !== null ? (instance as any)[INSTANCE_OBJECT] : undefined;
}

/** Reads a JS API `ArrayBuffer | ArrayBufferView` (ArrayBuffer or a view) as bytes, without copying. @throws TypeError otherwise. */
function toBytes(source: unknown): Uint8Array {
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  throw new TypeError('WebAssembly: the first argument must be an ArrayBuffer or typed array');
}

declare class KModule {
  constructor(bytes: ArrayBuffer | ArrayBufferView);
  static exports(module: KModule): ExportDescriptor[];
  static imports(module: KModule): ImportDescriptor[];
  static customSections(module: KModule, name: string): ArrayBuffer[];
}
declare class KInstance {
  constructor(module: KModule, importObject?: unknown);
  readonly exports: any;
}

/**
 * Returns a WebAssembly namespace whose `Module`s are the given precompiled
 * modules (JS API spec: `validate`, `compile`, `instantiate`, the streaming
 * variants, `Module` with `exports`/`imports`/`customSections`, `Instance`,
 * `Memory`, `Table`, `Global` and the three error classes). `instanceof`
 * against its `Memory`, `Table` and `Global` holds for objects any copy of
 * Kiln's runtime made (an instance's exported memory, say).
 * @param precompiled compiled modules (namespaces of Kiln's output), matched by `sha256`.
 * @throws TypeError when an entry has no `sha256` (compiled by a Kiln without it).
 */
export function createWebAssembly(precompiled: readonly PrecompiledModule[]): WebAssemblyNamespace {
  const byHash = new Map<string, PrecompiledModule>();
  for (const p of precompiled) {
    if (typeof p?.sha256 !== 'string' || typeof p.instantiate !== 'function') {
      throw new TypeError('createWebAssembly: every entry must be a module compiled by Kiln (with a sha256 export)');
    }
    byHash.set(p.sha256, p);
  }
  return createNamespace(find);

  /** The compiled form of `bytes`. @throws CompileError when no precompiled module matches. */
  function find(bytes: Uint8Array): CompiledModule {
    const stub = stubHash(bytes);
    const hash = stub ?? bytesToHex(sha256(bytes));
    const p = byHash.get(hash);
    if (p !== undefined) {
      return { instantiate: (i) => p.instantiate(i), imports: p.imports, exports: p.exports, customSections: p.customSections ?? [] };
    }
    const reexport = stub === null ? reexportModule(bytes) : null;
    if (reexport !== null) return reexport;
    throw new CompileError(`no precompiled module matches these ${bytes.length} bytes (sha256 ${hash}): compile the .wasm with Kiln and pass it to createWebAssembly`, 0);
  }
}

/**
 * The WebAssembly namespace (JS API) whose `Module`s are made by `find`
 * from their bytes (`createWebAssembly`: precompiled modules matched by
 * hash; wasm-kiln/polyfill: compiled at run time). `validate(bytes)` is true
 * when `check(bytes)` (default: `find`) does not throw a `CompileError`.
 * @param find the compiled form of `bytes`; throws CompileError when there is none.
 */
export function createNamespace(find: (bytes: Uint8Array) => CompiledModule, check: (bytes: Uint8Array) => void = find): WebAssemblyNamespace {
  const moduleOf = (m: unknown): CompiledModule => {
    const c = typeof m === 'object' && m !== null ? (m as any)[MODULE] : undefined;
    if (c === undefined) throw new TypeError('WebAssembly: argument is not a WebAssembly.Module');
    return c;
  };

  /** JS API `WebAssembly.Module`. */
  class Module {
    [MODULE]: CompiledModule;
    constructor(bytes: ArrayBuffer | ArrayBufferView) {
      if (new.target === undefined) throw new TypeError("WebAssembly.Module must be called with 'new'");
      this[MODULE] = find(toBytes(bytes));
    }
    static exports(module: Module): ExportDescriptor[] {
      return moduleOf(module).exports.map((d) => ({ ...d }));
    }
    static imports(module: Module): ImportDescriptor[] {
      return moduleOf(module).imports.map((d) => ({ ...d }));
    }
    static customSections(module: Module, name: string): ArrayBuffer[] {
      const sections = moduleOf(module).customSections;
      if (name === undefined) throw new TypeError('WebAssembly.Module.customSections: a section name is required');
      const out: ArrayBuffer[] = [];
      for (const s of sections) if (s.name === String(name)) out.push(b64(s.data).buffer as ArrayBuffer);
      return out;
    }
  }
  Object.defineProperty(Module.prototype, Symbol.toStringTag, { value: 'WebAssembly.Module' });

  /** JS API `WebAssembly.Instance`. */
  class Instance {
    [INSTANCE_EXPORTS]: object;
    constructor(module: Module, importObject?: unknown) {
      if (new.target === undefined) throw new TypeError("WebAssembly.Instance must be called with 'new'");
      const c = moduleOf(module);
      if (importObject !== undefined && (typeof importObject !== 'object' || importObject === null)) {
        throw new TypeError('WebAssembly.Instance: the import object must be an object');
      }
      if (c.imports.length > 0 && importObject === undefined) throw new TypeError('WebAssembly.Instance: the module has imports, but no import object was given');
      // JS API "read the imports": a missing module namespace is a TypeError (a missing field, a LinkError).
      for (const i of c.imports) {
        const ns = (importObject as Record<string, unknown>)[i.module];
        if (typeof ns !== 'object' && typeof ns !== 'function') throw new TypeError(`WebAssembly.Instance: import module ${JSON.stringify(i.module)} is not an object`);
      }
      const object = c.instantiate(importObject);
      Object.defineProperty(this, INSTANCE_OBJECT, { value: object });
      this[INSTANCE_EXPORTS] = object.exports;
    }
    get exports(): any {
      return this[INSTANCE_EXPORTS];
    }
  }
  Object.defineProperty(Instance.prototype, Symbol.toStringTag, { value: 'WebAssembly.Instance' });

  /** Awaits a `Response` (or a promise of one) and returns its bytes (JS API "compile a potential WebAssembly response"). */
  async function responseBytes(source: Response | PromiseLike<Response>): Promise<Uint8Array> {
    const r = await source;
    if (typeof r !== 'object' || r === null || typeof (r as Response).arrayBuffer !== 'function') {
      throw new TypeError('WebAssembly: the argument must be a Response or a promise of one');
    }
    const type = r.headers?.get?.('Content-Type');
    if (type === null || type === undefined || type.split(';')[0]!.trim().toLowerCase() !== 'application/wasm') {
      throw new TypeError(`WebAssembly: the response has MIME type ${JSON.stringify(type ?? null)}, expected "application/wasm"`);
    }
    if (!r.ok) throw new TypeError(`WebAssembly: the response status is ${r.status}, expected 2xx`);
    return new Uint8Array(await r.arrayBuffer());
  }

  const ns = {
    Module,
    Instance,
    Memory,
    Table,
    Global,
    Tag,
    Exception,
    CompileError,
    LinkError,
    RuntimeError,
    validate(bytes: ArrayBuffer | ArrayBufferView): boolean {
      const b = toBytes(bytes);
      try {
        check(b);
        return true;
      } catch (e) {
        if (e instanceof CompileError) return false;
        throw e;
      }
    },
    async compile(bytes: ArrayBuffer | ArrayBufferView): Promise<Module> {
      return new Module(bytes);
    },
    async instantiate(source: ArrayBuffer | ArrayBufferView | Module, importObject?: unknown): Promise<any> {
      if (typeof source === 'object' && source !== null && MODULE in source) return new Instance(source as Module, importObject);
      const module = new Module(source as ArrayBuffer | ArrayBufferView);
      return { module, instance: new Instance(module, importObject) };
    },
    async compileStreaming(source: Response | PromiseLike<Response>): Promise<Module> {
      return new Module(await responseBytes(source));
    },
    async instantiateStreaming(source: Response | PromiseLike<Response>, importObject?: unknown): Promise<{ module: Module; instance: Instance }> {
      const module = new Module(await responseBytes(source));
      return { module, instance: new Instance(module, importObject) };
    },
  };
  Object.defineProperty(ns, Symbol.toStringTag, { value: 'WebAssembly' });
  return ns as unknown as WebAssemblyNamespace;
}

const STUB_SECTION = 'kiln.sha256';
const STUB_HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x00, 1 + STUB_SECTION.length + 64, STUB_SECTION.length];

/**
 * A stand-in for a wasm module compiled ahead of time (86 bytes): an empty
 * module whose only section is a custom section `kiln.sha256` holding the
 * original's SHA-256 in hex. Bundlers ship it instead of the original (see
 * the bundler plugin); this namespace resolves it to the precompiled module.
 * @param hash 64 lowercase hex digits.
 * @throws TypeError for anything else.
 */
export function kilnStub(hash: string): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(hash)) throw new TypeError(`kilnStub: expected a SHA-256 in lowercase hex, got ${JSON.stringify(hash)}`);
  return new Uint8Array([...STUB_HEADER, ...new TextEncoder().encode(STUB_SECTION + hash)]);
}

/** The hash a `kilnStub` names, or null when `b` is not one. */
function stubHash(b: Uint8Array): string | null {
  if (b.length !== STUB_HEADER.length + STUB_SECTION.length + 64) return null;
  for (let i = 0; i < STUB_HEADER.length; i++) if (b[i] !== STUB_HEADER[i]) return null;
  const text = new TextDecoder().decode(b.subarray(STUB_HEADER.length));
  return text.startsWith(STUB_SECTION) && /^[0-9a-f]{64}$/.test(text.slice(STUB_SECTION.length)) ? text.slice(STUB_SECTION.length) : null;
}

const VALTYPES: Record<number, string> = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x70: 'funcref', 0x6f: 'externref' };

/**
 * A module with only a type, an import and an export section, whose imports
 * are all functions and whose exports are all of those functions (spec 5.5):
 * the shape Emscripten's `convertJsFunctionToWasm` builds. Returns its
 * compiled form, where each export is the imported JS function wrapped as a
 * wasm function of the declared type (JS API "create a host function"), or
 * null for any other module.
 */
function reexportModule(b: Uint8Array): CompiledModule | null {
  let p = 8;
  const u32 = (): number => {
    let r = 0, shift = 0, byte: number;
    do {
      if (p >= b.length || shift > 28) throw null;
      byte = b[p++]!;
      r |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    return r >>> 0;
  };
  const name = (): string => {
    const n = u32();
    if (p + n > b.length) throw null;
    const s = new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(p, p + n));
    p += n;
    return s;
  };
  try {
    if (b.length < 8 || b[0] !== 0 || b[1] !== 0x61 || b[2] !== 0x73 || b[3] !== 0x6d || b[4] !== 1 || b[5] !== 0 || b[6] !== 0 || b[7] !== 0) return null;
    const types: string[] = [];
    const imports: { module: string; name: string; sig: string }[] = [];
    const exports: { name: string; func: number }[] = [];
    let last = 0;
    while (p < b.length) {
      const id = b[p++]!;
      const size = u32();
      const end = p + size;
      if (end > b.length) return null;
      if (id === 0) {
        p = end;
        continue;
      }
      if (id <= last || (id !== 1 && id !== 2 && id !== 7)) return null;
      last = id;
      const n = u32();
      for (let i = 0; i < n; i++) {
        if (id === 1) {
          if (b[p++] !== 0x60) return null;
          const params = Array.from({ length: u32() }, () => VALTYPES[b[p++]!]);
          const results = Array.from({ length: u32() }, () => VALTYPES[b[p++]!]);
          if ([...params, ...results].some((t) => t === undefined)) return null;
          types.push(makeSig(params as string[], results as string[]));
        } else if (id === 2) {
          const module = name();
          const field = name();
          if (b[p++] !== 0) return null;
          const t = u32();
          if (t >= types.length) return null;
          imports.push({ module, name: field, sig: types[t]! });
        } else {
          const field = name();
          if (b[p++] !== 0) return null;
          const f = u32();
          if (f >= imports.length || exports.some((e) => e.name === field)) return null;
          exports.push({ name: field, func: f });
        }
      }
      if (p !== end) return null;
    }
    return {
      imports: imports.map((i) => ({ module: i.module, name: i.name, kind: 'function' as const })),
      exports: exports.map((e) => ({ name: e.name, kind: 'function' as const })),
      customSections: [],
      instantiate(importObject: unknown) {
        const funcs = imports.map((i) => importFunc(getImport(importObject, i.module, i.name, 'function'), i.sig, rt, importName(i.module, i.name)));
        return { exports: makeExports(exports.map((e) => [e.name, funcs[e.func]])) };
      },
    };
  } catch (e) {
    if (e === null) return null;
    throw e;
  }
}
