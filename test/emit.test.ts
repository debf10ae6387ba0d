/**
 * The emitted module's contract: what users and tests rely on (README "The
 * emitted module").
 */
import { describe, it, expect } from 'vitest';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { CompileError, LinkError, RuntimeError, Memory, Global, Table } from '../compiler/index.js';
import { compile } from './util/wasm-names.js';
import { ALLOWED_GLOBALS } from '../compiler/bindings.js';
import { freeIdentifiers } from './util/free-vars.js';
import { importCode, ROOT, SHARED } from './util/load.js';
import { wat } from './util/wat.js';

const RICH = wat(`(module
  (import "env" "log" (func $log (param i32)))
  (import "env" "mem" (memory 1 4))
  (import "env" "g" (global $g (mut i64)))
  (import "env" "tbl" (table 2 funcref))
  (table $t (export "t") 4 funcref)
  (global $h (export "h") (mut f64) (f64.const 1.5))
  (global $k (export "k") i32 (i32.const 7))
  (elem (table $t) (i32.const 0) func $a $b)
  (data (i32.const 16) "hello")
  (func $a (export "__proto__") (result i32) (i32.const 1))
  (func $b (export "constructor") (param i64) (result i64) (i64.add (local.get 0) (global.get $g)))
  (func (export "two") (result i32 i64) (i32.const 1) (i64.const -2))
  (func (export "call") (param i32) (result i32) (call $log (local.get 0)) (call_indirect $t (result i32) (local.get 0)))
  (func $rec (export "rec") (param i32) (result i32) (call $rec (i32.add (local.get 0) (i32.const 1))))
  (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0))))`);

function richImports(log: number[] = []) {
  return {
    env: {
      log: (x: number) => void log.push(x),
      mem: new Memory({ initial: 1, maximum: 4 }),
      g: new Global({ value: 'i64', mutable: true }, 40n),
      tbl: new Table({ element: 'anyfunc', initial: 2 }),
    },
  };
}

describe('emitted code references only allowed globals', () => {
  const inputs: [string, Uint8Array][] = [['rich module', RICH]];
  if (SHARED) inputs.push(['all.wasm', new Uint8Array(readFileSync(join(SHARED, 'bench/build/all.wasm')))]);
  for (const [name, bytes] of inputs) {
    for (const runtime of ['inline', 'import'] as const) {
      it(`${name}, runtime ${runtime}`, () => {
        const code = compile(bytes, { runtime }).code;
        expect(code).not.toMatch(/\beval\b|\bglobalThis\b|\bnew Function\b/);
        const extra = [...freeIdentifiers(code)].filter((n) => !ALLOWED_GLOBALS.includes(n));
        expect(extra).toEqual([]);
      });
    }
  }
});

describe('the emitted module', () => {
  it('exports instantiate, and imports/exports descriptors shaped like the JS API', async () => {
    const mod = await importCode(compile(RICH).code);
    expect(mod.imports).toEqual([
      { module: 'env', name: 'log', kind: 'function' },
      { module: 'env', name: 'mem', kind: 'memory' },
      { module: 'env', name: 'g', kind: 'global' },
      { module: 'env', name: 'tbl', kind: 'table' },
    ]);
    expect(mod.exports.map((e: any) => `${e.name}:${e.kind}`)).toEqual([
      't:table', 'h:global', 'k:global', '__proto__:function', 'constructor:function', 'two:function', 'call:function', 'rec:function', 'load:function',
    ]);
    if (SHARED) {
      const native = new WebAssembly.Module(RICH as Uint8Array<ArrayBuffer>);
      expect(mod.imports).toEqual(WebAssembly.Module.imports(native));
      expect(mod.exports).toEqual(WebAssembly.Module.exports(native));
    }
  });

  it('gives a frozen, null-prototype exports object where __proto__ and constructor are plain exports', async () => {
    const mod = await importCode(compile(RICH).code);
    const { exports } = mod.instantiate(richImports());
    expect(Object.getPrototypeOf(exports)).toBe(null);
    expect(Object.isFrozen(exports)).toBe(true);
    expect(exports.__proto__()).toBe(1);
    expect(exports.constructor(2n)).toBe(42n);
    expect(exports.two()).toEqual([1, -2n]);
    expect(exports.h.value).toBe(1.5);
    expect(exports.k.value).toBe(7);
    expect(exports.t.length).toBe(4);
    expect(exports.t.get(0)).toBe(exports.__proto__);
  });

  it('applies data segments to an imported memory and calls imports and tables', async () => {
    const log: number[] = [];
    const imports = richImports(log);
    const { exports } = (await importCode(compile(RICH).code)).instantiate(imports);
    expect(new TextDecoder().decode(new Uint8Array(imports.env.mem.buffer, 16, 5))).toBe('hello');
    expect(exports.load(17)).toBe('e'.charCodeAt(0));
    expect(exports.call(0)).toBe(1);
    expect(log).toEqual([0]);
    expect(() => exports.call(3)).toThrow(RuntimeError);
  });

  it('throws LinkError naming a missing or mismatched import', async () => {
    const mod = await importCode(compile(RICH).code);
    const noLog = richImports() as any;
    delete noLog.env.log;
    expect(() => mod.instantiate(noLog)).toThrow(LinkError);
    expect(() => mod.instantiate(noLog)).toThrow(/env.*log/);
    const badMem = richImports() as any;
    badMem.env.mem = new Memory({ initial: 1 }); // no maximum, but the import requires one <= 4
    expect(() => mod.instantiate(badMem)).toThrow(LinkError);
  });

  it('turns stack exhaustion into a trap and stays usable', async () => {
    const { exports } = (await importCode(compile(RICH).code)).instantiate(richImports());
    let err: any;
    try {
      exports.rec(0);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RuntimeError);
    expect(err.code).toBe('stack-exhausted');
    expect(exports.load(16)).toBe('h'.charCodeAt(0));
  });

  it('traps on out-of-bounds loads with code out-of-bounds-memory', async () => {
    const { exports } = (await importCode(compile(RICH).code)).instantiate(richImports());
    expect(() => exports.load(65536)).toThrow(expect.objectContaining({ code: 'out-of-bounds-memory' }));
    expect(() => exports.load(-1)).toThrow(expect.objectContaining({ code: 'out-of-bounds-memory' }));
  });

  it('turns an out-of-bounds access in the start function into a trap', async () => {
    const mod = await importCode(compile(wat('(module (memory 1) (func $s (drop (i32.load (i32.const 70000)))) (start $s))')).code);
    expect(() => mod.instantiate()).toThrow(expect.objectContaining({ name: 'RuntimeError', code: 'out-of-bounds-memory' }));
  });

  it('rejects SIMD code, which it cannot lower yet, with a CompileError naming the instruction and its offset', () => {
    const cases: [string, RegExp][] = [
      ['(module (func (result i32) (i32x4.extract_lane 0 (i32x4.splat (i32.const 1)))))', /i32x4.splat is not supported by the compiler yet \(simd\) \(at byte offset 0x[0-9a-f]+, func 0\)/],
      ['(module (global v128 (v128.const i64x2 1 2)))', /v128.const is not supported by the compiler yet/],
    ];
    for (const [text, message] of cases) {
      const bytes = wat(text);
      let err: unknown;
      try {
        compile(bytes);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CompileError);
      expect(String((err as Error).message)).toMatch(message);
    }
  });

  it('grows memory lazily: (memory 1 65536) holds 64 KiB', async () => {
    const { exports } = (await importCode(compile(wat('(module (memory (export "m") 1 65536))')).code)).instantiate();
    expect(exports.m.buffer.byteLength).toBe(65536);
  });

  it('works as CommonJS, and with --runtime import resolving wasm-kiln/runtime', async () => {
    const dir = join(ROOT, '.tmp');
    mkdirSync(dir, { recursive: true });
    const add = wat('(module (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))');
    for (const runtime of ['inline', 'import'] as const) {
      const file = join(dir, `cjs-${runtime}.cjs`);
      writeFileSync(file, compile(add, { format: 'cjs', runtime }).code);
      const m = createRequire(import.meta.url)(file);
      expect(m.instantiate().exports.add(2, 3)).toBe(5);
      const esm = await importCode(compile(add, { runtime }).code);
      expect(esm.instantiate().exports.add(-1, 1)).toBe(0);
    }
  });

  it('refuses invalid input with CompileError and produces no output', () => {
    const bad = wat('(module (func (result i32) (i64.const 0)))');
    expect(() => compile(bad)).toThrow(CompileError);
    try {
      compile(bad);
    } catch (e: any) {
      expect(e.offset).toBeGreaterThan(8);
      expect(e.message).toMatch(/type mismatch/);
    }
  });

  it('prints an if whose arm is one break or continue (a br_if) without braces, and runs like native', async () => {
    // Counts the set bits of n, stopping at `limit` (a return from inside the loop), skipping bit 3 (a continue).
    const jumps = wat(`(module (func (export "f") (param $n i32) (param $limit i32) (result i32) (local $c i32) (local $i i32)
      (block $done (loop $next
        (br_if $done (i32.eq (local.get $i) (i32.const 32)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $next (i32.eq (local.get $i) (i32.const 4)))
        (if (i32.and (local.get $n) (i32.shl (i32.const 1) (i32.sub (local.get $i) (i32.const 1))))
          (then (local.set $c (i32.add (local.get $c) (i32.const 1)))))
        (if (i32.ge_u (local.get $c) (local.get $limit)) (then (return (i32.const -1))))
        (br $next)))
      (local.get $c)))`);
    for (const opts of [{}, { splitWeight: 8 }, { fuel: true }]) {
      const { code } = compile(jumps, opts);
      const body = code.slice(code.indexOf('function instantiate'));
      // Split into parts, a jump out of a part is a `return` of its exit code.
      expect(body).toMatch('splitWeight' in opts ? /\n\s*if\([^\n]*\)return \d+;\n/ : /\n\s*if\([^\n]*\)break L\d+;\n/);
      // (A `continue` to the innermost loop needs no label: passes/labels.ts.)
      if (!('splitWeight' in opts)) expect(body).toMatch(/\n\s*if\([^\n]*\)continue;\n/);
      expect(body).not.toMatch(/\n\s*if\([^\n]*\)\{\n\s*(break|continue)\b[^\n]*\n\s*\}\n(?!\s*else)/);
      // A `return` is an instruction of its own, with its own source-map position: it keeps its line.
      if (Object.keys(opts).length === 0) expect(body).toMatch(/\n\s*if\([^\n]*\)\{\n\s*return-1;\n/);
      const kiln = ((await importCode(code)) as { instantiate: () => { exports: Record<string, (...a: number[]) => number> } }).instantiate().exports;
      const native = new WebAssembly.Instance(new WebAssembly.Module(jumps as BufferSource)).exports as Record<string, (...a: number[]) => number>;
      for (const [n, limit] of [[0, 99], [-1, 99], [-1, 5], [0x12345678, 99], [0x12345678, 3], [8, 1], [9, 1]]) {
        expect(kiln.f(n, limit), `${JSON.stringify(opts)} f(${n}, ${limit})`).toBe(native.f(n, limit));
      }
    }
  });

  it('a call whose result is dropped is a statement of its own (no temporary), and still runs', async () => {
    // With memory, a call is evaluated into a temporary at once (its callee may grow memory); a `drop` right
    // after it leaves the call alone: SQLite's output had 3,351 `t3 = $memset(...)` never read.
    const dropped = wat(`(module (memory 1) (global $n (mut i32) (i32.const 0))
      (func $bump (param i32) (result i32) (global.set $n (i32.add (global.get $n) (local.get 0))) (i32.store (i32.const 8) (global.get $n)) (global.get $n))
      (func (export "f") (param i32) (result i32)
        (drop (call $bump (local.get 0)))
        (drop (call $bump (i32.const 2)))
        (i32.add (call $bump (i32.const 3)) (i32.load (i32.const 8)))))`);
    const { code } = compile(dropped);
    const body = code.slice(code.indexOf('function instantiate'));
    expect(body).toMatch(/\n\s*f0\(l0\);\n/);
    expect(body).not.toMatch(/\n\s*t\d+ = f0\(l0\);\n/);
    const kiln = ((await importCode(code)) as { instantiate: () => { exports: Record<string, (...a: number[]) => number> } }).instantiate().exports;
    const native = new WebAssembly.Instance(new WebAssembly.Module(dropped as BufferSource)).exports as Record<string, (...a: number[]) => number>;
    for (const n of [1, 5, -7, 100]) expect(kiln.f(n), `f(${n})`).toBe(native.f(n));
  });
});
