/**
 * The binary decoder (spec chapter 5 "Binary Format", Wasm 2.0, plus the tags of
 * the legacy exception-handling proposal): bytes to a
 * zero-copy `Module`. It checks the binary format only; everything the spec
 * calls validation (index bounds, limits, typing of constant expressions,
 * function bodies) is left to `compiler/validate/`.
 *
 * Like the reference interpreter, sections are read against the end of the
 * whole input, and each section must then end exactly at its declared size
 * ("section size mismatch"). This is what makes the error messages match the
 * spec test suite's `assert_malformed` wording (e.g. a constant expression
 * missing its `end` runs into the next section: "illegal opcode").
 */
import { CompileError } from '../../runtime/errors.js';
import { OP } from '../opcodes.js';
import * as typeCodes from '../types.js';
import type { FuncType, GlobalType, Limits, TableType, ValType } from '../types.js';
import type { ConstExpr, CustomSection, Data, Elem, Export, ExternKind, Import, Module } from '../module.js';
import { newInstr, readInstr, readLocals } from './code.js';
import { Reader } from './reader.js';
import { LATER_FORMS, LATER_TYPES } from './later.js';

// Module-local copies: test runners (tsx, vitest) compile imports to getters.
const { EXTERNREF, F64, FUNCREF, I32, V128 } = typeCodes;

/** The reference interpreter's message for running off the input anywhere past the header. */
const EOS = 'unexpected end of section or function';

/** Position of each section id (0-13) in the required order; custom sections (0) go anywhere; tags (13) come after memories. */
const RANK = [0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 11, 6];

const KINDS: readonly ExternKind[] = ['func', 'table', 'memory', 'global', 'tag'];

const OP_END = OP['end'];
const OP_ELSE = OP['else'];
const OP_BLOCK = OP['block'];
const OP_LOOP = OP['loop'];
const OP_IF = OP['if'];
const OP_TRY = OP['try'];
const OP_DELEGATE = OP['delegate'];

/**
 * Decodes a binary module (spec 5.5 "Modules") without copying: the result
 * keeps `bytes`, and refers to bodies, constant expressions, data payloads and
 * custom sections by offset (or `subarray` view).
 *
 * Checks the binary format only: section order and sizes, LEB128 encodings,
 * UTF-8 names, the fixed bytes and flags of every encoding, function/code and
 * data count/data section agreement. Function bodies are not decoded past
 * their size (the validator walks them). Encodings of features beyond Wasm 2.0
 * are rejected with a message naming the feature.
 *
 * @param bytes The module; it is kept (not copied) and must not be mutated afterwards.
 * @throws CompileError with `.offset` (byte offset in `bytes`); messages start
 *   with the spec test suite's wording ("unexpected end", "section size mismatch", ...).
 */
export function decodeModule(bytes: Uint8Array): Module {
  const d = new Decoder(bytes);
  try {
    return d.module();
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
    throw inSection(d.bodyError() ?? e);
  }
}

/**
 * Reader says "unexpected end" when it runs off the whole input; past the
 * header that is always inside a section, which the spec words as `EOS`.
 */
function inSection(e: CompileError): CompileError {
  return e.reason === 'unexpected end' && e.offset !== undefined && e.offset >= 8 ? new CompileError(EOS, e.offset, e.funcIndex) : e;
}

/** What the sections read so far hold: the parts of the Module that `Decoder.module` builds section by section. */
interface Sections {
  types: FuncType[];
  imports: Import[];
  /** Type indices of the imported functions, in order. */
  importedFuncTypes: number[];
  tables: TableType[];
  memories: Limits[];
  globalTypes: GlobalType[];
  globalInits: ConstExpr[];
  tags: number[];
  numImportedTags: number;
  exports: Export[];
  elems: Elem[];
  datas: Data[];
  customs: CustomSection[];
  numImportedTables: number;
  numImportedMemories: number;
  numImportedGlobals: number;
  /** Per funcidx (imports first), once the function section is read. */
  funcTypes: Uint32Array | null;
  numBodies: number;
  start: number;
  dataCount: number;
  offsets: Module['offsets'];
}

class Decoder {
  private readonly bytes: Uint8Array;
  private readonly len: number;
  private readonly r: Reader;
  private readonly ins = newInstr();
  private numImportedFuncs = 0;
  private bodyStart = new Uint32Array(0);
  private bodyEnd = new Uint32Array(0);
  /** Bodies whose range has been recorded so far. */
  private bodiesRead = 0;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.len = bytes.length;
    this.r = new Reader(bytes, 8);
  }

  private fail(message: string, at: number): never {
    throw new CompileError(message, at);
  }

  /** Preamble, then every section in order (spec 5.5.2, 5.5.16). */
  module(): Module {
    const { bytes, len, r } = this;
    this.preamble();
    const s: Sections = {
      types: [], imports: [], importedFuncTypes: [], tables: [], memories: [], globalTypes: [], globalInits: [], tags: [], numImportedTags: 0,
      exports: [], elems: [], datas: [], customs: [], numImportedTables: 0, numImportedMemories: 0, numImportedGlobals: 0,
      funcTypes: null, numBodies: 0, start: -1, dataCount: -1,
      offsets: { types: [], tables: [], memories: [], tags: [], start: -1 },
    };
    let lastRank = 0;

    while (r.pos < len) {
      const idAt = r.pos;
      const id = bytes[r.pos++];
      if (id > 13) this.fail('malformed section id', idAt);
      const size = this.len32();
      const sectionStart = r.pos;
      const sectionEnd = sectionStart + size;

      if (id === 0) {
        // Custom section (5.5.3): a name, then uninterpreted bytes.
        const name = this.name();
        if (r.pos > sectionEnd || sectionEnd > len) this.fail(EOS, Math.min(sectionEnd, len));
        s.customs.push({ name, start: r.pos, end: sectionEnd });
        r.pos = sectionEnd;
        continue;
      }
      if (RANK[id] <= lastRank) this.fail('unexpected content after last section', idAt);
      lastRank = RANK[id];
      this.section(id, s);
      if (r.pos !== sectionEnd) this.fail('section size mismatch', Math.min(r.pos, sectionEnd));
    }

    const funcTypes = s.funcTypes ?? Uint32Array.from(s.importedFuncTypes);
    if (s.numBodies !== funcTypes.length - s.importedFuncTypes.length) this.fail('function and code section have inconsistent lengths', len);
    if (s.dataCount >= 0 && s.dataCount !== s.datas.length) this.fail('data count and data section have inconsistent lengths', len);

    return {
      bytes,
      types: s.types,
      imports: s.imports,
      numImportedFuncs: s.importedFuncTypes.length,
      numImportedTables: s.numImportedTables,
      numImportedMemories: s.numImportedMemories,
      numImportedGlobals: s.numImportedGlobals,
      tags: s.tags,
      numImportedTags: s.numImportedTags,
      funcTypes,
      tables: s.tables,
      memories: s.memories,
      globalTypes: s.globalTypes,
      globalInits: s.globalInits,
      exports: s.exports,
      start: s.start,
      elems: s.elems,
      datas: s.datas,
      dataCount: s.dataCount,
      bodyStart: this.bodyStart,
      bodyEnd: this.bodyEnd,
      customs: s.customs,
      firstSimd: null,
      tableWrites: null,
      calls: null,
      offsets: s.offsets,
    };
  }

  /** The magic number and version (spec 5.5.16). */
  private preamble(): void {
    const { bytes, len } = this;
    if (len < 4) this.fail('unexpected end', len);
    if (bytes[0] !== 0x00 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) this.fail('magic header not detected', 0);
    if (len < 8) this.fail('unexpected end', len);
    if (bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) this.fail('unknown binary version', 4);
  }

  /** The contents of non-custom section `id` into `s`. */
  private section(id: number, s: Sections): void {
    const { bytes, r } = this;
    switch (id) {
      case 1: { // type (5.5.4)
        const n = this.count();
        for (let i = 0; i < n; i++) {
          s.offsets.types.push(r.pos);
          s.types.push(this.funcType());
        }
        break;
      }
      case 2: // import (5.5.5)
        this.importSection(s);
        break;
      case 3: { // function (5.5.6)
        const n = this.count();
        const k = s.importedFuncTypes.length;
        this.numImportedFuncs = k;
        const funcTypes = (s.funcTypes = new Uint32Array(k + n));
        for (let i = 0; i < k; i++) funcTypes[i] = s.importedFuncTypes[i];
        for (let i = 0; i < n; i++) funcTypes[k + i] = r.u32();
        break;
      }
      case 4: { // table (5.5.7)
        const n = this.count();
        for (let i = 0; i < n; i++) {
          if (bytes[r.pos] === 0x40 && bytes[r.pos + 1] === 0x00) this.fail('typed function references (table initializer expression) is not supported', r.pos);
          s.offsets.tables.push(r.pos);
          s.tables.push(this.tableType());
        }
        break;
      }
      case 5: { // memory (5.5.8)
        const n = this.count();
        for (let i = 0; i < n; i++) {
          s.offsets.memories.push(r.pos);
          s.memories.push(this.limits(true));
        }
        break;
      }
      case 6: { // global (5.5.9)
        const n = this.count();
        for (let i = 0; i < n; i++) {
          s.globalTypes.push(this.globalType());
          s.globalInits.push(this.constExpr());
        }
        break;
      }
      case 7: { // export (5.5.10)
        const n = this.count();
        for (let i = 0; i < n; i++) {
          const offset = r.pos;
          const name = this.name();
          const kindAt = r.pos;
          const kind = r.u8();
          if (kind > 4) this.fail('malformed export kind', kindAt);
          s.exports.push({ name, kind: KINDS[kind], index: r.u32(), offset });
        }
        break;
      }
      case 13: { // tag (exception handling)
        const n = this.count();
        for (let i = 0; i < n; i++) {
          s.offsets.tags.push(r.pos);
          s.tags.push(this.tagType());
        }
        break;
      }
      case 8: // start (5.5.11)
        s.offsets.start = r.pos;
        s.start = r.u32();
        break;
      case 9: { // element (5.5.12)
        const n = this.count();
        for (let i = 0; i < n; i++) s.elems.push(this.elem());
        break;
      }
      case 12: // data count (5.5.15)
        s.dataCount = r.u32();
        break;
      case 10: // code (5.5.13)
        this.codeSection(s);
        break;
      case 11: { // data (5.5.14)
        const n = this.count();
        for (let i = 0; i < n; i++) s.datas.push(this.data());
        break;
      }
    }
  }

  /** The import section (5.5.5): imported entities come first in each index space. */
  private importSection(s: Sections): void {
    const r = this.r;
    const n = this.count();
    for (let i = 0; i < n; i++) {
      const offset = r.pos;
      const module = this.name();
      const name = this.name();
      const kindAt = r.pos;
      const kind = r.u8();
      let typeIndex = 0;
      let table: TableType | null = null;
      let memory: Limits | null = null;
      let global: GlobalType | null = null;
      if (kind === 0) s.importedFuncTypes.push((typeIndex = r.u32()));
      else if (kind === 1) {
        s.offsets.tables.push(offset);
        s.tables.push((table = this.tableType()));
        s.numImportedTables++;
      } else if (kind === 2) {
        s.offsets.memories.push(offset);
        s.memories.push((memory = this.limits(true)));
        s.numImportedMemories++;
      } else if (kind === 3) {
        s.globalTypes.push((global = this.globalType()));
        s.numImportedGlobals++;
      } else if (kind === 4) {
        s.offsets.tags.push(offset);
        s.tags.push((typeIndex = this.tagType()));
        s.numImportedTags++;
      } else this.fail('malformed import kind', kindAt);
      s.imports.push({ module, name, kind: KINDS[kind], typeIndex, table, memory, global, offset });
    }
  }

  /** A tag type (exception handling): attribute 0 (an exception), then its typeidx. */
  private tagType(): number {
    const at = this.r.pos;
    if (this.r.u8() !== 0) this.fail('malformed tag attribute', at);
    return this.r.u32();
  }

  /** The code section (5.5.13): only the body ranges; the validator decodes them. */
  private codeSection(s: Sections): void {
    const { len, r } = this;
    const n = this.count();
    const expected = s.funcTypes === null ? 0 : s.funcTypes.length - s.importedFuncTypes.length;
    s.numBodies = n;
    const bodyStart = (this.bodyStart = new Uint32Array(Math.min(n, expected)));
    const bodyEnd = (this.bodyEnd = new Uint32Array(bodyStart.length));
    for (let i = 0; i < n; i++) {
      const size = this.len32();
      const from = r.pos;
      const to = from + size;
      // A count mismatch is reported after all sections, as the reference interpreter does.
      if (i < bodyStart.length) {
        bodyStart[i] = from;
        bodyEnd[i] = to;
        this.bodiesRead = i + 1;
      }
      if (to > len) this.fail(EOS, len);
      r.pos = to;
    }
  }

  /** Error path only: the first error `referenceBodyError` finds in the bodies read so far, or null. */
  bodyError(): CompileError | null {
    for (let i = 0; i < this.bodiesRead; i++) {
      const e = referenceBodyError(this.bytes, this.bodyStart[i], this.bodyEnd[i], this.numImportedFuncs + i);
      if (e !== null) return e;
    }
    return null;
  }

  /**
   * A length (section or body size, name or data length), like the reference
   * interpreter's `len32`: more than the bytes left from its own offset is
   * "length out of bounds".
   */
  private len32(): number {
    const at = this.r.pos;
    const n = this.r.u32();
    if (n > this.len - at) this.fail('length out of bounds', at);
    return n;
  }

  /**
   * A vector count (5.1.3). Every element takes at least one byte, so a count
   * larger than the bytes left fails here, before anything is allocated for it.
   * (Larger per-element minimums would report "unexpected end" where the
   * reference interpreter finds a malformed last element first.)
   */
  private count(): number {
    const at = this.r.pos;
    const n = this.len32();
    if (n > this.len - this.r.pos) this.fail(EOS, at);
    return n;
  }

  /** A `name` (5.2.4): length-prefixed UTF-8. */
  private name(): string {
    const r = this.r;
    const n = this.len32();
    const from = r.pos;
    if (n > this.len - from) this.fail(EOS, this.len);
    r.pos = from + n;
    const b = this.bytes;
    if (n <= 32) {
      // Short ASCII names (almost all of them) without a TextDecoder call.
      let s = '';
      let i = from;
      for (; i < r.pos && b[i] < 0x80; i++) s += String.fromCharCode(b[i]);
      if (i === r.pos) return s;
    }
    try {
      return utf8.decode(b.subarray(from, from + n));
    } catch {
      return this.fail('malformed UTF-8 encoding', from);
    }
  }

  /** Rejects a type byte that is not what the context allows; names later features. */
  private badType(b: number, at: number, message: string): never {
    if (b & 0x80) this.fail('integer representation too long', at);
    const later = LATER_TYPES[b];
    return this.fail(later === undefined ? message : `${later} is not supported`, at);
  }

  /** A `valtype` (5.3.4) as its code. */
  private valType(): ValType {
    const at = this.r.pos;
    const b = this.r.u8();
    if ((b >= F64 && b <= I32) || b === V128 || b === FUNCREF || b === EXTERNREF) return b;
    return this.badType(b, at, 'malformed value type');
  }

  /** A `reftype` (5.3.3): funcref or externref. */
  private refType(): ValType {
    const at = this.r.pos;
    const b = this.r.u8();
    if (b === FUNCREF || b === EXTERNREF) return b;
    return this.badType(b, at, 'malformed reference type');
  }

  /** A `functype` (5.3.6): 0x60, parameter and result vectors. */
  private funcType(): FuncType {
    const r = this.r;
    const at = r.pos;
    const form = r.u8();
    if (form !== 0x60) {
      if (form & 0x80) this.fail('integer representation too long', at);
      const later = LATER_FORMS[form];
      this.fail(later === undefined ? 'malformed function type' : `${later} is not supported`, at);
    }
    let n = this.count();
    const params: ValType[] = new Array(n);
    for (let i = 0; i < n; i++) params[i] = this.valType();
    n = this.count();
    const results: ValType[] = new Array(n);
    for (let i = 0; i < n; i++) results[i] = this.valType();
    return { params, results };
  }

  /**
   * `limits` (5.3.7). The flag is a 1-bit LEB128 in Wasm 2.0, so other values
   * are "integer too large" (named when they are a later feature's flags).
   */
  private limits(memory: boolean): Limits {
    const r = this.r;
    const at = r.pos;
    const flags = r.u8();
    if (flags > 1) {
      if ((flags & 0x7f) <= 1) this.fail('integer representation too long', at);
      const f = flags & 0x7f;
      let what = `malformed limits flags 0x${flags.toString(16)}`;
      if (memory && (f === 2 || f === 3)) what = 'shared memory (threads) is not supported';
      else if (f >= 4 && f <= 7) what = memory ? 'memory64 is not supported' : 'table64 (memory64) is not supported';
      this.fail(`integer too large: ${what}`, at);
    }
    const min = r.u32();
    return { min, max: flags === 1 ? r.u32() : undefined };
  }

  /** A `tabletype` (5.3.9). */
  private tableType(): TableType {
    const elem = this.refType();
    return { limits: this.limits(false), elem };
  }

  /** A `globaltype` (5.3.10). */
  private globalType(): GlobalType {
    const type = this.valType();
    const at = this.r.pos;
    const m = this.r.u8();
    if (m > 1) this.fail('malformed mutability', at);
    return { type, mutable: m === 1 };
  }

  /**
   * A constant expression (5.4.9 `expr`): its byte range, final `end`
   * included. Instructions are read only to find that `end`; which ones are
   * allowed is the validator's business.
   */
  private constExpr(): ConstExpr {
    const r = this.r;
    const ins = this.ins;
    const start = r.pos;
    let depth = 0;
    for (;;) {
      readInstr(r, ins);
      const op = ins.op;
      if (op === OP_END || op === OP_DELEGATE) {
        if (depth === 0) break;
        depth--;
      } else if (op === OP_BLOCK || op === OP_LOOP || op === OP_IF || op === OP_TRY) depth++;
      else if (op === OP_ELSE && depth === 0) this.fail('END opcode expected', ins.offset);
    }
    return { start, end: r.pos };
  }

  /** An element segment (5.5.12), any of the 8 encodings (flags 0-7). */
  private elem(): Elem {
    const r = this.r;
    const offsetInBytes = r.pos;
    const flags = r.u32();
    if (flags > 7) this.fail('malformed elements segment kind', offsetInBytes);
    let mode: Elem['mode'] = 'active';
    let table = 0;
    let offset: ConstExpr | null = null;
    let type: ValType = FUNCREF;
    if ((flags & 1) === 0) {
      if (flags & 2) table = r.u32();
      offset = this.constExpr();
    } else mode = flags & 2 ? 'declarative' : 'passive';
    let funcs: Uint32Array | null = null;
    let exprs: ConstExpr[] | null = null;
    if (flags & 4) {
      if (flags & 3) type = this.refType();
      const n = this.count();
      exprs = new Array(n);
      for (let i = 0; i < n; i++) exprs[i] = this.constExpr();
    } else {
      if (flags & 3) {
        const at = r.pos;
        if (r.u8() !== 0x00) this.fail('malformed element kind', at);
      }
      const n = this.count();
      funcs = new Uint32Array(n);
      for (let i = 0; i < n; i++) funcs[i] = r.u32();
    }
    return { mode, table, offset, type, funcs, exprs, offsetInBytes };
  }

  /** A data segment (5.5.14), any of the 3 encodings; the payload is a view. */
  private data(): Data {
    const r = this.r;
    const offsetInBytes = r.pos;
    const flags = r.u32();
    if (flags > 2) this.fail('malformed data segment kind', offsetInBytes);
    const memory = flags === 2 ? r.u32() : 0;
    const offset = flags === 1 ? null : this.constExpr();
    const n = this.len32();
    const from = r.pos;
    if (n > this.len - from) this.fail(EOS, this.len);
    r.pos = from + n;
    return { mode: flags === 1 ? 'passive' : 'active', memory, offset, bytes: this.bytes.subarray(from, from + n), offsetInBytes };
  }
}

/**
 * Error path only: decodes one function body as the reference interpreter
 * does, reading instructions past `end` if the final `end` opcode is not where
 * the body size says (5.5.13; the body must then end exactly at `end`:
 * "section size mismatch"). The reference decodes each body before anything
 * after it, so this finds the error it reports, e.g. an over-long LEB128 at
 * the end of a body rather than the "malformed section id" its excess bytes
 * cause afterwards. Checks the encoding only (no typing, no index bounds).
 *
 * @param start, end The body's byte range in `bytes` (`bodyStart[i]`, `bodyEnd[i]`).
 * @param funcIndex Its funcidx, carried by the error.
 * @returns The CompileError the reference would report, or null when the body decodes.
 */
export function referenceBodyError(bytes: Uint8Array, start: number, end: number, funcIndex: number): CompileError | null {
  const r = new Reader(bytes, start);
  r.funcIndex = funcIndex;
  const ins = newInstr();
  try {
    readLocals(r, []);
    let depth = 0;
    for (;;) {
      readInstr(r, ins);
      const op = ins.op;
      if (op === OP_END || op === OP_DELEGATE) {
        if (depth === 0) break;
        depth--;
      } else if (op === OP_BLOCK || op === OP_LOOP || op === OP_IF || op === OP_TRY) depth++;
      else if (op === OP_ELSE && depth === 0) r.fail('END opcode expected', ins.offset);
    }
    if (r.pos !== end) r.fail('section size mismatch', start);
    return null;
  } catch (e) {
    if (e instanceof CompileError) return inSection(e);
    throw e;
  }
}

// ignoreBOM: a leading U+FEFF is part of the name, not a byte order mark.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
