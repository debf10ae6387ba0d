/**
 * Sandbox limits at run time: the page limit an instance applies to its
 * memory, and the helpers of fuel metering (README "Running untrusted
 * plugins"). The fuel counter itself is not here: it is a closure variable of
 * each instance's `instantiate` (see compiler/lower/fuel.ts), so charging it
 * is a local subtraction; these helpers only validate amounts and compute the
 * fuel of operations whose cost depends on their operands.
 */
import { MAX_PAGES, type Memory } from './memory.js';
import type { Table } from './table.js';
import { RuntimeError } from './errors.js';

/**
 * The largest amount the hot fuel counter holds at once (2^29, so it stays a
 * small integer in every engine); the rest of an instance's fuel waits in a
 * reserve and moves over when the counter runs dry.
 */
export const FUEL_CHUNK = 0x20000000;

/**
 * The page limit of an instance: `options.maxMemoryPages` when given, else
 * `defaultPages` (the compile-time default). Limits above `ceiling` mean
 * `ceiling`: 65536, or 32768 for output that passes addresses signed
 * (compiler/lower/pagelimit.ts `signedAddresses`: its memory must stay under 2 GiB).
 * `metered` says whether the module was compiled with fuel metering: giving
 * `options.fuel` to a module without metering is an error, so a host never
 * believes it bounds the time of code that is not metered.
 * @throws TypeError when `maxMemoryPages` is not a non-negative integer (or
 * Infinity), or when `options.fuel` is given to a module compiled without fuel.
 */
export function instanceLimit(options: unknown, defaultPages: number, metered: boolean, ceiling: number = MAX_PAGES): number {
  if (options === undefined || options === null) return defaultPages;
  if (typeof options !== 'object') throw new TypeError('instantiate: options must be an object');
  const o = options as { maxMemoryPages?: unknown; fuel?: unknown };
  if (!metered && o.fuel !== undefined) {
    throw new TypeError('instantiate: options.fuel was given, but this module was compiled without fuel metering (compile with { fuel: true } or `kiln compile --fuel`)');
  }
  const v = o.maxMemoryPages;
  if (v === undefined) return defaultPages;
  if (typeof v !== 'number' || !(v >= 0) || (v !== Infinity && !Number.isInteger(v))) {
    throw new TypeError(`instantiate: maxMemoryPages must be a non-negative integer (pages of 64 KiB), got ${String(v)}`);
  }
  return v > ceiling ? ceiling : v;
}

/**
 * Checks a fuel amount given to `instantiate` (`options.fuel`) or `setFuel`:
 * a non-negative integer no larger than 2^53 - 1, or Infinity (no bound).
 * @throws TypeError otherwise.
 */
export function fuelAmount(n: unknown): number {
  if (typeof n !== 'number' || !(n >= 0) || (n !== Infinity && !Number.isSafeInteger(n))) {
    throw new TypeError(`fuel must be a non-negative integer (at most 2^53 - 1) or Infinity, got ${String(n)}`);
  }
  return n;
}

/**
 * The page limit on `memory.grow` in an instance whose memory is imported:
 * the memory's own maximum applies as for any grow, and the instance's page
 * limit `limit`, which a shared memory does not know about, applies through
 * this: generated code grows by `limitGrow(M, delta, limit)` instead of
 * `delta`. Returns `delta`, or -1 (a delta no memory can grow by, so the grow
 * returns -1 and changes nothing) when `delta` pages would pass the limit.
 */
export function limitGrow(mem: Memory, delta: number, limit: number): number {
  const d = delta >>> 0;
  return d !== 0 && d > limit - mem.pages ? -1 : delta;
}

/**
 * The fuel a `memory.grow` by `delta` pages costs: `delta * pageCost` when
 * the grow will succeed (within the memory's maximum and the page limit),
 * else 0: a refused grow costs only its base cost.
 */
export function memoryGrowFuel(mem: Memory, delta: number, limit: number, pageCost: number): number {
  delta >>>= 0;
  if (delta === 0) return 0;
  const max = mem.max < limit ? mem.max : limit;
  return delta <= max - mem.pages ? delta * pageCost : 0;
}

/**
 * The fuel a `table.grow` by `delta` elements costs: `floor(delta / per)`
 * when the grow will succeed, else 0.
 */
export function tableGrowFuel(table: Table, delta: number, per: number): number {
  delta >>>= 0;
  return delta <= table.max - table.elements.length ? Math.floor(delta / per) : 0;
}


/** The `RuntimeError` of running out of fuel (code `out-of-fuel`), for generated code to throw. */
export function fuelError(): RuntimeError {
  return new RuntimeError('out-of-fuel');
}
