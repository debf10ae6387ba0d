/**
 * Operands are evaluated in order, so when two of them would trap, the first
 * one's trap is the one seen (spec 4.4: the stack machine runs each
 * instruction in turn). The pair form evaluates some operands into
 * temporaries early (a runtime helper returning two halves); an operand that
 * can trap must not overtake an earlier one that can.
 */
import { describe, it, expect } from 'vitest';
import { compile, type CompileOptions } from '../compiler/index.js';
import { importCode } from './util/load.js';
import { wat } from './util/wat.js';

/** Each export's first operand traps (integer overflow), then its second would (out of bounds). */
const MODULE = wat(String.raw`(module
  (memory 1)
  (func (export "truncSat32") (i64.store16 (i32.trunc_f64_s (f64.const 9007199254740994)) (i64.trunc_sat_f32_u (f32.load (i32.const -1)))))
  (func (export "truncSat64") (i64.store (i32.trunc_f64_s (f64.const 1e300)) (i64.trunc_sat_f64_s (f64.load (i32.const -1)))))
  (func (export "reinterpret") (i64.store (i32.trunc_f32_u (f32.const -5)) (i64.reinterpret_f64 (f64.load (i32.const -1)))))
  (func (export "trunc") (i64.store (i32.trunc_f64_u (f64.const -7)) (i64.trunc_f64_s (f64.load (i32.const -1))))))`);

const FORMS: [string, CompileOptions][] = [['auto', {}], ['pair', { i64: 'pair' }], ['bigint', { i64: 'bigint' }], ['pair+fuel', { i64: 'pair', fuel: true }], ['pair+flat', { i64: 'pair', flatDepth: 0 }]];

/** The message of the trap each export raises (`RuntimeError`'s message names the trap). */
function traps(exports: Record<string, () => void>): string[] {
  return ['truncSat32', 'truncSat64', 'reinterpret', 'trunc'].map((name) => {
    try {
      exports[name]();
      return 'no trap';
    } catch (e) {
      return /integer|conversion/i.test(String((e as Error).message)) ? 'integer overflow' : /bounds/i.test(String((e as Error).message)) ? 'out of bounds' : String(e);
    }
  });
}

describe('the order of traps between operands', () => {
  it('the first operand traps first, in every form (fuzz seed 32000794)', async () => {
    const native = traps(new WebAssembly.Instance(new WebAssembly.Module(MODULE)).exports as never);
    expect(native).toEqual(Array(4).fill('integer overflow'));
    for (const [name, opts] of FORMS) {
      const { instantiate } = (await importCode(compile(MODULE, opts).code)) as { instantiate: () => { exports: never } };
      expect(traps(instantiate().exports), name).toEqual(native);
    }
  });
});
