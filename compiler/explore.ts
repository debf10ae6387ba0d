/**
 * `kiln explore [file.wasm]` (cli.ts): serves the explorer page
 * (examples/explorer/, built into dist/explorer/ by `npm run build`) on a
 * local port with node:http, the given module preloaded: the page asks for
 * `preload.json`, which names `preload/<file>` and, when the module's
 * `sourceMappingURL` section names a map file beside it, `preload/map`.
 * Everything else is the static page; nothing leaves the machine.
 */
import { createServer } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceMappingURLOf } from './emit/sourcemap.js';

/** Options of `serveExplorer`. */
export interface ExploreOptions {
  /** The .wasm file the page loads at once. */
  file?: string;
  /** Port to listen on (0: any free port). Default 8123. */
  port?: number;
  /** Address to listen on. Default 127.0.0.1 (this machine only). */
  host?: string;
  /** The built page. Default: dist/explorer of this package. */
  dir?: string;
}

/** A running explorer server. */
export interface ExploreServer {
  /** The page's URL, e.g. `http://127.0.0.1:8123/`. */
  url: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.png': 'image/png' };

/** dist/explorer of the package holding this module (compiler/ from source, dist/compiler/ when built). */
function defaultDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && /"name"\s*:\s*"wasm-kiln"/.test(readFileSync(pkg, 'utf8'))) return join(dir, 'dist', 'explorer');
    const up = dirname(dir);
    if (up === dir) throw new Error('kiln explore: cannot find the wasm-kiln package root');
    dir = up;
  }
}

/** The map file the module's sourceMappingURL section names (relative to the module), if it exists. */
function mapFileOf(file: string, bytes: Uint8Array): string | undefined {
  const url = sourceMappingURLOf(bytes);
  if (url === undefined || /^[a-z][a-z0-9+.-]*:/i.test(url)) return undefined;
  const path = resolve(dirname(file), decodeURI(url));
  return existsSync(path) ? path : undefined;
}

/**
 * Starts the explorer server; resolves once it listens.
 * @throws Error when the page is not built or `file` cannot be read.
 */
export async function serveExplorer(opts: ExploreOptions = {}): Promise<ExploreServer> {
  const dir = opts.dir ?? defaultDir();
  if (!existsSync(join(dir, 'index.html'))) throw new Error(`the explorer is not built: no ${join(dir, 'index.html')} (run \`npm run build\`)`);
  const wasm = opts.file === undefined ? undefined : new Uint8Array(readFileSync(opts.file));
  const mapFile = wasm === undefined ? undefined : mapFileOf(opts.file!, wasm);
  const name = opts.file === undefined ? '' : basename(opts.file);
  const preload = JSON.stringify({ name, wasm: `preload/${encodeURIComponent(name)}`, map: mapFile === undefined ? undefined : 'preload/map' });
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const send = (status: number, type: string, body: string | Uint8Array) => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(body);
    };
    if (path === '/preload.json') return wasm === undefined ? send(404, 'text/plain', 'no file preloaded') : send(200, 'application/json', preload);
    if (path === `/preload/${name}` && wasm !== undefined) return send(200, 'application/wasm', wasm);
    if (path === '/preload/map' && mapFile !== undefined) return send(200, 'application/json', readFileSync(mapFile));
    const file = join(dir, path === '/' ? 'index.html' : basename(path));
    if (!existsSync(file) || path.slice(1).includes('/')) return send(404, 'text/plain', 'not found');
    send(200, TYPES[extname(file)] ?? 'application/octet-stream', readFileSync(file));
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 8123, host, ok);
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : opts.port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
