/**
 * Linear memory (spec 4.2.9 "Memory Instances", JS API `WebAssembly.Memory`).
 *
 * The bytes live in a backing `ArrayBuffer` that may be larger than the
 * memory (growth slack); the views the compiled code and the runtime use
 * (`dv`, `u8`) cover exactly the memory's `pages * 65536` bytes, so accesses
 * past it still trap. A grow that fits in the slack only makes new views: a
 * program growing one page at a time (malloc's sbrk) would otherwise copy
 * its whole memory, and fault in fresh pages, on every page. The backing is
 * handed out as `memory.buffer` only at exactly the memory's size, as the JS
 * API requires: reading `buffer` while there is slack first copies the bytes
 * into an exact buffer, and the next grow after that detaches it where the
 * engine has `ArrayBuffer.prototype.transfer`. The roomy backing left behind
 * by that copy was never handed out; it is kept as a spare, and the next grow
 * that fits in it copies the memory back into it: its pages are already in
 * use, so that copy costs a `memcpy` instead of faulting in fresh pages (a
 * WASI host or Emscripten's glue reads `buffer` on every call, so programs
 * that grow memory alternate grows and reads).
 */
import { brand, enforceU32 } from './state.js';

/** Bytes in a page. */
export const PAGE_BYTES = 65536;
/**
 * A grow that needs a new backing buffer allocates this much more than asked
 * (as a fraction of the new size, at most `SLACK_MAX_PAGES`), within the
 * maximum. Slack costs address space, not memory: its pages stay untouched
 * until the memory grows into them.
 */
const SLACK = 3;
/** The most slack a grow allocates, in pages of 64 KiB (256 MiB). */
const SLACK_MAX_PAGES = 4096;
/** A spare longer than this many bytes (256 MiB) is freed rather than kept. */
const SPARE_MAX_BYTES = 256 * 1024 * 1024;
/** The spec's maximum number of pages of a 32-bit memory (4 GiB). */
export const MAX_PAGES = 65536;

const MEMORY_BRAND = brand('Memory');

/** JS API `MemoryDescriptor`: sizes in pages of 64 KiB. */
export interface MemoryDescriptor {
  initial: number;
  maximum?: number | undefined;
}

/**
 * A linear memory. Fields (ABI.md): `pages` (current size in pages of 64 KiB),
 * `max` (effective maximum in pages: min(declared maximum ?? 65536, page
 * limit ?? 65536)), `declaredMax` (the declared maximum in pages, or
 * undefined), `dv` and `u8` (views over exactly the memory's bytes, replaced
 * on grow). `buffer` (JS API) is a getter.
 */
export class Memory {
  /** `instanceof` holds for a Memory made by any runtime copy of the same ABI version (JS API glue checks it). */
  static [Symbol.hasInstance](x: unknown): boolean {
    return isMemory(x);
  }

  pages: number;
  max: number;
  declaredMax: number | undefined;
  /** Holds the memory's bytes, and may be longer (growth slack). */
  private backing: ArrayBuffer;
  /**
   * A former backing, never handed out, longer than the memory was when it was
   * set aside, with stale bytes up to that length and zeros beyond; null when
   * none. Only set while `backing` is exact (after `buffer` moved the bytes).
   */
  private spare: ArrayBuffer | null;
  dv: DataView;
  u8: Uint8Array;
  private readonly growCbs: (() => void)[];

  /**
   * JS API `new WebAssembly.Memory({ initial, maximum })`, sizes in pages of 64 KiB.
   * `limitPages` is Kiln's page limit; it lowers the effective maximum.
   * @throws TypeError when `initial`/`maximum` are not integers in [0, 2^32 - 1];
   * RangeError when either exceeds 65536, `maximum < initial`, `initial`
   * exceeds the effective maximum, or the buffer cannot be allocated.
   */
  constructor(descriptor: MemoryDescriptor, limitPages?: number) {
    const initial = enforceU32(descriptor.initial, 'initial');
    const maximum = descriptor.maximum === undefined ? undefined : enforceU32(descriptor.maximum, 'maximum');
    if (initial > MAX_PAGES) throw new RangeError(`initial memory size ${initial} exceeds ${MAX_PAGES} pages`);
    if (maximum !== undefined && maximum > MAX_PAGES) throw new RangeError(`maximum memory size ${maximum} exceeds ${MAX_PAGES} pages`);
    if (maximum !== undefined && maximum < initial) throw new RangeError(`maximum memory size ${maximum} is below the initial size ${initial}`);
    const max = Math.min(maximum ?? MAX_PAGES, limitPages ?? MAX_PAGES);
    if (initial > max) throw new RangeError(`initial memory size ${initial} pages exceeds the page limit of ${max} pages`);
    this.pages = initial;
    this.max = max;
    this.declaredMax = maximum;
    this.backing = new ArrayBuffer(initial * PAGE_BYTES);
    this.spare = null;
    this.dv = new DataView(this.backing);
    this.u8 = new Uint8Array(this.backing);
    this.growCbs = [];
  }

  /**
   * JS API `Memory.prototype.buffer`: an ArrayBuffer of exactly `pages * 65536`
   * bytes, the same object until the next grow, which detaches it. Moves the
   * bytes out of a backing buffer with slack first (the views are replaced
   * and the `onGrow` callbacks run, as after a grow), keeping the old backing
   * as the spare.
   * @throws RangeError when the exact buffer cannot be allocated.
   */
  get buffer(): ArrayBuffer {
    const size = this.pages * PAGE_BYTES;
    const roomy = this.backing;
    if (roomy.byteLength !== size) {
      this.replace(copyOf(this.u8, size));
      if (roomy.byteLength <= SPARE_MAX_BYTES) this.spare = roomy;
      else detach(roomy);
    }
    return this.backing;
  }

  /** Makes `buf` the backing buffer: new views over the memory's bytes, then the `onGrow` callbacks. */
  private replace(buf: ArrayBuffer): void {
    const size = this.pages * PAGE_BYTES;
    this.backing = buf;
    this.dv = new DataView(buf, 0, size);
    this.u8 = new Uint8Array(buf, 0, size);
    const cbs = this.growCbs;
    for (let i = 0; i < cbs.length; i++) cbs[i]!();
  }

  /**
   * `memory.grow` (spec 4.4.7): grows by `delta` pages (an int32 read as
   * unsigned). Returns the old size in pages, or -1 when the new size would
   * exceed `max` or the allocation fails; never throws (except from an
   * `onGrow` callback). On success the buffer and views are replaced, the new
   * pages are zero, and the `onGrow` callbacks run. `growPages(0)` returns the
   * size and keeps the buffer.
   */
  growPages(delta: number): number {
    const old = this.pages;
    delta >>>= 0;
    if (delta === 0) return old;
    if (delta > this.max - old) return -1;
    const size = (old + delta) * PAGE_BYTES;
    let buf = this.backing;
    if (size > buf.byteLength) {
      const spare = this.spare;
      this.spare = null;
      if (spare !== null && size <= spare.byteLength) {
        // Its bytes past the memory's old size are zero: it was set aside at that size or smaller.
        new Uint8Array(spare).set(this.u8);
        buf = spare;
      } else {
        if (spare !== null) detach(spare);
        const want = old + delta;
        const roomy = Math.min(this.max, want + Math.min(Math.ceil(want * SLACK), SLACK_MAX_PAGES)) * PAGE_BYTES;
        try {
          buf = copyOf(this.u8, roomy);
        } catch {
          try {
            buf = copyOf(this.u8, size);
          } catch {
            return -1;
          }
        }
      }
      detach(this.backing);
    }
    // Otherwise the slack has room: the backing, longer than the memory, was never handed out as `buffer`.
    this.pages = old + delta;
    this.replace(buf);
    return old;
  }

  /** Registers `cb`, called whenever `dv` and `u8` are replaced (after a grow, or when `buffer` moves the bytes), so instances refresh their cached views. */
  onGrow(cb: () => void): void {
    this.growCbs.push(cb);
  }

  /**
   * JS API `Memory.prototype.grow(delta)`: grows by `delta` pages of 64 KiB, returns the old size in pages.
   * @throws TypeError when `delta` is not an integer in [0, 2^32 - 1]; RangeError when the memory cannot grow.
   */
  grow(delta: number): number {
    const r = this.growPages(enforceU32(delta, 'delta'));
    if (r < 0) throw new RangeError(`cannot grow memory of ${this.pages} pages by ${delta} pages (maximum ${this.max})`);
    return r;
  }
}
(Memory.prototype as any)[MEMORY_BRAND] = true;

/** True for a Kiln `Memory`, including one made by another runtime copy of the same ABI version. */
export function isMemory(v: unknown): v is Memory {
  return typeof v === 'object' && v !== null && (v as any)[MEMORY_BRAND] === true;
}

/**
 * A new buffer of `bytes` bytes (at least `u8.length`) holding the memory's
 * bytes (`u8`), zero beyond them. A new `ArrayBuffer` comes zeroed from the
 * allocator (fresh pages, untouched until used), so only the bytes in use
 * are touched; `ArrayBuffer.prototype.transfer(bytes)` would zero-fill the
 * whole growth slack as it copies (V8; README "Memory growth").
 * @throws RangeError when the allocation fails.
 */
function copyOf(u8: Uint8Array, bytes: number): ArrayBuffer {
  const out = new ArrayBuffer(bytes);
  new Uint8Array(out).set(u8);
  return out;
}

/**
 * Detaches `buf` (its `byteLength` becomes 0 and its bytes are freed), as the
 * JS API detaches a memory's old `buffer` on grow: with
 * `ArrayBuffer.prototype.transfer` (ES2024), else by transferring it to a
 * `structuredClone` (Node 20, which lacks `transfer`). Glue relies on it:
 * wasm-bindgen renews its cached views only once their `byteLength` is 0, and
 * without the detach wrote into the old buffer. Where neither exists (Hermes)
 * the buffer keeps its old bytes and the garbage collector frees it.
 */
function detach(buf: ArrayBuffer): void {
  const transfer = (buf as { transfer?: (n: number) => ArrayBuffer }).transfer;
  if (transfer !== undefined) transfer.call(buf, 0);
  else if (typeof structuredClone === 'function') {
    try {
      structuredClone(buf, { transfer: [buf] });
    } catch {
      // Not transferable here: leave it attached, as where neither way exists.
    }
  }
}
