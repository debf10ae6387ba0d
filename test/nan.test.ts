/**
 * NaN bits through f32 loads (runtime/ABI.md "NaN bits"): a load feeding
 * arithmetic may use the fast DataView read (any NaN it yields is an
 * arithmetic NaN), every other consumer must see the exact bits.
 */
import { describe, it, expect } from 'vitest';
import { compile } from '../compiler/index.js';
import { importCode } from './util/load.js';

const wabt = await (await import('wabt')).default();
const WAT = `(module
  (memory (export "mem") 1)
  (func (export "copy") (i32.store (i32.const 8) (i32.reinterpret_f32 (f32.load (i32.const 0)))))
  (func (export "store") (f32.store (i32.const 8) (f32.load (i32.const 0))))
  (func (export "local") (local f32) (local.set 0 (f32.load (i32.const 0))) (f32.store (i32.const 8) (local.get 0)))
  (func (export "select") (param i32) (f32.store (i32.const 8) (select (f32.load (i32.const 0)) (f32.load (i32.const 4)) (local.get 0))))
  (func (export "abs") (f32.store (i32.const 8) (f32.abs (f32.load (i32.const 0)))))
  (func (export "neg") (f32.store (i32.const 8) (f32.neg (f32.load (i32.const 0)))))
  (func (export "add") (f32.store (i32.const 8) (f32.add (f32.load (i32.const 0)) (f32.const 1))))
  (func (export "eq") (result i32) (f32.eq (f32.load (i32.const 0)) (f32.load (i32.const 0)))))`;

describe('f32 NaN bits through loads', async () => {
  const bytes = wabt.parseWat('t.wat', WAT, {}).toBinary({}).buffer;
  const { exports } = (await importCode(compile(bytes).code)).instantiate();
  const u32 = () => new Uint32Array(exports.mem.buffer);
  const run = (name: string, arg?: number) => {
    u32()[0] = 0x7fa00001; // signalling NaN with a payload
    u32()[1] = 0x3f800000; // 1.0
    u32()[2] = 0;
    exports[name](arg);
    return u32()[2];
  };

  it('keeps the exact bits when the value is stored, reinterpreted, kept in a local or selected', () => {
    expect(run('copy')).toBe(0x7fa00001);
    expect(run('store')).toBe(0x7fa00001);
    expect(run('local')).toBe(0x7fa00001);
    expect(run('select', 1)).toBe(0x7fa00001);
    expect(run('select', 0)).toBe(0x3f800000);
  });

  it('changes only the sign bit for abs and neg', () => {
    expect(run('abs')).toBe(0x7fa00001);
    expect(run('neg')).toBe(0xffa00001);
  });

  it('gives an arithmetic (quiet) NaN from arithmetic, and false from comparisons', () => {
    expect(run('add') & 0x7fc00000).toBe(0x7fc00000);
    expect(exports.eq()).toBe(0);
  });
});
