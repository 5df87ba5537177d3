import type { Node } from '@saekit/core';
import type { NodeProto } from '../proto/types.js';
import type { Emitter } from './emit.js';
import { isPointwise, type MergeGroup } from './merge.js';
import { notZero } from './rules.js';
import { findStepScales, STEP_SCALE_MIN_SIZE } from './step-scale.js';

/**
 * A merge group (merge.ts) as one op per cone node over the values of all its families laid end
 * to end: merged state vectors for updated state, concatenations for other tensor leaves, rank-0
 * scalars. Each op is its primitive's rule on those values. A guard where on top becomes an If,
 * as for unmerged guards.
 */
export function emitMergeGroup(em: Emitter, group: MergeGroup): void {
  const { b, info, merges } = em.cx;
  const fams = group.families;
  const f0 = fams[0];
  const flat = (v: string, n: Node) => (n.rank === 1 ? v : b.op('Reshape', [v, b.int64Const([-1], 'shape')]));
  const mergedOf = ({ op }: Node) =>
    op.kind === 'input' ? merges.merged.find((m) => m.entries[0].name === op.name) : undefined;
  const leafValues = f0.leaves.map((l0, j) => {
    const m = mergedOf(l0);
    if (m) return m.input;
    return b.op(
      'Concat',
      fams.map((f) => flat(em.value(f.leaves[j]), f.leaves[j])),
      { axis: 0 },
    );
  });
  const scalars = new Map<Node, string>();
  const toScalar = (v: string, n: Node): string =>
    n.rank === 0 ? v : b.op('Reshape', [v, b.int64Const([], 'scalar_shape')]);
  const scalar = (n: Node): string => {
    let v = scalars.get(n);
    if (v === undefined) {
      v = toScalar(em.value(n), n);
      scalars.set(n, v);
    }
    return v;
  };
  // A single-element condition's bool, as a scalar like the condition's value here.
  const bool = (c: Node): string | undefined => {
    const v = c.size === 1 ? em.bools.get(c) : undefined;
    return v === undefined ? undefined : toScalar(v, c);
  };
  const cone = new Set(f0.nodes);
  const values = new Map<Node, string>();
  const operand = (n: Node): string =>
    cone.has(n) ? values.get(n)! : n.size === 1 ? scalar(n) : leafValues[f0.leaves.indexOf(n)];
  const outName = new Map<Node, string>(
    f0.roots.map((r) => [r.node, merges.merged.find((m) => m.entries[0].name === r.state)!.output]),
  );
  const emitOne = (n: Node, out?: string): string => {
    if (!isPointwise(n)) throw new Error(`onnx lowering: ${n} cannot be merged`);
    return em.apply(n, n.inputs.map(operand), out, (i) => bool(n.inputs[i]));
  };
  // A guard: where(c, a, old) on top, with a scalar c and an a read by nothing else.
  const guardOf = (n: Node): Node | undefined => {
    if (n.op.kind !== 'where' || n.inputs[0].size !== 1 || !outName.has(n)) return undefined;
    const a = n.inputs[1];
    return cone.has(a) && merges.uses.get(a) === 1 && !outName.has(a) ? a : undefined;
  };
  const inBranch = new Set(f0.nodes.map(guardOf).filter((a): a is Node => a !== undefined));
  const large = fams.reduce((t, f) => t + f.size, 0) >= STEP_SCALE_MIN_SIZE;
  const { steps, absorbed } = large
    ? findStepScales(f0.nodes, merges.uses)
    : { steps: new Map(), absorbed: new Set<Node>() };
  for (const n of f0.nodes) {
    if (inBranch.has(n) || absorbed.has(n)) continue;
    const step = steps.get(n);
    if (step) {
      const over = (a: Node, c: Node) => b.op('Div', [scalar(a), scalar(c)]);
      const den = b.op('Add', [b.op('Sqrt', [operand(step.v)]), over(step.eps, step.r)]);
      values.set(n, b.op('Mul', [b.op('Div', [operand(step.m), den]), over(step.s, step.r)]));
      continue;
    }
    const a = guardOf(n);
    if (!a) {
      values.set(n, emitOne(n, outName.get(n)));
      continue;
    }
    const shape = [fams.reduce((t, f) => t + f.size, 0)];
    const thenNodes: NodeProto[] = [];
    const thenOut = b.into(thenNodes, () => emitOne(a));
    const elseNodes: NodeProto[] = [];
    const elseOut = b.into(elseNodes, () => b.op('Identity', [operand(n.inputs[2])]));
    const out = outName.get(n)!;
    const c = n.inputs[0];
    b.ifNode(
      bool(c) ?? notZero(b, scalar(c)),
      [out],
      { name: 'merged_then', node: thenNodes, output: [info(thenOut, shape)] },
      { name: 'merged_else', node: elseNodes, output: [info(elseOut, shape)] },
    );
    values.set(n, out);
  }
}
