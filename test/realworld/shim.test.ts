/**
 * The corpus' helpers around `createWebAssembly`: the namespace they install
 * really runs Kiln output, the engine's `WebAssembly` is gone while it runs
 * and comes back exactly as it was, and `packageWasm` finds the modules
 * packages ship or embed.
 */
import { describe, it, expect } from 'vitest';
import { compileStats, kilnEngine, onKiln, onNative, packageWasm, sha256Hex, NATIVE } from './shim.js';

const wabt = await (await import('wabt')).default();
const WAT = `(module
  (import "env" "scale" (func $scale (param i32) (result i32)))
  (import "env" "mem" (memory 1))
  (func (export "div") (param i32 i32) (result i32) (call $scale (i32.div_s (local.get 0) (local.get 1))))
  (func (export "wide") (param i64) (result i64) (i64.mul (local.get 0) (i64.const 3)))
  (global (export "g") i32 (i32.const 7)))`;
const BYTES = new Uint8Array(wabt.parseWat('t.wat', WAT, {}).toBinary({}).buffer);

describe('Kiln WebAssembly namespace for the corpus', () => {
  it('runs Kiln output, not native code, with the engine WebAssembly deleted, and counts instances', async () => {
    const engine = kilnEngine('pair', [BYTES]);
    const seen: unknown[] = [];
    const { module, instance } = await onKiln(engine, async () => {
      // What a glue sees: Kiln's namespace, and no trace of the engine's.
      seen.push(globalThis.WebAssembly === (engine.namespace as unknown), Object.getOwnPropertyDescriptor(globalThis, 'WebAssembly')?.value === NATIVE);
      const ns = globalThis.WebAssembly;
      const mem = new ns.Memory({ initial: 1 });
      return (await ns.instantiate(BYTES, { env: { scale: (x: number) => x * 10, mem } })) as unknown as WebAssembly.WebAssemblyInstantiatedSource;
    });
    expect(seen).toEqual([true, false]);
    expect(globalThis.WebAssembly).toBe(NATIVE);
    const div = instance.exports.div as (a: number, b: number) => number;
    expect(div(7, 2)).toBe(30);
    expect(String(div)).not.toMatch(/native code/);
    expect((instance.exports.wide as (x: bigint) => bigint)(5n)).toBe(15n);
    expect(Number(instance.exports.g as unknown as object)).toBe(7);
    expect(engine.stats.instances).toBe(1);
    expect(engine.stats.byHash).toEqual(new Map([[sha256Hex(BYTES), 1]]));
    // A trap is the namespace's RuntimeError (the compiled module saw no engine WebAssembly, so its errors do not extend the engine's).
    let trap: unknown;
    try {
      div(1, 0);
    } catch (e) {
      trap = e;
    }
    expect(trap).toBeInstanceOf(engine.namespace.RuntimeError);
    expect(trap).not.toBeInstanceOf(NATIVE.RuntimeError);
    // Module descriptors as the JS API gives them.
    const native = await onNative(() => NATIVE.compile(BYTES));
    const ns = engine.namespace as unknown as typeof WebAssembly;
    expect(ns.Module.imports(module)).toEqual(NATIVE.Module.imports(native));
    expect(ns.Module.exports(module)).toEqual(NATIVE.Module.exports(native));
  });

  it('compiles each module once per i64 form, and knows only the modules it was given', async () => {
    const before = compileStats.compiled;
    kilnEngine('bigint', [BYTES]);
    const engine = kilnEngine('bigint', [BYTES]);
    expect(compileStats.compiled - before).toBe(1);
    const ns = engine.namespace;
    await onKiln(engine, () => {
      expect(ns.validate(BYTES)).toBe(true);
      const other = new Uint8Array(wabt.parseWat('o.wat', '(module (func (export "f")))', {}).toBinary({}).buffer);
      expect(ns.validate(other)).toBe(false);
      expect(() => new ns.Module(other)).toThrow(ns.CompileError);
    });
  });

  it('puts the engine WebAssembly back exactly as it was, also when the case throws', async () => {
    const property = Object.getOwnPropertyDescriptor(globalThis, 'WebAssembly');
    await expect(onKiln(kilnEngine('auto', [BYTES]), () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(globalThis.WebAssembly).toBe(NATIVE);
    expect(Object.getOwnPropertyDescriptor(globalThis, 'WebAssembly')).toEqual(property);
    expect(property).toMatchObject({ enumerable: false, writable: true, configurable: true });
  });

  it('fails a case whose glue swaps globalThis.WebAssembly', async () => {
    await expect(onKiln(kilnEngine('auto', [BYTES]), () => {
      (globalThis as { WebAssembly: unknown }).WebAssembly = NATIVE;
    })).rejects.toThrow('replaced during the Kiln run');
    expect(globalThis.WebAssembly).toBe(NATIVE);
  });
});

describe('packageWasm', () => {
  it('reads .wasm files and decodes modules embedded as base64 or byte arrays', () => {
    const cases: [string, string, number][] = [
      ['sql.js', 'dist/sql-wasm.wasm', 1],
      ['hash-wasm', 'dist/index.umd.js', 22], // base64 strings
      ['xxhash-wasm', 'cjs/xxhash-wasm.cjs', 1], // new Uint8Array([0,97,115,109,...])
      ['@chainsafe/as-chacha20poly1305', 'lib/src/wasmCode.js', 1], // Uint8Array.from([0, 97, ..., across lines])
    ];
    for (const [pkg, file, n] of cases) {
      const found = packageWasm(pkg, [file]);
      expect(found.length, `${pkg}/${file}`).toBe(n);
      for (const b of found) expect(NATIVE.validate(b), `${pkg}/${file}`).toBe(true);
    }
    expect(() => packageWasm('sql.js', ['package.json'])).toThrow('no wasm module');
  });
});
