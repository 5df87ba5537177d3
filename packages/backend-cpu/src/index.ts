export {
  type CpuBackend,
  type CpuBackendOptions,
  type CpuDType,
  cpuAllocationCount,
  createCpuBackend,
  createReferenceBackend,
} from './backend.js';
export { type DenseProductTask, denseProductTask } from './dense-task.js';
export { CpuEvalBlockedError, checkCodeGeneration } from './eval-check.js';
export { CpuExecutable } from './executable.js';
export { type MaskedMatmulArgs, maskedMatmul } from './kernels/masked-matmul.js';
export {
  type MaskedPairArgs,
  maskedPairParts,
  type PairSumArgs,
  pairParts,
  sumPartials,
} from './kernels/masked-pair.js';
export { type MatmulArgs, matmul } from './kernels/matmul.js';
export { tryOuterMatmul } from './kernels/outer-matmul.js';
export { trySparseMatmul } from './kernels/sparse-matmul.js';
export type { Step } from './steps.js';
