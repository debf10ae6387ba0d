/**
 * The second generator: binaryen's `wasm-opt -ttf` ("translate to fuzz")
 * turns random bytes into a random valid module, limited to the features
 * Kiln supports (MVP, sign extension, non-trapping conversions, bulk memory,
 * multi-value, mutable globals, reference types), then `--denan` replaces
 * every NaN a float operation produces so no result depends on the NaN bits
 * the spec leaves open.
 *
 * Such modules import binaryen's `fuzzing-support` host functions; both
 * engines get the same deterministic ones (`hostImports`): `log-*` record
 * their argument in the host log the oracle compares, `call-export*` and
 * `call-ref*` call back into the instance, `throw` throws, `table-get/set`
 * use the exported table. These modules are not shrunk (they are not in the
 * fuzzer's AST); the reproducer is the module itself (binaryen can print it:
 * `wasm-dis`).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, type HostContext, type ImportFactory, type Subject } from './oracle.js';
import { randArg, type Call } from './gen.js';
import { Rng } from './rng.js';
import type { ValType } from './ast.js';

/** The `wasm-opt` of the installed `binaryen` package. */
export const WASM_OPT = join(ROOT, 'node_modules/binaryen/bin/wasm-opt');

/** The features Kiln supports, as wasm-opt flags. */
export const FEATURES = [
  '--mvp-features', '--enable-sign-ext', '--enable-nontrapping-float-to-int', '--enable-bulk-memory', '--enable-multivalue',
  '--enable-mutable-globals', '--enable-reference-types',
];

/** Whether binaryen is installed. */
export function binaryenAvailable(): boolean {
  return existsSync(WASM_OPT);
}

/** Generates a module from `seed`: `size` random bytes through `wasm-opt -ttf --denan`. Resolves to the binary. */
export function binaryenModule(seed: number, size = 4096): Promise<Uint8Array> {
  const r = new Rng(seed);
  const input = new Uint8Array(size);
  for (let i = 0; i < size; i++) input[i] = r.int(256);
  const dir = mkdtempSync(join(tmpdir(), 'kiln-ttf-'));
  const inFile = join(dir, 'in.dat');
  const outFile = join(dir, 'out.wasm');
  writeFileSync(inFile, input);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [WASM_OPT, inFile, '-ttf', '--denan', ...FEATURES, '-o', outFile], { maxBuffer: 1 << 24 }, (err, _out, stderr) => {
      try {
        if (err) reject(new Error(`wasm-opt failed for seed ${seed}: ${stderr || err.message}`));
        else resolve(new Uint8Array(readFileSync(outFile)));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

type AnyType = ValType | 'funcref' | 'externref' | 'v128' | `0x${string}`;

/** What the oracle needs to know of a module's interface: function types, imports and exports. */
export interface Interface {
  types: { params: AnyType[]; results: AnyType[] }[];
  imports: { module: string; name: string; kind: number; type: number | AnyType }[];
  /** Type index of every function, imported ones first. */
  funcTypes: number[];
  exports: { name: string; kind: number; index: number }[];
}

const VALTYPES: Record<number, AnyType> = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'funcref', 0x6f: 'externref' };

/** Reads the type, import, function and export sections of a binary (enough for the oracle; not a validator). */
export function readInterface(bytes: Uint8Array): Interface {
  let p = 8;
  const u = () => {
    let r = 0, shift = 0, b;
    do {
      b = bytes[p++]!;
      r += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return r;
  };
  const name = () => {
    const n = u();
    const s = new TextDecoder().decode(bytes.subarray(p, p + n));
    p += n;
    return s;
  };
  const valtype = (): AnyType => {
    const b = bytes[p++]!;
    if (b === 0x63 || b === 0x64) {
      const ht = bytes[p++]!;
      return ht === 0x70 ? 'funcref' : ht === 0x6f ? 'externref' : `0x${b.toString(16)}`;
    }
    return VALTYPES[b] ?? `0x${b.toString(16)}`;
  };
  const limits = () => {
    const flag = bytes[p++]!;
    u();
    if (flag & 1) u();
  };
  const out: Interface = { types: [], imports: [], funcTypes: [], exports: [] };
  while (p < bytes.length) {
    const id = bytes[p++]!;
    const size = u();
    const end = p + size;
    if (id === 1) {
      for (let n = u(); n > 0; n--) {
        p++; // 0x60
        const params = Array.from({ length: u() }, valtype);
        const results = Array.from({ length: u() }, valtype);
        out.types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = u(); n > 0; n--) {
        const module = name();
        const field = name();
        const kind = bytes[p++]!;
        let type: number | AnyType = 0;
        if (kind === 0) {
          type = u();
          out.funcTypes.push(type);
        } else if (kind === 1) {
          type = valtype();
          limits();
        } else if (kind === 2) limits();
        else if (kind === 3) {
          type = valtype();
          p++;
        }
        out.imports.push({ module, name: field, kind, type });
      }
    } else if (id === 3) {
      for (let n = u(); n > 0; n--) out.funcTypes.push(u());
    } else if (id === 7) {
      for (let n = u(); n > 0; n--) {
        const nm = name();
        const kind = bytes[p++]!;
        out.exports.push({ name: nm, kind, index: u() });
      }
    }
    p = end;
  }
  return out;
}

function logText(x: unknown): string {
  if (typeof x === 'number') return x !== x ? 'nan' : Object.is(x, -0) ? '-0' : String(x);
  if (typeof x === 'bigint') return `${x}n`;
  if (x === null) return 'null';
  return typeof x;
}

/** Calls back into the instance allowed per export call (host functions `call-export*`, `call-ref*`). */
const CALLBACK_BUDGET = 32;

/** Calls `f` with default arguments for its parameter types. */
function callDefault(f: unknown, params: AnyType[] | undefined): unknown {
  if (typeof f !== 'function') throw new TypeError('fuzz host: not callable');
  const args = (params ?? []).map((t) => (t === 'i64' ? 0n : t === 'i32' || t === 'f32' || t === 'f64' ? 0 : null));
  return (f as (...a: unknown[]) => unknown)(...args);
}

/**
 * The host functions binaryen's fuzz modules import, the same for both
 * engines (see the file comment). Imported globals get a zero (or null),
 * and an `externref` the string `ext`.
 */
export function hostImports(iface: Interface): ImportFactory {
  const funcExports = iface.exports.filter((e) => e.kind === 0);
  const paramsOf = (funcIndex: number) => iface.types[iface.funcTypes[funcIndex]!]?.params;
  return (ctx: HostContext) => {
    const obj: Record<string, Record<string, unknown>> = {};
    // Callbacks that catch traps (call-export-catch...) can turn binaryen's hang limit, which resets
    // when it traps, into unbounded work: each export call gets a budget of callbacks.
    const budget = () => {
      if (++ctx.callbacks > CALLBACK_BUDGET) throw new Error('fuzz host: callback budget exhausted');
    };
    const callExport = (index: number) => {
      budget();
      const e = funcExports[index];
      if (!e) throw new RangeError(`fuzz host: no export ${index}`);
      return callDefault(ctx.exports()[e.name], paramsOf(e.index));
    };
    const callRef = (f: unknown) => {
      budget();
      return callDefault(f, undefined);
    };
    const table = () => ctx.exports()['table'] as { get(i: number): unknown; set(i: number, v: unknown): void } | undefined;
    for (const imp of iface.imports) {
      const mod = (obj[imp.module] ??= {});
      if (imp.kind === 3) {
        const t = imp.type;
        mod[imp.name] = t === 'i64' ? 0n : t === 'externref' ? 'ext' : t === 'funcref' ? null : 0;
        continue;
      }
      if (imp.kind !== 0) continue; // no memory or table imports: instantiation fails alike in both engines
      const n = imp.name;
      let fn: (...a: unknown[]) => unknown;
      if (n.startsWith('log')) fn = (...a) => { ctx.log.push(`${n}(${a.map(logText).join(',')})`); };
      else if (n === 'call-export') fn = (i, flags) => { ctx.log.push(`call-export ${i}`); try { callExport(i as number); } catch (e) { if (((flags as number) & 1) === 0) throw e; } };
      else if (n === 'call-export-catch') fn = (i) => { ctx.log.push(`call-export-catch ${i}`); try { callExport(i as number); return 0; } catch { return 1; } };
      else if (n === 'call-ref') fn = (f, flags) => { ctx.log.push('call-ref'); try { callRef(f); } catch (e) { if (((flags as number) & 1) === 0) throw e; } };
      else if (n === 'call-ref-catch') fn = (f) => { ctx.log.push('call-ref-catch'); try { callRef(f); return 0; } catch { return 1; } };
      else if (n === 'throw') fn = (x) => { throw new Error(`fuzz host throw ${logText(x)}`); };
      else if (n === 'sleep') fn = (_ms, id) => id;
      else if (n === 'table-get') fn = (i) => table()?.get(i as number) ?? null;
      else if (n === 'table-set') fn = (i, v) => { table()?.set(i as number, v); };
      else fn = (...a) => { ctx.log.push(`${n}(${a.map(logText).join(',')})`); };
      mod[imp.name] = fn;
    }
    return obj;
  };
}

/** The calls to make on a binaryen module: `perExport` calls of each exported function (random arguments), interleaved. */
export function binaryenCalls(iface: Interface, seed: number, perExport = 3): Call[] {
  const r = new Rng(seed ^ 0x2545f491);
  const calls: Call[] = [];
  for (const e of iface.exports) {
    if (e.kind !== 0) continue;
    const t = iface.types[iface.funcTypes[e.index]!];
    if (!t || t.params.some((p) => p === 'v128') || t.results.some((p) => p === 'v128')) continue;
    for (let i = 0; i < perExport; i++) {
      const args = t.params.map((p) => (p === 'i32' || p === 'i64' || p === 'f32' || p === 'f64' ? randArg(r, p) : null)) as (number | bigint)[];
      calls.push({ export: e.name, args });
    }
  }
  for (let i = calls.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [calls[i], calls[j]] = [calls[j]!, calls[i]!];
  }
  return calls;
}

/** A binaryen module as an oracle subject. */
export function binaryenSubject(bytes: Uint8Array, seed: number, perExport = 3): Subject {
  const iface = readInterface(bytes);
  return { bytes, calls: binaryenCalls(iface, seed, perExport), imports: hostImports(iface) };
}
