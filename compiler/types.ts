/**
 * Core wasm types, numbered by their binary encoding so that a decoded byte
 * is already a value (spec 5.3 "Types").
 */

/** A `valtype` as its binary code: 0x7f i32, 0x7e i64, 0x7d f32, 0x7c f64, 0x7b v128, 0x70 funcref, 0x6f externref. */
export type ValType = number;

export const I32 = 0x7f;
export const I64 = 0x7e;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
export const FUNCREF = 0x70;
export const EXTERNREF = 0x6f;
/** Not a wasm type: the "unknown" operand type of the validation algorithm (spec appendix A.3, `Unknown`). */
export const UNKNOWN = 0;

/** Spec text name of a `valtype` code ("i32", "funcref", ...). */
export function valTypeName(t: ValType): string {
  switch (t) {
    case I32: return 'i32';
    case I64: return 'i64';
    case F32: return 'f32';
    case F64: return 'f64';
    case V128: return 'v128';
    case FUNCREF: return 'funcref';
    case EXTERNREF: return 'externref';
    case UNKNOWN: return 'unknown';
    default: return `0x${t.toString(16)}`;
  }
}

/** A function type `[params] -> [results]` (spec 2.3.5 "Function Types"). */
export interface FuncType {
  params: ValType[];
  results: ValType[];
}

/** `limits` in units of the entity (pages of 64 KiB for memories, elements for tables). `max` is undefined when absent. */
export interface Limits {
  min: number;
  max: number | undefined;
}

/** A table type: `limits` plus element reference type (spec 2.3.9). */
export interface TableType {
  limits: Limits;
  elem: ValType;
}

/** A memory type: `limits` in pages of 64 KiB (spec 2.3.8). */
export type MemType = Limits;

/** A global type (spec 2.3.10). */
export interface GlobalType {
  type: ValType;
  mutable: boolean;
}

export function funcTypeToString(t: FuncType): string {
  return `[${t.params.map(valTypeName).join(' ')}] -> [${t.results.map(valTypeName).join(' ')}]`;
}
