/**
 * The in-engine half of the engine matrix's spec runs (spec-bundle.ts is the
 * host half). Bundled by esbuild into every generated spec script and run by
 * the engine under test (Node, Bun, Hermes...), with no WebAssembly and no
 * compiler there: it runs test/spec/wast.ts's own `runScript` on the .wast
 * source, replaying what only the host can do, in the order the runner asks
 * for it: wabt's text-to-binary results, Kiln's validation verdicts, and the
 * modules Kiln compiled (CommonJS with `runtime: 'import'`, all sharing one
 * copy of the inline runtime for the target). Instantiation, every call and
 * every assertion run in the engine. Prints one line,
 * `KILN-RESULT {"file", "passed", "failed", "skipped", "failures", "skips"}`,
 * or `KILN-ERROR message` when the harness itself fails.
 */
import './text-polyfill.js'; // first: test/spec/sexpr.ts makes a TextEncoder as it loads
import { runScript, type Wabt } from '../spec/wast.js';
import type { Engine, Imports } from '../spec/engine.js';

/** What the host recorded for one call, in call order (spec-bundle.ts). */
export interface Records {
  /** wabt `parseWat`: the binary's length, or wabt's error message. */
  parse: { len?: number; error?: string }[];
  /** Kiln `validate`: the input's length, and the error when it rejected it. */
  validate: { len: number; error?: { name: string; message: string } }[];
  /** Kiln `compile`: the input's length, and the index of its module factory or the error. */
  compile: { len: number; module?: number; error?: { name: string; message: string } }[];
}

/** The data a generated script defines before this harness runs. */
export interface SpecData {
  file: string;
  src: string;
  features: Record<string, boolean>;
  records: Records;
  /** Compiled modules: CommonJS bodies as functions of (module, exports, require). */
  modules: ((module: { exports: unknown }, exports: unknown, require: (spec: string) => unknown) => void)[];
  /** The inline runtime namespace of the target (the modules' `require('wasm-kiln/runtime')`). */
  runtime: Record<string, new (...args: unknown[]) => unknown>;
}

declare const __kiln: SpecData;
declare const print: ((s: string) => void) | undefined;

/** Writes a line to standard output: `console.log` where there is one, else the engine's `print` (Hermes). */
function out(line: string): void {
  if (typeof console === 'object' && console !== null && typeof console.log === 'function') console.log(line);
  else if (typeof print === 'function') print(line);
  else throw new Error('no console.log or print');
}

const noop = (): void => {};

/**
 * Whether the engine canonicalizes NaNs held in JS values (NaN-boxing
 * engines: JavaScriptCore, Hermes), probed by reading a signalling NaN from a
 * Float64Array and writing it back. There, no wasm NaN keeps its sign or
 * payload while it is a JS number (matrix.ts `nanBitsLimited`).
 */
function canonicalizesNaN(): boolean {
  const f = new Float64Array(2);
  const u = new Uint32Array(f.buffer);
  u[0] = 1;
  u[1] = 0x7ff00000;
  const x = f[0];
  f[1] = x;
  return u[2] !== 1 || u[3] !== 0x7ff00000;
}

async function main(data: SpecData): Promise<void> {
  const { records, modules, runtime: R } = data;
  const at = { parse: 0, validate: 0, compile: 0 };
  const next = <K extends keyof Records>(kind: K, len?: number): Records[K][number] => {
    const r = records[kind][at[kind]++];
    if (r === undefined) throw new Error(`replay: ${kind} call ${at[kind]} was not recorded on the host`);
    if (len !== undefined && 'len' in r && r.len !== len) throw new Error(`replay: ${kind} call ${at[kind]} got ${len} bytes, the host had ${r.len}`);
    return r;
  };
  const fail = (e: { name: string; message: string }) => Object.assign(new Error(e.message), { name: e.name });
  const wabt: Wabt = {
    parseWat() {
      const r = next('parse');
      if (r.error !== undefined) throw new Error(r.error);
      const buffer = new Uint8Array(r.len ?? 0);
      return { toBinary: () => ({ buffer }), destroy: noop };
    },
  };
  const require = (spec: string): unknown => {
    if (spec === 'wasm-kiln/runtime') return R;
    throw new Error(`generated code requires ${spec}`);
  };
  const printers = { print: noop, print_i32: noop, print_i64: noop, print_f32: noop, print_f64: noop, print_i32_f32: noop, print_f64_f64: noop };
  const engine: Engine = {
    name: 'kiln',
    validates: true,
    executes: true,
    notes: [],
    validate(bytes) {
      const r = next('validate', bytes.length);
      if (r.error !== undefined) throw fail(r.error);
    },
    compile(bytes) {
      const r = next('compile', bytes.length);
      if (r.error !== undefined) throw fail(r.error);
      const module = { exports: {} as unknown };
      modules[r.module!](module, module.exports, require);
      return module.exports;
    },
    instantiate(compiled, imports: Imports) {
      return (compiled as { instantiate(i: Imports): { exports: Record<string, unknown> } }).instantiate(imports);
    },
    spectest() {
      return {
        ...printers,
        global_i32: new R.Global({ value: 'i32', mutable: false }, 666),
        global_i64: new R.Global({ value: 'i64', mutable: false }, BigInt(666)),
        global_f32: new R.Global({ value: 'f32', mutable: false }, 666.6),
        global_f64: new R.Global({ value: 'f64', mutable: false }, 666.6),
        table: new R.Table({ initial: 10, maximum: 20, element: 'anyfunc' }),
        memory: new R.Memory({ initial: 1, maximum: 2 }),
      };
    },
    isExhaustion: (e) => (e as { code?: unknown } | null)?.code === 'stack-exhausted',
  };
  const r = await runScript(data.src, { file: data.file, engine, wabt, features: data.features });
  for (const kind of ['parse', 'validate', 'compile'] as const) {
    if (at[kind] !== records[kind].length) throw new Error(`replay: ${at[kind]} ${kind} calls, the host recorded ${records[kind].length}`);
  }
  out('KILN-RESULT ' + JSON.stringify({ file: r.file, passed: r.passed, failed: r.failed, skipped: r.skipped, failures: r.failures, skips: r.skips, nanCanonical: canonicalizesNaN() }));
}

main(__kiln).catch((e: unknown) => {
  out('KILN-ERROR ' + (e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e)));
});
