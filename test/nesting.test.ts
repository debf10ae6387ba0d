/** Deep nesting and huge functions must still compile and run (the flat form, lower/control.ts). */
import { describe, it, expect } from 'vitest';
import { compile } from '../compiler/index.js';
import { importCode } from './util/load.js';
import { leb, section, HEADER } from './util/wasm-bytes.js';

/** A module exporting `f: [i32] -> [i32]` with the given body (no locals). */
function moduleWithBody(body: number[]): Uint8Array {
  const code = [0, ...body, 0x0b];
  return new Uint8Array([
    ...HEADER,
    ...section(1, [1, 0x60, 1, 0x7f, 1, 0x7f]), ...section(3, [1, 0]), ...section(7, [1, 1, 0x66, 0, 0]),
    ...section(10, [1, ...leb(code.length), ...code]),
  ]);
}

describe('deep nesting', () => {
  for (const depth of [100, 300, 20000]) {
    it(`${depth} nested blocks, every one a br_table target`, async () => {
      // block^depth (local.get 0; br_table 0 1 ... depth-1) end^depth, then i32.const 7
      const body: number[] = [];
      for (let i = 0; i < depth; i++) body.push(0x02, 0x40);
      body.push(0x20, 0, 0x0e, ...leb(depth - 1));
      for (let i = 0; i < depth - 1; i++) body.push(...leb(i));
      body.push(...leb(depth - 1));
      for (let i = 0; i < depth; i++) body.push(0x0b);
      body.push(0x41, 7);
      const { exports } = (await importCode(compile(moduleWithBody(body)).code)).instantiate();
      expect(exports.f(0)).toBe(7);
      expect(exports.f(depth * 2)).toBe(7);
    });
  }

  it('deeply nested ifs with results and a loop counting down', async () => {
    // loop: if x { x-1 ... } nested 1000 deep, each if (result i32) adding 1 on the then arm.
    const depth = 1000;
    const body: number[] = [];
    for (let i = 0; i < depth; i++) body.push(0x20, 0, 0x04, 0x7f); // local.get 0; if (result i32)
    body.push(0x41, 0); // innermost value
    for (let i = 0; i < depth; i++) body.push(0x41, 1, 0x6a, 0x05, 0x41, ...leb(100 + i), 0x0b); // i32.const 1; i32.add; else i32.const 100+i; end
    const { exports } = (await importCode(compile(moduleWithBody(body)).code)).instantiate();
    expect(exports.f(1)).toBe(depth);
    expect(exports.f(0)).toBe(100 + depth - 1);
  });

  it('one huge function (200k instructions) compiles and runs', async () => {
    const body: number[] = [0x20, 0]; // acc = x
    for (let i = 0; i < 100_000; i++) body.push(0x41, (i % 50) + 1, 0x6a); // + k
    let expected = 5;
    for (let i = 0; i < 100_000; i++) expected = (expected + (i % 50) + 1) | 0;
    const { exports } = (await importCode(compile(moduleWithBody(body)).code)).instantiate();
    expect(exports.f(5)).toBe(expected);
  });
});
