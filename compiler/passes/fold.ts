/**
 * Folding of single-use temporaries: a pass over one lowered function's
 * ESTree (after the split pass, before temps.ts), which puts a temporary's
 * value back into the one expression that reads it.
 *
 * Reads: the function and each part nested in it, separately. A candidate is
 * a statement `t = e;` (a temporary, `t<n>` of lower/stack.ts, that the
 * function declares and no nested function names), where `t` occurs exactly
 * twice in the function (this write and one read), the read is in the very
 * next statement of the same list, and both statements come from the same
 * wasm instruction (the same `loc`, so a trap in `e` still points at the
 * instruction it belongs to).
 *
 * Changes: the read becomes `e`, and the statement `t = e;` and the
 * declaration of `t` go.
 *
 * Guarantees: the same effects and traps in the same order. `e` moves only
 * past what the next statement evaluates before reading `t`, and only when
 * that is nothing but literals, the function's own variables (which `e`,
 * having no assignment in it, cannot change) and bindings that never change
 * (the runtime's, the allowed globals): no call, no memory or global access
 * runs before it. `e` is small (at most MAX_FOLD nodes), so expressions stay
 * shallow.
 */
import type { Node } from '../lower/ast.js';
import { RUNTIME_BINDINGS, ALLOWED_GLOBALS } from '../bindings.js';

const TEMP = /^t\d+$/;
const FUNCTIONS = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);
/** Largest expression (in nodes) folded into another. */
const MAX_FOLD = 40;
const CONSTANT = new Set<string>([...RUNTIME_BINDINGS, ...ALLOWED_GLOBALS]);

/** Runs the pass on `fn` (a FunctionDeclaration) and every function nested in it; returns the number of temporaries folded. */
export function foldTemps(fn: Node): number {
  let folded = 0;
  const body: Node[] = fn.body.body;
  for (const s of body) if (s.type === 'FunctionDeclaration') folded += foldTemps(s);
  // The function's own variables: parameters and top-level declarations.
  const own = new Set<string>();
  for (const p of fn.params) own.add(p.name);
  for (const s of body) if (s.type === 'VariableDeclaration') for (const d of s.declarations) own.add(d.id.name);
  if (own.has('st')) return folded; // the flat form: code order is not execution order
  const count = new Map<string, number>();
  countNames(body, count, own);
  const n = foldLists(body, count, own);
  if (n > 0) {
    // Drop the declarations of the folded temporaries (count set to 0).
    for (const s of body) if (s.type === 'VariableDeclaration') s.declarations = s.declarations.filter((d: Node) => count.get(d.id.name) !== 0);
    for (let i = body.length - 1; i >= 0; i--) if (body[i].type === 'VariableDeclaration' && body[i].declarations.length === 0) body.splice(i, 1);
  }
  return folded + n;
}

/** Counts the occurrences of every identifier in `n`; names used in nested functions count as many (never folded). */
function countNames(n: Node, count: Map<string, number>, own: Set<string>): void {
  if (n === null || typeof n !== 'object') return;
  if (Array.isArray(n)) {
    for (const x of n) countNames(x, count, own);
    return;
  }
  if (n.type === 'Identifier') {
    count.set(n.name, (count.get(n.name) ?? 0) + 1);
    return;
  }
  if (n.type === 'VariableDeclarator') {
    countNames(n.init, count, own);
    return;
  }
  if (FUNCTIONS.has(n.type)) {
    const inner = new Map<string, number>();
    countNames(n.body, inner, own);
    for (const k of inner.keys()) count.set(k, Infinity);
    return;
  }
  for (const k in n) {
    if (k === 'loc' || k === 'type') continue;
    const v = n[k];
    if (v !== null && typeof v === 'object') countNames(v, count, own);
  }
}

/** Folds in every statement list of `n` (not in nested functions). */
function foldLists(n: Node, count: Map<string, number>, own: Set<string>): number {
  if (n === null || typeof n !== 'object') return 0;
  let folded = 0;
  if (Array.isArray(n)) {
    if (n.length > 0 && n[0] !== null && typeof n[0] === 'object' && typeof n[0].type === 'string' && isStatement(n[0])) folded += foldList(n, count, own);
    for (const x of n) folded += foldLists(x, count, own);
    return folded;
  }
  if (FUNCTIONS.has(n.type) || n.type === 'Identifier' || n.type === 'Literal') return 0;
  for (const k in n) {
    if (k === 'loc' || k === 'type') continue;
    const v = n[k];
    if (v !== null && typeof v === 'object') folded += foldLists(v, count, own);
  }
  return folded;
}

function isStatement(n: Node): boolean {
  return n.type.endsWith('Statement') || n.type === 'VariableDeclaration' || n.type === 'FunctionDeclaration';
}

function foldList(list: Node[], count: Map<string, number>, own: Set<string>): number {
  let folded = 0;
  for (let i = 0; i + 1 < list.length; i++) {
    const s = list[i];
    if (s.type !== 'ExpressionStatement') continue;
    const a = s.expression;
    if (a.type !== 'AssignmentExpression' || a.operator !== '=' || a.left.type !== 'Identifier') continue;
    const t = a.left.name;
    if (!TEMP.test(t) || !own.has(t) || count.get(t) !== 2) continue;
    const next = list[i + 1];
    if (s.loc === undefined || next.loc === undefined || s.loc.start.column !== next.loc.start.column) continue;
    if (size(a.right, t) > MAX_FOLD) continue;
    const slot = firstRead(next, t, own);
    if (slot === null) continue;
    slot.holder[slot.key] = a.right;
    list.splice(i, 1);
    count.set(t, 0);
    folded++;
    i--;
  }
  return folded;
}

/** Nodes in `e`, or Infinity when it assigns anything or names `t`. */
function size(e: Node, t: string): number {
  if (e === null || typeof e !== 'object') return 0;
  if (Array.isArray(e)) return e.reduce((n: number, x: Node) => n + size(x, t), 0);
  if (e.type === 'AssignmentExpression' || e.type === 'UpdateExpression' || FUNCTIONS.has(e.type)) return Infinity;
  if (e.type === 'Identifier') return e.name === t ? Infinity : 1;
  let n = 1;
  for (const k in e) {
    if (k === 'loc' || k === 'type') continue;
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
        return visit(n, 'left') && n.operator !== '&&' && n.operator !== '||' && visit(n, 'right');
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
