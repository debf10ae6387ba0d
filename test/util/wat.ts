/**
 * WAT text to wasm bytes with wabt, every post-MVP feature the tests use on
 * (multi-value, bulk memory, reference types, sign extension, saturating
 * conversions, SIMD, legacy exception handling).
 * @throws Error naming the line when the text does not parse.
 */
const wabt = await (await import('wabt')).default();
const features = { multi_value: true, bulk_memory: true, reference_types: true, sign_extension: true, sat_float_to_int: true, simd: true, exceptions: true };

export function wat(text: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(wabt.parseWat('t.wat', text, features).toBinary({}).buffer);
}
