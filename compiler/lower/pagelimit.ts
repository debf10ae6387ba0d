/**
 * The per-instance page limit on memory (README "Running untrusted plugins",
 * compile option `maxMemoryPages`, `instantiate` option of the same name).
 *
 * An instance's own memory gets its maximum lowered to the limit when it is
 * created (runtime `newMemory`). An imported memory is shared and keeps its
 * own maximum, so `memory.grow` inside an instance whose memory is imported
 * grows by the runtime's `limitGrow(M, delta, limit)`, a delta that fails
 * when it would pass this instance's limit (lowered by fuel.ts `sandboxOps`).
 * The emitted `instantiate` computes `limit` with the runtime's
 * `instanceLimit(options, <compile-time default>, metered[, ceiling])` (`limitCall`).
 */
import { MAX_PAGES } from '../../runtime/memory.js';
import type { Module } from '../module.js';

/**
 * The compile-time default page limit (`maxMemoryPages` option): 65536 when
 * absent; limits above 65536 mean 65536.
 * @throws TypeError when it is not a non-negative integer.
 */
export function compilePageLimit(pages: number | undefined): number {
  if (pages === undefined) return MAX_PAGES;
  if (typeof pages !== 'number' || !Number.isInteger(pages) || pages < 0) {
    throw new TypeError(`maxMemoryPages must be a non-negative integer (pages of 64 KiB), got ${String(pages)}`);
  }
  return Math.min(pages, MAX_PAGES);
}

/** Pages in 2 GiB: a memory never larger than this has only byte addresses below 2^31. */
export const SIGNED_ADDRESS_PAGES = 32768;

/**
 * Whether memory 0 of `m` can never exceed 2 GiB, so that generated code may
 * pass a zero-offset address to the `DataView` as a signed int32 (ops.ts
 * `address`): its declared maximum is at most `SIGNED_ADDRESS_PAGES` (for an
 * imported memory too: the import's maximum bounds the memory given), or it
 * is the module's own memory and the compile-time page limit `pageLimit` is
 * at most that: the output's `instantiate` then takes any larger limit as
 * that (`limitCall`).
 */
export function signedAddresses(m: Module, pageLimit: number): boolean {
  const mem = m.memories[0];
  if (mem === undefined) return false;
  if (mem.max !== undefined && mem.max <= SIGNED_ADDRESS_PAGES) return true;
  return m.numImportedMemories === 0 && pageLimit <= SIGNED_ADDRESS_PAGES;
}

/**
 * The emitted `instanceLimit(options, <pageLimit>, <metered>)` call (runtime
 * fuel.ts), with a ceiling of `SIGNED_ADDRESS_PAGES` where addresses are
 * signed (`signedAddresses`): an `options.maxMemoryPages` above it then means
 * it, as one above 65536 means 65536 elsewhere.
 */
export function limitCall(signed: boolean, pageLimit: number, metered: boolean): string {
  return `instanceLimit(options, ${pageLimit}, ${metered ? 'true' : 'false'}${signed ? `, ${SIGNED_ADDRESS_PAGES}` : ''})`;
}
