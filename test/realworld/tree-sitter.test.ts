/**
 * web-tree-sitter (the tree-sitter parsing library in C, Emscripten's
 * dynamic linking: each grammar is a side module, tree-sitter-wasms'
 * prebuilt JSON, Lua, CSS, Python and JavaScript grammars with their C
 * external scanners, loaded at run time into the main module's memory and
 * table, its data relocated and its symbols bound through `GOT.mem` and
 * `GOT.func` globals): source files parsed, edited and parsed again
 * incrementally, queried and walked; every tree (as an S-expression, hashed),
 * node count, capture and position.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freshRequire, packageDir } from './glue.js';
import { sameAsNative } from './same.js';
import { packageWasm } from './shim.js';

const LANGS = ['json', 'lua', 'css', 'python', 'javascript'] as const;
const grammar = (l: string) => `out/tree-sitter-${l}.wasm`;
const WASM = [...packageWasm('web-tree-sitter', ['tree-sitter.wasm']), ...packageWasm('tree-sitter-wasms', LANGS.map(grammar))];
const GRAMMARS = Object.fromEntries(LANGS.map((l) => [l, readFileSync(join(packageDir('tree-sitter-wasms'), grammar(l)))]));

const JS = readFileSync(join(packageDir('web-tree-sitter'), 'tree-sitter.js'), 'utf8').slice(0, 30_000);
const SOURCES: Record<(typeof LANGS)[number], string> = {
  json: JSON.stringify({ a: [1, 2.5e-3, { b: null, 'c é': 'x\n' }], d: true, nested: Array.from({ length: 40 }, (_, i) => ({ i, s: 'v'.repeat(i % 7) })) }, null, 2),
  lua: 'local t = {1, 2, x = "y"}\nfunction t.f(a, ...)\n  for i = 1, #a do if a[i] > 2 then return a[i] // 2 end end\n  return select("#", ...)\nend\n--[[ long\ncomment ]] print(t.f({3, 4}), [==[raw]==])\n',
  css: '@media (max-width: 600px) { .a > b:hover::after, #id[data-x~="1"] { margin: 0 auto !important; color: rgb(1 2 3 / 50%); } }\n@keyframes k { from { opacity: 0 } to { opacity: 1 } }\n:root { --w: calc(100% - 2em); }\n',
  python: 'import os\nclass A(B, metaclass=M):\n    """doc"""\n    def f(self, x: int = 1, *a, **k) -> str:\n        if x:\n            return f"{x!r:>10}"\n        elif (y := x + 1):\n            pass\n        return [i for i in range(10) if i % 2]\n\n    @property\n    async def g(self):\n        async with lock:\n            await h()\n\nlambda: (yield)\n',
  javascript: JS,
};

async function workload(): Promise<unknown[]> {
  const Parser = freshRequire<any>('web-tree-sitter');
  await Parser.init();
  const out: unknown[] = [];
  const sha = (s: string) => createHash('sha256').update(s).digest('hex');
  for (const l of LANGS) {
    const lang = await Parser.Language.load(GRAMMARS[l]);
    const parser = new Parser();
    parser.setLanguage(lang);
    const src = SOURCES[l];
    const tree = parser.parse(src);
    let count = 0;
    const cursor = tree.walk();
    for (let more = true; more; ) {
      count++;
      if (cursor.gotoFirstChild()) continue;
      while (!cursor.gotoNextSibling()) if (!cursor.gotoParent()) { more = false; break; }
    }
    out.push(l, lang.version, lang.nodeTypeCount, sha(tree.rootNode.toString()), count, tree.rootNode.hasError(), tree.rootNode.endPosition);
    // Edit: insert text in the middle and parse again from the old tree.
    const at = Math.floor(src.length / 2);
    const insert = l === 'json' ? ' ' : l === 'python' ? '\n' : ' /* x */ ';
    const next = src.slice(0, at) + insert + src.slice(at);
    const pos = (i: number) => { const lines = src.slice(0, i).split('\n'); return { row: lines.length - 1, column: lines[lines.length - 1]!.length }; };
    tree.edit({ startIndex: at, oldEndIndex: at, newEndIndex: at + insert.length, startPosition: pos(at), oldEndPosition: pos(at), newEndPosition: { row: pos(at).row, column: pos(at).column + insert.length } });
    const tree2 = parser.parse(next, tree);
    out.push(sha(tree2.rootNode.toString()), tree.getChangedRanges(tree2).map((r: any) => [r.startIndex, r.endIndex]));
    const q = lang.query(l === 'javascript' ? '(function_declaration name: (identifier) @fn) (call_expression function: (member_expression property: (property_identifier) @method))'
      : l === 'python' ? '(function_definition name: (identifier) @fn) (string) @str'
      : l === 'lua' ? '(call function: (variable) @callee)' : l === 'css' ? '(class_selector) @cls (declaration (property_name) @prop)' : '(pair key: (string) @key)');
    const caps = q.captures(tree2.rootNode);
    out.push(caps.length, caps.slice(0, 50).map((c: any) => [c.name, c.node.text.slice(0, 30), c.node.startIndex]));
    q.delete();
    tree.delete();
    tree2.delete();
    parser.delete();
  }
  return out;
}

// Emscripten's loader reads the `dylink.0` custom section of the main module and the `dylink` one of each
// grammar (their memory and table sizes): kept by the compile option `customSections`.
sameAsNative('web-tree-sitter', ['auto'], WASM, workload, 6, { customSections: ['dylink', 'dylink.0'] });
