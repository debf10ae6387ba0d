/**
 * Engines the spec runner can drive: `native` (Node's WebAssembly, to check
 * the runner itself) and `kiln` (our compiler, loaded dynamically because it
 * is still being written).
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { exportSignatures, type FuncSig, needsThunk, thunkModule } from './binary.js';
import { toJS, type Value } from './values.js';

type MaybePromise<T> = T | Promise<T>;

/** An instantiated module as the runner sees it. */
export interface Instance {
  exports: Record<string, unknown>;
}

/** Imports by module name, then field name. */
export type Imports = Record<string, Record<string, unknown>>;

/**
 * What the runner needs from a wasm implementation. `compile` and
 * `instantiate` may return promises; the runner awaits them.
 */
export interface Engine {
  name: string;
  /** False when the engine cannot validate yet: validation checks are skipped. */
  validates: boolean;
  /** False when the engine cannot execute yet: modules are only validated, execution assertions are skipped. */
  executes: boolean;
  /** Throws (any error whose name/instanceof is CompileError) on invalid/malformed binaries; NotAvailableError if it can't validate yet. */
  validate(bytes: Uint8Array): void;
  /** Returns an opaque compiled module, or null if this engine cannot execute yet (then execution assertions count as skipped). */
  compile(bytes: Uint8Array): MaybePromise<unknown | null>;
  /** Throws LinkError-like errors for unlinkable modules, runtime traps for start/initialization traps. */
  instantiate(compiled: unknown, imports: Imports): MaybePromise<Instance>;
  /** The `spectest` host module, made with this engine's memories, tables and globals. */
  spectest(): Record<string, unknown>;
  /**
   * Optional exact call with typed arguments and results, for values JS can't
   * carry (v128, NaN payloads). Returns undefined to let the runner call the
   * export as a JS function (i64 as BigInt, v128 as a 16-byte Uint8Array, arrays for multiple results).
   */
  invoke?(instance: Instance, name: string, args: Value[]): Value[] | undefined;
  /** Whether a thrown value is the engine's stack-exhaustion error. */
  isExhaustion(e: unknown): boolean;
  /** Remarks to show once (e.g. what is not available yet). */
  notes: string[];
}

/** Thrown by an engine for an operation it can't do yet; the runner counts the check as skipped. */
export class NotAvailableError extends Error {
  override name = 'NotAvailableError';
}

const noop = () => {};
const printers = {
  print: noop, print_i32: noop, print_i64: noop, print_f32: noop, print_f64: noop, print_i32_f32: noop, print_f64_f64: noop,
};

// ---------------------------------------------------------------------------
// native

interface NativeCompiled {
  module: WebAssembly.Module;
  bytes: Uint8Array;
}

class NativeInstance implements Instance {
  private sigs: Map<string, FuncSig | null> | undefined;
  constructor(readonly exports: Record<string, unknown>, private readonly bytes: Uint8Array) {}
  signature(name: string): FuncSig | null | undefined {
    this.sigs ??= exportSignatures(this.bytes);
    return this.sigs.get(name);
  }
}

const thunkModules = new Map<string, WebAssembly.Module>();
const thunks = new WeakMap<object, (...args: unknown[]) => unknown>();

function thunkFor(fn: object, sig: FuncSig): (...args: unknown[]) => unknown {
  let run = thunks.get(fn);
  if (!run) {
    const key = JSON.stringify(sig);
    let mod = thunkModules.get(key);
    if (!mod) thunkModules.set(key, (mod = new WebAssembly.Module(thunkModule(sig) as Uint8Array<ArrayBuffer>)));
    run = new WebAssembly.Instance(mod, { m: { f: fn as WebAssembly.ImportValue } }).exports.run as (...args: unknown[]) => unknown;
    thunks.set(fn, run);
  }
  return run;
}

function v128Halves(bytes: Uint8Array): bigint[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, 16);
  return [view.getBigInt64(0, true), view.getBigInt64(8, true)];
}

/** Node's own WebAssembly: checks the runner (value parsing, comparisons, linking) against V8. */
export function nativeEngine(): Engine {
  let last: NativeCompiled | undefined;
  return {
    name: 'native',
    validates: true,
    executes: true,
    notes: [],
    validate(bytes) {
      last = { bytes, module: new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>) };
    },
    compile(bytes) {
      const compiled = last?.bytes === bytes ? last : { bytes, module: new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>) };
      last = undefined;
      return compiled;
    },
    instantiate(compiled, imports) {
      const { module, bytes } = compiled as NativeCompiled;
      // V8 throws TypeError (not LinkError) for a missing import module object.
      const full: Imports = { ...imports };
      for (const imp of WebAssembly.Module.imports(module)) full[imp.module] ??= {};
      const instance = new WebAssembly.Instance(module, full as WebAssembly.Imports);
      return new NativeInstance(instance.exports as Record<string, unknown>, bytes);
    },
    invoke(instance, name, args) {
      const sig = (instance as NativeInstance).signature?.(name);
      const fn = instance.exports[name];
      if (!sig || !needsThunk(sig) || typeof fn !== 'function' || args.length !== sig.params.length) return undefined;
      const jsArgs = args.flatMap((a) =>
        a.type === 'f32' ? [a.bits | 0] : a.type === 'f64' ? [BigInt.asIntN(64, a.bits)] : a.type === 'v128' ? v128Halves(a.bytes) : [toJS(a)],
      );
      const raw = thunkFor(fn, sig)(...jsArgs);
      const carrierCount = sig.results.reduce((n, t) => n + (t === 'v128' ? 2 : 1), 0);
      const list = carrierCount === 0 ? [] : carrierCount === 1 ? [raw] : [...(raw as unknown[])];
      let k = 0;
      return sig.results.map((t): Value => {
        const x = list[k++];
        switch (t) {
          case 'i32': return { type: 'i32', value: x as number };
          case 'i64': return { type: 'i64', value: x as bigint };
          case 'f32': return { type: 'f32', bits: (x as number) >>> 0 };
          case 'f64': return { type: 'f64', bits: BigInt.asUintN(64, x as bigint) };
          case 'v128': {
            const view = new DataView(new ArrayBuffer(16));
            view.setBigInt64(0, x as bigint, true);
            view.setBigInt64(8, list[k++] as bigint, true);
            return { type: 'v128', bytes: new Uint8Array(view.buffer) };
          }
          default: return { type: 'ref', value: x };
        }
      });
    },
    spectest() {
      return {
        ...printers,
        global_i32: new WebAssembly.Global({ value: 'i32' }, 666),
        global_i64: new WebAssembly.Global({ value: 'i64' }, 666n),
        global_f32: new WebAssembly.Global({ value: 'f32' }, 666.6),
        global_f64: new WebAssembly.Global({ value: 'f64' }, 666.6),
        table: new WebAssembly.Table({ initial: 10, maximum: 20, element: 'anyfunc' }),
        memory: new WebAssembly.Memory({ initial: 1, maximum: 2 }),
      };
    },
    isExhaustion: (e) => e instanceof RangeError || e instanceof WebAssembly.RuntimeError,
  };
}

// ---------------------------------------------------------------------------
// kiln

type Ctor = new (...args: unknown[]) => unknown;

async function tryImport(file: string, notes: string[]): Promise<Record<string, unknown> | undefined> {
  if (!existsSync(file)) {
    notes.push(`${file} does not exist yet`);
    return undefined;
  }
  try {
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    notes.push(`cannot import ${file}: ${(e as Error)?.message ?? e}`);
    return undefined;
  }
}

/**
 * Kiln: `validate` and `compile` from compiler/index.ts, spectest objects from
 * runtime/index.ts, each used only if it exists. `compile(bytes, { format: 'cjs' })`
 * returns `{ code }`, a CommonJS module exporting `instantiate(imports) => { exports }`;
 * it is evaluated with `new Function` (no temporary files, no loader in the way).
 */
export async function kilnEngine(root: string, compileOptions: Record<string, unknown> = {}): Promise<Engine> {
  const notes: string[] = [];
  const compiler = await tryImport(join(root, 'compiler/index.ts'), notes);
  const runtime = await tryImport(join(root, 'runtime/index.ts'), notes);
  const validate = typeof compiler?.validate === 'function' ? (compiler.validate as (b: Uint8Array) => unknown) : undefined;
  type Compile = (b: Uint8Array, options?: Record<string, unknown>) => { code: string };
  const compile = typeof compiler?.compile === 'function' ? (compiler.compile as Compile) : undefined;
  if (compiler && !validate) notes.push('compiler/index.ts does not export validate() yet: validation checks are skipped');
  if (!compile) notes.push('compiler/index.ts does not export compile() yet: execution checks are skipped');
  const requireShim = (spec: string): unknown => {
    if (runtime && /runtime/.test(spec)) return runtime;
    throw new Error(`generated code requires ${spec}`);
  };

  return {
    name: 'kiln',
    validates: validate !== undefined,
    executes: compile !== undefined,
    notes,
    validate(bytes) {
      if (!validate) throw new NotAvailableError('validate() not available');
      if (validate(bytes) === false) throw Object.assign(new Error('validate() returned false'), { name: 'CompileError' });
    },
    compile(bytes) {
      if (!compile) return null;
      const { code } = compile(bytes, { ...compileOptions, format: 'cjs' });
      const module = { exports: {} as Record<string, unknown> };
      new Function('module', 'exports', 'require', code)(module, module.exports, requireShim);
      return module.exports;
    },
    instantiate(compiled, imports) {
      return (compiled as { instantiate(imports: Imports): Instance }).instantiate(imports);
    },
    spectest() {
      const out: Record<string, unknown> = { ...printers };
      const make = (ctor: string, ...args: unknown[]) => {
        const C = runtime?.[ctor];
        if (typeof C !== 'function') return undefined;
        try {
          return new (C as Ctor)(...args);
        } catch {
          return undefined;
        }
      };
      const globals = { global_i32: ['i32', 666], global_i64: ['i64', 666n], global_f32: ['f32', 666.6], global_f64: ['f64', 666.6] };
      for (const [name, [value, init]] of Object.entries(globals)) {
        const g = make('Global', { value, mutable: false }, init);
        if (g !== undefined) out[name] = g;
      }
      const table = make('Table', { initial: 10, maximum: 20, element: 'anyfunc' });
      if (table !== undefined) out.table = table;
      const memory = make('Memory', { initial: 1, maximum: 2 });
      if (memory !== undefined) out.memory = memory;
      return out;
    },
    isExhaustion: (e) => (e as { code?: unknown } | null)?.code === 'stack-exhausted',
  };
}

// ---------------------------------------------------------------------------
// polyfill

/**
 * Kiln's run-time compile mode (polyfill/index.ts): modules are
 * `WebAssembly.Module`s of a polyfill namespace made with `options`, whose
 * functions compile on first call; spectest objects as for `kiln`.
 */
export async function polyfillEngine(root: string, options: Record<string, unknown> = {}): Promise<Engine> {
  const base = await kilnEngine(root);
  const polyfill = (await import(pathToFileURL(join(root, 'polyfill/index.ts')).href)) as typeof import('../../polyfill/index.js');
  const compiler = (await import(pathToFileURL(join(root, 'compiler/index.ts')).href)) as typeof import('../../compiler/index.js');
  const ns = polyfill.createWebAssembly(options);
  return {
    ...base,
    name: 'polyfill',
    validates: true,
    executes: true,
    validate(bytes) {
      // What the namespace's `validate` runs (it answers false instead of throwing the error).
      compiler.decodeAndValidate(bytes);
    },
    compile(bytes) {
      return new ns.Module(bytes);
    },
    instantiate(compiled, imports) {
      // As for native: a missing import module is a TypeError in the JS API, a LinkError in the spec.
      const full: Imports = { ...imports };
      for (const imp of ns.Module.imports(compiled as InstanceType<typeof ns.Module>)) full[imp.module] ??= {};
      return new ns.Instance(compiled as InstanceType<typeof ns.Module>, full) as Instance;
    },
  };
}
