/**
 * The corpus' one comparison: a workload run through a package's glue on
 * Kiln (per i64 form) must give exactly what it gives on native WebAssembly.
 */
import { describe, it, expect } from 'vitest';
import type { CompileOptions } from '../../compiler/index.js';
import { kilnEngine, onKiln, onNative, polyfillEngine, type I64Form } from './shim.js';

/**
 * Declares `describe(title)` with one test per i64 form in `forms`. `run`
 * loads a fresh copy of the glue (so it instantiates anew) and returns every
 * observable result; it runs once on native WebAssembly and once per form on
 * Kiln, with the engine's `WebAssembly` deleted and
 * `createWebAssembly(wasm compiled in that form)` installed (`onKiln`); the
 * results must be deeply equal. Each Kiln run must make at least
 * `minInstances` instances of the precompiled modules, so the test cannot
 * pass without Kiln. Then once more on the run-time compile mode
 * (wasm-kiln/polyfill: no precompiled module, the package's own bytes
 * compiled as its glue loads them), with at least `minInstances` instances.
 * `options` are compile options for the ahead-of-time runs (`customSections`
 * for a glue that reads them); `timeout` (ms) replaces the default test
 * timeout of the ahead-of-time runs, for a module that takes long to compile.
 */
export function sameAsNative(
  title: string, forms: readonly I64Form[], wasm: readonly Uint8Array[], run: () => Promise<unknown>, minInstances = 1, options: CompileOptions = {}, timeout?: number,
): void {
  let expected: Promise<unknown> | undefined;
  describe(title, () => {
    it.each(forms)('on Kiln with i64 %s gives what native WebAssembly gives', async (i64) => {
      expected ??= onNative(run);
      const want = await expected;
      const engine = kilnEngine(i64, wasm, options);
      const got = await onKiln(engine, run);
      expect(engine.stats.instances, 'Kiln instances made').toBeGreaterThanOrEqual(minInstances);
      expect(got).toEqual(want);
    }, timeout);
    it('on the polyfill (compiled at run time) gives what native WebAssembly gives', async () => {
      expected ??= onNative(run);
      const want = await expected;
      const engine = polyfillEngine();
      const got = await onKiln(engine, run);
      expect(engine.stats.instances, 'polyfill instances made').toBeGreaterThanOrEqual(minInstances);
      expect(got).toEqual(want);
    });
  });
}
