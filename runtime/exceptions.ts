/**
 * Exception handling (the legacy exception-handling proposal: `try`,
 * `catch`, `catch_all`, `throw`, `rethrow`, `delegate`), shaped like the JS
 * API's `WebAssembly.Tag` and `WebAssembly.Exception`.
 *
 * A wasm `throw` becomes a JS `throw` of an `Exception` holding its tag and
 * its payload in the internal ABI (ABI.md "Calling convention": an i64 as
 * two int32 halves), so functions of either i64 form read it alike. A
 * handler catches a JS exception with a `try`/`catch` and asks `caught`
 * whether wasm may see it: traps (RuntimeError, and the engine errors that
 * `convertError` turns into traps: out-of-bounds DataView accesses, stack
 * overflow) are never caught by wasm, as the spec says; any other JS value
 * (an `Exception`, or what a host function threw) is, by `catch_all`.
 */
import { LinkError, RuntimeError } from './errors.js';
import { argsFromJS, argsToJS, convertError, kindOf } from './func.js';

const TAG = Symbol.for('wasm-kiln.Tag');
const EXN = Symbol.for('wasm-kiln.Exception');

/** A tag (JS API `WebAssembly.Tag`): the identity of a kind of exception and its payload's valtypes. */
export class Tag {
  /** Valtype names of the payload (`'i32'`, `'i64'`, ...). */
  readonly parameters: readonly string[];
  /** The same, as value kinds (func.ts `kindOf`). */
  readonly kinds: readonly number[];
  /** `type.parameters`: valtype names. @throws TypeError for an unknown valtype. */
  constructor(type: { parameters: readonly string[] }) {
    this.parameters = [...type.parameters];
    this.kinds = this.parameters.map(kindOf);
  }
  /** The tag's type, as the JS API's type reflection gives it. */
  type(): { parameters: string[] } {
    return { parameters: [...this.parameters] };
  }
  static [Symbol.hasInstance](x: unknown): boolean {
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[TAG] === true;
  }
}
Object.defineProperty(Tag.prototype, TAG, { value: true });

/**
 * An exception (JS API `WebAssembly.Exception`): what a wasm `throw` throws,
 * or JS makes to throw into wasm. Carries no stack trace (a wasm throw must
 * stay cheap: LLVM lowers every `longjmp` to one).
 */
export class Exception {
  readonly tag!: Tag;
  /** The payload in the internal ABI (an i64 as two int32 entries). */
  readonly args!: unknown[];
  /**
   * `payload`: one JS value per tag parameter, converted as arguments to a
   * wasm function are. @throws TypeError when `tag` is not a Kiln `Tag` or
   * the payload's length differs from the tag's parameters.
   */
  constructor(tag: Tag, payload: ArrayLike<unknown>) {
    if (!(tag instanceof Tag)) throw new TypeError('WebAssembly.Exception: the first argument must be a Tag');
    if (payload.length !== tag.kinds.length) throw new TypeError(`WebAssembly.Exception: the tag takes ${tag.kinds.length} values, the payload has ${payload.length}`);
    (this as { tag: Tag }).tag = tag;
    (this as { args: unknown[] }).args = argsFromJS(tag.kinds, payload);
  }
  /** Whether the exception was thrown with `tag`. */
  is(tag: Tag): boolean {
    return this.tag === tag;
  }
  /** Payload value `index`, as a JS value. @throws TypeError for another tag, RangeError for an index out of range. */
  getArg(tag: Tag, index: number): unknown {
    if (this.tag !== tag) throw new TypeError('WebAssembly.Exception.getArg: not the exception\'s tag');
    const values = argsToJS(tag.kinds, this.args);
    if (!(index >= 0 && index < values.length)) throw new RangeError(`WebAssembly.Exception.getArg: index ${index} out of range`);
    return values[index];
  }
  toString(): string {
    return 'Exception: uncaught wasm exception';
  }
  static [Symbol.hasInstance](x: unknown): boolean {
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[EXN] === true;
  }
}
Object.defineProperty(Exception.prototype, EXN, { value: true });
Object.defineProperty(Exception.prototype, 'name', { value: 'Exception', configurable: true });

/** Throws a new exception of `tag` with `args` (internal ABI) (wasm `throw`). */
export function throwTag(tag: Tag, args: unknown[]): never {
  const e = Object.create(Exception.prototype) as { tag: Tag; args: unknown[] };
  e.tag = tag;
  e.args = args;
  throw e;
}

/**
 * Returns `e` when a wasm handler may catch it; throws it on when it is a trap (see the file comment).
 * A wasm exception (`throwTag`) is tested first: it is never a trap, and programs that `longjmp` through
 * exceptions catch one per jump (Lua's coroutines.lua: 207,035; the test first makes the script 4% faster).
 */
export function caught(e: unknown): unknown {
  if (typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[EXN] === true) return e;
  if (e instanceof RuntimeError || convertError(e) !== e) throw e;
  return e;
}

/** The payload (internal ABI) of `e` when it is an exception of `tag`, else null (wasm `catch`). */
export function exnArgs(e: unknown, tag: Tag): unknown[] | null {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[EXN] === true && (e as Exception).tag === tag ? (e as Exception).args : null;
}

/**
 * An imported tag, checked against the import's parameters (spec 4.5.2
 * "Tags": the same type). @throws LinkError when `value` is not a Kiln
 * `Tag` or its parameters differ.
 */
export function importTag(value: unknown, params: string, name: string): Tag {
  if (!(value instanceof Tag)) throw new LinkError(`incompatible import type: ${name}: not a wasm-kiln Tag`);
  if (value.parameters.join(' ') !== params) {
    throw new LinkError(`incompatible import type: ${name}: tag of (${value.parameters.join(' ')}), expected (${params})`);
  }
  return value;
}

/** A tag defined by a module (one per instance), of payload valtypes `params` (space-separated names). */
export function newTag(params: string): Tag {
  return new Tag({ parameters: params === '' ? [] : params.split(' ') });
}
