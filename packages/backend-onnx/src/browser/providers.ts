import { checkProviders } from '../ort-options.js';

// The browser path loads onnxruntime-web's wasm build only (./ort.ts), so that is what it offers.
const AVAILABLE: readonly string[] = ['wasm'];

/** The execution providers of saekit's browser path: onnxruntime-web's wasm. */
export function availableProviders(): string[] {
  return [...AVAILABLE];
}

/** Checks the asked providers (default `wasm`), naming the available ones when one is not. */
export function resolveProviders(asked: readonly string[] = AVAILABLE): string[] {
  return checkProviders(asked, AVAILABLE, 'onnxruntime-web build');
}
