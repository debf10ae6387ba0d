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
 * each function it prints, `withShortNames` finds the names declared
 * in it (parameters, `var`/`let` declarators, and those of nested
 * functions: split parts that capture variables are nested), counts their
 * uses, and maps each to a name no identifier of the function already
 * has. A name is left alone where renaming could change what a reference
 * means (a `catch` parameter, a name some reference in the function reads
 * from outside it) and where astring prints a name itself (a function's).
 * Property keys, member names and labels are never renamed.
 */
import type { Node, Stmt } from '../lower/ast.js';
import { childKeys } from '../lower/ast.js';
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

/**
 * Adds to `out` the names a function body declares (`var`, `let`, nested
 * function declarations): statements only (a declaration is one), not
 * inside nested functions.
 */
function declarations(n: Node, out: Set<string>): void {
  if (n === null) return;
  switch (n.type) {
    case 'BlockStatement':
      for (const x of n.body) declarations(x, out);
      return;
    case 'VariableDeclaration':
      for (const d of n.declarations) if (d.id.type === 'Identifier') out.add(d.id.name);
      return;
    case 'FunctionDeclaration':
      out.add(n.id.name);
      return;
    case 'IfStatement':
      declarations(n.consequent, out);
      declarations(n.alternate, out);
      return;
    case 'ForStatement':
      declarations(n.init, out);
      declarations(n.body, out);
      return;
    case 'WhileStatement':
    case 'DoWhileStatement':
    case 'LabeledStatement':
      declarations(n.body, out);
      return;
    case 'SwitchStatement':
      for (const c of n.cases) for (const x of c.consequent) declarations(x, out);
      return;
    case 'TryStatement':
      declarations(n.block, out);
      if (n.handler != null) declarations(n.handler.body, out);
      declarations(n.finalizer, out);
      return;
  }
}

/**
 * Counts the uses of each name in a function (`counts`: see `use`), and finds the names
 * that cannot be renamed (`fixed`): read from outside the function somewhere,
 * a `catch` parameter, printed by astring itself, or `dv`.
 */
class Uses {
  readonly counts = new Map<string, number>();
  readonly fixed = new Set<string>(['dv']); // `dv`, the memory's view, keeps its name (README "How it works")
  // The names each function or catch clause on the walk's path declares, innermost last.
  private readonly scopes: Set<string>[] = [];

  constructor(fn: Node) {
    this.counts.set(fn.id.name, 2); // the function's own name, from the scope around it: taken, never renamed
    this.fixed.add(fn.id.name);
    this.func(fn);
  }

  /** Counts a use of `name` (twice its count, plus 1 once a use in the function's own scope found it bound there). */
  private use(name: string): void {
    if (name.indexOf('.') >= 0 || name.indexOf('[') >= 0) name = head(name);
    const v = this.counts.get(name) ?? 0;
    const top = this.scopes.length === 1;
    // In the function's own scope a name is bound everywhere or nowhere: looked up once there.
    if (top && (v & 1) !== 0) {
      this.counts.set(name, v + 2);
      return;
    }
    let bound = false;
    for (let i = this.scopes.length - 1; i >= 0 && !bound; i--) bound = this.scopes[i]!.has(name);
    if (!bound) this.fixed.add(name);
    this.counts.set(name, (v + 2) | (bound && top ? 1 : 0));
  }

  private func(f: Node): void {
    const names = new Set<string>();
    for (const p of f.params) if (p.type === 'Identifier') names.add(p.name);
    // Names astring prints itself: a function expression's, an arrow's only parameter.
    if (f.type === 'FunctionExpression' && f.id != null) {
      names.add(f.id.name);
      this.fixed.add(f.id.name);
      this.counts.set(f.id.name, (this.counts.get(f.id.name) ?? 0) + 2);
    }
    if (f.type === 'ArrowFunctionExpression' && f.params.length === 1 && f.params[0].type === 'Identifier') this.fixed.add(f.params[0].name);
    declarations(f.body, names);
    this.scopes.push(names);
    for (const p of f.params) this.node(p);
    this.node(f.body);
    this.scopes.pop();
  }

  /** Expressions, the most nodes: the common ones without the generic walk. */
  private expr(n: Node): void {
    for (;;) {
      switch (n.type) {
        case 'Identifier':
          this.use(n.name);
          return;
        case 'Literal':
          return;
        case 'BinaryExpression':
        case 'LogicalExpression':
        case 'AssignmentExpression':
          this.expr(n.left);
          n = n.right;
          continue;
        case 'MemberExpression':
          if (n.computed) this.expr(n.property);
          n = n.object;
          continue;
        case 'CallExpression':
        case 'NewExpression': {
          const args: Node[] = n.arguments;
          for (let i = 0; i < args.length; i++) this.expr(args[i]);
          n = n.callee;
          continue;
        }
        case 'UnaryExpression':
        case 'UpdateExpression':
          n = n.argument;
          continue;
        case 'ConditionalExpression':
          this.expr(n.test);
          this.expr(n.consequent);
          n = n.alternate;
          continue;
        default:
          this.node(n);
          return;
      }
    }
  }

  private node(n: Node): void {
    if (n === null || typeof n !== 'object') return;
    if (Array.isArray(n)) {
      for (const c of n) this.node(c);
      return;
    }
    switch (n.type) {
      case 'Identifier':
      case 'Literal':
      case 'BinaryExpression':
      case 'LogicalExpression':
      case 'AssignmentExpression':
      case 'MemberExpression':
      case 'CallExpression':
      case 'NewExpression':
      case 'UnaryExpression':
      case 'UpdateExpression':
      case 'ConditionalExpression':
        this.expr(n);
        return;
      case 'ExpressionStatement':
        this.expr(n.expression);
        return;
      case 'Property':
        if (n.computed) this.expr(n.key);
        else if (n.shorthand) this.fixed.add(n.key.name); // `{ x }` reads `x` under the key's name
        this.expr(n.value);
        return;
      case 'LabeledStatement':
        this.node(n.body);
        return;
      case 'BreakStatement':
      case 'ContinueStatement':
        return;
      case 'CatchClause':
        if (n.param != null) {
          const names = new Set<string>();
          if (n.param.type === 'Identifier') {
            names.add(n.param.name);
            this.fixed.add(n.param.name);
          }
          this.scopes.push(names);
          this.node(n.param);
          this.node(n.body);
          this.scopes.pop();
        } else this.node(n.body);
        return;
      case 'FunctionDeclaration':
        // A nested function (a split part that captures variables) keeps its name: astring prints a
        // declaration's name itself, not through `Identifier`.
        this.fixed.add(n.id.name);
        this.counts.set(n.id.name, (this.counts.get(n.id.name) ?? 0) + 2);
        this.func(n);
        return;
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        this.func(n);
        return;
    }
    for (const k of childKeys(n)) this.node(n[k]);
  }
}

/** A function's renaming: its names (declared in it, safe to rename) to their short names. */
function plan(fn: Node): Map<string, string> {
  const { counts, fixed } = new Uses(fn);
  const names = [...counts.keys()].filter((x) => !fixed.has(x)).sort((a, b) => (counts.get(b)! >> 1) - (counts.get(a)! >> 1));
  const out = new Map<string, string>();
  let i = 0;
  for (const name of names) {
    let short: string;
    do short = nth(i++);
    while (counts.has(short) || NOT_LOCAL_NAMES.has(short));
    if (short.length < name.length) out.set(name, short);
    else i--; // no shorter: keep it, and the short name for the next
  }
  return out;
}

// The print in progress (astring prints synchronously: one at a time): the plans of the functions
// of the tree being printed, the renaming of the function being printed, and the Identifier node
// being printed as a member's, key's or label's name (never renamed).
let plans: Map<Node, Map<string, string>> | null = null;
let names: Map<string, string> | null = null;
let raw: Node = null;

/** The renaming generators, one per base generator (made once: a generator per tree would leave astring's calls megamorphic). */
const generators = new WeakMap<object, Record<string, GenFn>>();

/** `base` renaming as `plans` and `names` say. */
function renaming(from: Record<string, GenFn>): Record<string, GenFn> {
  const gen: Record<string, GenFn> = { ...from };
  const printFunction = from.FunctionDeclaration!;
  gen.FunctionDeclaration = function (node, state) {
    const p = plans?.get(node);
    if (p === undefined) return printFunction.call(this, node, state);
    const outer = names;
    names = p;
    try {
      printFunction.call(this, node, state);
    } finally {
      names = outer;
    }
  };
  // Each prints its name child as `raw` (where a local of the function has that name: frame fields do).
  const naming = (type: string, child: (node: Node) => Node) => {
    const print = from[type]!;
    gen[type] = function (node, state) {
      const name = child(node);
      if (name === null || names === null || !names.has(name.name)) return print.call(this, node, state);
      const outer = raw;
      raw = name;
      print.call(this, node, state);
      raw = outer;
    };
  };
  naming('MemberExpression', (n) => (n.computed ? null : n.property));
  naming('Property', (n) => (n.computed ? null : n.key));
  naming('LabeledStatement', (n) => n.label);
  naming('BreakStatement', (n) => n.label ?? null);
  naming('ContinueStatement', (n) => n.label ?? null);
  const printIdentifier = from.Identifier!;
  gen.Identifier = function (node, state) {
    if (names === null || node === raw) return printIdentifier.call(this, node, state);
    const name: string = node.name;
    let to = names.get(name);
    if (to === undefined && (name.indexOf('.') >= 0 || name.indexOf('[') >= 0)) {
      const h = head(name);
      const t = names.get(h);
      if (t !== undefined) to = t + name.slice(h.length);
    }
    // What astring's Identifier writes, renamed (the dense generator's wrapper is in place: the function's was first).
    if (to === undefined) printIdentifier.call(this, node, state);
    else state.write(to, node);
  };
  return gen;
}

/**
 * Calls `print` with a generator that prints as `base` (an astring
 * generator) does, but with the local names of `root`'s functions shortened
 * (`root`: a function declaration or a Program of them; see the file
 * comment), and returns what it returns. `print` must print `root` with it
 * (astring's `generate`), and nothing else.
 */
export function withShortNames<G, T>(root: Stmt, base: G, print: (generator: G) => T): T {
  const from = base as unknown as Record<string, GenFn>;
  let gen = generators.get(from);
  if (gen === undefined) generators.set(from, (gen = renaming(from)));
  const outer = { plans, names, raw };
  plans = new Map();
  for (const f of root.type === 'Program' ? root.body : [root]) if (f.type === 'FunctionDeclaration') plans.set(f, plan(f));
  names = null;
  raw = null;
  try {
    return print(gen as unknown as G);
  } finally {
    ({ plans, names, raw } = outer);
  }
}
