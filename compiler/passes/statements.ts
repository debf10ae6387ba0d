/**
 * Statement-list structure of the ESTree the lowering emits, shared by the
 * passes (passes/split.ts, passes/split-vars.ts).
 */
import * as A from '../lower/ast.js';
import type { Node, Stmt } from '../lower/ast.js';

/**
 * The statement lists directly inside `s` (the body of an `if` or loop that is
 * not a block is made one first). A labelled statement has none: its body is
 * one statement, visited on its own.
 */
export function childLists(s: Stmt): Stmt[][] {
  switch (s.type) {
    case 'BlockStatement':
      return [s.body];
    case 'IfStatement':
      if (s.consequent.type !== 'BlockStatement') s.consequent = A.block([s.consequent]);
      if (s.alternate !== null && s.alternate.type !== 'BlockStatement') s.alternate = A.block([s.alternate]);
      return s.alternate === null ? [s.consequent.body] : [s.consequent.body, s.alternate.body];
    case 'ForStatement':
    case 'WhileStatement':
    case 'DoWhileStatement':
      if (s.body.type !== 'BlockStatement') s.body = A.block([s.body]);
      return [s.body.body];
    case 'SwitchStatement':
      return s.cases.map((c: Node) => c.consequent);
    case 'TryStatement':
      return [s.block.body, ...(s.handler ? [s.handler.body.body] : []), ...(s.finalizer ? [s.finalizer.body] : [])];
    default:
      return NONE;
  }
}

/** Statements after which the rest of a statement list never runs. */
export const ENDS: ReadonlySet<string> = new Set(['BreakStatement', 'ContinueStatement', 'ReturnStatement', 'ThrowStatement']);

/** The loop statement kinds (their bodies are the lists a `continue` restarts). */
export const LOOPS: ReadonlySet<string> = new Set(['ForStatement', 'WhileStatement', 'DoWhileStatement']);

/** What childLists returns for a statement without lists (shared: callers only read it). */
const NONE: Stmt[][] = [];
