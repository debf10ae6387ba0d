/**
 * Emscripten's default glue, unchanged: emscripten/main.js,
 * emscripten/addfunction.js and emscripten/exceptions.js (C++ exceptions;
 * Debian's emcc 3.1.6, emscripten/build.sh),
 * each required as Node requires it, first on the engine's WebAssembly, then
 * with it deleted and Kiln's namespace installed; what they print, their
 * exit status and what JS computes through them must be the same.
 */
import { describe, it, expect } from 'vitest';
import { NATIVE, freshRequire, kilnNamespace, onKiln, precompile } from './harness.js';
import { createWebAssembly as polyfill } from '../../polyfill/index.js';

const main = precompile('emscripten/main.wasm');
const addfn = precompile('emscripten/addfunction.wasm');
const cppEh = precompile('emscripten/exceptions.wasm');

interface GlueRun<T> {
  stdout: string[];
  stderr: string[];
  /** What the glue set `process.exitCode` to (Emscripten's exit in Node, with the runtime kept alive). */
  exitCode: number | string | undefined;
  /** The `WebAssembly` global each time the program printed. */
  seen: Set<unknown>;
  result: T;
}

/**
 * Requires glue `file` the way `node file` runs it: main runs during the
 * require. In Node the glue prints with `console.log`/`console.warn` bound
 * when it loads, reports the exit status in `process.exitCode` and adds
 * `uncaughtException`/`unhandledRejection` listeners to `process`; this
 * captures the first two and puts all three back afterwards. `then` runs
 * with the glue's `Module` (exported as `module.exports`) before that.
 */
function runGlue<T>(file: string, then: (M: any) => T = () => undefined as T): GlueRun<T> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const seen = new Set<unknown>();
  const { log, warn } = console;
  const exitCode = process.exitCode;
  const listeners = (['uncaughtException', 'unhandledRejection'] as const).map((e) => [e, process.listeners(e as any) as unknown[]] as const);
  console.log = (...a: unknown[]) => {
    seen.add((globalThis as any).WebAssembly);
    stdout.push(a.join(' '));
  };
  console.warn = (...a: unknown[]) => {
    seen.add((globalThis as any).WebAssembly);
    stderr.push(a.join(' '));
  };
  process.exitCode = undefined;
  try {
    const M = freshRequire(file);
    const glueExit = process.exitCode;
    const result = then(M);
    return { stdout, stderr, exitCode: glueExit, seen, result };
  } finally {
    console.log = log;
    console.warn = warn;
    process.exitCode = exitCode;
    for (const [e, before] of listeners) {
      for (const l of process.listeners(e as any)) if (!before.includes(l)) process.off(e, l);
    }
  }
}

/** JS calling C that calls JS functions put in the table with `addFunction`. */
function useAddFunction(M: any): unknown[] {
  const out: unknown[] = [];
  const table = M.asm.__indirect_function_table;
  const length0 = table.length;
  const mul = M.addFunction((a: number, b: number) => a * b, 'iii');
  out.push(M._apply(mul, 6, 7), table.length - length0);
  out.push(M._fold(M.addFunction((acc: number, i: number) => acc * 3 - i, 'iii'), 1, 12));
  // qsort in C with a comparator in JS, reading the heap through the glue's views.
  const xs = [5, -3, 9, 0, 12, 7, -8, 1, 2147483647, -2147483648];
  const p = M._malloc(4 * xs.length);
  M.HEAP32.set(xs, p >> 2);
  const desc = (a: number, b: number) => Math.sign(M.HEAP32[b >> 2] - M.HEAP32[a >> 2]);
  const cmp = M.addFunction(desc, 'iii');
  M._sort_ints(p, xs.length, cmp);
  out.push(Array.from(M.HEAP32.subarray(p >> 2, (p >> 2) + xs.length)), M.addFunction(desc, 'iii') === cmp);
  M._free(p);
  // Strings passed to a void callback.
  const words: string[] = [];
  const each = M.addFunction((ptr: number, i: number) => void words.push(`${i}:${M.UTF8ToString(ptr)}`), 'vii');
  const s = M._malloc(64);
  M.stringToUTF8('kiln runs emscripten glue', s, 64);
  out.push(M._each_word(s, each), words);
  M._free(s);
  // f64 in and out.
  out.push(M._scale(M.addFunction((x: number) => x / 3, 'dd'), 1.5), M._scale(M.addFunction((x: number) => Math.sqrt(x), 'dd'), 2));
  // A freed slot is reused.
  M.removeFunction(mul);
  const plus = (a: number, b: number) => a + b;
  const add = M.addFunction(plus, 'iii');
  out.push(add === mul, M._apply(add, 6, 7), table.length - length0);
  // The table holds a wasm function wrapping the JS one (the table rejects a plain JS function).
  out.push(typeof table.get(add), table.get(add) === plus, table.get(add)(20, 22));
  // A JS exception thrown in a callback propagates through the C frames.
  const thrower = M.addFunction(() => {
    throw new Error('thrown in JS');
  }, 'iii');
  try {
    M._apply(thrower, 1, 2);
  } catch (e) {
    out.push((e as Error).message);
  }
  // call_indirect with the wrong signature traps with a RuntimeError.
  try {
    M._apply(each, 1, 2);
  } catch (e) {
    out.push(e instanceof (globalThis as any).WebAssembly.RuntimeError);
  }
  return out;
}

describe("Emscripten's default glue on Kiln", () => {
  it('runs a C program as the engine does, with WebAssembly deleted', async () => {
    const native = runGlue('./emscripten/main.js');
    expect(native.exitCode).toBe(7);
    expect(native.stdout.at(-1)).toBe('done; returning 7');
    expect(native.stdout).toContain('longjmp returned 2500');
    expect(native.stderr).toEqual(['a line on stderr']);

    const { W, instances } = kilnNamespace([main.module]);
    const kiln = await onKiln(W, () => runGlue('./emscripten/main.js', (M) => M.asm.memory));
    expect(kiln.stdout).toEqual(native.stdout);
    expect(kiln.stderr).toEqual(native.stderr);
    expect(kiln.exitCode).toBe(native.exitCode);
    expect(instances()).toBe(1);
    expect([...kiln.seen]).toEqual([W]);
    expect(kiln.result).toBeInstanceOf(W.Memory);
    expect(kiln.result).not.toBeInstanceOf(NATIVE.Memory);
    // malloc grew the memory past its initial 16 MiB.
    expect((kiln.result as WebAssembly.Memory).buffer.byteLength).toBeGreaterThan(16 << 20);
    expect(globalThis.WebAssembly).toBe(NATIVE);
  });

  it('runs C++ exceptions (em++ -fwasm-exceptions: legacy exception handling) as the engine does', async () => {
    const native = runGlue('./emscripten/exceptions.js');
    expect(native.stdout).toEqual(['custom 42, destroyed 11', 'invalid: empty', 'exception: negative: -5', 'something else', 'sum 222', 'rethrows 0 5', 'caught 9999']);
    const { W, instances } = kilnNamespace([cppEh.module]);
    const kiln = await onKiln(W, () => runGlue('./emscripten/exceptions.js'));
    expect(kiln.stdout).toEqual(native.stdout);
    expect(kiln.stderr).toEqual(native.stderr);
    expect(kiln.exitCode).toBe(native.exitCode);
    expect(instances()).toBe(1);
    const lazy = await onKiln(polyfill(), () => runGlue('./emscripten/exceptions.js'));
    expect(lazy.stdout).toEqual(native.stdout);
  });

  it('calls JS through the table with addFunction, as the engine does', async () => {
    const native = runGlue('./emscripten/addfunction.js', useAddFunction);
    expect(native.stdout).toEqual(['addfunction module ready']);
    expect(native.result).toContain('thrown in JS');

    const { W, instances } = kilnNamespace([addfn.module]);
    const kiln = await onKiln(W, () => runGlue('./emscripten/addfunction.js', useAddFunction));
    expect(kiln.result).toEqual(native.result);
    expect(kiln.stdout).toEqual(native.stdout);
    expect(kiln.exitCode).toBe(native.exitCode);
    // One instance of the precompiled module; the wrappers of the JS functions are the namespace's re-export modules.
    expect(instances()).toBe(1);
    expect([...kiln.seen]).toEqual([W]);
  });

  it('runs both programs on the run-time compile mode (wasm-kiln/polyfill), with no precompiled module', async () => {
    const native = [runGlue('./emscripten/main.js'), runGlue('./emscripten/addfunction.js', useAddFunction)];
    const P = polyfill();
    const lazy = [await onKiln(P, () => runGlue('./emscripten/main.js', (M) => M.asm.memory)), await onKiln(P, () => runGlue('./emscripten/addfunction.js', useAddFunction))];
    for (let i = 0; i < 2; i++) {
      expect(lazy[i]!.stdout).toEqual(native[i]!.stdout);
      expect(lazy[i]!.stderr).toEqual(native[i]!.stderr);
      expect(lazy[i]!.exitCode).toBe(native[i]!.exitCode);
      expect([...lazy[i]!.seen]).toEqual([P]);
    }
    expect(lazy[0]!.result).toBeInstanceOf(P.Memory);
    expect(lazy[1]!.result).toEqual(native[1]!.result);
    expect(globalThis.WebAssembly).toBe(NATIVE);
  });

  it('reports the compile times', () => {
    console.log(`emscripten: main.wasm compiled in ${Math.round(main.compileMs)} ms, addfunction.wasm in ${Math.round(addfn.compileMs)} ms`);
  });
});
