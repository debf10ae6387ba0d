/**
 * Dense printing: astring's output without the spaces JS does not need.
 *
 * The default (not `pretty`) output keeps one statement a line but drops
 * every optional space: `dv.setInt32((l4>>>0)+32,l6,true);` for
 * `dv.setInt32((l4 >>> 0) + 32, l6, true);`. Spaces were 17% of the
 * characters of sqlite.wasm's output (README "The IR, and temporaries").
 *
 * How: every generator method first makes sure the state's `write` is
 * wrapped (the first call is the root node's). The wrapper holds back the
 * spaces of astring's punctuation and keywords (what it writes without a
 * node: `' = '`, `'if ('`, `'return '`) and writes one only where the
 * tokens on either side would otherwise run together (`needsSpace`). What
 * astring writes with a node (identifiers, literals, a string's spaces) is
 * written whole. Columns stay right for source maps: astring counts what
 * the wrapper passes on, and the wrapper writes nothing astring does not
 * see.
 */
import { GENERATOR } from 'astring';

type Write = (code: string, node?: unknown) => void;
type State = { write: Write; dense?: true };
type GenFn = (this: unknown, node: unknown, state: State) => void;

/** Identifier and number characters (`$`, `_`, digits, letters, anything outside ASCII). */
function isWord(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 36 || c === 95 || c > 127;
}

/**
 * Whether a space must separate `a`, the last character written, from `b`,
 * the next one: two words (`return x`, `case 1`, `x in y`); `+ +` and `- -`
 * (not `++`/`--`); `/ /` and `/ *` (not comments); `< !` and `- >`
 * (not the HTML-like comments `<!--` and `-->` of scripts, ECMA-262 B.1.1).
 */
function needsSpace(a: number, b: number): boolean {
  if (isWord(a)) return isWord(b);
  switch (a) {
    case 43: // +
      return b === 43;
    case 45: // -
      return b === 45 || b === 62;
    case 47: // /
      return b === 47 || b === 42;
    case 60: // <
      return b === 33;
    default:
      return false;
  }
}

function wrap(state: State): void {
  const write = state.write;
  let last = 10; // the character last written ('\n' at the start)
  let pending = false; // whether a space written after `last` was held back
  state.dense = true;
  state.write = function (this: State, code: string, node?: unknown) {
    const n = code.length;
    if (n === 0) {
      // A mapping (sourcemap.ts): a space held back stays held, so the output is the same with source maps and
      // without (where one would follow, the mapping points at it; mapped statements start their line or follow
      // a label, `L2:for(;;)`, where none does).
      write.call(this, code, node);
      return;
    }
    if (node !== undefined) {
      if (pending && needsSpace(last, code.charCodeAt(0))) write.call(this, ' ');
      pending = false;
      write.call(this, code, node);
      last = code.charCodeAt(n - 1);
      return;
    }
    let out = '';
    for (let i = 0; i < n; i++) {
      const c = code.charCodeAt(i);
      if (c === 32) {
        pending = true;
        continue;
      }
      if (pending) {
        if (needsSpace(last, c)) out += ' ';
        pending = false;
      }
      out += code[i];
      last = c;
    }
    if (out !== '') write.call(this, out);
  };
}

/**
 * `base` (an astring generator: astring's own or one wrapping it, such as
 * sourcemap.ts's) printing densely: the output parses to the same tree with
 * no space JS does not need. Pass it as `generate`'s `generator` with
 * `indent: ''`.
 */
export function denseGenerator<G>(base: G): G {
  const from = base as unknown as Record<string, GenFn>;
  const gen: Record<string, GenFn> = {};
  for (const type of Object.keys(from)) {
    const print = from[type]!;
    gen[type] = function (node, state) {
      if (state.dense !== true) wrap(state);
      print.call(this, node, state);
    };
  }
  // `true` as `!0` (`false` as `!1`), as minifiers write it: the output has 30,000-90,000 of them in a
  // large module (each DataView access's littleEndian argument). V8, SpiderMonkey and JavaScriptCore
  // fold `!0` to `true` when they parse it (V8's bytecode is `LdaTrue` either way), so SpiderMonkey
  // still inlines the DataView methods (it does not for `1`). The emitter builds boolean literals only
  // as call arguments, where the unary `!0` needs no parentheses.
  const literal = gen.Literal!;
  gen.Literal = function (node, state) {
    const value = (node as { value?: unknown }).value;
    if (typeof value !== 'boolean') return literal.call(this, node, state);
    if (state.dense !== true) wrap(state);
    state.write(value ? '!0' : '!1', node);
  };
  return gen as unknown as G;
}

/** astring's generator, dense. */
export const DENSE_GENERATOR = denseGenerator(GENERATOR);
