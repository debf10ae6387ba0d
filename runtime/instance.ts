/**
 * Instantiation glue used by generated code: reading and checking imports
 * (spec 4.5.4 "Instantiation", 4.5.2 "Import Matching"; JS API "read the
 * imports"), building the exports object, and decoding embedded data.
 */
import { LinkError } from './errors.js';
import { isFunc, toJS } from './func.js';
import { Global, isGlobal, type GlobalValueType } from './global.js';
import { isMemory, MAX_PAGES, Memory } from './memory.js';
import { isTable, type Table } from './table.js';

/** `"module"."name"` for messages. */
export function importName(module: string, name: string): string {
  return `${JSON.stringify(module)}.${JSON.stringify(name)}`;
}

/**
 * Reads import `module`.`name` from the import object (JS API: `Get(Get(importObject, module), name)`).
 * `kind` ('func' | 'table' | 'memory' | 'global') only names the import in messages.
 * @throws LinkError `unknown import: "env"."f" ...` when the import object or
 * the module namespace is missing, or the value is undefined. (The JS API
 * throws TypeError for a missing namespace; Kiln uses LinkError throughout,
 * matching the spec suite's `assert_unlinkable ... "unknown import"`.)
 */
export function getImport(importObject: unknown, module: string, name: string, kind: string): unknown {
  const ns = importObject === null || importObject === undefined ? undefined : (importObject as any)[module];
  if (ns === null || (typeof ns !== 'object' && typeof ns !== 'function')) {
    throw new LinkError(`unknown import: ${importName(module, name)} (${kind}): the import object has no module ${JSON.stringify(module)}`);
  }
  const v = ns[name];
  if (v === undefined) throw new LinkError(`unknown import: ${importName(module, name)} (${kind}) is not defined`);
  return v;
}

function incompatible(name: string, why: string): LinkError {
  return new LinkError(`incompatible import type: ${name}: ${why}`);
}

function limitsText(min: number, max: number | undefined): string {
  return max === undefined ? `{min ${min}}` : `{min ${min}, max ${max}}`;
}

/**
 * Checks an imported memory against the declared type `{min, max}` in pages
 * of 64 KiB (spec 4.5.2 limits matching: current size >= min; when `max` is
 * declared, the memory's declared maximum must exist and be <= max).
 * @param limitPages Kiln's page limit; a declared minimum above it cannot link.
 * @param name the import's name for messages, e.g. `"env"."memory"`.
 * @throws LinkError "incompatible import type" when `value` is not a Kiln
 * `Memory` or the limits do not match; LinkError naming the memory, its
 * minimum and the limit when `min > limitPages`.
 */
export function importMemory(value: unknown, min: number, max: number | undefined, limitPages: number = MAX_PAGES, name = 'memory import'): Memory {
  if (min > limitPages) {
    throw new LinkError(`memory ${name}: minimum size of ${min} pages exceeds the page limit of ${limitPages} pages`);
  }
  if (!isMemory(value)) throw incompatible(name, 'expected a Memory');
  const dmax = value.declaredMax;
  if (value.pages < min || (max !== undefined && (dmax === undefined || dmax > max))) {
    throw incompatible(name, `memory ${limitsText(value.pages, dmax)} does not match ${limitsText(min, max)}`);
  }
  return value;
}

/**
 * Creates a module's own memory of `{min, max}` pages of 64 KiB under the page limit.
 * @throws LinkError naming the memory, its minimum and the limit when `min > limitPages`;
 * RangeError when the buffer cannot be allocated.
 */
export function newMemory(min: number, max: number | undefined, limitPages: number = MAX_PAGES, name = 'memory 0'): Memory {
  if (min > limitPages) {
    throw new LinkError(`${name}: minimum size of ${min} pages exceeds the page limit of ${limitPages} pages`);
  }
  return new Memory({ initial: min, maximum: max }, limitPages);
}

/**
 * Checks an imported table against the declared type: element type
 * `elemType` ('funcref' | 'externref') and limits `{min, max}` in elements
 * (spec 4.5.2: same element type, current length >= min, declared maximum <= max when max is declared).
 * @throws LinkError "incompatible import type" otherwise.
 */
export function importTable(value: unknown, elemType: string, min: number, max: number | undefined, name = 'table import'): Table {
  if (!isTable(value)) throw incompatible(name, 'expected a Table');
  if (value.type !== elemType) throw incompatible(name, `table of ${value.type}, expected ${elemType}`);
  const len = value.elements.length;
  const dmax = value.declaredMax;
  if (len < min || (max !== undefined && (dmax === undefined || dmax > max))) {
    throw incompatible(name, `table ${limitsText(len, dmax)} does not match ${limitsText(min, max)}`);
  }
  return value;
}

/**
 * Resolves an imported global of valtype name `type` (i32, i64, f32, f64,
 * funcref, externref) and mutability `mutable` (spec 4.5.2; JS API "read the
 * imports"). A Kiln `Global` must have the same type and mutability and is
 * returned as is. An immutable import may also be a plain value — a Number for
 * i32/f32/f64, a BigInt for i64, any value for reference types — which is
 * converted (ToWebAssemblyValue) into a new immutable `Global`, so generated
 * code always reads `v` (or `lo`/`hi`) from a `Global`.
 * @throws LinkError "incompatible import type" on mismatch; TypeError when a
 * plain funcref value is neither null nor a Kiln function (as the JS API does).
 */
export function importGlobal(value: unknown, type: string, mutable: boolean, name = 'global import'): Global {
  if (isGlobal(value)) {
    if (value.type !== type || value.mutable !== mutable) {
      throw incompatible(name, `global ${value.mutable ? 'mut ' : ''}${value.type}, expected ${mutable ? 'mut ' : ''}${type}`);
    }
    return value;
  }
  if (mutable) throw incompatible(name, `a mutable global import must be a Global`);
  if (type === 'i64') {
    if (typeof value !== 'bigint') throw incompatible(name, `expected a BigInt for an i64 global, got ${typeof value}`);
  } else if (type === 'i32' || type === 'f32' || type === 'f64') {
    if (typeof value !== 'number') throw incompatible(name, `expected a Number for an ${type} global, got ${typeof value}`);
  } else if (type !== 'funcref' && type !== 'externref') {
    throw incompatible(name, `a ${type} global cannot be imported from a JS value`);
  }
  return new Global({ value: type as GlobalValueType, mutable: false }, value);
}

/**
 * The exports object (JS API "create an exports object"): a frozen object
 * with a null prototype and one enumerable data property per entry, in
 * order; names such as `__proto__` and `constructor` are ordinary properties.
 * A `Func` value is replaced by its JS-facing function (`toJS`).
 */
export function makeExports(entries: readonly (readonly [string, unknown])[]): object {
  const o = Object.create(null) as object;
  for (const [name, value] of entries) {
    Object.defineProperty(o, name, { value: isFunc(value) ? toJS(value) : value, enumerable: true, writable: true, configurable: true });
  }
  return Object.freeze(o);
}

const B64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
let b64Table: Uint8Array | null = null;

/**
 * Decodes standard base64 (`A-Z a-z 0-9 + /`, optional `=` padding) into
 * bytes; used for data segments embedded in generated code.
 * @throws Error on a character outside the alphabet.
 */
export function b64(s: string): Uint8Array {
  let t = b64Table;
  if (t === null) {
    t = new Uint8Array(128).fill(255);
    for (let i = 0; i < 64; i++) t[B64_ALPHABET.charCodeAt(i)] = i;
    b64Table = t;
  }
  let len = s.length;
  while (len > 0 && s.charCodeAt(len - 1) === 61 /* = */) len--;
  const out = new Uint8Array((len * 3) >>> 2);
  let acc = 0;
  let bits = 0;
  let j = 0;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    const d = c < 128 ? t[c]! : 255;
    if (d === 255) throw new Error(`invalid base64 character at ${i}`);
    acc = ((acc << 6) | d) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[j++] = acc >>> bits;
    }
  }
  return out;
}
