/**
 * The pass pipeline, in order, and its options: the one place that says
 * what runs on a function between its bytes and its printed JS.
 *
 *   ir/build.ts  buildFunc          bytes -> IR (one walk of the body)
 *   form.ts      chooseForm         IR -> Form (flat or nested, BigInt or pairs,
 *                                   dispatch regions: regions.ts)
 *   fuel.ts      meterFunction      IR -> IR with Charge nodes (with `fuel`)
 *   lower/func   lowerFunction      IR + Form -> ESTree FunctionDeclaration
 *   split.ts     splitFunction      ESTree -> ESTree in parts (`splitWeight`)
 *   temps.ts     allocateTemps      ESTree -> ESTree, single-use temporaries folded
 *                                   back, the others reused
 *   math-aliases.ts aliasMath       ESTree -> ESTree, `Math.f(...)` calls through
 *                                   instance aliases (only with `tune: 'hermes'`)
 *   local-views.ts localViews       ESTree -> ESTree, the memory's typed-array views
 *                                   read through local copies (only with `tune: 'hermes'`)
 *   bools.ts     boolLocals         ESTree -> ESTree, `v = c | 0` as `v = c` where `v` is
 *                                   read only as a condition (only with `tune: 'hermes'`)
 *   covered.ts   coveredByteLoads   ESTree -> ESTree, byte loads that an earlier access at a
 *                                   higher offset of the same address covers read without
 *                                   their fallback (only with `tune: 'hermes'`)
 *   decls.ts     bareDecls          ESTree -> ESTree, variables written before any
 *                                   read declared without their `= 0` (`var`)
 *   loops.ts     doWhileLoops       ESTree -> ESTree, `L: for (;;) { B; if (c) continue L;
 *                                   break L; }` as `L: do { B } while (c);`
 *   loops.ts     whileLoops         ESTree -> ESTree, `L: for (;;) { if (c) { B; continue L; }
 *                                   break L; }` as `L: while (c) { B }`
 *   labels.ts    plainJumps         ESTree -> ESTree, jumps to the innermost loop (or switch)
 *                                   without their label, unnamed loops unlabelled, statements
 *                                   after a jump dropped
 *   jumps.ts     bareJumps          ESTree -> ESTree, `if (c) { break L; }` as
 *                                   `if (c) break L;` (last: the others want blocks)
 *   guard.ts     guardPlan          (only with `tune: 'hermes'`) a second lowering of a
 *                                   function that indexes memory at a parameter, under a
 *                                   guard on it, with unchecked view accesses
 *
 * The module-level pass runs once before any function: with fuel,
 * `entryFuel` (fuel.ts) meters every function's first region, what direct
 * callers prepay.
 */
import { childKeys, nestsDeeper, type Stmt } from '../lower/ast.js';
import type { ModuleEnv } from '../lower/env.js';
import { lowerFunction } from '../lower/func.js';
import type { Func } from '../ir/ir.js';
import { buildFunc } from '../ir/build.js';
import { chooseForm, MAX_JS_DEPTH } from './form.js';
import { meterFunction } from './fuel.js';
import { splitFunction } from './split.js';
import { allocateTemps } from './temps.js';
import { aliasMath } from './math-aliases.js';
import { localViews } from './local-views.js';
import { boolLocals } from './bools.js';
import { coveredByteLoads } from './covered.js';
import { bareDecls } from './decls.js';
import { bareJumps } from './jumps.js';
import { doWhileLoops, whileLoops } from './loops.js';
import { plainJumps } from './labels.js';
import { guardPlan, guardStatement, MIN_GUARDED } from './guard.js';
import { assuming } from '../lower/ranges.js';

export { entryFuel } from './fuel.js';
export { DEFAULT_SPLIT_WEIGHT } from './split.js';

/**
 * The IR of defined function `funcidx` after the IR passes: with fuel
 * (`env.fuel` and `env.prepaid` set), its charges placed. Call
 * `release()` on it once lowered.
 */
export function functionIR(env: ModuleEnv, funcidx: number): Func {
  const fn = buildFunc(env.m, funcidx);
  const prepaid = env.prepaid ?? null;
  if (env.fuel && prepaid !== null) {
    const base = env.m.numImportedFuncs;
    meterFunction(env.m, fn, env.fuel, prepaid[funcidx - base]!, (f) => (f < base ? 0 : prepaid[f - base]!));
  }
  return fn;
}

/**
 * AST nodes the lowering makes for a function: at most LOWERED_BASE plus
 * LOWERED_PER_ROW per IR row. Measured over sqlite.wasm, lua.wasm, sql.js,
 * Go's and Emscripten's test programs, brotli, lz4 and the bench kernels, in
 * every i64 form, with and without fuel: 300 + 9.6 per row at most (the
 * worst: a kernel's loop with fuel). A function under the bound is not
 * weighed node by node (a walk of every node: a tenth of the compile time
 * when most functions are small).
 */
const LOWERED_BASE = 300;
const LOWERED_PER_ROW = 20;

/** The most AST nodes `fn` lowers to (see LOWERED_BASE); test/ast-keys.test.ts checks it holds. */
export function loweredBound(fn: Func): number {
  return LOWERED_BASE + LOWERED_PER_ROW * fn.size;
}

/**
 * Nesting depth (wasm levels) past which a lowered function's JS depth is
 * checked against MAX_JS_DEPTH. Below it the JS cannot get there: a level
 * makes at most five ESTree levels (a dispatch region's loop, switch and
 * case), and an expression at most about 256 (MAX_TREE_DEPTH nodes, up to
 * four levels each).
 */
const CHECKED_DEPTH = 100;

/**
 * The share of `splitWeight` a function in the BigInt form of i64 may weigh
 * (see `lowerWithPasses`). hash-wasm on Node 24, medians of 9, Kiln ms: BLAKE2b
 * 9.3-9.5 at 0.75 and 8.1-9.4 at 0.9; SHA-512 19.6 at 0.75, 1,660 at 1.0.
 */
export const BIG_SPLIT = 0.75;

/**
 * `fn` lowered to a FunctionDeclaration in the form `env` gives it (its name
 * `env.funcName` plus `suffix`), then the ESTree passes: split into parts of
 * at most `splitWeight` AST nodes (BIG_SPLIT of it in the BigInt form; 0:
 * never split), then temporaries folded and reused (temps.ts). Returns the FunctionDeclaration or, when its parts
 * capture nothing (split-vars.ts `frame`), a Program of it followed by their
 * declarations, to be printed together in its place. With `tune: 'hermes'`
 * the Program may also hold a guarded version of the function (`<name>$g`,
 * which the function enters first where its guard holds: guard.ts).
 */
export function lowerWithPasses(env: ModuleEnv, fn: Func, splitWeight: number, suffix = ''): Stmt {
  let form = chooseForm(env, fn);
  let decl = lowerFunction(env, fn, form);
  // Engines refuse JS nested too deep (form.ts MAX_JS_DEPTH); only a function past CHECKED_DEPTH can get there.
  if (!form.flat && fn.depth > CHECKED_DEPTH && nestsDeeper(decl, MAX_JS_DEPTH)) {
    form = chooseForm(env, fn, true);
    if (form.flat) decl = lowerFunction(env, fn, form);
  }
  const base = suffix === '' && !env.littleEndian ? guardPlan(env, fn.funcidx, decl) : null;
  const out = passes(env, fn, decl, form.big, splitWeight, suffix);
  // Only a function that stays whole: the guarded version doubles its code and adds a call to each of its calls.
  if (base === null || form.big || out.type !== 'FunctionDeclaration') return out;
  // A second version for calls whose base parameter the guard finds in range (guard.ts).
  env.littleEndian = true;
  let guarded: Stmt;
  try {
    guarded = assuming(base.ranges, () => lowerWithPasses(env, fn, splitWeight, '$g'));
  } finally {
    env.littleEndian = false;
  }
  // It pays only where checks leave loops (accesses that repeat).
  if (guarded.type !== 'FunctionDeclaration' || checksInLoops(out) - checksInLoops(guarded) < MIN_GUARDED) return out;
  out.body.body.unshift(guardStatement(base.name, base.limit, guarded.id.name, out.params));
  return { type: 'Program', sourceType: 'script', body: [out, guarded] };
}

/** The view accesses with a `DataView` fallback (`?? dv.get...`, `... ? ... : dv.set...`) inside loops of function `decl`. */
function checksInLoops(decl: Stmt): number {
  let n = 0;
  const dvCall = (e: any) => e.type === 'CallExpression' && e.callee.type === 'MemberExpression' && e.callee.object.name === 'dv';
  const walk = (x: any, inLoop: boolean): void => {
    if (x === null || typeof x !== 'object') return;
    if (Array.isArray(x)) {
      for (const c of x) walk(c, inLoop);
      return;
    }
    if (inLoop && ((x.type === 'LogicalExpression' && x.operator === '??') || x.type === 'ConditionalExpression') && dvCall(x.right ?? x.alternate)) n++;
    const loop = inLoop || /^(For|While|DoWhile)Statement$/.test(x.type);
    for (const k of childKeys(x)) walk(x[k], loop);
  };
  walk(decl.body, false);
  return n;
}

/** The passes after lowering: naming, splitting, temporaries, and the clean-ups. */
function passes(env: ModuleEnv, fn: Func, decl: Stmt, big: boolean, splitWeight: number, suffix: string): Stmt {
  if (suffix !== '') decl.id.name += suffix;
  // BigInt code makes more bytecode per AST node (`BigInt.asUintN` calls, register slots): SHA-512's
  // parts reached 62,050 bytes at 12,000 nodes, past V8's 61,440, and a BigInt part V8 does not
  // optimize runs a hundred times slower. Its parts are kept to BIG_SPLIT of the weight.
  const weight = big && splitWeight > 0 ? Math.max(1, Math.floor(splitWeight * BIG_SPLIT)) : splitWeight;
  if (weight > 0 && loweredBound(fn) > weight) splitFunction(decl, weight);
  delete decl.floatVars;
  // The parts' shared BigInt temporaries took slots of the register file (split-vars.ts `frame`).
  if (decl.bigSlots !== undefined) {
    env.bigFuncs?.set(fn.funcidx, decl.bigSlots);
    delete decl.bigSlots;
  }
  allocateTemps(decl);
  const hermes = env.tune === 'hermes';
  if (hermes) {
    aliasMath(decl);
    localViews(decl);
    boolLocals(decl);
    coveredByteLoads(decl);
  }
  bareDecls(decl);
  doWhileLoops(decl);
  whileLoops(decl);
  plainJumps(decl);
  bareJumps(decl);
  const parts: Stmt[] | undefined = decl.hoisted;
  if (parts === undefined) return decl;
  // The parts capture nothing (split-vars.ts `frame`): declared beside the function, made once.
  delete decl.hoisted;
  for (const p of parts) {
    if (p.type !== 'FunctionDeclaration') continue; // a split function's kept frame (`var f$fp;`, split-vars.ts `frame`)
    allocateTemps(p);
    if (hermes) {
      aliasMath(p);
      localViews(p);
      boolLocals(p);
      coveredByteLoads(p);
    }
    bareDecls(p);
    doWhileLoops(p);
    whileLoops(p);
    plainJumps(p);
    bareJumps(p);
  }
  return { type: 'Program', sourceType: 'script', body: [decl, ...parts] };
}
