/** Shapes and NumPy broadcasting. Every shape error is thrown at graph-build time. */
export type Shape = readonly number[];

/** Raised when an op is built with operands whose shapes do not fit; names the op and the shapes. */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

export const fmt = (s: Shape): string => `[${s.join(',')}]`;

export function sizeOf(s: Shape): number {
  let n = 1;
  for (const d of s) n *= d;
  return n;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function checkShape(op: string, s: Shape): Shape {
  for (const d of s) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(`${op}: invalid shape ${fmt(s)}`);
  }
  return Object.freeze([...s]);
}

/** NumPy broadcasting of any number of shapes: align on the right, 1 stretches. */
export function broadcastShapes(op: string, ...shapes: Shape[]): Shape {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = new Array(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = rank - s.length + i;
      const d = s[i];
      if (out[j] === 1) out[j] = d;
      else if (d !== 1 && d !== out[j]) {
        throw new ShapeError(
          `${op}: shapes ${shapes.map(fmt).join(' and ')} do not broadcast (axis ${j}: ${out[j]} vs ${d})`,
        );
      }
    }
  }
  return Object.freeze(out);
}

/** Row-major strides of a shape. */
export function stridesOf(s: Shape): number[] {
  const st = new Array<number>(s.length);
  let acc = 1;
  for (let i = s.length - 1; i >= 0; i--) {
    st[i] = acc;
    acc *= s[i];
  }
  return st;
}

/** Normalizes possibly negative axes against `rank`, sorted and de-duplicated. */
export function normalizeAxes(op: string, axes: readonly number[], rank: number): number[] {
  const out = new Set<number>();
  for (const a of axes) {
    const b = a < 0 ? a + rank : a;
    if (!Number.isInteger(a) || b < 0 || b >= rank)
      throw new ShapeError(`${op}: axis ${a} is out of range for rank ${rank}`);
    out.add(b);
  }
  return [...out].sort((x, y) => x - y);
}
