/**
 * The binary decoder (compiler/decode/module.ts) and the name section reader
 * (compiler/decode/names.ts): every section and encoding, zero-copy views,
 * malformed inputs (always CompileError with an offset). The spec test
 * suite's binary modules and the real programs in ../shared:
 * decode-corpus.test.ts.
 */
import { leb, vec, section, HEADER } from './util/wasm-bytes.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeModule, referenceBodyError } from '../compiler/decode/module.js';
import { readNames } from '../compiler/decode/names.js';
import type { Module } from '../compiler/module.js';
import { EXTERNREF, F32, F64, FUNCREF, I32, I64, V128 } from '../compiler/types.js';
import { CompileError } from '../runtime/errors.js';

// --- A tiny binary emitter for encodings wabt does not produce -------------

type Bytes = number[];
const str = (s: string): Bytes => {
  const b = [...new TextEncoder().encode(s)];
  return [...leb(b.length), ...b];
};
const mod = (...sections: Bytes[]): Uint8Array => Uint8Array.from([...HEADER, ...sections.flat()]);

const END = 0x0b;
const i32Const = (n: number): Bytes => [0x41, ...leb(n), END]; // n < 64
const refFunc = (f: number): Bytes => [0xd2, ...leb(f), END];
const refNullFunc: Bytes = [0xd0, 0x70, END];
const typeSec = section(1, vec([[0x60, 0x00, 0x00]]));
const funcSec = (n: number) => section(3, vec(Array.from({ length: n }, () => [0x00])));
const emptyBody: Bytes = [0x02, 0x00, END];
const codeSec = (n: number) => section(10, vec(Array.from({ length: n }, () => emptyBody)));

/** The error `decodeModule(bytes)` throws; fails the test if none or not a CompileError. */
function decodeError(bytes: Uint8Array): CompileError {
  try {
    decodeModule(bytes);
  } catch (e) {
    if (!(e instanceof CompileError)) throw new Error(`expected CompileError, got ${String(e)}`, { cause: e });
    expect(e.offset).toBeGreaterThanOrEqual(0);
    expect(e.offset).toBeLessThanOrEqual(bytes.length);
    return e;
  }
  throw new Error('expected decodeModule to throw');
}

function slice(m: Module, r: { start: number; end: number }): number[] {
  return [...m.bytes.subarray(r.start, r.end)];
}

// --- wabt ------------------------------------------------------------------

type Wabt = Awaited<ReturnType<typeof import('wabt')>>;
let wabt: Wabt;
beforeAll(async () => {
  wabt = await (await import('wabt')).default();
});
function wat(text: string, names = false): Uint8Array {
  const m = wabt.parseWat('t.wat', text, { multi_value: true, bulk_memory: true, reference_types: true, simd: true });
  try {
    return m.toBinary({ write_debug_names: names }).buffer;
  } finally {
    m.destroy();
  }
}

const FULL = `(module $kiln
  (type $t0 (func (param i32 i64) (result f32)))
  (type $t1 (func (param v128 f64 externref funcref) (result i32 i64)))
  (import "env" "f" (func $imp (type $t0)))
  (import "env" "t" (table 2 10 funcref))
  (import "env" "m" (memory 1 2))
  (import "env" "g" (global $gi (mut i32)))
  (table $t2 3 externref)
  (memory 1)
  (global $g1 i32 (i32.const 42))
  (global $g2 (mut f64) (f64.const 1.5))
  (global $g3 v128 (v128.const i32x4 1 2 3 4))
  (func $a (param $x i32) (result i32) (local $y i64) (local $z f32) local.get $x)
  (func $b)
  (func $c (type $t1) i32.const 1 i64.const 2)
  (export "a" (func $a))
  (export "mem" (memory 0))
  (export "tab" (table $t2))
  (export "g1" (global $g1))
  (start $b)
  (elem (i32.const 0) func $a $b)
  (elem func $b)
  (elem declare func $a)
  (elem funcref (ref.func $a) (ref.null func))
  (data (i32.const 16) "hello")
  (data "passive")
)`;

describe('decodeModule: every section', () => {
  let input: Uint8Array;
  let m: Module;
  beforeAll(() => {
    input = wat(FULL, true);
    m = decodeModule(input);
  });

  it('keeps the input and decodes types', () => {
    expect(m.bytes).toBe(input);
    expect(m.types).toEqual([
      { params: [I32, I64], results: [F32] },
      { params: [V128, F64, EXTERNREF, FUNCREF], results: [I32, I64] },
      // wabt adds the types of $a and $b
      { params: [I32], results: [I32] },
      { params: [], results: [] },
    ]);
  });

  it('decodes imports of all four kinds, imports first in each index space', () => {
    expect(m.imports.map((i) => [i.module, i.name, i.kind])).toEqual([
      ['env', 'f', 'func'],
      ['env', 't', 'table'],
      ['env', 'm', 'memory'],
      ['env', 'g', 'global'],
    ]);
    expect(m.imports[0].typeIndex).toBe(0);
    expect(m.imports[1].table).toEqual({ limits: { min: 2, max: 10 }, elem: FUNCREF });
    expect(m.imports[2].memory).toEqual({ min: 1, max: 2 });
    expect(m.imports[3].global).toEqual({ type: I32, mutable: true });
    expect(m.imports[0].table).toBeNull();
    for (const imp of m.imports) expect(input[imp.offset]).toBe(3); // "env" length byte
    expect([m.numImportedFuncs, m.numImportedTables, m.numImportedMemories, m.numImportedGlobals]).toEqual([1, 1, 1, 1]);
  });

  it('decodes functions, tables, memories, globals', () => {
    expect([...m.funcTypes]).toEqual([0, 2, 3, 1]);
    expect(m.tables).toEqual([
      { limits: { min: 2, max: 10 }, elem: FUNCREF },
      { limits: { min: 3, max: undefined }, elem: EXTERNREF },
    ]);
    expect(m.memories).toEqual([{ min: 1, max: 2 }, { min: 1, max: undefined }]);
    expect(m.globalTypes).toEqual([
      { type: I32, mutable: true },
      { type: I32, mutable: false },
      { type: F64, mutable: true },
      { type: V128, mutable: false },
    ]);
    expect(m.globalInits.map((e) => slice(m, e))).toEqual([
      [0x41, 42, END],
      [0x44, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, END],
      [0xfd, 0x0c, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, END],
    ]);
  });

  it('decodes exports and start', () => {
    expect(m.exports.map((e) => [e.name, e.kind, e.index])).toEqual([
      ['a', 'func', 1],
      ['mem', 'memory', 0],
      ['tab', 'table', 1],
      ['g1', 'global', 1],
    ]);
    expect(m.start).toBe(2);
  });

  it('decodes element segments', () => {
    expect(m.elems.map((e) => [e.mode, e.table, e.type])).toEqual([
      ['active', 0, FUNCREF],
      ['passive', 0, FUNCREF],
      ['declarative', 0, FUNCREF],
      ['passive', 0, FUNCREF],
    ]);
    expect(slice(m, m.elems[0].offset!)).toEqual(i32Const(0));
    expect([...m.elems[0].funcs!]).toEqual([1, 2]);
    expect([...m.elems[1].funcs!]).toEqual([2]);
    expect([...m.elems[2].funcs!]).toEqual([1]);
    expect(m.elems[3].funcs).toBeNull();
    expect(m.elems[3].exprs!.map((e) => slice(m, e))).toEqual([refFunc(1), refNullFunc]);
  });

  it('decodes data segments as views into the input', () => {
    expect(m.datas.map((d) => [d.mode, d.memory, new TextDecoder().decode(d.bytes)])).toEqual([
      ['active', 0, 'hello'],
      ['passive', 0, 'passive'],
    ]);
    expect(slice(m, m.datas[0].offset!)).toEqual([0x41, 16, END]);
    expect(m.datas[1].offset).toBeNull();
    for (const d of m.datas) {
      expect(d.bytes.buffer).toBe(input.buffer);
      expect(d.bytes.byteOffset).toBeGreaterThan(d.offsetInBytes);
    }
    expect(m.dataCount).toBe(-1); // wabt emits no data count section here
  });

  it('records function bodies as offsets', () => {
    expect(m.bodyStart.length).toBe(3);
    expect(m.bodyEnd.length).toBe(3);
    const bodies = [...m.bodyStart].map((s, i) => [...input.subarray(s, m.bodyEnd[i])]);
    expect(bodies).toEqual([
      [2, 1, 0x7e, 1, 0x7d, 0x20, 0, END], // 2 local groups, local.get 0
      [0, END],
      [0, 0x41, 1, 0x42, 2, END],
    ]);
    expect(input[m.bodyStart[0] - 1]).toBe(8); // the body size
  });

  it('lists custom sections as ranges and reads the name section', () => {
    const names = m.customs.map((c) => c.name);
    expect(names).toContain('name');
    const n = readNames(m);
    expect(n.module).toBe('kiln');
    expect([...n.funcs]).toEqual([
      [0, 'imp'],
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ]);
    expect([...n.locals.get(1)!]).toEqual([
      [0, 'x'],
      [1, 'y'],
      [2, 'z'],
    ]);
    expect(readNames(m)).toBe(n); // cached
  });
});

describe('decodeModule: element and data encodings', () => {
  const body = codeSec(2);
  const tableSec = section(4, vec([[0x70, 0x00, 0x01]]));
  const memSec = section(5, vec([[0x00, 0x01]]));

  it('decodes all 8 element segment encodings', () => {
    const segs: Bytes[] = [
      [0x00, ...i32Const(1), ...vec([[0], [1]])],
      [0x01, 0x00, ...vec([[1]])],
      [0x02, ...leb(0), ...i32Const(2), 0x00, ...vec([[0]])],
      [0x03, 0x00, ...vec([[1], [0]])],
      [0x04, ...i32Const(3), ...vec([refFunc(0), refNullFunc])],
      [0x05, 0x6f, ...vec([[0xd0, 0x6f, END]])],
      [0x06, ...leb(0), ...i32Const(4), 0x70, ...vec([refFunc(1)])],
      [0x07, 0x70, ...vec([refFunc(0)])],
    ];
    const bytes = mod(typeSec, funcSec(2), tableSec, section(9, vec(segs)), body);
    const m = decodeModule(bytes);
    expect(m.elems.map((e) => [e.mode, e.table, e.type, e.funcs && [...e.funcs], e.exprs && e.exprs.map((x) => slice(m, x))])).toEqual([
      ['active', 0, FUNCREF, [0, 1], null],
      ['passive', 0, FUNCREF, [1], null],
      ['active', 0, FUNCREF, [0], null],
      ['declarative', 0, FUNCREF, [1, 0], null],
      ['active', 0, FUNCREF, null, [refFunc(0), refNullFunc]],
      ['passive', 0, EXTERNREF, null, [[0xd0, 0x6f, END]]],
      ['active', 0, FUNCREF, null, [refFunc(1)]],
      ['declarative', 0, FUNCREF, null, [refFunc(0)]],
    ]);
    expect(m.elems.map((e) => e.offset && slice(m, e.offset))).toEqual([i32Const(1), null, i32Const(2), null, i32Const(3), null, i32Const(4), null]);
    expect(m.elems.map((e) => bytes[e.offsetInBytes])).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('decodes a non-zero table index faithfully (validation is not its job)', () => {
    const m = decodeModule(mod(section(9, vec([[0x02, ...leb(300), ...i32Const(0), 0x00, ...vec([])]]))));
    expect(m.elems[0].table).toBe(300);
  });

  it('decodes all 3 data segment encodings, payloads as views', () => {
    const segs: Bytes[] = [
      [0x00, ...i32Const(8), ...str('abc')],
      [0x01, ...str('')],
      [0x02, ...leb(0), ...i32Const(9), ...str('xyz!')],
      [0x02, ...leb(7), ...i32Const(0), ...str('q')], // memory 7: invalid, but well-formed
    ];
    const bytes = mod(memSec, section(12, leb(4)), section(11, vec(segs)));
    const m = decodeModule(bytes);
    expect(m.datas.map((d) => [d.mode, d.memory, d.offset && slice(m, d.offset), [...d.bytes]])).toEqual([
      ['active', 0, i32Const(8), [0x61, 0x62, 0x63]],
      ['passive', 0, null, []],
      ['active', 0, i32Const(9), [0x78, 0x79, 0x7a, 0x21]],
      ['active', 7, i32Const(0), [0x71]],
    ]);
    for (const d of m.datas) expect(d.bytes.buffer).toBe(bytes.buffer);
    expect(m.dataCount).toBe(4);
  });

  it('works on a subarray input and on a Buffer', () => {
    const inner = mod(memSec, section(11, vec([[0x01, ...str('hi')]])));
    const outer = new Uint8Array(inner.length + 10);
    outer.set(inner, 5);
    const view = outer.subarray(5, 5 + inner.length);
    const m = decodeModule(view);
    expect(m.datas[0].bytes.buffer).toBe(outer.buffer);
    expect([...m.datas[0].bytes]).toEqual([0x68, 0x69]);
    expect(decodeModule(Buffer.from(inner)).datas[0].bytes.length).toBe(2);
  });

  it('decodes names byte for byte (non-ASCII, a leading U+FEFF kept)', () => {
    const m = decodeModule(mod(section(2, vec([[...str('\u{feff}m'), ...str('ü€𝄞'), 0x00, 0x00]])), section(0, [...str('\u{feff}'), 9])));
    expect([m.imports[0].module, m.imports[0].name]).toEqual(['\u{feff}m', 'ü€𝄞']);
    expect(m.customs[0].name).toBe('\u{feff}');
  });

  it('has dataCount -1 and start -1 when absent; empty module', () => {
    const m = decodeModule(mod());
    expect(m.dataCount).toBe(-1);
    expect(m.start).toBe(-1);
    expect(m.funcTypes.length).toBe(0);
    expect(m.bodyStart.length).toBe(0);
  });

  it('accepts custom sections anywhere, and the data count section between element and code', () => {
    const custom = section(0, [...str('c'), 1, 2, 3]);
    const m = decodeModule(mod(custom, typeSec, custom, funcSec(1), custom, section(12, leb(0)), custom, codeSec(1), custom, section(11, vec([])), custom));
    expect(m.customs.length).toBe(6);
    expect(slice(m, m.customs[0])).toEqual([1, 2, 3]);
  });

  it('reads constant expressions with nested blocks and multi-byte immediates', () => {
    const init = [0x02, 0x40, 0x0b, 0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f, 0x0b];
    const m = decodeModule(mod(section(6, vec([[0x7e, 0x00, ...init]]))));
    expect(slice(m, m.globalInits[0])).toEqual(init);
  });
});

describe('decodeModule: malformed input', () => {
  const valid = (): Uint8Array => wat(FULL, true);

  it('rejects a bad magic or version', () => {
    expect(decodeError(Uint8Array.from([0, 0x61, 0x73, 0x6e, 1, 0, 0, 0])).reason).toBe('magic header not detected');
    const e = decodeError(Uint8Array.from([0, 0x61, 0x73, 0x6d, 2, 0, 0, 0]));
    expect(e.reason).toBe('unknown binary version');
    expect(e.offset).toBe(4);
    expect(decodeError(new Uint8Array(0)).reason).toBe('unexpected end');
    expect(decodeError(Uint8Array.from([0, 0x61, 0x73, 0x6d, 1])).reason).toBe('unexpected end');
  });

  it('throws a CompileError for every truncation of a valid module', () => {
    const bytes = valid();
    // Section boundaries: a module cut there may well be complete.
    const boundaries = new Set<number>();
    for (let p = 8; p < bytes.length; ) {
      boundaries.add(p);
      let size = 0;
      let shift = 0;
      for (p++; bytes[p] & 0x80; p++, shift += 7) size |= (bytes[p] & 0x7f) << shift;
      size |= bytes[p++] << shift;
      p += size;
    }
    for (let n = 0; n < bytes.length; n++) {
      if (boundaries.has(n)) continue;
      const e = decodeError(bytes.slice(0, n));
      expect(e.reason).toMatch(/^(unexpected end|length out of bounds|section size mismatch|function and code|data count and data)/);
    }
  });

  it('never throws anything but CompileError on corrupted bytes', () => {
    const bytes = valid();
    let seed = 12345;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) / (1 << 24);
    for (let t = 0; t < 3000; t++) {
      const b = bytes.slice();
      const flips = 1 + Math.floor(rand() * 3);
      for (let k = 0; k < flips; k++) b[8 + Math.floor(rand() * (b.length - 8))] = Math.floor(rand() * 256);
      try {
        decodeModule(b);
      } catch (e) {
        if (!(e instanceof CompileError)) throw e;
      }
    }
  });

  it('fails fast on a huge vector count in a tiny file', () => {
    const t0 = performance.now();
    for (const id of [1, 2, 3, 4, 5, 6, 7, 9, 10, 11]) {
      const e = decodeError(mod(section(id, [0xff, 0xff, 0xff, 0xff, 0x0f])));
      expect(e.reason).toBe('length out of bounds');
      expect(e.offset).toBe(10);
    }
    const e = decodeError(mod(section(1, [0x08, ...Array(7).fill(0x60)])));
    expect(e.reason).toBe('unexpected end of section or function');
    // Inside an element, a function type, an expression vector:
    decodeError(mod(section(9, [0x01, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x0f])));
    decodeError(mod(section(1, [0x01, 0x60, 0xff, 0xff, 0xff, 0xff, 0x0f])));
    decodeError(mod(section(9, [0x01, 0x05, 0x70, 0xff, 0xff, 0xff, 0xff, 0x0f])));
    expect(performance.now() - t0).toBeLessThan(200);
  });

  it('rejects out-of-order, duplicate and unknown sections', () => {
    let e = decodeError(mod(funcSec(0), typeSec));
    expect(e.reason).toBe('unexpected content after last section');
    expect(e.offset).toBe(8 + 3);
    expect(decodeError(mod(typeSec, typeSec)).reason).toBe('unexpected content after last section');
    expect(decodeError(mod(codeSec(0), section(12, [0]))).reason).toBe('unexpected content after last section');
    expect(decodeError(mod(section(11, [0]), codeSec(0))).reason).toBe('unexpected content after last section');
    e = decodeError(mod(section(14, [])));
    expect(e.reason).toBe('malformed section id');
    expect(e.offset).toBe(8);
  });

  it('checks section and body sizes', () => {
    expect(decodeError(mod([1, 5, 1, 0x60, 0, 0])).reason).toBe('section size mismatch'); // declares 5, has 4
    expect(decodeError(mod([1, 3, 1, 0x60, 0, 0])).reason).toBe('section size mismatch'); // declares 3, has 4
    expect(decodeError(mod([1, 9, 1, 0x60, 0, 0])).reason).toBe('length out of bounds');
    expect(decodeError(mod(typeSec, funcSec(1), [10, 4, 1, 9, 0, END])).reason).toBe('length out of bounds'); // body past the input
    // A body extending past its code section:
    expect(decodeError(mod(typeSec, funcSec(1), [10, 3, 1, 2, 0, END], section(0, str('x')))).reason).toBe('section size mismatch');
    expect(decodeError(mod(section(0, [3, 0x61]), [0x61, 0x61])).reason).toBe('unexpected end of section or function'); // name past the section
  });

  it('reports a malformed body before what its excess bytes break afterwards, as the reference does', () => {
    // Body size 4 ends inside an over-long LEB128; its rest reads as a section id 0x80.
    const bytes = mod(typeSec, funcSec(1), [10, 6, 1, 4, 0x00, 0x41, 0x80, 0x80], [0x80, 0x80, 0x80, 0x00, END]);
    const e = decodeError(bytes);
    expect([e.reason, e.funcIndex]).toEqual(['integer representation too long', 0]);
    // A body whose final `end` is where its size says decodes (referenceBodyError finds nothing).
    const m = decodeModule(mod(typeSec, funcSec(1), codeSec(1)));
    expect(referenceBodyError(m.bytes, m.bodyStart[0], m.bodyEnd[0], 0)).toBeNull();
  });

  it('checks function/code and data count/data agreement', () => {
    expect(decodeError(mod(typeSec, funcSec(2), codeSec(1))).reason).toBe('function and code section have inconsistent lengths');
    expect(decodeError(mod(typeSec, funcSec(1))).reason).toBe('function and code section have inconsistent lengths');
    expect(decodeError(mod(codeSec(1))).reason).toBe('function and code section have inconsistent lengths');
    expect(decodeError(mod(section(12, [1]))).reason).toBe('data count and data section have inconsistent lengths');
    expect(decodeError(mod(section(12, [0]), section(11, vec([[1, 0]])))).reason).toBe('data count and data section have inconsistent lengths');
  });

  it('checks the fixed bytes and flags of each encoding', () => {
    const cases: [Uint8Array, string, number][] = [
      [mod(section(1, [1, 0x61, 0, 0])), 'malformed function type', 11],
      [mod(section(1, [1, 0x60, 1, 0x55, 0])), 'malformed value type', 13],
      [mod(section(2, [1, ...str('a'), ...str('b'), 5])), 'malformed import kind', 15],
      [mod(section(2, [1, ...str('a'), ...str('b'), 3, 0x7f, 2])), 'malformed mutability', 17],
      [mod(section(6, [1, 0x7f, 0x02, ...i32Const(0)])), 'malformed mutability', 12],
      [mod(section(7, [1, ...str('a'), 5, 0])), 'malformed export kind', 13],
      [mod(section(4, [1, 0x7f, 0, 0])), 'malformed reference type', 11],
      [mod(section(4, [1, 0x70, 0x08, 0])), 'integer too large', 12],
      [mod(section(5, [1, 0x81, 0x00, 0])), 'integer representation too long', 11],
      [mod(section(9, [1, 0x08])), 'malformed elements segment kind', 11],
      [mod(section(9, [1, 0x01, 0x01, 0])), 'malformed element kind', 12],
      [mod(section(11, [1, 0x03])), 'malformed data segment kind', 11],
      [mod(section(2, [1, 2, 0xc3, 0x28, ...str('b'), 0, 0])), 'malformed UTF-8 encoding', 12],
      [mod(section(0, [2, 0xff, 0xfe])), 'malformed UTF-8 encoding', 11],
      [mod(section(6, [1, 0x7f, 0x00, 0x41, 0x00, 0x05, END])), 'END opcode expected', 15],
      [mod(section(6, [1, 0x7f, 0x00, 0x27, END])), 'illegal opcode', 13],
    ];
    for (const [bytes, message, offset] of cases) {
      const e = decodeError(bytes);
      expect([e.reason.slice(0, message.length), e.offset]).toEqual([message, offset]);
    }
  });

  it('names features beyond Wasm 2.0', () => {
    const cases: [Uint8Array, RegExp][] = [
      [mod(section(13, [1, 1, 0])), /^malformed tag attribute/],
      [mod(section(1, [1, 0x60, 1, 0x69, 0])), /exception handling \(exnref\)/],
      [mod(section(1, [1, 0x5f, 0])), /garbage collection \(struct type\)/],
      [mod(section(1, [1, 0x5e, 0x7f, 0])), /garbage collection \(array type\)/],
      [mod(section(1, [1, 0x4e, 0])), /garbage collection/],
      [mod(section(1, [1, 0x50, 0])), /garbage collection/],
      [mod(section(1, [1, 0x60, 1, 0x64, 0x70, 0])), /typed function references/],
      [mod(section(1, [1, 0x60, 1, 0x63, 0x70, 0])), /typed function references/],
      [mod(section(6, [1, 0x6e, 0, 0xd0, 0x6e, END])), /garbage collection/],
      [mod(section(4, [1, 0x40, 0x00, 0x64, 0x70, 0, 1, 0xd2, 0, END])), /typed function references/],
      [mod(section(5, [1, 0x04, 1])), /^integer too large: memory64 is not supported/],
      [mod(section(5, [1, 0x05, 1, 2])), /memory64 is not supported/],
      [mod(section(5, [1, 0x03, 1, 2])), /^integer too large: shared memory \(threads\) is not supported/],
      [mod(section(5, [1, 0x02, 1])), /shared memory/],
      [mod(section(4, [1, 0x70, 0x04, 1])), /table64/],
    ];
    for (const [bytes, re] of cases) expect(decodeError(bytes).reason).toMatch(re);
  });
});

describe('readNames', () => {
  const nameSec = (content: Bytes) => section(0, [...str('name'), ...content]);
  const sub = (id: number, content: Bytes): Bytes => [id, ...leb(content.length), ...content];

  it('returns empty maps without a name section', () => {
    const n = readNames(decodeModule(mod()));
    expect(n.module).toBeUndefined();
    expect(n.funcs.size).toBe(0);
    expect(n.locals.size).toBe(0);
  });

  it('reads subsections 0, 1, 2 and skips others', () => {
    const m = decodeModule(
      mod(
        nameSec([
          ...sub(0, str('m')),
          ...sub(1, vec([[0, ...str('f0')], [5, ...str('f5')]])),
          ...sub(9, [1, 2, 3]),
          ...sub(2, vec([[5, ...vec([[0, ...str('p')], [3, ...str('ü')]])]])),
        ]),
      ),
    );
    const n = readNames(m);
    expect(n.module).toBe('m');
    expect([...n.funcs]).toEqual([
      [0, 'f0'],
      [5, 'f5'],
    ]);
    expect([...n.locals.get(5)!]).toEqual([
      [0, 'p'],
      [3, 'ü'],
    ]);
  });

  it('returns what was parsed from a malformed name section, never throws', () => {
    const good = sub(1, vec([[0, ...str('f0')], [1, ...str('f1')]]));
    const cases: Bytes[] = [
      [...good, 2, 0x10, 1], // subsection size past the end
      [...good, ...sub(2, [5, 0, 1])], // truncated local map
      [...good, ...sub(2, vec([[0, ...vec([[0, 2, 0xff, 0xfe]])]]))], // bad UTF-8
      [...good, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff], // bad LEB
      [...sub(1, [3, 0, ...str('f0'), 1, ...str('f1'), 2, 9])], // last entry truncated
    ];
    for (const c of cases) {
      const n = readNames(decodeModule(mod(nameSec(c))));
      expect([...n.funcs]).toEqual([
        [0, 'f0'],
        [1, 'f1'],
      ]);
    }
  });
});
