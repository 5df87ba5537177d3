import { vjpSpecs } from '@saekit/core/testing';
import type { ConformanceCase } from '../types.js';
import { vjpCase } from './primitive-spec.js';

export { vjpSpecs } from '@saekit/core/testing';

/** Every differentiable primitive's gradient against the float64 reference. */
export function vjpCases(): ConformanceCase[] {
  return vjpSpecs().map(vjpCase);
}
