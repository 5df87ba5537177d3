// Tools to check a backend: tensor comparison, the PyTorch golden cases. Used by every backend's
// tests and by the conformance suite; a third-party backend can use them the same way.
export {
  type Comparison,
  compareTensors,
  formatComparisons,
  GOLDEN_TOLERANCE,
  type Tolerance,
} from './compare.js';
export { type GoldenCase, parseGoldenCase, runGoldenCase } from './golden.js';
