/**
 * Source-map files for the CLI and the bundler plugin (Node only): the input
 * map a wasm module's `sourceMappingURL` section names, read from disk and
 * rebased to where the output map goes. The compile path itself
 * (sourcemap.ts) touches no files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RawSourceMap } from 'source-map';
import { rebaseSources, sourceMappingURLOf } from './sourcemap.js';

/**
 * The input source map the CLI composes with: `explicit` (`--input-source-map
 * file`, or `none`), else the module's `sourceMappingURL` section when it
 * names a file (relative to the wasm file, or a `file:` URL). Its sources are
 * rebased to be relative to `outDir` (where the output map goes). Returns
 * `false` for none, `undefined` to let `compile` look at the section itself
 * (`data:` URLs), and a warning when the section names something that
 * cannot be read (the map then targets the wasm module).
 * @throws Error when an explicit file cannot be read.
 */
export function cliInputSourceMap(
  wasmFile: string,
  bytes: Uint8Array,
  explicit: string | undefined,
  outDir: string,
): { map: RawSourceMap | false | undefined; warning?: string } {
  let file: string;
  if (explicit === 'none') return { map: false };
  if (explicit !== undefined) file = explicit;
  else {
    const url = sourceMappingURLOf(bytes);
    if (url === undefined || url.startsWith('data:')) return { map: undefined };
    if (url.startsWith('file:')) file = fileURLToPath(url);
    else if (/^[a-z][a-z0-9+.-]*:/i.test(url)) {
      return { map: false, warning: `the module's sourceMappingURL ${url} is not a file: not followed (give --input-source-map)` };
    } else file = resolve(dirname(wasmFile), decodeURI(url));
    if (!existsSync(file)) return { map: false, warning: `the module's sourceMappingURL names ${file}, which does not exist: mapping to the wasm module instead` };
  }
  const raw = JSON.parse(readFileSync(file, 'utf8')) as RawSourceMap;
  const from = dirname(resolve(file));
  const map = rebaseSources(raw, (s) => posixPath(relative(resolve(outDir), resolve(from, decodeURI(s)))));
  return { map };
}

/** A relative file path with `/` separators (source maps hold URLs). */
export function posixPath(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/');
}
