/**
 * The fuzzer's command line (`npm run fuzz -- --help`): generates modules
 * from consecutive seeds, runs each through the differential oracle, shrinks
 * and reports mismatches, prints progress and a summary; exits 1 on any
 * mismatch.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { encodeModule } from './encode.js';
import { generate, type GenOptions } from './gen.js';
import { ALL_CONFIGS, LAZY_CONFIGS, loadKiln, parseConfigs, runDifferential, type Config, type Kiln, type Mismatch, type Subject } from './oracle.js';
import { formatReport, reduce } from './report.js';
import { binaryenAvailable, binaryenModule, binaryenSubject } from './binaryen.js';

const HELP = `npm run fuzz -- [options]

Generative differential fuzzer: random valid modules run natively (Node's
WebAssembly) and with Kiln in several configurations; every call's result or
trap, the exported memory and globals must match. See test/fuzz/README.md.

  --seed S            first seed (default: from the clock, printed); module k uses seed S+k,
                      so --seed S+k --count 1 reproduces module k alone
  --count N           number of modules (default 200 unless --time is given)
  --time SECONDS      run until this much time has passed (with --count: whichever comes first)
  --generator G       own (default): this fuzzer's generator (gen.ts);
                      binaryen: wasm-opt -ttf --denan from node_modules/binaryen (not shrunk)
  --configs LIST      comma-separated Kiln configurations, or all (default all):
                      ${ALL_CONFIGS.map((c) => c.name).join(', ')};
                      or lazy, the run-time compile mode (wasm-kiln/polyfill): ${LAZY_CONFIGS.map((c) => c.name).join(', ')}
  --calls N           calls per exported function (default 6)
  --max-funcs N       generated functions per module, at most (default 5)
  --depth N           expression depth (default 5)
  --budget N          instructions per function, roughly (default 70)
  --nans K            NaNs among constants and arguments: all (default), quiet (no signalling NaNs),
                      canonical (no payloads either); to look past a known NaN-bits bug
  --exceptions        also generate legacy exception handling (tags, try/catch/catch_all/delegate,
                      throw, rethrow); off by default so a seed's module stays the same
  --bytes N           binaryen: random input bytes per module (default 16384)
  --no-shrink         report mismatches unshrunk
  --shrink-time S     time limit of one shrink (default 60)
  --max-reports N     shrink and print at most N mismatching modules (default 5); later ones are only listed
  --flat              print reproducers in the flat text format (default folded)
  --out DIR           also write each report (and the binary) to DIR
  --kiln DIR          fuzz the Kiln checkout in DIR (default: this one)
  --inline-runtime    compile with the runtime inlined (slower; default: runtime imported once)
  --progress S        seconds between progress lines (default 5; 0: none)
  --watchdog S        kill the campaign when one module runs longer than this (default 120; 0: never):
                      compiled code that never returns is a finding too, printed with its seed
  --help              this text
`;

interface Options {
  seed: number;
  count: number;
  time: number;
  generator: 'own' | 'binaryen';
  nans: 'all' | 'quiet' | 'canonical';
  configs: Config[];
  calls: number;
  gen: GenOptions;
  bytes: number;
  shrink: boolean;
  shrinkTime: number;
  maxReports: number;
  flat: boolean;
  out: string | null;
  kiln: string | undefined;
  inlineRuntime: boolean;
  progress: number;
  watchdog: number;
}

/**
 * A watchdog thread: the oracle runs compiled code synchronously, so a
 * miscompiled loop that never ends would hang the campaign silently. The
 * main thread posts a deadline (and the seed) to shared memory before each
 * module; past it, the watchdog prints the seed and kills the process.
 * Returns `arm(seed, seconds)`.
 */
function startWatchdog(): (seed: number, seconds: number) => void {
  const shared = new Int32Array(new SharedArrayBuffer(12));
  const t0 = Date.now();
  const source = `
    const { workerData: a } = require('node:worker_threads');
    const { writeSync } = require('node:fs');
    const t0 = ${t0};
    setInterval(() => {
      const deadline = Atomics.load(a, 0);
      if (deadline > 0 && Date.now() - t0 > deadline * 1000) {
        writeSync(2, 'fuzz: watchdog: module seed ' + (Atomics.load(a, 1) >>> 0) + ' has run for ' + Atomics.load(a, 2) +
          ' s (compiled code that never returns?); rerun it with --seed ' + (Atomics.load(a, 1) >>> 0) + ' --count 1, and --configs to find which\\n');
        process.kill(process.pid, 'SIGKILL');
      }
    }, 500);`;
  new Worker(source, { eval: true, workerData: shared }).unref();
  return (seed, seconds) => {
    Atomics.store(shared, 1, seed | 0);
    Atomics.store(shared, 2, seconds);
    Atomics.store(shared, 0, Math.ceil((Date.now() - t0) / 1000 + seconds));
  };
}

function parse(argv: string[]): Options | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      seed: { type: 'string' }, count: { type: 'string' }, time: { type: 'string' }, generator: { type: 'string' },
      configs: { type: 'string' }, calls: { type: 'string' }, 'max-funcs': { type: 'string' }, depth: { type: 'string' },
      budget: { type: 'string' }, nans: { type: 'string' }, bytes: { type: 'string' }, 'no-shrink': { type: 'boolean' }, 'shrink-time': { type: 'string' },
      'max-reports': { type: 'string' }, flat: { type: 'boolean' }, out: { type: 'string' }, kiln: { type: 'string' },
      'inline-runtime': { type: 'boolean' }, exceptions: { type: 'boolean' }, progress: { type: 'string' }, watchdog: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return null;
  const num = (v: string | undefined, d: number, name: string) => {
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} wants a non-negative number, got ${v}`);
    return n;
  };
  const generator = values.generator ?? 'own';
  if (generator !== 'own' && generator !== 'binaryen') throw new Error(`--generator is own or binaryen, got ${generator}`);
  const time = num(values.time, 0, 'time');
  const nans = values.nans ?? 'all';
  if (nans !== 'all' && nans !== 'quiet' && nans !== 'canonical') throw new Error(`--nans is all, quiet or canonical, got ${nans}`);
  return {
    seed: num(values.seed, Date.now() % 1_000_000_000, 'seed') >>> 0,
    count: num(values.count, time > 0 ? Infinity : 200, 'count'),
    time,
    generator,
    nans,
    configs: parseConfigs(values.configs ?? 'all'),
    calls: num(values.calls, 6, 'calls'),
    gen: { maxFuncs: num(values['max-funcs'], 5, 'max-funcs'), maxDepth: num(values.depth, 5, 'depth'), budget: num(values.budget, 70, 'budget'), nans, exceptions: values.exceptions ?? false },
    bytes: num(values.bytes, 16384, 'bytes'),
    shrink: !values['no-shrink'],
    shrinkTime: num(values['shrink-time'], 60, 'shrink-time'),
    maxReports: num(values['max-reports'], 5, 'max-reports'),
    flat: values.flat ?? false,
    out: values.out ?? null,
    kiln: values.kiln,
    inlineRuntime: values['inline-runtime'] ?? false,
    progress: num(values.progress, 5, 'progress'),
    watchdog: num(values.watchdog, 120, 'watchdog'),
  };
}

/** Campaign counters. */
interface Stats {
  modules: number;
  compared: number;
  nativeCalls: number;
  mismatches: number;
  mismatchModules: number;
  /** Modules where native WebAssembly did not repeat itself (oracle.ts RunResult `nondeterministic`): not compared past that point. */
  nondeterministic: number;
  /** Time spent in the oracle (excluding generation and shrinking). */
  oracleMs: number;
}

async function main(): Promise<number> {
  let opts: Options | null;
  try {
    opts = parse(process.argv.slice(2));
  } catch (e) {
    console.error(`fuzz: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (opts === null) {
    console.log(HELP);
    return 0;
  }
  if (opts.generator === 'binaryen' && !binaryenAvailable()) {
    console.error('fuzz: node_modules/binaryen is missing (npm install)');
    return 2;
  }
  const arm = opts.watchdog > 0 ? startWatchdog() : () => {};
  const kiln: Kiln = await loadKiln(opts.kiln ? resolve(opts.kiln) : undefined, opts.inlineRuntime);
  if (opts.out) mkdirSync(opts.out, { recursive: true });
  const limit = opts.time > 0 ? `${opts.time} s` : `${opts.count} modules`;
  console.log(`fuzz: generator ${opts.generator}, seed ${opts.seed}, ${limit}, configurations ${opts.configs.map((c) => c.name).join(', ')}`);

  const stats: Stats = { modules: 0, compared: 0, nativeCalls: 0, mismatches: 0, mismatchModules: 0, nondeterministic: 0, oracleMs: 0 };
  const t0 = Date.now();
  let lastProgress = t0;
  let reports = 0;
  const unreported: string[] = [];
  const progress = () => {
    const s = (Date.now() - t0) / 1000;
    console.log(
      `[${s.toFixed(0)} s] modules ${stats.modules}, calls compared ${stats.compared} (native ${stats.nativeCalls}), ` +
        `mismatches ${stats.mismatches} in ${stats.mismatchModules} modules, ${Math.round(stats.compared / s)} calls/s`,
    );
  };

  // binaryen: keep the next modules' wasm-opt runs going while the oracle works.
  const pending: Promise<Uint8Array>[] = [];
  const prefetch = (k: number) => {
    while (pending.length < 2 && k + pending.length < opts!.count) pending.push(binaryenModule(opts!.seed + k + pending.length, opts!.bytes));
  };

  for (let k = 0; k < opts.count; k++) {
    if (opts.time > 0 && Date.now() - t0 >= opts.time * 1000) break;
    const seed = (opts.seed + k) >>> 0;
    let subject: Subject;
    let generated: ReturnType<typeof generate> | null = null;
    if (opts.generator === 'own') {
      generated = generate(seed, opts.gen, opts.calls);
      subject = { bytes: encodeModule(generated.module), calls: generated.calls };
    } else {
      prefetch(k);
      const bytes = await pending.shift()!;
      prefetch(k + 1);
      subject = binaryenSubject(bytes, seed, opts.calls);
    }
    arm(seed, opts.watchdog);
    const t1 = Date.now();
    let r;
    try {
      r = runDifferential(kiln, subject, opts.configs);
    } catch (e) {
      if (opts.generator === 'binaryen') {
        // V8 rejected binaryen's module (a feature outside Kiln's and Node's common set): not a finding.
        console.log(`seed ${seed}: skipped, native WebAssembly rejects the module: ${(e as Error).message}`);
        continue;
      }
      throw new Error(`seed ${seed}: the generator made a module native WebAssembly rejects (a fuzzer bug): ${(e as Error).message}`, { cause: e });
    }
    stats.oracleMs += Date.now() - t1;
    if (opts.generator === 'binaryen' && r.mismatches.length > 0 && r.mismatches.every((m) => m.kind === 'compile' && / is not supported/.test(m.got))) {
      // binaryen used an instruction of a proposal after Wasm 2.0 (ref.as_non_null, say) that this engine's
      // WebAssembly accepts (Node 24) and Kiln rejects as unsupported: as when native rejects it, not a finding.
      console.log(`seed ${seed}: skipped, beyond Wasm 2.0: ${r.mismatches[0]!.got.replace(/\s*\(at byte offset.*$/, '')}`);
      continue;
    }
    stats.modules++;
    stats.compared += r.compared;
    stats.nativeCalls += r.nativeCalls;
    if (r.nondeterministic) {
      stats.nondeterministic++;
      console.log(`seed ${seed}: native WebAssembly did not repeat its own outcomes (a stack overflow at another depth?): not an oracle past that call`);
    }
    if (r.mismatches.length > 0) {
      stats.mismatches += r.mismatches.length;
      stats.mismatchModules++;
      arm(seed, opts.watchdog + opts.shrinkTime);
      const rerun = `npm run fuzz -- --seed ${opts.seed} --count ${k + 1}${opts.nans !== 'all' ? ` --nans ${opts.nans}` : ''}${opts.gen.exceptions ? ' --exceptions' : ''}`;
      await handleMismatches(opts, kiln, seed, subject, generated, r.mismatches, reports++ < opts.maxReports, unreported, rerun);
    }
    if (opts.progress > 0 && Date.now() - lastProgress >= opts.progress * 1000) {
      lastProgress = Date.now();
      progress();
    }
  }
  await Promise.allSettled(pending);
  progress();
  if (unreported.length > 0) console.log(`mismatching modules not shrunk (--max-reports ${opts.maxReports}):\n  ${unreported.join('\n  ')}`);
  const secs = (Date.now() - t0) / 1000;
  console.log(
    `fuzz summary: seed ${opts.seed}, ${stats.modules} modules, ${stats.compared} function calls compared ` +
      `(${stats.nativeCalls} native calls x ${opts.configs.length} configurations), ${stats.mismatches} mismatches ` +
      `in ${stats.mismatchModules} modules${stats.nondeterministic > 0 ? ` (${stats.nondeterministic} modules where native WebAssembly did not repeat itself)` : ''}, ` +
      `${secs.toFixed(1)} s, ${Math.round(stats.compared / secs)} calls/s ` +
      `(oracle alone ${Math.round(stats.compared / (stats.oracleMs / 1000 || 1))} calls/s)`,
  );
  return stats.mismatches > 0 ? 1 : 0;
}

async function handleMismatches(
  opts: Options, kiln: Kiln, seed: number, subject: Subject, generated: ReturnType<typeof generate> | null,
  mismatches: Mismatch[], full: boolean, unreported: string[], rerun: string,
): Promise<void> {
  const first = mismatches[0]!;
  const configs = mismatches.map((m) => `${m.config} (${m.signature})`).join(', ');
  if (!full) {
    unreported.push(`seed ${seed}: ${configs}`);
    return;
  }
  const config = opts.configs.find((c) => c.name === first.config)!;
  const alsoIn = mismatches.slice(1).map((m) => m.config);
  let text: string;
  if (generated && opts.shrink) {
    console.log(`seed ${seed}: mismatch in ${configs}; shrinking (${first.config})...`);
    const reduced = reduce(kiln, config, generated, first, { timeLimitMs: opts.shrinkTime * 1000 });
    text = formatReport({ seed, config, alsoIn, reduced, folded: !opts.flat, rerun });
  } else {
    const lines = [`=== MISMATCH seed ${seed}: ${first.kind} in ${first.config}${alsoIn.length ? ` (also in: ${alsoIn.join(', ')})` : ''}`];
    for (const m of mismatches) {
      lines.push(`${m.config}: ${m.signature}${m.call ? ` at call ${m.callIndex} ${m.call.export}(${m.call.args.map(String).join(', ')})` : ''}`);
      lines.push(`  native: ${m.expected}\n  kiln:   ${m.got}`);
    }
    if (opts.generator === 'binaryen') lines.push(`reproduce: npm run fuzz -- --generator binaryen --seed ${seed} --count 1 --bytes ${opts.bytes}`);
    lines.push('===');
    text = lines.join('\n');
  }
  console.log(text);
  if (opts.out) {
    writeFileSync(join(opts.out, `seed-${seed}.txt`), text + '\n');
    writeFileSync(join(opts.out, `seed-${seed}.wasm`), subject.bytes);
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(2);
  },
);
