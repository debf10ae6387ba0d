/**
 * The `WebAssembly` object the bundler plugin installs (bundler/index.ts):
 * bundled into the app, not run at build time.
 *
 * It is Kiln's namespace (`createWebAssembly` over the compiled modules
 * registered so far) behind one stable object: a lazily loaded chunk may
 * register more modules later, and the object, its `Module` and `Instance`
 * classes stay the same (`instanceof` holds for modules made before).
 *
 * Where the engine has a `WebAssembly` of its own and Kiln is installed over
 * it (the default: the bundle holds stubs, which the engine cannot run),
 * only stubs go to Kiln; other bytes (a module some other code on the page
 * compiles, or the engine's own libraries: Node's `fetch` compiles its HTTP
 * parser with `WebAssembly.compile`) and native `Module`s go to the engine's
 * `WebAssembly`. `Memory`, `Table`, `Global` and the error classes are
 * Kiln's.
 */
import { createWebAssembly, kilnStub, type PrecompiledModule, type WebAssemblyNamespace } from '../runtime/webassembly.js';

/** The stub's bytes before the hash: header, custom section header, its name `kiln.sha256`. */
const STUB_PREFIX = kilnStub('0'.repeat(64)).subarray(0, 22);
const STUB_LENGTH = 86;

/** The bytes of a JS API `BufferSource`, or null for anything else. */
function bytesOf(source: unknown): Uint8Array | null {
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  return null;
}

/** Whether `b` is a `kilnStub` (runtime/webassembly.ts). */
function isStub(b: Uint8Array | null): boolean {
  if (b === null || b.length !== STUB_LENGTH) return false;
  for (let i = 0; i < STUB_PREFIX.length; i++) if (b[i] !== STUB_PREFIX[i]) return false;
  return true;
}

/** Reads at most one byte past a stub's length from a copy of the response: enough to tell a stub. */
async function peekStub(r: Response): Promise<boolean> {
  if (typeof r?.clone !== 'function') return false;
  const body = r.clone().body;
  if (body === null) return false;
  const reader = body.getReader();
  let got = new Uint8Array(0);
  while (got.length <= STUB_LENGTH) {
    const { done, value } = await reader.read();
    if (done) break;
    const next = new Uint8Array(got.length + value.length);
    next.set(got);
    next.set(value, got.length);
    got = next;
  }
  void reader.cancel().catch(() => {});
  return isStub(got);
}

const tagged = (x: unknown, name: string): boolean => Object.prototype.toString.call(x) === `[object WebAssembly.${name}]`;

/**
 * Makes the namespace and returns `register`, which adds a compiled module
 * and, the first time, installs the namespace as `globalThis.WebAssembly`:
 * always, or with `keepWasm` only where the engine has no `WebAssembly`.
 */
export function kilnNamespace(options: { keepWasm: boolean }): { register(m: PrecompiledModule): void; WebAssembly: object } {
  const g = globalThis as { WebAssembly?: any };
  const native = typeof g.WebAssembly === 'object' && g.WebAssembly !== null ? g.WebAssembly : undefined;
  const install = !options.keepWasm || native === undefined;
  /** Installed over a native WebAssembly: what is not a stub goes to it. */
  const route = install && native !== undefined;
  const precompiled: PrecompiledModule[] = [];
  let kiln: WebAssemblyNamespace = createWebAssembly([]);

  const isNativeModule = (m: unknown): boolean => native !== undefined && m instanceof native.Module;
  /** Whether `source` (bytes or a Module) is for the engine's WebAssembly. */
  const goesNative = (source: unknown): boolean => {
    if (!route) return false;
    if (isNativeModule(source)) return true;
    const b = bytesOf(source);
    return b !== null && !isStub(b);
  };

  class Module {
    constructor(bytes: ArrayBuffer | ArrayBufferView) {
      if (new.target === undefined) throw new TypeError("WebAssembly.Module must be called with 'new'");
      return goesNative(bytes) ? new native.Module(bytes) : new kiln.Module(bytes);
    }
    static exports(m: unknown): unknown {
      return (isNativeModule(m) ? native : kiln).Module.exports(m);
    }
    static imports(m: unknown): unknown {
      return (isNativeModule(m) ? native : kiln).Module.imports(m);
    }
    static customSections(m: unknown, name: string): unknown {
      return (isNativeModule(m) ? native : kiln).Module.customSections(m, name);
    }
    static [Symbol.hasInstance](x: unknown): boolean {
      return tagged(x, 'Module');
    }
  }
  class Instance {
    constructor(module: unknown, importObject?: unknown) {
      if (new.target === undefined) throw new TypeError("WebAssembly.Instance must be called with 'new'");
      return isNativeModule(module) ? new native.Instance(module, importObject) : new kiln.Instance(module as never, importObject);
    }
    static [Symbol.hasInstance](x: unknown): boolean {
      return tagged(x, 'Instance');
    }
  }

  const ns = {
    Module,
    Instance,
    Memory: kiln.Memory,
    Table: kiln.Table,
    Global: kiln.Global,
    CompileError: kiln.CompileError,
    LinkError: kiln.LinkError,
    RuntimeError: kiln.RuntimeError,
    validate: (bytes: ArrayBuffer | ArrayBufferView): boolean => (goesNative(bytes) ? native.validate(bytes) : kiln.validate(bytes)),
    compile: (bytes: ArrayBuffer | ArrayBufferView): Promise<unknown> => (goesNative(bytes) ? native.compile(bytes) : kiln.compile(bytes)),
    instantiate: (source: unknown, importObject?: unknown): Promise<unknown> =>
      goesNative(source) ? native.instantiate(source, importObject) : kiln.instantiate(source as never, importObject),
    async compileStreaming(source: Response | PromiseLike<Response>): Promise<unknown> {
      const r = await source;
      return route && !(await peekStub(r)) ? native.compileStreaming(r) : kiln.compileStreaming(r);
    },
    async instantiateStreaming(source: Response | PromiseLike<Response>, importObject?: unknown): Promise<unknown> {
      const r = await source;
      return route && !(await peekStub(r)) ? native.instantiateStreaming(r, importObject) : kiln.instantiateStreaming(r, importObject);
    },
  };
  Object.defineProperty(ns, Symbol.toStringTag, { value: 'WebAssembly', configurable: true });

  return {
    register(m: PrecompiledModule): void {
      if (precompiled.some((p) => p.sha256 === m.sha256)) return;
      precompiled.push(m);
      kiln = createWebAssembly(precompiled);
      if (install && g.WebAssembly !== ns) g.WebAssembly = ns;
    },
    WebAssembly: ns,
  };
}
