/**
 * Minimal wasm binary helpers for the native engine: read the signatures of
 * exported functions, and build "thunk" modules that call a function with
 * floats and v128 carried as integer bits, since JS numbers cannot carry
 * NaN payloads exactly and JS cannot carry v128 at all.
 */

/** A value type as far as the thunks care; `other` covers typed/GC references. */
export type SigType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128' | 'funcref' | 'externref' | 'other';

export interface FuncSig {
  params: SigType[];
  results: SigType[];
}

import { leb, vec } from '../util/wasm-bytes.js';

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

class Reader {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}
  byte(): number {
    if (this.pos >= this.bytes.length) throw new Error('unexpected end');
    return this.bytes[this.pos++];
  }
  /** Reads an unsigned or signed LEB128 and returns its low bits as a number (enough for indices and counts). */
  leb(): number {
    let result = 0;
    let shift = 0;
    let b: number;
    do {
      b = this.byte();
      if (shift < 32) result |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    return result >>> 0;
  }
  skip(n: number): void {
    this.pos += n;
  }
  name(): string {
    const n = this.leb();
    const s = utf8.decode(this.bytes.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }
}

function valType(r: Reader): SigType {
  const b = r.byte();
  switch (b) {
    case 0x7f: return 'i32';
    case 0x7e: return 'i64';
    case 0x7d: return 'f32';
    case 0x7c: return 'f64';
    case 0x7b: return 'v128';
    case 0x70: return 'funcref';
    case 0x6f: return 'externref';
    case 0x63:
    case 0x64: {
      const heap = r.bytes[r.pos];
      r.leb(); // s33 heap type
      if (b === 0x63 && heap === 0x70) return 'funcref';
      if (b === 0x63 && heap === 0x6f) return 'externref';
      return 'other';
    }
    default: return 'other';
  }
}

function compType(r: Reader): FuncSig | null {
  const form = r.byte();
  if (form === 0x60) {
    const params = Array.from({ length: r.leb() }, () => valType(r));
    const results = Array.from({ length: r.leb() }, () => valType(r));
    return { params, results };
  }
  const field = () => {
    const b = r.bytes[r.pos];
    if (b === 0x78 || b === 0x77) r.byte(); // packed i8 / i16
    else valType(r);
    r.byte(); // mutability
  };
  if (form === 0x5f) for (let n = r.leb(); n > 0; n--) field();
  else if (form === 0x5e) field();
  else throw new Error(`unknown type form 0x${form.toString(16)}`);
  return null;
}

function subType(r: Reader): FuncSig | null {
  const b = r.bytes[r.pos];
  if (b === 0x50 || b === 0x4f) {
    r.byte();
    for (let n = r.leb(); n > 0; n--) r.leb();
  }
  return compType(r);
}

function limits(r: Reader): void {
  const flags = r.byte();
  r.leb();
  if (flags & 1) r.leb();
}

/**
 * Signatures of the exported functions of a module, by export name
 * (null for non-function exports). Returns an empty map if the binary can't be read.
 */
export function exportSignatures(bytes: Uint8Array): Map<string, FuncSig | null> {
  const out = new Map<string, FuncSig | null>();
  try {
    const r = new Reader(bytes);
    r.skip(8);
    const types: (FuncSig | null)[] = [];
    const funcs: number[] = [];
    while (r.pos < bytes.length) {
      const id = r.byte();
      const size = r.leb();
      const end = r.pos + size;
      if (id === 1) {
        for (let n = r.leb(); n > 0; n--) {
          if (r.bytes[r.pos] === 0x4e) {
            r.byte();
            for (let m = r.leb(); m > 0; m--) types.push(subType(r));
          } else types.push(subType(r));
        }
      } else if (id === 2) {
        for (let n = r.leb(); n > 0; n--) {
          r.name();
          r.name();
          const kind = r.byte();
          if (kind === 0) funcs.push(r.leb());
          else if (kind === 1) { valType(r); limits(r); }
          else if (kind === 2) limits(r);
          else if (kind === 3) { valType(r); r.byte(); }
          else if (kind === 4) { r.byte(); r.leb(); }
        }
      } else if (id === 3) {
        for (let n = r.leb(); n > 0; n--) funcs.push(r.leb());
      } else if (id === 7) {
        for (let n = r.leb(); n > 0; n--) {
          const name = r.name();
          const kind = r.byte();
          const index = r.leb();
          out.set(name, kind === 0 ? types[funcs[index]] ?? null : null);
        }
        break;
      }
      r.pos = end;
    }
  } catch {
    // unreadable: no signatures, the caller falls back to plain JS calls
  }
  return out;
}

const CODE: Partial<Record<SigType, number>> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b, funcref: 0x70, externref: 0x6f };

/** The JS-exact carrier types of a wasm type: f32 → i32 bits, f64 → i64 bits, v128 → two i64 halves. */
function carriers(t: SigType): number[] {
  if (t === 'f32') return [0x7f];
  if (t === 'f64') return [0x7e];
  if (t === 'v128') return [0x7e, 0x7e];
  return [CODE[t]!];
}


function section(id: number, body: number[]): number[] {
  return [id, ...leb(body.length), ...body];
}

/** Whether calls with this signature need a thunk (floats/v128) and can have one (no typed references). */
export function needsThunk(sig: FuncSig): boolean {
  const all = [...sig.params, ...sig.results];
  return all.some((t) => t === 'f32' || t === 'f64' || t === 'v128') && all.every((t) => t !== 'other');
}

/**
 * A module importing `m.f` with signature `sig` and exporting `run`, which
 * takes and returns the carriers of `sig` (see `carriers`), converting
 * with reinterpret instructions and `i64x2` lane moves.
 */
export function thunkModule(sig: FuncSig): Uint8Array {
  const fnType = (ps: number[], rs: number[]) => [0x60, ...vec(ps.map((p) => [p])), ...vec(rs.map((r) => [r]))];
  const target = fnType(sig.params.map((t) => CODE[t]!), sig.results.map((t) => CODE[t]!));
  const wrapper = fnType(sig.params.flatMap(carriers), sig.results.flatMap(carriers));
  const str = (s: string) => [...leb(s.length), ...[...s].map((c) => c.charCodeAt(0))];

  const body: number[] = [];
  let local = 0;
  for (const t of sig.params) {
    if (t === 'v128') {
      body.push(0x20, ...leb(local++), 0xfd, 0x12); // i64x2.splat
      body.push(0x20, ...leb(local++), 0xfd, 0x1e, 1); // i64x2.replace_lane 1
      continue;
    }
    body.push(0x20, ...leb(local++));
    if (t === 'f32') body.push(0xbe); // f32.reinterpret_i32
    if (t === 'f64') body.push(0xbf); // f64.reinterpret_i64
  }
  body.push(0x10, 0); // call the import
  const firstResult = local;
  for (let i = sig.results.length - 1; i >= 0; i--) body.push(0x21, ...leb(firstResult + i));
  sig.results.forEach((t, i) => {
    const get = [0x20, ...leb(firstResult + i)];
    if (t === 'v128') body.push(...get, 0xfd, 0x1d, 0, ...get, 0xfd, 0x1d, 1); // i64x2.extract_lane 0, 1
    else body.push(...get, ...(t === 'f32' ? [0xbc] : t === 'f64' ? [0xbd] : []));
  });
  body.push(0x0b);
  const locals = vec(sig.results.map((t) => [1, CODE[t]!]));
  const func = [...locals, ...body];

  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([target, wrapper])),
    ...section(2, vec([[...str('m'), ...str('f'), 0x00, 0x00]])),
    ...section(3, vec([[1]])),
    ...section(7, vec([[...str('run'), 0x00, 1]])),
    ...section(10, vec([[...leb(func.length), ...func]])),
  ]);
}
