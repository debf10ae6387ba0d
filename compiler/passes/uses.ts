/**
 * What lowered code names: the identifiers a stretch of statements reads and
 * assigns (`uses`), and which temporaries of the flat form are local to one
 * state of its dispatch loop (`caseLocalTemps`). Read by the split pass's
 * variable placement (split-vars.ts); reads only.
 */
import * as A from '../lower/ast.js';
import type { Node, Stmt } from '../lower/ast.js';
import { childLists } from './statements.js';

/** A temporary of the lowering (lower/stack.ts). */
export const TEMP = /^t\d+$/;

/** The identifier an Identifier node stands for (`R[3]`, a register slot of the BigInt form, is `R`). */
export function baseName(name: string): string {
  if (name.charCodeAt(name.length - 1) !== 93 /* ] */) return name;
  return name.slice(0, name.indexOf('['));
}

/** What a stretch of code does with variables: how often it names each, and which it assigns. */
export interface Uses {
  count: Map<string, number>;
  assigned: Set<string>;
}

/**
 * Calls `f` on every Identifier in expression position in `n` (not labels,
 * not property names, not nested functions), with the node holding it.
 */
export function eachName(n: Node, f: (id: Node, holder: Node) => void, holder: Node = null): void {
  if (n === null || typeof n !== 'object') return;
  if (Array.isArray(n)) {
    for (const x of n) eachName(x, f, holder);
    return;
  }
  switch (n.type) {
    case 'Identifier':
      return f(n, holder);
    case 'Literal':
      return;
    case 'BinaryExpression':
    case 'LogicalExpression':
    case 'AssignmentExpression':
      eachName(n.left, f, n);
      return eachName(n.right, f, n);
    case 'ExpressionStatement':
      return eachName(n.expression, f, n);
    case 'CallExpression':
      eachName(n.callee, f, n);
      return eachName(n.arguments, f, n);
    case 'FunctionDeclaration':
    case 'BreakStatement':
    case 'ContinueStatement':
      return;
    case 'LabeledStatement':
      return eachName(n.body, f, n);
    case 'MemberExpression':
      eachName(n.object, f, n);
      if (n.computed) eachName(n.property, f, n);
      return;
  }
  for (const k of A.childKeys(n)) {
    const v = n[k];
    if (v !== null && typeof v === 'object') eachName(v, f, n);
  }
}

const FOUND = {};

/** Whether `n` names `name` (as `uses` counts names) anywhere `eachName` looks; stops at the first. */
export function names(n: Node, name: string): boolean {
  try {
    eachName(n, (id) => {
      if (baseName(id.name) === name) throw FOUND;
    });
    return false;
  } catch (e) {
    if (e === FOUND) return true;
    throw e;
  }
}

export function uses(n: Node): Uses {
  const u: Uses = { count: new Map(), assigned: new Set() };
  eachName(n, (id, holder) => {
    const b = baseName(id.name);
    u.count.set(b, (u.count.get(b) ?? 0) + 1);
    const written = (holder?.type === 'AssignmentExpression' && holder.left === id) || holder?.type === 'UpdateExpression';
    if (written && b === id.name) u.assigned.add(b);
  });
  return u;
}

/** Whether `lists` hold the flat form's dispatch loop, labelled `D` (lower/func.ts). */
export function hasDispatchLoop(lists: Stmt[][]): boolean {
  const visit = (list: Stmt[]): boolean =>
    list.some((s) => (s.type === 'LabeledStatement' ? s.label.name === 'D' || visit([s.body]) : childLists(s).some(visit)));
  return lists.some(visit);
}

/**
 * The flat form's temporaries local to one state: those named in exactly one
 * case of the dispatch loop `D`'s `switch` (lower/func.ts) and nowhere else
 * in `body` (nested functions not counted: call it before splitting). Such a
 * temporary is written before it is read within each run of its case: the
 * lowering carries values from one state to another (block results, loop
 * params) in `b<n>` variables, and a value left on the stack across a state
 * boundary is read in another case than the one that wrote it (seed
 * 59001197). So within its case, code order is its execution order (a case
 * entered by falling through from the one before runs from its top too), and
 * it may live in the one part that uses it, as in nested code.
 */
export function caseLocalTemps(body: Stmt[]): Set<string> {
  const out = new Set<string>();
  let sw: Node = null;
  const find = (list: Stmt[]): void => {
    for (const s of list) {
      if (sw !== null) return;
      if (s.type === 'LabeledStatement') {
        if (s.label.name !== 'D' || s.body.type !== 'ForStatement') find([s.body]);
        else for (sw = s.body.body.body?.[0] ?? null; sw?.type === 'LabeledStatement'; ) sw = sw.body;
      } else if (s.type !== 'FunctionDeclaration') childLists(s).forEach(find);
    }
  };
  find(body);
  if (sw === null || sw.type !== 'SwitchStatement') return out;
  const total = uses(body.filter((s) => s.type !== 'VariableDeclaration')).count;
  for (const c of sw.cases) {
    for (const [n, k] of uses(c.consequent).count) if (TEMP.test(n) && total.get(n) === k) out.add(n);
  }
  return out;
}
