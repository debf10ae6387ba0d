/**
 * Boolean locals: a pass over one lowered function's ESTree, run only for
 * output tuned for engines without a JIT (compile option `tune: 'hermes'`).
 *
 * Reads: the variables of a function every read of which is a condition (the
 * test of an `if`, a `?:` or a loop, or the operand of `!`): a loop rotated
 * by clang keeps its exit test in a local (`l2 = l0 >>> 0 > 3 | 0; ...
 * if (l2) continue L1;`, fib's loop).
 * Changes: their writes `v = c | 0;` (statements: nothing uses their value),
 * where `c` is a comparison or a `!`, become `v = c;`. A condition sees `true` as it sees 1 and `false` as 0, and
 * nothing else reads the variable, so every result is the same; an
 * interpreter runs one operation less per write (the `| 0`).
 *
 * Left alone: a function with a nested function (a closure or a part may
 * read the variable elsewhere), any variable the function does not declare
 * (a global, or a split function's frame field, which another part reads),
 * and any variable read anywhere else (an operand, an argument, a returned
 * value).
 */
import { childKeys, FUNCTION_TYPES, type Node } from '../lower/ast.js';

const COMPARISONS = new Set(['<', '>', '<=', '>=', '===', '!==', '==', '!=']);

/** `c | 0` with `c` a comparison or a `!`: returns `c`, else null. */
function boolOr0(e: Node): Node | null {
  if (e.type !== 'BinaryExpression' || e.operator !== '|' || e.right.type !== 'Literal' || e.right.value !== 0) return null;
  const c = e.left;
  return (c.type === 'BinaryExpression' && COMPARISONS.has(c.operator)) || (c.type === 'UnaryExpression' && c.operator === '!') ? c : null;
}

/** Drops `| 0` from writes of `fn`'s variables read only as conditions (see above). */
export function boolLocals(fn: Node): void {
  /** The function's own variables (its parameters and declarations): anything else (a global, a frame field) another function may read. */
  const own = new Set<string>(fn.params.filter((p: Node) => p.type === 'Identifier').map((p: Node) => p.name));
  /** Variables read other than as a condition. */
  const valued = new Set<string>();
  /** Writes `v = c | 0`, by variable. */
  const writes = new Map<string, Node[]>();
  let nested = false;
  const visit = (n: Node, condition: boolean): void => {
    if (n === null || typeof n !== 'object' || nested) return;
    if (Array.isArray(n)) {
      for (const x of n) visit(x, false);
      return;
    }
    if (n !== fn && FUNCTION_TYPES.has(n.type)) {
      nested = true;
      return;
    }
    switch (n.type) {
      case 'Identifier':
        if (!condition) valued.add(n.name);
        return;
      case 'MemberExpression':
        visit(n.object, false);
        if (n.computed) visit(n.property, false);
        return;
      case 'ExpressionStatement': {
        // Only a write whose value nothing uses may change what it writes.
        const e = n.expression;
        if (e.type === 'AssignmentExpression' && e.operator === '=' && e.left.type === 'Identifier' && boolOr0(e.right) !== null) {
          writes.set(e.left.name, [...(writes.get(e.left.name) ?? []), e]);
          visit(e.right, false);
          return;
        }
        break;
      }
      case 'AssignmentExpression':
        if (n.left.type === 'Identifier') {
          if (n.operator !== '=') valued.add(n.left.name);
          visit(n.right, false);
          return;
        }
        break;
      case 'VariableDeclarator':
        if (n.id.type === 'Identifier') own.add(n.id.name);
        visit(n.init, false);
        return;
      case 'LabeledStatement':
      case 'BreakStatement':
      case 'ContinueStatement':
        visit(n.body, false);
        return;
      case 'IfStatement':
      case 'ConditionalExpression':
      case 'WhileStatement':
      case 'DoWhileStatement':
      case 'ForStatement':
        for (const k of childKeys(n)) visit(n[k], k === 'test');
        return;
      case 'UnaryExpression':
        visit(n.argument, n.operator === '!');
        return;
    }
    for (const k of childKeys(n)) visit(n[k], false);
  };
  visit(fn.body, false);
  if (nested) return;
  for (const [name, ws] of writes) {
    if (valued.has(name) || !own.has(name)) continue;
    for (const w of ws) w.right = boolOr0(w.right) ?? w.right; // a node reached twice is changed once
  }
}
