/**
 * `wasm-kiln/polyfill` (polyfill/): the WebAssembly JS API compiling each
 * function at run time on first call. Checked against the engine's own
 * `WebAssembly` on the same modules (in process, and under `node --jitless`
 * where it is absent), against Kiln's AOT output (same code, same fuel, same
 * errors), on Lua and SQLite (one script each), and on the spec suite (every
 * non-SIMD file of wasm-2.0, without and with fuel).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, expect, vi } from 'vitest';
import { decodeAndValidate, validate, CompileError } from '../compiler/index.js';
import { compile } from './util/wasm-names.js';
import { WebAssembly as P, createWebAssembly, compilerOf, getFuel, setFuel } from '../polyfill/index.js';
import { importCode, SHARED } from './util/load.js';
import { createWasi } from './util/wasi.js';
import { wat } from './util/wat.js';
import { kilnEngine, polyfillEngine } from './spec/engine.js';
import { REPO_ROOT, TESTSUITE_DIR, runSuite } from './spec/suite.js';

const BODY = wat(String.raw`(module
  (import "env" "log" (func $log (param i32)))
  (import "env" "scale" (global $scale i32))
  (memory (export "memory") 1 4)
  (table (export "table") 3 10 funcref)
  (global $count (mut i32) (i32.const 0))
  (global (export "counter") (mut i64) (i64.const -5))
  (elem (i32.const 0) $add $fib)
  (type $bin (func (param i32 i32) (result i32)))
  (func $add (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func $fib (export "fib") (param i32) (result i32)
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (if (result i32) (i32.lt_s (local.get 0) (i32.const 2)) (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1))) (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "count") (result i32) (global.get $count))
  (func (export "callAt") (param i32 i32 i32) (result i32)
    (call_indirect (type $bin) (local.get 1) (local.get 2) (local.get 0)))
  (func (export "wide") (param i64) (result i64)
    (call $log (global.get $scale))
    (i64.mul (local.get 0) (i64.extend_i32_s (global.get $scale))))
  (func (export "sum") (param i32) (result i64) (local i64)
    (loop $l
      (local.set 1 (i64.add (local.get 1) (i64.mul (i64.extend_i32_u (local.get 0)) (i64.const 0x100000001))))
      (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
    (local.get 1))
  (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "trap") (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0)))
  (func (export "never") (result i32) (unreachable)))`);
// Two custom sections "note" ("hello" and empty), appended by hand: wabt's text format has none.
const MAIN = new Uint8Array([...BODY, 0, 10, 4, ...new TextEncoder().encode('notehello'), 0, 5, 4, ...new TextEncoder().encode('note')]);

const wabtModule = await (await import('wabt')).default();
const NAMED = String.raw`(module
  (memory 1)
  (global $total (mut i64) (i64.const 0))
  (func $helper (param $x i64) (result i64) (i64.mul (local.get $x) (i64.const 3)))
  (func $sum (export "sum") (param $n i32) (result i64) (local $acc i64)
    (loop $again
      (local.set $acc (i64.add (local.get $acc) (call $helper (i64.extend_i32_u (local.get $n)))))
      (br_if $again (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (global.set $total (local.get $acc))
    (local.get $acc))
  (func $rt (export "rt") (result i32) (i32.load (i32.const 0))))`;

/** The same steps, on a namespace: the observable results, for comparing native with the polyfill. */
async function scenario(W: any): Promise<unknown[]> {
  const out: unknown[] = [];
  const logged: number[] = [];
  const imports = { env: { log: (x: number) => logged.push(x), scale: 3 } };
  const { module, instance } = await W.instantiate(MAIN, imports);
  out.push(module instanceof W.Module, instance instanceof W.Instance, W.validate(MAIN));
  out.push(W.Module.exports(module), W.Module.imports(module));
  out.push(W.Module.customSections(module, 'note').map((b: ArrayBuffer) => new TextDecoder().decode(b)), W.Module.customSections(module, 'other'));
  const e = instance.exports;
  out.push(e.add(2, 40), e.fib(15), e.count(), e.wide(7n), e.wide(-(1n << 62n)), logged, e.sum(1000), e.counter.value);
  out.push(e.callAt(0, 5, 6), e.table.get(1) === e.fib, e.table.get(2));
  e.store(8, -123);
  out.push(e.load(8), e.grow(1), e.memory.buffer.byteLength, e.load(8), e.grow(5));
  for (const f of [() => e.trap(0), () => e.never(), () => e.callAt(1, 10, 0), () => e.callAt(2, 0, 0), () => e.callAt(7, 0, 0), () => e.load(1 << 20)]) {
    try {
      out.push(f());
    } catch (x) {
      out.push(x instanceof W.RuntimeError, (x as Error).message.length > 0);
    }
  }
  // A second instance of the same Module is independent; an export of one fills the other's table.
  const second = await W.instantiate(module, imports);
  out.push(second.exports.count(), second.exports.fib(5), second.exports.count(), e.count());
  second.exports.table.set(2, e.add);
  out.push(second.exports.callAt(2, 20, 22), second.exports.table.get(2) === e.add);
  out.push(await W.instantiate(MAIN, { env: { scale: 1 } }).catch((x: unknown) => x instanceof W.LinkError));
  return out;
}

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

/** The error `f` throws. */
function thrown(f: () => unknown): any {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

describe('wasm-kiln/polyfill', () => {
  it('behaves as the engine WebAssembly on the same module', async () => {
    const native = await scenario(WebAssembly);
    expect(await withoutWebAssembly(() => scenario(P))).toEqual(native);
  });

  it('compiles a function only when it is first called', async () => {
    const calls: number[] = [];
    const { module, instance } = (await P.instantiate(MAIN, { env: { log: (x: number) => calls.push(x), scale: 2 } })) as any;
    const c = compilerOf(module)!;
    expect(c.lowered()).toEqual([]);
    // Exports, table entries and the Func objects exist; nothing is compiled until called.
    expect(typeof instance.exports.fib).toBe('function');
    expect(instance.exports.table.get(0)).toBe(instance.exports.add);
    expect(instance.exports.fib(10)).toBe(55);
    expect(c.lowered()).toEqual([2]);
    expect(instance.exports.callAt(0, 1, 2)).toBe(3);
    expect(c.lowered()).toEqual([1, 2, 4]);
    // A second instance reuses the module's compiled code; `never` and the others stay uncompiled.
    const other = (await P.instantiate(module, { env: { log() {}, scale: 2 } })) as any;
    expect(other.exports.fib(12)).toBe(144);
    expect(c.lowered()).toEqual([1, 2, 4]);
    // A function not yet compiled in its instance, called through another instance's table.
    const third = (await P.instantiate(module, { env: { log() {}, scale: 2 } })) as any;
    other.exports.table.set(2, third.exports.add);
    expect(other.exports.callAt(2, 4, 5)).toBe(9);
    expect(third.exports.add(1, 1)).toBe(2);
    expect(c.lowered()).toEqual([1, 2, 4]);
  });

  it('compiles each function to the same code as the AOT compiler', () => {
    // MAIN, and MAIN with a name section (functions and locals named, so identifiers are `$name`).
    const wabt = wabtModule.parseWat('n.wat', NAMED, { multi_value: true, bulk_memory: true, reference_types: true });
    wabt.resolveNames();
    const named = wabt.toBinary({ write_debug_names: true }).buffer;
    for (const [bytes, options] of [[MAIN, {}], [MAIN, { fuel: true }], [named, {}], [named, { fuel: true, i64: 'bigint' as const }]] as const) {
      const aot = compile(bytes, options).code;
      const c = new (createWebAssembly(options).Module)(bytes);
      const lazy = compilerOf(c)!;
      const m = decodeAndValidate(bytes);
      for (let f = m.numImportedFuncs; f < m.funcTypes.length; f++) {
        const text = lazy.text(f);
        const body = text.slice(text.indexOf('\nfunction ') + 1, text.lastIndexOf('\nreturn ['));
        expect(body).toMatch(/^function [\w$]+\([^]*\}$/);
        expect(aot).toContain(body);
      }
      if (bytes === named) expect(lazy.text(1)).toMatch(/let \$helper = \$\$lazy\.slot\(0, [^]*function \$sum\(\$n\)/);
    }
  });

  it('charges compile fuel before compiling, per instance, and traps out-of-fuel leaving the function uncompiled', async () => {
    const aotModule = await importCode(compile(MAIN, { fuel: true }).code);
    const aot = aotModule.instantiate({ env: { log() {}, scale: 1 } }, { fuel: 1e9 });
    const before = aot.getFuel();
    expect(aot.exports.fib(10)).toBe(55);
    const runFuel = before - aot.getFuel();
    const m = decodeAndValidate(MAIN);
    const fib = 2 - m.numImportedFuncs;
    const compileFuel = 1000 + 3 * (m.bodyEnd[fib]! - m.bodyStart[fib]!);

    const W = createWebAssembly({ fuel: compileFuel + runFuel - 1, compileFuelPerByte: 3, compileFuelPerFunction: 1000 });
    const module = new W.Module(MAIN);
    const inst = new W.Instance(module, { env: { log() {}, scale: 1 } }) as any;
    // Not enough for the compile: trap before compiling, fuel unchanged.
    setFuel(inst, compileFuel - 1);
    expect(thrown(() => inst.exports.fib(10))).toMatchObject({ code: 'out-of-fuel' });
    expect(getFuel(inst)).toBe(compileFuel - 1);
    expect(compilerOf(module)!.lowered()).toEqual([]);
    // Enough for the compile, not for the run: the compile is paid, the run traps as AOT would.
    setFuel(inst, compileFuel + runFuel - 1);
    expect(thrown(() => inst.exports.fib(10))).toMatchObject({ code: 'out-of-fuel' });
    expect(compilerOf(module)!.lowered()).toEqual([2]);
    // Refuelled: the call costs exactly what it costs AOT (already compiled).
    setFuel(inst, 1e9);
    expect(inst.exports.fib(10)).toBe(55);
    expect(1e9 - getFuel(inst)).toBe(runFuel);
    // Another instance compiles it for itself, and pays for that.
    const second = new W.Instance(module, { env: { log() {}, scale: 1 } }) as any;
    setFuel(second, 1e9);
    expect(second.exports.fib(10)).toBe(55);
    expect(1e9 - getFuel(second)).toBe(runFuel + compileFuel);

    // Called through another instance's table, a function's compile is paid by the instance it belongs to.
    const beforeAdd = aot.getFuel();
    expect(aot.exports.add(1, 2)).toBe(3);
    const addFuel = beforeAdd - aot.getFuel();
    const add = 1 - m.numImportedFuncs;
    const addCompile = 1000 + 3 * (m.bodyEnd[add]! - m.bodyStart[add]!);
    const owner = new W.Instance(module, { env: { log() {}, scale: 1 } }) as any;
    second.exports.table.set(2, owner.exports.add);
    setFuel(owner, addCompile - 1);
    expect(thrown(() => second.exports.callAt(2, 1, 2))).toMatchObject({ code: 'out-of-fuel' });
    expect(getFuel(owner)).toBe(addCompile - 1);
    setFuel(owner, 1e9);
    expect(second.exports.callAt(2, 1, 2)).toBe(3);
    expect(1e9 - getFuel(owner)).toBe(addCompile + addFuel);
  });

  it('rejects an invalid module with the same CompileError, message and offset as AOT', async () => {
    const invalid = [
      wat('(module (func (result i32) (i64.const 0)))'),
      wat('(module (func (param i32) (result i32) (local.get 0)) (func (call 0 (f32.const 1)) (drop)))'),
      new Uint8Array([0, 0x61, 0x73, 0x6d, 2, 0, 0, 0]),
      MAIN.slice(0, MAIN.length - 3),
    ];
    for (const bytes of invalid) {
      expect(WebAssembly.validate(bytes)).toBe(false);
      const aot = thrown(() => validate(bytes)) as CompileError;
      expect(aot).toBeInstanceOf(CompileError);
      const lazy = thrown(() => new P.Module(bytes));
      expect(lazy).toBeInstanceOf(P.CompileError);
      expect([lazy.message, lazy.offset]).toEqual([aot.message, aot.offset]);
      expect(P.validate(bytes)).toBe(false);
      await expect(P.compile(bytes)).rejects.toBeInstanceOf(P.CompileError);
    }
  });

  it('rejects a module using SIMD up front, with the CompileError of AOT compile (SIMD is not lowered yet)', async () => {
    const simd = wabtModule.parseWat('s.wat', String.raw`(module
      (func (export "plain") (result i32) (i32.const 1))
      (func (export "lanes") (param i32) (result i32) (i32x4.extract_lane 1 (i32x4.splat (local.get 0)))))`, { simd: true }).toBinary({}).buffer as Uint8Array<ArrayBuffer>;
    expect(WebAssembly.validate(simd)).toBe(true);
    const aot = thrown(() => compile(simd)) as CompileError;
    expect(aot).toBeInstanceOf(CompileError);
    const lazy = thrown(() => new P.Module(simd));
    expect(lazy).toBeInstanceOf(P.CompileError);
    expect([lazy.message, lazy.offset, lazy.funcIndex]).toEqual([aot.message, aot.offset, aot.funcIndex]);
    // So feature detection (validate a SIMD module, else load the plain build) picks the plain build.
    expect(P.validate(simd)).toBe(false);
    expect(validate(simd)).toBeUndefined();
  });

  it('initialises memory from the data segments in the module bytes, with no copy of them in its code', () => {
    const bytes = wat(String.raw`(module (memory (export "memory") 1) (data (i32.const 8) "kiln-data") (data $p "passive!")
      (func (export "init") (memory.init $p (i32.const 100) (i32.const 0) (i32.const 8)))
      (func (export "poke") (i32.store8 (i32.const 8) (i32.const 75))))`);
    const m = new P.Module(bytes);
    expect(compilerOf(m)!.lazy.code).not.toMatch(/b64\(/);
    const text = (i: WebAssembly.Instance, at: number, n: number) => new TextDecoder().decode(new Uint8Array((i.exports.memory as WebAssembly.Memory).buffer, at, n));
    const first = new P.Instance(m, {});
    (first.exports.init as () => void)();
    expect([text(first, 8, 9), text(first, 100, 8)]).toEqual(['kiln-data', 'passive!']);
    (first.exports.poke as () => void)();
    expect(text(first, 8, 9)).toBe('Kiln-data');
    // Memory holds copies: the next instance starts from the segments as they were.
    expect(text(new P.Instance(m, {}), 8, 9)).toBe('kiln-data');
  });

  it('throws a CompileError naming the policy where new Function is forbidden (CSP)', async () => {
    vi.stubGlobal('Function', function () {
      throw new EvalError('Code generation from strings disallowed for this context');
    });
    try {
      const e = thrown(() => new P.Module(MAIN));
      expect(e).toBeInstanceOf(P.CompileError);
      expect(e.message).toMatch(/unsafe-eval/);
      expect(e.message).toMatch(/kiln compile/);
      await expect(P.instantiate(MAIN, {})).rejects.toBeInstanceOf(P.CompileError);
    } finally {
      vi.unstubAllGlobals();
    }
    expect(P.validate(MAIN)).toBe(true);
  });

  it('throws that CompileError where V8 itself forbids code generation (--disallow-code-generation-from-strings)', () => {
    const script = [
      `const { WebAssembly: P } = await import(${JSON.stringify(new URL('../polyfill/index.ts', import.meta.url).href)});`,
      `try { new P.Module(new Uint8Array([${[...MAIN].join(',')}])); console.log('compiled'); }`,
      'catch (e) { console.log(JSON.stringify([e instanceof P.CompileError, e.message])); }',
    ].join('\n');
    const r = spawnSync(process.execPath, ['--disallow-code-generation-from-strings', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const [isCompileError, message] = JSON.parse(r.stdout) as [boolean, string];
    expect(isCompileError).toBe(true);
    expect(message).toMatch(/Code generation from strings disallowed.*unsafe-eval.*kiln compile/);
  });

  it('runs under node --jitless, which has no WebAssembly, installed by wasm-kiln/polyfill/auto', async () => {
    const native = (await WebAssembly.instantiate(MAIN, { env: { log() {}, scale: 3 } })).instance.exports as any;
    const expected = [native.fib(20), String(native.wide(-7n)), String(native.sum(5000)), native.callAt(0, 1, 2)];
    const script = [
      "if (typeof WebAssembly !== 'undefined') throw new Error('expected no WebAssembly');",
      `await import(${JSON.stringify(new URL('../polyfill/auto.ts', import.meta.url).href)});`,
      `const { instance } = await WebAssembly.instantiate(new Uint8Array([${[...MAIN].join(',')}]), { env: { log() {}, scale: 3 } });`,
      'const e = instance.exports;',
      'console.log(JSON.stringify([e.fib(20), String(e.wide(-7n)), String(e.sum(5000)), e.callAt(0, 1, 2)]));',
    ].join('\n');
    const r = spawnSync(process.execPath, ['--jitless', '--no-warnings', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stderr.replace(/.*--expose_wasm.*\n/, '')).toBe('');
    expect(JSON.parse(r.stdout)).toEqual(expected);
  });

  it('tunes its code for V8 without its JIT (typed-array views) under node --jitless, for JIT engines otherwise', () => {
    const script = [
      `const { WebAssembly: P, compilerOf, createWebAssembly } = await import(${JSON.stringify(new URL('../polyfill/index.ts', import.meta.url).href)});`,
      `const bytes = new Uint8Array([${[...MAIN].join(',')}]);`,
      "const tune = (W) => compilerOf(new W.Module(bytes)).lazy.env.tune;",
      "console.log(JSON.stringify([typeof WebAssembly, tune(P), tune(createWebAssembly({ tune: 'jit' }))]));",
    ].join('\n');
    const r = spawnSync(process.execPath, ['--jitless', '--no-warnings', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stderr.replace(/.*--expose_wasm.*\n/, '')).toBe('');
    expect(JSON.parse(r.stdout)).toEqual(['undefined', 'hermes', 'jit']);
    // Here V8 has its JIT (and its WebAssembly).
    expect(compilerOf(new P.Module(MAIN))!.lazy.env.tune).toBe('jit');
    expect(() => new (createWebAssembly({ tune: 'fast' as never }).Module)(MAIN)).toThrow(/unknown tune "fast"/);
  });

  it('bundles for browsers: nothing on its import graph needs Node (esbuild, platform browser)', async () => {
    const { build } = await import('esbuild');
    const r = await build({ entryPoints: [new URL('../polyfill/auto.ts', import.meta.url).pathname], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent' });
    expect(r.errors).toEqual([]);
    expect(r.outputFiles[0]!.text).not.toMatch(/\bBuffer\.|\bprocess\.|\brequire\(/);
  });

  it('wasm-kiln/polyfill/auto installs it only where there is no WebAssembly', async () => {
    const engine = globalThis.WebAssembly;
    vi.resetModules();
    await import('../polyfill/auto.js');
    expect(globalThis.WebAssembly).toBe(engine);
    await withoutWebAssembly(async () => {
      vi.resetModules();
      const fresh = await import('../polyfill/index.js');
      await import('../polyfill/auto.js');
      const W = (globalThis as any).WebAssembly;
      expect(W).toBe(fresh.WebAssembly);
      const { instance } = await W.instantiate(MAIN.buffer, { env: { log() {}, scale: 2 } });
      expect(instance.exports.wide(21n)).toBe(42n);
      expect(String(W)).toBe('[object WebAssembly]');
    });
  });
});

describe('real programs through the polyfill (../shared/programs)', () => {
  const programs = SHARED === null ? null : join(SHARED, 'programs');
  for (const [wasm, dir, script, viaStdin] of [['lua.wasm', 'lua-scripts', 'fib.lua', false], ['sqlite.wasm', 'sqlite-scripts', 'basics.sql', true]] as const) {
    it(`${wasm} ${script}: the expected output, compiling only the functions it calls`, (ctx) => {
      if (programs === null || !existsSync(join(programs, wasm))) ctx.skip('../shared/programs not found');
      const cwd = join(programs!, dir);
      const wasi = createWasi({
        args: [wasm.replace(/\.wasm$/, ''), ...(viaStdin ? [] : [script])],
        env: {},
        stdin: viaStdin ? readFileSync(join(cwd, script)) : new Uint8Array(0),
        preopens: { '.': cwd },
      });
      const module = new P.Module(readFileSync(join(programs!, wasm)));
      const code = wasi.start(new P.Instance(module, wasi.imports).exports);
      expect({ code, stdout: wasi.stdout(), stderr: wasi.stderr() }).toEqual({ code: 0, stdout: readFileSync(join(cwd, script.replace(/\.\w+$/, '.out')), 'latin1'), stderr: '' });
      const m = decodeAndValidate(readFileSync(join(programs!, wasm)));
      const compiled = compilerOf(module)!.lowered().length;
      expect(compiled).toBeGreaterThan(100);
      expect(compiled).toBeLessThan((m.funcTypes.length - m.numImportedFuncs) / 2);
    }, 120_000);
  }
});

const SUITE_DIR = join(TESTSUITE_DIR, 'wasm-2.0');

describe('spec suite wasm-2.0 through the polyfill', () => {
  it('passes exactly the checks AOT passes, file by file (every non-SIMD file entirely)', async (ctx) => {
    if (!existsSync(SUITE_DIR)) ctx.skip(`spec test suite not found at ${SUITE_DIR}`);
    const lazy = await runSuite({ suite: 'wasm-2.0', engine: await polyfillEngine(REPO_ROOT) });
    const aot = await runSuite({ suite: 'wasm-2.0', engine: await kilnEngine(REPO_ROOT) });
    expect(lazy.failures.filter((f) => !f.file.startsWith('simd_')).slice(0, 10)).toEqual([]);
    expect(lazy.files.map((f) => [f.file, f.passed, f.failed, f.skipped])).toEqual(aot.files.map((f) => [f.file, f.passed, f.failed, f.skipped]));
    expect(lazy.passed).toBeGreaterThan(27000);
  }, 300_000);

  for (const [label, options] of [
    ['with fuel metering and compile fuel', { fuel: true }],
    ['with i64 as BigInt, every function split into parts, and fuel', { i64: 'bigint', splitWeight: 8, fuel: true }],
    // The default in an engine without its JIT (runtime/i64form.ts JITLESS), where this suite does not run otherwise.
    ['tuned for engines without a JIT (typed-array views), with pairs and fuel', { tune: 'hermes', i64: 'pair', fuel: true }],
  ] as const) {
    it(`passes every non-SIMD file ${label}`, async (ctx) => {
      if (!existsSync(SUITE_DIR)) ctx.skip(`spec test suite not found at ${SUITE_DIR}`);
      const files = readdirSync(SUITE_DIR).filter((f) => f.endsWith('.wast') && !f.startsWith('simd_'));
      const r = await runSuite({ suite: 'wasm-2.0', engine: await polyfillEngine(REPO_ROOT, options), files });
      expect(r.failures.slice(0, 10)).toEqual([]);
      expect(Object.keys(r.skips)).toEqual(['text-format test (module quote)']);
      expect(r.passed).toBeGreaterThan(27000);
    }, 300_000);
  }
});
