/**
 * NumPy's `.npz`: a zip of `.npy` files, read with fflate (a small, widely used, dependency-free zip
 * library that runs in browsers and Node). Every entry's claimed sizes are checked against the
 * archive before it is inflated.
 */
import { unzipSync } from 'fflate';
import { fail, SaeFormatError } from './errors.js';
import { type NpyArray, parseNpy } from './npy.js';

/** Deflate cannot expand more than about 1032:1; a larger claim is forged. */
const MAX_DEFLATE_RATIO = 1032;

export function parseNpz(bytes: Uint8Array, source: string): Map<string, NpyArray> {
  let files: Record<string, Uint8Array>;
  const claimed = new Map<string, number>();
  try {
    files = unzipSync(bytes, {
      filter: (f) => {
        if (f.size > bytes.length)
          fail(source, `zip entry "${f.name}" claims ${f.size} bytes, the archive has ${bytes.length}`);
        if (f.compression === 0 && f.originalSize !== f.size)
          fail(source, `stored zip entry "${f.name}" claims ${f.originalSize} bytes from ${f.size}`);
        if (f.compression === 8 && f.originalSize > f.size * MAX_DEFLATE_RATIO + 1024)
          fail(source, `zip entry "${f.name}" claims ${f.originalSize} bytes from ${f.size} compressed`);
        if (f.compression !== 0 && f.compression !== 8)
          fail(
            source,
            `zip entry "${f.name}" uses compression method ${f.compression} (stored or deflate wanted)`,
          );
        claimed.set(f.name, f.originalSize);
        return true;
      },
    });
  } catch (e) {
    if (e instanceof SaeFormatError) throw e;
    return fail(source, `not a readable .npz (zip) archive: ${(e as Error).message}`);
  }
  const out = new Map<string, NpyArray>();
  for (const [name, data] of Object.entries(files)) {
    if (data.length !== claimed.get(name))
      fail(source, `zip entry "${name}" holds ${data.length} bytes, its header says ${claimed.get(name)}`);
    if (!name.endsWith('.npy')) continue;
    out.set(name.slice(0, -4), parseNpy(data, `${source}:${name}`));
  }
  return out;
}
