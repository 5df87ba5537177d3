import { createHash, randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import * as http from 'node:http';
import * as https from 'node:https';
import { join } from 'node:path';
import { DatasetError, describeError } from './errors.js';

/** Reported while a file downloads: the file name, bytes so far and, when the server says, the total. */
export interface DownloadProgress {
  file: string;
  bytes: number;
  total?: number;
}

export interface DownloadFileOptions {
  /** The file name, appended to each mirror URL and used in `destDir`. */
  file: string;
  destDir: string;
  /** Base URLs (http or https), tried in turn; a trailing slash is optional. */
  mirrors: readonly string[];
  /** Expected SHA-256 (hex) of the file; not checked when undefined. */
  sha256?: string;
  onProgress?: (e: DownloadProgress) => void;
  /** Abort a mirror when its socket is idle this long. Default 60 s. */
  idleTimeoutMs?: number;
}

const MAX_REDIRECTS = 5;

/** SHA-256 of bytes, as lowercase hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `file` resolved against a mirror base URL, which gets a trailing slash when it has none. */
export function mirrorUrl(mirror: string, file: string): URL {
  return new URL(file, mirror.endsWith('/') ? mirror : `${mirror}/`);
}

/**
 * Downloads `file` from the first mirror that serves it with the expected checksum, into
 * `destDir/file`. Each attempt streams to a temporary file in `destDir`, hashing as it goes, and
 * renames it into place only when the hash matches, so `destDir/file` is never partial. A failed
 * attempt deletes its temporary file. When every mirror fails, the DatasetError lists each failure.
 * Returns the path of the downloaded file.
 * @throws DatasetError
 */
export async function downloadFile(options: DownloadFileOptions): Promise<string> {
  const { file, destDir, mirrors } = options;
  if (mirrors.length === 0) throw new DatasetError(`${file}: cannot download: no mirrors given`);
  await mkdir(destDir, { recursive: true });
  const dest = join(destDir, file);
  const failures: string[] = [];
  for (const mirror of mirrors) {
    let url: URL;
    try {
      url = mirrorUrl(mirror, file);
    } catch (err) {
      failures.push(`${mirror}: bad mirror URL (${describeError(err)})`);
      continue;
    }
    try {
      await downloadOnce(url, dest, options);
      return dest;
    } catch (err) {
      failures.push(`${url.href}: ${describeError(err)}`);
    }
  }
  throw new DatasetError(
    `${file}: download failed from every mirror:\n${failures.map((f) => `  - ${f}`).join('\n')}`,
  );
}

async function downloadOnce(url: URL, dest: string, options: DownloadFileOptions): Promise<void> {
  const { file, sha256, onProgress } = options;
  const tmp = join(options.destDir, `.${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fh: FileHandle | undefined;
  let done = false;
  try {
    const res = await get(url, MAX_REDIRECTS, options.idleTimeoutMs ?? 60_000);
    const length = Number(res.headers['content-length']);
    const total =
      Number.isFinite(length) && length >= 0 && res.headers['content-length'] ? length : undefined;
    fh = await open(tmp, 'wx');
    const hash = createHash('sha256');
    let bytes = 0;
    onProgress?.({ file, bytes, total });
    for await (const chunk of res as AsyncIterable<Buffer>) {
      hash.update(chunk);
      await fh.write(chunk);
      bytes += chunk.length;
      onProgress?.({ file, bytes, total });
    }
    await fh.close();
    fh = undefined;
    if (total !== undefined && bytes !== total) {
      throw new Error(`connection closed after ${bytes} of ${total} bytes`);
    }
    const actual = hash.digest('hex');
    if (sha256 !== undefined && actual !== sha256.toLowerCase()) {
      throw new Error(`sha256 mismatch: expected ${sha256}, got ${actual} (${bytes} bytes)`);
    }
    await rename(tmp, dest);
    done = true;
  } finally {
    if (fh) await fh.close().catch(() => {});
    if (!done) await rm(tmp, { force: true }).catch(() => {});
  }
}

/** GET `url`, following redirects; resolves with a 200 response whose body is still unread. */
function get(url: URL, redirectsLeft: number, idleTimeoutMs: number): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
    if (!client) {
      reject(new Error(`unsupported protocol ${url.protocol} (only http: and https:)`));
      return;
    }
    const req = client.get(
      url,
      { headers: { 'user-agent': 'saekit-datasets' }, timeout: idleTimeoutMs },
      (res) => {
        const status = res.statusCode ?? 0;
        const location = res.headers.location;
        if (status >= 300 && status < 400 && location) {
          res.resume();
          if (redirectsLeft <= 0) {
            reject(new Error(`more than ${MAX_REDIRECTS} redirects`));
            return;
          }
          let next: URL;
          try {
            next = new URL(location, url);
          } catch {
            reject(new Error(`HTTP ${status}: bad redirect location ${location}`));
            return;
          }
          get(next, redirectsLeft - 1, idleTimeoutMs).then(resolve, reject);
          return;
        }
        if (status !== 200) {
          res.resume();
          reject(new Error(`HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}`));
          return;
        }
        resolve(res);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no data for ${idleTimeoutMs / 1000} s`)));
    req.on('error', reject);
  });
}
