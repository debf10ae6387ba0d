/**
 * Short local names: the default (not `pretty`) output names each
 * function's variables `a`, `b`, ... `aB`, the most used first, where the
 * lowering names them after what they hold (`l12`, wasm local 12; `l12h`,
 * its high half; `t3`, a temporary; `fr$`, a split function's frame). In
 * sql.js's output those names were 17% of the characters; minifiers rename
 * locals the same way. `pretty` (or `shortNames: false`) keeps the
 * lowering's names for reading; the engines' bytecode is the same.
 *
 * How: the printer, not the tree, renames (the lowering shares nodes). For
 * each function it prints, `shortNamesGenerator` finds the names declared
 * in it (parameters, `var`/`let` declarators, and those of nested
 * functions: split parts that capture variables are nested), counts their
 * uses, and maps each to a name no identifier of the function already
 * has. A name is left alone where renaming could change what a reference
 * means (a `catch` parameter, a name some reference in the function reads
 * from outside it) and where astring prints a name itself (a function's).
 * Property keys, member names and labels are never renamed.
 */
import type { Node, Stmt } from '../lower/ast.js';
import { childKeys, FUNCTION_TYPES } from '../lower/ast.js';
import { NOT_LOCAL_NAMES } from '../identifiers.js';

type State = { write(code: string, node?: unknown): void };
type GenFn = (this: unknown, node: Node, state: State) => void;

const FIRST = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_';
const NEXT = FIRST + '0123456789$';

/** The `i`th short name (0: `a`, 52: `_`, 53: `aa`, ...): a first character of FIRST, then characters of NEXT. */
function nth(i: number): string {
  let len = 1;
  let count = FIRST.length;
  while (i >= count) {
    i -= count;
    count *= NEXT.length;
    len++;
  }
  let tail = '';
  for (let k = 1; k < len; k++) {
    tail = NEXT[i % NEXT.length] + tail;
    i = Math.floor(i / NEXT.length);
  }
  return FIRST[i] + tail;
}

/**
 * The variable an Identifier node reads: its name up to a `.` or `[`. The
 * passes write some member accesses as one Identifier (split-vars.ts: a
 * shared variable `fr$.l4`, a BigInt register `fr$.R[3]`; `R[2]`).
 */
function head(name: string): string {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 46 || c === 91) return name.slice(0, i);
  }
  return name;
}

/** Adds to `out` the names a function body declares (`var`, `let`, nested function declarations), not inside nested functions. */
function declarations(body: Node, out: Set<string>): void {
  const visit = (n: Node): void => {
    if (n === null || typeof n !== 'object') return;
    if (Array.isArray(n)) {
      for (const c of n) visit(c);
      return;
    }
    if (n.type === 'VariableDeclarator') {
      if (n.id.type === 'Identifier') out.add(n.id.name);
      visit(n.init);
      return;
    }
    if (n.type === 'FunctionDeclaration') {
      out.add(n.id.name);
      return;
    }
    if (FUNCTION_TYPES.has(n.type)) return;
    for (const k of childKeys(n)) visit(n[k]);
  };
  visit(body);
}

/** A function's renaming: its names (declared in it, safe to rename) to their short names. */
function plan(fn: Node, keep: Set<Node>): Map<string, string> {
  const counts = new Map<string, number>();
  const taken = new Set<string>();
  const fixed = new Set<string>(['dv']); // `dv`, the memory's view, keeps its name (README "How it works")
  const free = new Set<string>();
  // The names each function or catch clause on the walk's path declares, innermost last.
  const scopes: Set<string>[] = [];

  const use = (id: Node): void => {
    const name = head(id.name);
    taken.add(name);
    counts.set(name, (counts.get(name) ?? 0) + 1);
    for (let i = scopes.length - 1; i >= 0; i--) if (scopes[i]!.has(name)) return;
    free.add(name);
  };

  const fnScope = (f: Node): void => {
    const names = new Set<string>();
    for (const p of f.params) if (p.type === 'Identifier') names.add(p.name);
    // Names astring prints itself: a function expression's, an arrow's only parameter.
    if (f.type === 'FunctionExpression' && f.id != null) {
      names.add(f.id.name);
      keep.add(f.id);
      fixed.add(f.id.name);
    }
    if (f.type === 'ArrowFunctionExpression' && f.params.length === 1 && f.params[0].type === 'Identifier') fixed.add(f.params[0].name);
    declarations(f.body, names);
    scopes.push(names);
    for (const p of f.params) walk(p);
    if (f.type === 'FunctionExpression' && f.id != null) taken.add(f.id.name);
    walk(f.body);
    scopes.pop();
  };

  const walk = (n: Node): void => {
    if (n === null || typeof n !== 'object') return;
    if (Array.isArray(n)) {
      for (const c of n) walk(c);
      return;
    }
    switch (n.type) {
      case 'Identifier':
        use(n);
        return;
      case 'MemberExpression':
        walk(n.object);
        if (n.computed) walk(n.property);
        else keep.add(n.property);
        return;
      case 'Property':
        if (n.computed) walk(n.key);
        else if (n.key.type === 'Identifier') {
          keep.add(n.key);
          taken.add(n.key.name);
          if (n.shorthand) fixed.add(n.key.name); // `{ x }` reads `x` under the key's name
        }
        walk(n.value);
        return;
      case 'LabeledStatement':
      case 'BreakStatement':
      case 'ContinueStatement':
        if (n.label != null) {
          keep.add(n.label);
          taken.add(n.label.name);
        }
        if (n.type === 'LabeledStatement') walk(n.body);
        return;
      case 'CatchClause':
        if (n.param != null) {
          const names = new Set<string>();
          if (n.param.type === 'Identifier') {
            names.add(n.param.name);
            fixed.add(n.param.name);
          }
          scopes.push(names);
          walk(n.param);
          walk(n.body);
          scopes.pop();
        } else walk(n.body);
        return;
      case 'FunctionDeclaration':
        // A nested function (a split part that captures variables) keeps its name: astring prints a
        // declaration's name itself, not through `Identifier`.
        keep.add(n.id);
        taken.add(n.id.name);
        fixed.add(n.id.name);
        fnScope(n);
        return;
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        fnScope(n);
        return;
    }
    for (const k of childKeys(n)) walk(n[k]);
  };

  // The function's own name belongs to the scope around it: a reference, never renamed.
  keep.add(fn.id);
  taken.add(fn.id.name);
  fnScope(fn);

  const names = [...counts.keys()].filter((x) => !free.has(x) && !fixed.has(x)).sort((a, b) => counts.get(b)! - counts.get(a)!);
  const out = new Map<string, string>();
  let i = 0;
  for (const name of names) {
    let short: string;
    do short = nth(i++);
    while (taken.has(short) || NOT_LOCAL_NAMES.has(short));
    if (short.length < name.length) out.set(name, short);
    else i--; // no shorter: keep it, and the short name for the next
  }
  return out;
}

/**
 * `base` (an astring generator) printing `root`, a function declaration or
 * a Program of them, with each function's local names shortened (see the
 * file comment). A generator for that one tree: it holds the renaming.
 */
export function shortNamesGenerator<G>(root: Stmt, base: G): G {
  const from = base as unknown as Record<string, GenFn>;
  const keep = new Set<Node>();
  const plans = new Map<Node, Map<string, string>>();
  for (const f of root.type === 'Program' ? root.body : [root]) if (f.type === 'FunctionDeclaration') plans.set(f, plan(f, keep));
  let names: Map<string, string> | null = null;
  const gen: Record<string, GenFn> = Object.create(from);
  const printFunction = from.FunctionDeclaration!;
  gen.FunctionDeclaration = function (node, state) {
    const p = plans.get(node);
    if (p === undefined) return printFunction.call(this, node, state);
    const outer = names;
    names = p;
    try {
      printFunction.call(this, node, state);
    } finally {
      names = outer;
    }
  };
  const printIdentifier = from.Identifier!;
  gen.Identifier = function (node, state) {
    if (names === null || keep.has(node)) return printIdentifier.call(this, node, state);
    const name: string = node.name;
    const h = head(name);
    const to = names.get(h);
    if (to === undefined) printIdentifier.call(this, node, state);
    else printIdentifier.call(this, { type: 'Identifier', name: h.length === name.length ? to : to + name.slice(h.length) }, state);
  };
  return gen as unknown as G;
}
