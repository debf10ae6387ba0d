/**
 * Readable, safe JS identifiers for wasm functions, from the `name` custom
 * section (decode/names.ts).
 *
 * A name from the section becomes `$` + the name with every character other
 * than `A-Z a-z 0-9 _` replaced by `_` (at most MAX_BASE characters after the
 * `$`); the `Func` object of that function is `F` + that identifier
 * (`$fib` / `F$fib`). Kiln's own identifiers (lower/env.ts: `f<n>`, `F<n>`, `g<n>`,
 * `l<n>`, `M`, `dv`, the runtime bindings, …) never start with `$` and never
 * start with `F$`, and the only `$` names Kiln itself declares are listed in
 * KILN_DOLLAR_NAMES, so a sanitised name cannot shadow or clash with them; JS
 * reserved words and globals cannot start with `$` either. Two functions that
 * sanitise to the same identifier are told apart by a `$<k>` suffix (`$a`,
 * `$a$2`, `$a$3`), which no sanitised base contains, so a suffixed name never
 * meets another function's base. Functions without a (non-empty) name keep
 * `f<funcidx>` / `F<funcidx>`.
 *
 * Locals named in the section get identifiers the same way
 * (`localIdentifiers`), avoiding the function identifiers too.
 *
 * Function splitting (passes/split.ts) adds families no other name can
 * take: a function's parts are its identifier + `$p<k>`, its frame's maker
 * its identifier + `$fr` and its kept frame + `$fp` (a sanitised base has no `$`, and suffixes are
 * `$<digits>` or `$h`), its other versions its identifier + `$pair`, `$b32` or
 * `$g` (passes/guard.ts), a body's local copy of a variable is its identifier +
 * `$`, and the frame itself is `fr$` (no variable is named `fr`; nothing else
 * ends with `$`).
 *
 * `isKilnIdentifier` states the whole reserved set explicitly; the names test
 * checks every assigned identifier against it, so the scheme stays safe if it
 * ever changes.
 */
import type { Module } from './module.js';
import { readNames } from './decode/names.js';
import { RUNTIME_BINDINGS, ALLOWED_GLOBALS } from './bindings.js';

/** Longest sanitised name kept, after the `$` (C++ and Rust symbols can be kilobytes). */
export const MAX_BASE = 96;

/**
 * Identifiers starting with `$` that the emitted module itself declares. A
 * new one must be added here (the names test compiles functions named after
 * each of them).
 */
export const KILN_DOLLAR_NAMES: readonly string[] = ['$rt', '$imports', '$exports'];
// The run-time compile mode (emit/lazy.ts) also uses `$$link`, `$$lazy` and `$$code`: `$$`
// never starts a sanitised name, so those need no entry here.

/**
 * Other identifiers the emitted module declares besides the generated
 * families of lower/env.ts (module level and inside `instantiate`).
 */
const KILN_FIXED_NAMES = [
  'instantiate', 'importObject', 'options', 'limit', 'e', 'M', 'dv', 'DV', 'st', 'D', 'module', 'require', 'rv', 'dl',
  // The memory's typed-array views with `tune: 'hermes'` (lower/views.ts VIEW_NAMES).
  'H8', 'HU8', 'H16', 'HU16', 'H32', 'HF32', 'HF64', 'HB', 'HV',
  // Their local copies in each function (passes/local-views.ts LOCAL_VIEWS).
  'h8', 'hu8', 'h16', 'hu16', 'h32', 'hf32', 'hf64', 'hb',
  // Math's functions as called with `tune: 'hermes'` (passes/math-aliases.ts MATH_ALIASES).
  'Math_fround', 'Math_imul', 'Math_clz32', 'Math_sqrt', 'Math_min', 'Math_max', 'Math_floor', 'Math_abs',
];

const RESERVED_WORDS = (
  'break case catch class const continue debugger default delete do else enum export extends false finally for ' +
  'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
  'yield let static implements interface package private protected public await arguments eval async of get set'
).split(' ');

/**
 * Words no local variable of the output is named: JS's reserved words (strict mode's included),
 * `arguments`, `eval`, and the globals a function may use without declaring them.
 */
export const NOT_LOCAL_NAMES: ReadonlySet<string> = new Set([...RESERVED_WORDS, 'undefined', 'NaN', 'Infinity']);

/** Generated families: f1 F1 g1 g1h G1 T1 E1 es1 ds1 l1 l1h t1 b1 L1, and for exception handling e1 x1 Tg1. */
const GENERATED = /^(?:[fFgGTEltbL]\d+h?|es\d+|ds\d+|[ex]\d+|Tg\d+)$/;

const RESERVED = new Set([...KILN_DOLLAR_NAMES, ...KILN_FIXED_NAMES, ...RESERVED_WORDS, ...RUNTIME_BINDINGS, ...ALLOWED_GLOBALS]);

/**
 * True when `name` is, or could be, an identifier Kiln generates or binds:
 * the families of lower/env.ts, the runtime bindings, Kiln's `$` names, JS
 * reserved words and the allow-listed globals.
 */
export function isKilnIdentifier(name: string): boolean {
  return RESERVED.has(name) || GENERATED.test(name);
}

/** `$` + the name with characters outside `[A-Za-z0-9_]` replaced by `_`, cut to MAX_BASE; '' for an empty name. */
export function sanitizeName(raw: string): string {
  if (raw.length === 0) return '';
  const cut = raw.length > MAX_BASE ? raw.slice(0, MAX_BASE) : raw;
  return '$' + cut.replace(/[^A-Za-z0-9_]/g, '_');
}

/** JS identifiers of a module's functions. */
export interface FuncIdentifiers {
  /** Per funcidx: the identifier of the function (`$name` or `f<i>`). */
  js: string[];
  /** Per funcidx: the identifier of its `Func` object (`F$name` or `F<i>`). */
  ref: string[];
  /** Per funcidx: the name from the name section, or undefined. */
  raw: (string | undefined)[];
  /** Every `$` identifier given to a function (locals must avoid them). */
  taken: ReadonlySet<string>;
}

/**
 * Assigns every function of `m` its identifiers, in funcidx order (so the
 * result depends only on the module: output stays deterministic).
 * `sparse` (the run-time compile mode, polyfill/): the arrays hold only the
 * functions the name section names (the others are `f<i>`/`F<i>`, which
 * `makeEnv`'s `funcName`/`funcRefName` supply), so a module without names
 * costs nothing per function.
 */
export function funcIdentifiers(m: Module, sparse = false): FuncIdentifiers {
  const n = m.funcTypes.length;
  const names = readNames(m).funcs;
  const js: string[] = sparse ? [] : new Array<string>(n);
  const ref: string[] = sparse ? [] : new Array<string>(n);
  const raw: (string | undefined)[] = sparse ? [] : new Array<string | undefined>(n);
  const used = new Set<string>();
  const order = sparse ? [...names.keys()].filter((i) => i < n).sort((a, b) => a - b) : null;
  for (let k = 0, count = order === null ? n : order.length; k < count; k++) {
    const i = order === null ? k : order[k]!;
    const name = names.get(i);
    raw[i] = name;
    let base = name === undefined ? '' : sanitizeName(name);
    if (base !== '' && isKilnIdentifier(base)) base += '$1';
    if (base === '') {
      js[i] = `f${i}`;
      ref[i] = `F${i}`;
      continue;
    }
    let id = base;
    for (let k = 2; used.has(id); k++) id = `${base}$${k}`;
    used.add(id);
    js[i] = id;
    ref[i] = 'F' + id;
  }
  return { js, ref, raw, taken: used };
}

/**
 * JS identifiers of the named locals of function `funcidx` (localidx ->
 * identifier), or null when the name section names none of them. Same
 * scheme as functions, unique among the function identifiers and the
 * function's other locals; the high half of an i64 local is the identifier
 * + `$h` (`l<i>` and `l<i>h` for unnamed locals, as before).
 */
export function localIdentifiers(m: Module, ids: FuncIdentifiers, funcidx: number): Map<number, string> | null {
  const names = readNames(m).locals.get(funcidx);
  if (names === undefined || names.size === 0) return null;
  const out = new Map<number, string>();
  const used = new Set<string>();
  for (const [i, name] of [...names].sort((a, b) => a[0] - b[0])) {
    let base = sanitizeName(name);
    if (base === '') continue;
    if (isKilnIdentifier(base)) base += '$1';
    let id = base;
    for (let k = 2; used.has(id) || ids.taken.has(id); k++) id = `${base}$${k}`;
    used.add(id);
    out.set(i, id);
  }
  return out.size === 0 ? null : out;
}
