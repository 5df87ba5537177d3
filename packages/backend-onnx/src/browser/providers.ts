import { checkProviders } from '../ort-options.js';

// The browser path runs onnxruntime-web's wasm build (./ort.ts), and its WebGPU build for sessions
// that ask for `webgpu` (./webgpu.ts; whether this browser gives an adapter is known only then).
const AVAILABLE: readonly string[] = ['webgpu', 'wasm'];
const DEFAULT: readonly string[] = ['wasm'];

/** The execution providers of saekit's browser path: onnxruntime-web's `webgpu` and `wasm`. */
export function availableProviders(): string[] {
  return [...AVAILABLE];
}

/** Checks the asked providers (default `wasm`), naming the available ones when one is not. */
export function resolveProviders(asked: readonly string[] = DEFAULT): string[] {
  return checkProviders(asked, AVAILABLE, 'onnxruntime-web build');
}
