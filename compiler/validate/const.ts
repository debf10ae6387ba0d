/**
 * Constant expressions (spec 3.3.10 "Constant Expressions"): global
 * initializers, element and data segment offsets, element expressions.
 */
import { CompileError } from '../../runtime/errors.js';
import { Reader } from '../decode/reader.js';
import { readInstr, newInstr } from '../decode/code.js';
import { OP } from '../opcodes.js';
import { refNullMessage } from '../decode/later.js';
import type { ConstExpr, Module } from '../module.js';
import { I32, I64, F32, F64, V128, FUNCREF, EXTERNREF, valTypeName, type ValType } from '../types.js';

const OP_END = OP['end'];
const OP_I32 = OP['i32.const'];
const OP_I64 = OP['i64.const'];
const OP_F32 = OP['f32.const'];
const OP_F64 = OP['f64.const'];
const OP_V128 = OP['v128.const'];
const OP_REF_NULL = OP['ref.null'];
const OP_REF_FUNC = OP['ref.func'];
const OP_GLOBAL_GET = OP['global.get'];

const ins = newInstr();

/**
 * Checks that `e` is a constant expression of type `[] -> [want]`. In Wasm
 * 2.0, `global.get` may only name an imported immutable global (the context
 * C' of spec 3.4.10 holds the imported globals only). Every `ref.func x`
 * found marks `refs[x]` (the set C.refs of declared function references).
 * @throws CompileError "constant expression required", "unknown global N",
 *   "unknown function N", "type mismatch: ..." (no `funcIndex`).
 */
export function validateConstExpr(m: Module, e: ConstExpr, want: ValType, refs: Uint8Array): void {
  const r = new Reader(m.bytes, e.start, e.end);
  let depth = 0;
  let top = 0;
  for (;;) {
    if (r.pos >= e.end) throw new CompileError('unexpected end of constant expression', r.pos);
    readInstr(r, ins);
    const id = ins.op;
    let t: ValType;
    if (id === OP_END) break;
    else if (id === OP_I32) t = I32;
    else if (id === OP_I64) t = I64;
    else if (id === OP_F32) t = F32;
    else if (id === OP_F64) t = F64;
    else if (id === OP_V128) t = V128;
    else if (id === OP_REF_NULL) {
      if (ins.a !== FUNCREF && ins.a !== EXTERNREF) throw new CompileError(refNullMessage(ins.a), ins.offset);
      t = ins.a;
    } else if (id === OP_REF_FUNC) {
      if (ins.a >= m.funcTypes.length) throw new CompileError(`unknown function ${ins.a}`, ins.offset);
      refs[ins.a] = 1;
      t = FUNCREF;
    } else if (id === OP_GLOBAL_GET) {
      if (ins.a >= m.numImportedGlobals) throw new CompileError(`unknown global ${ins.a}`, ins.offset);
      const g = m.globalTypes[ins.a];
      if (g.mutable) throw new CompileError(`constant expression required: global.get of mutable global ${ins.a}`, ins.offset);
      t = g.type;
    } else throw new CompileError('constant expression required', ins.offset);
    depth++;
    top = t;
  }
  if (depth !== 1 || top !== want) {
    const got = depth === 0 ? 'nothing' : depth === 1 ? valTypeName(top) : `${depth} values`;
    throw new CompileError(`type mismatch: constant expression must be ${valTypeName(want)}, got ${got}`, e.start);
  }
}
