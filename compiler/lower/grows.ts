/**
 * Which functions may grow memory (spec 4.4.7 `memory.grow`), so a caller
 * re-reads its cached DataView (`dv = DV`, stack.ts `refreshMemory`) only
 * after calls that can replace the memory's buffer.
 *
 * A function may grow memory when its body has `memory.grow`, calls an
 * imported function (the host may call `Memory.grow`, or an export that
 * grows), calls a function that may grow memory, or has a `call_indirect`
 * that may reach one. Validation records the direct calls, the
 * `call_indirect`s and the `memory.grow`s as it walks the bodies
 * (`Module.calls`); the answer spreads from the growers backwards over the
 * call graph, without decoding any body again.
 *
 * A `call_indirect` of type `t` reaches only functions of type `t` (spec
 * 4.4.8: any other traps before the call) that its table may hold. When
 * tables.ts knows what the table may hold (the tables are sealed), each
 * (table, signature) is a node of the call graph whose callees are those
 * functions of that signature: the qsort kernel's comparator grows nothing,
 * and its sort stopped re-reading the views after every comparison.
 * Otherwise any function may be the callee, and the call may grow memory.
 */
import type { CallFacts, Module } from '../module.js';
import { sigString } from './env.js';
import type { TableContents } from './tables.js';

/** What may grow memory: by funcidx, and for a `call_indirect`. */
export interface Growers {
  /** By funcidx: 1 when a call to the function may grow memory, else 0 (imported functions: 1). */
  funcs: Uint8Array;
  /** Whether a `call_indirect` of type `typeidx` through table `tableidx` may grow memory. */
  indirect(typeidx: number, tableidx: number): boolean;
}

/**
 * Which functions, and which `call_indirect`s, may grow memory; `tables` from
 * tables.ts. Reads `Module.calls` (the module must have been validated) and
 * drops it: the facts cost heap in proportion to the calls, and nothing else
 * reads them.
 * @throws Error when the module has not been validated (or its facts were read already).
 */
export function memoryGrowers(m: Module, tables: TableContents): Growers {
  const facts = m.calls;
  if (facts === null) throw new Error('memoryGrowers: Module.calls is unset (the module was not validated, or was read already)');
  m.calls = null;
  const typeSig = m.types.map(sigString);
  const nodes = new Map<string, number>();
  const grows = spread(m, tables, facts, typeSig, nodes);
  // The closure keeps `grows` and `nodes`, not the call graph `spread` built (an array per function).
  return {
    funcs: grows.subarray(0, m.funcTypes.length),
    indirect: (typeidx, tableidx) => tables.funcs[tableidx] === null || grows[nodes.get(`${tableidx} ${typeSig[typeidx]}`)!] === 1,
  };
}

/**
 * Builds the call graph from `facts` (nodes: the functions, then one per
 * (table, signature) a `call_indirect` uses, numbered into `nodes`) and marks
 * every node that reaches a grower: 1 in the array returned, by node.
 */
function spread(m: Module, tables: TableContents, facts: CallFacts, typeSig: string[], nodes: Map<string, number>): Uint8Array {
  const n = m.funcTypes.length;
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
  const growing = new Set<number>(facts.grows);
  for (let f = 0; f < m.numImportedFuncs; f++) growing.add(f);
  const { direct, indirect } = facts;
  for (let i = 0; i < direct.length; i += 2) callers[direct[i]].push(direct[i + 1]);
  for (let i = 0; i < indirect.length; i += 3) {
    const tableidx = indirect[i + 1];
    if (tables.funcs[tableidx] === null) growing.add(indirect[i + 2]);
    else callers[node(indirect[i], tableidx)].push(indirect[i + 2]);
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
  return grows;
}
