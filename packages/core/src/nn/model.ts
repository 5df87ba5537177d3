import type { Node } from '../graph/node.js';
import { add, greaterEqual, mul } from '../ops/binary.js';
import { input } from '../ops/leaves.js';
import { matmul } from '../ops/matmul.js';
import { kthLargest } from '../ops/topk.js';
import { relu, sigmoid } from '../ops/unary.js';
import { type AnySaeConfig, isModernConfig } from './config.js';
import { validateModernConfig } from './modern-config.js';
import { modernActivation, modernDecode, preActivations } from './modern-model.js';
import { type AnyParamName, type ParamName, paramNamesOf, paramShapes } from './params.js';

/** The parameters as graph nodes; modern architectures add `log_threshold` or `threshold`. */
export type ParamNodes = Record<ParamName, Node> & {
  readonly [K in Exclude<AnyParamName, ParamName>]?: Node;
};

/** The model's tensors as graph inputs named as in the checkpoint (all of `paramNamesOf(c)`). */
export function paramInputs(c: AnySaeConfig): ParamNodes {
  const s = paramShapes(c) as Record<string, number[]>;
  return Object.fromEntries(paramNamesOf(c).map((n) => [n, input(n, s[n])])) as ParamNodes;
}

export interface Forward {
  readonly pre: Node;
  readonly hidden: Node;
  readonly recon: Node;
}

/**
 * The encoder alone: h = enc(x W_enc + b_enc). A modern architecture encodes as at inference
 * (BatchTopK as JumpReLU at its `threshold`), so the result does not depend on the batch: this is
 * what an ONNX encoder export lowers. It needs b_dec (when applied to the input) and the thresholds.
 */
export function encode(
  c: AnySaeConfig,
  p: Pick<ParamNodes, 'W_enc' | 'b_enc'> & Partial<ParamNodes>,
  x: Node,
): { pre: Node; hidden: Node } {
  if (isModernConfig(c)) {
    const r = validateModernConfig(c);
    const missing = paramNamesOf(c).filter(
      (n) => !p[n] && (n !== 'b_dec' || r.applyBDecToInput) && n !== 'W_dec',
    );
    if (missing.length)
      throw new Error(`encode (${c.architecture}): needs the parameters ${missing.join(', ')}`);
    const all = p as ParamNodes;
    const pre = preActivations(r, all, x);
    return { pre, hidden: modernActivation(r, all, pre, { training: false }).hidden };
  }
  const pre = add(matmul(x, p.W_enc), p.b_enc);
  switch (c.encoder) {
    case 'relu':
      return { pre, hidden: relu(pre) };
    case 'sigmoid':
      return { pre, hidden: sigmoid(pre) };
    case 'topk': {
      // Keep each example's k largest pre-activations (ReLU'd); the mask carries no gradient.
      const keep = greaterEqual(pre, kthLargest(pre, c.k!));
      return { pre, hidden: mul(relu(pre), keep) };
    }
  }
}

/** The decoder alone: x̂ = dec(h W_dec + b_dec) (modern architectures: no activation). */
export function decode(c: AnySaeConfig, p: Pick<ParamNodes, 'W_dec' | 'b_dec'>, h: Node): Node {
  if (isModernConfig(c)) return modernDecode(p, h);
  const z = add(matmul(h, p.W_dec), p.b_dec);
  return c.decoder === 'sigmoid' ? sigmoid(z) : z;
}

export function forward(c: AnySaeConfig, p: ParamNodes, x: Node): Forward {
  const { pre, hidden } = encode(c, p, x);
  return { pre, hidden, recon: decode(c, p, hidden) };
}
