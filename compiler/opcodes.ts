/**
 * The one opcode table. Decoder, validator and backend all read it
 * (spec 5.4 "Instructions" for the encoding, 3.3 for the typing rules).
 *
 * One row per instruction: prefix byte (0 for none, 0xfc, 0xfd), opcode,
 * name, immediate kind, type signature, cost class, feature.
 *
 * - Signature `'i32 i32 > i32'`: operand types (bottom to top) `>` result
 *   types. `null` marks an instruction whose typing is not a fixed signature
 *   (control, variables, `select`, `drop`, tables, calls...): the validator
 *   and backend handle those by name.
 * - Memory instructions carry `width`: the access width in bytes; their
 *   natural alignment is log2(width) (spec 3.3.7 "alignment must not be
 *   larger than natural").
 * - Cost class: what kind of work an instruction does, for fuel metering.
 */

import { I32, I64, F32, F64, V128, FUNCREF, EXTERNREF, type ValType } from './types.js';
import { SIMD_ROWS } from './opcodes-simd.js';

/** Immediate operand kinds (spec 5.4). */
export type ImmKind =
  | 'none'
  | 'blocktype'
  | 'labelidx'
  | 'br_table' // vec(labelidx) labelidx
  | 'funcidx'
  | 'call_indirect' // typeidx tableidx
  | 'localidx'
  | 'globalidx'
  | 'tableidx'
  | 'memarg' // align offset
  | 'memidx' // the reserved memory index byte of memory.size/grow/fill
  | 'i32'
  | 'i64'
  | 'f32'
  | 'f64'
  | 'select_t' // vec(valtype)
  | 'reftype' // heap type of ref.null
  | 'table_init' // elemidx tableidx
  | 'elemidx'
  | 'table_copy' // tableidx tableidx
  | 'memory_init' // dataidx memidx
  | 'dataidx'
  | 'memory_copy' // memidx memidx
  | 'v128' // 16 bytes
  | 'lane' // one lane index byte
  | 'memarg_lane' // memarg then lane index byte
  | 'shuffle' // 16 lane index bytes
  | 'tagidx';

/** Cost classes for fuel metering (see README "Running untrusted plugins"). */
export type CostClass = 'control' | 'simple' | 'var' | 'load' | 'store' | 'call' | 'memory' | 'table' | 'simd';

/** Feature (proposal) an instruction belongs to; all but `exceptions` (the legacy exception-handling proposal) are part of Wasm 2.0. */
export type Feature =
  | 'mvp'
  | 'exceptions'
  | 'sign-ext'
  | 'sat-float-to-int'
  | 'bulk-memory'
  | 'reference-types'
  | 'simd';

export interface OpInfo {
  /** Index of this row in `OPS`. */
  id: number;
  prefix: number;
  code: number;
  name: string;
  imm: ImmKind;
  /** Operand types, bottom of stack first, or null for instructions typed by name. */
  params: ValType[] | null;
  results: ValType[] | null;
  /** Access width in bytes for memory loads/stores, else 0. */
  width: number;
  /**
   * The operand that sizes the work, for instructions whose cost grows with
   * an operand: `bytes` or `elements` (the last operand of a bulk memory or
   * table operation), `grow` (the delta of `memory.grow`, `table.grow`);
   * null for the others. Fuel charges these by that operand
   * (compiler/passes/fuel.ts, compiler/lower/fuel.ts), and they are call-like:
   * they may change or charge the instance's fuel.
   */
  sized: 'bytes' | 'elements' | 'grow' | null;
  cost: CostClass;
  feature: Feature;
}

const T: Record<string, ValType> = { i32: I32, i64: I64, f32: F32, f64: F64, v128: V128, funcref: FUNCREF, externref: EXTERNREF };

function parseSig(sig: string | null): [ValType[] | null, ValType[] | null] {
  if (sig === null) return [null, null];
  const [p, r] = sig.split('>');
  const list = (s: string) => s.trim().split(/\s+/).filter(Boolean).map((n) => T[n]);
  return [list(p), list(r)];
}

export const OPS: OpInfo[] = [];
/** Single-byte opcodes: OP_BY_BYTE[code] is the row id, or -1. */
export const OP_BY_BYTE = new Int16Array(256).fill(-1);
/** 0xfc-prefixed opcodes by sub-opcode (LEB u32 value; all < 256 here). */
export const OP_FC = new Int16Array(256).fill(-1);
/** 0xfd-prefixed (SIMD) opcodes by sub-opcode (LEB u32 value; all < 512). */
export const OP_FD = new Int16Array(512).fill(-1);
/** Row ids by instruction name, e.g. OP['i32.add']. */
export const OP: Record<string, number> = Object.create(null);

function def(prefix: number, code: number, name: string, imm: ImmKind, sig: string | null, cost: CostClass, feature: Feature, width = 0): void {
  const [params, results] = parseSig(sig);
  const id = OPS.length;
  OPS.push({ id, prefix, code, name, imm, params, results, width, cost, feature, sized: SIZED[name] ?? null });
  OP[name] = id;
  if (prefix === 0) OP_BY_BYTE[code] = id;
  else if (prefix === 0xfc) OP_FC[code] = id;
  else OP_FD[code] = id;
}

/** The `sized` column (OpInfo): the instructions whose cost grows with an operand. */
const SIZED: Record<string, OpInfo['sized']> = {
  'memory.grow': 'grow', 'memory.init': 'bytes', 'memory.copy': 'bytes', 'memory.fill': 'bytes',
  'table.grow': 'grow', 'table.init': 'elements', 'table.copy': 'elements', 'table.fill': 'elements',
};

const op = (code: number, name: string, imm: ImmKind, sig: string | null, cost: CostClass, feature: Feature = 'mvp') =>
  def(0, code, name, imm, sig, cost, feature);
const mem = (code: number, name: string, sig: string, width: number) =>
  def(0, code, name, 'memarg', sig, name.includes('store') ? 'store' : 'load', 'mvp', width);

// --- Control (spec 5.4.1) ---
op(0x00, 'unreachable', 'none', null, 'control');
op(0x01, 'nop', 'none', '>', 'control');
op(0x02, 'block', 'blocktype', null, 'control');
op(0x03, 'loop', 'blocktype', null, 'control');
op(0x04, 'if', 'blocktype', null, 'control');
op(0x05, 'else', 'none', null, 'control');
op(0x0b, 'end', 'none', null, 'control');
// Legacy exception handling (the proposal's `try`/`catch`/`delegate` encoding, which LLVM's
// setjmp/longjmp lowering emits): typed by name, like the other control instructions.
op(0x06, 'try', 'blocktype', null, 'control', 'exceptions');
op(0x07, 'catch', 'tagidx', null, 'control', 'exceptions');
op(0x19, 'catch_all', 'none', null, 'control', 'exceptions');
op(0x18, 'delegate', 'labelidx', null, 'control', 'exceptions');
op(0x08, 'throw', 'tagidx', null, 'control', 'exceptions');
op(0x09, 'rethrow', 'labelidx', null, 'control', 'exceptions');
op(0x0c, 'br', 'labelidx', null, 'control');
op(0x0d, 'br_if', 'labelidx', null, 'control');
op(0x0e, 'br_table', 'br_table', null, 'control');
op(0x0f, 'return', 'none', null, 'control');
op(0x10, 'call', 'funcidx', null, 'call');
op(0x11, 'call_indirect', 'call_indirect', null, 'call');

// --- Reference (5.4.2) ---
op(0xd0, 'ref.null', 'reftype', null, 'simple', 'reference-types');
op(0xd1, 'ref.is_null', 'none', null, 'simple', 'reference-types');
op(0xd2, 'ref.func', 'funcidx', null, 'simple', 'reference-types');

// --- Parametric (5.4.3) ---
op(0x1a, 'drop', 'none', null, 'simple');
op(0x1b, 'select', 'none', null, 'simple');
op(0x1c, 'select_t', 'select_t', null, 'simple', 'reference-types');

// --- Variable (5.4.4) ---
op(0x20, 'local.get', 'localidx', null, 'var');
op(0x21, 'local.set', 'localidx', null, 'var');
op(0x22, 'local.tee', 'localidx', null, 'var');
op(0x23, 'global.get', 'globalidx', null, 'var');
op(0x24, 'global.set', 'globalidx', null, 'var');

// --- Table (5.4.5) ---
op(0x25, 'table.get', 'tableidx', null, 'table', 'reference-types');
op(0x26, 'table.set', 'tableidx', null, 'table', 'reference-types');

// --- Memory (5.4.6) ---
mem(0x28, 'i32.load', 'i32 > i32', 4);
mem(0x29, 'i64.load', 'i32 > i64', 8);
mem(0x2a, 'f32.load', 'i32 > f32', 4);
mem(0x2b, 'f64.load', 'i32 > f64', 8);
mem(0x2c, 'i32.load8_s', 'i32 > i32', 1);
mem(0x2d, 'i32.load8_u', 'i32 > i32', 1);
mem(0x2e, 'i32.load16_s', 'i32 > i32', 2);
mem(0x2f, 'i32.load16_u', 'i32 > i32', 2);
mem(0x30, 'i64.load8_s', 'i32 > i64', 1);
mem(0x31, 'i64.load8_u', 'i32 > i64', 1);
mem(0x32, 'i64.load16_s', 'i32 > i64', 2);
mem(0x33, 'i64.load16_u', 'i32 > i64', 2);
mem(0x34, 'i64.load32_s', 'i32 > i64', 4);
mem(0x35, 'i64.load32_u', 'i32 > i64', 4);
mem(0x36, 'i32.store', 'i32 i32 >', 4);
mem(0x37, 'i64.store', 'i32 i64 >', 8);
mem(0x38, 'f32.store', 'i32 f32 >', 4);
mem(0x39, 'f64.store', 'i32 f64 >', 8);
mem(0x3a, 'i32.store8', 'i32 i32 >', 1);
mem(0x3b, 'i32.store16', 'i32 i32 >', 2);
mem(0x3c, 'i64.store8', 'i32 i64 >', 1);
mem(0x3d, 'i64.store16', 'i32 i64 >', 2);
mem(0x3e, 'i64.store32', 'i32 i64 >', 4);
op(0x3f, 'memory.size', 'memidx', '> i32', 'simple');
op(0x40, 'memory.grow', 'memidx', 'i32 > i32', 'memory');

// --- Numeric (5.4.7) ---
op(0x41, 'i32.const', 'i32', '> i32', 'simple');
op(0x42, 'i64.const', 'i64', '> i64', 'simple');
op(0x43, 'f32.const', 'f32', '> f32', 'simple');
op(0x44, 'f64.const', 'f64', '> f64', 'simple');

function numeric(first: number, type: string, names: string[], sig: (n: string) => string): void {
  names.forEach((n, i) => op(first + i, `${type}.${n}`, 'none', sig(n), 'simple'));
}
const cmpI = ['eq', 'ne', 'lt_s', 'lt_u', 'gt_s', 'gt_u', 'le_s', 'le_u', 'ge_s', 'ge_u'];
const cmpF = ['eq', 'ne', 'lt', 'gt', 'le', 'ge'];
const unI = ['clz', 'ctz', 'popcnt'];
const binI = ['add', 'sub', 'mul', 'div_s', 'div_u', 'rem_s', 'rem_u', 'and', 'or', 'xor', 'shl', 'shr_s', 'shr_u', 'rotl', 'rotr'];
const unF = ['abs', 'neg', 'ceil', 'floor', 'trunc', 'nearest', 'sqrt'];
const binF = ['add', 'sub', 'mul', 'div', 'min', 'max', 'copysign'];

op(0x45, 'i32.eqz', 'none', 'i32 > i32', 'simple');
numeric(0x46, 'i32', cmpI, () => 'i32 i32 > i32');
op(0x50, 'i64.eqz', 'none', 'i64 > i32', 'simple');
numeric(0x51, 'i64', cmpI, () => 'i64 i64 > i32');
numeric(0x5b, 'f32', cmpF, () => 'f32 f32 > i32');
numeric(0x61, 'f64', cmpF, () => 'f64 f64 > i32');
numeric(0x67, 'i32', [...unI, ...binI], (n) => (unI.includes(n) ? 'i32 > i32' : 'i32 i32 > i32'));
numeric(0x79, 'i64', [...unI, ...binI], (n) => (unI.includes(n) ? 'i64 > i64' : 'i64 i64 > i64'));
numeric(0x8b, 'f32', [...unF, ...binF], (n) => (unF.includes(n) ? 'f32 > f32' : 'f32 f32 > f32'));
numeric(0x99, 'f64', [...unF, ...binF], (n) => (unF.includes(n) ? 'f64 > f64' : 'f64 f64 > f64'));

const conversions: [number, string, string][] = [
  [0xa7, 'i32.wrap_i64', 'i64 > i32'],
  [0xa8, 'i32.trunc_f32_s', 'f32 > i32'],
  [0xa9, 'i32.trunc_f32_u', 'f32 > i32'],
  [0xaa, 'i32.trunc_f64_s', 'f64 > i32'],
  [0xab, 'i32.trunc_f64_u', 'f64 > i32'],
  [0xac, 'i64.extend_i32_s', 'i32 > i64'],
  [0xad, 'i64.extend_i32_u', 'i32 > i64'],
  [0xae, 'i64.trunc_f32_s', 'f32 > i64'],
  [0xaf, 'i64.trunc_f32_u', 'f32 > i64'],
  [0xb0, 'i64.trunc_f64_s', 'f64 > i64'],
  [0xb1, 'i64.trunc_f64_u', 'f64 > i64'],
  [0xb2, 'f32.convert_i32_s', 'i32 > f32'],
  [0xb3, 'f32.convert_i32_u', 'i32 > f32'],
  [0xb4, 'f32.convert_i64_s', 'i64 > f32'],
  [0xb5, 'f32.convert_i64_u', 'i64 > f32'],
  [0xb6, 'f32.demote_f64', 'f64 > f32'],
  [0xb7, 'f64.convert_i32_s', 'i32 > f64'],
  [0xb8, 'f64.convert_i32_u', 'i32 > f64'],
  [0xb9, 'f64.convert_i64_s', 'i64 > f64'],
  [0xba, 'f64.convert_i64_u', 'i64 > f64'],
  [0xbb, 'f64.promote_f32', 'f32 > f64'],
  [0xbc, 'i32.reinterpret_f32', 'f32 > i32'],
  [0xbd, 'i64.reinterpret_f64', 'f64 > i64'],
  [0xbe, 'f32.reinterpret_i32', 'i32 > f32'],
  [0xbf, 'f64.reinterpret_i64', 'i64 > f64'],
];
for (const [code, name, sig] of conversions) op(code, name, 'none', sig, 'simple');

op(0xc0, 'i32.extend8_s', 'none', 'i32 > i32', 'simple', 'sign-ext');
op(0xc1, 'i32.extend16_s', 'none', 'i32 > i32', 'simple', 'sign-ext');
op(0xc2, 'i64.extend8_s', 'none', 'i64 > i64', 'simple', 'sign-ext');
op(0xc3, 'i64.extend16_s', 'none', 'i64 > i64', 'simple', 'sign-ext');
op(0xc4, 'i64.extend32_s', 'none', 'i64 > i64', 'simple', 'sign-ext');

// --- 0xfc prefix: saturating truncation, bulk memory, tables ---
const fc = (code: number, name: string, imm: ImmKind, sig: string | null, cost: CostClass, feature: Feature) =>
  def(0xfc, code, name, imm, sig, cost, feature);
fc(0, 'i32.trunc_sat_f32_s', 'none', 'f32 > i32', 'simple', 'sat-float-to-int');
fc(1, 'i32.trunc_sat_f32_u', 'none', 'f32 > i32', 'simple', 'sat-float-to-int');
fc(2, 'i32.trunc_sat_f64_s', 'none', 'f64 > i32', 'simple', 'sat-float-to-int');
fc(3, 'i32.trunc_sat_f64_u', 'none', 'f64 > i32', 'simple', 'sat-float-to-int');
fc(4, 'i64.trunc_sat_f32_s', 'none', 'f32 > i64', 'simple', 'sat-float-to-int');
fc(5, 'i64.trunc_sat_f32_u', 'none', 'f32 > i64', 'simple', 'sat-float-to-int');
fc(6, 'i64.trunc_sat_f64_s', 'none', 'f64 > i64', 'simple', 'sat-float-to-int');
fc(7, 'i64.trunc_sat_f64_u', 'none', 'f64 > i64', 'simple', 'sat-float-to-int');
fc(8, 'memory.init', 'memory_init', 'i32 i32 i32 >', 'memory', 'bulk-memory');
fc(9, 'data.drop', 'dataidx', '>', 'simple', 'bulk-memory');
fc(10, 'memory.copy', 'memory_copy', 'i32 i32 i32 >', 'memory', 'bulk-memory');
fc(11, 'memory.fill', 'memidx', 'i32 i32 i32 >', 'memory', 'bulk-memory');
fc(12, 'table.init', 'table_init', 'i32 i32 i32 >', 'table', 'reference-types');
fc(13, 'elem.drop', 'elemidx', '>', 'simple', 'reference-types');
fc(14, 'table.copy', 'table_copy', 'i32 i32 i32 >', 'table', 'reference-types');
fc(15, 'table.grow', 'tableidx', null, 'table', 'reference-types');
fc(16, 'table.size', 'tableidx', '> i32', 'simple', 'reference-types');
fc(17, 'table.fill', 'tableidx', null, 'table', 'reference-types');

// --- 0xfd prefix: SIMD (spec 5.4.8), rows kept in their own file ---
for (const [code, name, imm, sig, width] of SIMD_ROWS) {
  const memory = imm === 'memarg' || imm === 'memarg_lane';
  def(0xfd, code, name, imm, sig, memory ? (name.includes('store') ? 'store' : 'load') : 'simd', 'simd', width);
}

/**
 * Opcodes of features beyond Wasm 2.0, so the decoder can reject them with a
 * message naming the feature instead of "illegal opcode".
 */
export const LATER_FEATURES: Record<number, string> = {
  0x0a: 'exception handling (throw_ref)',
  0x12: 'tail calls (return_call)',
  0x13: 'tail calls (return_call_indirect)',
  0x14: 'typed function references (call_ref)',
  0x15: 'typed function references (return_call_ref)',
  0x1f: 'exception handling (try_table)',
  0xd3: 'garbage collection (ref.eq)',
  0xd4: 'typed function references (ref.as_non_null)',
  0xd5: 'typed function references (br_on_null)',
  0xd6: 'typed function references (br_on_non_null)',
  0xfb: 'garbage collection',
  0xfe: 'threads (atomics)',
};
