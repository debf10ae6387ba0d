/**
 * The fuel cost table (README "Running untrusted plugins"; how charges are
 * placed: fuel.ts): the cost of one instruction of each class of the opcode
 * table's `cost` column, and its resolution for one compile (`fuelCosts`
 * compile option).
 */
import { OPS, type CostClass } from '../opcodes.js';

/**
 * The fuel cost table: the cost of one instruction of each class (opcode
 * table `cost` column), and the rates of the operations whose cost depends on
 * their length. Every value is a non-negative integer.
 */
export interface FuelCosts {
  /** block, loop, if, else, end, br, br_if, br_table, return, unreachable, nop. */
  control: number;
  /** Numeric operators, constants, conversions, drop, select, ref.*, memory.size, table.size, data/elem.drop. */
  simple: number;
  /** local.get/set/tee, global.get/set. */
  var: number;
  /** Memory loads. */
  load: number;
  /** Memory stores. */
  store: number;
  /** call, call_indirect (the caller's side; the callee's body is charged as it runs, its first region by a direct caller). */
  call: number;
  /** memory.grow, memory.fill, memory.copy, memory.init: base cost. */
  memory: number;
  /** table.get, table.set, table.grow, table.fill, table.copy, table.init: base cost. */
  table: number;
  /** SIMD operators other than loads and stores. */
  simd: number;
  /** Bulk memory operations and memory.grow: 1 fuel per this many bytes (0: no charge per byte). */
  bytesPerFuel: number;
  /** Bulk table operations and table.grow: 1 fuel per this many elements (0: no charge per element). */
  elementsPerFuel: number;
  /**
   * A region after a block end, or an if arm, costing at most this much is
   * charged with the region before it (fewer charges; a path that skips it
   * pays at most this much too much). 0: every such region is charged on its own.
   */
  foldUpTo: number;
  /**
   * A region ending in an unconditional branch back to its loop, costing at
   * most this much, is charged at the loop header, which charges the
   * costliest such region of the loop on every iteration (an iteration pays at
   * most this much too much). 0: every such region is charged on its own.
   */
  loopFoldUpTo: number;
}

/** The default cost table (README "Running untrusted plugins"). */
export const DEFAULT_FUEL_COSTS: Readonly<FuelCosts> = Object.freeze({
  control: 1,
  simple: 1,
  var: 1,
  load: 2,
  store: 2,
  call: 5,
  memory: 10,
  table: 2,
  simd: 2,
  bytesPerFuel: 64,
  elementsPerFuel: 1,
  foldUpTo: 8,
  loopFoldUpTo: 32,
});

/** Fuel costs resolved for one compile: per-class costs as a table indexed by opcode row. */
export interface FuelPlan {
  costs: FuelCosts;
  /** `opCost[opId]`: cost of one instruction of row `opId`. */
  opCost: Float64Array;
}

/**
 * Merges `overrides` into the default cost table and checks it.
 * @throws TypeError on an unknown key or a value that is not a non-negative integer.
 */
export function resolveFuelCosts(overrides: Partial<FuelCosts> | undefined = undefined): FuelPlan {
  const costs: FuelCosts = { ...DEFAULT_FUEL_COSTS };
  if (overrides !== undefined && overrides !== null) {
    if (typeof overrides !== 'object') throw new TypeError('fuelCosts must be an object');
    for (const [k, v] of Object.entries(overrides)) {
      if (!Object.prototype.hasOwnProperty.call(DEFAULT_FUEL_COSTS, k)) {
        throw new TypeError(`fuelCosts: unknown key ${JSON.stringify(k)} (known: ${Object.keys(DEFAULT_FUEL_COSTS).join(', ')})`);
      }
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
        throw new TypeError(`fuelCosts.${k} must be a non-negative integer, got ${JSON.stringify(v)}`);
      }
      (costs as unknown as Record<string, number>)[k] = v;
    }
  }
  const opCost = new Float64Array(OPS.length);
  for (const op of OPS) opCost[op.id] = costs[op.cost as CostClass];
  return { costs, opCost };
}
