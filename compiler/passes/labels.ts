/**
 * Labels only where a jump needs one. The lowering labels every loop and
 * block and every jump (`continue L3;`, `break L3;`); a `continue` to the
 * innermost loop around it, or a `break` to the innermost loop or `switch`
 * around it, means the same without its label, and a loop or `switch` no
 * jump names any more loses its label. Statements after a jump in the same
 * list never run (`continue L3; break L3;`, the lowering's exit after a
 * loop body that restarts it) and are dropped, unless one declares
 * something, and so is a `continue` where the loop's body ends anyway. In
 * sql.js's output: 3,500 labels of jumps, 2,000 of loops, 500 dead
 * statements and 500 last `continue`s, 33 KB with loops.ts `whileLoops`.
 * Run after the passes that look for labelled jumps (loops.ts) and before
 * `bareJumps` (which unwraps the arms this pass may leave holding one jump).
 */
import type { Stmt } from '../lower/ast.js';
import { childLists, ENDS, LOOPS } from './statements.js';

const DECLARATIONS = new Set(['VariableDeclaration', 'FunctionDeclaration', 'ClassDeclaration']);

/**
 * Drops a `continue` that restarts the loop whose body ends with `list` from
 * where the body would end anyway: last in the list, or last in an arm of
 * an `if` or a block that ends it (only an unlabelled one: this pass has
 * taken the label off every `continue` to the innermost loop).
 */
function dropLastContinue(list: Stmt[]): void {
  const last = list[list.length - 1];
  if (last === undefined) return;
  if (last.type === 'ContinueStatement' && last.label == null) list.pop();
  else if (last.type === 'IfStatement' || last.type === 'BlockStatement') for (const l of childLists(last)) dropLastContinue(l);
  else if (last.type === 'LabeledStatement' && last.body.type === 'BlockStatement') dropLastContinue(last.body.body);
}

/** Rewrites, in place, the jumps, labels and dead statements of function declaration `fn` (see the file comment). */
export function plainJumps(fn: Stmt): void {
  // Jumps still naming each label in scope; the label on each loop or switch.
  const uses = new Map<string, number>();
  const labelOf = new Map<Stmt, string>();
  const unused = new Set<Stmt>();

  // `brk`: the innermost loop or switch around `s`, `cont` the innermost loop.
  const visit = (s: Stmt, brk: Stmt | null, cont: Stmt | null): void => {
    switch (s.type) {
      case 'BreakStatement':
      case 'ContinueStatement': {
        const name: string | undefined = s.label?.name;
        if (name === undefined) return;
        const target = s.type === 'BreakStatement' ? brk : cont;
        if (target !== null && labelOf.get(target) === name) s.label = null;
        else uses.set(name, (uses.get(name) ?? 0) + 1);
        return;
      }
      case 'LabeledStatement': {
        const name: string = s.label.name;
        const outer = uses.get(name);
        uses.set(name, 0);
        labelOf.set(s.body, name);
        visit(s.body, brk, cont);
        if (uses.get(name) === 0) unused.add(s);
        if (outer === undefined) uses.delete(name);
        else uses.set(name, outer);
        return;
      }
      case 'SwitchStatement':
        brk = s;
        break;
      default:
        if (LOOPS.has(s.type)) brk = cont = s;
    }
    for (const list of childLists(s)) visitList(list, brk, cont);
    if (LOOPS.has(s.type)) dropLastContinue(s.body.body);
  };

  const visitList = (list: Stmt[], brk: Stmt | null, cont: Stmt | null): void => {
    const end = list.findIndex((x) => ENDS.has(x.type));
    if (end >= 0 && end < list.length - 1 && !list.slice(end + 1).some((x) => DECLARATIONS.has(x.type))) list.length = end + 1;
    for (let i = 0; i < list.length; i++) {
      const x = list[i];
      visit(x, brk, cont);
      // A loop or switch no jump names any more loses its label (a block keeps it: it is rare, and its
      // contents would have to move into the list).
      if (unused.has(x) && (LOOPS.has(x.body.type) || x.body.type === 'SwitchStatement')) list[i] = x.body;
    }
  };

  if (fn.type === 'FunctionDeclaration') visitList(fn.body.body, null, null);
}
