// The entry of ort-builds.html, a page of its own for the browser tests: onnxruntime-web's wasm and
// WebGPU builds loaded in the same page, each running the same model on its CPU provider. That is
// what can be checked without a GPU adapter: the two bundles keep apart (backend registry, env,
// Tensor class, binary) and agree. It imports nothing else of the page's, so the pages' chunks (whose
// downloads the tests measure) are built as without it.
import * as wasm from 'onnxruntime-web/wasm';
import * as webgpu from 'onnxruntime-web/webgpu';

export interface BuildsResult {
  /** The model's output from each build. */
  readonly wasm: number[];
  readonly webgpu: number[];
  /** Whether the two builds share a Tensor class (they must not: each carries onnxruntime-common). */
  readonly sharedTensor: boolean;
}

/** Runs `model` (one float32 input `input` [n, d], output `output`) on both builds. */
async function bothBuilds(
  model: number[],
  x: number[],
  dims: [number, number],
  output: string,
): Promise<BuildsResult> {
  const bytes = Uint8Array.from(model);
  const encode = async (ort: typeof wasm): Promise<number[]> => {
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    const out = await session.run({ input: new ort.Tensor('float32', Float32Array.from(x), dims) });
    await session.release();
    return Array.from(out[output].data as Float32Array);
  };
  const fromWasm = await encode(wasm);
  const fromWebGpu = await encode(webgpu);
  return { wasm: fromWasm, webgpu: fromWebGpu, sharedTensor: wasm.Tensor === webgpu.Tensor };
}

async function saekitOrtBuilds(
  ...args: Parameters<typeof bothBuilds>
): Promise<BuildsResult | { error: string }> {
  try {
    return await bothBuilds(...args);
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

Object.assign(globalThis, { saekitOrtBuilds });
