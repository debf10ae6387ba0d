/**
 * The `kiln` command line: `kiln validate file.wasm`, `kiln compile in.wasm -o out.js`.
 * Exit status 0 on success, 1 on invalid input (CompileError), 2 on usage or I/O errors.
 */
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { compile, validate, CompileError } from './index.js';

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
          .option('max-memory-pages', { type: 'number', describe: 'default memory page limit (pages of 64 KiB) baked into the output; instantiate options can override it' }),
      (args) => {
        let code: string;
        try {
          code = compile(read(args.file), { format: args.format, runtime: args.runtime, maxMemoryPages: args['max-memory-pages'] }).code;
        } catch (e) {
          report(args.file, e);
          return;
        }
        if (args.output === undefined) process.stdout.write(code);
        else {
          // Write to a temporary file first: a failed write never leaves partial output.
          const tmp = `${args.output}.tmp-${process.pid}`;
          writeFileSync(tmp, code);
          renameSync(tmp, args.output);
        }
      },
    )
    .demandCommand(1, 'Give a command: validate or compile (see --help).')
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
