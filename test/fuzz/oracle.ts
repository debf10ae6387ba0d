/**
 * The differential oracle: runs one module natively (Node's `WebAssembly`)
 * and with Kiln in each configuration, makes the same calls on every
 * instance, and reports the first difference per configuration.
 *
 * After each call it compares the outcome (results, bit-exact for integers;
 * floats with `Object.is`, any NaN equal to any NaN since how a NaN's bits
 * cross the JS boundary is up to the engine; gen.ts's `_b` exports carry
 * float bits as integers to compare those exactly), whether it trapped and
 * how (V8's message mapped to Kiln's `.code`), the bytes of every exported
 * memory, the value of every exported global, and the host log (imports
 * that record their arguments).
 *
 * Kiln output is compiled as CommonJS with `runtime: 'import'` and evaluated
 * with `new Function`, its `require` answering with the runtime loaded once
 * (no file per module); `inlineRuntime` embeds the runtime instead.
 */
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Call } from './gen.js';
import { TRAP_MESSAGES } from '../../runtime/errors.js';
import { LazyCompiler } from '../../polyfill/linker.js';

/** The project root (two levels above this file). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** One Kiln configuration. */
export interface Config {
  name: string;
  i64: 'pair' | 'bigint' | 'auto';
  /** Compiled with fuel metering, instantiated with a budget it never exhausts. */
  fuel: boolean;
  /** `flatDepth: 0`: every function in the flat (dispatch loop) form. */
  flat: boolean;
  /** Another `flatDepth`: 10 puts the generator's dispatch nests (9 to 14 blocks) in dispatch regions (passes/regions.ts). */
  flatDepth?: number;
  /** `splitWeight` (passes/split.ts): small, so every function is split into many parts. */
  split?: number;
  /** `instantiate`'s `options.i64`: which variant of `auto`'s two-form functions runs (default: the engine's choice, BigInt in Node). */
  pick?: 'pair' | 'bigint';
  /**
   * Run-time compile mode (polyfill/linker.ts LazyCompiler, this checkout's):
   * each function compiled on its first call, with this checkout's runtime
   * (a doctored `Kiln.runtime` does not apply).
   */
  lazy?: boolean;
  /** Compile option `tune` (lower/views.ts): `hermes` puts memory accesses through typed-array views. */
  tune?: 'hermes';
}

/** Every configuration the fuzzer knows: i64 forms × fuel off/on, the flat form, dispatch regions, and functions split into parts. */
export const ALL_CONFIGS: readonly Config[] = [
  { name: 'pair', i64: 'pair', fuel: false, flat: false },
  { name: 'pair+fuel', i64: 'pair', fuel: true, flat: false },
  { name: 'bigint', i64: 'bigint', fuel: false, flat: false },
  { name: 'bigint+fuel', i64: 'bigint', fuel: true, flat: false },
  { name: 'auto', i64: 'auto', fuel: false, flat: false },
  { name: 'auto+fuel', i64: 'auto', fuel: true, flat: false },
  { name: 'auto/pairs+fuel', i64: 'auto', fuel: true, flat: false, pick: 'pair' },
  { name: 'pair+flat', i64: 'pair', fuel: false, flat: true },
  { name: 'bigint+flat', i64: 'bigint', fuel: false, flat: true },
  { name: 'auto+flat+fuel', i64: 'auto', fuel: true, flat: true },
  { name: 'pair+split', i64: 'pair', fuel: false, flat: false, split: 60 },
  { name: 'bigint+split+fuel', i64: 'bigint', fuel: true, flat: false, split: 1 },
  { name: 'auto+flat+split+fuel', i64: 'auto', fuel: true, flat: true, split: 20 },
  { name: 'pair+regions', i64: 'pair', fuel: false, flat: false, flatDepth: 10 },
  { name: 'auto+regions+split+fuel', i64: 'auto', fuel: true, flat: false, flatDepth: 10, split: 60 },
  { name: 'pair+hermes', i64: 'pair', fuel: false, flat: false, tune: 'hermes' },
  { name: 'auto+split+fuel+hermes', i64: 'auto', fuel: true, flat: false, split: 60, tune: 'hermes' },
];

/** Configurations of the run-time compile mode (wasm-kiln/polyfill), by name only (not in `all`). */
export const LAZY_CONFIGS: readonly Config[] = [
  { name: 'auto+lazy', i64: 'auto', fuel: false, flat: false, lazy: true },
  { name: 'pair+fuel+lazy', i64: 'pair', fuel: true, flat: false, lazy: true },
  { name: 'bigint+split+fuel+lazy', i64: 'bigint', fuel: true, flat: false, split: 1, lazy: true },
  // The polyfill's default in an engine without its JIT (runtime/i64form.ts JITLESS).
  { name: 'pair+hermes+lazy', i64: 'pair', fuel: false, flat: false, lazy: true, tune: 'hermes' },
];

/** Looks configurations up by name (comma-separated; `all` for every one of ALL_CONFIGS, `lazy` for LAZY_CONFIGS). */
export function parseConfigs(spec: string): Config[] {
  if (spec === 'all') return [...ALL_CONFIGS];
  if (spec === 'lazy') return [...LAZY_CONFIGS];
  const known = [...ALL_CONFIGS, ...LAZY_CONFIGS];
  return spec.split(',').map((n) => {
    const c = known.find((x) => x.name === n.trim());
    if (!c) throw new Error(`unknown configuration ${n}; known: ${known.map((x) => x.name).join(', ')}`);
    return c;
  });
}

/** What the oracle needs of Kiln: `compile` and the runtime namespace (a test may pass a doctored one). */
export interface Kiln {
  compile(bytes: Uint8Array, options: Record<string, unknown>): { code: string };
  runtime: Record<string, unknown>;
  /** Embed the runtime in each module (slower) instead of `require`-ing the loaded one. */
  inlineRuntime?: boolean;
}

/** Loads Kiln's compiler and runtime from the checkout at `root` (default: this one). */
export async function loadKiln(root: string = ROOT, inlineRuntime = false): Promise<Kiln> {
  const compiler = (await import(pathToFileURL(join(root, 'compiler/index.ts')).href)) as { compile: Kiln['compile'] };
  const runtime = (await import(pathToFileURL(join(root, 'runtime/index.ts')).href)) as Record<string, unknown>;
  return { compile: compiler.compile, runtime, inlineRuntime };
}

/** Host imports for one instance. `log` receives what logging imports record; `exports()` is the instance's exports once it exists. */
export interface HostContext {
  log: string[];
  exports(): Record<string, unknown>;
  /** Calls back into the instance made during the current export call (the oracle resets it before each call), to bound them. */
  callbacks: number;
}

/** Makes the import object for one instance (called once per engine and configuration, so each instance has its own host state). */
export type ImportFactory = (ctx: HostContext) => Record<string, Record<string, unknown>>;

/** A module and the calls to make on it. */
export interface Subject {
  bytes: Uint8Array;
  calls: Call[];
  imports?: ImportFactory;
}

/** The kinds of difference. */
export type MismatchKind = 'compile' | 'instantiate' | 'result' | 'trap' | 'memory' | 'global' | 'log';

/** A difference between native and one Kiln configuration. */
export interface Mismatch {
  kind: MismatchKind;
  config: string;
  /** Index of the call in `Subject.calls`, -1 for compile/instantiate. */
  callIndex: number;
  call?: Call;
  expected: string;
  got: string;
  /**
   * What must stay the same while shrinking: the kind, plus the trap codes
   * for a trap mismatch and the error for a compile one.
   */
  signature: string;
  /** A vitest assertion on `exports` that holds natively and not in Kiln (for reproducers), when one can be written. */
  assertion?: string;
}

/** What one differential run did. */
export interface RunResult {
  /** Calls compared, summed over configurations. */
  compared: number;
  /** Calls made natively. */
  nativeCalls: number;
  /** First difference of each configuration that had one. */
  mismatches: Mismatch[];
  /**
   * Native WebAssembly did not repeat itself: at a difference, a second
   * native instance made the same calls and got other outcomes or state
   * (how deep a recursion gets before the stack runs out depends on how V8
   * compiled the frames). Such a module is no oracle: its differences are
   * dropped and its comparison stops.
   */
  nondeterministic?: boolean;
}

/** How a call ended: its result, or a trap (the Kiln codes it may be, or a description of another error). */
export type Outcome = { ok: true; value: unknown } | { ok: false; trap: string[]; text: string };

/** V8's trap messages (Node 20) and the Kiln codes each may correspond to. */
const V8_TRAPS: [RegExp, string[]][] = [
  [/^unreachable/, ['unreachable']],
  [/^memory access out of bounds/, ['out-of-bounds-memory']],
  [/^(divide|remainder) by zero/, ['integer-divide-by-zero']],
  [/^divide result unrepresentable/, ['integer-overflow']],
  // V8 has one message for a NaN (the spec's "invalid conversion to integer") and an out-of-range value ("integer overflow").
  [/^float unrepresentable in integer range/, ['invalid-conversion', 'integer-overflow']],
  // V8 does not tell an index past the table from a table access out of bounds...
  [/^table index is out of bounds/, ['undefined-element', 'out-of-bounds-table']],
  // ...nor a null entry from a signature mismatch.
  [/^null function or function signature mismatch/, ['uninitialized-element', 'indirect-call-type-mismatch']],
  [/^(data|element) segment.*out of bounds|^table (access )?out of bounds|^out of bounds/, ['out-of-bounds-memory', 'out-of-bounds-table']],
  [/^dereferencing a null pointer/, ['null-reference']],
];

function errorText(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return `thrown ${typeof e}: ${String(e)}`;
}

/** Classifies what a native call threw: the Kiln trap codes it may stand for, or its text for anything else. */
export function nativeTrap(e: unknown): Outcome {
  if (e instanceof WebAssembly.RuntimeError) {
    for (const [re, codes] of V8_TRAPS) if (re.test(e.message)) return { ok: false, trap: codes, text: e.message };
    return { ok: false, trap: [`native: ${e.message}`], text: e.message };
  }
  if (e instanceof RangeError && /call stack/i.test(e.message)) return { ok: false, trap: ['stack-exhausted'], text: e.message };
  const text = errorText(e);
  return { ok: false, trap: [`host ${text}`], text };
}

/** Classifies what a Kiln call threw: its trap code, or its text. */
export function kilnTrap(e: unknown): Outcome {
  const code = (e as { code?: unknown } | null)?.code;
  if (e instanceof Error && e.name === 'RuntimeError' && typeof code === 'string') return { ok: false, trap: [code], text: `${code}: ${e.message}` };
  const text = errorText(e);
  return { ok: false, trap: [`host ${text}`], text };
}

/** Whether two JS values from the two engines are the same wasm value (see the file comment for floats). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return (a !== a && b !== b) || Object.is(a, b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (typeof a === 'function' && typeof b === 'function') return true;
  return a === b;
}

/** Text of a JS value as the reports show it (`5n` for BigInt, `-0`, `[a, b]`). */
export function showValue(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (Array.isArray(v)) return `[${v.map(showValue).join(', ')}]`;
  if (typeof v === 'function') return 'function';
  if (v === undefined) return '(no result)';
  return String(v);
}

function showOutcome(o: Outcome): string {
  return o.ok ? showValue(o.value) : `trap ${o.trap.join('|')} (${o.text})`;
}

function sameOutcome(n: Outcome, k: Outcome): boolean {
  if (n.ok || k.ok) return n.ok && k.ok && sameValue(n.value, k.value);
  const kt = k.trap[0]!;
  if (n.trap.includes(kt)) return true;
  // Errors other than traps (a host function's, or the JS API's at the boundary): the same class; the
  // engines word their own messages differently, but an error the fuzz host throws must come back as is.
  const nt = n.trap[0]!;
  if (nt.startsWith('host ') && kt.startsWith('host ') && !nt.includes('fuzz host')) return nt.split(':')[0] === kt.split(':')[0];
  return false;
}

/** An instantiated module as the oracle drives it. */
interface Side {
  exports: Record<string, unknown>;
  log: string[];
  host: HostContext;
}

function newSide(): Side {
  const side: Side = { exports: {}, log: [], host: undefined! };
  side.host = { log: side.log, exports: () => side.exports, callbacks: 0 };
  return side;
}

function instantiateNative(mod: WebAssembly.Module, imports: ImportFactory | undefined): Side {
  const side = newSide();
  const obj = imports ? imports(side.host) : {};
  side.exports = new WebAssembly.Instance(mod, obj as WebAssembly.Imports).exports as Record<string, unknown>;
  return side;
}

/** Compiles `bytes` with Kiln in configuration `c` and evaluates the output; returns its `instantiate`. */
export function compileKiln(kiln: Kiln, bytes: Uint8Array, c: Config): (imports: object, options?: object) => { exports: Record<string, unknown> } {
  if (c.lazy) {
    const lazy = new LazyCompiler(bytes, { i64: c.i64, fuel: c.fuel, ...(c.flat ? { flatDepth: 0 } : c.flatDepth !== undefined ? { flatDepth: c.flatDepth } : {}), ...(c.split !== undefined ? { splitWeight: c.split } : {}), tune: c.tune ?? 'jit' });
    return (imports, options) => lazy.code.instantiate(imports, options) as { exports: Record<string, unknown> };
  }
  const inline = kiln.inlineRuntime === true;
  const { code } = kiln.compile(bytes, {
    format: 'cjs', runtime: inline ? 'inline' : 'import', i64: c.i64, fuel: c.fuel, ...(c.flat ? { flatDepth: 0 } : c.flatDepth !== undefined ? { flatDepth: c.flatDepth } : {}),
    ...(c.split !== undefined ? { splitWeight: c.split } : {}),
    ...(c.tune !== undefined ? { tune: c.tune } : {}),
  });
  const module = { exports: {} as Record<string, unknown> };
  const req = (spec: string) => {
    if (/runtime/.test(spec)) return kiln.runtime;
    throw new Error(`generated code requires ${spec}`);
  };
  new Function('module', 'exports', 'require', code)(module, module.exports, req);
  return module.exports.instantiate as (imports: object, options?: object) => { exports: Record<string, unknown> };
}

/** A budget that never runs out in a fuzz call, finite so the refill path runs too. */
const FUEL_BUDGET = 2 ** 53 - 1;

function call(side: Side, c: Call, trap: (e: unknown) => Outcome): Outcome {
  const f = side.exports[c.export];
  if (typeof f !== 'function') return { ok: false, trap: [`missing export ${c.export}`], text: `no function export ${c.export}` };
  try {
    return { ok: true, value: (f as (...a: unknown[]) => unknown)(...c.args) };
  } catch (e) {
    return trap(e);
  }
}

/** Names of exported memories and globals (of the native instance; Kiln's must have the same). */
function stateNames(exports: Record<string, unknown>): { memories: string[]; globals: string[] } {
  const memories: string[] = [];
  const globals: string[] = [];
  for (const [k, v] of Object.entries(exports)) {
    if (v instanceof WebAssembly.Memory) memories.push(k);
    else if (v instanceof WebAssembly.Global) globals.push(k);
  }
  return { memories, globals };
}

function memoryBytes(v: unknown): Uint8Array | null {
  const buf = (v as { buffer?: unknown } | null)?.buffer;
  return buf instanceof ArrayBuffer ? new Uint8Array(buf) : null;
}

/** Compares the exported state after a call; returns the first difference. */
type Difference = { kind: MismatchKind; expected: string; got: string; assertion?: string };

function compareState(n: Side, k: Side, names: { memories: string[]; globals: string[] }): Difference | null {
  for (const g of names.globals) {
    let kv: unknown;
    try {
      kv = (k.exports[g] as { value: unknown }).value;
    } catch (e) {
      kv = `(reading threw ${errorText(e)})`;
    }
    const nv = (n.exports[g] as WebAssembly.Global).value;
    if (!sameValue(nv, kv)) {
      return { kind: 'global', expected: `global ${g} = ${showValue(nv)}`, got: `global ${g} = ${showValue(kv)}`, assertion: `expect(exports[${JSON.stringify(g)}].value).toEqual(${showValue(nv)});` };
    }
  }
  for (const name of names.memories) {
    const a = memoryBytes(n.exports[name]);
    const b = memoryBytes(k.exports[name]);
    if (a === null || b === null) return { kind: 'memory', expected: `memory ${name}`, got: `memory ${name} unreadable` };
    if (a.length !== b.length) return { kind: 'memory', expected: `memory ${name}: ${a.length} bytes`, got: `${b.length} bytes` };
    if (Buffer.compare(a, b) !== 0) {
      let i = 0;
      while (a[i] === b[i]) i++;
      const hex = (u: Uint8Array) => Array.from(u.subarray(i, i + 8), (x) => x.toString(16).padStart(2, '0')).join(' ');
      const bytes = Array.from(a.subarray(i, i + 8)).join(', ');
      return {
        kind: 'memory', expected: `memory ${name}[${i}..] = ${hex(a)}`, got: `memory ${name}[${i}..] = ${hex(b)}`,
        assertion: `expect([...new Uint8Array(exports[${JSON.stringify(name)}].buffer, ${i}, ${Math.min(8, a.length - i)})]).toEqual([${bytes}]);`,
      };
    }
  }
  if (n.log.length !== k.log.length || n.log.some((x, i) => x !== k.log[i])) {
    return { kind: 'log', expected: `log ${n.log.join(' ')}`, got: `log ${k.log.join(' ')}` };
  }
  return null;
}

/**
 * Runs `subject` natively and in each configuration (see the file comment).
 * Throws when the native engine rejects the module (the generator's fault,
 * not Kiln's).
 */
export function runDifferential(kiln: Kiln, subject: Subject, configs: readonly Config[]): RunResult {
  const result: RunResult = { compared: 0, nativeCalls: 0, mismatches: [] };
  const mod = new WebAssembly.Module(subject.bytes as Uint8Array<ArrayBuffer>);
  let native: Side | null = null;
  let nativeInst: Outcome = { ok: true, value: undefined };
  try {
    native = instantiateNative(mod, subject.imports);
  } catch (e) {
    nativeInst = nativeTrap(e);
  }
  const live: { c: Config; side: Side }[] = [];
  for (const c of configs) {
    let inst;
    try {
      inst = compileKiln(kiln, subject.bytes, c);
    } catch (e) {
      const text = errorText(e);
      result.mismatches.push({ kind: 'compile', config: c.name, callIndex: -1, expected: 'compiles', got: text, signature: `compile ${text.replace(/\(at byte offset.*$/, '').replace(/\d+/g, 'N')}` });
      continue;
    }
    const side = newSide();
    let got: Outcome = { ok: true, value: undefined };
    try {
      const imports = subject.imports ? subject.imports(side.host) : {};
      const options = c.fuel || c.pick ? { ...(c.fuel ? { fuel: FUEL_BUDGET } : {}), ...(c.pick ? { i64: c.pick } : {}) } : undefined;
      side.exports = inst(imports, options).exports;
    } catch (e) {
      got = kilnTrap(e);
    }
    if (nativeInst.ok !== got.ok || (!nativeInst.ok && !got.ok && !sameInstantiationFailure(nativeInst, got))) {
      result.mismatches.push({
        kind: 'instantiate', config: c.name, callIndex: -1, expected: nativeInst.ok ? 'instantiates' : showOutcome(nativeInst), got: got.ok ? 'instantiates' : showOutcome(got),
        signature: `instantiate ${trapClass(nativeInst)} / ${trapClass(got)}`,
      });
      continue;
    }
    if (native !== null) live.push({ c, side });
  }
  if (native === null) return result;
  const names = stateNames(native.exports);
  const outcomes: Outcome[] = [];
  for (let i = 0; i < subject.calls.length && live.length > 0; i++) {
    const c = subject.calls[i]!;
    native.log.length = 0;
    native.host.callbacks = 0;
    const expected = call(native, c, nativeTrap);
    outcomes.push(expected);
    result.nativeCalls++;
    for (let j = 0; j < live.length; j++) {
      const { c: config, side } = live[j]!;
      side.log.length = 0;
      side.host.callbacks = 0;
      const got = call(side, c, kilnTrap);
      result.compared++;
      let mm: Difference | null;
      if (!sameOutcome(expected, got)) {
        mm = { kind: expected.ok && got.ok ? 'result' : 'trap', expected: showOutcome(expected), got: showOutcome(got), assertion: callAssertion(c, expected) };
      } else {
        mm = compareState(native, side, names);
      }
      if (mm && result.nondeterministic === undefined) result.nondeterministic = !nativeRepeats(mod, subject, outcomes, native, names);
      if (mm && result.nondeterministic) {
        live.length = 0;
        break;
      }
      if (mm) {
        const signature = mm.kind === 'trap' ? `trap ${trapClass(expected)} / ${trapClass(got)}` : mm.kind;
        result.mismatches.push({ ...mm, config: config.name, callIndex: i, call: c, signature });
        live.splice(j--, 1);
      }
    }
  }
  return result;
}

/**
 * Whether a fresh native instance making the calls that made `outcomes`
 * gets the same outcomes and ends in the same state as `native` (see
 * RunResult `nondeterministic`).
 */
function nativeRepeats(mod: WebAssembly.Module, subject: Subject, outcomes: readonly Outcome[], native: Side, names: ReturnType<typeof stateNames>): boolean {
  let again: Side;
  try {
    again = instantiateNative(mod, subject.imports);
  } catch {
    return false;
  }
  for (let i = 0; i < outcomes.length; i++) {
    again.log.length = 0;
    again.host.callbacks = 0;
    if (!sameOutcome(outcomes[i]!, call(again, subject.calls[i]!, nativeTrap))) return false;
  }
  return compareState(native, again, names) === null;
}

/** `ok`, or the trap codes of an outcome (other errors by their class name). */
function trapClass(o: Outcome): string {
  return o.ok ? 'ok' : o.trap.map((t) => (t.startsWith('host ') ? t.split(':')[0]! : t)).join('|');
}

/** Text of a call on `exports`, e.g. `exports["f5"](1, 2n)`. */
export function callText(c: Call): string {
  return `exports[${JSON.stringify(c.export)}](${c.args.map(showValue).join(', ')})`;
}

/** A vitest assertion that the call `c` ends as `o` (its value, or Kiln's message for the trap). */
export function callAssertion(c: Call, o: Outcome): string | undefined {
  if (o.ok) return `expect(${callText(c)}).toEqual(${o.value === undefined ? 'undefined' : showValue(o.value)});`;
  const messages = o.trap.map((t) => (TRAP_MESSAGES as Record<string, string>)[t]).filter((x) => x !== undefined);
  if (messages.length === 0) return undefined;
  return `expect(() => ${callText(c)}).toThrow(/${messages.join('|')}/);`;
}


function sameInstantiationFailure(n: Outcome & { ok: false }, k: Outcome & { ok: false }): boolean {
  // A trap while applying segments: V8's words differ from Kiln's codes; both must be a RuntimeError-like trap.
  if (n.trap.some((t) => t.startsWith('host')) || k.trap[0]!.startsWith('host')) return n.trap[0]!.split(':')[0] === k.trap[0]!.split(':')[0];
  return n.trap.includes(k.trap[0]!) || n.trap[0]!.startsWith('native:');
}
