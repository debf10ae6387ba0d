/**
 * Go's own glue, unchanged: go/main.wasm (GOOS=js GOARCH=wasm, go/build.sh)
 * run through go/wasm_exec.js, first on the engine's WebAssembly, then with
 * it deleted and Kiln's namespace installed; stdout, stderr and the exit code
 * must be the same. The Go module is compiled once per test run (about
 * 2.4 MB of wasm; Kiln takes a few seconds and emits about 19 MB of JS).
 */
import * as nodeFs from 'node:fs';
import { describe, it, expect } from 'vitest';
import { NATIVE, freshRequire, kilnNamespace, onKiln, precompile } from './harness.js';
import { createWebAssembly as polyfill, compilerOf } from '../../polyfill/index.js';

const go = precompile('go/main.wasm');

interface GoRun {
  stdout: string;
  stderr: string;
  exit: number | undefined;
  /** The `WebAssembly` global each time Go wrote output. */
  seen: Set<unknown>;
  instance: unknown;
}

/**
 * What Go's wasm_exec_node.js does, in this process: `globalThis.fs` is
 * Node's fs (here with writes to fd 1 and 2 kept instead of written),
 * wasm_exec.js defines `Go`, `WebAssembly.instantiate` compiles and
 * instantiates main.wasm with `go.importObject`, `go.run` runs it to its exit.
 */
async function runGo(): Promise<GoRun> {
  const out: Record<number, Buffer[]> = { 1: [], 2: [] };
  const seen = new Set<unknown>();
  const keep = (fd: number, buf: Uint8Array): boolean => {
    if (fd !== 1 && fd !== 2) return false;
    seen.add((globalThis as any).WebAssembly);
    out[fd]!.push(Buffer.from(buf));
    return true;
  };
  (globalThis as any).fs = {
    ...nodeFs,
    writeSync(fd: number, buf: Uint8Array, ...rest: any[]) {
      return keep(fd, buf) ? buf.length : (nodeFs.writeSync as any)(fd, buf, ...rest);
    },
    write(fd: number, buf: Uint8Array, offset: number, length: number, position: number | null, callback: (e: Error | null, n?: number) => void) {
      if (keep(fd, buf.subarray(offset, offset + length))) callback(null, length);
      else nodeFs.write(fd, buf, offset, length, position, callback);
    },
  };
  try {
    freshRequire('./go/wasm_exec.js');
    const g = new (globalThis as any).Go();
    g.argv = ['go-glue', 'alpha', 'beta'];
    g.env = { KILN_GLUE: 'yes' };
    let exit: number | undefined;
    g.exit = (code: number) => {
      exit = code;
    };
    const { instance } = await (globalThis as any).WebAssembly.instantiate(go.bytes, g.importObject);
    await g.run(instance);
    // The Go runtime leaves a timeout scheduled at exit; wasm_exec_node.js
    // ends the process there (go.exit = process.exit), which clears it.
    for (const t of g._scheduledTimeouts.values()) clearTimeout(t);
    const text = (fd: number) => Buffer.concat(out[fd]!).toString('utf8');
    return { stdout: text(1), stderr: text(2), exit, seen, instance };
  } finally {
    delete (globalThis as any).fs;
    delete (globalThis as any).Go;
  }
}

describe("Go's wasm_exec.js on Kiln", () => {
  it('runs a Go program as the engine does, with WebAssembly deleted', { timeout: 180_000 }, async () => {
    const native = await runGo();
    expect(native.exit).toBe(3);
    expect(native.stdout).toMatch(/^args: \[alpha beta\] env KILN_GLUE: yes\n/);
    expect(native.stdout).toMatch(/\npipeline: 333833500\n/);
    expect(native.stdout).toMatch(/\ndone; exiting with 3\n$/);

    const { W, instances } = kilnNamespace([go.module]);
    const t = performance.now();
    const kiln = await onKiln(W, runGo);
    const runMs = performance.now() - t;
    expect(kiln.stdout).toBe(native.stdout);
    expect(kiln.stderr).toBe(native.stderr);
    expect(kiln.exit).toBe(native.exit);
    // Kiln ran it: one instance of the precompiled module, the engine's WebAssembly absent throughout.
    expect(instances()).toBe(1);
    expect([...kiln.seen]).toEqual([W]);
    expect(kiln.instance).toBeInstanceOf(W.Instance);
    expect(kiln.instance).not.toBeInstanceOf(NATIVE.Instance);
    expect(globalThis.WebAssembly).toBe(NATIVE);
    console.log(`go: compile ${Math.round(go.compileMs)} ms, ${(go.codeBytes / 1e6).toFixed(1)} MB of JS; run on Kiln ${Math.round(runMs)} ms`);
  });

  it('runs it on the run-time compile mode (wasm-kiln/polyfill), with no precompiled module', { timeout: 180_000 }, async () => {
    const native = await runGo();
    const P = polyfill();
    // P, remembering the Module that wasm_exec.js's instantiate made.
    let module: unknown;
    const W = Object.assign(Object.create(P) as typeof P, {
      instantiate: async (bytes: any, imports?: unknown) => {
        const r = await P.instantiate(bytes, imports);
        module = r.module;
        return r;
      },
    });
    const t = performance.now();
    const lazy = await onKiln(W, runGo);
    const runMs = performance.now() - t;
    expect(lazy.stdout).toBe(native.stdout);
    expect(lazy.stderr).toBe(native.stderr);
    expect(lazy.exit).toBe(native.exit);
    expect([...lazy.seen]).toEqual([W]);
    expect(lazy.instance).toBeInstanceOf(P.Instance);
    expect(globalThis.WebAssembly).toBe(NATIVE);
    const c = compilerOf(module)!;
    const m = c.lazy.env.m;
    console.log(`go on the polyfill: validate, compile what runs and run ${Math.round(runMs)} ms; compiled ${c.lowered().length} of ${m.funcTypes.length - m.numImportedFuncs} functions`);
  });
});
