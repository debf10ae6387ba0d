/**
 * Effective addresses at and past 2 GiB (spec 4.4.7, memory instructions):
 * an i32 address is unsigned, so a base of -4 is 4 GiB - 4, out of bounds
 * of any memory Kiln makes. Where memory can never pass 2 GiB (its declared
 * maximum, or the page limit of its own memory, is at most 32768 pages:
 * compiler/lower/pagelimit.ts `signedAddresses`) Kiln passes a zero-offset address to the
 * `DataView` as the signed int32 it holds (ops.ts `address`): such an
 * address is out of bounds exactly when it is negative, and the `DataView`
 * throws for a negative index as for one past the end. Every engine words
 * that RangeError its own way (runtime/func.ts `convertError`).
 */
import { describe, it, expect } from 'vitest';
import { type CompileOptions } from '../compiler/index.js';
import { compile } from './util/wasm-names.js';
import { importCode } from './util/load.js';
import { wat } from './util/wat.js';

/** Every access kind, each at offset 0 and at offset 4; `max` is the memory's declared maximum ('' for none). */
function module(max: string): Uint8Array<ArrayBuffer> {
  const loads = [
    ['i32', 'i32.load'], ['i32', 'i32.load8_u'], ['i32', 'i32.load8_s'], ['i32', 'i32.load16_u'], ['i32', 'i32.load16_s'],
    ['i64', 'i64.load'], ['i64', 'i64.load8_s'], ['i64', 'i64.load32_u'], ['f32', 'f32.load'], ['f64', 'f64.load'],
  ];
  const stores = [
    ['i32', 'i32.store', '(i32.const -559038737)'], ['i32', 'i32.store8', '(i32.const 171)'], ['i32', 'i32.store16', '(i32.const 4660)'],
    ['i64', 'i64.store', '(i64.const 0x0102030405060708)'], ['i64', 'i64.store32', '(i64.const -2)'],
    ['f32', 'f32.store', '(f32.const nan:0x200001)'], ['f64', 'f64.store', '(f64.const -1.5)'],
  ];
  const fns: string[] = [];
  for (const off of [0, 4]) {
    for (const [t, op] of loads) fns.push(`(func (export "${op}@${off}") (param i32) (result ${t}) (${op} offset=${off} (local.get 0)))`);
    for (const [, op, v] of stores) fns.push(`(func (export "${op}@${off}") (param i32) (${op} offset=${off} (local.get 0) ${v}))`);
  }
  return wat(`(module (memory (export "memory") 1 ${max})
    (data (i32.const 0) "\\01\\02\\03\\04\\05\\06\\07\\08")
    (data (i32.const 65528) "\\f1\\f2\\f3\\f4\\f5\\f6\\f7\\f8")
    ${fns.join('\n')})`);
}

/** Byte addresses around both ends of a page of memory and of the signed range. */
const ADDRESSES = [0, 4, 65528, 65531, 65532, 65533, 65535, 65536, 0x7ffffffc, 0x7fffffff, -0x80000000, -8, -4, -1];

const FORMS: [string, CompileOptions][] = [['auto', {}], ['pair', { i64: 'pair' }], ['bigint', { i64: 'bigint' }], ['views', { tune: 'hermes' }], ['fuel', { fuel: true }], ['flat', { flatDepth: 0 }]];

type Exports = Record<string, any>;

/** Each export called at each address: its result, or "trap"; after a store, the memory's bytes at both ends. */
function run(exports: Exports): unknown[] {
  const out: unknown[] = [];
  const bytes = () => {
    const u8 = new Uint8Array(exports.memory.buffer);
    return [...u8.subarray(0, 12), ...u8.subarray(65524)].join(',');
  };
  for (const [name, f] of Object.entries(exports)) {
    if (typeof f !== 'function') continue;
    for (const a of ADDRESSES) {
      try {
        const r = f(a);
        out.push([name, a, typeof r === 'bigint' ? `${r}n` : Number.isNaN(r) ? 'NaN' : r]);
      } catch (e) {
        if (!(e instanceof WebAssembly.RuntimeError) && (e as Error).name !== 'RuntimeError') throw e;
        expect((e as Error).message, `${name}(${a})`).toMatch(/out of bounds/);
        out.push([name, a, 'trap']);
      }
      if (name.includes('store')) out.push(bytes());
    }
  }
  return out;
}

describe('effective addresses past 2 GiB', () => {
  // [declared maximum, compile-time page limit]: a maximum of 1 page, none, none with a page limit of 16 pages.
  for (const [max, limit] of [['1', undefined], ['', undefined], ['', 16]] as const) {
    it(`trap exactly as native WebAssembly does, memory {min 1${max ? ', max ' + max : ''}}${limit ? `, page limit ${limit}` : ''}`, async () => {
      const bytes = module(max);
      const native = run(new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as Exports);
      expect(native.filter((r) => Array.isArray(r) && r[2] === 'trap').length).toBeGreaterThan(100);
      for (const [name, opts] of FORMS) {
        const m = await importCode(compile(bytes, { ...opts, maxMemoryPages: limit }).code);
        expect(run(m.instantiate().exports), name).toEqual(native);
      }
    });
  }

  it('pass a zero-offset address signed only where memory cannot pass 2 GiB', () => {
    // `i32.load@0` and `i64.load32_u@0` read `getInt32` at the parameter `l0` itself.
    const form = (bytes: Uint8Array, maxMemoryPages?: number) => {
      const code = compile(bytes, { maxMemoryPages }).code;
      return [/getInt32\(l0>>>0,!0\)/.test(code), /getInt32\(l0,!0\)/.test(code)];
    };
    expect(form(module(''))).toEqual([true, false]);
    expect(form(module('32769'))).toEqual([true, false]);
    expect(form(module('32768'))).toEqual([false, true]);
    expect(form(module('1'))).toEqual([false, true]);
    expect(form(module(''), 32769)).toEqual([true, false]);
    expect(form(module(''), 32768)).toEqual([false, true]);
    // An imported memory without a declared maximum may be grown past 2 GiB by its owner, whatever this instance's limit.
    const imported = (max: string) => wat(`(module (import "e" "m" (memory 1 ${max})) (func (export "ld") (param i32) (result i32) (i32.load (local.get 0))))`);
    expect(form(imported(''), 16)).toEqual([true, false]);
    expect(form(imported('16'))).toEqual([false, true]);
  });

  it('a page limit that makes addresses signed cannot be raised past 32768 pages at instantiate', async () => {
    const maxOf = async (limit: number) => (await importCode(compile(module(''), { maxMemoryPages: limit }).code)).instantiate({}, { maxMemoryPages: 40000 }).exports.memory.max;
    expect(await maxOf(16)).toBe(32768);
    expect(await maxOf(32768)).toBe(32768);
    expect(await maxOf(40000)).toBe(40000);
  });
});
