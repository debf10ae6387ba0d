/**
 * Encodings of features Kiln does not decode (typed function references,
 * garbage collection, Wasm 3.0's `exnref`), so the decoder can reject them
 * with a message naming the feature instead of "malformed". A leaf module.
 */

/** Type codes of features beyond Wasm 2.0, to name them when rejecting. */
export const LATER_TYPES: Record<number, string> = {
  0x64: 'typed function references (ref type)',
  0x63: 'typed function references (ref null type)',
  0x6e: 'garbage collection (anyref)',
  0x6d: 'garbage collection (eqref)',
  0x6c: 'garbage collection (i31ref)',
  0x6b: 'garbage collection (structref)',
  0x6a: 'garbage collection (arrayref)',
  0x71: 'garbage collection (nullref)',
  0x72: 'garbage collection (nullexternref)',
  0x73: 'garbage collection (nullfuncref)',
  0x69: 'exception handling (exnref)',
  0x74: 'exception handling (nullexnref)',
};

/** Type-section forms beyond Wasm 2.0's `0x60` (function type). */
export const LATER_FORMS: Record<number, string> = {
  0x5e: 'garbage collection (array type)',
  0x5f: 'garbage collection (struct type)',
  0x50: 'garbage collection (subtype)',
  0x4f: 'garbage collection (final subtype)',
  0x4e: 'garbage collection (recursive type group)',
};

/**
 * The feature beyond Wasm 2.0 that heap-type byte `b` of a `ref.null`
 * belongs to, or null: an abstract heap type of garbage collection or
 * exception handling (LATER_TYPES), or a type index (a non-negative one-byte
 * s33, typed function references). Wasm 2.0 allows only `func` and `extern`.
 */
export function laterHeapType(b: number): string | null {
  return LATER_TYPES[b] ?? (b < 0x40 ? 'typed function references (a type index as heap type)' : null);
}

/** The message for a `ref.null` whose heap-type byte `b` is not Wasm 2.0's: malformed, naming the later feature it encodes. */
export function refNullMessage(b: number): string {
  const later = laterHeapType(b);
  return later === null ? 'malformed reference type' : `malformed reference type (${later} is not supported)`;
}
