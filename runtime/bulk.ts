/**
 * Traps and the bounds-checked bulk memory and table instructions (spec 4.4.6
 * "Table Instructions", 4.4.7 "Memory Instructions"). Addresses, indices and
 * lengths arrive as int32 from generated code and are read as unsigned; every
 * range is checked before anything is written, so a trapping instruction
 * writes nothing.
 */
import { RuntimeError, type TrapCode } from './errors.js';
import type { Memory } from './memory.js';
import type { Table } from './table.js';

/** Throws the `RuntimeError` of trap `code` (spec 4.4.1 "Traps"). */
export function trap(code: TrapCode): never {
  throw new RuntimeError(code);
}

/**
 * `memory.init`: copies `n` bytes of data segment `seg` from offset `src` to
 * memory address `dst` (bytes). A dropped segment is an empty array.
 * Traps `out-of-bounds-memory` when `src + n > seg.length` or `dst + n` exceeds the memory size.
 */
export function memoryInit(mem: Memory, dst: number, seg: Uint8Array, src: number, n: number): void {
  const d = dst >>> 0;
  const s = src >>> 0;
  const len = n >>> 0;
  if (s + len > seg.length || d + len > mem.u8.length) trap('out-of-bounds-memory');
  if (len !== 0) mem.u8.set(seg.subarray(s, s + len), d);
}

/** Copies of at most this many bytes go word by word (`memoryCopy`). */
const SHORT_COPY = 32;

/**
 * `memory.copy`: copies `n` bytes from `srcMem` at `src` to `dstMem` at `dst`
 * (overlapping ranges copy as if through a temporary buffer).
 * Traps `out-of-bounds-memory` when either range exceeds its memory.
 *
 * Most copies C code makes are short (sql.js: 300,000 in one run of the
 * corpus workload, 97% of at most 32 bytes), and `copyWithin` is a builtin
 * call that costs about twice a loop of 4-byte `DataView` copies there
 * (test/bench/JOURNAL.md "Short memory copies"). Copying forward word by word is exact when
 * the destination starts at or before the source, or past its end: no byte
 * is written before it is read.
 */
export function memoryCopy(dstMem: Memory, srcMem: Memory, dst: number, src: number, n: number): void {
  const d = dst >>> 0;
  const s = src >>> 0;
  const len = n >>> 0;
  const u8 = dstMem.u8;
  if (s + len > srcMem.u8.length || d + len > u8.length) trap('out-of-bounds-memory');
  if (dstMem !== srcMem) {
    if (len !== 0) u8.set(srcMem.u8.subarray(s, s + len), d);
  } else if (len <= SHORT_COPY && (d <= s || s + len <= d)) {
    const dv = dstMem.dv;
    let i = 0;
    for (; i + 4 <= len; i += 4) dv.setInt32(d + i, dv.getInt32(s + i, true), true);
    for (; i < len; i++) u8[d + i] = u8[s + i]!;
  } else if (len !== 0) {
    u8.copyWithin(d, s, s + len);
  }
}

/**
 * `memory.fill`: sets `n` bytes at address `d` to the low byte of `val`.
 * Traps `out-of-bounds-memory` when `d + n` exceeds the memory size.
 */
export function memoryFill(mem: Memory, d: number, val: number, n: number): void {
  const a = d >>> 0;
  const len = n >>> 0;
  if (a + len > mem.u8.length) trap('out-of-bounds-memory');
  if (len !== 0) mem.u8.fill(val & 255, a, a + len);
}

/**
 * `table.init`: copies `n` references of element segment `seg` (internal
 * values: `Func | null` or externref values; a dropped segment is empty) from
 * `src` to table index `dst`. Traps `out-of-bounds-table` when either range is out of bounds.
 */
export function tableInit(table: Table, dst: number, seg: readonly unknown[], src: number, n: number): void {
  const d = dst >>> 0;
  const s = src >>> 0;
  const len = n >>> 0;
  const el = table.elements;
  if (s + len > seg.length || d + len > el.length) trap('out-of-bounds-table');
  for (let i = 0; i < len; i++) el[d + i] = seg[s + i];
}

/**
 * `table.copy`: copies `n` references from table `src` at `s` to table `dst`
 * at `d` (overlap-safe). Traps `out-of-bounds-table` when either range is out of bounds.
 */
export function tableCopy(dst: Table, src: Table, d: number, s: number, n: number): void {
  const di = d >>> 0;
  const si = s >>> 0;
  const len = n >>> 0;
  const de = dst.elements;
  const se = src.elements;
  if (si + len > se.length || di + len > de.length) trap('out-of-bounds-table');
  if (len === 0) return;
  if (de === se) de.copyWithin(di, si, si + len);
  else for (let i = 0; i < len; i++) de[di + i] = se[si + i];
}

/**
 * `table.fill`: sets `n` elements from index `i` to the internal value `v`.
 * Traps `out-of-bounds-table` when `i + n` exceeds the length.
 */
export function tableFill(table: Table, i: number, v: unknown, n: number): void {
  const a = i >>> 0;
  const len = n >>> 0;
  const el = table.elements;
  if (a + len > el.length) trap('out-of-bounds-table');
  for (let k = 0; k < len; k++) el[a + k] = v;
}

/** `table.get`: the internal value at index `i`. Traps `out-of-bounds-table` when `i >= length`. */
export function tableGet(table: Table, i: number): unknown {
  const a = i >>> 0;
  const el = table.elements;
  if (a >= el.length) trap('out-of-bounds-table');
  return el[a];
}

/** `table.set`: stores the internal value `v` at index `i`. Traps `out-of-bounds-table` when `i >= length`. */
export function tableSet(table: Table, i: number, v: unknown): void {
  const a = i >>> 0;
  const el = table.elements;
  if (a >= el.length) trap('out-of-bounds-table');
  el[a] = v;
}

/**
 * `table.grow`: appends `delta` elements (unsigned) set to the internal value
 * `init`; returns the old length, or -1 when the table cannot grow. Never traps.
 */
export function tableGrow(table: Table, init: unknown, delta: number): number {
  return table.growRefs(delta, init);
}
