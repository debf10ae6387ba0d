/**
 * `npm run bench:functions -- [--split-weight=N] [FILE.wasm ...]`: the largest
 * JS functions Kiln emits (issues 15 and 16). For each module (default: the
 * Lua and SQLite programs of ../shared/programs and the bench kernels'
 * all.wasm), compiled with default options and again unsplit
 * (`splitWeight: 0`), prints the largest emitted function (a part made by
 * the split pass counts as its own function) by its own JS bytes (those of
 * functions nested in it left out), by AST nodes as acorn parses it (the
 * split pass's weight, passes/split.ts; V8 emits 3 to 5 bytes of bytecode per
 * node on Kiln's output, and optimizes nothing over 61,440 bytes), and by
 * variable bindings (parameters and `var`/`let`/`const` declarators of the
 * function itself, not of functions nested in it). A benchmark: it prints
 * figures and never fails.
 */
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'acorn';
import { compile } from '../../compiler/index.js';

type Node = { type: string; start: number; end: number; [k: string]: unknown };

/** One emitted function's size. */
interface FnSize { name: string; bytes: number; nodes: number; bindings: number }

const FUNCTION = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);

/** Sizes of every function in `code` (nested functions measured on their own). */
export function functionSizes(code: string): FnSize[] {
  const out: FnSize[] = [];
  const measure = (fn: Node): void => {
    const size: FnSize = { name: (fn.id as Node | null)?.name as string ?? '(anonymous)', bytes: fn.end - fn.start, nodes: 0, bindings: (fn.params as Node[]).length };
    const visit = (n: unknown): void => {
      if (n === null || typeof n !== 'object') return;
      if (Array.isArray(n)) return n.forEach(visit);
      const node = n as Node;
      if (typeof node.type !== 'string') return;
      if (FUNCTION.has(node.type) && node !== fn) {
        size.bytes -= node.end - node.start;
        return measure(node);
      }
      size.nodes++;
      if (node.type === 'VariableDeclarator') size.bindings++;
      for (const k in node) if (k !== 'type' && k !== 'start' && k !== 'end') visit(node[k]);
    };
    visit(fn.body);
    out.push(size);
  };
  const program = parse(code, { ecmaVersion: 'latest', sourceType: 'module' }) as unknown as Node;
  const top = (n: unknown): void => {
    if (n === null || typeof n !== 'object') return;
    if (Array.isArray(n)) return n.forEach(top);
    const node = n as Node;
    if (FUNCTION.has(node.type)) return measure(node);
    for (const k in node) if (k !== 'type') top(node[k]);
  };
  top(program);
  return out;
}

function main(): void {
  const split = process.argv.find((a) => a.startsWith('--split-weight='));
  const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const shared = fileURLToPath(new URL('../../../shared/', import.meta.url));
  const inputs = files.length > 0 ? files : ['programs/lua.wasm', 'programs/sqlite.wasm', 'bench/build/all.wasm'].map((f) => shared + f).filter(existsSync);
  if (inputs.length === 0) return console.log('bench:functions: no input (../shared is absent; name .wasm files)');
  console.log('| module | split | functions | largest by JS bytes | largest by AST nodes (~bytecode: x3-5 bytes) | most bindings |');
  console.log('| --- | --- | --: | --- | --- | --- |');
  for (const f of inputs) {
    const bytes = new Uint8Array(readFileSync(f));
    for (const splitWeight of [split ? Number(split.slice(15)) : undefined, 0]) {
      // `instantiate` runs once (its own bytes are mostly the data segments' base64): not a compiled wasm function.
      const sizes = functionSizes(compile(bytes, splitWeight === undefined ? {} : { splitWeight }).code).filter((x) => x.name !== 'instantiate');
      const max = (k: 'bytes' | 'nodes' | 'bindings') => sizes.reduce((a, b) => (b[k] > a[k] ? b : a));
      const b = max('bytes'), n = max('nodes'), v = max('bindings');
      const label = splitWeight === 0 ? 'off' : `${splitWeight ?? 'default'}`;
      console.log(`| ${f.split('/').pop()} | ${label} | ${sizes.length} | ${b.name}: ${b.bytes.toLocaleString('en')} B | ${n.name}: ${n.nodes.toLocaleString('en')} | ${v.name}: ${v.bindings.toLocaleString('en')} |`);
    }
  }
}

main();
