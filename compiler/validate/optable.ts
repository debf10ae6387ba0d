/**
 * The opcode table (`compiler/opcodes.ts`) flattened into typed arrays for
 * the function-body validator, computed once at startup:
 *
 * - `SPECIAL[id]`: 0 when the instruction is typed by its fixed signature
 *   alone; otherwise a small code (`S_*`) for the validator's switch. Codes
 *   below `S_PRECHECK` are typed entirely by name; codes from `S_PRECHECK` on
 *   check their immediates (memory exists, alignment, lane, segment index)
 *   and then use the fixed signature.
 * - `SIG[SIG_START[id] ..]`: `N_PARAMS[id]` operand types (bottom first),
 *   then `N_RESULTS[id]` result types.
 * - `MAX_ALIGN[id]`: log2 of the access width of memory instructions.
 * - `LANES[id]`: number of lanes for lane-indexed SIMD instructions.
 */
import { OPS } from '../opcodes.js';
import { I32, I64, F32, F64, V128, FUNCREF, EXTERNREF } from '../types.js';

// Typed entirely by name (spec appendix A.3).
export const S_UNREACHABLE = 1;
export const S_BLOCK = 2;
export const S_LOOP = 3;
export const S_IF = 4;
export const S_ELSE = 5;
export const S_END = 6;
export const S_BR = 7;
export const S_BR_IF = 8;
export const S_BR_TABLE = 9;
export const S_RETURN = 10;
export const S_CALL = 11;
export const S_CALL_INDIRECT = 12;
export const S_REF_NULL = 13;
export const S_REF_IS_NULL = 14;
export const S_REF_FUNC = 15;
export const S_DROP = 16;
export const S_SELECT = 17;
export const S_SELECT_T = 18;
export const S_LOCAL_GET = 19;
export const S_LOCAL_SET = 20;
export const S_LOCAL_TEE = 21;
export const S_GLOBAL_GET = 22;
export const S_GLOBAL_SET = 23;
export const S_TABLE_GET = 24;
export const S_TABLE_SET = 25;
export const S_TABLE_GROW = 26;
export const S_TABLE_FILL = 27;
/** Legacy exception handling: `try`, `catch`/`catch_all`, `delegate`, `throw`, `rethrow`. */
export const S_TRY = 28;
export const S_CATCH = 29;
export const S_DELEGATE = 30;
export const S_THROW = 31;
export const S_RETHROW = 43;
// Immediates checked, then the fixed signature.
export const S_PRECHECK = 32;
export const S_MEMARG = 32;
export const S_MEMORY = 33;
export const S_LANE = 34;
export const S_MEMARG_LANE = 35;
export const S_SHUFFLE = 36;
export const S_MEMORY_INIT = 37;
export const S_DATA_DROP = 38;
export const S_TABLE_SIZE = 39;
export const S_TABLE_INIT = 40;
export const S_ELEM_DROP = 41;
export const S_TABLE_COPY = 42;

const BY_NAME: Record<string, number> = {
  'unreachable': S_UNREACHABLE,
  'block': S_BLOCK,
  'loop': S_LOOP,
  'if': S_IF,
  'else': S_ELSE,
  'end': S_END,
  'br': S_BR,
  'br_if': S_BR_IF,
  'br_table': S_BR_TABLE,
  'return': S_RETURN,
  'call': S_CALL,
  'call_indirect': S_CALL_INDIRECT,
  'ref.null': S_REF_NULL,
  'ref.is_null': S_REF_IS_NULL,
  'ref.func': S_REF_FUNC,
  'drop': S_DROP,
  'select': S_SELECT,
  'select_t': S_SELECT_T,
  'local.get': S_LOCAL_GET,
  'local.set': S_LOCAL_SET,
  'local.tee': S_LOCAL_TEE,
  'global.get': S_GLOBAL_GET,
  'global.set': S_GLOBAL_SET,
  'table.get': S_TABLE_GET,
  'table.set': S_TABLE_SET,
  'table.grow': S_TABLE_GROW,
  'table.fill': S_TABLE_FILL,
  'try': S_TRY,
  'catch': S_CATCH,
  'catch_all': S_CATCH,
  'delegate': S_DELEGATE,
  'throw': S_THROW,
  'rethrow': S_RETHROW,
  'memory.size': S_MEMORY,
  'memory.grow': S_MEMORY,
  'memory.fill': S_MEMORY,
  'memory.copy': S_MEMORY,
  'memory.init': S_MEMORY_INIT,
  'data.drop': S_DATA_DROP,
  'table.size': S_TABLE_SIZE,
  'table.init': S_TABLE_INIT,
  'elem.drop': S_ELEM_DROP,
  'table.copy': S_TABLE_COPY,
};

const LANES_BY_SHAPE: Record<string, number> = { i8x16: 16, i16x8: 8, i32x4: 4, f32x4: 4, i64x2: 2, f64x2: 2 };

const n = OPS.length;
export const SPECIAL = new Uint8Array(n);
export const SIG_START = new Int32Array(n);
export const N_PARAMS = new Uint8Array(n);
export const N_RESULTS = new Uint8Array(n);
export const MAX_ALIGN = new Uint8Array(n);
export const LANES = new Uint8Array(n);
export const SIG: Uint8Array = (() => {
  const flat: number[] = [];
  for (const o of OPS) {
    let s = BY_NAME[o.name] ?? 0;
    if (s === 0) {
      if (o.imm === 'memarg') s = S_MEMARG;
      else if (o.imm === 'memarg_lane') s = S_MEMARG_LANE;
      else if (o.imm === 'lane') s = S_LANE;
      else if (o.imm === 'shuffle') s = S_SHUFFLE;
    }
    SPECIAL[o.id] = s;
    if (o.width > 0) MAX_ALIGN[o.id] = Math.log2(o.width);
    if (o.imm === 'lane') LANES[o.id] = LANES_BY_SHAPE[o.name.slice(0, 5)];
    if (o.imm === 'memarg_lane') LANES[o.id] = 16 / o.width;
    if (o.params === null || o.results === null) {
      if (s === 0 || (s >= S_PRECHECK && s !== S_RETHROW)) throw new Error(`opcode table: ${o.name} has no signature and no validation rule`);
      continue;
    }
    SIG_START[o.id] = flat.length;
    N_PARAMS[o.id] = o.params.length;
    N_RESULTS[o.id] = o.results.length;
    flat.push(...o.params, ...o.results);
  }
  return Uint8Array.from(flat);
})();

/** VALTYPE[b] is 1 when byte `b` encodes a Wasm 2.0 `valtype` (spec 5.3.4). */
export const VALTYPE = new Uint8Array(256);
for (const t of [I32, I64, F32, F64, V128, FUNCREF, EXTERNREF]) VALTYPE[t] = 1;

/**
 * The first opcode id of the SIMD proposal's instructions, which are the
 * table's last (opcodes.ts): an id at or above it is a SIMD instruction
 * (what the lowering has no code for: emit/lazy.ts `unsupportedInstruction`).
 */
export const FIRST_SIMD: number = (() => {
  const first = OPS.findIndex((o) => o.feature === 'simd');
  if (first < 0 || OPS.slice(first).some((o) => o.feature !== 'simd')) throw new Error('opcode table: the SIMD instructions must come last');
  return OPS[first].id;
})();
