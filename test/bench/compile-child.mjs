/**
 * Per-process Kiln compile runner of `npm run bench` (see run.ts). Plain JS
 * run by bare `node`: the compiler is the esbuild bundle of the current
 * sources that run.ts made, so no TypeScript transform happens in this
 * process and the figures are Kiln's own.
 *
 * Usage: node compile-child.mjs <kiln-bundle.mjs> <in.wasm> <out.js>
 *
 * Compiles `in.wasm` once with the defaults (ESM, `runtime: 'inline'`),
 * timing only the `compile` call (a cold compile, as the CLI does it),
 * and reads the peak RSS after it (`compileRSSBytes`); writes that output to
 * `out.js` and reads the peak RSS again (`maxRSSBytes`: what `kiln compile`
 * needs, writing included); then compiles again with `runtime: 'import'`
 * (a warm compile) for its size; then times STEADY_RUNS more compiles with
 * the defaults (`steadyMs`, their median: the throughput of a process that
 * compiles many modules, a bundler's or a build's, once V8 has optimized
 * Kiln's own code). Prints one JSON line on stdout:
 * `{ inputBytes, compileMs, endToEndMs (process start to output written),
 * warmCompileMs, steadyMs, rssBeforeBytes, compileRSSBytes, maxRSSBytes,
 * inline: { raw, gzip }, import: { raw, gzip } }`, or `{ rejected: true,
 * error }` for a CompileError, or `{ error }` for anything else. Exits 0.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const [bundle, input, output] = process.argv.slice(2);
/** Compiles timed after the cold one for `steadyMs` (their median). */
const STEADY_RUNS = 3;

/**
 * Raw and gzipped (zlib's default level) sizes of `code` in bytes.
 * @param {string} code
 */
function sizes(code) {
  const buf = Buffer.from(code, 'utf8');
  return { raw: buf.length, gzip: gzipSync(buf).length };
}

/** Compiles as described in the file comment and prints the JSON line. */
async function main() {
  const kiln = await import(pathToFileURL(bundle).href);
  const bytes = new Uint8Array(readFileSync(input));
  const rssBeforeBytes = process.memoryUsage.rss();
  let code;
  const t0 = performance.now();
  try {
    code = kiln.compile(bytes).code;
  } catch (e) {
    if (e instanceof kiln.CompileError) {
      process.stdout.write(JSON.stringify({ rejected: true, error: `${e.name}: ${e.message}` }) + '\n');
      return;
    }
    throw e;
  }
  const compileMs = performance.now() - t0;
  const compileRSSBytes = process.resourceUsage().maxRSS * 1024;
  writeFileSync(output, code);
  // Time since this process started: node start-up, loading Kiln, reading, compiling, writing (what a CLI run takes).
  const endToEndMs = performance.now();
  const maxRSSBytes = process.resourceUsage().maxRSS * 1024;
  const inline = sizes(code);
  code = undefined;
  const t1 = performance.now();
  let importCode = kiln.compile(bytes, { runtime: 'import' }).code;
  const warmCompileMs = performance.now() - t1;
  const imported = sizes(importCode);
  importCode = undefined;
  // Nothing of the earlier compiles stays reachable: only the compiler's own state carries over.
  const steady = [];
  for (let i = 0; i < STEADY_RUNS; i++) {
    const t = performance.now();
    kiln.compile(bytes);
    steady.push(performance.now() - t);
  }
  const steadyMs = steady.sort((a, b) => a - b)[STEADY_RUNS >> 1];
  const result = {
    inputBytes: bytes.length, compileMs, endToEndMs, warmCompileMs, steadyMs, rssBeforeBytes, compileRSSBytes, maxRSSBytes, inline, import: imported,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((e) => {
  process.stdout.write(JSON.stringify({ error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }) + '\n');
});
