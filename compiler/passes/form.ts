/**
 * The form pass: decides how a function is lowered, from its IR.
 *
 * Reads: the IR (ir/ir.ts) of one function and the module environment
 * (`flatDepth`, the `i64` option).
 * Changes: nothing; returns the `Form`.
 * Guarantees: the flat form is chosen exactly when structured instructions
 * nest deeper than `flatDepth`, even once its `br_table` nests are lowered
 * as switches (regions.ts, chosen then), or when the caller found the nested
 * form's JS too deep (`tooDeep`, MAX_JS_DEPTH), and the function has no `try` (a handler
 * cannot be a case of the dispatch loop: such a function stays nested); the BigInt form of i64 (lower/i64big.ts) only
 * under `i64: 'bigint'`, or under `auto` for a function that is not flat, not
 * larger than BIGINT_MAX_BODY bytes, does not call itself, and whose loops that
 * call nothing do enough i64 arithmetic (`scan`'s score at least BIGINT_MIN_SCORE).
 */
import type { Func } from '../ir/ir.js';
import { walk } from '../ir/walk.js';
import type { ModuleEnv } from '../lower/env.js';
import type { Form } from '../lower/func.js';
import { BIG_OPS, isNative } from '../lower/i64big.js';
import { OPS, OP as OPCODE } from '../opcodes.js';
import { dispatchRegions, type Regions } from './regions.js';


/**
 * The deepest a function's lowered JS may nest (ESTree levels below its
 * declaration, lower/ast.ts `nestsDeeper`) in the nested form; deeper, it is
 * lowered flat (passes/index.ts `lowerWithPasses`). Hermes 0.12 refuses source
 * nested past about 1,020 levels ("Too many nested expressions/statements/
 * declarations": 507 labelled blocks parse, 508 do not; 338 labelled loops,
 * not 339); V8 and SpiderMonkey parse 1,000 labelled blocks and stop before
 * 2,000 (their stacks). The margin covers the module around the function
 * (about 8 levels) and temporaries folded later (temps.ts, at most 40 nodes).
 */
export const MAX_JS_DEPTH = 800;

/** Score at and above which a function is lowered with BigInts (see `bigIntScore`). */
export const BIGINT_MIN_SCORE = 24;
/**
 * Bodies larger than this (bytes) keep pairs: V8 does not optimise very large
 * functions, and unoptimised BigInt operations allocate.
 */
export const BIGINT_MAX_BODY = 12000;

const LOOP = OPCODE['loop']!;
const TRY = OPCODE['try']!;
const CALL = OPCODE['call']!;
const CALL_INDIRECT = OPCODE['call_indirect']!;
const WEIGHTS = new Map<number, number>([
  [OPCODE['i64.mul']!, 6], [OPCODE['i64.add']!, 2], [OPCODE['i64.sub']!, 2], [OPCODE['i64.shl']!, 2], [OPCODE['i64.shr_u']!, 2],
  [OPCODE['i64.shr_s']!, 2], [OPCODE['i64.rotl']!, 3], [OPCODE['i64.rotr']!, 3], [OPCODE['i64.and']!, 1], [OPCODE['i64.or']!, 1], [OPCODE['i64.xor']!, 1],
]);

/** Size in bytes of defined function `funcidx`'s body (its locals included), as BIGINT_MAX_BODY counts it. */
function bodySize(env: ModuleEnv, funcidx: number): number {
  const i = funcidx - env.m.numImportedFuncs;
  return env.m.bodyEnd[i]! - env.m.bodyStart[i]!;
}

/**
 * The form of function `fn` under `env` (see the file comment; lower/func.ts
 * `Form`); `tooDeep`: its nested form was lowered and nests deeper than
 * MAX_JS_DEPTH, so it is flat unless it has a `try`.
 */
export function chooseForm(env: ModuleEnv, fn: Func, tooDeep = false): Form {
  const s = scan(fn);
  let flat = (tooDeep || fn.depth > env.flatDepth) && !s.tries;
  // Too deep for nested JS: its br_table nests as switches (regions.ts) may bring it within reach.
  let regions: Regions | null = null;
  if (flat && !tooDeep) {
    regions = dispatchRegions(env.m, fn);
    if (regions !== null && regions.depth <= env.flatDepth) flat = false;
    else regions = null;
  }
  const mode = env.i64 ?? 'auto';
  // Never in the flat form: there every temporary crossing a block would merge at the dispatch loop.
  const big = !flat && (mode === 'bigint' || (mode === 'auto' && !s.selfCall && s.score >= BIGINT_MIN_SCORE && bodySize(env, fn.funcidx) <= BIGINT_MAX_BODY));
  return { flat, big, memory: s.memory, regions };
}

/**
 * How much a function gains from the BigInt lowering: i64 arithmetic inside
 * loops that call nothing counts for it (a multiplication most: a dozen int32
 * operations as pairs, one as a BigInt); operators that go through pairs
 * (i64big.ts `viaPairs`) count against it. A loop with a call anywhere in it
 * does not count: its time goes partly to its callees, and a loop that carries
 * a whole function's control flow (Go's wasm, where every call site is a
 * resume point of one dispatch loop) runs mostly before V8 optimizes it, where
 * each BigInt operation allocates. Also whether the body touches memory,
 * whether it calls itself (each nested activation of a BigInt function would
 * allocate a register file), and whether it has a `try`.
 */
function scan(fn: Func): { score: number; memory: boolean; selfCall: boolean; tries: boolean } {
  let score = 0;
  let memory = false;
  let selfCall = false;
  let tries = false;
  // The open loops' scores and whether each calls anything, innermost last.
  const loopScore: number[] = [];
  const loopCalls: boolean[] = [];
  walk(fn, {
    op(n) {
      const op = fn.op(n);
      if (OPS[op]!.width > 0) memory = true;
      if (op === CALL || op === CALL_INDIRECT) {
        if (op === CALL && fn.a(n) === fn.funcidx) selfCall = true;
        loopCalls.fill(true);
      }
      const top = loopScore.length - 1;
      if (top < 0) return;
      const w = WEIGHTS.get(op);
      if (w !== undefined) loopScore[top] += w;
      else if (BIG_OPS[op] !== undefined && !isNative(op)) loopScore[top] -= 3;
    },
    enter(n) {
      if (fn.op(n) === LOOP) {
        loopScore.push(0);
        loopCalls.push(false);
      } else if (fn.op(n) === TRY) tries = true;
    },
    end(n) {
      if (fn.op(n) !== LOOP) return;
      const s = loopScore.pop()!;
      if (!loopCalls.pop()) score += s;
    },
    else_() {},
    handler() {},
    charge() {},
  });
  return { score, memory, selfCall, tries };
}
