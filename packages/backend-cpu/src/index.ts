export {
  type CpuBackend,
  type CpuBackendOptions,
  type CpuDType,
  cpuAllocationCount,
  createCpuBackend,
  createReferenceBackend,
} from './backend.js';
export { CpuExecutable } from './executable.js';
export { matmul } from './kernels/matmul.js';
