/**
 * Local views: a pass over one lowered function's ESTree, run only for
 * output tuned for engines without a JIT (compile option `tune: 'hermes'`,
 * lower/views.ts).
 *
 * Reads: the instance's typed-array views a function names (`H32`, `HU8`,
 * ..., and `HB`, the memory's size in bytes: lower/views.ts VIEWS), and its
 * local `dv`, declared `dv = DV` at the top of the function (lower/func.ts)
 * or of a split part (split-vars.ts `ownViews`) and re-read by a statement
 * `dv = DV` wherever the memory may have grown (after calls: lower/stack.ts
 * `refreshMemory`, split-vars.ts `ownViews`; on entering a `catch`).
 * Changes: each view named more often than the scope re-reads `dv` becomes
 * a local copy (`h32` for `H32`, LOCAL_VIEWS), declared beside `dv` and
 * re-read with it (`dv = DV, h32 = H32;`). The
 * instance replaces `DV` and the views together (views.ts `viewRefresh`),
 * so wherever `dv` equals `DV` the copies equal the views, and every access
 * reads the same bytes as before.
 *
 * Why: in an interpreter an instance variable is a closure-context read at
 * every access (and for a `let`, V8's check that it is initialised), where a
 * local is a register. The crc32 kernel's inner loop in V8 without a JIT:
 * 362-374 ms with the instance's views, 333-345 ms with local copies (Node
 * 24 `--jitless`, README "Tuning for Hermes").
 *
 * A function (or a nested function with its own `dv` declaration: a split
 * part) is one scope; nested functions without their own `dv` share their
 * enclosing scope's copies, as they share its `dv`. A scope whose `dv` is
 * written anywhere but in a statement `dv = DV`, or that names a view
 * without declaring `dv`, is left as it is.
 */
import { childKeys, FUNCTION_TYPES, id, type Node } from '../lower/ast.js';
import { VIEWS, VIEW_BYTES } from '../lower/views.js';

/** Each view's local copy, by the view's name (identifiers.ts reserves them). */
export const LOCAL_VIEWS: ReadonlyMap<string, string> = new Map(
  [...Object.values(VIEWS).map((v) => v.name), VIEW_BYTES].map((name) => [name, name.toLowerCase()]),
);

const VIEW_LOCAL = 'dv';
const VIEW_SOURCE = 'DV';

/** The declarator `dv = DV` among a function body's top-level declarations, and its declaration. */
function viewDeclaration(fn: Node): { decl: Node; at: number } | null {
  const body = fn.body?.type === 'BlockStatement' ? fn.body.body : [];
  for (const s of body) {
    if (s.type !== 'VariableDeclaration') continue;
    const at = s.declarations.findIndex((d: Node) => d.id.name === VIEW_LOCAL);
    if (at >= 0) return s.declarations[at].init?.type === 'Identifier' && s.declarations[at].init.name === VIEW_SOURCE ? { decl: s, at } : null;
  }
  return null;
}

const isRefresh = (e: Node) =>
  e.type === 'AssignmentExpression' && e.operator === '=' && e.left.type === 'Identifier' && e.left.name === VIEW_LOCAL && e.right.type === 'Identifier' && e.right.name === VIEW_SOURCE;

/** Gives function `fn` (with its nested parts, each its own scope) local copies of the views it names. */
export function localViews(fn: Node): void {
  // A node may be reached twice (a value standing in both arms of a store): each is renamed once.
  const views = new Set<Node>();
  const refreshes: Node[] = [];
  let sound = true;
  const visit = (n: Node, top: boolean): void => {
    if (n === null || typeof n !== 'object') return;
    if (Array.isArray(n)) {
      for (const x of n) visit(x, false);
      return;
    }
    if (!top && FUNCTION_TYPES.has(n.type) && viewDeclaration(n) !== null) {
      localViews(n);
      return;
    }
    if (n.type === 'Identifier' && LOCAL_VIEWS.has(n.name)) views.add(n);
    else if (n.type === 'ExpressionStatement' && isRefresh(n.expression)) {
      refreshes.push(n);
      return;
    } else if (n.type === 'AssignmentExpression' && n.left.type === 'Identifier' && n.left.name === VIEW_LOCAL) sound = false;
    for (const k of childKeys(n)) visit(n[k], false);
  };
  visit(fn, true);
  const home = viewDeclaration(fn);
  if (views.size === 0 || home === null || !sound) return;
  // A copy costs two bytecodes at every re-read and saves about as much at every use: only views used more
  // often than the memory is re-read get one (SQLite's functions re-read after most calls and use few views).
  const refreshCount = new Set(refreshes).size;
  const uses = new Map<string, number>();
  for (const v of views) uses.set(v.name, (uses.get(v.name) ?? 0) + 1);
  const names = [...uses.keys()].filter((n) => uses.get(n)! > refreshCount).sort();
  if (names.length === 0) return;
  for (const v of views) if (names.includes(v.name)) v.name = LOCAL_VIEWS.get(v.name);
  home.decl.declarations.splice(home.at + 1, 0, ...names.map((n) => ({ type: 'VariableDeclarator', id: id(LOCAL_VIEWS.get(n)!), init: id(n) })));
  for (const s of new Set(refreshes)) {
    const copies = names.map((n) => ({ type: 'AssignmentExpression', operator: '=', left: id(LOCAL_VIEWS.get(n)!), right: id(n) }));
    s.expression = { type: 'SequenceExpression', expressions: [s.expression, ...copies] };
  }
}
