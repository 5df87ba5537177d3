import type { Backend } from '@saekit/core';

/** The backends a page can train on, by the name the page and the tests use. */
export const BROWSER_BACKENDS = [
  'cpu',
  'tfjs-wasm',
  'tfjs-webgl',
  'tfjs-webgpu',
  'onnx-web',
  'onnx-webgpu',
] as const;
export type BrowserBackendName = (typeof BROWSER_BACKENDS)[number];

export function isBrowserBackend(name: string): name is BrowserBackendName {
  return (BROWSER_BACKENDS as readonly string[]).includes(name);
}

/**
 * Each backend is imported only when asked for, so a page that trains on one does not download the
 * others (Vite splits each into its own chunk).
 */
export async function createBrowserBackend(name: BrowserBackendName): Promise<Backend> {
  switch (name) {
    case 'cpu': {
      const { createCpuBackend } = await import('@saekit/backend-cpu');
      return createCpuBackend();
    }
    case 'tfjs-wasm': {
      const [{ createTfjsBackend }, wasm, tf] = await Promise.all([
        import('@saekit/backend-tfjs'),
        import('./tfjs-wasm-paths.js'),
        import('@tensorflow/tfjs-core'),
        import('@tensorflow/tfjs-backend-wasm'), // registers the flag below
      ]);
      // tfjs-backend-wasm's threaded build starts its pthreads from a script it carries as a string,
      // which fails once bundled ("e is not defined"); the single-threaded SIMD build works anywhere.
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      return createTfjsBackend({ engine: 'wasm', wasmPaths: wasm.TFJS_WASM_PATHS });
    }
    case 'tfjs-webgl': {
      await import('@tensorflow/tfjs-backend-webgl');
      const { createTfjsBackend } = await import('@saekit/backend-tfjs');
      return createTfjsBackend({ engine: 'webgl' });
    }
    case 'tfjs-webgpu': {
      // Detected first: with no adapter, tfjs would fail to register the engine with less to say.
      const { detectWebGpu, WebGpuUnavailableError } = await import('./webgpu.js');
      const gpu = await detectWebGpu();
      if (!gpu.available) throw new WebGpuUnavailableError(gpu.reason);
      await import('@tensorflow/tfjs-backend-webgpu');
      const { createTfjsBackend } = await import('@saekit/backend-tfjs');
      return createTfjsBackend({ engine: 'webgpu' });
    }
    case 'onnx-web': {
      const { createOnnxBackend } = await import('@saekit/backend-onnx');
      return createOnnxBackend();
    }
    case 'onnx-webgpu': {
      // The backend loads onnxruntime-web's WebGPU build at its first session, after asking for an
      // adapter (a WebGpuUnavailableError saying why when there is none); wasm runs what WebGPU lacks.
      const { createOnnxBackend } = await import('@saekit/backend-onnx');
      return createOnnxBackend({ executionProviders: ['webgpu', 'wasm'] });
    }
  }
}
