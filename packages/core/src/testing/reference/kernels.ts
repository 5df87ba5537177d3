// The float64 reference: one naive loop per primitive, written for obviousness, not speed. It shares
// no code with any backend, so every backend (the CPU one included) is checked against it.
import {
  BINARY_KINDS,
  type BinaryKind,
  type Node,
  type OpKind,
  UNARY_KINDS,
  type UnaryKind,
} from '../../graph/node.js';
import { type Shape, sizeOf } from '../../graph/shape.js';
import { SPARSE_KERNELS } from './sparse-kernels.js';

/** What each elementwise op computes on one value. NaN propagates as in PyTorch. */
export const UNARY_FN: Readonly<Record<UnaryKind, (x: number) => number>> = {
  neg: (x) => -x,
  exp: (x) => Math.exp(x),
  log: (x) => Math.log(x),
  sqrt: (x) => Math.sqrt(x),
  abs: (x) => Math.abs(x),
  sign: (x) => Math.sign(x),
  relu: (x) => Math.max(x, 0),
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  stopGradient: (x) => x,
};

export const BINARY_FN: Readonly<Record<BinaryKind, (a: number, b: number) => number>> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  maximum: (a, b) => Math.max(a, b),
  greater: (a, b) => (a > b ? 1 : 0),
  greaterEqual: (a, b) => (a >= b ? 1 : 0),
};

/** Computes a node's value from its operands' values. */
export type Kernel = (y: Node, xs: readonly Float64Array[]) => Float64Array;

/** Calls `f` with every multi-index of `shape` in row-major order, and its flat position. */
function forEachIndex(shape: Shape, f: (idx: readonly number[], flat: number) => void): void {
  const idx = new Array<number>(shape.length).fill(0);
  const n = sizeOf(shape);
  for (let flat = 0; flat < n; flat++) {
    f(idx, flat);
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d]++;
      if (idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

/** The flat position in an operand of shape `s` read at output index `idx` (NumPy broadcasting). */
function broadcastIndex(idx: readonly number[], s: Shape): number {
  const lead = idx.length - s.length;
  let flat = 0;
  for (let i = 0; i < s.length; i++) flat = flat * s[i] + (s[i] === 1 ? 0 : idx[lead + i]);
  return flat;
}

/** The flat position of a multi-index in `shape`. */
function flatIndex(idx: readonly number[], shape: Shape): number {
  let flat = 0;
  for (let i = 0; i < shape.length; i++) flat = flat * shape[i] + idx[i];
  return flat;
}

/** y[i] = f(operands at i), every operand broadcast to y's shape. */
function broadcastMap(
  y: Node,
  xs: readonly Float64Array[],
  f: (v: readonly number[]) => number,
): Float64Array {
  const out = new Float64Array(y.size);
  const v = new Array<number>(xs.length);
  forEachIndex(y.shape, (idx, i) => {
    for (let k = 0; k < xs.length; k++) v[k] = xs[k][broadcastIndex(idx, y.inputs[k].shape)];
    out[i] = f(v);
  });
  return out;
}

function unary(kind: UnaryKind): Kernel {
  const f = UNARY_FN[kind];
  return (y, [x]) => broadcastMap(y, [x], ([a]) => f(a));
}

function binary(kind: BinaryKind): Kernel {
  const f = BINARY_FN[kind];
  return (y, xs) => broadcastMap(y, xs, ([a, b]) => f(a, b));
}

const matmul: Kernel = (y, [a, b]) => {
  if (y.op.kind !== 'matmul') throw new Error('unreachable');
  const { transA, transB } = y.op;
  const [m, n] = y.shape;
  const k = transA ? y.inputs[0].shape[0] : y.inputs[0].shape[1];
  // op(a)[i, p] is a[i * ai + p * ap]: a is stored [m, k], or [k, m] when transposed; b likewise.
  const [ai, ap] = transA ? [1, m] : [k, 1];
  const [bp, bj] = transB ? [1, k] : [n, 1];
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * ai + p * ap] * b[p * bp + j * bj];
      out[i * n + j] = s;
    }
  }
  return out;
};

const sum: Kernel = (y, [x]) => {
  if (y.op.kind !== 'sum') throw new Error('unreachable');
  const { axes } = y.op;
  const shape = y.inputs[0].shape;
  const out = new Float64Array(y.size);
  // The output position counts over the kept axes only (a kept size-1 axis changes nothing).
  forEachIndex(shape, (idx, i) => {
    let o = 0;
    for (let d = 0; d < shape.length; d++) if (!axes.includes(d)) o = o * shape[d] + idx[d];
    out[o] += x[i];
  });
  return out;
};

const transpose: Kernel = (y, [x]) => {
  if (y.op.kind !== 'transpose') throw new Error('unreachable');
  const { perm } = y.op;
  const inShape = y.inputs[0].shape;
  const out = new Float64Array(y.size);
  const src = new Array<number>(inShape.length);
  forEachIndex(y.shape, (idx, i) => {
    for (let j = 0; j < perm.length; j++) src[perm[j]] = idx[j];
    out[i] = x[flatIndex(src, inShape)];
  });
  return out;
};

const kthLargest: Kernel = (y, [x]) => {
  if (y.op.kind !== 'kthLargest') throw new Error('unreachable');
  const { k } = y.op;
  const shape = y.inputs[0].shape;
  const n = shape[shape.length - 1];
  const out = new Float64Array(y.size);
  for (let r = 0; r < out.length; r++) {
    // A typed array sorts ascending with NaN last: NaN ranks above +Inf.
    const row = x.slice(r * n, (r + 1) * n).sort();
    out[r] = row[n - k];
  }
  return out;
};

/** One kernel per primitive; the Record type makes a missing one a compile error. */
export const KERNELS: Readonly<Record<Exclude<OpKind, 'input'>, Kernel>> = {
  ...(Object.fromEntries(UNARY_KINDS.map((k) => [k, unary(k)])) as Record<UnaryKind, Kernel>),
  ...(Object.fromEntries(BINARY_KINDS.map((k) => [k, binary(k)])) as Record<BinaryKind, Kernel>),
  const: (y) => {
    if (y.op.kind !== 'const') throw new Error('unreachable');
    return Float64Array.from(y.op.value);
  },
  where: (y, xs) => broadcastMap(y, xs, ([c, a, b]) => (c !== 0 ? a : b)),
  broadcastTo: (y, xs) => broadcastMap(y, xs, ([a]) => a),
  reshape: (_y, [x]) => Float64Array.from(x),
  matmul,
  sum,
  transpose,
  kthLargest,
  ...SPARSE_KERNELS,
};
