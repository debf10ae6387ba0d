/**
 * Fuel metering (issue #4, README "Running untrusted plugins"): exact
 * consumption against the cost table, out-of-fuel traps and refills,
 * determinism, termination of infinite loops and recursion, and nothing
 * emitted without the `fuel` option.
 */
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as acorn from 'acorn';
import { compile, RuntimeError, Memory, type CompileOptions } from '../compiler/index.js';
import { DEFAULT_FUEL_COSTS, FUEL_CHUNK as COMPILER_CHUNK, type FuelCosts } from '../compiler/lower/fuel.js';
import { FUEL_CHUNK as RUNTIME_CHUNK } from '../runtime/fuel.js';
import { importCode, ROOT } from './util/load.js';

const wabt = await (await import('wabt')).default();
const features = { multi_value: true, bulk_memory: true, reference_types: true, sign_extension: true, sat_float_to_int: true };
function wat(text: string): Uint8Array {
  return wabt.parseWat('t.wat', text, features).toBinary({}).buffer;
}

/** Compiles `text` with fuel metering (plus `opts`) and instantiates it. */
async function load(text: string, instOpts: Record<string, unknown> = { fuel: 1e12 }, opts: CompileOptions = {}, imports: object = {}): Promise<any> {
  const mod = await importCode(compile(wat(text), { fuel: true, ...opts }).code);
  return mod.instantiate(imports, instOpts);
}

/** Fuel consumed by `f()` on instance `inst`. */
function used(inst: any, f: () => unknown): number {
  const before = inst.getFuel();
  f();
  return before - inst.getFuel();
}

const C: FuelCosts = DEFAULT_FUEL_COSTS;
/** Every region charged on its own (no folding of small regions). */
const EXACT: CompileOptions = { fuelCosts: { foldUpTo: 0, loopFoldUpTo: 0 } };

function trapCode(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(RuntimeError);
    return (e as RuntimeError).code;
  }
  return undefined;
}

const BASIC = `(module
  (memory (export "memory") 1 4)
  (global $count (export "count") (mut i32) (i32.const 0))
  (func (export "add") (result i32) (i32.add (i32.const 1) (i32.const 2)))
  (func (export "countdown") (param i32)
    (loop $l (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1))))))
  (func (export "sel") (param i32) (result i32)
    (if (result i32) (local.get 0) (then (i32.const 1)) (else (i32.const 2) (i32.const 3) (i32.add))))
  (func $leaf (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
  (func (export "caller") (param i32) (result i32) (call $leaf (local.get 0)))
  (func (export "skip") (param i32) (result i32)
    (block $b (br_if $b (local.get 0)) (drop (i32.const 5)))
    (i32.const 7))
  (func (export "mem") (param i32) (i32.store (local.get 0) (i32.load (local.get 0))))
  (func (export "fill") (param i32 i32) (memory.fill (local.get 0) (i32.const 0) (local.get 1)))
  (func (export "fill1000") (memory.fill (i32.const 0) (i32.const 0) (i32.const 1000)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "spin") (loop $l (global.set $count (i32.add (global.get $count) (i32.const 1))) (br $l)))
  (func $rec (export "rec") (param i32) (result i32) (call $rec (i32.add (local.get 0) (i32.const 1))))
  (func (export "spinLeaf") (param i32) (loop $l (local.set 0 (i32.add (local.get 0) (i32.const 1))) (br $l)))
  (func (export "spinCall") (loop $l (drop (call $leaf (i32.const 1))) (br $l)))
  (func (export "oob") (param i32) (loop $l (drop (i32.load (local.get 0))) (local.set 0 (i32.add (local.get 0) (i32.const 4096))) (br $l)))
)`;

describe('fuel: consumption follows the cost table exactly', () => {
  it('straight-line function: the sum of its instructions', async () => {
    const inst = await load(BASIC);
    expect(used(inst, () => expect(inst.exports.add()).toBe(3))).toBe(3 * C.simple + C.control);
  });

  it('a loop is charged on every iteration', async () => {
    const inst = await load(BASIC);
    const entry = C.control + C.control; // loop, end (function)
    const iter = C.var + C.simple + C.simple + C.var + C.control + C.control; // local.get, const, sub, tee, br_if, end
    for (const n of [1, 2, 10, 1000]) expect(used(inst, () => inst.exports.countdown(n))).toBe(entry + n * iter);
  });

  it('each if arm is its own region', async () => {
    const inst = await load(BASIC, undefined, EXACT);
    const entry = C.var + C.control + C.control; // local.get, if, end
    expect(used(inst, () => expect(inst.exports.sel(1)).toBe(1))).toBe(entry + C.simple + C.control); // const, else
    expect(used(inst, () => expect(inst.exports.sel(0)).toBe(5))).toBe(entry + 3 * C.simple + C.control); // 2 const, add, end
  });

  it('calls: the caller pays the call, the callee its body', async () => {
    const inst = await load(BASIC);
    const callee = C.var + C.simple + C.simple + C.control;
    expect(used(inst, () => expect(inst.exports.caller(21)).toBe(42))).toBe(C.var + C.call + C.control + callee);
  });

  it('a direct call prepays the callee\'s first region with the caller\'s; other entries charge it on the way in', async () => {
    const text = `(module
      (type $t (func (param i32) (result i32)))
      (table 1 funcref)
      (elem (i32.const 0) $leaf)
      (func $leaf (export "leaf") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
      (func (export "caller") (param i32) (result i32) (call $leaf (local.get 0)))
      (func (export "viaTable") (param i32) (result i32) (call_indirect (type $t) (local.get 0) (i32.const 0))))`;
    const inst = await load(text);
    const callee = C.var + 2 * C.simple + C.control;
    const caller = C.var + C.call + C.control;
    expect(used(inst, () => expect(inst.exports.leaf(4)).toBe(8))).toBe(callee);
    expect(used(inst, () => expect(inst.exports.caller(4)).toBe(8))).toBe(caller + callee);
    const viaTable = C.var + C.simple + C.call + C.control; // the callee charges its body on entry through the table
    expect(used(inst, () => expect(inst.exports.viaTable(4)).toBe(8))).toBe(viaTable + callee);
    // One charge for caller and callee: a budget one short of both stops before either runs.
    const short = await load(text, { fuel: caller + callee - 1 });
    expect(trapCode(() => short.exports.caller(4))).toBe('out-of-fuel');
    expect(short.getFuel()).toBe(caller + callee - 1);
    // The callee has no charge of its own left.
    const code = compile(wat(text), { fuel: true, pretty: true }).code;
    const leafBody = code.slice(code.indexOf('function $leaf('), code.indexOf('function', code.indexOf('function $leaf(') + 1));
    expect(leafBody).not.toMatch(/fuel/);
  });

  it('an interpreter loop charges once per dispatch: handlers branching back are charged at the header (loopFoldUpTo)', async () => {
    const text = `(module
      (func (export "disp") (param $n i32) (result i32) (local $acc i32)
        (block $exit
          (loop $top
            (br_if $exit (i32.eqz (local.get $n)))
            (local.set $n (i32.sub (local.get $n) (i32.const 1)))
            (block $odd
              (block $even
                (br_table $even $odd (i32.and (local.get $n) (i32.const 1))))
              (local.set $acc (i32.add (local.get $acc) (i32.const 2)))
              (br $top))
            (local.set $acc (i32.add (local.get $acc) (i32.add (i32.const 1) (i32.const 2))))
            (br $top)))
        (local.get $acc)))`;
    const entry = 3 * C.control; // block, loop, end of $exit
    const head = 4 * C.var + 5 * C.simple + 4 * C.control; // br_if, two blocks, br_table
    const even = 2 * C.var + 2 * C.simple + C.control;
    const odd = 2 * C.var + 4 * C.simple + C.control;
    const exit = C.var + C.control;
    const expected = (n: number) => {
      let acc = 0;
      for (let k = n - 1; k >= 0; k--) acc += k & 1 ? 3 : 2;
      return acc;
    };
    const folded = await load(text, undefined, { fuelCosts: { foldUpTo: 0 } });
    const exact = await load(text, undefined, EXACT);
    for (const n of [0, 1, 5, 100]) {
      // Every iteration, the last one (which exits) included, pays the head and the costlier handler.
      expect(used(folded, () => expect(folded.exports.disp(n)).toBe(expected(n)))).toBe(entry + (n + 1) * (head + odd) + exit);
      const odds = Math.floor(n / 2);
      expect(used(exact, () => exact.exports.disp(n))).toBe(entry + (n + 1) * head + (n - odds) * even + odds * odd + exit);
    }
    // The charges are the entry, then one per iteration: the fourth one fails here.
    const budget = entry + 2 * (head + odd) + 10;
    const short = await load(text, { fuel: budget }, { fuelCosts: { foldUpTo: 0 } });
    expect(trapCode(() => short.exports.disp(5))).toBe('out-of-fuel');
    expect(short.getFuel()).toBe(10);
  });

  it('a region falling into a back region is charged at the header with it (a back path)', async () => {
    const text = `(module
      (func (export "chain") (param $n i32) (result i32) (local $acc i32)
        (block $exit
          (loop $top
            (br_if $exit (i32.eqz (local.get $n)))
            (local.set $n (i32.sub (local.get $n) (i32.const 1)))
            (block $tail
              (block $even
                (br_table $even $tail (i32.and (local.get $n) (i32.const 1))))
              (local.set $acc (i32.add (local.get $acc) (i32.const 10))))
            (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
            (br $top)))
        (local.get $acc)))`;
    const entry = 3 * C.control;
    const head = 4 * C.var + 5 * C.simple + 4 * C.control;
    const even = 2 * C.var + 2 * C.simple + C.control; // falls into the tail (the end of $tail is its)
    const tail = 2 * C.var + 2 * C.simple + C.control;
    const exit = C.var + C.control;
    const folded = await load(text, undefined, { fuelCosts: { foldUpTo: 0 } });
    const exact = await load(text, undefined, EXACT);
    for (const n of [0, 1, 6, 99]) {
      const evens = Math.ceil(n / 2);
      expect(used(folded, () => expect(folded.exports.chain(n)).toBe(evens * 11 + (n - evens)))).toBe(entry + (n + 1) * (head + even + tail) + exit);
      expect(used(exact, () => exact.exports.chain(n))).toBe(entry + (n + 1) * head + evens * even + n * tail + exit);
    }
  });

  it('code skipped by a branch within a region is paid for up front; the code after a branch target is its own region', async () => {
    const inst = await load(BASIC);
    const all = C.control + C.var + C.control + C.simple + C.simple + C.control + C.simple + C.control;
    expect(used(inst, () => inst.exports.skip(1))).toBe(all);
    expect(used(inst, () => inst.exports.skip(0))).toBe(all);
    const j = await load(
      `(module
      (func (export "joins") (param i32) (result i32)
        (block $outer
          (block $inner
            (br_if $inner (i32.eqz (local.get 0)))
            (br_if $outer (i32.eq (local.get 0) (i32.const 1)))
            (drop (i32.const 100)))
          (drop (i32.const 1)) (drop (i32.const 2)))
        (i32.const 7))
      (func (export "ends") (param i32) (result i32)
        (block $a (block $b (br_if $b (local.get 0)) (br_if $a (local.get 0))))
        (i32.const 7)))`,
      undefined,
      EXACT,
    );
    const entry = 5 * C.control + 2 * C.var + 5 * C.simple; // up to the end of $inner
    const afterInner = 4 * C.simple + C.control;
    const afterOuter = C.simple + C.control;
    expect(used(j, () => j.exports.joins(0))).toBe(entry + afterInner + afterOuter);
    expect(used(j, () => j.exports.joins(1))).toBe(entry + afterOuter); // skips the region after $inner
    expect(used(j, () => j.exports.joins(2))).toBe(entry + afterInner + afterOuter);
    // A region holding only the end of $a costs the same on both paths.
    for (const p of [0, 1]) expect(used(j, () => j.exports.ends(p))).toBe(5 * C.control + 2 * C.var + C.control + C.simple + C.control);
  });

  it('small regions (foldUpTo, default 8) are charged with the region before them', async () => {
    const text = `(module
      (func (export "sel") (param i32) (result i32)
        (if (result i32) (local.get 0) (then (i32.const 1)) (else (i32.const 2) (i32.const 3) (i32.add))))
      (func (export "big") (param i32) (result i32)
        (if (result i32) (local.get 0)
          (then (i32.const 1))
          (else (i32.add (i32.add (i32.add (i32.const 1) (i32.const 2)) (i32.add (i32.const 3) (i32.const 4))) (i32.const 5)))))
      (func (export "joins") (param i32) (result i32)
        (block $outer
          (block $inner
            (br_if $inner (i32.eqz (local.get 0)))
            (br_if $outer (i32.eq (local.get 0) (i32.const 1))))
          (drop (i32.const 1)) (drop (i32.const 2)))
        (i32.const 7)))`;
    const folded = await load(text);
    const exact = await load(text, undefined, EXACT);
    // sel: both arms (2 and 4) fold into the function's region: every path pays both.
    const sel = C.var + 2 * C.control + (C.simple + C.control) + (3 * C.simple + C.control);
    expect(used(folded, () => folded.exports.sel(0))).toBe(sel);
    expect(used(folded, () => folded.exports.sel(1))).toBe(sel);
    expect(used(exact, () => exact.exports.sel(1))).toBe(C.var + 2 * C.control + C.simple + C.control);
    // big: the else arm (10) is above the threshold and stays a region; the then arm (2) folds.
    const bigBase = C.var + 2 * C.control + C.simple + C.control;
    expect(used(folded, () => folded.exports.big(1))).toBe(bigBase);
    expect(used(folded, () => folded.exports.big(0))).toBe(bigBase + 9 * C.simple + C.control);
    // joins: the regions after $inner (5) and $outer (2) fold into the entry region.
    const all = 5 * C.control + 2 * C.var + 3 * C.simple + (4 * C.simple + C.control) + (C.simple + C.control);
    for (const p of [0, 1, 2]) expect(used(folded, () => folded.exports.joins(p))).toBe(all);
    expect(used(exact, () => exact.exports.joins(1))).toBe(all - (4 * C.simple + C.control));
    // One charge per function, two for big.
    const code = compile(wat(text), { fuel: true, runtime: 'import' }).code;
    expect(code.match(/fuel -= /g)!.length).toBe(1 + 1 + 2 + 1); // chargeFuel's own, then sel, big, joins
  });

  it('loads and stores', async () => {
    const inst = await load(BASIC);
    expect(used(inst, () => inst.exports.mem(8))).toBe(2 * C.var + C.load + C.store + C.control);
  });

  it('bulk memory: the base cost plus 1 per 64 bytes (constant or not)', async () => {
    const inst = await load(BASIC);
    const base = 2 * C.var + C.simple + C.memory + C.control;
    for (const n of [0, 63, 64, 65, 6400, 65536]) expect(used(inst, () => inst.exports.fill(0, n))).toBe(base + Math.floor(n / 64));
    expect(used(inst, () => inst.exports.fill1000())).toBe(3 * C.simple + C.memory + C.control + Math.floor(1000 / 64));
    // An out-of-bounds fill traps after its charge.
    expect(used(inst, () => expect(trapCode(() => inst.exports.fill(65000, 1000))).toBe('out-of-bounds-memory'))).toBe(base + Math.floor(1000 / 64));
  });

  it('memory.grow: 1 per 64 bytes of new pages when it succeeds, only its base cost when refused', async () => {
    const inst = await load(BASIC);
    const base = C.var + C.memory + C.control;
    expect(used(inst, () => expect(inst.exports.grow(2)).toBe(1))).toBe(base + 2 * 1024);
    expect(used(inst, () => expect(inst.exports.grow(2)).toBe(-1))).toBe(base);
    expect(used(inst, () => expect(inst.exports.grow(0)).toBe(3))).toBe(base);
  });

  it('memory.grow of an imported memory: charged when it succeeds, within the instance page limit', async () => {
    const memory = new Memory({ initial: 1, maximum: 10 });
    const inst = await load(
      `(module (import "env" "memory" (memory 1)) (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))`,
      { fuel: 1e6, maxMemoryPages: 3 },
      {},
      { env: { memory } },
    );
    const base = C.var + C.memory + C.control;
    expect(used(inst, () => expect(inst.exports.grow(3)).toBe(-1))).toBe(base);
    expect(used(inst, () => expect(inst.exports.grow(2)).toBe(1))).toBe(base + 2 * 1024);
    expect(used(inst, () => expect(inst.exports.grow(1)).toBe(-1))).toBe(base);
    expect(memory.buffer.byteLength).toBe(3 * 65536);
  });

  it('fuelCosts overrides the table; loops and function bodies cost at least 1', async () => {
    const costs = { control: 0, simple: 0, var: 0, load: 0, store: 0, call: 0, memory: 0, table: 0, simd: 0, bytesPerFuel: 0, elementsPerFuel: 0 };
    const inst = await load(BASIC, undefined, { fuelCosts: costs });
    expect(used(inst, () => inst.exports.add())).toBe(1);
    expect(used(inst, () => inst.exports.countdown(10))).toBe(1 + 10);
    expect(used(inst, () => inst.exports.fill(0, 6400))).toBe(1);
    const inst2 = await load(BASIC, undefined, { fuelCosts: { simple: 10, control: 3, bytesPerFuel: 100 } });
    expect(used(inst2, () => inst2.exports.add())).toBe(33);
    expect(used(inst2, () => inst2.exports.fill(0, 650))).toBe(2 * C.var + 10 + C.memory + 3 + 6);
    expect(() => compile(wat(BASIC), { fuel: true, fuelCosts: { nope: 1 } as never })).toThrow(/unknown key "nope"/);
    expect(() => compile(wat(BASIC), { fuel: true, fuelCosts: { simple: -1 } })).toThrow(TypeError);
    expect(() => compile(wat(BASIC), { fuel: true, fuelCosts: { simple: 1.5 } })).toThrow(TypeError);
  });

  it('tables: table.grow, fill, copy, init pay per element', async () => {
    const inst = await load(`(module
      (table $t 2 100 funcref)
      (elem $e func $f $f $f $f)
      (func $f)
      (func (export "grow") (param i32) (result i32) (table.grow $t (ref.null func) (local.get 0)))
      (func (export "fill") (param i32) (table.fill $t (i32.const 0) (ref.func $f) (local.get 0)))
      (func (export "init") (param i32) (table.init $t $e (i32.const 0) (i32.const 0) (local.get 0))))`);
    const base = C.simple + C.var + C.table + C.control;
    expect(used(inst, () => expect(inst.exports.grow(10)).toBe(2))).toBe(base + 10);
    expect(used(inst, () => expect(inst.exports.grow(1000)).toBe(-1))).toBe(base);
    expect(used(inst, () => inst.exports.fill(12))).toBe(base + C.simple + 12);
    expect(used(inst, () => inst.exports.init(3))).toBe(2 * C.simple + C.var + C.table + C.control + 3);
  });

  it('the flat form (flatDepth 0) consumes exactly as much as the structured form', async () => {
    const a = await load(BASIC);
    const b = await load(BASIC, undefined, { flatDepth: 0 });
    const calls: [string, unknown[]][] = [['add', []], ['countdown', [17]], ['sel', [0]], ['sel', [1]], ['caller', [3]], ['skip', [0]], ['skip', [1]], ['fill', [0, 999]], ['grow', [1]]];
    for (const [name, args] of calls) expect(used(b, () => b.exports[name](...args))).toBe(used(a, () => a.exports[name](...args)));
  });
});

describe('fuel: running out', () => {
  it('an infinite loop stops with out-of-fuel; the fuel left is what the failing charge needed less one region', async () => {
    const inst = await load(BASIC, { fuel: 1000 });
    const entry = 2 * C.control;
    const iter = 2 * C.var + 2 * C.simple + C.control; // global.get, const, add, global.set, br (the loop's end is dead)
    const err = (() => {
      try {
        inst.exports.spin();
      } catch (e) {
        return e as RuntimeError;
      }
    })()!;
    expect(err).toBeInstanceOf(RuntimeError);
    expect(err.code).toBe('out-of-fuel');
    expect(err.message).toBe('out of fuel');
    // Effects before that point remain: one increment per paid iteration.
    expect(inst.exports.count.value).toBe(Math.floor((1000 - entry) / iter));
    expect(inst.getFuel()).toBe((1000 - entry) % iter);
  });

  it('a leaf loop (local fuel copy) stops the same way and writes its fuel back', async () => {
    const inst = await load(BASIC, { fuel: 1000 });
    const entry = 2 * C.control;
    const iter = 2 * C.var + 2 * C.simple + C.control; // local.get, const, add, local.set, br
    expect(trapCode(() => inst.exports.spinLeaf(0))).toBe('out-of-fuel');
    expect(inst.getFuel()).toBe((1000 - entry) % iter);
  });

  it('a trap inside a leaf loop keeps the fuel it consumed', async () => {
    const inst = await load(BASIC, { fuel: 1_000_000 });
    const entry = 2 * C.control;
    const iter = 3 * C.var + C.load + 3 * C.simple + C.control; // get, load, drop, get, const, add, set, br
    expect(trapCode(() => inst.exports.oob(0))).toBe('out-of-bounds-memory');
    // 16 loads in bounds (4096-byte steps through one 64 KiB page), the 17th iteration traps after its charge.
    expect(1_000_000 - inst.getFuel()).toBe(entry + 17 * iter);
  });

  it('after setFuel the instance is usable again with its state intact', async () => {
    const inst = await load(BASIC, { fuel: 100 });
    expect(trapCode(() => inst.exports.spin())).toBe('out-of-fuel');
    const count = inst.exports.count.value;
    expect(count).toBeGreaterThan(0);
    expect(inst.getFuel()).toBe((100 - 2) % 5);
    expect(trapCode(() => inst.exports.add())).toBe('out-of-fuel'); // costs 4
    inst.setFuel(50);
    expect(inst.getFuel()).toBe(50);
    expect(inst.exports.add()).toBe(3);
    expect(trapCode(() => inst.exports.spin())).toBe('out-of-fuel');
    expect(inst.exports.count.value).toBeGreaterThan(count);
    inst.setFuel(1000);
    expect(inst.exports.caller(5)).toBe(10);
  });

  it('a failing charge leaves the fuel as it was before it; getFuel is never negative', async () => {
    const inst = await load(BASIC, { fuel: 3 });
    expect(trapCode(() => inst.exports.add())).toBe('out-of-fuel'); // costs 4
    expect(inst.getFuel()).toBe(3);
    inst.setFuel(4);
    expect(inst.exports.add()).toBe(3);
    expect(inst.getFuel()).toBe(0);
    expect(trapCode(() => inst.exports.add())).toBe('out-of-fuel');
    expect(inst.getFuel()).toBe(0);
  });

  it('infinite recursion: out-of-fuel with a small budget, stack-exhausted with a huge one', async () => {
    const inst = await load(BASIC, { fuel: 10_000 });
    expect(trapCode(() => inst.exports.rec(0))).toBe('out-of-fuel');
    const perCall = C.var + 2 * C.simple + C.call + C.control;
    expect(inst.getFuel()).toBe(10_000 % perCall);
    inst.setFuel(1e12);
    expect(trapCode(() => inst.exports.rec(0))).toBe('stack-exhausted');
    const left = inst.getFuel();
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThan(1e12);
    expect(inst.exports.add()).toBe(3);
  });

  it('is deterministic: same module, inputs and budget give the same stopping point and fuel left', async () => {
    const runs: [number, number][] = [];
    for (let i = 0; i < 3; i++) {
      const inst = await load(BASIC, { fuel: 123_457 });
      expect(trapCode(() => inst.exports.spin())).toBe('out-of-fuel');
      runs.push([inst.exports.count.value, inst.getFuel()]);
    }
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).toEqual(runs[0]);
  });

  it('budgets above the counter chunk refill from the reserve, exactly', async () => {
    expect(COMPILER_CHUNK).toBe(RUNTIME_CHUNK);
    // Each iteration costs ~100k, so crossing FUEL_CHUNK takes a few thousand iterations.
    const costs = { simple: 50_000 };
    const budget = RUNTIME_CHUNK * 3 + 12345;
    const inst = await load(BASIC, { fuel: budget }, { fuelCosts: costs });
    const iter = 2 * C.var + 2 * 50_000 + 2 * C.control;
    const n = Math.ceil((RUNTIME_CHUNK * 2) / iter);
    expect(used(inst, () => inst.exports.countdown(n))).toBe(2 * C.control + n * iter);
    expect(trapCode(() => inst.exports.spinLeaf(0))).toBe('out-of-fuel');
    const iterLeaf = 2 * C.var + 2 * 50_000 + C.control;
    expect(inst.getFuel()).toBe((budget - (2 * C.control + n * iter) - 2 * C.control) % iterLeaf);
    // Not a leaf: the instance's counter itself, refilled by outOfFuel.
    const inst2 = await load(BASIC, { fuel: budget }, { fuelCosts: costs });
    const callee = C.var + 2 * 50_000 + C.control;
    expect(trapCode(() => inst2.exports.spinCall())).toBe('out-of-fuel');
    // Each iteration is one charge: the loop body's, with the callee's body prepaid by the call.
    const iterCall = 50_000 + C.call + 50_000 + C.control + callee;
    expect(inst2.getFuel()).toBe((budget - 2 * C.control) % iterCall);
  });
});

const DISPATCH = `(module
  (memory 1)
  (global $count (export "count") (mut i32) (i32.const 0))
  ;; n steps (forever when n < 0) of a two-way dispatch loop: odd steps load at addr and move it by stride
  (func (export "run") (param $n i32) (param $addr i32) (param $stride i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (global.set $count (i32.add (global.get $count) (i32.const 1)))
        (block $b1
          (block $b0 (br_table $b0 $b1 (i32.and (global.get $count) (i32.const 1))))
          (drop (i32.load (local.get $addr)))
          (local.set $addr (i32.add (local.get $addr) (local.get $stride)))
          (br $l))
        (br $l))))
)`;

describe('fuel: dispatch loops (a leaf function with a br_table: the chunk form)', () => {
  /**
   * Fuel of one iteration of `run` (both arms fold into the loop header) and
   * of the rest of a call (`entry`: the function's entry and the wrapper's),
   * measured on a fresh instance: `run(n)` pays n + 1 loop headers.
   */
  async function costs(opts: CompileOptions = {}): Promise<{ entry: number; iter: number }> {
    const inst = await load(DISPATCH, { fuel: 1e12 }, opts);
    const one = used(inst, () => inst.exports.run(1, 0, 0));
    const iter = used(inst, () => inst.exports.run(2, 0, 0)) - one;
    return { entry: one - 2 * iter, iter };
  }

  it('keeps a copy of fuel in a local, stored back after every charge (no try/catch)', () => {
    const code = compile(wat(DISPATCH), { fuel: true }).code;
    const body = code.slice(code.indexOf('function f0('));
    expect(body).toMatch(/let fl = fuel;/);
    expect(body).toMatch(/fl = fuelRefill\(fl \+ \d+, \d+\);\s*}\s*fuel = fl;/);
    expect(body).not.toMatch(/try \{/);
  });

  it('consumes the same for every iteration, exactly', async () => {
    const { entry, iter } = await costs();
    expect(iter).toBeGreaterThan(0);
    const inst = await load(DISPATCH);
    for (const n of [1, 5, 1000]) expect(used(inst, () => inst.exports.run(n, 0, 0))).toBe(entry + (n + 1) * iter);
  });

  it('stops with out-of-fuel, the fuel left what the failing charge needed less one iteration', async () => {
    const { entry, iter } = await costs();
    const inst = await load(DISPATCH, { fuel: 10_000 });
    expect(trapCode(() => inst.exports.run(-1, 0, 0))).toBe('out-of-fuel');
    expect(inst.exports.count.value).toBe(Math.floor((10_000 - entry) / iter));
    expect(inst.getFuel()).toBe((10_000 - entry) % iter);
  });

  it('a trap inside the loop keeps the fuel it consumed', async () => {
    const { entry, iter } = await costs();
    const inst = await load(DISPATCH, { fuel: 1_000_000 });
    expect(trapCode(() => inst.exports.run(-1, 0, 4096))).toBe('out-of-bounds-memory');
    // Even steps load; the 17th load (step 34) is past the 64 KiB page, after that step's charge.
    expect(inst.exports.count.value).toBe(34);
    expect(1_000_000 - inst.getFuel()).toBe(entry + 34 * iter);
  });

  it('refills from the reserve above the counter chunk, exactly', async () => {
    const opts = { fuelCosts: { simple: 50_000, loopFoldUpTo: 1_000_000 } };
    const { entry, iter } = await costs(opts);
    const budget = RUNTIME_CHUNK * 3 + 12345;
    const inst = await load(DISPATCH, { fuel: budget }, opts);
    const n = Math.ceil((RUNTIME_CHUNK * 2) / iter);
    expect(used(inst, () => inst.exports.run(n, 0, 0))).toBe(entry + (n + 1) * iter);
    const left = inst.getFuel();
    expect(trapCode(() => inst.exports.run(-1, 0, 0))).toBe('out-of-fuel');
    expect(inst.getFuel()).toBe((left - entry) % iter);
    inst.setFuel(RUNTIME_CHUNK * 5);
    expect(used(inst, () => inst.exports.run(3, 0, 0))).toBe(entry + 4 * iter);
  });
});

describe('fuel: the instance API', () => {
  it('without an initial amount the budget is unbounded (Infinity)', async () => {
    const inst = await load(BASIC, {});
    expect(inst.getFuel()).toBe(Infinity);
    inst.exports.countdown(100);
    expect(inst.getFuel()).toBe(Infinity);
  });

  it('checks amounts', async () => {
    const inst = await load(BASIC, {});
    for (const bad of [-1, 1.5, NaN, '10', 2 ** 53, null]) expect(() => inst.setFuel(bad)).toThrow(TypeError);
    const mod = await importCode(compile(wat(BASIC), { fuel: true }).code);
    expect(() => mod.instantiate({}, { fuel: -5 })).toThrow(TypeError);
    inst.setFuel(0);
    expect(trapCode(() => inst.exports.add())).toBe('out-of-fuel');
    inst.setFuel(Infinity);
    expect(inst.exports.add()).toBe(3);
  });

  it('imported functions calling back into exports share the fuel', async () => {
    let exports: any;
    const log: number[] = [];
    const inst = await load(
      `(module
        (import "env" "host" (func $host (param i32)))
        (func (export "outer") (param i32) (call $host (local.get 0)))
        (func (export "inner") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
        (func (export "spin") (loop $l (br $l))))`,
      { fuel: 10_000 },
      {},
      { env: { host: (x: number) => void log.push(x === 1 ? exports.inner(x) : exports.spin()) } },
    );
    exports = inst.exports;
    const outer = C.var + C.call + C.control;
    const inner = C.var + C.simple + C.simple + C.control;
    expect(used(inst, () => exports.outer(1))).toBe(outer + inner);
    expect(log).toEqual([2]);
    // Running out inside the callback ends the whole call.
    expect(trapCode(() => exports.outer(0))).toBe('out-of-fuel');
    expect(inst.getFuel()).toBeLessThan(C.control);
  });

  it('the start function is metered', async () => {
    const mod = await importCode(compile(wat(`(module (func $s (loop $l (br $l))) (start $s))`), { fuel: true }).code);
    expect(trapCode(() => mod.instantiate({}, { fuel: 500 }))).toBe('out-of-fuel');
  });

  it('a module compiled without fuel refuses options.fuel and has no getFuel', async () => {
    const mod = await importCode(compile(wat(BASIC)).code);
    expect(() => mod.instantiate({}, { fuel: 100 })).toThrow(/compiled without fuel metering/);
    const inst = mod.instantiate({});
    expect(inst.getFuel).toBeUndefined();
    expect(inst.exports.add()).toBe(3);
  });
});

describe('fuel: without the option nothing is emitted', () => {
  /** Every identifier of a program (declared or referenced, properties included). */
  function identifiers(code: string): Set<string> {
    const out = new Set<string>();
    const walk = (n: any): void => {
      if (!n || typeof n !== 'object') return;
      if (Array.isArray(n)) return n.forEach(walk);
      if (n.type === 'Identifier') out.add(n.name);
      for (const k of Object.keys(n)) if (k !== 'loc' && k !== 'start' && k !== 'end') walk(n[k]);
    };
    walk(acorn.parse(code, { ecmaVersion: 'latest', sourceType: 'module' }));
    return out;
  }

  it('no identifier mentions fuel (runtime imported, so only generated code is checked)', () => {
    const plain = compile(wat(BASIC), { runtime: 'import' }).code;
    expect([...identifiers(plain)].filter((n) => /fuel/i.test(n))).toEqual([]);
    expect(plain).not.toMatch(/fuel/i);
    const metered = compile(wat(BASIC), { runtime: 'import', fuel: true }).code;
    expect([...identifiers(metered)].filter((n) => /fuel/i.test(n)).length).toBeGreaterThan(0);
  });
});

describe('fuel: command line', () => {
  const dir = join(ROOT, '.tmp', 'fuel-cli');
  mkdirSync(dir, { recursive: true });
  const input = join(dir, 'basic.wasm');
  writeFileSync(input, wat(BASIC));
  const kiln = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'compiler/cli.ts'), ...args], { cwd: ROOT, encoding: 'utf8' });

  it('--fuel and --fuel-costs', async () => {
    const plain = kiln('compile', input, '--runtime', 'import');
    expect(plain.status).toBe(0);
    expect(plain.stdout).not.toMatch(/fuel/);
    const metered = kiln('compile', input, '--runtime', 'import', '--fuel');
    expect(metered.status).toBe(0);
    expect(metered.stdout).toMatch(/if \(\(fuel -= 4\) < 0\)/); // add: 3 simple + 1 control
    const costs = join(dir, 'costs.json');
    writeFileSync(costs, JSON.stringify({ simple: 100 }));
    const custom = kiln('compile', input, '--runtime', 'import', '--fuel-costs', costs);
    expect(custom.status).toBe(0);
    expect(custom.stdout).toMatch(/if \(\(fuel -= 301\) < 0\)/);
    writeFileSync(costs, JSON.stringify({ simpel: 100 }));
    const bad = kiln('compile', input, '--fuel-costs', costs);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown key "simpel"/);
  }, 60_000);
});
