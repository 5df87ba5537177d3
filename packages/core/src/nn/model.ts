import type { Node } from '../graph/node.js';
import { add, greaterEqual, mul } from '../ops/binary.js';
import { input } from '../ops/leaves.js';
import { matmul } from '../ops/matmul.js';
import { kthLargest } from '../ops/topk.js';
import { relu, sigmoid } from '../ops/unary.js';
import type { SaeConfig } from './config.js';
import { PARAM_NAMES, type ParamName, paramShapes } from './params.js';

export type ParamNodes = Record<ParamName, Node>;

/** The four parameters as graph inputs named as in the checkpoint. */
export function paramInputs(c: SaeConfig): ParamNodes {
  const s = paramShapes(c);
  return Object.fromEntries(PARAM_NAMES.map((n) => [n, input(n, s[n])])) as ParamNodes;
}

export interface Forward {
  readonly pre: Node;
  readonly hidden: Node;
  readonly recon: Node;
}

/** The encoder alone: h = enc(x W_enc + b_enc). */
export function encode(
  c: SaeConfig,
  p: Pick<ParamNodes, 'W_enc' | 'b_enc'>,
  x: Node,
): { pre: Node; hidden: Node } {
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

/** The decoder alone: x̂ = dec(h W_dec + b_dec). */
export function decode(c: SaeConfig, p: Pick<ParamNodes, 'W_dec' | 'b_dec'>, h: Node): Node {
  const z = add(matmul(h, p.W_dec), p.b_dec);
  return c.decoder === 'sigmoid' ? sigmoid(z) : z;
}

export function forward(c: SaeConfig, p: ParamNodes, x: Node): Forward {
  const { pre, hidden } = encode(c, p, x);
  return { pre, hidden, recon: decode(c, p, hidden) };
}
