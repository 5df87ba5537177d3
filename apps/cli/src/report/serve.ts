import { readFile, realpath } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, sep } from 'node:path';
import { WEB_DIR } from './web.js';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
};

export interface ServedRun {
  /** The page's address. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves a run directory read-only, with the headers that make the page cross-origin isolated
 * (COOP/COEP: SharedArrayBuffer, so the cpu backend's thread pool); `/` goes to the page. Only
 * files inside the directory are served (symlinks resolved first), and only GET and HEAD.
 */
export async function serveRun(dir: string, port: number, host: string): Promise<ServedRun> {
  const root = await realpath(dir);
  const server = createServer(async (req, res) => {
    const isolation = {
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
      'cache-control': 'no-cache',
    };
    const fail = (code: number, text: string) => {
      res.writeHead(code, { ...isolation, 'content-type': 'text/plain; charset=utf-8' });
      res.end(`${text}\n`);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return fail(405, 'only GET and HEAD');
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      return fail(400, 'bad path');
    }
    if (path === '/') {
      res.writeHead(302, { ...isolation, location: `/${WEB_DIR}/index.html` });
      return res.end();
    }
    try {
      const file = await realpath(join(root, path.endsWith('/') ? `${path}index.html` : path));
      if (!file.startsWith(root + sep)) return fail(404, `not found: ${path}`);
      const body = await readFile(file);
      res.writeHead(200, {
        ...isolation,
        'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
        'content-length': body.length,
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      fail(404, `not found: ${path}`);
    }
  });
  await new Promise<void>((ok, no) => {
    server.once('error', no);
    server.listen(port, host, ok);
  });
  const a = server.address() as AddressInfo;
  const name = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return {
    url: `http://${name}:${a.port}/${WEB_DIR}/index.html`,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
