/**
 * Readable output (compiler/identifiers.ts, emit/names.ts): function identifiers from the `name`
 * section, sanitised so they can never clash with Kiln's own identifiers,
 * one-line function headers, and byte-identical output for the same input.
 */
import { leb } from './util/wasm-bytes.js';
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as acorn from 'acorn';
import { decodeAndValidate } from '../compiler/index.js';
import { compile } from './util/wasm-names.js';
import { ALLOWED_GLOBALS, RUNTIME_BINDINGS } from '../compiler/bindings.js';
import { funcIdentifiers, isKilnIdentifier, sanitizeName, KILN_DOLLAR_NAMES, MAX_BASE } from '../compiler/identifiers.js';
import { commentText } from '../compiler/emit/names.js';
import { freeIdentifiers } from './util/free-vars.js';
import { importCode, SHARED } from './util/load.js';

const wabt = await (await import('wabt')).default();
const features = { multi_value: true, bulk_memory: true, reference_types: true, sign_extension: true, sat_float_to_int: true };
function wat(text: string, names = false): Uint8Array {
  return wabt.parseWat('t.wat', text, features).toBinary({ write_debug_names: names }).buffer;
}

function nameBytes(s: string): number[] {
  const b = [...new TextEncoder().encode(s)];
  return [...leb(b.length), ...b];
}
/**
 * `bytes` (a module without a name section) plus a `name` section naming
 * functions as given (funcidx -> name) and the locals of function
 * `locals.func` (localidx -> name).
 */
function withFuncNames(bytes: Uint8Array, names: string[], locals?: { func: number; names: string[] }): Uint8Array {
  const nameMap = (list: string[]) => {
    const map = [...leb(list.length)];
    list.forEach((n, i) => map.push(...leb(i), ...nameBytes(n)));
    return map;
  };
  const funcs = nameMap(names);
  const payload = [...nameBytes('name'), 1, ...leb(funcs.length), ...funcs];
  if (locals !== undefined) {
    const sub = [...leb(1), ...leb(locals.func), ...nameMap(locals.names)];
    payload.push(2, ...leb(sub.length), ...sub);
  }
  return new Uint8Array([...bytes, 0, ...leb(payload.length), ...payload]);
}

/** Every identifier occurring in `code`. */
function identifiers(code: string): Set<string> {
  const out = new Set<string>();
  const visit = (n: any): void => {
    if (n === null || typeof n !== 'object') return;
    if (Array.isArray(n)) return n.forEach(visit);
    if (n.type === 'Identifier') out.add(n.name);
    for (const k of Object.keys(n)) if (k !== 'loc') visit(n[k]);
  };
  visit(acorn.parse(code, { ecmaVersion: 'latest', sourceType: 'module' }));
  return out;
}

/** A module using every kind of entity (imports, memory, tables, globals, segments, start), so its output holds every kind of Kiln identifier. */
const RICH_WAT = `(module
  (import "env" "log" (func $log (param i32)))
  (import "env" "g" (global $g (mut i64)))
  (memory 1)
  (table $t 4 funcref)
  (global $h (mut f64) (f64.const 1.5))
  (global $k i32 (i32.const 7))
  (elem (table $t) (i32.const 0) func $a $b)
  (elem $p func $a)
  (data (i32.const 16) "hello")
  (data $d "passive")
  (func $a (result i32) (i32.const 1))
  (func $b (param i64) (result i64) (i64.add (local.get 0) (global.get $g)))
  (func $c (param i32) (result i32) (local i64)
    (block $out (result i32) (loop $l (br_if $l (i32.eqz (local.get 0)))) (call $log (local.get 0))
      (call_indirect $t (result i32) (local.get 0)) (br_table $out $out (i32.const 0) (i32.const 1))))
  (func $s (global.set $h (f64.const 2)))
  (start $s)
  (export "c" (func $c)))`;

describe('function identifiers', () => {
  it('sanitise to $ + [A-Za-z0-9_] and dedupe with $<k>', () => {
    expect(sanitizeName('fib')).toBe('$fib');
    expect(sanitizeName('core::fmt::write<T>')).toBe('$core__fmt__write_T_');
    expect(sanitizeName('ünï 💥')).toBe('$_n____');
    expect(sanitizeName('')).toBe('');
    expect(sanitizeName('x'.repeat(500))).toBe('$' + 'x'.repeat(MAX_BASE));
    const m = decodeAndValidate(withFuncNames(wat('(module (func) (func) (func) (func) (func) (func) (func))'), ['a', 'a', 'a.b', 'a_b', '', 'rt', 'f0']));
    const ids = funcIdentifiers(m);
    expect(ids.js).toEqual(['$a', '$a$2', '$a_b', '$a_b$2', 'f4', '$rt$1', '$f0']);
    expect(ids.ref).toEqual(['F$a', 'F$a$2', 'F$a_b', 'F$a_b$2', 'F4', 'F$rt$1', 'F$f0']);
    expect(ids.raw).toEqual(['a', 'a', 'a.b', 'a_b', '', 'rt', 'f0']);
  });

  it('never clash with Kiln identifiers, reserved words or globals, whatever the names', async () => {
    // Name functions after every identifier a rich module's output contains
    // (runtime included), with and without `$`, plus awkward names.
    const seen = [...identifiers(compile(wat(RICH_WAT, true)).code), ...identifiers(compile(wat(RICH_WAT, true), { fuel: true }).code)];
    const awkward = [
      ...KILN_DOLLAR_NAMES, ...KILN_DOLLAR_NAMES.map((n) => n.slice(1)), ...RUNTIME_BINDINGS, ...ALLOWED_GLOBALS,
      'f0', 'F0', 'F$a', 'g0', 'g0h', 'G0', 'T0', 'E0', 'es0', 'ds0', 'M', 'dv', 'DV', 'l0', 'l0h', 't0', 'b0', 'st', 'D', 'L0',
      'instantiate', 'importObject', 'options', 'limit', 'e', 'module', 'require', 'exports', 'imports',
      'function', 'let', 'await', 'yield', 'arguments', 'eval', 'this', 'null', 'undefined', '__proto__', 'constructor',
      '', ' ', 'a b', 'a\nb', 'line\u2028sep', '*/', 'ünïcödé', '💥', '0abc', 'dup', 'dup', 'dup$2', 'dup_2', 'x'.repeat(300), 'x'.repeat(301),
    ];
    const names = [...new Set(seen), ...awkward, ...seen.map((n) => '$' + n)];
    // Function i returns its argument plus i; `sum` (the last) calls every
    // one directly and through the table, and is exported with the first few.
    const n = names.length;
    let text = '(module (import "env" "imp" (func (param i32) (result i32))) (table ' + (n + 1) + ' funcref) (type $t (func (param i32) (result i32)))\n';
    for (let i = 1; i <= n; i++) text += `(func (param i32) (result i32) (i32.add (local.get 0) (i32.const ${i})))\n`;
    text += '(func (export "sum") (param i32) (result i32) (local $s i32)\n';
    for (let i = 0; i <= n; i++) text += `(local.set $s (i32.add (local.get $s) (call ${i} (local.get 0)))) (local.set $s (i32.add (local.get $s) (call_indirect (type $t) (local.get 0) (i32.const ${i}))))\n`;
    text += '(local.get $s))\n(elem (i32.const 0) func';
    for (let i = 0; i <= n; i++) text += ` ${i}`;
    text += ')';
    for (let i = 0; i < 5; i++) text += ` (export "e${i}" (func ${i + 1}))`;
    text += ')';
    const bytes = withFuncNames(wat(text), ['imp-ort', ...names, 'sum']);
    const ids = funcIdentifiers(decodeAndValidate(bytes));
    const all = [...ids.js, ...ids.ref];
    expect(new Set(all).size).toBe(all.length);
    ids.raw.forEach((raw, i) => {
      for (const id of [ids.js[i], ids.ref[i]]) {
        expect(id).toMatch(/^[A-Za-z_$][A-Za-z0-9_$]*$/);
        // Only the empty name falls back to Kiln's own f<i> / F<i>.
        expect(isKilnIdentifier(id), id).toBe(raw === '');
        expect(id.length).toBeLessThan(MAX_BASE + 10);
      }
    });
    expect([...freeIdentifiers(compile(bytes, { fuel: true }).code)].filter((x) => !ALLOWED_GLOBALS.includes(x))).toEqual([]);
    for (const runtime of ['inline', 'import'] as const) {
      // Pretty, for its header comments (the names in them); the dense output is checked above.
      const code = compile(bytes, { runtime, pretty: true }).code;
      // Parses (a duplicate declaration would be a SyntaxError) and reads no other globals.
      expect([...freeIdentifiers(code)].filter((x) => !ALLOWED_GLOBALS.includes(x))).toEqual([]);
      expect(code.match(/^\s*\/\/ func \d+/gm)!.length).toBe(n + 1);
      if (runtime === 'import') continue;
      const { exports } = (await importCode(code)).instantiate({ env: { imp: (x: number) => x * 1000 } });
      const expected = 2 * (5000 + (n * (n + 1)) / 2 + n * 5);
      expect(exports.sum(5)).toBe(expected);
      expect(exports.e0(1)).toBe(2);
      expect(exports.e4(1)).toBe(6);
    }
  });

  it('name locals too, avoiding function identifiers, Kiln identifiers and each other', async () => {
    const seen = [...new Set(identifiers(compile(wat(RICH_WAT, true)).code))];
    const awkward = ['', 'x', 'x', 'f', 'g', 'rt', 'l0', 'l0h', 't0', 'b0', 'dv', 'DV', 'st', 'this', 'arguments', 'a b', '💥'];
    // At most 999 parameters (the validator's limit is 1,000): every identifier of the code, then the
    // `$`-prefixed ones, the module's own (last in `seen`) first, as many as fit.
    const localNames = [...awkward, ...seen, ...seen.map((n) => '$' + n).reverse()].slice(0, 999);
    // Params alternate i32 and i64; f returns the sum of the i32 ones plus the low words of the i64 ones.
    const n = localNames.length;
    const params = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 'i32' : 'i64'));
    let body = 'i32.const 0';
    params.forEach((t, i) => (body += ` local.get ${i}${t === 'i32' ? '' : ' i32.wrap_i64'} i32.add`));
    const text = `(module (func (export "f") (param ${params.join(' ')}) (result i32) ${body}) (func) (func))`;
    const bytes = withFuncNames(wat(text), ['f', 'x', 'g'], { func: 0, names: localNames });
    const code = compile(bytes).code;
    expect([...freeIdentifiers(code)].filter((x) => !ALLOWED_GLOBALS.includes(x))).toEqual([]);
    const decl = /function \$f\(([^)]*)\)/.exec(code)!;
    const ids = decl[1].split(',');
    expect(ids.length).toBe(n + params.filter((t) => t === 'i64').length);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.slice(0, 6)).toEqual(['l0', '$x$2', '$x$2$h', '$x$3', '$f$2', '$f$2$h']);
    for (const id of ids) expect(isKilnIdentifier(id) && !/^l\d+h?$/.test(id), id).toBe(false);
    const { exports } = (await importCode(code)).instantiate();
    const args = params.map((t, i) => (t === 'i32' ? i : BigInt(i) + (1n << 40n)));
    expect(exports.f(...args)).toBe((n * (n - 1)) / 2);
  });

  it('fall back to f<funcidx> without a name section', () => {
    const code = compile(wat(RICH_WAT, false)).code;
    expect(code).toMatch(/function f3\(/);
    expect(code).toMatch(/const F2=new Func/);
    expect(compile(wat(RICH_WAT, false), { pretty: true }).code).toMatch(/^\s*\/\/ func 3: type \d+ \[i32\] -> \[i32\], body at 0x[0-9a-f]+ \(\d+ bytes\)$/m);
  });

  it('come from the name section, with a one-line header per function in the pretty output', () => {
    const code = compile(wat(RICH_WAT, true)).code;
    const pretty = compile(wat(RICH_WAT, true), { pretty: true }).code;
    expect(pretty).toMatch(/^\s*\/\/ func 3 c: type \d+ \[i32\] -> \[i32\], body at 0x[0-9a-f]+ \(\d+ bytes\)\n\s*function \$c\(l0\) \{$/m);
    expect(pretty).toMatch(/^\s*\/\/ func 2 b: type \d+ \[i64\] -> \[i64\], body/m);
    // The dense (default) output has no header: its source map names the wasm offsets.
    expect(code).not.toMatch(/\/\/ func/);
    expect(code).toMatch(/^function \$c\(l0\)\{$/m);
    // ...unless asked for (the explorer finds functions by them).
    expect(compile(wat(RICH_WAT, true), { headers: true }).code).toMatch(/^\/\/ func 3 c: type \d+ \[i32\] -> \[i32\], body at 0x[0-9a-f]+ \(\d+ bytes\)\nfunction \$c\(l0\)\{$/m);
    expect(code).toContain('const $log=F$log.fn;');
    expect(code).toContain('tableInit(T0,0,[F$a,F$b],0,2)');
    expect(code).toMatch(/\$s\(\);/);
  });

  it('escape names in header comments', () => {
    expect(commentText('plain name')).toBe('plain name');
    expect(commentText('a\nb')).toBe('"a\\nb"');
    expect(commentText('x\u2028y')).toBe('"x\\u2028y"');
    expect(commentText('é')).toBe('"\\u00e9"');
    const code = compile(withFuncNames(wat('(module (func) (func))'), ['two\nlines', 'sep\u2029']), { pretty: true }).code;
    expect(code).toContain('// func 0 "two\\nlines": type 0 [] -> []');
    expect(code).toContain('// func 1 "sep\\u2029": type 0 [] -> []');
  });
});

describe('deterministic output', () => {
  const inputs: [string, Uint8Array][] = [['rich module', wat(RICH_WAT, true)]];
  if (SHARED) inputs.push(['all.wasm', new Uint8Array(readFileSync(join(SHARED, 'bench/build/all.wasm')))]);
  for (const [name, bytes] of inputs) {
    it(`${name}: same input and options, byte-identical code and map`, () => {
      for (const options of [{}, { format: 'cjs' as const, runtime: 'import' as const }, { sourceMap: true }, { flatDepth: 0, sourceMap: 'inline' as const }]) {
        const a = compile(bytes, options);
        const b = compile(bytes.slice(), { ...options });
        expect(b.code === a.code).toBe(true);
        expect(b.map).toBe(a.map);
      }
    });
  }
});
