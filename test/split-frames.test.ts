/**
 * Split functions' frames (compiler/passes/split-vars.ts `frame`): the
 * object the parts share their variables through. Field representations,
 * the constructor that makes frames of 128 fields or more, the cap past
 * which parts stay closures, and the frame kept for a function's next call.
 * Each case compares with native WebAssembly.
 */
import { describe, it, expect } from 'vitest';
import { compile } from './util/wasm-names.js';
import { importCode } from './util/load.js';
import { wat } from './util/wat.js';
import { outcome } from './util/outcome.js';
import { parse } from 'acorn';

describe('split function frames', () => {
  it('f32/f64 frame fields start as doubles, with the values wasm gives them (+0, and the parameters as passed)', async () => {
    // The maker writes -0 then the value: a double field from the first frame on, so a fraction stored
    // later does not change the frames' shape (sort.lua migrated 308,791 frames made in the old shape).
    const work = Array.from({ length: 12 }, (_, i) => `(local.set $z (f64.add (f64.mul (local.get $z) (f64.const 0.5)) (f64.convert_i32_s (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const ${i + 1})))
      (local.set $f (f32.add (local.get $f) (f32.const 0.25)))`).join('\n');
    const text = `(module (func (export "f") (param $p f64) (param $q f32) (result i64 f64 f64 f32 f64 f32) (local $i i32) (local $z f64) (local $u f64) (local $f f32) (local $g f32)
      (block $b (br_if $b (i32.eqz (i32.trunc_f64_s (local.get $p)))) ${work})
      (i64.reinterpret_f64 (local.get $u)) (f64.div (f64.const 1) (local.get $u)) (local.get $p) (local.get $q) (local.get $z) (local.get $g)))`;
    const bytes = wat(text);
    const native = (await WebAssembly.instantiate(bytes)).instance.exports as any;
    for (const opts of [{ splitWeight: 40 }, { splitWeight: 40, fuel: true }]) {
      const { code } = compile(bytes, opts);
      expect(code, JSON.stringify(opts)).toMatch(/const fr\$=\{[^}]*:-0[,\s]/);
      expect(code, JSON.stringify(opts)).toMatch(/fr\$\.l0=l0;/);
      const kiln = (await importCode(code)).instantiate().exports;
      for (const [p, q] of [[0, 0], [-0, -0], [3.75, 1.5], [-2.5, -0.125], [1e9, 3e38]]) {
        const a = kiln.f(p, q);
        const b = native.f(p, q);
        expect(a.length).toBe(b.length);
        for (let i = 0; i < b.length; i++) expect(Object.is(a[i], b[i]), `${JSON.stringify(opts)} f(${p}, ${q})[${i}]: ${a[i]} vs ${b[i]}`).toBe(true);
      }
    }
  });

  // A frame object of thousands of fields made on every call exhausted Hermes's heap
  // (skip-stack-guard-page.wast); past 504 shared variables the parts stay closures. From 128 on
  // the frame is made by a constructor: V8 gave each object literal that large a map of its own
  // (QuickJS's interpreter: every field access megamorphic). Past 252 fields V8 keeps the rest
  // out of the object, still fast (rapier2d's solver shares 384).
  for (const [n, how] of [[160, 'a frame made by a constructor'], [400, 'a frame made by a constructor'], [600, 'closure parts']] as const) {
    it(`a function whose parts share ${n} variables gets ${how}, and computes the same`, async () => {
      const locals = Array.from({ length: n }, (_, i) => `(local $v${i} i32)`).join(' ');
      // Each variable's old value is read, so the first chain's values are live into the second:
      // the parts must share them all (only variables live across a part's ends travel: live.ts).
      const chain = Array.from({ length: n }, (_, i) =>
        `(local.set $v${i} (i32.add (i32.mul (local.get $v${i}) (i32.const ${2 * i + 3})) (i32.add (local.get $v${(i + n - 1) % n}) (local.get $p))))`).join('\n');
      // The xor of all, in the linear form (nested, 300 deep, it aborted wabt's parser).
      const sum = Array.from({ length: n }, (_, i) => `local.get $v${(i * 7) % n}${i > 0 ? ' i32.xor' : ''}`).join('\n');
      const bytes = wat(`(module (func (export "f") (param $p i32) (result i32) ${locals} ${chain} ${chain} ${sum}))`);
      const native = (await WebAssembly.instantiate(bytes)).instance.exports as any;
      for (const splitWeight of [300, 3000]) {
        const { code } = compile(bytes, { splitWeight });
        const inst = (parse(code, { ecmaVersion: 'latest', sourceType: 'module' }) as any).body
          .find((d: any) => d.type === 'FunctionDeclaration' && d.id.name === 'instantiate').body.body;
        const main = inst.find((d: any) => d.type === 'FunctionDeclaration' && d.id.name === 'f0');
        const closures = main.body.body.some((d: any) => d.type === 'FunctionDeclaration' && /^f0\$p\d+$/.test(d.id.name));
        expect(closures, `splitWeight ${splitWeight}`).toBe(n > 504);
        if (n <= 504) {
          expect(code).toMatch(/fr\$=new f0\$fr\(l0\);/);
          const maker = inst.find((d: any) => d.type === 'FunctionDeclaration' && d.id.name === 'f0$fr');
          expect(maker.body.body.length).toBeGreaterThanOrEqual(128);
          expect(maker.body.body.every((s: any) => s.expression?.left?.object?.type === 'ThisExpression')).toBe(true);
        } else expect(code).not.toMatch(/fr\$/);
        const kiln = (await importCode(code)).instantiate().exports;
        for (const x of [0, 1, -5, 123456789]) expect(kiln.f(x), `splitWeight ${splitWeight}`).toBe(native.f(x));
      }
    });
  }

  it('a frame kept for the next call starts it as a new one would: locals zero, recursion and traps', async () => {
    // Frames of 128 fields or more are kept when a call ends (split-vars.ts `frame`); the next call
    // resets what is read before written. A call that sets $v0 and $v159 first and one that does not
    // (it must read zeros), recursion (a new frame while the kept one is in use), and a trap in between.
    const n = 160;
    const locals = Array.from({ length: n }, (_, i) => `(local $v${i} i32)`).join(' ');
    const chain = Array.from({ length: n }, (_, i) =>
      `(local.set $v${i} (i32.add (i32.mul (local.get $v${i}) (i32.const ${2 * i + 3})) (i32.add (local.get $v${(i + n - 1) % n}) (local.get $p))))`).join('\n');
    const sum = Array.from({ length: n }, (_, i) => `local.get $v${(i * 7) % n}${i > 0 ? ' i32.xor' : ''}`).join('\n');
    const bytes = wat(`(module (func $f (export "f") (param $p i32) (param $set i32) (param $depth i32) (result i32) (local $acc i32) ${locals}
      (if (local.get $set) (then (local.set $v0 (i32.const 123)) (local.set $v159 (i32.const 77))))
      (local.set $acc (i32.add (local.get $v0) (i32.mul (local.get $v159) (i32.const 3))))
      (if (i32.eq (local.get $p) (i32.const 999)) (then unreachable))
      (if (local.get $depth) (then (local.set $acc (i32.add (local.get $acc)
        (call $f (i32.add (local.get $p) (i32.const 1)) (i32.xor (local.get $set) (i32.const 1)) (i32.sub (local.get $depth) (i32.const 1)))))))
      ${chain} ${sum} (local.get $acc) i32.add))`);
    const native = (await WebAssembly.instantiate(bytes)).instance.exports as any;
    const { code } = compile(bytes, { splitWeight: 300 });
    expect(code).toMatch(/let fr\$=f0\$fp;/);
    const kiln = (await importCode(code)).instantiate().exports;
    const calls: [number, number, number][] = [[1, 1, 0], [2, 0, 0], [3, 1, 3], [4, 0, 4], [999, 1, 0], [5, 0, 2], [998, 0, 1], [6, 1, 0], [7, 0, 0]];
    for (const args of calls) expect(outcome(() => kiln.f(...args)), `f(${args})`).toEqual(outcome(() => native.f(...args)));
  });
});
