/**
 * UTF-8 `TextEncoder`/`TextDecoder` for engines that have none (Hermes
 * 0.12), installed on `globalThis` only where missing: the spec runner
 * (test/spec/sexpr.ts) uses them for names, the corpus glues for strings.
 * Imported first by harness.ts and by the corpus scripts (corpus/host.ts).
 */

function encodeUtf8(s: string): Uint8Array {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c >= 0xd800 && c < 0xe000) c = 0xfffd;
    if (c < 0x80) bytes.push(c);
    else if (c < 0x800) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else bytes.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(bytes);
}

/** `TextEncoder.prototype.encodeInto`: as many whole code points of `s` as fit in `dest` (xxhash-wasm's glue uses it). */
function encodeInto(s: string, dest: Uint8Array): { read: number; written: number } {
  let read = 0;
  let written = 0;
  while (read < s.length) {
    const c = s.codePointAt(read)!;
    const units = c > 0xffff ? 2 : 1;
    const bytes = encodeUtf8(s.slice(read, read + units));
    if (written + bytes.length > dest.length) break;
    dest.set(bytes, written);
    written += bytes.length;
    read += units;
  }
  return { read, written };
}

function decodeUtf8(bytes: Uint8Array): string {
  let s = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      s += String.fromCharCode(b);
      i++;
      continue;
    }
    const [n, cp0, min] = b >= 0xc2 && b < 0xe0 ? [1, b & 31, 0x80] : b >= 0xe0 && b < 0xf0 ? [2, b & 15, 0x800] : b >= 0xf0 && b < 0xf5 ? [3, b & 7, 0x10000] : [0, 0, 0];
    let cp = cp0;
    let ok = n > 0 && i + n < bytes.length;
    for (let k = 1; ok && k <= n; k++) {
      if ((bytes[i + k] & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (bytes[i + k] & 63);
    }
    if (!ok || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) {
      s += '\ufffd';
      i++;
      continue;
    }
    s += String.fromCodePoint(cp);
    i += n + 1;
  }
  return s;
}

/** TextEncoder/TextDecoder (UTF-8 only) where the engine has none (Hermes 0.12): test/spec uses them for names. */
function polyfillText(g: Record<string, unknown>): void {
  if (typeof g.TextEncoder !== 'function') {
    g.TextEncoder = function TextEncoder(this: { encode: typeof encodeUtf8; encodeInto: typeof encodeInto }) {
      this.encode = (s: string) => encodeUtf8(String(s));
      this.encodeInto = encodeInto;
    };
  }
  if (typeof g.TextDecoder !== 'function') {
    g.TextDecoder = function TextDecoder(this: { decode: typeof decodeUtf8 }) {
      this.decode = (b: Uint8Array) => decodeUtf8(b);
    };
  }
}

polyfillText((typeof globalThis === 'object' ? globalThis : {}) as Record<string, unknown>);
