/**
 * CLI: `npm run spec -- [--suite wasm-2.0|wasm-3.0] [--engine kiln|native|polyfill] [--verbose] [files…]`.
 * Prints one line per file, failures with --verbose, and last `spec: N passed, N failed, N skipped`.
 * Exits 1 on any failure, 2 on bad usage.
 */

import { TESTSUITE_DIR, runSuite } from './suite.js';
import type { FileResult } from './wast.js';

const USAGE = 'usage: npm run spec -- [--suite wasm-2.0|wasm-3.0] [--engine kiln|native|polyfill] [--verbose] [files…]';

function parseArgs(argv: string[]): { suite: string; engine: 'kiln' | 'native' | 'polyfill'; verbose: boolean; files: string[] } {
  const out = { suite: 'wasm-2.0', engine: 'kiln' as 'kiln' | 'native' | 'polyfill', verbose: false, files: [] as string[] };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith('--') ? argv[i].split('=', 2) : [argv[i], undefined];
    const value = () => inline ?? argv[++i];
    if (flag === '--suite') out.suite = value();
    else if (flag === '--engine') {
      const e = value();
      if (e !== 'kiln' && e !== 'native' && e !== 'polyfill') throw new Error(`unknown engine ${e}`);
      out.engine = e;
    } else if (flag === '--verbose' || flag === '-v') out.verbose = true;
    else if (flag === '--help' || flag === '-h') throw new Error('');
    else if (flag.startsWith('-')) throw new Error(`unknown option ${flag}`);
    else out.files.push(flag);
  }
  if (!out.suite) throw new Error('--suite needs a value');
  return out;
}

function fileLine(r: FileResult): string {
  return `${r.file}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped (${r.messages.matched}/${r.messages.total} messages match)`;
}

async function main(): Promise<number> {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    const msg = (e as Error).message;
    console.error(msg ? `${msg}\n${USAGE}` : USAGE);
    return 2;
  }
  const started = Date.now();
  let result;
  try {
    result = await runSuite({
      suite: args.suite,
      engine: args.engine,
      files: args.files,
      onFile(r) {
        console.log(fileLine(r));
        if (!args.verbose) return;
        for (const f of r.failures) console.log(`  ${f.file}:${f.line}: ${f.command} [${f.kind}] ${f.reason.replace(/\n/g, '\n    ')}`);
        for (const m of r.mismatches) console.log(`  ${r.file}:${m.line}: ${m.command} message "${m.expected}" not in: ${m.actual}`);
      },
    });
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  if (result.status === 'missing') {
    console.log(`spec: skipped, the spec test suite is not available (no ${TESTSUITE_DIR})`);
    return 0;
  }
  for (const note of result.notes) console.log(`note (${result.engine}): ${note}`);
  const kinds = Object.entries(result.failuresByKind).filter(([, n]) => n > 0);
  if (kinds.length) console.log(`failures by kind: ${kinds.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  if (args.verbose) for (const [reason, n] of Object.entries(result.skips)) console.log(`skipped ${n}: ${reason}`);
  console.log(`${result.engine} engine, ${result.files.length} files, ${((Date.now() - started) / 1000).toFixed(1)}s; ${result.messages.matched}/${result.messages.total} messages match`);
  console.log(`spec: ${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped`);
  return result.failed > 0 ? 1 : 0;
}

void main().then((code) => {
  process.exitCode = code;
});
