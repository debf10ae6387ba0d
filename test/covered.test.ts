// Covered byte loads (compiler/passes/covered.ts, `tune: 'hermes'`): a byte
// load at `(x >>> 0) + k` after an access that reached past it at the same
// variable reads its view without the `DataView` fallback. Against native
// WebAssembly at addresses where each load, and the one after it, is just in
// bounds or just out, little- and big-endian, split and with fuel.
import { describe, expect, it } from 'vitest';
import { compile } from './util/wasm-names.js';
import { runViewForms } from './util/forms.js';
import { wat } from './util/wat.js';

const WAT = `(module
  (memory (export "mem") 1)
  (func (export "run") (param $p i32) (param $n i32) (result i32)
    (local $acc i32) (local $i i32)
    ;; straight line: the load at offset 3 covers offsets 2 and 1 (not 4; offset 0 keeps its form)
    (local.set $acc (i32.load8_u offset=3 (local.get $p)))
    (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 31)) (i32.load8_u offset=2 (local.get $p))))
    (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 31)) (i32.load8_s offset=1 (local.get $p))))
    (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 31)) (i32.load8_u offset=4 (local.get $p))))
    (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 31)) (i32.load8_u (local.get $p))))
    ;; a 32-bit load at offset 8 covers bytes up to offset 11
    (local.set $acc (i32.xor (local.get $acc) (i32.load offset=8 (local.get $p))))
    (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 31)) (i32.load8_u offset=11 (local.get $p))))
    ;; what a branch learns stays in it
    (if (i32.and (local.get $n) (i32.const 1))
      (then (local.set $acc (i32.add (local.get $acc) (i32.load8_u offset=30 (local.get $p))))))
    (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 31)) (i32.load8_u offset=29 (local.get $p))))
    ;; a write of $p ends what is known of it
    (local.set $p (i32.add (local.get $p) (local.get $n)))
    (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 31)) (i32.load8_u offset=1 (local.get $p))))
    ;; a loop's body knows nothing on entry: $p moves on the back edge
    (drop (i32.load offset=4 (local.get $p)))
    (loop $l
      (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 31)) (i32.load8_u offset=6 (local.get $p))))
      (local.set $p (i32.add (local.get $p) (local.get $n)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 3))))
    (local.get $acc)))`;

const END = 65536;
/** Bases at which the loads of `run` pass or trap one by one (offsets 3, 4, 11, 29, 30 and, after a step of `n`, 1, 4, 6). */
const BASES = [0, 100, END - 4, END - 5, END - 12, END - 13, END - 29, END - 30, END - 31, END - 36, END - 40, END - 60, -1, -4];
const STEPS = [0, 1, 2, 8, 20, 40];

type Exports = { mem: WebAssembly.Memory; run: (p: number, n: number) => number };

/** Every call's result, or that it trapped, memory seeded alike. */
function outcomes(x: Exports): (number | string)[] {
  const u8 = new Uint8Array(x.mem.buffer);
  let s = 0x2545f491;
  for (let i = 0; i < END; i++) u8[i] = (s = (Math.imul(s, 1103515245) + 12345) | 0) >>> 24;
  const out: (number | string)[] = [];
  for (const p of BASES) {
    for (const n of STEPS) {
      try {
        out.push(x.run(p, n));
      } catch (e) {
        out.push(`trap ${(e as Error).constructor.name}`);
      }
    }
  }
  return out;
}

const MODULE = wat(WAT);
const native = outcomes(new WebAssembly.Instance(new WebAssembly.Module(MODULE)).exports as unknown as Exports);

describe('covered byte loads (tune: hermes)', () => {
  it('lose their fallback where an earlier access reached past them, and only there', () => {
    const { code } = compile(MODULE, { tune: 'hermes' });
    const body = code.slice(code.indexOf('function f0('));
    for (const covered of ['+hu8[(l0>>>0)+2]|0', '+h8[(l0>>>0)+1]|0', '+hu8[(l0>>>0)+11]|0']) expect(body).toContain(covered);
    for (const k of [3, 4, 30, 29, 1, 6]) expect(body).toContain(`hu8[(l0>>>0)+${k}]??dv.getUint8((l0>>>0)+${k})`);
    expect(body).toContain('(hu8[l0]??dv.getUint8(l0>>>0))');
    expect(compile(MODULE, {}).code).not.toContain('hu8[');
  });

  it('compute what native WebAssembly does at every base, little- and big-endian, split, with fuel', async () => {
    expect(native.filter((r) => typeof r === 'string').length).toBeGreaterThan(20);
    expect(native.filter((r) => typeof r === 'number').length).toBeGreaterThan(20);
    const traps = (r: (number | string)[]) => r.map((x) => (typeof x === 'string' ? 'trap' : x));
    for (const [name, got] of await runViewForms(MODULE, (x) => outcomes(x as Exports))) expect(traps(got), name).toEqual(traps(native));
  });
});
