import { type Shape, sizeOf } from './shape.js';

/** Elementwise ops of one operand: the list is the type, so a new one is one entry here. */
export const UNARY_KINDS = [
  'neg',
  'exp',
  'log',
  'sqrt',
  'abs',
  'sign',
  'relu',
  'sigmoid',
  'stopGradient',
] as const;
export type UnaryKind = (typeof UNARY_KINDS)[number];
/** Elementwise ops of two operands, NumPy broadcasting. Comparisons give 1 or 0. */
export const BINARY_KINDS = ['add', 'sub', 'mul', 'div', 'maximum', 'greater', 'greaterEqual'] as const;
export type BinaryKind = (typeof BINARY_KINDS)[number];

/**
 * What a node computes. The whole primitive set: a backend that runs these runs every model,
 * loss, gradient and optimizer in saekit.
 */
export type Op =
  | { readonly kind: 'input'; readonly name: string }
  | { readonly kind: 'const'; readonly value: Float64Array }
  | { readonly kind: UnaryKind }
  | { readonly kind: BinaryKind }
  | { readonly kind: 'where' }
  | { readonly kind: 'matmul'; readonly transA: boolean; readonly transB: boolean }
  | { readonly kind: 'sum'; readonly axes: readonly number[]; readonly keepDims: boolean }
  | { readonly kind: 'reshape' }
  | { readonly kind: 'transpose'; readonly perm: readonly number[] }
  | { readonly kind: 'broadcastTo' }
  | { readonly kind: 'kthLargest'; readonly k: number }
  | SparseOp;

/** Sparse TopK (ops/sparse.ts, ops/sparse-products.ts, ops/coo.ts); indices are float32-encoded integers. */
export type SparseOp =
  | { readonly kind: 'topkIndices'; readonly k: number }
  | { readonly kind: 'gatherLast' }
  | { readonly kind: 'scatterAddLast'; readonly n: number }
  | { readonly kind: 'sparseMatmul' }
  | { readonly kind: 'sparseDot' }
  | { readonly kind: 'sparseOuter'; readonly n: number }
  | { readonly kind: 'cooMatmul'; readonly n: number }
  | { readonly kind: 'cooDot' };

export type OpKind = Op['kind'];

const LEAF_KINDS = ['input', 'const'] as const;
const OTHER_KINDS = ['where', 'matmul', 'sum', 'reshape', 'transpose', 'broadcastTo', 'kthLargest'] as const;
export const SPARSE_KINDS = [
  'topkIndices',
  'gatherLast',
  'scatterAddLast',
  'sparseMatmul',
  'sparseDot',
  'sparseOuter',
  'cooMatmul',
  'cooDot',
] as const;
type Listed =
  | (typeof LEAF_KINDS)[number]
  | UnaryKind
  | BinaryKind
  | (typeof OTHER_KINDS)[number]
  | (typeof SPARSE_KINDS)[number];
/** Every op kind, each once. `Listed` must be exactly `OpKind`: a kind missing from the lists, or one that is no kind, fails here. */
export const OP_KINDS: readonly ([OpKind] extends [Listed]
  ? [Listed] extends [OpKind]
    ? Listed
    : never
  : never)[] = Object.freeze([
  ...LEAF_KINDS,
  ...UNARY_KINDS,
  ...BINARY_KINDS,
  ...OTHER_KINDS,
  ...SPARSE_KINDS,
]);

const UNARY_SET: ReadonlySet<OpKind> = new Set<OpKind>(UNARY_KINDS);
const BINARY_SET: ReadonlySet<OpKind> = new Set<OpKind>(BINARY_KINDS);
const ELEMENTWISE_SET: ReadonlySet<OpKind> = new Set<OpKind>([
  ...UNARY_KINDS,
  ...BINARY_KINDS,
  'where',
  'broadcastTo',
]);

/**
 * The ops of one operand. A type guard: inside, `op.kind` is a UnaryKind; after it, a switch on
 * the other kinds still checks that it is exhaustive.
 */
export const isUnaryOp = (op: Op): op is Extract<Op, { kind: UnaryKind }> => UNARY_SET.has(op.kind);

/** The ops of two operands (NumPy broadcasting), as a type guard like `isUnaryOp`. */
export const isBinaryOp = (op: Op): op is Extract<Op, { kind: BinaryKind }> => BINARY_SET.has(op.kind);

/**
 * The ops whose every output element depends only on the operands' elements at the same
 * (broadcast) position: unary, binary, `where`, and `broadcastTo` (a broadcast copy).
 */
export const isElementwiseOp = (
  op: Op,
): op is Extract<Op, { kind: UnaryKind | BinaryKind | 'where' | 'broadcastTo' }> =>
  ELEMENTWISE_SET.has(op.kind);

let nextId = 0;

/** One immutable node of the graph: an op, its operands and its (inferred) shape. */
export class Node {
  readonly id = nextId++;
  constructor(
    readonly op: Op,
    readonly inputs: readonly Node[],
    readonly shape: Shape,
  ) {}

  get size(): number {
    return sizeOf(this.shape);
  }

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    const name = this.op.kind === 'input' ? ` "${this.op.name}"` : '';
    return `${this.op.kind}#${this.id}${name}[${this.shape.join(',')}]`;
  }
}

/** Anything an op accepts as an operand: a node, or a number that becomes a scalar constant. */
export type Operand = Node | number;
