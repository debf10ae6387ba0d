/**
 * Bare declarations: a function's variables that no read can see before a
 * write are declared without their `= 0`. The lowering declares every local
 * and temporary at the top of its function, `let l1 = 0, t0 = 0, ...` (a
 * wasm local starts at zero, spec 4.4.10 "Function calls"), and an engine
 * runs those stores on every call: two bytecodes each in V8's interpreter
 * (SQLite's functions declare 14 on average) that its optimizing tiers
 * drop but its interpreter and baseline tier, where cold code runs, do not.
 * Most are written before they are read (temporaries always), so their
 * initial value is never seen. This pass declares the function's variables
 * with `var` and those without an initialiser (`var l1, t0 = 0, dv = DV;`):
 * V8 then emits nothing for them, where `let x;` still stores `undefined`.
 * The declaration stays at the top of the function body, so `var` and `let`
 * scope it alike. `fib` in V8 without a JIT: 13.1-13.8 -> 11.9-12.0 s.
 *
 * Why not live.ts's liveness (live at the body's start = read before
 * written): run on every function it made a compile of sqlite.wasm 40%
 * slower (its closure check and per-statement sets); this one walk costs
 * about 5%, and being evaluation-order aware it also sees `(t = e) && t.f`.
 *
 * Which ones: a forward "definitely assigned" walk in evaluation order (the
 * JavaScript rule, ECMA-262 13.15.2 for assignments), one pass: a variable
 * read where some path from the start has not written it keeps its zero.
 * Sets only grow along a path, so a loop's head has the set it is entered
 * with and one walk of its body is exact. Branches (`if`, `?:`, the right
 * of `&&`/`||`/`??`, `switch` cases) meet by intersection, a `break` carries
 * its set to where it lands, `return` and `throw` end a path, a `catch` runs
 * with the set its `try` started with. Only literal initialisers are
 * dropped (`0`, `0n`, `null`): `dv = DV` and a part's copies of frame
 * fields keep theirs. A function whose body holds a closure, a `finally`, a
 * nested declaration of one of these names or a statement the walk does not
 * know keeps its declaration as it is.
 */
import type { Node, Stmt } from '../lower/ast.js';
import { baseName } from './uses.js';

/** Variables definitely written, one bit each; null: no path gets here. */
type Set_ = Uint32Array | null;

/** Thrown by the walk on code it does not model. */
class Unhandled extends Error {}

/**
 * Rewrites, in place, the `let` declaration with literal initialisers among
 * the first two statements of FunctionDeclaration `fn` (the lowering's; with
 * fuel it follows the fuel counter's) as a `var` declaration without the
 * initialisers of the variables no read can see before a write.
 */
export function bareDecls(fn: Stmt): void {
  const body: Stmt[] = fn.body.body;
  const literal = (d: Node) => d.init?.type === 'Literal';
  const at = [0, 1].find((i) => body[i]?.type === 'VariableDeclaration' && body[i].kind === 'let' && body[i].declarations.some(literal));
  if (at === undefined) return;
  const decl = body[at];
  const names: string[] = decl.declarations.filter(literal).map((d: Node) => d.id.name);
  const walk = new Walk(names);
  try {
    walk.list(body.slice(at + 1), walk.start());
  } catch (e) {
    if (e instanceof Unhandled) return;
    throw e;
  }
  decl.kind = 'var';
  for (const d of decl.declarations) if (literal(d) && !walk.readFirst.has(d.id.name)) d.init = null;
}

class Walk {
  /** The tracked names some read may see before a write. */
  readonly readFirst = new Set<string>();
  private readonly index: Map<string, number>;
  private readonly words: number;
  /** Per label (and '' for the innermost `switch` or loop): the meet of the sets its breaks carry. */
  private readonly breaks = new Map<string, Set_>();

  constructor(names: string[]) {
    this.index = new Map(names.map((n, i) => [n, i]));
    this.words = (names.length + 31) >>> 5;
  }

  start(): Uint32Array {
    return new Uint32Array(this.words);
  }

  /**
   * The statements `stmts` from set `s`; returns the set after them. Like `stmt` and `expr`, it
   * may update `s` in place: a caller that needs `s` again passes a copy.
   */
  list(stmts: Stmt[], s: Set_): Set_ {
    for (const x of stmts) s = this.stmt(x, s);
    return s;
  }

  private stmt(x: Stmt, s: Set_): Set_ {
    if (s === null) return null; // unreachable code reads nothing
    switch (x.type) {
      case 'ExpressionStatement':
        return this.expr(x.expression, s);
      case 'EmptyStatement':
        return s;
      case 'VariableDeclaration':
        // A nested declaration of an untracked name (a part's case-local temporary): its initialiser's reads.
        for (const d of x.declarations) {
          if (d.id.type !== 'Identifier' || this.index.has(d.id.name)) throw new Unhandled();
          if (d.init) this.expr(d.init, s);
        }
        return s;
      case 'BlockStatement':
        return this.list(x.body, s);
      case 'IfStatement': {
        const t = this.expr(x.test, s);
        const yes = this.stmt(x.consequent, t.slice());
        return meet(yes, x.alternate === null ? t : this.stmt(x.alternate, t));
      }
      case 'LabeledStatement':
        return this.target(x.label.name, () => this.stmt(x.body, s));
      case 'ForStatement': {
        if (x.init?.type === 'VariableDeclaration') throw new Unhandled();
        let head = x.init ? this.expr(x.init, s) : s;
        if (x.test) head = this.expr(x.test, head);
        return meet(this.target('', () => this.loopBody(x.body, x.update, head)), x.test ? head : null);
      }
      case 'WhileStatement': {
        const head = this.expr(x.test, s);
        return meet(this.target('', () => this.loopBody(x.body, null, head)), head);
      }
      case 'DoWhileStatement':
        // The test also runs after a `continue`, which may skip the body's later writes: from s.
        return this.target('', () => {
          this.stmt(x.body, s.slice());
          return this.expr(x.test, s);
        });
      case 'SwitchStatement': {
        const d = this.expr(x.discriminant, s);
        return this.target('', () => {
          let fall: Set_ = null;
          let dflt = false;
          for (const c of x.cases) {
            if (c.test === null) dflt = true;
            else this.expr(c.test, d.slice());
            fall = this.list(c.consequent, fall === null ? d.slice() : meet(d, fall));
          }
          return dflt ? fall : meet(fall, d);
        });
      }
      case 'BreakStatement': {
        const k = x.label?.name ?? '';
        if (!this.breaks.has(k)) throw new Unhandled();
        this.breaks.set(k, meet(this.breaks.get(k)!, s));
        return null;
      }
      case 'ContinueStatement':
        return null; // the loop's head already has a subset of s
      case 'ReturnStatement':
      case 'ThrowStatement':
        if (x.argument) this.expr(x.argument, s);
        return null;
      case 'TryStatement': {
        if (x.finalizer !== null || x.handler === null || x.handler.param?.type !== 'Identifier') throw new Unhandled();
        if (this.index.has(x.handler.param.name)) throw new Unhandled();
        // The handler may run from any point of the block: with the set the block starts with.
        const done = this.stmt(x.block, s.slice());
        return meet(done, this.stmt(x.handler.body, s));
      }
      default:
        throw new Unhandled();
    }
  }

  /**
   * A loop body then its update expression, from `head` (left as it is). The body's normal end
   * and its continues loop back (with supersets of `head`), so the loop leaves only by its
   * breaks: null.
   */
  private loopBody(body: Stmt, update: Node | null, head: Uint32Array): Set_ {
    this.stmt(body, head.slice());
    if (update) this.expr(update, head.slice());
    return null;
  }

  /** Runs `f` with a break target `label`; returns the meet of its result and the breaks to the label. */
  private target(label: string, f: () => Set_): Set_ {
    const saved = this.breaks.get(label);
    const had = this.breaks.has(label);
    this.breaks.set(label, null);
    let out = f();
    out = meet(out, this.breaks.get(label)!);
    if (had) this.breaks.set(label, saved!);
    else this.breaks.delete(label);
    return out;
  }

  /** Expression `e` evaluated with set `s`, which it updates in place and returns. */
  private expr(e: Node, s: Uint32Array): Uint32Array {
    switch (e.type) {
      case 'Identifier':
        this.read(e.name, s);
        return s;
      case 'Literal':
        return s;
      case 'BinaryExpression':
        this.expr(e.left, s);
        return this.expr(e.right, s);
      case 'UnaryExpression':
        return this.expr(e.argument, s);
      case 'CallExpression':
      case 'NewExpression':
        this.expr(e.callee, s);
        for (const a of e.arguments) this.expr(a, s);
        return s;
      case 'SequenceExpression':
        for (const x of e.expressions) this.expr(x, s);
        return s;
      case 'AssignmentExpression': {
        const left = e.left;
        if (left.type === 'Identifier') {
          if (e.operator !== '=') this.read(left.name, s);
          this.expr(e.right, s);
          if (baseName(left.name) === left.name) this.write(left.name, s);
          else this.read(left.name, s); // a register slot `R[3] = e` reads R
          return s;
        }
        this.expr(left, s);
        return this.expr(e.right, s);
      }
      case 'LogicalExpression':
        this.expr(e.left, s);
        this.expr(e.right, s.slice()); // may not run: its writes do not count after
        return s;
      case 'ConditionalExpression': {
        this.expr(e.test, s);
        const a = this.expr(e.consequent, s.slice());
        const b = this.expr(e.alternate, s.slice());
        for (let i = 0; i < s.length; i++) s[i] = a[i] & b[i];
        return s;
      }
      case 'MemberExpression':
        this.expr(e.object, s);
        return e.computed ? this.expr(e.property, s) : s;
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
      case 'ClassExpression':
        throw new Unhandled();
      case 'Property':
        if (e.computed) this.expr(e.key, s);
        return this.expr(e.value, s);
      default:
        // In key order, which is evaluation order for the rest (update, array, object, template):
        // each identifier in them is a read.
        for (const k in e) {
          if (k === 'type' || k === 'loc') continue;
          const v = e[k];
          if (Array.isArray(v)) for (const c of v) if (c !== null && typeof c === 'object' && typeof c.type === 'string') this.expr(c, s);
          if (v !== null && typeof v === 'object' && typeof v.type === 'string') this.expr(v, s);
        }
        return s;
    }
  }

  private read(name: string, s: Uint32Array): void {
    const i = this.index.get(baseName(name));
    if (i !== undefined && (s[i >>> 5] & (1 << (i & 31))) === 0) this.readFirst.add(baseName(name));
  }

  private write(name: string, s: Uint32Array): void {
    const i = this.index.get(name);
    if (i !== undefined) s[i >>> 5] |= 1 << (i & 31);
  }
}

/** The variables written on both paths (null: a path that does not get here). */
function meet(a: Set_, b: Set_): Set_ {
  if (a === null) return b;
  if (b === null) return a;
  const r = a.slice();
  for (let i = 0; i < r.length; i++) r[i] &= b[i];
  return r;
}
