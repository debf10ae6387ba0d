/**
 * A tiny binary emitter for tests: what wabt will not produce (unusual
 * encodings, malformed or huge modules) is written by hand with these.
 */

/** Unsigned LEB128 (spec 5.2.2). */
export function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

/** A vector: its length, then the items (spec 5.1.3). */
export const vec = (items: number[][]): number[] => [...leb(items.length), ...items.flat()];

/** A section: id, size, contents (spec 5.5.2). */
export const section = (id: number, content: number[]): number[] => [id, ...leb(content.length), ...content];

/** The magic number and version 1. */
export const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
