import type { OrtTensor } from './ort.js';

/** Copies smaller than this are left to the garbage collector (they cost it nothing much). */
const RELEASE_MIN_BYTES = 1 << 20;

/**
 * Frees now the memory of onnxruntime-node's copies of a run's outputs. The binding returns every
 * fetched output as a fresh copy, even one ONNX Runtime wrote straight into a preallocated tensor;
 * the executable reads its preallocated tensors, so the copies (as large as all the updated state)
 * are garbage at once, yet would stay resident until a garbage collection, on top of the next
 * run's. Transferring an ArrayBuffer in a message detaches it, and a message that is never
 * delivered (both ports closed) frees it. A result that shares a buffer with its preallocated
 * tensor (a binding that returns the fetch itself) is left alone. Returns the number of bytes freed.
 */
export function releaseCopies(
  results: Readonly<Record<string, OrtTensor>>,
  fetches: Readonly<Record<string, OrtTensor>>,
): number {
  const own = new Set(Object.values(fetches).map((t) => bufferOf(t)));
  const copies = new Set<ArrayBuffer>();
  for (const t of Object.values(results)) {
    const buf = bufferOf(t);
    if (buf && !own.has(buf) && buf.byteLength >= RELEASE_MIN_BYTES) copies.add(buf);
  }
  if (copies.size === 0) return 0;
  let bytes = 0;
  for (const b of copies) bytes += b.byteLength;
  const { port1, port2 } = new MessageChannel();
  port1.postMessage(null, [...copies]);
  port1.close();
  port2.close();
  return bytes;
}

/** The tensor's ArrayBuffer, for a CPU tensor over one (not a SharedArrayBuffer, not a GPU buffer). */
function bufferOf(t: OrtTensor | undefined): ArrayBuffer | undefined {
  if (t?.location !== 'cpu') return undefined;
  const buf = (t.data as ArrayBufferView).buffer;
  return buf instanceof ArrayBuffer ? buf : undefined;
}
