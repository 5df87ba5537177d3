import { readFile } from 'node:fs/promises';
import type { AnySaeConfig } from '@saekit/core';
import { checkSaeModel } from './encoder-check.js';
import { InvalidOnnxModelError } from './errors.js';
import { decodeModel, EXPORT_NAMES, type SaePart } from './export.js';
import { type OrtSession, ort, ortMessage, type SessionConfig, sessionOptions } from './ort.js';

export interface LoadOptions extends SessionConfig {
  /** Rows per onnxruntime call when encoding many examples (bounds memory); default 4096. */
  readonly maxBatch?: number;
}

/**
 * An exported SAE (encoder or autoencoder) running in onnxruntime-node. The model's own metadata
 * says what it is; inputs and outputs are written straight into the caller's arrays.
 */
export class OnnxSaeModel {
  private disposed = false;

  private constructor(
    private readonly session: OrtSession,
    /** Where the model came from: the path, or `<bytes>`. */
    readonly source: string,
    readonly config: AnySaeConfig,
    readonly part: SaePart,
    readonly opset: number,
    readonly irVersion: number,
    readonly producer: { readonly name: string; readonly version: string },
    private readonly maxBatch: number,
  ) {}

  /**
   * Loads an .onnx file (a path) or its bytes.
   * @throws InvalidOnnxModelError ("not a valid ONNX model: <file>: ...") for truncated, corrupt or
   *   foreign bytes, NotASaeModelError for a valid model that is not what saekit exports for the
   *   config in its metadata (see checkSaeModel), or whose weights are not all finite
   */
  static async load(src: string | Uint8Array, opts: LoadOptions = {}): Promise<OnnxSaeModel> {
    const source = typeof src === 'string' ? src : '<bytes>';
    const maxBatch = opts.maxBatch ?? 4096;
    if (!Number.isInteger(maxBatch) || maxBatch < 1)
      throw new RangeError(`load: maxBatch must be a positive integer, got ${maxBatch}`);
    let bytes: Uint8Array;
    if (typeof src === 'string') {
      try {
        bytes = await readFile(src);
      } catch (e) {
        throw new Error(`cannot read ONNX model ${src}: ${e instanceof Error ? e.message : String(e)}`, {
          cause: e,
        });
      }
    } else bytes = src;
    const model = decodeModel(bytes, source);

    const { config, part, opset } = checkSaeModel(model, source);

    let session: OrtSession;
    try {
      session = await ort.InferenceSession.create(bytes, sessionOptions(opts));
    } catch (e) {
      if ((e as Error).name === 'WebGpuUnavailableError') throw e; // the browser's lack, not the graph's
      throw new InvalidOnnxModelError(source, `onnxruntime cannot load it: ${ortMessage(e)}`, { cause: e });
    }
    const producer = { name: model.producer_name ?? '', version: model.producer_version ?? '' };
    return new OnnxSaeModel(session, source, config, part, opset, model.ir_version ?? 0, producer, maxBatch);
  }

  /** Latents of `n` examples (row-major `x`, n × inputDim): n × hiddenDim values. */
  encode(x: Float32Array, n: number): Promise<Float32Array> {
    return this.runRows(x, n, EXPORT_NAMES.latents, this.config.hiddenDim);
  }

  /** Reconstructions of `n` examples (an autoencoder model only): n × inputDim values. */
  reconstruct(x: Float32Array, n: number): Promise<Float32Array> {
    if (this.part !== 'autoencoder') {
      return Promise.reject(
        new Error(`reconstruct: ${this.source} is an encoder; export the autoencoder part to reconstruct`),
      );
    }
    return this.runRows(x, n, EXPORT_NAMES.reconstruction, this.config.inputDim);
  }

  private async runRows(x: Float32Array, n: number, output: string, width: number): Promise<Float32Array> {
    if (this.disposed) throw new Error(`${this.source}: the model was disposed`);
    const d = this.config.inputDim;
    if (!(x instanceof Float32Array)) throw new TypeError(`${output}: x must be a Float32Array`);
    if (!Number.isInteger(n) || n < 0)
      throw new RangeError(`${output}: n must be a non-negative integer, got ${n}`);
    if (x.length !== n * d)
      throw new RangeError(`${output}: x has ${x.length} values, ${n} examples of ${d} need ${n * d}`);
    const out = new Float32Array(n * width);
    for (let r = 0; r < n; r += this.maxBatch) {
      const rows = Math.min(this.maxBatch, n - r);
      // Views, not copies: onnxruntime reads the caller's rows and writes into `out` directly.
      const feed = new ort.Tensor('float32', x.subarray(r * d, (r + rows) * d), [rows, d]);
      const fetch = new ort.Tensor('float32', out.subarray(r * width, (r + rows) * width), [rows, width]);
      try {
        await this.session.run({ [EXPORT_NAMES.input]: feed }, { [output]: fetch });
      } catch (e) {
        throw new Error(`${this.source}: onnxruntime failed: ${ortMessage(e)}`, { cause: e });
      }
    }
    return out;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.session.release();
  }
}
