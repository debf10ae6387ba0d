/**
 * The run-time peers of the engine benchmarks (engines.ts,
 * programs-engines.ts), each as one classic script for any engine of the
 * matrix: npm `polywasm` (defines `__polywasm`) and Kiln's own
 * `wasm-kiln/polyfill` (defines `__kilnPolyfill`), both bundled by esbuild.
 */
import { join } from 'node:path';
import { build } from 'esbuild';
import { ROOT } from '../engines/matrix.js';

let kilnPolyfillBundle: Promise<string> | null = null;

/** polyfill/index.ts as one classic script (esbuild, IIFE, browser platform: what a page without a bundler gets). */
export function polyfillBundle(): Promise<string> {
  kilnPolyfillBundle ??= build({
    entryPoints: [join(ROOT, 'polyfill', 'index.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: '__kilnPolyfill',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  }).then((r) => r.outputFiles[0]!.text);
  return kilnPolyfillBundle;
}

const polywasmBundles = new Map<boolean, Promise<string>>();

/** polywasm as one classic script (esbuild, IIFE); for Hermes lowered as the matrix lowers its harness (no `class`, no `let`/`const`). */
export function polywasmBundle(hermes: boolean): Promise<string> {
  let p = polywasmBundles.get(hermes);
  if (p === undefined) {
    p = (async () => {
      const r = await build({
        entryPoints: [join(ROOT, 'node_modules', 'polywasm', 'index.js')],
        bundle: true,
        write: false,
        format: 'iife',
        globalName: '__polywasm',
        platform: 'neutral',
        target: 'es2020',
        supported: hermes ? { 'async-await': false } : {},
        legalComments: 'none',
        logLevel: 'silent',
      });
      const text = r.outputFiles![0].text;
      if (!hermes) return text;
      const mod = (await import(join(ROOT, 'scripts', 'bundle-runtime.mjs'))) as { lowerForHermes(code: string): Promise<string> };
      return mod.lowerForHermes(text);
    })();
    polywasmBundles.set(hermes, p);
  }
  return p;
}
