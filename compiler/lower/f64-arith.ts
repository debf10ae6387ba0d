/**
 * f64 arithmetic that keeps wasm's NaN rules where V8's optimising compiler
 * folds JavaScript arithmetic (runtime/ABI.md "NaN bits"): expression
 * builders for ops.ts's `f64.add`, `sub`, `mul` and `div`.
 */
import * as A from './ast.js';
import type { Expr } from './ast.js';
import { literal } from './values.js';

const f64buf = new Float64Array(1);
const i32buf = new Int32Array(f64buf.buffer);

/** The bits (lo, hi) of an f64 NaN constant (`f64.const nan:...` is lowered as `f64_reinterpret_i64(lo, hi)`), or null. */
function nanConst(e: Expr): [number, number] | null {
  if (e.type !== 'CallExpression' || e.callee.type !== 'Identifier' || e.callee.name !== 'f64_reinterpret_i64') return null;
  const [lo, hi] = e.arguments.map(literal);
  if (lo === null || hi === null) return null;
  // `f64.reinterpret_i64` of an i64 constant is lowered the same way: only NaN bits count (seed 76000471).
  i32buf[0] = lo;
  i32buf[1] = hi;
  return f64buf[0] !== f64buf[0] ? [lo, hi] : null;
}

/**
 * f64 arithmetic with a NaN constant operand, the other a variable or a constant: the result is that NaN
 * quieted (an arithmetic NaN, as wasm requires), emitted as a constant. Computed, `c - x` is folded to `c` by
 * V8's optimising compiler once it has seen `x` hold 0 on every path, which leaves a signalling `c`
 * unquieted (fuzz seed 75002818; test/nan.test.ts).
 */
export function nanFolded(f: (a: Expr, b: Expr) => Expr): (a: Expr, b: Expr) => Expr {
  const plain = (e: Expr) => e.type === 'Identifier' || e.type === 'Literal' || literal(e) !== null || nanConst(e) !== null;
  return (a, b) => {
    const k = nanConst(a) ?? nanConst(b);
    if (k === null || !plain(a) || !plain(b)) return f(a, b);
    return A.call('f64_reinterpret_i64', [A.num(k[0]), A.num(k[1] | 0x80000)]);
  };
}

/**
 * f64 arithmetic that stays exact once V8 optimises it (found by fuzzing; test/nan.test.ts). For JavaScript,
 * V8's optimising compiler folds x - 0, x * 1 and x / 1 to x, and -0 - x, x * -1 and x / -1 to -x: right
 * for JS, which cannot see NaN bits, but a signalling NaN x then comes out unquieted where wasm requires an
 * arithmetic (quiet) NaN. V8 does not fold x + -0, which equals x for every other x (zeros included) and
 * quiets a NaN, so a literal identity operand is lowered to that form instead. The folds also apply when V8
 * has learnt the operand's value at run time (a local that held 1 on every path it has seen run); guarding
 * every product, quotient and difference of two variables against that costs up to 58% on the f64 kernels
 * (nbody), so it is left as a documented limit (runtime/ABI.md "NaN bits").
 */
export function f64Sub(a: Expr, b: Expr): Expr {
  if (Object.is(literal(b), 0)) return A.bin('+', a, A.num(-0));
  if (Object.is(literal(a), -0)) return A.bin('+', A.un('-', b), A.num(-0));
  return A.bin('-', a, b);
}

/** `a * b` or `a / b` in the form above: a literal 1 or -1 operand as `x + -0` or `-x + -0`. */
export function f64MulDiv(o: '*' | '/', a: Expr, b: Expr): Expr {
  const kb = literal(b);
  const ka = o === '*' ? literal(a) : null;
  if (kb === 1 || ka === 1) return A.bin('+', kb === 1 ? a : b, A.num(-0));
  if (kb === -1 || ka === -1) return A.bin('+', A.un('-', kb === -1 ? a : b), A.num(-0));
  return A.bin(o, a, b);
}
