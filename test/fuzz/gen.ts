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
import { MEM_OPS, NUM_BY_NAME, NUM_OPS, VALTYPES, type Data, type Elem, type Func, type FuncType, type Instr, type MemOp, type Module, type NumOp, type ValType } from './ast.js';

// ---------------------------------------------------------------------------
// PRNG

/** A small seeded PRNG (sfc32, seeded through splitmix32). */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.u32();
  }
  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.u32() / 4294967296) * n);
  }
  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  /** True with probability p. */
  bool(p = 0.5): boolean {
    return this.u32() / 4294967296 < p;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!;
  }
  /** A uniform 64-bit pattern as a signed BigInt. */
  i64(): bigint {
    return BigInt.asIntN(64, (BigInt(this.u32()) << 32n) | BigInt(this.u32()));
  }
  /** Picks a key of `weights` with probability proportional to its weight. */
  weighted<K extends string>(weights: Partial<Record<K, number>>): K {
    let total = 0;
    for (const k in weights) total += weights[k] ?? 0;
    let r = (this.u32() / 4294967296) * total;
    for (const k in weights) {
      r -= weights[k] ?? 0;
      if (r < 0) return k;
    }
    return Object.keys(weights)[0] as K;
  }
}

// ---------------------------------------------------------------------------
// Values

const f32bits = (x: number) => new Uint32Array(new Float32Array([x]).buffer)[0]!;
const f64bits = (x: number) => new BigUint64Array(new Float64Array([x]).buffer)[0]!;

/** Edge-case i32 values. */
export const I32_EDGES: readonly number[] = [
  0, 1, -1, 2, 3, 7, 8, 15, 16, 31, 32, 33, 63, 64, 65, 127, 128, 255, 256, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, -0x80000000,
  -2, -0x7fffffff, 0x55555555, -0x55555556, 0x12345678, 0x3fffffff, 0x40000000, 0xff00, -256,
];
/** Edge-case i64 values. */
export const I64_EDGES: readonly bigint[] = [
  0n, 1n, -1n, 2n, 31n, 32n, 33n, 63n, 64n, 65n, 127n, 255n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 0x100000001n, -0x80000000n,
  -0x80000001n, -0x100000000n, 0x7fffffffffffffffn, -0x8000000000000000n, -2n, 0xffffffff00000000n - 0x10000000000000000n,
  0x7fffffff00000000n, 0x80000000ffffffffn - 0x10000000000000000n, 0x123456789abcdefn, 1n << 52n, (1n << 53n) + 1n, 1n << 62n,
];
/** Small shift counts: at and around the widths. */
const SHIFTS: readonly number[] = [0, 1, 7, 8, 16, 31, 32, 32, 32, 33, 48, 63, 64, 65, 96, -1, -32, 127];
/** Edge-case f32 bit patterns: zeros, infinities, NaNs (canonical, payloads, signalling, negative), denormals, conversion limits, halves. */
export const F32_EDGES: readonly number[] = [
  0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fa00000, 0x7f800001,
  0x7fc00001, 0xffbfffff, 0x7fffffff, 0xffffffff, 0x00000001, 0x80000001, 0x007fffff, 0x00800000, 0x7f7fffff, 0xff7fffff,
  f32bits(2 ** 31), f32bits(-(2 ** 31)), f32bits(2 ** 32), f32bits(2 ** 63), f32bits(-(2 ** 63)), f32bits(2 ** 64), 0x4effffff, 0xcf000001,
  0x4f7fffff, 0x5effffff, 0xdeffffff, 0x5f7fffff, f32bits(0.5), f32bits(-0.5), f32bits(1.5), f32bits(2.5), f32bits(-1.5), f32bits(0.49999997),
  f32bits(2 ** 23), f32bits(2 ** 23 + 1), f32bits(2 ** 24 + 2), f32bits(-0.9999999), f32bits(4294967295), f32bits(-1.0000001),
].map((b) => b >>> 0);
/** Edge-case f64 bit patterns (see F32_EDGES). */
export const F64_EDGES: readonly bigint[] = [
  0n, 0x8000000000000000n, f64bits(1), f64bits(-1), 0x7ff0000000000000n, 0xfff0000000000000n, 0x7ff8000000000000n, 0xfff8000000000000n,
  0x7ff4000000000000n, 0x7ff0000000000001n, 0x7ff8000000000001n, 0xfff7ffffffffffffn, 0x7fffffffffffffffn, 0xffffffffffffffffn, 1n,
  0x8000000000000001n, 0x000fffffffffffffn, 0x0010000000000000n, 0x7fefffffffffffffn, 0xffefffffffffffffn, f64bits(2 ** 31),
  f64bits(-(2 ** 31)), f64bits(2 ** 31 - 1), f64bits(2 ** 31 - 0.5), f64bits(-(2 ** 31) - 1), f64bits(-(2 ** 31) - 0.5), f64bits(2 ** 32),
  f64bits(2 ** 32 - 1), f64bits(2 ** 32 - 0.5), f64bits(2 ** 63), f64bits(-(2 ** 63)), f64bits(2 ** 64), f64bits(-1 + 2 ** -53),
  0x43dfffffffffffffn, 0xc3dfffffffffffffn, 0x43efffffffffffffn, f64bits(0.5), f64bits(-0.5), f64bits(1.5), f64bits(2.5), f64bits(-2.5),
  f64bits(0.49999999999999994), f64bits(2 ** 52), f64bits(2 ** 52 + 1), f64bits(2 ** 53 + 2), f64bits(1e300), f64bits(1e-300),
  f64bits(3.4028235677973366e38), f64bits(3.4028234663852886e38), f64bits(1.401298464324817e-45), f64bits(7e-46),
];

/** A random i32: an edge value or uniform. */
export function randI32(r: Rng): number {
  return r.bool(0.6) ? r.pick(I32_EDGES) : r.bool(0.3) ? r.range(-300, 300) : r.u32() | 0;
}
/** A random i64 (signed BigInt). */
export function randI64(r: Rng): bigint {
  return r.bool(0.6) ? r.pick(I64_EDGES) : r.bool(0.3) ? BigInt(r.range(-300, 300)) : r.i64();
}
/** Random f32 bits. */
export function randF32(r: Rng): number {
  if (r.bool(0.55)) return r.pick(F32_EDGES);
  if (r.bool(0.5)) return f32bits(r.range(-2000, 2000) / r.pick([1, 2, 4, 8, 3, 10]));
  return r.u32();
}
/** Random f64 bits (unsigned BigInt). */
export function randF64(r: Rng): bigint {
  if (r.bool(0.55)) return r.pick(F64_EDGES);
  if (r.bool(0.5)) return f64bits(r.range(-2000, 2000) / r.pick([1, 2, 4, 8, 3, 10]));
  return BigInt.asUintN(64, r.i64());
}
/** Which NaNs constants and arguments may be: any, quiet ones only, or only the canonical NaN (either sign). */
export type NaNs = 'all' | 'quiet' | 'canonical';

/** Float bits with a NaN restricted to `nans` (other values unchanged). */
export function restrictNaN(t: 'f32' | 'f64', v: number | bigint, nans: NaNs): number | bigint {
  if (nans === 'all' || nanKind(t, v) === 'none') return v;
  if (t === 'f32') {
    const b = (v as number) >>> 0;
    return (nans === 'quiet' ? b | 0x400000 : (b & 0x80000000) | 0x7fc00000) >>> 0;
  }
  const b = BigInt.asUintN(64, v as bigint);
  return nans === 'quiet' ? b | 0x8000000000000n : (b & 0x8000000000000000n) | 0x7ff8000000000000n;
}

/** A random constant value of type `t` (ast.ts encoding), its NaNs restricted to `nans`. */
export function randValue(r: Rng, t: ValType, nans: NaNs = 'all'): number | bigint {
  switch (t) {
    case 'i32': return randI32(r);
    case 'i64': return randI64(r);
    case 'f32': return restrictNaN(t, randF32(r), nans);
    case 'f64': return restrictNaN(t, randF64(r), nans);
  }
}

/** Whether float bits are a NaN, and whether it is the canonical one (either sign). */
function nanKind(t: 'f32' | 'f64', v: number | bigint): 'none' | 'canonical' | 'other' {
  if (t === 'f32') {
    const b = (v as number) >>> 0;
    if ((b & 0x7f800000) !== 0x7f800000 || (b & 0x7fffff) === 0) return 'none';
    return (b & 0x7fffff) === 0x400000 ? 'canonical' : 'other';
  }
  const b = BigInt.asUintN(64, v as bigint);
  if ((b & 0x7ff0000000000000n) !== 0x7ff0000000000000n || (b & 0xfffffffffffffn) === 0n) return 'none';
  return (b & 0xfffffffffffffn) === 0x8000000000000n ? 'canonical' : 'other';
}

// ---------------------------------------------------------------------------
// Instruction constructors

/** A constant of type `t`. */
export function konst(t: ValType, value: number | bigint): Instr {
  return { op: `${t}.const`, args: [], out: [t], value };
}
/** The default value (zero) of `t` as a constant. */
export function zero(t: ValType): Instr {
  return konst(t, t === 'i64' || t === 'f64' ? 0n : 0);
}
function node(op: string, args: Instr[], out: ValType[], extra: Partial<Instr> = {}): Instr {
  return { op, args, out, ...extra };
}

/** Names of the NaN helpers, at function indices 0-3. */
export const HELPERS = ['canon_f32', 'canon_f64', 'strict_f32', 'strict_f64'] as const;
const FUEL_GLOBAL = 0;
/** Globals 1 and 2 collect every local's final value (i32/f32 bits, i64/f64 bits) at each function's end. */
const SINK32 = 1, SINK64 = 2;
/** Globals generated code reads and writes at random: not the fuel or the sinks. */
const FIRST_FREE_GLOBAL = 3;

function helperFunc(name: (typeof HELPERS)[number]): Func {
  const t: ValType = name.endsWith('f32') ? 'f32' : 'f64';
  const it: ValType = t === 'f32' ? 'i32' : 'i64';
  const k = (v: number | bigint) => (t === 'f32' ? konst('i32', Number(v) | 0) : konst('i64', BigInt(v)));
  const bits = () => node(`${it}.reinterpret_${t}`, [node('local.get', [], [t], { index: 0 })], [it]);
  const fc = (v32: number, v64: bigint) => konst(t, t === 'f32' ? v32 : v64);
  const quiet = node(`${it}.and`, [bits(), k(t === 'f32' ? 0x400000 : 0x8000000000000n)], [it]);
  const isQuiet = it === 'i32' ? quiet : node('i64.ne', [quiet, konst('i64', 0n)], ['i32']);
  let nanValue: Instr;
  if (name.startsWith('canon')) {
    nanValue = node('select', [fc(0x7fc00000, 0x7ff8000000000000n), fc(0x7f800001, 0x7ff0000000000001n), isQuiet], [t]);
  } else {
    const rest = node(`${it}.and`, [bits(), k(t === 'f32' ? 0x3fffff : 0x7ffffffffffffn)], [it]);
    const arith = node('select', [fc(0x7fc00000, 0x7ff8000000000000n), fc(0x7fc00001, 0x7ff8000000000001n), node(`${it}.eqz`, [rest], ['i32'])], [t]);
    nanValue = node('select', [arith, fc(0x7f800001, 0x7ff0000000000001n), isQuiet], [t]);
  }
  const get = () => node('local.get', [], [t], { index: 0 });
  const body = [node('if', [node(`${t}.eq`, [get(), get()], ['i32'])], [t], { type: { params: [], results: [t] }, label: 0, body: [get()], else: [nanValue] })];
  return { name, type: { params: [t], results: [t] }, locals: [], body, fixed: true };
}

/** The NaN helper `ins` calls, or null when it is not such a call. */
function helperName(m: Module, ins: Instr): (typeof HELPERS)[number] | null {
  if (ins.op !== 'call') return null;
  const name = m.funcs[ins.index!]?.name;
  return (HELPERS as readonly string[]).includes(name ?? '') ? (name as (typeof HELPERS)[number]) : null;
}

/** Whether the float values `ins` can produce are known to be non-NaN or canonical NaNs (see the file comment). */
export function canonOnly(m: Module, ins: Instr): boolean {
  const op = ins.op;
  if (op === 'f32.const' || op === 'f64.const') return nanKind(op.slice(0, 3) as 'f32' | 'f64', ins.value!) !== 'other';
  if (op === 'call') {
    // Only a helper wrapping an operator as wrapNan does: a helper called on any other value (a random
    // call to it, `strict_f32 (local.get 1)`) passes a NaN marker on, which is an arithmetic NaN.
    const h = helperName(m, ins);
    const arg = ins.args.length === 1 ? ins.args[0]! : null;
    const aop = arg === null ? undefined : NUM_BY_NAME.get(arg.op);
    if (h === null || arg === null || aop?.nan !== true) return false;
    return h.startsWith('canon') || (arg.args.length === aop.params.length && arg.args.every((a) => canonOnly(m, a)));
  }
  if (/^f(32|64)\.convert_/.test(op)) return true;
  if (/^f(32|64)\.(abs|neg|copysign)$/.test(op)) return ins.args.length === NUM_BY_NAME.get(op)!.params.length && canonOnly(m, ins.args[0]!);
  if (op === 'select') return ins.args.length === 3 && canonOnly(m, ins.args[0]!) && canonOnly(m, ins.args[1]!);
  return false;
}

/**
 * Checks the NaN discipline of `m` (see the file comment): every operator
 * with a nondeterministic NaN is the whole operand of a `canon` call, or of a
 * `strict` call with only `canonOnly` operands. Returns the first violation, or null.
 */
export function checkNanDiscipline(m: Module): string | null {
  let bad: string | null = null;
  const visit = (ins: Instr, parent: Instr | null) => {
    const op = NUM_BY_NAME.get(ins.op);
    if (op?.nan) {
      const helper = parent ? helperName(m, parent) : null;
      const t = op.result;
      if (helper === null || !helper.endsWith(t) || parent!.args.length !== 1) bad ??= `${ins.op} not canonicalised`;
      else if (helper.startsWith('strict') && !(ins.args.length === op.params.length && ins.args.every((a) => canonOnly(m, a)))) bad ??= `${ins.op} under strict with unknown NaNs`;
    }
    for (const a of ins.args) visit(a, ins);
    for (const b of [ins.body ?? [], ins.else ?? []]) for (const c of b) visit(c, null);
  };
  const wrappers = new Set<(typeof HELPERS)[number]>();
  const visitAll = (ins: Instr, parent: Instr | null) => {
    if (NUM_BY_NAME.get(ins.op)?.nan && parent) {
      const h = helperName(m, parent);
      if (h) wrappers.add(h);
    }
    for (const a of ins.args) visitAll(a, ins);
    for (const b of [ins.body ?? [], ins.else ?? []]) for (const c of b) visitAll(c, null);
  };
  for (const f of m.funcs) for (const ins of f.body) visit(ins, null);
  for (const f of m.funcs) for (const ins of f.body) visitAll(ins, null);
  // A helper that canonicalises some operator must be intact (the shrinker may simplify the others).
  for (const h of wrappers) {
    if (bodyText(m.funcs.find((f) => f.name === h)!.body) !== bodyText(helperFunc(h).body)) bad ??= `helper ${h} changed while in use`;
  }
  return bad;
}

function bodyText(body: Instr[]): string {
  return JSON.stringify(body, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
}

// ---------------------------------------------------------------------------
// Function bodies

interface Label {
  id: number;
  loop: boolean;
  /** What a branch to it carries: a loop's params, otherwise the results. */
  types: ValType[];
}

const sameTypes = (a: readonly ValType[], b: readonly ValType[]) => a.length === b.length && a.every((t, i) => t === b[i]);

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
}

class FuncGen {
  private labels: Label[];
  private nextLabel = 1;
  private budget: number;
  private readonly hot = new Map<ValType, number>();
  readonly locals: ValType[];

  constructor(private readonly g: ModuleGen, readonly type: FuncType, locals: ValType[], budget: number) {
    this.labels = [{ id: -1, loop: false, types: type.results }];
    this.locals = [...type.params, ...locals];
    this.budget = budget;
  }

  private get r(): Rng {
    return this.g.r;
  }

  // -- leaves

  private konst(t: ValType): Instr {
    return konst(t, randValue(this.r, t, this.g.nans));
  }

  /** A local of type `t`: half the time the function's "hot" one of that type, so reads and writes of one local meet in an expression. */
  private localOf(t: ValType): number {
    const idx = this.locals.flatMap((u, i) => (u === t ? [i] : []));
    let hot = this.hot.get(t);
    if (hot === undefined) this.hot.set(t, (hot = this.r.pick(idx)));
    return this.r.bool(0.5) ? hot : this.r.pick(idx);
  }

  private leaf(t: ValType): Instr {
    const k = this.r.weighted({ konst: 4, local: 5, global: 1 });
    if (k === 'local') return node('local.get', [], [t], { index: this.localOf(t) });
    if (k === 'global') {
      const gs = this.g.m.globals.flatMap((g, i) => (g.type === t && i >= FIRST_FREE_GLOBAL ? [i] : []));
      if (gs.length > 0) return node('global.get', [], [t], { index: this.r.pick(gs) });
    }
    return this.konst(t);
  }

  // -- expressions

  /** A tree leaving exactly one value of type `t`. */
  expr(t: ValType, d: number): Instr {
    if (d <= 0 || this.budget <= 0) return this.leaf(t);
    this.budget--;
    const m = this.g.m;
    const k = this.r.weighted({
      leaf: 8, unop: 12, binop: 20, tee: 9, alias: 6, select: 4, load: m.memory ? 6 : 0, call: 3, call_indirect: m.table ? 2 : 0,
      block: 3, if: 4, loop: 2, br_if: 2, memory: t === 'i32' && m.memory ? 2 : 0, poly: 0.5, global_set: 1,
    });
    switch (k) {
      case 'unop': case 'binop': {
        const cands = this.g.opsByResult.get(t)!.filter((o) => (k === 'unop' ? o.params.length === 1 : o.params.length === 2));
        return this.numOp(this.r.pick(cands), d);
      }
      case 'tee': {
        const x = this.localOf(t);
        return node('local.tee', [this.r.bool(0.3) ? this.update(t, x, d - 1) : this.expr(t, d - 1)], [t], { index: x });
      }
      case 'alias': {
        // An operator whose operands read and write the same local (a known miscompile class: a read
        // that the compiler defers past a later write in the same expression).
        const cands = this.g.opsByResult.get(t)!.filter((o) => o.params.length === 2 && o.params[0] === o.params[1]);
        const op = this.r.pick(cands);
        const p = op.params[0]!;
        const x = this.localOf(p);
        const get = () => node('local.get', [], [p], { index: x });
        const tee = () => node('local.tee', [this.r.bool(0.4) ? this.update(p, x, d - 1) : this.expr(p, d - 1)], [p], { index: x });
        const set = () => this.wrapBlock([node('local.set', [this.expr(p, d - 1)], [], { index: x }), get()], p);
        const nested = (inner: Instr) => {
          // The read or write one operator further down.
          const ops = this.g.opsByResult.get(p)!.filter((o) => o.params.length === 2 && o.params[0] === p && o.params[1] === p);
          const o = this.r.pick(ops);
          const pair = this.r.bool() ? [inner, this.expr(p, d - 2)] : [this.expr(p, d - 2), inner];
          return this.g.wrapNan(node(o.name, pair, [p]), o);
        };
        let a = this.r.bool(0.7) ? get() : tee();
        let b = this.r.pick([tee, tee, set, get])();
        if (this.r.bool(0.3)) a = nested(a);
        if (this.r.bool(0.3)) b = nested(b);
        const args = this.r.bool(0.8) ? [a, b] : [b, a];
        return this.g.wrapNan(node(op.name, args, [op.result]), op);
      }
      case 'select': {
        const args = [this.expr(t, d - 1), this.expr(t, d - 1), this.expr('i32', d - 1)];
        return node('select', args, [t], this.r.bool() ? { selectType: t } : {});
      }
      case 'load': {
        const op = this.r.pick(MEM_OPS.filter((o) => !o.store && o.type === t));
        return this.memAccess(op, [this.address(d - 1)]);
      }
      case 'call': case 'call_indirect': {
        const r = this.call(k, [t], d);
        if (r) return r;
        break;
      }
      case 'block': case 'if': case 'loop': return this.structured(k, { params: this.blockParams(), results: [t] }, d);
      case 'br_if': {
        const ls = this.labels.filter((l) => sameTypes(l.types, [t]));
        if (ls.length === 0) break;
        const l = this.r.pick(ls);
        return node('br_if', [this.expr(t, d - 1), this.cond(l, d - 1)], [t], { target: l.id });
      }
      case 'memory':
        if (this.r.bool(0.4)) return node('memory.size', [], ['i32']);
        return node('memory.grow', [this.r.bool(0.7) ? konst('i32', this.r.pick([0, 1, 1, 2, 3, -1, 0x10000])) : this.expr('i32', d - 1)], ['i32']);
      case 'poly': return this.poly([t], d);
      case 'global_set': {
        // (block (result t) (global.set ...) expr): a write in the middle of an expression.
        const s = this.globalSet(d);
        if (!s) break;
        return this.wrapBlock([s, this.expr(t, d - 1)], t);
      }
      default: break;
    }
    return this.leaf(t);
  }

  /**
   * `op(local x, e)` for a write back to x, as in `(local.tee $x (i64.shl
   * (local.get $x) (i64.const 32)))`: shifts and rotations by the half width
   * make a pair whose halves are the local's own (a known miscompile class).
   */
  private update(t: ValType, x: number, d: number): Instr {
    const cands = this.g.opsByResult.get(t)!.filter((q) => q.params.length === 2 && q.params[0] === t);
    const shifts = cands.filter((q) => /\.(shl|shr_s|shr_u|rotl|rotr)$/.test(q.name));
    const o = shifts.length > 0 && this.r.bool(0.5) ? this.r.pick(shifts) : this.r.pick(cands);
    const get = node('local.get', [], [t], { index: x });
    return this.numOp(o, d, get);
  }

  private wrapBlock(body: Instr[], t: ValType): Instr {
    const id = this.nextLabel++;
    return node('block', [], [t], { type: { params: [], results: [t] }, label: id, body });
  }

  /** An operator with generated operands (shift counts and divisors biased to edge cases); `first` replaces the first operand. */
  private numOp(op: NumOp, d: number, first?: Instr): Instr {
    const args = op.params.map((p, i) => {
      if (i === 0 && first) return first;
      if (i === 1 && /\.(shl|shr_s|shr_u|rotl|rotr)$/.test(op.name) && this.r.bool(0.5)) {
        const s = this.r.pick(SHIFTS);
        return p === 'i64' ? konst('i64', BigInt(s)) : konst('i32', s);
      }
      if (/trunc_f/.test(op.name) && this.r.bool(0.2)) return this.konst(p);
      if (/\.(div|rem)_[su]$/.test(op.name) && i === 1) {
        // Division by zero traps; mostly keep the divisor odd so the code after it runs.
        if (this.r.bool(0.15)) return konst(p, p === 'i64' ? this.r.pick([0n, -1n, 1n, 2n]) : this.r.pick([0, -1, 1, 2]));
        if (this.r.bool(0.5)) return node(`${p}.or`, [this.expr(p, d - 1), p === 'i64' ? konst('i64', 1n) : konst('i32', 1)], [p]);
      }
      return this.expr(p, d - 1);
    });
    return this.g.wrapNan(node(op.name, args, [op.result]), op);
  }

  private memAccess(op: MemOp, args: Instr[]): Instr {
    const r = this.r;
    const natural = Math.log2(op.width);
    const align = r.bool(0.7) ? natural : r.int(natural + 1);
    const offset = r.bool(0.7) ? 0 : r.bool(0.92) ? r.range(1, 64) : r.pick([65535, 65536, 65536 - op.width, 65537, 131072 - 1, 0x7fffffff, 0xffffffff, 0xfffffff0]);
    return node(op.name, args, op.store ? [] : [op.type], { align, offset });
  }

  /** An i32 address: small, near the end of memory, huge, or computed (masked or not). */
  private address(d: number): Instr {
    const r = this.r;
    const pages = this.g.m.memory?.min ?? 1;
    const k = r.weighted({ small: 55, end: 7, huge: 2, masked: 33, raw: 3 });
    switch (k) {
      case 'small': return konst('i32', r.int(256));
      case 'end': return konst('i32', (r.bool(0.8) ? pages : pages + 1) * 65536 - r.int(17));
      case 'huge': return konst('i32', r.pick([-1, -4, -8, 0x7fffffff, 0x80000000 | 0, 65536, 131072, 0x10000000]));
      case 'masked': {
        const masks = [0xff, 0xfff, 0xfff8, ...(pages >= 1 ? [0xffff] : []), ...(pages >= 2 ? [0x1ffff] : [])];
        return node('i32.and', [this.expr('i32', d), konst('i32', r.pick(masks))], ['i32']);
      }
      default: return this.expr('i32', d);
    }
  }

  private blockParams(): ValType[] {
    return this.r.bool(0.2) ? Array.from({ length: this.r.range(1, 2) }, () => this.r.pick(VALTYPES)) : [];
  }

  /** Trees leaving exactly `types`, in order (single values, multi-value calls or blocks). */
  producers(types: ValType[], d: number): Instr[] {
    const out: Instr[] = [];
    for (let i = 0; i < types.length; ) {
      const rest = types.length - i;
      if (rest >= 2 && d > 0 && this.budget > 0 && this.r.bool(0.25)) {
        const n = this.r.range(2, rest);
        const ts = types.slice(i, i + n);
        const viaCall = this.r.bool(0.5) ? this.call(this.r.bool(0.7) ? 'call' : 'call_indirect', ts, d) : null;
        out.push(viaCall ?? this.structured(this.r.pick(['block', 'if', 'loop'] as const), { params: this.blockParams(), results: ts }, d));
        i += n;
        continue;
      }
      out.push(this.expr(types[i]!, d));
      i++;
    }
    return out;
  }

  /** A call (direct or indirect) whose results are exactly `results`, or null when no function has them. */
  private call(kind: 'call' | 'call_indirect', results: ValType[], d: number): Instr | null {
    const m = this.g.m;
    const cands = this.g.callable.filter((i) => sameTypes(m.funcs[i]!.type.results, results));
    if (kind === 'call') {
      if (cands.length === 0) return null;
      const f = this.r.pick(cands);
      const t = m.funcs[f]!.type;
      return node('call', this.producers(t.params, d - 1), results, { index: f });
    }
    if (!m.table) return null;
    // Mostly a signature some function has (so calls can match), sometimes another one (a mismatch).
    const sig: FuncType = cands.length > 0 && this.r.bool(0.8)
      ? m.funcs[this.r.pick(cands)]!.type
      : { params: Array.from({ length: this.r.int(3) }, () => this.r.pick(VALTYPES)), results };
    const r = this.r;
    // Mostly a slot holding a function of that signature, so most calls go through.
    const matching = m.elems.flatMap((e) => e.funcs.flatMap((f, j) => (sameTypes(m.funcs[f]!.type.params, sig.params) && sameTypes(m.funcs[f]!.type.results, sig.results) ? [e.offset + j] : [])));
    if (matching.length > 0 && r.bool(0.9)) return node('call_indirect', [...this.producers(sig.params, d - 1), konst('i32', r.pick(matching))], results, { type: sig });
    if (matching.length === 0 && cands.length > 0 && r.bool(0.7)) return this.call('call', results, d);
    const index = r.bool(0.6)
      ? konst('i32', r.bool(0.85) ? r.int(m.table.min) : r.pick([m.table.min, m.table.min + 1, -1, 0x7fffffff]))
      : r.bool(0.5) ? node('i32.and', [this.expr('i32', d - 1), konst('i32', 7)], ['i32']) : this.expr('i32', d - 1);
    return node('call_indirect', [...this.producers(sig.params, d - 1), index], results, { type: sig });
  }

  /** A tree after which the stack is polymorphic: unreachable, br, return or br_table. */
  private poly(slot: ValType[], d: number): Instr {
    const k = this.r.weighted({ unreachable: 1, br: 5, return: 2, br_table: 3 });
    if (k === 'unreachable') return node('unreachable', [], slot);
    if (k === 'return') return node('return', this.producers(this.labels[0]!.types, d - 1), slot);
    // Mostly forward: an unconditional branch back to a loop runs it until the fuel is out.
    const fwd = this.labels.filter((x) => !x.loop);
    const l = this.r.bool(0.8) ? this.r.pick(fwd) : this.r.pick(this.labels);
    if (k === 'br') return node('br', this.producers(l.types, d - 1), slot, { target: l.id });
    const same = this.labels.filter((x) => sameTypes(x.types, l.types));
    const targets = Array.from({ length: this.r.range(1, 4) }, () => this.r.pick(same).id);
    const index = this.r.bool(0.5) ? konst('i32', this.r.range(-1, targets.length + 1)) : this.expr('i32', d - 1);
    return node('br_table', [...this.producers(l.types, d - 1), index], slot, { targets });
  }

  /**
   * The condition of a branch to `l`. Back to a loop: mostly one that turns
   * false after a few iterations (the fuel falling below a threshold, or a
   * comparison), so loops end without eating all the fuel and the code after
   * them runs.
   */
  private cond(l: Label | undefined, d: number): Instr {
    if (!l?.loop) return this.expr('i32', d);
    const k = this.r.weighted({ fuel: 5, cmp: 3, any: 1 });
    if (k === 'fuel') return node('i32.gt_s', [node('global.get', [], ['i32'], { index: FUEL_GLOBAL }), konst('i32', this.g.fuel - this.r.range(2, 12))], ['i32']);
    if (k === 'cmp') {
      const op = this.r.pick(NUM_OPS.filter((o) => o.result === 'i32' && /\.(eqz|eq|ne|[lg][te]_[su]|[lg][te])$/.test(o.name)));
      return this.numOp(op, d);
    }
    return this.expr('i32', d);
  }

  /** The fuel guard at a function entry or loop header: return default results when the fuel is out, else take one unit. */
  guard(): Instr[] {
    const results = this.labels[0]!.types;
    const fuel = () => node('global.get', [], ['i32'], { index: FUEL_GLOBAL });
    const check = node('if', [node('i32.le_s', [fuel(), konst('i32', 0)], ['i32'])], [], {
      type: { params: [], results: [] }, label: this.nextLabel++, body: [node('return', results.map(zero), [])], else: [], fixed: true,
    });
    const take = node('global.set', [node('i32.sub', [fuel(), konst('i32', 1)], ['i32'])], [], { index: FUEL_GLOBAL, fixed: true });
    return [check, take];
  }

  /** Statements folding every local into the sink globals (a function's epilogue), so their final values are compared. */
  sinks(): Instr[] {
    return this.locals.map((t, i) => {
      const wide = t === 'i64' || t === 'f64';
      const it: ValType = wide ? 'i64' : 'i32';
      const g = wide ? SINK64 : SINK32;
      let v = node('local.get', [], [t], { index: i });
      if (t === 'f32' || t === 'f64') v = node(`${it}.reinterpret_${t}`, [v], [it]);
      const mixed = node(`${it}.rotl`, [node('global.get', [], [it], { index: g }), wide ? konst('i64', 7n) : konst('i32', 7)], [it]);
      return node('global.set', [node(`${it}.xor`, [mixed, v], [it])], [], { index: g });
    });
  }

  /** A block, loop or if with block type `bt`, its params pushed by its args. */
  structured(kind: 'block' | 'loop' | 'if', bt: FuncType, d: number): Instr {
    const args = this.producers(bt.params, d - 1);
    if (kind === 'if') args.push(this.expr('i32', d - 1));
    const id = this.nextLabel++;
    this.labels.push({ id, loop: kind === 'loop', types: kind === 'loop' ? bt.params : bt.results });
    const body = this.body(bt, d - 1, kind === 'loop' ? id : null);
    let els: Instr[] | undefined;
    if (kind === 'if') els = sameTypes(bt.params, bt.results) && this.r.bool(0.3) ? [] : this.body(bt, d - 1, null);
    this.labels.pop();
    return node(kind, args, [...bt.results], { type: bt, label: id, body, ...(els ? { else: els } : {}) });
  }

  /**
   * A block body: consumes the params already on the stack, runs a few
   * statements, and leaves `bt.results`. A loop body (`loop` = its label)
   * starts with the fuel guard and may branch back at its end.
   */
  body(bt: FuncType, d: number, loop: number | null): Instr[] {
    const items: Instr[] = [];
    if (loop !== null) items.push(...this.guard());
    const { params, results } = bt;
    let passThrough = false;
    if (params.length > 0) {
      const mode = this.r.weighted({ save: 5, pass: sameTypes(params, results) ? 3 : 0, stackop: params.length === 1 && results.length === 1 ? 3 : 0 });
      if (mode === 'pass') passThrough = true;
      else if (mode === 'stackop') {
        // An operator whose first operand is the param on the stack.
        const p = params[0]!, t = results[0]!;
        const cands = NUM_OPS.filter((o) => o.params[0] === p && o.result === t);
        if (cands.length > 0) {
          const stmts = this.stmts(d);
          const op = this.r.pick(cands);
          const rest = op.params.slice(1).map((q) => this.expr(q, d - 1));
          return [...items, ...stmts, this.g.wrapNan(node(op.name, rest, [t]), op)];
        }
        for (let i = params.length - 1; i >= 0; i--) items.push(node('local.set', [], [], { index: this.localOf(params[i]!) }));
      } else {
        for (let i = params.length - 1; i >= 0; i--) {
          items.push(this.r.bool(0.8) ? node('local.set', [], [], { index: this.localOf(params[i]!) }) : node('drop', [], []));
        }
      }
    }
    items.push(...this.stmts(d));
    if (loop !== null && !passThrough && this.r.bool(0.75)) {
      const cond = this.cond(this.labels.find((l) => l.id === loop), d - 1);
      if (params.length === 0) items.push(node('br_if', [cond], [], { target: loop }));
      else {
        items.push(node('br_if', [...this.producers(params, d - 1), cond], [...params], { target: loop }));
        for (let i = 0; i < params.length; i++) items.push(node('drop', [], []));
      }
    }
    if (passThrough) return items;
    if (this.r.bool(0.06)) items.push(this.poly([], d));
    else items.push(...this.producers(results, d));
    return items;
  }

  private stmts(d: number): Instr[] {
    const out: Instr[] = [];
    const n = this.budget > 0 ? this.r.range(0, 3) : 0;
    for (let i = 0; i < n; i++) out.push(...this.stmt(d));
    return out;
  }

  private globalSet(d: number): Instr | null {
    const gs = this.g.m.globals.flatMap((g, i) => (g.mutable && i >= FIRST_FREE_GLOBAL ? [i] : []));
    if (gs.length === 0) return null;
    const i = this.r.pick(gs);
    return node('global.set', [this.expr(this.g.m.globals[i]!.type, d - 1)], [], { index: i });
  }

  /** Stores the values `types` left on the stack into locals (or drops them), last first. */
  private destructure(types: ValType[]): Instr[] {
    const out: Instr[] = [];
    for (let i = types.length - 1; i >= 0; i--) {
      out.push(this.r.bool(0.75) ? node('local.set', [], [], { index: this.localOf(types[i]!) }) : node('drop', [], []));
    }
    return out;
  }

  /** Statements: trees leaving nothing (or values consumed right after). */
  stmt(d: number): Instr[] {
    if (this.budget <= 0) return [];
    this.budget--;
    const m = this.g.m;
    const r = this.r;
    const k = r.weighted({
      set: 10, global: 4, store: m.memory ? 8 : 0, drop: 3, if: 5, block: 3, loop: 4, call: 4, br_if: 3,
      bulk: m.memory ? 3 : 0, poly: 1, multi: 2,
    });
    switch (k) {
      case 'set': {
        const i = r.bool(0.5) ? r.int(this.locals.length) : this.localOf(r.pick(VALTYPES));
        const t = this.locals[i]!;
        return [node('local.set', [r.bool(0.3) ? this.update(t, i, d - 1) : this.expr(t, d - 1)], [], { index: i })];
      }
      case 'global': {
        const s = this.globalSet(d);
        if (s) return [s];
        break;
      }
      case 'store': {
        const op = r.pick(MEM_OPS.filter((o) => o.store));
        return [this.memAccess(op, [this.address(d - 1), this.expr(op.type, d - 1)])];
      }
      case 'drop': return [node('drop', [this.expr(r.pick(VALTYPES), d - 1)], [])];
      case 'if': case 'block': case 'loop': {
        const results = r.bool(0.7) ? [] : Array.from({ length: r.range(1, 3) }, () => r.pick(VALTYPES));
        const s = this.structured(k, { params: this.blockParams(), results }, d);
        return [s, ...this.destructure(results)];
      }
      case 'call': {
        // Mostly the results of some function (so there is one to call), sometimes any (an indirect call that cannot match).
        const results = r.bool(0.9) ? [...m.funcs[r.pick(this.g.callable)]!.type.results] : Array.from({ length: r.range(0, 3) }, () => r.pick(VALTYPES));
        const c = this.call(r.bool(0.7) ? 'call' : 'call_indirect', results, d) ?? this.call('call_indirect', results, d);
        if (c) return [c, ...this.destructure(results)];
        break;
      }
      case 'br_if': {
        const ls = this.labels.filter((l) => l.types.length === 0);
        if (ls.length > 0) {
          const l = r.pick(ls);
          return [node('br_if', [this.cond(l, d - 1)], [], { target: l.id })];
        }
        break;
      }
      case 'bulk': return [this.bulk(d)];
      case 'poly': return [this.poly([], d)];
      case 'multi': {
        const types = Array.from({ length: r.range(2, 3) }, () => r.pick(VALTYPES));
        return [...this.producers(types, d - 1), ...this.destructure(types)];
      }
      default: break;
    }
    const i = r.int(this.locals.length);
    return [node('local.set', [this.expr(this.locals[i]!, d - 1)], [], { index: i })];
  }

  private bulk(d: number): Instr {
    const r = this.r;
    const m = this.g.m;
    const len = () => (r.bool(0.8) ? konst('i32', r.pick([0, 1, 2, 3, 4, 7, 8, 16, 31, 64, 100, 256])) : r.bool(0.5) ? konst('i32', randI32(r)) : this.expr('i32', d - 1));
    const k = r.weighted({ fill: 4, copy: 4, init: m.datas.length ? 3 : 0, drop: m.datas.length ? 1 : 0 });
    if (k === 'fill') return node('memory.fill', [this.address(d - 1), this.expr('i32', d - 1), len()], []);
    if (k === 'copy') return node('memory.copy', [this.address(d - 1), this.address(d - 1), len()], []);
    const seg = r.int(m.datas.length);
    if (k === 'drop') return node('data.drop', [], [], { index: seg });
    return node('memory.init', [this.address(d - 1), konst('i32', r.bool(0.8) ? r.int(m.datas[seg]!.bytes.length + 1) : randI32(r)), len()], [], { index: seg });
  }
}

// ---------------------------------------------------------------------------
// Modules

class ModuleGen {
  readonly m: Module = { funcs: [], globals: [], memory: null, table: null, elems: [], datas: [] };
  /** Functions generated code may call: the helpers and the generated functions (not the wrappers). */
  callable: number[] = [];
  readonly opsByResult = new Map<ValType, NumOp[]>(VALTYPES.map((t) => [t, NUM_OPS.filter((o) => o.result === t)]));
  constructor(readonly r: Rng, readonly nans: NaNs, readonly fuel: number) {}

  /** Wraps an operator's tree in its NaN helper call when the operator has a nondeterministic NaN. */
  wrapNan(ins: Instr, op: NumOp): Instr {
    if (!op.nan) return ins;
    const t = op.result as 'f32' | 'f64';
    const strict = ins.args.length === op.params.length && ins.args.every((a) => canonOnly(this.m, a));
    const idx = HELPERS.indexOf(`${strict ? 'strict' : 'canon'}_${t}`);
    return node('call', [ins], [t], { index: idx });
  }
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
    m.table = { min, max: r.bool(0.5) ? min : null };
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
    m.funcs.push({
      name: `f${idx}_w`, type: t, locals: [], export: `f${idx}`,
      body: [fuelReset(), node('call', t.params.map((p, j) => get(j, p)), [...t.results], { index: idx })],
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
