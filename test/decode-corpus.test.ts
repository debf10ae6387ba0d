/**
 * The decoder (compiler/decode/module.ts) on the spec test suite's binary
 * modules and on real programs, both from `../shared` (skipped without it).
 * Hand-made modules: decode.test.ts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeModule, referenceBodyError } from '../compiler/decode/module.js';
import { readNames } from '../compiler/decode/names.js';
import type { Module } from '../compiler/module.js';
import { CompileError } from '../runtime/errors.js';

const SHARED = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared');
const HAVE_SHARED = existsSync(SHARED);
if (!HAVE_SHARED) console.warn(`decode-corpus.test: ${SHARED} not found; skipping spec-suite and real-program tests`);
const END = 0x0b;

// --- The spec test suite's binary modules ----------------------------------

interface BinaryModule {
  where: string;
  kind: 'module' | 'malformed' | 'invalid' | 'other';
  message: string | null;
  bytes: Uint8Array;
}

/** Reads a WAST string literal at `s[i] === '"'`: its bytes and the index after it. */
function wastString(s: string, i: number): [number[], number] {
  const out: number[] = [];
  const enc = new TextEncoder();
  i++;
  while (s[i] !== '"') {
    if (s[i] === '\\') {
      const c = s[i + 1];
      if (/[0-9a-fA-F]/.test(c)) {
        out.push(parseInt(s.substr(i + 1, 2), 16));
        i += 3;
        continue;
      }
      if (c === 'u') {
        const j = s.indexOf('}', i);
        out.push(...enc.encode(String.fromCodePoint(parseInt(s.slice(i + 3, j), 16))));
        i = j + 1;
        continue;
      }
      out.push({ n: 10, t: 9, r: 13 }[c as 'n'] ?? c.charCodeAt(0));
      i += 2;
      continue;
    }
    const ch = String.fromCodePoint(s.codePointAt(i)!);
    out.push(...enc.encode(ch));
    i += ch.length;
  }
  return [out, i + 1];
}

/** Every `(module binary ...)` of a .wast file, with the assertion around it. */
function binaryModules(file: string): BinaryModule[] {
  const s = readFileSync(file, 'utf8');
  const found: BinaryModule[] = [];
  const re = /\(module(\s+\$[^\s()]+)?\s+binary/g;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    let i = m.index + m[0].length;
    const bytes: number[] = [];
    const skip = () => {
      for (;;) {
        while (/\s/.test(s[i])) i++;
        if (s.startsWith(';;', i)) i = s.indexOf('\n', i);
        else if (s.startsWith('(;', i)) i = s.indexOf(';)', i) + 2;
        else return;
      }
    };
    for (skip(); s[i] === '"'; skip()) {
      const [b, j] = wastString(s, i);
      bytes.push(...b);
      i = j;
    }
    i++; // ')'
    const before = s.slice(Math.max(0, m.index - 40), m.index);
    const kind = /\(module\s*$/.test(before) ? 'other' : /assert_malformed\s*$/.test(before) ? 'malformed' : /assert_invalid\s*$/.test(before) ? 'invalid' : /\(\s*$/.test(before) ? 'other' : 'module';
    let message: string | null = null;
    if (kind === 'malformed' || kind === 'invalid') {
      skip();
      if (s[i] === '"') message = new TextDecoder().decode(Uint8Array.from(wastString(s, i)[0]));
    }
    const line = s.slice(0, m.index).split('\n').length;
    found.push({ where: `${file.split('/').pop()}:${line}`, kind, message, bytes: Uint8Array.from(bytes) });
  }
  return found;
}

/** Malformations only a walk of the instructions finds: the validator's, not the decoder's. */
const BODY_ONLY = new Set(['malformed memop flags', 'data count section required']);

/**
 * Wasm 2.0 assertions on bytes that Wasm 3.0 (and the legacy exception-handling
 * proposal Kiln decodes) gives a meaning: import or export kind 4 is a tag.
 * These modules are still malformed (cut short), so Kiln still rejects them,
 * with the message the bytes now call for (`unexpected end ...`).
 */
const REDEFINED = (m: BinaryModule): boolean => m.message !== null && /^malformed (import|export) kind/.test(m.message) && m.bytes.includes(0x04);

describe.skipIf(!HAVE_SHARED)('spec test suite binary modules (wasm-2.0)', () => {
  const dir = join(SHARED, 'testsuite', 'wasm-2.0');
  const all = HAVE_SHARED ? readdirSync(dir).filter((f) => f.endsWith('.wast')).flatMap((f) => binaryModules(join(dir, f))) : [];

  it('finds them', () => {
    expect(all.filter((m) => m.kind === 'malformed').length).toBeGreaterThan(650);
  });

  it('decodes the well-formed ones', () => {
    for (const m of all.filter((x) => x.kind !== 'malformed')) {
      try {
        decodeModule(m.bytes);
      } catch (e) {
        throw new Error(`${m.where}: ${String(e)}`, { cause: e });
      }
    }
  });

  it('rejects the malformed ones with the expected message (or leaves them to the body walk)', () => {
    let decoderLevel = 0;
    for (const m of all.filter((x) => x.kind === 'malformed')) {
      let err: unknown = null;
      let module: Module | null = null;
      try {
        module = decodeModule(m.bytes);
      } catch (e) {
        err = e;
      }
      if (err !== null) {
        expect(err, m.where).toBeInstanceOf(CompileError);
        if (REDEFINED(m) && (err as CompileError).reason.startsWith('unexpected end')) {
          decoderLevel++;
          continue;
        }
        expect((err as CompileError).reason.startsWith(m.message!), `${m.where}: expected "${m.message}", got "${(err as CompileError).reason}"`).toBe(true);
        decoderLevel++;
        continue;
      }
      // Decoded fine: the problem must be inside a body, found by the body walk.
      if (BODY_ONLY.has(m.message!)) continue;
      const errors = [...module!.bodyStart].map((s, i) => referenceBodyError(m.bytes, s, module!.bodyEnd[i], module!.numImportedFuncs + i));
      const first = errors.find((e) => e !== null);
      expect(first?.reason.startsWith(m.message!), `${m.where}: body walk expected "${m.message}", got "${first?.reason}"`).toBe(true);
    }
    expect(decoderLevel).toBeGreaterThan(650);
  });
});

// --- Real programs -----------------------------------------------------------

describe.skipIf(!HAVE_SHARED)('real programs', () => {
  const files = HAVE_SHARED
    ? [
        ...readdirSync(join(SHARED, 'bench', 'build')).filter((f) => f.endsWith('.wasm')).map((f) => join(SHARED, 'bench', 'build', f)),
        ...readdirSync(join(SHARED, 'programs')).filter((f) => f.endsWith('.wasm')).map((f) => join(SHARED, 'programs', f)),
      ]
    : [];

  it('decodes every benchmark and program (lua-eh.wasm with its tag section)', () => {
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const bytes = new Uint8Array(readFileSync(file));
      const m = decodeModule(bytes);
      expect(m.bodyStart.length, file).toBe(m.funcTypes.length - m.numImportedFuncs);
      for (let i = 0; i < m.bodyStart.length; i++) {
        expect(m.bodyEnd[i]).toBeGreaterThan(m.bodyStart[i]);
        if (bytes[m.bodyEnd[i] - 1] !== END) throw new Error(`${file}: body ${i} does not end with end`);
      }
      for (const d of m.datas) expect(d.bytes.buffer).toBe(bytes.buffer);
      if (m.customs.some((c) => c.name === 'name')) expect(readNames(m).funcs.size, file).toBeGreaterThan(0);
    }
  });
});
