import { runChunks, type Task, unpack } from './protocol.js';
import { PARALLEL_KERNELS } from './registry.js';

/** A registered task as a call: its kernel bound to its arguments' views of `chunks`, over its range. */
export function bindTask(t: Task, chunks: readonly SharedArrayBuffer[]): () => void {
  const kernel = PARALLEL_KERNELS.get(t.kernel);
  if (!kernel)
    return () => {
      throw new Error(`pool worker: no kernel "${t.kernel}"`);
    };
  const f = kernel.bind(unpack(t.args, chunks) as never);
  const { lo, hi, shared } = t;
  if (shared) {
    const counter = new Int32Array(shared.counter);
    return () => runChunks(f, counter, shared.chunk, hi);
  }
  return () => f(lo, hi);
}
