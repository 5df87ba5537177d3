/**
 * Where bytes come from: memory, a URL (HTTP Range requests through `fetch`, so it works in a page),
 * or (in `@saekit/formats/node`) a file handle. Readers ask for byte ranges only, so a large file is
 * never read whole unless a tensor of that size is asked for.
 */
import { SaeFormatError } from './errors.js';

export interface ByteSource {
  /** A name for messages: the path or URL. */
  readonly name: string;
  /** The size in bytes. */
  size(): Promise<number>;
  /** Exactly `length` bytes from `offset`; a short read is an error naming the source. */
  read(offset: number, length: number): Promise<Uint8Array>;
  close?(): Promise<void>;
}

export function memorySource(bytes: Uint8Array, name = '<bytes>'): ByteSource {
  return {
    name,
    size: () => Promise.resolve(bytes.length),
    read(offset, length) {
      if (offset < 0 || length < 0 || offset + length > bytes.length)
        return Promise.reject(
          new SaeFormatError(
            `${name}: read of ${length} bytes at ${offset} is past the end (${bytes.length} bytes)`,
          ),
        );
      return Promise.resolve(bytes.subarray(offset, offset + length));
    },
  };
}

export interface UrlSourceOptions {
  /** Default: the global fetch. */
  readonly fetch?: typeof fetch;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * A URL read with `Range: bytes=a-b` requests. The size comes from the first response's
 * Content-Range. A server that answers a range with the whole file (200) is refused, and the body
 * is cancelled unread, rather than downloading what may be gigabytes.
 */
export function urlSource(url: string, opts: UrlSourceOptions = {}): ByteSource {
  const get = opts.fetch ?? fetch;
  let total: number | undefined;
  const range = async (offset: number, length: number): Promise<Uint8Array> => {
    const res = await get(url, {
      headers: { ...opts.headers, Range: `bytes=${offset}-${offset + length - 1}` },
    });
    if (res.status !== 206) {
      await res.body?.cancel();
      throw new SaeFormatError(
        `${url}: HTTP ${res.status} to a Range request${res.status === 200 ? ' (the server does not serve byte ranges)' : ''}`,
      );
    }
    const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(res.headers.get('content-range') ?? '');
    if (!m || Number(m[1]) !== offset) {
      await res.body?.cancel();
      throw new SaeFormatError(
        `${url}: bad Content-Range ${JSON.stringify(res.headers.get('content-range'))}`,
      );
    }
    total = Number(m[3]);
    const body = new Uint8Array(await res.arrayBuffer());
    if (body.length !== Math.min(length, total - offset))
      throw new SaeFormatError(`${url}: asked for ${length} bytes at ${offset}, got ${body.length}`);
    return body;
  };
  return {
    name: url,
    async size() {
      if (total === undefined) await range(0, 1);
      return total as number;
    },
    async read(offset, length) {
      if (length === 0) return new Uint8Array(0);
      const size = await this.size();
      if (offset + length > size)
        throw new SaeFormatError(
          `${url}: read of ${length} bytes at ${offset} is past the end (${size} bytes)`,
        );
      return range(offset, length);
    },
  };
}

/** Reads the whole source, refusing one larger than `limit` bytes before allocating. */
export async function readAll(src: ByteSource, limit: number): Promise<Uint8Array> {
  const size = await src.size();
  if (size > limit)
    throw new SaeFormatError(`${src.name}: ${size} bytes, more than the ${limit} allowed here`);
  return src.read(0, size);
}
