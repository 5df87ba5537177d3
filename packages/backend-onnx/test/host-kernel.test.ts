import {
  abs,
  add,
  div,
  input,
  maximum,
  mul,
  type Node,
  neg,
  relu,
  sqrt,
  stopGradient,
  sub,
  where,
} from '@saekit/core';
import { BINARY_FN, UNARY_FN } from '@saekit/core/testing';
import { describe, expect, it } from 'vitest';
import { compilePointwise, isHostOp } from '../src/host/pointwise-kernel.js';
import { wasmApi } from '../src/host/wasm-api.js';
import { f32, i32, u32 } from '../src/host/wasm-binary.js';

describe('WebAssembly binary encoding', () => {
  it('writes LEB128 as the spec examples do', () => {
    expect(u32(0)).toEqual([0]);
    expect(u32(127)).toEqual([0x7f]);
    expect(u32(128)).toEqual([0x80, 0x01]);
    expect(u32(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(u32(0xffffffff)).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(i32(-1)).toEqual([0x7f]);
    expect(i32(63)).toEqual([0x3f]);
    expect(i32(64)).toEqual([0xc0, 0x00]);
    expect(i32(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(f32(1)).toEqual([0x00, 0x00, 0x80, 0x3f]);
  });
});

// Values that tell IEEE corner cases apart: signed zeros, infinities, NaN, a denormal, huge and tiny.
const SPECIAL = [0, -0, 1, -1, 2.5, -3.75, Infinity, -Infinity, NaN, 1e-40, 3.4e38, 1e-20, 7];
const N = 13; // not a whole number of vectors: the padding must not leak into the values

/** Runs one op node on the host kernel over SPECIAL (and a shifted copy as second operand). */
function runOp(make: (a: Node, b: Node, s: Node) => Node, scalar = 0.5): Float32Array {
  const a = input('a', [N]);
  const b = input('b', [N]);
  const s = input('s', []);
  const out = make(a, b, s);
  const mem = new wasmApi!.Memory({ initial: 1, maximum: 1 });
  const f = new Float32Array(mem.buffer);
  f.set(SPECIAL, 0);
  f.set([...SPECIAL.slice(5), ...SPECIAL.slice(0, 5)], 16);
  f.fill(123, 32, 48); // the output's padding: must stay as it was past N
  const scalars = out.inputs.includes(s) ? [s] : [];
  const k = compilePointwise(
    { nodes: [out], leaves: [a, b].filter((x) => out.inputs.includes(x)), scalars, roots: [out] },
    mem,
  );
  const leafPtrs = [a, b].filter((x) => out.inputs.includes(x)).map((x) => (x === a ? 0 : 64));
  k.bind(leafPtrs, [128], 64)(scalars.map(() => scalar));
  return f.slice(32, 32 + N);
}

const f32r = (x: number) => Math.fround(x);
const A = SPECIAL.map(f32r);
const B = [...SPECIAL.slice(5), ...SPECIAL.slice(0, 5)].map(f32r);

describe('host pointwise kernel: each op as core reference computes it, in float32', () => {
  const same = (got: Float32Array, want: number[]) => {
    // Object.is tells -0 from 0 and NaN from everything.
    const diff = want.map((w, i) => [i, w, got[i]]).filter(([, w, g]) => !Object.is(f32r(w as number), g));
    expect(diff).toEqual([]);
  };
  for (const [name, op] of [
    ['neg', neg],
    ['abs', abs],
    ['sqrt', sqrt],
    ['relu', relu],
  ] as const) {
    it(`${name}`, () =>
      same(
        runOp((a) => op(a)),
        A.map((x) => UNARY_FN[name](x)),
      ));
  }
  it('stopGradient is the value itself', () =>
    same(
      runOp((a) => stopGradient(a)),
      A,
    ));
  for (const [name, op] of [
    ['add', add],
    ['sub', sub],
    ['mul', mul],
    ['div', div],
    ['maximum', maximum],
  ] as const) {
    it(`${name}`, () =>
      same(
        runOp((a, b) => op(a, b)),
        A.map((x, i) => BINARY_FN[name](x, B[i])),
      ));
    it(`${name} with a scalar operand`, () =>
      same(
        runOp((a, _b, s) => op(s, a), -1.5),
        A.map((x) => BINARY_FN[name](-1.5, x)),
      ));
  }
  it('where on a tensor condition (NaN counts as true, as c !== 0)', () =>
    same(
      runOp((a, b) => where(a, b, a)),
      A.map((c, i) => (c !== 0 ? B[i] : c)),
    ));
  for (const c of [1, 0, NaN])
    it(`where on a scalar condition ${c}`, () =>
      same(
        runOp((a, b, s) => where(s, a, b), c),
        A.map((x, i) => (c !== 0 ? x : B[i])),
      ));
  it('leaves the memory past the values alone', () => {
    const a = input('a', [N]);
    const mem = new wasmApi!.Memory({ initial: 1, maximum: 1 });
    const f = new Float32Array(mem.buffer);
    f.fill(9, 16, 40);
    const out = add(a, 1);
    compilePointwise({ nodes: [out], leaves: [a], scalars: [], roots: [out] }, mem).bind([0], [64], 64)([]);
    expect(f[32]).toBe(9); // the leaf's padding is read, never written
    expect([...f.slice(16, 16 + N)]).toEqual(Array(N).fill(1));
    expect(f[16 + 16]).toBe(9); // just past the output's vectors
  });
  it('knows which ops it computes', () => {
    const a = input('a', [N]);
    expect(isHostOp(mul(a, 2))).toBe(true);
    expect(isHostOp(where(a, a, a))).toBe(true);
    expect(isHostOp(input('b', [2]))).toBe(false);
  });
  it('refuses a byte count that is not whole vectors', () => {
    const a = input('a', [4]);
    const out = add(a, a);
    const mem = new wasmApi!.Memory({ initial: 1, maximum: 1 });
    const k = compilePointwise({ nodes: [out], leaves: [a], scalars: [], roots: [out] }, mem);
    expect(() => k.bind([0], [16], 12)).toThrow(/whole vectors/);
  });
});
