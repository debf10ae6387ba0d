/**
 * Loops that test at their end: `L: for (;;) { B; if (c) continue L; break L; }`
 * becomes `L: do { B } while (c);`. A wasm `loop` whose last instruction is a
 * `br_if` to itself (how compilers emit most loops: the test at the bottom)
 * lowers to the first form, which an interpreter runs as three jumps per
 * iteration (the `if`'s, the `continue`'s to the loop's end, the jump back);
 * the second makes two. The same when `B` has no other way to restart the
 * loop: no `continue L` (which in a `do` would evaluate `c` first) and no
 * unlabelled `continue` (the lowering labels every jump; an unlabelled one is
 * left alone). `break L` still leaves the loop. `c` moves out of the body's
 * block, so `B` must declare nothing block-scoped at its top level (the
 * lowering's `let`s are at the top of a function). V8 without its JIT runs
 * the cut sieve kernel 6% faster this way (Hermes within its noise);
 * optimizing JITs build the same graph for both (README "Accesses proved in
 * bounds, and loops that test at their end").
 */
import type { Stmt } from '../lower/ast.js';
import { childLists, ENDS } from './statements.js';

/** Whether `list` holds a `continue L` or an unlabelled `continue` (statements only: an expression holds none). */
function restarts(list: Stmt[], label: string): boolean {
  for (const s of list) {
    if (s.type === 'ContinueStatement') {
      if (s.label == null || s.label.name === label) return true;
    } else if (s.type === 'LabeledStatement') {
      if (restarts([s.body], label)) return true;
    } else if (childLists(s).some((l) => restarts(l, label))) return true;
  }
  return false;
}

/** Whether `s` is `continue L`, bare or alone in a block. */
function isContinue(s: Stmt, label: string): boolean {
  if (s.type === 'BlockStatement') return s.body.length === 1 && isContinue(s.body[0], label);
  return s.type === 'ContinueStatement' && s.label?.name === label;
}

/** Whether `loop` is the lowering's `for (;;) { ... }` (no init, test or update; a block body). */
function bareFor(loop: Stmt): boolean {
  return loop.type === 'ForStatement' && loop.init === null && loop.test === null && loop.update === null && loop.body.type === 'BlockStatement';
}

/** Rewrites, in place, every loop of `s` (a function or statement) that tests at its end as a `do`-`while`. */
export function doWhileLoops(s: Stmt): void {
  if (s.type === 'FunctionDeclaration') {
    for (const x of s.body.body) doWhileLoops(x);
    return;
  }
  if (s.type === 'LabeledStatement') {
    doWhileLoops(s.body);
    const loop = s.body;
    if (!bareFor(loop)) return;
    const label: string = s.label.name;
    const body: Stmt[] = loop.body.body;
    const end = body[body.length - 1];
    const test = body[body.length - 2];
    if (end?.type !== 'BreakStatement' || end.label?.name !== label) return;
    if (test?.type !== 'IfStatement' || test.alternate !== null || !isContinue(test.consequent, label)) return;
    const rest = body.slice(0, -2);
    if (restarts(rest, label) || rest.some((x) => (x.type === 'VariableDeclaration' && x.kind !== 'var') || x.type === 'FunctionDeclaration' || x.type === 'ClassDeclaration')) return;
    // The test keeps the `br_if`'s source-map position.
    if (test.test.loc == null && test.loc != null) test.test.loc = test.loc;
    s.body = { type: 'DoWhileStatement', body: { type: 'BlockStatement', body: rest }, test: test.test, ...(loop.loc != null ? { loc: loop.loc } : {}) };
    return;
  }
  for (const list of childLists(s)) for (const x of list) doWhileLoops(x);
}


/**
 * Rewrites, in place, every loop of `s` that tests at its head:
 * `L: for (;;) { if (c) { B } break L; }`, where `B` ends in a jump, becomes
 * `L: while (c) { B }`, a trailing `continue L` of `B` dropped. A wasm `loop`
 * whose body is one `if` restarting it lowers to the first form (433 of
 * sql.js's loops); the second is some 25 bytes shorter. A `continue L`
 * inside `B` restarts both at the test; a `B` that ended by falling through
 * would leave the first and restart the second, hence the jump at its end.
 * Run after `doWhileLoops` (a loop it rewrote is no longer a `for`).
 */
export function whileLoops(s: Stmt): void {
  if (s.type === 'FunctionDeclaration') {
    for (const x of s.body.body) whileLoops(x);
    return;
  }
  if (s.type === 'LabeledStatement') {
    whileLoops(s.body);
    const loop = s.body;
    if (!bareFor(loop)) return;
    const label: string = s.label.name;
    const [test, end] = loop.body.body as Stmt[];
    if (loop.body.body.length !== 2 || end.type !== 'BreakStatement' || end.label?.name !== label) return;
    if (test.type !== 'IfStatement' || test.alternate !== null || test.consequent.type !== 'BlockStatement') return;
    const arm: Stmt[] = test.consequent.body;
    const last = arm[arm.length - 1];
    if (last === undefined || !ENDS.has(last.type)) return;
    if (last.type === 'ContinueStatement' && (last.label == null || last.label.name === label)) arm.pop();
    // The loop takes the `if`'s source-map position (the lowering gives loops none).
    const loc = test.loc ?? loop.loc;
    s.body = { type: 'WhileStatement', test: test.test, body: { type: 'BlockStatement', body: arm }, ...(loc != null ? { loc } : {}) };
    return;
  }
  for (const list of childLists(s)) for (const x of list) whileLoops(x);
}
