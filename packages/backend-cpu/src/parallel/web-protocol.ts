// A Web Worker cannot read its port synchronously (Node's receiveMessageOnPort), so a failed share
// is reported in shared memory: a length, then the message's UTF-16 code units.
import { CTRL_INTS } from './protocol.js';

/** A web worker's control block: pool.ts's, then a flag the worker sets once it is listening. */
export const WEB_CTRL_INTS = CTRL_INTS + 1;
export const READY = CTRL_INTS;

/** Bytes of each worker's failure buffer: [length, ...code units] as Int32. */
export const FAIL_BYTES = 4 * 1024;

export function writeFailure(buf: Int32Array, message: string): void {
  const n = Math.min(message.length, buf.length - 1);
  for (let i = 0; i < n; i++) buf[i + 1] = message.charCodeAt(i);
  Atomics.store(buf, 0, n);
}

/** The last failure written, cleared as it is read; undefined when there is none. */
export function readFailure(buf: Int32Array): string | undefined {
  const n = Atomics.exchange(buf, 0, 0);
  if (n === 0) return undefined;
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(buf[i + 1]);
  return s;
}
