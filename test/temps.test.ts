/**
 * The temporary-allocation pass (compiler/passes/temps.ts): straight-line
 * i64 code, where the lowering makes a temporary for every half of every
 * intermediate value, must declare about as many variables as it has values
 * live at once, and compute exactly what native wasm computes.
 */
import { describe, it, expect } from 'vitest';
import { createRequire } from 'node:module';
import { compile } from './util/wasm-names.js';
import { functionSizes } from './bench/functions.js';
import { wat } from './util/wat.js';


/** A mixing function: `rounds` rounds of multiply, rotate, xor and add on two i64 lanes, all straight-line. */
function mixer(rounds: number): Uint8Array<ArrayBuffer> {
  const body: string[] = [];
  for (let r = 0; r < rounds; r++) {
    body.push(
      `local.get 0 i64.const ${0x9e3779b9 + r} i64.mul local.get 1 i64.xor i64.const ${(r % 63) + 1} i64.rotl local.set 0`,
      `local.get 1 local.get 0 i64.add i64.const ${r * 7 + 3} i64.shr_u local.get 0 i64.xor local.set 1`,
    );
  }
  const text = `(module (func (export "mix") (param i64 i64) (result i64) ${body.join('\n')} local.get 0 local.get 1 i64.xor))`;
  return wat(text);
}

function load2(code: string): { mix: (a: bigint, b: bigint) => bigint } {
  const mod = { exports: {} as { instantiate: (i: object) => { exports: { mix: (a: bigint, b: bigint) => bigint } } } };
  new Function('module', 'exports', 'require', code)(mod, mod.exports, createRequire(import.meta.url));
  return mod.exports.instantiate({}).exports;
}

describe('temporary allocation', () => {
  it('reuses temporaries in straight-line i64 code (pairs), and computes as native', () => {
    const bytes = mixer(150);
    const native = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as { mix: (a: bigint, b: bigint) => bigint };
    const { code } = compile(bytes, { format: 'cjs', i64: 'pair', splitWeight: 0 });
    const fn = functionSizes(code).find((f) => f.name === 'f0')!;
    // Hundreds of values go through temporaries (one assignment each); a few dozen variables hold them.
    const values = [...code.matchAll(/^t\d+=/gm)].length;
    expect(values).toBeGreaterThan(300);
    expect(fn.bindings).toBeLessThan(40);
    const kiln = load2(code);
    for (const [a, b] of [[0n, 0n], [1n, 2n], [-1n, 0x0123456789abcdefn], [0x7fffffffffffffffn, -0x8000000000000000n]]) {
      expect(kiln.mix(a, b)).toBe(native.mix(a, b));
    }
  });
});

describe('single-use folding', () => {
  it('folds a temporary read once in the next statement of the same instruction, and computes as native', () => {
    // i64.load evaluates its address operand into a temporary, then the address into another; the
    // mixing rounds after it give the function enough temporaries for the pass (MIN_TEMPS).
    const rounds = Array.from({ length: 20 }, (_, r) => `local.get 0 i64.const ${r + 3} i64.mul local.get 1 i64.xor local.set 1`).join('\n');
    const text = `(module (memory 1) (data (i32.const 128) "\\01\\02\\03\\04\\05\\06\\07\\08\\09")
      (func (export "mix") (param i64 i64) (result i64) local.get 0 i32.wrap_i64 i64.load offset=128 local.set 0 ${rounds} local.get 0 local.get 1 i64.add))`;
    const bytes = wat(text);
    const native = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as { mix: (a: bigint, b: bigint) => bigint };
    const { code } = compile(bytes, { format: 'cjs', i64: 'pair' });
    const body = code.slice(code.indexOf('function f0('));
    expect(body).toMatch(/=\(l0>>>0\)\+128;/);
    expect(body).not.toMatch(/^t\d+=l0;$/m);
    const kiln = load2(code);
    for (const a of [0n, 1n, 2n]) expect(kiln.mix(a, 0n)).toBe(native.mix(a, 0n));
    expect(() => kiln.mix(65536n, 0n)).toThrow(/out of bounds/);
    expect(() => native.mix(65536n, 0n)).toThrow(WebAssembly.RuntimeError);
  });
});

describe('dead definitions', () => {
  it('drops the high word of an i64 sum only i32.wrap_i64 reads, keeps what may trap, and computes as native', () => {
    // Go's wasm computes addresses so: an i64 pointer plus an offset, wrapped to i32. The rounds give the
    // function enough temporaries for the pass (MIN_TEMPS); the dropped i64.div_s must still trap.
    const rounds = Array.from({ length: 20 }, (_, r) => `local.get 0 i64.const ${r + 3} i64.mul local.get 1 i64.xor local.set 1`).join('\n');
    const load = (k: number) => `local.get 0 i64.const ${k} i64.add i32.wrap_i64 i64.load local.get 1 i64.add local.set 1`;
    const text = `(module (memory 1) (data (i32.const 128) "\\01\\02\\03\\04\\05\\06\\07\\08\\09\\0a\\0b\\0c\\0d\\0e\\0f\\10\\11\\12\\13\\14\\15\\16\\17")
      (func (export "mix") (param i64 i64) (result i64)
        ${load(128)} ${load(136)} ${load(144)} ${rounds}
        local.get 1 local.get 0 i64.div_s drop
        local.get 0 local.get 1 i64.xor))`;
    const bytes = wat(text);
    const native = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as { mix: (a: bigint, b: bigint) => bigint };
    const { code } = compile(bytes, { format: 'cjs', i64: 'pair' });
    const body = code.slice(code.indexOf('function f0('));
    // A carry is `(x >>> 0 < y >>> 0 | 0)`: only the three live sums of loaded values keep theirs.
    expect([...body.matchAll(/>>>0</g)].length).toBe(3);
    expect(body).toMatch(/i64_div_s\(/);
    const kiln = load2(code);
    for (const a of [1n, 2n, 7n, -5n]) expect(kiln.mix(a, 3n)).toBe(native.mix(a, 3n));
    expect(() => kiln.mix(0n, 3n)).toThrow(/divide by zero/);
    expect(() => native.mix(0n, 3n)).toThrow(WebAssembly.RuntimeError);
    expect(() => kiln.mix(65536n - 128n, 0n)).toThrow(/out of bounds/);
  });
});

describe('a call result set to a local', () => {
  it('assigns the local in the call statement unless the stack still reads it, and computes as native', () => {
    // $grow may grow memory, so each call is followed by `dv=DV;`. In $set the result goes straight to
    // the local; in $keep the local's old value is on the stack below the call (read after the set).
    const text = `(module (memory 1 4)
      (func $grow (param i32) (result i32) (drop (memory.grow (i32.const 1))) (i32.add (local.get 0) (i32.const 5)))
      (func (export "set") (param i32) (result i32) (local i32)
        (local.set 1 (call $grow (local.get 0)))
        (local.set 1 (call $grow (local.get 1)))
        (i32.store (i32.const 8) (local.get 1)) (i32.load (i32.const 8)))
      (func (export "keep") (param i32) (result i32)
        (i32.store (i32.const 8) (local.get 0))
        local.get 0
        local.get 0 call $grow local.set 0
        local.get 0 i32.sub)
      (func (export "tee") (param i32) (result i32) (local i32)
        local.get 0
        (local.tee 0 (call $grow (local.get 0)))
        i32.sub
        (local.tee 1 (call $grow (local.get 0)))
        (local.set 1 (i32.const 100))
        i32.add
        (i32.store (i32.const 8) (local.get 1))
        (i32.load (i32.const 8)) i32.add))`;
    const bytes = wat(text);
    const native = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as { set: (a: number) => number; keep: (a: number) => number; tee: (a: number) => number };
    const { code } = compile(bytes, { format: 'cjs' });
    const fn = (i: number) => code.slice(code.indexOf(`function f${i}(`), code.indexOf('\n}\n', code.indexOf(`function f${i}(`)));
    expect(fn(1)).toMatch(/^l1=f0\(l0\);\ndv=DV;\nl1=f0\(l1\);\ndv=DV;$/m);
    expect(fn(1)).not.toMatch(/\bt\d/);
    expect(fn(2)).toMatch(/^t0=f0\(l0\);\ndv=DV;\nt1=l0;\nl0=t0;$/m);
    // A `local.tee` too: the stack then holds the local (kept by a later set of it); the old value below
    // the first call keeps its temporary.
    expect(fn(3)).toMatch(/^l1=f0\(l0\);\ndv=DV;$/m);
    expect(fn(3)).toMatch(/^t0=f0\(l0\);$/m);
    const mod = { exports: {} as { instantiate: (i: object) => { exports: typeof native } } };
    new Function('module', 'exports', 'require', code)(mod, mod.exports, createRequire(import.meta.url));
    const kiln = mod.exports.instantiate({}).exports;
    expect(kiln.set(3)).toBe(native.set(3));
    expect(kiln.keep(3)).toBe(native.keep(3));
    expect(kiln.keep(3)).toBe(-5);
    expect(kiln.tee(3)).toBe(native.tee(3));
    expect(kiln.tee(3)).toBe(108);
  });
});

describe('the view re-read before a return', () => {
  it('is dropped when the returned value does not read memory, kept when it does, and computes as native', () => {
    // $grow grows memory (detaching the old buffer), so the view must be re-read before any later access.
    const text = `(module (memory 1 4)
      (func $grow (param i32) (result i32) (drop (memory.grow (i32.const 1))) (i32.add (local.get 0) (i32.const 5)))
      (func (export "tail") (param i32) (result i32) (i32.store (i32.const 4) (local.get 0)) (call $grow (local.get 0)))
      (func (export "after") (param i32) (result i32)
        (i32.store (i32.const 4) (local.get 0)) (drop (call $grow (local.get 0))) (i32.load (i32.const 65540))))`;
    const bytes = wat(text);
    const native = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as { tail: (a: number) => number; after: (a: number) => number };
    const { code } = compile(bytes, { format: 'cjs' });
    const fn = (i: number) => code.slice(code.indexOf(`function f${i}(`), code.indexOf('\n}\n', code.indexOf(`function f${i}(`)));
    expect(fn(1)).toMatch(/^t0=f0\(l0\);\nreturn t0;$/m);
    expect(fn(2)).toMatch(/^f0\(l0\);\ndv=DV;\nreturn dv\.getInt32\(65540,!0\);$/m);
    const mod = { exports: {} as { instantiate: (i: object) => { exports: typeof native } } };
    new Function('module', 'exports', 'require', code)(mod, mod.exports, createRequire(import.meta.url));
    const kiln = mod.exports.instantiate({}).exports;
    expect(kiln.tail(3)).toBe(native.tail(3));
    expect(kiln.after(3)).toBe(native.after(3));
  });
});
