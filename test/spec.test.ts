/**
 * The spec suite as part of `npm test`: Kiln's validation side over all of
 * wasm-2.0, and the runner itself checked against V8 on a few files.
 */

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kilnEngine, nativeEngine } from './spec/engine.js';
import { REPO_ROOT, type SuiteResult, TESTSUITE_DIR, loadWabt, runSuite, wabtFeatures } from './spec/suite.js';
import { runScript } from './spec/wast.js';

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

  for (const [label, options] of [
    ['', {}],
    [' with fuel metering (infinite default budget)', { fuel: true }],
    [' with i64 as BigInt in every function (i64: bigint)', { i64: 'bigint' }],
    [' with every function split into parts, and fuel (splitWeight 8)', { splitWeight: 8, fuel: true }],
    [' with every function split into parts, i64 as BigInt (splitWeight 8)', { splitWeight: 8, i64: 'bigint' }],
    [' tuned for Hermes (tune: hermes: memory through typed-array views)', { tune: 'hermes' }],
  ] as const) {
    it(`kiln${label}: every assertion of every non-SIMD file passes (skips: module quote only)`, async (ctx) => {
      if (!existsSync(suiteDir)) ctx.skip(missing);
      const engine = await kilnEngine(REPO_ROOT, options);
      const files = readdirSync(suiteDir).filter((f) => f.endsWith('.wast') && !f.startsWith('simd_'));
      const r = await runSuite({ suite: SUITE, engine, files });
      expect(r.failed, show(r, ['validation', 'runner', 'wabt', 'execution'])).toBe(0);
      expect(Object.keys(r.skips)).toEqual(['text-format test (module quote)']);
      expect(r.passed).toBeGreaterThan(27000);
    }, 300_000);
  }

  it('kiln, flat form forced (flatDepth 0): control-flow files pass', async (ctx) => {
    if (!existsSync(suiteDir)) ctx.skip(missing);
    const engine = await kilnEngine(REPO_ROOT, { flatDepth: 0 });
    const files = ['block', 'br', 'br_if', 'br_table', 'loop', 'if', 'labels', 'return', 'switch', 'unwind', 'fac', 'call_indirect', 'stack', 'unreached-valid'];
    const r = await runSuite({ suite: SUITE, engine, files: files.map((f) => `${f}.wast`) });
    expect(r.failed, show(r, ['validation', 'runner', 'wabt', 'execution'])).toBe(0);
    expect(r.passed).toBeGreaterThan(1000);
  }, 120_000);

  it('native: the runner passes every execution assertion on V8', async (ctx) => {
    if (!existsSync(suiteDir)) ctx.skip(missing);
    const files = ['i32', 'f32', 'f32_bitwise', 'conversions', 'call_indirect', 'linking', 'simd_f32x4_arith', 'names'];
    const r = await runSuite({ suite: SUITE, engine: 'native', files });
    expect(r.failuresByKind.execution + r.failuresByKind.runner, show(r, ['execution', 'runner'])).toBe(0);
    expect(r.passed).toBeGreaterThan(5000);
  }, 120_000);
});

/** Each `;; FAIL` line must be reported as a failure, every other check must pass. */
const SELF_TEST = String.raw`
(module
  (func (export "f32") (param f32) (result f32) (local.get 0))
  (func (export "f64") (param f64) (result f64) (local.get 0))
  (func (export "i64") (param i64) (result i64) (local.get 0))
  (func (export "v") (param v128) (result v128) (local.get 0))
  (func (export "two") (result i32 i64) (i32.const 1) (i64.const -1))
  (func (export "trap") (unreachable))
  (func $rec (export "rec") (call $rec))
  (func (export "ref") (param externref) (result externref) (local.get 0))
  (global (export "g") i32 (i32.const 0x7fff_ffff))
)
(assert_return (invoke "f32" (f32.const nan:0x200000)) (f32.const nan:0x200000))
(assert_return (invoke "f32" (f32.const nan:0x200000)) (f32.const nan:arithmetic)) ;; FAIL
(assert_return (invoke "f32" (f32.const -nan)) (f32.const nan:canonical))
(assert_return (invoke "f32" (f32.const nan:0x400001)) (f32.const nan:canonical)) ;; FAIL
(assert_return (invoke "f32" (f32.const 0x1.fffffep+127)) (f32.const 3.4028234663852886e38))
(assert_return (invoke "f32" (f32.const 1.000000059604644775390625)) (f32.const 1))
(assert_return (invoke "f32" (f32.const 1.000000059604644775390626)) (f32.const 0x1.000002p0))
(assert_return (invoke "f32" (f32.const 0.0)) (f32.const -0.0)) ;; FAIL
(assert_return (invoke "f64" (f64.const nan:0x4000000000000)) (f64.const nan:0x4000000000000))
(assert_return (invoke "f64" (f64.const 0x1p-1074)) (f64.const 4.9406564584124654e-324))
(assert_return (invoke "f64" (f64.const 1)) (f64.const 1.0000000000000002)) ;; FAIL
(assert_return (invoke "i64" (i64.const 0xffff_ffff_ffff_ffff)) (i64.const -1))
(assert_return (invoke "i64" (i64.const 0x7fffffffffffffff)) (i64.const -1)) ;; FAIL
(assert_return (invoke "v" (v128.const i32x4 1 2 3 4)) (v128.const i64x2 0x0000000200000001 0x0000000400000003))
(assert_return (invoke "v" (v128.const f32x4 nan 1 2 3)) (v128.const f32x4 nan:canonical 1 2 3))
(assert_return (invoke "v" (v128.const f32x4 nan:0x1 1 2 3)) (v128.const f32x4 nan:arithmetic 1 2 3)) ;; FAIL
(assert_return (invoke "v" (v128.const i8x16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)) (v128.const i16x8 0x201 0x403 0x605 0x807 0xa09 0xc0b 0xe0d 0x100f))
(assert_return (invoke "v" (v128.const i16x8 -1 0 0 0 0 0 0 0)) (v128.const i8x16 -1 -1 0 0 0 0 0 0 0 0 0 0 0 0 0 1)) ;; FAIL
(assert_return (invoke "two") (i32.const 1) (i64.const -1))
(assert_return (invoke "two") (i32.const 1) (i64.const 1)) ;; FAIL
(assert_return (invoke "two") (i32.const 1)) ;; FAIL
(assert_return (invoke "two") (either (i32.const 2) (i32.const 1)) (i64.const -1))
(assert_return (invoke "two") (either (i32.const 2) (i32.const 3)) (i64.const -1)) ;; FAIL
(assert_return (get "g") (i32.const 2147483647))
(assert_trap (invoke "trap") "unreachable")
(assert_trap (invoke "two") "unreachable") ;; FAIL
(assert_exhaustion (invoke "rec") "call stack exhausted")
(assert_return (invoke "ref" (ref.extern 1)) (ref.extern 1))
(assert_return (invoke "ref" (ref.extern 1)) (ref.extern 2)) ;; FAIL
(assert_return (invoke "ref" (ref.null extern)) (ref.null extern))
(assert_invalid (module (func (result i32) (i64.const 0))) "type mismatch")
(assert_invalid (module (func (result i32) (i32.const 0))) "type mismatch") ;; FAIL
(assert_malformed (module binary "\00asm\02\00\00\00") "unknown binary version")
(assert_malformed (module quote "(func") "unexpected end")
(assert_unlinkable (module (import "nope" "f" (func))) "unknown import")
(assert_unlinkable (module (import "spectest" "print_i32" (func (param i32)))) "incompatible import type") ;; FAIL
(assert_uninstantiable (module (func $s unreachable) (start $s)) "unreachable")
(assert_trap (module (memory 0) (data (i32.const 1) "a")) "out of bounds memory access")
(module $M2 (func (export "h") (result i32) (i32.const 7)))
(register "M2" $M2)
(module (import "M2" "h" (func $h (result i32))) (func (export "k") (result i32) (call $h)))
(assert_return (invoke "k") (i32.const 7))
(assert_return (invoke $M2 "h") (i32.const 7))
(module (func (call $nowhere))) ;; FAIL
(invoke $Nope "x") ;; FAIL
`;

describe('spec runner', () => {
  it('detects exactly the failing checks of a script (native engine)', async () => {
    const r = await runScript(SELF_TEST, { file: 'self-test.wast', engine: nativeEngine(), wabt: await loadWabt(), features: wabtFeatures('wasm-2.0') });
    const lines = SELF_TEST.split('\n');
    const expected = lines.flatMap((l, i) => (l.includes(';; FAIL') ? [i + 1] : []));
    expect(r.failures.map((f) => f.line)).toEqual(expected);
    expect(r.failures.find((f) => f.line === expected[expected.length - 2])?.kind).toBe('wabt');
    expect(r.skipped).toBe(1); // the module quote
    expect(r.passed).toBe(lines.filter((l) => /^\((assert_|invoke|module)/.test(l)).length - expected.length - 1);
  });
});
