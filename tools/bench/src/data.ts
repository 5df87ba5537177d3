import { Rng } from '@saekit/core';
import { loadMnist } from '@saekit/datasets';
import { resolveDataDir } from '@saekit/test-data';

const mnist = resolveDataDir('mnist');
/** MNIST from ../shared/data, $SAEKIT_DATA_DIR or the download cache; else the first place tried, for the error. */
export const MNIST_DIR: string = mnist.dir ?? mnist.tried[0];

/**
 * The benchmark's examples: the MNIST test images when MNIST is here, else MNIST-like sparse
 * data (uniform noise would push the seed's KL to NaN at once, as real training never does).
 */
export async function benchData(n: number): Promise<{ x: Float32Array; source: string }> {
  if (mnist.dir) {
    const { test, train } = await loadMnist({ name: 'mnist', dir: MNIST_DIR });
    const src = n <= test.n ? test : train;
    return { x: src.x.slice(0, n * 784), source: `MNIST ${src.name}` };
  }
  const rng = new Rng(0);
  const x = new Float32Array(n * 784);
  for (let i = 0; i < x.length; i++) if (rng.uniform() < 0.19) x[i] = rng.uniform();
  return { x, source: 'synthetic MNIST-like (19% non-zero pixels)' };
}
