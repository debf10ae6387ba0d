/**
 * Live variables of one lowered function, before it is split: for each
 * statement, the variables that may be read before they are written on some
 * path from its start (`before`) and from its normal end (`after`); for a
 * `break`/`continue`, `before` is what is live where it lands. The split
 * pass (split.ts `outline`) reads them at a run's boundaries, and
 * split-vars.ts `localize` then copies into a part's local copies only the
 * variables live where the part starts, and at each exit writes back only
 * those live where that exit lands: a variable the code after the part
 * writes before it reads need not travel through the frame (Lua's
 * `luaV_execute` arms shared a dozen scratch locals through it on every
 * call).
 *
 * Classic backward dataflow (a variable is live at a point if some path from
 * there reads it before writing it), over the structured ESTree of the
 * lowering: blocks, `if`, labelled statements, loops (iterated to their
 * fixed point), `switch` with fall-through, `try` (everything in a `try`
 * block also flows into its handler), jumps, returns and throws. Conservative
 * where it must be: only assignments that always run kill (`x = e`, at the
 * top of a statement or of a sequence; not one inside `&&`, `?:`, a call's
 * arguments...); every identifier read is a use; an exception leaving the
 * function reaches nothing. Unknown statement kinds, and function
 * expressions (a closure may read a variable later than where it is made;
 * the lowering makes none), give up (null: every variable live).
 *
 * Only `names` are tracked (the split function's parameters and declared
 * variables, not temporaries): the caller treats any other name as live.
 */
import { childKeys } from '../lower/ast.js';
import type { Node, Stmt } from '../lower/ast.js';
import { baseName, eachName } from './uses.js';
import { LOOPS } from './statements.js';

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
  if (hasClosure(body)) return null;
  const a = new Analysis(names);
  try {
    a.list(body, a.empty);
  } catch (e) {
    if (e instanceof Unhandled) return null;
    throw e;
  }
  return { before: a.before, after: a.after, names };
}

/** One run of the analysis: the sets found so far and the state of the walk. */
class Analysis {
  readonly before = new WeakMap<Stmt, Bits>();
  readonly after = new WeakMap<Stmt, Bits>();
  readonly empty: Bits;
  private readonly index: Map<string, number>;
  /** Per label: live where a `break` lands (after the labelled statement) and, for a loop, where a `continue` does. */
  private readonly breaks = new Map<string, Bits>();
  private readonly continues = new Map<string, Bits>();
  /** Loop heads from the last time round an enclosing loop: a fixed point starts from them. */
  private readonly heads = new WeakMap<Stmt, Bits>();
  /** Live in the handlers of the enclosing `try` blocks: reachable from any statement inside. */
  private thrown: Bits;

  constructor(names: string[]) {
    this.index = new Map(names.map((n, i) => [n, i]));
    this.empty = new Uint32Array((names.length + 31) >>> 5);
    this.thrown = this.empty;
  }

  /** Live before expression `e` (null: none) runs, given `out` after it: its uses, and `out` less its sure kills. */
  private through(e: Node, out: Bits): Bits {
    if (e === null || e === undefined) return out;
    const r = out.slice();
    this.kills(e, r);
    eachName(e, (id, holder) => {
      // A plain `x = e` writes x; a register slot `R[3] = e` reads R (the BigInt form's register file).
      if (holder?.type === 'AssignmentExpression' && holder.left === id && holder.operator === '=' && baseName(id.name) === id.name) return;
      const i = this.index.get(baseName(id.name));
      if (i !== undefined) r[i >>> 5] |= 1 << (i & 31);
    });
    return r;
  }

  private kills(e: Node, r: Bits): void {
    if (e.type === 'SequenceExpression') for (const x of e.expressions) this.kills(x, r);
    else if (e.type === 'AssignmentExpression' && e.operator === '=') {
      if (e.left.type === 'Identifier') {
        const i = this.index.get(e.left.name);
        if (i !== undefined) r[i >>> 5] &= ~(1 << (i & 31));
      }
      this.kills(e.right, r);
    }
  }

  list(stmts: Stmt[], out: Bits): Bits {
    let live = out;
    for (let i = stmts.length - 1; i >= 0; i--) live = this.stmt(stmts[i], live);
    return live;
  }

  private stmt(s: Stmt, out: Bits): Bits {
    this.after.set(s, out);
    let live = this.inner(s, out);
    if (this.thrown !== this.empty) live = unionBits(live, this.thrown);
    this.before.set(s, live);
    return live;
  }

  private inner(s: Stmt, out: Bits): Bits {
    switch (s.type) {
      case 'ExpressionStatement':
        return this.through(s.expression, out);
      case 'VariableDeclaration': {
        let live = out;
        for (let i = s.declarations.length - 1; i >= 0; i--) {
          const d = s.declarations[i];
          // `var x;` assigns nothing (a `let` without an initialiser sets undefined).
          if (d.init === null && s.kind === 'var') continue;
          live = this.through({ type: 'AssignmentExpression', operator: '=', left: d.id, right: d.init ?? { type: 'Literal', value: 0 } }, live);
        }
        return live;
      }
      case 'EmptyStatement':
      case 'FunctionDeclaration':
        return out;
      case 'BlockStatement':
        return this.list(s.body, out);
      case 'IfStatement': {
        const yes = this.stmt(s.consequent, out);
        const no = s.alternate === null ? out : this.stmt(s.alternate, out);
        return this.through(s.test, unionBits(yes, no));
      }
      case 'ReturnStatement':
      case 'ThrowStatement':
        return this.through(s.argument, this.empty);
      case 'BreakStatement':
      case 'ContinueStatement': {
        const at = s.label === null ? undefined : (s.type === 'BreakStatement' ? this.breaks : this.continues).get(s.label.name);
        if (at === undefined) throw new Unhandled();
        return at;
      }
      case 'LabeledStatement':
        return this.labeled(s, out);
      case 'ForStatement':
      case 'WhileStatement':
      case 'DoWhileStatement':
        return this.loop(s, null, out);
      case 'SwitchStatement':
        return this.switchStmt(s, out);
      case 'TryStatement':
        return this.tryStmt(s, out);
      default:
        throw new Unhandled();
    }
  }

  private labeled(s: Stmt, out: Bits): Bits {
    const name = s.label.name;
    const saved = [this.breaks.get(name), this.continues.get(name)];
    this.breaks.set(name, out);
    const b = s.body;
    const live = LOOPS.has(b.type) ? this.loop(b, name, out) : this.stmt(b, out);
    restore(this.breaks, name, saved[0]);
    restore(this.continues, name, saved[1]);
    return live;
  }

  /**
   * A loop, to its fixed point. For `for`/`while` the iterated set is the head (before the test; the
   * body's entry when there is none); for `do`, the body's entry. A `continue` lands before the update
   * (`for`) or the test (`do`, `while`).
   */
  private loop(s: Stmt, label: string | null, out: Bits): Bits {
    this.after.set(s, out);
    const isDo = s.type === 'DoWhileStatement';
    const test: Node = s.test ?? null;
    const update: Node = s.type === 'ForStatement' ? s.update : null;
    let head = this.heads.get(s) ?? this.empty;
    for (;;) {
      const cont = isDo ? this.through(test, unionBits(head, out)) : this.through(update, head);
      if (label !== null) {
        this.breaks.set(label, out);
        this.continues.set(label, cont);
      }
      const entry = this.list(s.body.type === 'BlockStatement' ? s.body.body : [s.body], cont);
      const next = unionBits(head, isDo || test === null ? entry : this.through(test, unionBits(entry, out)));
      if (same(next, head)) break;
      head = next;
    }
    this.heads.set(s, head);
    let live = s.type === 'ForStatement' ? this.through(s.init, head) : head;
    if (this.thrown !== this.empty) live = unionBits(live, this.thrown);
    this.before.set(s, live);
    return live;
  }

  /** Cases fall through to the next; with no `default`, the `switch` may run none. */
  private switchStmt(s: Stmt, out: Bits): Bits {
    let live = s.cases.some((c: Node) => c.test === null) ? this.empty : out;
    let fall = out;
    for (let i = s.cases.length - 1; i >= 0; i--) {
      const c = s.cases[i];
      fall = this.list(c.consequent, fall);
      live = unionBits(live, c.test === null ? fall : this.through(c.test, fall));
    }
    return this.through(s.discriminant, live);
  }

  /**
   * Any statement of the `try` block may throw into the handler, and any of the block or the handler
   * into the finalizer, which then ends normally or rethrows.
   */
  private tryStmt(s: Stmt, out: Bits): Bits {
    const fin = s.finalizer === null ? null : s.finalizer.body;
    const saved = this.thrown;
    const afterFin = fin === null ? out : this.list(fin, unionBits(out, saved));
    if (fin !== null) this.thrown = unionBits(saved, afterFin);
    const handler = s.handler === null ? afterFin : this.list(s.handler.body.body, afterFin);
    this.thrown = unionBits(this.thrown, handler);
    const live = this.list(s.block.body, afterFin);
    this.thrown = saved;
    return live;
  }
}

const FUNCTION_EXPRESSIONS = new Set(['FunctionExpression', 'ArrowFunctionExpression']);

function same(a: Bits, b: Bits): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Whether `n` holds a function expression. The commonest nodes are walked
 * child by child, without the child-key table (a walk of every node of the
 * function: it was more than half of `liveness` on SQLite's biggest function).
 */
function hasClosure(n: Node): boolean {
  if (n === null || typeof n !== 'object') return false;
  if (Array.isArray(n)) {
    for (const x of n) if (hasClosure(x)) return true;
    return false;
  }
  switch (n.type) {
    case 'Identifier':
    case 'Literal':
    case 'BreakStatement':
    case 'ContinueStatement':
      return false;
    case 'BinaryExpression':
    case 'LogicalExpression':
    case 'AssignmentExpression':
      return hasClosure(n.left) || hasClosure(n.right);
    case 'ExpressionStatement':
      return hasClosure(n.expression);
    case 'CallExpression':
      return hasClosure(n.callee) || hasClosure(n.arguments);
    case 'MemberExpression':
      return hasClosure(n.object) || hasClosure(n.property);
    case 'UnaryExpression':
      return hasClosure(n.argument);
  }
  if (FUNCTION_EXPRESSIONS.has(n.type)) return true;
  for (const k of childKeys(n)) if (hasClosure(n[k])) return true;
  return false;
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

/**
 * What a part (split.ts `outline`) carries for split-vars.ts `localize`: the
 * tracked names live where it starts, where it may end (any exit), where it
 * ends by running off its last statement, and where each `return <code>`
 * lands (by code - 1); null: unknown, all.
 */
export interface PartLive {
  in: Set<string> | null;
  out: Set<string> | null;
  fall: Set<string> | null;
  exits: (Set<string> | null)[];
  tracked: Set<string>;
}
