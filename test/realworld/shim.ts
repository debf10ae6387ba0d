/**
 * A test-side stand-in for the `WebAssembly` namespace that compiles every
 * module with Kiln, so a package's own, unchanged JS glue runs on Kiln's
 * output. It covers only what the corpus' glues call (`instantiate`,
 * `compile`, `validate`, `instantiateStreaming`, `Module`, `Instance`,
 * `Memory`, `Table`, `Global`, the error classes); a complete namespace is
 * issue 17.
 *
 * Compiled output (CommonJS, runtime inline) is cached by a hash of the
 * bytes and the i64 form, so each wasm compiles once per test file.
 */
import { createHash } from 'node:crypto';
import { compile, validate, CompileError, LinkError, RuntimeError, Memory, Table, Global } from '../../compiler/index.js';

/** The engine's own namespace, captured before any test can replace it. */
export const NATIVE: typeof WebAssembly = globalThis.WebAssembly;

/** How Kiln lowers i64 (compile option `i64`). */
export type I64Form = 'auto' | 'pair' | 'bigint';

/** Every i64 form, in the order cases run them. */
export const I64_FORMS: readonly I64Form[] = ['auto', 'pair', 'bigint'];

/** A loaded Kiln output module (README "The emitted module"). */
interface Compiled {
  imports: readonly { module: string; name: string; kind: string }[];
  exports: readonly { name: string; kind: string }[];
  instantiate(importObject?: object): { exports: Record<string, unknown> };
}

/** What one engine did: how often Kiln compiled (cache misses), how many modules and instances were made. */
export interface KilnStats {
  compiled: number;
  modules: number;
  instances: number;
}

/** A Kiln-backed namespace for one i64 form, and its counters. */
export interface KilnEngine {
  readonly i64: I64Form;
  readonly stats: KilnStats;
  /** The object installed as `globalThis.WebAssembly` by `onKiln`. */
  readonly namespace: object;
}

const cache = new Map<string, Compiled>();

/** Copies a JS API `BufferSource` (ArrayBuffer, typed array, DataView, Buffer) into a fresh Uint8Array. */
function toBytes(source: unknown): Uint8Array {
  if (source instanceof ArrayBuffer) return new Uint8Array(source.slice(0));
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength).slice();
  throw new TypeError('WebAssembly: argument must be a buffer source');
}

/** Kiln's output for `bytes` in `i64` form, compiled once per test file (a miss counts in `stats.compiled`) and evaluated as CommonJS. */
function compiled(bytes: Uint8Array, i64: I64Form, stats: KilnStats): Compiled {
  const key = `${i64}:${createHash('sha256').update(bytes).digest('hex')}`;
  let m = cache.get(key);
  if (m === undefined) {
    const { code } = compile(bytes, { format: 'cjs', runtime: 'inline', i64 });
    const holder: { exports: Compiled | null } = { exports: null };
    // The output probes `WebAssembly` (typeof) only to extend the engine's error classes: give it
    // the engine's own, not this stand-in, as a module loaded outside a test would see.
    new Function('module', 'WebAssembly', code)(holder, NATIVE);
    m = holder.exports!;
    cache.set(key, m);
    stats.compiled++;
  }
  return m;
}

/**
 * A JS API-shaped `WebAssembly` namespace backed by Kiln, lowering i64 in
 * form `i64`. `stats` counts what it did, so tests can prove Kiln ran.
 */
export function kilnEngine(i64: I64Form): KilnEngine {
  const stats: KilnStats = { compiled: 0, modules: 0, instances: 0 };
  const COMPILED = Symbol('kiln compiled');

  /** JS API `WebAssembly.Module`; `new Module(bytes)` compiles synchronously. */
  class Module {
    [COMPILED]: Compiled;
    constructor(source: unknown) {
      this[COMPILED] = compiled(toBytes(source), i64, stats);
      stats.modules++;
    }
    static imports(m: Module): { module: string; name: string; kind: string }[] {
      return moduleOf(m).imports.map((d) => ({ ...d }));
    }
    static exports(m: Module): { name: string; kind: string }[] {
      return moduleOf(m).exports.map((d) => ({ ...d }));
    }
    static customSections(): never {
      throw new TypeError('kiln shim: WebAssembly.Module.customSections is not supported (issue 17)');
    }
  }

  function moduleOf(m: unknown): Compiled {
    if (!(m instanceof Module)) throw new TypeError('WebAssembly: argument must be a WebAssembly.Module');
    return m[COMPILED];
  }

  /** JS API `WebAssembly.Instance`: instantiates synchronously, `exports` as Kiln's output gives them. */
  class Instance {
    readonly exports: Record<string, unknown>;
    constructor(module: Module, importObject?: object) {
      this.exports = moduleOf(module).instantiate(importObject).exports;
      stats.instances++;
    }
  }

  /** JS API `WebAssembly.RuntimeError(message)`: Emscripten's `abort` constructs one. */
  class JSRuntimeError extends RuntimeError {
    constructor(message?: string) {
      super('unreachable', message ?? '');
    }
  }

  const namespace = {
    Module,
    Instance,
    Memory,
    Table,
    Global,
    CompileError,
    LinkError,
    RuntimeError: JSRuntimeError,
    /** True when Kiln compiles `bytes` (false for modules it cannot lower yet, as an engine without that feature answers). */
    validate(source: unknown): boolean {
      try {
        const bytes = toBytes(source);
        validate(bytes);
        compiled(bytes, i64, stats);
        return true;
      } catch {
        return false;
      }
    },
    async compile(source: unknown): Promise<Module> {
      return new Module(source);
    },
    async instantiate(source: unknown, importObject?: object): Promise<Instance | { module: Module; instance: Instance }> {
      if (source instanceof Module) return new Instance(source, importObject);
      const module = new Module(source);
      return { module, instance: new Instance(module, importObject) };
    },
    async compileStreaming(response: unknown): Promise<Module> {
      return new Module(await (await (response as Promise<Response>)).arrayBuffer());
    },
    async instantiateStreaming(response: unknown, importObject?: object): Promise<{ module: Module; instance: Instance }> {
      const module = new Module(await (await (response as Promise<Response>)).arrayBuffer());
      return { module, instance: new Instance(module, importObject) };
    },
  };
  return { i64, stats, namespace };
}

/** Runs `fn` with `globalThis.WebAssembly` replaced by `engine`'s namespace; restores the native one after. */
export async function onKiln<T>(engine: KilnEngine, fn: () => T | Promise<T>): Promise<T> {
  const g = globalThis as { WebAssembly: unknown };
  if (g.WebAssembly !== NATIVE) throw new Error('onKiln: WebAssembly is already replaced (nested case?)');
  g.WebAssembly = engine.namespace;
  try {
    return await fn();
  } finally {
    g.WebAssembly = NATIVE;
  }
}

/** Runs `fn` on the engine's real `WebAssembly`, after checking it is the native one. */
export async function onNative<T>(fn: () => T | Promise<T>): Promise<T> {
  if (globalThis.WebAssembly !== NATIVE || !/\[native code\]/.test(String(NATIVE.instantiate))) {
    throw new Error('onNative: globalThis.WebAssembly is not the native namespace');
  }
  return fn();
}
