/**
 * The engine matrix (README "Engines"): in each engine, the spec suite's
 * non-SIMD assertions (one script per .wast file: spec-bundle.ts, harness.ts)
 * and the bench kernels with their checksums, each script in a fresh process
 * of that engine. Failures name the engine, the file and line, and the
 * assertion. An engine whose binary is missing is skipped, naming the command
 * that fetches it (`node test/engines/fetch.mjs`; .ci/run does).
 *
 * The browser rows (browser.ts) run each script in a fresh page of
 * headless Chromium (JIT; `--jitless`, no WebAssembly) or Firefox ESR
 * (default; `javascript.options.wasm=false`); a browser that is not
 * installed is skipped, naming the apt-get command (.ci/run installs both).
 *
 * What runs where, to keep the matrix near 4 minutes of CI on 2 cores (the browsers 1.5 of them)
 * (`KILN_ENGINES=full` runs everything everywhere; `npm run engines -- --full`):
 * - spec: every non-SIMD file in every row but Node 24's two, which run
 *   NODE24_SPEC (memory growth, where Node 24's ArrayBuffer.transfer
 *   differs, linking, tables, traps, conversions and floats), and the four
 *   browser rows, which run BROWSER_SPEC (see there); Hermes runs
 *   br_table.wast at `-Og` (its `-O` optimizer takes over 4 minutes on that
 *   file's 8,000-label switch);
 * - kernels: every kernel in node-nowasm and node24; in Bun all but xxh64
 *   (JavaScriptCore takes about 290 s on it: issue 9); in Hermes fib and
 *   mandelbrot (its interpreter takes 35 s to over 8 minutes on each other);
 *   none in node-es2020 and node24-nowasm (the same engines as rows that run them);
 *   BROWSER_KERNELS in the browsers (chromium-jitless: fib only);
 * - corpus: three npm packages (corpus-bundle.ts: hash-wasm, xxhash-wasm,
 *   sql.js) through their own glue in every row, on Kiln's precompiled output, and
 *   on the run-time compile mode where the engine has no WebAssembly
 *   (`corpusModes`); results compared with native WebAssembly's in Node.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as acorn from 'acorn';
import { compile } from '../../compiler/index.js';
import {
  buildKernelScripts, buildName, buildSpecScripts, engineRows, kernelFailures, kernels, runAll, SHARED, specFiles, specOutcome, SUITE_DIR, type EngineRow,
} from './matrix.js';
import { CORPUS, corpusExpected, corpusFailures, corpusModes, corpusScript } from './corpus-bundle.js';

const FULL = process.env.KILN_ENGINES === 'full';
const NODE24_SPEC = [
  'address', 'bulk', 'call_indirect', 'conversions', 'data', 'elem', 'exports', 'f32', 'f64', 'float_exprs', 'float_misc', 'global', 'i32',
  'i64', 'imports', 'linking', 'memory', 'memory_copy', 'memory_grow', 'memory_trap', 'ref_func', 'select', 'skip-stack-guard-page', 'stack',
  'start', 'table', 'table_grow', 'unwind', 'kiln-addresses', 'kiln-tables',
].map((f) => `${f}.wast`);

/**
 * The spec files the browser rows run in CI: where engines differ (float and
 * NaN handling, conversions, i64 as BigInt, memory growth, out-of-bounds
 * traps, whose messages Kiln recognises per engine, stack exhaustion, linking).
 * Every file passes in every browser (`npm run engines -- --engines chromium,...`).
 */
const BROWSER_SPEC = [
  'call', 'call_indirect', 'conversions', 'f32', 'float_exprs', 'i64', 'linking', 'memory_grow', 'memory_trap', 'skip-stack-guard-page',
  'kiln-addresses', 'kiln-tables',
].map((f) => `${f}.wast`);
/** The kernels the browser rows run in CI: 1 to 2 s each with a JIT; chromium-jitless (an interpreter, 13 s to over 6 minutes a kernel) runs the first. */
const BROWSER_KERNELS = ['fib', 'mandelbrot', 'sha256'];

/** The spec files a row runs (all, or a subset: see above). */
function specFilesFor(row: EngineRow): string[] | null {
  if (FULL) return null;
  if (row.browser !== undefined) return BROWSER_SPEC;
  return row.id.startsWith('node24') ? NODE24_SPEC : null;
}

/** The fewest assertions a row's spec files must pass (a check that they ran at all). */
function minimumPassed(row: EngineRow): number {
  const subset = specFilesFor(row);
  return subset === null ? 25_000 : subset === BROWSER_SPEC ? 4_500 : 10_000;
}

/** The kernels a row runs (see above), or why none. */
function kernelsFor(row: EngineRow): string[] | string {
  const all = kernels().map((k) => k.name);
  if (FULL) return all;
  if (row.id === 'node-es2020' || row.id === 'node24-nowasm') return `kernels run in ${row.id === 'node-es2020' ? 'node-nowasm' : 'node24'} (KILN_ENGINES=full runs them here too)`;
  if (row.id === 'hermes') return ['fib', 'mandelbrot'];
  if (row.id === 'bun') return all.filter((k) => k !== 'xxh64');
  if (row.browser !== undefined) return row.id === 'chromium-jitless' ? BROWSER_KERNELS.slice(0, 1) : BROWSER_KERNELS;
  return all;
}

const present = existsSync(SUITE_DIR) && existsSync(join(SHARED, 'bench', 'manifest.json'));
if (!present) console.warn(`engines.test: ${SUITE_DIR} or ../shared/bench is absent; skipping the engine matrix`);

const rows = present ? engineRows() : [];
for (const r of rows) if (r.bin === null) console.warn(`engines.test: skipping ${r.name} (${r.id}): ${r.missing}`);

/** Scripts per target and tune, built once, on first use. */
const built = new Map<string, Promise<{ spec: Map<string, string>; kernels: Map<string, string> }>>();
function scripts(row: EngineRow) {
  const name = buildName(row.target, row.tune);
  let b = built.get(name);
  if (b === undefined) {
    b = (async () => ({ spec: await buildSpecScripts(specFiles(), row.target, row.tune), kernels: buildKernelScripts(kernels(), row.target, row.tune) }))();
    built.set(name, b);
  }
  return b;
}

/** Arguments for one spec file in `row` (Hermes: br_table.wast at -Og unless full). */
function specArgs(row: EngineRow, file: string): string[] | undefined {
  return row.id === 'hermes' && file === 'br_table.wast' && !FULL ? [...row.args, '-Og'] : undefined;
}

describe.skipIf(!present)('engine matrix', () => {
  for (const row of rows) {
    const title = `${row.name} (${row.id}, WebAssembly ${row.wasm}, target ${row.target}${row.tune ? `, tune ${row.tune}` : ''})`;

    it(`${title}: spec assertions of ${specFilesFor(row) === null ? 'every non-SIMD file' : `${specFilesFor(row)!.length} files`}`, async (ctx) => {
      if (row.bin === null) ctx.skip(row.missing);
      const { spec } = await scripts(row);
      const subset = specFilesFor(row);
      const chosen = subset === null ? spec : new Map(subset.map((f) => [f, spec.get(f)!]));
      const runs = await runAll(row, chosen, FULL ? 900_000 : 120_000, undefined, (file) => specArgs(row, file));
      const o = specOutcome(row, runs);
      const note = o.nanBits > 0 ? `; ${o.nanBits} assertions on NaN sign/payload bits not kept (the engine canonicalizes NaNs)` : '';
      console.log(`engines: ${title}: ${runs.length} spec files, ${o.passed} assertions passed${note}, ${o.failures.length} failed, ${(runs.reduce((n, r) => n + r.ms, 0) / 1000).toFixed(1)} s of engine time`);
      expect(o.failures.slice(0, 40).join('\n'), `${o.failures.length} failures`).toBe('');
      expect(o.passed).toBeGreaterThan(minimumPassed(row));
    }, FULL ? 3_600_000 : 600_000);

    it(`${title}: bench kernels return their checksums`, async (ctx) => {
      if (row.bin === null) ctx.skip(row.missing);
      const names = kernelsFor(row);
      if (typeof names === 'string') ctx.skip(names);
      const list = kernels().filter((k) => names.includes(k.name));
      const all = (await scripts(row)).kernels;
      const runs = await runAll(row, new Map(list.map((k) => [k.name, all.get(k.name)!])), FULL ? 1_800_000 : 300_000);
      console.log(`engines: ${title}: kernels ${runs.map((r) => `${r.key} ${r.result?.ms ?? '?'} ms`).join(', ')}`);
      expect(kernelFailures(row, runs, list).join('\n')).toBe('');
    }, FULL ? 3_600_000 : 600_000);

    const modes = corpusModes(row);
    it(`${title}: corpus packages through their own glue (${Object.keys(CORPUS).join(', ')}; ${modes.join(' and ')})`, async (ctx) => {
      if (row.bin === null) ctx.skip(row.missing);
      const scripts = new Map<string, string>();
      for (const name of Object.keys(CORPUS)) for (const mode of modes) scripts.set(`${name} ${mode}`, await corpusScript(name, mode, row.target, row.tune));
      const runs = await runAll(row, scripts, FULL ? 900_000 : 300_000);
      const failures: string[] = [];
      for (const r of runs) failures.push(...corpusFailures(`${row.name} (${row.id}) corpus ${r.key}`, r, await corpusExpected(r.key.split(' ')[0]!)));
      console.log(`engines: ${title}: corpus ${runs.map((r) => `${r.key} ${String(r.result?.ms ?? '?')} ms`).join(', ')}`);
      expect(failures.join('\n')).toBe('');
    }, FULL ? 3_600_000 : 600_000);
  }
});

/**
 * Hermes 0.12 gives `let`/`const` function scope (as `var`). Output for the
 * hermes target is right there only if no block-scoped binding depends on
 * its block: the inline runtime has no `let`, `const` or `class` at all, and
 * in the generated code each `let`/`const` name is declared once per
 * function (or module), never inside a loop (where each iteration would get
 * a fresh binding) and never in a block a closure could capture it from.
 */
function hermesScopeProblems(code: string): string[] {
  const problems: string[] = [];
  const ast = acorn.parse(code, { ecmaVersion: 'latest', sourceType: 'script' }) as unknown as { body: any[] };
  // The inline runtime: the initializer of the top-level `const $rt`.
  const rt = ast.body.find((n) => n.type === 'VariableDeclaration' && n.declarations[0]?.id.name === '$rt')?.declarations[0].init;
  const inRuntime = (n: { start: number }) => rt !== undefined && n.start >= rt.start && n.start < rt.end;
  const LOOPS = new Set(['ForStatement', 'WhileStatement', 'DoWhileStatement', 'ForInStatement', 'ForOfStatement']);
  const visit = (node: any, names: Set<string>, inLoop: boolean) => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const n of node) visit(n, names, inLoop);
      return;
    }
    if (typeof node.type !== 'string') return;
    if (node.type === 'ClassDeclaration' || node.type === 'ClassExpression') problems.push(`class at ${node.start}`);
    if (node.type === 'VariableDeclaration' && node.kind !== 'var') {
      const where = `at ${node.start}: ${code.slice(node.start, node.start + 50)}`;
      if (inRuntime(node)) problems.push(`${node.kind} in the inline runtime ${where}`);
      if (inLoop) problems.push(`${node.kind} inside a loop ${where}`);
      for (const d of node.declarations) {
        if (d.id.type !== 'Identifier') continue;
        if (names.has(d.id.name)) problems.push(`${d.id.name} declared twice in one function ${where}`);
        names.add(d.id.name);
      }
    }
    const fn = /Function/.test(node.type);
    const scope = fn ? new Set<string>() : names;
    const loop = fn ? false : inLoop || LOOPS.has(node.type);
    for (const key of Object.keys(node)) if (key !== 'type' && key !== 'start' && key !== 'end') visit(node[key], scope, loop);
  };
  visit(ast, new Set(), false);
  return problems;
}

describe.skipIf(!present)('hermes target output', () => {
  it('has no class and no block-dependent let/const (bench kernels; with fuel, i64 as BigInt, the flat form)', () => {
    for (const k of kernels()) {
      const bytes = new Uint8Array(readFileSync(join(SHARED, 'bench', k.wasm)));
      for (const options of [{}, { fuel: true }, { i64: 'bigint' as const }, { flatDepth: 0 }]) {
        const { code } = compile(bytes, { format: 'cjs', target: 'hermes', ...options });
        expect(hermesScopeProblems(code).slice(0, 5), `${k.name} ${JSON.stringify(options)}`).toEqual([]);
      }
    }
  });

  it('is the default; es2020 keeps the runtime classes; an unknown target is a TypeError', () => {
    const bytes = new Uint8Array(readFileSync(join(SHARED, 'bench', kernels()[0].wasm)));
    const byDefault = compile(bytes, { format: 'cjs' }).code;
    expect(byDefault).toBe(compile(bytes, { format: 'cjs', target: 'hermes' }).code);
    expect(hermesScopeProblems(byDefault)).toEqual([]);
    expect(hermesScopeProblems(compile(bytes, { format: 'cjs', target: 'es2020' }).code).some((p) => p.startsWith('class'))).toBe(true);
    expect(() => compile(bytes, { target: 'es5' as never })).toThrow(TypeError);
  });

  it('the checker finds what Hermes would mis-scope', () => {
    expect(hermesScopeProblems('const $rt = 1;\nconst { a } = $rt;\nfunction f() { let x = 1; if (x) { let x = 2; } }')).toHaveLength(1);
    expect(hermesScopeProblems('const $rt = 1;\nconst { a } = $rt;\nfunction f() { for (;;) { let y; } }')).toHaveLength(1);
    expect(hermesScopeProblems('const $rt = (function () { class A {} })();\nconst { a } = $rt;')).toHaveLength(1);
    expect(hermesScopeProblems('const $rt = 1;\nconst { a } = $rt;\nfunction f() { let x = 1; try { let x2 = 2; } catch (e) {} } function g() { let x = 3; }')).toEqual([]);
  });
});
