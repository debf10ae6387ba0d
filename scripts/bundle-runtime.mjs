#!/usr/bin/env node
/**
 * Bundles runtime/index.ts into self-contained JS expressions that evaluate
 * to the runtime namespace object (`Memory`, `Table`, `Global`, the error
 * classes and every helper), for generated code's `--runtime inline` mode,
 * one per output `target` (compile option; README "Engines"):
 *
 * - `es2020`: esbuild's bundle for ES2020 (class fields lowered, `class` kept).
 * - `hermes`: the same bundle with `class` syntax lowered to functions
 *   (Babel's transform-classes: `Reflect.construct` for the error classes
 *   that extend `Error`) and `let`/`const` lowered to `var`, renamed where
 *   scopes would clash (Babel's transform-block-scoping): Hermes 0.12 (React
 *   Native) rejects `class` and treats `let`/`const` as function-scoped.
 *
 * Writes dist/runtime-inline.js:
 * `export const RUNTIME_SOURCE = "<expression>";` and
 * `export const RUNTIME_SOURCE_HERMES = "<expression>";`.
 *
 * Each expression is `(() => { "use strict"; ...; return <namespace>; })()`
 * (`(function () { ... })()` for hermes), minified but for names (esbuild's
 * syntax and whitespace minifiers, Babel's compact printing for hermes; names
 * kept, for stack traces and error names) and free of `globalThis`, `window`,
 * `require`, `eval` and `Function(`.
 *
 * Usage: node scripts/bundle-runtime.mjs [outfile]
 */
import * as acorn from 'acorn';
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const GLOBAL = '__kilnRuntime';
const FORBIDDEN = /\b(globalThis|window|require|eval)\b|\bFunction\(/;

/**
 * Lowers a script for Hermes 0.12: no `class` syntax, no `let`/`const`
 * (Hermes parses them but gives them function scope). Babel's helpers land
 * at the top of the script. `compact`: printed without whitespace. Used for
 * the hermes runtime and by the engine tests (test/engines) for their
 * in-engine harness.
 */
export async function lowerForHermes(code, compact = false) {
  const mod = await import('@babel/core');
  const babel = mod.default ?? mod;
  const out = await babel.transformAsync(code, {
    babelrc: false,
    configFile: false,
    sourceType: 'script',
    comments: false,
    compact,
    retainLines: false,
    plugins: ['@babel/plugin-transform-classes', '@babel/plugin-transform-block-scoping'],
  });
  return out.code;
}

/** The esbuild bundle of the runtime: `var __kilnRuntime = (() => { ... })();` (`minify`: without whitespace). */
async function bundle(minify) {
  const result = await build({
    entryPoints: [resolve(root, 'runtime/index.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: GLOBAL,
    platform: 'neutral',
    target: 'es2020',
    minifySyntax: true,
    minifyWhitespace: minify,
    minifyIdentifiers: false,
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'silent',
  });
  const text = result.outputFiles[0].text.trim().replace(/^"use strict";\s*/, '');
  const prefix = minify ? `var ${GLOBAL}=(()=>{` : `var ${GLOBAL} = (() => {`;
  if (!text.startsWith(prefix) || !text.endsWith('})();')) {
    throw new Error(`bundle-runtime: unexpected esbuild output shape: ${text.slice(0, 80)}...`);
  }
  return text;
}

/** The first `class` or `let`/`const` declaration in `code` (what Hermes 0.12 rejects or mis-scopes), or null. */
export function hermesSyntax(code) {
  const found = [];
  const visit = (node) => {
    if (found.length > 0 || node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(visit);
    if (node.type === 'ClassDeclaration' || node.type === 'ClassExpression') found.push(`class syntax at offset ${node.start}`);
    else if (node.type === 'VariableDeclaration' && node.kind !== 'var') found.push(`\`${node.kind}\` at offset ${node.start}`);
    for (const key in node) if (key !== 'type' && key !== 'start' && key !== 'end') visit(node[key]);
  };
  visit(acorn.parse(code, { ecmaVersion: 'latest', sourceType: 'script' }));
  return found[0] ?? null;
}

function check(text) {
  const bad = FORBIDDEN.exec(text);
  if (bad) throw new Error(`bundle-runtime: the runtime bundle mentions ${bad[0]}`);
  return text;
}

/**
 * Returns the runtime as a JS expression (a string) for `target` (`es2020`, default, or `hermes`), without
 * the whitespace JS does not need: it is in every output, and its reader reads the module's own code.
 */
export async function bundleRuntime(target = 'es2020') {
  if (target === 'es2020') {
    const text = await bundle(true);
    const prefix = `var ${GLOBAL}=(()=>{`;
    return check(`(()=>{"use strict";${text.slice(prefix.length, -';'.length)}`);
  }
  if (target !== 'hermes') throw new Error(`bundle-runtime: unknown target ${target}`);
  // Babel prints it compact (esbuild's whitespace minifier would rename the lowered classes' inner
  // functions, `RuntimeError2`, and with them the errors' names).
  const lowered = (await lowerForHermes(await bundle(false), true)).replace(/^"use strict";\s*/, '');
  const expr = `(function(){"use strict";${lowered}\nreturn ${GLOBAL}})()`;
  const left = hermesSyntax(expr);
  if (left !== null) throw new Error(`bundle-runtime: the hermes runtime still has ${left}`);
  return check(expr);
}

async function main() {
  const out = resolve(root, process.argv[2] ?? 'dist/runtime-inline.js');
  const [source, hermes] = await Promise.all([bundleRuntime('es2020'), bundleRuntime('hermes')]);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `export const RUNTIME_SOURCE = ${JSON.stringify(source)};\nexport const RUNTIME_SOURCE_HERMES = ${JSON.stringify(hermes)};\n`);
  console.log(`bundle-runtime: wrote ${out} (es2020 ${source.length} chars, hermes ${hermes.length} chars)`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
