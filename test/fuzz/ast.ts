/**
 * The fuzzer's in-memory module: a small AST that gen.ts builds, encode.ts
 * turns into a binary, wat.ts prints and shrink.ts reduces.
 *
 * A function body is a list of instruction trees. Each `Instr` is one wasm
 * instruction; its `args` are the subtrees that push its operands, in order,
 * so the binary (and the flat text) is the post-order walk of the trees and
 * the folded text prints them as they are. An instruction may take fewer
 * `args` than operands: the rest are already on the stack (a block's
 * params, values left by a multi-value call), which both the binary and the
 * folded text express the same way.
 *
 * Branch targets name labels by id (`Instr.label`, unique in a function;
 * -1 is the function body), not by depth, so trees can be moved and cloned
 * freely; the encoder computes depths.
 */

/** The value types the generator uses. */
export type ValType = 'i32' | 'i64' | 'f32' | 'f64';

export const VALTYPES: readonly ValType[] = ['i32', 'i64', 'f32', 'f64'];

/** A function type, also used for block types and `call_indirect` signatures. */
export interface FuncType {
  params: ValType[];
  results: ValType[];
}

/** One instruction (see the file comment). */
export interface Instr {
  /** The instruction's text name (`i32.add`, `block`, `call`...). */
  op: string;
  /** Subtrees pushing the operands, bottom of the stack first. */
  args: Instr[];
  /**
   * The types this tree leaves on the stack. For an instruction after which
   * the stack is polymorphic (`br`, `return`, `unreachable`, `br_table`) it is
   * the type of the slot it was generated for.
   */
  out: ValType[];
  /** Constant: i32 as an int32 number, i64 as a signed BigInt, f32 as its u32 bits, f64 as its u64 bits (BigInt). */
  value?: number | bigint;
  /** Local, global, function or data segment index. */
  index?: number;
  /** Memory access: log2 of the alignment, and the offset. */
  align?: number;
  offset?: number;
  /** Block type of block/loop/if; signature of call_indirect. */
  type?: FuncType;
  /** block/loop/if: this label's id. */
  label?: number;
  /** block/loop body; the `then` arm of an if. */
  body?: Instr[];
  /** The `else` arm of an if. */
  else?: Instr[];
  /** try: its handlers in order (`tag` -1: `catch_all`), each with its body. */
  catches?: { tag: number; body: Instr[] }[];
  /** try ended by `delegate`: the target label id (-1: the function body). */
  delegate?: number;
  /** br/br_if/rethrow: target label id (-1: the function body). */
  target?: number;
  /** br_table: target label ids, the default last. */
  targets?: number[];
  /** Typed `select` (`select (result t)`); untyped when absent. */
  selectType?: ValType;
  /** Never changed by the shrinker (fuel guards and resets, which keep every loop finite). */
  fixed?: boolean;
}

/** A defined function. */
export interface Func {
  /** Name in the text format (`$name`), and the stable identity the shrinker keeps. */
  name: string;
  type: FuncType;
  /** Declared locals (after the params). */
  locals: ValType[];
  body: Instr[];
  /** Export name, when exported. */
  export?: string;
  /** For an export wrapper taking and returning float bits as integers: the wrapped function's type. */
  bitsOf?: FuncType;
  /** A NaN helper (gen.ts): loop-free and call-free; the shrinker edits its body only once no operator relies on it. */
  fixed?: boolean;
}

/** A global, exported as `g<index>`. */
export interface Global {
  type: ValType;
  mutable: boolean;
  /** Initial value, encoded like `Instr.value`. */
  value: number | bigint;
  /** The fuel global: never touched by the shrinker. */
  fixed?: boolean;
}

/** A data segment: active at `offset`, or passive when `offset` is null. */
export interface Data {
  offset: number | null;
  bytes: number[];
}

/** An active element segment of the table. */
export interface Elem {
  offset: number;
  funcs: number[];
}

/** A whole module. Memory (when present) is exported as `mem`, the table as `tab` when `exported`, globals as `g<i>`. */
export interface Module {
  funcs: Func[];
  globals: Global[];
  memory: { min: number; max: number | null } | null;
  /** Not exported, the table is sealed (compiler/lower/tables.ts): only its element segments' functions are ever in it. */
  table: { min: number; max: number | null; exported: boolean } | null;
  elems: Elem[];
  datas: Data[];
  /** Tags (legacy exception handling): each one's payload types; absent or empty without exceptions. */
  tags?: ValType[][];
}

/** Signature key, e.g. `i32 i64>f32`. */
export function sigKey(t: FuncType): string {
  return `${t.params.join(' ')}>${t.results.join(' ')}`;
}

/** Calls `f` on every instruction of `body`, parents before children, arms and bodies included. */
export function walk(body: Instr[], f: (ins: Instr) => void): void {
  for (const ins of body) {
    f(ins);
    walk(ins.args, f);
    if (ins.body) walk(ins.body, f);
    if (ins.else) walk(ins.else, f);
    if (ins.catches) for (const c of ins.catches) walk(c.body, f);
  }
}

/** Deep copy of a module (BigInt constants included). */
export function cloneModule(m: Module): Module {
  return structuredClone(m);
}

// ---------------------------------------------------------------------------
// Operator tables (spec 5.4.7 for the encodings).

/** A numeric operator with a fixed signature. */
export interface NumOp {
  name: string;
  /** Encoding: one byte, or 0xfc and a sub-opcode. */
  code: number[];
  params: ValType[];
  result: ValType;
  /**
   * May produce a NaN whose sign and payload the spec leaves open (3.3.2
   * "NaN propagation"): results of these are canonicalised before anything can
   * observe their bits (gen.ts `canon`).
   */
  nan?: boolean;
}

function ops(prefix: ValType, names: string, first: number, params: ValType[], result: ValType, nan = false): NumOp[] {
  return names.split(' ').map((n, i) => ({ name: `${prefix}.${n}`, code: [first + i], params, result, nan }));
}

const I32: ValType = 'i32', I64: ValType = 'i64', F32: ValType = 'f32', F64: ValType = 'f64';

/** Every scalar numeric operator of wasm 2.0 (MVP, sign-extension, non-trapping conversions). */
export const NUM_OPS: NumOp[] = [
  ...ops('i32', 'eqz', 0x45, [I32], I32),
  ...ops('i32', 'eq ne lt_s lt_u gt_s gt_u le_s le_u ge_s ge_u', 0x46, [I32, I32], I32),
  ...ops('i64', 'eqz', 0x50, [I64], I32),
  ...ops('i64', 'eq ne lt_s lt_u gt_s gt_u le_s le_u ge_s ge_u', 0x51, [I64, I64], I32),
  ...ops('f32', 'eq ne lt gt le ge', 0x5b, [F32, F32], I32),
  ...ops('f64', 'eq ne lt gt le ge', 0x61, [F64, F64], I32),
  ...ops('i32', 'clz ctz popcnt', 0x67, [I32], I32),
  ...ops('i32', 'add sub mul div_s div_u rem_s rem_u and or xor shl shr_s shr_u rotl rotr', 0x6a, [I32, I32], I32),
  ...ops('i64', 'clz ctz popcnt', 0x79, [I64], I64),
  ...ops('i64', 'add sub mul div_s div_u rem_s rem_u and or xor shl shr_s shr_u rotl rotr', 0x7c, [I64, I64], I64),
  ...ops('f32', 'abs neg', 0x8b, [F32], F32),
  ...ops('f32', 'ceil floor trunc nearest sqrt', 0x8d, [F32], F32, true),
  ...ops('f32', 'add sub mul div min max', 0x92, [F32, F32], F32, true),
  ...ops('f32', 'copysign', 0x98, [F32, F32], F32),
  ...ops('f64', 'abs neg', 0x99, [F64], F64),
  ...ops('f64', 'ceil floor trunc nearest sqrt', 0x9b, [F64], F64, true),
  ...ops('f64', 'add sub mul div min max', 0xa0, [F64, F64], F64, true),
  ...ops('f64', 'copysign', 0xa6, [F64, F64], F64),
  { name: 'i32.wrap_i64', code: [0xa7], params: [I64], result: I32 },
  { name: 'i32.trunc_f32_s', code: [0xa8], params: [F32], result: I32 },
  { name: 'i32.trunc_f32_u', code: [0xa9], params: [F32], result: I32 },
  { name: 'i32.trunc_f64_s', code: [0xaa], params: [F64], result: I32 },
  { name: 'i32.trunc_f64_u', code: [0xab], params: [F64], result: I32 },
  { name: 'i64.extend_i32_s', code: [0xac], params: [I32], result: I64 },
  { name: 'i64.extend_i32_u', code: [0xad], params: [I32], result: I64 },
  { name: 'i64.trunc_f32_s', code: [0xae], params: [F32], result: I64 },
  { name: 'i64.trunc_f32_u', code: [0xaf], params: [F32], result: I64 },
  { name: 'i64.trunc_f64_s', code: [0xb0], params: [F64], result: I64 },
  { name: 'i64.trunc_f64_u', code: [0xb1], params: [F64], result: I64 },
  { name: 'f32.convert_i32_s', code: [0xb2], params: [I32], result: F32 },
  { name: 'f32.convert_i32_u', code: [0xb3], params: [I32], result: F32 },
  { name: 'f32.convert_i64_s', code: [0xb4], params: [I64], result: F32 },
  { name: 'f32.convert_i64_u', code: [0xb5], params: [I64], result: F32 },
  { name: 'f32.demote_f64', code: [0xb6], params: [F64], result: F32, nan: true },
  { name: 'f64.convert_i32_s', code: [0xb7], params: [I32], result: F64 },
  { name: 'f64.convert_i32_u', code: [0xb8], params: [I32], result: F64 },
  { name: 'f64.convert_i64_s', code: [0xb9], params: [I64], result: F64 },
  { name: 'f64.convert_i64_u', code: [0xba], params: [I64], result: F64 },
  { name: 'f64.promote_f32', code: [0xbb], params: [F32], result: F64, nan: true },
  { name: 'i32.reinterpret_f32', code: [0xbc], params: [F32], result: I32 },
  { name: 'i64.reinterpret_f64', code: [0xbd], params: [F64], result: I64 },
  { name: 'f32.reinterpret_i32', code: [0xbe], params: [I32], result: F32 },
  { name: 'f64.reinterpret_i64', code: [0xbf], params: [I64], result: F64 },
  { name: 'i32.extend8_s', code: [0xc0], params: [I32], result: I32 },
  { name: 'i32.extend16_s', code: [0xc1], params: [I32], result: I32 },
  { name: 'i64.extend8_s', code: [0xc2], params: [I64], result: I64 },
  { name: 'i64.extend16_s', code: [0xc3], params: [I64], result: I64 },
  { name: 'i64.extend32_s', code: [0xc4], params: [I64], result: I64 },
  { name: 'i32.trunc_sat_f32_s', code: [0xfc, 0], params: [F32], result: I32 },
  { name: 'i32.trunc_sat_f32_u', code: [0xfc, 1], params: [F32], result: I32 },
  { name: 'i32.trunc_sat_f64_s', code: [0xfc, 2], params: [F64], result: I32 },
  { name: 'i32.trunc_sat_f64_u', code: [0xfc, 3], params: [F64], result: I32 },
  { name: 'i64.trunc_sat_f32_s', code: [0xfc, 4], params: [F32], result: I64 },
  { name: 'i64.trunc_sat_f32_u', code: [0xfc, 5], params: [F32], result: I64 },
  { name: 'i64.trunc_sat_f64_s', code: [0xfc, 6], params: [F64], result: I64 },
  { name: 'i64.trunc_sat_f64_u', code: [0xfc, 7], params: [F64], result: I64 },
];

/** Numeric operators by name. */
export const NUM_BY_NAME: ReadonlyMap<string, NumOp> = new Map(NUM_OPS.map((o) => [o.name, o]));

/** A load or store. */
export interface MemOp {
  name: string;
  code: number;
  /** The value type loaded or stored. */
  type: ValType;
  /** Access width in bytes (natural alignment is its log2). */
  width: number;
  store: boolean;
}

function mem(name: string, code: number, width: number): MemOp {
  return { name, code, type: name.slice(0, 3) as ValType, width, store: name.includes('store') };
}

/** Every load and store (spec 5.4.6). */
export const MEM_OPS: MemOp[] = [
  mem('i32.load', 0x28, 4), mem('i64.load', 0x29, 8), mem('f32.load', 0x2a, 4), mem('f64.load', 0x2b, 8),
  mem('i32.load8_s', 0x2c, 1), mem('i32.load8_u', 0x2d, 1), mem('i32.load16_s', 0x2e, 2), mem('i32.load16_u', 0x2f, 2),
  mem('i64.load8_s', 0x30, 1), mem('i64.load8_u', 0x31, 1), mem('i64.load16_s', 0x32, 2), mem('i64.load16_u', 0x33, 2),
  mem('i64.load32_s', 0x34, 4), mem('i64.load32_u', 0x35, 4),
  mem('i32.store', 0x36, 4), mem('i64.store', 0x37, 8), mem('f32.store', 0x38, 4), mem('f64.store', 0x39, 8),
  mem('i32.store8', 0x3a, 1), mem('i32.store16', 0x3b, 2), mem('i64.store8', 0x3c, 1), mem('i64.store16', 0x3d, 2),
  mem('i64.store32', 0x3e, 4),
];

/** Loads and stores by name. */
export const MEM_BY_NAME: ReadonlyMap<string, MemOp> = new Map(MEM_OPS.map((o) => [o.name, o]));
