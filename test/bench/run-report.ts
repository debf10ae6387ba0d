/**
 * The tables and target checks the performance harness (run.ts) prints.
 */
import {
  ENGINES, TARGETS, type Engine, type Options, type RunResult, type KernelResult, type CompileInput, median, geomean,
} from './run-options.js';

export function goodMedian(r: RunResult | undefined): number | null {
  return r?.times?.length && r.ok ? median(r.times) : null;
}

export function fmtMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
}

export function fmtRatio(x: number, digits = 2): string {
  return Number.isFinite(x) ? `${x.toFixed(digits)}x` : '-';
}

/** Lays out `rows` in columns: the first `left` columns left-aligned, the others right-aligned; returns the lines. */
export function table(rows: string[][], left = 1): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c < left ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd());
}

/** Summary figures of the kernel section (also written to the JSON). */
export interface KernelSummary {
  nativeGeomean: number;
  wasm2jsGeomean: number;
  worst: { name: string; ratio: number } | null;
}

/** Prints the kernel table and returns the summary. */
export function printKernels(results: KernelResult[], opts: Options): KernelSummary {
  const cell = (k: KernelResult, e: Engine): string => {
    if (e === 'wasm2js' && !opts.wasm2js) return 'skipped';
    if (k.buildErrors[e]) return 'compile error';
    const r = k.runs[e];
    if (!r?.times?.length) return 'error';
    const want = e === 'wasm2js' ? opts.wasm2jsRuns : opts.runs;
    const n = r.times.length < want ? ` (n=${r.times.length})` : '';
    return `${r.ok ? '' : '✗ '}${fmtMs(median(r.times))}${n}`;
  };
  const rows: string[][] = [['kernel', 'native', 'kiln', 'wasm2js', 'kiln/native', 'kiln/wasm2js']];
  const vsNative: number[] = [];
  const vsW2j: number[] = [];
  const notes: string[] = [];
  let worst: KernelSummary['worst'] = null;
  for (const k of results) {
    const nat = goodMedian(k.runs.native);
    const kil = goodMedian(k.runs.kiln);
    const w2j = goodMedian(k.runs.wasm2js);
    let rn = '-';
    let rw = '-';
    if (kil !== null && nat !== null) {
      const x = kil / nat;
      vsNative.push(x);
      if (!worst || x > worst.ratio) worst = { name: k.name, ratio: x };
      rn = fmtRatio(x) + (x > TARGETS.perKernelNative ? ' ✗' : '');
    }
    if (kil !== null && w2j !== null) {
      vsW2j.push(kil / w2j);
      rw = fmtRatio(kil / w2j);
    }
    rows.push([k.name, cell(k, 'native'), cell(k, 'kiln'), cell(k, 'wasm2js'), rn, rw]);
    for (const e of ENGINES) {
      const r = k.runs[e];
      if (k.buildErrors[e]) notes.push(`✗ ${e} could not compile ${k.name}: ${k.buildErrors[e]}`);
      else if (r?.error) notes.push(`✗ ${e} failed on ${k.name}: ${r.error}`);
      else if (r && !r.ok) {
        const got = (r.results ?? []).filter((v) => v !== k.checksum);
        notes.push(`✗ ${e} gave a wrong checksum on ${k.name}: ${got.join(', ')} (expected ${k.checksum}); excluded from the ratios`);
      }
    }
  }
  const gn = geomean(vsNative);
  const gw = geomean(vsW2j);
  rows.push(['geomean', '', '', '', fmtRatio(gn, 3), fmtRatio(gw, 3)]);
  rows.push(['target', '', '', '', `<= ${TARGETS.nativeGeomean.toFixed(1)}`, `<= ${TARGETS.wasm2jsGeomean.toFixed(1)}`]);
  const w2jRuns = opts.wasm2js && opts.wasm2jsRuns !== opts.runs ? `, wasm2js ${opts.wasm2jsRuns}` : '';
  console.log(`\nKernels: median ms of ${opts.runs} timed run(s)${w2jRuns} after ${opts.warmup} warm-up call(s); each (engine, kernel) in a fresh node process`);
  for (const line of table(rows)) console.log('  ' + line);
  console.log(`  (✗ before a time: wrong checksum; ✗ after a ratio: slower than ${TARGETS.perKernelNative}x native; n=: fewer runs, time budget)`);
  for (const n of notes) console.log('  ' + n);
  return { nativeGeomean: gn, wasm2jsGeomean: gw, worst };
}

// ---------------------------------------------------------------- compile

/** Runs the compile section on all.wasm and ../shared/programs/*.wasm. */

export function fmtBytes(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} MB`;
  return `${(n / 1e3).toFixed(1)} KB`;
}

/** The RSS target for an input of `bytes` bytes. */
export function rssLimit(bytes: number): number {
  return TARGETS.rssPerInputByte * bytes + TARGETS.rssBaseBytes;
}

/** Prints the compile table; returns the lines of the target checks. */
export function printCompile(c: { startupMs: number | null; inputs: CompileInput[] }, opts: Options): string[] {
  const rows: string[][] = [['input', 'engine', 'compile ms', 'wall ms', 'MB/s', 'peak RSS', 'RSS target', 'out raw', 'out gzip', 'gzip/wasm2js']];
  const notes: string[] = [];
  for (const inp of c.inputs) {
    const label = `${inp.name} (${fmtBytes(inp.bytes)})`;
    const k = inp.kiln;
    const w = inp.wasm2js?.output ? inp.wasm2js : undefined;
    const gzr = (gz: number): string => (w?.output ? fmtRatio(gz / w.output.gzip) : '-');
    if (k?.compileMs !== undefined && k.inline && k.import && k.maxRSSBytes !== undefined) {
      const lim = rssLimit(inp.bytes);
      rows.push([
        label, 'kiln', fmtMs(k.compileMs), fmtMs(k.endToEndMs ?? k.wallMs), (inp.bytes / 1e6 / (k.compileMs / 1000)).toFixed(2),
        fmtBytes(k.maxRSSBytes), `< ${fmtBytes(lim)} ${k.maxRSSBytes < lim ? '✓' : '✗'}`,
        fmtBytes(k.inline.raw), fmtBytes(k.inline.gzip), gzr(k.inline.gzip),
      ]);
      rows.push(['', 'kiln, steady state', fmtMs(k.steadyMs ?? NaN), '', k.steadyMs === undefined ? '' : (inp.bytes / 1e6 / (k.steadyMs / 1000)).toFixed(2), '', '', '', '', '']);
      rows.push(['', 'kiln --runtime import', `(${fmtMs(k.warmCompileMs ?? NaN)} warm)`, '', '', '', '', fmtBytes(k.import.raw), fmtBytes(k.import.gzip), gzr(k.import.gzip)]);
    } else {
      rows.push([label, 'kiln', k?.rejected ? 'rejected' : 'error', k ? fmtMs(k.wallMs) : '', '', '', '', '', '', '']);
      notes.push(`${k?.rejected ? '' : '✗ '}kiln on ${inp.name}: ${k?.rejected ? 'rejected: ' : ''}${k?.error ?? 'no result'}`);
    }
    if (opts.wasm2js && inp.wasm2js) {
      const x = inp.wasm2js;
      if (x.output && x.compileMs !== undefined) {
        rows.push([
          '', 'wasm2js -O3', `~${fmtMs(x.compileMs)}`, fmtMs(x.wallMs), (inp.bytes / 1e6 / (x.compileMs / 1000)).toFixed(2),
          x.maxRSSBytes !== undefined ? fmtBytes(x.maxRSSBytes) : '?', '', fmtBytes(x.output.raw), fmtBytes(x.output.gzip), '',
        ]);
      } else {
        rows.push(['', 'wasm2js -O3', 'error', fmtMs(x.wallMs), '', x.maxRSSBytes !== undefined ? fmtBytes(x.maxRSSBytes) : '', '', '', '', '']);
        notes.push(`wasm2js on ${inp.name}: ${x.error}`);
      }
    }
  }
  console.log('\nCompile: each compile in a fresh node process (Kiln: esbuild bundle of the current sources; wasm2js: the binaryen npm CLI)');
  for (const line of table(rows, 2)) console.log('  ' + line);
  console.log('  compile ms: Kiln timed around compile() in the child (cold, first call; "steady state": the median of 3 more compiles in that process); wasm2js: wall time less its CLI start-up' +
    (c.startupMs !== null ? ` (${fmtMs(c.startupMs)} ms on an empty module)` : ''));
  console.log('  wall ms: the whole process, start-up included (Kiln: process start to output written, as `kiln compile` would take)');
  console.log('  peak RSS: the whole process (node itself included); RSS target: 30 x input + 150 MB; gzip: zlib default level');
  for (const n of notes) console.log('  ' + n);

  // Target checks
  const checks: string[] = [];
  const compiled = c.inputs.filter((i) => i.kiln?.compileMs !== undefined);
  const largest = compiled.filter((i) => i.program).reduce<CompileInput | null>((a, b) => (a && a.bytes >= b.bytes ? a : b), null);
  if (largest?.kiln?.compileMs !== undefined) {
    const mbps = largest.bytes / 1e6 / (largest.kiln.compileMs / 1000);
    checks.push(`${mark(mbps >= TARGETS.compileMBps)} compile speed on ${largest.name}: ${mbps.toFixed(2)} MB/s (target >= ${TARGETS.compileMBps} MB/s)`);
    if (largest.kiln.steadyMs !== undefined) {
      const steady = largest.bytes / 1e6 / (largest.kiln.steadyMs / 1000);
      checks.push(
        `${mark(steady >= TARGETS.steadyCompileMBps)} steady compile speed on ${largest.name}: ${steady.toFixed(2)} MB/s, the median of ` +
          `${fmtMs(largest.kiln.steadyMs)} ms per compile after the cold one (issue 15: >= ${TARGETS.steadyCompileMBps} MB/s; the cold figure is the line above)`,
      );
    }
    const w = largest.wasm2js;
    if (w?.compileMs !== undefined && w.output) {
      const x = w.compileMs / largest.kiln.compileMs;
      const wall = w.wallMs / (largest.kiln.endToEndMs ?? largest.kiln.wallMs);
      checks.push(`${mark(x >= TARGETS.compileVsWasm2js)} compile vs wasm2js on ${largest.name}: ${x.toFixed(1)}x faster (wall to wall ${wall.toFixed(1)}x; target >= ${TARGETS.compileVsWasm2js}x)`);
    }
  }
  for (const inp of compiled) {
    const k = inp.kiln!;
    const lim = rssLimit(inp.bytes);
    const atCompile = k.compileRSSBytes !== undefined ? `; ${fmtBytes(k.compileRSSBytes)} before writing the output` : '';
    checks.push(`${mark(k.maxRSSBytes! < lim)} peak RSS on ${inp.name}: ${fmtBytes(k.maxRSSBytes!)} (target < ${fmtBytes(lim)}${atCompile})`);
  }
  for (const inp of compiled) {
    const w = inp.wasm2js?.output;
    if (!w) continue;
    const k = inp.kiln!;
    const ri = k.inline!.gzip / w.gzip;
    const rm = k.import!.gzip / w.gzip;
    checks.push(`${mark(ri <= TARGETS.gzipVsWasm2js)} gzipped output vs wasm2js on ${inp.name}: ${fmtRatio(ri)} inline runtime, ${fmtRatio(rm)} --runtime import (target <= ${TARGETS.gzipVsWasm2js}x)`);
  }
  return checks;
}

export function mark(ok: boolean): string {
  return ok ? '✓' : '✗';
}

// ---------------------------------------------------------------- main

/** Runs the harness with the process's arguments. */
