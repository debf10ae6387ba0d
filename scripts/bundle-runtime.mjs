#!/usr/bin/env node
/**
 * Bundles runtime/index.ts into one self-contained JS expression that
 * evaluates to the runtime namespace object (`Memory`, `Table`, `Global`, the
 * error classes and every helper), for generated code's `--runtime inline`
 * mode. Writes dist/runtime-inline.js: `export const RUNTIME_SOURCE = "<expression>";`.
 *
 * The expression is `(() => { "use strict"; ...; return <namespace>; })()`,
 * lightly minified (syntax only; whitespace and names kept) and free of
 * `globalThis`, `window`, `require`, `eval` and `Function(`.
 *
 * Usage: node scripts/bundle-runtime.mjs [outfile]
 */
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const GLOBAL = '__kilnRuntime';
const FORBIDDEN = /\b(globalThis|window|require|eval)\b|\bFunction\(/;

/** Returns the runtime as a JS expression (a string). */
export async function bundleRuntime() {
  const result = await build({
    entryPoints: [resolve(root, 'runtime/index.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: GLOBAL,
    platform: 'neutral',
    target: 'es2022',
    minifySyntax: true,
    minifyWhitespace: false,
    minifyIdentifiers: false,
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'silent',
  });
  let text = result.outputFiles[0].text.trim().replace(/^"use strict";\s*/, '');
  const prefix = `var ${GLOBAL} = (() => {`;
  if (!text.startsWith(prefix) || !text.endsWith('})();')) {
    throw new Error(`bundle-runtime: unexpected esbuild output shape: ${text.slice(0, 80)}...`);
  }
  text = `(() => {\n  "use strict";${text.slice(prefix.length, -';'.length)}`;
  const bad = FORBIDDEN.exec(text);
  if (bad) throw new Error(`bundle-runtime: the runtime bundle mentions ${bad[0]}`);
  return text;
}

async function main() {
  const out = resolve(root, process.argv[2] ?? 'dist/runtime-inline.js');
  const source = await bundleRuntime();
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `export const RUNTIME_SOURCE = ${JSON.stringify(source)};\n`);
  console.log(`bundle-runtime: wrote ${out} (${source.length} chars)`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
