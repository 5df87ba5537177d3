import { open } from 'node:fs/promises';
import { DatasetError } from '../errors.js';

/** The part of a Node file handle the readers use: positioned reads into a caller's buffer. */
export interface ActivationFile {
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  close(): Promise<void>;
}

/** Opens a file for reading and tells its size; tests pass their own to watch the reads. */
export type OpenActivationFile = (path: string) => Promise<{ file: ActivationFile; size: number }>;

export const openNodeFile: OpenActivationFile = async (path) => {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw new DatasetError(`${path}: cannot open: ${(e as Error).message}`, { cause: e });
  }
  try {
    const { size } = await handle.stat();
    return { file: handle, size };
  } catch (e) {
    await handle.close();
    throw new DatasetError(`${path}: cannot stat: ${(e as Error).message}`, { cause: e });
  }
};

/** Reads exactly `length` bytes at `position` into `buffer`, or fails naming the file. */
export async function readExactly(
  file: ActivationFile,
  path: string,
  buffer: Uint8Array,
  length: number,
  position: number,
): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.read(buffer, done, length - done, position + done);
    if (bytesRead === 0)
      throw new DatasetError(
        `${path}: truncated: ended at byte ${position + done}, expected ${length - done} more (did the file change?)`,
      );
    done += bytesRead;
  }
}
