/**
 * The JS API's wrappers of exported functions (runtime/func.ts `makeJS`,
 * JS API "Exported Functions"): a numeric signature of up to 5 parameters
 * gets a fixed-arity wrapper (no arguments array per call), a longer one the
 * general wrapper. Both must convert each argument once, in order, with
 * ToWebAssemblyValue, read a missing argument as undefined, ignore extra
 * ones, and report the parameter count as `length`, as native WebAssembly does.
 * And the other way, host functions (`hostFunc`, JS API "create a host
 * function"): the host is called with exactly the arguments native
 * WebAssembly passes, `this` undefined, and its result converted alike.
 */
import { describe, it, expect } from 'vitest';
import { Func, hostFunc, rt, toJS } from '../runtime/index.js';
import { wat } from './util/wat.js';

const makeFunc = (sig: string, fn: (...a: number[]) => unknown) => new Func(sig, fn, rt);

describe('exported function wrappers', () => {
  it('numeric exports of every arity up to 6 convert their arguments as native WebAssembly does', () => {
    const kinds = ['i32', 'f64', 'f32', 'i32', 'f64', 'f32'];
    const log: string[] = [];
    const arg = (name: string, v: number) => ({ valueOf: () => (log.push(name), v) });
    for (let n = 0; n <= 6; n++) {
      const ps = kinds.slice(0, n);
      for (const result of ['', 'f64']) {
        const body = result ? ps.map((k, i) => `(f64.mul (f64.const ${i + 2}) ${k === 'f64' ? `(local.get ${i})` : k === 'f32' ? `(f64.promote_f32 (local.get ${i}))` : `(f64.convert_i32_s (local.get ${i}))`})`).reduce((a, b) => `(f64.add ${a} ${b})`, '(f64.const 0.5)') : '';
        const text = `(module (func (export "f") ${ps.length ? `(param ${ps.join(' ')})` : ''} ${result ? `(result ${result}) ${body}` : ''}))`;
        const nat = new WebAssembly.Instance(new WebAssembly.Module(wat(text))).exports.f as (...a: unknown[]) => unknown;
        const kiln = toJS(makeFunc(`${ps.join(' ')}>${result}`, (...a: number[]) => (result ? a.reduce((acc, x, i) => acc + (i + 2) * x, 0.5) : undefined)));
        expect(kiln.length).toBe(nat.length);
        for (const args of [[2 ** 32 + 5, 0.1, 1e40, -7.9, '3', 2 ** 31], [], [1, 2, 3, 4, 5, 6, 7, 8]]) {
          const calls = (f: (...a: unknown[]) => unknown) => {
            log.length = 0;
            const r = f(...args.map((v, i) => arg(`a${i}`, Number(v))));
            return [r, [...log]];
          };
          expect(calls(kiln), `${n} params, result '${result}', args ${args.length}`).toEqual(calls(nat));
        }
      }
    }
  });

  it('host functions of every arity up to 6 receive exactly their arguments, as from native WebAssembly', () => {
    const kinds = ['i32', 'f64', 'f32', 'externref', 'i32', 'f64'];
    for (let n = 0; n <= 6; n++) {
      const ps = kinds.slice(0, n);
      for (const result of ['', 'i32']) {
        const seen: unknown[][] = [];
        const host = function (this: unknown, ...a: unknown[]) { seen.push([this, a.length, ...a]); return result ? { valueOf: () => 2 ** 32 + 7 } : 'ignored'; };
        const locals = ps.map((_, i) => `(local.get ${i})`).join(' ');
        const text = `(module (import "m" "h" (func $h ${ps.length ? `(param ${ps.join(' ')})` : ''} ${result ? `(result ${result})` : ''}))
          (func (export "f") ${ps.length ? `(param ${ps.join(' ')})` : ''} ${result ? `(result ${result})` : ''} (call $h ${locals})))`;
        const nat = new WebAssembly.Instance(new WebAssembly.Module(wat(text)), { m: { h: host } }).exports.f as (...a: unknown[]) => unknown;
        const o = {};
        const nums = [-5, 0.1, 1.5, 7, -0][Symbol.iterator]();
        const vals = ps.map((k) => (k === 'externref' ? o : (nums.next().value as number)));
        const natResult = nat(...vals);
        const natSeen = seen.splice(0);
        const h = hostFunc(`${ps.join(' ')}>${result}`, host);
        // the internal ABI: arguments already converted (f32 rounded), as a Kiln function passes them
        const internal = vals.map((v, i) => (ps[i] === 'f32' ? Math.fround(v as number) : v));
        expect(h.fn(...internal), `${n} params, result '${result}'`).toBe(natResult);
        expect(seen, `${n} params, result '${result}'`).toEqual(natSeen);
      }
    }
  });
});
