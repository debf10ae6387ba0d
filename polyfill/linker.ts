/**
 * Run-time compilation of one module's functions (compiler/emit/lazy.ts):
 * `LazyCompiler` holds what a `WebAssembly.Module` of the polyfill keeps (the
 * lowering environment, the module's code as a function, the code of the
 * functions compiled so far), and `link` makes the per-instance linker the
 * module's `instantiate` calls as `$$link(evaluate, charge)`.
 *
 * Until it is first called, a function costs nothing beyond the decoded
 * module's per-function typed arrays (compiler/module.ts: its type index and
 * body range, 12 bytes): there is no closure, name or table entry per
 * function. An instance creates a forwarding stub only for a function that
 * escapes (its `Func` object's callable, which AOT code has too) or that a
 * compiled function calls.
 */
import { decodeAndValidate } from '../compiler/validate/decode-validate.js';
import { prepareLazyModule, lazyFunctionCode, type LazyModule, type LazyCompileOptions } from '../compiler/emit/lazy.js';
import { sigString } from '../compiler/lower/env.js';
import { I64 } from '../compiler/types.js';
import * as runtime from '../runtime/index.js';
import { CompileError, Func, rt, type InternalFn } from '../runtime/index.js';

/** Options of run-time compilation: the compile options (README "API") and the compile fuel. */
export interface PolyfillOptions extends LazyCompileOptions {
  /**
   * Fuel charged per byte of a function's body when an instance compiles it
   * (with `fuel`; README "Run-time compile mode (polyfill)"). Default
   * DEFAULT_COMPILE_FUEL_PER_BYTE.
   */
  compileFuelPerByte?: number;
  /** Fuel charged per function an instance compiles, on top of the per-byte cost (with `fuel`). Default DEFAULT_COMPILE_FUEL_PER_FUNCTION. */
  compileFuelPerFunction?: number;
}

/** Default compile fuel per body byte (measured: README "Run-time compile mode (polyfill)"). */
export const DEFAULT_COMPILE_FUEL_PER_BYTE = 3000;
/** Default compile fuel per compiled function (measured: README "Run-time compile mode (polyfill)"). */
export const DEFAULT_COMPILE_FUEL_PER_FUNCTION = 150_000;

/** What a compiled function's code evaluates to: the function and its `Func` callable. */
type Compiled = [InternalFn, InternalFn];

/** The emitted module's code, evaluated once: what a Kiln-compiled JS module exports. */
export interface ModuleCode {
  imports: { module: string; name: string; kind: 'function' | 'table' | 'memory' | 'global' }[];
  exports: { name: string; kind: 'function' | 'table' | 'memory' | 'global' }[];
  customSections: { name: string; data: string }[];
  instantiate(importObject?: unknown, options?: unknown): { exports: object; getFuel?(): number; setFuel?(n: number): void };
}

/** The error thrown where the engine forbids evaluating code (Content Security Policy without 'unsafe-eval'). */
export function cspError(e: unknown): CompileError {
  const why = e instanceof Error ? e.message : String(e);
  return new CompileError(
    `run-time compilation needs \`new Function\` and \`eval\`, which this environment forbids (${why}); ` +
      "a Content Security Policy needs 'unsafe-eval' for them. Compile the module ahead of time instead " +
      '(`kiln compile app.wasm -o app.wasm.js`) and use wasm-kiln/webassembly (README "A WebAssembly namespace for existing glue")',
  );
}

/**
 * A module decoded, validated and prepared for run-time compilation. Function
 * code is produced on first use (by any instance) and kept for the others.
 */
export class LazyCompiler {
  readonly lazy: LazyModule;
  readonly code: ModuleCode;
  /** Compile fuel per body byte and per function; null without fuel. */
  private readonly fuelRate: [number, number] | null;
  /** The code of each function compiled so far, by funcidx. */
  private readonly texts = new Map<number, string>();

  /**
   * Decodes and validates `bytes` (the same validator as `compile`), then
   * evaluates the module's code with `new Function`.
   * @throws CompileError when the module is malformed or invalid (same message and offset as AOT), or when the engine forbids `new Function` (CSP).
   */
  constructor(bytes: Uint8Array, options: PolyfillOptions = {}) {
    const m = decodeAndValidate(bytes);
    this.lazy = prepareLazyModule(m, options);
    this.fuelRate = options.fuel
      ? [amount(options.compileFuelPerByte, DEFAULT_COMPILE_FUEL_PER_BYTE, 'compileFuelPerByte'), amount(options.compileFuelPerFunction, DEFAULT_COMPILE_FUEL_PER_FUNCTION, 'compileFuelPerFunction')]
      : null;
    let make: (rtNs: unknown, link: unknown) => ModuleCode;
    try {
      make = new Function('$rt', '$$link', this.lazy.code) as typeof make;
    } catch (e) {
      if (e instanceof EvalError) throw cspError(e);
      throw e;
    }
    this.code = make(runtime, (evaluate: (code: string) => Compiled, charge: ((n: number) => void) | null) => new Linker(this, evaluate, charge));
  }

  /** The compile fuel of defined function `funcidx`: per function plus per body byte. */
  compileFuel(funcidx: number): number {
    if (this.fuelRate === null) return 0;
    const m = this.lazy.env.m;
    const i = funcidx - m.numImportedFuncs;
    return this.fuelRate[1] + this.fuelRate[0] * (m.bodyEnd[i]! - m.bodyStart[i]!);
  }

  /** The code of defined function `funcidx` (compiler/emit/lazy.ts lazyFunctionCode), lowered on first request. */
  text(funcidx: number): string {
    let t = this.texts.get(funcidx);
    if (t === undefined) {
      t = lazyFunctionCode(this.lazy, funcidx);
      this.texts.set(funcidx, t);
    }
    return t;
  }

  /** The funcidx of every function lowered so far, ascending (for tests and benchmarks). */
  lowered(): number[] {
    return [...this.texts.keys()].sort((a, b) => a - b);
  }

  /** The number of internal-ABI parameters of function `funcidx` (an i64 counts two: ABI.md "Calling convention"). */
  arity(funcidx: number): number {
    const m = this.lazy.env.m;
    const params = m.types[m.funcTypes[funcidx]!]!.params;
    let n = 0;
    for (const p of params) n += p === I64 ? 2 : 1;
    return n;
  }

  /** The signature string (`Func.sig`) of function `funcidx`. */
  sig(funcidx: number): string {
    const m = this.lazy.env.m;
    return sigString(m.types[m.funcTypes[funcidx]!]!);
  }
}

/** A non-negative integer option, or its default. @throws TypeError otherwise. */
function amount(v: number | undefined, dflt: number, name: string): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < 0) throw new TypeError(`${name} must be a non-negative integer, got ${String(v)}`);
  return v;
}

/**
 * One instance's linker (`$$lazy` in the module's code): compiles functions
 * on first call in this instance, charging the compile fuel first, and links
 * them to their callers and `Func` objects.
 */
class Linker {
  private readonly compiled = new Map<number, Compiled>();
  /** Rebinding callbacks of compiled callers waiting for a callee, by funcidx. */
  private readonly waiting = new Map<number, ((f: InternalFn) => void)[]>();
  private readonly stubs = new Map<number, InternalFn>();
  private readonly funcs = new Map<number, Func>();

  constructor(
    private readonly owner: LazyCompiler,
    private readonly evaluate: (code: string) => Compiled,
    private readonly charge: ((n: number) => void) | null,
  ) {}

  /**
   * Function `funcidx` of this instance, compiled: on its first call the
   * compile fuel is charged (an `out-of-fuel` trap leaves it uncompiled),
   * then its code is evaluated in the instance's scope and linked.
   */
  private get(funcidx: number): Compiled {
    let c = this.compiled.get(funcidx);
    if (c !== undefined) return c;
    if (this.charge !== null) this.charge(this.owner.compileFuel(funcidx));
    const text = this.owner.text(funcidx);
    try {
      c = this.evaluate(text);
    } catch (e) {
      if (e instanceof EvalError) throw cspError(e);
      throw e;
    }
    this.compiled.set(funcidx, c);
    const f = this.funcs.get(funcidx);
    if (f !== undefined) f.fn = c[1];
    const w = this.waiting.get(funcidx);
    if (w !== undefined) {
      this.waiting.delete(funcidx);
      this.stubs.delete(funcidx);
      for (const set of w) set(c[0]);
    }
    return c;
  }

  /** The internal-ABI function `funcidx`, compiled (the start function's call). */
  fn(funcidx: number): InternalFn {
    return this.get(funcidx)[0];
  }

  /**
   * For a compiled caller's binding of callee `funcidx`: the callee when
   * compiled, else a stub compiling it on first call; `set` rebinds the
   * caller's binding once the callee is compiled.
   */
  slot(funcidx: number, set: (f: InternalFn) => void): InternalFn {
    const c = this.compiled.get(funcidx);
    if (c !== undefined) return c[0];
    let w = this.waiting.get(funcidx);
    if (w === undefined) this.waiting.set(funcidx, (w = []));
    w.push(set);
    let stub = this.stubs.get(funcidx);
    if (stub === undefined) {
      stub = forwarder(this.owner.arity(funcidx), () => this.get(funcidx)[0]);
      this.stubs.set(funcidx, stub);
    }
    return stub;
  }

  /** The bytes of data segment `i` (spec 2.5.12): a view of the module's copy of its input, read by `memory.init` and instantiation. */
  data(i: number): Uint8Array {
    return this.owner.lazy.env.m.datas[i]!.bytes;
  }

  /** The `Func` object of escaping function `funcidx`; its callable compiles the function on first call. */
  func(funcidx: number): Func {
    const f = new Func(this.owner.sig(funcidx), forwarder(this.owner.arity(funcidx), () => this.get(funcidx)[1]), rt);
    this.funcs.set(funcidx, f);
    return f;
  }
}

/**
 * A function of `n` internal-ABI parameters calling `resolve()`'s function
 * (resolved on its first call, and again after a call where `resolve`
 * threw: an out-of-fuel compile), without rest parameters for up to 4.
 */
function forwarder(n: number, resolve: () => InternalFn): InternalFn {
  let f: InternalFn | null = null;
  switch (n) {
    case 0: return () => (f ??= resolve())();
    case 1: return (a: unknown) => (f ??= resolve())(a);
    case 2: return (a: unknown, b: unknown) => (f ??= resolve())(a, b);
    case 3: return (a: unknown, b: unknown, c: unknown) => (f ??= resolve())(a, b, c);
    case 4: return (a: unknown, b: unknown, c: unknown, d: unknown) => (f ??= resolve())(a, b, c, d);
    default: return (...a: unknown[]) => (f ??= resolve())(...a);
  }
}
