/**
 * Accesses that need no check (compiler/lower/ranges.ts, views.ts
 * `checkedNever`): with `tune: 'hermes'`, a load or store whose address
 * expression can only be an aligned address below the memory's minimum size
 * indexes its view directly. These tests check the range analysis itself,
 * and that such accesses (and the ones just past the bound, which keep their
 * checks) read, write and trap as native WebAssembly does, on a little- and a
 * big-endian host.
 */
import { describe, it, expect } from 'vitest';
import * as acorn from 'acorn';
import { compile } from './util/wasm-names.js';
import { range, safeIndex } from '../compiler/lower/ranges.js';
import type { Expr } from '../compiler/lower/ast.js';
import { generate } from 'astring';
import { wat } from './util/wat.js';
import { runViewForms } from './util/forms.js';

const expr = (js: string) => (acorn.parseExpressionAt(js, 0, { ecmaVersion: 2022 }) as unknown as Expr);

describe('range analysis of address expressions', () => {
  it('bounds masks, shifts, sums, wraps and byte loads, whatever the locals hold', () => {
    expect(range(expr('((x & 255) << 2) + 1024'))).toEqual({ lo: 1024, hi: 2044, tz: 2 });
    expect(range(expr('(x ^ y) & 255'))).toEqual({ lo: 0, hi: 255, tz: 0 });
    expect(range(expr('(x & 65528) + 4 | 0'))).toEqual({ lo: 4, hi: 65532, tz: 2 });
    expect(range(expr('((x & 65528) >>> 0) + 4'))).toEqual({ lo: 4, hi: 65532, tz: 2 });
    expect(range(expr('x >>> 24'))).toEqual({ lo: 0, hi: 255, tz: 0 });
    expect(range(expr('(HU8[p] ?? dv.getUint8(p >>> 0)) << 3'))).toEqual({ lo: 0, hi: 2040, tz: 3 });
    expect(range(expr('(x & 255) + -8'))).toEqual({ lo: -8, hi: 247, tz: 0 });
    // Unknown: a local, a signed byte load, a mask that may be negative, a shift that may overflow.
    for (const js of ['x', 'x + 4', 'x >>> 0', 'H8[p] ?? dv.getInt8(p >>> 0)', '(x & -4) + 8', '(x & 65535) << 16', 'x & y', 'x * 4']) {
      expect(range(expr(js)), js).toBeNull();
    }
  });

  it('gives a view index only for aligned addresses of whole elements below the safe size', () => {
    const index = (js: string, shift: number, safe: number) => {
      const e = safeIndex(expr(js), shift, safe);
      return e === null ? null : generate(e as never);
    };
    expect(index('((x & 255) << 2) + 1024', 2, 2048)).toBe('(x & 255) + 256');
    expect(index('((x & 255) << 2) + 1024', 2, 2047)).toBeNull();
    expect(index('((x & 255) << 1) + 1024', 2, 65536)).toBeNull();
    expect(index('((x & 255) << 3) + 8', 3, 65536)).toBe('(x & 255) + 1');
    expect(index('(x & 65535) >>> 0', 0, 65536)).toBe('x & 65535');
    expect(index('((x & 65535) >>> 0) + 1', 0, 65536)).toBeNull();
    expect(index('(x & 65532) + 4', 2, 65536)).toBeNull();
    expect(index('x & 65532', 2, 65536)).toBe('(x & 65532) >> 2');
    expect(index('x & 255', 0, 0)).toBeNull();
  });
});

/**
 * Loads and stores at masked addresses in a memory of one page (grown by
 * `grow`): the first of each pair is provably in bounds and aligned, the
 * second just misses (one past the end, or misaligned) and keeps its checks.
 */
const MODULE = wat(String.raw`(module
  (memory (export "memory") 1 4)
  (data (i32.const 0) "\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10")
  (data (i32.const 65520) "\f0\f1\f2\f3\f4\f5\f6\f7\f8\f9\fa\fb\fc\fd\fe\ff")
  (func (export "grow") (result i32) (memory.grow (i32.const 1)))
  (func (export "u8") (param i32) (result i32) (i32.load8_u (i32.and (local.get 0) (i32.const 65535))))
  (func (export "u8past") (param i32) (result i32) (i32.load8_u offset=1 (i32.and (local.get 0) (i32.const 65535))))
  (func (export "s8") (param i32) (result i32) (i32.load8_s (i32.and (local.get 0) (i32.const 65535))))
  (func (export "u16") (param i32) (result i32) (i32.load16_u (i32.and (local.get 0) (i32.const 65534))))
  (func (export "s16odd") (param i32) (result i32) (i32.load16_s (i32.and (local.get 0) (i32.const 65535))))
  (func (export "i32") (param i32) (result i32) (i32.load offset=4 (i32.and (local.get 0) (i32.const 65528))))
  (func (export "i32past") (param i32) (result i32) (i32.load offset=8 (i32.and (local.get 0) (i32.const 65528))))
  (func (export "f32") (param i32) (result i32) (i32.reinterpret_f32 (f32.load (i32.shl (i32.and (local.get 0) (i32.const 16383)) (i32.const 2)))))
  (func (export "f64") (param i32) (result i64) (i64.reinterpret_f64 (f64.load (i32.shl (i32.and (local.get 0) (i32.const 8191)) (i32.const 3)))))
  (func (export "table") (param i32) (result i32)
    (i32.load (i32.add (i32.shl (i32.load8_u (i32.and (local.get 0) (i32.const 15))) (i32.const 2)) (i32.const 64))))
  (func (export "st8") (param i32 i32) (i32.store8 (i32.and (local.get 0) (i32.const 65535)) (local.get 1)))
  (func (export "st8past") (param i32 i32) (i32.store8 offset=1 (i32.and (local.get 0) (i32.const 65535)) (local.get 1)))
  (func (export "st16") (param i32 i32) (i32.store16 (i32.and (local.get 0) (i32.const 65534)) (local.get 1)))
  (func (export "st32") (param i32 i32) (i32.store (i32.add (i32.shl (i32.and (local.get 0) (i32.const 255)) (i32.const 2)) (i32.const 1024)) (local.get 1)))
  (func (export "st32odd") (param i32 i32) (i32.store (i32.add (i32.shl (i32.and (local.get 0) (i32.const 255)) (i32.const 1)) (i32.const 1024)) (local.get 1)))
  (func (export "stf32") (param i32 i32) (f32.store (i32.shl (i32.and (local.get 0) (i32.const 16383)) (i32.const 2)) (f32.reinterpret_i32 (local.get 1))))
  (func (export "stf64") (param i32 i64) (f64.store (i32.shl (i32.and (local.get 0) (i32.const 8191)) (i32.const 3)) (f64.reinterpret_i64 (local.get 1)))))`);

const XS = [0, 1, 2, 3, 4, 7, 8, 255, 256, 1023, 4095, 16383, 32767, 65520, 65527, 65528, 65532, 65533, 65534, 65535, 65536, -1, -2, -4, -8, 0x7fffffff, -0x80000000];
const LOAD_NAMES = ['u8', 'u8past', 's8', 'u16', 's16odd', 'i32', 'i32past', 'f32', 'f64', 'table'];
const STORE_NAMES = ['st8', 'st8past', 'st16', 'st32', 'st32odd', 'stf32', 'stf64'];

type Exports = Record<string, (...a: any[]) => any> & { memory: WebAssembly.Memory };

/** Every load at every x, then every store followed by a checksum of memory, before and after a grow. */
function outcomes(x: Exports): unknown[] {
  const out: unknown[] = [];
  const attempt = (f: () => unknown) => {
    try {
      const r = f();
      out.push(typeof r === 'bigint' ? r.toString(16) : r);
    } catch (e) {
      out.push(`trap ${(e as Error).constructor.name} ${/bounds/i.test((e as Error).message)}`);
    }
  };
  const digest = () => {
    const u8 = new Uint8Array(x.memory.buffer);
    let h = 0;
    for (let i = 0; i < u8.length; i++) h = (Math.imul(h, 31) + u8[i]!) | 0;
    return h;
  };
  for (const round of [0, 1]) {
    for (const name of LOAD_NAMES) for (const a of XS) attempt(() => x[name]!(a));
    for (const name of STORE_NAMES) {
      for (const a of XS) attempt(() => x[name]!(a, name === 'stf64' ? BigInt(a) * 0x10000000001n + 0x7ff4000000000001n : Math.imul(a, 0x9e3779b1) ^ 0x7fa00001));
      out.push(digest());
    }
    if (round === 0) attempt(() => x.grow!());
  }
  return out;
}

describe('accesses without checks, end to end', () => {
  it('read, write and trap as native WebAssembly, little- and big-endian, split, with fuel', async () => {
    const native = outcomes(new WebAssembly.Instance(new WebAssembly.Module(MODULE)).exports as Exports);
    expect(native.filter((r) => typeof r === 'string' && r.startsWith('trap')).length).toBeGreaterThan(10);
    for (const [name, got] of await runViewForms(MODULE, (x) => outcomes(x as Exports))) expect(got, name).toEqual(native);
  });

  it('index the view directly where the address is proven, and keep the checks where it is not', () => {
    const { code } = compile(MODULE, { tune: 'hermes' });
    const body = (i: number) => code.slice(code.indexOf(`\nfunction f${i}(`), code.indexOf(`\nfunction f${i + 1}(`));
    expect(body(1)).toContain('return hu8[l0&65535];'); // a byte view covers the memory on any host: no fallback
    expect(body(2)).toContain('return hu8[((l0&65535)>>>0)+1]??'); // one past the end: the generic form
    expect(body(6)).toContain('return h32[((l0&65528)>>2)+1]??dv.getInt32(((l0&65528)>>>0)+4,!0);');
    expect(body(7)).toContain('return h32[(((l0&65528)>>>0)+8)/4]??');
    expect(body(10)).toContain('return h32[t0=hu8[l0&15]+16]??dv.getInt32(t0*4,!0);');
    expect(body(11)).toContain('hu8[l0&65535]=l1;');
    expect(body(11)).not.toContain('dv.setInt8');
    expect(body(12)).toContain('t0<hb?hu8[t0]=l1:dv.setInt8(t0,l1);');
    expect(body(14)).toContain('hb?h32[(l0&255)+256]=l1:dv.setInt32(((l0&255)<<2)+1024>>>0,l1,!0);');
    expect(body(15)).toMatch(/t0<hb&&!\(t0&3\)\?h32\[t0\/4\]=l1/);
  });
});
