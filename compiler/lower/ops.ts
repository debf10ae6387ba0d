/**
 * Lowerings of the instructions that are not control flow or variables:
 * numeric operators, conversions, memory, tables and references (spec 4.4).
 * `LOWER_OPS[opId]` lowers one instruction, indexed by opcode-table row.
 *
 * i32/f32/f64 results fold into expressions; i64 results are pairs of int32
 * halves computed by statements (runtime/ABI.md). Helpers named here
 * (`i32_div_s`, `i64_shl`, ...) are runtime functions (runtime/numeric.ts,
 * runtime/bulk.ts) bound by name in the generated module.
 */
import * as A from './ast.js';
import type { Expr } from './ast.js';
import { CONST, LOCAL, IMPURE, TEMP, val, mergeReads, asI32, literal, type Val, type Kind } from './values.js';
import { calls, f32Bits, f32FromBits } from './bits.js';
import { f64MulDiv, f64Sub, nanFolded } from './f64-arith.js';
import type { ModuleEnv } from './env.js';
import type { Instr } from '../decode/code.js';
import { OPS, OP } from '../opcodes.js';
import { I32, I64, F32, F64, FUNCREF, type ValType } from '../types.js';
import type { Lowering } from './lowering.js';
import { memoryLoad, memoryStore, checkedNever } from './views.js';

export type OpLowering = (L: Lowering, ins: Instr, env: ModuleEnv) => void;
export const LOWER_OPS: (OpLowering | undefined)[] = new Array(OPS.length);

function def(name: string, f: OpLowering): void {
  const id = OP[name];
  if (id === undefined) throw new Error(`kiln: unknown opcode ${name}`);
  LOWER_OPS[id] = f;
}

const i32e = (v: Val) => asI32(v, A.bin);
const math = (fn: string, ...args: Expr[]) => A.call(A.member('Math', fn), args);
const fround = (e: Expr) => math('fround', e);
const u32 = (e: Expr) => (e.type === 'Literal' && typeof e.value === 'number' ? e : A.bin('>>>', e, A.num(0)));
const or0 = (e: Expr) => A.bin('|', e, A.num(0));
/** Whether `e` is a constant shift count that is not 0 mod 32. */
const shiftCount = (e: Expr) => {
  const k = literal(e);
  return k !== null && (k & 31) !== 0;
};

/**
 * Pushes `e` computed from `args`: pure unless `impure` (may trap or read state).
 * `fast`: a cheaper form that may differ only in a NaN's bits (Val.fast).
 */
function pushExpr(L: Lowering, e: Expr, t: ValType, args: Val[], impure = false, bool = false, fast?: Expr): void {
  let k: Kind = impure ? IMPURE : LOCAL;
  let d = 0;
  for (const a of args) {
    if (a.k > k) k = a.k;
    if (a.d > d) d = a.d;
  }
  const v = val(e, t, k, mergeReads(args), bool, d + 1);
  if (fast !== undefined) v.fast = fast;
  L.pushVal(v);
}

// ------------------------------------------------ i32 / f32 / f64 operators

type Build = (...e: Expr[]) => Expr;

/**
 * An operator on non-i64 operands: `build` gets the operand expressions (i32
 * operands normalised). `nanBlind`: the result does not depend on a NaN
 * operand's bits (arithmetic gives an arithmetic NaN, comparisons a boolean),
 * so operands may use their `fast` form.
 */
function op(name: string, n: number, result: ValType, build: Build, opts: { impure?: boolean; bool?: boolean; nanBlind?: boolean } = {}): void {
  const params = OPS[OP[name]].params!;
  def(name, (L) => {
    const args = L.popVals(n);
    const exprs = args.map((a, i) => (params[i] === I32 ? i32e(a) : opts.nanBlind && a.fast !== undefined ? a.fast : a.e));
    pushExpr(L, build(...exprs), result, args, opts.impure, opts.bool);
  });
}

const helper = (fn: string): Build => (...e) => A.call(fn, e);

// i32
op('i32.eqz', 1, I32, (a) => A.un('!', a), { bool: true });
const cmps: [string, string, boolean][] = [
  ['eq', '===', false], ['ne', '!==', false], ['lt_s', '<', false], ['lt_u', '<', true], ['gt_s', '>', false],
  ['gt_u', '>', true], ['le_s', '<=', false], ['le_u', '<=', true], ['ge_s', '>=', false], ['ge_u', '>=', true],
];
for (const [n, o, unsigned] of cmps) op(`i32.${n}`, 2, I32, (a, b) => (unsigned ? A.bin(o, u32(a), u32(b)) : A.bin(o, a, b)), { bool: true });
op('i32.clz', 1, I32, (a) => math('clz32', a));
op('i32.ctz', 1, I32, helper('i32_ctz'));
op('i32.popcnt', 1, I32, helper('i32_popcnt'));
// Adding or subtracting a constant 0 (clang leaves some: `x + 0` in a hot return) gives the int32 operand itself.
op('i32.add', 2, I32, (a, b) => (literal(b) === 0 ? a : literal(a) === 0 ? b : or0(A.bin('+', a, b))));
op('i32.sub', 2, I32, (a, b) => (literal(b) === 0 ? a : or0(A.bin('-', a, b))));
// A constant factor of magnitude at most 2^21 keeps `a * c` exact (under 2^52), so `a * c | 0` is the wrapped
// product: a multiply where `Math.imul` is a call in an interpreter (V8 --jitless, Hermes: a multiply loop
// 1.4-1.5x faster; the same with a JIT).
const smallFactor = (e: Expr) => Math.abs(literal(e) ?? Infinity) <= 2097152;
op('i32.mul', 2, I32, (a, b) => (smallFactor(b) ? or0(A.bin('*', a, b)) : smallFactor(a) ? or0(A.bin('*', b, a)) : math('imul', a, b)));
/**
 * `i32.div_*` / `rem_*` of `a` by the constant `c` when it cannot trap (not 0; for div_s not -1, whose
 * INT_MIN / -1 overflows), inline: the helper's arithmetic without its checks (the double quotient of
 * two int32s, or uint32s, never rounds across an integer, and `%` on doubles is exact), a shift or a
 * mask for an unsigned power of two; null where the helper must trap. Compilers keep such divisions
 * in code built for size (SQLite's number formatting divides by 10): a call each, past V8's inlining
 * budget in a large function, and in every interpreter.
 */
function divideByConstant(n: string, a: Expr, c: number): Expr | null {
  if (c === 0 || (n === 'div_s' && c === -1)) return null;
  const u = c >>> 0;
  const pow2 = (u & (u - 1)) === 0;
  if (n === 'div_s') return c === 1 ? a : or0(A.bin('/', a, A.num(c)));
  if (n === 'rem_s') return or0(A.bin('%', a, A.num(c)));
  if (n === 'div_u') return u === 1 ? a : pow2 ? A.bin('>>>', a, A.num(Math.log2(u))) : or0(A.bin('/', u32(a), A.num(u)));
  return pow2 ? A.bin('&', a, A.num((u - 1) | 0)) : or0(A.bin('%', u32(a), A.num(u)));
}
for (const n of ['div_s', 'div_u', 'rem_s', 'rem_u']) {
  def(`i32.${n}`, (L) => {
    const args = L.popVals(2);
    const [a, b] = args.map(i32e);
    const c = literal(b);
    const inline = c === null ? null : divideByConstant(n, a, c);
    pushExpr(L, inline ?? A.call(`i32_${n}`, [a, b]), I32, args, inline === null);
  });
}
op('i32.and', 2, I32, (a, b) => A.bin('&', a, b));
op('i32.or', 2, I32, (a, b) => A.bin('|', a, b));
op('i32.xor', 2, I32, (a, b) => A.bin('^', a, b));
op('i32.shl', 2, I32, (a, b) => A.bin('<<', a, b));
op('i32.shr_s', 2, I32, (a, b) => A.bin('>>', a, b));
// Shifted by a constant other than 0 (mod 32), `a >>> k` is below 2^31: an int32 already, no `| 0`.
op('i32.shr_u', 2, I32, (a, b) => (shiftCount(b) ? A.bin('>>>', a, b) : or0(A.bin('>>>', a, b))));
for (const dir of ['rotl', 'rotr'] as const) {
  // A constant count (hash code rotates by constants) is inlined as two shifts: a helper call per
  // rotate exhausts TurboFan's inlining budget in large functions (hash-wasm's SHA-256 ran 10x native).
  def(`i32.${dir}`, (L) => {
    const [a0, n] = L.popVals(2);
    let a = a0;
    if (n.k !== CONST || n.e.type !== 'Literal') {
      pushExpr(L, A.call(`i32_${dir}`, [i32e(a), i32e(n)]), I32, [a, n]);
      return;
    }
    const k = dir === 'rotl' ? Number(n.e.value) & 31 : (32 - (Number(n.e.value) & 31)) & 31;
    if (a.e.type !== 'Identifier' && a.k !== CONST) a = L.evalNow(a);
    const x = i32e(a);
    pushExpr(L, k === 0 ? x : A.bin('|', A.bin('<<', x, A.num(k)), A.bin('>>>', x, A.num(32 - k))), I32, [a]);
  });
}
op('i32.extend8_s', 1, I32, (a) => A.bin('>>', A.bin('<<', a, A.num(24)), A.num(24)));
op('i32.extend16_s', 1, I32, (a) => A.bin('>>', A.bin('<<', a, A.num(16)), A.num(16)));

// f32 / f64
for (const [t, T] of [['f32', F32], ['f64', F64]] as const) {
  const round = t === 'f32' ? fround : (e: Expr) => e;
  for (const [n, o] of [['eq', '==='], ['ne', '!=='], ['lt', '<'], ['gt', '>'], ['le', '<='], ['ge', '>=']]) {
    op(`${t}.${n}`, 2, I32, (a, b) => A.bin(o, a, b), { bool: true, nanBlind: true });
  }
  if (t === 'f32') {
    for (const [n, o] of [['add', '+'], ['sub', '-'], ['mul', '*'], ['div', '/']]) op(`${t}.${n}`, 2, T, (a, b) => round(A.bin(o, a, b)), { nanBlind: true });
  } else {
    op('f64.add', 2, T, nanFolded((a, b) => A.bin('+', a, b)), { nanBlind: true });
    op('f64.sub', 2, T, nanFolded(f64Sub), { nanBlind: true });
    op('f64.mul', 2, T, nanFolded((a, b) => f64MulDiv('*', a, b)), { nanBlind: true });
    op('f64.div', 2, T, nanFolded((a, b) => f64MulDiv('/', a, b)), { nanBlind: true });
  }
  op(`${t}.sqrt`, 1, T, (a) => round(math('sqrt', a)), { nanBlind: true });
  op(`${t}.min`, 2, T, (a, b) => math('min', a, b), { nanBlind: true });
  op(`${t}.max`, 2, T, (a, b) => math('max', a, b), { nanBlind: true });
  // V8's interpreter returns a signalling NaN unchanged from Math.floor/ceil/trunc (optimised code quiets it):
  // test for NaN so every tier gives an arithmetic NaN. `x + x` quiets a NaN keeping its sign and payload,
  // as the hardware (and so native wasm) does.
  for (const n of ['ceil', 'floor', 'trunc']) {
    def(`${t}.${n}`, (L) => {
      let a = L.popVal();
      if (a.e.type !== 'Identifier' && a.k !== CONST) a = L.evalNow(a);
      pushExpr(L, A.cond(A.bin('===', a.e, a.e), math(n, a.e), A.bin('+', a.e, a.e)), T, [a]);
    });
  }
  // abs and neg inline, as their helpers compute them (Math.abs and - act on the sign bit alone, runtime/ABI.md
  // "NaN bits"): V8 stops inlining a helper past a function's budget (resvg: 32 `f32.abs` in one function).
  op(`${t}.abs`, 1, T, (a) => math('abs', a));
  op(`${t}.neg`, 1, T, (a) => A.un('-', a));
  op(`${t}.nearest`, 1, T, helper(`${t}_nearest`));
  op(`${t}.copysign`, 2, T, helper(`${t}_copysign`));
}

// conversions between non-i64 types
// Trapping truncation of a variable inline, `x > -2^31 - 1 && x < 2^31 ? x | 0 : i32_trunc_s(x)` (the helper traps): V8
// stops inlining the helper past a function's inlining budget (resvg: 32 guarded Rust `as i32` in one, 4% of ticks).
const trunc32 = (fn: string, lo: number, hi: number): Build => (a) =>
  a.type === 'Identifier' ? A.cond(A.bin('&&', A.bin('>', a, A.num(lo)), A.bin('<', a, A.num(hi))), or0(a), A.call(fn, [a])) : A.call(fn, [a]);
for (const ft of ['f32', 'f64']) {
  op(`i32.trunc_${ft}_s`, 1, I32, trunc32('i32_trunc_s', -2147483649, 2147483648), { impure: true });
  op(`i32.trunc_${ft}_u`, 1, I32, trunc32('i32_trunc_u', -1, 4294967296), { impure: true });
  for (const su of ['s', 'u']) op(`i32.trunc_sat_${ft}_${su}`, 1, I32, helper(`i32_trunc_sat_${su}`));
}
op('f32.convert_i32_s', 1, F32, (a) => fround(a));
op('f32.convert_i32_u', 1, F32, (a) => fround(u32(a)));
op('f32.demote_f64', 1, F32, (a) => fround(a));
op('f64.convert_i32_s', 1, F64, (a) => a);
op('f64.convert_i32_u', 1, F64, (a) => u32(a));
// A signalling f32 NaN is a signalling f64 NaN in our representation; promote must give an arithmetic (quiet) NaN.
def('f64.promote_f32', (L) => {
  let a = L.popVal();
  if (a.e.type !== 'Identifier' && a.k !== CONST) a = L.evalNow(a);
  pushExpr(L, A.cond(A.bin('===', a.e, a.e), a.e, A.bin('+', a.e, a.e)), F64, [a]);
});
/** A reinterpret: an operand that no fold applies to is evaluated into a temporary first, so the inline form may read it twice. */
for (const [name, result, move] of [['i32.reinterpret_f32', I32, f32Bits], ['f32.reinterpret_i32', F32, f32FromBits]] as const) {
  def(name, (L) => {
    let a = L.popVal();
    const operand = (v: Val) => (result === F32 ? i32e(v) : v.e);
    const e = operand(a);
    const folds = e.type === 'ConditionalExpression' || literal(e) !== null || (result === I32 && calls(e, 'f32_reinterpret_i32'));
    if (!folds && e.type !== 'Identifier' && a.k !== CONST) a = L.evalNow(a);
    pushExpr(L, move(operand(a)), result, [a]);
  });
}

// constants
const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);
const f64buf = new Float64Array(1);
const i32buf = new Int32Array(f64buf.buffer);
def('i32.const', (L, ins) => L.pushVal(val(A.num(ins.a), I32, CONST)));
def('i64.const', (L, ins) => L.pushVal(val(A.num(ins.lo), I64, CONST, null, false, 0, A.num(ins.hi))));
def('f32.const', (L, ins) => {
  u32buf[0] = ins.a;
  const x = f32buf[0];
  const e = x === x ? A.num(x) : A.call('f32_reinterpret_i32', [A.num(ins.a | 0)]);
  L.pushVal(val(e, F32, x === x ? CONST : LOCAL));
});
def('f64.const', (L, ins) => {
  i32buf[0] = ins.lo;
  i32buf[1] = ins.hi;
  const x = f64buf[0];
  const e = x === x ? A.num(x) : A.call('f64_reinterpret_i64', [A.num(ins.lo), A.num(ins.hi)]);
  L.pushVal(val(e, F64, x === x ? CONST : LOCAL));
});

// ------------------------------------------------------------------- i64

/** Pops an i64 pair (halves are simple expressions). */
const pair = (v: Val): [Expr, Expr] => [v.e, v.h!];

/**
 * An i64 result computed by a runtime helper returning lo and leaving hi in
 * `rt.hi`, evaluated at once into temporaries. `impure`: the helper or one of
 * `args` may trap or has an effect, so pending impure values go first.
 */
function helperPair(L: Lowering, fn: string, args: Expr[], impure: boolean): void {
  if (impure) L.spillImpure();
  const lo = L.temp(A.call(fn, args));
  const hi = L.temp(A.member('rt', 'hi'));
  L.pushI64(lo, hi);
}

function i64bin(name: string, f: (L: Lowering, a: [Expr, Expr], b: [Expr, Expr]) => void): void {
  def(name, (L) => {
    const b = L.popVal();
    const a = L.popVal();
    f(L, pair(a), pair(b));
  });
}

// The carry (borrow) as `(x < y) | 0`, not `x < y ? 1 : 0`, a branch in V8 that mispredicts half the time on hash-like
// data (xxh64 1.7x faster). A high word of literal 0 (a zero-extended i32, a small constant) is not added.
const carry = (a: Expr, b: Expr) => or0(A.bin('<', u32(a), u32(b)));
i64bin('i64.add', (L, [al, ah], [bl, bh]) => {
  const lo = L.temp(or0(A.bin('+', al, bl)));
  const h = literal(bh) === 0 ? ah : literal(ah) === 0 ? bh : A.bin('+', ah, bh);
  L.pushI64(lo, literal(h) === 0 ? carry(lo, al) : or0(A.bin('+', h, carry(lo, al))));
});
i64bin('i64.sub', (L, [al, ah], [bl, bh]) => {
  const lo = L.temp(or0(A.bin('-', al, bl)));
  L.pushI64(lo, or0(A.bin('-', literal(bh) === 0 ? ah : A.bin('-', ah, bh), carry(al, bl))));
});
// i64.mul inline (no call, no rt.hi: V8 does not inline helpers into very large functions). lo = imul(al, bl); the high
// word of the unsigned 32x32 product from doubles: the f64 product is within 2^11 of the exact one, so ((p - lo) / 2^32)
// is within 2^-21 of the exact high word, and + 0.5 then truncating gives it exactly; then the cross terms' low halves.
i64bin('i64.mul', (L, [al, ah], [bl, bh]) => {
  const imul = (x: Expr, y: Expr) => math('imul', x, y);
  const lo = L.temp(imul(al, bl));
  const product = A.bin('*', u32(al), literal(bl) !== null ? A.num(literal(bl)! >>> 0) : u32(bl));
  const carry = or0(A.bin('+', A.bin('*', A.bin('-', product, u32(lo)), A.num(2 ** -32)), A.num(0.5)));
  const cross = (x: Expr, y: Expr) => (literal(x) === 0 || literal(y) === 0 ? null : imul(x, y));
  const terms = [carry, cross(al, bh), cross(ah, bl)].filter((e): e is Expr => e !== null);
  L.pushI64(lo, L.temp(or0(terms.reduce((x, y) => A.bin('+', x, y)))));
});
for (const n of ['div_s', 'div_u', 'rem_s', 'rem_u']) i64bin(`i64.${n}`, (L, [al, ah], [bl, bh]) => helperPair(L, `i64_${n}`, [al, ah, bl, bh], true));
// `x & 0` is a literal 0, no temporary: Go masks i64 values with constants under 2^32 (6,835 high words of esbuild).
for (const [n, o] of [['and', '&'], ['or', '|'], ['xor', '^']]) {
  const half = (L: Lowering, x: Expr, y: Expr) => (o === '&' && (literal(x) === 0 || literal(y) === 0) ? A.num(0) : L.temp(A.bin(o, x, y)));
  i64bin(`i64.${n}`, (L, [al, ah], [bl, bh]) => L.pushI64(half(L, al, bl), half(L, ah, bh)));
}
for (const n of ['shl', 'shr_s', 'shr_u', 'rotl', 'rotr'] as const) {
  i64bin(`i64.${n}`, (L, [al, ah], [bl]) => {
    const k = literal(bl);
    if (k === null) helperPair(L, `i64_${n}`, [al, ah, bl], false);
    else shiftConst(L, n, al, ah, k & 63);
  });
}

/** A shift or rotate of the pair (l, h) by a constant count n in 0..63, inline. */
function shiftConst(L: Lowering, op: 'shl' | 'shr_s' | 'shr_u' | 'rotl' | 'rotr', l: Expr, h: Expr, n: number): void {
  const sh = (o: string, x: Expr, c: number) => A.bin(o, x, A.num(c));
  if (op === 'rotr') {
    op = 'rotl';
    n = (64 - n) & 63;
  }
  if (n === 0) return L.pushI64(l, h);
  if (op === 'rotl') {
    if (n >= 32) [l, h, n] = [h, l, n - 32];
    if (n === 0) return L.pushI64(l, h);
    const lo = L.temp(A.bin('|', sh('<<', l, n), sh('>>>', h, 32 - n)));
    return L.pushI64(lo, L.temp(A.bin('|', sh('<<', h, n), sh('>>>', l, 32 - n))));
  }
  if (op === 'shl') {
    if (n >= 32) return L.pushI64(A.num(0), n === 32 ? l : L.temp(sh('<<', l, n - 32)));
    const hi = L.temp(A.bin('|', sh('<<', h, n), sh('>>>', l, 32 - n)));
    return L.pushI64(L.temp(sh('<<', l, n)), hi);
  }
  const signed = op === 'shr_s';
  if (n >= 32) {
    const lo = n === 32 ? h : L.temp(sh(signed ? '>>' : '>>>', h, n - 32)); // below 2^31 unsigned: int32 already
    return L.pushI64(lo, signed ? L.temp(sh('>>', h, 31)) : A.num(0));
  }
  const lo = L.temp(A.bin('|', sh('>>>', l, n), sh('<<', h, 32 - n)));
  L.pushI64(lo, L.temp(sh(signed ? '>>' : '>>>', h, n)));
}
for (const n of ['clz', 'ctz', 'popcnt']) {
  def(`i64.${n}`, (L) => helperPair(L, `i64_${n}`, pair(L.popVal()), false));
}

// i64 comparisons: pure boolean expressions over the (simple) halves.
function i64cmp(name: string, f: (al: Expr, ah: Expr, bl: Expr, bh: Expr) => Expr): void {
  def(name, (L) => {
    const b = L.popVal();
    const a = L.popVal();
    pushExpr(L, f(a.e, a.h!, b.e, b.h!), I32, [a, b], false, true);
  });
}
const and = (a: Expr, b: Expr) => A.bin('&&', a, b);
const orl = (a: Expr, b: Expr) => A.bin('||', a, b);
const eq = (a: Expr, b: Expr) => A.bin('===', a, b);
def('i64.eqz', (L) => {
  const a = L.popVal();
  pushExpr(L, eq(A.bin('|', a.e, a.h!), A.num(0)), I32, [a], false, true);
});
i64cmp('i64.eq', (al, ah, bl, bh) => and(eq(al, bl), eq(ah, bh)));
i64cmp('i64.ne', (al, ah, bl, bh) => orl(A.bin('!==', al, bl), A.bin('!==', ah, bh)));
for (const [n, o] of [['lt', '<'], ['gt', '>'], ['le', '<='], ['ge', '>=']]) {
  const strict = o.length === 1 ? o : o[0];
  i64cmp(`i64.${n}_s`, (al, ah, bl, bh) => orl(A.bin(strict, ah, bh), and(eq(ah, bh), A.bin(o, u32(al), u32(bl)))));
  i64cmp(`i64.${n}_u`, (al, ah, bl, bh) => orl(A.bin(strict, u32(ah), u32(bh)), and(eq(ah, bh), A.bin(o, u32(al), u32(bl)))));
}

// i64 conversions (i64.extend_i32_s/_u: a local's own variable is the low word, not a copy: pushI64 makes the value read it)
def('i32.wrap_i64', (L) => {
  const a = L.popVal();
  L.pushVal(val(a.e, I32, a.k, a.reads, false, a.d));
});
for (const signed of [true, false]) {
  def(`i64.extend_i32_${signed ? 's' : 'u'}`, (L) => {
    let a = L.popVal();
    if (a.k !== LOCAL || a.e.type !== 'Identifier' || a.bool) a = L.evalNow(a);
    L.pushI64(i32e(a), signed ? A.bin('>>', i32e(a), A.num(31)) : A.num(0));
  });
}
for (const [n, bits] of [['extend8_s', 24], ['extend16_s', 16], ['extend32_s', 0]] as const) {
  def(`i64.${n}`, (L) => {
    const [al] = pair(L.popVal());
    const lo = bits ? L.temp(A.bin('>>', A.bin('<<', al, A.num(bits)), A.num(bits))) : al;
    L.pushI64(lo, A.bin('>>', lo, A.num(31)));
  });
}
for (const [n, fn, impure] of [
  ['i64.trunc_f32_s', 'i64_trunc_s', true], ['i64.trunc_f32_u', 'i64_trunc_u', true],
  ['i64.trunc_f64_s', 'i64_trunc_s', true], ['i64.trunc_f64_u', 'i64_trunc_u', true],
  ['i64.trunc_sat_f32_s', 'i64_trunc_sat_s', false], ['i64.trunc_sat_f32_u', 'i64_trunc_sat_u', false],
  ['i64.trunc_sat_f64_s', 'i64_trunc_sat_s', false], ['i64.trunc_sat_f64_u', 'i64_trunc_sat_u', false],
] as const) {
  def(n, (L) => {
    const a = L.popVal();
    helperPair(L, fn, [a.e], impure || a.k === IMPURE);
  });
}
def('i64.reinterpret_f64', (L) => {
  const a = L.popVal();
  helperPair(L, 'i64_reinterpret_f64', [a.e], a.k === IMPURE);
});
for (const [n, fn, T] of [
  ['f32.convert_i64_s', 'f32_convert_i64_s', F32], ['f32.convert_i64_u', 'f32_convert_i64_u', F32],
  ['f64.convert_i64_s', 'f64_convert_i64_s', F64], ['f64.convert_i64_u', 'f64_convert_i64_u', F64],
  ['f64.reinterpret_i64', 'f64_reinterpret_i64', F64],
] as const) {
  def(n, (L) => {
    const a = L.popVal();
    pushExpr(L, A.call(fn, pair(a)), T, [a]);
  });
}

// ---------------------------------------------------------------- memory

/** A literal or a variable: can be evaluated again without effect. */
function simple(v: Val): boolean {
  return v.k <= TEMP || (v.k === LOCAL && v.e.type === 'Identifier');
}

/**
 * Effective address `base + offset` as a non-negative number, without 32-bit wrap-around (spec 4.4.7).
 * Tuned for Hermes, an int32 base's `| 0` is dropped: `(x | 0) >>> 0` is `x >>> 0` for every number, one
 * operation less in an interpreter; V8's JIT runs the shorter form 3-12% slower (sieve, interp, matmul).
 * With `env.smallMemory` (memory never passes 2 GiB) a DataView access without offset takes the int32 base: past 2^31
 * it is negative and throws as past the end does; not an i64 pair (`twice`: its store writes `base + 4` first), nor views.
 */
function address(L: Lowering, base: Val, offset: number, twice = false): Expr {
  const e = base.e;
  if (base.k === CONST && e.type === 'Literal') return A.num((e.value >>> 0) + offset);
  let x = i32e(base);
  if (viewed(L) && x.type === 'BinaryExpression' && x.operator === '|' && literal(x.right) === 0) x = x.left;
  if (offset === 0) return !twice && !viewed(L) && L.env.smallMemory ? x : u32(x);
  return A.bin('+', u32(x), A.num(offset));
}

/** The output is tuned for Hermes: memory through typed-array views (views.ts). */
const viewed = (L: Lowering) => L.env.tune === 'hermes';
const load = (L: Lowering, method: string, addr: Expr, temp?: string) => memoryLoad(viewed(L), method, addr, temp, L.env.safeBytes, L.env.littleEndian);
const store = (L: Lowering, method: string, addr: Expr, value: Expr) => memoryStore(viewed(L), method, addr, value, L.env.safeBytes, L.env.littleEndian);

/**
 * The address operand of an i64 load, made free of effects when views read the address twice (an effect or trap
 * in it is evaluated now, in order); the other loads evaluate such an address once, into a temporary inside the
 * view's index (views.ts `memoryLoad`), in order with the load.
 */
function loadAddress(L: Lowering, a: Val): Val {
  return viewed(L) && a.k === IMPURE ? L.evalNow(a) : a;
}

/** The effective address of a store by `method`; with views, an identifier or literal unless never checked (views.ts `memoryStore`). */
function storeAddress(L: Lowering, a: Val, offset: number, method: string): Expr {
  const addr = address(L, a, offset);
  return viewed(L) && addr.type !== 'Identifier' && addr.type !== 'Literal' && !checkedNever(method, addr, L.env.safeBytes) ? L.temp(addr) : addr;
}

const LOADS: [string, string][] = [
  ['i32.load', 'getInt32'], ['i32.load8_s', 'getInt8'], ['i32.load8_u', 'getUint8'],
  ['i32.load16_s', 'getInt16'], ['i32.load16_u', 'getUint16'], ['f64.load', 'getFloat64'],
];
for (const [n, method] of LOADS) {
  const t = n.startsWith('f64') ? F64 : I32;
  def(n, (L, ins) => {
    const a = L.popVal();
    pushExpr(L, load(L, method, address(L, a, ins.b), viewed(L) && a.k === IMPURE ? L.newTempName() : undefined), t, [a], true);
  });
}
// f32 loads and stores: DataView's float32 accessors quiet signalling NaNs, so they are used only
// when the value is not a NaN; the runtime helpers move a NaN's exact bits (runtime/ABI.md "NaN bits").
def('f32.load', (L, ins) => {
  let a = L.popVal();
  if (!simple(a)) a = L.evalNow(a);
  const addr = address(L, a, ins.b);
  const t = A.id(L.newTempName());
  const read = A.assign(t, load(L, 'getFloat32', addr));
  const exact = A.cond(A.bin('===', read, t), t, A.call('f32_load', [A.id('dv'), addr]));
  pushExpr(L, exact, F32, [a], true, false, load(L, 'getFloat32', addr));
});
def('i64.load', (L, ins) => {
  const a = L.evalNow(L.popVal());
  L.spillImpure();
  const addr = L.temp(address(L, a, ins.b, true));
  const lo = L.temp(load(L, 'getInt32', addr));
  L.pushI64(lo, L.temp(load(L, 'getInt32', A.bin('+', addr, A.num(4)))));
});
/** The i64 loads narrower than 64 bits (the opcode table gives their width; `_s` sign-extends). */
export const I64_NARROW_LOADS = ['i64.load8_s', 'i64.load8_u', 'i64.load16_s', 'i64.load16_u', 'i64.load32_s', 'i64.load32_u'];

/** A DataView read of `width` bytes at `addr` (little-endian), signed or not. */
export function dvGet(width: number, signed: boolean, addr: Expr): Expr {
  const method = `get${signed ? 'Int' : 'Uint'}${width * 8}`;
  return memoryLoad(false, method, addr);
}

for (const n of I64_NARROW_LOADS) {
  const { width } = OPS[OP[n]];
  const signed = n.endsWith('_s');
  def(n, (L, ins) => {
    const a = loadAddress(L, L.popVal());
    L.spillImpure();
    // The low half is the int32 value, so a 32-bit load reads it signed either way.
    const lo = L.temp(load(L, `get${signed || width === 4 ? 'Int' : 'Uint'}${width * 8}`, address(L, a, ins.b)));
    L.pushI64(lo, signed ? A.bin('>>', lo, A.num(31)) : A.num(0));
  });
}

const STORES: [string, string][] = [
  ['i32.store', 'setInt32'], ['i32.store8', 'setInt8'], ['i32.store16', 'setInt16'], ['f64.store', 'setFloat64'],
  ['i64.store8', 'setInt8'], ['i64.store16', 'setInt16'], ['i64.store32', 'setInt32'],
];
for (const [n, method] of STORES) {
  def(n, (L, ins) => {
    let v = L.popVal();
    let a = L.popVal();
    if (viewed(L)) {
      // Views read the address up to four times and the value stands in both branches (one runs). An
      // impure value is evaluated first, before the views are read (calls are statements of their own
      // today, so none can grow memory between the two; this keeps it so).
      if (a.k === IMPURE) a = L.evalNow(a);
      if (v.k === IMPURE || (!simple(v) && v.d > 2)) v = L.evalNow(v);
    }
    L.spillImpure();
    L.emit(store(L, method, storeAddress(L, a, ins.b, method), n.startsWith('i32') ? i32e(v) : v.e));
  });
}
def('f32.store', (L, ins) => {
  let v = L.popVal();
  let a = L.popVal();
  if (!simple(a)) a = L.evalNow(a);
  if (!simple(v)) v = L.evalNow(v);
  L.spillImpure();
  const addr = storeAddress(L, a, ins.b, 'setFloat32');
  L.emit(A.ifStmt(A.bin('===', v.e, v.e), [store(L, 'setFloat32', addr, v.e)], [A.exprStmt(A.call('f32_store', [A.id('dv'), addr, v.e]))]));
});
def('i64.store', (L, ins) => {
  const v = L.popVal();
  const a = L.popVal();
  L.spillImpure();
  const addr = L.temp(address(L, a, ins.b, true));
  // High word first: if it is in bounds, so is the low word, so a trap never leaves a partial write.
  const high = A.bin('+', addr, A.num(4));
  L.emit(store(L, 'setInt32', viewed(L) ? L.temp(high) : high, v.h!));
  L.emit(store(L, 'setInt32', addr, v.e));
});
def('memory.size', (L) => pushExpr(L, A.member('M', 'pages'), I32, [], true));
def('memory.grow', (L) => {
  const a = L.popVal();
  L.spillImpure();
  const r = L.temp(A.mcall('M', 'growPages', [i32e(a)]));
  L.refreshMemory();
  L.pushVal(val(r, I32, TEMP));
});

/** A statement calling a runtime helper with i32 operands (bulk memory and table operations). */
function bulk(name: string, n: number, build: (ins: Instr, args: Expr[], vals: Val[]) => Expr): void {
  def(name, (L, ins) => {
    const vals = L.popVals(n);
    L.spillImpure();
    L.emit(A.exprStmt(build(ins, vals.map((v) => (v.t === I32 ? i32e(v) : v.e)), vals)));
  });
}
bulk('memory.fill', 3, (_, [d, v, n]) => A.call('memoryFill', [A.id('M'), d, v, n]));
bulk('memory.copy', 3, (_, [d, s, n]) => A.call('memoryCopy', [A.id('M'), A.id('M'), d, s, n]));
bulk('memory.init', 3, (ins, [d, s, n]) => A.call('memoryInit', [A.id('M'), d, A.id(`ds${ins.a}`), s, n]));
def('data.drop', (L, ins) => L.emit(A.exprStmt(A.assign(`ds${ins.a}`, A.id('EMPTY_DATA')))));

// ---------------------------------------------------------------- tables

bulk('table.set', 2, (ins, [i, v]) => A.call('tableSet', [A.id(`T${ins.a}`), i, v]));
bulk('table.fill', 3, (ins, [i, v, n]) => A.call('tableFill', [A.id(`T${ins.a}`), i, v, n]));
bulk('table.copy', 3, (ins, [d, s, n]) => A.call('tableCopy', [A.id(`T${ins.a}`), A.id(`T${ins.b}`), d, s, n]));
bulk('table.init', 3, (ins, [d, s, n]) => A.call('tableInit', [A.id(`T${ins.b}`), d, A.id(`es${ins.a}`), s, n]));
def('elem.drop', (L, ins) => L.emit(A.exprStmt(A.assign(`es${ins.a}`, A.array([])))));
def('table.get', (L, ins) => {
  const i = L.popVal();
  const t = L.env.m.tables[ins.a].elem;
  pushExpr(L, A.call('tableGet', [A.id(`T${ins.a}`), i32e(i)]), t, [i], true);
});
def('table.size', (L, ins) => pushExpr(L, A.member(A.id(`E${ins.a}`), 'length'), I32, [], true));
def('table.grow', (L, ins) => {
  const [v, n] = L.popVals(2);
  pushExpr(L, A.call('tableGrow', [A.id(`T${ins.a}`), v.e, i32e(n)]), I32, [v, n], true);
});

// ------------------------------------------------------------ references

def('ref.null', (L, ins) => L.pushVal(val(A.NULL, ins.a === 0x70 ? FUNCREF : ins.a, CONST)));
def('ref.is_null', (L) => {
  const a = L.popVal();
  pushExpr(L, A.bin('===', a.e, A.NULL), I32, [a], false, true);
});
def('ref.func', (L, ins, env) => L.pushVal(val(A.id(env.funcRefName(ins.a)), FUNCREF, CONST)));

