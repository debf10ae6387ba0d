/**
 * The runtime's source text for generated code's `--runtime inline` mode,
 * built by `scripts/bundle-runtime.mjs` (`npm run build`) into
 * `dist/runtime-inline.js`, one text per output target (`Target`): `es2020`
 * keeps `class` syntax, `hermes` has none and no `let`/`const` (Hermes 0.12
 * rejects classes and gives `let` function scope).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The output targets (compile option `target`), README "Engines". */
export type Target = 'es2020' | 'hermes';

let cached: Record<Target, string> | null = null;

/** The package root: the nearest directory above this module holding the `wasm-kiln` package.json. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && /"name"\s*:\s*"wasm-kiln"/.test(readFileSync(pkg, 'utf8'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('runtimeSource: cannot find the wasm-kiln package root above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/**
 * The runtime as a JS expression that evaluates to the runtime namespace
 * object (`Memory`, `Table`, `Global`, the error classes and every helper),
 * e.g. `const R = <source>;`. It references no globals besides standard
 * built-ins (`WebAssembly` only when present). Read once and cached.
 * `target` picks the syntax (default `hermes`; see `Target`).
 * @throws Error when `dist/runtime-inline.js` is missing: run `npm run build`.
 */
export function runtimeSource(target: Target = 'hermes'): string {
  if (cached !== null) return cached[target];
  const file = join(packageRoot(), 'dist', 'runtime-inline.js');
  if (!existsSync(file)) {
    throw new Error(`the inline runtime ${file} is missing: run \`npm run build\` (or \`node scripts/bundle-runtime.mjs\`) first`);
  }
  const text = readFileSync(file, 'utf8');
  const m = /^export const RUNTIME_SOURCE = (".*");\nexport const RUNTIME_SOURCE_HERMES = (".*");\s*$/s.exec(text);
  if (m === null) throw new Error(`${file} is not in the expected format: rebuild it with \`npm run build\``);
  cached = { es2020: JSON.parse(m[1]!) as string, hermes: JSON.parse(m[2]!) as string };
  return cached[target];
}
