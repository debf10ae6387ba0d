/**
 * Helpers shared by the fuel tests (fuel.test.ts, fuel-api.test.ts): wat
 * to bytes, compile-and-instantiate with fuel, fuel used by a call, trap
 * codes, and the BASIC test module.
 */
import { expect } from 'vitest';
import { compile, RuntimeError, type CompileOptions } from '../../compiler/index.js';
import { DEFAULT_FUEL_COSTS, type FuelCosts } from '../../compiler/lower/fuel-costs.js';
import { importCode } from './load.js';
import { wat } from './wat.js';

export { wat };

/** Compiles `text` with fuel metering (plus `opts`) and instantiates it. */
export async function load(text: string, instOpts: Record<string, unknown> = { fuel: 1e12 }, opts: CompileOptions = {}, imports: object = {}): Promise<any> {
  const mod = await importCode(compile(wat(text), { fuel: true, ...opts }).code);
  return mod.instantiate(imports, instOpts);
}

/** Fuel consumed by `f()` on instance `inst`. */
export function used(inst: any, f: () => unknown): number {
  const before = inst.getFuel();
  f();
  return before - inst.getFuel();
}

export const C: FuelCosts = DEFAULT_FUEL_COSTS;
/** Every region charged on its own (no folding of small regions). */
export const EXACT: CompileOptions = { fuelCosts: { foldUpTo: 0, loopFoldUpTo: 0 } };

export function trapCode(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(RuntimeError);
    return (e as RuntimeError).code;
  }
  return undefined;
}

export const BASIC = `(module
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

