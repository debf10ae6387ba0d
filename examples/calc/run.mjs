// Runs calc.wasm, compiled by Kiln to ./calc.js, on a few programs; shows
// syntax errors reported through an import and traps caught as RuntimeError.
// Usage: node run.mjs [program...]   (defaults: the programs below)
import { instantiate } from './calc.js';

const { exports } = instantiate({
  env: {
    print_i32: (value) => console.log(`  ${value}`),
    syntax_error: (offset) => console.log(`  syntax error at offset ${offset}:\n    ${program}\n    ${' '.repeat(offset)}^`),
  },
});

let program = '';
const args = process.argv.slice(2);
for (program of args.length > 0 ? args : [
  '1 + 2 * 3',
  'x = 6 * 7; x; -x / 5; x % 5',
  '(1 + 2) * (3 + 4); 2147483647 + 1',
  'y = 10; y * (y - 1',          // syntax error: missing ')'
  '1 / (x - 42)',                // x is still 42: integer-divide-by-zero
  '(-2147483647 - 1) / -1',      // the quotient does not fit in i32: integer-overflow
  'x + 1',                       // the instance is still usable after a trap
]) {
  console.log(`> ${program}`);
  const bytes = new TextEncoder().encode(program);
  const input = exports.input_buffer();
  if (bytes.length > exports.input_capacity()) throw new Error('program too long');
  new Uint8Array(exports.memory.buffer).set(bytes, input); // place the program text in wasm memory
  try {
    exports.run(input, bytes.length);
  } catch (e) {
    if (e.name !== 'RuntimeError') throw e;
    console.log(`  trap: RuntimeError code=${e.code}: ${e.message}`);
  }
}
