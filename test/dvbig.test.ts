/**
 * Whole-i64 memory accesses in the BigInt form through the `DataView` BigInt
 * methods (compiler/lower/i64big.ts with `env.dvBig`; runtime/i64form.ts
 * `DV_BIG`): the form V8 13.6 and later run, chosen at instantiate. The
 * system Node (20) runs the `$b32` variants instead, so the test runs in
 * Node 24 from the engine matrix's cache (`node test/engines/fetch.mjs`):
 * i64 loads and stores at offsets 0 and 4, at addresses around the ends of
 * memory and of the signed and unsigned ranges, give the values, traps and
 * memory bytes native WebAssembly gives there, and the instance did take the
 * `DataView` BigInt form. Skips, naming it, when Node 24 is absent.
 */
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from '../compiler/index.js';
import { enginePath } from './engines/fetch.mjs';
import { ROOT } from './util/load.js';
import { wat } from './util/wat.js';

const NODE24 = enginePath('node24');
const MISSING = `Node 24 is missing: no ${NODE24} (node test/engines/fetch.mjs); the DataView BigInt form is not tested`;
const DIR = join(ROOT, '.tmp/dvbig');

const BYTES = wat(`(module (memory (export "memory") 1)
  (data (i32.const 0) "\\01\\02\\03\\04\\05\\06\\07\\08\\09\\0a\\0b\\0c")
  (data (i32.const 65524) "\\f1\\f2\\f3\\f4\\f5\\f6\\f7\\f8\\f9\\fa\\fb\\fc")
  (func (export "load@0") (param i32) (result i64) (i64.load (local.get 0)))
  (func (export "load@4") (param i32) (result i64) (i64.load offset=4 (local.get 0)))
  (func (export "store@0") (param i32) (i64.store (local.get 0) (i64.const 0x8102030405060788)))
  (func (export "store@4") (param i32) (i64.store offset=4 (local.get 0) (i64.const -2)))
  (func (export "copy") (param i32) (i64.store offset=1 (local.get 0) (i64.add (i64.load (local.get 0)) (i64.const 1)))))`);

/** The runner, in plain JS for Node 24: each export at each address, natively and on Kiln's output. */
const RUNNER = String.raw`
const { readFileSync } = require('node:fs');
const [wasm, kiln] = process.argv.slice(2);
const ADDRESSES = [0, 1, 4, 65520, 65524, 65527, 65528, 65529, 65532, 65535, 65536, 0x7ffffff8, 0x7fffffff, -0x80000000, -8, -4, -1];
function run(exports) {
  const out = [];
  for (const [name, f] of Object.entries(exports)) {
    if (typeof f !== 'function') continue;
    for (const a of ADDRESSES) {
      try { const r = f(a); out.push([name, a, typeof r === 'bigint' ? String(r) : r === undefined ? 'undefined' : r]); }
      catch (e) { out.push([name, a, e instanceof WebAssembly.RuntimeError && /out of bounds/.test(e.message) ? 'trap' : 'error ' + e]); }
      const u8 = new Uint8Array(exports.memory.buffer);
      out.push([...u8.subarray(0, 16), ...u8.subarray(65520)].join(','));
    }
  }
  return out;
}
const native = run(new WebAssembly.Instance(new WebAssembly.Module(readFileSync(wasm))).exports);
const holder = { exports: null, dvBig: null };
const code = readFileSync(kiln, 'utf8').replace('if (!DV_BIG) {', 'module.dvBig = DV_BIG; if (!DV_BIG) {');
new Function('module', 'WebAssembly', code)(holder, WebAssembly);
const got = run(holder.exports.instantiate({}).exports);
console.log(JSON.stringify({ dvBig: holder.dvBig, traps: native.filter((r) => r[2] === 'trap').length, native, got }));
`;

describe('whole-i64 memory accesses through DataView BigInt methods', () => {
  it.skipIf(NODE24 === null || !existsSync(NODE24))('in Node 24, trap and compute as native WebAssembly does', () => {
    mkdirSync(DIR, { recursive: true });
    const { code } = compile(BYTES, { i64: 'bigint', format: 'cjs', runtime: 'inline' });
    expect(code).toMatch(/getBigUint64\(/);
    expect(code).toMatch(/setBigUint64\(/);
    expect(code).toMatch(/\$b32\(/);
    writeFileSync(join(DIR, 'm.wasm'), BYTES);
    writeFileSync(join(DIR, 'm.cjs'), code);
    writeFileSync(join(DIR, 'run.cjs'), RUNNER);
    const r = spawnSync(NODE24!, [join(DIR, 'run.cjs'), join(DIR, 'm.wasm'), join(DIR, 'm.cjs')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.dvBig).toBe(true);
    expect(out.traps).toBeGreaterThan(30);
    expect(out.got).toEqual(out.native);
  });
  if (NODE24 === null || !existsSync(NODE24)) it('is skipped', () => console.log(MISSING));
});
