/**
 * Function splitting of interpreter loops (compiler/passes/split.ts
 * `dispatchLevels`): a `br_table` dispatch nest's arms become parts the
 * dispatch `switch` calls, and the split output computes what native
 * WebAssembly computes. The other dispatch cases are in split.test.ts.
 */
import { describe, it, expect } from 'vitest';
import { compile } from '../compiler/index.js';
import { importCode } from './util/load.js';
import { wat } from './util/wat.js';
import { functionsOf, partCalls, weights } from './util/emitted.js';

describe('function splitting: dispatch nests', () => {
  it('every arm of a dispatch nest becomes a part, even when the nest alone would fit', async () => {
    // Outlining only the heaviest arms (enough to bring the nest to half the weight) left light arms
    // inline in the dispatch function; one first reached after V8 had optimized it threw the code away
    // ("Insufficient type feedback"), and the dispatch part of SQLite's sqlite3VdbeExec was compiled 7
    // times in json_fts.sql. Here the function is heavy because of a straight-line prelude; the nest's
    // twelve arms weigh less than half the weight together, and each still becomes a part.
    const arms = 12;
    const blocks = Array.from({ length: arms }, (_, i) => `(block $c${i}`).join(' ');
    const table = Array.from({ length: arms }, (_, i) => `$c${i}`).join(' ');
    const arm = (i: number) =>
      `) (local.set $x (i32.add (i32.mul (local.get $x) (i32.const ${i + 3})) (local.get $pc)))
         (local.set $y (i32.xor (i32.rotl (local.get $y) (i32.const ${(i % 31) + 1})) (local.get $x)))
         (local.set $x (i32.sub (local.get $x) (i32.shr_s (local.get $y) (i32.const 3))))
         (local.set $y (i32.add (i32.mul (local.get $y) (i32.const ${2 * i + 1})) (local.get $x)))
         (local.set $x (i32.xor (i32.rotl (local.get $x) (i32.const ${(i % 29) + 2})) (local.get $y)))
         ${i % 2 ? '(br $next)' : ''}`;
    const prelude = Array.from({ length: 200 }, (_, i) =>
      `(local.set $y (i32.xor (i32.rotl (i32.add (local.get $y) (local.get $n)) (i32.const ${(i % 31) + 1})) (i32.const ${i * 2654435761 | 0})))`).join('\n');
    const text = String.raw`(module
      (func (export "interp") (param $n i32) (result i32) (local $pc i32) (local $x i32) (local $y i32)
        ${prelude}
        (loop $next
          (if (i32.ge_u (local.get $pc) (local.get $n)) (then (return (i32.add (local.get $x) (local.get $y)))))
          (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
          (block $out ${blocks}
            (br_table ${table} $out (i32.rem_u (i32.mul (local.get $pc) (i32.const 7)) (i32.const ${arms + 1})))
          ${Array.from({ length: arms }, (_, i) => arm(i)).join('\n')})
          (local.set $y (i32.add (local.get $y) (i32.const 1000)))
          (br $next))
        (local.get $x)))`;
    const bytes = wat(text);
    const native = (await WebAssembly.instantiate(bytes)).instance.exports as any;
    const max = 2000;
    const [whole] = weights(compile(bytes, { splitWeight: 0 }).code);
    expect(whole).toBeGreaterThan(max);
    const { code } = compile(bytes, { splitWeight: max });
    const fns = functionsOf(code);
    const main = fns.find((f) => !f.id.name.includes('$p'))!;
    const calls = partCalls(main.body.body);
    expect(new Set(calls).size).toBeGreaterThanOrEqual(arms);
    const kiln = (await importCode(code)).instantiate().exports;
    for (const n of [0, 1, 2, 13, 100, 1000]) expect(kiln.interp(n), `n=${n}`).toBe(native.interp(n));
  });
});
