/**
 * The spec suite as part of `npm test`: Kiln's validation side over all of
 * wasm-2.0, and the runner itself checked against V8 on a few files.
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kilnEngine } from './spec/engine.js';
import { REPO_ROOT, type SuiteResult, TESTSUITE_DIR, runSuite } from './spec/suite.js';

const SUITE = 'wasm-2.0';
const suiteDir = join(TESTSUITE_DIR, SUITE);
const missing = `spec test suite not found at ${suiteDir}`;

function show(r: SuiteResult, kinds: string[]): string {
  return r.failures
    .filter((f) => kinds.includes(f.kind))
    .slice(0, 30)
    .map((f) => `${f.file}:${f.line}: ${f.command} [${f.kind}] ${f.reason.split('\n')[0]}`)
    .join('\n');
}

describe(`spec suite ${SUITE}`, () => {
  it('kiln: every invalid/malformed module is rejected and every valid one accepted', async (ctx) => {
    if (!existsSync(suiteDir)) ctx.skip(missing);
    const engine = await kilnEngine(REPO_ROOT);
    if (!engine.validates) ctx.skip(`kiln validate() not available yet: ${engine.notes.join('; ')}`);
    const r = await runSuite({ suite: SUITE, engine });
    const kinds = ['validation', 'runner', 'wabt'];
    expect(r.failuresByKind.validation + r.failuresByKind.runner + r.failuresByKind.wabt, show(r, kinds)).toBe(0);
    expect(r.passed).toBeGreaterThan(0);
  }, 300_000);

  it('native: the runner passes every execution assertion on V8', async (ctx) => {
    if (!existsSync(suiteDir)) ctx.skip(missing);
    const files = ['i32', 'f32', 'f32_bitwise', 'conversions', 'call_indirect', 'linking', 'simd_f32x4_arith', 'names'];
    const r = await runSuite({ suite: SUITE, engine: 'native', files });
    expect(r.failuresByKind.execution + r.failuresByKind.runner, show(r, ['execution', 'runner'])).toBe(0);
    expect(r.passed).toBeGreaterThan(5000);
  }, 120_000);
});
