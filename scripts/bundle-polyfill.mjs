#!/usr/bin/env node
/**
 * Bundles the run-time compile mode (polyfill/, README "Run-time compile mode
 * (polyfill)") into self-contained, minified ES modules for browsers, which
 * a page can load with no bundler:
 *
 * - dist/polyfill/browser.js: `wasm-kiln/polyfill` (`WebAssembly`,
 *   `createWebAssembly`, `getFuel`, `setFuel`...);
 * - dist/polyfill/browser-auto.js: `wasm-kiln/polyfill/auto` (installs
 *   `globalThis.WebAssembly` where there is none), with its own copy.
 *
 * Built from the TypeScript sources with esbuild (platform browser, ES2020):
 * nothing on the polyfill's import graph uses a Node API.
 *
 * Usage: node scripts/bundle-polyfill.mjs [outdir]   (npm run build runs it)
 */
import { build } from 'esbuild';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = resolve(process.argv[2] ?? join(root, 'dist/polyfill'));
for (const [entry, out] of [['polyfill/index.ts', 'browser.js'], ['polyfill/auto.ts', 'browser-auto.js']]) {
  await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    minify: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2020',
    outfile: join(outdir, out),
    logLevel: 'warning',
  });
}
