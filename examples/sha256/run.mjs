// Runs sha256.wasm, compiled by Kiln to ./sha256.js: hashes some strings, checks
// each digest against node:crypto, then shows a trap caught as a RuntimeError.
// Usage: node run.mjs [string...]   (defaults: a few test vectors)
import { createHash } from 'node:crypto';
import { instantiate } from './sha256.js';

let printed = '';
const { exports } = instantiate({
  env: {
    // The module hands us the hex digest as (address, length) in its memory.
    write(ptr, len) {
      printed += new TextDecoder().decode(new Uint8Array(exports.memory.buffer, ptr, len));
    },
  },
});

function sha256(text) {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length > exports.input_capacity()) throw new Error('input too long');
  const input = exports.input_buffer();
  new Uint8Array(exports.memory.buffer).set(bytes, input); // copy the UTF-8 bytes into wasm memory
  printed = '';
  const digestPtr = exports.sha256(input, bytes.length); // calls env.write with the hex digest
  // Read the binary digest through the returned pointer (re-read .buffer after every call).
  const digest = Buffer.from(exports.memory.buffer, digestPtr, 32).toString('hex');
  const ok = digest === printed && digest === createHash('sha256').update(bytes).digest('hex');
  const label = text.length > 60 ? `${JSON.stringify(text.slice(0, 12))}... (${bytes.length} bytes)` : JSON.stringify(text);
  console.log(`${printed}  ${label}${ok ? '' : '  MISMATCH with node:crypto'}`);
  if (!ok) process.exitCode = 1;
}

const args = process.argv.slice(2);
for (const text of args.length > 0 ? args : ['', 'abc', 'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
  'The quick brown fox jumps over the lazy dog', 'héllo, wörld ✓', 'x'.repeat(1000)]) sha256(text);

// A bad length makes sha256 read past the end of linear memory: the load traps.
try {
  exports.sha256(exports.input_buffer(), 0x40000000);
} catch (e) {
  if (e.name !== 'RuntimeError') throw e;
  console.log(`sha256(input, 1 GiB) trapped: RuntimeError code=${e.code}: ${e.message}`);
}
