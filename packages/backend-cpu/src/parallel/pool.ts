import { SharedArena } from './arena.js';
import type { ParallelKernel } from './kernel.js';
import { CTRL, CTRL_INTS, EXIT_TASK, pack, runChunks, type SharedRef, SPIN, type Task } from './protocol.js';
import { startWebWorkers, webThreads } from './web-pool.js';

type WorkerThreads = typeof import('node:worker_threads');
type Os = typeof import('node:os');

/** Node's modules when running in Node (synchronously, so compile stays sync); undefined elsewhere. */
function nodeBuiltin<T>(name: string): T | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (n: string) => unknown } }).process;
  return proc?.getBuiltinModule?.(name) as T | undefined;
}

/** Cores this process may use (in a browser: see webThreads). */
export function availableThreads(): number {
  const os = nodeBuiltin<Os>('node:os');
  return os ? Math.max(1, os.availableParallelism?.() ?? os.cpus().length) : webThreads();
}

interface PoolWorker {
  readonly ctrl: Int32Array;
  readonly port: { postMessage(message: unknown): void; close(): void };
  /** The worker's report of its last failure (it posts one before flagging ERROR), if any. */
  readonly failure: () => string | undefined;
}

/** A split node: `run` computes it on every thread and returns when all are done. */
export interface PlannedTask {
  readonly run: () => void;
  readonly release: () => void;
}

/**
 * Threads for large nodes (matrix products, elementwise loops): the calling thread takes the first
 * share and `threads - 1` workers the rest, all on shared memory. Dispatch and completion go
 * through Atomics on a per-worker control block, so a parallel node is a synchronous call that
 * sends no message and allocates nothing. Workers are unref'd: they never keep the process alive.
 */
export class ThreadPool {
  private readonly workers: PoolWorker[] = [];
  private nextTask = 1;
  /** Where every buffer a worker touches lives; each chunk is sent to the workers once. */
  readonly arena = new SharedArena((chunk, buffer) => {
    for (const w of this.workers) w.port.postMessage({ chunk, buffer });
  });

  private constructor(readonly threads: number) {}

  /** A zeroed array on the pool's shared memory; give it back with `free`. */
  alloc(n: number, dtype: 'float32' | 'float64'): Float32Array | Float64Array {
    return dtype === 'float32'
      ? this.arena.alloc(n, (b, o, len) => new Float32Array(b, o, len), 4)
      : this.arena.alloc(n, (b, o, len) => new Float64Array(b, o, len), 8);
  }

  free(v: Float32Array | Float64Array): void {
    this.arena.release(v);
  }

  private ref(v: Float32Array | Float64Array): SharedRef {
    const r = this.arena.rangeOf(v);
    const shared = v instanceof Float64Array ? 'float64' : 'float32';
    return { shared, chunk: r.chunk, offset: r.offset, length: v.length };
  }

  /** A pool of `threads` (>= 2) threads, or undefined when worker threads are unavailable. */
  static create(threads: number): ThreadPool | undefined {
    const wt = nodeBuiltin<WorkerThreads>('node:worker_threads');
    if (threads < 2) return undefined;
    if (!wt) {
      if (webThreads() < 2) return undefined;
      const pool = new ThreadPool(threads);
      pool.workers.push(...startWebWorkers(threads - 1));
      return pool;
    }
    const pool = new ThreadPool(threads);
    const here = import.meta.url;
    // Tests run the TypeScript sources; the worker is always the compiled file beside dist/.
    const url = new URL(here.endsWith('.ts') ? '../../dist/parallel/worker.js' : './worker.js', here);
    for (let i = 1; i < threads; i++) {
      const ctrl = new SharedArrayBuffer(CTRL_INTS * 4);
      const { port1, port2 } = new wt.MessageChannel();
      const w = new wt.Worker(url, { workerData: { ctrl, port: port2 }, transferList: [port2] });
      // A failure is read with the run that met it (see split); this catches any left over.
      port1.on('message', (m) => {
        process.stderr.write(`saekit cpu backend: pool worker error: ${m}\n`);
      });
      // After on('message'), which refs the port: neither may keep the process alive.
      port1.unref();
      w.unref();
      const failure = () => {
        const m = wt.receiveMessageOnPort(port1);
        return m === undefined ? undefined : String(m.message);
      };
      pool.workers.push({ ctrl: new Int32Array(ctrl), port: port1, failure });
    }
    return pool;
  }

  /**
   * Prepares `kernel` over `units` units (rows of a product, outer steps of a loop, …) to run split
   * over the pool in pieces of `per`: this thread takes the first, each worker the next. With
   * `chunk`, every thread instead takes pieces of `chunk` units as it gets to them (`runChunks`):
   * for kernels whose pieces cost the same on any thread and whose values do not depend on the
   * split. The arrays in `args` must come from `alloc` and stay put for the task's lifetime.
   */
  plan<A>(
    kernel: ParallelKernel<A>,
    args: A,
    units: number,
    per = Math.ceil(units / this.threads),
    chunk?: number,
  ): PlannedTask {
    const packed = pack(args, (v) => this.ref(v));
    const f = kernel.bind(args);
    if (chunk !== undefined) {
      const buffer = new SharedArrayBuffer(4);
      const counter = new Int32Array(buffer);
      const shared = { chunk, counter: buffer };
      const tasks = this.workers.map(
        (): Task => ({ id: this.nextTask++, kernel: kernel.name, args: packed, lo: 0, hi: units, shared }),
      );
      return this.split(tasks, () => runChunks(f, counter, chunk, units), counter);
    }
    const mine = Math.min(units, per);
    const shares = this.workerRanges(units, per).map(
      ([lo, hi]): Task => ({ id: this.nextTask++, kernel: kernel.name, args: packed, lo, hi }),
    );
    return this.split(shares, () => f(0, mine));
  }

  /** [lo, hi) of each worker's share when `total` units go out in pieces of `per`; the caller takes [0, per). */
  private workerRanges(total: number, per: number): [number, number][] {
    const ranges: [number, number][] = [];
    for (let w = 0; w < this.workers.length; w++) {
      const lo = Math.min(total, (w + 1) * per);
      const hi = Math.min(total, (w + 2) * per);
      if (lo >= hi) break;
      ranges.push([lo, hi]);
    }
    return ranges;
  }

  /** Registers each worker's share; `run` dispatches them, does `mine`, and waits for all. */
  private split(shares: readonly Task[], mine: () => void, counter?: Int32Array): PlannedTask {
    for (let w = 0; w < shares.length; w++) this.workers[w].port.postMessage(shares[w]);
    const ids = shares.map((t) => t.id);
    const workers = this.workers.slice(0, ids.length);
    const release = () => {
      for (let i = 0; i < workers.length; i++) workers[i].port.postMessage({ release: [ids[i]] });
    };
    const run = () => {
      if (counter) Atomics.store(counter, 0, 0);
      for (let w = 0; w < workers.length; w++) {
        const c = workers[w].ctrl;
        Atomics.store(c, CTRL.TASK, ids[w]);
        Atomics.add(c, CTRL.GEN, 1);
        Atomics.notify(c, CTRL.GEN);
      }
      // Every thread finishes before anything is thrown: a worker still writing this node's
      // outputs must not overlap the next run.
      let failed: unknown;
      try {
        mine();
      } catch (e) {
        failed = e;
      }
      for (let w = 0; w < workers.length; w++) {
        const c = workers[w].ctrl;
        const gen = Atomics.load(c, CTRL.GEN);
        for (let spins = 0; spins < SPIN && Atomics.load(c, CTRL.DONE) !== gen; spins++);
        for (let done = Atomics.load(c, CTRL.DONE); done !== gen; done = Atomics.load(c, CTRL.DONE)) {
          Atomics.wait(c, CTRL.DONE, done);
        }
        if (Atomics.load(c, CTRL.ERROR)) {
          // Reported with this run only: the worker is alive, and the next run may well succeed.
          Atomics.store(c, CTRL.ERROR, 0);
          const why = workers[w].failure() ?? '(no report)';
          failed ??= new Error(`cpu backend: a pool worker failed: ${why}`);
        }
      }
      if (failed !== undefined) throw failed;
    };
    return { run, release };
  }

  /**
   * Wakes sleeping workers without giving them a task, so they are spinning, not asleep, when the
   * first task of a run follows (a wake from Atomics.wait takes tens of µs; a run's first split
   * node otherwise started that much later on the workers). Costs a notify per worker.
   */
  wake(): void {
    for (const w of this.workers) Atomics.notify(w.ctrl, CTRL.GEN);
  }

  /** Stops the workers (they also stop with the process). */
  close(): void {
    for (const w of this.workers) {
      Atomics.store(w.ctrl, CTRL.TASK, EXIT_TASK);
      Atomics.add(w.ctrl, CTRL.GEN, 1);
      Atomics.notify(w.ctrl, CTRL.GEN);
      w.port.close();
    }
    this.workers.length = 0;
  }
}
