/**
 * The cpu backend compiles its fused elementwise loops with `new Function` (a loop per expression
 * and broadcast pattern, which is what makes it fast). A page whose Content-Security-Policy has no
 * 'unsafe-eval' in `script-src` forbids that, as does Node's --disallow-code-generation-from-strings.
 * This check turns the browser's bare EvalError, thrown deep inside the first compile, into an
 * error at `createCpuBackend` that says why and what to do.
 */
export class CpuEvalBlockedError extends Error {
  override name = 'CpuEvalBlockedError';
  constructor(cause: unknown) {
    super(
      "cpu backend: this context forbids generating code from strings (a Content-Security-Policy without 'unsafe-eval' in script-src, or --disallow-code-generation-from-strings), " +
        'and the cpu backend compiles its elementwise loops with new Function. ' +
        "Allow 'unsafe-eval' for the script or worker that runs it, or use @saekit/backend-tfjs (wasm, webgl) " +
        "or @saekit/backend-onnx (onnxruntime-web), which need only 'wasm-unsafe-eval'.",
      { cause },
    );
  }
}

/** Throws CpuEvalBlockedError when `new Function` is refused here. */
export function checkCodeGeneration(): void {
  try {
    new Function('return 0')();
  } catch (e) {
    throw new CpuEvalBlockedError(e);
  }
}
