/**
 * Small builders for the ESTree nodes the backend emits (printed by astring).
 * Nodes are plain objects; `loc` carries the wasm byte offset of the
 * instruction a statement comes from (line 1, column = offset), which the
 * source-map printer uses.
 */

/** An ESTree node: untyped on purpose (plain objects that astring prints). */
export type Node = any;
export type Expr = Node;
export type Stmt = Node;

/**
 * The keys of each node type that can hold child nodes (a node, an array of
 * nodes, or null), in the order the builders create them (source order, as
 * `for...in` would visit them). Every type the backend emits is listed; the
 * ESTree passes walk children through this table rather than enumerating
 * properties (compile time). test/ast-keys.test.ts checks it against the
 * trees the backend emits.
 */
export const CHILD_KEYS: Readonly<Record<string, readonly string[]>> = {
  Identifier: [],
  ThisExpression: [],
  Literal: [],
  EmptyStatement: [],
  BinaryExpression: ['left', 'right'],
  LogicalExpression: ['left', 'right'],
  AssignmentExpression: ['left', 'right'],
  UnaryExpression: ['argument'],
  UpdateExpression: ['argument'],
  CallExpression: ['callee', 'arguments'],
  NewExpression: ['callee', 'arguments'],
  MemberExpression: ['object', 'property'],
  ConditionalExpression: ['test', 'consequent', 'alternate'],
  ArrayExpression: ['elements'],
  SequenceExpression: ['expressions'],
  ObjectExpression: ['properties'],
  Property: ['key', 'value'],
  ExpressionStatement: ['expression'],
  BlockStatement: ['body'],
  IfStatement: ['test', 'consequent', 'alternate'],
  LabeledStatement: ['label', 'body'],
  ForStatement: ['init', 'test', 'update', 'body'],
  WhileStatement: ['test', 'body'],
  DoWhileStatement: ['body', 'test'],
  BreakStatement: ['label'],
  ContinueStatement: ['label'],
  ReturnStatement: ['argument'],
  ThrowStatement: ['argument'],
  SwitchStatement: ['discriminant', 'cases'],
  SwitchCase: ['test', 'consequent'],
  TryStatement: ['block', 'handler', 'finalizer'],
  CatchClause: ['param', 'body'],
  VariableDeclaration: ['declarations'],
  VariableDeclarator: ['id', 'init'],
  FunctionDeclaration: ['id', 'params', 'body'],
  FunctionExpression: ['id', 'params', 'body'],
  ArrowFunctionExpression: ['id', 'params', 'body'],
  Program: ['body'],
};

/** The node types that are functions (a declaration, a function expression, an arrow). */
export const FUNCTION_TYPES: ReadonlySet<string> = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);

/** The child keys of `n` (CHILD_KEYS), or its own keys for a type the table lacks. */
export function childKeys(n: Node): readonly string[] {
  return CHILD_KEYS[n.type] ?? Object.keys(n).filter((k) => k !== 'loc' && k !== 'type');
}

/**
 * Whether ESTree nodes nest more than `max` levels below `n` (`n` is level
 * 0, a child one more; arrays are no level, as engines' parsers count
 * nesting). Stops as soon as it knows.
 */
export function nestsDeeper(n: Node, max: number): boolean {
  const deeper = (x: Node, level: number): boolean => {
    if (x === null || typeof x !== 'object') return false;
    if (Array.isArray(x)) {
      for (const c of x) if (deeper(c, level)) return true;
      return false;
    }
    if (level > max) return true;
    for (const k of childKeys(x)) if (deeper(x[k], level + 1)) return true;
    return false;
  };
  return deeper(n, 0);
}

export function id(name: string): Expr {
  return { type: 'Identifier', name };
}

/** A numeric literal; negative numbers and -0 print as unary minus, non-finite as division. */
export function num(n: number): Expr {
  if (Number.isNaN(n)) return { type: 'BinaryExpression', operator: '/', left: lit(0), right: lit(0) };
  if (!Number.isFinite(n)) return bin('/', n > 0 ? lit(1) : un('-', lit(1)), lit(0));
  if (n < 0 || Object.is(n, -0)) return un('-', lit(-n));
  return lit(n);
}

/**
 * Literal nodes of the integers 0 to SMALL_LITERALS - 1, made once: no pass
 * changes a Literal (they replace it in its holder), so one node may stand in
 * many places, and a module's hundreds of thousands of `>>> 0` and `| 0`
 * allocate nothing (garbage collection was a quarter of Node 20's compile
 * time; README "Less garbage, fewer walks").
 */
const SMALL_LITERALS = 1024;
const small: Expr[] = [];
for (let n = 0; n < SMALL_LITERALS; n++) small.push({ type: 'Literal', value: n, raw: String(n) });

function lit(n: number): Expr {
  if (n >= 0 && n < SMALL_LITERALS && (n | 0) === n && !Object.is(n, -0)) return small[n];
  return { type: 'Literal', value: n, raw: String(n) };
}

export function str(s: string): Expr {
  return { type: 'Literal', value: s, raw: JSON.stringify(s) };
}

export const NULL: Expr = { type: 'Literal', value: null, raw: 'null' };
export const TRUE: Expr = { type: 'Literal', value: true, raw: 'true' };

export function bin(operator: string, left: Expr, right: Expr): Expr {
  const type = operator === '&&' || operator === '||' || operator === '??' ? 'LogicalExpression' : 'BinaryExpression';
  return { type, operator, left, right };
}

export function un(operator: string, argument: Expr): Expr {
  return { type: 'UnaryExpression', operator, prefix: true, argument };
}

export function call(callee: Expr | string, args: Expr[]): Expr {
  return { type: 'CallExpression', callee: typeof callee === 'string' ? id(callee) : callee, arguments: args, optional: false };
}

export function member(object: Expr | string, property: string): Expr {
  return { type: 'MemberExpression', object: typeof object === 'string' ? id(object) : object, property: id(property), computed: false, optional: false };
}

export function index(object: Expr | string, property: Expr): Expr {
  return { type: 'MemberExpression', object: typeof object === 'string' ? id(object) : object, property, computed: true, optional: false };
}

/** `obj.method(args)` */
export function mcall(object: Expr | string, method: string, args: Expr[]): Expr {
  return call(member(object, method), args);
}

export function cond(test: Expr, consequent: Expr, alternate: Expr): Expr {
  return { type: 'ConditionalExpression', test, consequent, alternate };
}

export function assign(left: Expr | string, right: Expr, operator = '='): Expr {
  return { type: 'AssignmentExpression', operator, left: typeof left === 'string' ? id(left) : left, right };
}

export function array(elements: Expr[]): Expr {
  return { type: 'ArrayExpression', elements };
}

export function exprStmt(expression: Expr, loc?: number): Stmt {
  return withLoc({ type: 'ExpressionStatement', expression }, loc);
}

export function block(body: Stmt[]): Stmt {
  return { type: 'BlockStatement', body };
}

export function ifStmt(test: Expr, consequent: Stmt[], alternate: Stmt[] | null, loc?: number): Stmt {
  return withLoc({ type: 'IfStatement', test, consequent: block(consequent), alternate: alternate && alternate.length ? block(alternate) : null }, loc);
}

export function labeled(label: string, body: Stmt): Stmt {
  return { type: 'LabeledStatement', label: id(label), body };
}

/** `for (;;) { body }` */
export function loop(body: Stmt[]): Stmt {
  return { type: 'ForStatement', init: null, test: null, update: null, body: block(body) };
}

export function brk(label: string | null, loc?: number): Stmt {
  return withLoc({ type: 'BreakStatement', label: label === null ? null : id(label) }, loc);
}

export function cont(label: string, loc?: number): Stmt {
  return withLoc({ type: 'ContinueStatement', label: id(label) }, loc);
}

export function ret(argument: Expr | null, loc?: number): Stmt {
  return withLoc({ type: 'ReturnStatement', argument }, loc);
}

export function switchStmt(discriminant: Expr, cases: { tests: Expr[] | null; body: Stmt[] }[], loc?: number): Stmt {
  const out: Node[] = [];
  for (const c of cases) {
    if (c.tests === null) out.push({ type: 'SwitchCase', test: null, consequent: c.body });
    else c.tests.forEach((t, i) => out.push({ type: 'SwitchCase', test: t, consequent: i === c.tests!.length - 1 ? c.body : [] }));
  }
  return withLoc({ type: 'SwitchStatement', discriminant, cases: out }, loc);
}

/** `let a = init, b = init;` (or const) */
export function decl(kind: 'let' | 'const', names: [string, Expr][]): Stmt {
  return {
    type: 'VariableDeclaration',
    kind,
    declarations: names.map(([n, init]) => ({ type: 'VariableDeclarator', id: id(n), init })),
  };
}

export function func(name: string, params: string[], body: Stmt[]): Stmt {
  return { type: 'FunctionDeclaration', id: id(name), params: params.map(id), body: block(body), generator: false, async: false, expression: false };
}

export function arrow(params: string[], body: Stmt[]): Expr {
  return { type: 'ArrowFunctionExpression', id: null, params: params.map(id), body: block(body), generator: false, async: false, expression: false };
}

/** The last `loc` made, reused while statements come from the same offset (a `loc` is never changed once set). */
let lastLoc: { start: { line: number; column: number }; end: { line: number; column: number } } | null = null;

/** Sets `node.loc` to wasm byte offset `offset` (line 1, column = offset; see the file comment), if given. */
export function withLoc(node: Node, offset: number | undefined): Node {
  if (offset === undefined) return node;
  if (lastLoc === null || lastLoc.start.column !== offset) {
    const p = { line: 1, column: offset };
    lastLoc = { start: p, end: p };
  }
  node.loc = lastLoc;
  return node;
}
