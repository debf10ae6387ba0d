import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  b64,
  convertError,
  Func,
  fromJS,
  getImport,
  Global,
  hostFunc,
  importFunc,
  importGlobal,
  importMemory,
  importTable,
  LinkError,
  makeExports,
  makeSig,
  Memory,
  memoryCopy,
  memoryFill,
  memoryInit,
  parseSig,
  rt,
  RuntimeError,
  Table,
  tableCopy,
  tableFill,
  tableGet,
  tableGrow,
  tableInit,
  tableSet,
  toJS,
  trap,
  type State,
} from '../runtime/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function trapCode(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof RuntimeError) return String(e.code);
    throw e;
  }
  throw new Error('expected a trap');
}

describe('Memory', () => {
  it('allocates only the current size and grows lazily', () => {
    const m = new Memory({ initial: 1, maximum: 65536 });
    expect(m.buffer.byteLength).toBe(65536);
    expect(m.u8.length).toBe(65536);
    expect(m.dv.byteLength).toBe(65536);
    expect(m.pages).toBe(1);
    expect(m.max).toBe(65536);
    expect(m.declaredMax).toBe(65536);
    m.u8[65535] = 7;
    expect(m.growPages(2)).toBe(1);
    expect(m.pages).toBe(3);
    expect(m.buffer.byteLength).toBe(3 * 65536);
    expect(m.u8[65535]).toBe(7);
    expect(m.u8[3 * 65536 - 1]).toBe(0);
  });

  it('growPages(0) keeps the buffer; growing past max returns -1 and changes nothing', () => {
    const m = new Memory({ initial: 1, maximum: 2 });
    const buf = m.buffer;
    expect(m.growPages(0)).toBe(1);
    expect(m.buffer).toBe(buf);
    expect(m.growPages(2)).toBe(-1);
    expect(m.growPages(-1)).toBe(-1); // int32 -1 is 2^32 - 1 pages
    expect(m.buffer).toBe(buf);
    expect(m.pages).toBe(1);
    expect(m.growPages(1)).toBe(1);
    expect(m.growPages(1)).toBe(-1);
    expect(() => m.grow(1)).toThrow(RangeError);
    expect(m.pages).toBe(2);
  });

  it('refreshes views through onGrow', () => {
    const m = new Memory({ initial: 0 });
    let dv = m.dv;
    let calls = 0;
    m.onGrow(() => {
      dv = m.dv;
      calls++;
    });
    expect(m.growPages(0)).toBe(0);
    expect(calls).toBe(0);
    expect(m.grow(1)).toBe(0);
    expect(calls).toBe(1);
    dv.setInt32(65532, -5, true);
    expect(m.dv.getInt32(65532, true)).toBe(-5);
  });

  it('applies the page limit', () => {
    const m = new Memory({ initial: 1 }, 3);
    expect(m.max).toBe(3);
    expect(m.declaredMax).toBeUndefined();
    expect(m.growPages(2)).toBe(1);
    expect(m.growPages(1)).toBe(-1);
    expect(new Memory({ initial: 1, maximum: 2 }, 10).max).toBe(2);
    expect(() => new Memory({ initial: 4 }, 3)).toThrow(RangeError);
  });

  it('validates its descriptor like the JS API', () => {
    expect(() => new Memory({ initial: 65537 })).toThrow(RangeError);
    expect(() => new Memory({ initial: 2, maximum: 1 })).toThrow(RangeError);
    expect(() => new Memory({ initial: -1 })).toThrow(TypeError);
    expect(() => new Memory({} as never)).toThrow(TypeError);
  });
});

function makeFunc(sig: string, fn: (...a: any[]) => any, state: State = rt): Func {
  return new Func(sig, fn, state);
}

describe('Table', () => {
  it('get/set/grow with JS function identity', () => {
    const f = makeFunc('i32>i32', (x: number) => (x + 1) | 0);
    const t = new Table({ element: 'anyfunc', initial: 2, maximum: 4 });
    const elements = t.elements;
    expect(t.type).toBe('funcref');
    expect(t.length).toBe(2);
    expect(t.get(0)).toBeNull();
    t.elements[1] = f;
    expect(t.get(1)).toBe(toJS(f));
    expect(t.get(1)).toBe(t.get(1));
    t.set(0, toJS(f));
    expect(t.elements[0]).toBe(f);
    t.set(0, null);
    expect(t.elements[0]).toBeNull();
    expect(() => t.set(0, () => 1)).toThrow(TypeError);
    expect(() => t.set(0, 5)).toThrow(TypeError);
    expect(() => t.get(2)).toThrow(RangeError);
    expect(() => t.set(2, null)).toThrow(RangeError);
    expect(t.grow(1, toJS(f))).toBe(2);
    expect(t.elements[2]).toBe(f);
    expect(t.growRefs(1, null)).toBe(3);
    expect(t.growRefs(1, null)).toBe(-1);
    expect(() => t.grow(1)).toThrow(RangeError);
    expect(t.elements).toBe(elements);
    expect(t.length).toBe(4);
  });

  it('externref tables hold any value; defaults follow the JS API', () => {
    const t = new Table({ element: 'externref', initial: 1 }, null);
    expect(t.get(0)).toBeNull();
    const o = {};
    t.set(0, o);
    expect(t.get(0)).toBe(o);
    expect(t.grow(1)).toBe(1);
    expect(t.get(1)).toBeUndefined();
    expect(new Table({ element: 'funcref', initial: 1 }).get(0)).toBeNull();
    expect(() => new Table({ element: 'i32' as never, initial: 1 })).toThrow(TypeError);
  });

  it('growRefs never exceeds the limit and leaves the table unchanged on failure', () => {
    const t = new Table({ element: 'funcref', initial: 16 }, null);
    expect(t.growRefs(0xfffffff0 | 0, null)).toBe(-1);
    expect(t.length).toBe(16);
  });
});

describe('Global', () => {
  it('converts values like the JS API', () => {
    const g = new Global({ value: 'i32', mutable: true }, 2 ** 32 + 5);
    expect(g.value).toBe(5);
    g.value = -1.9;
    expect(g.v).toBe(-1);
    expect(() => (g.value = 1n)).toThrow(TypeError);
    const f = new Global({ value: 'f32', mutable: false }, 0.1);
    expect(f.value).toBe(Math.fround(0.1));
    expect(() => (f.value = 1)).toThrow(TypeError);
    expect(f.valueOf()).toBe(Math.fround(0.1));
    expect(new Global({ value: 'f64' }, '2.5').value).toBe(2.5);
    expect(new Global({ value: 'i32' }).value).toBe(0);
    expect(new Global({ value: 'externref' }).value).toBeUndefined();
    expect(new Global({ value: 'anyfunc' }).value).toBeNull();
  });

  it('round-trips i64 edge values as BigInt', () => {
    const g = new Global({ value: 'i64', mutable: true });
    expect(g.value).toBe(0n);
    for (const v of [-1n, 2n ** 63n - 1n, -(2n ** 63n), 0n, 1n, 2n ** 32n, -(2n ** 32n) - 1n]) {
      g.value = v;
      expect(g.value).toBe(v);
    }
    g.value = -1n;
    expect([g.lo, g.hi]).toEqual([-1, -1]);
    g.value = 2n ** 64n + 3n; // ToBigInt64 wraps
    expect([g.lo, g.hi]).toEqual([3, 0]);
    expect(() => (g.value = 1)).toThrow(TypeError);
    expect(() => new Global({ value: 'i64' }, 5)).toThrow(TypeError);
  });

  it('funcref globals hold Func and show JS functions', () => {
    const f = makeFunc('>', () => undefined);
    const g = new Global({ value: 'funcref', mutable: true }, toJS(f));
    expect(g.v).toBe(f);
    expect(g.value).toBe(toJS(f));
    g.value = null;
    expect(g.v).toBeNull();
    expect(() => (g.value = () => 0)).toThrow(TypeError);
  });
});

describe('signatures', () => {
  it('parses and builds signature strings', () => {
    expect(parseSig('i32 i64>f64')).toEqual({ params: ['i32', 'i64'], results: ['f64'] });
    expect(parseSig('>')).toEqual({ params: [], results: [] });
    expect(parseSig('>i32 i32')).toEqual({ params: [], results: ['i32', 'i32'] });
    expect(makeSig(['funcref'], [])).toBe('funcref>');
  });
});

describe('toJS', () => {
  it('converts arguments and results', () => {
    const seen: unknown[][] = [];
    const f = makeFunc('i32 f32 f64 i64 externref>i64', (...a: unknown[]) => {
      seen.push(a);
      rt.hi = -2;
      return 5;
    });
    const js = toJS(f);
    expect(js.length).toBe(5);
    expect(fromJS(js)).toBe(f);
    const o = {};
    expect(js(2 ** 32 + 3, 0.1, '1.5', -1n, o)).toBe(-(2n ** 33n) + 5n);
    expect(seen[0]).toEqual([3, Math.fround(0.1), 1.5, -1, -1, o]);
    expect(() => js(1, 1, 1, 1, o)).toThrow(TypeError); // i64 needs a BigInt
    expect(() => js(1, 1, 1)).toThrow(TypeError); // missing i64 is undefined
    expect(seen.length).toBe(1);
  });

  it('handles missing arguments, no results and several results', () => {
    let got: unknown[] = [];
    const g = toJS(makeFunc('i32 f64>', (...a: unknown[]) => { got = a; return 99; }));
    expect(g()).toBeUndefined();
    expect(got[0]).toBe(0);
    expect(got[1]).toBeNaN();
    const fr = makeFunc('>', () => undefined);
    const multi = toJS(makeFunc('>i32 i64 funcref f32', () => [7, -1, 0x7fffffff, fr, 1.5]));
    expect(multi()).toEqual([7, 2n ** 63n - 1n, toJS(fr), 1.5]);
  });

  it('keeps NaN bits of f64 and f32 arguments', () => {
    const dv = new DataView(new ArrayBuffer(8));
    dv.setBigUint64(0, 0x7ff4000000000001n);
    const snan = dv.getFloat64(0);
    const bits = (x: number) => (dv.setFloat64(0, x), dv.getBigUint64(0));
    let arg = 0;
    const id3 = toJS(makeFunc('f64 f64 f64>f64', (a: number, b: number, c: number) => { arg = c; return a + b; }));
    id3(1, 2, snan);
    expect(bits(arg)).toBe(0x7ff4000000000001n);
    const idf = toJS(makeFunc('f32>f32', (a: number) => a));
    dv.setBigUint64(0, 0xfff4000000000000n); // f32 NaN 0xffa00000 in ABI form
    expect(bits(idf(dv.getFloat64(0)) as number)).toBe(0xfff4000000000000n);
  });

  it('funcref arguments and results', () => {
    const a = makeFunc('>', () => undefined);
    const id = toJS(makeFunc('funcref>funcref', (x: Func | null) => x));
    expect(id(toJS(a))).toBe(toJS(a));
    expect(id(null)).toBeNull();
    expect(() => id(() => 1)).toThrow(TypeError);
  });

  it('turns a DataView RangeError into out-of-bounds-memory, keeping the stack', () => {
    const m = new Memory({ initial: 1 });
    const load = toJS(makeFunc('i32>i32', (p: number) => m.dv.getInt32(p, true)));
    expect(load(65532)).toBe(0);
    let err: unknown;
    try {
      load(65533);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as RuntimeError).code).toBe('out-of-bounds-memory');
    expect((err as RuntimeError).message).toBe('out of bounds memory access');
    expect(String((err as Error).stack)).toMatch(/RangeError/);
    if (typeof WebAssembly === 'object') expect(err).toBeInstanceOf(WebAssembly.RuntimeError);
  });

  it('turns a stack overflow into stack-exhausted', () => {
    const rec = (n: number): number => (rec(n + 1) + 1) | 0;
    const f = toJS(makeFunc('i32>i32', rec));
    expect(trapCode(() => f(0))).toBe('stack-exhausted');
  });

  it('leaves other errors alone', () => {
    const e = new TypeError('x');
    expect(convertError(e)).toBe(e);
    const r = new RangeError('Invalid array length');
    expect(convertError(r)).toBe(r);
    expect(convertError(5)).toBe(5);
    const t = toJS(makeFunc('>', () => trap('unreachable')));
    expect(trapCode(() => t())).toBe('unreachable');
  });
});

describe('hostFunc', () => {
  it('converts arguments and results in the internal ABI', () => {
    let args: unknown[] = [];
    const h = hostFunc('i64 i32 funcref>i64', (...a: unknown[]) => { args = a; return -3n; });
    const f = makeFunc('>', () => undefined);
    expect(h.fn(-1, 0x7fffffff, 7, f)).toBe(-3);
    expect(rt.hi).toBe(-1);
    expect(args).toEqual([2n ** 63n - 1n, 7, toJS(f)]);
    expect(() => hostFunc('>i64', () => 1).fn()).toThrow(TypeError);
    expect(() => hostFunc('>i32', () => 1n).fn()).toThrow(TypeError);
    expect(hostFunc('>i32', () => 2 ** 32 + 1).fn()).toBe(1);
    expect(hostFunc('>f32', () => 0.1).fn()).toBe(Math.fround(0.1));
    expect(hostFunc('i32 i32 i32>', () => 5).fn(1, 2, 3)).toBeUndefined();
    expect(hostFunc('>i32 i64 f64', () => new Set([1, 2n ** 32n + 2n, '3'])).fn()).toEqual([1, 2, 1, 3]);
    expect(() => hostFunc('>i32 i32', () => [1]).fn()).toThrow(TypeError);
    expect(() => hostFunc('>i32 i32', () => 1).fn()).toThrow(TypeError);
  });

  it('calls the host with this undefined', () => {
    const seen: unknown[] = [];
    hostFunc('>', function (this: unknown) { seen.push(this); }).fn();
    expect(seen).toEqual([undefined]);
  });

  it('passes errors thrown by host functions through unchanged', () => {
    const err = new RangeError('Offset is outside the bounds of the DataView');
    const h = hostFunc('i32>', () => { throw err; });
    const outer = toJS(makeFunc('i32>', (x: number) => h.fn(x)));
    let got: unknown;
    try {
      outer(1);
    } catch (e) {
      got = e;
    }
    expect(got).toBe(err);
    const so = new RangeError('Maximum call stack size exceeded');
    const h2 = hostFunc('>', () => { throw so; });
    expect(() => toJS(makeFunc('>', () => h2.fn()))()).toThrow(so);
  });
});

describe('importFunc', () => {
  it('resolves Kiln functions, host functions, and rejects mismatches', () => {
    const f = makeFunc('i32>i32', (x: number) => x);
    expect(importFunc(toJS(f), 'i32>i32', rt)).toBe(f);
    expect(() => importFunc(toJS(f), 'i64>i32', rt)).toThrow(LinkError);
    expect(() => importFunc(toJS(f), 'i64>i32', rt)).toThrow(/incompatible import type/);
    expect(() => importFunc(42, '>', rt)).toThrow(LinkError);
    const h = importFunc((a: number) => a * 2, 'i32>i32', rt);
    expect(h).toBeInstanceOf(Func);
    expect(h.fn(21)).toBe(42);
  });

  it('wraps a function of another runtime when it returns an i64', () => {
    const other: State = { hi: 0 };
    const f = makeFunc('>i64', () => { other.hi = 9; return 1; }, other);
    const g = importFunc(toJS(f), '>i64', rt);
    expect(g).not.toBe(f);
    rt.hi = 0;
    expect(g.fn()).toBe(1);
    expect(rt.hi).toBe(9);
    const f2 = makeFunc('i64>i32', () => 1, other);
    expect(importFunc(toJS(f2), 'i64>i32', rt)).toBe(f2);
  });
});

describe('instance glue', () => {
  it('getImport reports unknown imports as LinkError', () => {
    const imports = { env: { f: () => 1, zero: 0 } };
    expect(getImport(imports, 'env', 'zero', 'global')).toBe(0);
    expect(() => getImport(imports, 'env', 'g', 'func')).toThrow(/unknown import: "env"."g"/);
    expect(() => getImport(imports, 'test', 'f', 'func')).toThrow(LinkError);
    expect(() => getImport(undefined, 'env', 'f', 'func')).toThrow(/unknown import/);
  });

  it('importMemory checks limits and the page limit', () => {
    const m = new Memory({ initial: 2, maximum: 4 });
    expect(importMemory(m, 1, undefined)).toBe(m);
    expect(importMemory(m, 2, 4)).toBe(m);
    expect(() => importMemory(m, 3, undefined)).toThrow(/incompatible import type/);
    expect(() => importMemory(m, 1, 3)).toThrow(LinkError);
    expect(() => importMemory(new Memory({ initial: 1 }), 1, 10)).toThrow(LinkError);
    expect(() => importMemory({}, 0, undefined)).toThrow(LinkError);
    expect(() => importMemory(m, 2, undefined, 1, '"env"."mem"')).toThrow(/"env"."mem".*2 pages.*limit of 1/);
  });

  it('importTable checks type and limits', () => {
    const t = new Table({ element: 'funcref', initial: 10, maximum: 20 });
    expect(importTable(t, 'funcref', 10, 20)).toBe(t);
    expect(() => importTable(t, 'externref', 1, undefined)).toThrow(LinkError);
    expect(() => importTable(t, 'funcref', 11, undefined)).toThrow(LinkError);
    expect(() => importTable(t, 'funcref', 1, 19)).toThrow(LinkError);
    expect(() => importTable(null, 'funcref', 1, undefined)).toThrow(LinkError);
  });

  it('importGlobal checks type and mutability and converts plain values', () => {
    const g = new Global({ value: 'i32', mutable: true }, 3);
    expect(importGlobal(g, 'i32', true)).toBe(g);
    expect(() => importGlobal(g, 'i32', false)).toThrow(/incompatible import type/);
    expect(() => importGlobal(g, 'i64', true)).toThrow(LinkError);
    expect(() => importGlobal(5, 'i32', true)).toThrow(LinkError);
    expect(importGlobal(5.7, 'i32', false).v).toBe(5);
    expect(importGlobal(0.1, 'f32', false).v).toBe(Math.fround(0.1));
    const i = importGlobal(-(2n ** 63n), 'i64', false);
    expect([i.lo, i.hi]).toEqual([0, -0x80000000]);
    expect(() => importGlobal(5, 'i64', false)).toThrow(LinkError);
    expect(() => importGlobal(5n, 'i32', false)).toThrow(LinkError);
    const o = {};
    expect(importGlobal(o, 'externref', false).v).toBe(o);
  });

  it('makeExports makes a frozen null-prototype object', () => {
    const f = makeFunc('>i32', () => 1);
    const ex = makeExports([
      ['__proto__', 1],
      ['constructor', 2],
      ['f', f],
    ]) as Record<string, unknown>;
    expect(Object.getPrototypeOf(ex)).toBeNull();
    expect(Object.isFrozen(ex)).toBe(true);
    expect(Object.keys(ex)).toEqual(['__proto__', 'constructor', 'f']);
    expect(ex['__proto__']).toBe(1);
    expect(ex['constructor']).toBe(2);
    expect(ex['f']).toBe(toJS(f));
    expect(({} as Record<string, unknown>)['__proto__']).toBe(Object.prototype);
  });

  it('b64 decodes what Buffer encodes', () => {
    for (let n = 0; n < 70; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255);
      const s = Buffer.from(bytes).toString('base64');
      expect(b64(s)).toEqual(bytes);
      expect(b64(s.replace(/=+$/, ''))).toEqual(bytes);
    }
    expect(() => b64('ab$d')).toThrow();
  });
});

describe('bulk helpers', () => {
  const setup = () => {
    const m = new Memory({ initial: 1 });
    m.u8.fill(1, 0, 16);
    return m;
  };

  it('memory.init bounds', () => {
    const m = setup();
    const seg = Uint8Array.of(9, 8, 7, 6);
    memoryInit(m, 65532, seg, 0, 4);
    expect([...m.u8.subarray(65532)]).toEqual([9, 8, 7, 6]);
    memoryInit(m, 65536, seg, 4, 0); // n = 0 at both ends
    expect(trapCode(() => memoryInit(m, 65537, seg, 0, 0))).toBe('out-of-bounds-memory');
    expect(trapCode(() => memoryInit(m, 0, seg, 5, 0))).toBe('out-of-bounds-memory');
    expect(trapCode(() => memoryInit(m, 0, seg, 1, 4))).toBe('out-of-bounds-memory');
    expect(trapCode(() => memoryInit(m, 65533, seg, 0, 4))).toBe('out-of-bounds-memory');
    expect(trapCode(() => memoryInit(m, -1, seg, 0, 1))).toBe('out-of-bounds-memory');
    expect(m.u8[65533]).toBe(8); // no partial write
  });

  it('memory.copy bounds and overlap', () => {
    const m = setup();
    m.u8.set([1, 2, 3, 4, 5], 100);
    memoryCopy(m, m, 101, 100, 4);
    expect([...m.u8.subarray(100, 105)]).toEqual([1, 1, 2, 3, 4]);
    memoryCopy(m, m, 100, 101, 4);
    expect([...m.u8.subarray(100, 105)]).toEqual([1, 2, 3, 4, 4]);
    memoryCopy(m, m, 65536, 65536, 0);
    expect(trapCode(() => memoryCopy(m, m, 65537, 0, 0))).toBe('out-of-bounds-memory');
    expect(trapCode(() => memoryCopy(m, m, 0, 65535, 2))).toBe('out-of-bounds-memory');
    expect(trapCode(() => memoryCopy(m, m, 65535, 0, 2))).toBe('out-of-bounds-memory');
    expect(trapCode(() => memoryCopy(m, m, 0, 0x80000000 | 0, 1))).toBe('out-of-bounds-memory');
    expect(trapCode(() => memoryCopy(m, m, 0, 0, -1))).toBe('out-of-bounds-memory');
    expect(m.u8[65535]).toBe(0);
    const other = new Memory({ initial: 1 });
    memoryCopy(other, m, 0, 100, 3);
    expect([...other.u8.subarray(0, 3)]).toEqual([1, 2, 3]);
  });

  it('memory.copy of every short length and overlap is memmove', () => {
    // Short copies take word copies where the ranges allow (runtime/bulk.ts
    // memoryCopy); each is checked against a copy through a temporary buffer,
    // in a window around it, near both ends of memory.
    const m = setup();
    const ref = new Uint8Array(m.u8.length);
    for (const s of [44, 45, 46, 47, 65536 - 52, 65536 - 41]) {
      const lo = s - 44;
      const hi = Math.min(65536, s + 88);
      for (let len = 0; len <= 40; len++) {
        for (let delta = -44; delta <= 44; delta++) {
          const d = s + delta;
          if (d + len > 65536 || s + len > 65536) continue;
          for (let j = lo; j < hi; j++) ref[j] = (j * 131 + len * 7 + delta) & 255;
          m.u8.set(ref.subarray(lo, hi), lo);
          memoryCopy(m, m, d, s, len);
          ref.set(ref.slice(s, s + len), d);
          expect(m.u8.subarray(lo, hi)).toEqual(ref.subarray(lo, hi));
        }
      }
    }
  });

  it('memory.fill bounds', () => {
    const m = setup();
    memoryFill(m, 65530, 0x1ff, 6);
    expect([...m.u8.subarray(65530)]).toEqual([255, 255, 255, 255, 255, 255]);
    memoryFill(m, 65536, 0, 0);
    expect(trapCode(() => memoryFill(m, 65537, 0, 0))).toBe('out-of-bounds-memory');
    expect(trapCode(() => memoryFill(m, 65535, 0, 2))).toBe('out-of-bounds-memory');
    expect(trapCode(() => memoryFill(m, -16, 0, 32))).toBe('out-of-bounds-memory');
    expect(m.u8[65535]).toBe(255);
  });

  it('table helpers', () => {
    const t = new Table({ element: 'externref', initial: 4 }, null);
    tableInit(t, 1, ['a', 'b', 'c'], 1, 2);
    expect(t.elements).toEqual([null, 'b', 'c', null]);
    tableInit(t, 4, [], 0, 0);
    expect(trapCode(() => tableInit(t, 5, [], 0, 0))).toBe('out-of-bounds-table');
    expect(trapCode(() => tableInit(t, 3, ['x', 'y'], 0, 2))).toBe('out-of-bounds-table');
    expect(trapCode(() => tableInit(t, 0, ['x'], 1, 1))).toBe('out-of-bounds-table');
    tableCopy(t, t, 2, 1, 2);
    expect(t.elements).toEqual([null, 'b', 'b', 'c']);
    tableCopy(t, t, 0, 1, 3);
    expect(t.elements).toEqual(['b', 'b', 'c', 'c']);
    expect(trapCode(() => tableCopy(t, t, 3, 0, 2))).toBe('out-of-bounds-table');
    expect(trapCode(() => tableCopy(t, t, 0, -1, 1))).toBe('out-of-bounds-table');
    tableFill(t, 1, 'z', 3);
    expect(t.elements).toEqual(['b', 'z', 'z', 'z']);
    tableFill(t, 4, 'q', 0);
    expect(trapCode(() => tableFill(t, 3, 'q', 2))).toBe('out-of-bounds-table');
    expect(t.elements[3]).toBe('z');
    expect(tableGet(t, 0)).toBe('b');
    expect(trapCode(() => tableGet(t, 4))).toBe('out-of-bounds-table');
    expect(trapCode(() => tableGet(t, -1))).toBe('out-of-bounds-table');
    tableSet(t, 3, null);
    expect(t.elements[3]).toBeNull();
    expect(trapCode(() => tableSet(t, 4, null))).toBe('out-of-bounds-table');
    expect(tableGrow(t, 'g', 2)).toBe(4);
    expect(t.elements.slice(4)).toEqual(['g', 'g']);
    expect(tableGrow(t, null, -1)).toBe(-1);
  });
});

describe('inline runtime bundle', () => {
  it('evaluates to an object exposing the runtime', async () => {
    const out = join(root, 'dist', 'runtime-inline.js');
    try {
      execFileSync(process.execPath, [join(root, 'scripts', 'bundle-runtime.mjs')], { cwd: root, stdio: 'pipe' });
    } catch (e) {
      if (!existsSync(out)) {
        console.warn(`skipping: cannot build ${out}: ${String(e)}`);
        return;
      }
    }
    const { runtimeSource } = await import('../compiler/emit/runtime-source.js');
    const src = runtimeSource();
    expect(src).not.toMatch(/\bglobalThis\b|\bwindow\b|\brequire\b/);
    const ns = new Function(`return ${src};`)() as typeof import('../runtime/index.js');
    const m = new ns.Memory({ initial: 1, maximum: 2 });
    expect(m.buffer.byteLength).toBe(65536);
    expect(m.growPages(1)).toBe(1);
    expect(typeof ns.Table).toBe('function');
    expect(typeof ns.Global).toBe('function');
    expect(typeof ns.trap).toBe('function');
    expect(typeof ns.i32_div_s).toBe('function');
    expect(ns.ABI_VERSION).toBe(5);
    // Objects of the inline copy are recognised by this copy (shared brands).
    expect(importMemory(m, 1, 2)).toBe(m);
    const f = new ns.Func('i32>i32', (x: number) => x, ns.rt);
    expect(fromJS(ns.toJS(f))).toBe(f);
    expect(importFunc(ns.toJS(f), 'i32>i32', rt)).toBe(f);
    expect(() => ns.trap('unreachable')).toThrow(ns.RuntimeError);
  });
});
