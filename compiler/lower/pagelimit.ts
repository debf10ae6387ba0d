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
 * `instanceLimit(options, <compile-time default>, metered)`.
 */
import { MAX_PAGES } from '../../runtime/memory.js';

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
