/**
 * tiktoken (OpenAI's BPE tokenizer in Rust, wasm-bindgen `nodejs` glue, 5.6 MB
 * of wasm with the ranks of every encoding inside): encoding and decoding on
 * Kiln and on native WebAssembly; the token ids must be identical, and every
 * decode must give back the text.
 */
import { expect } from 'vitest';
import { createHash } from 'node:crypto';
import { freshRequire } from './glue.js';
import { sameAsNative } from './same.js';
import { packageWasm } from './shim.js';
import { textBytes } from './inputs.js';

const WASM = packageWasm('tiktoken', ['tiktoken_bg.wasm']);

const TEXTS = [
  '',
  'hello world',
  'Ünïcödé, 世界, Здравствуйте, مرحبا, 🌍🚀👩‍👩‍👧‍👦 and combining marks: e\u0301 a\u030a',
  'function f(x) {\n\treturn x ** 2 + 0x1F - 1e-9; // comment\n}\n\n\n    indented   spaces\r\n',
  "<|endoftext is not quite special; 'll 've 're 's 't 'd 'm don't I'M",
  new TextDecoder().decode(textBytes(20_000, 3)),
];

async function workload(): Promise<unknown[]> {
  const { get_encoding } = freshRequire('tiktoken');
  const out: unknown[] = [];
  for (const name of ['gpt2', 'cl100k_base', 'o200k_base']) {
    const enc = get_encoding(name);
    try {
      for (const text of TEXTS) {
        const ids: Uint32Array = enc.encode(text);
        expect(new TextDecoder().decode(enc.decode(ids)), `${name} round trip`).toBe(text);
        out.push(name, ids.length, createHash('sha256').update(ids).digest('hex'));
      }
      out.push(Array.from(enc.encode('<|endoftext|> x', 'all')), enc.token_byte_values().length);
    } finally {
      enc.free();
    }
  }
  return out;
}

sameAsNative('tiktoken', ['auto', 'pair'], WASM, workload);
