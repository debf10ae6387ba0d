/**
 * vscode-oniguruma (the Oniguruma regex library in C, Emscripten; the regex
 * engine of VS Code's and Shiki's TextMate grammars; its glue converts JS
 * strings to UTF-8 in wasm memory and maps byte offsets back): scanners of
 * grammar-like pattern lists run over source text, Unicode text and
 * pathological inputs from every start position; every match's pattern
 * index and capture ranges, and the errors invalid patterns raise.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freshRequire, packageDir } from './glue.js';
import { sameAsNative } from './same.js';
import { packageWasm } from './shim.js';

const WASM = packageWasm('vscode-oniguruma', ['release/onig.wasm']);
const BYTES = readFileSync(join(packageDir('vscode-oniguruma'), 'release/onig.wasm'));

const SCANNERS: string[][] = [
  // A slice of a JavaScript grammar.
  ['\\b(const|let|var|function|return|if|else|for|while)\\b', '"(?:[^"\\\\]|\\\\.)*"', "'(?:[^'\\\\]|\\\\.)*'", '//.*$', '/\\*[\\s\\S]*?\\*/',
    '\\b(?:0[xX][0-9a-fA-F]+|\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?)\\b', '[A-Za-z_$][\\w$]*(?=\\s*\\()', '(?<=\\.)[A-Za-z_$][\\w$]*', '[{}()\\[\\];,.]', '=>|===|!==|&&|\\|\\|'],
  // Unicode classes, named groups, backreferences, lookbehind, possessive and lazy quantifiers, \G.
  ['\\p{Lu}\\p{Ll}+', '(?<word>\\w+)\\s+\\k<word>', '(?<![\\w])\\d{2,4}+(?!\\d)', '\\G\\s+', '[\\x{1F300}-\\x{1FAFF}]', '(?i)straße|STRASSE', '(a|ab)(c|bcd)(d*)', '^\\s*#\\s*(include|define)\\b.*$'],
  // Catastrophic-looking but bounded patterns.
  ['(a+)+b', '(x|y|xy)*z', '(?:\\s*,\\s*\\w+){3,}'],
];
const TEXTS = [
  readFileSync(join(packageDir('vscode-oniguruma'), 'release/main.js'), 'utf8').slice(0, 6000),
  'Grüße aus München — Straße STRASSE 1999 2024 the the Kiln 🔥🚀 naïve café\n#include <stdio.h>\n  #define X 1\nabcd abcdd\n',
  'a'.repeat(24) + 'b' + 'a'.repeat(18) + 'x'.repeat(12) + 'yz' + ' , one , two , three , four',
];

async function workload(): Promise<unknown[]> {
  const onig = freshRequire<any>('vscode-oniguruma');
  await onig.loadWASM(BYTES.buffer.slice(BYTES.byteOffset, BYTES.byteOffset + BYTES.byteLength));
  const out: unknown[] = [];
  for (const patterns of SCANNERS) {
    const scanner = new onig.OnigScanner(patterns);
    for (const text of TEXTS) {
      const str = new onig.OnigString(text);
      let pos = 0;
      let n = 0;
      while (pos <= text.length && n++ < 2000) {
        const m = scanner.findNextMatchSync(str, pos);
        if (m === null) {
          out.push(null);
          break;
        }
        out.push(m.index, m.captureIndices.map((c: { start: number; end: number; length: number }) => [c.start, c.end, c.length]));
        pos = Math.max(m.captureIndices[0].end, pos + 1);
      }
      str.dispose();
    }
    scanner.dispose();
  }
  for (const bad of ['(unclosed', '[z-a]', '(?<n>a)\\k<m>', '*a']) {
    try {
      new onig.OnigScanner([bad]).dispose();
      out.push('accepted');
    } catch (e) {
      out.push(String(e));
    }
  }
  return out;
}

sameAsNative('vscode-oniguruma', ['auto'], WASM, workload);
