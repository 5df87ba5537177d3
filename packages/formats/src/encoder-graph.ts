/**
 * The encoder of any loaded SAE as a graph of core's primitives, so every backend (and the ONNX
 * export) runs it: input [batch, d_in] -> latents [batch, d_sae], parameters as graph inputs named
 * as in SAELens (W_enc, b_enc, ...), fed from `feeds`.
 */
import {
  add,
  constant,
  div,
  exp,
  Graph,
  greater,
  greaterEqual,
  input,
  kthLargest,
  matmul,
  mean,
  mul,
  type Node,
  relu,
  sqrt,
  square,
  sub,
  sum,
} from '@saekit/core';
import type { LoadedSae, SaeParamName } from './sae.js';

export const ENCODER_NAMES = Object.freeze({ input: 'input', latents: 'latents' });

export interface EncoderGraph {
  readonly graph: Graph;
  /** The parameters by input name. */
  readonly feeds: Readonly<Record<string, Float32Array>>;
  readonly batch: number;
}

/** A batch size unlike every other size of the model, so a lowering can tell the batch axis apart. */
export function distinctBatch(s: LoadedSae, atLeast = 2): number {
  const taken = new Set([1, s.dIn, s.dSae, s.dOut, s.forward.k ?? 1]);
  let b = atLeast;
  while (taken.has(b)) b++;
  return b;
}

/** SAELens' layer_norm epsilon. */
const LAYER_NORM_EPS = 1e-5;

export function encoderGraph(s: LoadedSae, batch = distinctBatch(s)): EncoderGraph {
  const feeds: Record<string, Float32Array> = {};
  const p = (name: SaeParamName): Node => {
    const t = s.params[name];
    if (!t) throw new Error(`encoderGraph: the ${s.architecture} SAE has no "${name}"`);
    feeds[name] = t.data;
    return input(name, t.shape);
  };
  let x = input(ENCODER_NAMES.input, [batch, s.dIn]);
  if (s.forward.normalize === 'constant_norm_rescale') {
    x = mul(x, div(constant(Math.sqrt(s.dIn)), sqrt(sum(square(x), [1], true))));
  } else if (s.forward.normalize === 'layer_norm') {
    const centred = sub(x, mean(x, [1], true));
    // torch.std: the unbiased estimate (n - 1).
    const std = sqrt(div(sum(square(centred), [1], true), constant(s.dIn - 1)));
    x = div(centred, add(std, constant(LAYER_NORM_EPS)));
  }
  if (s.forward.applyBDecToInput) x = sub(x, p('b_dec'));
  const latents = hidden(s, x, p);
  return { graph: Graph.from({ outputs: { [ENCODER_NAMES.latents]: latents } }), feeds, batch };
}

function hidden(s: LoadedSae, x: Node, p: (name: SaeParamName) => Node): Node {
  switch (s.architecture) {
    case 'standard':
    case 'transcoder':
    case 'skip_transcoder':
      return relu(add(matmul(x, p('W_enc')), p('b_enc')));
    case 'jumprelu':
    case 'jumprelu_transcoder': {
      const pre = add(matmul(x, p('W_enc')), p('b_enc'));
      return mul(relu(pre), greater(pre, p('threshold')));
    }
    case 'topk': {
      let pre = add(matmul(x, p('W_enc')), p('b_enc'));
      if (s.forward.rescaleActsByDecoderNorm) pre = mul(pre, sqrt(sum(square(p('W_dec')), [1])));
      return mul(relu(pre), greaterEqual(pre, kthLargest(pre, s.forward.k as number)));
    }
    case 'gated': {
      const W = p('W_enc');
      const gate = add(matmul(x, W), p('b_gate'));
      const magnitude = add(matmul(x, mul(W, exp(p('r_mag')))), p('b_mag'));
      return mul(greater(gate, constant(0)), relu(magnitude));
    }
  }
}
