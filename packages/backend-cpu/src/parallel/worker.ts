// A matmul worker: waits on its control block, runs the row range of the task it is given.
import { type MessagePort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { FloatArray } from '@saekit/core';
import { matmul } from '../kernels/matmul.js';
import { CTRL, EXIT_TASK, type MatmulTask, type PoolMessage, type SharedRef } from './protocol.js';

interface Bound {
  readonly t: MatmulTask;
  readonly a: FloatArray;
  readonly b: FloatArray;
  readonly out: FloatArray;
}

const { ctrl: ctrlBuf, port } = workerData as { ctrl: SharedArrayBuffer; port: MessagePort };
const ctrl = new Int32Array(ctrlBuf);
const tasks = new Map<number, Bound>();
const chunks: SharedArrayBuffer[] = [];

const view = (r: SharedRef, dtype: MatmulTask['dtype']): FloatArray =>
  dtype === 'float32'
    ? new Float32Array(chunks[r.chunk], r.offset, r.length)
    : new Float64Array(chunks[r.chunk], r.offset, r.length);

function drain(): void {
  for (let msg = receiveMessageOnPort(port); msg; msg = receiveMessageOnPort(port)) {
    const m = msg.message as PoolMessage;
    if ('release' in m) for (const id of m.release) tasks.delete(id);
    else if ('buffer' in m) chunks[m.chunk] = m.buffer;
    else tasks.set(m.id, { t: m, a: view(m.a, m.dtype), b: view(m.b, m.dtype), out: view(m.out, m.dtype) });
  }
}

// Starts from 0, not from the current value: the first task may be dispatched before this line runs.
let seen = 0;
for (;;) {
  Atomics.wait(ctrl, CTRL.GEN, seen);
  seen = Atomics.load(ctrl, CTRL.GEN);
  const id = Atomics.load(ctrl, CTRL.TASK);
  if (id === EXIT_TASK) break;
  drain();
  // A registration posted just before its first dispatch may still be in flight: wait for it.
  for (let spins = 0; !tasks.has(id) && spins < 1e7; spins++) drain();
  const task = tasks.get(id);
  try {
    if (!task) throw new Error(`matmul worker: unknown task ${id}`);
    const { t, a, b, out } = task;
    matmul(a, b, out, t.m, t.n, t.k, t.transA, t.transB, t.rowStart, t.rowEnd);
  } catch (e) {
    Atomics.store(ctrl, CTRL.ERROR, 1);
    port.postMessage(String((e as Error)?.stack ?? e));
  }
  Atomics.store(ctrl, CTRL.DONE, seen);
  Atomics.notify(ctrl, CTRL.DONE);
}
port.close();
