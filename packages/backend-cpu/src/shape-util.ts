import type { Node } from '@saekit/core';

export function sameShapeAs(a: Node, b: Node): boolean {
  return a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
}
