/**
 * Which functions may grow memory (spec 4.4.7 `memory.grow`), so a caller
 * re-reads its cached DataView (`dv = DV`, stack.ts `refreshMemory`) only
 * after calls that can replace the memory's buffer.
 *
 * A function may grow memory when its body has `memory.grow`, calls an
 * imported function (the host may call `Memory.grow`, or an export that
 * grows), calls a function that may grow memory, or has a `call_indirect`
 * that may reach one. One forward pass over every body collects the direct
 * calls; the answer spreads from the growers backwards over the call graph.
 *
 * A `call_indirect` of type `t` reaches only functions of type `t` (spec
 * 4.4.8: any other traps before the call). When the tables are sealed (none
 * imported or exported, so the host cannot put a function in them; no
 * `table.set`, `table.grow`, `table.fill`, `table.copy` or `table.init` in
 * any body; every element segment lists its functions by funcidx or
 * `ref.func`), a table only ever holds functions of the active element
 * segments, so the call may grow memory only when one of those of type `t`
 * may: each signature is a node of the call graph whose callees are those
 * functions (the qsort kernel's comparator grows nothing, and its sort
 * stopped re-reading the views after every comparison). Otherwise any
 * function may be the callee, and every `call_indirect` may grow memory.
 */
import { Reader } from '../decode/reader.js';
import { readInstr, readLocals, newInstr } from '../decode/code.js';
import { OP } from '../opcodes.js';
import type { Module } from '../module.js';
import { sigString } from './env.js';

const GROW = OP['memory.grow'];
const CALL = OP['call'];
const CALL_INDIRECT = OP['call_indirect'];
const REF_FUNC = OP['ref.func'];
const REF_NULL = OP['ref.null'];
const END = OP['end'];
/** Instructions that change a table's elements. */
const TABLE_WRITES = new Set(['table.set', 'table.grow', 'table.fill', 'table.copy', 'table.init'].map((n) => OP[n]));

/** What may grow memory: by funcidx and, for `call_indirect`, by typeidx. */
export interface Growers {
  /** By funcidx: 1 when a call to the function may grow memory, else 0 (imported functions: 1). */
  funcs: Uint8Array;
  /** By typeidx: 1 when a `call_indirect` of that type may grow memory, else 0. */
  indirect: Uint8Array;
}

/**
 * The functions the element segments of `m` put in tables (funcidx), or
 * null when one gives an element by another expression (`global.get` of an
 * imported reference, say).
 */
function elementFuncs(m: Module): number[] | null {
  const out: number[] = [];
  const ins = newInstr();
  for (const e of m.elems) {
    if (e.funcs !== null) out.push(...e.funcs);
    for (const x of e.exprs ?? []) {
      const r = new Reader(m.bytes, x.start, x.end);
      while (r.pos < r.end) {
        readInstr(r, ins);
        if (ins.op === REF_FUNC) out.push(ins.a);
        else if (ins.op !== REF_NULL && ins.op !== END) return null;
      }
    }
  }
  return out;
}

/** Which functions, and which `call_indirect` types, may grow memory. The module must have been validated. */
export function memoryGrowers(m: Module): Growers {
  const n = m.funcTypes.length;
  const sigs = new Map<string, number>();
  const sigOf = (typeidx: number): number => {
    const key = sigString(m.types[typeidx]);
    let k = sigs.get(key);
    if (k === undefined) sigs.set(key, (k = sigs.size));
    return k;
  };
  const typeSig = m.types.map((_, t) => sigOf(t));
  // Nodes: the functions, then one per signature (the callees of a `call_indirect` of that signature).
  const grows = new Uint8Array(n + sigs.size);
  grows.fill(1, 0, m.numImportedFuncs);
  /** callers[f]: the nodes that may call node f. */
  const callers: number[][] = Array.from({ length: n + sigs.size }, () => []);
  let sealed = m.numImportedTables === 0 && !m.exports.some((e) => e.kind === 'table');
  const ins = newInstr();
  for (let i = 0; i < m.bodyStart.length; i++) {
    const f = m.numImportedFuncs + i;
    const r = new Reader(m.bytes, m.bodyStart[i], m.bodyEnd[i]);
    readLocals(r, m.types[m.funcTypes[f]].params);
    while (r.pos < r.end) {
      readInstr(r, ins);
      if (ins.op === GROW) grows[f] = 1;
      else if (ins.op === CALL) callers[ins.a].push(f);
      else if (ins.op === CALL_INDIRECT) callers[n + typeSig[ins.a]].push(f);
      else if (TABLE_WRITES.has(ins.op)) sealed = false;
    }
  }
  const held = sealed ? elementFuncs(m) : null;
  if (held === null) grows.fill(1, n);
  else for (const f of held) callers[f].push(n + typeSig[m.funcTypes[f]]);
  const work: number[] = [];
  for (let f = 0; f < grows.length; f++) if (grows[f]) work.push(f);
  while (work.length > 0) {
    for (const c of callers[work.pop()!]) {
      if (grows[c]) continue;
      grows[c] = 1;
      work.push(c);
    }
  }
  return { funcs: grows.subarray(0, n), indirect: Uint8Array.from(typeSig, (k) => grows[n + k]) };
}
