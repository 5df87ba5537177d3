import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@saekit/core/node';

/**
 * Write each figure (PNG bytes or text such as index.html) to `dir/name` atomically, creating
 * `dir` if needed. Names must be plain file names. Returns the written paths, in input order.
 */
export async function writeFigures(
  dir: string,
  figures: Record<string, Uint8Array | string>,
): Promise<string[]> {
  const entries = Object.entries(figures);
  for (const [name, data] of entries) {
    if (name === '' || name === '.' || name === '..' || /[\\/]/.test(name) || name.includes('\0')) {
      throw new RangeError(`writeFigures: ${JSON.stringify(name)} is not a plain file name`);
    }
    if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
      throw new TypeError(`writeFigures: ${name} must be a Uint8Array or a string`);
    }
  }
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (const [name, data] of entries) {
    const path = join(dir, name);
    await writeFileAtomic(path, data);
    paths.push(path);
  }
  return paths;
}
