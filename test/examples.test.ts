/** The examples compile with Kiln and print exactly their expected output (examples/check.mjs). */
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './util/load.js';

describe('examples', () => {
  it('every example matches its expected.txt', (ctx) => {
    if (!existsSync(join(ROOT, 'dist/compiler/index.js'))) ctx.skip('dist/ is not built: run `npm run build`');
    const out = execFileSync(process.execPath, [join(ROOT, 'examples/check.mjs')], { encoding: 'utf8' });
    expect(out).toMatch(/ok/);
    expect(out).not.toMatch(/FAIL/);
  }, 60_000);
});
