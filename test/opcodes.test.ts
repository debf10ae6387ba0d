/**
 * The opcode table (compiler/opcodes.ts) against the stages that read it:
 * every row has a validation rule, and every row is lowered, except the rows
 * listed as not lowered yet (SIMD). A row added to the table without its
 * rules fails here.
 */
import { describe, it, expect } from 'vitest';
import { createRequire } from 'node:module';
import { OPS, type OpInfo } from '../compiler/opcodes.js';
import { SPECIAL } from '../compiler/validate/optable.js';
import { compile, CompileError } from '../compiler/index.js';
import { valTypeName } from '../compiler/types.js';
import { wat } from './util/wat.js';

/** Rows not lowered yet: they validate, and compiling them is refused with a CompileError naming them. */
const NOT_LOWERED = (o: OpInfo): boolean => o.feature === 'simd';

/** Rows typed by name (no fixed signature): each is used in NAMED_MODULE below. */
const NAMED = [
  'unreachable', 'block', 'loop', 'if', 'else', 'end', 'br', 'br_if', 'br_table', 'return', 'call', 'call_indirect',
  'ref.null', 'ref.is_null', 'ref.func', 'drop', 'select', 'select_t', 'local.get', 'local.set', 'local.tee',
  'global.get', 'global.set', 'table.get', 'table.set', 'table.grow', 'table.fill',
  'try', 'catch', 'catch_all', 'delegate', 'throw', 'rethrow',
];

/** The WAT immediates of a row with a fixed signature, by immediate kind (every index 0, every constant 0). */
function immediates(o: OpInfo): string {
  switch (o.imm) {
    case 'i32': case 'i64': case 'f32': case 'f64': case 'memory_init': case 'dataidx':
    case 'table_init': case 'elemidx': case 'lane': case 'memarg_lane':
      return ' 0';
    case 'v128':
      return ' i32x4 0 0 0 0';
    case 'shuffle':
      return ' 0'.repeat(16);
    default:
      return '';
  }
}

/** A module whose one function runs row `o` once on its params and drops its results. */
function rowModule(o: OpInfo): Uint8Array {
  const params = o.params!.map(valTypeName);
  const body = [...params.map((_, i) => `local.get ${i}`), o.name + immediates(o), ...o.results!.map(() => 'drop')];
  return wat(`(module (memory 1) (table 1 funcref) (data "") (elem func)
    (func (export "f") (param ${params.join(' ')}) ${body.join('\n')}))`);
}

const NAMED_MODULE = `(module
  (type $t (func (param i32) (result i32)))
  (table 1 funcref)
  (elem (i32.const 0) $id)
  (global $g (mut i32) (i32.const 5))
  (tag $e (param i32))
  (func $id (type $t) (local.get 0))
  (func (export "main") (type $t) (local i32)
    block
      loop
        local.get 0
        if
          nop
        else
          nop
        end
        local.get 0
        br_if 1
        local.get 0
        br_table 1 1
      end
    end
    i32.const 0 call $id drop
    i32.const 0 i32.const 0 call_indirect (type $t) drop
    ref.null func ref.is_null drop
    ref.func $id ref.is_null drop
    i32.const 1 i32.const 2 local.get 0 select drop
    i32.const 1 i32.const 2 local.get 0 select (result i32) drop
    local.get 0 local.set 1
    local.get 1 local.tee 1 drop
    global.get $g global.set $g
    i32.const 0 table.get 0 drop
    i32.const 0 ref.null func table.set 0
    ref.null func i32.const 0 table.grow 0 drop
    i32.const 0 ref.null func i32.const 0 table.fill 0
    try
      try
        i32.const 1 throw $e
      delegate 0
    catch_all
    end
    try
      try
        i32.const 2 throw $e
      catch $e
        drop
        rethrow 0
      end
    catch $e
      drop
    end
    local.get 0
    if (result i32)
      global.get $g return
    else
      unreachable
    end
    br 0))`;

describe('the opcode table', () => {
  it('every row has a validation rule (its fixed signature, or a rule by name)', () => {
    const missing = OPS.filter((o) => o.params === null && SPECIAL[o.id] === 0).map((o) => o.name);
    expect(missing).toEqual([]);
  });

  it('the rows typed by name are exactly those the by-name test covers', () => {
    expect(OPS.filter((o) => o.params === null).map((o) => o.name).sort()).toEqual([...NAMED].sort());
  });

  it('every row with a fixed signature is lowered, or refused as not lowered yet', () => {
    const wrong: string[] = [];
    for (const o of OPS) {
      if (o.params === null) continue;
      const bytes = rowModule(o);
      try {
        compile(bytes);
        if (NOT_LOWERED(o)) wrong.push(`${o.name}: compiled, but listed as not lowered`);
      } catch (e) {
        if (!(e instanceof CompileError)) throw e;
        if (!NOT_LOWERED(o)) wrong.push(`${o.name}: ${e.message}`);
        else if (!/not supported by the compiler yet/.test(e.message)) wrong.push(`${o.name}: refused for another reason: ${e.message}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('every row typed by name is lowered (one function using them all runs as native)', () => {
    const bytes = wat(NAMED_MODULE);
    const native = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as { main: (x: number) => number };
    const { code } = compile(bytes, { format: 'cjs' });
    const mod = { exports: {} as { instantiate: (i: object) => { exports: { main: (x: number) => number } } } };
    new Function('module', 'exports', 'require', code)(mod, mod.exports, createRequire(import.meta.url));
    const kiln = mod.exports.instantiate({}).exports;
    const first = kiln.main(1);
    expect(first).toBe(native.main(1));
    expect(first).toBe(5);
    // The first call cleared the table: now `call_indirect` traps, in both.
    expect(() => native.main(1)).toThrow(WebAssembly.RuntimeError);
    expect(() => kiln.main(1)).toThrow(/uninitialized element/);
  });
});
