/**
 * `wasm-kiln/bundler`: a bundler plugin (Vite, Rollup, Rolldown, esbuild,
 * webpack through unplugin) that compiles every `.wasm` a bundle references
 * with Kiln at build time, so the bundle runs where `WebAssembly` is missing
 * or disabled (README "Bundler plugin"):
 *
 * ```js
 * // vite.config.js
 * import kiln from 'wasm-kiln/bundler';
 * export default { plugins: [kiln.vite()] };
 * ```
 *
 * How a bundle is rewritten:
 *
 * - References: `new URL('./x.wasm', import.meta.url)` (wasm-bindgen
 *   `--target web`, Emscripten's ES6 output), and imports of
 *   `./x.wasm?url` (Vite's asset URL) and `./x.wasm?init` (Vite's
 *   instantiate helper). Each becomes a `data:application/wasm;base64,` URL
 *   of the module's `kilnStub` (86 bytes naming its SHA-256), so the
 *   bundler never emits the original `.wasm`; glue that fetches the URL and
 *   calls `WebAssembly.instantiateStreaming` (or `instantiate` on its bytes)
 *   gets the stub, which the Kiln namespace resolves to the compiled module.
 * - The module holding a reference gets an import of a small generated
 *   module that imports the Kiln-compiled module (a virtual module, runtime
 *   imported from `wasm-kiln/runtime` by default, so all compiled modules
 *   share one runtime) and registers it with the namespace. Imports are
 *   evaluated before the importing module's body, so the namespace is in
 *   place before the glue runs.
 * - The namespace, `createWebAssembly([...compiled])` from
 *   `wasm-kiln/webassembly`, is installed as `globalThis.WebAssembly`
 *   whether or not the engine has one: a stub is not a runnable module for
 *   a native engine. With `keepWasm: true` the references are left alone
 *   (the real `.wasm` is emitted as usual) and the namespace is installed
 *   only where `WebAssembly` is missing; the compiled modules are then
 *   matched by the SHA-256 of the real bytes.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import MagicString from 'magic-string';
import { createUnplugin, type UnpluginInstance } from 'unplugin';
import { compile, CompileError, type CompileOptions } from '../compiler/index.js';
import { rebaseSources } from '../compiler/emit/sourcemap.js';
import { cliInputSourceMap } from '../compiler/emit/sourcemap-files.js';
import { kilnStub } from '../runtime/webassembly.js';

/** Options of the plugin (README "Bundler plugin"). */
export interface KilnPluginOptions {
  /** Default page limit (pages of 64 KiB) compiled into every module (README "Running untrusted plugins"). */
  maxMemoryPages?: number;
  /**
   * Fuel metering: `true` compiles it in (each instance starts with
   * unlimited fuel), a number also gives each instance that much fuel;
   * running out throws a `RuntimeError` with `.code === 'out-of-fuel'`.
   */
  fuel?: boolean | number;
  /** Overrides of the fuel cost table (with `fuel`). */
  fuelCosts?: CompileOptions['fuelCosts'];
  /** How compiled functions compute with i64: `auto` (default), `pair` or `bigint`. */
  i64?: CompileOptions['i64'];
  /** The engines the compiled modules are made fast for: `jit` (default) or `hermes` (README "Tuning for Hermes"). */
  tune?: CompileOptions['tune'];
  /**
   * Source maps for the compiled modules (default false): they map to the
   * wasm module (column = byte offset) or, when the wasm has a source map of
   * its own (its `sourceMappingURL` section: a file beside it or a `data:`
   * URL), to its original sources. The bundler composes them into the
   * bundle's maps. Without it the compiled modules have no mappings (the
   * rest of the bundle keeps its maps).
   */
  sourceMap?: boolean;
  /**
   * Keep the real `.wasm` files (default false): references are not
   * rewritten, and Kiln's namespace is installed only where the engine has
   * no `WebAssembly`, so native engines run the real modules.
   */
  keepWasm?: boolean;
  /**
   * `import` (default): compiled modules import one shared runtime
   * (`wasm-kiln/runtime`); `inline`: each embeds its own copy (about 17 KB
   * more per module, minified).
   */
  runtime?: 'import' | 'inline';
  /** Custom sections kept for `WebAssembly.Module.customSections`: `true` for all, or their names (default none). */
  customSections?: CompileOptions['customSections'];
  /** Which wasm files to compile (absolute paths; default all): the others are left to the bundler as they are. */
  filter?: (file: string) => boolean;
}

const PREFIX = '\0kiln:';
const NAMESPACE_ID = `${PREFIX}namespace.js`;
/**
 * A compiled module's id is the wasm file's path with this suffix: not a
 * `\0` virtual id, which bundlers leave out of source maps.
 */
const COMPILED_SUFFIX = '.kiln.js';
const REGISTER = `${PREFIX}register:`;

/** `new URL('<path>.wasm', import.meta.url)` with a plain string literal (no substitutions). */
const NEW_URL = /\bnew\s+URL\s*\(\s*(?:'([^'\n\\]+\.wasm)'|"([^"\n\\]+\.wasm)"|`([^`\n\\$]+\.wasm)`)\s*,\s*import\.meta\.url\s*\)/g;
/** An import of a wasm file with Vite's `?url` or `?init` query. */
const QUERY = /^(.+\.wasm)\?(url|init)$/;

/**
 * A file of this package by its path from the package root without extension:
 * dist/<path>.js when this file is the built one, <path>.ts when it runs from source.
 */
function ownFile(path: string): string {
  for (const ext of ['.js', '.ts']) {
    const f = fileURLToPath(new URL(`../${path}${ext}`, import.meta.url));
    if (existsSync(f)) return f;
  }
  throw new Error(`wasm-kiln/bundler: cannot find ${path} beside ${fileURLToPath(import.meta.url)}`);
}

/** Path of a module id without its query or hash. */
function cleanId(id: string): string {
  return id.replace(/[?#].*$/s, '');
}

interface Wasm {
  file: string;
  hash: string;
}

/** `data:` URL of the stub standing for `hash`. */
const stubURL = (hash: string): string => `data:application/wasm;base64,${Buffer.from(kilnStub(hash)).toString('base64')}`;
const registerImport = (hash: string): string => `import ${JSON.stringify(`${REGISTER}${hash}.js`)};\n`;

/** Resolves `spec` (without its query) from `importer`: the bundler's resolver when it has one, else Node's. */
async function resolveWasm(ctx: unknown, spec: string, importer: string | undefined): Promise<string | null> {
  if (isAbsolute(spec)) return existsSync(spec) ? spec : null;
  const base = importer === undefined || importer.startsWith('\0') ? process.cwd() + '/' : cleanId(importer);
  if (spec.startsWith('./') || spec.startsWith('../')) {
    const f = resolve(dirname(base), spec);
    return existsSync(f) ? f : null;
  }
  const r = (ctx as { resolve?: (s: string, i?: string, o?: object) => Promise<{ id: string; external?: unknown } | null> }).resolve;
  if (typeof r === 'function') {
    const found = await r.call(ctx, spec, importer, { skipSelf: true });
    if (found && !found.external && existsSync(cleanId(found.id))) return cleanId(found.id);
  }
  try {
    return createRequire(base).resolve(spec);
  } catch {
    return null;
  }
}

/** One plugin instance: its options, the wasm files it has seen, and their compiled output. */
class KilnPlugin {
  private readonly options: KilnPluginOptions;
  readonly keepWasm: boolean;
  private readonly compileOptions: CompileOptions;
  /** SHA-256 of the wasm bytes -> the file they were read from (the first seen). */
  private readonly byHash = new Map<string, Wasm>();
  /** Id of a compiled module -> the hash of its wasm. */
  readonly compiledIds = new Map<string, string>();
  /** Wasm file -> its hash, while its size and mtime stay the same (a watch rebuild re-reads a changed file). */
  private readonly byFile = new Map<string, { hash: string; stamp: string }>();
  /** Compiled output by hash (the options never change for one plugin instance). */
  private readonly compiled = new Map<string, { code: string; map: string | null }>();

  constructor(options: KilnPluginOptions) {
    this.options = options;
    this.keepWasm = options.keepWasm === true;
    if (options.fuel !== undefined && typeof options.fuel !== 'boolean' && !(typeof options.fuel === 'number' && options.fuel >= 0)) {
      throw new TypeError(`wasm-kiln/bundler: fuel must be a boolean or a non-negative number, got ${String(options.fuel)}`);
    }
    this.compileOptions = {
      format: 'esm',
      runtime: options.runtime ?? 'import',
      runtimeModule: 'wasm-kiln/runtime',
      maxMemoryPages: options.maxMemoryPages,
      fuel: options.fuel !== undefined && options.fuel !== false,
      fuelCosts: options.fuelCosts,
      i64: options.i64,
      tune: options.tune,
      customSections: options.customSections,
    };
  }

  /** The wasm file's hash, recording the file as the source of that hash; null when `filter` leaves the file out. */
  wasmOf(file: string): Wasm | null {
    if (this.options.filter !== undefined && !this.options.filter(file)) return null;
    const st = statSync(file);
    const stamp = `${st.size}:${st.mtimeMs}`;
    let known = this.byFile.get(file);
    if (known === undefined || known.stamp !== stamp) {
      known = { hash: createHash('sha256').update(readFileSync(file)).digest('hex'), stamp };
      this.byFile.set(file, known);
    }
    if (!this.byHash.has(known.hash)) {
      this.byHash.set(known.hash, { file, hash: known.hash });
      this.compiledIds.set(file + COMPILED_SUFFIX, known.hash);
    }
    return { file, hash: known.hash };
  }

  /** Kiln's output for the wasm whose hash is `hash` (its source map as JSON text with `sourceMap`). */
  compileWasm(hash: string, warn: (msg: string) => void): { code: string; map: string | null } {
    const cached = this.compiled.get(hash);
    if (cached !== undefined) return cached;
    const w = this.byHash.get(hash);
    if (w === undefined) throw new Error(`wasm-kiln/bundler: no wasm with sha256 ${hash} was referenced`);
    const bytes = new Uint8Array(readFileSync(w.file));
    let result: { code: string; map: string | null };
    try {
      result = this.compileBytes(w, bytes, warn);
    } catch (e) {
      if (e instanceof CompileError) throw new Error(`wasm-kiln: cannot compile ${w.file}: ${e.message} (leave it out with the \`filter\` option, or use keepWasm)`, { cause: e });
      throw e;
    }
    this.compiled.set(hash, result);
    return result;
  }

  /** `compile` with the plugin's options (and with `sourceMap`, the wasm's own source map when it has one). */
  private compileBytes(w: Wasm, bytes: Uint8Array, warn: (msg: string) => void): { code: string; map: string | null } {
    if (this.options.sourceMap === true) {
      // Sources as absolute paths (the bundler makes them relative to its output map).
      const input = cliInputSourceMap(w.file, bytes, undefined, dirname(w.file));
      if (input.warning !== undefined) warn(`${w.file}: ${input.warning}`);
      const inputSourceMap = input.map ? rebaseSources(input.map, (s) => resolve(dirname(w.file), s)) : input.map;
      const out = compile(bytes, { ...this.compileOptions, sourceMap: true, file: `${w.hash}.js`, sourceFileName: w.file, inputSourceMap });
      // The bundler takes the map from the load hook; the comment would point at a file that does not exist.
      return { code: out.code.replace(/\n\/\/# sourceMappingURL=[^\n]*\n?$/, '\n'), map: out.map ?? null };
    }
    return { code: compile(bytes, this.compileOptions).code, map: null };
  }

  namespaceCode(): string {
    return (
      `import { kilnNamespace } from ${JSON.stringify(ownFile('bundler/namespace'))};\n` +
      `export const { register, WebAssembly } = kilnNamespace({ keepWasm: ${this.keepWasm} });\n`
    );
  }

  /** Names the .wasm files a bundle still emits (referenced in a way the plugin does not rewrite). */
  warnLeftWasm(warn: (msg: string) => void, files: string[]): void {
    if (this.keepWasm) return;
    for (const f of files.filter((f) => f.endsWith('.wasm'))) {
      warn(`${f} is in the output, not compiled by Kiln (left out by \`filter\`, or referenced in a way wasm-kiln/bundler does not rewrite: README "Bundler plugin"); it needs the engine's WebAssembly`);
    }
  }

  registerCode(hash: string): string {
    const compiledId = JSON.stringify(this.byHash.get(hash)!.file + COMPILED_SUFFIX);
    const fuel = typeof this.options.fuel === 'number' ? this.options.fuel : undefined;
    const entry = fuel === undefined
      ? 'm'
      : `{ sha256: m.sha256, imports: m.imports, exports: m.exports, customSections: m.customSections, instantiate: (i) => m.instantiate(i, { fuel: ${fuel === Infinity ? 'Infinity' : fuel} }) }`;
    return `import * as m from ${compiledId};\nimport { register } from ${JSON.stringify(NAMESPACE_ID)};\nregister(${entry});\n`;
  }

  /**
   * `x.wasm?url` (the stub's data: URL) or `x.wasm?init` (Vite: a function
   * instantiating the stub with the given imports), registering the compiled
   * module; null when the file is left to the bundler.
   */
  queryModule(file: string, query: string, watch: (file: string) => void): string | null {
    const w = this.wasmOf(file);
    if (w === null) return null;
    watch(file);
    return query === 'url'
      ? `${registerImport(w.hash)}export default ${JSON.stringify(stubURL(w.hash))};\n`
      : `${registerImport(w.hash)}export default async function init(imports) {\n` +
        `  const bytes = Uint8Array.from(atob(${JSON.stringify(Buffer.from(kilnStub(w.hash)).toString('base64'))}), (c) => c.charCodeAt(0));\n` +
        `  return (await WebAssembly.instantiate(bytes, imports)).instance;\n}\n`;
  }

  /**
   * Rewrites the `new URL('./x.wasm', import.meta.url)` references of module
   * `id` to stubs and imports their registrations; null when it has none.
   */
  rewriteUrls(code: string, id: string, watch: (file: string) => void): { code: string; map: never } | null {
    const s = new MagicString(code);
    const hashes = new Set<string>();
    for (const m of code.matchAll(NEW_URL)) {
      const spec = m[1] ?? m[2] ?? m[3]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(spec) || spec.startsWith('/')) continue; // a URL or a server path: not a file beside the module
      const file = resolve(dirname(cleanId(id)), spec);
      if (!existsSync(file)) continue;
      const w = this.wasmOf(file);
      if (w === null) continue;
      watch(file);
      hashes.add(w.hash);
      if (!this.keepWasm) s.overwrite(m.index!, m.index! + m[0].length, `new URL(${JSON.stringify(stubURL(w.hash))})`);
    }
    if (hashes.size === 0) return null;
    // Imports are hoisted: appended at the end, they still run before this module's body, and no line moves.
    s.append('\n' + [...hashes].map(registerImport).join(''));
    return { code: s.toString(), map: s.generateMap({ hires: true, source: cleanId(id), includeContent: true }) as never };
  }
}

/** The plugin for every bundler unplugin supports: `.vite()`, `.rollup()`, `.rolldown()`, `.esbuild()`, `.webpack()`... */
export const kiln: UnpluginInstance<KilnPluginOptions | undefined, false> = createUnplugin<KilnPluginOptions | undefined, false>((options = {}) => {
  const p = new KilnPlugin(options);
  const { keepWasm, compiledIds } = p;

  return {
    name: 'wasm-kiln',
    enforce: 'pre',

    resolveId: {
      filter: { id: /^\0kiln:|\.kiln\.js$|^wasm-kiln\/runtime$|\.wasm\?(?:url|init)$/ },
      async handler(source, importer) {
        if (source.startsWith(PREFIX) || compiledIds.has(source)) return source;
        // The runtime next to this compiler, whatever the app's own node_modules hold: compiled code and runtime match.
        if (source === 'wasm-kiln/runtime' && importer !== undefined && compiledIds.has(importer)) return ownFile('runtime/index');
        const q = QUERY.exec(source);
        if (q === null) return null;
        const file = await resolveWasm(this, q[1]!, importer);
        return file === null ? null : `${file}?${q[2]}`;
      },
    },

    load: {
      filter: { id: /^\0kiln:|\.kiln\.js$|\.wasm\?(?:url|init)$/ },
      handler(id) {
        if (id === NAMESPACE_ID) return { code: p.namespaceCode(), map: { mappings: '' } as never };
        if (id.startsWith(REGISTER)) return { code: p.registerCode(id.slice(REGISTER.length, -3)), map: { mappings: '' } as never };
        const compiledHash = compiledIds.get(id);
        if (compiledHash !== undefined) {
          const { code, map } = p.compileWasm(compiledHash, (msg) => this.warn(msg));
          return { code, map: map === null ? ({ mappings: '' } as never) : map };
        }
        const q = QUERY.exec(id);
        if (q === null || keepWasm) return null;
        const code = p.queryModule(q[1]!, q[2]!, (f) => this.addWatchFile(f));
        return code === null ? null : { code, map: { mappings: '' } as never };
      },
    },

    transform: {
      filter: { id: { exclude: [/^\0/, /\.kiln\.js$/] } },
      async handler(code, id) {
        const q = QUERY.exec(id);
        if (q !== null) {
          // keepWasm: the bundler loaded `x.wasm?url`/`?init` itself; register the compiled module beside it.
          const w = keepWasm ? p.wasmOf(q[1]!) : null;
          return w === null ? null : { code: `${code}\n${registerImport(w.hash)}`, map: null };
        }
        if (!code.includes('.wasm') || !code.includes('import.meta.url')) return null;
        return p.rewriteUrls(code, id, (f) => this.addWatchFile(f));
      },
    },

    vite: {
      // `vite build` only: the dev server serves the real .wasm to the browser's own WebAssembly.
      apply: 'build',
      generateBundle(_, bundle) {
        p.warnLeftWasm((msg) => this.warn(msg), Object.keys(bundle));
      },
    },
    rollup: {
      generateBundle(_, bundle) {
        p.warnLeftWasm((msg) => this.warn(msg), Object.keys(bundle));
      },
    },
  };
});

export default kiln;
/** `kiln.vite(options)`. */
export const vite = kiln.vite;
/** `kiln.rollup(options)`. */
export const rollup = kiln.rollup;
/** `kiln.rolldown(options)`. */
export const rolldown = kiln.rolldown;
/** `kiln.esbuild(options)`. */
export const esbuild = kiln.esbuild;
/** `kiln.webpack(options)`. */
export const webpack = kiln.webpack;
