// The generators live in @saekit/core/testing, beside the primitive table that uses them.
export {
  awayFromZero,
  type Gen,
  ints,
  makeTensor,
  mask,
  nonBinaryCond,
  nonFinite,
  normal,
  rngFor,
  seedOf,
  shapeName,
  uniform,
  withZeros,
} from '@saekit/core/testing';
