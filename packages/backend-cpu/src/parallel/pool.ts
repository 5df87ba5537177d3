import type { FloatArray, Shape } from '@saekit/core';
import { bindKernel, compileElementwise, type LoopSpec } from '../kernels/elementwise.js';
import { maskedMatmul } from '../kernels/masked-matmul.js';
import { maskedPairHalves, sumPartials } from '../kernels/masked-pair.js';
import { matmulAuto } from '../kernels/matmul-auto.js';
import { compileSumRange } from '../kernels/sum.js';
import { SharedArena } from './arena.js';
import { CTRL, CTRL_INTS, EXIT_TASK, type SharedRef, SPIN, type Task } from './protocol.js';

type WorkerThreads = typeof import('node:worker_threads');
type Os = typeof import('node:os');

/** Node's modules when running in Node (synchronously, so compile stays sync); undefined elsewhere. */
function nodeBuiltin<T>(name: string): T | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (n: string) => unknown } }).process;
  return proc?.getBuiltinModule?.(name) as T | undefined;
}

/** Cores this process may use (1 outside Node). */
export function availableThreads(): number {
  const os = nodeBuiltin<Os>('node:os');
  return os ? Math.max(1, os.availableParallelism?.() ?? os.cpus().length) : 1;
}

interface PoolWorker {
  readonly ctrl: Int32Array;
  readonly port: import('node:worker_threads').MessagePort;
  /** The worker's report of its last failure (it posts one before flagging ERROR), if any. */
  readonly failure: () => string | undefined;
}

/** A split node: `run` computes it on every thread and returns when all are done. */
export interface PlannedTask {
  readonly run: () => void;
  readonly release: () => void;
}

/** Elementwise nodes with fewer outputs than this run on one thread (a split costs ~1 µs, plus its cache traffic). */
const ELEMENTWISE_SPLIT_MIN = 1 << 13;

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

  private ref(v: FloatArray): SharedRef {
    const r = this.arena.rangeOf(v);
    return { chunk: r.chunk, offset: r.offset, length: v.length };
  }

  /** A pool of `threads` (>= 2) threads, or undefined when worker threads are unavailable. */
  static create(threads: number): ThreadPool | undefined {
    const wt = nodeBuiltin<WorkerThreads>('node:worker_threads');
    if (!wt || threads < 2) return undefined;
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
   * Prepares out = op(a)·op(b) to run split by rows over the pool; the returned function runs it.
   * a, b, out must come from `alloc` and stay the same arrays for the task's lifetime.
   */
  planMatmul(
    a: FloatArray,
    b: FloatArray,
    out: FloatArray,
    m: number,
    n: number,
    k: number,
    transA: boolean,
    transB: boolean,
  ): PlannedTask {
    // Equal row counts, not whole 3-row tiles of the dense micro-kernel: the sparse kernels take
    // most of a step's products, and for hᵀ·g (64 rows) tiles made the shares 33 and 31 rows, the
    // main thread then waiting ~6% longer. A dense share ending mid-tile costs one short tile.
    const chunk = Math.ceil(m / this.threads);
    const refs = { dtype: dtypeOf(a), a: this.ref(a), b: this.ref(b), out: this.ref(out) };
    return this.planShares(
      m,
      chunk,
      (rowStart, rowEnd) => ({ kind: 'matmul', ...refs, m, n, k, transA, transB, rowStart, rowEnd }),
      (end) => () => matmulAuto(a, b, out, m, n, k, transA, transB, 0, end),
    );
  }

  /** Prepares a masked product (kernels/masked-matmul.ts) split by rows, as `planMatmul`. */
  planMaskedMatmul(
    a: FloatArray,
    b: FloatArray,
    p: FloatArray,
    threshold: number,
    out: FloatArray,
    m: number,
    n: number,
    k: number,
  ): PlannedTask {
    const refs = { dtype: dtypeOf(a), a: this.ref(a), b: this.ref(b), p: this.ref(p), out: this.ref(out) };
    return this.planShares(
      m,
      Math.ceil(m / this.threads),
      (rowStart, rowEnd) => ({ kind: 'masked', ...refs, m, n, k, threshold, rowStart, rowEnd }),
      (end) => () => maskedMatmul(a, b, p, threshold, out, m, n, k, 0, end),
    );
  }

  /**
   * Prepares a masked pair (kernels/masked-pair.ts): its two halves of rows (the kernel's unit of
   * work: this thread takes the first, a worker the second, a third thread would have none), then
   * the sum of the halves' partials, split by entries. Returns the two steps, to run in order.
   * Float32 arrays but `part` (float64, 2·n·k), all from `alloc`.
   */
  planMaskedPair(
    a: Float32Array,
    b: Float32Array,
    p: Float32Array,
    threshold: number,
    h: Float32Array,
    out1: Float32Array,
    part: Float64Array,
    out2: Float32Array,
    m: number,
    n: number,
    k: number,
  ): [PlannedTask, PlannedTask] {
    const refs = { a: this.ref(a), b: this.ref(b), p: this.ref(p), h: this.ref(h), out1: this.ref(out1) };
    const halves = this.planShares(
      2,
      1,
      (h0, h1) => ({
        kind: 'maskedPair',
        dtype: 'float32',
        ...refs,
        part: this.ref(part),
        threshold,
        m,
        n,
        k,
        h0,
        h1,
      }),
      (end) => () => maskedPairHalves(a, b, p, threshold, h, out1, part, m, n, k, 0, end),
    );
    const len = n * k;
    const sums = this.planShares(
      len,
      Math.ceil(len / this.threads),
      (lo, hi) => ({
        kind: 'pairSum',
        dtype: 'float32',
        part: this.ref(part),
        out: this.ref(out2),
        len,
        lo,
        hi,
      }),
      (end) => () => sumPartials(part, out2, len, 0, end),
    );
    return [halves, sums];
  }

  /**
   * Prepares an elementwise loop (compiled here and, from the same spec, in each worker) to run
   * split over the outer loop of its collapsed loop nest. Arrays as for `planMatmul`.
   */
  planElementwise(
    spec: LoopSpec,
    outShape: Shape,
    shapes: readonly Shape[],
    fastMath: boolean,
    outs: readonly FloatArray[],
    operands: readonly FloatArray[],
  ): PlannedTask {
    const { fn, outer } = compileElementwise(spec, outShape, shapes, fastMath);
    const body = {
      dtype: dtypeOf(outs[0]),
      exprs: [...spec.exprs],
      storeOf: [...spec.storeOf],
      rowSumOf: [...(spec.rowSumOf ?? [])],
      outShape: [...outShape],
      shapes: shapes.map((s) => [...s]),
      fastMath,
      outs: outs.map((v) => this.ref(v)),
      operands: operands.map((v) => this.ref(v)),
    };
    return this.planShares(
      outer,
      Math.ceil(outer / this.threads),
      (lo, hi) => ({ kind: 'elementwise', ...body, lo, hi }),
      (end) => bindKernel(fn, 0, end, [...outs, ...operands]),
    );
  }

  /** Prepares a row or column sum (see compileSumRange) split by outputs; undefined for other sums. */
  planSum(shape: Shape, axes: readonly number[], x: FloatArray, out: FloatArray): PlannedTask | undefined {
    const k = compileSumRange(shape, axes);
    if (!k) return undefined;
    const body = {
      dtype: dtypeOf(x),
      shape: [...shape],
      axes: [...axes],
      x: this.ref(x),
      out: this.ref(out),
    };
    const { fn } = k;
    return this.planShares(
      k.outputs,
      Math.ceil(k.outputs / this.threads),
      (lo, hi) => ({ kind: 'sum', ...body, lo, hi }),
      (end) => () => fn(0, end, x, out),
    );
  }

  /** Whether a sum of `size` inputs is worth splitting (the same bar as an elementwise loop). */
  worthSplittingSum(size: number, shape: Shape, axes: readonly number[]): boolean {
    const k = compileSumRange(shape, axes);
    return k !== undefined && size >= ELEMENTWISE_SPLIT_MIN && k.outputs >= this.threads;
  }

  /**
   * A node split into pieces of `per` of its `total` units: each worker's task is `share(lo, hi)`
   * (given an id here), and this thread runs `mine(end)` over [0, end).
   */
  private planShares(
    total: number,
    per: number,
    share: (lo: number, hi: number) => TaskBody,
    mine: (end: number) => () => void,
  ): PlannedTask {
    const shares = this.workerRanges(total, per).map(
      ([lo, hi]): Task => ({ ...share(lo, hi), id: this.nextTask++ }),
    );
    return this.split(shares, mine(Math.min(total, per)));
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
  private split(shares: readonly Task[], mine: () => void): PlannedTask {
    for (let w = 0; w < shares.length; w++) this.workers[w].port.postMessage(shares[w]);
    const ids = shares.map((t) => t.id);
    const workers = this.workers.slice(0, ids.length);
    const release = () => {
      for (let i = 0; i < workers.length; i++) workers[i].port.postMessage({ release: [ids[i]] });
    };
    const run = () => {
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

  /** Whether a product is worth splitting: big enough, and shaped for the blocked kernel. */
  worthSplittingMatmul(m: number, n: number, k: number): boolean {
    return n > 1 && m >= 6 * this.threads && 2 * m * n * k >= 1 << 20;
  }

  /** Whether an elementwise node of `size` outputs whose outer loop has `outer` steps is worth splitting. */
  worthSplittingElementwise(size: number, outer: number): boolean {
    return size >= ELEMENTWISE_SPLIT_MIN && outer >= this.threads;
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

/** Omit over each member of a union (plain Omit merges the union's kinds into one). */
type OmitEach<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A task without its id (planShares numbers the shares). */
type TaskBody = OmitEach<Task, 'id'>;

function dtypeOf(v: FloatArray): 'float32' | 'float64' {
  return v instanceof Float64Array ? 'float64' : 'float32';
}
