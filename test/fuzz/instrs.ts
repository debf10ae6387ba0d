/**
 * Building blocks of generated modules (gen.ts): instruction constructors,
 * the fixed globals (fuel, sinks), and the NaN helper functions with the
 * rules for when an operator's result must go through one.
 */
import { NUM_BY_NAME, type Func, type Instr, type Module, type ValType } from './ast.js';
import { nanKind } from './rng.js';

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
export function node(op: string, args: Instr[], out: ValType[], extra: Partial<Instr> = {}): Instr {
  return { op, args, out, ...extra };
}

/** Names of the NaN helpers, at function indices 0-3. */
export const HELPERS = ['canon_f32', 'canon_f64', 'strict_f32', 'strict_f64'] as const;
export const FUEL_GLOBAL = 0;
/** Globals 1 and 2 collect every local's final value (i32/f32 bits, i64/f64 bits) at each function's end. */
export const SINK32 = 1, SINK64 = 2;
/** Globals generated code reads and writes at random: not the fuel or the sinks. */
export const FIRST_FREE_GLOBAL = 3;

export function helperFunc(name: (typeof HELPERS)[number]): Func {
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

export function bodyText(body: Instr[]): string {
  return JSON.stringify(body, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
}
