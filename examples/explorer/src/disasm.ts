/**
 * The wasm side of the explorer: a disassembly of one function body, one
 * row per instruction with its byte offset in the module, decoded with the
 * compiler's own `readInstr` and opcode table (no wabt in the page).
 */
import { Reader } from '../../../compiler/decode/reader.js';
import { newInstr, readBrTable, readInstr, blockValType, type Instr } from '../../../compiler/decode/code.js';
import { OPS } from '../../../compiler/opcodes.js';
import { valTypeName } from '../../../compiler/types.js';

/** One disassembled instruction (or the locals line, with `op` = ''). */
export interface Row {
  /** Byte offset of the instruction in the module. */
  offset: number;
  /** Nesting depth (blocks, loops, ifs) for indentation. */
  depth: number;
  /** Mnemonic, e.g. `i32.load`. */
  op: string;
  /** Immediates as text, e.g. `offset=8 align=4`. */
  args: string;
}

const view = new DataView(new ArrayBuffer(8));

/** The signed 64-bit integer of two int32 halves, as decimal text. */
function i64Text(lo: number, hi: number): string {
  return BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)).toString();
}

function f32Text(bits: number): string {
  view.setUint32(0, bits, true);
  return String(view.getFloat32(0, true));
}

function f64Text(lo: number, hi: number): string {
  view.setUint32(0, lo >>> 0, true);
  view.setUint32(4, hi >>> 0, true);
  return String(view.getFloat64(0, true));
}

function hex16(bytes: Uint8Array, at: number): string {
  return Array.from(bytes.subarray(at, at + 16), (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** The immediates of `ins` as text; `funcName` names a function index. */
function immText(bytes: Uint8Array, ins: Instr, funcName: (i: number) => string | undefined): string {
  const named = (i: number) => {
    const n = funcName(i);
    return n === undefined ? String(i) : `${i} <${n}>`;
  };
  switch (OPS[ins.op].imm) {
    case 'none': return '';
    case 'blocktype':
      if (ins.a >= 0) return `(type ${ins.a})`;
      return blockValType(ins.a) === 0x40 ? '' : `(result ${valTypeName(blockValType(ins.a))})`;
    case 'labelidx': case 'localidx': case 'globalidx': case 'tableidx': case 'elemidx': case 'dataidx': case 'lane': case 'memidx': case 'tagidx':
      return String(ins.a);
    case 'funcidx': return named(ins.a);
    case 'br_table': return [...readBrTable(bytes, ins, new Uint32Array(ins.a)).subarray(0, ins.a), ins.c].join(' ');
    case 'call_indirect': return `(type ${ins.a}) table ${ins.b}`;
    case 'memarg': return `offset=${ins.b} align=${2 ** ins.a}`;
    case 'memarg_lane': return `offset=${ins.b} align=${2 ** ins.a} lane=${ins.c}`;
    case 'i32': return String(ins.a);
    case 'i64': return i64Text(ins.lo, ins.hi);
    case 'f32': return f32Text(ins.a);
    case 'f64': return f64Text(ins.lo, ins.hi);
    case 'select_t': return ins.a > 0 ? `(result ${valTypeName(ins.b)})` : '';
    case 'reftype': return valTypeName(ins.a);
    case 'table_init': case 'table_copy': case 'memory_init': case 'memory_copy': return `${ins.a} ${ins.b}`;
    case 'v128': case 'shuffle': return hex16(bytes, ins.b);
  }
}

/**
 * Disassembles the body [start, end) of a function (its code entry after
 * the size: locals vector, then instructions up to the final `end`): a
 * first row for the locals, then one row per instruction.
 */
export function disassemble(bytes: Uint8Array, start: number, end: number, funcName: (i: number) => string | undefined): Row[] {
  const r = new Reader(bytes, start, end);
  const rows: Row[] = [];
  const groups = r.vecLen(2);
  const locals: string[] = [];
  for (let i = 0; i < groups; i++) {
    const n = r.u32();
    locals.push(`${n} x ${valTypeName(r.u8())}`);
  }
  rows.push({ offset: start, depth: 0, op: '', args: locals.length > 0 ? `locals ${locals.join(', ')}` : 'no locals' });
  const ins = newInstr();
  let depth = 1;
  while (r.pos < end) {
    readInstr(r, ins);
    const op = OPS[ins.op].name;
    if (op === 'end' || op === 'else') depth--;
    rows.push({ offset: ins.offset, depth, op, args: immText(bytes, ins, funcName) });
    if (op === 'block' || op === 'loop' || op === 'if' || op === 'else') depth++;
  }
  return rows;
}
