/**
 * Test helpers: load compiled output as a real ES module (written under
 * `.tmp/`, imported by file URL), and find the shared test material.
 */
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** `../shared` beside the project root, or null when absent (tests then skip with a message). */
export const SHARED: string | null = existsSync(join(ROOT, '../shared')) ? resolve(ROOT, '../shared') : null;

/** Imports ESM source text as a module; returns its namespace. */
export async function importCode(code: string): Promise<any> {
  const dir = join(ROOT, '.tmp');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `m-${createHash('sha1').update(code).digest('hex').slice(0, 16)}.mjs`);
  if (!existsSync(file)) writeFileSync(file, code);
  return import(pathToFileURL(file).href);
}
