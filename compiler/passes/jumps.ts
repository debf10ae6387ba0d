/**
 * Bare jumps: `if (c) { break L2; }` becomes `if (c) break L2;`. The lowering
 * wraps every `if` arm in a block; an arm that is one `break`, `continue` or
 * `return` reads as well without it, and SQLite's output has some 43,000 of
 * them (two lines and four bytes each). The last ESTree pass: the earlier ones
 * rely on blocks (statements.ts `childLists` makes them again).
 */
import type { Stmt } from '../lower/ast.js';
import { childLists } from './statements.js';

const JUMPS = new Set(['BreakStatement', 'ContinueStatement', 'ReturnStatement']);

/**
 * Unwraps, in place, every `if` without `else` (anywhere in `s`) whose arm is
 * a block of one jump located at the `if`'s own instruction, or not located.
 */
export function bareJumps(s: Stmt): void {
  if (s.type === 'LabeledStatement') return bareJumps(s.body);
  if (s.type === 'FunctionDeclaration') {
    for (const x of s.body.body) bareJumps(x);
    return;
  }
  for (const list of childLists(s)) for (const x of list) bareJumps(x);
  if (s.type !== 'IfStatement' || s.alternate !== null || s.consequent.body.length !== 1) return;
  const jump = s.consequent.body[0];
  if (!JUMPS.has(jump.type)) return;
  // Printed on the `if`'s line, the jump must not carry a source-map position of its own: one that
  // is the `if`'s (the same instruction, as a `br_if` lowers) is dropped; another keeps the block.
  if (jump.loc != null) {
    if (s.loc?.start.column !== jump.loc.start.column) return;
    delete jump.loc;
  }
  s.consequent = jump;
}
