// What the Node and browser onnxruntime files (ort.ts, browser/ort.ts) check and report alike.

export type GraphOptimization = 'disabled' | 'basic' | 'extended' | 'all';

export interface SessionConfig {
  /**
   * Intra-op threads; default: the number of cores. In a browser a page-wide setting of
   * onnxruntime-web (`ort.env.wasm.numThreads`, read when the first session is created), more than 1
   * only where the page is cross-origin isolated; default there: onnxruntime-web's own choice.
   */
  readonly threads?: number;
  /** ONNX Runtime graph optimizations; default `all`. */
  readonly graphOptimization?: GraphOptimization;
  /**
   * Execution providers in order of preference, e.g. `['cuda', 'cpu']`; default `['cpu']`. One
   * this onnxruntime does not have is an error naming those it has (Node only for now).
   */
  readonly executionProviders?: readonly string[];
  /**
   * ONNX Runtime's memory pattern (one block for all of a run's intermediates, planned after the
   * first run); default on. Its block comes on top of what the arena kept from the first run.
   */
  readonly memoryPattern?: boolean;
  /**
   * Profile every run with ONNX Runtime's own profiler (per-node kernel times), written as a JSON
   * trace to a file whose name starts with this prefix; complete after `endProfiling()` (Node only).
   */
  readonly profile?: string;
}

const LEVELS: readonly GraphOptimization[] = ['disabled', 'basic', 'extended', 'all'];

/** `threads` when given, checked. */
export function checkThreads(threads: number | undefined): number | undefined {
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1))
    throw new RangeError(`onnx: threads must be a positive integer, got ${threads}`);
  return threads;
}

/** The optimization level asked for (default `all`), checked. */
export function graphLevel(cfg: SessionConfig): GraphOptimization {
  const level = cfg.graphOptimization ?? 'all';
  if (!LEVELS.includes(level))
    throw new RangeError(`onnx: graphOptimization must be one of ${LEVELS.join(', ')}, got ${level}`);
  return level;
}

/** The message of whatever onnxruntime threw, without its long source-path prefix. */
export function ortMessage(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.replace(/^\S*onnxruntime_src\S*\s+(?:\S+::\S+\([^)]*\)\s*)?/, '').trim();
}

/** `asked` when every one is in `available`; else an error naming those that are. */
export function checkProviders(
  asked: readonly string[],
  available: readonly string[],
  runtime: string,
): string[] {
  if (!Array.isArray(asked) || asked.length === 0)
    throw new RangeError('onnx: executionProviders must be a non-empty list, e.g. ["cuda", "cpu"]');
  for (const p of asked) {
    if (!available.includes(p)) {
      throw new RangeError(
        `onnx: execution provider "${p}" is not available in this ${runtime} (available: ${available.join(', ')}); ` +
          'for cuda or tensorrt, see docs/gpu.md of @saekit/backend-onnx',
      );
    }
  }
  return [...asked];
}
