/**
 * The `kiln` command line: `kiln validate file.wasm`, `kiln compile in.wasm -o out.js`,
 * `kiln explore [file.wasm]` (explore.ts).
 * Exit status 0 on success, 1 on invalid input (CompileError), 2 on usage or I/O errors.
 */
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { basename, dirname, relative } from 'node:path';
import yargs, { type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { compile, validate, dtsFileName, CompileError } from './index.js';
import { cliInputSourceMap, posixPath } from './emit/sourcemap-files.js';
import { serveExplorer } from './explore.js';

function read(file: string): Uint8Array {
  return new Uint8Array(readFileSync(file));
}

/** Prints a CompileError as `file: error at byte offset 0x…: message` and sets exit status 1. */
function report(file: string, e: unknown): void {
  if (e instanceof CompileError) {
    process.stderr.write(`${file}: ${e.message}\n`);
    process.exitCode = 1;
    return;
  }
  throw e;
}

/** Writes through a temporary file: a failed write never leaves partial output. */
function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** A usage error: the message, exit status 2. */
function usage(msg: string): never {
  process.stderr.write(`kiln: ${msg}\n`);
  process.exit(2);
}

/** `kiln explore [file]`: serves the explorer with the file preloaded (explore.ts). */
const EXPLORE: CommandModule<object, { file?: string; port: number; host: string }> = {
  command: 'explore [file]',
  describe:
    'Serve the explorer on this machine: a page that compiles a .wasm in the browser and shows its functions, the JS and the wasm side by side, linked through the source map (README "The explorer"). The file, if given, is loaded at once; other files can be dropped on the page.',
  builder: (y) =>
    y
      .positional('file', { type: 'string', describe: 'the .wasm to load (its source map too, when its sourceMappingURL section names a file beside it)' })
      .option('port', { type: 'number', default: 8123, describe: 'port to listen on (0: any free port)' })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to listen on' }),
  handler: async (args) => {
    const server = await serveExplorer({ file: args.file, port: args.port, host: args.host });
    process.stdout.write(`Kiln explorer: ${server.url}${args.file === undefined ? '' : ` (${args.file})`}; Ctrl-C stops it\n`);
  },
};

/** Runs the CLI on `argv` (without the node and script paths). */
export async function main(argv: string[]): Promise<void> {
  await yargs(argv)
    .scriptName('kiln')
    .usage('$0 <command> [options]\n\nKiln compiles WebAssembly binaries to plain JavaScript modules.')
    .command(
      'validate <file>',
      'Decode and validate a .wasm file exactly as the WebAssembly 2.0 spec says. Prints "ok", or the error with its byte offset (exit status 1).',
      (y) => y.positional('file', { type: 'string', demandOption: true, describe: 'the .wasm binary to check' }),
      (args) => {
        try {
          validate(read(args.file));
          process.stdout.write('ok\n');
        } catch (e) {
          report(args.file, e);
        }
      },
    )
    .command(
      'compile <file>',
      'Compile a .wasm file to a JavaScript module exporting instantiate(imports?, options?), imports and exports. An invalid module produces no output (exit status 1).',
      (y) =>
        y
          .positional('file', { type: 'string', demandOption: true, describe: 'the .wasm binary to compile' })
          .option('output', { alias: 'o', type: 'string', describe: 'write the JS module here (default: standard output)' })
          .option('format', { choices: ['esm', 'cjs'] as const, default: 'esm' as const, describe: 'module format of the output: ES module or CommonJS' })
          .option('runtime', {
            choices: ['inline', 'import'] as const,
            default: 'inline' as const,
            describe: 'inline: embed the runtime (a standalone file with no imports); import: import it from wasm-kiln/runtime',
          })
          .option('pretty', { type: 'boolean', default: false, describe: 'indent the output two spaces a level and space it, for reading (default: compact: one statement per line, no indentation, no space JS does not need)' })
          .option('headers', { type: 'boolean', describe: 'print a comment line before each function: its funcidx, name, type and body offset (default: with --pretty)' })
          .option('short-names', { type: 'boolean', describe: "name each function's variables a, b, ... (most used first) instead of after what they hold (l3: wasm local 3, t0: a temporary); --no-short-names keeps those (default: short unless --pretty)" })
          .option('max-memory-pages', { type: 'number', describe: 'default memory page limit (pages of 64 KiB) baked into the output; instantiate options can override it' })
          .option('split-weight', {
            type: 'number',
            describe: 'largest emitted function, in AST nodes, before it is split into nested parts (JS engines do not optimize huge functions); default 12000, 0 turns splitting off',
          })
          .option('fuel', { type: 'boolean', describe: 'emit fuel metering: instantiate takes options.fuel, the instance has getFuel/setFuel, and running out traps (out-of-fuel)' })
          .option('fuel-costs', { type: 'string', describe: 'JSON file overriding the fuel cost table (implies --fuel; see README "Running untrusted plugins")' })
          .option('i64', {
            choices: ['auto', 'pair', 'bigint'] as const,
            default: 'auto' as const,
            describe: 'how functions compute with i64: auto: BigInt in functions whose loops do enough i64 arithmetic, int32 pairs elsewhere; pair or bigint: one form everywhere',
          })
          .option('target', {
            choices: ['hermes', 'es2020'] as const,
            default: 'hermes' as const,
            describe: 'the engines the output must run in: hermes (every ES2020 engine and Hermes 0.12, React Native: no class syntax, no let/const in the inline runtime), es2020 (ES2020 engines only; the inline runtime keeps its classes); see README "Engines"',
          })
          .option('tune', { choices: ['jit', 'hermes'] as const, default: 'jit' as const, describe: 'the engines the output is made fast for: jit (V8, SpiderMonkey, JavaScriptCore: memory through DataView methods), hermes (engines without a JIT, Hermes in React Native, V8 --jitless as in Chromium --jitless: memory through typed-array views, 1.1-2x faster there, slower with a JIT); see README "Tuning for Hermes"' })
          .option('custom-sections', {
            type: 'string',
            describe: 'custom sections to keep for WebAssembly.Module.customSections (wasm-kiln/webassembly): "all", or names separated by commas (default: none)',
          })
          .option('source-map', {
            type: 'string',
            describe: 'write a source map to <output>.map (or with "inline", into the output) mapping the JS to the wasm, or to the original sources when there is an input source map',
          })
          .option('input-source-map', {
            type: 'string',
            describe: "the wasm module's own source map to compose with (default: the module's sourceMappingURL section; \"none\" to ignore it)",
          })
          .option('dts', {
            type: 'boolean',
            describe: 'also write TypeScript declarations beside the output: out.d.ts for out.js (out.d.mts for .mjs, out.d.cts for .cjs): the import object, every export, instantiate options and result',
          }),
      (args) => {
        const sm = args['source-map'];
        const inline = sm === 'inline';
        // --input-source-map alone implies --source-map.
        const wantMap = sm !== undefined || (args['input-source-map'] !== undefined && args['input-source-map'] !== 'none');
        if (sm !== undefined && sm !== '' && sm !== 'true' && !inline) usage(`--source-map takes no value or "inline", not ${JSON.stringify(sm)}`);
        if (wantMap && !inline && args.output === undefined) usage('--source-map writes <output>.map beside the output: give -o, or use --source-map inline');
        if (args.dts === true && args.output === undefined) usage('--dts writes the declarations beside the output (out.d.ts for out.js): give -o');
        let code: string;
        let map: string | undefined;
        let dts: string | undefined;
        try {
          const bytes = read(args.file);
          const mapOptions: Parameters<typeof compile>[1] = {};
          if (wantMap) {
            const outDir = args.output === undefined ? '.' : dirname(args.output);
            const input = cliInputSourceMap(args.file, bytes, args['input-source-map'], outDir);
            if (input.warning !== undefined) process.stderr.write(`kiln: warning: ${input.warning}\n`);
            Object.assign(mapOptions, {
              sourceMap: inline ? 'inline' : true,
              file: args.output === undefined ? 'module.js' : basename(args.output),
              sourceFileName: posixPath(relative(outDir, args.file)),
              inputSourceMap: input.map,
            });
          }
          const fuelCosts = args['fuel-costs'] === undefined ? undefined : JSON.parse(readFileSync(args['fuel-costs'], 'utf8'));
          const fuel = args.fuel === true || fuelCosts !== undefined;
          ({ code, map, dts } = compile(bytes, { format: args.format, runtime: args.runtime, pretty: args.pretty, headers: args.headers, shortNames: args['short-names'], i64: args.i64, target: args.target, tune: args.tune, maxMemoryPages: args['max-memory-pages'], splitWeight: args['split-weight'], fuel, fuelCosts, customSections: customSectionsOption(args['custom-sections']), dts: args.dts === true, ...mapOptions }));
        } catch (e) {
          report(args.file, e);
          return;
        }
        if (args.output === undefined) process.stdout.write(code);
        else {
          if (map !== undefined && !inline) writeAtomic(`${args.output}.map`, map);
          if (dts !== undefined) writeAtomic(dtsFileName(args.output), dts);
          writeAtomic(args.output, code);
        }
      },
    )
    .command(EXPLORE)
    .demandCommand(1, 'Give a command: validate, compile or explore (see --help).')
    .strict()
    .help()
    .alias('h', 'help')
    .version()
    .fail((msg, err, y) => {
      if (err) throw err;
      y.showHelp();
      process.stderr.write(`\n${msg}\n`);
      process.exit(2);
    })
    .parseAsync();
}

main(hideBin(process.argv)).catch((e: unknown) => {
  process.stderr.write(`kiln: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
});

/** `--custom-sections`: "all" keeps every custom section, otherwise a comma-separated list of names. */
function customSectionsOption(v: string | undefined): boolean | string[] {
  if (v === undefined) return false;
  return v === 'all' ? true : v.split(',').filter((n) => n !== '');
}
