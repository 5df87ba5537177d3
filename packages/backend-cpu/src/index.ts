export {
  type CpuBackend,
  type CpuBackendOptions,
  type CpuDType,
  cpuAllocationCount,
  createCpuBackend,
  createReferenceBackend,
} from './backend.js';
export { CpuExecutable } from './executable.js';
export { maskedMatmul } from './kernels/masked-matmul.js';
export { maskedPairHalves, sumPartials } from './kernels/masked-pair.js';
export { matmul } from './kernels/matmul.js';
export { tryOuterMatmul } from './kernels/outer-matmul.js';
export { trySparseMatmul } from './kernels/sparse-matmul.js';
