/**
 * Kiln's error classes, shaped like the WebAssembly JS API's
 * (`WebAssembly.CompileError`, `LinkError`, `RuntimeError`). When the engine
 * has `WebAssembly`, they extend its classes so `instanceof
 * WebAssembly.RuntimeError` holds; Kiln never requires `WebAssembly`.
 */

type ErrorCtor = new (message?: string) => Error;

const WA: Record<string, unknown> | undefined =
  typeof WebAssembly === 'object' && WebAssembly !== null ? (WebAssembly as unknown as Record<string, unknown>) : undefined;

function base(name: string): ErrorCtor {
  const ctor = WA?.[name];
  return typeof ctor === 'function' ? (ctor as ErrorCtor) : Error;
}

/**
 * Every copy of the runtime (the package's, and each one a compiled module
 * embeds with `--runtime inline`) has its own error classes. A registry
 * symbol brands their instances so `instanceof` holds across copies.
 */
function branded(name: string): { brand: symbol; hasInstance: (x: unknown) => boolean } {
  const brand = Symbol.for(`wasm-kiln.${name}`);
  return { brand, hasInstance: (x) => typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[brand] === true };
}
const COMPILE = branded('CompileError');
const LINK = branded('LinkError');
const RUNTIME = branded('RuntimeError');

/**
 * Thrown when a module is malformed or invalid (spec 5 "Binary Format", 3 "Validation").
 * `offset` is the byte offset in the input where the problem was found;
 * `funcIndex` is the `funcidx` when the error is inside a function body.
 */
export class CompileError extends base('CompileError') {
  readonly offset: number | undefined;
  readonly funcIndex: number | undefined;
  /** `offset` (bytes into the module) is given by the compiler; glue calling it as the JS API's `new CompileError(message)` gives none. */
  constructor(message: string, offset?: number, funcIndex?: number) {
    super(offset === undefined ? message : `${message} (at byte offset 0x${offset.toString(16)}${funcIndex === undefined ? '' : `, func ${funcIndex}`})`);
    this.name = 'CompileError';
    this.offset = offset;
    this.funcIndex = funcIndex;
    /** The message without the location suffix, in the spec's words. */
    this.reason = message;
  }
  readonly reason: string;
  static override [Symbol.hasInstance](x: unknown): boolean {
    return COMPILE.hasInstance(x);
  }
}
Object.defineProperty(CompileError.prototype, COMPILE.brand, { value: true });

/** Thrown by `instantiate` when imports do not match (spec 4.5.4 "Instantiation", JS API `LinkError`). */
export class LinkError extends base('LinkError') {
  constructor(message: string) {
    super(message);
    this.name = 'LinkError';
  }
  static override [Symbol.hasInstance](x: unknown): boolean {
    return LINK.hasInstance(x);
  }
}
Object.defineProperty(LinkError.prototype, LINK.brand, { value: true });

/**
 * Trap codes: the `.code` of a `RuntimeError`, one per kind of trap, with the
 * spec test suite's wording as message.
 */
export const TRAP_MESSAGES = {
  'unreachable': 'unreachable',
  'out-of-bounds-memory': 'out of bounds memory access',
  'integer-divide-by-zero': 'integer divide by zero',
  'integer-overflow': 'integer overflow',
  'invalid-conversion': 'invalid conversion to integer',
  'indirect-call-type-mismatch': 'indirect call type mismatch',
  'uninitialized-element': 'uninitialized element',
  'undefined-element': 'undefined element',
  'out-of-bounds-table': 'out of bounds table access',
  'null-reference': 'null reference',
  'stack-exhausted': 'call stack exhausted',
  'out-of-fuel': 'out of fuel',
} as const;

export type TrapCode = keyof typeof TRAP_MESSAGES;

/**
 * A trap (spec 4.4.1 "Traps"). `code` names the kind of trap; the message
 * uses the spec's words. Called as the JS API's `new RuntimeError(message)`
 * (Emscripten's `abort` does) with anything but a trap code, the argument is
 * the message and `code` is undefined.
 */
export class RuntimeError extends base('RuntimeError') {
  readonly code: TrapCode | undefined;
  constructor(codeOrMessage?: TrapCode | string, message?: string) {
    const code = typeof codeOrMessage === 'string' && Object.prototype.hasOwnProperty.call(TRAP_MESSAGES, codeOrMessage) ? (codeOrMessage as TrapCode) : undefined;
    const text = message ?? (code !== undefined ? TRAP_MESSAGES[code] : codeOrMessage);
    super(...(text === undefined ? [] : [String(text)]));
    this.name = 'RuntimeError';
    this.code = code;
  }
  static override [Symbol.hasInstance](x: unknown): boolean {
    return RUNTIME.hasInstance(x);
  }
}
Object.defineProperty(RuntimeError.prototype, RUNTIME.brand, { value: true });
