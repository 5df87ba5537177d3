/**
 * A published SAE is a few files in a folder. `SaeFiles` opens them by relative name from memory, from
 * a base URL, or (in `@saekit/formats/node`) from a directory.
 */
import { type ByteSource, memorySource, type UrlSourceOptions, urlSource } from './source.js';

export interface SaeFiles {
  /** The folder, for messages. */
  readonly name: string;
  /** The file, or undefined when it does not exist. */
  open(relative: string): Promise<ByteSource | undefined>;
}

export function memoryFiles(files: Readonly<Record<string, Uint8Array>>, name = '<memory>'): SaeFiles {
  return {
    name,
    open: (rel) =>
      Promise.resolve(Object.hasOwn(files, rel) ? memorySource(files[rel], `${name}/${rel}`) : undefined),
  };
}

/**
 * Files under a base URL (e.g. a Hugging Face `resolve/main/<folder>` URL). A file that answers 404
 * does not exist; any other failure is an error.
 */
export function urlFiles(base: string, opts: UrlSourceOptions = {}): SaeFiles {
  const root = base.endsWith('/') ? base : `${base}/`;
  return {
    name: root,
    async open(rel) {
      const src = urlSource(root + rel, opts);
      try {
        await src.size();
      } catch (e) {
        if (e instanceof Error && / HTTP 404 /.test(e.message)) return undefined;
        throw e;
      }
      return src;
    },
  };
}
