import { Node, type Operand } from '../graph/node.js';
import { checkShape, fmt, type Shape, ShapeError, sizeOf } from '../graph/shape.js';

/** A named leaf fed at run time, or held on the backend as state (parameters, optimizer moments). */
export function input(name: string, shape: Shape): Node {
  if (!name) throw new ShapeError('input: a name is required');
  return new Node({ kind: 'input', name }, [], checkShape(`input "${name}"`, shape));
}

/** A constant. A number gives a scalar; an array must hold exactly `sizeOf(shape)` values. */
export function constant(value: number | ArrayLike<number>, shape: Shape = []): Node {
  const s = checkShape('const', shape);
  const v = typeof value === 'number' ? Float64Array.of(value) : Float64Array.from(value);
  if (v.length !== sizeOf(s)) throw new ShapeError(`const: ${v.length} values do not fill shape ${fmt(s)}`);
  return new Node({ kind: 'const', value: v }, [], s);
}

/** Lifts a number to a scalar constant. */
export function lift(x: Operand): Node {
  return typeof x === 'number' ? constant(x) : x;
}
