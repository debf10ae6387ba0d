/**
 * esbuild-wasm: the esbuild bundler (Go, `GOOS=js GOARCH=wasm`, 13.5 MB of
 * wasm in 0.27.7) through its own unchanged CLI glue (`bin/esbuild`, which loads Go's
 * `wasm_exec_node.js` and `wasm_exec.js`), once on the engine's WebAssembly and
 * once in a process where it is deleted and Kiln's namespace installed over the
 * module compiled ahead of time (`createWebAssembly`, preloaded with `--import`).
 * Output files, source maps, stdout, stderr and the exit status must be the
 * same. Go keeps its stack in linear memory, resumes every function through a
 * `br_table` in one loop, and computes addresses in i64: code no C toolchain
 * emits.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, it, expect, beforeAll } from 'vitest';
import { compile } from '../../compiler/index.js';
import { packageDir } from './glue.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const PKG = packageDir('esbuild-wasm');
const OUT = join(ROOT, '.tmp', 'realworld', 'esbuild-wasm');
const PRELOAD = join(OUT, 'preload.mjs');

/** Writes the project `files` (path -> text) under `dir`. */
function project(dir: string, files: Record<string, string>): void {
  rmSync(dir, { recursive: true, force: true });
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  /** The files the run wrote (name -> text), from `outputs`. */
  files: Record<string, string>;
}

/** Runs esbuild's CLI with `args` (`{out}` replaced by this engine's output directory) on native WebAssembly or on Kiln. */
function esbuild(engine: 'native' | 'kiln', args: string[], input = '', outputs: string[] = []): Run {
  const out = join(OUT, `out-${engine}`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const pre = engine === 'kiln' ? ['--import', 'tsx', '--import', pathToFileURL(PRELOAD).href] : [];
  const r = spawnSync(process.execPath, [...pre, join(PKG, 'bin', 'esbuild'), ...args.map((a) => a.replace('{out}', out))], {
    cwd: ROOT,
    input,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    timeout: 120_000,
  });
  // Timings and the output directory are the only things allowed to differ.
  const clean = (s: string) => s.replace(/Done in \d+ms/g, 'Done').replaceAll(out, '{out}').replaceAll(relative(ROOT, out), '{out}');
  const files: Record<string, string> = {};
  for (const f of outputs) files[f] = clean(readFileSync(join(out, f), 'utf8'));
  return { status: r.status, stdout: clean(r.stdout), stderr: clean(r.stderr), files };
}

/** Runs both engines and expects the same outcome; returns it. */
function same(args: string[], input = '', outputs: string[] = []): Run {
  const native = esbuild('native', args, input, outputs);
  const kiln = esbuild('kiln', args, input, outputs);
  expect(kiln).toEqual(native);
  return native;
}

beforeAll(() => {
  mkdirSync(OUT, { recursive: true });
  const { code } = compile(new Uint8Array(readFileSync(join(PKG, 'esbuild.wasm'))), { format: 'cjs' });
  writeFileSync(join(OUT, 'esbuild.cjs'), code);
  const api = pathToFileURL(join(ROOT, 'runtime', 'webassembly.ts')).href;
  writeFileSync(
    PRELOAD,
    [
      `import { createRequire } from 'node:module';`,
      `import { createWebAssembly } from ${JSON.stringify(api)};`,
      `const precompiled = createRequire(import.meta.url)('./esbuild.cjs');`,
      `delete globalThis.WebAssembly;`,
      `globalThis.WebAssembly = createWebAssembly([precompiled]);`,
      '',
    ].join('\n'),
  );
}, 300_000);

describe('esbuild-wasm (Go) through its own CLI glue on Kiln', () => {
  it('transforms TypeScript from stdin as on native WebAssembly', { timeout: 300_000 }, () => {
    const ts = [
      'enum Color { Red = 1, Green = Red * 2, Blue = Green << 2 }',
      'namespace Geometry { export const area = (w: number, h: number): number => w * h; }',
      'abstract class Shape<T extends object> { constructor(readonly meta: T, private id = 42n) {} abstract size(): number; }',
      'export class Box extends Shape<{ name: string }> { size() { return Geometry.area(3.5, 2) * Color.Blue; } }',
      'export const big = 0x1fffffffffffffn * 3n, tpl = `${Color[2]}:${new Box({ name: "b" }).size()}`;',
      'export default async function* gen(xs?: number[]) { for await (const x of xs ?? []) yield x ** 2; }',
    ].join('\n');
    const r = same(['--loader=ts', '--target=es2020', '--format=cjs'], ts);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\["Blue"\] = 8\] = "Blue"/);
  });

  it('bundles and minifies a project with a source map as on native WebAssembly', { timeout: 300_000 }, () => {
    const dir = join(OUT, 'project');
    project(dir, {
      'src/main.js': `import { greet } from './lib/greet.js';\nimport data from './data.json';\nimport * as astring from 'astring';\nexport const out = greet(data.names) + astring.generate({ type: 'Identifier', name: 'x' });\n`,
      'src/lib/greet.js': `export const greet = (names) => names.map((n, i) => \`\${i}: hello \${n.toUpperCase()}\`).join('\\n');\nexport const unused = () => 'dropped by tree shaking';\n`,
      'src/data.json': JSON.stringify({ names: ['ada', 'grace', 'édith', '李'] }),
    });
    const r = same(
      [join(dir, 'src', 'main.js'), '--bundle', '--minify', '--sourcemap', '--format=esm', '--outfile={out}/bundle.js', '--metafile={out}/meta.json'],
      '',
      ['bundle.js', 'bundle.js.map', 'meta.json'],
    );
    expect(r.status).toBe(0);
    expect(r.files['bundle.js']).not.toMatch(/dropped by tree shaking/);
    expect(JSON.parse(r.files['bundle.js.map']!).sources.length).toBeGreaterThan(2);
  });

  it('reports a syntax error with the same message and exit status', { timeout: 300_000 }, () => {
    const r = same(['--loader=ts', '--sourcefile=broken.ts'], 'const x: number = (1 + ;\nlet y = `unterminated');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\[ERROR\] Unexpected ";"[^]*broken\.ts:1:\d+/);
  });
});
