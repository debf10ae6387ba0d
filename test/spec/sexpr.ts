/**
 * A small tokenizer and parser for the S-expressions of `.wast` scripts
 * (the script format of the WebAssembly spec test suite). It keeps source
 * offsets so that module text can be sliced out verbatim and handed to wabt.
 */

interface Span {
  /** Offset of the first character in the source. */
  start: number;
  /** Offset just past the last character. */
  end: number;
  /** 1-based line of `start`. */
  line: number;
}

/** A parenthesized list. Annotations `(@name …)` are lists whose first item is the atom `@name`. */
export interface SList extends Span {
  kind: 'list';
  items: SExpr[];
}

/** A keyword, number, identifier (`$x`, also `$"quoted"`) or other reserved token. */
export interface SAtom extends Span {
  kind: 'atom';
  text: string;
}

/** A string literal, decoded to its bytes (escapes resolved, other characters UTF-8 encoded). */
export interface SString extends Span {
  kind: 'string';
  bytes: Uint8Array;
}

export type SExpr = SList | SAtom | SString;

/** Error in the script's own syntax, with its line. */
export class ScriptSyntaxError extends Error {
  constructor(message: string, readonly line: number) {
    super(`line ${line}: ${message}`);
    this.name = 'ScriptSyntaxError';
  }
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** Decodes string bytes as UTF-8 (names of exports and registered modules). */
export function stringText(s: SString): string {
  return utf8Decoder.decode(s.bytes);
}

function isDelimiter(src: string, pos: number): boolean {
  const c = src[pos];
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '(' || c === ')' || c === '"' || (c === ';' && src[pos + 1] === ';');
}

/**
 * Parses a whole script into its top-level S-expressions. Handles line
 * comments `;;`, nested block comments `(; ;)`, strings with `\t \n \r \" \' \\ \hh \u{…}`
 * escapes, and quoted identifiers `$"…"`. Throws ScriptSyntaxError on unbalanced input.
 */
export function parseSExprs(src: string): SExpr[] {
  let pos = 0;
  let line = 1;
  const top: SExpr[] = [];
  const stack: SList[] = [];

  const push = (e: SExpr) => (stack.length ? stack[stack.length - 1].items.push(e) : top.push(e));

  const readString = (): Uint8Array => {
    // pos is at the opening quote
    const startLine = line;
    pos++;
    const out: number[] = [];
    for (;;) {
      if (pos >= src.length) throw new ScriptSyntaxError('unterminated string', startLine);
      const c = src[pos];
      if (c === '"') {
        pos++;
        return Uint8Array.from(out);
      }
      if (c === '\n') line++;
      if (c !== '\\') {
        const cp = src.codePointAt(pos)!;
        const n = cp > 0xffff ? 2 : 1;
        if (cp < 0x80) out.push(cp);
        else for (const b of utf8.encode(src.slice(pos, pos + n))) out.push(b);
        pos += n;
        continue;
      }
      const e = src[pos + 1];
      pos += 2;
      switch (e) {
        case 't': out.push(9); break;
        case 'n': out.push(10); break;
        case 'r': out.push(13); break;
        case '"': out.push(0x22); break;
        case "'": out.push(0x27); break;
        case '\\': out.push(0x5c); break;
        case 'u': {
          const close = src.indexOf('}', pos);
          if (src[pos] !== '{' || close < 0) throw new ScriptSyntaxError('bad \\u escape', line);
          const cp = parseInt(src.slice(pos + 1, close).replace(/_/g, ''), 16);
          for (const b of utf8.encode(String.fromCodePoint(cp))) out.push(b);
          pos = close + 1;
          break;
        }
        default: {
          const hex = src.slice(pos - 1, pos + 1);
          if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new ScriptSyntaxError(`bad escape \\${e}`, line);
          out.push(parseInt(hex, 16));
          pos++;
        }
      }
    }
  };

  while (pos < src.length) {
    const c = src[pos];
    if (c === '\n') { line++; pos++; continue; }
    if (c === ' ' || c === '\t' || c === '\r') { pos++; continue; }
    if (c === ';' && src[pos + 1] === ';') {
      const nl = src.indexOf('\n', pos);
      pos = nl < 0 ? src.length : nl;
      continue;
    }
    if (c === '(' && src[pos + 1] === ';') {
      const startLine = line;
      let depth = 0;
      do {
        if (pos >= src.length) throw new ScriptSyntaxError('unterminated block comment', startLine);
        if (src[pos] === '(' && src[pos + 1] === ';') { depth++; pos += 2; }
        else if (src[pos] === ';' && src[pos + 1] === ')') { depth--; pos += 2; }
        else { if (src[pos] === '\n') line++; pos++; }
      } while (depth > 0);
      continue;
    }
    if (c === '(') {
      const l: SList = { kind: 'list', items: [], start: pos, end: -1, line };
      push(l);
      stack.push(l);
      pos++;
      continue;
    }
    if (c === ')') {
      const l = stack.pop();
      if (!l) throw new ScriptSyntaxError('unexpected )', line);
      l.end = ++pos;
      continue;
    }
    const start = pos;
    const startLine = line;
    if (c === '"') {
      const bytes = readString();
      push({ kind: 'string', bytes, start, end: pos, line: startLine });
      continue;
    }
    do pos++;
    while (pos < src.length && !isDelimiter(src, pos));
    let text = src.slice(start, pos);
    if (text === '$' && src[pos] === '"') text += utf8Decoder.decode(readString());
    push({ kind: 'atom', text, start, end: pos, line: startLine });
  }
  if (stack.length) throw new ScriptSyntaxError('unclosed (', stack[stack.length - 1].line);
  return top;
}

/** The atom's text if `e` is an atom, else undefined. */
export function atomText(e: SExpr | undefined): string | undefined {
  return e?.kind === 'atom' ? e.text : undefined;
}

/** The head keyword of a list (`(i32.const 1)` → `'i32.const'`), else undefined. */
export function head(e: SExpr | undefined): string | undefined {
  return e?.kind === 'list' ? atomText(e.items[0]) : undefined;
}

/** Drops annotations `(@…)` at every depth (spans are kept, so source slices still include them). */
export function withoutAnnotations(e: SExpr): SExpr {
  if (e.kind !== 'list') return e;
  return { ...e, items: e.items.filter((x) => !head(x)?.startsWith('@')).map(withoutAnnotations) };
}
