/**
 * Shared by the glue tests (go.test.ts, emscripten.test.ts): running a
 * toolchain's JS glue, unchanged, once on the engine's WebAssembly and once
 * with it deleted and Kiln's namespace (runtime/webassembly.ts) installed.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { compile } from '../../compiler/index.js';
import { createWebAssembly, type PrecompiledModule, type WebAssemblyNamespace } from '../../runtime/webassembly.js';
import { ROOT } from '../util/load.js';

const require = createRequire(import.meta.url);

/** Requires a CommonJS file as if for the first time (glues keep their state in module variables). */
export function freshRequire<T = any>(file: string): T {
  const path = require.resolve(file);
  delete require.cache[path];
  try {
    return require(path) as T;
  } finally {
    delete require.cache[path];
  }
}

/** A compiled wasm file: its bytes, its Kiln output loaded as a module, and how long compile took (ms). */
export interface Precompiled {
  bytes: Uint8Array;
  module: PrecompiledModule;
  compileMs: number;
  codeBytes: number;
}

/**
 * Compiles `file` (a path relative to this directory) with Kiln and loads the
 * output. The output is CommonJS, loaded with Node's own `require`: a dynamic
 * `import` from a test goes through Vitest's module transform, which takes
 * minutes on the 19 MB that Go's runtime compiles to.
 */
export function precompile(file: string): Precompiled {
  const bytes = new Uint8Array(readFileSync(new URL(file, import.meta.url)));
  const t = performance.now();
  const { code } = compile(bytes, { format: 'cjs' });
  const compileMs = performance.now() - t;
  const dir = join(ROOT, '.tmp');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `glue-${file.replace(/[^A-Za-z0-9]+/g, '-')}-${process.pid}.cjs`);
  writeFileSync(out, code);
  try {
    return { bytes, module: freshRequire(out), compileMs, codeBytes: code.length };
  } finally {
    rmSync(out);
  }
}

/**
 * A Kiln namespace over `modules` that counts the instances made of each
 * precompiled module, so a test can tell Kiln's code really ran.
 */
export function kilnNamespace(modules: readonly PrecompiledModule[]): { W: WebAssemblyNamespace; instances: () => number } {
  let made = 0;
  const counted = modules.map((m): PrecompiledModule => ({
    instantiate: (imports, options) => {
      made++;
      return m.instantiate(imports, options);
    },
    imports: m.imports,
    exports: m.exports,
    sha256: m.sha256,
    customSections: m.customSections,
  }));
  return { W: createWebAssembly(counted), instances: () => made };
}

/** The engine's own namespace, captured before any test deletes it. */
export const NATIVE: typeof WebAssembly = globalThis.WebAssembly;

/**
 * Runs `f` with the engine's `WebAssembly` deleted and `W` installed as
 * `globalThis.WebAssembly` (as in an engine without WebAssembly, after the
 * user's one line), then puts the engine's back.
 */
export async function onKiln<T>(W: WebAssemblyNamespace, f: () => Promise<T> | T): Promise<T> {
  const saved = Object.getOwnPropertyDescriptor(globalThis, 'WebAssembly')!;
  delete (globalThis as any).WebAssembly;
  (globalThis as any).WebAssembly = W;
  try {
    return await f();
  } finally {
    delete (globalThis as any).WebAssembly;
    Object.defineProperty(globalThis, 'WebAssembly', saved);
  }
}
