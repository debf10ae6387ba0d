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
 * 4.4.8: any other traps before the call) that its table may hold. When
 * tables.ts knows what the table may hold (the tables are sealed), each
 * (table, signature) is a node of the call graph whose callees are those
 * functions of that signature: the qsort kernel's comparator grows nothing,
 * and its sort stopped re-reading the views after every comparison.
 * Otherwise any function may be the callee, and the call may grow memory.
 */
import { Reader } from '../decode/reader.js';
import { readInstr, readLocals, newInstr } from '../decode/code.js';
import { OP } from '../opcodes.js';
import type { Module } from '../module.js';
import { sigString } from './env.js';
import type { TableContents } from './tables.js';

const GROW = OP['memory.grow'];
const CALL = OP['call'];
const CALL_INDIRECT = OP['call_indirect'];

/** What may grow memory: by funcidx, and for a `call_indirect`. */
export interface Growers {
  /** By funcidx: 1 when a call to the function may grow memory, else 0 (imported functions: 1). */
  funcs: Uint8Array;
  /** Whether a `call_indirect` of type `typeidx` through table `tableidx` may grow memory. */
  indirect(typeidx: number, tableidx: number): boolean;
}

/** Which functions, and which `call_indirect`s, may grow memory; `tables` from tables.ts. The module must have been validated. */
export function memoryGrowers(m: Module, tables: TableContents): Growers {
  const n = m.funcTypes.length;
  const typeSig = m.types.map(sigString);
  // Nodes: the functions, then one per (table, signature) a call_indirect uses.
  const nodes = new Map<string, number>();
  const callers: number[][] = Array.from({ length: n }, () => []);
  const node = (typeidx: number, tableidx: number): number => {
    const key = `${tableidx} ${typeSig[typeidx]}`;
    let k = nodes.get(key);
    if (k === undefined) {
      nodes.set(key, (k = n + nodes.size));
      callers.push([]);
    }
    return k;
  };
  const growing = new Set<number>();
  for (let f = 0; f < m.numImportedFuncs; f++) growing.add(f);
  const ins = newInstr();
  for (let i = 0; i < m.bodyStart.length; i++) {
    const f = m.numImportedFuncs + i;
    const r = new Reader(m.bytes, m.bodyStart[i], m.bodyEnd[i]);
    readLocals(r, m.types[m.funcTypes[f]].params);
    while (r.pos < r.end) {
      readInstr(r, ins);
      if (ins.op === GROW) growing.add(f);
      else if (ins.op === CALL) callers[ins.a].push(f);
      else if (ins.op === CALL_INDIRECT) {
        if (tables.funcs[ins.b] === null) growing.add(f);
        else callers[node(ins.a, ins.b)].push(f);
      }
    }
  }
  // Each node's callees: the functions of its signature its table may hold.
  for (const [key, k] of nodes) {
    const space = key.indexOf(' ');
    const t = Number(key.slice(0, space));
    const sig = key.slice(space + 1);
    for (const f of tables.funcs[t]!) if (typeSig[m.funcTypes[f]] === sig) callers[f].push(k);
  }
  const grows = new Uint8Array(callers.length);
  const work = [...growing];
  for (const f of work) grows[f] = 1;
  while (work.length > 0) {
    for (const c of callers[work.pop()!]) {
      if (grows[c]) continue;
      grows[c] = 1;
      work.push(c);
    }
  }
  return {
    funcs: grows.subarray(0, n),
    indirect: (typeidx, tableidx) => tables.funcs[tableidx] === null || grows[nodes.get(`${tableidx} ${typeSig[typeidx]}`)!] === 1,
  };
}
