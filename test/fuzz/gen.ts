/**
 * The generator: a seeded PRNG builds a module (ast.ts) that is valid by
 * construction (type-directed: every tree is generated for the type its slot
 * needs), together with the calls the oracle makes.
 *
 * Shape of a generated module:
 * - global 0 is the fuel (mutable i32): every generated function and every
 *   loop iteration takes one unit and returns default results when none is
 *   left, so every call terminates, recursion (direct or through the table)
 *   included. Export wrappers refill it. Branches back to a loop mostly test
 *   the fuel against a threshold, so loops run a few times and end.
 * - globals 1 and 2 are sinks: each function's epilogue folds every local
 *   into them (float locals by their bits), so a wrong value in a local is
 *   seen even when nothing else reads it; the body before it is a block, so
 *   branches out of it reach the epilogue too.
 * - functions 0-3 are NaN helpers `canon_f32`, `canon_f64`, `strict_f32`,
 *   `strict_f64`. Every operator whose NaN result the spec leaves
 *   nondeterministic (arithmetic, min/max, rounding, sqrt, promote/demote) is
 *   wrapped in one, so all float bits in the program are deterministic and
 *   compared exactly. `canon` maps a NaN to the canonical NaN when its quiet
 *   bit is set and to the marker 0x7f800001 otherwise (an engine producing a
 *   non-arithmetic NaN shows up). `strict` is used when every float operand
 *   is known to be non-NaN or canonical (`canonOnly`): it also keeps apart a
 *   canonical result (required then) and another arithmetic NaN (0x7fc00001).
 * - then the generated functions, then the export wrappers: `fN` (same
 *   signature, refills the fuel and calls `fN`'s function) and, when the
 *   signature has floats, `fN_b` taking and returning their bits as integers
 *   (so NaN payloads cross the JS boundary exactly), and `gbits` returning the
 *   bits of the float globals.
 *
 * Expressions favour what compilers get wrong: a few locals per type, one of
 * them "hot", read and written (`local.tee`, `local.set` in a block) within
 * one expression, self-updates such as `x = rotl(x, 32)`; constants at the
 * edges (see *_EDGES, SHIFTS); every scalar operator; loads and stores of
 * every width near the end of memory; bulk memory; multi-value blocks, calls
 * and branches; traps of every kind, kept rare enough that most calls run to
 * their end.
 */
import { VALTYPES, type Data, type Elem, type FuncType, type Instr, type Module, type ValType } from './ast.js';
import { Rng, randF32, randF64, randI32, randI64, randValue, type NaNs } from './rng.js';
import { konst, node, HELPERS, FUEL_GLOBAL, SINK32, checkNanDiscipline, helperFunc } from './instrs.js';
import { FuncGen, ModuleGen } from './gen-func.js';

/** Options of `generateModule`. */
export interface GenOptions {
  /** Generated functions (besides helpers and wrappers): at most this many (default 5). */
  maxFuncs?: number;
  /** Expression depth (default 5). */
  maxDepth?: number;
  /** Instructions per function, roughly (default 70). */
  budget?: number;
  /** Fuel units each export call gets (default 100). */
  fuel?: number;
  /**
   * Which NaNs constants and arguments may be (default `all`). Restricting
   * them keeps a known NaN-bits bug from masking others in a campaign.
   */
  nans?: NaNs;
  /**
   * Legacy exception handling (default off, so the modules of a seed stay
   * what they were): tags, `try` with `catch`/`catch_all` or `delegate`,
   * `throw`, `rethrow`; every export wrapper catches what escapes.
   */
  exceptions?: boolean;
}

/** What gen.ts produces: the module and the calls to make, in order. */
export interface Generated {
  module: Module;
  calls: Call[];
}

/** One call of an export: its name and JS arguments (i64 as BigInt). */
export interface Call {
  export: string;
  /** i32/f32/f64 as numbers, i64 as BigInt, references as null. */
  args: (number | bigint | null)[];
}

/** Generates a module from `seed` (see the file comment). Deterministic: the same seed and options give the same module. */
export function generateModule(seed: number, opts: GenOptions = {}): Module {
  const r = new Rng(seed);
  const fuel = opts.fuel ?? 100;
  const g = new ModuleGen(r, opts.nans ?? 'all', fuel);
  const m = g.m;
  const maxDepth = opts.maxDepth ?? 5;
  const budget = opts.budget ?? 70;
  m.globals.push({ type: 'i32', mutable: true, value: fuel, fixed: true });
  m.globals.push({ type: 'i32', mutable: true, value: 0 }, { type: 'i64', mutable: true, value: 0n });
  for (let i = r.int(5); i > 0; i--) {
    const type = r.pick(VALTYPES);
    m.globals.push({ type, mutable: r.bool(0.7), value: randValue(r, type, g.nans) });
  }
  if (r.bool(0.9)) {
    const min = r.bool(0.05) ? 0 : r.pick([1, 1, 1, 2]);
    // Always bounded: a memory.grow of a random delta must not allocate gigabytes in both engines.
    m.memory = { min, max: min + r.int(4) };
    const pages = Math.max(min, 0);
    for (let i = r.int(4); i > 0; i--) {
      const bytes = Array.from({ length: r.range(1, 24) }, () => r.int(256));
      const passive = r.bool(0.4);
      const offset = passive ? null : pages === 0 ? 0 : r.bool(0.97) ? (r.bool(0.7) ? r.int(128) : pages * 65536 - bytes.length - r.int(4)) : pages * 65536 - r.int(bytes.length);
      if (!passive && pages === 0 && bytes.length > 0) continue;
      m.datas.push({ offset, bytes } satisfies Data);
    }
  }
  if (opts.exceptions) m.tags = Array.from({ length: r.range(1, 3) }, () => Array.from({ length: r.int(3) }, () => r.pick(VALTYPES)));
  for (const h of HELPERS) m.funcs.push(helperFunc(h));
  const n = r.range(1, opts.maxFuncs ?? 5);
  const types: FuncType[] = [];
  for (let i = 0; i < n; i++) {
    const reuse = types.length > 0 && r.bool(0.3);
    types.push(reuse ? r.pick(types) : {
      params: Array.from({ length: r.int(5) }, () => r.pick(VALTYPES)),
      results: Array.from({ length: r.pick([0, 1, 1, 1, 1, 2, 3]) }, () => r.pick(VALTYPES)),
    });
  }
  const first = m.funcs.length;
  for (let i = 0; i < n; i++) m.funcs.push({ name: `f${first + i}`, type: types[i]!, locals: [], body: [] });
  g.callable = m.funcs.map((_, i) => i);
  if (r.bool(0.8)) {
    const min = r.range(2, 8);
    // Exported (so not sealed) when its size is even: no draw of its own, so a seed's functions stay as they were.
    m.table = { min, max: r.bool(0.5) ? min : null, exported: min % 2 === 0 };
    for (let k = r.range(1, 2); k > 0; k--) {
      const offset = r.int(min);
      const len = r.range(1, min - offset);
      m.elems.push({ offset, funcs: Array.from({ length: len }, () => (r.bool(0.8) ? r.range(first, first + n - 1) : r.pick(g.callable))) } satisfies Elem);
    }
  }
  for (let i = 0; i < n; i++) {
    const f = m.funcs[first + i]!;
    // At least one local of every type, a few more: few locals, so an expression often reads and writes the same one.
    const have = new Set(f.type.params);
    for (const t of VALTYPES) if (!have.has(t) || r.bool(0.3)) f.locals.push(t);
    for (let j = r.int(3); j > 0; j--) f.locals.push(r.pick(VALTYPES));
    const fg = new FuncGen(g, f.type, f.locals, budget);
    // The body is a block, so that branches out of it (most of them) still reach the sinks.
    f.body = [...fg.guard(), fg.structured('block', { params: [], results: f.type.results }, maxDepth + 1), ...fg.sinks()];
  }
  // Export wrappers.
  const fuelReset = () => node('global.set', [konst('i32', fuel)], [], { index: FUEL_GLOBAL, fixed: true });
  for (let i = 0; i < n; i++) {
    const idx = first + i;
    const t = m.funcs[idx]!.type;
    const get = (j: number, ty: ValType) => node('local.get', [], [ty], { index: j });
    const callIt = node('call', t.params.map((p, j) => get(j, p)), [...t.results], { index: idx });
    m.funcs.push({
      name: `f${idx}_w`, type: t, locals: [], export: `f${idx}`,
      body: [fuelReset(), opts.exceptions ? escapes(callIt, t.results) : callIt],
    });
    if (![...t.params, ...t.results].some((p) => p === 'f32' || p === 'f64')) continue;
    const bitsOf = (ty: ValType): ValType => (ty === 'f32' ? 'i32' : ty === 'f64' ? 'i64' : ty);
    const args = t.params.map((p, j) => (p === 'f32' || p === 'f64' ? node(`${p}.reinterpret_${bitsOf(p)}`, [get(j, bitsOf(p))], [p]) : get(j, p)));
    const body: Instr[] = [fuelReset(), node('call', args, [...t.results], { index: idx })];
    const base = t.params.length;
    for (let j = t.results.length - 1; j >= 0; j--) body.push(node('local.set', [], [], { index: base + j }));
    t.results.forEach((ty, j) => {
      body.push(ty === 'f32' || ty === 'f64' ? node(`${bitsOf(ty)}.reinterpret_${ty}`, [get(base + j, ty)], [bitsOf(ty)]) : get(base + j, ty));
    });
    m.funcs.push({
      name: `f${idx}_b`, export: `f${idx}_b`, locals: [...t.results], bitsOf: t,
      type: { params: t.params.map(bitsOf), results: t.results.map(bitsOf) }, body,
    });
  }
  const floatGlobals = m.globals.flatMap((gl, i) => (gl.type === 'f32' || gl.type === 'f64' ? [i] : []));
  if (floatGlobals.length > 0) {
    m.funcs.push({
      name: 'gbits', export: 'gbits', locals: [],
      type: { params: [], results: floatGlobals.map((i) => (m.globals[i]!.type === 'f32' ? 'i32' : 'i64')) },
      body: floatGlobals.map((i) => {
        const ty = m.globals[i]!.type;
        return node(`${ty === 'f32' ? 'i32' : 'i64'}.reinterpret_${ty}`, [node('global.get', [], [ty], { index: i })], [ty === 'f32' ? 'i32' : 'i64']);
      }),
    });
  }
  const bad = checkNanDiscipline(m);
  if (bad) throw new Error(`generator: NaN discipline broken: ${bad}`);
  return m;
}

/**
 * `call` inside a `try` whose `catch_all` returns zeros and marks the sink
 * global: an exception never leaves an export (the engines' exception objects
 * differ), and one escaping is still seen.
 */
function escapes(call: Instr, results: ValType[]): Instr {
  const zeros = results.map((t) => konst(t, t === 'i64' || t === 'f64' ? 0n : 0));
  const mark = node('global.set', [node('i32.xor', [node('global.get', [], ['i32'], { index: SINK32 }), konst('i32', 0x5a5a)], ['i32'])], [], { index: SINK32 });
  return node('try', [], [...results], { type: { params: [], results }, label: 0, body: [call], catches: [{ tag: -1, body: [mark, ...zeros] }] });
}

/** A JS argument of type `t` for a call: edge cases and random values; `bits` allows any f32/f64 (NaNs are passed only as bits). */
export function randArg(r: Rng, t: ValType): number | bigint {
  switch (t) {
    case 'i32': return randI32(r);
    case 'i64': return r.bool(0.1) ? BigInt.asUintN(64, randI64(r)) : randI64(r);
    case 'f32': case 'f64': {
      // A non-NaN number: how a NaN argument's bits cross the JS boundary is up to the engine.
      for (;;) {
        const v = t === 'f32'
          ? new Float32Array(new Uint32Array([randF32(r)]).buffer)[0]!
          : new Float64Array(new BigUint64Array([randF64(r)]).buffer)[0]!;
        if (v === v) return v;
      }
    }
  }
}

/**
 * The calls to make on a generated module: `perExport` calls of each
 * exported function, interleaved, with bits-wrappers getting NaN patterns too
 * (restricted to `nans`).
 */
export function generateCalls(m: Module, seed: number, perExport = 6, nans: NaNs = 'all'): Call[] {
  const r = new Rng(seed ^ 0x5bd1e995);
  const calls: Call[] = [];
  for (const f of m.funcs) {
    if (f.export === undefined) continue;
    const n = f.export === 'gbits' ? 2 : perExport;
    for (let i = 0; i < n; i++) {
      const args = f.type.params.map((p, j) => {
        const orig = f.bitsOf ? f.bitsOf.params[j]! : p;
        if (orig === 'f32' && p === 'i32') return (randValue(r, 'f32', nans) as number) | 0;
        if (orig === 'f64' && p === 'i64') return BigInt.asIntN(64, randValue(r, 'f64', nans) as bigint);
        return randArg(r, p);
      });
      calls.push({ export: f.export, args });
    }
  }
  // Interleave: a stable shuffle.
  for (let i = calls.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [calls[i], calls[j]] = [calls[j]!, calls[i]!];
  }
  return calls;
}

/** Generates module `seed` and its calls. */
export function generate(seed: number, opts: GenOptions = {}, perExport = 6): Generated {
  const module = generateModule(seed, opts);
  return { module, calls: generateCalls(module, seed, perExport, opts.nans ?? 'all') };
}
