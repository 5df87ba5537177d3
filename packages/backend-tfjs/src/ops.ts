import type { BinaryKind, UnaryKind } from '@saekit/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * One small function per saekit primitive, each a few tfjs-core ops, bound at compile time to the
 * node's shapes and the engine's traits. Every tensor is float32: comparisons give bool in tfjs
 * and are cast back to 1 / 0.
 *
 * NaN must propagate as in the CPU reference (and PyTorch). What a tfjs engine does with NaN
 * differs by engine and op, so the engine is probed once (`probeNaN`) and the ops that lose NaN
 * there are composed with a `where(isNaN(x), x, ...)` that puts it back. `sign` is always composed
 * from comparisons: tf.sign gives 0 for NaN on cpu and wasm, and on wasm also for |x| < ~1e-7.
 */

/** Which ops of an engine keep NaN on their own (true: the plain tfjs op is used). */
export interface NanSupport {
  /** relu(NaN) is NaN. */
  readonly relu: boolean;
  /** maximum(NaN, x) and maximum(x, NaN) are both NaN (wasm keeps only one side's). */
  readonly maximum: boolean;
}

/** What the op functions need to know about the engine. */
export interface EngineTraits {
  readonly nan: NanSupport;
  /**
   * Whether tfjs's Tile kernel (behind tf.broadcastTo, and inside tf.where when shapes differ) is
   * the fast way to broadcast. True on tfjs-cpu; on wasm Tile is 10-30x slower than a
   * broadcasting multiply by ones, which is used there instead.
   */
  readonly tileIsFast: boolean;
  /**
   * Whether tf.matMul's transpose flags are slow, so operands are transposed explicitly first.
   * True on wasm: a flagged matmul there is ~10x slower than tf.transpose plus a plain matmul
   * (the plain one goes to XNNPACK). tfjs-cpu and GPU engines handle the flags well.
   */
  readonly explicitTranspose: boolean;
}

type Shape = readonly number[];
type Unary = (x: tf.Tensor) => tf.Tensor;
type Binary = (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
type Ternary = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.Tensor;

const sameShape = (a: Shape, b: Shape) => a.length === b.length && a.every((d, i) => d === b[i]);

/** x broadcast to `shape`, without Tile where Tile is slow (x · 1 is exact, NaN, ±Inf and -0 included). */
function expandWith(traits: EngineTraits): (x: tf.Tensor, shape: number[]) => tf.Tensor {
  return traits.tileIsFast
    ? (x, shape) => (sameShape(x.shape, shape) ? x : tf.broadcastTo(x, shape))
    : (x, shape) => (sameShape(x.shape, shape) ? x : tf.mul(x, tf.fill(shape, 1)));
}

/** x where x is NaN, else y (same shape). */
const keepNaN = (x: tf.Tensor, y: tf.Tensor): tf.Tensor => tf.where(tf.isNaN(x), x, y);

/** 1 for x > 0, -1 for x < 0, else x itself (±0 and NaN): exactly Math.sign. */
const signOp: Unary = (x) =>
  tf.where(tf.greater(x, 0), tf.fill(x.shape, 1), tf.where(tf.less(x, 0), tf.fill(x.shape, -1), x));

export function unaryOp(kind: UnaryKind, traits: EngineTraits): Unary {
  switch (kind) {
    case 'neg':
      return (x) => tf.neg(x);
    case 'exp':
      return (x) => tf.exp(x);
    case 'log':
      return (x) => tf.log(x);
    case 'sqrt':
      return (x) => tf.sqrt(x);
    case 'abs':
      return (x) => tf.abs(x);
    case 'sign':
      return signOp;
    case 'relu':
      return traits.nan.relu ? (x) => tf.relu(x) : (x) => keepNaN(x, tf.relu(x));
    case 'sigmoid':
      return (x) => tf.sigmoid(x);
    case 'stopGradient':
      return (x) => tf.clone(x);
  }
}

const cmp =
  (f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): Binary =>
  (a, b) =>
    tf.cast(f(a, b), 'float32');

/** Elementwise op of two operands; `out` is the broadcast shape. */
export function binaryOp(kind: BinaryKind, out: Shape, traits: EngineTraits): Binary {
  switch (kind) {
    case 'add':
      return (a, b) => tf.add(a, b);
    case 'sub':
      return (a, b) => tf.sub(a, b);
    case 'mul':
      return (a, b) => tf.mul(a, b);
    case 'div':
      return (a, b) => tf.div(a, b);
    case 'maximum': {
      if (traits.nan.maximum) return (a, b) => tf.maximum(a, b);
      // NaN where either operand is NaN: both are broadcast first, so the wheres see one shape.
      const expand = expandWith(traits);
      const s = [...out];
      return (a, b) => {
        const [x, y] = [expand(a, s), expand(b, s)];
        return keepNaN(x, keepNaN(y, tf.maximum(x, y)));
      };
    }
    case 'greater':
      return cmp(tf.greater);
    case 'greaterEqual':
      return cmp(tf.greaterEqual);
  }
}

/** `a` where `cond` is non-zero (NaN counts as non-zero, as in the reference), else `b`; all broadcast to `out`. */
export function whereOp(out: Shape, traits: EngineTraits): Ternary {
  const expand = expandWith(traits);
  const s = [...out];
  return (c, a, b) => tf.where(tf.notEqual(expand(c, s), 0), expand(a, s), expand(b, s));
}

/** 2-D matmul in any transpose mode. */
export function matmulOp(transA: boolean, transB: boolean, traits: EngineTraits): Binary {
  if (!traits.explicitTranspose || (!transA && !transB)) return (a, b) => tf.matMul(a, b, transA, transB);
  return (a, b) => tf.matMul(transA ? tf.transpose(a) : a, transB ? tf.transpose(b) : b);
}

/** Sum over `axes` (already normalised by core); no axes is the identity. */
export function sumOp(axes: readonly number[], keepDims: boolean): Unary {
  if (axes.length === 0) return (x) => x;
  const ax = [...axes];
  return (x) => tf.sum(x, ax, keepDims);
}

export function reshapeOp(shape: Shape): Unary {
  const s = [...shape];
  return (x) => tf.reshape(x, s);
}

export function transposeOp(perm: readonly number[]): Unary {
  const p = [...perm];
  return (x) => tf.transpose(x, p);
}

export function broadcastToOp(shape: Shape, traits: EngineTraits): Unary {
  const expand = expandWith(traits);
  const s = [...shape];
  return (x) => expand(x, s);
}

/**
 * The k-th largest value along the last axis, shape [..., 1]. tf.topk ranks NaN below every
 * number; the reference sorts NaN above +Inf. So NaN is ranked as +Inf for topk, and a row with
 * at least k NaNs gives NaN: the same value the reference picks in every case.
 */
export function kthLargestOp(inShape: Shape, k: number): Unary {
  const r = inShape.length;
  const begin = [...new Array<number>(r - 1).fill(0), k - 1];
  const size = [...new Array<number>(r - 1).fill(-1), 1];
  const outShape = [...inShape.slice(0, -1), 1];
  return (x) => {
    const nan = tf.isNaN(x);
    const ranked = tf.where(nan, tf.fill(x.shape, Number.POSITIVE_INFINITY), x);
    const kth = tf.slice(tf.topk(ranked, k, true).values, begin, size);
    const nanCount = tf.sum(tf.cast(nan, 'float32'), -1, true);
    return tf.where(tf.greaterEqual(nanCount, k), tf.fill(outShape, Number.NaN), kth);
  };
}

/** A constant, created once at compile time (float64 values rounded to float32). */
export function constTensor(value: Float64Array, shape: Shape): tf.Tensor {
  return tf.tensor(Float32Array.from(value), [...shape], 'float32');
}

/** Runs the NaN probes on the active engine: which ops need their NaN fix. */
export async function probeNaN(): Promise<NanSupport> {
  const ts = tf.tidy(() => {
    const nanFirst = tf.tensor1d([Number.NaN, 1, -1]);
    const nanLast = tf.tensor1d([0, Number.NaN, Number.NaN]);
    return [tf.relu(nanFirst), tf.maximum(nanFirst, nanLast), tf.maximum(nanLast, nanFirst)];
  });
  try {
    const [relu, m1, m2] = await Promise.all(ts.map((t) => t.data()));
    return {
      relu: Number.isNaN(relu[0]),
      maximum: [0, 1, 2].every((i) => Number.isNaN(m1[i]) && Number.isNaN(m2[i])),
    };
  } finally {
    tf.dispose(ts);
  }
}
