/**
 * Functions cache the memory's DataView in a local and re-read it only after
 * calls that may grow memory (compiler/lower/grows.ts): a grow reached
 * through a chain of direct calls, a `call_indirect` or an import must be
 * seen by the caller's next access, in every i64 form and with fuel.
 */
import { describe, it, expect } from 'vitest';
import { compile, decodeAndValidate, type CompileOptions } from '../compiler/index.js';
import { decodeModule } from '../compiler/decode/module.js';
import { memoryGrowers } from '../compiler/lower/grows.js';
import { tableContents } from '../compiler/lower/tables.js';
import { importCode } from './util/load.js';
import { wat } from './util/wat.js';

const MODULE = wat(String.raw`(module
  (import "env" "hostGrow" (func $hostGrow))
  (memory (export "memory") 1 8)
  (table 1 funcref)
  (elem (i32.const 0) $grow)
  (type $v (func))
  (func $grow (call $deeper))
  (func $deeper (drop (memory.grow (i32.const 1))))
  (func $pure (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
  ;; Each writes just past the current end after a call that grew memory, then reads it back.
  (func (export "direct") (result i32)
    (i32.store (i32.const 0) (call $pure (i32.const 5)))
    (call $grow)
    (i32.store (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4)) (i32.const 77))
    (i32.add (i32.load (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4))) (i32.load (i32.const 0))))
  (func (export "indirect") (result i32)
    (call_indirect (type $v) (i32.const 0))
    (i32.store (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4)) (i32.const 66))
    (i32.load (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4))))
  (func (export "host") (result i32)
    (call $hostGrow)
    (i32.store (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4)) (i32.const 55))
    (i32.load (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4))))
  (func (export "pureOnly") (param i32) (result i32)
    (i32.store (i32.const 8) (call $pure (local.get 0)))
    (i32.load (i32.const 8))))`);

const FORMS: [string, CompileOptions][] = [['auto', {}], ['pair', { i64: 'pair' }], ['bigint', { i64: 'bigint' }], ['fuel', { fuel: true }], ['flat', { flatDepth: 0 }], ['views', { tune: 'hermes' }]];

async function run(W: { instantiate: (imports: object) => { exports: any } }): Promise<unknown[]> {
  let mem: { grow(n: number): number } | null = null;
  const { exports } = W.instantiate({ env: { hostGrow: () => mem!.grow(1) } });
  mem = exports.memory;
  return [exports.direct(), exports.indirect(), exports.host(), exports.pureOnly(7), exports.memory.buffer.byteLength];
}

describe('calls that may grow memory', () => {
  it('the caller sees memory grown through direct calls, call_indirect and imports', async () => {
    const native = await run({ instantiate: (i) => new WebAssembly.Instance(new WebAssembly.Module(MODULE), i as WebAssembly.Imports) as any });
    for (const [name, opts] of FORMS) {
      const m = await importCode(compile(MODULE, opts).code);
      expect(await run(m), name).toEqual(native);
    }
  });

  it('re-reads the view only after calls that may grow memory', () => {
    const code = compile(MODULE, { pretty: true }).code;
    // Pretty output indents functions one level inside instantiate: each ends at a line "  }".
    const body = (name: string) => code.slice(code.indexOf(`function ${name}(`), code.indexOf('\n  }\n', code.indexOf(`function ${name}(`)));
    const refreshes = (name: string) => body(name).match(/^\s*dv = DV;/gm)?.length ?? 0; // not the `let dv = DV` at entry
    const exported = (n: number) => `f${n}`;
    // funcidx: 0 hostGrow (import), 1 grow, 2 deeper, 3 pure, 4 direct, 5 indirect, 6 host, 7 pureOnly.
    expect(refreshes(exported(4))).toBe(1); // after $grow, not after $pure
    expect(refreshes(exported(5))).toBe(1);
    expect(refreshes(exported(6))).toBe(1);
    expect(refreshes(exported(7))).toBe(0);
  });

  it('takes the calls and grows from validation, once, and refuses a module not validated', () => {
    const m = decodeAndValidate(MODULE);
    expect(m.calls).not.toBeNull();
    // funcidx as above: only $pure and pureOnly (which calls nothing but $pure) cannot grow memory.
    expect([...memoryGrowers(m, tableContents(m)).funcs]).toEqual([1, 1, 1, 0, 1, 1, 1, 0]);
    expect(m.calls).toBeNull();
    expect(() => memoryGrowers(m, tableContents(m))).toThrow(/not validated/);
    const raw = decodeModule(MODULE);
    expect(() => memoryGrowers(raw, tableContents(raw))).toThrow(/not validated/);
    // Without a memory nothing grows and nothing is kept (the run-time compile mode's heap per function).
    expect(decodeAndValidate(wat('(module (func $f (call $f)))')).calls).toBeNull();
  });
});

/**
 * `call_indirect` and sealed tables (grows.ts): when no table is imported,
 * exported or written by an instruction and the element segments name their
 * functions, a `call_indirect` may grow memory only when a function of its
 * type in those segments may.
 */
describe('call_indirect through sealed tables', () => {
  /** A module whose table holds a pure and a growing comparator, and a pure i32 -> i32 function; `extra` is added inside. */
  const tables = (extra: string, elem = '(elem (i32.const 0) $pure $growing $half)', head = '') => wat(String.raw`(module
    ${head}
    (memory (export "memory") 1 100)
    (table $t 4 funcref)
    ${elem}
    (type $cmp (func (param i32 i32) (result i32)))
    (type $un (func (param i32) (result i32)))
    (func $pure (type $cmp) (i32.sub (local.get 0) (local.get 1)))
    (func $growing (type $cmp) (drop (memory.grow (i32.const 30))) (i32.sub (local.get 1) (local.get 0)))
    (func $half (type $un) (i32.shr_s (local.get 0) (i32.const 1)))
    ;; Stores at 16, calls the comparator in slot i, then stores near the (new) end and reads both back.
    (func (export "compare") (param i32) (result i32)
      (local $r i32)
      (i32.store (i32.const 16) (i32.const 1234))
      (local.set $r (call_indirect (type $cmp) (i32.const 3) (i32.const 5) (local.get 0)))
      (i32.store (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4)) (local.get $r))
      (i32.store (i32.const 20) (i32.const 99))
      (i32.add (i32.load (i32.const 16)) (i32.add (i32.load (i32.const 20))
        (i32.load (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4))))))
    (func (export "unary") (param i32) (result i32)
      (i32.store (i32.const 24) (call_indirect (type $un) (i32.const 40) (local.get 0)))
      (i32.load (i32.const 24)))
    (func (export "growFn") (type $un) (drop (memory.grow (i32.const 30))) (local.get 0))
    ${extra})`);
  const refreshes = (code: string, name: string) => {
    const at = code.indexOf(`function ${name}(`);
    return code.slice(at, code.indexOf('\n  }\n', at)).match(/^\s*(\(?dv = DV|dv = DV)/gm)?.length ?? 0;
  };
  // funcidx: 0 $pure, 1 $growing, 2 $half, 3 compare, 4 unary, 5 growFn.
  const [compare, unary] = ['f3', 'f4'];

  it('re-reads the view after a call_indirect only when a function of its type in the table may grow memory', () => {
    const sealed = compile(tables(''), { pretty: true }).code;
    expect(sealed).toMatch(/function f3\(/);
    expect(refreshes(sealed, compare)).toBe(1); // $growing has the comparator type
    expect(refreshes(sealed, unary)).toBe(0); // only $half has the unary type, and it grows nothing
    for (const [why, extra, elem, head] of [
      ['table exported', '(export "t" (table $t))', undefined, undefined],
      ['table.set in a body', '(func (table.set $t (i32.const 3) (ref.func $half)))', undefined, undefined],
      ['an element given by global.get', '', '(elem (table $t) (i32.const 0) funcref (ref.func $pure) (ref.func $growing) (global.get $g))', '(global $g (import "env" "g") funcref)'],
    ] as [string, string, string | undefined, string | undefined][]) {
      const code = compile(tables(extra, elem, head), { pretty: true }).code;
      expect(refreshes(code, unary), why).toBe(1);
    }
    // Element expressions of ref.func alone keep the table sealed.
    const exprs = compile(tables('', '(elem (table $t) (i32.const 0) funcref (ref.func $pure) (ref.func $growing) (ref.func $half) (ref.null func))'), { pretty: true }).code;
    expect(refreshes(exprs, unary)).toBe(0);
    expect(refreshes(exprs, compare)).toBe(1);
  });

  it('the caller sees memory grown through the table, sealed or not, as native does', async () => {
    const cases: [string, Uint8Array, (x: any) => unknown[]][] = [
      ['sealed', tables(''), (x) => [x.compare(0), x.compare(1), x.unary(2), x.compare(0), x.memory.buffer.byteLength]],
      // The host puts an exported function of the unary type that grows memory into the exported table.
      ['exported table', tables('(export "t" (table $t))'), (x) => {
        x.t.set(2, x.growFn);
        return [x.compare(0), x.unary(2), x.compare(0), x.memory.buffer.byteLength];
      }],
      // table.set does the same from wasm.
      ['table.set', tables('(func (export "put") (table.set $t (i32.const 2) (ref.func 5)))'), (x) => {
        x.put();
        return [x.unary(2), x.unary(2), x.memory.buffer.byteLength];
      }],
    ];
    for (const [name, bytes, drive] of cases) {
      const native = drive(new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource)).exports);
      for (const [form, opts] of FORMS) {
        const m = (await importCode(compile(bytes, opts).code)) as { instantiate: () => { exports: any } };
        expect(drive(m.instantiate().exports), `${name}, ${form}`).toEqual(native);
      }
    }
  });
});

describe('call_indirect into a table of one signature', () => {
  const uniform = (extra: string) => wat(String.raw`(module
    (table $t 4 funcref)
    (elem (i32.const 0) $a $b)
    (type $cmp (func (param i32 i32) (result i32)))
    (type $un (func (param i32) (result i32)))
    (func $a (type $cmp) (i32.sub (local.get 0) (local.get 1)))
    (func $b (type $cmp) (i32.mul (local.get 0) (local.get 1)))
    (func (export "un") (type $un) (i32.add (local.get 0) (i32.const 1)))
    (func (export "callCmp") (param i32) (result i32) (call_indirect (type $cmp) (i32.const 7) (i32.const 3) (local.get 0)))
    (func (export "callUn") (param i32) (result i32) (call_indirect (type $un) (i32.const 7) (local.get 0)))
    ${extra})`);
  /** Each call's result, or the trap's message (Kiln's spell the spec's, as V8's do). */
  const outcomes = (x: any, slots: number[]) =>
    slots.flatMap((i) => ['callCmp', 'callUn'].map((f) => {
      try {
        return x[f](i);
      } catch (e) {
        return `trap: ${(e as Error).message}`;
      }
    }));

  it('skips the signature check only where every function the table may hold has the call\'s type, and traps as native', async () => {
    const sealed = uniform('');
    const code = compile(sealed, { pretty: true }).code;
    expect(code).toMatch(/!= null \? t\d+ : callIndirect\(E0, l0, "i32 i32>i32"\)/); // callCmp: no .sig check
    expect(code).toMatch(/\.sig === "i32>i32"/); // callUn keeps it
    const open = uniform('(export "t" (table $t))');
    expect(compile(open).code).toMatch(/\.sig==="i32 i32>i32"/);
    const slots = [0, 1, 2, 3, 4, -1];
    for (const [name, bytes, prepare] of [
      ['sealed', sealed, () => {}],
      ['exported table, a function of another type put in it', open, (x: any) => x.t.set(2, x.un)],
    ] as [string, Uint8Array, (x: any) => void][]) {
      const nx = new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource)).exports;
      prepare(nx);
      // V8's messages do not tell a null element from a signature mismatch: compared as "a trap".
      const anyTrap = (o: unknown) => (typeof o === 'string' ? 'trap' : o);
      const native = outcomes(nx, slots).map(anyTrap);
      for (const [form, opts] of FORMS) {
        const m = (await importCode(compile(bytes, opts).code)) as { instantiate: () => { exports: any } };
        const x = m.instantiate().exports;
        prepare(x);
        const kiln = outcomes(x, slots);
        expect(kiln.map(anyTrap), `${name}, ${form}`).toEqual(native);
        // Which trap (spec 4.4.8 call_indirect): slots 0 and 1 hold comparators, 2 and 3 null (or, exported, `un` in 2), 4 and -1 are past the end.
        const mismatch = 'trap: indirect call type mismatch', uninit = 'trap: uninitialized element', undef = 'trap: undefined element';
        const slot2 = name === 'sealed' ? [uninit, uninit] : [mismatch, 8];
        expect(kiln, `${name}, ${form}: traps`).toEqual([4, mismatch, 21, mismatch, ...slot2, uninit, uninit, undef, undef, undef, undef]);
      }
    }
  });
});

/**
 * Growth slack (runtime/memory.ts): a grow may leave the backing buffer longer
 * than the memory, yet the memory's bounds, `buffer` and the JS API's
 * detaching stay exact.
 */
describe('memory growth slack', () => {
  const SBRK = wat(String.raw`(module
    (memory (export "memory") 1 40)
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
    (func (export "size") (result i32) (memory.size))
    (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
    (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
    (func (export "fill") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2))))`);

  it('page-at-a-time growth: bounds, zeroed pages, contents, buffer length and detaching are exact', async () => {
    const native = (await WebAssembly.instantiate(SBRK)).instance.exports as any;
    const { exports: kiln } = (await importCode(compile(SBRK).code)).instantiate();
    for (const e of [native, kiln]) {
      const seen: number[] = [];
      let buf: ArrayBuffer = e.memory.buffer;
      for (let p = 1; p < 40; p++) {
        const end = p * 65536;
        expect(() => e.load(end - 2)).toThrow(/out of bounds/);
        expect(() => e.fill(end - 1, 1, 2)).toThrow(/out of bounds/);
        e.store(end - 4, p);
        if (p % 3 === 0) {
          // The host looks at memory between grows: an exact buffer, then detached by the next grow.
          buf = e.memory.buffer;
          expect(buf.byteLength).toBe(end);
          expect(new Int32Array(buf, end - 4, 1)[0]).toBe(p);
        }
        expect(e.grow(1)).toBe(p);
        // The JS API detaches the old buffer (Kiln: `transfer`, or `structuredClone` on Node 20); Node 20's own
        // WebAssembly does not, for a memory with a maximum.
        if (p % 3 === 0 && e === kiln) expect(buf.byteLength).toBe(0);
        expect(e.load(end)).toBe(0);
        seen.push(e.load(end - 4));
      }
      expect(e.grow(1)).toBe(-1);
      expect(e.size()).toBe(40);
      expect(e.memory.buffer.byteLength).toBe(40 * 65536);
      expect(e.memory.buffer).toBe(e.memory.buffer);
      expect(seen).toEqual(Array.from({ length: 39 }, (_, i) => i + 1));
      expect(() => e.load(40 * 65536 - 2)).toThrow(/out of bounds/);
    }
  });

  it('a grow detaches the buffer handed out even without ArrayBuffer.prototype.transfer (Node 20): a view cached as wasm-bindgen caches it is renewed, not written stale', async () => {
    // wasm-bindgen's glue keeps one view and renews it only when its byteLength is 0 (detached). Without
    // a detach it kept writing into the old buffer, and the module read zeros: @dimforge/rapier2d-compat
    // trapped on Node 20 (its convex hull read points the glue had written into the stale buffer).
    const saved = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'transfer');
    if (saved !== undefined) delete (ArrayBuffer.prototype as { transfer?: unknown }).transfer;
    try {
      expect('transfer' in ArrayBuffer.prototype).toBe(false);
      const { exports: e } = (await importCode(compile(SBRK).code)).instantiate();
      let cached: Int32Array | null = null;
      const view = () => (cached === null || cached.byteLength === 0 ? (cached = new Int32Array(e.memory.buffer)) : cached);
      const seen: number[] = [];
      for (let p = 1; p < 20; p++) {
        const last = p * 65536 - 4;
        view()[last / 4] = p * 7;
        seen.push(e.load(last));
        expect(e.grow(1)).toBe(p);
      }
      expect(seen).toEqual(Array.from({ length: 19 }, (_, i) => (i + 1) * 7));
    } finally {
      if (saved !== undefined) Object.defineProperty(ArrayBuffer.prototype, 'transfer', saved);
    }
  });

  it('grows, host reads and writes through `buffer`, and wasm fills, interleaved: memory stays as native', async () => {
    // A copy the runtime keeps for a later grow (the spare of runtime/memory.ts) holds stale bytes: each
    // step below leaves some in it (fills reaching the memory's end, host writes after a `buffer` read).
    const native = (await WebAssembly.instantiate(SBRK)).instance.exports as any;
    const { exports: kiln } = (await importCode(compile(SBRK).code)).instantiate();
    const digests: number[][] = [];
    const hash = (buffer: ArrayBuffer) => {
      const words = new Int32Array(buffer);
      let h = 0;
      for (let k = 0; k < words.length; k++) h = (Math.imul(h, 31) + words[k]!) | 0;
      return h;
    };
    for (const e of [native, kiln]) {
      let seed = 12345;
      const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
      const digest: number[] = [];
      for (let step = 0; step < 300; step++) {
        const size = e.size() * 65536;
        const op = rand(4);
        if (op === 0) e.grow(1 + rand(3)); // may fail at the maximum: -1, as natively
        else if (op === 1) {
          const start = rand(size);
          e.fill(start, 1 + rand(255), size - start); // up to the end of memory
        } else if (op === 2) {
          const bytes = new Uint8Array(e.memory.buffer);
          for (let k = 0; k < 8; k++) bytes[rand(size)] = 1 + rand(255);
        } else digest.push(e.size(), hash(e.memory.buffer));
      }
      digest.push(e.size(), hash(e.memory.buffer));
      digests.push(digest);
    }
    expect(digests[0]!.length).toBeGreaterThan(60);
    expect(digests[0]![digests[0]!.length - 2]).toBe(40); // it reached the maximum
    expect(digests[1]).toEqual(digests[0]);
  });
});

/**
 * Byte loads at the end of memory: each must trap exactly where wasm does,
 * see memory grown by a call, and sign- or zero-extend as wasm says, in every
 * i64 form, with fuel and in split functions. (Written for an experiment
 * reading bytes through typed-array views, test/bench/JOURNAL.md "Memory access: `DataView` or typed arrays"; kept.)
 */
describe('byte loads at the end of memory', () => {
  const BYTES = wat(String.raw`(module
    (memory (export "memory") 1 4)
    (data (i32.const 65530) "\01\7f\80\ff\fe\02")
    (func $grow (drop (memory.grow (i32.const 1))))
    (func (export "u") (param i32) (result i32) (i32.load8_u (local.get 0)))
    (func (export "s") (param i32) (result i32) (i32.load8_s (local.get 0)))
    (func (export "uOff") (param i32) (result i32) (i32.load8_u offset=65535 (local.get 0)))
    (func (export "u64") (param i32) (result i64) (i64.load8_u (local.get 0)))
    (func (export "s64") (param i32) (result i64) (i64.load8_s (local.get 0)))
    ;; i64 work in a loop, so that auto picks the BigInt form here.
    (func (export "sum64") (param i32 i32) (result i64) (local i64)
      (block (loop
        (br_if 1 (i32.eqz (local.get 1)))
        (local.set 2 (i64.add (i64.mul (local.get 2) (i64.const 31)) (i64.load8_s (local.get 0))))
        (local.set 0 (i32.add (local.get 0) (i32.const 1)))
        (local.set 1 (i32.sub (local.get 1) (i32.const 1)))
        (br 0)))
      (local.get 2))
    ;; Reads the first byte past the old end after a call that grew memory.
    (func (export "afterGrow") (result i32)
      (call $grow)
      (i32.store8 (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 1)) (i32.const 200))
      (i32.add (i32.load8_u (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 1)))
               (i32.load8_s (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 1))))))`);
  const CALLS: [string, unknown[]][] = [
    ['u', [65530]], ['u', [65535]], ['u', [65536]], ['u', [-1]], ['s', [65531]], ['s', [65532]], ['s', [65536]],
    ['uOff', [0]], ['uOff', [1]], ['uOff', [-65535]], ['u64', [65533]], ['u64', [65536]], ['s64', [65533]], ['s64', [65536]],
    ['sum64', [65530, 6]], ['sum64', [65530, 7]], ['afterGrow', []], ['u', [65536]], ['u', [2 * 65536 - 1]], ['afterGrow', []],
  ];
  async function results(W: { instantiate: (imports: object) => { exports: any } }): Promise<unknown[]> {
    const { exports } = W.instantiate({});
    return CALLS.map(([name, args]) => {
      try {
        return exports[name](...args);
      } catch (e) {
        return `trap: ${e instanceof WebAssembly.RuntimeError || (e as Error).name === 'RuntimeError'}`;
      }
    });
  }

  it('trap at the end of memory, extend as wasm does and see memory grown by a call', async () => {
    const native = await results({ instantiate: (i) => new WebAssembly.Instance(new WebAssembly.Module(BYTES), i as WebAssembly.Imports) as any });
    expect(native.filter((r) => r === 'trap: true').length).toBeGreaterThan(5);
    expect(native[CALLS.length - 1]).toBe(200 - 56); // the last afterGrow read what it wrote past the old end
    for (const [name, opts] of [...FORMS, ['split', { splitWeight: 10 }] as [string, CompileOptions]]) {
      const m = await importCode(compile(BYTES, opts).code);
      expect(await results(m), name).toEqual(native);
    }
  });
});
