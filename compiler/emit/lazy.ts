/**
 * The emitter's run-time compile mode (the `wasm-kiln/polyfill` namespace,
 * polyfill/, README "Run-time compile mode (polyfill)"): the output of
 * emit/module.ts cut in two, so a module's functions can be compiled one at a
 * time, when first called, with exactly the lowering and code AOT emits.
 *
 * - `prepareLazyModule` emits the module's code without any function body:
 *   the runtime bindings, the descriptors and `instantiate` (prologue and
 *   epilogue of emit/module.ts), as the body of
 *   `new Function('$rt', '$$link', code)`, which returns `{ imports,
 *   exports, customSections, instantiate }`. Inside `instantiate`,
 *   `$$lazy = $$link(evaluate, charge)` is the instance's linker
 *   (polyfill/linker.ts): `evaluate` runs a function's code by direct `eval`
 *   in the scope of `instantiate`, so the function sees the instance's
 *   memory, tables, globals, fuel and `Func` objects under the same names as
 *   AOT code does; `charge` is the instance's fuel charge (`chargeFuel`), or
 *   null without fuel. `Func` objects of escaping functions are
 *   `$$lazy.func(funcidx)`, the start function is called through
 *   `$$lazy.fn(funcidx)`, and data segment `i` is `$$lazy.data(i)`, a view
 *   of the module's bytes (AOT code holds the segments as base64).
 * - `lazyFunctionCode` lowers one defined function (lower/func.ts, the passes,
 *   astring) and wraps it as an expression evaluating to `[fn, entry]`: `fn`
 *   the function, `entry` its `Func` callable (with fuel, the wrapper
 *   charging the prepaid first region, as emit/module.ts entryFn). The
 *   defined functions it calls directly are `let` bindings of the wrapper,
 *   initialised by `$$lazy.slot(funcidx, set)`: the callee itself when this
 *   instance compiled it already, or a forwarding stub, and `set` rebinds
 *   it to the compiled callee once that is compiled, so calls between
 *   compiled functions are direct calls, as in AOT code.
 */
import { generate } from 'astring';
import { DENSE_GENERATOR } from './dense.js';
import * as A from '../lower/ast.js';
import { FLAT_DEPTH } from '../lower/func.js';
import { memoryGrowers } from '../lower/grows.js';
import { tableContents } from '../lower/tables.js';
import { checkTune, makeEnv, type ModuleEnv } from '../lower/env.js';
import { Reader } from '../decode/reader.js';
import { readInstr, readLocals, newInstr } from '../decode/code.js';
import { OP, OPS } from '../opcodes.js';
import { CompileError } from '../../runtime/errors.js';
import type { Module } from '../module.js';
import { fuelPrologue, sandboxBindings } from '../lower/fuel.js';
import { CHARGE } from '../lower/fuel-meter.js';
import { resolveFuelCosts } from '../lower/fuel-costs.js';
import { compilePageLimit, limitCall } from '../lower/pagelimit.js';
import { RUNTIME_BINDINGS } from '../bindings.js';
import { functionIR, lowerWithPasses, entryFuel, DEFAULT_SPLIT_WEIGHT } from '../passes/index.js';
import { DV_BIG, I64_BIGINT_DEFAULT, JITLESS } from '../../runtime/i64form.js';
import { entryFn, epilogue, keptCustomSections, prologue, KIND_NAMES, type LazyLinks } from './parts.js';
import type { CompileOptions } from './module.js';

/**
 * The compile options that apply to run-time compilation (emit/module.ts
 * CompileOptions). Defaults differ where the code runs in the engine that
 * compiles it: `i64` is `auto` in V8 with its JIT and `pair` elsewhere,
 * `tune` is `hermes` in V8 and JavaScriptCore without their JIT and `jit` elsewhere
 * (runtime/i64form.ts).
 */
export type LazyCompileOptions = Pick<CompileOptions, 'maxMemoryPages' | 'flatDepth' | 'splitWeight' | 'fuel' | 'fuelCosts' | 'i64' | 'customSections' | 'tune'>;

/** A module prepared for run-time compilation. */
export interface LazyModule {
  /** The lowering environment, shared by every function's compilation. */
  env: ModuleEnv;
  /** The body of `new Function('$rt', '$$link', code)` (see the file comment). */
  code: string;
  /** Split weight of the split pass (0: off). */
  splitWeight: number;
}

const LAZY = '$$lazy';

const LINKS: LazyLinks = {
  funcObject: (fi) => A.mcall(LAZY, 'func', [A.num(fi)]),
  callee: (fi) => A.mcall(LAZY, 'fn', [A.num(fi)]),
  data: (i) => A.mcall(LAZY, 'data', [A.num(i)]),
};

/**
 * Prepares validated module `m` for run-time compilation: its lowering
 * environment (with fuel, the prepaid first regions of every function, as
 * AOT computes them) and the module's code without function bodies. Costs
 * per function only what the environment keeps: the fuel prepayments (2
 * or 4 bytes, with fuel), the memory-grower flags (1 byte, with a memory) and the
 * identifiers of functions the name section names.
 * @throws TypeError for an unknown `tune`.
 * @throws CompileError where `compile` would throw one: a constant
 *   expression or a function using an instruction Kiln cannot lower yet
 *   (`unsupportedInstruction`).
 */
export function prepareLazyModule(m: Module, opts: LazyCompileOptions = {}): LazyModule {
  const unsupported = unsupportedInstruction(m);
  const limit = compilePageLimit(opts.maxMemoryPages);
  const env = makeEnv(m, opts.flatDepth ?? FLAT_DEPTH, true, limit);
  env.fuel = opts.fuel ? resolveFuelCosts(opts.fuelCosts) : null;
  env.prepaid = env.fuel ? compact(entryFuel(m, env.fuel)) : null;
  // Compiled in the engine that runs it: BigInt i64 only where it pays (V8 with its JIT, runtime/i64form.ts).
  env.i64 = opts.i64 ?? (I64_BIGINT_DEFAULT ? 'auto' : 'pair');
  env.dvBig = DV_BIG;
  // Typed-array views where the engine runs without its JIT (Chromium --jitless, Safari's Lockdown Mode), faster there.
  env.tune = checkTune(opts.tune ?? (JITLESS ? 'hermes' : 'jit'));
  env.bigFuncs = new Map();
  env.tables = tableContents(m);
  env.growers = m.memories.length > 0 ? memoryGrowers(m, env.tables) : null;
  const parts: string[] = ["'use strict';\n"];
  parts.push(`const { ${[...RUNTIME_BINDINGS, ...sandboxBindings(env)].join(', ')} } = $rt;\n`);
  parts.push(`const $imports = ${JSON.stringify(m.imports.map((i) => ({ module: i.module, name: i.name, kind: KIND_NAMES[i.kind] })))};\n`);
  parts.push(`const $exports = ${JSON.stringify(m.exports.map((e) => ({ name: e.name, kind: KIND_NAMES[e.kind] })))};\n`);
  parts.push(`const $customSections = ${JSON.stringify(keptCustomSections(m, opts.customSections ?? false))};\n`);
  parts.push('function instantiate(importObject, options) {\n');
  parts.push(`const limit = ${limitCall(env.smallMemory, limit, !!env.fuel)};\n`);
  if (env.fuel) parts.push(fuelPrologue() + '\n');
  parts.push(`const ${LAZY} = $$link(function ($$code) { return eval($$code); }, ${env.fuel ? CHARGE : 'null'});\n`);
  for (const s of prologue(env, LINKS)) parts.push(generate(s, { indent: '' }).trimEnd() + '\n');
  for (const s of epilogue(env, LINKS)) parts.push(generate(s, { indent: '' }).trimEnd() + '\n');
  parts.push('}\nreturn { imports: $imports, exports: $exports, customSections: $customSections, instantiate };\n');
  if (unsupported !== null) throw unsupported;
  return { env, code: parts.join(''), splitWeight: opts.splitWeight ?? DEFAULT_SPLIT_WEIGHT };
}

/**
 * `a` in the smallest unsigned typed array holding every value exactly
 * (Uint16Array, 2 bytes per function, or Uint32Array, 4), else `a` (8).
 */
function compact(a: Float64Array): Float64Array | Uint32Array | Uint16Array {
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) return a;
    if (v > max) max = v;
  }
  return max <= 0xffff ? Uint16Array.from(a) : Uint32Array.from(a);
}

/**
 * The error `compile` would throw for a function of `m` using an instruction
 * Kiln cannot lower yet (SIMD, README "Known limits": the first such
 * instruction, in function order), or null when there is none: the run-time
 * compile mode rejects such a module up front, as `compile` does, instead of
 * failing at the function's first call. `m` must have been validated, which
 * records that instruction (`Module.firstSimd`, validate/func.ts) in the
 * pass it makes over every body anyway.
 */
export function unsupportedInstruction(m: Module): CompileError | null {
  const at = m.firstSimd;
  if (at === null) return null;
  return new CompileError(`${OPS[at.op]!.name} is not supported by the compiler yet (${OPS[at.op]!.feature})`, at.offset, at.funcidx);
}

/** The defined functions `funcidx` calls directly (spec 5.4.1 `call`), itself excluded, in first-call order. */
export function directCallees(m: Module, funcidx: number): number[] {
  const i = funcidx - m.numImportedFuncs;
  const r = new Reader(m.bytes, m.bodyStart[i]!, m.bodyEnd[i]!);
  readLocals(r, m.types[m.funcTypes[funcidx]!]!.params);
  const ins = newInstr();
  const seen = new Set<number>();
  const call = OP['call'];
  while (r.pos < r.end) {
    readInstr(r, ins);
    if (ins.op === call && ins.a >= m.numImportedFuncs && ins.a !== funcidx) seen.add(ins.a);
  }
  return [...seen];
}

/**
 * The code of defined function `funcidx` for the linker's `evaluate`: an
 * expression evaluating to `[fn, entry]` (see the file comment). The function
 * is lowered, split and printed exactly as emit/module.ts does it.
 */
export function lazyFunctionCode(lm: LazyModule, funcidx: number): string {
  const { env } = lm;
  const m = env.m;
  const fn = functionIR(env, funcidx);
  const decl = lowerWithPasses(env, fn, lm.splitWeight);
  fn.release();
  const parts: string[] = ['(function () {\n'];
  for (const c of directCallees(m, funcidx)) {
    const id = env.funcName(c);
    parts.push(`let ${id} = ${LAZY}.slot(${c}, function (v) { ${id} = v; });\n`);
  }
  const slots = env.bigFuncs!.get(funcidx);
  if (slots !== undefined) parts.push(`const RF${funcidx} = new BigUint64Array(${slots}), RD${funcidx} = new Int32Array(RF${funcidx}.buffer);\nlet RB${funcidx} = 0;\n`);
  parts.push(generate(decl, { indent: '', generator: DENSE_GENERATOR }).trimEnd() + '\n');
  const entry = entryFn(env, funcidx, m.types[m.funcTypes[funcidx]!]!);
  parts.push(`return [${env.funcName(funcidx)}, ${generate(entry, { indent: '', generator: DENSE_GENERATOR })}];\n})()`);
  return parts.join('');
}
