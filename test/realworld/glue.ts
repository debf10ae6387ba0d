/**
 * Loading a package's JS glue afresh, so the copy run on Kiln and the copy
 * run on native WebAssembly share no module-level state (glues cache their
 * compiled module and instance in module variables).
 */
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);

/** The directory of the installed package `name` (where its package.json is), also of a package that exports nothing to `require` (manifold-3d). */
export function packageDir(name: string): string {
  for (const base of require.resolve.paths(name) ?? []) {
    if (existsSync(join(base, name, 'package.json'))) return join(base, name);
  }
  let dir = dirname(require.resolve(name));
  while (!existsSync(join(dir, 'package.json')) || JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== name) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`package.json of ${name} not found`);
    dir = up;
  }
  return dir;
}

/** The installed version of package `name`. */
export function packageVersion(name: string): string {
  return JSON.parse(readFileSync(join(packageDir(name), 'package.json'), 'utf8')).version;
}

/**
 * Requires CommonJS package `name` (or `name/subpath`) with Node's own loader
 * as if for the first time: every cached module file of the package is
 * dropped before and after, so each call returns a new copy of the glue with
 * its own state. `pkg` names the package when `name` is a subpath; `deps`
 * names packages it requires whose state must be new too (a wrapper's
 * separate glue package).
 */
export function freshRequire<T = any>(name: string, pkg: string = name, deps: readonly string[] = []): T {
  const roots = [pkg, ...deps].map((p) => packageDir(p) + sep);
  const drop = () => {
    for (const k of Object.keys(require.cache)) if (roots.some((r) => k.startsWith(r))) delete require.cache[k];
  };
  drop();
  try {
    return require(name) as T;
  } finally {
    drop();
  }
}
