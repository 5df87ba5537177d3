import type { Backend } from '@saekit/core';
import { checkProblem, forwardProblem, type PrimitiveSpec, vjpProblem } from '@saekit/core/testing';
import type { CaseContext, ConformanceCase } from '../types.js';

export type { InputSpec, PrimitiveSpec } from '@saekit/core/testing';

/** The primitive's output on the backend against the float64 reference. */
export function forwardCase(spec: PrimitiveSpec): ConformanceCase {
  return {
    group: 'primitive',
    name: spec.name,
    run: (backend: Backend, ctx: CaseContext) => checkProblem(backend, ctx.reference, forwardProblem(spec)),
  };
}

/**
 * The gradients of L = sum(f(xs) * r), r a fixed random cotangent, with respect to each
 * differentiable input, and L itself: on the backend against the float64 reference.
 */
export function vjpCase(spec: PrimitiveSpec): ConformanceCase {
  return {
    group: 'vjp',
    name: spec.name,
    run: (backend: Backend, ctx: CaseContext) => checkProblem(backend, ctx.reference, vjpProblem(spec)),
  };
}
