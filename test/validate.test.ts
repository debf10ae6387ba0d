/**
 * The validator (compiler/validate/): valid and invalid modules built with
 * wabt (its parser does not type-check, so it happily produces invalid
 * modules) or encoded by hand, checking the spec-worded message, `.offset`
 * (the offending instruction's first byte) and `.funcIndex`; then every
 * bench module and real program in ../shared must validate.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { validate } from '../compiler/index.js';
import { OP, OPS } from '../compiler/opcodes.js';
import { CompileError } from '../runtime/errors.js';
import { SHARED } from './util/load.js';
import { leb, vec, section } from './util/wasm-bytes.js';

if (!SHARED) console.warn('validate.test: ../shared not found; skipping the bench and real-program modules');

const FEATURES = { multi_value: true, bulk_memory: true, reference_types: true, simd: true };
let wabt: any;
beforeAll(async () => {
  wabt = await (await import('wabt')).default();
});

function wat(text: string): Uint8Array {
  const m = wabt.parseWat('t.wat', text, FEATURES);
  try {
    return new Uint8Array(m.toBinary({}).buffer);
  } finally {
    m.destroy();
  }
}

/** Validates `bytes`; returns the CompileError, or null when valid. Any other error fails the test. */
function errorOf(bytes: Uint8Array): CompileError | null {
  try {
    validate(bytes);
    return null;
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
    return e;
  }
}

interface Expect {
  /** funcidx of the function whose body is invalid (undefined: a module-level error). */
  func?: number;
  /** Name of the instruction `.offset` must point at. */
  at?: string;
}

function expectInvalid(bytes: Uint8Array, message: string, want: Expect = {}): CompileError {
  const e = errorOf(bytes);
  expect(e, `expected "${message}"`).not.toBeNull();
  expect(e!.reason.startsWith(message), `"${e!.reason}" should start with "${message}"`).toBe(true);
  expect(e!.funcIndex).toBe(want.func);
  if (want.at !== undefined) {
    const row = OPS[OP[want.at]];
    const at = e!.offset!;
    expect(bytes[at], `byte at offset 0x${at.toString(16)} should be ${want.at}`).toBe(row.prefix || row.code);
    if (row.prefix) expect(bytes[at + 1]).toBe(row.code); // all sub-opcodes used here are < 128
  }
  return e!;
}

// --- Hand encoding, for what wabt will not emit ---------------------------


/** A module with one type `[] -> []`, a memory when `memory`, and one function with raw body `body` (locals vector included). */
function oneFunc(body: number[], opts: { memory?: boolean; sections?: number[][]; after?: number[][] } = {}): Uint8Array {
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, 0, 0]])),
    ...section(3, vec([[0]])),
    ...(opts.memory ? section(5, vec([[0x00, 1]])) : []),
    ...(opts.sections ?? []).flat(),
    ...section(10, vec([[...leb(body.length), ...body]])),
    ...(opts.after ?? []).flat(),
  ]);
}

/** Index of the first occurrence of `seq` in `b` after the 8-byte header. */
function find(b: Uint8Array, seq: number[]): number {
  for (let i = 8; i + seq.length <= b.length; i++) if (seq.every((x, k) => b[i + k] === x)) return i;
  throw new Error(`byte sequence ${seq} not found`);
}

describe('valid modules', () => {
  const valid: [string, string][] = [
    ['empty', '(module)'],
    ['unreachable is polymorphic', '(module (func (result i32) unreachable i32.add) (func (result f64) (unreachable) (select)))'],
    ['br leaves the stack polymorphic', '(module (func (result i32) (block (result i32) (br 0 (i32.const 1)) (i64.const 0) drop)))'],
    ['br_table in unreachable code', '(module (func (result i32) unreachable (br_table 0 0)))'],
    ['br_table with targets of one type', '(module (func (param i32) (result i32) (block (result i32) (block (result i32) (br_table 0 1 (i32.const 7) (local.get 0))))))'],
    ['multi-value blocks and ifs', `(module (type $t (func (param i32 i64) (result i64 i32)))
      (func (result i64 i32) (i32.const 1) (i64.const 2)
        (block (type $t) (param i32 i64) (result i64 i32) drop drop (i64.const 3) (i32.const 4)))
      (func (param i32) (result i32 i32) (i32.const 1) (local.get 0)
        (if (param i32) (result i32 i32) (then (i32.const 2)) (else (i32.const 3)))))`],
    ['loop labels take the parameters', '(module (func (param i32) (result i32) (local.get 0) (loop (param i32) (result i32) (br_if 0 (local.get 0)))))'],
    ['if without else with equal param and result', '(module (func (param i32) (result i32) (local.get 0) (local.get 0) (if (param i32) (result i32) (then))))'],
    ['select of every numeric and vector type', `(module (func
      (drop (select (i64.const 1) (i64.const 2) (i32.const 0)))
      (drop (select (v128.const i64x2 0 0) (v128.const i64x2 0 0) (i32.const 0)))
      (drop (select (result funcref) (ref.null func) (ref.null func) (i32.const 0)))))`],
    ['references and tables', `(module (table $f 2 funcref) (table $e 1 externref) (elem declare func 0)
      (func (param externref) (result i32)
        (table.set $e (i32.const 0) (local.get 0))
        (drop (table.grow $f (ref.func 0) (i32.const 1)))
        (table.fill $e (i32.const 0) (ref.null extern) (i32.const 1))
        (drop (table.get $f (i32.const 0)))
        (table.copy $f $f (i32.const 0) (i32.const 0) (i32.const 0))
        (ref.is_null (local.get 0))))`],
    ['ref.func declared by an export, element segment or global', `(module (func $a) (func $b) (func $c) (export "a" (func $a))
      (elem declare func $b) (global funcref (ref.func $c))
      (func (drop (ref.func $a)) (drop (ref.func $b)) (drop (ref.func $c))))`],
    ['bulk memory and data count', `(module (memory 1) (data "x") (data (i32.const 0) "y") (table 1 funcref) (elem func 0)
      (func (memory.init 1 (i32.const 0) (i32.const 0) (i32.const 1)) (data.drop 0)
        (memory.copy (i32.const 0) (i32.const 1) (i32.const 1)) (memory.fill (i32.const 0) (i32.const 0) (i32.const 1))
        (table.init 0 (i32.const 0) (i32.const 0) (i32.const 1)) (elem.drop 0)))`],
    ['natural alignment and lanes', `(module (memory 1) (func (result v128)
      (drop (i64.load align=8 (i32.const 0))) (drop (i32.load8_u align=1 (i32.const 0)))
      (drop (i8x16.extract_lane_u 15 (v128.const i64x2 0 0)))
      (drop (v128.load8_lane 15 (i32.const 0) (v128.const i64x2 0 0)))
      (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 31 (v128.const i64x2 0 0) (v128.const i64x2 0 0))))`],
    ['constant expressions', `(module (import "m" "g" (global $g i32)) (import "m" "r" (global $r externref))
      (global i32 (global.get $g)) (global externref (global.get $r)) (global v128 (v128.const i32x4 1 2 3 4))
      (memory 1) (data (global.get $g) "a") (table 1 funcref) (elem (global.get $g) func 0) (func))`],
    ['locals of every type', '(module (func (local i32 i64 f32 f64 v128 funcref externref)))'],
    ['start function', '(module (func $s) (start $s))'],
    ['memory of 65536 pages', '(module (memory 65536 65536))'],
  ];
  for (const [name, text] of valid) {
    it(name, () => {
      expect(errorOf(wat(text))).toBeNull();
    });
  }
});

describe('invalid function bodies', () => {
  const cases: [string, string, string, Expect][] = [
    ['operand type', '(module (func (drop (i32.add (i32.const 1) (f32.const 0)))))', 'type mismatch: expected i32, got f32', { func: 0, at: 'i32.add' }],
    ['missing operand', '(module (func (drop (i32.eqz))))', 'type mismatch: expected i32, got nothing', { func: 0, at: 'i32.eqz' }],
    ['result type', '(module (func (result i32) (f64.const 0)))', 'type mismatch', { func: 0, at: 'end' }],
    ['extra value at end', '(module (func $a) (func (i32.const 1)))', 'type mismatch', { func: 1, at: 'end' }],
    ['unknown local', '(module (func (param i32) (local f32) (drop (local.get 5))))', 'unknown local 5', { func: 0, at: 'local.get' }],
    ['local.set type', '(module (func (local f32) (local.set 0 (i32.const 0))))', 'type mismatch', { func: 0, at: 'local.set' }],
    ['unknown label', '(module (func (block (br 2))))', 'unknown label', { func: 0, at: 'br' }],
    ['unknown label in br_table', '(module (func (block (br_table 0 3 (i32.const 0)))))', 'unknown label', { func: 0, at: 'br_table' }],
    ['br_table arity', '(module (func (block (result i32) (block (br_table 0 1 (i32.const 0) (i32.const 0)))) drop))', 'type mismatch', { func: 0, at: 'br_table' }],
    ['br_table operand types', '(module (func (block (result f32) (block (result i32) (br_table 0 1 (i32.const 0) (i32.const 0))) drop (f32.const 0)) drop))', 'type mismatch', { func: 0, at: 'br_table' }],
    ['br_if value', '(module (func (result i32) (block (result i32) (br_if 0 (f32.const 0) (i32.const 1)))))', 'type mismatch', { func: 0, at: 'br_if' }],
    ['return value', '(module (func (result i32) (return (i64.const 0))))', 'type mismatch', { func: 0, at: 'return' }],
    ['if without else changing types', '(module (func (result i32) (if (result i32) (i32.const 1) (then (i32.const 1)))))', 'type mismatch', { func: 0, at: 'end' }],
    ['if condition', '(module (func (if (f32.const 1) (then))))', 'type mismatch', { func: 0, at: 'if' }],
    ['else branch type', '(module (func (result i32) (if (result i32) (i32.const 1) (then (i32.const 1)) (else (f32.const 0)))))', 'type mismatch', { func: 0, at: 'end' }],
    ['block parameters', '(module (type $t (func (param i64))) (func (i32.const 0) (block (type $t) (param i64) drop)))', 'type mismatch', { func: 0, at: 'block' }],
    ['unknown function', '(module (func (call 7)))', 'unknown function 7', { func: 0, at: 'call' }],
    ['call arguments', '(module (func $f (param i64)) (func (call $f (i32.const 0))))', 'type mismatch', { func: 1, at: 'call' }],
    ['call_indirect without table', '(module (type $t (func)) (func (call_indirect (type $t) (i32.const 0))))', 'unknown table', { func: 0, at: 'call_indirect' }],
    ['call_indirect on externref table', '(module (type $t (func)) (table 1 externref) (func (call_indirect (type $t) (i32.const 0))))', 'type mismatch', { func: 0, at: 'call_indirect' }],
    ['unknown global', '(module (func (drop (global.get 3))))', 'unknown global 3', { func: 0, at: 'global.get' }],
    ['immutable global', '(module (global i32 (i32.const 0)) (func (global.set 0 (i32.const 1))))', 'global is immutable', { func: 0, at: 'global.set' }],
    ['select on references', '(module (func (drop (select (ref.null func) (ref.null func) (i32.const 1)))))', 'type mismatch', { func: 0, at: 'select' }],
    ['select operand types differ', '(module (func (drop (select (i32.const 0) (f32.const 0) (i32.const 1)))))', 'type mismatch', { func: 0, at: 'select' }],
    ['typed select', '(module (func (drop (select (result i64) (i32.const 0) (i32.const 0) (i32.const 1)))))', 'type mismatch', { func: 0, at: 'select_t' }],
    ['ref.is_null of a number', '(module (func (drop (ref.is_null (i32.const 0)))))', 'type mismatch', { func: 0, at: 'ref.is_null' }],
    ['undeclared function reference', '(module (func $f (drop (ref.func $f))))', 'undeclared function reference', { func: 0, at: 'ref.func' }],
    ['start does not declare', '(module (start $f) (func $f (drop (ref.func $f))))', 'undeclared function reference', { func: 0, at: 'ref.func' }],
    ['unknown table', '(module (func (drop (table.get 0 (i32.const 0)))))', 'unknown table 0', { func: 0, at: 'table.get' }],
    ['table.set value type', '(module (table 1 externref) (func (table.set 0 (i32.const 0) (ref.null func))))', 'type mismatch', { func: 0, at: 'table.set' }],
    ['table.copy between types', '(module (table $a 1 funcref) (table $b 1 externref) (func (table.copy $a $b (i32.const 0) (i32.const 0) (i32.const 0))))', 'type mismatch', { func: 0, at: 'table.copy' }],
    ['table.init element type', '(module (table 1 externref) (elem funcref (ref.null func)) (func (table.init 0 0 (i32.const 0) (i32.const 0) (i32.const 0))))', 'type mismatch', { func: 0, at: 'table.init' }],
    ['unknown elem segment', '(module (table 1 funcref) (func (elem.drop 4)))', 'unknown elem segment 4', { func: 0, at: 'elem.drop' }],
    ['unknown memory for a load', '(module (func (drop (i32.load (i32.const 0)))))', 'unknown memory 0', { func: 0, at: 'i32.load' }],
    ['unknown memory for memory.size', '(module (func (drop (memory.size))))', 'unknown memory 0', { func: 0, at: 'memory.size' }],
    ['unknown memory for memory.copy', '(module (func (memory.copy (i32.const 0) (i32.const 0) (i32.const 0))))', 'unknown memory 0', { func: 0, at: 'memory.copy' }],
    ['alignment', '(module (memory 1) (func (drop (i32.load16_u align=4 (i32.const 0)))))', 'alignment must not be larger than natural', { func: 0, at: 'i32.load16_u' }],
    ['SIMD alignment', '(module (memory 1) (func (drop (v128.load32_zero align=8 (i32.const 0)))))', 'alignment must not be larger than natural', { func: 0, at: 'v128.load32_zero' }],
    ['unknown data segment', '(module (memory 1) (data "a") (func (data.drop 1)))', 'unknown data segment 1', { func: 0, at: 'data.drop' }],
    ['store value type', '(module (memory 1) (func (i64.store (i32.const 0) (i32.const 0))))', 'type mismatch: expected i64, got i32', { func: 0, at: 'i64.store' }],
    ['SIMD operand', '(module (func (drop (i8x16.add (v128.const i64x2 0 0) (i32.const 0)))))', 'type mismatch: expected v128, got i32', { func: 0, at: 'i8x16.add' }],
    ['second function', '(module (func) (func) (func (result i32) (i64.const 0)))', 'type mismatch', { func: 2, at: 'end' }],
    ['function index counts imports', '(module (import "m" "f" (func)) (func (drop (local.get 0))))', 'unknown local 0', { func: 1, at: 'local.get' }],
  ];
  for (const [name, text, message, want] of cases) {
    it(name, () => {
      expectInvalid(wat(text), message, want);
    });
  }

  it('invalid lane index', () => {
    // wabt checks lane literals, so patch the lane byte of a valid module.
    const b = wat('(module (func (result i32) (i8x16.extract_lane_s 15 (v128.const i64x2 0 0))))');
    b[find(b, [0xfd, 21, 15])  + 2] = 16;
    expectInvalid(b, 'invalid lane index', { func: 0, at: 'i8x16.extract_lane_s' });
    const s = wat('(module (func (result v128) (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 31 (v128.const i64x2 0 0) (v128.const i64x2 0 0))))');
    s[find(s, [14, 31, 0x0b]) + 1] = 32;
    expectInvalid(s, 'invalid lane index', { func: 0, at: 'i8x16.shuffle' });
    const l = wat('(module (memory 1) (func (result v128) (v128.load64_lane 1 (i32.const 0) (v128.const i64x2 0 0))))');
    l[find(l, [0xfd, 0x57, 3, 0, 1]) + 4] = 2; // v128.load64_lane align=3 offset=0 lane=1
    expectInvalid(l, 'invalid lane index', { func: 0, at: 'v128.load64_lane' });
  });

  it('select_t with zero or two types: invalid result arity', () => {
    // i32.const 0 ×3, select_t vec(types)
    const c = [0x41, 0, 0x41, 0, 0x41, 0];
    expectInvalid(oneFunc([0, ...c, 0x1c, 0, 0x0b]), 'invalid result arity', { func: 0, at: 'select_t' });
    expectInvalid(oneFunc([0, 0x41, 0, ...c, 0x1c, 2, 0x7f, 0x7f, 0x1a, 0x1a, 0x0b]), 'invalid result arity', { func: 0, at: 'select_t' });
  });

  it('memory.init and data.drop need the data count section', () => {
    const data = section(11, vec([[0x01, 0]])); // one passive segment
    const init = [0, 0x41, 0, 0x41, 0, 0x41, 0, 0xfc, 8, 0, 0, 0x0b];
    expectInvalid(oneFunc(init, { memory: true, after: [data] }), 'data count section required', { func: 0, at: 'memory.init' });
    expectInvalid(oneFunc([0, 0xfc, 9, 0, 0x0b], { memory: true, after: [data] }), 'data count section required', { func: 0, at: 'data.drop' });
    // With the data count section they are valid.
    expect(errorOf(oneFunc(init, { memory: true, sections: [section(12, [1])], after: [data] }))).toBeNull();
  });

  it('unknown block type', () => {
    expectInvalid(oneFunc([0, 0x02, 5, 0x0b, 0x0b]), 'unknown type 5', { func: 0, at: 'block' });
  });

  it('alignment exponents of 32 and more are malformed memop flags', () => {
    expectInvalid(oneFunc([0, 0x41, 0, 0x28, 0x20, 0, 0x1a, 0x0b], { memory: true }), 'malformed memop flags', { func: 0 });
  });

  it('flags that carry a memory index (Wasm 3.0 multi-memory) are malformed, and the message names the feature', () => {
    // i32.store8 flags 0x40 (memory index follows in 3.0), memory 0, offset 0x44: V8 13.6 accepts it.
    const e = expectInvalid(oneFunc([0, 0x41, 8, 0x41, 1, 0x3a, 0x40, 0, 0x44, 0x0b], { memory: true }), 'malformed memop flags', { func: 0 });
    expect(e.reason).toContain('multi-memory');
    expect(expectInvalid(oneFunc([0, 0x41, 0, 0x28, 0x21, 0, 0x1a, 0x0b], { memory: true }), 'malformed memop flags', { func: 0 }).reason).not.toContain('multi-memory');
  });

  it('ref.null of a heap type beyond Wasm 2.0 is malformed, and the message names the feature', () => {
    // ref.null 0 (type index 0: typed function references), drop.
    const e = expectInvalid(oneFunc([0, 0xd0, 0x00, 0x1a, 0x0b]), 'malformed reference type', { func: 0, at: 'ref.null' });
    expect(e.reason).toContain('typed function references');
    expect(expectInvalid(oneFunc([0, 0xd0, 0x6e, 0x1a, 0x0b]), 'malformed reference type', { func: 0 }).reason).toContain('garbage collection (anyref)');
    expect(expectInvalid(oneFunc([0, 0xd0, 0x7f, 0x1a, 0x0b]), 'malformed reference type', { func: 0 }).reason).toBe('malformed reference type');
    // In a constant expression (a global's initialiser): the same message.
    const global = section(6, vec([[0x70, 0, 0xd0, 0x00, 0x0b]]));
    const g = errorOf(oneFunc([0, 0x0b], { sections: [global] }));
    expect(g?.reason).toBe('malformed reference type (typed function references (a type index as heap type) is not supported)');
  });

  it('locals must have value types', () => {
    expectInvalid(oneFunc([1, 1, 0x40, 0x0b]), 'malformed value type', { func: 0 });
  });

  it('bodies end exactly at their end', () => {
    // `i32.const 1; drop` without `end`, at the end of the input.
    const e = expectInvalid(oneFunc([0, 0x41, 1, 0x1a]), 'unexpected end', { func: 0 });
    expect(e).toBeInstanceOf(CompileError);
    // An `else` with no `if`.
    expect(errorOf(oneFunc([0, 0x05, 0x0b]))).toBeInstanceOf(CompileError);
    // A br_table target vector cut short.
    expect(errorOf(oneFunc([0, 0x41, 0, 0x0e, 5, 0, 0x0b]))).toBeInstanceOf(CompileError);
  });
});

describe('invalid modules', () => {
  const cases: [string, string, string][] = [
    ['memory over 4 GiB', '(module (memory 65537))', 'memory size must be at most 65536 pages (4GiB)'],
    ['memory maximum over 4 GiB', '(module (memory 0 65537))', 'memory size must be at most 65536 pages (4GiB)'],
    ['memory limits', '(module (memory 2 1))', 'size minimum must not be greater than maximum'],
    ['table limits', '(module (table 2 1 funcref))', 'size minimum must not be greater than maximum'],
    ['imported memory limits', '(module (import "m" "m" (memory 65537)))', 'memory size must be at most 65536 pages (4GiB)'],
    ['multiple memories', '(module (memory 1) (memory 1))', 'multiple memories'],
    ['duplicate export name', '(module (func) (export "a" (func 0)) (export "a" (func 0)))', 'duplicate export name'],
    ['unknown exported function', '(module (export "a" (func 3)))', 'unknown function 3'],
    ['unknown exported global', '(module (export "a" (global 0)))', 'unknown global 0'],
    ['start function type', '(module (func (param i32)) (start 0))', 'start function'],
    ['start function results', '(module (func (result i32) (i32.const 0)) (start 0))', 'start function'],
    ['unknown start function', '(module (start 1))', 'unknown function 1'],
    ['non-constant initializer', '(module (global i32 (i32.add (i32.const 1) (i32.const 2))))', 'constant expression required'],
    ['nop in an initializer', '(module (global i32 (nop) (i32.const 1)))', 'constant expression required'],
    ['initializer type', '(module (global i32 (f32.const 0)))', 'type mismatch'],
    ['initializer with two values', '(module (global i32 (i32.const 0) (i32.const 0)))', 'type mismatch'],
    ['empty initializer', '(module (global i32))', 'type mismatch'],
    ['global.get of a defined global', '(module (global i32 (i32.const 0)) (global i32 (global.get 0)))', 'unknown global'],
    ['global.get of a mutable import', '(module (import "m" "g" (global (mut i32))) (global i32 (global.get 0)))', 'constant expression required'],
    ['ref.func of an unknown function', '(module (global funcref (ref.func 4)))', 'unknown function 4'],
    ['data without memory', '(module (data (i32.const 0) "a"))', 'unknown memory 0'],
    ['data offset type', '(module (memory 1) (data (i64.const 0) "a"))', 'type mismatch'],
    ['data offset of a defined global', '(module (memory 1) (global i32 (i32.const 0)) (data (global.get 0) "a"))', 'unknown global'],
    ['elem without table', '(module (func) (elem (i32.const 0) func 0))', 'unknown table 0'],
    ['elem type differs from table', '(module (table 1 externref) (func) (elem (i32.const 0) func 0))', 'type mismatch'],
    ['elem of an unknown function', '(module (table 1 funcref) (elem (i32.const 0) func 5))', 'unknown function 5'],
    ['elem expression type', '(module (table 1 funcref) (elem (i32.const 0) funcref (ref.null extern)))', 'type mismatch'],
    ['unknown type of an import', '(module (import "m" "f" (func (type 3))))', 'unknown type'],
  ];
  for (const [name, text, message] of cases) {
    it(name, () => {
      expectInvalid(wat(text), message);
    });
  }

  it('a function of an unknown type', () => {
    const b = Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...section(3, vec([[2]])), ...section(10, vec([[2, 0, 0x0b]]))]);
    expectInvalid(b, 'unknown type');
  });
});

describe('real modules validate', () => {
  const files: string[] = [];
  if (SHARED) {
    const bench = join(SHARED, 'bench/build');
    if (existsSync(bench)) for (const f of readdirSync(bench)) if (f.endsWith('.wasm')) files.push(join(bench, f));
    for (const f of ['lua.wasm', 'sqlite.wasm']) if (existsSync(join(SHARED, 'programs', f))) files.push(join(SHARED, 'programs', f));
  }
  it.skipIf(!SHARED)('finds the shared modules', () => {
    expect(files.length).toBeGreaterThan(2);
  });
  for (const f of files) {
    it(f.slice(SHARED!.length + 1), () => {
      expect(errorOf(new Uint8Array(readFileSync(f)))).toBeNull();
    });
  }
});

describe('module-level errors carry the offset of the offending entry', () => {
  it('memory limits, table limits and the start function', () => {
    // Hand-encoded: the entry's offset is known exactly.
    const header = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0];
    const memory = new Uint8Array([...header, 5, 4, 1, 1, 2, 1]); // (memory 2 1)
    expect(errorOf(memory)?.reason).toMatch(/^size minimum must not be greater than maximum/);
    expect(errorOf(memory)?.offset).toBe(11);
    const table = new Uint8Array([...header, 4, 5, 1, 0x70, 1, 2, 1]); // (table 2 1 funcref)
    expect(errorOf(table)?.offset).toBe(11);
    const start = new Uint8Array([...header, 8, 1, 3]); // (start 3): unknown function
    expect(errorOf(start)?.reason).toMatch(/^unknown function 3/);
    expect(errorOf(start)?.offset).toBe(10);
  });
});
