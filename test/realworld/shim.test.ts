/**
 * The stand-in namespace itself: it really runs Kiln output, answers like
 * the JS API where the corpus' glues look, and always gives the native
 * namespace back.
 */
import { describe, it, expect } from 'vitest';
import { kilnEngine, onKiln, onNative, NATIVE } from './shim.js';

const wabt = await (await import('wabt')).default();
const WAT = `(module
  (import "env" "scale" (func $scale (param i32) (result i32)))
  (import "env" "mem" (memory 1))
  (func (export "div") (param i32 i32) (result i32) (call $scale (i32.div_s (local.get 0) (local.get 1))))
  (func (export "wide") (param i64) (result i64) (i64.mul (local.get 0) (i64.const 3)))
  (global (export "g") i32 (i32.const 7)))`;
const BYTES = new Uint8Array(wabt.parseWat('t.wat', WAT, {}).toBinary({}).buffer);

describe('Kiln stand-in for WebAssembly', () => {
  it('runs Kiln output, not native code, and counts it', async () => {
    const engine = kilnEngine('pair');
    const { module, instance } = await onKiln(engine, async () => {
      const ns = globalThis.WebAssembly;
      expect(ns).toBe(engine.namespace);
      const mem = new ns.Memory({ initial: 1 });
      return (await ns.instantiate(BYTES, { env: { scale: (x: number) => x * 10, mem } })) as unknown as WebAssembly.WebAssemblyInstantiatedSource;
    });
    expect(globalThis.WebAssembly).toBe(NATIVE);
    const div = instance.exports.div as (a: number, b: number) => number;
    expect(div(7, 2)).toBe(30);
    expect(String(div)).not.toMatch(/native code/);
    expect((instance.exports.wide as (x: bigint) => bigint)(5n)).toBe(15n);
    expect(Number(instance.exports.g as unknown as object)).toBe(7);
    expect(engine.stats).toEqual({ compiled: 1, modules: 1, instances: 1 });
    expect(() => div(1, 0)).toThrow(NATIVE.RuntimeError);
    // Module descriptors as the JS API gives them.
    const native = await onNative(() => NATIVE.compile(BYTES));
    const ns = engine.namespace as typeof WebAssembly;
    expect(ns.Module.imports(module)).toEqual(NATIVE.Module.imports(native));
    expect(ns.Module.exports(module)).toEqual(NATIVE.Module.exports(native));
  });

  it('compiles each module once, validates only what Kiln compiles, and reports link errors', async () => {
    const engine = kilnEngine('auto');
    const ns = engine.namespace as typeof WebAssembly;
    await onKiln(engine, async () => {
      const m = new ns.Module(BYTES);
      await ns.compile(BYTES.buffer.slice(0));
      expect(engine.stats.compiled).toBe(1);
      expect(engine.stats.modules).toBe(2);
      expect(ns.validate(BYTES)).toBe(true);
      expect(ns.validate(Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0, 99))).toBe(false);
      expect(() => new ns.Instance(m, { env: {} })).toThrow(NATIVE.LinkError);
      expect(new ns.RuntimeError('abort')).toBeInstanceOf(NATIVE.RuntimeError);
    });
  });

  it('restores the native namespace when the case throws', async () => {
    await expect(onKiln(kilnEngine('auto'), () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(globalThis.WebAssembly).toBe(NATIVE);
  });
});
