/**
 * `wasm-kiln/webassembly` (runtime/webassembly.ts): the WebAssembly JS API
 * backed by precompiled modules, checked against the engine's own
 * `WebAssembly` on the same module wherever both can run, and with the
 * engine's `WebAssembly` deleted.
 */
import { describe, it, expect } from 'vitest';
import { compile } from '../compiler/index.js';
import { createWebAssembly, kilnStub } from '../runtime/webassembly.js';
import { importCode } from './util/load.js';
import { wat } from './util/wat.js';

const BODY = wat(String.raw`(module
  (import "env" "log" (func $log (param i32)))
  (import "env" "scale" (global $scale i32))
  (memory (export "memory") 1 4)
  (table (export "table") 2 10 funcref)
  (global (export "counter") (mut i64) (i64.const -5))
  (elem (i32.const 0) $add)
  (type $bin (func (param i32 i32) (result i32)))
  (func $add (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "callAt") (param i32 i32 i32) (result i32)
    (call_indirect (type $bin) (local.get 1) (local.get 2) (local.get 0)))
  (func (export "wide") (param i64) (result i64)
    (call $log (global.get $scale))
    (i64.mul (local.get 0) (i64.extend_i32_s (global.get $scale))))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))`);
// A custom section "note" holding "hello" (spec 5.5.3), appended by hand: wabt's text format has none.
const MAIN = new Uint8Array([...BODY, 0, 10, 4, ...new TextEncoder().encode('notehello')]);

/** What Emscripten's `convertJsFunctionToWasm` builds for signature `ii` -> i: import e.f, export f. */
const REEXPORT = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f,
  0x02, 0x07, 0x01, 0x01, 0x65, 0x01, 0x66, 0x00, 0x00,
  0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00,
]);

const precompiled = await importCode(compile(MAIN, { customSections: ['note'] }).code);

/** Runs `f` with the engine's `WebAssembly` removed, as in an engine that has none. */
async function withoutWebAssembly<T>(f: () => Promise<T>): Promise<T> {
  const saved = Object.getOwnPropertyDescriptor(globalThis, 'WebAssembly')!;
  delete (globalThis as any).WebAssembly;
  try {
    return await f();
  } finally {
    Object.defineProperty(globalThis, 'WebAssembly', saved);
  }
}

/** The same steps, on a namespace: the observable results, for comparing native with Kiln. */
async function scenario(W: any): Promise<unknown[]> {
  const out: unknown[] = [];
  const logged: number[] = [];
  const imports = { env: { log: (x: number) => logged.push(x), scale: 3 } };
  const { module, instance } = await W.instantiate(MAIN, imports);
  out.push(module instanceof W.Module, instance instanceof W.Instance, W.validate(MAIN));
  out.push(W.Module.exports(module), W.Module.imports(module));
  out.push(W.Module.customSections(module, 'note').map((b: ArrayBuffer) => new TextDecoder().decode(b)));
  const e = instance.exports;
  out.push(e.add(2, 40), e.wide(7n), e.wide(-(1n << 62n)), logged);
  out.push(e.memory instanceof W.Memory, e.table instanceof W.Table, e.counter instanceof W.Global, e.counter.value);
  // memory.buffer is replaced after grow.
  const before = e.memory.buffer;
  new Uint8Array(before)[5] = 9;
  out.push(e.grow(1), e.memory.buffer === before, e.memory.buffer.byteLength, new Uint8Array(e.memory.buffer)[5]);
  out.push(e.memory.grow(1), e.memory.buffer.byteLength, e.grow(5));
  // Tables hold exported functions; a second instance from the same Module is independent.
  e.table.set(1, e.add);
  out.push(e.table.get(1) === e.add, e.callAt(1, 5, 6), e.table.grow(2, e.add), e.table.length, e.callAt(3, 1, 2));
  const second = await W.instantiate(module, imports);
  out.push(second instanceof W.Instance, second.exports.table.get(1), second.exports.memory.buffer.byteLength);
  // Emscripten's addFunction: a JS function made a wasm function by a one-function module.
  const wrapped = new W.Instance(new W.Module(REEXPORT), { e: { f: (a: number, b: number) => a * b } }).exports.f;
  e.table.set(1, wrapped);
  out.push(e.callAt(1, 6, 7), e.table.get(1) === wrapped);
  // Traps are RuntimeErrors, a missing import a LinkError.
  out.push(await Promise.resolve().then(() => e.callAt(9, 0, 0)).catch((x: unknown) => [x instanceof W.RuntimeError, x instanceof Error]));
  out.push(await W.instantiate(MAIN, {}).catch((x: unknown) => [x instanceof TypeError, x instanceof W.LinkError]));
  out.push(await W.instantiate(MAIN, { env: { scale: 1 } }).catch((x: unknown) => x instanceof W.LinkError));
  const mem = new W.Memory({ initial: 1, maximum: 2 });
  out.push(mem instanceof W.Memory, mem.grow(1), mem.buffer.byteLength);
  // Glue makes errors itself: Emscripten's abort() calls new WebAssembly.RuntimeError(message).
  for (const E of [W.RuntimeError, W.CompileError, W.LinkError]) {
    const x = new E('boom');
    out.push(x instanceof E, x instanceof Error, x.message, new E().message);
  }
  const g = new W.Global({ value: 'i64', mutable: true }, 5n);
  g.value = 7n;
  out.push(g instanceof W.Global, g.value);
  return out;
}

describe('createWebAssembly', () => {
  it('behaves as the engine WebAssembly on the same module', async () => {
    const native = await scenario(WebAssembly);
    const kiln = await withoutWebAssembly(() => scenario(createWebAssembly([precompiled])));
    expect(kiln).toEqual(native);
  });

  it('installs as globalThis.WebAssembly where none exists', async () => {
    await withoutWebAssembly(async () => {
      expect(typeof (globalThis as any).WebAssembly).toBe('undefined');
      (globalThis as any).WebAssembly = createWebAssembly([precompiled]);
      const W = (globalThis as any).WebAssembly;
      const { instance } = await W.instantiate(MAIN.buffer, { env: { log() {}, scale: 2 } });
      expect(instance.exports.wide(21n)).toBe(42n);
      expect(String(W)).toBe('[object WebAssembly]');
    });
  });

  it('rejects bytes it has no compiled module for, naming their hash', async () => {
    const W = createWebAssembly([precompiled]);
    const other = wat('(module (func (export "f")))');
    expect(W.validate(other)).toBe(false);
    const err = await W.compile(other).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(W.CompileError);
    expect(String((err as Error).message)).toMatch(/sha256 [0-9a-f]{64}/);
    expect(() => new W.Module(other)).toThrow(W.CompileError);
    expect(() => new W.Module('not bytes' as any)).toThrow(TypeError);
    expect(() => (W.Module as any)(MAIN)).toThrow(TypeError);
  });

  it('streams from a Response with the wasm MIME type, and rejects others', async () => {
    const W = createWebAssembly([precompiled]);
    const ok = new Response(MAIN, { headers: { 'Content-Type': 'application/wasm' } });
    const { instance } = await W.instantiateStreaming(Promise.resolve(ok), { env: { log() {}, scale: 1 } });
    expect(instance.exports.add(1, 2)).toBe(3);
    const wrongType = new Response(MAIN, { headers: { 'Content-Type': 'application/octet-stream' } });
    await expect(W.compileStreaming(wrongType)).rejects.toThrow(/MIME type "application\/octet-stream"/);
    const notFound = new Response(MAIN, { status: 404, headers: { 'Content-Type': 'application/wasm' } });
    await expect(W.compileStreaming(notFound)).rejects.toThrow(TypeError);
  });

  it('resolves a kilnStub to the module whose hash it names', async () => {
    const W = createWebAssembly([precompiled]);
    const stub = kilnStub(precompiled.sha256) as Uint8Array<ArrayBuffer>;
    expect(await WebAssembly.validate(stub)).toBe(true);
    const { instance } = await W.instantiate(stub, { env: { log() {}, scale: 4 } });
    expect(instance.exports.wide(10n)).toBe(40n);
    expect(() => new W.Module(kilnStub('0'.repeat(64)))).toThrow(W.CompileError);
    expect(() => kilnStub('xyz')).toThrow(TypeError);
  });

  it('rejects entries that are not Kiln output', () => {
    expect(() => createWebAssembly([{} as any])).toThrow(TypeError);
  });
});
