/**
 * Live variables before the split (compiler/passes/live.ts) on hand-written
 * statement lists: what is live at a statement's start and end across
 * loops, jumps, `switch` fall-through and `try`.
 */
import { describe, it, expect } from 'vitest';
import { parse } from 'acorn';
import { liveness, namesIn } from '../compiler/passes/live.js';

/** The parsed body of `function f() { <src> }` and the live sets of its statements, tracking `names`. */
function analyse(src: string, names: string[]) {
  const fn = (parse(`function f() { ${src} }`, { ecmaVersion: 'latest' }) as any).body[0];
  const live = liveness(fn.body.body, names);
  if (live === null) throw new Error('not analysed');
  const at = (s: any) => [...(namesIn(live, live.before.get(s)) ?? ['?'])].sort();
  const after = (s: any) => [...(namesIn(live, live.after.get(s)) ?? ['?'])].sort();
  return { body: fn.body.body, at, after };
}

describe('liveness', () => {
  it('straight-line code: a variable written before it is read is not live', () => {
    const { body, at, after } = analyse('a = b + 1; b = 2; c = a + b; return c;', ['a', 'b', 'c']);
    expect(at(body[0])).toEqual(['b']);
    expect(at(body[1])).toEqual(['a']);
    expect(after(body[1])).toEqual(['a', 'b']);
    expect(at(body[3])).toEqual(['c']);
  });

  it('a value carried round a loop is live at its head; a break lands after the loop', () => {
    const { body, at } = analyse('s = 0; L: for (;;) { if (i === 0) break L; t = i * 2; s = s + t; i = i - 1; } return s;', ['s', 'i', 't']);
    expect(at(body[0])).toEqual(['i']);
    expect(at(body[1])).toEqual(['i', 's']);
    const loopBody = body[1].body.body.body;
    expect(at(loopBody[0].consequent)).toEqual(['s']); // the break: live after the loop
    expect(at(loopBody[1])).toEqual(['i', 's']); // t is written before it is read
  });

  it('`var x;` assigns nothing, so it does not end what x holds', () => {
    const { body, at } = analyse('L: for (;;) { var x; if (x) break L; x = 1; } return 0;', ['x']);
    expect(at(body[0])).toEqual(['x']);
  });

  it('a loop whose body is a single statement, not a block', () => {
    const { body, at } = analyse('L: while (i) i = i - 1; return j;', ['i', 'j']);
    expect(at(body[0])).toEqual(['i', 'j']);
  });

  it('only a write that always runs kills: one inside `&&` or an if arm does not', () => {
    const { body, at } = analyse('c && (x = 1); if (d) { y = 2; } return x + y;', ['c', 'd', 'x', 'y']);
    expect(at(body[0])).toEqual(['c', 'd', 'x', 'y']);
    expect(at(body[1])).toEqual(['d', 'x', 'y']);
  });

  it('switch cases fall through; with no default the switch may run none', () => {
    const { body, at } = analyse('L: switch (k) { case 0: a = 1; case 1: b = a; break L; } return b;', ['k', 'a', 'b']);
    expect(at(body[0])).toEqual(['a', 'b', 'k']);
    const cases = body[0].body.cases;
    expect(at(cases[1].consequent[0])).toEqual(['a']);
  });

  it('what a catch or finally block reads is live throughout the try block', () => {
    const { body, at } = analyse('try { x = 1; y = f(); } catch (e) { return z; } return y;', ['x', 'y', 'z']);
    const block = body[0].block.body;
    expect(at(block[0])).toEqual(['z']);
    expect(at(block[1])).toEqual(['z']);
  });

  it('a register slot write reads the register file', () => {
    const { body, at } = analyse('R[3] = a; return 0;', ['R', 'a']);
    expect(at(body[0])).toEqual(['R', 'a']);
  });

  it('gives up (null) on a closure, which may read a variable later than where it is made', () => {
    const fn = (parse('function f() { g = () => x; x = 1; g(); }', { ecmaVersion: 'latest' }) as any).body[0];
    expect(liveness(fn.body.body, ['x', 'g'])).toBeNull();
  });

  it('gives up (null) on a jump it cannot place', () => {
    const fn = (parse('function f() { for (;;) { break; } }', { ecmaVersion: 'latest' }) as any).body[0];
    expect(liveness(fn.body.body, [])).toBeNull();
  });
});
