/**
 * `npm run engines -- [--engines node-es2020,node-nowasm,node24,node24-nowasm,bun,hermes,
 *   chromium,chromium-jitless,firefox,firefox-nowasm]
 *   [--files i32,memory_grow] [--kernels fib,crc32 | --no-kernels] [--no-spec]
 *   [--corpus hash-wasm,sql.js | --no-corpus] [--fetch]`
 *
 * The engine matrix by hand (engines.test.ts is its `npm test` form, with a
 * CI subset): builds the scripts, runs them in each engine (every spec file,
 * every kernel and every corpus package unless told otherwise), prints per
 * engine the assertions passed, those limited by NaN canonicalization, each
 * failure (engine, file:line, assertion), each kernel's checksum and time,
 * and each corpus package's result against native WebAssembly's (ahead of
 * time, and on the run-time compile mode where the engine has no
 * WebAssembly, but Hermes). `--fetch` first fetches missing engines
 * (fetch.mjs). Exit status 1 on any failure.
 */
import { parseArgs } from 'node:util';
import { buildKernelScripts, buildName, buildSpecScripts, engineRows, kernelFailures, kernels, runAll, specFiles, specOutcome } from './matrix.js';
import { CORPUS, corpusExpected, corpusFailures, corpusModes, corpusScript } from './corpus-bundle.js';
import { fetchEngine, ENGINE_PACKAGES } from './fetch.mjs';

const { values } = parseArgs({
  options: {
    engines: { type: 'string' },
    files: { type: 'string' },
    kernels: { type: 'string' },
    'no-kernels': { type: 'boolean', default: false },
    'no-spec': { type: 'boolean', default: false },
    corpus: { type: 'string' },
    'no-corpus': { type: 'boolean', default: false },
    fetch: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log('usage: npm run engines -- [--engines ids] [--files a,b] [--kernels a,b | --no-kernels] [--no-spec] [--corpus a,b | --no-corpus] [--fetch]');
  console.log(`corpus packages: ${Object.keys(CORPUS).join(', ')}`);
  console.log('ids: node-es2020, node-nowasm, node24, node24-nowasm, bun, hermes, chromium, chromium-jitless, firefox, firefox-nowasm');
  process.exit(0);
}
if (values.fetch) {
  for (const id of Object.keys(ENGINE_PACKAGES as object)) {
    try {
      fetchEngine(id);
    } catch (e) {
      console.log(`engines: cannot fetch ${id}: ${(e as Error).message}`);
    }
  }
}

const wanted = values.engines?.split(',');
const allRows = engineRows();
const unknown = wanted?.filter((id) => !allRows.some((r) => r.id === id)) ?? [];
if (unknown.length > 0) {
  console.log(`engines: no engine ${unknown.join(', ')}; the engines are ${allRows.map((r) => r.id).join(', ')}`);
  process.exit(2);
}
const rows = allRows.filter((r) => wanted === undefined || wanted.includes(r.id));
const files = values.files ? values.files.split(',').map((f) => (f.endsWith('.wast') ? f : `${f}.wast`)) : specFiles();
const kernelList = values['no-kernels'] ? [] : kernels().filter((k) => values.kernels === undefined || values.kernels.split(',').includes(k.name));
const corpusList = values['no-corpus'] ? [] : Object.keys(CORPUS).filter((n) => values.corpus === undefined || values.corpus.split(',').includes(n));
const unknownCorpus = values.corpus?.split(',').filter((n) => !(n in CORPUS)) ?? [];
if (unknownCorpus.length > 0) {
  console.log(`engines: no corpus package ${unknownCorpus.join(', ')}; the packages are ${Object.keys(CORPUS).join(', ')}`);
  process.exit(2);
}
let failed = 0;
const built = new Map<string, { spec: Map<string, string>; kernels: Map<string, string> }>();
for (const row of rows) {
  const title = `${row.name} (${row.id}, WebAssembly ${row.wasm}, target ${row.target}${row.tune ? `, tune ${row.tune}` : ''})`;
  if (row.bin === null) {
    console.log(`${title}: skipped: ${row.missing}`);
    continue;
  }
  let b = built.get(buildName(row.target, row.tune));
  if (b === undefined) {
    const t0 = Date.now();
    b = { spec: values['no-spec'] ? new Map() : await buildSpecScripts(files, row.target, row.tune), kernels: buildKernelScripts(kernelList, row.target, row.tune) };
    built.set(buildName(row.target, row.tune), b);
    console.log(`built ${b.spec.size} spec and ${b.kernels.size} kernel scripts for ${buildName(row.target, row.tune)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  if (b.spec.size > 0) {
    const t0 = Date.now();
    const o = specOutcome(row, await runAll(row, b.spec, 3_600_000));
    console.log(`${title}: spec: ${b.spec.size} files, ${o.passed} passed, ${o.nanBits} NaN-bits limited, ${o.failures.length} failed (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    for (const f of o.failures) console.log(`  ${f}`);
    failed += o.failures.length;
  }
  if (b.kernels.size > 0) {
    const runs = await runAll(row, b.kernels, 3_600_000, 1);
    for (const r of runs) console.log(`${title}: kernel ${r.key}: ${r.result?.ok === true ? 'ok' : 'FAILED'} ${r.result?.ms ?? '?'} ms`);
    const bad = kernelFailures(row, runs, kernelList);
    for (const f of bad) console.log(`  ${f}`);
    failed += bad.length;
  }
  if (corpusList.length > 0) {
    const modes = corpusModes(row);
    const scripts = new Map<string, string>();
    for (const name of corpusList) for (const mode of modes) scripts.set(`${name} ${mode}`, await corpusScript(name, mode, row.target, row.tune));
    for (const r of await runAll(row, scripts, 3_600_000)) {
      const bad = corpusFailures(`${row.name} (${row.id}) corpus ${r.key}`, r, await corpusExpected(r.key.split(' ')[0]!));
      console.log(`${title}: corpus ${r.key}: ${bad.length === 0 ? 'ok' : 'FAILED'} ${String(r.result?.ms ?? '?')} ms`);
      for (const f of bad) console.log(`  ${f}`);
      failed += bad.length;
    }
  }
}
process.exitCode = failed > 0 ? 1 : 0;
