import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.css': 'text/css',
  '.safetensors': 'application/octet-stream',
  '.png': 'image/png',
};

export interface ServeOptions {
  /** Folders served at /: the first that holds a path answers. */
  readonly roots: readonly string[];
  /** Send COOP/COEP, which make the page cross-origin isolated (SharedArrayBuffer). */
  readonly isolated?: boolean;
  /** A Content-Security-Policy header for every response. */
  readonly csp?: string;
  /** Paths answered 404 though they exist (a file the page needs that a server fails to serve). */
  readonly missing?: RegExp;
}

export interface Served {
  readonly url: string;
  close(): Promise<void>;
}

/** A static server on 127.0.0.1 (a free port) for the browser tests. */
export async function serve(o: ServeOptions): Promise<Served> {
  const roots = o.roots.map((r) => resolve(r));
  const server: Server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const headers: Record<string, string> = { 'cache-control': 'no-store' };
    if (o.isolated) {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
    }
    if (o.csp) headers['content-security-policy'] = o.csp;
    for (const root of o.missing?.test(path) ? [] : roots) {
      const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
      if (file !== root && !file.startsWith(root + sep)) continue;
      try {
        if (!(await stat(file)).isFile()) continue;
        const body = await readFile(file);
        res.writeHead(200, {
          ...headers,
          'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        });
        res.end(body);
        return;
      } catch {}
    }
    res.writeHead(404, headers);
    res.end(`not found: ${path}`);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
