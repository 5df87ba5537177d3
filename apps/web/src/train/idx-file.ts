import { type IdxArray, IdxAssembler, idxToDataset, MAX_INFLATE_RATIO } from '@saekit/datasets';
import type { ImageSubset } from './recipe.js';

/**
 * An IDX file (gzipped or not) from a File or Blob, read in chunks: gunzipped by the page's
 * DecompressionStream, checked and assembled by @saekit/datasets' IdxAssembler, which allocates
 * only once the header's size is checked against what the file can hold.
 */
export async function readIdxBlob(blob: Blob, source: string): Promise<IdxArray> {
  const magic = new Uint8Array(await blob.slice(0, 2).arrayBuffer());
  const gz = magic[0] === 0x1f && magic[1] === 0x8b;
  const most = gz ? blob.size * MAX_INFLATE_RATIO : blob.size;
  const why = gz ? `more than a ${blob.size}-byte gzip stream can inflate to` : 'exact';
  const asm = new IdxAssembler(source, (header) => ({ bytes: most - header, why }));
  const stream = gz ? blob.stream().pipeThrough(new DecompressionStream('gzip')) : blob.stream();
  const reader = stream.getReader();
  try {
    for (let r = await reader.read(); !r.done; r = await reader.read()) asm.push(r.value);
  } catch (e) {
    throw new Error(
      `${source}: ${gz ? 'not a valid gzip stream' : 'could not be read'} (${(e as Error).message})`,
      {
        cause: e,
      },
    );
  }
  return asm.finish();
}

/** The first `n` images of an MNIST-style pair of IDX files (images [N, rows, cols], labels [N]), pixels / 255. */
export async function imageSubset(images: File, labels: File, n: number): Promise<ImageSubset> {
  const [im, lb] = await Promise.all([readIdxBlob(images, images.name), readIdxBlob(labels, labels.name)]);
  const d = idxToDataset(
    'mnist-subset',
    { source: images.name, array: im },
    { source: labels.name, array: lb },
  );
  const rows = Math.min(n, d.n);
  return { x: d.x.slice(0, rows * d.dim), n: rows, dim: d.dim, source: `${images.name} (first ${rows})` };
}
