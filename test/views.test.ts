/**
 * `tune: 'hermes'` (compiler/lower/views.ts): memory accesses through
 * typed-array views with the `DataView` method as the fallback must behave
 * exactly as native WebAssembly: every load and store width at aligned and
 * misaligned addresses, at the end of memory and past it (a trap, and no
 * partial write), with offsets that pass 2^32, after the memory grows (from
 * wasm, through a call in a stored value, and from JS), and NaN bits.
 */
import { describe, it, expect } from 'vitest';
import { type CompileOptions } from '../compiler/index.js';
import { compile } from './util/wasm-names.js';
import { importCode } from './util/load.js';
import { VIEW_NAMES } from '../compiler/lower/views.js';
import { isKilnIdentifier } from '../compiler/identifiers.js';
import { MATH_ALIASES } from '../compiler/passes/math-aliases.js';
import { LOCAL_VIEWS } from '../compiler/passes/local-views.js';
import { wat } from './util/wat.js';
import { BIG_ENDIAN } from './util/forms.js';

const LOADS = ['i32.load', 'i32.load8_s', 'i32.load8_u', 'i32.load16_s', 'i32.load16_u', 'i64.load', 'i64.load8_s', 'i64.load8_u', 'i64.load16_s', 'i64.load16_u', 'i64.load32_s', 'i64.load32_u', 'f32.load', 'f64.load'];
const STORES = ['i32.store', 'i32.store8', 'i32.store16', 'i64.store', 'i64.store8', 'i64.store16', 'i64.store32', 'f32.store', 'f64.store'];
/** Each load's result as an integer (floats by their bits), with offset 0 and 3. */
const asInt = (op: string, e: string) => (op.startsWith('f32') ? `(i64.extend_i32_u (i32.reinterpret_f32 ${e}))` : op.startsWith('f64') ? `(i64.reinterpret_f64 ${e})` : op.startsWith('i32') ? `(i64.extend_i32_u ${e})` : e);
/** Each store writes the low bytes of an i64 pattern (floats from its bits). */
const value = (op: string) => (op.startsWith('i32') ? '(i32.wrap_i64 (local.get 1))' : op.startsWith('f32') ? '(f32.reinterpret_i32 (i32.wrap_i64 (local.get 1)))' : op.startsWith('f64') ? '(f64.reinterpret_i64 (local.get 1))' : '(local.get 1)');

const MODULE = wat(String.raw`(module
  (import "env" "memory" (memory 1 8))
  (func $grow (result i32) (drop (memory.grow (i32.const 1))) (i32.const 7))
  ${LOADS.map((op, i) => `(func (export "l${i}") (param i32) (result i64) ${asInt(op, `(${op} (local.get 0))`)})
  (func (export "l${i}o") (param i32) (result i64) ${asInt(op, `(${op} offset=3 (local.get 0))`)})
  (func (export "l${i}x") (param i32) (result i64) ${asInt(op, `(${op} offset=4294967295 (local.get 0))`)})`).join('\n  ')}
  ${STORES.map((op, i) => `(func (export "s${i}") (param i32 i64) (${op} (local.get 0) ${value(op)}))
  (func (export "s${i}o") (param i32 i64) (${op} offset=5 (local.get 0) ${value(op)}))`).join('\n  ')}
  ;; The stored value grows memory: the store lands in the new page.
  (func (export "storeAfterGrow") (result i32)
    (i32.store (i32.mul (memory.size) (i32.const 65536)) (call $grow))
    (i32.load (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 65536))))
  ;; A load before and one after a grow in the same expression.
  (func (export "loadAround") (result i32)
    (i32.add (i32.load8_u (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 1)))
      (i32.add (call $grow) (i32.load (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4))))))
  (func (export "size") (result i32) (memory.size)))`);

const EDGE = [0, 1, 2, 3, 4, 5, 7, 8, 100, 65528, 65529, 65530, 65531, 65532, 65533, 65534, 65535, 65536, 65537, 131068, 0x7fffffff, 0x80000000, 0xfffffffc, 0xffffffff];
const PATTERN = 0x8899aabbccddeeffn ^ 0x0f1e2d3c4b5a6978n;

type Instance = { exports: Record<string, any> };
/** Runs every access on a fresh instance, recording results, traps and the memory's bytes near both ends. */
function run(instantiate: (memory: WebAssembly.Memory) => Instance, Memory: typeof WebAssembly.Memory): unknown[] {
  const memory = new Memory({ initial: 1, maximum: 8 });
  const { exports: x } = instantiate(memory);
  const out: unknown[] = [];
  const attempt = (f: () => unknown) => {
    try {
      const r = f();
      out.push(typeof r === 'bigint' ? `0x${BigInt.asUintN(64, r).toString(16)}` : r);
    } catch (e) {
      out.push(`trap ${(e as Error).constructor.name}`);
    }
  };
  const bytes = () => {
    const u8 = new Uint8Array(memory.buffer);
    return [...u8.subarray(0, 32), ...u8.subarray(u8.length - 32)].join(',');
  };
  for (let i = 0; i < 32; i++) new Uint8Array(memory.buffer)[i] = (i * 37 + 11) & 255;
  new Uint8Array(memory.buffer).fill(0xa5, 65500);
  for (let i = 0; i < LOADS.length; i++) for (const a of EDGE) for (const f of ['', 'o', 'x']) attempt(() => x[`l${i}${f}`](a | 0));
  for (let i = 0; i < STORES.length; i++) {
    for (const a of EDGE) for (const f of ['', 'o']) attempt(() => x[`s${i}${f}`](a | 0, PATTERN + BigInt(a)));
    out.push(bytes());
  }
  // NaN bits through memory: a signalling f32 and f64 NaN stored and loaded back.
  attempt(() => x[`s${STORES.indexOf('f32.store')}`](16, 0x7fa00001n));
  attempt(() => x[`l${LOADS.indexOf('f32.load')}`](16));
  attempt(() => x[`s${STORES.indexOf('f64.store')}`](24, 0x7ff4000000000001n));
  attempt(() => x[`l${LOADS.indexOf('f64.load')}`](24));
  attempt(() => x.storeAfterGrow());
  attempt(() => x.loadAround());
  // Grown from JS: the next access sees the new page.
  memory.grow(1);
  attempt(() => x[`s${STORES.indexOf('i32.store')}`](x.size() * 65536 - 4, 0x12345678n));
  attempt(() => x[`l${LOADS.indexOf('i32.load')}`](x.size() * 65536 - 4));
  attempt(() => x.size());
  out.push(bytes());
  return out;
}

const FORMS: [string, CompileOptions][] = [['views', { tune: 'hermes' }], ['views, pairs', { tune: 'hermes', i64: 'pair' }], ['views, split, fuel', { tune: 'hermes', splitWeight: 8, fuel: true }]];

describe("tune: 'hermes' (memory through typed-array views)", () => {
  it('every load and store width gives what native WebAssembly gives: aligned, misaligned, at the end, past it, after grows', async () => {
    const native = run((memory) => new WebAssembly.Instance(new WebAssembly.Module(MODULE as BufferSource), { env: { memory } }) as unknown as Instance, WebAssembly.Memory);
    for (const [name, opts, edit] of [...FORMS, ['views, big-endian host', { tune: 'hermes' }, BIG_ENDIAN]] as [string, CompileOptions, ((c: string) => string)?][]) {
      let { code } = compile(MODULE, opts);
      expect(code, name).toMatch(/h32\[[^\]]+\/4\]\?\?/);
      if (edit !== undefined) {
        expect(edit(code), name).not.toBe(code);
        code = edit(code);
      }
      const m = (await importCode(code)) as { instantiate: (imports: object) => Instance };
      const { Memory } = await import('../runtime/index.js');
      const kiln = run((memory) => m.instantiate({ env: { memory } }), Memory as unknown as typeof WebAssembly.Memory);
      expect(kiln.length, name).toBe(native.length);
      for (let i = 0; i < native.length; i++) expect(kiln[i], `${name}: result ${i}`).toEqual(native[i]);
    }
  });

  it('a load whose address has a load in it evaluates the address once, into a temporary, and reads or traps as native', async () => {
    // Pointers at 0, 4, ...: aligned, near the end, -1, 2^31, misaligned, the last word.
    const ops = LOADS.filter((op) => op !== 'i64.load' && !op.startsWith('i64.load') && op !== 'f32.load');
    const chase = wat(String.raw`(module (memory 1)
      (data (i32.const 0) "\08\00\00\00\fd\ff\00\00\ff\ff\ff\ff\00\00\00\80\05\00\00\00\fc\ff\00\00\11\22\33\44\55\66\77\88")
      ${ops.map((op, i) => `(func (export "c${i}") (param i32) (result i64) ${asInt(op, `(${op} (i32.load (local.get 0)))`)})
      (func (export "c${i}o") (param i32) (result i64) ${asInt(op, `(${op} offset=3 (i32.load (local.get 0)))`)})
      (func (export "c${i}s") (param i32 i32) (result i64) ${asInt(op, `(${op} (i32.add (i32.load (local.get 0)) (local.get 1)))`)})`).join('\n      ')})`);
    const native = new WebAssembly.Instance(new WebAssembly.Module(chase as BufferSource)).exports as Record<string, (...a: number[]) => bigint>;
    const outcome = (f: () => bigint) => {
      try {
        return f();
      } catch (e) {
        return `trap ${(e as Error).constructor.name === 'RuntimeError'}`;
      }
    };
    for (const [name, opts] of FORMS) {
      const code = compile(chase, opts).code;
      expect(code, name).toMatch(/h32\[\(t\d+=/);
      const kiln = ((await importCode(code)) as { instantiate: () => Instance }).instantiate().exports;
      for (let i = 0; i < ops.length; i++) {
        for (const p of [0, 4, 8, 12, 16, 20, 24, 65535, -4]) {
          for (const f of [`c${i}`, `c${i}o`]) expect(outcome(() => kiln[f](p)), `${name} ${ops[i]} ${f}(${p})`).toEqual(outcome(() => native[f]!(p)));
          for (const d of [0, 1, -8, 0x7ffffff8, -0x80000000]) expect(outcome(() => kiln[`c${i}s`](p, d)), `${name} ${ops[i]} sum(${p}, ${d})`).toEqual(outcome(() => native[`c${i}s`]!(p, d)));
        }
      }
    }
  });

  it('after a grow that moves the memory to a new buffer, accesses see the new buffer (the local views are re-read)', async () => {
    // The first grow of a memory without slack copies it into a new buffer and detaches the old one:
    // a view left over from before would drop stores in range and read nothing.
    const grows = wat(String.raw`(module (memory (export "mem") 1 1000)
      (func $grow (result i32) (drop (memory.grow (i32.const 50))) (i32.const 3))
      (func (export "viaCall") (param i32) (result i32)
        (i32.store (local.get 0) (i32.const 0x11223344))
        (i32.store8 (i32.add (local.get 0) (call $grow)) (i32.const 0x99))
        (i32.store16 (i32.add (local.get 0) (i32.const 4)) (i32.const 0x7788))
        (i32.add (i32.load (local.get 0)) (i32.load16_u (i32.add (local.get 0) (i32.const 4)))))
      (func (export "direct") (param i32) (result i32)
        (i32.store (local.get 0) (i32.const 0x55667788))
        (drop (memory.grow (i32.const 50)))
        (i64.store (i32.add (local.get 0) (i32.const 8)) (i64.const 0x0102030405060708))
        (f64.store (i32.add (local.get 0) (i32.const 16)) (f64.const 2.5))
        (i32.add (i32.load8_u (i32.add (local.get 0) (i32.const 9)))
          (i32.add (i32.trunc_f64_s (f64.load (i32.add (local.get 0) (i32.const 16)))) (i32.load (local.get 0))))))`);
    for (const [name, opts] of FORMS) {
      const m = (await importCode(compile(grows, opts).code)) as { instantiate: () => Instance };
      for (const f of ['viaCall', 'direct']) {
        for (const a of [0, 4, 100, 65512]) {
          const native = new WebAssembly.Instance(new WebAssembly.Module(grows as BufferSource)).exports as Record<string, any>;
          const kiln = m.instantiate().exports;
          expect(kiln[f](a), `${name} ${f}(${a})`).toBe(native[f](a));
          const bytes = (x: Record<string, any>) => [...new Uint8Array(x.mem.buffer, a, 24)].join(',');
          expect(bytes(kiln), `${name} ${f}(${a}) bytes`).toBe(bytes(native));
        }
      }
    }
  });

  it('the default tuning keeps DataView accesses only', () => {
    const { code } = compile(MODULE);
    expect(code).not.toMatch(/H32\[|HU8\[|HF64\[/);
    expect(code).toMatch(/dv\.getInt32\(/);
  });

  it('the little-endian argument of a wider access is the literal true (`!0` in the dense output), not a local', () => {
    // A local \`le = true\` saved V8's interpreter two bytecodes per access (7.5% of SQLite's bytecode), but
    // in code V8 compiles on the stack (OSR: the kernels, long interpreter loops) a local is an unknown
    // value, not a constant: the matmul kernel ran 25% slower (Node 24, five alternating runs).
    const { code } = compile(MODULE);
    const body = code.slice(code.indexOf('function instantiate'));
    expect(body).toMatch(/dv\.getInt32\([^;]*,!0\)/);
    expect(body).toMatch(/dv\.setFloat64\([^;]*,!0\)/);
    expect(body).not.toMatch(/\ble=(true|!0)\b/);
    expect(compile(MODULE, { pretty: true }).code).toMatch(/dv\.getInt32\([^;]*, true\)/);
  });

  it('an address computed in int32 is made unsigned without its | 0 only when tuned for Hermes', () => {
    // `(x | 0) >>> 0` is `x >>> 0`: one operation less in Hermes; V8's JIT runs the longer form faster.
    const sum = wat('(module (memory 1) (func (export "f") (param i32 i32) (result i32) (i32.load (i32.add (local.get 0) (local.get 1)))))');
    expect(compile(sum).code).toMatch(/dv\.getInt32\(\(l0\+l1\|0\)>>>0,!0\)/);
    expect(compile(sum, { tune: 'hermes' }).code).toMatch(/h32\[\(l0\+l1\)\/4\]\?\?dv\.getInt32\(l0\+l1>>>0,!0\)/);
  });

  it('a load indexes its view with the address before its wrap, and wrapped sums still read or trap as native', async () => {
    // The view reads `l0 + l1` as it is (an integer in [0, HB) is its own `>>> 0`; anything else reads
    // `undefined`); the DataView fallback keeps the wrap: -2^31 + -2^31 is address 0, not a trap.
    const ops = LOADS.filter((op) => op !== 'i64.load');
    const sums = wat(String.raw`(module (memory 1)
      (data (i32.const 0) "\01\82\03\84\05\86\07\88\09")
      (data (i32.const 65528) "\f1\f2\f3\f4\f5\f6\f7\f8")
      ${ops.map((op, i) => `(func (export "add${i}") (param i32 i32) (result i64) ${asInt(op, `(${op} (i32.add (local.get 0) (local.get 1)))`)})
      (func (export "sub${i}") (param i32 i32) (result i64) ${asInt(op, `(${op} (i32.sub (local.get 0) (local.get 1)))`)})`).join('\n      ')})`);
    const code = compile(sums, { tune: 'hermes' }).code;
    const native = new WebAssembly.Instance(new WebAssembly.Module(sums as BufferSource)).exports as Record<string, (a: number, b: number) => bigint>;
    const kiln = ((await importCode(code)) as { instantiate: () => Instance }).instantiate().exports;
    const edges = [0, 1, 3, 4, 8, 65528, 65532, 65535, 65536, 0x7fffffff, -0x80000000, -1, -4, -65536, -0x7fffffff];
    const outcome = (f: () => bigint) => {
      try {
        return f();
      } catch (e) {
        return `trap ${e instanceof WebAssembly.RuntimeError || (e as Error).constructor.name === 'RuntimeError'}`;
      }
    };
    for (let i = 0; i < ops.length; i++) {
      for (const a of edges) {
        for (const b of edges) {
          for (const f of [`add${i}`, `sub${i}`]) expect(outcome(() => kiln[f](a, b)), `${ops[i]} ${f} ${a} ${b}`).toEqual(outcome(() => native[f]!(a, b)));
        }
      }
    }
    expect(code).toMatch(/h32\[\(l0\+l1\)\/4\]\?\?dv\.getInt32\(l0\+l1>>>0,!0\)/);
  });

  it('the views\', their local copies\' and Math aliases\' identifiers are reserved: no name from the wasm can take them', () => {
    for (const name of [...VIEW_NAMES, ...LOCAL_VIEWS.values(), ...MATH_ALIASES.map((f) => `Math_${f}`)]) expect(isKilnIdentifier(name), name).toBe(true);
  });

  it('Math functions are called through instance aliases, with the same results as native', async () => {
    const math = wat(String.raw`(module
      (func (export "f32") (param f32 f32) (result f32) (f32.add (f32.mul (local.get 0) (local.get 1)) (f32.sqrt (local.get 1))))
      (func (export "minmax") (param f64 f64) (result f64) (f64.add (f64.min (local.get 0) (local.get 1)) (f64.max (local.get 0) (local.get 1))))
      (func (export "bits") (param i32) (result i32) (i32.add (i32.clz (local.get 0)) (i32.mul (local.get 0) (i32.const 0x12345678)))))`);
    const code = compile(math, { tune: 'hermes', splitWeight: 8 }).code;
    const body = code.slice(code.indexOf('function instantiate'));
    expect(body).toMatch(/Math_fround\(/);
    expect(body).toMatch(/Math_imul\(/);
    expect(body).not.toMatch(/Math\.(fround|imul|clz32|sqrt|min|max)\(/);
    const native = new WebAssembly.Instance(new WebAssembly.Module(math as BufferSource)).exports as Record<string, (...a: number[]) => number>;
    const kiln = ((await importCode(code)) as { instantiate: () => Instance }).instantiate().exports;
    for (const [a, b] of [[1.5, 2.25], [-0, 0], [3.4e38, 2], [NaN, 1], [-7.1, 0.001], [1e-40, 3]]) {
      expect(kiln.f32(a, b), `f32 ${a} ${b}`).toEqual(native.f32(a, b));
      expect(kiln.minmax(a, b), `minmax ${a} ${b}`).toEqual(native.minmax(a, b));
      expect(kiln.bits(a | 0), `bits ${a}`).toBe(native.bits(a | 0));
    }
  });

  it('an unknown tune is a TypeError naming the choices', () => {
    expect(() => compile(MODULE, { tune: 'v8' as never })).toThrow(/unknown tune "v8": expected one of jit, hermes/);
  });
});
