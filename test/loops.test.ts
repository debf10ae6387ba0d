/**
 * compiler/passes/loops.ts: a loop that tests at its end becomes a
 * `do`-`while`, only where nothing else restarts it, and computes what
 * native WebAssembly computes.
 */
import { describe, it, expect } from 'vitest';
import * as acorn from 'acorn';
import { generate } from 'astring';
import { type CompileOptions } from '../compiler/index.js';
import { compile } from './util/wasm-names.js';
import { doWhileLoops, whileLoops } from '../compiler/passes/loops.js';
import { importCode } from './util/load.js';
import { wat } from './util/wat.js';

/** `js` (a function declaration) after the pass (`doWhileLoops` unless given), printed compactly. */
function pass(js: string, run = doWhileLoops): string {
  const fn = (acorn.parse(js, { ecmaVersion: 2022 }) as any).body[0];
  run(fn);
  return generate(fn).replace(/\s+/g, ' ');
}

describe('loops that test at their end', () => {
  it('become do-while loops, nested ones too, and keep their breaks', () => {
    expect(pass('function f(a) { L1: for (;;) { a = a + 1 | 0; if (a < 10) continue L1; break L1; } return a; }'))
      .toBe('function f(a) { L1: do { a = a + 1 | 0; } while (a < 10); return a; }');
    expect(pass('function f(a, b) { L1: for (;;) { L2: for (;;) { b = b - 1 | 0; if (b) { continue L2; } break L2; } if (a & 1) { break L1; } a = a - 1 | 0; if (a) continue L1; break L1; } return a + b; }'))
      .toBe('function f(a, b) { L1: do { L2: do { b = b - 1 | 0; } while (b); if (a & 1) { break L1; } a = a - 1 | 0; } while (a); return a + b; }');
  });

  it('are left alone where something else restarts them, or the test would leave the body\'s scope', () => {
    // (Written with blocks round every arm, as the lowering makes them: the pass's walk adds the missing ones.)
    for (const js of [
      'function f(a) { L1: for (;;) { if (a > 5) { a = 0; continue L1; } a = a + 1; if (a < 10) { continue L1; } break L1; } return a; }',
      'function f(a) { L1: for (;;) { L2: { if (a > 5) { continue L1; } } a = a + 1; if (a < 10) { continue L1; } break L1; } return a; }',
      'function f(a) { L1: for (;;) { L2: for (;;) { if (a) { continue; } break L2; } if (a < 10) { continue L1; } break L1; } return a; }',
      'function f(a) { L1: for (;;) { let b = a + 1; a = b; if (b < 10) { continue L1; } break L1; } return a; }',
      'function f(a) { L1: for (;;) { a = a + 1; if (a < 10) { continue L1; } } return a; }',
      'function f(a) { L1: for (;;) { a = a + 1; if (a < 10) { continue L1; } else { a = 0; } break L1; } return a; }',
      'function f(a) { L1: for (;;) { a = a + 1; if (a < 10) { break L1; } break L1; } return a; }',
    ]) {
      const before = generate((acorn.parse(js, { ecmaVersion: 2022 }) as any).body[0]).replace(/\s+/g, ' ');
      expect(pass(js), js).toBe(before);
    }
  });

  it('test at their head: an `if` arm that restarts the loop or leaves it becomes a while loop, else they are left alone', () => {
    expect(pass('function f(a) { L1: for (;;) { if (a < 10) { a = a + 1 | 0; continue L1; } break L1; } return a; }', whileLoops))
      .toBe('function f(a) { L1: while (a < 10) { a = a + 1 | 0; } return a; }');
    expect(pass('function f(a) { L1: for (;;) { if (a) { if (a & 1) { continue L1; } return a; } break L1; } return 0; }', whileLoops))
      .toBe('function f(a) { L1: while (a) { if (a & 1) { continue L1; } return a; } return 0; }');
    for (const js of [
      'function f(a) { L1: for (;;) { if (a) { a = a - 1 | 0; } break L1; } return a; }',
      'function f(a) { L1: for (;;) { a = a - 1 | 0; if (a) { continue L1; } break L1; } return a; }',
      'function f(a) { L1: for (;;) { if (a) { a = 0; continue L1; } else { a = 1; } break L1; } return a; }',
      'function f(a) { L1: for (;;) { if (a) { a = 0; continue L1; } } return a; }',
    ]) {
      const before = generate((acorn.parse(js, { ecmaVersion: 2022 }) as any).body[0]).replace(/\s+/g, ' ');
      expect(pass(js, whileLoops), js).toBe(before);
    }
  });

  // Loops with the test at the end, in the middle (a br_if restarting from inside a block), nested, with values.
  const MODULE = wat(String.raw`(module
    (func (export "count") (param i32) (result i32) (local i32)
      (loop $l (local.set 1 (i32.add (local.get 1) (i32.const 3))) (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
      (local.get 1))
    (func (export "middle") (param i32) (result i32) (local i32)
      (loop $l
        (local.set 1 (i32.add (local.get 1) (i32.const 2)))
        (block $b (br_if $b (i32.and (local.get 1) (i32.const 1))) (br_if $l (i32.lt_u (local.get 1) (i32.const 50))))
        (local.set 1 (i32.add (local.get 1) (i32.const 100)))
        (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
      (local.get 1))
    (func (export "nested") (param i32) (result i32) (local i32 i32 i32)
      (loop $o
        (local.set 2 (i32.const 0))
        (loop $i
          (local.set 3 (i32.add (local.get 3) (i32.mul (local.get 1) (local.get 2))))
          (local.set 2 (i32.add (local.get 2) (i32.const 1)))
          (br_if $i (i32.lt_u (local.get 2) (local.get 1))))
        (local.set 1 (i32.add (local.get 1) (i32.const 1)))
        (br_if $o (i32.lt_u (local.get 1) (local.get 0))))
      (local.get 3))
    (func (export "head") (param i32) (result i32) (local i32)
      (loop $l
        (if (i32.lt_u (local.get 1) (local.get 0)) (then
          (local.set 1 (i32.add (local.get 1) (i32.const 3)))
          (br_if $l (i32.and (local.get 1) (i32.const 1)))
          (local.set 1 (i32.add (local.get 1) (i32.const 10)))
          (br $l))))
      (local.get 1))
    (func (export "value") (param i32) (result i32)
      (loop $l (result i32)
        (local.set 0 (i32.sub (local.get 0) (i32.const 7)))
        (i32.mul (local.get 0) (i32.const 2))
        (br_if $l (i32.gt_s (local.get 0) (i32.const 0))))))`);

  it('compute what native WebAssembly computes, in every form', async () => {
    const names = ['count', 'middle', 'nested', 'head', 'value'];
    const args = [0, 1, 2, 5, 17, 100, 1000];
    const native = new WebAssembly.Instance(new WebAssembly.Module(MODULE)).exports as Record<string, (a: number) => number>;
    const want = names.flatMap((n) => args.map((a) => native[n]!(a)));
    for (const opts of [{}, { tune: 'hermes' }, { fuel: true }, { splitWeight: 8 }, { flatDepth: 0 }] as CompileOptions[]) {
      const { code } = compile(MODULE, opts);
      if (opts.flatDepth === undefined && opts.splitWeight === undefined) {
        expect(code, JSON.stringify(opts)).toContain('}while(');
      }
      // The loop tested at its head (no fuel charge before its `if`).
      if (Object.keys(opts).length === 0) expect(/\bwhile\(l1>>>0<l0>>>0\)\{/.test(code)).toBe(true);
      const { instantiate } = (await importCode(code)) as { instantiate: (i?: object, o?: object) => { exports: Record<string, (a: number) => number> } };
      const x = instantiate({}, opts.fuel ? { fuel: 1e12 } : {}).exports;
      expect(names.flatMap((n) => args.map((a) => x[n]!(a))), JSON.stringify(opts)).toEqual(want);
    }
  });
});
