/**
 * The decoded module (spec 2.5 "Modules"), zero-copy: it keeps the caller's
 * bytes, and function bodies, constant expressions, data segments and custom
 * sections are offsets into them (or `subarray` views), never copies.
 * Per-function bookkeeping is parallel typed arrays, 12 bytes per function.
 *
 * Index spaces (funcidx, tableidx, memidx, globalidx) count imports first,
 * as the spec does.
 */
import type { FuncType, GlobalType, MemType, TableType, ValType } from './types.js';

export type ExternKind = 'func' | 'table' | 'memory' | 'global' | 'tag';

/** Byte range [start, end) of a constant expression, `end` opcode included (spec 3.3.10). */
export interface ConstExpr {
  start: number;
  end: number;
}

export interface Import {
  module: string;
  name: string;
  kind: ExternKind;
  /** For `func` and `tag`: its typeidx. */
  typeIndex: number;
  table: TableType | null;
  memory: MemType | null;
  global: GlobalType | null;
  /** Byte offset of the import entry. */
  offset: number;
}

export interface Export {
  name: string;
  kind: ExternKind;
  index: number;
  offset: number;
}

/** An element segment (spec 2.5.7), any of the 8 binary encodings. */
export interface Elem {
  mode: 'active' | 'passive' | 'declarative';
  /** tableidx for active segments (0 otherwise). */
  table: number;
  /** Offset expression for active segments. */
  offset: ConstExpr | null;
  /** Reference type of the elements (funcref or externref). */
  type: ValType;
  /** Elements given as funcidx (encodings 0-3), else null. */
  funcs: Uint32Array | null;
  /** Elements given as constant expressions (encodings 4-7), else null. */
  exprs: ConstExpr[] | null;
  /** Byte offset of the segment. */
  offsetInBytes: number;
}

/** A data segment (spec 2.5.8); `bytes` is a view into the input. */
export interface Data {
  mode: 'active' | 'passive';
  memory: number;
  offset: ConstExpr | null;
  bytes: Uint8Array;
  offsetInBytes: number;
}

export interface CustomSection {
  name: string;
  /** Payload range [start, end) after the name. */
  start: number;
  end: number;
}

export interface Module {
  /** The caller's input, never copied. */
  bytes: Uint8Array;
  types: FuncType[];
  imports: Import[];
  numImportedFuncs: number;
  numImportedTables: number;
  numImportedMemories: number;
  numImportedGlobals: number;
  /**
   * typeidx of every tag in the tagidx space (imports first): the legacy
   * exception-handling proposal's tags, whose type is a function type with
   * no results (the exception's payload is its params).
   */
  tags: number[];
  numImportedTags: number;
  /** typeidx of every function in the funcidx space (imports first). */
  funcTypes: Uint32Array;
  /** Every table in the tableidx space (imports first). */
  tables: TableType[];
  /** Every memory in the memidx space (imports first); limits in pages of 64 KiB. */
  memories: MemType[];
  /** Type of every global in the globalidx space (imports first). */
  globalTypes: GlobalType[];
  /** Initializers of the defined (non-imported) globals, in order. */
  globalInits: ConstExpr[];
  exports: Export[];
  /** funcidx of the start function, or -1. */
  start: number;
  elems: Elem[];
  datas: Data[];
  /** Value of the data count section, or -1 when absent. */
  dataCount: number;
  /**
   * Body of defined function i (funcidx = numImportedFuncs + i): bytes
   * [bodyStart[i], bodyEnd[i]), from the locals vector to the final `end` inclusive.
   */
  bodyStart: Uint32Array;
  bodyEnd: Uint32Array;
  customs: CustomSection[];
  /**
   * The first SIMD instruction in a function body, in function order
   * (funcidx, opcode id, byte offset), or null: set by validation
   * (validate/func.ts), null until then.
   */
  firstSimd: { funcidx: number; op: number; offset: number } | null;
  /**
   * Whether a function body changes a table's elements (`table.set`,
   * `table.grow`, `table.fill`, `table.copy`, `table.init`): set by
   * validation (validate/func.ts), null until then.
   */
  tableWrites: boolean | null;
  /**
   * The calls and memory growth of the function bodies, as validation walks
   * them (validate/func.ts), for lower/grows.ts, so that it need not decode
   * every body again: null until validation, in a module without memory
   * (nothing reads them there), and once lower/grows.ts has read them.
   */
  calls: CallFacts | null;
  /** Byte offsets of entries, for error messages: per typeidx, per tableidx, memidx and tagidx (imports included), the start section's funcidx (-1 when absent). */
  offsets: { types: number[]; tables: number[]; memories: number[]; tags: number[]; start: number };
}

/**
 * What the function bodies call, in the order validation meets the
 * instructions (`Module.calls`). Flat arrays of funcidx/typeidx/tableidx
 * numbers: a few per call instruction, nothing per function, and dropped
 * once lower/grows.ts has read them.
 */
export interface CallFacts {
  /** Each `call` as (callee funcidx, caller funcidx). */
  direct: number[];
  /** Each `call_indirect` as (typeidx, tableidx, caller funcidx). */
  indirect: number[];
  /** Each function with a `memory.grow` (funcidx; repeats allowed). */
  grows: number[];
}
