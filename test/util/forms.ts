/**
 * Test helpers for memory accesses through views (`tune: 'hermes'`): the
 * option sets a module is checked in, and the output as a big-endian host
 * would run it.
 */
import { expect } from 'vitest';
import { compile, type CompileOptions } from '../../compiler/index.js';
import { importCode } from './load.js';

/** The output as a big-endian host would run it: `HB` 0 and the views empty (compiler/lower/views.ts `viewRefresh`). */
export const BIG_ENDIAN = (code: string): string =>
  code.replace('HB=new Uint8Array(new Uint16Array([1]).buffer)[0]===1?', 'HB=new Uint8Array(new Uint16Array([1]).buffer)[0]===256?');

/** Views little- and big-endian, split with fuel, and the default `DataView` output: [name, options, edit of the output]. */
export const VIEW_FORMS: readonly [string, CompileOptions, ((code: string) => string)?][] = [
  ['hermes', { tune: 'hermes' }], ['hermes, big-endian', { tune: 'hermes' }, BIG_ENDIAN],
  ['hermes, split, fuel', { tune: 'hermes', splitWeight: 8, fuel: true }], ['jit', {}],
];

/**
 * Compiles `module` in each of VIEW_FORMS, instantiates it (with fuel to
 * spare where metered) and returns what `run` makes of each instance's
 * exports, by form name.
 */
export async function runViewForms<T>(module: Uint8Array, run: (exports: any) => T): Promise<[string, T][]> {
  const out: [string, T][] = [];
  for (const [name, opts, edit] of VIEW_FORMS) {
    let { code } = compile(module, opts);
    if (edit !== undefined) {
      expect(edit(code), name).not.toBe(code);
      code = edit(code);
    }
    const { instantiate } = (await importCode(code)) as { instantiate: (i?: object, o?: object) => { exports: unknown } };
    out.push([name, run(instantiate({}, opts.fuel ? { fuel: 1e12 } : {}).exports)]);
  }
  return out;
}
