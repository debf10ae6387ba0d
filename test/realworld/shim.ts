/**
 * What the corpus needs around Kiln's own `WebAssembly` namespace
 * (`createWebAssembly`, runtime/webassembly.ts): finding a package's wasm
 * modules, compiling them ahead of time per i64 form (cached), counting the
 * instances they make, and running a glue with the engine's `WebAssembly`
 * deleted and Kiln's installed, as a user in an engine without WebAssembly
 * does:
 *
 * ```js
 * globalThis.WebAssembly = createWebAssembly([...precompiled]);
 * ```
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile, type CompileOptions } from '../../compiler/index.js';
import { createWebAssembly, type PrecompiledModule, type WebAssemblyNamespace } from '../../runtime/webassembly.js';
import { packageDir } from './glue.js';
import { createWebAssembly as polyfill } from '../../polyfill/index.js';

/** The engine's own namespace, captured before any test can replace it. */
export const NATIVE: typeof WebAssembly = globalThis.WebAssembly;

/** The engine's own `globalThis.WebAssembly` property (writable, configurable, not enumerable), put back after every Kiln run. */
const NATIVE_PROPERTY: PropertyDescriptor = Object.getOwnPropertyDescriptor(globalThis, 'WebAssembly')!;

/**
 * Node's own `fetch` (undici, loaded on first use of `fetch`, `Response`,
 * `Request`...) compiles its HTTP parser (llhttp) with the global
 * `WebAssembly` as it loads, and instantiates it a few tasks later. Were
 * that to start or finish during a Kiln run (a glue testing `typeof
 * Response`, or building one), it would reach Kiln's namespace, which knows
 * no llhttp module, and reject unhandled. So it is loaded here, on the native
 * namespace, and waited for: one fetch from a local server awaits the parser.
 */
async function settleNodeFetch(): Promise<void> {
  const { createServer } = await import('node:http');
  const server = createServer((_, res) => res.writeHead(200, { Connection: 'close' }).end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as import('node:net').AddressInfo;
    await (await fetch(`http://127.0.0.1:${port}/`)).text();
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
await settleNodeFetch();

/** How Kiln lowers i64 (compile option `i64`). */
export type I64Form = 'auto' | 'pair' | 'bigint';

/** Every i64 form, in the order cases run them. */
export const I64_FORMS: readonly I64Form[] = ['auto', 'pair', 'bigint'];

/** SHA-256 of `bytes` in lowercase hex (what a compiled module's `sha256` export holds). */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const MAGIC = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/**
 * The wasm modules package `pkg` ships in `files` (paths inside the
 * package), without running anything: a `.wasm` file is read as it is; any
 * other file (JS glue) is searched for modules embedded in its text, as
 * base64 string literals (`"AGFzbQ..."`, the encoding of `\0asm`, as
 * hash-wasm embeds them; also as a `data:...;base64,` URL, as Emscripten's
 * SINGLE_FILE glue does) or array literals of byte values (`[0, 97, 115,
 * 109, ...]`, as AssemblyScript's loaders and xxhash-wasm embed them).
 * Deduplicated by content, in the order found.
 * @throws Error when a file holds no module, or something found does not start with the wasm header.
 */
export function packageWasm(pkg: string, files: readonly string[]): Uint8Array<ArrayBuffer>[] {
  const found = new Map<string, Uint8Array<ArrayBuffer>>();
  for (const f of files) {
    const path = join(packageDir(pkg), f);
    const got: Uint8Array<ArrayBuffer>[] = [];
    if (f.endsWith('.wasm')) got.push(new Uint8Array(readFileSync(path)));
    else {
      const text = readFileSync(path, 'utf8');
      for (const m of text.matchAll(/(["'`])(?:data:[\w/.+-]*;base64,)?(AGFzbQ[A-Za-z0-9+/]*={0,2})\1/g)) got.push(new Uint8Array(Buffer.from(m[2]!, 'base64')));
      for (const m of text.matchAll(/\[\s*0\s*,\s*97\s*,\s*115\s*,\s*109\s*,[\d\s,]*\]/g)) {
        got.push(Uint8Array.from(JSON.parse(m[0].replace(/,\s*\]$/, ']')) as number[]));
      }
    }
    if (got.length === 0) throw new Error(`packageWasm: no wasm module in ${pkg}/${f}`);
    for (const b of got) {
      if (b.length < 8 || MAGIC.some((x, i) => b[i] !== x)) throw new Error(`packageWasm: ${pkg}/${f} holds something that is not a wasm module`);
      found.set(sha256Hex(b), b);
    }
  }
  return [...found.values()];
}

const cache = new Map<string, PrecompiledModule>();

/** How often `precompile` actually ran Kiln (cache misses), in this test file. */
export const compileStats = { compiled: 0 };

/**
 * Kiln's output for `bytes` in form `i64`, compiled once per test file and
 * loaded as a user in an engine without WebAssembly loads it: CommonJS
 * output (runtime inline) evaluated with no `WebAssembly` in scope (the
 * output probes it with `typeof` only, to extend the engine's error classes).
 * `extra` adds compile options (the bench sets `splitWeight`). With
 * `seeWasm` the output is evaluated with the engine's `WebAssembly` in scope
 * instead, so that under `auto` it runs the i64 form it would run in this
 * engine (runtime/i64form.ts recognises V8's JIT by its native
 * `WebAssembly`; without it, every pair variant): the bench's choice.
 * @throws CompileError when Kiln cannot compile the module (SIMD, say).
 */
export function precompile(bytes: Uint8Array, i64: I64Form, extra: CompileOptions = {}, seeWasm = false): PrecompiledModule {
  const hash = sha256Hex(bytes);
  const key = `${i64}:${JSON.stringify(extra)}:${seeWasm}:${hash}`;
  let m = cache.get(key);
  if (m === undefined) {
    const { code } = compile(bytes, { ...extra, format: 'cjs', runtime: 'inline', i64 });
    const holder: { exports: PrecompiledModule | null } = { exports: null };
    new Function('module', 'WebAssembly', code)(holder, seeWasm ? NATIVE : undefined);
    m = holder.exports!;
    if (m.sha256 !== hash) throw new Error(`precompile: output names sha256 ${m.sha256}, the bytes hash to ${hash}`);
    cache.set(key, m);
    compileStats.compiled++;
  }
  return m;
}

/** What Kiln did in one engine: instances its precompiled modules made, in all and by module hash. */
export interface KilnStats {
  instances: number;
  byHash: Map<string, number>;
}

/** A Kiln `WebAssembly` namespace over one package's precompiled modules in one i64 form, with counters. */
export interface KilnEngine {
  readonly i64: I64Form;
  readonly stats: KilnStats;
  /** `createWebAssembly(...)`: what `onKiln` installs as `globalThis.WebAssembly`. */
  readonly namespace: WebAssemblyNamespace;
}

/**
 * `createWebAssembly` over `wasm` compiled by Kiln in form `i64`
 * (`precompile`, cached). Each precompiled module's `instantiate` is wrapped
 * to count in `stats`, so a test can prove the glue ran on Kiln instances.
 * Modules outside `wasm` are unknown to the namespace, as to a user's:
 * `validate` answers false for them and compiling them throws `CompileError`
 * (except Emscripten's `addFunction` modules, which the namespace builds itself).
 * `seeWasm`: as `precompile`'s.
 */
export function kilnEngine(i64: I64Form, wasm: readonly Uint8Array[], extra: CompileOptions = {}, seeWasm = false): KilnEngine {
  const stats: KilnStats = { instances: 0, byHash: new Map() };
  const counted = wasm.map((bytes): PrecompiledModule => {
    const m = precompile(bytes, i64, extra, seeWasm);
    return {
      ...m,
      instantiate(importObject?: unknown, options?: unknown) {
        const r = m.instantiate(importObject, options);
        stats.instances++;
        stats.byHash.set(m.sha256, (stats.byHash.get(m.sha256) ?? 0) + 1);
        return r;
      },
    };
  });
  return { i64, stats, namespace: createWebAssembly(counted) };
}

/**
 * The run-time compile mode (wasm-kiln/polyfill, default options) as a
 * KilnEngine: no precompiled module, whatever bytes the glue gives are
 * compiled as it loads them. `stats.instances` counts the instances the glue
 * makes (by `new Instance`, `instantiate` or `instantiateStreaming`;
 * `byHash` stays empty).
 */
export function polyfillEngine(): KilnEngine {
  const P = polyfill();
  const stats: KilnStats = { instances: 0, byHash: new Map() };
  const namespace = Object.assign(Object.create(P) as WebAssemblyNamespace, {
    Instance: new Proxy(P.Instance, { construct: (C, args) => (stats.instances++, Reflect.construct(C, args)) }),
    instantiate: async (source: any, imports?: unknown) => {
      stats.instances++;
      return P.instantiate(source, imports);
    },
    instantiateStreaming: async (source: any, imports?: unknown) => {
      stats.instances++;
      return P.instantiateStreaming(source, imports);
    },
  });
  return { i64: 'auto', stats, namespace };
}

/**
 * Runs `fn` as in an engine without WebAssembly that installed Kiln's:
 * `delete globalThis.WebAssembly` (checked gone), then `globalThis.WebAssembly
 * = engine.namespace`. Checks `fn` left Kiln's in place, and always puts the
 * engine's own property back, exactly as it was.
 */
export async function onKiln<T>(engine: KilnEngine, fn: () => T | Promise<T>): Promise<T> {
  const g = globalThis as { WebAssembly?: unknown };
  if (g.WebAssembly !== NATIVE) throw new Error('onKiln: WebAssembly is already replaced (nested case?)');
  delete g.WebAssembly;
  try {
    if ('WebAssembly' in globalThis || typeof WebAssembly !== 'undefined') throw new Error('onKiln: the engine WebAssembly could not be deleted');
    g.WebAssembly = engine.namespace;
    const result = await fn();
    if (g.WebAssembly !== engine.namespace) throw new Error('onKiln: globalThis.WebAssembly was replaced during the Kiln run');
    return result;
  } finally {
    delete g.WebAssembly;
    Object.defineProperty(globalThis, 'WebAssembly', NATIVE_PROPERTY);
  }
}

/** Runs `fn` on the engine's real `WebAssembly`, after checking it is the native one. */
export async function onNative<T>(fn: () => T | Promise<T>): Promise<T> {
  if (globalThis.WebAssembly !== NATIVE || !/\[native code\]/.test(String(NATIVE.instantiate))) {
    throw new Error('onNative: globalThis.WebAssembly is not the native namespace');
  }
  return fn();
}
