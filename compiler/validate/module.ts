/**
 * Module validation (spec 3.4 "Modules"), Wasm 2.0: index spaces, limits,
 * constant expressions, segments, declared function references, exports,
 * start function, then every function body (`func.ts`).
 *
 * Checks run in the order of the reference interpreter's `check_module`,
 * so that a module with several errors reports the one the spec tests expect.
 */
import { CompileError } from '../../runtime/errors.js';
import type { Module } from '../module.js';
import { I32, valTypeName, type Limits } from '../types.js';
import { MAX_PAGES } from '../../runtime/memory.js';
import { validateConstExpr } from './const.js';
import { FuncValidator } from './func.js';

/** Most parameters, and most results, of a function type (JS API "Limits"). */
const MAX_ARITY = 1000;

/** Largest table size (spec 3.2.4: limits within 2^32 - 1). */
const MAX_TABLE = 0xffffffff;

function checkLimits(l: Limits, range: number, what: string, at: number): void {
  if (l.min > range) throw new CompileError(what, at);
  if (l.max !== undefined) {
    if (l.max > range) throw new CompileError(what, at);
    if (l.min > l.max) throw new CompileError('size minimum must not be greater than maximum', at);
  }
}

const MEMORY_TOO_BIG = 'memory size must be at most 65536 pages (4GiB)';
const TABLE_TOO_BIG = 'table size must be at most 2^32-1';

/**
 * Validates a decoded module (spec 3.4; appendix A.3 for function bodies).
 * Returns nothing; the module is valid when it does not throw. Records what
 * the walk of the bodies learns on the module: `firstSimd`, `tableWrites`,
 * and `calls` (the calls and `memory.grow`s, for lower/grows.ts).
 * @throws CompileError with the spec test suite's wording ("unknown type",
 *   "unknown function N", "memory size must be at most 65536 pages (4GiB)",
 *   "size minimum must not be greater than maximum", "constant expression
 *   required", "type mismatch: ...", "unknown table N", "unknown memory N",
 *   "unknown global N", "duplicate export name", "start function",
 *   "multiple memories", ...) and `.offset`; errors inside a function body
 *   also carry `.funcIndex`.
 */
export function validateModule(m: Module): void {
  const numFuncs = m.funcTypes.length;
  const numTypes = m.types.length;

  // Types: the JS API's implementation limits, which also bound the work per
  // instruction (a block or call costs its arity).
  for (let i = 0; i < numTypes; i++) {
    const t = m.types[i];
    if (t.params.length > MAX_ARITY || t.results.length > MAX_ARITY) {
      throw new CompileError(`function type ${i} has more than ${MAX_ARITY} parameters or results (implementation limit)`, m.offsets.types[i]);
    }
  }

  // Imports (3.4.7).
  for (const imp of m.imports) {
    if (imp.kind === 'func' && imp.typeIndex >= numTypes) throw new CompileError(`unknown type ${imp.typeIndex}`, imp.offset);
    if (imp.kind === 'table' && imp.table) checkLimits(imp.table.limits, MAX_TABLE, TABLE_TOO_BIG, imp.offset);
    if (imp.kind === 'memory' && imp.memory) checkLimits(imp.memory, MAX_PAGES, MEMORY_TOO_BIG, imp.offset);
  }

  // Tags (exception handling): a function type with no results.
  m.tags.forEach((t, i) => {
    if (t >= numTypes) throw new CompileError(`unknown type ${t}`, m.offsets.tags[i]);
    if (m.types[t].results.length !== 0) throw new CompileError('non-empty tag result type', m.offsets.tags[i]);
  });

  // Functions (3.4.1): type indices.
  const numDefined = numFuncs - m.numImportedFuncs;
  if (m.bodyStart.length !== numDefined) {
    throw new CompileError('function and code section have inconsistent lengths', m.bytes.length);
  }
  for (let i = m.numImportedFuncs; i < numFuncs; i++) {
    if (m.funcTypes[i] >= numTypes) throw new CompileError(`unknown type ${m.funcTypes[i]}`, m.bodyStart[i - m.numImportedFuncs]);
  }

  // C.refs (3.4.10): funcidx occurring outside function bodies and the start function.
  const refs = new Uint8Array(numFuncs);
  for (const e of m.elems) if (e.funcs) for (const f of e.funcs) if (f < numFuncs) refs[f] = 1;
  for (const x of m.exports) if (x.kind === 'func' && x.index < numFuncs) refs[x.index] = 1;

  // Globals (3.4.4): initializers see only the imported globals.
  for (let i = 0; i < m.globalInits.length; i++) {
    validateConstExpr(m, m.globalInits[i], m.globalTypes[m.numImportedGlobals + i].type, refs);
  }

  // Tables and memories (3.4.2, 3.4.3).
  for (let i = m.numImportedTables; i < m.tables.length; i++) checkLimits(m.tables[i].limits, MAX_TABLE, TABLE_TOO_BIG, m.offsets.tables[i]);
  for (let i = m.numImportedMemories; i < m.memories.length; i++) checkLimits(m.memories[i], MAX_PAGES, MEMORY_TOO_BIG, m.offsets.memories[i]);

  // Element segments (3.4.5).
  for (const e of m.elems) {
    const at = e.offsetInBytes;
    if (e.funcs) {
      for (const f of e.funcs) if (f >= numFuncs) throw new CompileError(`unknown function ${f}`, at);
    }
    if (e.exprs) for (const x of e.exprs) validateConstExpr(m, x, e.type, refs);
    if (e.mode === 'active') {
      if (e.table >= m.tables.length) throw new CompileError(`unknown table ${e.table}`, at);
      const t = m.tables[e.table].elem;
      if (t !== e.type) throw new CompileError(`type mismatch: ${valTypeName(e.type)} elements for a table of ${valTypeName(t)}`, at);
      if (e.offset) validateConstExpr(m, e.offset, I32, refs);
    }
  }

  // Data segments (3.4.6).
  for (const d of m.datas) {
    if (d.mode === 'active') {
      if (d.memory >= m.memories.length) throw new CompileError(`unknown memory ${d.memory}`, d.offsetInBytes);
      if (d.offset) validateConstExpr(m, d.offset, I32, refs);
    }
  }
  if (m.dataCount >= 0 && m.dataCount !== m.datas.length) {
    throw new CompileError('data count and data section have inconsistent lengths', m.bytes.length);
  }

  // Function bodies (3.4.1, appendix A.3).
  m.tableWrites = false;
  const fv = new FuncValidator(m, refs);
  for (let i = 0; i < numDefined; i++) fv.validate(i);
  m.calls = fv.calls;

  // Start function (3.4.8).
  if (m.start >= 0) {
    if (m.start >= numFuncs) throw new CompileError(`unknown function ${m.start}`, m.offsets.start);
    const t = m.types[m.funcTypes[m.start]];
    if (t.params.length !== 0 || t.results.length !== 0) throw new CompileError('start function must have type [] -> []', m.offsets.start);
  }

  // Exports (3.4.9).
  const names = new Set<string>();
  for (const x of m.exports) {
    const count =
      x.kind === 'func' ? numFuncs : x.kind === 'table' ? m.tables.length : x.kind === 'memory' ? m.memories.length : x.kind === 'tag' ? m.tags.length : m.globalTypes.length;
    if (x.index >= count) {
      const what = x.kind === 'func' ? 'function' : x.kind;
      throw new CompileError(`unknown ${what} ${x.index}`, x.offset);
    }
    if (names.has(x.name)) throw new CompileError(`duplicate export name "${x.name}"`, x.offset);
    names.add(x.name);
  }

  if (m.memories.length > 1) throw new CompileError('multiple memories', m.offsets.memories[1]);
}
