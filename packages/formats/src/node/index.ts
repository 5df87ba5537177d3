/** Node-only: files by path (read by byte range through a file handle), folders, atomic writes. */
import { type FileHandle, open, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '@saekit/core/node';
import { SaeFormatError } from '../errors.js';
import type { SaeFiles } from '../files.js';
import { type LoadOptions, loadSae } from '../load.js';
import type { LoadedSae } from '../sae.js';
import type { ByteSource } from '../source.js';

/** A file read by byte range; the handle opens on first use and stays open until close(). */
export function fileSource(path: string): ByteSource {
  let handle: Promise<FileHandle> | undefined;
  let size: number | undefined;
  const h = (): Promise<FileHandle> => {
    handle ??= open(path, 'r');
    return handle;
  };
  return {
    name: path,
    async size() {
      size ??= (await (await h()).stat()).size;
      return size;
    },
    async read(offset, length) {
      const total = await this.size();
      if (offset < 0 || length < 0 || offset + length > total)
        throw new SaeFormatError(
          `${path}: read of ${length} bytes at ${offset} is past the end (${total} bytes)`,
        );
      const out = new Uint8Array(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await (await h()).read(out, got, length - got, offset + got);
        if (bytesRead === 0)
          throw new SaeFormatError(`${path}: the file ended at ${offset + got} (changed while read?)`);
        got += bytesRead;
      }
      return out;
    },
    async close() {
      const p = handle;
      handle = undefined;
      if (p) await (await p).close();
    },
  };
}

/** The files of a directory. */
export function dirFiles(dir: string): SaeFiles {
  return {
    name: dir,
    async open(rel) {
      const path = join(dir, rel);
      try {
        if (!(await stat(path)).isFile()) return undefined;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
      return fileSource(path);
    },
  };
}

/** File names that stand for their folder: `loadSaePath(".../cfg.json")` loads the folder. */
const FOLDER_FILES = new Set([
  'cfg.json',
  'sae_weights.safetensors',
  'sae.safetensors',
  'hyperparams.json',
  'params.npz',
  'params.safetensors',
]);

/**
 * Loads an SAE from a folder, or from one of its files, or from a lone Gemma Scope `.npz` /
 * `.safetensors` under any name.
 */
export async function loadSaePath(path: string, opts: LoadOptions = {}): Promise<LoadedSae> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (e) {
    throw new SaeFormatError(`${path}: ${(e as Error).message}`);
  }
  if (info.isDirectory()) return loadSae(dirFiles(path), opts);
  const name = basename(path);
  if (FOLDER_FILES.has(name)) return loadSae(dirFiles(dirname(path)), opts);
  if (name.endsWith('.npz')) return loadSae(aliasFiles(path, 'params.npz'), opts);
  if (name.endsWith('.safetensors')) return loadSae(aliasFiles(path, 'params.safetensors'), opts);
  throw new SaeFormatError(`${path}: not an SAE folder, nor a .npz / .safetensors file`);
}

function aliasFiles(path: string, as: string): SaeFiles {
  return { name: path, open: (rel) => Promise.resolve(rel === as ? fileSource(path) : undefined) };
}

/** Writes `files` (relative name -> bytes) into `dir`, each atomically. */
export async function writeSaeFiles(dir: string, files: Readonly<Record<string, Uint8Array>>): Promise<void> {
  for (const [rel, bytes] of Object.entries(files)) await writeFileAtomic(join(dir, rel), bytes);
}
