/**
 * Function-body validation: the algorithm of the spec's appendix A.3
 * ("Validation Algorithm") over the binary body, one instruction at a time
 * through `readInstr`, with the typing rules of spec 3.3 ("Instructions").
 *
 * The operand stack is a growable `Uint8Array` of valtype bytes (0 =
 * `Unknown`, the polymorphic type of unreachable code); the control stack is
 * parallel typed arrays (both in the base class, stacks.ts). Nothing is
 * allocated per instruction: instructions
 * with a fixed signature pop and push from the flattened opcode table, the
 * rest are typed by name in one switch.
 */
import { CompileError } from '../../runtime/errors.js';
import { Reader } from '../decode/reader.js';
import { readInstr as readInstrImported, readLocals, newInstr, type Instr, type Locals } from '../decode/code.js';
import { referenceBodyError } from '../decode/module.js';
import { refNullMessage } from '../decode/later.js';
import type { CallFacts, Module } from '../module.js';
import { valTypeName, type FuncType, type ValType } from '../types.js';
import * as T from './optable.js';
import * as TY from '../types.js';
import * as FRAME from '../frames.js';
import { ValidatorStacks } from './stacks.js';
import { OP } from '../opcodes.js';

// Module-local copies: bundlers and test runners may turn imports into getters.
const SPECIAL = T.SPECIAL;
const SIG = T.SIG;
const SIG_START = T.SIG_START;
const N_PARAMS = T.N_PARAMS;
const N_RESULTS = T.N_RESULTS;
const MAX_ALIGN = T.MAX_ALIGN;
const LANES = T.LANES;
const VALTYPE = T.VALTYPE;
const FIRST_SIMD = T.FIRST_SIMD;
const readInstr = readInstrImported;
// The switch in `walk` spells optable's S_* codes as literals (so V8 builds a jump table).
if (T.S_UNREACHABLE !== 1 || T.S_TABLE_FILL !== 27 || T.S_THROW !== 31 || T.S_MEMARG !== 32 || T.S_TABLE_COPY !== 42 || T.S_RETHROW !== 43) {
  throw new Error('validate/optable.ts codes changed: update the switch in validate/func.ts');
}
// Valtype codes (types.ts) and control frame kinds (frames.ts), copied the same way.
const I32 = TY.I32;
const FUNCREF = TY.FUNCREF;
const EXTERNREF = TY.EXTERNREF;
const UNKNOWN = TY.UNKNOWN;
const K_BLOCK = FRAME.BLOCK;
const K_LOOP = FRAME.LOOP;
const K_IF = FRAME.IF;
const K_ELSE = FRAME.ELSE;
const K_FUNC = FRAME.FUNC;
const K_TRY = FRAME.TRY;
const K_CATCH = FRAME.CATCH;
const K_CATCH_ALL = FRAME.CATCH_ALL;
const OP_CATCH_ALL = OP['catch_all'];
const OP_MEMORY_GROW = OP['memory.grow'];

function isRef(t: ValType): boolean {
  return t === FUNCREF || t === EXTERNREF;
}

/**
 * Validates the function bodies of one module. Holds the reused stacks
 * (ValidatorStacks), so one instance serves every function of the module.
 */
export class FuncValidator extends ValidatorStacks {
  private readonly m: Module;
  /** C.refs (spec 3.4.10): 1 for each funcidx that `ref.func` may name in a body. */
  private readonly refs: Uint8Array;
  private readonly r: Reader;
  /** Second cursor, for `br_table` targets and the locals vector. */
  private readonly r2: Reader;
  private readonly ins: Instr = newInstr();
  private locals: Locals | null = null;
  /**
   * What the bodies validated so far call, and which grow memory (`Module.calls`
   * once all are valid), for lower/grows.ts; null in a module without memory,
   * where nothing reads them.
   */
  readonly calls: CallFacts | null;

  /** `refs[f]` is 1 when funcidx `f` is in C.refs (may be named by `ref.func` in a body). */
  constructor(m: Module, refs: Uint8Array) {
    super(m.types);
    this.m = m;
    this.refs = refs;
    this.r = new Reader(m.bytes);
    this.r2 = new Reader(m.bytes);
    this.calls = m.memories.length > 0 ? { direct: [], indirect: [], grows: [] } : null;
  }

  /** Reads a `blocktype` immediate (already decoded into `ins.a`) into the stored form, checking it. */
  private blockType(a: number): number {
    if (a >= 0) {
      if (a >= this.types.length) this.fail(`unknown type ${a}`);
      return a;
    }
    const byte = a + 0x80;
    if (byte !== 0x40 && !(byte >= 0 && VALTYPE[byte])) this.fail('malformed block type');
    return -byte;
  }

  // --- Index-space checks ---

  private memory(idx: number): void {
    if (idx >= this.m.memories.length) this.fail(`unknown memory ${idx}`);
  }
  private table(idx: number): ValType {
    if (idx >= this.m.tables.length) this.fail(`unknown table ${idx}`);
    return this.m.tables[idx].elem;
  }

  /** `table(idx)` for an instruction that changes the table's elements: records that one does (`Module.tableWrites`). */
  private writtenTable(idx: number): ValType {
    this.m.tableWrites = true;
    return this.table(idx);
  }

  private local(idx: number): ValType {
    const l = this.locals!;
    if (idx >= l.count) this.fail(`unknown local ${idx}`);
    return l.type(idx);
  }
  private global(idx: number): ValType {
    if (idx >= this.m.globalTypes.length) this.fail(`unknown global ${idx}`);
    return this.m.globalTypes[idx].type;
  }
  private func(idx: number): FuncType {
    if (idx >= this.m.funcTypes.length) this.fail(`unknown function ${idx}`);
    return this.types[this.m.funcTypes[idx]];
  }
  private elem(idx: number): ValType {
    if (idx >= this.m.elems.length) this.fail(`unknown elem segment ${idx}`);
    return this.m.elems[idx].type;
  }
  private data(idx: number): void {
    const m = this.m;
    if (idx >= (m.dataCount < 0 ? m.datas.length : m.dataCount)) this.fail(`unknown data segment ${idx}`);
    if (m.dataCount < 0) this.fail('data count section required');
  }
  private label(depth: number): void {
    if (depth >= this.csp) this.fail(`unknown label ${depth}`);
  }
  private tag(idx: number): FuncType {
    if (idx >= this.m.tags.length) this.fail(`unknown tag ${idx}`);
    return this.types[this.m.tags[idx]];
  }
  private align(id: number, a: number): void {
    // Flags 64-127 carry a memory index in Wasm 3.0 (multi-memory): malformed in 2.0, named so.
    if (a >= 32) this.fail(a >= 64 && a < 128 ? 'malformed memop flags (multi-memory: a memory index in memarg is not supported)' : 'malformed memop flags');
    if (a > MAX_ALIGN[id]) this.fail('alignment must not be larger than natural');
  }

  /**
   * Validates the body of defined function `i` (funcidx = numImportedFuncs + i),
   * bytes [bodyStart[i], bodyEnd[i]) of the module (spec 3.4.1 "Functions",
   * 5.5.13 "Code Section").
   * @throws CompileError at the offending instruction, with `funcIndex` set:
   *   "type mismatch: ...", "unknown local N", "unknown label N", ...,
   *   "END opcode expected" when the body ends inside a block, "section size
   *   mismatch" when bytes follow the final `end`.
   */
  validate(i: number): void {
    const m = this.m;
    const funcIndex = m.numImportedFuncs + i;
    this.funcIndex = funcIndex;
    try {
      this.walk(m.funcTypes[funcIndex], m.bodyStart[i], m.bodyEnd[i]);
    } catch (e) {
      // Running out of bytes mid-instruction: say what the reference interpreter says.
      if (e instanceof CompileError && e.reason.startsWith('unexpected end')) {
        throw referenceBodyError(m.bytes, m.bodyStart[i], m.bodyEnd[i], funcIndex) ?? e;
      }
      throw e;
    } finally {
      this.locals = null;
    }
  }

  /** The validation loop over one body (appendix A.3), `end` being the byte after its final `end`. */
  // eslint-disable-next-line max-lines-per-function -- the hottest loop of a compile: one switch over literal codes, which V8 turns into a jump table; split into functions it would pay a call per instruction.
  private walk(typeIdx: number, start: number, end: number): void {
    const m = this.m;
    const r = this.r;
    r.pos = start;
    r.end = end;
    r.funcIndex = this.funcIndex;
    this.locals = readLocals(r, this.types[typeIdx].params);
    this.checkLocalTypes(start, r.pos);

    this.sp = 0;
    this.csp = 0;
    this.openFrame(K_FUNC, typeIdx);
    const ins = this.ins;

    for (;;) {
      if (r.pos >= end) this.bodyOverrun(end);
      readInstr(r, ins);
      const id = ins.op;
      this.at = ins.offset;
      if (id >= FIRST_SIMD && m.firstSimd === null) m.firstSimd = { funcidx: this.funcIndex, op: id, offset: ins.offset };
      const s = SPECIAL[id];
      if (s !== 0) {
        switch (s) {
          case 1: // unreachable
            this.unreachable();
            continue;
          case 2: // block
            this.pushCtrl(K_BLOCK, this.blockType(ins.a));
            continue;
          case 3: // loop
            this.pushCtrl(K_LOOP, this.blockType(ins.a));
            continue;
          case 4: { // if
            const bt = this.blockType(ins.a);
            this.pop(I32);
            this.pushCtrl(K_IF, bt);
            continue;
          }
          case 5: { // else
            const f = this.csp - 1;
            if (this.ctrlKind[f] !== K_IF) this.fail('END opcode expected: else without matching if');
            const bt = this.ctrlType[f];
            this.popCtrl();
            this.pushCtrlNoPop(K_ELSE, bt);
            continue;
          }
          case 28: // try
            this.pushCtrl(K_TRY, this.blockType(ins.a));
            continue;
          case 29: { // catch x, catch_all: the try's next handler, starting with the tag's params
            const f = this.csp - 1;
            const kind = this.ctrlKind[f];
            if (kind !== K_TRY && kind !== K_CATCH) this.fail(kind === K_CATCH_ALL ? 'catch after catch_all' : 'catch without matching try');
            const params = id === OP_CATCH_ALL ? null : this.tag(ins.a).params;
            const bt = this.ctrlType[f];
            this.popCtrl();
            this.openFrame(params === null ? K_CATCH_ALL : K_CATCH, bt);
            if (params !== null) for (let k = 0; k < params.length; k++) this.push(params[k]);
            continue;
          }
          case 30: { // delegate l: ends a try (before any handler); l counts from outside it
            const f = this.csp - 1;
            if (this.ctrlKind[f] !== K_TRY) this.fail('delegate without matching try');
            const bt = this.ctrlType[f];
            this.popCtrl();
            this.label(ins.a);
            const n = this.nResults(bt);
            for (let k = 0; k < n; k++) this.push(this.result(bt, k));
            continue;
          }
          case 31: { // throw x
            const params = this.tag(ins.a).params;
            for (let k = params.length - 1; k >= 0; k--) this.pop(params[k]);
            this.unreachable();
            continue;
          }
          case 43: { // rethrow l: l names a handler (catch or catch_all)
            this.label(ins.a);
            const kind = this.ctrlKind[this.csp - 1 - ins.a];
            if (kind !== K_CATCH && kind !== K_CATCH_ALL) this.fail('invalid rethrow label');
            this.unreachable();
            continue;
          }
          case 6: { // end
            const f = this.csp - 1;
            const kind = this.ctrlKind[f];
            const bt = this.ctrlType[f];
            this.popCtrl();
            if (kind === K_IF) this.checkImplicitElse(bt);
            if (this.csp === 0) break;
            const n = this.nResults(bt);
            for (let k = 0; k < n; k++) this.push(this.result(bt, k));
            continue;
          }
          case 7: // br
            this.label(ins.a);
            this.popLabel(ins.a);
            this.unreachable();
            continue;
          case 8: // br_if
            this.label(ins.a);
            this.pop(I32);
            this.popLabel(ins.a);
            this.pushLabel(ins.a);
            continue;
          case 9: // br_table
            this.brTable(ins);
            continue;
          case 10: // return
            this.popLabel(this.csp - 1);
            this.unreachable();
            continue;
          case 11: // call
            this.call(this.func(ins.a));
            this.calls?.direct.push(ins.a, this.funcIndex);
            continue;
          case 12: { // call_indirect
            const elem = this.table(ins.b);
            if (ins.a >= this.types.length) this.fail(`unknown type ${ins.a}`);
            if (elem !== FUNCREF) this.fail('type mismatch: call_indirect requires a table of funcref');
            this.pop(I32);
            this.call(this.types[ins.a]);
            this.calls?.indirect.push(ins.a, ins.b, this.funcIndex);
            continue;
          }
          case 13: // ref_null
            if (!isRef(ins.a)) this.fail(refNullMessage(ins.a));
            this.push(ins.a);
            continue;
          case 14: { // ref_is_null
            const t = this.pop(UNKNOWN);
            if (t !== UNKNOWN && !isRef(t)) this.fail(`type mismatch: expected a reference, got ${valTypeName(t)}`);
            this.push(I32);
            continue;
          }
          case 15: // ref_func
            this.func(ins.a);
            if (!this.refs[ins.a]) this.fail(`undeclared function reference ${ins.a}`);
            this.push(FUNCREF);
            continue;
          case 16: // drop
            this.pop(UNKNOWN);
            continue;
          case 17: { // select
            this.pop(I32);
            const t1 = this.pop(UNKNOWN);
            const t2 = this.pop(UNKNOWN);
            if (isRef(t1) || isRef(t2)) this.fail('type mismatch: select without a type needs numeric or vector operands');
            if (t1 !== t2 && t1 !== UNKNOWN && t2 !== UNKNOWN) this.mismatch(t1, t2);
            this.push(t1 === UNKNOWN ? t2 : t1);
            continue;
          }
          case 18: { // select_t
            if (ins.a !== 1) this.fail('invalid result arity');
            const t = ins.b;
            if (!VALTYPE[t]) this.fail('malformed value type');
            this.pop(I32);
            this.pop(t);
            this.pop(t);
            this.push(t);
            continue;
          }
          case 19: // local_get
            this.push(this.local(ins.a));
            continue;
          case 20: // local_set
            this.pop(this.local(ins.a));
            continue;
          case 21: { // local_tee
            const t = this.local(ins.a);
            this.pop(t);
            this.push(t);
            continue;
          }
          case 22: // global_get
            this.push(this.global(ins.a));
            continue;
          case 23: { // global_set
            const t = this.global(ins.a);
            if (!m.globalTypes[ins.a].mutable) this.fail(`global is immutable: global.set ${ins.a}`);
            this.pop(t);
            continue;
          }
          case 24: { // table_get
            const t = this.table(ins.a);
            this.pop(I32);
            this.push(t);
            continue;
          }
          case 25: { // table_set
            const t = this.writtenTable(ins.a);
            this.pop(t);
            this.pop(I32);
            continue;
          }
          case 26: { // table_grow
            const t = this.writtenTable(ins.a);
            this.pop(I32);
            this.pop(t);
            this.push(I32);
            continue;
          }
          case 27: { // table_fill
            const t = this.writtenTable(ins.a);
            this.pop(I32);
            this.pop(t);
            this.pop(I32);
            continue;
          }
          // Immediates checked here; operands typed by the signature below.
          case 32: // memarg
            this.memory(0);
            this.align(id, ins.a);
            break;
          case 33: // memory
            this.memory(ins.a); // memory.copy's second memidx is also a zero byte in 2.0
            if (id === OP_MEMORY_GROW) this.calls?.grows.push(this.funcIndex);
            break;
          case 34: // lane
            if (ins.a >= LANES[id]) this.fail(`invalid lane index ${ins.a}`);
            break;
          case 35: // memarg_lane
            this.memory(0);
            this.align(id, ins.a);
            if (ins.c >= LANES[id]) this.fail(`invalid lane index ${ins.c}`);
            break;
          case 36: { // shuffle
            const b = m.bytes;
            for (let k = 0; k < 16; k++) if (b[ins.b + k] >= 32) this.fail(`invalid lane index ${b[ins.b + k]}`);
            break;
          }
          case 37: // memory_init
            this.memory(ins.b);
            this.data(ins.a);
            break;
          case 38: // data_drop
            this.data(ins.a);
            break;
          case 39: // table_size
            this.table(ins.a);
            break;
          case 40: { // table_init
            const t = this.writtenTable(ins.b);
            if (this.elem(ins.a) !== t) this.fail(`type mismatch: table.init of ${valTypeName(this.elem(ins.a))} elements into a table of ${valTypeName(t)}`);
            break;
          }
          case 41: // elem_drop
            this.elem(ins.a);
            break;
          case 42: { // table_copy
            const dst = this.writtenTable(ins.a);
            const src = this.table(ins.b);
            if (dst !== src) this.fail(`type mismatch: table.copy from a table of ${valTypeName(src)} into a table of ${valTypeName(dst)}`);
            break;
          }
        }
        if (s === 6) break; // end of the function
      }

      // Fixed signature: pop the parameters (top first), push the results.
      const p = SIG_START[id];
      const np = N_PARAMS[id];
      const nr = N_RESULTS[id];
      if (np !== 0) {
        const f = this.csp - 1;
        const h = this.ctrlHeight[f];
        const vals = this.vals;
        for (let k = np - 1; k >= 0; k--) {
          const want = SIG[p + k];
          if (this.sp > h) {
            const got = vals[--this.sp];
            if (got !== want && got !== UNKNOWN) this.mismatch(want, got);
          } else if (!this.ctrlUnreach[f]) this.mismatch(want, -1);
        }
      }
      for (let k = 0; k < nr; k++) this.push(SIG[p + np + k]);
    }

    if (r.pos !== end) this.fail('section size mismatch', r.pos);
  }

  /**
   * The body ended inside a block. Report it as the reference interpreter
   * does, which reads bodies against the end of the whole input (the
   * decoder's `referenceBodyError`); failing that: at the end of input
   * "unexpected end", a following 0x0b byte is taken for the missing `end`
   * and overruns the section ("section size mismatch"), anything else is
   * "END opcode expected".
   */
  private bodyOverrun(end: number): never {
    const b = this.m.bytes;
    const e = referenceBodyError(b, this.m.bodyStart[this.funcIndex - this.m.numImportedFuncs], end, this.funcIndex);
    if (e !== null) throw e;
    if (end >= b.length) this.fail('unexpected end of section or function', end);
    if (b[end] === 0x0b) this.fail('section size mismatch', end);
    this.fail('END opcode expected', end);
  }

  /** `br_table l* l_N` (A.3): every target exists and has the default's arity and operand types. */
  private brTable(ins: Instr): void {
    this.pop(I32);
    const dflt = ins.c;
    this.label(dflt);
    const arity = this.labelArity(dflt);
    const r2 = this.r2;
    r2.pos = ins.b;
    r2.end = this.r.end;
    r2.funcIndex = this.funcIndex;
    for (let i = 0; i < ins.a; i++) {
      const l = r2.u32();
      this.label(l);
      if (this.labelArity(l) !== arity) this.fail('type mismatch: br_table targets have different arities');
      // push_vals(pop_vals(label_types)): check in place, top first.
      const f = this.csp - 1;
      const h = this.ctrlHeight[f];
      for (let k = arity - 1, pos = this.sp - 1; k >= 0; k--, pos--) {
        const want = this.labelType(l, k);
        if (pos >= h) {
          const got = this.vals[pos];
          if (got !== want && got !== UNKNOWN) this.mismatch(want, got);
        } else if (!this.ctrlUnreach[f]) this.mismatch(want, -1);
      }
    }
    this.popLabel(dflt);
    this.unreachable();
  }

  /** Declared local types must be valtypes (spec 5.5.13); `readLocals` has already checked the vector's shape. */
  private checkLocalTypes(start: number, end: number): void {
    const r2 = this.r2;
    r2.pos = start;
    r2.end = end;
    r2.funcIndex = this.funcIndex;
    const groups = r2.u32();
    for (let i = 0; i < groups; i++) {
      r2.u32();
      const at = r2.pos;
      const t = r2.u8();
      if (!VALTYPE[t]) this.fail(`malformed value type 0x${t.toString(16)}`, at);
    }
  }
}
