// A pool worker in a browser (see web-pool.ts): the same control-block protocol as worker.ts, but
// it waits with Atomics.waitAsync, so its event loop stays free to receive task registrations,
// which a Web Worker can only take as events.
import { bindTask } from './bind-task.js';
import { CTRL, EXIT_TASK, type PoolMessage, SPIN } from './protocol.js';
import { READY, writeFailure } from './web-protocol.js';

interface WorkerScope {
  onmessage:
    | ((ev: { data: PoolMessage | { init: { ctrl: SharedArrayBuffer; fail: SharedArrayBuffer } } }) => void)
    | null;
  close(): void;
}
type WaitAsync = (a: Int32Array, i: number, v: number) => { async: boolean; value: Promise<string> | string };

const scope = globalThis as unknown as WorkerScope;
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;
const tasks = new Map<number, () => void>();
const chunks: SharedArrayBuffer[] = [];

const nextEvent = (): Promise<void> => new Promise((ok) => setTimeout(ok, 0));

async function serve(ctrl: Int32Array, fail: Int32Array): Promise<void> {
  Atomics.store(ctrl, READY, 1);
  let seen = 0;
  for (;;) {
    for (let spins = 0; spins < SPIN && Atomics.load(ctrl, CTRL.GEN) === seen; spins++);
    if (Atomics.load(ctrl, CTRL.GEN) === seen) {
      const r = waitAsync(ctrl, CTRL.GEN, seen);
      if (r.async) await r.value;
      continue;
    }
    seen = Atomics.load(ctrl, CTRL.GEN);
    const id = Atomics.load(ctrl, CTRL.TASK);
    if (id === EXIT_TASK) break;
    // A registration posted just before its first dispatch may still be queued: take events until it is in.
    for (let tries = 0; !tasks.has(id) && tries < 10_000; tries++) await nextEvent();
    try {
      const task = tasks.get(id);
      if (!task) throw new Error(`pool worker: unknown task ${id}`);
      task();
    } catch (e) {
      writeFailure(fail, String((e as Error)?.stack ?? e));
      Atomics.store(ctrl, CTRL.ERROR, 1);
    }
    Atomics.store(ctrl, CTRL.DONE, seen);
    Atomics.notify(ctrl, CTRL.DONE);
  }
  scope.close();
}

scope.onmessage = (ev) => {
  const m = ev.data;
  if ('init' in m) void serve(new Int32Array(m.init.ctrl), new Int32Array(m.init.fail));
  else if ('release' in m) for (const id of m.release) tasks.delete(id);
  else if ('buffer' in m) chunks[m.chunk] = m.buffer;
  else tasks.set(m.id, bindTask(m, chunks));
};
