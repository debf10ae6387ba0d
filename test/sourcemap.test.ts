/**
 * Source maps (emit/sourcemap.ts): to the wasm module (column = byte offset),
 * composed with the module's own source map to the original C, through the
 * API and the CLI, and as Node prints them in trap stack traces.
 *
 * The C fixture is test/fixtures/sourcemap/ (trap.c, and the checked-in
 * trap.wasm and trap.wasm.map that its build.sh makes from DWARF).
 */
import { leb } from './util/wasm-bytes.js';
import * as acorn from 'acorn';
import { afterAll, describe, it, expect } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SourceMapConsumer, type RawSourceMap } from 'source-map';
import { decodeAndValidate, type Module } from '../compiler/index.js';
import { compile } from './util/wasm-names.js';
import { Reader } from '../compiler/decode/reader.js';
import { readInstr, readLocals, newInstr } from '../compiler/decode/code.js';
import { readNames } from '../compiler/decode/names.js';
import { decodeWasmSourceMap, sourceMappingURLOf } from '../compiler/emit/sourcemap.js';
import { parseSExprs, head, atomText, type SExpr } from './spec/sexpr.js';
import { ROOT, SHARED } from './util/load.js';

const wabt = await (await import('wabt')).default();
const features = { multi_value: true, bulk_memory: true, reference_types: true, sign_extension: true, sat_float_to_int: true };
function wat(text: string): Uint8Array {
  return wabt.parseWat('t.wat', text, features).toBinary({ write_debug_names: true }).buffer;
}

const FIXTURE = join(ROOT, 'test/fixtures/sourcemap');
const TRAP_WASM = new Uint8Array(readFileSync(join(FIXTURE, 'trap.wasm')));
const TRAP_MAP = readFileSync(join(FIXTURE, 'trap.wasm.map'), 'utf8');
const TRAP_C = readFileSync(join(FIXTURE, 'trap.c'), 'utf8');
/** 1-based line of trap.c holding `marker`. */
function cLine(marker: string): number {
  const i = TRAP_C.split('\n').findIndex((l) => l.includes(marker));
  expect(i, marker).toBeGreaterThanOrEqual(0);
  return i + 1;
}

interface Mapping {
  generatedLine: number;
  generatedColumn: number;
  source: string | null;
  originalLine: number | null;
  originalColumn: number | null;
  name: string | null;
}
/** Every mapping of a source map, decoded by the `source-map` package (not Kiln's decoder). */
async function mappingsOf(map: string | RawSourceMap): Promise<Mapping[]> {
  const out: Mapping[] = [];
  await SourceMapConsumer.with(typeof map === 'string' ? JSON.parse(map) : map, null, (c) => {
    c.eachMapping((m) => void out.push({ ...m }), null, SourceMapConsumer.GENERATED_ORDER);
  });
  return out;
}

/** Offsets of every instruction in every defined function body, and which function each belongs to. */
function instructionBoundaries(m: Module): Map<number, number> {
  const at = new Map<number, number>();
  const ins = newInstr();
  for (let k = 0; k < m.bodyStart.length; k++) {
    const f = m.numImportedFuncs + k;
    const r = new Reader(m.bytes, m.bodyStart[k], m.bodyEnd[k]);
    readLocals(r, m.types[m.funcTypes[f]].params);
    while (r.pos < r.end) {
      readInstr(r, ins);
      at.set(ins.offset, f);
    }
  }
  return at;
}

/** Top-level text modules of a .wast file, as binaries with names (wabt). */
function wastModules(file: string): Uint8Array[] {
  const src = readFileSync(file, 'utf8');
  const out: Uint8Array[] = [];
  for (const e of parseSExprs(src) as SExpr[]) {
    if (head(e) !== 'module' || e.kind !== 'list') continue;
    const id = atomText(e.items[1])?.startsWith('$') ? 1 : 0;
    const second = atomText(e.items[1 + id]);
    if (second === 'binary' || second === 'quote' || second === 'definition' || second === 'instance') continue;
    try {
      out.push(wat(src.slice(e.start, e.end)));
    } catch {
      // wabt cannot write this one (the spec runner reports those).
    }
  }
  return out;
}

/**
 * Checks every mapping of `compile(bytes, options)`: it targets the wasm,
 * its column is the offset of an instruction of the function whose text
 * encloses it, its generated position is the first character of a
 * statement, and a name is that function's name. Returns the mapping count.
 */
async function checkBoundaries(bytes: Uint8Array, options: object = {}): Promise<number> {
  const m = decodeAndValidate(bytes);
  const at = instructionBoundaries(m);
  const names = readNames(m).funcs;
  const { code, map } = compile(bytes, { sourceMap: true, inputSourceMap: false, sourceFileName: 'in.wasm', ...options });
  const lines = code.split('\n');
  const mappings = await mappingsOf(map!);
  // Line (1-based) -> funcidx of the function printed there: the functions declared in
  // `instantiate` (found with acorn), each identified by the mapping at its start, the offset of its
  // first instruction (the pretty output's header comment, on the line before, says the same); a
  // declaration without one is a part of the function before it (split.ts).
  const startOf = new Map<string, number>();
  for (const mp of mappings) if (mp.source !== null) startOf.set(`${mp.generatedLine}:${mp.generatedColumn}`, mp.originalColumn!);
  const funcOfLine: number[] = new Array(lines.length + 1).fill(-1);
  const ast: any = acorn.parse(code, { ecmaVersion: 'latest', sourceType: 'module', locations: true });
  const inst = ast.body.find((n: any) => n.type === 'FunctionDeclaration' && n.id.name === 'instantiate');
  let f = -1;
  for (const d of inst.body.body) {
    if (d.type !== 'FunctionDeclaration') continue;
    const start = startOf.get(`${d.loc.start.line}:${d.loc.start.column}`);
    if (start !== undefined) f = at.get(start)!;
    const h = /^\s*\/\/ func (\d+)/.exec(lines[d.loc.start.line - 2]);
    if (h !== null) expect(Number(h[1])).toBe(f);
    expect(f).toBeGreaterThanOrEqual(0);
    for (let l = d.loc.start.line; l <= d.loc.end.line; l++) funcOfLine[l] = f;
  }
  let n = 0;
  const seen = new Set<number>();
  for (const mp of mappings) {
    if (mp.source === null) continue; // end of a function's range
    n++;
    expect(mp.source).toBe('in.wasm');
    expect(mp.originalLine).toBe(1);
    const f = at.get(mp.originalColumn!);
    expect(f, `offset 0x${mp.originalColumn!.toString(16)} is not an instruction boundary`).not.toBeUndefined();
    expect(funcOfLine[mp.generatedLine], `line ${mp.generatedLine}: ${lines[mp.generatedLine - 1]}`).toBe(f);
    const text = lines[mp.generatedLine - 1];
    // A statement starts its line, or follows a label (`L2:if(...)`); a `do` loop's test (its `br_if`) follows `}while(`.
    expect(text.slice(0, mp.generatedColumn)).toMatch(/^ *(?:[A-Za-z_$][\w$]*: ?)*$|^ *\} ?while ?\($/);
    expect(text[mp.generatedColumn]).toMatch(/\S/);
    expect(text.slice(mp.generatedColumn)).not.toMatch(/^\/\//);
    if (mp.name !== null) {
      expect(mp.name).toBe(names.get(f!));
      expect(text.slice(mp.generatedColumn)).toMatch(/^function /);
    }
    seen.add(f!);
  }
  // Every defined function has mappings.
  expect(seen.size).toBe(m.bodyStart.length);
  return n;
}

describe('source map to the wasm module', () => {
  const add = wat('(module (func $add (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))');

  it('costs nothing when off: no map, no comment', () => {
    const r = compile(add);
    expect(r.map).toBeUndefined();
    expect(r.code).not.toContain('sourceMappingURL');
  });

  it('sourceMap: true returns the map and ends the code with a sourceMappingURL comment', () => {
    const r = compile(add, { sourceMap: true });
    expect(r.code.endsWith('\n//# sourceMappingURL=module.js.map\n')).toBe(true);
    expect(r.code.slice(0, -'//# sourceMappingURL=module.js.map\n'.length)).toBe(compile(add).code);
    const map = JSON.parse(r.map!);
    expect(map).toMatchObject({ version: 3, file: 'module.js', sources: ['module.wasm'], names: ['add'] });
    const named = compile(add, { sourceMap: true, file: 'out/add.js', sourceFileName: '../add.wasm', sourceRoot: 'http://x/' });
    expect(named.code).toMatch(/\n\/\/# sourceMappingURL=add\.js\.map\n$/);
    expect(JSON.parse(named.map!)).toMatchObject({ file: 'out/add.js', sources: ['../add.wasm'], sourceRoot: 'http://x/' });
    expect(compile(add, { sourceMap: true, sourceMapURL: 'https://cdn/add.map' }).code).toMatch(/\/\/# sourceMappingURL=https:\/\/cdn\/add\.map\n$/);
  });

  it("sourceMap: 'inline' embeds the same map as a data URL", () => {
    const file = compile(add, { sourceMap: true });
    const inline = compile(add, { sourceMap: 'inline' });
    const m = /\n\/\/# sourceMappingURL=data:application\/json;charset=utf-8;base64,([A-Za-z0-9+/=]+)\n$/.exec(inline.code);
    expect(m).not.toBeNull();
    expect(Buffer.from(m![1], 'base64').toString('utf8')).toBe(file.map);
    expect(inline.map).toBe(file.map);
  });

  it('maps the function to its body (and the pretty output\'s header comment line to nothing)', async () => {
    const pretty = compile(add, { sourceMap: true, pretty: true });
    const prettyLines = pretty.code.split('\n');
    const prettyDecl = (await mappingsOf(pretty.map!)).find((m) => m.name === 'add')!;
    expect(prettyLines[prettyDecl.generatedLine - 2]).toMatch(/^\s*\/\/ func 0 add: type 0 \[i32 i32\] -> \[i32\]/);
    expect(prettyLines[prettyDecl.generatedLine - 1].slice(prettyDecl.generatedColumn)).toMatch(/^function \$add\(l0, l1\)/);
    const r = compile(add, { sourceMap: true });
    const lines = r.code.split('\n');
    const maps = await mappingsOf(r.map!);
    const decl = maps.find((m) => m.name === 'add')!;
    expect(lines[decl.generatedLine - 1].slice(decl.generatedColumn)).toMatch(/^function \$add\(l0,l1\)/);
    const m = decodeAndValidate(add);
    const first = [...instructionBoundaries(m).keys()][0];
    expect(decl.originalColumn).toBe(first);
    const ret = maps.find((x) => x.generatedLine === decl.generatedLine + 1)!;
    expect(lines[ret.generatedLine - 1].slice(ret.generatedColumn)).toBe('return l0+l1|0;');
    // The `end` instruction, which returns.
    expect(add[ret.originalColumn!]).toBe(0x0b);
  });

  it('every mapping of the C fixture and the bench kernels points to an instruction boundary', async () => {
    // (A `br` that restarts a loop from the end of its body has no JS, hence no mapping: passes/labels.ts.)
    expect(await checkBoundaries(TRAP_WASM)).toBeGreaterThan(12);
    expect(await checkBoundaries(TRAP_WASM, { flatDepth: 0, runtime: 'import', format: 'cjs' })).toBeGreaterThan(12);
    expect(await checkBoundaries(TRAP_WASM, { pretty: true })).toBeGreaterThan(12);
    expect(await checkBoundaries(TRAP_WASM, { headers: true })).toBeGreaterThan(12);
    expect(await checkBoundaries(TRAP_WASM, { shortNames: true })).toBeGreaterThan(12);
    if (SHARED) expect(await checkBoundaries(new Uint8Array(readFileSync(join(SHARED, 'bench/build/all.wasm'))))).toBeGreaterThan(1000);
  });

  const SPEC = SHARED ? join(SHARED, 'testsuite/wasm-2.0') : null;
  it('every mapping of spec modules points to an instruction boundary (also in the flat form)', async (ctx) => {
    if (SPEC === null || !existsSync(SPEC)) ctx.skip('spec test suite not found');
    let modules = 0;
    let mappings = 0;
    const files = ['block', 'br_if', 'br_table', 'call_indirect', 'conversions', 'fac', 'float_exprs', 'func', 'i64', 'if', 'int_exprs',
      'labels', 'left-to-right', 'local_tee', 'loop', 'memory_grow', 'memory_trap', 'names', 'return', 'select', 'stack', 'switch', 'unwind'];
    for (const file of files) {
      for (const bytes of wastModules(join(SPEC!, `${file}.wast`))) {
        let m: Module;
        try {
          m = decodeAndValidate(bytes);
        } catch {
          continue;
        }
        if (m.bodyStart.length === 0) continue;
        modules++;
        mappings += await checkBoundaries(bytes, { runtime: 'import' });
        if (['block', 'br_table', 'loop', 'unwind'].includes(file)) mappings += await checkBoundaries(bytes, { runtime: 'import', flatDepth: 0 });
      }
    }
    expect(modules).toBeGreaterThan(100);
    expect(mappings).toBeGreaterThan(7500);
  }, 120_000);
});

describe('composition with the wasm module’s own source map', () => {
  it('decodes wasm source maps like the source-map package does', async () => {
    const mine = decodeWasmSourceMap(TRAP_MAP);
    const theirs = await mappingsOf(TRAP_MAP);
    expect(mine.offset.length).toBe(theirs.length);
    theirs.forEach((t, i) => {
      expect(t.generatedLine).toBe(1);
      expect([mine.offset[i], mine.sources[mine.src[i]], mine.line[i] + 1, mine.col[i]]).toEqual([t.generatedColumn, t.source, t.originalLine, t.originalColumn]);
    });
    expect(() => decodeWasmSourceMap('{"version":3,"sources":[],"names":[],"mappings":"AAAA;AACA"}')).toThrow(/not a wasm source map/);
    expect(() => decodeWasmSourceMap('{"version":3,"sources":["a"],"names":[],"mappings":"A!AA"}')).toThrow(/bad character/);
    expect(() => decodeWasmSourceMap('{"version":3,"sections":[]}')).toThrow(/expected a source map/);
  });

  it('maps the emitted JS straight to the C lines, with sourcesContent carried over', async () => {
    for (const input of [TRAP_MAP, JSON.parse(TRAP_MAP) as RawSourceMap]) {
      const { code, map } = compile(TRAP_WASM, { sourceMap: true, inputSourceMap: input });
      const raw = JSON.parse(map!);
      expect(raw.sources).toEqual(['trap.c']);
      expect(raw.sourcesContent).toEqual([TRAP_C]);
      expect(raw.names).toEqual(expect.arrayContaining(['run', 'walk', 'check_depth', 'divide', 'load']));
      const lines = code.split('\n');
      const maps = await mappingsOf(map!);
      const trap = maps.find((m) => lines[m.generatedLine - 1].slice(m.generatedColumn).startsWith('trap("unreachable")'))!;
      expect([trap.source, trap.originalLine]).toEqual(['trap.c', cLine('TRAP-LINE')]);
      const call = maps.find((m) => /=\$check_depth\(/.test(lines[m.generatedLine - 1]))!;
      expect([call.source, call.originalLine]).toEqual(['trap.c', cLine('CALL-LINE')]);
      const decl = maps.find((m) => m.name === 'check_depth')!;
      expect(lines[decl.generatedLine - 1].slice(decl.generatedColumn)).toMatch(/^function \$check_depth\(/);
      expect(decl.originalLine).toBe(cLine('static int check_depth('));
    }
  });

  it('uses a data: URL in the sourceMappingURL section; inputSourceMap: false ignores it', () => {
    expect(sourceMappingURLOf(TRAP_WASM)).toBe('trap.wasm.map');
    const url = 'data:application/json;base64,' + Buffer.from(TRAP_MAP).toString('base64');
    const section = [...new TextEncoder().encode('sourceMappingURL')];
    const payload = [section.length, ...section, ...leb(url.length), ...new TextEncoder().encode(url)];
    const bytes = new Uint8Array([...TRAP_WASM, 0, ...leb(payload.length), ...payload]);
    // The first sourceMappingURL section (the file name) wins for the CLI; the API follows only data: URLs.
    const stripped = withoutSection(TRAP_WASM, 'sourceMappingURL');
    const withData = new Uint8Array([...stripped, 0, ...leb(payload.length), ...payload]);
    expect(sourceMappingURLOf(withData)).toBe(url);
    expect(JSON.parse(compile(withData, { sourceMap: true }).map!).sources).toEqual(['trap.c']);
    expect(JSON.parse(compile(withData, { sourceMap: true, inputSourceMap: false }).map!).sources).toEqual(['module.wasm']);
    expect(JSON.parse(compile(bytes, { sourceMap: true }).map!).sources).toEqual(['module.wasm']);
  });
});


/** `bytes` without its custom sections called `name`. */
function withoutSection(bytes: Uint8Array, name: string): Uint8Array {
  const out: number[] = [...bytes.subarray(0, 8)];
  let pos = 8;
  while (pos < bytes.length) {
    const start = pos;
    const id = bytes[pos++];
    let size = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[pos++];
      size += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
    }
    const end = pos + size;
    const nameLen = bytes[pos];
    const custom = id === 0 && new TextDecoder().decode(bytes.subarray(pos + 1, pos + 1 + nameLen)) === name;
    if (!custom) out.push(...bytes.subarray(start, end));
    pos = end;
  }
  return new Uint8Array(out);
}

const scratchDirs: string[] = [];
afterAll(() => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh scratch folder under .tmp/ (removed after the tests). */
function scratch(name: string): string {
  const dir = join(ROOT, '.tmp', `sourcemap-${name}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  scratchDirs.push(dir);
  return dir;
}

/**
 * Runs, with `node --enable-source-maps`, a script that compiles the C
 * fixture with a source map to a file (with `options`), imports it, calls
 * `run(5)` (which reaches `__builtin_trap()`), and prints the error's stack.
 */
function trapStack(name: string, options: object): string[] {
  const dir = scratch(name);
  const script = join(dir, 'trap-run.mjs');
  writeFileSync(
    script,
    `import { readFileSync, writeFileSync } from 'node:fs';
import { compile } from ${JSON.stringify(pathToFileURL(join(ROOT, 'compiler/index.ts')).href)};
const options = ${JSON.stringify(options)};
if (options.inputSourceMap === true) options.inputSourceMap = readFileSync(${JSON.stringify(join(FIXTURE, 'trap.wasm.map'))}, 'utf8');
const { code, map } = compile(new Uint8Array(readFileSync(${JSON.stringify(join(FIXTURE, 'trap.wasm'))})), { sourceMap: true, file: 'trap.js', ...options });
writeFileSync(new URL('./trap.js.map', import.meta.url), map);
writeFileSync(new URL('./trap.js', import.meta.url), code);
const { instantiate } = await import('./trap.js');
try {
  instantiate().exports.run(5);
  console.log('no trap');
} catch (e) {
  console.log(e.name + ' ' + e.code);
  console.log(e.stack);
}
`,
  );
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--enable-source-maps', script], { cwd: ROOT, encoding: 'utf8' });
  return out.split('\n');
}

describe('trap stack traces under node --enable-source-maps', () => {
  it('name the C functions, file and lines when composed', () => {
    const stack = trapStack('c', { inputSourceMap: true, sourceRoot: pathToFileURL(FIXTURE).href + '/' });
    expect(stack[0]).toBe('RuntimeError unreachable');
    const frames = stack.filter((l) => /^\s+at /.test(l));
    const trap = join(FIXTURE, 'trap.c');
    const i = frames.findIndex((f) => f.includes('check_depth'));
    expect(frames[i]).toMatch(new RegExp(`at check_depth \\(${escape(trap)}:${cLine('TRAP-LINE')}:\\d+\\)$`));
    expect(frames[i + 1]).toMatch(new RegExp(`at walk \\(${escape(trap)}:${cLine('CALL-LINE')}:\\d+\\)$`));
    expect(frames[i + 2]).toMatch(new RegExp(`at run \\(${escape(trap)}:\\d+:\\d+\\)$`));
  });

  it('name the wasm functions and point at the trapping instruction otherwise', () => {
    const stack = trapStack('wasm', { inputSourceMap: false, sourceFileName: 'trap.wasm' });
    const frame = stack.find((l) => l.includes('check_depth'))!;
    const m = /at check_depth \((.*)trap\.wasm:1:(\d+)\)$/.exec(frame)!;
    expect(m).not.toBeNull();
    // Node prints 1-based columns: the column minus one is the byte offset, an `unreachable` (0x00).
    const offset = Number(m[2]) - 1;
    expect(TRAP_WASM[offset]).toBe(0x00);
    const func = instructionBoundaries(decodeAndValidate(TRAP_WASM)).get(offset);
    expect(readNames(decodeAndValidate(TRAP_WASM)).funcs.get(func!)).toBe('check_depth');
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('kiln compile --source-map', () => {
  const cli = (args: string[], cwd: string) =>
    spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'compiler/cli.ts'), ...args], { cwd, encoding: 'utf8' });

  it('writes <output>.map, composed through the sourceMappingURL section, sources relative to it', () => {
    const dir = scratch('cli');
    mkdirSync(join(dir, 'in'));
    mkdirSync(join(dir, 'out'));
    for (const f of ['trap.wasm', 'trap.wasm.map']) copyFileSync(join(FIXTURE, f), join(dir, 'in', f));
    const r = cli(['compile', 'in/trap.wasm', '-o', 'out/trap.js', '--source-map'], dir);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const code = readFileSync(join(dir, 'out/trap.js'), 'utf8');
    expect(code.endsWith('//# sourceMappingURL=trap.js.map\n')).toBe(true);
    const map = JSON.parse(readFileSync(join(dir, 'out/trap.js.map'), 'utf8'));
    expect(map.file).toBe('trap.js');
    expect(map.sources).toEqual(['../in/trap.c']);
    expect(map.sourcesContent).toEqual([TRAP_C]);

    // --input-source-map none: the map targets the wasm module, named relative to the output.
    expect(cli(['compile', 'in/trap.wasm', '-o', 'out/trap.js', '--source-map', '--input-source-map', 'none'], dir).status).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'out/trap.js.map'), 'utf8')).sources).toEqual(['../in/trap.wasm']);

    // An explicit input map; inline output.
    const inline = cli(['compile', 'in/trap.wasm', '--source-map', 'inline', '--input-source-map', join(FIXTURE, 'trap.wasm.map')], dir);
    expect(inline.status).toBe(0);
    const m = /\/\/# sourceMappingURL=data:application\/json;charset=utf-8;base64,(\S+)\n$/.exec(inline.stdout)!;
    expect(JSON.parse(Buffer.from(m[1], 'base64').toString('utf8')).sources).toEqual([relative(dir, join(FIXTURE, 'trap.c'))]);

    // A sourceMappingURL naming a missing file: a warning, and a map to the wasm.
    rmSync(join(dir, 'in/trap.wasm.map'));
    const missing = cli(['compile', 'in/trap.wasm', '-o', 'out/trap.js', '--source-map'], dir);
    expect(missing.status).toBe(0);
    expect(missing.stderr).toMatch(/warning: .*trap\.wasm\.map, which does not exist/);
    expect(JSON.parse(readFileSync(join(dir, 'out/trap.js.map'), 'utf8')).sources).toEqual(['../in/trap.wasm']);
  }, 60_000);

  it('refuses a file map without -o, and unknown values (exit status 2)', () => {
    const dir = scratch('cli-usage');
    const noOut = cli(['compile', join(FIXTURE, 'trap.wasm'), '--source-map'], dir);
    expect(noOut.status).toBe(2);
    expect(noOut.stderr).toMatch(/give -o, or use --source-map inline/);
    const bad = cli(['compile', join(FIXTURE, 'trap.wasm'), '-o', 'x.js', '--source-map', 'sideways'], dir);
    expect(bad.status).toBe(2);
    expect(existsSync(join(dir, 'x.js'))).toBe(false);
  }, 60_000);
});
