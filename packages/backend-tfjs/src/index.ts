export {
  createTfjsBackend,
  TFJS_SUPPORTED_OPS,
  type TfjsBackend,
  type TfjsBackendOptions,
} from './backend.js';
export type { EngineInfo } from './engine.js';
export { TfjsExecutable } from './executable.js';
export type { EngineTraits, NanSupport } from './ops.js';
