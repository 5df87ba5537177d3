/**
 * Which ONNX IR version goes with each opset we can emit: the IR version of the ONNX release that
 * introduced the opset (onnx/docs/Versioning.md, "Released Versions"). A model must not declare an
 * opset newer than its IR version knows, and a runtime refuses an IR version newer than it knows,
 * so we always write the pair from this one table.
 *
 * | opset | IR | ONNX release |
 * | ----- | -- | ------------ |
 * | 17    | 8  | 1.12         |
 * | 18    | 8  | 1.13         |
 * | 19    | 9  | 1.14         |
 * | 20    | 9  | 1.15         |
 * | 21    | 10 | 1.16         |
 * | 22    | 10 | 1.17         |
 * | 23    | 11 | 1.18         |
 * | 24    | 12 | 1.19         |
 * | 25    | 13 | 1.20         |
 * | 26    | 13 | 1.21         |
 *
 * onnxruntime-node 1.30 loads every row (the test suite runs each one).
 */
export const IR_VERSION_OF_OPSET: Readonly<Record<number, number>> = Object.freeze({
  17: 8,
  18: 8,
  19: 9,
  20: 9,
  21: 10,
  22: 10,
  23: 11,
  24: 12,
  25: 13,
  26: 13,
});

/** The opset written unless another is asked for: the most widely loadable one we support. */
export const DEFAULT_OPSET = 17;
export const MIN_OPSET = 17;
/** The newest opset onnxruntime-node 1.30 loads. */
export const MAX_OPSET = 26;

export const SUPPORTED_OPSETS: readonly number[] = Object.freeze(
  Object.keys(IR_VERSION_OF_OPSET)
    .map(Number)
    .sort((a, b) => a - b),
);

/** Checks an opset and returns it with its IR version. */
export function resolveOpset(opset: number = DEFAULT_OPSET): { opset: number; irVersion: number } {
  const irVersion = IR_VERSION_OF_OPSET[opset];
  if (irVersion === undefined) {
    throw new RangeError(
      `onnx: opset ${opset} is not supported; choose an integer from ${MIN_OPSET} to ${MAX_OPSET}`,
    );
  }
  return { opset, irVersion };
}
