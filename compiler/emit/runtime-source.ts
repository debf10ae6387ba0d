/**
 * The runtime's source text for generated code's `--runtime inline` mode,
 * built by `scripts/bundle-runtime.mjs` (`npm run build`) into
 * `dist/runtime-inline.js`, one text per output target (`Target`): `es2020`
 * keeps `class` syntax, `hermes` has none and no `let`/`const` (Hermes 0.12
 * rejects classes and gives `let` function scope).
 *
 * In Node the text is read from that file on first use, through
 * `process.getBuiltinModule` (no static `node:` import, so the compile path
 * also loads in a browser). A host without a file system (the explorer's
 * Web Worker, examples/explorer/) bundles the file and hands its texts to
 * `setRuntimeSource` before compiling.
 */

/** The output targets (compile option `target`), README "Engines". */
export type Target = 'es2020' | 'hermes';

/** The inline runtime's text per target, as `dist/runtime-inline.js` exports them. */
export interface RuntimeSources {
  es2020: string;
  hermes: string;
}

let cached: RuntimeSources | null = null;

/**
 * Supplies the inline runtime's texts (`RUNTIME_SOURCE` and
 * `RUNTIME_SOURCE_HERMES` of `dist/runtime-inline.js`), for hosts where
 * `runtimeSource` cannot read that file (browsers, workers).
 */
export function setRuntimeSource(sources: RuntimeSources): void {
  cached = { es2020: sources.es2020, hermes: sources.hermes };
}

/** The parts of Node's fs, path and url modules used here (typed here: no Node types on the compile path). */
type NodeModules = {
  fs: { existsSync(path: string): boolean; readFileSync(path: string, encoding: 'utf8'): string };
  path: { dirname(path: string): string; join(...paths: string[]): string };
  url: { fileURLToPath(url: string): string };
};

/** Node's fs, path and url modules, or null outside Node. */
function nodeModules(): NodeModules | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== 'function') return null;
  const get = proc.getBuiltinModule.bind(proc);
  return { fs: get('node:fs') as NodeModules['fs'], path: get('node:path') as NodeModules['path'], url: get('node:url') as NodeModules['url'] };
}

/** The package root: the nearest directory above this module holding the `wasm-kiln` package.json. */
function packageRoot({ fs, path, url }: NodeModules): string {
  const here = url.fileURLToPath(import.meta.url);
  let dir = path.dirname(here);
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && /"name"\s*:\s*"wasm-kiln"/.test(fs.readFileSync(pkg, 'utf8'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('runtimeSource: cannot find the wasm-kiln package root above ' + here);
    dir = up;
  }
}

/** Reads `dist/runtime-inline.js` in Node. */
function readRuntimeFile(node: NodeModules): RuntimeSources {
  const file = node.path.join(packageRoot(node), 'dist', 'runtime-inline.js');
  if (!node.fs.existsSync(file)) {
    throw new Error(`the inline runtime ${file} is missing: run \`npm run build\` (or \`node scripts/bundle-runtime.mjs\`) first`);
  }
  const text = node.fs.readFileSync(file, 'utf8');
  const m = /^export const RUNTIME_SOURCE = (".*");\nexport const RUNTIME_SOURCE_HERMES = (".*");\s*$/s.exec(text);
  if (m === null) throw new Error(`${file} is not in the expected format: rebuild it with \`npm run build\``);
  return { es2020: JSON.parse(m[1]!) as string, hermes: JSON.parse(m[2]!) as string };
}

/**
 * The runtime as a JS expression that evaluates to the runtime namespace
 * object (`Memory`, `Table`, `Global`, the error classes and every helper),
 * e.g. `const R = <source>;`. It references no globals besides standard
 * built-ins (`WebAssembly` only when present). Read once and cached.
 * `target` picks the syntax (default `hermes`; see `Target`).
 * @throws Error when `dist/runtime-inline.js` is missing (run `npm run build`),
 *   or outside Node when `setRuntimeSource` was not called.
 */
export function runtimeSource(target: Target = 'hermes'): string {
  if (cached === null) {
    const node = nodeModules();
    if (node === null) throw new Error('runtimeSource: no file system here: call setRuntimeSource() with the texts of dist/runtime-inline.js first');
    cached = readRuntimeFile(node);
  }
  return cached[target];
}
