/**
 * Live variables of one lowered function, before it is split: for each
 * statement, the variables that may be read before they are written on some
 * path from its start (`before`) and from its normal end (`after`); for a
 * `break`/`continue`, `before` is what is live where it lands. The split
 * pass (split.ts `outline`) reads them at a run's boundaries, and
 * split-vars.ts `localize` then copies into a part's local copies only the
 * variables live where the part starts, and writes back only those live
 * where it may end: a variable the code after the part writes before it
 * reads need not travel through the frame (Lua's `luaV_execute` arms shared
 * a dozen scratch locals through it on every call).
 *
 * Classic backward dataflow (a variable is live at a point if some path from
 * there reads it before writing it), over the structured ESTree of the
 * lowering: blocks, `if`, labelled statements, loops (iterated to their
 * fixed point), `switch` with fall-through, `try` (everything in a `try`
 * block also flows into its handler), jumps, returns and throws. Conservative
 * where it must be: only assignments that always run kill (`x = e`, at the
 * top of a statement or of a sequence; not one inside `&&`, `?:`, a call's
 * arguments...); every identifier read is a use; an exception leaving the
 * function reaches nothing. Unknown statement kinds give up (null: every
 * variable live).
 *
 * Only `names` are tracked (the split function's parameters and declared
 * variables, not temporaries): the caller treats any other name as live.
 */
import type { Node, Stmt } from '../lower/ast.js';
import { baseName, eachName } from './uses.js';

/** A set of tracked variables, one bit each (bit i: `names[i]`). */
type Bits = Uint32Array;

/** What `liveness` returns: the live sets, and the names they index. */
export interface Liveness {
  /** Live before a statement runs (for a jump: where it lands). */
  before: WeakMap<Stmt, Bits>;
  /** Live after a statement completes normally. */
  after: WeakMap<Stmt, Bits>;
  names: string[];
}

/** Live variables of the statements `body` (a function's body), tracking `names`; null where some statement is of a kind not handled. */
export function liveness(body: Stmt[], names: string[]): Liveness | null {
  const index = new Map(names.map((n, i) => [n, i]));
  const words = (names.length + 31) >>> 5;
  const before = new WeakMap<Stmt, Bits>();
  const after = new WeakMap<Stmt, Bits>();
  const empty = new Uint32Array(words);
  // Per label: live where a `break` lands (after the labelled statement) and, for a loop, where a `continue` does.
  const breaks = new Map<string, Bits>();
  const continues = new Map<string, Bits>();
  // Loop heads from the last time round an enclosing loop: a fixed point starts from them.
  const heads = new WeakMap<Stmt, Bits>();
  // Live in the handlers of the enclosing `try` blocks: reachable from any statement inside.
  let thrown: Bits = empty;

  const union = (a: Bits, b: Bits): Bits => {
    const r = a.slice();
    for (let i = 0; i < words; i++) r[i] |= b[i];
    return r;
  };
  const same = (a: Bits, b: Bits): boolean => {
    for (let i = 0; i < words; i++) if (a[i] !== b[i]) return false;
    return true;
  };
  /** Uses and sure kills of an expression (null: none): live before it is `uses ∪ (out − kills)`. */
  const through = (e: Node, out: Bits): Bits => {
    if (e === null || e === undefined) return out;
    const r = out.slice();
    kills(e, r);
    eachName(e, (id, holder) => {
      // A plain `x = e` writes x; a register slot `R[3] = e` reads R (the BigInt form's register file).
      if (holder?.type === 'AssignmentExpression' && holder.left === id && holder.operator === '=' && baseName(id.name) === id.name) return;
      const i = index.get(baseName(id.name));
      if (i !== undefined) r[i >>> 5] |= 1 << (i & 31);
    });
    return r;
  };
  const kills = (e: Node, r: Bits): void => {
    if (e.type === 'SequenceExpression') for (const x of e.expressions) kills(x, r);
    else if (e.type === 'AssignmentExpression' && e.operator === '=') {
      if (e.left.type === 'Identifier') {
        const i = index.get(e.left.name);
        if (i !== undefined) r[i >>> 5] &= ~(1 << (i & 31));
      }
      kills(e.right, r);
    }
  };
  const list = (stmts: Stmt[], out: Bits): Bits => {
    let live = out;
    for (let i = stmts.length - 1; i >= 0; i--) live = stmt(stmts[i], live);
    return live;
  };
  const stmt = (s: Stmt, out: Bits): Bits => {
    after.set(s, out);
    let live = inner(s, out);
    if (thrown !== empty) live = union(live, thrown);
    before.set(s, live);
    return live;
  };
  /**
   * A loop, to its fixed point. For `for`/`while` the iterated set is the head (before the test; the
   * body's entry when there is none); for `do`, the body's entry. A `continue` lands before the update
   * (`for`) or the test (`do`, `while`).
   */
  const loop = (s: Stmt, label: string | null, out: Bits): Bits => {
    const isDo = s.type === 'DoWhileStatement';
    const test: Node = s.test ?? null;
    const update: Node = s.type === 'ForStatement' ? s.update : null;
    let head = heads.get(s) ?? empty;
    for (;;) {
      const cont = isDo ? through(test, union(head, out)) : through(update, head);
      if (label !== null) {
        breaks.set(label, out);
        continues.set(label, cont);
      }
      const entry = list(s.body.body, cont);
      let next = isDo || test === null ? entry : through(test, union(entry, out));
      next = union(next, head);
      if (same(next, head)) break;
      head = next;
    }
    heads.set(s, head);
    return s.type === 'ForStatement' ? through(s.init, head) : head;
  };
  const inner = (s: Stmt, out: Bits): Bits => {
    switch (s.type) {
      case 'ExpressionStatement':
        return through(s.expression, out);
      case 'VariableDeclaration': {
        let live = out;
        for (let i = s.declarations.length - 1; i >= 0; i--) {
          const d = s.declarations[i];
          live = through({ type: 'AssignmentExpression', operator: '=', left: d.id, right: d.init ?? { type: 'Literal', value: 0 } }, live);
        }
        return live;
      }
      case 'EmptyStatement':
      case 'FunctionDeclaration':
        return out;
      case 'BlockStatement':
        return list(s.body, out);
      case 'IfStatement': {
        const yes = stmt(s.consequent, out);
        const no = s.alternate === null ? out : stmt(s.alternate, out);
        return through(s.test, union(yes, no));
      }
      case 'ReturnStatement':
      case 'ThrowStatement':
        return through(s.argument, empty);
      case 'BreakStatement':
      case 'ContinueStatement': {
        const at = s.label === null ? undefined : (s.type === 'BreakStatement' ? breaks : continues).get(s.label.name);
        if (at === undefined) throw new Unhandled();
        return at;
      }
      case 'LabeledStatement': {
        const name = s.label.name;
        const saved = [breaks.get(name), continues.get(name)];
        breaks.set(name, out);
        const b = s.body;
        const live = b.type === 'ForStatement' || b.type === 'WhileStatement' || b.type === 'DoWhileStatement' ? loopStmt(b, name, out) : stmt(b, out);
        restore(breaks, name, saved[0]);
        restore(continues, name, saved[1]);
        return live;
      }
      case 'ForStatement':
      case 'WhileStatement':
      case 'DoWhileStatement':
        return loopStmt(s, null, out);
      case 'SwitchStatement': {
        let live = s.cases.some((c: Node) => c.test === null) ? empty : out;
        let fall = out;
        for (let i = s.cases.length - 1; i >= 0; i--) {
          const c = s.cases[i];
          fall = list(c.consequent, fall);
          live = union(live, c.test === null ? fall : through(c.test, fall));
        }
        return through(s.discriminant, live);
      }
      case 'TryStatement': {
        const fin = s.finalizer === null ? null : s.finalizer.body;
        const afterFin = fin === null ? out : list(fin, out);
        const handler = s.handler === null ? afterFin : list(s.handler.body.body, afterFin);
        const saved = thrown;
        thrown = union(thrown, fin === null ? handler : union(handler, afterFin));
        const live = list(s.block.body, afterFin);
        thrown = saved;
        return live;
      }
      default:
        throw new Unhandled();
    }
  };
  const loopStmt = (s: Stmt, label: string | null, out: Bits): Bits => {
    after.set(s, out);
    let live = loop(s, label, out);
    if (thrown !== empty) live = union(live, thrown);
    before.set(s, live);
    return live;
  };
  try {
    list(body, empty);
  } catch (e) {
    if (e instanceof Unhandled) return null;
    throw e;
  }
  return { before, after, names };
}

/** Thrown inside `liveness` on a statement it does not model. */
class Unhandled extends Error {}

function restore(m: Map<string, Bits>, k: string, v: Bits | undefined): void {
  if (v === undefined) m.delete(k);
  else m.set(k, v);
}

/** The names in `bits`, a set from `live` (null: unknown, every name). */
export function namesIn(live: Liveness, bits: Bits | undefined): Set<string> | null {
  if (bits === undefined) return null;
  const out = new Set<string>();
  live.names.forEach((n, i) => {
    if (bits[i >>> 5] & (1 << (i & 31))) out.add(n);
  });
  return out;
}

/** `a ∪ b`, a new set. */
export function unionBits(a: Bits, b: Bits): Bits {
  const r = a.slice();
  for (let i = 0; i < r.length; i++) r[i] |= b[i];
  return r;
}

/** What a part (split.ts `outline`) carries for split-vars.ts `localize`: the tracked names live where it starts and where it may end (null: unknown, all). */
export interface PartLive {
  in: Set<string> | null;
  out: Set<string> | null;
  tracked: Set<string>;
}
