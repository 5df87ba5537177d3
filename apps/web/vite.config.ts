import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// A static build: every page, worker and wasm binary under dist/, with relative addresses so the
// folder works from any path (a local server, a run directory, a static host).
export default defineConfig({
  base: './',
  build: {
    target: 'es2022',
    // tfjs and onnxruntime-web's glue are large chunks, each loaded only with its backend.
    chunkSizeWarningLimit: 1024,
    rollupOptions: {
      input: {
        index: resolve(import.meta.dirname, 'index.html'),
        harness: resolve(import.meta.dirname, 'harness.html'),
        'ort-builds': resolve(import.meta.dirname, 'ort-builds.html'),
      },
    },
  },
  worker: { format: 'es' },
});
