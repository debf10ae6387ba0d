/**
 * Assembles the JavaScript module for a validated wasm module: the runtime
 * binding, the `imports`/`exports` descriptors, and `instantiate`, which
 * follows the spec's instantiation order (4.5.4): imports resolved and
 * checked, memories, tables and globals created, functions defined, element
 * then data segments applied, then the start function.
 *
 * Functions are lowered and printed one at a time, so the whole module's AST
 * is never held at once. The statements of `instantiate` around them come
 * from emit/parts.ts (shared with the run-time compile mode, emit/lazy.ts).
 */
import { GENERATOR, generate } from 'astring';
import { DENSE_GENERATOR } from './dense.js';
import { withShortNames } from './short-names.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { FLAT_DEPTH } from '../lower/func.js';
import { memoryGrowers } from '../lower/grows.js';
import { tableContents } from '../lower/tables.js';
import { checkTune, makeEnv, type I64Lowering, type Tune } from '../lower/env.js';
import type { Module } from '../module.js';
import type { Stmt } from '../lower/ast.js';
import { runtimeSource, type Target } from './runtime-source.js';
import { fuelPrologue, sandboxBindings } from '../lower/fuel.js';
import { resolveFuelCosts, type FuelCosts } from '../lower/fuel-costs.js';
import { compilePageLimit, limitCall } from '../lower/pagelimit.js';
import { functionHeader } from './names.js';
import { RUNTIME_BINDINGS } from '../bindings.js';
import { functionIR, lowerWithPasses, entryFuel, DEFAULT_SPLIT_WEIGHT } from '../passes/index.js';
import { ModuleSourceMap, type SourceMapOptions } from './sourcemap.js';
import { KIND_NAMES, epilogue, keptCustomSections, prologue } from './parts.js';

/** Options of `compile` (see README "API"; source maps: emit/sourcemap.ts). */
export interface CompileOptions extends SourceMapOptions {
  /** Module format of the output: ES module (default) or CommonJS. */
  format?: 'esm' | 'cjs';
  /** `inline` (default): the runtime is embedded; `import`: imported from `runtimeModule`. */
  runtime?: 'inline' | 'import';
  /** Module specifier of the shared runtime in `import` mode (default `wasm-kiln/runtime`). */
  runtimeModule?: string;
  /** Default page limit (pages of 64 KiB) baked into the output; `instantiate` options may override it. */
  maxMemoryPages?: number;
  /**
   * Block nesting depth past which a function is lowered in the flat form
   * (one dispatch loop; JS engines reject very deep nesting), counted once
   * its `br_table` nests are lowered as one `switch` each (passes/regions.ts,
   * done only for a function deeper than this). Default 256; tests set 0 to
   * lower every function flat.
   */
  flatDepth?: number;
  /**
   * Largest emitted function, in AST nodes, before the function is split into
   * nested parts (passes/split.ts; JS engines do not optimize huge functions).
   * Default DEFAULT_SPLIT_WEIGHT (12,000); 0 turns splitting off.
   */
  splitWeight?: number;
  /**
   * Indent the output two spaces a level and space it, for reading (default: dense, one statement a line,
   * no indentation, no space JS does not need: emit/dense.ts).
   */
  pretty?: boolean;
  /**
   * Print a comment line before each function: its funcidx, name, type and body offset
   * (`// func 3 fib: type 1 [i32] -> [i32], body at 0x1a4 (52 bytes)`). Default: `pretty`.
   */
  headers?: boolean;
  /**
   * Name each function's variables `a`, `b`, ... (the most used first: emit/short-names.ts) rather
   * than after what they hold (`l3`, wasm local 3; `t0`, a temporary). Default: not `pretty`.
   */
  shortNames?: boolean;
  /**
   * Emit fuel metering (README "Running untrusted plugins"): `instantiate`
   * then takes `options.fuel` and the instance has `getFuel`/`setFuel`.
   */
  fuel?: boolean;
  /** Overrides of the fuel cost table (lower/fuel-costs.ts DEFAULT_FUEL_COSTS); used with `fuel`. */
  fuelCosts?: Partial<FuelCosts>;
  /**
   * How functions compute with i64 (lower/i64big.ts): `auto` (default) uses
   * BigInts in functions whose loops do enough i64 arithmetic and int32
   * pairs elsewhere; `pair` and `bigint` force one form (for tests).
   */
  i64?: I64Lowering;
  /**
   * Called with the output while it is produced, piece by piece and in order
   * (the header and runtime, then each function as soon as it is printed,
   * then the rest), so a caller can show a large module before the compile
   * ends (the explorer, examples/explorer/). The pieces joined are `code`
   * without the `sourceMappingURL` comment that `sourceMap` appends.
   */
  onOutput?: (text: string) => void;
  /**
   * Custom sections (spec 5.5.3) to keep in the output, for the JS API's
   * `Module.customSections` (runtime/webassembly.ts): `true` keeps all, an
   * array keeps those names. Default: none.
   */
  customSections?: boolean | readonly string[];
  /**
   * The engines the output must parse and run in (README "Engines"):
   * `hermes` (default): every ES2020 engine and Hermes 0.12 (React Native),
   * which rejects `class` and gives `let`/`const` function scope: the inline
   * runtime has neither (no slower in V8); `es2020`: ES2020 engines only,
   * the inline runtime keeps its `class` syntax.
   */
  target?: Target;
  /**
   * The engines the output is made fast for (README "Tuning for Hermes"):
   * `jit` (default): engines with an optimizing JIT (V8, SpiderMonkey,
   * JavaScriptCore), memory through `DataView` methods; `hermes`: engines
   * without one, Hermes (React Native) and V8 `--jitless` (Chromium
   * `--jitless`): memory through typed-array views, read through local
   * copies (`h32[a / 4] ?? dv.getInt32(a, true)`, exact: a misaligned or
   * out-of-bounds access takes the `DataView` path), 1.1-2x faster there
   * and slower in the JIT engines. Either output runs in every engine its
   * `target` allows.
   */
  tune?: Tune;
}

/** The output targets (`target` option). */
export const TARGETS: readonly Target[] = ['es2020', 'hermes'];

/**
 * Emits the JS module text for `m`, which must have been validated.
 * Returns the source text (ESM or CJS per `opts.format`); with
 * `opts.sourceMap`, sets `out.map` to the source map (JSON).
 */
export function emitModule(m: Module, opts: CompileOptions = {}, out?: { map?: string }): string {
  const limit = compilePageLimit(opts.maxMemoryPages);
  const env = makeEnv(m, opts.flatDepth ?? FLAT_DEPTH, false, limit);
  env.fuel = opts.fuel ? resolveFuelCosts(opts.fuelCosts) : null;
  env.prepaid = env.fuel ? entryFuel(m, env.fuel) : null;
  env.i64 = opts.i64 ?? 'auto';
  env.bigFuncs = new Map();
  env.tables = tableContents(m);
  env.growers = m.memories.length > 0 ? memoryGrowers(m, env.tables) : null;
  env.tune = checkTune(opts.tune ?? 'jit');
  const sm = opts.sourceMap ? new ModuleSourceMap(env, opts) : null;
  const format = opts.format ?? 'esm';
  const target = opts.target ?? 'hermes';
  if (!TARGETS.includes(target)) throw new TypeError(`unknown target ${JSON.stringify(target)}: expected one of ${TARGETS.join(', ')}`);
  // Compact by default: one statement per line, no indentation (deep wasm block nesting makes
  // indentation most of the output, and it defeats gzip) and no space JS does not need (dense.ts);
  // `pretty` indents two spaces a level and spaces the code as astring does.
  const unit = opts.pretty ? '  ' : '';
  const generator = opts.pretty ? GENERATOR : DENSE_GENERATOR;
  const shortNames = opts.shortNames ?? !opts.pretty;
  // Lowered function (or Program of functions) `d` printed.
  const printed = (d: Stmt) =>
    shortNames ? withShortNames(d, generator, (g) => generate(d, { indent: unit, generator: g })) : generate(d, { indent: unit, generator });
  const parts: string[] = [];
  const onOutput = opts.onOutput;
  let sent = 0;
  const flush = () => {
    if (onOutput !== undefined) while (sent < parts.length) onOutput(parts[sent++]);
  };
  parts.push('// Generated by Kiln (wasm-kiln). Do not edit.\n');
  if ((opts.runtime ?? 'inline') === 'import') {
    const spec = JSON.stringify(opts.runtimeModule ?? 'wasm-kiln/runtime');
    parts.push(format === 'esm' ? `import * as $rt from ${spec};\n` : `const $rt = require(${spec});\n`);
  } else {
    parts.push(`const $rt = ${runtimeSource(target)};\n`);
  }
  parts.push(`const { ${[...RUNTIME_BINDINGS, ...sandboxBindings(env)].join(', ')} } = $rt;\n`);
  const importDescs = m.imports.map((i) => ({ module: i.module, name: i.name, kind: KIND_NAMES[i.kind] }));
  const exportDescs = m.exports.map((e) => ({ name: e.name, kind: KIND_NAMES[e.kind] }));
  parts.push(`const $imports = ${JSON.stringify(importDescs)};\n`);
  parts.push(`const $exports = ${JSON.stringify(exportDescs)};\n`);
  parts.push(`const $sha256 = ${JSON.stringify(bytesToHex(sha256(m.bytes)))};\n`);
  parts.push(`const $customSections = ${JSON.stringify(keptCustomSections(m, opts.customSections ?? false))};\n`);
  const splitWeight = opts.splitWeight ?? DEFAULT_SPLIT_WEIGHT;
  parts.push(
    `/**\n * Instantiates the module (spec 4.5.4): resolves \`imports\`, creates its state,\n` +
      ` * applies element and data segments, runs the start function.\n * @returns {{ exports: object }}\n */\n` +
      `function instantiate(importObject, options) {\n` +
      `${unit}const limit = ${limitCall(env.smallMemory, limit, !!env.fuel)};\n`,
  );
  // `trimEnd` also flattens astring's rope (thousands of pieces) while it is young: leaving each
  // function's rope whole until the final join cost 30-60% more compile time and 90 MB more peak RSS.
  const indent = (code: string) => (unit === '' ? code.trimEnd() + '\n' : unit + code.trimEnd().replace(/\n/g, '\n' + unit) + '\n');
  // The function declarations first (hoisted: the statements after them see them all). Under
  // `auto`, a function given the BigInt form also gets an int32-pair variant `<name>$pair`, chosen
  // at instantiate for engines other than V8 with its JIT (runtime/i64form.ts), before anything
  // (the prologue's Func objects) takes the function's value: the swap follows the declarations.
  // A BigInt function is also emitted with whole-i64 memory accesses as two 32-bit ones
  // (`<name>$b32`), chosen at instantiate where V8 does not inline the DataView BigInt methods
  // (runtime/i64form.ts `DV_BIG`). The variants share the register file, sized for both.
  const variants: number[] = [];
  const b32: number[] = [];
  for (let i = m.numImportedFuncs; i < m.funcTypes.length; i++) {
    // The header comment (funcidx, name, type, body offset) is for reading: by default only when
    // `pretty` (2-4% of a large module's dense output; its source map names the wasm offsets).
    const header = (opts.headers ?? opts.pretty) ? unit + functionHeader(m, env.funcIds, i) : '';
    const fn = functionIR(env, i);
    env.dvBig = true;
    const decl = lowerWithPasses(env, fn, splitWeight);
    env.dvBig = false;
    let slots = env.bigFuncs.get(i);
    const whole = slots !== undefined && /\.(get|set)BigUint64\(/.test(generate(decl, { indent: '' }));
    const old = whole ? lowerWithPasses(env, fn, splitWeight, '$b32') : null;
    if (slots !== undefined) {
      slots = Math.max(slots, env.bigFuncs.get(i)!);
      if (whole) b32.push(i);
      parts.push(indent(`const RF${i} = new BigUint64Array(${slots}), RD${i} = new Int32Array(RF${i}.buffer);\nlet RB${i} = 0;`));
    }
    if (sm !== null) parts.push(sm.func(parts, env, i, decl, header, unit, shortNames));
    else parts.push(header + indent(printed(decl)));
    if (old !== null) {
      const oldHeader = header === '' ? '' : `${header.trimEnd()}; i64 memory accesses as two 32-bit ones, for V8 before 13.6\n`;
      if (sm !== null) parts.push(sm.func(parts, env, i, old, oldHeader, unit, shortNames));
      else parts.push(oldHeader + indent(printed(old)));
    }
    if (env.i64 === 'auto' && slots !== undefined) {
      variants.push(i);
      env.i64 = 'pair';
      const alt = lowerWithPasses(env, fn, splitWeight, '$pair');
      env.i64 = 'auto';
      const altHeader = header === '' ? '' : `${header.trimEnd()}; i64 as int32 pairs, for engines other than V8\n`;
      if (sm !== null) parts.push(sm.func(parts, env, i, alt, altHeader, unit, shortNames));
      else parts.push(altHeader + indent(printed(alt)));
    }
    fn.release();
    flush();
  }
  if (b32.length > 0) {
    const swaps = b32.map((i) => `${env.funcName(i)} = ${env.funcName(i)}$b32;`).join(' ');
    parts.push(`${unit}if (!DV_BIG) { ${swaps} }\n`);
  }
  if (variants.length > 0) {
    const swaps = variants.map((i) => `${env.funcName(i)} = ${env.funcName(i)}$pair;`).join(' ');
    parts.push(`${unit}if (!i64BigInt(options)) { ${swaps} }\n`);
  }
  if (env.fuel) parts.push(indent(fuelPrologue()));
  for (const s of prologue(env)) parts.push(indent(generate(s, { indent: unit, generator })));
  for (const s of epilogue(env)) parts.push(indent(generate(s, { indent: unit, generator })));
  parts.push('}\n');
  if (format === 'esm') parts.push('export { $imports as imports, $exports as exports, $sha256 as sha256, $customSections as customSections, instantiate };\n');
  else parts.push('module.exports = { imports: $imports, exports: $exports, sha256: $sha256, customSections: $customSections, instantiate };\n');
  flush();
  if (sm === null) return parts.join('');
  const r = sm.finish(parts.join(''));
  if (out !== undefined) out.map = r.map;
  return r.code;
}

