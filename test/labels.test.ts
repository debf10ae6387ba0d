/**
 * compiler/passes/labels.ts: jumps to the innermost loop (or switch) lose
 * their label, loops no jump names lose theirs, statements after a jump and
 * a `continue` where the loop body ends anyway are dropped; and the output
 * computes what native WebAssembly computes.
 */
import { describe, it, expect } from 'vitest';
import * as acorn from 'acorn';
import { generate } from 'astring';
import { compile, type CompileOptions } from '../compiler/index.js';
import { plainJumps } from '../compiler/passes/labels.js';
import { importCode } from './util/load.js';
import { wat } from './util/wat.js';

/** `js` (a function declaration) after the pass, printed compactly. */
function pass(js: string): string {
  const fn = (acorn.parse(js, { ecmaVersion: 2022 }) as any).body[0];
  plainJumps(fn);
  return generate(fn).replace(/\s+/g, ' ');
}

/** `js` printed as `pass` prints. */
function same(js: string): string {
  return generate((acorn.parse(js, { ecmaVersion: 2022 }) as any).body[0]).replace(/\s+/g, ' ');
}

describe('labels only where a jump needs one', () => {
  it('drops the label of a jump to the innermost loop, and of a loop no jump names', () => {
    expect(pass('function f(a) { L1: for (;;) { a = a - 1 | 0; if (a & 1) { continue L1; } if (a) { break L1; } a = 7; } return a; }'))
      .toBe(same('function f(a) { for (;;) { a = a - 1 | 0; if (a & 1) { continue; } if (a) { break; } a = 7; } return a; }'));
    // The outer loop keeps its label: the inner one's `continue L1` needs it.
    expect(pass('function f(a) { L1: for (;;) { L2: for (;;) { if (a) { continue L1; } break L2; } a = 1; break L1; } return a; }'))
      .toBe(same('function f(a) { L1: for (;;) { for (;;) { if (a) { continue L1; } break; } a = 1; break; } return a; }'));
    expect(pass('function f(a) { L1: do { a = a - 1 | 0; if (a & 4) { continue L1; } a = a >> 1; } while (a); return a; }'))
      .toBe(same('function f(a) { do { a = a - 1 | 0; if (a & 4) { continue; } a = a >> 1; } while (a); return a; }'));
  });

  it('keeps the label of a break out of a loop from inside a switch, and of a block', () => {
    for (const js of [
      'function f(a) { L1: for (;;) { switch (a) { case 1: break L1; default: a = 1; } } return a; }',
      'function f(a) { L1: { if (a) { break L1; } a = 2; } return a; }',
    ]) expect(pass(js), js).toBe(same(js));
    // A block is no target of a bare `break`: one to the loop around it needs no label.
    expect(pass('function f(a) { L1: for (;;) { L2: { if (a) { break L2; } break L1; } a = 0; } return a; }'))
      .toBe(same('function f(a) { for (;;) { L2: { if (a) { break L2; } break; } a = 0; } return a; }'));
    // A break out of the switch itself needs no label.
    expect(pass('function f(a) { L1: switch (a) { case 1: a = 3; break L1; default: a = 1; } return a; }'))
      .toBe(same('function f(a) { switch (a) { case 1: a = 3; break; default: a = 1; } return a; }'));
  });

  it('drops statements after a jump unless one declares something, and a continue where the body ends anyway', () => {
    expect(pass('function f(a) { L1: for (;;) { a = a + 1 | 0; if (a < 9) { a = a * 2; continue L1; } break L1; a = 5; } return a; }'))
      .toBe(same('function f(a) { for (;;) { a = a + 1 | 0; if (a < 9) { a = a * 2; continue; } break; } return a; }'));
    expect(pass('function f(a) { L1: do { a = a - 1 | 0; if (a & 1) { a = a - 2 | 0; continue L1; } else { a = a + 0; } } while (a > 0); return a; }'))
      .toBe(same('function f(a) { do { a = a - 1 | 0; if (a & 1) { a = a - 2 | 0; } else { a = a + 0; } } while (a > 0); return a; }'));
    expect(pass('function f(a) { L1: for (;;) { L2: { if (a) { break L2; } a = 1; continue L1; } a = 2; continue L1; break L1; } }'))
      .toBe(same('function f(a) { for (;;) { L2: { if (a) { break L2; } a = 1; continue; } a = 2; } }'));
    const js = 'function f(a) { if (a) { return 1; var b = 2; } return b; }';
    expect(pass(js)).toBe(same(js));
  });

  // Loops restarted from nested blocks, from a switch (br_table), left from inner loops; the flat form too.
  const MODULE = wat(String.raw`(module
    (func (export "walk") (param i32) (result i32) (local i32 i32)
      (loop $o
        (local.set 2 (i32.const 0))
        (loop $i
          (local.set 1 (i32.add (local.get 1) (local.get 2)))
          (local.set 2 (i32.add (local.get 2) (i32.const 1)))
          (br_if $o (i32.gt_u (local.get 1) (i32.const 5000)))
          (block $b
            (br_if $b (i32.and (local.get 2) (i32.const 1)))
            (br_if $i (i32.lt_u (local.get 2) (local.get 0))))
          (br_if $i (i32.lt_u (local.get 2) (i32.const 3))))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br_if $o (i32.gt_s (local.get 0) (i32.const 0))))
      (local.get 1))
    (func (export "table") (param i32) (result i32) (local i32)
      (loop $l
        (block $c (block $b (block $a
          (br_table $a $b $c (i32.rem_u (local.get 0) (i32.const 3))))
          (local.set 1 (i32.add (local.get 1) (i32.const 1)))
          (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
          (br $l))
          (local.set 1 (i32.mul (local.get 1) (i32.const 3)))
          (local.set 0 (i32.sub (local.get 0) (i32.const 2)))
          (br_if $l (i32.gt_s (local.get 0) (i32.const 0))))
        (local.set 1 (i32.add (local.get 1) (i32.const 100))))
      (local.get 1)))`);

  it('compute what native WebAssembly computes, in every form', async () => {
    const names = ['walk', 'table'];
    const args = [0, 1, 2, 5, 17, 100, 1000];
    const native = new WebAssembly.Instance(new WebAssembly.Module(MODULE)).exports as Record<string, (a: number) => number>;
    const want = names.flatMap((n) => args.map((a) => native[n]!(a)));
    for (const opts of [{}, { tune: 'hermes' }, { fuel: true }, { splitWeight: 8 }, { flatDepth: 0 }] as CompileOptions[]) {
      const { code } = compile(MODULE, opts);
      if (Object.keys(opts).length === 0) expect(/\bcontinue;/.test(code) && /\bbreak;/.test(code)).toBe(true);
      const { instantiate } = (await importCode(code)) as { instantiate: (i?: object, o?: object) => { exports: Record<string, (a: number) => number> } };
      const x = instantiate({}, opts.fuel ? { fuel: 1e12 } : {}).exports;
      expect(names.flatMap((n) => args.map((a) => x[n]!(a))), JSON.stringify(opts)).toEqual(want);
    }
  });
});
