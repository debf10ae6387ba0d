/**
 * Fuel metering (issue #4, README "Running untrusted plugins"): exact
 * consumption against the cost table, out-of-fuel traps and refills,
 * determinism, termination of infinite loops and recursion. Dispatch loops,
 * the instance API, output without the `fuel` option and the command line:
 * fuel-api.test.ts.
 */
import { describe, it, expect } from 'vitest';
import { compile, RuntimeError, Memory } from '../compiler/index.js';
import { FUEL_CHUNK as RUNTIME_CHUNK } from '../runtime/fuel.js';

import { wat, load, used, trapCode, C, EXACT, BASIC } from './util/fuel.js';

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
    expect(code.match(/fuel ?-= ?/g)!.length).toBe(1 + 1 + 2 + 1); // chargeFuel's own, then sel, big, joins
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
