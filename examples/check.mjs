#!/usr/bin/env node
// Checks the examples end to end: compiles each <name>/<name>.wasm with the
// Kiln API (options from <name>/kiln.json if present) to <name>/<name>.js, runs <name>/run.mjs with no arguments and
// compares its standard output with <name>/expected.txt.
// Usage (after `npm run build`): node examples/check.mjs [name...]
// Prints one line per example; exit status 1 if any example fails.
import { readFileSync, writeFileSync, renameSync, readdirSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from '../dist/compiler/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const all = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(here, d.name, 'expected.txt')))
  .map((d) => d.name)
  .sort();
const names = process.argv.length > 2 ? process.argv.slice(2) : all;

let failed = 0;
for (const name of names) {
  const dir = join(here, name);
  let problem;
  try {
    // <name>/kiln.json, when present, holds compile options (e.g. { "fuel": true }).
    const options = existsSync(join(dir, 'kiln.json')) ? JSON.parse(readFileSync(join(dir, 'kiln.json'), 'utf8')) : {};
    const { code } = compile(new Uint8Array(readFileSync(join(dir, `${name}.wasm`))), options);
    // Write through a temporary file so a concurrent run never sees half a module.
    const tmp = join(dir, `.${name}.${process.pid}.tmp.js`);
    writeFileSync(tmp, code);
    renameSync(tmp, join(dir, `${name}.js`));
    const run = spawnSync(process.execPath, ['run.mjs'], { cwd: dir, encoding: 'utf8' });
    const expected = readFileSync(join(dir, 'expected.txt'), 'utf8');
    if (run.status !== 0) problem = `run.mjs exited with status ${run.status}\n${run.stderr}`;
    else if (run.stdout !== expected) {
      const got = run.stdout.split('\n'), want = expected.split('\n');
      let i = 0;
      while (got[i] === want[i]) i++;
      problem = `output differs from expected.txt at line ${i + 1}:\n  expected: ${JSON.stringify(want[i])}\n  actual:   ${JSON.stringify(got[i])}`;
    }
  } catch (e) {
    problem = e instanceof Error ? e.stack : String(e);
  }
  if (problem === undefined) console.log(`ok    ${name}`);
  else {
    failed++;
    console.log(`FAIL  ${name}: ${problem}`);
  }
}
process.exit(failed > 0 ? 1 : 0);
