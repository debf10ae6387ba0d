/**
 * Base64 and UTF-8 text without Node's `Buffer`, so the compile path runs in
 * a browser or a Web Worker as well (the explorer, examples/explorer/). Uses
 * the `btoa`/`atob` globals (browsers, Node >= 16), in chunks so large inputs
 * never build one huge argument list.
 */

const CHUNK = 0x8000;

/** Standard base64 (with padding) of `bytes`. */
export function bytesToBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i += CHUNK) {
    parts.push(String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[]));
  }
  return btoa(parts.join(''));
}

/** The bytes of standard base64 text (whitespace ignored). @throws when it is not base64. */
export function base64ToBytes(text: string): Uint8Array {
  const bin = atob(text.replace(/\s+/g, ''));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Base64 of `text` encoded as UTF-8. */
export function utf8ToBase64(text: string): string {
  return bytesToBase64(new TextEncoder().encode(text));
}

/** UTF-8 text of base64 `b64`. */
export function base64ToUtf8(b64: string): string {
  return new TextDecoder().decode(base64ToBytes(b64));
}
