/**
 * Comments the emitter prints in the output: the header line before each
 * function and any name-section text in it (identifiers themselves:
 * identifiers.ts).
 */
import type { Module } from '../module.js';
import { funcTypeToString } from '../types.js';
import type { FuncIdentifiers } from '../identifiers.js';

/**
 * Text safe inside a `//` comment: printable ASCII as is, anything else
 * JSON-escaped (line terminators included), at most 200 characters.
 */
export function commentText(s: string): string {
  const cut = s.length > 200 ? s.slice(0, 200) + '...' : s;
  if (/^[\x20-\x7e]*$/.test(cut)) return cut;
  return JSON.stringify(cut).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/**
 * The one-line comment printed before defined function `funcidx`:
 * `// func 3 fib: type 1 [i32] -> [i32], body at 0x1a4 (52 bytes)\n` (the
 * name as in the name section; the body is the code entry from its locals to
 * its final `end`, offsets in the module).
 */
export function functionHeader(m: Module, ids: FuncIdentifiers, funcidx: number): string {
  const typeidx = m.funcTypes[funcidx];
  const t = m.types[typeidx];
  const k = funcidx - m.numImportedFuncs;
  const raw = ids.raw[funcidx];
  const name = raw === undefined ? '' : ' ' + commentText(raw);
  return `// func ${funcidx}${name}: type ${typeidx} ${funcTypeToString(t)}, body at 0x${m.bodyStart[k].toString(16)} (${m.bodyEnd[k] - m.bodyStart[k]} bytes)\n`;
}
