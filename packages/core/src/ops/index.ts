export { add, div, greater, greaterEqual, maximum, mul, sub, unbroadcast } from './binary.js';
export { mean, square } from './composite.js';
export { constant, input, lift } from './leaves.js';
export { type MatmulOptions, matmul } from './matmul.js';
export { broadcastTo, reshape, sum, transpose, zeros } from './shape.js';
export { hasShapeRule, inferShape, SHAPE_RULES } from './shape-rules.js';
export { kthLargest } from './topk.js';
export { abs, exp, log, neg, relu, sigmoid, sign, sqrt, stopGradient } from './unary.js';
export { where } from './where.js';
