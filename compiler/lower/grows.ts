/**
 * Which functions may grow memory (spec 4.4.7 `memory.grow`), so a caller
 * re-reads its cached DataView (`dv = DV`, stack.ts `refreshMemory`) only
 * after calls that can replace the memory's buffer.
 *
 * A function may grow memory when its body has `memory.grow`, calls an
 * imported function (the host may call `Memory.grow`, or an export that
 * grows), has a `call_indirect` (any function of the table may be the
 * callee), or calls a function that may grow memory. One forward pass over
 * every body collects the direct calls; the answer spreads from the growers
 * backwards over the call graph.
 */
import { Reader } from '../decode/reader.js';
import { readInstr, readLocals, newInstr } from '../decode/code.js';
import { OP } from '../opcodes.js';
import type { Module } from '../module.js';

const GROW = OP['memory.grow'];
const CALL = OP['call'];
const CALL_INDIRECT = OP['call_indirect'];

/**
 * Returns, by funcidx, 1 when calling the function may grow memory, else 0.
 * Imported functions are 1. The module must have been validated.
 */
export function memoryGrowers(m: Module): Uint8Array {
  const n = m.funcTypes.length;
  const grows = new Uint8Array(n);
  grows.fill(1, 0, m.numImportedFuncs);
  /** callers[f]: the defined functions that call f directly. */
  const callers: number[][] = Array.from({ length: n }, () => []);
  const ins = newInstr();
  for (let i = 0; i < m.bodyStart.length; i++) {
    const f = m.numImportedFuncs + i;
    const r = new Reader(m.bytes, m.bodyStart[i], m.bodyEnd[i]);
    readLocals(r, m.types[m.funcTypes[f]].params);
    while (r.pos < r.end) {
      readInstr(r, ins);
      if (ins.op === GROW || ins.op === CALL_INDIRECT) grows[f] = 1;
      else if (ins.op === CALL) callers[ins.a].push(f);
    }
  }
  const work: number[] = [];
  for (let f = 0; f < n; f++) if (grows[f]) work.push(f);
  while (work.length > 0) {
    for (const c of callers[work.pop()!]) {
      if (grows[c]) continue;
      grows[c] = 1;
      work.push(c);
    }
  }
  return grows;
}
