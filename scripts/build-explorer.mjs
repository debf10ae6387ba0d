#!/usr/bin/env node
/**
 * Builds the explorer (examples/explorer/, README "The explorer") into a
 * static directory, dist/explorer/ by default: index.html, explorer.css and
 * explorer.js. explorer.js is the page (src/main.ts) with the compile worker
 * (src/worker.ts, the whole compiler and the inline runtime texts of
 * dist/runtime-inline.js) embedded as text, started from a blob URL, so the
 * page works offline and even from file://. No CDN, nothing fetched.
 *
 * Bundled for `platform: 'browser'`, so a `node:` import anywhere on the
 * compile path fails this build (esbuild cannot resolve it).
 *
 * Needs dist/runtime-inline.js (scripts/bundle-runtime.mjs); `npm run build`
 * runs both. `kiln explore` serves the result.
 *
 * Usage: node scripts/build-explorer.mjs [outdir]
 */
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const page = resolve(root, 'examples/explorer');

/**
 * source-map's url.js falls back to `require("url")` where there is no URL
 * global; browsers and workers have one, so the fallback is the global.
 */
const urlShim = {
  name: 'url-shim',
  setup(b) {
    b.onResolve({ filter: /^url$/ }, () => ({ path: 'url', namespace: 'url-shim' }));
    b.onLoad({ filter: /.*/, namespace: 'url-shim' }, () => ({ contents: 'module.exports = { URL };', loader: 'js' }));
  },
};

async function bundle(entry, define) {
  const result = await build({
    entryPoints: [resolve(page, 'src', entry)],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'silent',
    define,
    plugins: [urlShim],
  });
  return result.outputFiles[0].text;
}

/** Builds the page into `outDir`; returns the size of explorer.js in bytes. */
export async function buildExplorer(outDir = resolve(root, 'dist/explorer')) {
  const runtime = readFileSync(resolve(root, 'dist/runtime-inline.js'), 'utf8');
  const m = /^export const RUNTIME_SOURCE = (".*");\nexport const RUNTIME_SOURCE_HERMES = (".*");\s*$/s.exec(runtime);
  if (m === null) throw new Error('build-explorer: dist/runtime-inline.js is missing or malformed: run `node scripts/bundle-runtime.mjs` first');
  const sources = `{"es2020":${m[1]},"hermes":${m[2]}}`;
  const worker = await bundle('worker.ts', { KILN_RUNTIME_SOURCES: sources });
  const main = await bundle('main.ts', { KILN_WORKER_SOURCE: JSON.stringify(worker) });
  mkdirSync(outDir, { recursive: true });
  writeFileSync(resolve(outDir, 'explorer.js'), main);
  for (const f of ['index.html', 'explorer.css']) copyFileSync(resolve(page, f), resolve(outDir, f));
  return Buffer.byteLength(main);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const out = process.argv[2] ? resolve(process.argv[2]) : undefined;
  const size = await buildExplorer(out);
  console.log(`explorer: ${out ?? resolve(root, 'dist/explorer')} (explorer.js ${(size / 1024).toFixed(0)} KiB)`);
}
