/**
 * The memory page limit (issue #4, README "Running untrusted plugins"): the
 * compile-time default and the per-instance option, min(limit, declared
 * maximum), LinkError instead of clamping, imported memories, memory.grow
 * and the JS-side grow at the limit, lazy allocation, data segments.
 */
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile, LinkError, RuntimeError, Memory, type CompileOptions } from '../compiler/index.js';
import { importCode, ROOT } from './util/load.js';
import { wat } from './util/wat.js';

async function module(text: string, opts: CompileOptions = {}): Promise<any> {
  return importCode(compile(wat(text), opts).code);
}

/** A module with its own memory of `limits` (e.g. `1 4`) and grow/size exports. */
function own(limits: string): string {
  return `(module
    (memory (export "memory") ${limits})
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
    (func (export "size") (result i32) (memory.size)))`;
}

const IMPORTER = `(module
  (import "env" "memory" (memory 1))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0))))`;

describe('page limit: effective maximum = min(limit, declared maximum)', () => {
  it('never allocates beyond the current size: (memory 1 65536) holds 64 KiB', async () => {
    const { exports } = (await module(own('1 65536'))).instantiate({});
    expect(exports.memory.buffer.byteLength).toBe(65536);
    expect(exports.size()).toBe(1);
    expect(exports.memory.max).toBe(65536);
  });

  it('limit 32766 with (memory 0 65536): growing by 32767 returns -1 and allocates nothing', async () => {
    for (const [compileOpts, instOpts] of [[{ maxMemoryPages: 32766 }, undefined], [{}, { maxMemoryPages: 32766 }]] as const) {
      const { exports } = (await module(own('0 65536'), compileOpts)).instantiate({}, instOpts);
      const buffer = exports.memory.buffer;
      expect(buffer.byteLength).toBe(0);
      expect(exports.memory.max).toBe(32766);
      expect(exports.grow(32767)).toBe(-1);
      expect(exports.size()).toBe(0);
      expect(exports.memory.buffer).toBe(buffer);
      expect(exports.grow(-1)).toBe(-1); // 0xffffffff pages
      expect(exports.grow(1)).toBe(0);
      expect(exports.memory.buffer.byteLength).toBe(65536);
    }
  });

  it('the declared maximum applies below the limit, the limit below the declared maximum', async () => {
    const a = (await module(own('1 4'))).instantiate({}, { maxMemoryPages: 10 }).exports;
    expect(a.grow(3)).toBe(1);
    expect(a.grow(1)).toBe(-1);
    const b = (await module(own('1 10'))).instantiate({}, { maxMemoryPages: 4 }).exports;
    expect(b.grow(3)).toBe(1);
    expect(b.grow(1)).toBe(-1);
    expect(b.size()).toBe(4);
    const c = (await module(own('1'))).instantiate({}).exports;
    expect(c.memory.max).toBe(65536);
    const d = (await module(own('1'), { maxMemoryPages: 7 })).instantiate({}).exports;
    expect(d.memory.max).toBe(7);
  });

  it('the instantiate option overrides the compiled default, per instance', async () => {
    const mod = await module(own('1'), { maxMemoryPages: 2 });
    const small = mod.instantiate({}).exports;
    const large = mod.instantiate({}, { maxMemoryPages: 8 }).exports;
    expect(small.grow(2)).toBe(-1);
    expect(large.grow(2)).toBe(1);
    expect(large.grow(5)).toBe(3);
    expect(large.grow(1)).toBe(-1);
  });

  it('memory.grow past the limit changes nothing; memory.size stays truthful; JS grow throws RangeError', async () => {
    const { exports } = (await module(own('2'))).instantiate({}, { maxMemoryPages: 3 });
    new Uint8Array(exports.memory.buffer)[70000] = 42;
    const buffer = exports.memory.buffer;
    expect(exports.grow(2)).toBe(-1);
    expect(exports.memory.buffer).toBe(buffer);
    expect(exports.size()).toBe(2);
    expect(() => exports.memory.grow(2)).toThrow(RangeError);
    expect(exports.memory.buffer).toBe(buffer);
    expect(exports.memory.grow(1)).toBe(2);
    expect(exports.size()).toBe(3);
    expect(new Uint8Array(exports.memory.buffer)[70000]).toBe(42);
    expect(() => exports.memory.grow(1)).toThrow(RangeError);
    expect(exports.grow(1)).toBe(-1);
    expect(exports.grow(0)).toBe(3);
  });
});

describe('page limit: a minimum above the limit is refused, never clamped', () => {
  it('own memory: LinkError naming the memory, its minimum and the limit', async () => {
    const mod = await module(own('5 10'), { maxMemoryPages: 4 });
    expect(() => mod.instantiate({})).toThrow(LinkError);
    expect(() => mod.instantiate({})).toThrow(/memory 0.*minimum size of 5 pages exceeds the page limit of 4 pages/);
    expect(() => mod.instantiate({}, { maxMemoryPages: 0 })).toThrow(LinkError);
    expect(mod.instantiate({}, { maxMemoryPages: 5 }).exports.size()).toBe(5);
    // A minimum equal to the limit is fine, and then the memory cannot grow.
    const e = mod.instantiate({}, { maxMemoryPages: 5 }).exports;
    expect(e.grow(1)).toBe(-1);
  });

  it('imported memory: LinkError when the import declares a minimum above the limit', async () => {
    const mod = await module(IMPORTER.replace('(memory 1)', '(memory 3)'));
    const memory = new Memory({ initial: 3, maximum: 10 });
    expect(() => mod.instantiate({ env: { memory } }, { maxMemoryPages: 2 })).toThrow(LinkError);
    expect(() => mod.instantiate({ env: { memory } }, { maxMemoryPages: 2 })).toThrow(/env\.memory.*minimum size of 3 pages exceeds the page limit of 2 pages/);
    expect(mod.instantiate({ env: { memory } }, { maxMemoryPages: 3 }).exports.size()).toBe(3);
  });

  it('imported memory: grows from inside the instance respect its limit; the host is not limited', async () => {
    const mod = await module(IMPORTER);
    const memory = new Memory({ initial: 1, maximum: 100 });
    const a = mod.instantiate({ env: { memory } }, { maxMemoryPages: 3 }).exports;
    const b = mod.instantiate({ env: { memory } }, { maxMemoryPages: 5 }).exports;
    expect(a.grow(3)).toBe(-1);
    expect(a.grow(2)).toBe(1);
    expect(a.grow(1)).toBe(-1);
    expect(b.grow(2)).toBe(3);
    expect(a.size()).toBe(5);
    expect(a.grow(0)).toBe(5);
    expect(a.grow(1)).toBe(-1); // already above a's limit: only b (or the host) can grow it
    expect(b.grow(1)).toBe(-1);
    expect(memory.grow(10)).toBe(5); // the host owns the memory: only its own maximum applies
    expect(b.size()).toBe(15);
    // The memory's own maximum still applies to the instance.
    const c = mod.instantiate({ env: { memory: new Memory({ initial: 1, maximum: 2 }) } }, { maxMemoryPages: 50 }).exports;
    expect(c.grow(2)).toBe(-1);
    expect(c.grow(1)).toBe(1);
  });

  it('imported memory already larger than the limit links (the host chose its size) but cannot grow', async () => {
    const mod = await module(IMPORTER);
    const memory = new Memory({ initial: 8 });
    const { exports } = mod.instantiate({ env: { memory } }, { maxMemoryPages: 4 });
    expect(exports.size()).toBe(8);
    expect(exports.grow(1)).toBe(-1);
    expect(memory.buffer.byteLength).toBe(8 * 65536);
  });

  it('checks the limit options', async () => {
    const mod = await module(own('1'));
    for (const bad of [NaN, -1, 1.5, '16', null]) expect(() => mod.instantiate({}, { maxMemoryPages: bad })).toThrow(TypeError);
    expect(mod.instantiate({}, { maxMemoryPages: Infinity }).exports.memory.max).toBe(65536);
    expect(mod.instantiate({}, { maxMemoryPages: 1e9 }).exports.memory.max).toBe(65536);
    expect(mod.instantiate({}, {}).exports.memory.max).toBe(65536);
    for (const bad of [NaN, -1, 1.5]) expect(() => compile(wat(own('1')), { maxMemoryPages: bad })).toThrow(TypeError);
  });
});

describe('data segments', () => {
  const DATA = `(module
    (import "env" "memory" (memory 1))
    (data (i32.const 0) "abc")
    (data (i32.const 1) "XY")
    (data (i32.const 65534) "123"))`;

  it('are applied in order to the memory as instantiated, with bounds checks', async () => {
    const mod = await module(DATA);
    const memory = new Memory({ initial: 1, maximum: 2 });
    let err: unknown;
    try {
      mod.instantiate({ env: { memory } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as RuntimeError).code).toBe('out-of-bounds-memory');
    // Earlier segments stay written (Wasm 2.0), the failing one wrote nothing.
    const bytes = new Uint8Array(memory.buffer);
    expect(String.fromCharCode(...bytes.subarray(0, 3))).toBe('aXY');
    expect(bytes[65534]).toBe(0);
    expect(bytes[65535]).toBe(0);
    // In a memory grown to 2 pages the last segment fits.
    memory.grow(1);
    mod.instantiate({ env: { memory } });
    expect(String.fromCharCode(...new Uint8Array(memory.buffer).subarray(65534, 65537))).toBe('123');
  });

  it('an own memory gets its data at its minimum size', async () => {
    const { exports } = (await module(`(module (memory (export "memory") 1 2) (data (i32.const 65535) "z"))`)).instantiate({}, { maxMemoryPages: 1 });
    expect(new Uint8Array(exports.memory.buffer)[65535]).toBe(122);
    const mod = await module(`(module (memory 1 2) (data (i32.const 65536) "z"))`);
    expect(() => mod.instantiate({})).toThrow(RuntimeError);
  });
});

describe('page limit: command line', () => {
  it('--max-memory-pages bakes the default limit into the output', async () => {
    const dir = join(ROOT, '.tmp', 'limits-cli');
    mkdirSync(dir, { recursive: true });
    const input = join(dir, 'own.wasm');
    writeFileSync(input, wat(own('1 65536')));
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'compiler/cli.ts'), 'compile', input, '--max-memory-pages', '3'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const { exports } = (await importCode(r.stdout)).instantiate({});
    expect(exports.memory.max).toBe(3);
    expect(exports.grow(3)).toBe(-1);
    expect(exports.grow(2)).toBe(1);
  }, 60_000);
});
