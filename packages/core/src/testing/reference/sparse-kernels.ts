// The float64 reference of the sparse TopK primitives: naive loops, and every index checked, so a
// graph that feeds a bad index fails here by name rather than reading past a row.
import type { Node, SparseOp } from '../../graph/node.js';
import type { Kernel } from './kernels.js';

/** The op of a node known to be of kind K. */
function opOf<K extends SparseOp['kind']>(y: Node, kind: K): Extract<SparseOp, { kind: K }> {
  if (y.op.kind !== kind) throw new Error('unreachable');
  return y.op as Extract<SparseOp, { kind: K }>;
}

/** idx[i] as an integer row index below n, or a clear error. */
function index(op: string, idx: Float64Array, i: number, n: number): number {
  const v = idx[i];
  if (!Number.isInteger(v) || v < 0 || v >= n) {
    throw new RangeError(`${op}: index ${v} at position ${i} is not an integer in [0, ${n})`);
  }
  return v;
}

const topkIndices: Kernel = (y, [x]) => {
  const { k } = opOf(y, 'topkIndices');
  const shape = y.inputs[0].shape;
  const n = shape[shape.length - 1];
  const rows = x.length / n;
  const out = new Float64Array(rows * k);
  // NaN ranks above +Inf, as kthLargest's sort has it; then larger first; at a tie, lower index.
  const rank = (a: number, b: number, va: number, vb: number): number => {
    const na = Number.isNaN(va);
    const nb = Number.isNaN(vb);
    if (na || nb) return na && nb ? a - b : na ? -1 : 1;
    return va === vb ? a - b : vb > va ? 1 : -1;
  };
  for (let r = 0; r < rows; r++) {
    const order = Array.from({ length: n }, (_, i) => i);
    order.sort((a, b) => rank(a, b, x[r * n + a], x[r * n + b]));
    for (let j = 0; j < k; j++) out[r * k + j] = order[j];
  }
  return out;
};

const gatherLast: Kernel = (y, [x, idx]) => {
  const xs = y.inputs[0].shape;
  const n = xs[xs.length - 1];
  const k = y.shape[y.shape.length - 1];
  const out = new Float64Array(y.size);
  for (let i = 0; i < out.length; i++) {
    const row = Math.floor(i / k);
    out[i] = x[row * n + index('gatherLast', idx, i, n)];
  }
  return out;
};

const scatterAddLast: Kernel = (y, [v, idx]) => {
  const { n } = opOf(y, 'scatterAddLast');
  const vs = y.inputs[0].shape;
  const k = vs[vs.length - 1];
  const out = new Float64Array(y.size);
  for (let i = 0; i < v.length; i++) {
    const row = Math.floor(i / k);
    out[row * n + index('scatterAddLast', idx, i, n)] += v[i];
  }
  return out;
};

const sparseMatmul: Kernel = (y, [vals, idx, w]) => {
  const [b, d] = y.shape;
  const [n] = y.inputs[2].shape;
  const k = y.inputs[0].shape[1];
  const out = new Float64Array(b * d);
  for (let r = 0; r < b; r++) {
    for (let j = 0; j < k; j++) {
      const row = index('sparseMatmul', idx, r * k + j, n);
      for (let c = 0; c < d; c++) out[r * d + c] += vals[r * k + j] * w[row * d + c];
    }
  }
  return out;
};

const sparseDot: Kernel = (y, [x, idx, w]) => {
  const [b, k] = y.shape;
  const [n, d] = y.inputs[2].shape;
  const out = new Float64Array(b * k);
  for (let r = 0; r < b; r++) {
    for (let j = 0; j < k; j++) {
      const row = index('sparseDot', idx, r * k + j, n);
      let s = 0;
      for (let c = 0; c < d; c++) s += x[r * d + c] * w[row * d + c];
      out[r * k + j] = s;
    }
  }
  return out;
};

const sparseOuter: Kernel = (y, [vals, idx, x]) => {
  const { n } = opOf(y, 'sparseOuter');
  const [b, k] = y.inputs[0].shape;
  const d = y.shape[1];
  const out = new Float64Array(n * d);
  for (let r = 0; r < b; r++) {
    for (let j = 0; j < k; j++) {
      const row = index('sparseOuter', idx, r * k + j, n);
      for (let c = 0; c < d; c++) out[row * d + c] += vals[r * k + j] * x[r * d + c];
    }
  }
  return out;
};

const cooMatmul: Kernel = (y, [vals, dst, src, x]) => {
  const { n } = opOf(y, 'cooMatmul');
  const [m, d] = y.inputs[3].shape;
  const out = new Float64Array(n * d);
  for (let e = 0; e < vals.length; e++) {
    const to = index('cooMatmul', dst, e, n);
    const from = index('cooMatmul', src, e, m);
    for (let c = 0; c < d; c++) out[to * d + c] += vals[e] * x[from * d + c];
  }
  return out;
};

const cooDot: Kernel = (y, [a, dst, src, x]) => {
  const [n, d] = y.inputs[0].shape;
  const [m] = y.inputs[3].shape;
  const out = new Float64Array(y.size);
  for (let e = 0; e < out.length; e++) {
    const p = index('cooDot', dst, e, n);
    const q = index('cooDot', src, e, m);
    let s = 0;
    for (let c = 0; c < d; c++) s += a[p * d + c] * x[q * d + c];
    out[e] = s;
  }
  return out;
};

export const SPARSE_KERNELS: Readonly<Record<SparseOp['kind'], Kernel>> = {
  topkIndices,
  gatherLast,
  scatterAddLast,
  sparseMatmul,
  sparseDot,
  sparseOuter,
  cooMatmul,
  cooDot,
};
