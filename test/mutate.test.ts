/**
 * Mutation test for decode + validate: seeded, reproducible random mutations
 * (byte and bit flips, insertions, deletions, truncations, LEB-sized
 * overwrites) of valid modules must each either validate or throw
 * `CompileError` — never another error, never hang — and get the verdict the
 * engine's own validator (`WebAssembly.validate`) gives, but where the
 * engine has a feature beyond Wasm 2.0 (Kiln's message then says "is not
 * supported") or a limit below the spec's (V8's "implementation limit").
 *
 * Sources: every module in ../shared/bench/build and the text modules of
 * ../shared/testsuite/wasm-2.0 (skipped with a message when absent) plus
 * wabt-built modules using every section and every validation-relevant
 * instruction family.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { validate } from '../compiler/index.js';
import { CompileError } from '../runtime/errors.js';
import { SHARED } from './util/load.js';
import { head, parseSExprs } from './spec/sexpr.js';

if (!SHARED) console.warn('mutate.test: ../shared not found; mutating only the wabt-built modules');

const SEED = 0x6b696c6e; // "kiln"
const MUTANTS_PER_MODULE = 600;
/** Mutants of each spec-suite module (about a thousand small modules). */
const MUTANTS_PER_SPEC_MODULE = 8;
/** Longest a single decode+validate may take (ms) before it counts as a hang. */
const SLOW_MS = 2000;

/** mulberry32: a small seeded PRNG returning integers in [0, n). */
function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n: number) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * n | 0;
  };
}

/** Bytes that make interesting mutations: opcodes, type codes, LEB continuation, limits. */
const SPECIAL_BYTES = [0x00, 0x01, 0x02, 0x0b, 0x05, 0x40, 0x41, 0x7f, 0x80, 0xff, 0x70, 0x6f, 0x7b, 0xfc, 0xfd, 0x1c, 0x11, 0x0e];

/** The engine's own WebAssembly, captured before any test can replace it (undefined in an engine without one). */
const NATIVE: typeof WebAssembly | undefined = globalThis.WebAssembly;

/**
 * Why Kiln's verdict on `bytes` may differ from the engine's, or null when it
 * may not: the engine accepts a feature beyond Wasm 2.0 that Kiln rejects by
 * name, or rejects what only its own limits forbid (V8: an initial table of
 * more than 10,000,000 elements, say, where the spec allows 2^32 - 1).
 */
function allowedDifference(bytes: Uint8Array, kilnError: CompileError | null): string | null {
  if (kilnError !== null) return /is not supported/.test(kilnError.message) ? 'a feature beyond Wasm 2.0' : null;
  try {
    new NATIVE!.Module(bytes as Uint8Array<ArrayBuffer>);
    return null;
  } catch (e) {
    return /implementation limit/.test((e as Error).message) ? 'an engine limit' : null;
  }
}

/** The valid text modules of the Wasm 2.0 spec suite's scripts (SIMD files left out: mutants of them mostly test SIMD decoding twice), as binaries. */
function specModules(wabt: { parseWat(f: string, t: string, o: object): { toBinary(o: object): { buffer: Uint8Array }; destroy(): void } }, features: object): [string, Uint8Array][] {
  const dir = SHARED ? join(SHARED, 'testsuite/wasm-2.0') : null;
  if (dir === null || !existsSync(dir)) return [];
  const out: [string, Uint8Array][] = [];
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith('.wast') || f.startsWith('simd')) continue;
    const src = readFileSync(join(dir, f), 'utf8');
    for (const c of parseSExprs(src)) {
      if (c.kind !== 'list' || head(c) !== 'module') continue;
      const words = c.items.slice(1, 3).map((x) => (x.kind === 'atom' ? x.text : ''));
      if (words.includes('binary') || words.includes('quote')) continue;
      let m;
      try {
        m = wabt.parseWat(f, src.slice(c.start, c.end), features);
      } catch {
        continue; // a module of an assert_malformed or assert_invalid wabt rejects
      }
      try {
        const bytes = new Uint8Array(m.toBinary({}).buffer);
        if (NATIVE?.validate(bytes as Uint8Array<ArrayBuffer>) ?? true) out.push([`${f}:${src.slice(0, c.start).split('\n').length}`, bytes]);
      } catch {
        // wabt cannot encode it
      } finally {
        m.destroy();
      }
    }
  }
  return out;
}

/** One mutant of `src`: one to three edits chosen by `rand`. */
function mutate(src: Uint8Array, rand: (n: number) => number): Uint8Array {
  let b = Array.from(src);
  const edits = 1 + rand(3);
  for (let e = 0; e < edits && b.length > 0; e++) {
    const at = 8 + rand(Math.max(1, b.length - 8)); // mostly leave the header alone
    const byte = rand(4) === 0 ? SPECIAL_BYTES[rand(SPECIAL_BYTES.length)] : rand(256);
    switch (rand(7)) {
      case 0: b[at] = byte; break; // overwrite
      case 1: b[at] ^= 1 << rand(8); break; // bit flip
      case 2: b.splice(at, 0, byte); break; // insert
      case 3: b.splice(at, 1 + rand(4)); break; // delete
      case 4: b = b.slice(0, at); break; // truncate
      case 5: b.splice(at, 0, 0x80 | rand(128), 0x80 | rand(128), rand(128)); break; // insert a 3-byte LEB
      default: b[at] = (b[at] + (rand(2) ? 1 : -1)) & 0xff; break; // off by one
    }
  }
  return Uint8Array.from(b);
}

const WAT_SOURCES = [
  `(module
    (type $t (func (param i32 i64) (result i64 i32)))
    (import "m" "f" (func $imp (param i32)))
    (import "m" "g" (global $g i32))
    (import "m" "t" (table 2 funcref))
    (table $e 1 externref)
    (memory 1 2)
    (global $mut (mut i64) (i64.const 7))
    (global funcref (ref.func $a))
    (export "a" (func $a)) (export "mem" (memory 0)) (export "g" (global $mut))
    (start $s)
    (elem (i32.const 0) func $a $s)
    (elem funcref (ref.func $b) (ref.null func))
    (elem declare func $c)
    (data (i32.const 0) "hello") (data "passive")
    (func $s)
    (func $a (param i32) (result i32)
      (local i64 f32 f64 v128)
      (block $out (result i32)
        (block $in (result i32)
          (loop $l (br_if $l (i32.eqz (local.get 0))))
          (br_table $out $in (i32.const 1) (local.get 0))))
      (if (result i32) (then (i32.load8_u offset=3 (i32.const 0))) (else (i32.const 2)))
      (drop)
      (local.set 1 (i64.extend_i32_u (local.get 0)))
      (i64.store (i32.const 8) (global.get $mut))
      (global.set $mut (i64.add (local.get 1) (i64.const 1)))
      (drop (select (local.get 2) (f32.const 1) (i32.const 0)))
      (local.set 4 (i32x4.add (v128.load (i32.const 0)) (v128.const i32x4 1 2 3 4)))
      (drop (i8x16.extract_lane_u 3 (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 (local.get 4) (local.get 4))))
      (call_indirect (type $t) (i32.const 1) (i64.const 2) (i32.const 0))
      (drop) (drop)
      (call $imp (local.get 0))
      (local.get 0))
    (func $b (param externref) (result i32)
      (table.set $e (i32.const 0) (local.get 0))
      (drop (table.grow 0 (ref.func $c) (i32.const 1)))
      (memory.init 1 (i32.const 0) (i32.const 0) (i32.const 1)) (data.drop 1)
      (memory.copy (i32.const 0) (i32.const 1) (i32.const 1))
      (memory.fill (i32.const 0) (i32.const 0) (i32.const 1))
      (table.init 0 1 (i32.const 0) (i32.const 0) (i32.const 0)) (elem.drop 1)
      (drop (memory.grow (memory.size)))
      (ref.is_null (local.get 0)))
    (func $c (result i64 i32) (i32.const 2) (i64.const 1)
      (block (type $t) (param i32 i64) (result i64 i32) drop drop (i64.const 3) (i32.const 4))))`,
  `(module (memory 1) (func (export "f") (param i32) (result i32)
    (local i32)
    (loop $l (local.set 1 (i32.add (local.get 1) (i32.load (local.get 0))))
      (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 4)))))
    (f64.store (i32.const 0) (f64.convert_i32_s (local.get 1)))
    (i32.trunc_sat_f64_s (f64.load (i32.const 0)))))`,
];

describe('mutation', () => {
  const sources: [string, Uint8Array][] = [];
  /** Modules of the spec suite, mutated fewer times each. */
  const spec: [string, Uint8Array][] = [];

  beforeAll(async () => {
    const wabt = await (await import('wabt')).default();
    const features = { multi_value: true, bulk_memory: true, reference_types: true, simd: true };
    WAT_SOURCES.forEach((text, i) => {
      const m = wabt.parseWat(`m${i}.wat`, text, features);
      sources.push([`wat #${i}`, new Uint8Array(m.toBinary({}).buffer)]);
      m.destroy();
    });
    const bench = SHARED ? join(SHARED, 'bench/build') : null;
    if (bench && existsSync(bench)) {
      for (const f of readdirSync(bench).sort()) if (f.endsWith('.wasm')) sources.push([f, new Uint8Array(readFileSync(join(bench, f)))]);
    }
    spec.push(...specModules(wabt, features));
  });

  it('the source modules are valid', () => {
    for (const [name, bytes] of sources) expect(() => validate(bytes), name).not.toThrow();
  });

  it('every mutant validates or throws CompileError, as the engine validates it', () => {
    let valid = 0;
    let rejected = 0;
    const differences: string[] = [];
    const run = (list: [string, Uint8Array][], perModule: number, seed0: number): void =>
      list.forEach(([name, bytes], s) => {
        const rand = prng(seed0 + s);
        for (let i = 0; i < perModule; i++) {
          const mutant = mutate(bytes, rand);
          const t = performance.now();
          let error: CompileError | null = null;
          try {
            validate(mutant);
            valid++;
          } catch (e) {
            if (!(e instanceof CompileError)) {
              throw new Error(`${name} mutant #${i} (seed ${seed0 + s}) threw ${(e as Error)?.name}: ${(e as Error)?.message}`, { cause: e });
            }
            error = e;
            rejected++;
          }
          const ms = performance.now() - t;
          if (ms > SLOW_MS) throw new Error(`${name} mutant #${i} took ${ms.toFixed(0)} ms`);
          if (NATIVE === undefined) continue;
          if (NATIVE.validate(mutant as Uint8Array<ArrayBuffer>) === (error === null) || allowedDifference(mutant, error) !== null) continue;
          const hex = Array.from(mutant.subarray(0, 256), (b) => b.toString(16).padStart(2, '0')).join('');
          const what = error === null ? 'Kiln accepts, the engine rejects' : `Kiln rejects (${error.message}), the engine accepts`;
          differences.push(`${name} mutant #${i} (seed ${seed0 + s}): ${what}; bytes ${hex}${mutant.length > 256 ? '...' : ''}`);
        }
      });
    run(sources, MUTANTS_PER_MODULE, SEED);
    run(spec, MUTANTS_PER_SPEC_MODULE, SEED + 100_000);
    expect(valid + rejected).toBe(sources.length * MUTANTS_PER_MODULE + spec.length * MUTANTS_PER_SPEC_MODULE);
    expect(rejected).toBeGreaterThan(0);
    expect(differences.slice(0, 5)).toEqual([]);
    if (SHARED) expect(spec.length).toBeGreaterThan(500);
  });
});
