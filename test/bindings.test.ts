/**
 * Every runtime binding the emitter declares in generated code
 * (compiler/bindings.ts RUNTIME_BINDINGS and the sandbox bindings of
 * compiler/lower/fuel.ts) is exported by the runtime (runtime/index.ts), so
 * output compiled with `runtime: 'import'` finds each of them in
 * `wasm-kiln/runtime`.
 */
import { describe, it, expect } from 'vitest';
import * as runtime from '../runtime/index.js';
import { RUNTIME_BINDINGS } from '../compiler/bindings.js';
import { sandboxBindings } from '../compiler/lower/fuel.js';
import { resolveFuelCosts } from '../compiler/lower/fuel-costs.js';
import { makeEnv } from '../compiler/lower/env.js';
import { compile, decodeAndValidate } from '../compiler/index.js';

const wabt = await (await import('wabt')).default();
function wat(text: string): Uint8Array {
  return wabt.parseWat('t.wat', text, { bulk_memory: true, reference_types: true }).toBinary({}).buffer;
}

/** A module that needs every sandbox binding when compiled with fuel: its memory is imported. */
const SANDBOXED = wat(`(module
  (import "env" "memory" (memory 1 4))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))`);

const exported = new Set(Object.keys(runtime));

/** The names the emitted module destructures from the runtime namespace. */
function destructured(code: string): string[] {
  const m = /^const \{ ([^}]*) \} = \$rt;$/m.exec(code);
  if (m === null) throw new Error('no runtime destructuring in the output');
  return m[1].split(', ');
}

describe('runtime bindings', () => {
  it('RUNTIME_BINDINGS are distinct and each exported by runtime/index.ts', () => {
    expect(new Set(RUNTIME_BINDINGS).size).toBe(RUNTIME_BINDINGS.length);
    expect(RUNTIME_BINDINGS.filter((n) => !exported.has(n))).toEqual([]);
  });

  it('the sandbox bindings (fuel, imported memory) are each exported by runtime/index.ts', () => {
    const env = makeEnv(decodeAndValidate(SANDBOXED), 256);
    env.fuel = resolveFuelCosts();
    const names = sandboxBindings(env);
    expect(names).toEqual(expect.arrayContaining(['instanceLimit', 'limitGrow', 'fuelAmount', 'fuelError', 'memoryGrowFuel', 'tableGrowFuel']));
    expect(names.filter((n) => !exported.has(n))).toEqual([]);
  });

  it('every name the emitted module takes from the runtime exists there', () => {
    for (const fuel of [false, true]) {
      const { code } = compile(SANDBOXED, { runtime: 'import', fuel });
      const names = destructured(code);
      expect(names).toEqual(expect.arrayContaining([...RUNTIME_BINDINGS]));
      expect(names.filter((n) => !exported.has(n))).toEqual([]);
      expect(names.filter((n) => (runtime as Record<string, unknown>)[n] === undefined)).toEqual([]);
    }
  });
});
