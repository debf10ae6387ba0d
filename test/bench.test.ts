/**
 * Smoke test of the performance harness (test/bench/run.ts): runs it once in
 * `--smoke` mode (fib natively and through Kiln, one timed run each, and a
 * Kiln compile of all.wasm), so `npm run bench` keeps working. Checks that
 * the harness ran and reported figures, never how fast anything is.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, SHARED } from './util/load.js';

describe('bench harness', () => {
  it('runs in --smoke mode and reports figures', (ctx) => {
    if (!SHARED) ctx.skip('../shared is absent: no bench kernels to run, skipping the bench harness smoke test');
    const dir = join(ROOT, '.tmp', 'bench');
    mkdirSync(dir, { recursive: true });
    const json = join(dir, `smoke-${process.pid}.json`);
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/bench/run.ts', '--smoke', '--json', json], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 50_000,
      env,
    });
    expect(r.status, `harness failed:\n${r.stderr}\n${r.stdout}`).toBe(0);
    expect(r.stdout).toContain('Kernels:');
    expect(r.stdout).toContain('Compile:');
    expect(r.stdout).toContain('Targets');
    const data = JSON.parse(readFileSync(json, 'utf8'));
    rmSync(json, { force: true });
    expect(data.kernels).toHaveLength(1);
    const fib = data.kernels[0];
    expect(fib.name).toBe('fib');
    // The native run checks the harness itself: one timed run, right checksum.
    expect(fib.runs.native.ok).toBe(true);
    expect(fib.runs.native.times).toHaveLength(1);
    // Kiln either ran (one timed run) or its failure was recorded.
    const kiln = fib.runs.kiln;
    expect(kiln?.times?.length === 1 || typeof kiln?.error === 'string' || typeof fib.buildErrors.kiln === 'string').toBe(true);
    const all = data.compile.inputs.find((i: { name: string }) => i.name === 'all.wasm');
    expect(typeof all.kiln.compileMs === 'number' || typeof all.kiln.error === 'string').toBe(true);
  }, 60_000);
});
