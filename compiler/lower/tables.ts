/**
 * What a module's tables may hold (spec 4.5.4 instantiation, 4.4.6 table
 * instructions), for the lowering of `call_indirect`.
 *
 * The tables are sealed when no table is imported or exported (so the host
 * cannot put a function in one) and no function body has `table.set`,
 * `table.grow`, `table.fill`, `table.copy` or `table.init` (validation
 * records it: `Module.tableWrites`). A sealed table only ever holds null and
 * the functions its active element segments put there at instantiation,
 * when they give them by funcidx or `ref.func`. Otherwise (or for a table
 * given an element by another expression, such as `global.get` of an
 * imported reference) anything may be there.
 */
import { Reader } from '../decode/reader.js';
import { readInstr, newInstr } from '../decode/code.js';
import { OP } from '../opcodes.js';
import type { Module } from '../module.js';
import { sigString } from './env.js';

const REF_FUNC = OP['ref.func'];
const REF_NULL = OP['ref.null'];
const END = OP['end'];

/** Per tableidx, what the table may hold. */
export interface TableContents {
  /** By tableidx: the funcidx the table may hold, or null when anything may be put there. */
  funcs: (number[] | null)[];
  /** By tableidx: the signature (env.ts `sigString`) of every function the table may hold, or null (unknown, none, or several). */
  sig: (string | null)[];
}

/** What each table of `m` may hold. The module must have been validated. */
export function tableContents(m: Module): TableContents {
  const n = m.tables.length;
  const sealed = m.tableWrites === false && m.numImportedTables === 0 && !m.exports.some((e) => e.kind === 'table');
  const funcs: (number[] | null)[] = Array.from({ length: n }, () => (sealed ? [] : null));
  const ins = newInstr();
  for (const e of m.elems) {
    const held = e.mode === 'active' ? funcs[e.table] : null;
    if (held == null) continue;
    if (e.funcs !== null) for (const f of e.funcs) held.push(f);
    for (const x of e.exprs ?? []) {
      const r = new Reader(m.bytes, x.start, x.end);
      while (r.pos < r.end && funcs[e.table] !== null) {
        readInstr(r, ins);
        if (ins.op === REF_FUNC) held.push(ins.a);
        else if (ins.op !== REF_NULL && ins.op !== END) funcs[e.table] = null;
      }
    }
  }
  const sig = funcs.map((fs) => {
    const sigs = new Set((fs ?? []).map((f) => sigString(m.types[m.funcTypes[f]])));
    return fs !== null && sigs.size === 1 ? [...sigs][0]! : null;
  });
  return { funcs, sig };
}
