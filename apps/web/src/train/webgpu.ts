/** Whether this page can compute on WebGPU, and if not, why. */
export interface WebGpuSupport {
  readonly available: boolean;
  readonly reason: string;
}

/** The part of navigator.gpu asked here (declared: the page builds without WebGPU's types). */
interface Gpu {
  requestAdapter(): Promise<unknown>;
}

/**
 * Asks for an adapter: `navigator.gpu` may exist and still give none (no GPU, a blocklisted
 * driver, headless Chromium without one), and a backend started then would fail with less to go on.
 */
export async function detectWebGpu(): Promise<WebGpuSupport> {
  const gpu = (globalThis.navigator as { gpu?: Gpu } | undefined)?.gpu;
  if (!gpu) return { available: false, reason: 'this browser has no WebGPU (navigator.gpu is missing)' };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter)
      return {
        available: false,
        reason: 'navigator.gpu gave no adapter (no usable GPU here, or WebGPU is disabled for it)',
      };
    return { available: true, reason: 'navigator.gpu gave an adapter' };
  } catch (e) {
    return { available: false, reason: `navigator.gpu.requestAdapter() failed: ${(e as Error).message}` };
  }
}

export class WebGpuUnavailableError extends Error {
  override name = 'WebGpuUnavailableError';
  constructor(reason: string) {
    super(`tfjs-webgpu: ${reason}; train on tfjs-webgl, tfjs-wasm, onnx-web or cpu instead`);
  }
}
