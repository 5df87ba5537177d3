/**
 * The encoder of a published SAE saekit's own model does not compute (JumpReLU, gated, transcoders,
 * input normalization, ...) as ONNX: its encoder graph from @saekit/formats, lowered with the
 * parameters as initializers and a symbolic batch. Metadata says what it came from.
 */
import { ENCODER_NAMES, encoderGraph, type LoadedSae } from '@saekit/formats';

export const PUBLISHED_METADATA = Object.freeze({
  format: 'sae.format',
  architecture: 'sae.architecture',
  settings: 'sae.forward',
});

export async function publishedEncoderOnnx(s: LoadedSae, opset: number): Promise<Uint8Array> {
  const { buildModel, encodeModelProto, EXPORT_NAMES, lowerGraph } = await import('@saekit/backend-onnx');
  const { graph, feeds } = encoderGraph(s);
  const lowered = lowerGraph(graph, {
    opset,
    dynamicBatch: { inputs: [ENCODER_NAMES.input], dimParam: EXPORT_NAMES.batchDim },
    initializers: feeds,
    graphName: `${s.format}_${s.architecture}_encoder`,
  });
  const model = buildModel(lowered, {
    docString: `The encoder of a ${s.format} ${s.architecture} SAE: ${ENCODER_NAMES.input} [batch, ${s.dIn}] -> ${ENCODER_NAMES.latents} [batch, ${s.dSae}].`,
    metadata: {
      [PUBLISHED_METADATA.format]: s.format,
      [PUBLISHED_METADATA.architecture]: s.architecture,
      [PUBLISHED_METADATA.settings]: JSON.stringify(s.forward),
    },
  });
  return encodeModelProto(model);
}
