/**
 * Covered byte loads: a pass over one lowered function's ESTree, run only
 * for output tuned for engines without a JIT (compile option `tune:
 * 'hermes'`, lower/views.ts).
 *
 * Reads: the memory accesses whose address is one of the function's own
 * variables plus a constant, `(x >>> 0) + k` (a load's `DataView` fallback
 * `?? dv.getInt32((x >>> 0) + 8, true)`, a `dv` call of its own), in the
 * order the JS evaluates them. Once such an access of `n` bytes has
 * completed, the memory holds `(x >>> 0) + k + n` bytes at least, as long as
 * `x` keeps its value: a memory never shrinks (spec 4.2.8), and an access
 * out of bounds traps instead of completing.
 * Changes: a later byte load at `(x >>> 0) + j` with `j + 1` no more than
 * that, `hu8[(x >>> 0) + j] ?? dv.getUint8((x >>> 0) + j)`, loses its
 * fallback: `hu8[(x >>> 0) + j]`. Its address is an integer below the
 * memory's size, which the byte views always cover (on a big-endian host too:
 * views.ts `viewRefresh`), so the view reads the byte the fallback would.
 * An interpreter runs one jump less per such load: the interp kernel
 * fetches each instruction's bytes as `ins[3]`, `ins[2]`, `ins[1]`, then
 * `ins[0]`, and the first covers the next two. `ins[0]` keeps its check: `j`
 * is at least 1, since the view index of `x >>> 0` is written `x` (views.ts
 * `viewLoad`), which a memory past 2 GiB would read negative.
 *
 * Facts flow forward through straight-line code and into the statements it
 * encloses; what a branch, a loop or a labelled block learns stays inside
 * it, any write of `x` ends the facts about `x`, and a loop's body starts
 * with none (its back edge brings values from later in the body). A
 * function with a nested function (a closure may write its variables) is
 * left as it is, as are variables it does not declare (a split function's
 * frame fields).
 */
import { childKeys, FUNCTION_TYPES, type Node } from '../lower/ast.js';
import { VIEWS } from '../lower/views.js';
import { LOCAL_VIEWS } from './local-views.js';

/** Bytes accessed by each `DataView` method, by the name after `get`/`set`. */
const WIDTH: Readonly<Record<string, number>> = {
  Int8: 1, Uint8: 1, Int16: 2, Uint16: 2, Int32: 4, Uint32: 4, Float32: 4, Float64: 8, BigInt64: 8, BigUint64: 8,
};

/** The byte views, by the instance's names and their local copies' (views.ts VIEWS, local-views.ts). */
const BYTE_VIEWS = new Set([VIEWS.u8.name, VIEWS.i8.name].flatMap((name) => [name, LOCAL_VIEWS.get(name)!]));

/** `dv.getX(...)` / `dv.setX(...)`: the bytes it accesses, else 0. */
function dvWidth(e: Node): number {
  if (e.type !== 'CallExpression' || e.callee.type !== 'MemberExpression' || e.callee.object.type !== 'Identifier' || e.callee.object.name !== 'dv') return 0;
  const m = e.callee.property.name as string;
  return (m.startsWith('get') || m.startsWith('set')) && e.arguments.length > 0 ? (WIDTH[m.slice(3)] ?? 0) : 0;
}

/** `x >>> 0` or `(x >>> 0) + k` (`k` a non-negative integer literal): `x` and `k`, else null. */
function baseOf(addr: Node): { name: string; k: number } | null {
  let k = 0;
  if (addr.type === 'BinaryExpression' && addr.operator === '+' && addr.right.type === 'Literal') {
    k = addr.right.value;
    addr = addr.left;
    if (!Number.isInteger(k) || k < 0) return null;
  }
  const wrapped = addr.type === 'BinaryExpression' && addr.operator === '>>>' && addr.left.type === 'Identifier' && addr.right.type === 'Literal' && addr.right.value === 0;
  return wrapped ? { name: addr.left.name, k } : null;
}

/** The variables a function declares (parameters and `var`/`let` declarators), or null when it nests a function. */
function ownVariables(fn: Node): Set<string> | null {
  const own = new Set<string>(fn.params.filter((p: Node) => p.type === 'Identifier').map((p: Node) => p.name));
  let nested = false;
  const visit = (n: Node): void => {
    if (n === null || typeof n !== 'object' || nested) return;
    if (Array.isArray(n)) {
      for (const x of n) visit(x);
      return;
    }
    if (FUNCTION_TYPES.has(n.type)) {
      nested = true;
      return;
    }
    if (n.type === 'VariableDeclarator' && n.id.type === 'Identifier') own.add(n.id.name);
    for (const k of childKeys(n)) visit(n[k]);
  };
  visit(fn.body);
  return nested ? null : own;
}

/**
 * `view` (`hu8[(x >>> 0) + j]`, a byte view indexed by the fallback's own
 * address `addr`, `j` >= 1, `x` one of `own`) is a byte that `facts` (bytes
 * known in bounds from `x >>> 0`, by variable) say the memory holds.
 */
function coveredByte(view: Node, addr: Node, own: Set<string>, facts: Map<string, number>): boolean {
  if (view.type !== 'MemberExpression' || !view.computed || view.object.type !== 'Identifier' || !BYTE_VIEWS.has(view.object.name)) return false;
  const b = baseOf(addr);
  const at = baseOf(view.property);
  if (b === null || at === null || b.k < 1 || at.name !== b.name || at.k !== b.k || !own.has(b.name)) return false;
  return (facts.get(b.name) ?? 0) >= b.k + 1;
}

/** Calls `write` with each variable `n` assigns, in evaluation order. */
function writesIn(n: Node, write: (name: string) => void): void {
  if (n === null || typeof n !== 'object') return;
  if (Array.isArray(n)) {
    for (const x of n) writesIn(x, write);
    return;
  }
  if (n.type === 'AssignmentExpression' && n.left.type === 'Identifier') write(n.left.name);
  if (n.type === 'UpdateExpression' && n.argument.type === 'Identifier') write(n.argument.name);
  for (const k of childKeys(n)) writesIn(n[k], write);
}

/** Drops the fallback of `fn`'s byte loads that an earlier access covers (see above). */
export function coveredByteLoads(fn: Node): void {
  const own = ownVariables(fn);
  if (own === null) return;
  /** Writes so far, and the count at each variable's last write: a fact outlives a branch only if its variable was not written in it. */
  let writes = 0;
  const written = new Map<string, number>();
  const write = (name: string, facts: Map<string, number>) => {
    written.set(name, ++writes);
    facts.delete(name);
  };
  /** `facts` less the variables written since write count `since`. */
  const prune = (facts: Map<string, number>, since: number) => {
    for (const name of facts.keys()) if ((written.get(name) ?? 0) > since) facts.delete(name);
  };
  /** Walks `n` where only some paths run it: with a copy of `facts`, then drops from `facts` what it wrote. */
  const branch = (n: Node, facts: Map<string, number>, fresh = false): Node => {
    const since = writes;
    const out = walk(n, fresh ? new Map() : new Map(facts));
    prune(facts, since);
    return out;
  };
  /** Records an access of `width` bytes at `addr` that completed, unless `addr`'s variable was written since write count `since` (after `addr` was read). */
  const learn = (facts: Map<string, number>, addr: Node, width: number, since: number) => {
    const b = baseOf(addr);
    if (b !== null && own.has(b.name) && (written.get(b.name) ?? 0) <= since) facts.set(b.name, Math.max(facts.get(b.name) ?? 0, b.k + width));
  };

  /** `n` with child `k` set to `v`: `n` itself when `v` is what it holds, else a copy (the lowering shares nodes between places that know different facts). */
  const set = (n: Node, k: string, v: Node): Node => (n[k] === v ? n : { ...n, [k]: v });
  /**
   * Walks `n` in evaluation order with what is known before it (`facts`,
   * updated to what is known after); returns `n`, or a copy of it with
   * covered loads (path copying: no node is changed where it stands).
   */
  const walk = (n: Node, facts: Map<string, number>): Node => {
    if (n === null || typeof n !== 'object') return n;
    if (Array.isArray(n)) {
      let out: Node[] | null = null;
      for (let i = 0; i < n.length; i++) {
        const r = walk(n[i], facts);
        if (r !== n[i] && out === null) out = n.slice(0, i);
        if (out !== null) out.push(r);
      }
      return out ?? n;
    }
    switch (n.type) {
      case 'AssignmentExpression': {
        if (n.left.type !== 'Identifier') break;
        const out = set(n, 'right', walk(n.right, facts));
        write(n.left.name, facts);
        return out;
      }
      case 'UpdateExpression':
        if (n.argument.type === 'Identifier') write(n.argument.name, facts);
        return n;
      case 'VariableDeclarator': {
        const out = set(n, 'init', walk(n.init, facts));
        write(n.id.name, facts);
        return out;
      }
      case 'LogicalExpression': {
        const left = walk(n.left, facts);
        const width = n.operator === '??' ? dvWidth(n.right) : 0;
        if (width === 0) return set(set(n, 'left', left), 'right', branch(n.right, facts));
        // A view load with its fallback: `V[i] ?? dv.getX(addr, ...)`. Either way, `addr` was in bounds once it completes.
        const addr = n.right.arguments[0];
        let wrote = false; // never, in the fallbacks the lowering makes
        writesIn(n.right, (name) => {
          wrote = true;
          write(name, facts);
        });
        const covered = !wrote && width === 1 && coveredByte(left, addr, own, facts);
        if (!wrote) learn(facts, addr, width, writes);
        return covered ? left : set(n, 'left', left);
      }
      case 'CallExpression': {
        const since = writes;
        const out = set(set(n, 'callee', walk(n.callee, facts)), 'arguments', walk(n.arguments, facts));
        const width = dvWidth(out);
        if (width > 0) learn(facts, out.arguments[0], width, since);
        return out;
      }
      case 'ConditionalExpression':
      case 'IfStatement': {
        const test = walk(n.test, facts);
        return set(set(set(n, 'test', test), 'consequent', branch(n.consequent, facts)), 'alternate', branch(n.alternate, facts));
      }
      case 'LabeledStatement':
        return set(n, 'body', branch(n.body, facts));
      case 'ForStatement':
      case 'WhileStatement':
      case 'DoWhileStatement': {
        // The test, update and body run again after the body (the back edge): they start knowing nothing.
        let out = set(n, 'init', walk(n.init, facts));
        const since = writes;
        for (const k of ['test', 'update', 'body']) if (k in n) out = set(out, k, walk(n[k], new Map()));
        prune(facts, since);
        return out;
      }
      case 'SwitchStatement': {
        const out = set(n, 'discriminant', walk(n.discriminant, facts));
        // A case is entered from the discriminant or by falling through from the case before.
        const since = writes;
        const cases = n.cases.map((c: Node) => {
          const entry = new Map(facts);
          prune(entry, since);
          return set(c, 'consequent', walk(c.consequent, entry));
        });
        prune(facts, since);
        return cases.every((c: Node, i: number) => c === n.cases[i]) ? out : { ...out, cases };
      }
      case 'TryStatement':
      case 'CatchClause': {
        // Entered from anywhere inside the `try`: nothing known.
        let out = n;
        for (const k of childKeys(n)) out = set(out, k, branch(n[k], facts, true));
        return out;
      }
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        return n; // only `fn` itself (ownVariables found no other)
    }
    let out = n;
    for (const k of childKeys(n)) out = set(out, k, walk(n[k], facts));
    return out;
  };

  fn.body = walk(fn.body, new Map());
}
