/**
 * Dense printing (compiler/emit/dense.ts): the default output drops every
 * space JS does not need and must still parse to the same program as the
 * `pretty` output, with source maps or without.
 */
import * as acorn from 'acorn';
import { generate } from 'astring';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from './util/wasm-names.js';
import { DENSE_GENERATOR } from '../compiler/emit/dense.js';
import { ROOT, SHARED } from './util/load.js';
import { wat } from './util/wat.js';

/** `!0` and `!1` (the dense output's `true` and `false`) as the literals they stand for. */
function bool(v: any): unknown {
  const n = v.argument;
  return n.type === 'Literal' && (n.value === 0 || n.value === 1) ? { type: 'Literal', value: n.value === 0 } : v;
}

/**
 * The tree of `code` without positions, raw texts or comments, `!0` read as `true`: what two
 * printings of one program share.
 */
function shape(code: string, sourceType: 'script' | 'module' = 'module'): unknown {
  const ast = acorn.parse(code, { ecmaVersion: 'latest', sourceType });
  const replacer = (k: string, v: any) => {
    if (k === 'start' || k === 'end' || k === 'raw') return undefined;
    if (typeof v === 'bigint') return `${v}n`;
    return v !== null && v.type === 'UnaryExpression' && v.operator === '!' ? bool(v) : v;
  };
  return JSON.parse(JSON.stringify(ast, replacer));
}

const dense = (src: string) => generate(acorn.parse(src, { ecmaVersion: 'latest' }) as never, { indent: '', generator: DENSE_GENERATOR });

describe('dense printing', () => {
  it('keeps the spaces that separate tokens, and only those', () => {
    const cases: [string, string][] = [
      ['a - -b;', 'a- -b;'],
      ['a + +b;', 'a+ +b;'],
      ['a - --b;', 'a- --b;'],
      ['a + ++b;', 'a+ ++b;'],
      ['a++ + b;', 'a++ +b;'],
      ['a - -1;', 'a- -1;'],
      ['x < !--y;', 'x< !--y;'], // not `<!--`, an HTML-like comment in a script (ECMA-262 B.1.1)
      ['a-- > b;', 'a-- >b;'], // not `-->`
      ['x = typeof y;', 'x=typeof y;'],
      ['x = a in b;', 'x=(a in b);'],
      ['x = void 0;', 'x=void 0;'],
      ['x = new F(1, 2);', 'x=new F(1,2);'],
      ['x = "a  b" + c;', 'x="a  b"+c;'],
      ['let x = 1, y = -2;', 'let x=1,y=-2;'],
      ['if (a) b(); else c();', 'if(a)b();else c();'],
      ['L1: for (;;) { if (a) break L1; continue L1; }', 'L1:for(;;){\nif(a)break L1;\ncontinue L1;\n}'],
      ['do x(); while (y);', 'do x();while(y);'],
      ['x = a ? -1 : +b;', 'x=a?-1:+b;'],
      ['switch (a) { case -1: b(); }', 'switch(a){\ncase-1:\nb();\n}'],
      ['function f(a, b) { return -a; }', 'function f(a,b){\nreturn-a;\n}'],
      ['x = a / b / c;', 'x=a/b/c;'],
      ['dv.setInt32(a, b, true);', 'dv.setInt32(a,b,!0);'], // as minifiers write it; engines fold `!0` when parsing
      ['f(false);', 'f(!1);'],
    ];
    for (const [src, want] of cases) {
      const out = dense(src).trimEnd();
      expect(out, src).toBe(want);
      expect(shape(out, 'script'), src).toEqual(shape(src, 'script'));
    }
  });

  it('prints the program the pretty output prints, with source maps or without', () => {
    const mods: Uint8Array[] = [
      wat(`(module (memory 1) (table 2 funcref) (global $g (mut i32) (i32.const -5))
        (func $neg (export "neg") (param i32 i64 f32 f64) (result f64)
          (f64.sub (f64.neg (local.get 3)) (f64.promote_f32 (f32.neg (local.get 2)))))
        (func (export "sub") (param i32 i32) (result i32)
          (i32.sub (local.get 0) (i32.sub (i32.const 0) (local.get 1))))
        (func (export "loop") (param i32) (result i32) (local i32)
          (block $out (loop $top
            (br_if $out (i32.lt_s (local.get 0) (i32.const -1)))
            (local.set 1 (i32.add (local.get 1) (i32.load offset=8 (local.get 0))))
            (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
            (br_if $top (i32.gt_s (local.get 0) (global.get $g)))))
          (local.get 1)))`),
    ];
    const kernels = SHARED === null ? null : join(SHARED, 'bench/build/all.wasm');
    if (kernels !== null && existsSync(kernels)) mods.push(new Uint8Array(readFileSync(kernels)));
    mods.push(new Uint8Array(readFileSync(join(ROOT, 'test/fixtures/sourcemap/trap.wasm'))));
    for (const bytes of mods) {
      for (const o of [{}, { tune: 'hermes' as const }, { fuel: true, splitWeight: 40 }, { i64: 'pair' as const }]) {
        const opts = { ...o, runtime: 'import' as const };
        const code = compile(bytes, opts).code;
        const pretty = compile(bytes, { ...opts, pretty: true }).code;
        expect(code.length).toBeLessThan(pretty.length * 0.95);
        expect(shape(code)).toEqual(shape(pretty));
        expect(compile(bytes, { ...opts, sourceMap: true }).code.replace(/\n\/\/# sourceMappingURL=.*\n?$/, '\n')).toBe(code);
      }
    }
  });
});
