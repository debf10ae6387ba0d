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

/**
 * Values left pending on the stack across a `local.set` (lower/stack.ts):
 * loads and global reads must still see memory and globals as they were
 * before a later store or `global.set`, a pending value that reads the local
 * its old value, and a trap the order of the instructions.
 */
const READS = wat(String.raw`(module
  (memory 1)
  (global $g (mut i32) (i32.const 7))
  (data (i32.const 0) "\01\02\03\04\05\06\07\08")
  (func (export "overtake") (param $p i32) (result i32) (local $x i32)
    (i32.load8_u offset=1 (local.get $p))
    (local.set $x (i32.load8_u (local.get $p)))
    (i32.add (i32.shl (local.get $x) (i32.const 8))))
  (func (export "beforeStore") (param $p i32) (result i32) (local $x i32)
    (i32.load8_u offset=1 (local.get $p))
    (local.set $x (i32.load8_u (local.get $p)))
    (i32.store8 offset=1 (local.get $p) (i32.const 99))
    (i32.add (i32.shl (local.get $x) (i32.const 8)))
    (i32.add (i32.shl (i32.load8_u offset=1 (local.get $p)) (i32.const 16))))
  (func (export "beforeGlobalSet") (param $p i32) (result i32) (local $x i32)
    (global.get $g)
    (local.set $x (i32.load8_u (local.get $p)))
    (global.set $g (i32.const 40))
    (i32.add (i32.shl (local.get $x) (i32.const 8)))
    (i32.add (i32.shl (global.get $g) (i32.const 16))))
  (func (export "readsTheLocal") (param $p i32) (result i32)
    (i32.load8_u (local.get $p))
    (local.set $p (i32.load8_u offset=2 (local.get $p)))
    (i32.add (i32.shl (local.get $p) (i32.const 8))))
  (func (export "divFirst") (param $p i32) (result i32) (local $x i32)
    (i32.div_u (i32.const 1) (local.get $p))
    (local.set $x (i32.load (i32.sub (local.get $p) (i32.const 1))))
    (i32.add (local.get $x)))
  (func (export "loadFirst") (param $p i32) (result i32) (local $x i32)
    (i32.load (i32.sub (local.get $p) (i32.const 1)))
    (local.set $x (i32.div_u (i32.const 1) (local.get $p)))
    (i32.add (local.get $x))))`);

/** Each export's result or trap, by argument. */
function outcomes(exports: Record<string, (p: number) => number>): string[] {
  const out: string[] = [];
  for (const name of ['overtake', 'beforeStore', 'beforeGlobalSet', 'readsTheLocal', 'divFirst', 'loadFirst']) {
    for (const p of [0, 1, 3, 65535, -1]) {
      try {
        out.push(`${name}(${p}) = ${exports[name](p)}`);
      } catch (e) {
        const m = String((e as Error).message);
        out.push(`${name}(${p}) traps: ${/divide|division/i.test(m) ? 'divide by zero' : /bounds/i.test(m) ? 'out of bounds' : m}`);
      }
    }
  }
  return out;
}

describe('pending values across a local.set', () => {
  const forms: [string, CompileOptions][] = [['jit', {}], ['hermes', { tune: 'hermes' }], ['fuel', { fuel: true }], ['hermes+fuel', { tune: 'hermes', fuel: true }]];
  it('give native results and traps, in every form', async () => {
    const native = outcomes(new WebAssembly.Instance(new WebAssembly.Module(READS)).exports as never);
    expect(native).toContain('divFirst(0) traps: divide by zero');
    expect(native).toContain('loadFirst(0) traps: out of bounds');
    for (const [name, opts] of forms) {
      const { instantiate } = (await importCode(compile(READS, opts).code)) as { instantiate: () => { exports: never } };
      expect(outcomes(instantiate().exports), name).toEqual(native);
    }
  });
});
