/**
 * Linear memory (spec 4.2.9 "Memory Instances", JS API `WebAssembly.Memory`).
 * Allocates only its current size; grows into a new buffer (`ArrayBuffer.prototype.transfer` where the engine has it, else a copy).
 */
import { brand, enforceU32 } from './state.js';

/** Bytes in a page. */
export const PAGE_BYTES = 65536;
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
 * undefined), `buffer` (exactly `pages * 65536` bytes; replaced on grow), `dv`
 * and `u8` (views over `buffer`, replaced with it).
 */
export class Memory {
  /** `instanceof` holds for a Memory made by any runtime copy of the same ABI version (JS API glue checks it). */
  static [Symbol.hasInstance](x: unknown): boolean {
    return isMemory(x);
  }

  pages: number;
  max: number;
  declaredMax: number | undefined;
  buffer: ArrayBuffer;
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
    this.buffer = new ArrayBuffer(initial * PAGE_BYTES);
    this.dv = new DataView(this.buffer);
    this.u8 = new Uint8Array(this.buffer);
    this.growCbs = [];
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
    let buf: ArrayBuffer;
    try {
      // `transfer` (ES2024) moves the contents and detaches the old buffer, as the JS API requires after
      // a grow (and may grow in place); engines without it get a copy and the old buffer stays attached.
      const transfer = (this.buffer as { transfer?: (n: number) => ArrayBuffer }).transfer;
      if (transfer !== undefined) buf = transfer.call(this.buffer, (old + delta) * PAGE_BYTES);
      else {
        buf = new ArrayBuffer((old + delta) * PAGE_BYTES);
        new Uint8Array(buf).set(this.u8);
      }
    } catch {
      return -1;
    }
    const u8 = new Uint8Array(buf);
    this.buffer = buf;
    this.dv = new DataView(buf);
    this.u8 = u8;
    this.pages = old + delta;
    const cbs = this.growCbs;
    for (let i = 0; i < cbs.length; i++) cbs[i]!();
    return old;
  }

  /** Registers `cb`, called after every successful grow (so instances refresh their cached views). */
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
