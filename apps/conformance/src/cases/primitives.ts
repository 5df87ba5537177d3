// The primitive table itself is in @saekit/core/testing (shared with every backend's tests).
import { primitiveSpecs } from '@saekit/core/testing';
import type { ConformanceCase } from '../types.js';
import { forwardCase } from './primitive-spec.js';

export { matmulSpec, primitiveSpecs } from '@saekit/core/testing';

/** Every primitive's forward pass against the float64 reference. */
export function primitiveCases(): ConformanceCase[] {
  return primitiveSpecs().map(forwardCase);
}
