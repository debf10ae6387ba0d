/**
 * The BigInt lowering of i64 (runtime/ABI.md "i64 in BigInt functions"),
 * used inside functions whose loops do enough i64 arithmetic to pay for it
 * (passes/form.ts `scan`); other functions keep int32 pairs (ops.ts).
 *
 * In such a function every i64 value on the operand stack is a BigInt
 * expression whose value is always in [0, 2^64) (every operation is wrapped
 * in `BigInt.asUintN(64, ...)`, which V8 compiles to plain 64-bit machine
 * operations). Every i64 local, block result and loop parameter lives in a
 * slot of the function's register file `R` (a BigUint64Array, with `R32` an
 * Int32Array over the same bytes): a BigInt is never held in a JS variable
 * assigned in more than one place. V8 11.3 boxes such a variable at every
 * merge (one allocation per loop iteration), and crashes on one of them used
 * as the left operand of `>>`. Temporaries are assigned once, so they are
 * never merged.
 *
 * The calling convention stays int32 pairs: pairs become BigInts as
 * `BigInt(lo >>> 0) | BigInt(hi >>> 0) << 32n` (compiled to machine code)
 * and BigInts become pairs through a slot (`R[s] = x`, then `R32[2s]` and
 * `R32[2s + 1]`). `Number(x)` and `BigInt(int32)` are avoided: V8 calls
 * the runtime for them.
 *
 * Operators without a lowering here (division, bit counts, shifts by a
 * variable, float conversions...) convert their operands to pairs, run the
 * pair lowering of ops.ts and convert the result back (`viaPairs`).
 */
import * as A from './ast.js';
import type { Expr } from './ast.js';
import { CONST, LOCAL, IMPURE, TEMP, val, mergeReads, asI32, type Val, type Kind } from './values.js';
import { LOWER_OPS, I64_NARROW_LOADS, dvGet, type OpLowering } from './ops.js';
import { OPS, OP } from '../opcodes.js';
import { I32, I64 } from '../types.js';
import type { Lowering, PairLowering } from './lowering.js';

/** `BigInt.asUintN(64, e)`. */
const u64 = (e: Expr): Expr => A.call(A.member('BigInt', 'asUintN'), [A.num(64), e]);
const s64 = (e: Expr): Expr => A.call(A.member('BigInt', 'asIntN'), [A.num(64), e]);
const big = (e: Expr): Expr => A.call('BigInt', [e]);
const u32 = (e: Expr): Expr => A.bin('>>>', e, A.num(0));

/** A BigInt literal (`123n`). */
function bigLit(v: bigint): Expr {
  return { type: 'Literal', value: v, raw: `${v}n` };
}

/** The value of a BigInt literal expression, or null. */
function bigValue(e: Expr): bigint | null {
  return e.type === 'Literal' && typeof e.value === 'bigint' ? e.value : null;
}

/** The slot pseudo-identifier `R[s]` (printed as the element access; see stack.ts `localRef`). */
const slotName = (s: number): string => `R[${s}]`;
const lo32 = (s: number): Expr => A.index('R32', A.num(2 * s));
const hi32 = (s: number): Expr => A.index('R32', A.num(2 * s + 1));

/** The i64 BigInt of the int32 pair (lo, hi): compiled to machine code by V8 (no allocation). */
export function fromPair(lo: Expr, hi: Expr): Expr {
  const l = lo.type === 'Literal' ? A.num(lo.value >>> 0) : u32(lo);
  const h = hi.type === 'Literal' ? A.num(hi.value >>> 0) : u32(hi);
  if (lo.type === 'Literal' && hi.type === 'Literal') return bigLit((BigInt(hi.value >>> 0) << 32n) | BigInt(lo.value >>> 0));
  return u64(A.bin('|', big(l), A.bin('<<', big(h), bigLit(32n))));
}

/** The i64 BigInt of an int32 sign-extended (`x` must be simple: it is read twice). */
function extendS(x: Expr): Expr {
  return u64(A.bin('|', big(u32(x)), A.bin('<<', big(u32(A.bin('>>', x, A.num(31)))), bigLit(32n))));
}

/** Pushes an i64 BigInt expression computed from `args`. */
function pushBig(L: Lowering, e: Expr, args: Val[], impure = false): void {
  let k: Kind = impure ? IMPURE : LOCAL;
  let d = 0;
  for (const a of args) {
    if (a.k > k) k = a.k;
    if (a.d > d) d = a.d;
  }
  L.pushVal(val(e, I64, bigValue(e) !== null ? CONST : k, mergeReads(args), false, d + 1));
}

/** A literal, temporary or slot: may be read twice. */
function simple(v: Val): boolean {
  return v.k <= TEMP || (v.k === LOCAL && v.e.type === 'Identifier');
}

/**
 * Stores BigInt value `v` into a fresh slot (evaluated now, after the impure
 * values pending below it) and returns the slot number: its halves are then
 * `R32[2s]` and `R32[2s + 1]`.
 */
function toSlot(L: PairLowering, v: Val): number {
  if (v.k === IMPURE) L.spillImpure();
  const s = L.newSlot();
  L.emit(A.exprStmt(A.assign(slotName(s), v.e)));
  return s;
}

/** The int32 halves of BigInt value `v` as expressions that may be read any number of times. */
export function toPair(L: PairLowering, v: Val): [Expr, Expr] {
  const c = bigValue(v.e);
  if (c !== null) return [A.num(Number(BigInt.asIntN(32, c))), A.num(Number(BigInt.asIntN(32, c >> 32n)))];
  const s = toSlot(L, v);
  return [L.temp(lo32(s)), L.temp(hi32(s))];
}

export const BIG_OPS: (OpLowering | undefined)[] = new Array(OPS.length);

function def(name: string, f: OpLowering): void {
  BIG_OPS[OP[name]] = f;
}

def('i64.const', (L, ins) => L.pushVal(val(bigLit((BigInt(ins.hi >>> 0) << 32n) | BigInt(ins.lo >>> 0)), I64, CONST)));

for (const [n, o] of [['add', '+'], ['sub', '-'], ['mul', '*'], ['and', '&'], ['or', '|'], ['xor', '^']]) {
  def(`i64.${n}`, (L) => {
    const [a, b] = L.popVals(2);
    pushBig(L, u64(A.bin(o, a.e, b.e)), [a, b]);
  });
}

// Shifts and rotates by a constant; by a variable count, through pairs (V8 calls the runtime for those).
for (const n of ['shl', 'shr_s', 'shr_u', 'rotl', 'rotr'] as const) {
  const pairs = viaPairs(OP[`i64.${n}`]);
  def(`i64.${n}`, (L, ins, env) => {
    const count = bigValue(L.peek(0).e);
    if (count === null) return pairs(L, ins, env);
    L.popVal();
    let a = L.popVal();
    let k = Number(count & 63n);
    if (n === 'rotr') k = (64 - k) & 63;
    if (k === 0 && n !== 'shl' && n !== 'shr_u' && n !== 'shr_s') return L.pushVal(a);
    const K = bigLit(BigInt(k));
    if (n === 'shl') return pushBig(L, u64(A.bin('<<', a.e, K)), [a]);
    if (n === 'shr_u') return pushBig(L, u64(A.bin('>>', a.e, K)), [a]);
    if (n === 'shr_s') return pushBig(L, u64(A.bin('>>', s64(a.e), K)), [a]);
    if (!simple(a)) a = L.evalNow(a);
    pushBig(L, u64(A.bin('|', A.bin('<<', a.e, K), A.bin('>>', a.e, bigLit(BigInt(64 - k))))), [a]);
  });
}

// Comparisons: values are canonical (0 <= x < 2^64), so unsigned ones compare directly.
function cmp(name: string, build: (a: Expr, b: Expr) => Expr): void {
  def(name, (L) => {
    const [a, b] = L.popVals(2);
    L.pushVal(val(build(a.e, b.e), I32, Math.max(a.k, b.k, LOCAL) as Kind, mergeReads([a, b]), true, Math.max(a.d, b.d) + 1));
  });
}
def('i64.eqz', (L) => {
  const a = L.popVal();
  L.pushVal(val(A.bin('===', a.e, bigLit(0n)), I32, Math.max(a.k, LOCAL) as Kind, a.reads, true, a.d + 1));
});
cmp('i64.eq', (a, b) => A.bin('===', a, b));
cmp('i64.ne', (a, b) => A.bin('!==', a, b));
for (const [n, o] of [['lt', '<'], ['gt', '>'], ['le', '<='], ['ge', '>=']]) {
  cmp(`i64.${n}_u`, (a, b) => A.bin(o, a, b));
  cmp(`i64.${n}_s`, (a, b) => A.bin(o, s64(a), s64(b)));
}

// Conversions.
def('i32.wrap_i64', (L) => {
  const a = L.popVal();
  const c = bigValue(a.e);
  if (c !== null) return L.pushVal(val(A.num(Number(BigInt.asIntN(32, c))), I32, CONST));
  L.pushVal(val(lo32(toSlot(L, a)), I32, TEMP));
});
def('i64.extend_i32_u', (L) => {
  const a = L.popVal();
  pushBig(L, u64(big(u32(asI32(a, A.bin)))), [a]);
});
def('i64.extend_i32_s', (L) => {
  let a = L.popVal();
  if (!simple(a) || a.bool) a = L.evalNow(val(asI32(a, A.bin), I32, a.k, a.reads, false, a.d));
  pushBig(L, extendS(a.e), [a]);
});
for (const [n, bits] of [['extend8_s', 24], ['extend16_s', 16], ['extend32_s', 0]] as const) {
  def(`i64.${n}`, (L) => {
    const a = L.popVal();
    const lo = bits === 0 ? lo32(toSlot(L, a)) : A.bin('>>', A.bin('<<', lo32(toSlot(L, a)), A.num(bits)), A.num(bits));
    pushBig(L, extendS(L.temp(lo)), []);
  });
}

// Memory: DataView int32 reads combined (inlined by V8; its bounds checks trap as in pair functions).
const dv = (method: string, args: Expr[]) => A.mcall('dv', method, args);

/** Effective address of a memory access as an expression that may be read twice. */
function address(L: Lowering, base: Val, offset: number): Expr {
  if (base.k === CONST && base.e.type === 'Literal') return A.num((base.e.value >>> 0) + offset);
  const b = u32(asI32(base, A.bin));
  return L.temp(offset === 0 ? b : A.bin('+', b, A.num(offset)));
}

// With `env.dvBig` a whole i64 takes one DataView BigInt method: the same bounds (all 8 bytes are checked
// before anything is read or written) and the same value.
def('i64.load', (L, ins, env) => {
  const a = L.evalNow(L.popVal());
  const addr = address(L, a, ins.b);
  // (Wrapped like every BigInt result, so the passes know it for one: split-vars.ts `isBig`.)
  if (env.dvBig) return pushBig(L, u64(dv('getBigUint64', [addr, A.TRUE])), [a], true);
  const hi = dv('getUint32', [A.bin('+', addr, A.num(4)), A.TRUE]);
  pushBig(L, u64(A.bin('|', big(dv('getUint32', [addr, A.TRUE])), A.bin('<<', big(hi), bigLit(32n)))), [a], true);
});
for (const n of I64_NARROW_LOADS) {
  const { width } = OPS[OP[n]];
  const signed = n.endsWith('_s');
  def(n, (L, ins) => {
    const a = L.popVal();
    if (!signed) {
      const addr = a.k === IMPURE ? address(L, L.evalNow(a), ins.b) : address(L, a, ins.b);
      return pushBig(L, big(dvGet(width, false, addr)), [a], true);
    }
    L.spillImpure();
    const x = L.temp(dvGet(width, true, address(L, a, ins.b)));
    pushBig(L, extendS(x), []);
  });
}
for (const [n, bytes] of [['i64.store', 8], ['i64.store32', 4], ['i64.store16', 2], ['i64.store8', 1]] as const) {
  const method = bytes === 8 || bytes === 4 ? 'setInt32' : bytes === 2 ? 'setInt16' : 'setInt8';
  def(n, (L, ins, env) => {
    const v = L.popVal();
    const a = L.evalNow(L.popVal());
    const s = toSlot(L, v);
    L.spillImpure();
    const addr = address(L, a, ins.b);
    if (bytes === 8 && env.dvBig) return L.emit(A.exprStmt(dv('setBigUint64', [addr, A.id(slotName(s)), A.TRUE])));
    const args = (at: Expr, x: Expr) => (bytes === 1 ? [at, x] : [at, x, A.TRUE]);
    // High word first: if it is in bounds, so is the low word, so a trap never leaves a partial write.
    if (bytes === 8) L.emit(A.exprStmt(dv(method, args(A.bin('+', addr, A.num(4)), hi32(s)))));
    L.emit(A.exprStmt(dv(method, args(addr, lo32(s)))));
  });
}

/**
 * The lowering of operator `opId` through int32 pairs: i64 operands are
 * converted to pairs (every impure operand evaluated first, in order), the
 * pair lowering runs, and an i64 result is converted back.
 */
function viaPairs(opId: number): OpLowering {
  const pairLowering = LOWER_OPS[opId]!;
  const { params, results } = OPS[opId];
  return (L, ins, env) => {
    const args = L.popVals(params!.length);
    for (let i = 0; i < args.length; i++) if (args[i].k === IMPURE) args[i] = L.evalNow(args[i]);
    for (const a of args) {
      if (a.t !== I64) L.pushVal(a);
      else {
        const [lo, hi] = toPair(L, a);
        L.pushVal(val(lo, I64, TEMP, null, false, 0, hi));
      }
    }
    pairLowering(L, ins, env);
    if (results![0] === I64) {
      const r = L.popVal();
      pushBig(L, fromPair(r.e, r.h!), [r]);
    }
  };
}

for (const op of OPS) {
  if (BIG_OPS[op.id] !== undefined || LOWER_OPS[op.id] === undefined || op.params === null) continue;
  if (op.params.includes(I64) || op.results!.includes(I64)) BIG_OPS[op.id] = viaPairs(op.id);
}

const NATIVE = new Set(Object.keys(OP).filter((n) => /^i64\.(load|store|const|eq|ne|lt|gt|le|ge|extend)|^i32\.wrap_i64$/.test(n)).map((n) => OP[n]));
/** Whether i64 instruction `opId` has a direct BigInt form (not through pairs: i64big.ts `viaPairs`), arithmetic aside. */
export function isNative(opId: number): boolean {
  return NATIVE.has(opId);
}
