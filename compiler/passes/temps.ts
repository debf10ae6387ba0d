/**
 * Temporary allocation: a pass over one lowered function's ESTree (after the
 * split pass), which gives temporaries whose lifetimes do not overlap the
 * same JS variable, so a function declares about as many temporaries as it
 * has values live at once, not one per value it ever computed (a straight-
 * line hash function: thousands of `let` bindings otherwise).
 *
 * Reads: the function and each part nested in it, separately. A candidate
 * is a temporary (`t<n>`, lower/stack.ts) the function itself declares and
 * no nested function names (those live in a closure context, shared).
 * Functions in the flat form (a `st` dispatch variable, lower/control.ts)
 * are left alone: there, code order is not execution order; so are those
 * with few temporaries (MIN_TEMPS).
 *
 * Changes: renames candidates and drops the declarations no longer used. A
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
import type { Node } from '../lower/ast.js';

const TEMP = /^t\d+$/;
/**
 * Functions declaring at most this many temporaries are left alone: the walk
 * costs compile time in proportion to the function, and a few dozen
 * variables cost an engine nothing (on sqlite.wasm this skips the many small
 * functions, half of the code, and keeps every large one).
 */
const MIN_TEMPS = 32;
const FUNCTIONS = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);
const LOOPS = new Set(['ForStatement', 'WhileStatement', 'DoWhileStatement']);

/** Runs the pass on `fn` (a FunctionDeclaration) and every function nested in it; returns the number of bindings removed. */
export function allocateTemps(fn: Node): number {
  let removed = 0;
  const body: Node[] = fn.body.body;
  for (const s of body) if (s.type === 'FunctionDeclaration') removed += allocateTemps(s);
  if (declares(body, 'st')) return removed;
  return removed + allocate(fn);
}

/** Whether the function's top-level declarations include `name`. */
function declares(body: Node[], name: string): boolean {
  for (const s of body) {
    if (s.type !== 'VariableDeclaration') continue;
    for (const d of s.declarations) if (d.id.name === name) return true;
  }
  return false;
}

interface Temp {
  ids: Node[];
  start: number;
  end: number;
}

function allocate(fn: Node): number {
  const body: Node[] = fn.body.body;
  // Candidates: temporaries of the function's own top-level declarations.
  const temps = new Map<string, Temp>();
  const decls = new Set<Node>();
  for (const s of body) {
    if (s.type !== 'VariableDeclaration') continue;
    for (const d of s.declarations) {
      if (!TEMP.test(d.id.name)) continue;
      temps.set(d.id.name, { ids: [], start: -1, end: -1 });
      decls.add(d);
    }
  }
  if (temps.size <= MIN_TEMPS) return 0;
  // Occurrences in evaluation order; names nested functions use are not candidates.
  const captured = new Set<string>();
  const loops: [number, number][] = [];
  let pos = 0;
  const visit = (n: Node): void => {
    if (n === null || typeof n !== 'object') return;
    if (Array.isArray(n)) {
      for (const x of n) visit(x);
      return;
    }
    const type = n.type;
    if (type === 'Identifier') {
      const t = temps.get(n.name);
      if (t !== undefined) {
        if (t.start < 0) t.start = pos;
        t.end = pos;
        t.ids.push(n);
      }
      pos++;
      return;
    }
    if (FUNCTIONS.has(type)) {
      for (const name of namesIn(n)) captured.add(name);
      return;
    }
    switch (type) {
      case 'Literal':
      case 'EmptyStatement':
      case 'BreakStatement':
      case 'ContinueStatement':
        return;
      case 'VariableDeclarator':
        if (!decls.has(n)) visit(n.init);
        return;
      case 'AssignmentExpression':
        if (n.operator === '=' && n.left.type === 'Identifier') {
          visit(n.right);
          visit(n.left);
        } else {
          visit(n.left);
          visit(n.right);
        }
        return;
      case 'BinaryExpression':
      case 'LogicalExpression':
        visit(n.left);
        visit(n.right);
        return;
      case 'UnaryExpression':
      case 'ReturnStatement':
      case 'ThrowStatement':
        visit(n.argument);
        return;
      case 'CallExpression':
      case 'NewExpression':
        visit(n.callee);
        visit(n.arguments);
        return;
      case 'MemberExpression':
        visit(n.object);
        if (n.computed) visit(n.property);
        return;
      case 'ConditionalExpression':
      case 'IfStatement':
        visit(n.test);
        visit(n.consequent);
        visit(n.alternate);
        return;
      case 'ExpressionStatement':
        visit(n.expression);
        return;
      case 'BlockStatement':
        visit(n.body);
        return;
      case 'LabeledStatement':
        visit(n.body);
        return;
      case 'SequenceExpression':
        visit(n.expressions);
        return;
      case 'VariableDeclaration':
        visit(n.declarations);
        return;
      case 'SwitchStatement':
        visit(n.discriminant);
        for (const c of n.cases) {
          visit(c.test);
          visit(c.consequent);
        }
        return;
    }
    // Loops, and anything rarer, child by child in source order.
    const start = pos;
    for (const k in n) {
      if (k === 'loc' || k === 'type') continue;
      const v = n[k];
      if (v !== null && typeof v === 'object') visit(v);
    }
    if (LOOPS.has(type)) loops.push([start, pos]);
  };
  visit(body);
  for (const name of captured) temps.delete(name);
  for (const d of decls) if (!temps.has(d.id.name)) decls.delete(d);
  return assign(temps, loops, body, decls);
}

/** Every Identifier name in `n` (a nested function: what it may read or write of the enclosing one). */
function namesIn(n: Node, out: Set<string> = new Set()): Set<string> {
  if (n === null || typeof n !== 'object') return out;
  if (Array.isArray(n)) {
    for (const x of n) namesIn(x, out);
    return out;
  }
  if (n.type === 'Identifier') out.add(n.name);
  for (const k in n) {
    if (k === 'loc' || k === 'type') continue;
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
