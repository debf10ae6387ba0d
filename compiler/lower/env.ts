/**
 * Names the lowering uses for module-level entities, shared by the function
 * lowering (`func.ts`) and the module emitter (`emit/module.ts`), so both
 * agree on every identifier of the generated code.
 *
 * Generated identifiers: `f<funcidx>` functions, `F<funcidx>` their `Func`
 * objects, `g<globalidx>` (+`h` for the high half of i64) globals held in
 * closure variables, `G<globalidx>` globals held in `Global` cells,
 * `T<tableidx>` tables and `E<tableidx>` their element arrays, `es<i>` element
 * segments, `ds<i>` data segments, `M` the memory and `DV` its current DataView
 * (functions copy it into a local `dv`);
 * inside functions `l<i>` locals, `t<i>` temporaries, `b<i>` block results.
 * A function named in the `name` section is `$<sanitised name>` instead of
 * `f<funcidx>` and its `Func` object `F$<sanitised name>` (compiler/identifiers.ts):
 * Kiln's own identifiers must never start with `$` (except those listed in
 * `KILN_DOLLAR_NAMES` there) nor with `F$`. Locals named there are
 * `$<sanitised name>` (`$<name>$h` for an i64's high half) instead of `l<i>`.
 * Functions lowered with BigInts (i64big.ts) also use `R`/`R32` (their
 * register file, `R[<slot>]` its slots, `rb`) and the instance's
 * `RF<funcidx>`/`RD<funcidx>`/`RB<funcidx>`.
 */
import type { Module } from '../module.js';
import { type FuncType, valTypeName } from '../types.js';
import type { FuelPlan } from './fuel-costs.js';
import { funcIdentifiers, type FuncIdentifiers } from '../identifiers.js';
import { MAX_PAGES } from '../../runtime/memory.js';
import { signedAddresses } from './pagelimit.js';
import type { Growers } from './grows.js';
import type { TableContents } from './tables.js';

/** How a global is held by generated code. */
export type GlobalHome = 'const' | 'var' | 'cell';

export interface ModuleEnv {
  m: Module;
  /** Per globalidx. Imported or exported mutable globals live in cells. */
  globalHome: GlobalHome[];
  /** Block nesting depth past which a function is lowered in the flat form (func.ts FLAT_DEPTH). */
  flatDepth: number;
  /** Fuel metering plan (compile option `fuel`), or null/absent when no metering is emitted (fuel.ts). */
  fuel?: FuelPlan | null;
  /** With fuel: what direct callers prepay of each defined function's first region, by funcidx minus imported functions (fuel.ts entryFuel). */
  prepaid?: Float64Array | Uint32Array | Uint16Array | null;
  /** JS identifier of function `funcidx` (its internal-ABI callable). */
  funcName(funcidx: number): string;
  /** JS identifier of the `Func` object of function `funcidx` (what `funcref` values hold). */
  funcRefName(funcidx: number): string;
  /** Function identifiers and names from the `name` section (compiler/identifiers.ts). */
  funcIds: FuncIdentifiers;
  /** How functions represent i64 (compile option `i64`, i64big.ts); default `auto`. */
  i64?: I64Lowering;
  /** What may grow memory, by funcidx and for a `call_indirect` (grows.ts); null/absent when the module has no memory. */
  growers?: Growers | null;
  /** What each table may hold (tables.ts); absent: anything. */
  tables?: TableContents;
  /** Functions lowered with BigInts (filled by the lowering), with their register-file size (slots): each needs `RF<funcidx>`, `RD<funcidx>`, `RB<funcidx>`. */
  bigFuncs?: Map<number, number>;
  /**
   * In BigInt functions, a whole i64 in memory is read and written with one
   * `DataView` BigInt method (`getBigUint64`, `setBigUint64`) instead of two
   * 32-bit ones: the form for engines that inline them (runtime/i64form.ts
   * `DV_BIG`). Absent: two 32-bit accesses.
   */
  dvBig?: boolean;
  /** The engines the output is tuned for (compile option `tune`); absent: `jit`. With `hermes`, memory accesses go through typed-array views (ops.ts). */
  tune?: Tune;
  /**
   * Memory 0 can never exceed 2 GiB (pagelimit.ts `signedAddresses`), so an
   * i32 address at or past 2^31 is out of bounds and may be passed to the
   * `DataView` as a negative int32 (ops.ts `address`).
   */
  smallMemory: boolean;
  /**
   * Bytes memory 0 always has, in bytes: its minimum size (a memory never
   * shrinks; an imported one has at least its declared minimum). A view
   * access that stays below it needs no check (views.ts `checkedNever`).
   */
  safeBytes: number;
  /**
   * Set while lowering the guarded version of a function (passes/guard.ts),
   * which runs only where the host is little-endian (`HB` nonzero): view
   * accesses proved safe need no `DataView` fallback there.
   */
  littleEndian?: boolean;
}

/**
 * `jit`: memory accesses call `DataView` methods, which optimizing JITs
 * inline; `hermes`: they index typed-array views of the memory (`H32` and
 * the like, emit/parts.ts), which an interpreter runs faster than a native
 * method call, with the `DataView` method as the exact fallback.
 */
export type Tune = 'jit' | 'hermes';

/** The engines output may be tuned for (compile option `tune`). */
export const TUNES: readonly Tune[] = ['jit', 'hermes'];

/** `tune` checked. @throws TypeError for a value that is not one of TUNES. */
export function checkTune(tune: Tune): Tune {
  if (!TUNES.includes(tune)) throw new TypeError(`unknown tune ${JSON.stringify(tune)}: expected one of ${TUNES.join(', ')}`);
  return tune;
}

/**
 * i64 lowering inside functions: `pair` (int32 pairs everywhere), `bigint`
 * (BigInts in every function not lowered flat), `auto` (BigInts where loops
 * do enough i64 arithmetic, i64big.ts BigIntScore).
 */
export type I64Lowering = 'auto' | 'pair' | 'bigint';

/** Signature string of a function type, as `Func.sig` uses it (`"i32 i64>f64"`). */
export function sigString(t: FuncType): string {
  return `${t.params.map(valTypeName).join(' ')}>${t.results.map(valTypeName).join(' ')}`;
}

/**
 * The environment of `m` for lowering its functions. `sparse` (run-time
 * compile mode): function identifiers are held only for named functions
 * (identifiers.ts funcIdentifiers), the same identifiers either way.
 * `pageLimit`: the compile-time page limit (pagelimit.ts `compilePageLimit`).
 */
export function makeEnv(m: Module, flatDepth: number, sparse = false, pageLimit = MAX_PAGES): ModuleEnv {
  const exported = new Uint8Array(m.globalTypes.length);
  for (const e of m.exports) if (e.kind === 'global') exported[e.index] = 1;
  const globalHome: GlobalHome[] = m.globalTypes.map((g, i) => {
    if (!g.mutable) return 'const';
    return i < m.numImportedGlobals || exported[i] ? 'cell' : 'var';
  });
  const funcIds = funcIdentifiers(m, sparse);
  const { js, ref } = funcIds;
  const smallMemory = signedAddresses(m, pageLimit);
  const safeBytes = (m.memories[0]?.min ?? 0) * 65536;
  return { m, globalHome, flatDepth, funcName: (i) => js[i] ?? `f${i}`, funcRefName: (i) => ref[i] ?? `F${i}`, funcIds, smallMemory, safeBytes };
}
