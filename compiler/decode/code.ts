/**
 * Reading function bodies (spec 5.4 "Instructions", 5.5.13 "Code Section"):
 * the locals vector, then one instruction at a time into a reused `Instr`,
 * driven by the opcode table. Used by the validator and the backend alike,
 * so both see exactly the same decoding. Allocates nothing per instruction.
 */
import * as opcodes from '../opcodes.js';
import type { ImmKind } from '../opcodes.js';
import { Reader } from './reader.js';
import type { ValType } from '../types.js';

const IMM_KINDS: ImmKind[] = [
  'none', 'blocktype', 'labelidx', 'br_table', 'funcidx', 'call_indirect', 'localidx', 'globalidx', 'tableidx',
  'memarg', 'memidx', 'i32', 'i64', 'f32', 'f64', 'select_t', 'reftype', 'table_init', 'elemidx', 'table_copy',
  'memory_init', 'dataidx', 'memory_copy', 'v128', 'lane', 'memarg_lane', 'shuffle', 'tagidx',
];
// Module-local copies of the opcode tables: test runners (tsx, vitest) compile
// imports to getters, which would cost a call per instruction.
const { OPS, OP_BY_BYTE, OP_FC, OP_FD, LATER_FEATURES } = opcodes;

const K = Object.fromEntries(IMM_KINDS.map((k, i) => [k, i])) as Record<ImmKind, number>;

/** Immediate kind of each row of the opcode table, as a small number. */
let immOf = new Uint8Array(0);
function immTable(): Uint8Array {
  if (immOf.length !== OPS.length) immOf = Uint8Array.from(OPS, (o) => K[o.imm]);
  return immOf;
}

/**
 * One decoded instruction; `readInstr` overwrites it in place.
 *
 * Immediates by kind:
 * - blocktype: `a` = typeidx (>= 0) or, for the short forms, the valtype byte
 *   (0x40 = empty) as `a = byte - 0x80` is decoded (so `a < 0`); use `blockValType`.
 * - labelidx, funcidx, localidx, globalidx, tableidx, elemidx, dataidx, tagidx, reftype
 *   (heap type byte), lane: `a`.
 * - call_indirect: `a` = typeidx, `b` = tableidx. table_init: `a` = elemidx,
 *   `b` = tableidx. table_copy: `a` = dst tableidx, `b` = src tableidx.
 *   memory_init: `a` = dataidx, `b` = memidx. memory_copy: `a` = dst, `b` = src memidx.
 *   memidx: `a`.
 * - memarg: `a` = alignment exponent, `b` = offset (bytes, u32). memarg_lane adds `c` = lane.
 * - i32: `a` (int32). i64: `lo`, `hi` (int32 halves). f32: `a` = bits (uint32).
 *   f64: `lo`, `hi` = bits (int32 halves).
 * - br_table: `a` = number of targets (without the default), `b` = offset of
 *   the target vector (read it with `readBrTable`), `c` = default label.
 * - select_t: `a` = number of types, `b` = the first type.
 * - v128, shuffle: `b` = offset of the 16 immediate bytes in the input.
 */
export interface Instr {
  /** Row id in `OPS`. */
  op: number;
  /** Byte offset of the instruction's first byte. */
  offset: number;
  a: number;
  b: number;
  c: number;
  lo: number;
  hi: number;
}

export function newInstr(): Instr {
  return { op: 0, offset: 0, a: 0, b: 0, c: 0, lo: 0, hi: 0 };
}

/** The valtype of a short-form `blocktype` (`a < 0`), or 0x40 for the empty block type. */
export function blockValType(a: number): number {
  return a + 0x80;
}

/**
 * Decodes the instruction at `r.pos` into `ins` and advances past it.
 * Throws `CompileError` ("illegal opcode", "unexpected end", LEB128 errors,
 * "zero byte expected", feature names for post-2.0 opcodes).
 */
export function readInstr(r: Reader, ins: Instr): void {
  const start = r.pos;
  ins.offset = start;
  const byte = r.u8();
  let id: number;
  if (byte === 0xfc || byte === 0xfd) {
    const sub = r.u32();
    const table = byte === 0xfc ? OP_FC : OP_FD;
    id = sub < table.length ? table[sub] : -1;
    if (id < 0) r.fail(`illegal opcode 0x${byte.toString(16)} ${sub}`, start);
  } else {
    id = OP_BY_BYTE[byte];
    if (id < 0) {
      const later = LATER_FEATURES[byte];
      r.fail(later ? `illegal opcode 0x${byte.toString(16)}: ${later} is not supported` : `illegal opcode 0x${byte.toString(16)}`, start);
    }
  }
  ins.op = id;
  switch (immTable()[id]) {
    case 0: // none
      return;
    case 1: // blocktype
      ins.a = r.s33();
      return;
    case 2: case 4: case 6: case 7: case 8: case 18: case 21: case 27: // single index
      ins.a = r.u32();
      return;
    case 3: { // br_table
      const n = r.vecLen();
      ins.a = n;
      ins.b = r.pos;
      for (let i = 0; i < n; i++) r.u32();
      ins.c = r.u32();
      return;
    }
    case 5: case 17: case 19: // two indices
      ins.a = r.u32();
      ins.b = r.u32();
      return;
    case 9: // memarg
      ins.a = r.u32();
      ins.b = r.u32();
      return;
    case 10: // memidx: a reserved zero byte in Wasm 2.0
      ins.a = r.u8();
      if (ins.a !== 0) r.fail('zero byte expected', r.pos - 1);
      return;
    case 11: // i32
      ins.a = r.s32();
      return;
    case 12: // i64
      r.s64();
      ins.lo = r.lo;
      ins.hi = r.hi;
      return;
    case 13: // f32
      ins.a = r.u32le();
      return;
    case 14: // f64
      ins.lo = r.u32le() | 0;
      ins.hi = r.u32le() | 0;
      return;
    case 15: { // select_t
      const n = r.vecLen();
      ins.a = n;
      ins.b = 0;
      for (let i = 0; i < n; i++) {
        const t = r.u8();
        if (i === 0) ins.b = t;
      }
      return;
    }
    case 16: // reftype
      ins.a = r.u8();
      return;
    case 20: // memory_init: dataidx, then a reserved zero byte
      ins.a = r.u32();
      ins.b = r.u8();
      if (ins.b !== 0) r.fail('zero byte expected', r.pos - 1);
      return;
    case 22: // memory_copy: two reserved zero bytes
      ins.a = r.u8();
      ins.b = r.u8();
      if (ins.a !== 0 || ins.b !== 0) r.fail('zero byte expected', r.pos - 1);
      return;
    case 23: case 26: // v128, shuffle: 16 bytes
      ins.b = r.pos;
      r.skip(16);
      return;
    case 24: // lane
      ins.a = r.u8();
      return;
    case 25: // memarg_lane
      ins.a = r.u32();
      ins.b = r.u32();
      ins.c = r.u8();
      return;
  }
}

/** Reads the `br_table` targets of `ins` (decoded by `readInstr`) into `out` (resized if short); returns it. */
export function readBrTable(bytes: Uint8Array, ins: Instr, out: Uint32Array): Uint32Array {
  if (out.length < ins.a) out = new Uint32Array(Math.max(ins.a, out.length * 2));
  const r = new Reader(bytes, ins.b);
  for (let i = 0; i < ins.a; i++) out[i] = r.u32();
  return out;
}

/** Spec limit on the number of locals of one function, params included (2^32 - 1). */
const MAX_LOCALS = 0xffffffff;

/**
 * Declared locals of a function body, stored as runs (compact even for a
 * million locals): locals [runStart[i], runStart[i+1]) have type runType[i].
 * Parameters come first, as the spec's local index space does.
 */
export class Locals {
  readonly count: number;
  private readonly runStart: Float64Array;
  private readonly runType: Uint8Array;
  /** Expanded types when there are few locals (fast lookup), else null. */
  private readonly flat: Uint8Array | null;

  constructor(runStart: Float64Array, runType: Uint8Array, count: number) {
    this.runStart = runStart;
    this.runType = runType;
    this.count = count;
    if (count <= 65536) {
      const flat = new Uint8Array(count);
      for (let i = 0; i < runType.length; i++) {
        const end = i + 1 < runType.length ? runStart[i + 1] : count;
        flat.fill(runType[i], runStart[i], end);
      }
      this.flat = flat;
    } else this.flat = null;
  }

  /** Type of local `i`; the caller checks `i < count`. */
  type(i: number): ValType {
    if (this.flat !== null) return this.flat[i];
    let lo = 0;
    let hi = this.runType.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.runStart[mid] <= i) lo = mid;
      else hi = mid - 1;
    }
    return this.runType[lo];
  }

  /** Number of runs (declaration groups, params counted one run each). */
  get runs(): number {
    return this.runType.length;
  }
}

/**
 * Reads the locals vector at the start of a body (spec 5.5.13), with the
 * function's parameters first. Fails with "too many locals" past 2^32 - 1 in
 * total. Does not check that the declared types are valid `valtype`s
 * (returns the raw bytes; the validator checks them).
 */
export function readLocals(r: Reader, params: readonly ValType[]): Locals {
  const groups = r.vecLen(2);
  const runStart = new Float64Array(params.length + groups);
  const runType = new Uint8Array(params.length + groups);
  let total = 0;
  let n = 0;
  for (const p of params) {
    runStart[n] = total;
    runType[n++] = p;
    total++;
  }
  for (let i = 0; i < groups; i++) {
    const at = r.pos;
    const count = r.u32();
    total += count;
    if (total > MAX_LOCALS) r.fail('too many locals', at);
    runStart[n] = total - count;
    runType[n++] = r.u8();
  }
  return new Locals(runStart, runType, total);
}
