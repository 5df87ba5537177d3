/**
 * @saekit/report — figures for a trained sparse autoencoder run, as PNG bytes, plus an offline
 * index.html. Pure renderers: plain arrays in, bytes out; no model code.
 */
export {
  type DensityBin,
  type DensityHistogramOptions,
  densityBins,
  densityHistogramPng,
} from './density.js';
export { type FeaturesOptions, featuresPng } from './features.js';
export { escapeHtml, type IndexHtmlOptions, indexHtml } from './html.js';
export { type LossOptions, lossPng } from './loss.js';
export { type MeanActivationOptions, meanActivationPng } from './mean-activation.js';
export { type ReconstructionsOptions, reconstructionsPng } from './reconstructions.js';
export {
  type FeatureRecoveryOptions,
  featureRecoveryPng,
  type RecoverySummary,
  recoverySummary,
} from './recovery.js';
export { type LatentScatterOptions, latentScatterPng } from './scatter.js';
export type { NumericArray } from './validate.js';
export {
  type VectorPanel,
  type VectorReconstructionsOptions,
  vectorReconstructionsPng,
} from './vector-reconstructions.js';
export { writeFigures } from './write.js';
