/**
 * The host half of the engine matrix (harness.ts is the in-engine half):
 * turns one `.wast` file into one self-contained script any JS engine runs,
 * and a bench kernel into another.
 *
 * A spec script is made by running test/spec/wast.ts's `runScript` on the
 * host against recorders instead of an engine: wabt's text-to-binary results,
 * Kiln's validation verdicts and the modules Kiln compiles (CommonJS,
 * `runtime: 'import'`, for the target) are recorded in call order, nothing
 * is executed. The script holds the .wast source, the records, the compiled
 * modules as functions, one copy of the target's inline runtime (which every
 * module requires), and the harness, bundled by esbuild (and, for Hermes,
 * lowered like the hermes runtime: no `class`, no `let`/`const`).
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { compile, validate } from '../../compiler/index.js';
import { runtimeSource, type Target } from '../../compiler/emit/runtime-source.js';
import type { Tune } from '../../compiler/lower/env.js';
import { loadWabt, wabtFeatures } from '../spec/suite.js';
import { runScript, type Wabt } from '../spec/wast.js';
import type { Engine } from '../spec/engine.js';
import type { Records } from './harness.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');

/** test/spec/engine.ts imports Node modules; the harness needs only its NotAvailableError. */
const engineShim: Plugin = {
  name: 'kiln-engine-shim',
  setup(b) {
    b.onResolve({ filter: /^\.\/engine\.js$/ }, (args) => (args.importer.endsWith(join('spec', 'wast.ts')) ? { path: 'engine', namespace: 'kiln-shim' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'kiln-shim' }, () => ({
      contents: "export class NotAvailableError extends Error { constructor(m) { super(m); this.name = 'NotAvailableError'; } }",
      loader: 'js',
    }));
  },
};

/** Lowers a script for Hermes 0.12 (scripts/bundle-runtime.mjs `lowerForHermes`). */
export async function lowerForHermes(code: string): Promise<string> {
  const mod = (await import(join(ROOT, 'scripts', 'bundle-runtime.mjs'))) as { lowerForHermes(code: string): Promise<string> };
  return mod.lowerForHermes(code);
}

const harnesses = new Map<Target, Promise<string>>();

/** The harness bundle for `target` (a script; built once). */
export function harness(target: Target): Promise<string> {
  let h = harnesses.get(target);
  if (h === undefined) {
    h = (async () => {
      const r = await build({
        entryPoints: [join(HERE, 'harness.ts')],
        bundle: true,
        write: false,
        format: 'iife',
        platform: 'neutral',
        target: 'es2020',
        // Hermes 0.12 has generators but no async arrow functions: esbuild lowers async to generators.
        supported: target === 'hermes' ? { 'async-await': false } : {},
        legalComments: 'none',
        logLevel: 'silent',
        plugins: [engineShim],
      });
      const text = r.outputFiles![0].text;
      return target === 'hermes' ? lowerForHermes(text) : text;
    })();
    harnesses.set(target, h);
  }
  return h;
}

/** A JS string literal of `s` (JSON, with the line separators escaped for engines that predate ES2019). */
function literal(s: string): string {
  return JSON.stringify(s).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function errorRecord(e: unknown): { name: string; message: string } {
  const err = e as { name?: unknown; message?: unknown } | null;
  return { name: String(err?.name ?? typeof e), message: String(err?.message ?? e) };
}

export interface SpecScript {
  /** The script's text. */
  script: string;
  /** Modules compiled into it. */
  modules: number;
}

/**
 * The engine-independent script of one `.wast` file: `path` is the file, its
 * name (`i32.wast`) is what failures report. Modules are compiled for `target`
 * and `tune` (compile options).
 */
export async function specScript(path: string, target: Target, suite = 'wasm-2.0', tune?: Tune): Promise<SpecScript> {
  const src = readFileSync(path, 'utf8');
  const file = basename(path);
  const wabt = await loadWabt();
  const features = wabtFeatures(suite);
  const records: Records = { parse: [], validate: [], compile: [] };
  const modules: string[] = [];
  const seen = new Map<string, number>();
  const recordingWabt: Wabt = {
    parseWat(name, text, feats) {
      let mod: ReturnType<Wabt['parseWat']>;
      try {
        mod = wabt.parseWat(name, text, feats);
      } catch (e) {
        records.parse.push({ error: errorRecord(e).message });
        throw e;
      }
      return {
        toBinary(options) {
          try {
            const r = mod.toBinary(options);
            records.parse.push({ len: r.buffer.length });
            return r;
          } catch (e) {
            records.parse.push({ error: errorRecord(e).message });
            throw e;
          }
        },
        destroy: () => mod.destroy(),
      };
    },
  };
  const recorder: Engine = {
    name: 'kiln-recorder',
    validates: true,
    executes: true,
    notes: [],
    validate(bytes) {
      try {
        validate(bytes);
      } catch (e) {
        records.validate.push({ len: bytes.length, error: errorRecord(e) });
        throw e;
      }
      records.validate.push({ len: bytes.length });
    },
    compile(bytes) {
      let code: string;
      try {
        code = compile(bytes, { format: 'cjs', runtime: 'import', target, tune }).code;
      } catch (e) {
        records.compile.push({ len: bytes.length, error: errorRecord(e) });
        throw e;
      }
      let index = seen.get(code);
      if (index === undefined) {
        index = modules.push(code) - 1;
        seen.set(code, index);
      }
      records.compile.push({ len: bytes.length, module: index });
      return {};
    },
    instantiate: () => ({ exports: {} }),
    spectest: () => ({}),
    isExhaustion: () => false,
  };
  await runScript(src, { file, engine: recorder, wabt: recordingWabt, features });
  const parts = [
    `// Kiln engine matrix: ${file} for target ${target} (generated by test/engines/spec-bundle.ts)\n`,
    `var __kiln = { file: ${literal(file)}, src: ${literal(src)}, features: ${JSON.stringify(features)},\n`,
    `records: ${JSON.stringify(records)},\nmodules: [\n`,
    ...modules.map((code) => `function (module, exports, require) {\n${code}\n},\n`),
    `] };\n__kiln.runtime = ${runtimeSource(target)};\n`,
    await harness(target),
  ];
  return { script: parts.join(''), modules: modules.length };
}

/** A bench kernel as a script: instantiates the module, calls its export, prints `KILN-KERNEL {name, result, ok, ms}`. */
export function kernelScript(name: string, bytes: Uint8Array, exportName: string, checksum: number, target: Target, tune?: Tune): string {
  const { code } = compile(bytes, { format: 'cjs', target, tune });
  return [
    `// Kiln engine matrix: bench kernel ${name} for target ${target} (generated by test/engines/spec-bundle.ts)\n`,
    `var __out = typeof console === 'object' && console !== null && typeof console.log === 'function' ? function (s) { console.log(s); } : print;\n`,
    `var __module = { exports: {} };\n`,
    `(function (module, exports) {\n${code}\n})(__module, __module.exports);\n`,
    `(function () {\n`,
    `  var t0 = Date.now();\n`,
    `  try {\n`,
    `    var r = __module.exports.instantiate({}).exports[${literal(exportName)}]();\n`,
    `    __out('KILN-KERNEL ' + JSON.stringify({ name: ${literal(name)}, result: r, ok: r === ${checksum}, ms: Date.now() - t0 }));\n`,
    `  } catch (e) {\n`,
    `    __out('KILN-KERNEL ' + JSON.stringify({ name: ${literal(name)}, error: String(e && e.stack || e), ms: Date.now() - t0 }));\n`,
    `  }\n`,
    `})();\n`,
  ].join('');
}
