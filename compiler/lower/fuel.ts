/**
 * Sandbox lowering: the fuel metering scheme (where charges go is decided on
 * the IR by compiler/passes/fuel.ts and fuel-regions.ts; this file lowers the
 * operand-dependent charges), and the lowering of memory grows under the
 * per-instance page limit (README "Running untrusted plugins").
 *
 * Fuel. A compiled module's instances each hold their fuel in closure
 * variables of `instantiate` (FUEL_VAR plus a reserve, see `fuelPrologue`).
 * Code is charged up front per region, one statement per region:
 *
 *     if ((fuel -= N) < 0) outOfFuel(N);
 *
 * A region starts at the function entry, at each loop body (charged on every
 * iteration: a branch to a loop re-enters its body), at each arm of an `if`,
 * and after the `end` of a block that is a branch target (the paths arriving
 * there by a branch skipped the rest of the region they came from). The code
 * after the `end` of an `if`, a loop or a block no branch targets continues
 * the region that was open before it: every path to it went through that
 * region's start. A region's N is the sum of the costs of the live
 * instructions in it; the cost of `loop`, `if` and `block` belongs to the
 * region they appear in, that of `else` and `end` to the region they close.
 * Small regions fold: a region after a block end, or an if arm, costing at
 * most `foldUpTo` is charged with the region before it. A region that ends
 * by branching back to its loop (an interpreter's handler), costing at most
 * `loopFoldUpTo`, is charged at the loop header, which charges the costliest
 * such region of the loop. A direct call pays, with the caller's region, the
 * callee's first region (`entryFuel`). So a call consumes, deterministically,
 * the sum of the regions it entered; code skipped by a branch within a
 * region, a small region skipped, the difference to the costliest back
 * region, or code after a trap, is still paid for. Function bodies and loop
 * bodies cost at least 1, so a finite budget always ends infinite loops and
 * infinite recursion.
 *
 * An instruction's cost is the cost of its class (the `cost` column of
 * compiler/opcodes.ts), from `DEFAULT_FUEL_COSTS` or the `fuelCosts` compile
 * option. Bulk memory operations and `memory.grow` also cost 1 per
 * `bytesPerFuel` bytes written (a grow: the bytes of the new pages, charged
 * only when the grow succeeds), bulk table operations and `table.grow` 1 per
 * `elementsPerFuel` elements; both charged just before the operation, after
 * its operands are evaluated (when the length is a constant, it is added to
 * the region's N instead).
 *
 * A function with a loop and no call-like instruction charges a local copy
 * of the fuel instead (fuel-meter.ts LeafForm). Without the `fuel` option nothing here
 * emits any code (no fuel identifier appears in the output).
 *
 * Page limit (pagelimit.ts): `memory.grow` of an imported memory is lowered
 * here too (`sandboxOps`), as `limitGrow(M, delta, limit)`.
 */
import * as A from './ast.js';
import type { Expr, Stmt } from './ast.js';
import { IMPURE, val, asI32, type Val } from './values.js';
import type { ModuleEnv } from './env.js';
import { LOWER_OPS, type OpLowering } from './ops.js';
import { chargeStmt, FUEL_VAR, RESERVE, OUT_OF_FUEL, CHARGE, REFILL } from './fuel-meter.js';
import { OPS, OP } from '../opcodes.js';
import { I32 } from '../types.js';
import { FUEL_CHUNK } from '../../runtime/fuel.js';

/**
 * The statement charging function `funcidx`'s prepaid first region on an
 * entry that is not a direct call (export, table, start function), or null
 * when nothing is prepaid.
 */
export function entryCharge(env: ModuleEnv, funcidx: number): Stmt | null {
  const n = env.prepaid ? env.prepaid[funcidx - env.m.numImportedFuncs]! : 0;
  return n > 0 ? chargeStmt(n) : null;
}

// ------------------------------------------------------ operand-dependent costs

/** Fuel of `n` units (an int32 expression read as unsigned) at `per` units per fuel. */
function rate(n: Expr, per: number): Expr {
  if ((per & (per - 1)) === 0) return A.bin('>>>', n, A.num(Math.log2(per)));
  return A.call(A.member('Math', 'floor'), [A.bin('/', A.bin('>>>', n, A.num(0)), A.num(per))]);
}

/**
 * A bulk operation whose last operand is its length: charges `floor(length /
 * per)` after the operands are evaluated, then lowers as usual. When the
 * length is a constant, the fuel pass has added it to the region's charge
 * instead (`lengthPaid`).
 */
function bulkCharge(per: number): OpLowering {
  return (L, ins, env) => {
    let n = L.popVal();
    if (!L.lengthPaid) {
      L.spillImpure();
      n = L.evalNow(n);
      L.emit(A.exprStmt(A.call(CHARGE, [rate(asI32(n, A.bin), per)])));
    }
    L.pushVal(n);
    LOWER_OPS[ins.op]!(L, ins, env);
  };
}

/** `table.grow`: charges its elements when it will succeed, then lowers as usual. */
function tableGrowCharge(per: number): OpLowering {
  return (L, ins, env) => {
    let n = L.popVal();
    const v = L.popVal();
    L.pushVal(v);
    L.spillImpure();
    n = L.evalNow(n);
    L.emit(A.exprStmt(A.call(CHARGE, [A.call('tableGrowFuel', [A.id(`T${ins.a}`), asI32(n, A.bin), A.num(per)])])));
    L.pushVal(n);
    LOWER_OPS[ins.op]!(L, ins, env);
  };
}

/**
 * `memory.grow`: with fuel, charges the new pages when the grow will
 * succeed; with an imported memory, grows by `limitGrow(M, delta, limit)`
 * so the instance's page limit applies. Then lowers as usual.
 */
function memoryGrow(pageCost: number | null, imported: boolean): OpLowering {
  return (L, ins, env) => {
    let a: Val = L.popVal();
    if (pageCost !== null && pageCost > 0) {
      L.spillImpure();
      a = L.evalNow(a);
      L.emit(A.exprStmt(A.call(CHARGE, [A.call('memoryGrowFuel', [A.id('M'), asI32(a, A.bin), A.id('limit'), A.num(pageCost)])])));
    }
    if (imported) a = val(A.call('limitGrow', [A.id('M'), asI32(a, A.bin), A.id('limit')]), I32, IMPURE, a.reads, false, a.d + 1);
    L.pushVal(a);
    LOWER_OPS[ins.op]!(L, ins, env);
  };
}

const overrideCache = new WeakMap<ModuleEnv, (OpLowering | undefined)[] | null>();

/**
 * Lowerings that replace ops.ts's for this module (memory.grow, bulk memory
 * and table operations), or null when none is needed (no fuel, no imported memory).
 */
export function sandboxOps(env: ModuleEnv): (OpLowering | undefined)[] | null {
  let ops = overrideCache.get(env);
  if (ops !== undefined) return ops;
  const fuel = env.fuel ?? null;
  const imported = env.m.numImportedMemories > 0;
  ops = null;
  if (fuel !== null || imported) {
    ops = new Array(OPS.length);
    const bytes = fuel === null ? 0 : fuel.costs.bytesPerFuel;
    const elems = fuel === null ? 0 : fuel.costs.elementsPerFuel;
    ops[OP['memory.grow']!] = memoryGrow(fuel === null ? null : bytes === 0 ? 0 : Math.floor(65536 / bytes), imported);
    // The opcode table's `sized` column: bulk operations charge by their length.
    for (const o of OPS) {
      if (o.sized === 'bytes' && bytes > 0) ops[o.id] = bulkCharge(bytes);
      if (o.sized === 'elements' && elems > 0) ops[o.id] = bulkCharge(elems);
    }
    if (elems > 0) ops[OP['table.grow']!] = tableGrowCharge(elems);
  }
  overrideCache.set(env, ops);
  return ops;
}

// ------------------------------------------------------------ module level

/** Runtime bindings the sandbox code of this module uses, beyond emit/module.ts RUNTIME_BINDINGS. */
export function sandboxBindings(env: ModuleEnv): string[] {
  const out = ['instanceLimit'];
  if (env.m.numImportedMemories > 0) out.push('limitGrow');
  if (env.fuel) out.push('fuelAmount', 'fuelError', 'memoryGrowFuel', 'tableGrowFuel');
  return out;
}

/**
 * Statements at the top of `instantiate` (after `limit`) holding the fuel
 * state, as JS text: `fuel` (the hot counter, at most FUEL_CHUNK; a `var`,
 * which the functions reach without the temporal-dead-zone check of a `let`) and
 * `fuelReserve` (the rest, possibly Infinity); their sum is the instance's
 * fuel. `outOfFuel(n)` runs when a charge of `n` took `fuel` below 0: it
 * moves fuel from the reserve, or, when there is not enough, gives the `n`
 * back (fuel stays at what it was before the failing charge) and traps
 * `out-of-fuel`. `fuelRefill(avail, n)` does the same for a leaf function's
 * local copy `fl`: with `avail` fuel left, it takes enough from the reserve
 * to pay `n` (up to FUEL_CHUNK more) and returns the new `fl`, or traps
 * `out-of-fuel` with nothing changed (the function stored `fuel = avail`
 * after its last charge). Leaf functions of the `total` form write theirs
 * back as `fuel = 0, fuelReserve = fl`.
 * `options.fuel` sets the initial amount (default Infinity).
 */
export function fuelPrologue(): string {
  const C = FUEL_CHUNK;
  return [
    `var ${FUEL_VAR} = 0, ${RESERVE} = 0;`,
    `function ${OUT_OF_FUEL}(n) {`,
    `  if (${FUEL_VAR} + ${RESERVE} < 0) {`,
    `    ${FUEL_VAR} += n;`,
    `    if (${FUEL_VAR} + ${RESERVE} < 0) ${FUEL_VAR} = -${RESERVE};`,
    `    trap('out-of-fuel');`,
    `  }`,
    `  const room = ${C} - ${FUEL_VAR};`,
    `  const t = ${RESERVE} < room ? ${RESERVE} : room;`,
    `  ${RESERVE} -= t;`,
    `  ${FUEL_VAR} += t;`,
    `}`,
    `function ${REFILL}(avail, n) {`,
    `  const t = ${RESERVE} < ${C} - avail + n ? ${RESERVE} : ${C} - avail + n;`,
    `  if (avail + t < n) trap('out-of-fuel');`,
    `  ${RESERVE} -= t;`,
    `  return avail + t - n;`,
    `}`,
    `function ${CHARGE}(n) {`,
    `  if ((${FUEL_VAR} -= n) < 0) ${OUT_OF_FUEL}(n);`,
    `}`,
    `function getFuel() {`,
    `  const n = ${FUEL_VAR} + ${RESERVE};`,
    `  return n > 0 ? n : 0;`,
    `}`,
    `function setFuel(n) {`,
    `  n = fuelAmount(n);`,
    `  ${FUEL_VAR} = n < ${C} ? n : ${C};`,
    `  ${RESERVE} = n - ${FUEL_VAR};`,
    `}`,
    `setFuel(options !== undefined && options !== null && options.fuel !== undefined ? options.fuel : Infinity);`,
  ].join('\n');
}

/** Extra properties of the object `instantiate` returns: `getFuel`, `setFuel` with fuel. */
export function instanceProperties(env: ModuleEnv): { type: 'Property'; [k: string]: unknown }[] {
  if (!env.fuel) return [];
  return ['getFuel', 'setFuel'].map((name) => ({
    type: 'Property', key: A.id(name), value: A.id(name), kind: 'init', computed: false, method: false, shorthand: false,
  }));
}
