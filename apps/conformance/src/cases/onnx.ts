import { type Backend, buildForwardGraph, type SaeConfig } from '@saekit/core';
import { type Comparison, compareTensors } from '@saekit/core/testing';
import { evaluate } from '../evaluate.js';
import { ONNX_TOLERANCE } from '../tolerances.js';
import { type ConformanceCase, SkipCase } from '../types.js';
import { modelName, saeConfig, saeData } from './sae-data.js';
import { trainSteps } from './train.js';

/** Adam steps taken on the backend under test before exporting, so the parameters are its own. */
export const ONNX_TRAIN_STEPS = 3;

export interface OnnxRoundTrip {
  readonly config: SaeConfig;
  readonly part: 'encoder' | 'autoencoder';
  /** ONNX opset to export at; `max` for the newest the exporter supports; default its default. */
  readonly opset?: number | 'max';
}

/**
 * Trains a few steps on the backend, reads the parameters back (`readState`), exports the encoder
 * (or the whole autoencoder) to ONNX, runs it in onnxruntime-node through `OnnxSaeModel`, and
 * compares with the backend's own forward pass on the same parameters.
 */
export function onnxCase(rt: OnnxRoundTrip): ConformanceCase {
  const { config, part } = rt;
  const opsetName = rt.opset === undefined ? '' : ` opset ${rt.opset}`;
  const name = `${part} ${modelName(config)}${opsetName} → onnxruntime`;
  return {
    group: 'onnx',
    name,
    async run(backend: Backend) {
      const onnx = await loadOnnx();
      const data = saeData(config, `onnx/${name}`);
      const batch = data.w.length;
      const { params } = await trainSteps(backend, config, data, ONNX_TRAIN_STEPS);
      const trained = { W_enc: params.W_enc, b_enc: params.b_enc, W_dec: params.W_dec, b_dec: params.b_dec };
      const ours = await evaluate(backend, buildForwardGraph(config, batch), { x: data.x }, trained);
      const opset = rt.opset === 'max' ? onnx.MAX_OPSET : rt.opset;
      const bytes = onnx.exportSae(config, trained, { part, ...(opset === undefined ? {} : { opset }) });
      const model = await onnx.OnnxSaeModel.load(bytes);
      try {
        const out: Comparison[] = [
          compareTensors('latents', await model.encode(data.x, batch), ours.hidden, ONNX_TOLERANCE),
        ];
        if (part === 'autoencoder') {
          out.push(
            compareTensors(
              'reconstruction',
              await model.reconstruct(data.x, batch),
              ours.recon,
              ONNX_TOLERANCE,
            ),
          );
        }
        return out;
      } finally {
        await model.dispose();
      }
    },
  };
}

/**
 * The exporter and onnxruntime-node. When they cannot be loaded (no native binary for this
 * platform, say) the round trip is skipped, saying why: that is the machine, not the backend.
 */
async function loadOnnx(): Promise<typeof import('@saekit/backend-onnx')> {
  try {
    return await import('@saekit/backend-onnx');
  } catch (e) {
    throw new SkipCase(
      `@saekit/backend-onnx (onnxruntime-node) could not be loaded: ${(e as Error).message}`,
    );
  }
}

export function onnxCases(): ConformanceCase[] {
  const kl = { kind: 'kl', rho: 0.05, weight: 0.1 } as const;
  const relu = saeConfig({ encoder: 'relu', decoder: 'sigmoid', sparsity: kl });
  return [
    onnxCase({ config: relu, part: 'encoder' }),
    onnxCase({
      config: saeConfig({ encoder: 'sigmoid', decoder: 'identity', sparsity: { kind: 'l1', weight: 0.01 } }),
      part: 'encoder',
    }),
    onnxCase({
      config: saeConfig({ encoder: 'topk', decoder: 'sigmoid', sparsity: { kind: 'none' } }),
      part: 'encoder',
    }),
    onnxCase({ config: relu, part: 'encoder', opset: 'max' }),
    onnxCase({ config: relu, part: 'autoencoder' }),
  ];
}
