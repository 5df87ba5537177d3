import type { BinaryKind, FloatArray, Shape, UnaryKind } from '@saekit/core';
import { stridesOf } from '@saekit/core';
import type { ParallelKernel } from '../parallel/kernel.js';
import { fastExp } from './exp.js';

/**
 * Elementwise ops as expression builders over operand expressions. One loop template serves all
 * of them: `compileElementwise` generates a loop nest specialised to the broadcast pattern with the
 * expression inlined (no per-element call or switch), and fused chains are just nested expressions.
 * NaN propagates as in PyTorch (Math.max, Math.sign and `relu` keep NaN).
 *
 * ReLU and the comparisons are written without a data-dependent branch: V8 compiles Math.max and
 * `a > b ? 1 : 0` to compare-and-jump, mispredicted on every other element of a pre-activation
 * (half its signs at random), several times the cost of the loop (docs/performance.md).
 */
type Expr1 = (a: string) => string;
type Expr2 = (a: string, b: string) => string;

export const UNARY_EXPR: Record<UnaryKind, Expr1> = {
  neg: (a) => `(-${a})`,
  exp: (a) => `EXP(${a})`,
  log: (a) => `Math.log(${a})`,
  sqrt: (a) => `Math.sqrt(${a})`,
  abs: (a) => `Math.abs(${a})`,
  sign: (a) => `Math.sign(${a})`,
  relu: (a) => `RELU(${a})`,
  sigmoid: (a) => `(1 / (1 + EXP(-${a})))`,
  stopGradient: (a) => a,
};

export const BINARY_EXPR: Record<BinaryKind, Expr2> = {
  add: (a, b) => `(${a} + ${b})`,
  sub: (a, b) => `(${a} - ${b})`,
  mul: (a, b) => `(${a} * ${b})`,
  div: (a, b) => `(${a} / ${b})`,
  maximum: (a, b) => `Math.max(${a}, ${b})`,
  greater: (a, b) => `+(${a} > ${b})`,
  greaterEqual: (a, b) => `+(${a} >= ${b})`,
};

/**
 * max(s, 0) as PyTorch's relu gives it (NaN kept, −0 → +0, −Inf → 0) with no branch on the sign:
 * (s + |s|)/2 is exact for finite |s| < 2^1023, and the rest (NaN, ±Inf, larger s) takes a
 * branch real data never does.
 */
export function relu(s: number): number {
  const r = (s + Math.abs(s)) * 0.5;
  return r - r === 0 ? r : Number.isNaN(s) || s > 0 ? s : 0;
}

export const WHERE_EXPR = (c: string, a: string, b: string): string => `(${c} !== 0 ? ${a} : ${b})`;

/**
 * Computes the outputs for outer indices [lo, hi) of the collapsed loop nest (`outer` of them in
 * all; how threads split an elementwise op). Arguments: lo, hi, the outputs, then the operands.
 */
export type ElementwiseKernel = (lo: number, hi: number, ...arrays: FloatArray[]) => void;

export interface CompiledElementwise {
  readonly fn: ElementwiseKernel;
  /** Extent of the outermost loop: the unit `lo`/`hi` count in. */
  readonly outer: number;
}

const cache = new Map<string, CompiledElementwise>();

/** Elements an iteration of a generated inner loop. */
const UNROLL = 8;

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
      for (let k = 0; k < strides.length; k++) s[k].push(strides[k][i]);
    }
  }
  if (d.length === 0) return { dims: [1], strides: strides.map(() => [0]) };
  return { dims: d, strides: s };
}

/** What one loop computes: values t0, t1, … (each over operands v0, v1, … and earlier t's), some stored. */
export interface LoopSpec {
  readonly exprs: readonly string[];
  /** Index in `exprs` of each output, in the kernel's output order. */
  readonly storeOf: readonly number[];
  /**
   * Index in `exprs` of each value whose sum along the inner loop is an output too (after the
   * stored ones, one value per outer index). Only for loops that collapse to two dimensions.
   */
  readonly rowSumOf?: readonly number[];
}

/** The loop nest for `outShape` with operands of `shapes`: axes every operand walks alike are merged. */
function loopNest(outShape: Shape, shapes: readonly Shape[]): { dims: number[]; strides: number[][] } {
  return collapse(
    [...outShape],
    shapes.map((s) => broadcastStrides(outShape, s)),
  );
}

/** The loop nest's extents (see loopNest). */
export function loopDims(outShape: Shape, shapes: readonly Shape[]): number[] {
  return loopNest(outShape, shapes).dims;
}

/**
 * A kernel computing `spec` with operands of `shapes` broadcast to `outShape` (every output has that
 * shape). Its arguments are (lo, hi, out0, …, outS-1, x0, …). `EXP` in an expression is `fastExp`
 * with `fastMath` (the float32 backend), else `Math.exp`. Cached per (expressions, outputs,
 * broadcast pattern, fastMath).
 */
export function compileElementwise(
  spec: LoopSpec,
  outShape: Shape,
  shapes: readonly Shape[],
  fastMath = false,
): CompiledElementwise {
  const { dims, strides } = loopNest(outShape, shapes);
  const { exprs } = spec;
  const rowSumOf = spec.rowSumOf ?? [];
  if (rowSumOf.length && dims.length !== 2)
    throw new Error(`elementwise: row sums need a two-dimensional loop, got [${dims.join(', ')}]`);
  const key = `${fastMath}|${exprs.join(';')}|${spec.storeOf.join(',')}|${rowSumOf.join(',')}|${dims.join(',')}|${strides.map((s) => s.join(',')).join(';')}`;
  const hit = cache.get(key);
  if (hit) return hit;

  const r = dims.length;
  const ops = shapes.map((_, k) => `x${k}`);
  const outs = spec.storeOf.map((_, s) => `out${s}`);
  const sums = rowSumOf.map((_, j) => `out${outs.length + j}`);
  const inner = r - 1;
  // The outputs are contiguous: their offset at depth d is q_d; every operand k has its own o{k}_d.
  const outStrides = stridesOf(dims);
  const lines: string[] = ['const q_0 = 0;'];
  for (let k = 0; k < ops.length; k++) lines.push(`const o${k}_0 = 0;`);
  for (let d = 0; d < r - 1; d++) {
    lines.push(
      d === 0 ? 'for (let i0 = lo; i0 < hi; i0++) {' : `for (let i${d} = 0; i${d} < ${dims[d]}; i${d}++) {`,
    );
    lines.push(`const q_${d + 1} = q_${d} + i${d} * ${outStrides[d]};`);
    for (let k = 0; k < ops.length; k++)
      lines.push(`const o${k}_${d + 1} = o${k}_${d} + i${d} * ${strides[k][d]};`);
  }
  // Operands constant along the innermost axis are loaded once, outside it.
  ops.forEach((x, k) => {
    if (strides[k][inner] === 0) lines.push(`const v${k} = ${x}[o${k}_${inner}];`);
  });
  rowSumOf.forEach((_, j) => {
    lines.push(`let a${j} = 0;`);
  });
  // One element at index `at` of the inner loop: its loads, values, stores and row sums in order.
  const element = (at: string): string[] => [
    ...ops.flatMap((x, k) => {
      const st = strides[k][inner];
      return st === 0 ? [] : [`const v${k} = ${x}[o${k}_${inner} + ${st === 1 ? at : `(${at}) * ${st}`}];`];
    }),
    ...exprs.map((e, t) => `const t${t} = ${e};`),
    ...spec.storeOf.map((t, s) => `${outs[s]}[q_${inner} + ${at}] = t${t};`),
    ...rowSumOf.map((t, j) => `a${j} += t${t};`),
  ];
  // UNROLL elements an iteration, each in its own block, in order (the same values and sums as one a
  // time): V8 checks each array's map and length again every iteration, so the checks are shared.
  // Not a loop that calls EXP: with more copies of its body V8 stopped inlining fastExp, and the
  // calls cost more than the checks saved (docs/performance.md).
  const start = inner === 0 ? 'lo' : '0';
  const end = inner === 0 ? 'hi' : `${dims[inner]}`;
  if (exprs.some((e) => e.includes('EXP('))) {
    lines.push(`for (let i = ${start}; i < ${end}; i++) {`, ...element('i'), '}');
  } else {
    lines.push(`let i = ${start};`, `for (; i + ${UNROLL} <= ${end}; i += ${UNROLL}) {`);
    for (let u = 0; u < UNROLL; u++) lines.push('{', ...element(u === 0 ? 'i' : `i + ${u}`), '}');
    lines.push('}', `for (; i < ${end}; i++) {`, ...element('i'), '}');
  }
  rowSumOf.forEach((_, j) => {
    lines.push(`${sums[j]}[i0] = a${j};`);
  });
  for (let d = 0; d < r - 1; d++) lines.push('}');
  // Generated once per (expressions, broadcast pattern) at compile time, never per run.
  const factory = new Function(
    'EXP',
    'RELU',
    `return function (lo, hi, ${[...outs, ...sums, ...ops].join(', ')}) {\n${lines.join('\n')}\n};`,
  );
  const compiled: CompiledElementwise = {
    fn: factory(fastMath ? fastExp : Math.exp, relu) as ElementwiseKernel,
    outer: dims[0],
  };
  cache.set(key, compiled);
  return compiled;
}

const binders = new Map<number, (fn: ElementwiseKernel, arrays: FloatArray[]) => RangeKernel>();

type RangeKernel = (lo: number, hi: number) => void;

/**
 * `(lo, hi) => fn(lo, hi, ...arrays)` as a direct call of fixed arity, on arrays that stay put:
 * `fn.apply` or a spread made the call several times slower than the loop it runs.
 */
export function bindKernel(fn: ElementwiseKernel, arrays: readonly FloatArray[]): RangeKernel {
  const n = arrays.length;
  let make = binders.get(n);
  if (!make) {
    const names = arrays.map((_, i) => `a${i}`);
    make = new Function(
      'fn',
      'arrays',
      `const [${names.join(', ')}] = arrays;\nreturn (lo, hi) => fn(lo, hi, ${names.join(', ')});`,
    ) as (fn: ElementwiseKernel, arrays: FloatArray[]) => RangeKernel;
    binders.set(n, make);
  }
  return make(fn, [...arrays]);
}

/** One loop (compiled where it runs, from the same spec) over outputs and operands of fixed arrays. */
export interface ElementwiseArgs {
  readonly spec: LoopSpec;
  readonly outShape: Shape;
  readonly shapes: readonly Shape[];
  readonly fastMath: boolean;
  readonly outs: readonly FloatArray[];
  readonly operands: readonly FloatArray[];
}

/** An elementwise loop split over the outer loop of its collapsed loop nest. */
export const ELEMENTWISE: ParallelKernel<ElementwiseArgs> = {
  name: 'elementwise',
  bind: ({ spec, outShape, shapes, fastMath, outs, operands }) =>
    bindKernel(compileElementwise(spec, outShape, shapes, fastMath).fn, [...outs, ...operands]),
};
