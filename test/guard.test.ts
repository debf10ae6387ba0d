// Guarded versions of functions (compiler/passes/guard.ts, `tune: 'hermes'`):
// a function indexing memory at a parameter it never assigns plus a bounded
// offset gets a second version without the views' fallbacks, entered where
// the parameter passes the guard. Both paths against native WebAssembly, at
// bases that pass and fail each part of the guard, little- and big-endian,
// split and with fuel, before and after a grow.
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from './util/wasm-names.js';
import { runViewForms } from './util/forms.js';

const PAGES = 2;
/** The guard's bound: the minimum size less the guarded version's reach (guard.ts REACH). */
const LIMIT = PAGES * 65536 - 4096;

// A register machine: bytes at `i` name registers a, b (and d = a + b & 255) of a file at `base`.
const WAT = `(module
  (memory (export "mem") ${PAGES})
  (func (export "run") (param $base i32) (param $n i32) (result i32)
    (local $i i32) (local $a i32) (local $b i32) (local $d i32) (local $acc i32) (local $e i32)
    (loop $l
      (local.set $a (i32.load8_u (local.get $i)))
      (local.set $b (i32.load8_u offset=1 (local.get $i)))
      (local.set $d (i32.and (i32.add (local.get $a) (local.get $b)) (i32.const 255)))
      (i32.store (i32.add (local.get $base) (i32.shl (local.get $d) (i32.const 2)))
        (i32.add (i32.load (i32.add (local.get $base) (i32.shl (local.get $a) (i32.const 2))))
                 (i32.load (i32.add (local.get $base) (i32.shl (local.get $b) (i32.const 2))))))
      (local.set $acc (i32.xor (local.get $acc) (i32.load (i32.add (local.get $base) (i32.shl (local.get $d) (i32.const 2))))))
      (i64.store offset=8 (i32.add (local.get $base) (i32.shl (local.get $a) (i32.const 3)))
        (i64.load (i32.add (local.get $base) (i32.shl (local.get $b) (i32.const 3)))))
      (local.set $acc (i32.add (local.get $acc) (i32.load16_u offset=2 (i32.add (local.get $base) (i32.shl (local.get $a) (i32.const 1))))))
      (local.set $acc (i32.add (local.get $acc) (i32.load8_s (i32.add (local.get $base) (local.get $b)))))
      (i32.store16 (i32.add (local.get $base) (i32.shl (local.get $b) (i32.const 1))) (local.get $acc))
      (i32.store8 offset=3 (i32.add (local.get $base) (local.get $d)) (local.get $acc))
      ;; a register index that is a byte but once (at i = 64, when n > 64) far past memory: it must keep its check
      (local.set $e (local.get $a))
      (if (i32.eq (local.get $i) (i32.const 64)) (then (local.set $e (i32.const 100000))))
      (local.set $acc (i32.add (local.get $acc) (i32.load (i32.add (local.get $base) (i32.shl (local.get $e) (i32.const 2))))))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc))
  (func (export "grow") (result i32) (memory.grow (i32.const 1))))`;

/** Bases: passing the guard, misaligned (4 passes for i32 accesses only, 2 and 1 do not), past its bound, near or past the end, negative. */
const BASES = [0, 8, 16, 1024, 4, 2, 1, 1027, LIMIT - 8, LIMIT, LIMIT + 8, LIMIT + 4, PAGES * 65536 - 2048, PAGES * 65536 - 8, -8, 0x7ffffff8];

type Exports = { mem: WebAssembly.Memory; run: (base: number, n: number) => number; grow: () => number };

/** Every call's result (or trap) and a digest of memory after it, memory seeded alike. */
function outcomes(x: Exports): (number | string)[] {
  const out: (number | string)[] = [];
  const u8 = () => new Uint8Array(x.mem.buffer);
  let s = 0x2545f491;
  for (let i = 0; i < 4096; i++) u8()[i] = (s = (Math.imul(s, 1103515245) + 12345) | 0) >>> 24;
  for (let i = PAGES * 65536 - 4096; i < PAGES * 65536; i++) u8()[i] = (s = (Math.imul(s, 1103515245) + 12345) | 0) >>> 24;
  const digest = () => {
    let h = 0;
    for (const b of u8()) h = (Math.imul(h, 31) + b) | 0;
    return h;
  };
  for (const round of [0, 1]) {
    for (const base of BASES) {
      for (const n of [64, 66]) {
        try {
          out.push(x.run(base, n));
        } catch (e) {
          out.push(`trap ${(e as Error).constructor.name}`);
        }
        out.push(digest());
      }
    }
    if (round === 0) out.push(x.grow());
  }
  return out;
}

let MODULE: Uint8Array;
let native: (number | string)[];

beforeAll(async () => {
  const wabt = await (await import('wabt')).default();
  MODULE = wabt.parseWat('guard.wat', WAT, {}).toBinary({}).buffer as Uint8Array;
  native = outcomes(new WebAssembly.Instance(new WebAssembly.Module(MODULE as Uint8Array<ArrayBuffer>)).exports as unknown as Exports);
});

describe('guarded versions (tune: hermes)', () => {
  it('are made for a base parameter, and index the views without fallbacks', () => {
    const { code } = compile(MODULE, { tune: 'hermes' });
    expect(code).toContain(`if(HB!==0&&l0>>>0<=${LIMIT}&&!(l0&7)){\nreturn f0$g(l0,l1);`);
    const guarded = code.slice(code.indexOf('function f0$g('));
    expect(guarded).toMatch(/=h32\[\(l0>>2\)\+l\d\]\+h32\[\(l0>>2\)\+l\d\]\|0;\nh32\[\(l0>>2\)\+l\d\]=t\d;/);
    expect(guarded).toMatch(/\nhu8\[l0\+l\d\+3\]=l\d;/);
    expect(compile(MODULE, {}).code).not.toContain('$g(');
  });

  it('compute what native WebAssembly does on every base, little- and big-endian, split, with fuel', async () => {
    expect(native.filter((r) => typeof r === 'string').length).toBeGreaterThan(4);
    const traps = (r: (number | string)[]) => r.map((x) => (typeof x === 'string' ? 'trap' : x));
    for (const [name, got] of await runViewForms(MODULE, (x) => outcomes(x as Exports))) expect(traps(got), name).toEqual(traps(native));
  });
});
