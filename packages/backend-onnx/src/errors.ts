/** Bytes that are not a loadable ONNX model; the message names the file and says what is wrong. */
export class InvalidOnnxModelError extends Error {
  override name = 'InvalidOnnxModelError';
  constructor(
    readonly source: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`not a valid ONNX model: ${source}: ${reason}`, options);
  }
}

/** A valid ONNX model that saekit did not export (or that lacks what saekit needs to use it). */
export class NotASaeModelError extends Error {
  override name = 'NotASaeModelError';
  constructor(
    readonly source: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`not a saekit ONNX model: ${source}: ${reason}`, options);
  }
}
