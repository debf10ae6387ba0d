/**
 * Coercions (compiler/lower/ops.ts): `i32.shr_u` by a constant that is not 0
 * mod 32 gives `a >>> k`, already an int32, with no `| 0`; a shift by 0 or 32
 * keeps it (`a >>> 0` is uint32). And the `| 0` of a sum stays where a
 * ToUint32 or ToInt32 consumer would repeat it (`(a + b | 0) >>> 0`,
 * `(a + b | 0) ^ c`): without it V8's TurboFan compiles the addition with an
 * overflow check and a deopt (`addl; jo`, seen in crc32's loop), though the
 * value is the same. The results must stay native's where either matters
 * (sums past 2^31 and 2^32, shift counts 0, 32 and 33, addresses wrapping at
 * 2^32).
 */
import { describe, it, expect } from 'vitest';
import { compile } from '../compiler/index.js';
import { wat } from './util/wat.js';
import { importCode } from './util/load.js';

const TEXT = `(module
  (memory 1)
  (data (i32.const 16) "\\01\\02\\03\\04\\05\\06\\07\\08")
  ;; an address computed by i32.add, wrapping at 2^32 (0xfffffff0 + 0x20 = 0x10)
  (func (export "load_sum") (param i32 i32) (result i32) (i32.load (i32.add (local.get 0) (local.get 1))))
  (func (export "load8_sub") (param i32 i32) (result i32) (i32.load8_u (i32.sub (local.get 0) (local.get 1))))
  (func (export "xor_add") (param i32 i32 i32) (result i32) (i32.xor (i32.add (local.get 0) (local.get 1)) (local.get 2)))
  (func (export "and_sub") (param i32 i32) (result i32) (i32.and (i32.sub (local.get 0) (local.get 1)) (i32.const 0xffff)))
  (func (export "shl_add") (param i32 i32) (result i32) (i32.shl (i32.add (local.get 0) (local.get 1)) (i32.add (local.get 1) (local.get 1))))
  (func (export "mul_add") (param i32 i32) (result i32) (i32.mul (i32.add (local.get 0) (local.get 1)) (i32.add (local.get 0) (i32.const 0x7fffffff))))
  (func (export "shr8") (param i32) (result i32) (i32.shr_u (local.get 0) (i32.const 8)))
  (func (export "shr0") (param i32) (result i32) (i32.shr_u (local.get 0) (i32.const 0)))
  (func (export "shr32") (param i32) (result i32) (i32.shr_u (local.get 0) (i32.const 32)))
  (func (export "shr33") (param i32) (result i32) (i32.shr_u (local.get 0) (i32.const 33)))
  (func (export "shr_var") (param i32 i32) (result i32) (i32.shr_u (local.get 0) (local.get 1)))
  (func (export "ltu_add") (param i32 i32) (result i32) (i32.lt_u (i32.add (local.get 0) (local.get 1)) (local.get 1)))
  (func (export "i64_shr") (param i64) (result i64) (i64.xor (i64.shr_u (local.get 0) (i64.const 40)) (i64.shr_u (local.get 0) (i64.const 7))))
)`;

const I32 = [0, 1, -1, 2, 8, 16, 31, 32, 0x7fffffff, -0x80000000, 0x7ffffff0, -16, 0x20, 0x12345678, -0x12345678];

type Fn = (...a: (number | bigint)[]) => number | bigint;

/** Calls `f`, returning its result or the class name of what it threw (a trap: RuntimeError). */
function outcome(f: Fn, args: (number | bigint)[]): unknown {
  try {
    return f(...args);
  } catch (e) {
    return e instanceof Error ? e.constructor.name : String(e);
  }
}

describe('coercions', () => {
  const bytes = wat(TEXT);
  const native = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as Record<string, Fn>;

  for (const i64 of ['pair', 'bigint'] as const) {
    it(`computes what native wasm computes at the edges of each coercion (i64 ${i64})`, async () => {
      const { code } = compile(bytes, { i64 });
      const kiln = (await importCode(code)).instantiate({}).exports as Record<string, Fn>;
      for (const name of ['load_sum', 'load8_sub', 'xor_add', 'and_sub', 'shl_add', 'mul_add', 'shr_var', 'ltu_add']) {
        for (const a of I32) for (const b of I32) expect(outcome(kiln[name], [a, b, b ^ 0x5a5a5a5a]), `${name}(${a}, ${b})`).toEqual(outcome(native[name], [a, b, b ^ 0x5a5a5a5a]));
      }
      for (const name of ['shr8', 'shr0', 'shr32', 'shr33']) for (const a of I32) expect(kiln[name](a), `${name}(${a})`).toBe(native[name](a));
      for (const a of [0n, -1n, 0x0123456789abcdefn, -0x8000000000000000n, 0x7fffffffffffffffn]) expect(kiln.i64_shr(a)).toBe(native.i64_shr(a));
    });
  }

  it('drops the `| 0` after `>>>` by a constant, and keeps it on sums', () => {
    const { code } = compile(bytes, { i64: 'pair' });
    const body = code.slice(code.indexOf('function instantiate'));
    expect(body).not.toMatch(/>>>(?:[1-9]|[12]\d|3[01])\|0/); // a >>> 8 | 0
    expect(body).toMatch(/>>>8(?!\d)/);
    expect(body).toMatch(/>>>0\|0/); // shr0, shr32: uint32, so the `| 0` stays
    expect(body).toMatch(/\|0\)>>>0/); // load_sum's address: (l0 + l1 | 0) >>> 0
    expect(body).toMatch(/\|0\)\^/); // xor_add: (l0 + l1 | 0) ^ l2
  });
});
