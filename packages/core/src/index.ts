export { Rng } from './rng.js';
export { type Dataset, type DatasetSplits, checkDataset } from './nn/dataset.js';
