/**
 * Memory accesses through typed-array views, for output tuned for engines
 * without an optimizing JIT (compile option `tune: 'hermes'`, env.ts `Tune`).
 *
 * An interpreter pays for every bytecode and every native call: a `DataView`
 * method call (`dv.getInt32(a, true)`) costs Hermes far more than an indexed
 * read of a typed array. With this tuning the instance keeps one view of
 * each element type over the memory's bytes (`H32` an `Int32Array`, and so
 * on, plus `HB` the memory's size in bytes), replaced with `DV` whenever the
 * memory's buffer changes (emit/parts.ts declares them), and accesses use
 * them with the `DataView` method as their exact fallback (spec 4.4.7, memory
 * instructions):
 *
 * - a load of `n` bytes at effective address `a` is `V[a / n] ?? dv.getX(a, true)`:
 *   `a / n` is an integer index only when `a` is aligned, and a typed array
 *   gives `undefined` for an index that is not an integer or is past its
 *   end, so a misaligned or out-of-bounds load takes the `DataView` path,
 *   which reads the unaligned bytes or throws the RangeError that becomes
 *   the trap;
 * - a store is `a < HB && !(a & (n - 1)) ? V[a / n] = v : dv.setX(a, v, true)`:
 *   a typed array ignores a write out of bounds, so the bounds are checked
 *   first (`HB` is a multiple of the page size, so an aligned `a < HB` has
 *   all `n` bytes in bounds).
 *
 * The views read and write the same bytes as the `DataView` on a little-endian
 * host (typed arrays use the host's byte order; on a big-endian one the views
 * are left empty, `viewRefresh`). A float64 keeps its NaN bits as the engine
 * keeps them in a JS value, as `getFloat64` does; f32 accesses keep their
 * NaN-exact path around the view (ops.ts `f32.load`, runtime/ABI.md "NaN
 * bits").
 */
import * as A from './ast.js';
import type { Expr, Stmt } from './ast.js';
import { safeIndex } from './ranges.js';

/** The views, by access: identifier, constructor (a global), bytes per element. */
export const VIEWS = {
  i8: { name: 'H8', ctor: 'Int8Array', bytes: 1 },
  u8: { name: 'HU8', ctor: 'Uint8Array', bytes: 1 },
  i16: { name: 'H16', ctor: 'Int16Array', bytes: 2 },
  u16: { name: 'HU16', ctor: 'Uint16Array', bytes: 2 },
  i32: { name: 'H32', ctor: 'Int32Array', bytes: 4 },
  f32: { name: 'HF32', ctor: 'Float32Array', bytes: 4 },
  f64: { name: 'HF64', ctor: 'Float64Array', bytes: 8 },
} as const;

export type ViewKind = keyof typeof VIEWS;

/** The memory's size in bytes, beside the views. */
export const VIEW_BYTES = 'HB';
/** The instance's function that remakes `DV` and the views from the memory. */
export const VIEW_REFRESH = 'HV';
/** Every identifier the views add to the instance's scope (identifiers.ts reserves them). */
export const VIEW_NAMES: readonly string[] = [...Object.values(VIEWS).map((v) => v.name), VIEW_BYTES, VIEW_REFRESH];

/** The view for a `DataView` method (`getInt32`, `setInt8`, ...), or undefined for `getUint32`. */
export function viewOf(method: string): ViewKind | undefined {
  switch (method.slice(3)) {
    case 'Int8':
      return method.startsWith('set') ? 'u8' : 'i8';
    case 'Uint8':
      return 'u8';
    case 'Int16':
      return 'i16';
    case 'Uint16':
      return 'u16';
    case 'Int32':
      return 'i32';
    case 'Float32':
      return 'f32';
    case 'Float64':
      return 'f64';
  }
  return undefined;
}

/** The element index of byte address `addr` in view `kind`: an integer only when `addr` is aligned. */
function elementIndex(kind: ViewKind, addr: Expr): Expr {
  const n = VIEWS[kind].bytes;
  if (n === 1) return addr;
  return addr.type === 'Literal' ? A.num(addr.value / n) : A.bin('/', addr, A.num(n));
}

/**
 * An exact load through view `kind`: `V[addr / n] ?? fallback`. `addr` (a
 * non-negative number, not wrapped) is evaluated twice when the fallback
 * runs, so it must be free of effects; `fallback` is the `DataView` read of
 * the same address.
 *
 * An address `x >>> 0` indexes the view as `x`, without the wrap: where `x`
 * is an integer in [0, HB) it is its own `x >>> 0` (HB is at most 2^32), and
 * anything else (negative, a fraction, past the end) reads `undefined` and
 * takes the fallback, which keeps the wrap (`(l0 + l1) / 4`, then
 * `dv.getInt32(l0 + l1 >>> 0, true)`: 8% of the crc32 kernel's inner loop in
 * V8 without a JIT).
 */
export function viewLoad(kind: ViewKind, addr: Expr, fallback: Expr): Expr {
  return orElse(A.index(VIEWS[kind].name, elementIndex(kind, unwrapped(addr))), fallback);
}

/** `read ?? fallback`. */
function orElse(read: Expr, fallback: Expr): Expr {
  return { type: 'LogicalExpression', operator: '??', left: read, right: fallback };
}

/** `x` for an address `x >>> 0`, else the address itself. */
function unwrapped(addr: Expr): Expr {
  return addr.type === 'BinaryExpression' && addr.operator === '>>>' && addr.right.type === 'Literal' && addr.right.value === 0 ? addr.left : addr;
}

/**
 * An exact store through view `kind`: `addr < HB && !(addr & (n - 1)) ?
 * V[addr / n] = value : fallback`. `addr` must be an identifier or a literal
 * (it is read up to four times) and `value` free of effects (it appears in
 * both branches; one runs); `fallback` is the `DataView` write.
 */
export function viewStore(kind: ViewKind, addr: Expr, value: Expr, fallback: Expr): Expr {
  const n = VIEWS[kind].bytes;
  let test = A.bin('<', addr, A.id(VIEW_BYTES));
  if (n > 1) test = A.bin('&&', test, A.un('!', A.bin('&', addr, A.num(n - 1))));
  return A.cond(test, A.assign(A.index(VIEWS[kind].name, elementIndex(kind, addr)), value), fallback);
}

/**
 * The body of `HV` (emit/parts.ts): `DV = M.dv;`, `HB` the memory's size in
 * bytes, then each view over the first `HB` bytes of `DV`'s buffer (the
 * buffer may be longer: the memory's growth slack, runtime/memory.ts). On a
 * big-endian host, where typed arrays of wider elements would read the bytes
 * in the other order, `HB` is 0 and those views empty, so every access
 * through them takes its `DataView` path; the byte views, which have no byte
 * order, cover the memory's `DV.byteLength` bytes on every host (byte
 * accesses known to be in bounds use them without a fallback: `memoryLoad`,
 * `memoryStore`, passes/covered.ts); other byte stores still test `HB`.
 */
export function viewRefresh(): Stmt[] {
  // new Uint8Array(new Uint16Array([1]).buffer)[0] === 1: the host is little-endian.
  const u16 = { type: 'NewExpression', callee: A.id('Uint16Array'), arguments: [A.array([A.num(1)])] };
  const probe = A.index({ type: 'NewExpression', callee: A.id('Uint8Array'), arguments: [A.member(u16, 'buffer')] }, A.num(0));
  const size = A.cond(A.bin('===', probe, A.num(1)), A.member('DV', 'byteLength'), A.num(0));
  const out: Stmt[] = [A.exprStmt(A.assign('DV', A.member('M', 'dv'))), A.exprStmt(A.assign(VIEW_BYTES, size))];
  for (const v of Object.values(VIEWS)) {
    const length = v.bytes === 1 ? A.member('DV', 'byteLength') : A.bin('/', A.id(VIEW_BYTES), A.num(v.bytes));
    out.push(A.exprStmt(A.assign(v.name, { type: 'NewExpression', callee: A.id(v.ctor), arguments: [A.member('DV', 'buffer'), A.num(0), length] })));
  }
  return out;
}

/**
 * The view index of an access by `DataView` method `method` at `addr` that
 * needs no check: every value of `addr` is an aligned address of a whole
 * element below `safeBytes`, the bytes the memory always has (its minimum
 * size), so on a little-endian host the view holds it (ranges.ts). Else null.
 */
export function checkedNever(method: string, addr: Expr, safeBytes: number): Expr | null {
  const view = viewOf(method);
  return view === undefined || safeBytes === 0 ? null : safeIndex(addr, Math.log2(VIEWS[view].bytes), safeBytes);
}

/**
 * A load by `DataView` method `method` (`getInt32`, ...) at `addr` (little-endian
 * when wider than a byte): through a view when `viewed`, when the method has one.
 * The view form reads `addr` twice (`viewLoad`) unless `temp` names a temporary:
 * then the address is evaluated once, into it, inside the view's index
 * (`h32[(t = x) / 4] ?? dv.getInt32(t >>> 0, true)`), for an address with
 * effects or traps (a load in it, say) without a statement of its own.
 * Where the access is never out of bounds nor misaligned (`checkedNever`,
 * with `safeBytes` the memory's minimum size in bytes), the view is indexed
 * without the division (`h32[(x & 255) + 256]`); the fallback stays, for a
 * big-endian host, whose views of wider elements are empty (`viewRefresh`),
 * unless the view is a byte view or `littleEndian` (code that runs only where
 * a guard found `HB` nonzero: passes/guard.ts).
 */
export function memoryLoad(viewed: boolean, method: string, addr: Expr, temp?: string, safeBytes = 0, littleEndian = false): Expr {
  const read = (at: Expr) => A.mcall('dv', method, method.endsWith('8') ? [at] : [at, A.TRUE]);
  const view = viewed ? viewOf(method) : undefined;
  if (view === undefined) return read(addr);
  const index = checkedNever(method, addr, safeBytes);
  if (index !== null) {
    const n = VIEWS[view].bytes;
    if (littleEndian || n === 1) return A.index(VIEWS[view].name, index);
    if (temp === undefined) return orElse(A.index(VIEWS[view].name, index), read(addr));
    return orElse(A.index(VIEWS[view].name, A.assign(temp, index)), read(A.bin('*', A.id(temp), A.num(n))));
  }
  if (temp === undefined) return viewLoad(view, addr, read(addr));
  const raw = unwrapped(addr);
  const again = raw === addr ? A.id(temp) : A.bin('>>>', A.id(temp), A.num(0));
  return viewLoad(view, A.assign(temp, raw), read(again));
}

/**
 * A store statement by `DataView` method `method` (`setInt32`, ...) of `value` at
 * `addr`: through a view when `viewed` (then `addr` must be an identifier or
 * literal and `value` free of effects: `viewStore`). Where the store is never
 * out of bounds nor misaligned (`checkedNever`, `safeBytes` the memory's
 * minimum size in bytes), the only check left is `HB`, 0 on a big-endian host
 * (`HB ? h32[(x & 255) + 256] = v : dv.setInt32(...)`), none for a byte or
 * with `littleEndian` (as for `memoryLoad`), and `addr` may be any expression
 * free of effects (one branch evaluates it).
 */
export function memoryStore(viewed: boolean, method: string, addr: Expr, value: Expr, safeBytes = 0, littleEndian = false): Stmt {
  const write = A.mcall('dv', method, method.endsWith('8') ? [addr, value] : [addr, value, A.TRUE]);
  const view = viewed ? viewOf(method) : undefined;
  if (view === undefined) return A.exprStmt(write);
  const index = checkedNever(method, addr, safeBytes);
  if (index !== null && (littleEndian || VIEWS[view].bytes === 1)) return A.exprStmt(A.assign(A.index(VIEWS[view].name, index), value));
  if (index !== null) return A.exprStmt(A.cond(A.id(VIEW_BYTES), A.assign(A.index(VIEWS[view].name, index), value), write));
  return A.exprStmt(viewStore(view, addr, value, write));
}
