/** Vitest global setup: bundle the current runtime for `--runtime inline` output (scripts/bundle-runtime.mjs). */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const script = fileURLToPath(new URL('../scripts/bundle-runtime.mjs', import.meta.url));
  execFileSync(process.execPath, [script], { stdio: 'ignore' });
}
