// onnxruntime-web's WebGPU build, loaded only when a session asks for the `webgpu` provider, so a page
// that trains on wasm never downloads it (nor its larger wasm binary).
//
// The two builds coexist in one page: each bundle carries its own copy of onnxruntime-common (its own
// backend registry, `env` and Tensor class) and loads its own binary (`ort-wasm-simd-threaded.wasm`
// for wasm, `ort-wasm-simd-threaded.asyncify.wasm` for webgpu). Sessions of either take the other's
// CPU tensors as feeds (read by type, dims and data), and ./ort.ts asks for outputs by name, so no
// tensor class crosses builds in a check.
import type * as Web from 'onnxruntime-web';

export type WebGpuOrt = typeof Web;

/** The part of navigator.gpu asked here (declared: the package builds without WebGPU's types). */
interface Gpu {
  requestAdapter(): Promise<unknown>;
}

/** Thrown when a session asks for `webgpu` where the browser cannot give it; the message says why. */
export class WebGpuUnavailableError extends Error {
  override name = 'WebGpuUnavailableError';
  constructor(readonly reason: string) {
    super(
      `onnx: execution provider "webgpu" was asked, but ${reason}; ` +
        "executionProviders: ['wasm'] works in this browser",
    );
  }
}

/** Why WebGPU is not usable here, or undefined when navigator.gpu gives an adapter. */
async function whyNot(): Promise<string | undefined> {
  const gpu = (globalThis as { navigator?: { gpu?: Gpu } }).navigator?.gpu;
  if (!gpu) return 'this browser has no WebGPU (navigator.gpu is missing)';
  try {
    if (!(await gpu.requestAdapter()))
      return 'navigator.gpu gave no adapter (no usable GPU here, or WebGPU is disabled for it)';
    return undefined;
  } catch (e) {
    return `navigator.gpu.requestAdapter() failed: ${e instanceof Error ? e.message : String(e)}`;
  }
}

let loaded: Promise<WebGpuOrt> | undefined;

/** onnxruntime-web's WebGPU build, after checking there is an adapter (else WebGpuUnavailableError). */
export function loadWebGpuOrt(): Promise<WebGpuOrt> {
  loaded ??= (async () => {
    const reason = await whyNot();
    if (reason !== undefined) throw new WebGpuUnavailableError(reason);
    return import('onnxruntime-web/webgpu');
  })();
  // A refusal is not kept: the page may ask again after the user enables WebGPU.
  loaded.catch(() => {
    loaded = undefined;
  });
  return loaded;
}
