// A pool worker: waits on its control block, runs its share of the task it is given.
import { type MessagePort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { bindTask } from './bind-task.js';
import { CTRL, EXIT_TASK, type PoolMessage, SPIN } from './protocol.js';

const { ctrl: ctrlBuf, port } = workerData as { ctrl: SharedArrayBuffer; port: MessagePort };
const ctrl = new Int32Array(ctrlBuf);
/** Registered tasks, each bound once to its views and kernel. */
const tasks = new Map<number, () => void>();
const chunks: SharedArrayBuffer[] = [];

function drain(): void {
  for (let msg = receiveMessageOnPort(port); msg; msg = receiveMessageOnPort(port)) {
    const m = msg.message as PoolMessage;
    if ('release' in m) for (const id of m.release) tasks.delete(id);
    else if ('buffer' in m) chunks[m.chunk] = m.buffer;
    else tasks.set(m.id, bindTask(m, chunks));
  }
}

// Starts from 0, not from the current value: the first task may be dispatched before this line runs.
let seen = 0;
for (;;) {
  // Spin briefly first: within a step the next task follows in microseconds, and waking from
  // Atomics.wait costs tens of them. The spin is bounded, so an idle pool still sleeps. Woken
  // without a new task (the pool's `wake`, before a run), the worker spins again, ready for it.
  // It runs a task only once GEN has moved, not merely when woken: a dispatch's notify can come
  // late (the main thread preempted between bumping GEN and notifying), after this worker already
  // ran that task while spinning; taking the wake-up as a task would run it a second time, unawaited.
  for (;;) {
    for (let spins = 0; spins < SPIN && Atomics.load(ctrl, CTRL.GEN) === seen; spins++);
    if (Atomics.load(ctrl, CTRL.GEN) !== seen) break;
    Atomics.wait(ctrl, CTRL.GEN, seen);
  }
  seen = Atomics.load(ctrl, CTRL.GEN);
  const id = Atomics.load(ctrl, CTRL.TASK);
  if (id === EXIT_TASK) break;
  drain();
  // A registration posted just before its first dispatch may still be in flight: wait for it.
  for (let spins = 0; !tasks.has(id) && spins < 1e7; spins++) drain();
  const task = tasks.get(id);
  try {
    if (!task) throw new Error(`pool worker: unknown task ${id}`);
    task();
  } catch (e) {
    Atomics.store(ctrl, CTRL.ERROR, 1);
    port.postMessage(String((e as Error)?.stack ?? e));
  }
  Atomics.store(ctrl, CTRL.DONE, seen);
  Atomics.notify(ctrl, CTRL.DONE);
}
port.close();
