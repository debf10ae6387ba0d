/**
 * The statements of fuel metering inside a function (the scheme is
 * described in fuel.ts; where charges go and how much each charges is
 * decided by the fuel pass, compiler/passes/fuel.ts, on the IR): the charge
 * statements, the local copy of a leaf function, and the identifiers of the
 * generated code's fuel state.
 */
import * as A from './ast.js';
import type { Expr, Stmt } from './ast.js';

/** Identifiers of the generated code's fuel state and functions (closure bindings of `instantiate`). */
export const FUEL_VAR = 'fuel';
export const RESERVE = 'fuelReserve';
export const OUT_OF_FUEL = 'outOfFuel';
export const CHARGE = 'chargeFuel';
export const REFILL = 'fuelRefill';
/** The function-local copy of `fuel` in a leaf function with a loop (LeafForm). */
const LOCAL_FUEL = 'fl';

/** `if ((fuel -= n) < 0) outOfFuel(n);` */
export function chargeStmt(n: number): Stmt {
  const test = A.bin('<', A.assign(FUEL_VAR, A.num(n), '-='), A.num(0));
  return A.ifStmt(test, [A.exprStmt(A.call(OUT_OF_FUEL, [A.num(n)]))], null);
}

/**
 * How a leaf function with a loop keeps its fuel in a local `fl` (the fuel
 * pass, compiler/passes/fuel.ts, picks the form):
 * - `total`: `fl` holds all of the instance's fuel (a double, possibly
 *   Infinity), so a charge never refills: `if ((fl -= n) < 0) { fl += n;
 *   throw fuelError(); }`. The body becomes `let fl = fuel + fuelReserve;
 *   try { ... fuel = 0, fuelReserve = fl; return x; } catch (e) { fuel = 0,
 *   fuelReserve = fl; throw e; }`. The cold path is a throw, so the loop
 *   keeps its registers. The write-back is plain stores: V8 first compiles
 *   such a function during its first, long call, and an operator there
 *   without type feedback deoptimises and leaves the loop running in
 *   on-stack-replacement code, where `fl` is boxed. The entry's `+` has the
 *   same hazard (see the README).
 * - `chunk`: `fl` is a copy of `fuel` (an int32, at most FUEL_CHUNK), stored
 *   back after every charge: `{ if ((fl -= n) < 0) fl = fuelRefill(fl + n,
 *   n); fuel = fl; }`; the body starts with `let fl = fuel;` and needs no
 *   try/catch or write-back, and nothing at entry or exit needs type
 *   feedback. Used for dispatch loops (a `br_table` in the
 *   function): on the interpreter kernel it costs 1.22x against 1.26x for
 *   `total`, while on tight arithmetic loops (sha256, sieve) the refill call
 *   in the loop costs 1.33x against 1.15x.
 */
export type LeafForm = 'none' | 'total' | 'chunk';

/** The charge of `n` in a leaf function of the given form (above). */
function localChargeStmt(n: number, form: LeafForm): Stmt {
  const fl = LOCAL_FUEL;
  const test = A.bin('<', A.assign(fl, A.num(n), '-='), A.num(0));
  if (form === 'total') {
    return A.ifStmt(test, [A.exprStmt(A.assign(fl, A.num(n), '+=')), { type: 'ThrowStatement', argument: A.call('fuelError', []) }], null);
  }
  const refill = A.exprStmt(A.assign(fl, A.call(REFILL, [A.bin('+', A.id(fl), A.num(n)), A.num(n)])));
  return A.block([A.ifStmt(test, [refill], null), A.exprStmt(A.assign(FUEL_VAR, A.id(fl)))]);
}

/** The statement charging `n` fuel (a negative `n` gives fuel back) in a function of form `leaf`, or null for none. */
export function fuelCharge(n: number, leaf: LeafForm): Stmt | null {
  if (n === 0) return null;
  if (n < 0) {
    if (leaf === 'none') return A.exprStmt(A.assign(FUEL_VAR, A.num(-n), '+='));
    const back = A.assign(LOCAL_FUEL, A.num(-n), '+=');
    return A.exprStmt(leaf === 'chunk' ? A.assign(FUEL_VAR, back) : back);
  }
  return leaf === 'none' ? chargeStmt(n) : localChargeStmt(n, leaf);
}

/** The finished function body (declarations first) of a function of form `leaf`: for a leaf function, with `fl` as LeafForm describes. */
export function wrapFuelBody(body: Stmt[], leaf: LeafForm): Stmt[] {
  if (leaf === 'none') return body;
  if (leaf === 'chunk') return [A.decl('let', [[LOCAL_FUEL, A.id(FUEL_VAR)]]), ...body];
  const sync = () => A.exprStmt({
    type: 'SequenceExpression',
    expressions: [A.assign(FUEL_VAR, A.num(0)), A.assign(RESERVE, A.id(LOCAL_FUEL))],
  } as Expr);
  syncReturns(body, sync);
  const tryStmt = {
    type: 'TryStatement',
    block: A.block([...body, sync()]),
    handler: { type: 'CatchClause', param: A.id('e'), body: A.block([sync(), { type: 'ThrowStatement', argument: A.id('e') }]) },
    finalizer: null,
  };
  return [A.decl('let', [[LOCAL_FUEL, A.bin('+', A.id(FUEL_VAR), A.id(RESERVE))]]), tryStmt];
}

/**
 * Puts `sync()` before every `return` in `stmts` (in place). A leaf
 * function's return value cannot charge fuel, so writing `fl` back before
 * evaluating it is the same as after.
 */
function syncReturns(stmts: Stmt[], sync: () => Stmt): void {
  for (let i = 0; i < stmts.length; i++) {
    const s = stmts[i];
    if (s.type === 'ReturnStatement') {
      stmts[i] = A.withLoc(A.block([sync(), s]), s.loc?.start.column);
      continue;
    }
    visit(s, sync);
  }
}

/** Descends into the statement lists of `s` (functions are never nested in a lowered body). */
function visit(s: Stmt, sync: () => Stmt): void {
  switch (s.type) {
    case 'BlockStatement':
      syncReturns(s.body, sync);
      return;
    case 'IfStatement':
      for (const arm of [s.consequent, s.alternate]) {
        if (arm === null) continue;
        if (arm.type === 'ReturnStatement') {
          if (arm === s.consequent) s.consequent = A.block([sync(), arm]);
          else s.alternate = A.block([sync(), arm]);
        } else visit(arm, sync);
      }
      return;
    case 'LabeledStatement':
    case 'ForStatement':
    case 'WhileStatement':
    case 'DoWhileStatement':
      if (s.body.type === 'ReturnStatement') s.body = A.block([sync(), s.body]);
      else visit(s.body, sync);
      return;
    case 'SwitchStatement':
      for (const c of s.cases) syncReturns(c.consequent, sync);
      return;
    case 'TryStatement':
      visit(s.block, sync);
      if (s.handler) visit(s.handler.body, sync);
      if (s.finalizer) visit(s.finalizer, sync);
      return;
  }
}
