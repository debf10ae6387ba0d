/**
 * Reading Kiln's emitted JS back in tests: the functions it declares and
 * their weights (compiler/passes/split.ts `weigh`), parsed with acorn.
 */
import { parse } from 'acorn';
import { weigh } from '../../compiler/passes/split.js';

/** Calls `f` on every node under `root` (an AST node or list) that `pred` accepts, outermost first. */
function visitAll(root: any, pred: (n: any) => boolean, f: (n: any) => void): void {
  const visit = (n: any): void => {
    if (n === null || typeof n !== 'object') return;
    if (Array.isArray(n)) return n.forEach(visit);
    if (pred(n)) f(n);
    for (const k in n) if (k !== 'type' && typeof n[k] === 'object') visit(n[k]);
  };
  visit(root);
}

/** `code` parsed as a module. */
const parsed = (code: string): any => parse(code, { ecmaVersion: 'latest', sourceType: 'module' });

/** The weight (AST nodes) of each emitted function (`f0`, `$name`, their parts `f0$p3`), parts counted on their own. */
export function weights(code: string): number[] {
  const out: number[] = [];
  visitAll(parsed(code), (n) => n.type === 'FunctionDeclaration' && /^(f\d+|\$\w+)(\$p\d+)?$/.test(n.id.name), (n) =>
    out.push(weigh(n.body.body.filter((s: any) => s.type !== 'FunctionDeclaration'))));
  return out;
}

/** The declarations of wasm functions and their parts (`f0`, `f0$p3`) in emitted `code`. */
export function functionsOf(code: string): any[] {
  const fns: any[] = [];
  visitAll(parsed(code), (n) => n.type === 'FunctionDeclaration' && /^f\d+(\$p\d+)?$/.test(n.id.name), (n) => fns.push(n));
  return fns;
}

/** The names of the parts (`f0$p3`) that `node` calls, nested functions included, in order. */
export function partCalls(node: any): string[] {
  const out: string[] = [];
  visitAll(node, (n) => n.type === 'CallExpression' && /\$p\d+$/.test(n.callee.name ?? ''), (n) => out.push(n.callee.name));
  return out;
}
