import {
  BACKEND_SPEC_VERSION,
  type Backend,
  type CompileOptions,
  type Graph,
  type OpKind,
  UnsupportedOpError,
} from '@saekit/core';
import { type OnnxCompileConfig, OnnxExecutable } from './executable.js';
import { LOWERED_OPS } from './lower.js';
import { resolveOpset } from './opset.js';
import { type GraphOptimization, sessionOptions } from './ort.js';

export interface OnnxBackendOptions {
  /** ONNX opset of the lowered graphs, 17 (default) to 26. */
  readonly opset?: number;
  /** Intra-op threads of each session; default: the number of cores. */
  readonly threads?: number;
  /** ONNX Runtime graph optimizations; default `all`. */
  readonly graphOptimization?: GraphOptimization;
  /**
   * ONNX Runtime execution providers in order of preference (`cpu` by default; `cuda`,
   * `tensorrt`, `webgpu` where this onnxruntime-node has them: see `availableProviders()`).
   */
  readonly executionProviders?: readonly string[];
  /** Profile each session with ONNX Runtime's profiler into files with this prefix (see SessionConfig). */
  readonly profile?: string;
  /** Where a training step's optimizer update runs (see OnnxCompileConfig): default `auto`. */
  readonly hostUpdates?: OnnxCompileConfig['hostUpdates'];
}

export interface OnnxBackend extends Backend<Float32Array> {
  readonly opset: number;
  compile(graph: Graph, opts?: CompileOptions<Float32Array>): Promise<OnnxExecutable>;
}

/**
 * A Backend that lowers each compiled graph (outputs, and state updates as extra outputs) to one
 * ONNX model and runs it in onnxruntime-node on the CPU. Training works like any other backend:
 * the train-step graph holds the gradients and the optimizer, and state stays in JS between runs.
 */
export function createOnnxBackend(options: OnnxBackendOptions = {}): OnnxBackend {
  const { opset } = resolveOpset(options.opset);
  sessionOptions(options); // checks threads and graphOptimization now, not at the first compile
  const cfg: OnnxCompileConfig = { ...options, opset };
  return {
    name: 'onnx',
    specVersion: BACKEND_SPEC_VERSION,
    supportedOps: LOWERED_OPS as ReadonlySet<OpKind>,
    opset,
    async compile(graph, opts) {
      for (const n of graph.nodes)
        if (!LOWERED_OPS.has(n.op.kind)) throw new UnsupportedOpError('onnx', n.op.kind);
      return OnnxExecutable.create(graph, opts?.state ?? {}, cfg);
    },
  };
}
