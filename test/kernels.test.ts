import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from '../compiler/index.js';
import { importCode, SHARED } from './util/load.js';

const manifest = SHARED ? JSON.parse(readFileSync(join(SHARED, 'bench/manifest.json'), 'utf8')) : null;

describe.skipIf(!SHARED)('bench kernels compiled by Kiln return the expected checksums', () => {
  if (!manifest) return;
  for (const [name, k] of Object.entries<any>(manifest.kernels)) {
    it(name, async () => {
      const bytes = new Uint8Array(readFileSync(join(SHARED!, 'bench', k.wasm)));
      const mod = await importCode(compile(bytes).code);
      const inst = mod.instantiate({});
      expect(inst.exports[k.export]()).toBe(k.checksum);
    }, 60_000);
  }
});
if (!SHARED) console.warn('kernels.test: ../shared is absent; skipping the bench kernel checksums');
