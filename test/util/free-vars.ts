/**
 * Free identifiers of a JS program: every identifier read or written that no
 * enclosing scope declares. A small scope analysis over acorn's ESTree,
 * enough for the code Kiln emits (functions, arrows, classes, let/const/var,
 * destructuring, catch, labels, getters).
 */
import * as acorn from 'acorn';

type Node = any;

/** Returns the set of free identifier names of `code` (parsed as an ES module unless `script`). */
export function freeIdentifiers(code: string, script = false): Set<string> {
  const ast = acorn.parse(code, { ecmaVersion: 'latest', sourceType: script ? 'script' : 'module' });
  const free = new Set<string>();
  visitScope(ast, [], free);
  return free;
}

/** Names a scope body declares: its own let/const/class/function/import declarations, plus every nested `var` for a function scope. */
function declared(body: Node, out: Set<string>, functionScope: boolean): void {
  for (let st of body.body) {
    if ((st.type === 'ExportNamedDeclaration' || st.type === 'ExportDefaultDeclaration') && st.declaration) st = st.declaration;
    if (st.type === 'VariableDeclaration' && st.kind !== 'var') for (const d of st.declarations) patternNames(d.id, out);
    else if ((st.type === 'FunctionDeclaration' || st.type === 'ClassDeclaration') && st.id) out.add(st.id.name);
    else if (st.type === 'ImportDeclaration') for (const sp of st.specifiers) out.add(sp.local.name);
  }
  if (functionScope) collectVars(body, out);
}

function collectVars(n: Node, out: Set<string>): void {
  if (!n || typeof n.type !== 'string') return;
  if (/Function/.test(n.type) && n.type !== 'Program') return;
  if (n.type === 'VariableDeclaration' && n.kind === 'var') for (const d of n.declarations) patternNames(d.id, out);
  for (const key of Object.keys(n)) {
    const v = n[key];
    if (Array.isArray(v)) v.forEach((c) => collectVars(c, out));
    else if (v && typeof v.type === 'string') collectVars(v, out);
  }
}

function patternNames(p: Node, out: Set<string>): void {
  if (!p) return;
  switch (p.type) {
    case 'Identifier': out.add(p.name); break;
    case 'ObjectPattern': for (const prop of p.properties) patternNames(prop.type === 'RestElement' ? prop.argument : prop.value, out); break;
    case 'ArrayPattern': for (const e of p.elements) patternNames(e, out); break;
    case 'RestElement': patternNames(p.argument, out); break;
    case 'AssignmentPattern': patternNames(p.left, out); break;
  }
}

function resolve(name: string, scopes: Set<string>[]): boolean {
  for (let i = scopes.length - 1; i >= 0; i--) if (scopes[i].has(name)) return true;
  return false;
}

/** Walks a scope-creating node: collects its declarations, then visits its contents. */
function visitScope(node: Node, scopes: Set<string>[], free: Set<string>): void {
  const own = new Set<string>();
  const isFunction = node.type === 'Program' || /Function/.test(node.type);
  if (isFunction && node.type !== 'Program') {
    if (node.id && node.type === 'FunctionExpression') own.add(node.id.name);
    for (const p of node.params) patternNames(p, own);
    if (node.type !== 'ArrowFunctionExpression') own.add('arguments');
  }
  const body = node.type === 'Program' ? node : node.body;
  if (body.type === 'BlockStatement' || body.type === 'Program') declared(body, own, isFunction);
  const inner = [...scopes, own];
  if (isFunction && node.type !== 'Program') for (const p of node.params) visitPatternDefaults(p, inner, free);
  if (body.type === 'BlockStatement' || body.type === 'Program') for (const s of body.body) visit(s, inner, free);
  else visit(body, inner, free); // arrow expression body
}

function visitPatternDefaults(p: Node, scopes: Set<string>[], free: Set<string>): void {
  if (!p) return;
  if (p.type === 'AssignmentPattern') visit(p.right, scopes, free);
  else if (p.type === 'ObjectPattern') for (const prop of p.properties) {
    if (prop.computed) visit(prop.key, scopes, free);
    visitPatternDefaults(prop.type === 'RestElement' ? prop.argument : prop.value, scopes, free);
  } else if (p.type === 'ArrayPattern') for (const e of p.elements) visitPatternDefaults(e, scopes, free);
}

function visit(n: Node, scopes: Set<string>[], free: Set<string>): void {
  if (!n || typeof n.type !== 'string') return;
  switch (n.type) {
    case 'Identifier':
      if (!resolve(n.name, scopes)) free.add(n.name);
      return;
    case 'FunctionDeclaration':
    case 'FunctionExpression':
    case 'ArrowFunctionExpression':
      visitScope(n, scopes, free);
      return;
    case 'BlockStatement':
    case 'StaticBlock': {
      const own = new Set<string>();
      declared(n, own, false);
      for (const s of n.body) visit(s, [...scopes, own], free);
      return;
    }
    case 'ForStatement':
    case 'ForInStatement':
    case 'ForOfStatement': {
      const own = new Set<string>();
      const init = n.type === 'ForStatement' ? n.init : n.left;
      if (init?.type === 'VariableDeclaration') for (const d of init.declarations) patternNames(d.id, own);
      const inner = [...scopes, own];
      for (const key of ['init', 'test', 'update', 'left', 'right', 'body']) visit(n[key], inner, free);
      return;
    }
    case 'CatchClause': {
      const own = new Set<string>();
      patternNames(n.param, own);
      visit(n.body, [...scopes, own], free);
      return;
    }
    case 'ClassDeclaration':
    case 'ClassExpression': {
      const own = new Set<string>(n.id ? [n.id.name] : []);
      visit(n.superClass, scopes, free);
      visit(n.body, [...scopes, own], free);
      return;
    }
    case 'VariableDeclarator':
      visitPatternDefaults(n.id, scopes, free);
      visit(n.init, scopes, free);
      return;
    case 'MemberExpression':
      visit(n.object, scopes, free);
      if (n.computed) visit(n.property, scopes, free);
      return;
    case 'Property':
    case 'PropertyDefinition':
    case 'MethodDefinition':
      if (n.computed) visit(n.key, scopes, free);
      visit(n.value, scopes, free);
      return;
    case 'LabeledStatement':
      visit(n.body, scopes, free);
      return;
    case 'BreakStatement':
    case 'ContinueStatement':
      return;
    case 'ExportSpecifier':
      visit(n.local, scopes, free);
      return;
    case 'ImportDeclaration':
    case 'MetaProperty':
      return;
  }
  for (const key of Object.keys(n)) {
    if (key === 'type' || key === 'loc' || key === 'start' || key === 'end') continue;
    const v = n[key];
    if (Array.isArray(v)) v.forEach((c) => visit(c, scopes, free));
    else if (v && typeof v.type === 'string') visit(v, scopes, free);
  }
}
