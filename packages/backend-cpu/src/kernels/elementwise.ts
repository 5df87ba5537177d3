import type { BinaryKind, FloatArray, Shape, UnaryKind } from '@saekit/core';
import { stridesOf } from '@saekit/core';

/**
 * Elementwise ops as expressions over operand values `a`, `b` (and `c` for where). One loop
 * template serves all of them: `compileElementwise` generates a loop nest specialised to the
 * broadcast pattern, with the expression inlined, so there is no per-element call or switch.
 * NaN propagates as in PyTorch (Math.max, Math.sign keep NaN).
 */
export const UNARY_EXPR: Record<UnaryKind, string> = {
  neg: '-a',
  exp: 'Math.exp(a)',
  log: 'Math.log(a)',
  sqrt: 'Math.sqrt(a)',
  abs: 'Math.abs(a)',
  sign: 'Math.sign(a)',
  relu: 'Math.max(a, 0)',
  sigmoid: '1 / (1 + Math.exp(-a))',
};

export const BINARY_EXPR: Record<BinaryKind, string> = {
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  div: 'a / b',
  maximum: 'Math.max(a, b)',
  greater: 'a > b ? 1 : 0',
  greaterEqual: 'a >= b ? 1 : 0',
};

export const WHERE_EXPR = 'a !== 0 ? b : c';
/** broadcastTo is the identity expression over a broadcast operand. */
export const IDENTITY_EXPR = 'a';

export type ElementwiseKernel = (out: FloatArray, ...operands: FloatArray[]) => void;

const VARS = ['a', 'b', 'c'];
const cache = new Map<string, ElementwiseKernel>();

/** Each operand's strides over the output shape: 0 along broadcast axes. */
function broadcastStrides(out: Shape, s: Shape): number[] {
  const st = stridesOf(s);
  const lead = out.length - s.length;
  return out.map((_, i) => (i < lead || s[i - lead] === 1 ? 0 : st[i - lead]));
}

/**
 * Merges adjacent axes wherever every operand walks them as one (the common cases become one or
 * two loops: same shape, scalar, row or column broadcast).
 */
function collapse(dims: number[], strides: number[][]): { dims: number[]; strides: number[][] } {
  const d: number[] = [];
  const s: number[][] = strides.map(() => []);
  for (let i = 0; i < dims.length; i++) {
    if (dims[i] === 1) continue;
    const last = d.length - 1;
    if (last >= 0 && strides.every((st, k) => s[k][last] === st[i] * dims[i])) {
      d[last] *= dims[i];
      strides.forEach((st, k) => {
        s[k][last] = st[i];
      });
    } else {
      d.push(dims[i]);
      strides.forEach((st, k) => s[k].push(st[i]));
    }
  }
  if (d.length === 0) return { dims: [1], strides: strides.map(() => [0]) };
  return { dims: d, strides: s };
}

/** A kernel computing `expr` over operands of `shapes`, broadcast to `outShape`. */
export function compileElementwise(expr: string, outShape: Shape, shapes: readonly Shape[]): ElementwiseKernel {
  const { dims, strides } = collapse(
    [...outShape],
    shapes.map((s) => broadcastStrides(outShape, s)),
  );
  const key = `${expr}|${dims.join(',')}|${strides.map((s) => s.join(',')).join(';')}`;
  const hit = cache.get(key);
  if (hit) return hit;

  const r = dims.length;
  const ops = shapes.map((_, k) => `x${k}`);
  const lines: string[] = ['let p = 0;'];
  ops.forEach((_, k) => lines.push(`let o${k}_0 = 0;`));
  for (let d = 0; d < r - 1; d++) {
    lines.push(`for (let i${d} = 0; i${d} < ${dims[d]}; i${d}++) {`);
    ops.forEach((_, k) => lines.push(`const o${k}_${d + 1} = o${k}_${d} + i${d} * ${strides[k][d]};`));
  }
  const inner = r - 1;
  // Operands constant along the innermost axis are loaded once, outside it.
  ops.forEach((x, k) => {
    if (strides[k][inner] === 0) lines.push(`const ${VARS[k]} = ${x}[o${k}_${inner}];`);
  });
  lines.push(`for (let i = 0; i < ${dims[inner]}; i++) {`);
  ops.forEach((x, k) => {
    const st = strides[k][inner];
    if (st !== 0) lines.push(`const ${VARS[k]} = ${x}[o${k}_${inner} + ${st === 1 ? 'i' : `i * ${st}`}];`);
  });
  lines.push(`out[p++] = ${expr};`, '}');
  for (let d = 0; d < r - 1; d++) lines.push('}');
  // Generated once per (expression, broadcast pattern) at compile time, never per run.
  const fn = new Function('out', ...ops, lines.join('\n')) as ElementwiseKernel;
  cache.set(key, fn);
  return fn;
}
