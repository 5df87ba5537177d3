import { GOLDEN_TOLERANCE, PRIMITIVE_TOLERANCE, type Tolerance } from '@saekit/core/testing';

// The primitive bounds live with the primitive table in @saekit/core/testing.
export { MAGNITUDE_TOLERANCE, PRIMITIVE_TOLERANCE, VJP_TOLERANCE } from '@saekit/core/testing';

// Every bound is per tensor: max|actual - expected| <= atol + rtol * max|expected|.
// float32 rounds each result to 2^-24 ≈ 6e-8 relative, so a handful of ulps is ~1e-6 relative.

/**
 * A whole SAE loss and its gradients (two matmuls, activations, KL's logs of batch means, sums
 * over 9x20 elements): a chain of ~30 float32 ops. The gradients are sums of terms of both signs,
 * so the error relative to max|grad| grows beyond a single op's. This is the bound the PyTorch
 * golden README calls fair for float32 against float64; we use the same for our own variants.
 */
export const SAE_TOLERANCE: Tolerance = GOLDEN_TOLERANCE;

/**
 * 20 Adam steps against the float32 CPU backend. Both sides round, differently, and Adam
 * amplifies it: the update is lr * m / (sqrt(v) + eps), a ratio that is ~±1 whatever the size of
 * the gradient, so for an entry whose gradient is near zero, rounding noise in the gradient moves
 * the parameter by a full ±lr (1e-3) per step. Losses and parameters are therefore compared at
 * rtol 1e-3 (of max|param|, ~0.4) with atol 1e-5: well above what 20 steps of float32 rounding
 * give on a well-conditioned problem, well below a wrong step (lr-sized, systematic).
 */
export const TRAIN_TOLERANCE: Tolerance = Object.freeze({ atol: 1e-5, rtol: 1e-3 });

/**
 * The exported ONNX encoder run by onnxruntime against the backend's own forward pass, both
 * float32 on the same parameters: one matmul over 20 terms, a bias and an activation, differing
 * only in summation order and the activation's implementation.
 */
export const ONNX_TOLERANCE: Tolerance = PRIMITIVE_TOLERANCE;
