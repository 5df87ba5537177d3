// For the browser tests (harness.html only): onnxruntime-web's wasm and WebGPU builds loaded in the
// same page, each running a run's exported encoder on its CPU provider. That is what can be checked
// without a GPU adapter: the two bundles keep apart (registry, env, Tensor class, binary) and agree.
import { exportSae } from '@saekit/backend-onnx';
import { inputsFor } from './view/analysis.js';
import { loadRunFromUrl } from './view/run-files.js';

export interface BuildsResult {
  /** Latents from each build, in the order the builds were loaded. */
  readonly wasm: number[];
  readonly webgpu: number[];
  /** Whether the two builds share a Tensor class (they must not: each carries onnxruntime-common). */
  readonly sharedTensor: boolean;
}

export async function bothBuilds(runUrl: string): Promise<BuildsResult> {
  const run = await loadRunFromUrl(runUrl);
  const inputs = inputsFor(run);
  if (!inputs) throw new Error(`${runUrl}: no inputs to run`);
  const bytes = exportSae(run.config, run.params, { part: 'encoder' });
  const wasm = await import('onnxruntime-web/wasm');
  const webgpu = await import('onnxruntime-web/webgpu');
  const encode = async (ort: typeof wasm): Promise<number[]> => {
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    const x = new ort.Tensor('float32', inputs.x, [inputs.n, run.config.inputDim]);
    const out = await session.run({ input: x });
    await session.release();
    return Array.from(out.latents.data as Float32Array);
  };
  const fromWasm = await encode(wasm);
  const fromWebGpu = await encode(webgpu);
  return { wasm: fromWasm, webgpu: fromWebGpu, sharedTensor: wasm.Tensor === webgpu.Tensor };
}
