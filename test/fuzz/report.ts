/**
 * Mismatch reports: shrinks a failing generated case with the failing
 * configuration only, and prints it ready to paste into a regression test
 * (seed, configuration, calls with native and Kiln outcomes, the module as
 * WAT, and a vitest case).
 */
import type { Module } from './ast.js';
import { encodeModule } from './encode.js';
import type { Call } from './gen.js';
import { callText, runDifferential, type Config, type Kiln, type Mismatch } from './oracle.js';
import { moduleSize, shrink, type Case, type Check } from './shrink.js';
import { printModule } from './wat.js';

/** A shrinker check: the case still fails in `config` with the same mismatch signature (oracle.ts `Mismatch.signature`). */
export function mismatchCheck(kiln: Kiln, config: Config, signature: string): Check {
  return (c, bytes) => {
    const r = runDifferential(kiln, { bytes, calls: c.calls }, [config]);
    const m = r.mismatches[0];
    if (!m || m.signature !== signature) return null;
    return Math.max(0, m.callIndex);
  };
}

/** A shrunk failing case, with what it shows. */
export interface Reduced {
  case: Case;
  mismatch: Mismatch;
  sizeBefore: number;
  sizeAfter: number;
  tries: number;
  ms: number;
  /**
   * The case does not fail when compiled and run afresh: the mismatch
   * depends on the engine's state left by earlier modules (JIT feedback of
   * the shared runtime). Not shrunk.
   */
  flaky: boolean;
}

/** Shrinks `c`, which fails as `m` in `config`; returns the reduced case and its mismatch. */
export function reduce(kiln: Kiln, config: Config, c: Case, m: Mismatch, opts: { timeLimitMs?: number; log?: (s: string) => void } = {}): Reduced {
  const t0 = Date.now();
  const calls = m.callIndex >= 0 ? c.calls.slice(0, m.callIndex + 1) : c.calls.slice(0, 1);
  const check = mismatchCheck(kiln, config, m.signature);
  if (check({ module: c.module, calls }, encodeModule(c.module)) === null) {
    const size = moduleSize(c.module);
    return { case: { module: c.module, calls }, mismatch: m, sizeBefore: size, sizeAfter: size, tries: 1, ms: Date.now() - t0, flaky: true };
  }
  const r = shrink({ module: c.module, calls }, check, opts);
  const final = runDifferential(kiln, { bytes: encodeModule(r.case.module), calls: r.case.calls }, [config]).mismatches[0] ?? m;
  return { case: r.case, mismatch: final, sizeBefore: moduleSize(c.module), sizeAfter: moduleSize(r.case.module), tries: r.tries, ms: Date.now() - t0, flaky: false };
}

/** The compile options of a configuration, as source text. */
export function optionsText(c: Config): string {
  const o = [`i64: '${c.i64}'`];
  if (c.fuel) o.push('fuel: true');
  if (c.flat) o.push('flatDepth: 0');
  if (c.split !== undefined) o.push(`splitWeight: ${c.split}`);
  return `{ ${o.join(', ')} }`;
}

function callLines(calls: Call[], m: Mismatch): string[] {
  return calls.map((c, i) => {
    const line = `  ${callText(c).replace(/^exports\["([\w$]+)"\]/, '$1')}`;
    return i === calls.length - 1 && m.callIndex >= 0 ? `${line}\n      native: ${m.expected}\n      kiln:   ${m.got}` : line;
  });
}

/** A vitest case reproducing `m` (see the file comment). */
export function regressionTest(title: string, module: Module, calls: Call[], config: Config, m: Mismatch): string {
  const lines = [
    `it(${JSON.stringify(title)}, async () => {`,
    `  const bytes = wat(String.raw\`\n${printModule(module).trimEnd()}\`);`,
  ];
  if (m.kind === 'compile') {
    lines.push(`  expect(() => compile(bytes, ${optionsText(config)})).not.toThrow();`);
  } else if (m.kind === 'instantiate') {
    lines.push(`  const mod = await importCode(compile(bytes, ${optionsText(config)}).code);`);
    lines.push(`  // native: ${m.expected}; kiln: ${m.got}`);
    lines.push(m.expected === 'instantiates' ? '  expect(() => mod.instantiate()).not.toThrow();' : '  expect(() => mod.instantiate()).toThrow();');
  } else {
    lines.push(`  const { exports } = (await importCode(compile(bytes, ${optionsText(config)}).code)).instantiate();`);
    const last = calls.length - 1;
    calls.forEach((c, i) => {
      if (i < last || m.kind !== 'result' && m.kind !== 'trap') lines.push(`  try { ${callText(c)}; } catch {}`);
    });
    lines.push(`  ${m.assertion ?? `// native: ${m.expected}; kiln: ${m.got}`}`);
  }
  lines.push('});');
  return lines.join('\n');
}

/** The full text report of a reduced mismatch (see the file comment). */
export function formatReport(opts: {
  seed: number;
  config: Config;
  alsoIn: string[];
  reduced: Reduced;
  folded?: boolean;
  /** How to rerun the campaign up to this module (for a flaky case). */
  rerun?: string;
}): string {
  const { seed, config, alsoIn, reduced } = opts;
  const m = reduced.mismatch;
  const { module, calls } = reduced.case;
  const how = reduced.flaky
    ? `NOT SHRUNK: does not fail when compiled and run afresh (depends on engine state left by earlier modules, e.g. JIT feedback of the shared runtime)${opts.rerun ? `; rerun: ${opts.rerun}` : ''}; signature: ${m.signature}`
    : `shrunk from ${reduced.sizeBefore} to ${reduced.sizeAfter} instructions in ${reduced.tries} tries (${(reduced.ms / 1000).toFixed(1)} s); signature: ${m.signature}`;
  const out = [
    `=== MISMATCH seed ${seed}: ${m.kind} in ${config.name} ${optionsText(config)}${alsoIn.length ? ` (also in: ${alsoIn.join(', ')})` : ''}`,
    how,
    m.callIndex >= 0 ? 'calls (the last one differs):' : `native: ${m.expected}\nkiln:   ${m.got}`,
    ...(m.callIndex >= 0 ? callLines(calls, m) : []),
    '--- WAT',
    printModule(module, { folded: opts.folded ?? true }).trimEnd(),
    '--- regression test (test/*.test.ts style: wat() from wabt, importCode from test/util/load.ts)',
    regressionTest(`fuzz seed ${seed}: ${m.kind} in ${config.name}`, module, calls, config, m),
    '===',
  ];
  return out.join('\n');
}
