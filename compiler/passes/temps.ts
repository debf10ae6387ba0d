/**
 * Temporary allocation: a pass over one lowered function's ESTree (after the
 * split pass), which first drops definitions nothing reads whose value can
 * neither trap nor have an effect (`dropDead`), folds single-use temporaries
 * back into the expression that reads them (`fold`), then gives temporaries whose
 * lifetimes do not overlap the same JS variable, so a function declares about as many temporaries as it
 * has values live at once, not one per value it ever computed (a straight-
 * line hash function: thousands of `let` bindings otherwise).
 *
 * Reads: the function and each part nested in it, separately. A candidate
 * is a temporary (`t<n>`, lower/stack.ts) the function itself declares and
 * no nested function names (those live in a closure context, shared; a
 * split function's frame fields, `fr$.t3`, are not candidates either).
 * Functions in the flat form (a `st` dispatch variable, lower/control.ts)
 * are left alone: there, code order is not execution order; so are those
 * with few temporaries (MIN_TEMPS).
 *
 * Changes: removes dead definitions and folded ones, renames candidates and
 * drops the declarations no longer used. A
 * candidate's lifetime is the span, in evaluation order, from its first to
 * its last occurrence (a write comes after the reads of its right-hand
 * side, so `t7 = t3 + 1` may become `t3 = t3 + 1`), widened to the whole of
 * any loop it is live across (its span reaches outside the loop). Two
 * candidates share a name when their lifetimes are disjoint (greedy, in
 * order of first occurrence, lowest name first).
 *
 * Guarantees: every read sees the value the original program would. It
 * relies on what the lowering guarantees of a temporary: it is written
 * before it is read on every path within one loop iteration (it holds a
 * value computed on the straight-line path that reads it), so between two
 * occurrences in code order nothing else needs it; a branch only skips code
 * forward, and a loop's back edge is covered by the widening. Statement
 * `loc`s are untouched, so source maps and fuel are unchanged.
 */
import { childKeys, FUNCTION_TYPES, type Node } from '../lower/ast.js';
import { RUNTIME_BINDINGS, ALLOWED_GLOBALS } from '../bindings.js';
import { LOOPS } from './statements.js';

const TEMP = /^t\d+$/;
/**
 * Functions declaring at most this many temporaries are left alone: the walk
 * costs compile time in proportion to the function, and a few dozen
 * variables cost an engine nothing (on sqlite.wasm this skips the many small
 * functions, half of the code, and keeps every large one).
 */
const MIN_TEMPS = 32;
/** Largest expression (in nodes) folded into another (`fold`). */
const MAX_FOLD = 40;
/** Bindings that never change while a function runs. */
const CONSTANT = new Set<string>([...RUNTIME_BINDINGS, ...ALLOWED_GLOBALS]);

/** Runs the pass on `fn` (a FunctionDeclaration) and every function nested in it; returns the number of bindings removed. */
export function allocateTemps(fn: Node): number {
  let removed = 0;
  const body: Node[] = fn.body.body;
  for (const s of body) if (s.type === 'FunctionDeclaration') removed += allocateTemps(s);
  // Worth it only with many temporaries, and never in the flat form (`st`).
  let temps = 0;
  for (const s of body) {
    if (s.type !== 'VariableDeclaration') continue;
    for (const d of s.declarations) {
      const name: string = d.id.name;
      if (name === 'st') return removed;
      if (name.charCodeAt(0) === 116 && TEMP.test(name)) temps++;
    }
  }
  return temps > MIN_TEMPS ? removed + allocate(fn) : removed;
}

interface Temp {
  ids: Node[];
  /** Position of each occurrence in `ids`. */
  at: number[];
  start: number;
  end: number;
  /** Where the temporary is assigned by a statement `t = e;` standing in a list, if it is. */
  def: { list: Node[]; index: number } | null;
}

function allocate(fn: Node): number {
  const body: Node[] = fn.body.body;
  // Candidates: temporaries of the function's own top-level declarations.
  const temps = new Map<string, Temp>();
  const decls = new Set<Node>();
  const own = new Set<string>();
  for (const p of fn.params) own.add(p.name);
  for (const s of body) {
    if (s.type !== 'VariableDeclaration') continue;
    for (const d of s.declarations) {
      own.add(d.id.name);
      if (!TEMP.test(d.id.name)) continue;
      temps.set(d.id.name, { ids: [], at: [], start: -1, end: -1, def: null });
      decls.add(d);
    }
  }
  if (temps.size <= MIN_TEMPS) return 0;
  const w = new Occurrences(temps, decls);
  w.list(body);
  for (const name of w.captured) temps.delete(name);
  for (const d of decls) if (!temps.has(d.id.name)) decls.delete(d);
  const gone = new Set<Node>();
  const removed: { list: Node[]; index: number }[] = [];
  dropDead(temps, gone, removed);
  fold(temps, own, gone, removed);
  removed.sort((a, b) => b.index - a.index);
  for (const r of removed) r.list.splice(r.index, 1);
  return assign(temps, w.loops, body, decls);
}

/** The walk of `allocate`: every occurrence of a candidate, in evaluation order, with its position. */
class Occurrences {
  readonly captured = new Set<string>();
  readonly loops: [number, number][] = [];
  private pos = 0;
  private readonly temps: Map<string, Temp>;
  private readonly decls: Set<Node>;

  constructor(temps: Map<string, Temp>, decls: Set<Node>) {
    this.temps = temps;
    this.decls = decls;
  }

  /** A statement list: a statement `t = e;` in it is a definition `fold` may remove. */
  list(list: Node[]): void {
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      this.visit(s);
      if (s.type !== 'ExpressionStatement') continue;
      const a = s.expression;
      if (a.type !== 'AssignmentExpression' || a.operator !== '=' || a.left.type !== 'Identifier') continue;
      const t = this.temps.get(a.left.name);
      if (t !== undefined && t.ids.length === 1) t.def = { list, index: i };
    }
  }

  visit(n: Node): void {
    if (n === null || typeof n !== 'object') return;
    if (Array.isArray(n)) {
      for (const x of n) this.visit(x);
      return;
    }
    const type = n.type;
    if (type === 'Identifier') {
      const t = this.temps.get(n.name);
      if (t !== undefined) {
        if (t.start < 0) t.start = this.pos;
        t.end = this.pos;
        t.ids.push(n);
        t.at.push(this.pos);
      }
      this.pos++;
      return;
    }
    if (FUNCTION_TYPES.has(type)) {
      for (const name of namesIn(n)) this.captured.add(name);
      return;
    }
    if (this.known(n)) return;
    // Loops, and anything rarer, child by child in source order.
    const start = this.pos;
    for (const k of childKeys(n)) {
      const v = n[k];
      if (v !== null && typeof v === 'object') this.visit(v);
    }
    if (LOOPS.has(type)) this.loops.push([start, this.pos]);
  }

  /** Visits the node types the lowering emits most, child by child in evaluation order; false for others. */
  private known(n: Node): boolean {
    switch (n.type) {
      case 'Literal':
      case 'EmptyStatement':
      case 'BreakStatement':
      case 'ContinueStatement':
        return true;
      case 'VariableDeclarator':
        if (!this.decls.has(n)) this.visit(n.init);
        return true;
      case 'AssignmentExpression':
        if (n.operator === '=' && n.left.type === 'Identifier') {
          this.visit(n.right);
          this.visit(n.left);
        } else {
          this.visit(n.left);
          this.visit(n.right);
        }
        return true;
      case 'BinaryExpression':
      case 'LogicalExpression':
        this.visit(n.left);
        this.visit(n.right);
        return true;
      case 'UnaryExpression':
      case 'ReturnStatement':
      case 'ThrowStatement':
        this.visit(n.argument);
        return true;
      case 'CallExpression':
      case 'NewExpression':
        this.visit(n.callee);
        this.visit(n.arguments);
        return true;
      case 'MemberExpression':
        this.visit(n.object);
        if (n.computed) this.visit(n.property);
        return true;
      case 'ConditionalExpression':
      case 'IfStatement':
        this.visit(n.test);
        this.visit(n.consequent);
        this.visit(n.alternate);
        return true;
      case 'ExpressionStatement':
        this.visit(n.expression);
        return true;
      case 'BlockStatement':
        this.list(n.body);
        return true;
      case 'LabeledStatement':
        this.visit(n.body);
        return true;
      case 'SequenceExpression':
        this.visit(n.expressions);
        return true;
      case 'VariableDeclaration':
        this.visit(n.declarations);
        return true;
      case 'SwitchStatement':
        this.visit(n.discriminant);
        for (const c of n.cases) {
          this.visit(c.test);
          this.list(c.consequent);
        }
        return true;
    }
    return false;
  }
}

/**
 * Folds single-use temporaries: a statement `t = e;` whose `t` is read once,
 * in the next statement of the same list, from the same wasm instruction
 * (the same `loc`, so a trap in `e` still points at its instruction), where
 * that statement evaluates nothing before the read but literals, the
 * function's own variables (which `e`, having no assignment in it, cannot
 * change) and bindings that never change (the runtime's, the allowed
 * globals): the read becomes `e` (at most MAX_FOLD nodes, so expressions
 * stay shallow) and the statement goes. Temporaries read in `e` now live
 * until the read.
 */
function fold(temps: Map<string, Temp>, own: Set<string>, gone: Set<Node>, removed: { list: Node[]; index: number }[]): void {
  for (const [name, t] of temps) {
    if (t.ids.length !== 2 || t.def === null) continue;
    const { list, index } = t.def;
    const s = list[index];
    const next = list[index + 1];
    if (next === undefined || gone.has(next) || s.loc === undefined || next.loc === undefined || s.loc.start.column !== next.loc.start.column) continue;
    const e = s.expression.right;
    if (size(e, name) > MAX_FOLD) continue;
    const slot = firstRead(next, name, own);
    if (slot === null || slot.holder[slot.key] !== t.ids[1]) continue;
    slot.holder[slot.key] = e;
    gone.add(s);
    removed.push(t.def);
    temps.delete(name);
    const readAt = t.at[1]!;
    eachIdentifier(e, (id) => {
      const u = temps.get(id.name);
      if (u !== undefined && u.end < readAt) u.end = readAt;
    });
  }
}

/**
 * Drops dead definitions: a statement `t = e;` whose `t` is never read, where
 * `e` can neither trap nor have an effect (`pure`): the high word of an i64
 * sum that only `i32.wrap_i64` reads (Go's wasm computes every address so).
 * The reads in `e` go with it, which may leave other definitions dead.
 */
function dropDead(temps: Map<string, Temp>, gone: Set<Node>, removed: { list: Node[]; index: number }[]): void {
  const work = [...temps.keys()];
  while (work.length > 0) {
    const name = work.pop()!;
    const t = temps.get(name);
    if (t === undefined || t.ids.length !== 1 || t.def === null) continue;
    const s = t.def.list[t.def.index];
    const e = s.expression.right;
    if (gone.has(s) || !pure(e)) continue;
    gone.add(s);
    removed.push(t.def);
    temps.delete(name);
    eachIdentifier(e, (id) => {
      const u = temps.get(id.name);
      const k = u === undefined ? -1 : u.ids.indexOf(id);
      if (k < 0) return;
      u!.ids.splice(k, 1);
      u!.at.splice(k, 1);
      work.push(id.name);
    });
  }
}

/** Operators that never throw on the numbers the lowering gives them (`/` and `%` do on BigInts: a division by zero; so does unary `+`). */
const PURE_OPS = new Set(['+', '-', '*', '|', '&', '^', '<<', '>>', '>>>', '<', '>', '<=', '>=', '===', '!==', '&&', '||']);
const PURE_UNARY = new Set(['-', '!', '~']);

/** Whether evaluating `e` can neither throw nor change anything: names, literals, arithmetic, comparisons, `Math.imul`. */
function pure(e: Node): boolean {
  switch (e.type) {
    case 'Identifier':
    case 'Literal':
      return true;
    case 'BinaryExpression':
    case 'LogicalExpression':
      return PURE_OPS.has(e.operator) && pure(e.left) && pure(e.right);
    case 'UnaryExpression':
      return PURE_UNARY.has(e.operator) && pure(e.argument);
    case 'ConditionalExpression':
      return pure(e.test) && pure(e.consequent) && pure(e.alternate);
    case 'CallExpression': {
      const c = e.callee;
      const imul = c.type === 'Identifier' ? c.name === 'Math_imul' : c.type === 'MemberExpression' && !c.computed && c.object.name === 'Math' && c.property.name === 'imul';
      return imul && e.arguments.every(pure);
    }
  }
  return false;
}

function eachIdentifier(n: Node, f: (id: Node) => void): void {
  if (n === null || typeof n !== 'object') return;
  if (Array.isArray(n)) {
    for (const x of n) eachIdentifier(x, f);
    return;
  }
  if (n.type === 'Identifier') return f(n);
  for (const k of childKeys(n)) {
    const v = n[k];
    if (v !== null && typeof v === 'object') eachIdentifier(v, f);
  }
}

/** Nodes in `e`, or Infinity when it assigns anything or names `t`. */
function size(e: Node, t: string): number {
  if (e === null || typeof e !== 'object') return 0;
  if (Array.isArray(e)) return e.reduce((n: number, x: Node) => n + size(x, t), 0);
  if (e.type === 'AssignmentExpression' || e.type === 'UpdateExpression' || FUNCTION_TYPES.has(e.type)) return Infinity;
  if (e.type === 'Identifier') return e.name === t ? Infinity : 1;
  let n = 1;
  for (const k of childKeys(e)) {
    const v = e[k];
    if (v !== null && typeof v === 'object') n += size(v, t);
  }
  return n;
}

/**
 * Where statement `s` reads `t`, when everything it evaluates before is
 * harmless (see the file comment): the object and key holding the
 * Identifier; else null.
 */
function firstRead(s: Node, t: string, own: Set<string>): { holder: Node; key: string | number } | null {
  type Slot = { holder: Node; key: string | number };
  let found: Slot | null = null;
  // Returns false once something that is not harmless is evaluated before the read.
  const visit = (holder: Node, key: string | number): boolean => {
    const n = holder[key];
    if (n === null || n === undefined) return true;
    switch (n.type) {
      case 'Identifier':
        if (n.name === t) {
          found = { holder, key };
          return false;
        }
        return own.has(n.name) || CONSTANT.has(n.name);
      case 'Literal':
        return true;
      case 'ExpressionStatement':
        return visit(n, 'expression');
      case 'ReturnStatement':
        return visit(n, 'argument');
      case 'IfStatement':
        visit(n, 'test');
        return false;
      case 'SwitchStatement':
        visit(n, 'discriminant');
        return false;
      case 'AssignmentExpression':
        // `x = r`: r is evaluated first, then x written; a member target's object is evaluated before r.
        if (n.left.type === 'MemberExpression' && !visit(n.left, 'object')) return false;
        if (n.left.type === 'MemberExpression' && n.left.computed && !visit(n.left, 'property')) return false;
        if (!visit(n, 'right')) return false;
        return false;
      case 'BinaryExpression':
      case 'LogicalExpression':
        // The right operand of `&&`, `||` and `??` may not run: nothing is folded into it.
        return visit(n, 'left') && n.type === 'BinaryExpression' && visit(n, 'right');
      case 'UnaryExpression':
        return visit(n, 'argument');
      case 'MemberExpression':
        // Reading the property of anything may run code or see memory: only the object may come before.
        if (!visit(n, 'object')) return false;
        if (n.computed && !visit(n, 'property')) return false;
        return false;
      case 'CallExpression': {
        if (n.callee.type === 'MemberExpression') {
          if (!visit(n.callee, 'object')) return false;
          if (n.callee.computed) return false;
        } else if (!visit(n, 'callee')) return false;
        for (let k = 0; k < n.arguments.length; k++) if (!visit(n.arguments, k)) return false;
        return false;
      }
      case 'ConditionalExpression':
        visit(n, 'test');
        return false;
      default:
        return false;
    }
  };
  visit({ s }, 's');
  return found;
}

/** Every Identifier name in `n` (a nested function: what it may read or write of the enclosing one). */
function namesIn(n: Node, out: Set<string> = new Set()): Set<string> {
  if (n === null || typeof n !== 'object') return out;
  if (Array.isArray(n)) {
    for (const x of n) namesIn(x, out);
    return out;
  }
  if (n.type === 'Identifier') out.add(n.name);
  for (const k of childKeys(n)) {
    const v = n[k];
    if (v !== null && typeof v === 'object') namesIn(v, out);
  }
  return out;
}

/**
 * Widens the lifetimes across loops, then gives each candidate the lowest
 * name free over its lifetime; renames, and drops unused declarators.
 */
function assign(temps: Map<string, Temp>, loops: [number, number][], body: Node[], decls: Set<Node>): number {
  const list = [...temps.values()].filter((t) => t.start >= 0);
  // Innermost loops first, so a lifetime widened to an inner loop is then checked against the outer ones.
  loops.sort((a, b) => a[1] - a[0] - (b[1] - b[0]));
  for (const t of list) {
    for (const [ls, le] of loops) {
      const inside = t.start < le && t.end >= ls;
      if (inside && (t.start < ls || t.end >= le)) {
        if (ls < t.start) t.start = ls;
        if (le > t.end) t.end = le;
      }
    }
  }
  list.sort((a, b) => a.start - b.start);
  const names = [...temps.keys()].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
  // Linear scan: `active` holds [end, name] of the lifetimes not yet over; `free` the names available, lowest first.
  const free = names.slice().reverse();
  const active: [number, string][] = [];
  const used = new Set<string>();
  for (const t of list) {
    for (let i = active.length - 1; i >= 0; i--) {
      if (active[i]![0] < t.start) {
        insertDescending(free, active[i]![1]);
        active.splice(i, 1);
      }
    }
    const name = free.pop()!;
    used.add(name);
    active.push([t.end, name]);
    for (const id of t.ids) id.name = name;
  }
  let removed = 0;
  for (const s of body) {
    if (s.type !== 'VariableDeclaration') continue;
    const before = s.declarations.length;
    s.declarations = s.declarations.filter((d: Node) => !decls.has(d) || used.has(d.id.name));
    removed += before - s.declarations.length;
  }
  // A declaration left with no declarator cannot be printed.
  for (let i = body.length - 1; i >= 0; i--) if (body[i].type === 'VariableDeclaration' && body[i].declarations.length === 0) body.splice(i, 1);
  return removed;
}

/** Inserts temporary name `name` into `free` (sorted by number, highest first). */
function insertDescending(free: string[], name: string): void {
  const n = Number(name.slice(1));
  let i = free.length;
  while (i > 0 && Number(free[i - 1]!.slice(1)) < n) i--;
  free.splice(i, 0, name);
}
