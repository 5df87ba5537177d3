import type { Node } from '@saekit/core';
import { type WasmMemory, wasmApi } from './wasm-api.js';
import { f32, i32, kernelModule, OP, SIMD, TYPE, u32 } from './wasm-binary.js';

/** The ops a host kernel computes: what optimizer updates are made of (exp, log, sigmoid are not). */
const UNARY: Readonly<Record<string, readonly number[] | null>> = {
  neg: SIMD.f32x4Neg,
  abs: SIMD.f32x4Abs,
  sqrt: SIMD.f32x4Sqrt,
  stopGradient: null, // the value itself
};
const BINARY: Readonly<Record<string, readonly number[]>> = {
  add: SIMD.f32x4Add,
  sub: SIMD.f32x4Sub,
  mul: SIMD.f32x4Mul,
  div: SIMD.f32x4Div,
  // wasm's max propagates NaN and orders -0 < +0, as Math.max (core's reference).
  maximum: SIMD.f32x4Max,
};

/** Whether a host kernel computes this op. */
export const isHostOp = (n: Node): boolean =>
  n.op.kind in UNARY || n.op.kind in BINARY || n.op.kind === 'relu' || n.op.kind === 'where';

/** A pointwise cone to compile: nodes in graph order, the tensors it reads, the values it writes. */
export interface ConeSpec {
  readonly nodes: readonly Node[];
  /** Tensor leaves (read at every element), in parameter order. */
  readonly leaves: readonly Node[];
  /** Single-value leaves that are not constants (passed per call), in parameter order. */
  readonly scalars: readonly Node[];
  /** Cone nodes whose values are stored, in parameter order. */
  readonly roots: readonly Node[];
}

/**
 * A compiled cone. `bind` fixes where it reads the leaves (`leafPtrs`) and writes the roots
 * (`rootPtrs`, byte offsets) and how many bytes of each; the call it returns takes the scalars and
 * runs the loop, allocating nothing (a training step calls it once per parameter).
 */
export interface PointwiseKernel {
  bind(
    leafPtrs: readonly number[],
    rootPtrs: readonly number[],
    bytes: number,
  ): (scalars: ArrayLike<number>) => void;
}

/**
 * Compiles a cone to one WebAssembly SIMD loop over four floats at a time, in the cone's own order
 * of operations (so each value rounds as ONNX Runtime's op for it would): every leaf is loaded
 * before any root is stored, so a root may overwrite a leaf (a state updated in place). `bytes`
 * must be a multiple of 16: buffers are padded to whole vectors.
 */
export function compilePointwise(spec: ConeSpec, memory: WasmMemory): PointwiseKernel {
  const { nodes, leaves, scalars, roots } = spec;
  const L = leaves.length;
  const R = roots.length;
  const S = scalars.length;
  const bytesParam = L + R + S;
  const iLocal = bytesParam + 1;
  let nextV128 = iLocal + 1;
  const slot = new Map<Node, number>();
  const zero = nextV128++;
  const consts = nodes.flatMap((n) => n.inputs).filter((x) => x.op.kind === 'const' && x.size === 1);
  for (const c of [...scalars, ...new Set(consts), ...leaves, ...nodes])
    if (!slot.has(c)) slot.set(c, nextV128++);

  const body: number[] = [];
  const get = (local: number) => body.push(OP.localGet, ...u32(local));
  const set = (local: number) => body.push(OP.localSet, ...u32(local));
  const operand = (x: Node) => {
    const s = slot.get(x);
    if (s === undefined) throw new Error(`host kernel: ${x} is neither in the cone nor one of its leaves`);
    get(s);
  };
  body.push(OP.f32Const, ...f32(0), ...SIMD.f32x4Splat);
  set(zero);
  scalars.forEach((s, j) => {
    get(L + R + j);
    body.push(...SIMD.f32x4Splat);
    set(slot.get(s)!);
  });
  for (const c of new Set(consts)) {
    if (scalars.includes(c)) continue;
    body.push(OP.f32Const, ...f32((c.op as { value: Float64Array }).value[0]), ...SIMD.f32x4Splat);
    set(slot.get(c)!);
  }
  body.push(OP.block, OP.blockVoid);
  get(bytesParam);
  body.push(OP.i32Eqz, OP.br_if, 0, OP.loop, OP.blockVoid);
  leaves.forEach((leaf, j) => {
    get(j);
    get(iLocal);
    body.push(OP.i32Add, ...SIMD.load);
    set(slot.get(leaf)!);
  });
  for (const n of nodes) {
    const k = n.op.kind;
    if (k === 'where') {
      const [c, a, b] = n.inputs;
      operand(a);
      operand(b);
      operand(c);
      get(zero);
      body.push(...SIMD.f32x4Ne, ...SIMD.bitselect);
    } else if (k === 'relu') {
      operand(n.inputs[0]);
      get(zero);
      body.push(...SIMD.f32x4Max);
    } else if (k in UNARY) {
      operand(n.inputs[0]);
      const code = UNARY[k];
      if (code) body.push(...code);
    } else if (k in BINARY) {
      operand(n.inputs[0]);
      operand(n.inputs[1]);
      body.push(...BINARY[k]);
    } else {
      throw new Error(`host kernel: op "${k}" has no host rule`);
    }
    set(slot.get(n)!);
  }
  roots.forEach((r, j) => {
    get(L + j);
    get(iLocal);
    body.push(OP.i32Add);
    operand(r);
    body.push(...SIMD.store);
  });
  get(iLocal);
  body.push(OP.i32Const, ...i32(16), OP.i32Add, OP.localTee, ...u32(iLocal));
  get(bytesParam);
  body.push(OP.i32LtU, OP.br_if, 0, OP.end, OP.end);

  const params = [...Array(L + R).fill(TYPE.i32), ...Array(S).fill(TYPE.f32), TYPE.i32];
  const locals: [number, number][] = [
    [TYPE.i32, 1],
    [TYPE.v128, nextV128 - iLocal - 1],
  ];
  const pages = memory.buffer.byteLength / 65536;
  if (!wasmApi) throw new Error('host kernel: this engine has no WebAssembly');
  const module = new wasmApi.Module(kernelModule(params, locals, body, pages));
  const instance = new wasmApi.Instance(module, { env: { mem: memory } });
  const fn = instance.exports.run as (...args: number[]) => void;
  return {
    bind(leafPtrs, rootPtrs, bytes) {
      if (bytes % 16 !== 0) throw new RangeError(`host kernel: ${bytes} bytes is not whole vectors`);
      const args = [...leafPtrs, ...rootPtrs, ...Array<number>(S).fill(0), bytes];
      return (scalarValues) => {
        for (let j = 0; j < S; j++) args[L + R + j] = scalarValues[j];
        fn.apply(undefined, args);
      };
    },
  };
}
