/**
 * A bounded slice of the differential fuzzer (test/fuzz/README.md): fixed
 * seeds, every configuration, any difference fails (no retries, no skipped
 * seeds); the failure message is the shrunk reproducer. Also checks the
 * fuzzer itself: the text printer against wabt, and the shrinker on a fake
 * Kiln whose `i32.rotl` is wrong for one shift count.
 */
import { describe, it, expect } from 'vitest';
import { encodeModule } from './encode.js';
import { generate, generateModule } from './gen.js';
import { ALL_CONFIGS, loadKiln, parseConfigs, runDifferential, type Kiln } from './oracle.js';
import { formatReport, reduce } from './report.js';
import { printModule } from './wat.js';
import { binaryenAvailable, binaryenModule, binaryenSubject } from './binaryen.js';
import { walk } from './ast.js';

const wabt = await (await import('wabt')).default();
const FEATURES = { multi_value: true, bulk_memory: true, sign_extension: true, sat_float_to_int: true, reference_types: true, exceptions: true };
const kiln = await loadKiln();

/** Runs seeds [from, to) in every configuration; returns the shrunk report of the first mismatch, or null. */
function campaign(k: Kiln, from: number, to: number, exceptions = false): { report: string | null; compared: number } {
  let compared = 0;
  for (let seed = from; seed < to; seed++) {
    const g = generate(seed, { exceptions });
    const r = runDifferential(k, { bytes: encodeModule(g.module), calls: g.calls }, ALL_CONFIGS);
    compared += r.compared;
    const m = r.mismatches[0];
    if (m) {
      const config = ALL_CONFIGS.find((c) => c.name === m.config)!;
      const reduced = reduce(k, config, g, m, { timeLimitMs: 15_000 });
      const alsoIn = r.mismatches.slice(1).map((x) => x.config);
      return { report: formatReport({ seed, config, alsoIn, reduced }), compared };
    }
  }
  return { report: null, compared };
}

describe('differential fuzzing: generated modules, native vs Kiln in every configuration', () => {
  // 160 modules in four slices (about 30,000 calls compared); each slice fails with the shrunk reproducer.
  for (const [from, to] of [[1, 41], [41, 81], [81, 121], [121, 161]] as const) {
    it(`seeds ${from}-${to - 1}`, () => {
      const { report, compared } = campaign(kiln, from, to);
      if (report !== null) throw new Error(`Kiln differs from native WebAssembly:\n${report}`);
      expect(compared).toBeGreaterThan(1000);
    });
  }
  it('seeds 1-40 with exception handling (tags, try/catch/delegate, throw, rethrow)', () => {
    const { report, compared } = campaign(kiln, 1, 41, true);
    if (report !== null) throw new Error(`Kiln differs from native WebAssembly:\n${report}`);
    expect(compared).toBeGreaterThan(1000);
  });
});

describe.runIf(binaryenAvailable())('differential fuzzing: binaryen -ttf modules', () => {
  it('seeds 1-2', async () => {
    for (const seed of [1, 2]) {
      const subject = binaryenSubject(await binaryenModule(seed, 16384), seed, 4);
      const r = runDifferential(kiln, subject, ALL_CONFIGS);
      expect(r.mismatches, JSON.stringify(r.mismatches, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v), 2)).toEqual([]);
      expect(r.compared).toBeGreaterThan(0);
    }
  });
});

describe('the fuzzer itself', () => {
  it('prints modules that wabt parses, folded and flat, into the same module as the encoder', () => {
    for (let seed = 1; seed <= 12; seed++) {
      const m = generateModule(seed, { exceptions: seed > 8 });
      const bytes = encodeModule(m);
      const expected = wabt.readWasm(bytes, { readDebugNames: false, ...FEATURES }).toText({});
      for (const folded of [true, false]) {
        const parsed = wabt.parseWat(`seed${seed}.wat`, printModule(m, { folded }), FEATURES);
        const text = wabt.readWasm(parsed.toBinary({}).buffer, { readDebugNames: false, ...FEATURES }).toText({});
        expect(text, `seed ${seed}, ${folded ? 'folded' : 'flat'}`).toBe(expected);
      }
    }
  });

  it('generates valid modules covering every scalar operator, load and store', async () => {
    const { NUM_OPS, MEM_OPS } = await import('./ast.js');
    const seen = new Set<string>();
    for (let seed = 1; seed <= 120; seed++) {
      const m = generateModule(seed);
      expect(WebAssembly.validate(encodeModule(m) as Uint8Array<ArrayBuffer>), `seed ${seed}`).toBe(true);
      for (const f of m.funcs) walk(f.body, (ins) => seen.add(ins.op));
    }
    const wanted = [...NUM_OPS.map((o) => o.name), ...MEM_OPS.map((o) => o.name), 'memory.grow', 'memory.size', 'memory.fill', 'memory.copy',
      'memory.init', 'data.drop', 'br_table', 'call_indirect', 'select', 'loop', 'local.tee', 'unreachable', 'return'];
    expect(wanted.filter((op) => !seen.has(op))).toEqual([]);
  });

  // (A runtime helper the output still calls: rotations by a constant count are now inline.)
  it('finds and shrinks a fake miscompile (i32.popcnt wrong when the operand ends in three 1 bits)', () => {
    const popcnt = kiln.runtime.i32_popcnt as (a: number) => number;
    const fake: Kiln = { ...kiln, runtime: { ...kiln.runtime, i32_popcnt: (a: number) => popcnt(a) ^ ((a & 7) === 7 ? 1 : 0) } };
    const [pair] = parseConfigs('pair');
    let found = null;
    for (let seed = 1; seed <= 200 && !found; seed++) {
      const g = generate(seed);
      const m = runDifferential(fake, { bytes: encodeModule(g.module), calls: g.calls }, [pair!]).mismatches[0];
      if (m) found = { seed, g, m };
    }
    expect(found, 'no seed in 1-200 shows the fake miscompile').not.toBeNull();
    const { seed, g, m } = found!;
    const reduced = reduce(fake, pair!, g, m, { timeLimitMs: 30_000 });
    expect(reduced.flaky).toBe(false);
    const wat = printModule(reduced.case.module);
    expect(wat).toContain('i32.popcnt');
    // Small: the popcnt, its operand, the store of its result, an export (the first failing seed's
    // shrink keeps a call and a multi-value return too: 14 instructions).
    expect(reduced.sizeAfter, wat).toBeLessThanOrEqual(16);
    expect(reduced.case.calls).toHaveLength(1);
    // The reproducer still fails with the fake and passes with the real Kiln.
    const bytes = wabt.parseWat('r.wat', wat, FEATURES).toBinary({}).buffer;
    expect(runDifferential(fake, { bytes, calls: reduced.case.calls }, [pair!]).mismatches).toHaveLength(1);
    expect(runDifferential(kiln, { bytes, calls: reduced.case.calls }, [pair!]).mismatches).toEqual([]);
    const report = formatReport({ seed, config: pair!, alsoIn: [], reduced });
    expect(report).toContain(`seed ${seed}`);
    expect(report).toContain(reduced.mismatch.assertion!);
  });
});
