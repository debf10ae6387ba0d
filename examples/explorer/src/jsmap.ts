/**
 * The link between JS lines and wasm byte offsets, read from the source map
 * Kiln emits (compile option `sourceMap`, compiler/emit/sourcemap.ts): each
 * statement maps to its instruction's byte offset (line 1, column = offset,
 * the wasm source-map convention).
 */

/** A source map's mappings per generated line: segments `lineStart[l]..lineStart[l+1]` of line `l` (0-based). */
export interface LineMappings {
  lineStart: Int32Array;
  /** Generated column of each segment. */
  col: Int32Array;
  /** Original column (the wasm byte offset) of each segment, -1 for a segment without source. */
  offset: Int32Array;
}

const B64 = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;

/** Decodes the `mappings` of a (version 3) source map into per-line arrays. */
export function decodeMappings(mappings: string): LineMappings {
  let segs = 1;
  let lines = 1;
  for (let i = 0; i < mappings.length; i++) {
    const c = mappings.charCodeAt(i);
    if (c === 44) segs++;
    else if (c === 59) {
      segs++;
      lines++;
    }
  }
  const lineStart = new Int32Array(lines + 1);
  const col = new Int32Array(segs);
  const offset = new Int32Array(segs);
  const f = [0, 0, 0, 0, 0];
  let n = 0;
  let line = 0;
  let genCol = 0;
  let origCol = 0;
  let pos = 0;
  while (pos <= mappings.length) {
    const c = mappings.charCodeAt(pos);
    if (pos === mappings.length || c === 59) {
      lineStart[++line] = n;
      genCol = 0;
      pos++;
      continue;
    }
    if (c === 44) {
      pos++;
      continue;
    }
    let k = 0;
    while (pos < mappings.length && mappings.charCodeAt(pos) !== 44 && mappings.charCodeAt(pos) !== 59) {
      let value = 0;
      let shift = 0;
      for (;;) {
        const digit = B64[mappings.charCodeAt(pos++)];
        value += (digit & 31) * 2 ** shift;
        shift += 5;
        if ((digit & 32) === 0) break;
      }
      if (k < 5) f[k] = value % 2 === 1 ? -(value - 1) / 2 : value / 2;
      k++;
    }
    genCol += f[0];
    col[n] = genCol;
    if (k >= 4) {
      origCol += f[3];
      offset[n] = origCol;
    } else offset[n] = -1;
    n++;
  }
  return { lineStart: lineStart.subarray(0, line + 1), col: col.subarray(0, n), offset: offset.subarray(0, n) };
}

/** Lookups both ways between JS lines (0-based) and wasm offsets. */
export class JsMap {
  private readonly m: LineMappings;
  /** Segments with a source, sorted by offset: their offsets and lines. */
  private readonly byOffset: Int32Array;
  private readonly lineOf: Int32Array;

  constructor(m: LineMappings) {
    this.m = m;
    const lines = m.lineStart.length - 1;
    const pairs: number[] = [];
    for (let l = 0; l < lines; l++) {
      for (let s = m.lineStart[l]; s < m.lineStart[l + 1]; s++) if (m.offset[s] >= 0) pairs.push(s, l);
    }
    const order = Array.from({ length: pairs.length / 2 }, (_, i) => i).sort((a, b) => m.offset[pairs[2 * a]] - m.offset[pairs[2 * b]] || pairs[2 * a + 1] - pairs[2 * b + 1]);
    this.byOffset = Int32Array.from(order, (i) => m.offset[pairs[2 * i]]);
    this.lineOf = Int32Array.from(order, (i) => pairs[2 * i + 1]);
  }

  /** The wasm offset of line `line`'s first mapped statement, or -1 when the line has none. */
  offsetOfLine(line: number): number {
    const m = this.m;
    if (line < 0 || line + 1 >= m.lineStart.length) return -1;
    for (let s = m.lineStart[line]; s < m.lineStart[line + 1]; s++) if (m.offset[s] >= 0) return m.offset[s];
    return -1;
  }

  /**
   * The JS lines (ascending, no duplicates) of the statements mapped to
   * `offset`; when none is, those of the greatest mapped offset below it
   * and at least `lowerBound` (the statement an instruction is folded into).
   */
  linesOfOffset(offset: number, lowerBound: number): number[] {
    const o = this.byOffset;
    let a = 0;
    let b = o.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (o[mid] <= offset) a = mid + 1;
      else b = mid;
    }
    if (a === 0 || o[a - 1] < lowerBound) return [];
    const at = o[a - 1];
    const out: number[] = [];
    for (let i = a - 1; i >= 0 && o[i] === at; i--) out.push(this.lineOf[i]);
    return [...new Set(out)].sort((x, y) => x - y);
  }
}
