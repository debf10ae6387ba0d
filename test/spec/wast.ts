/**
 * Runs one `.wast` script against an Engine: modules (text via wabt, binary,
 * quote, definition/instance), register, actions and every assertion.
 */

import { type Engine, type Imports, type Instance, NotAvailableError } from './engine.js';
import { type SExpr, type SList, atomText, head, parseSExprs, stringText, withoutAnnotations } from './sexpr.js';
import { type Value, fromJS, formatValue, matches, parseConst, parsePattern, patternType, toJS } from './values.js';

/** The subset of wabt's API used here (`(await import('wabt')).default()`). */
export interface Wabt {
  parseWat(filename: string, text: string | Uint8Array, features?: Record<string, boolean>): {
    toBinary(options: object): { buffer: Uint8Array };
    destroy(): void;
  };
}

/**
 * validation: a module was wrongly rejected or accepted; execution: an action, link or instantiation went wrong;
 * wabt: wabt could not turn a text module into a binary; runner: a bug or unsupported syntax in the runner.
 */
export type FailureKind = 'validation' | 'execution' | 'wabt' | 'runner';

export interface Failure {
  file: string;
  line: number;
  /** The command's head, e.g. `assert_return`. */
  command: string;
  kind: FailureKind;
  reason: string;
}

export interface FileResult {
  file: string;
  passed: number;
  failed: number;
  skipped: number;
  /** Among passed checks that carry an expected message: how many error messages contain it. */
  messages: { matched: number; total: number };
  failures: Failure[];
  /** Passed checks whose error message does not contain the expected text. */
  mismatches: { line: number; command: string; expected: string; actual: string }[];
  /** Skip reasons with their counts. */
  skips: Record<string, number>;
}

export interface ScriptOptions {
  /** Name used in reports and wabt messages. */
  file: string;
  engine: Engine;
  wabt: Wabt;
  /** wabt parser features for text modules. */
  features: Record<string, boolean>;
}

type Outcome =
  | { status: 'pass'; match?: boolean; expected?: string; actual?: string }
  | { status: 'fail'; kind: FailureKind; reason: string }
  | { status: 'skip'; reason: string };

/** An engine's compile() threw on a validated module. */
class CompileFailed {
  constructor(readonly outcome: Outcome) {}
}

/** What a module name refers to. */
type ModState = { status: 'ok'; instance: Instance } | { status: 'unavailable' | 'failed'; reason: string };
/** What a `module definition` name refers to. */
type DefState = { status: 'ok'; compiled: unknown } | { status: 'unavailable' | 'failed'; reason: string };

const pass = (): Outcome => ({ status: 'pass' });
/** A pass of an assertion with an expected message; records whether the error's message contains it. */
const passWith = (e: unknown, expected: string | undefined): Outcome =>
  expected === undefined ? pass() : { status: 'pass', match: errMessage(e).includes(expected), expected, actual: `${errName(e)}: ${errMessage(e)}` };
const fail = (kind: FailureKind, reason: string): Outcome => ({ status: 'fail', kind, reason });
const skip = (reason: string): Outcome => ({ status: 'skip', reason });

const NO_EXEC = 'execution not available';

function errName(e: unknown): string {
  return (e as Error | null)?.name ?? typeof e;
}
function errMessage(e: unknown): string {
  return e instanceof Error || (typeof e === 'object' && e !== null && 'message' in e) ? String((e as Error).message) : String(e);
}
/** The engine's `WebAssembly` namespace, or undefined where it has none (the runner also runs in such engines: test/engines). */
function wasmNamespace(): Record<string, unknown> | undefined {
  return typeof WebAssembly === 'object' && WebAssembly !== null ? (WebAssembly as unknown as Record<string, unknown>) : undefined;
}
function isA(e: unknown, name: 'CompileError' | 'LinkError' | 'RuntimeError'): boolean {
  const ctor = wasmNamespace()?.[name] as (new () => unknown) | undefined;
  return (ctor !== undefined && e instanceof ctor) || errName(e) === name;
}
function isException(e: unknown): boolean {
  const ctor = wasmNamespace()?.Exception as (new () => unknown) | undefined;
  return (ctor !== undefined && e instanceof ctor) || errName(e) === 'Exception';
}

const MODULE_FIELDS = new Set(['type', 'rec', 'import', 'func', 'table', 'memory', 'global', 'tag', 'export', 'start', 'elem', 'data']);

/** Parsed `(module …)` form. */
interface ModuleForm {
  name?: string;
  definition: boolean;
  /** For `(module instance $I $M)`: the definition's name ('' for the last definition). */
  instanceOf?: string;
  source: 'text' | 'binary' | 'quote';
  fields: SExpr[];
  line: number;
}

function parseModuleForm(m: SList): ModuleForm {
  const items = m.items;
  let i = 1;
  const form: ModuleForm = { definition: false, source: 'text', fields: [], line: m.line };
  if (atomText(items[i]) === 'definition') {
    form.definition = true;
    i++;
  }
  else if (atomText(items[i]) === 'instance') {
    const ids = items.slice(2).map(atomText).filter((t) => t?.startsWith('$')) as string[];
    form.name = ids[0];
    form.instanceOf = ids[1] ?? '';
    return form;
  }
  if (atomText(items[i])?.startsWith('$')) form.name = atomText(items[i++]);
  const kw = atomText(items[i]);
  if (kw === 'binary' || kw === 'quote') {
    form.source = kw;
    i++;
  }
  form.fields = items.slice(i);
  return form;
}

/** The bytes of the string literals among `fields`, concatenated, with `sep` between them if given. */
function concatStrings(fields: SExpr[], sep?: number): Uint8Array {
  const out: number[] = [];
  for (const f of fields) {
    if (f.kind !== 'string') continue;
    if (sep !== undefined && out.length) out.push(sep);
    for (const b of f.bytes) out.push(b);
  }
  return Uint8Array.from(out);
}

class ScriptRun {
  private current: ModState | undefined;
  private named = new Map<string, ModState>();
  private defs = new Map<string, DefState>();
  private lastDef: DefState | undefined;
  private registry: Imports = {};
  private readonly spectest: Record<string, unknown>;
  readonly result: FileResult;

  constructor(private readonly src: string, private readonly opts: ScriptOptions) {
    this.spectest = opts.engine.spectest();
    this.result = { file: opts.file, passed: 0, failed: 0, skipped: 0, messages: { matched: 0, total: 0 }, failures: [], mismatches: [], skips: {} };
  }

  async run(): Promise<FileResult> {
    let commands: SExpr[];
    try {
      commands = parseSExprs(this.src);
      if (this.src.includes('(@')) commands = commands.filter((c) => !head(c)?.startsWith('@')).map(withoutAnnotations);
    } catch (e) {
      this.record(1, 'script', fail('runner', `cannot parse script: ${errMessage(e)}`));
      return this.result;
    }
    if (commands.length > 0 && commands.every((c) => MODULE_FIELDS.has(head(c) ?? ''))) {
      // an inline module: the whole script is one module's fields
      const first = commands[0];
      const keyword: SExpr = { kind: 'atom', text: 'module', start: first.start, end: first.start, line: first.line };
      commands = [{ kind: 'list', items: [keyword, ...commands], start: first.start, end: this.src.length, line: first.line }];
    }
    for (const cmd of commands) {
      const name = head(cmd) ?? '?';
      let out: Outcome | null;
      try {
        out = cmd.kind === 'list' ? await this.command(cmd) : fail('runner', 'stray token at top level');
      } catch (e) {
        out = fail('runner', `runner error: ${errMessage(e)}`);
      }
      if (out) this.record(cmd.line, name, out);
    }
    return this.result;
  }

  private record(line: number, command: string, out: Outcome): void {
    const r = this.result;
    if (out.status === 'pass') {
      r.passed++;
      if (out.match !== undefined) {
        r.messages.total++;
        if (out.match) r.messages.matched++;
        else r.mismatches.push({ line, command, expected: out.expected ?? '', actual: out.actual ?? '' });
      }
    } else if (out.status === 'skip') {
      r.skipped++;
      r.skips[out.reason] = (r.skips[out.reason] ?? 0) + 1;
    } else {
      r.failed++;
      r.failures.push({ file: this.opts.file, line, command, kind: out.kind, reason: out.reason });
    }
  }

  private text(e: SExpr): string {
    return this.src.slice(e.start, e.end);
  }

  private async command(cmd: SList): Promise<Outcome | null> {
    const items = cmd.items;
    switch (head(cmd)) {
      case 'module':
        return this.moduleCommand(cmd);
      case 'register': {
        const as = items[1]?.kind === 'string' ? stringText(items[1]) : undefined;
        const state = this.lookup(atomText(items[2]));
        if (as === undefined) return fail('runner', 'register without a name');
        if (state?.status === 'ok') this.registry[as] = state.instance.exports;
        else delete this.registry[as];
        return null;
      }
      case 'invoke':
      case 'get':
        return this.action(cmd, async (run) => {
          try {
            await run();
            return pass();
          } catch (e) {
            return fail('execution', `${errName(e)}: ${errMessage(e)}`);
          }
        });
      case 'assert_return':
        return this.assertReturn(cmd);
      case 'assert_trap':
        if (head(items[1]) === 'module') return this.assertInstantiation(cmd, 'trap');
        return this.assertThrows(cmd, 'trap', (e) => isA(e, 'RuntimeError'));
      case 'assert_exhaustion':
        return this.assertThrows(cmd, 'stack exhaustion', (e) => this.opts.engine.isExhaustion(e));
      case 'assert_exception':
        return this.assertThrows(cmd, 'exception', isException);
      case 'assert_invalid':
      case 'assert_malformed':
        return this.assertRejected(cmd);
      case 'assert_unlinkable':
        return this.assertInstantiation(cmd, 'link');
      case 'assert_uninstantiable':
        return this.assertInstantiation(cmd, 'trap');
      default:
        return skip(`unsupported command ${head(cmd) ?? this.text(cmd).slice(0, 30)}`);
    }
  }

  // -- modules ---------------------------------------------------------------

  private lookup(name: string | undefined): ModState | undefined {
    return name === undefined ? this.current : this.named.get(name);
  }

  private bind(form: ModuleForm, state: ModState): void {
    this.current = state;
    if (form.name) this.named.set(form.name, state);
  }

  /** The module's binary: as given, or from wabt; `skip`/`error` when there is none. */
  private bytes(form: ModuleForm): { bytes: Uint8Array } | { skip: string } | { error: string } {
    if (form.source === 'binary') return { bytes: concatStrings(form.fields) };
    let text: Uint8Array;
    if (form.source === 'quote') {
      text = concatStrings(form.fields, 0x20);
    } else {
      const first = form.fields[0];
      const body = first ? this.src.slice(first.start, form.fields[form.fields.length - 1].end) : '';
      text = new TextEncoder().encode('\n'.repeat((first?.line ?? form.line) - 1) + '(module ' + body + ')');
    }
    try {
      const mod = this.opts.wabt.parseWat(this.opts.file, text, this.opts.features);
      try {
        return { bytes: mod.toBinary({}).buffer };
      } finally {
        mod.destroy();
      }
    } catch (e) {
      const lines = errMessage(e).replace(/^parseWat failed:\n/, '').trim().split('\n');
      const errors = lines.filter((l) => / error: /.test(l)).length;
      const message = lines.slice(0, 3).join('\n') + (errors > 1 ? `\n(+${errors - 1} more errors)` : '');
      return form.source === 'quote' ? { skip: 'module quote that wabt cannot parse' } : { error: `wabt cannot parse this text module: ${message}` };
    }
  }

  /** Validates: 'valid', 'unavailable' (engine can't validate yet) or the failure for a rejected module. */
  private validate(bytes: Uint8Array): 'valid' | 'unavailable' | Outcome {
    try {
      this.opts.engine.validate(bytes);
      return 'valid';
    } catch (e) {
      if (e instanceof NotAvailableError) return 'unavailable';
      return fail('validation', `valid module rejected: ${errName(e)}: ${errMessage(e)}`);
    }
  }

  /** Compiles a validated module: the engine's compiled module, null if it can't execute, or the failure. */
  private async compile(bytes: Uint8Array): Promise<unknown> {
    if (!this.opts.engine.executes) return null;
    try {
      return await this.opts.engine.compile(bytes);
    } catch (e) {
      return new CompileFailed(fail('execution', `compile failed: ${errName(e)}: ${errMessage(e)}`));
    }
  }

  private imports(): Imports {
    return { spectest: this.spectest, ...this.registry };
  }

  /** Records what a module command produced that cannot be instantiated: under its definition name or as a module. */
  private settle(form: ModuleForm, state: { status: 'unavailable' | 'failed'; reason: string }): void {
    if (!form.definition) return this.bind(form, state);
    this.lastDef = state;
    if (form.name) this.defs.set(form.name, state);
  }

  private async moduleCommand(cmd: SList): Promise<Outcome> {
    const form = parseModuleForm(cmd);
    if (form.instanceOf !== undefined) {
      const def = form.instanceOf ? this.defs.get(form.instanceOf) : this.lastDef;
      if (def?.status === 'ok') return this.instantiate(form, def.compiled);
      const state: ModState = def ?? { status: 'failed', reason: `no module definition ${form.instanceOf}` };
      this.bind(form, state);
      return state.status === 'unavailable' ? skip(state.reason) : fail('execution', `module definition unusable: ${state.reason}`);
    }
    const b = this.bytes(form);
    if ('skip' in b) {
      this.settle(form, { status: 'unavailable', reason: b.skip });
      return skip(b.skip);
    }
    if ('error' in b) {
      this.settle(form, { status: 'failed', reason: 'its text could not be converted' });
      return fail('wabt', b.error);
    }
    const validity = this.validate(b.bytes);
    if (typeof validity === 'object') {
      this.settle(form, this.opts.engine.executes ? { status: 'failed', reason: 'it was rejected' } : { status: 'unavailable', reason: NO_EXEC });
      return validity;
    }
    const compiled = await this.compile(b.bytes);
    if (compiled instanceof CompileFailed) {
      this.settle(form, { status: 'failed', reason: 'it failed to compile' });
      return compiled.outcome;
    }
    if (compiled === null) {
      this.settle(form, { status: 'unavailable', reason: NO_EXEC });
      return validity === 'valid' ? pass() : skip('validation not available');
    }
    if (form.definition) {
      this.lastDef = { status: 'ok', compiled };
      if (form.name) this.defs.set(form.name, this.lastDef);
      return pass();
    }
    return this.instantiate(form, compiled);
  }

  private async instantiate(form: ModuleForm, compiled: unknown): Promise<Outcome> {
    try {
      const instance = await this.opts.engine.instantiate(compiled, this.imports());
      this.bind(form, { status: 'ok', instance });
      return pass();
    } catch (e) {
      this.bind(form, { status: 'failed', reason: 'it failed to instantiate' });
      return fail('execution', `instantiation failed: ${errName(e)}: ${errMessage(e)}`);
    }
  }

  /** assert_invalid / assert_malformed: validate must throw a CompileError. */
  private assertRejected(cmd: SList): Outcome {
    const [, mod, msg] = cmd.items;
    if (head(mod) !== 'module') return fail('runner', 'expected a module');
    const form = parseModuleForm(mod as SList);
    if (form.source === 'quote') return skip('text-format test (module quote)');
    const b = this.bytes(form);
    if ('skip' in b) return skip(b.skip);
    if ('error' in b) return fail('wabt', b.error);
    const expected = msg?.kind === 'string' ? stringText(msg) : '';
    try {
      this.opts.engine.validate(b.bytes);
    } catch (e) {
      if (e instanceof NotAvailableError) return skip('validation not available');
      if (isA(e, 'CompileError')) return passWith(e, expected);
      return fail('validation', `expected CompileError "${expected}", got ${errName(e)}: ${errMessage(e)}`);
    }
    return fail('validation', `module accepted, expected CompileError "${expected}"`);
  }

  /** assert_unlinkable (LinkError) and assert_uninstantiable / assert_trap on a module (trap). */
  private async assertInstantiation(cmd: SList, want: 'link' | 'trap'): Promise<Outcome> {
    const [, mod, msg] = cmd.items;
    if (head(mod) !== 'module') return fail('runner', 'expected a module');
    const form = parseModuleForm(mod as SList);
    const b = this.bytes(form);
    if ('skip' in b) return skip(b.skip);
    if ('error' in b) return fail('wabt', b.error);
    const validity = this.validate(b.bytes);
    if (typeof validity === 'object') return validity;
    const compiled = await this.compile(b.bytes);
    if (compiled instanceof CompileFailed) return compiled.outcome;
    if (compiled === null) return skip(NO_EXEC);
    const expected = msg?.kind === 'string' ? stringText(msg) : '';
    const what = want === 'link' ? 'LinkError' : 'trap';
    try {
      await this.opts.engine.instantiate(compiled, this.imports());
    } catch (e) {
      if (want === 'link' ? isA(e, 'LinkError') : isA(e, 'RuntimeError')) return passWith(e, expected);
      return fail('execution', `expected ${what} "${expected}", got ${errName(e)}: ${errMessage(e)}`);
    }
    return fail('execution', `module instantiated, expected ${what} "${expected}"`);
  }

  // -- actions ---------------------------------------------------------------

  /**
   * Resolves an `(invoke …)` / `(get …)` action and passes a function running
   * it to `then`; results are typed Values (engine.invoke) or raw JS values.
   */
  private async action(
    a: SExpr | undefined,
    then: (run: () => Promise<{ typed: boolean; results: unknown[] }>) => Promise<Outcome>,
  ): Promise<Outcome> {
    const kind = head(a);
    if (a?.kind !== 'list' || (kind !== 'invoke' && kind !== 'get')) return fail('runner', 'expected an action');
    let i = 1;
    const modName = atomText(a.items[i])?.startsWith('$') ? atomText(a.items[i++]) : undefined;
    const field = a.items[i++];
    if (field?.kind !== 'string') return fail('runner', 'action without an export name');
    const name = stringText(field);
    const state = this.lookup(modName);
    if (!state) return fail('execution', modName ? `unknown module ${modName}` : 'no current module');
    if (state.status !== 'ok') {
      if (state.status === 'unavailable') return skip(state.reason);
      return fail('execution', `module ${modName ? modName + ' ' : ''}unusable: ${state.reason}`);
    }
    const instance = state.instance;
    const exports = instance.exports;
    if (!(name in exports)) return fail('execution', `no export "${name}"`);
    if (kind === 'get') {
      return then(async () => {
        const g = exports[name];
        return { typed: false, results: [typeof g === 'object' && g !== null && 'value' in g ? (g as { value: unknown }).value : g] };
      });
    }
    const args = a.items.slice(i).map(parseConst);
    const engine = this.opts.engine;
    return then(async () => {
      const typed = engine.invoke?.(instance, name, args);
      if (typed) return { typed: true, results: typed };
      const fn = exports[name];
      if (typeof fn !== 'function') throw new TypeError(`export "${name}" is not a function`);
      // A generic (non-double) array: V8 quiets signalling NaNs stored in double arrays.
      const jsArgs: unknown[] = [null];
      jsArgs.length = 0;
      for (const v of args) jsArgs.push(toJS(v));
      // Awaited only when a promise: Hermes 0.12's Promise.resolve(-0) resolves to +0.
      let raw = fn(...jsArgs);
      if (typeof raw === 'object' && raw !== null && typeof (raw as { then?: unknown }).then === 'function') raw = await raw;
      if (raw === undefined || Array.isArray(raw)) return { typed: false, results: raw === undefined ? [] : raw };
      // Not `[raw]`: an array literal may get double elements (by its allocation site's history), which quiet signalling NaNs.
      const results: unknown[] = [null];
      results[0] = raw;
      return { typed: false, results };
    });
  }

  private assertReturn(cmd: SList): Promise<Outcome> {
    const patterns = cmd.items.slice(2).map(parsePattern);
    const texts = cmd.items.slice(2).map((e) => this.text(e).replace(/\s+/g, ' '));
    return this.action(cmd.items[1], async (run) => {
      let res: { typed: boolean; results: unknown[] };
      try {
        res = await run();
      } catch (e) {
        return fail('execution', `${errName(e)}: ${errMessage(e)}`);
      }
      if (res.results.length !== patterns.length) {
        return fail('execution', `expected ${patterns.length} result(s), got ${res.results.length}`);
      }
      for (let k = 0; k < patterns.length; k++) {
        const raw = res.results[k];
        const v = res.typed ? (raw as Value) : fromJS(patternType(patterns[k]), raw);
        if (!v || !matches(patterns[k], v)) {
          const got = v ? formatValue(v) : `JS ${typeof raw} ${String(raw)}`;
          return fail('execution', `result ${k}: expected ${texts[k]}, got ${got}`);
        }
      }
      return pass();
    });
  }

  /** assert_trap / assert_exhaustion / assert_exception on an action. */
  private assertThrows(cmd: SList, what: string, ok: (e: unknown) => boolean): Promise<Outcome> {
    const msg = cmd.items[2];
    const expected = msg?.kind === 'string' ? stringText(msg) : undefined;
    return this.action(cmd.items[1], async (run) => {
      let res: { typed: boolean; results: unknown[] };
      try {
        res = await run();
      } catch (e) {
        if (ok(e)) return passWith(e, expected);
        return fail('execution', `expected ${what}${expected ? ` "${expected}"` : ''}, got ${errName(e)}: ${errMessage(e)}`);
      }
      const shown = res.results.map((r) => (res.typed ? formatValue(r as Value) : String(r))).join(', ');
      return fail('execution', `expected ${what}${expected ? ` "${expected}"` : ''}, returned [${shown}]`);
    });
  }
}

/** Runs one script's source text; never throws (runner problems are counted as failures). */
export function runScript(src: string, opts: ScriptOptions): Promise<FileResult> {
  return new ScriptRun(src, opts).run();
}
