/**
 * Fuel metering, continued from fuel.test.ts: dispatch loops (the chunk
 * form of leaf functions), the instance API (`getFuel`/`setFuel`, fuel
 * shared through imports, the start function), nothing emitted without the
 * `fuel` option, and the command line.
 */
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as acorn from 'acorn';
import { type CompileOptions } from '../compiler/index.js';
import { compile } from './util/wasm-names.js';
import { FUEL_CHUNK as RUNTIME_CHUNK } from '../runtime/fuel.js';
import { importCode, ROOT } from './util/load.js';
import { wat, load, used, trapCode, C, BASIC } from './util/fuel.js';

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
    expect(body).toMatch(/let fl=fuel;/);
    expect(body).toMatch(/fl=fuelRefill\(fl\+\d+,\d+\);\s*}\s*fuel=fl;/);
    expect(body).not.toMatch(/try\{/);
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
    expect(metered.stdout).toMatch(/if\(\(fuel-=4\)<0\)/); // add: 3 simple + 1 control
    const costs = join(dir, 'costs.json');
    writeFileSync(costs, JSON.stringify({ simple: 100 }));
    const custom = kiln('compile', input, '--runtime', 'import', '--fuel-costs', costs);
    expect(custom.status).toBe(0);
    expect(custom.stdout).toMatch(/if\(\(fuel-=301\)<0\)/);
    writeFileSync(costs, JSON.stringify({ simpel: 100 }));
    const bad = kiln('compile', input, '--fuel-costs', costs);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown key "simpel"/);
  }, 60_000);
});
