import type { Node } from './node.js';
import { fmt, ShapeError, sameShape } from './shape.js';
import { topoSort } from './topo.js';

/** What to compute: named outputs, and new values for state inputs (applied after each run). */
export interface GraphSpec {
  readonly outputs: Readonly<Record<string, Node>>;
  /** `updates[name]` becomes the value of input `name` after a run (e.g. a parameter after a step). */
  readonly updates?: Readonly<Record<string, Node>>;
}

/**
 * A compiled-ready graph: every node reachable from the outputs and updates, in topological order,
 * with its inputs by name. Immutable; built once, compiled by any backend.
 */
export class Graph {
  readonly nodes: readonly Node[];
  readonly inputs: ReadonlyMap<string, Node>;
  readonly outputs: Readonly<Record<string, Node>>;
  readonly updates: Readonly<Record<string, Node>>;

  private constructor(spec: GraphSpec) {
    this.outputs = Object.freeze({ ...spec.outputs });
    this.updates = Object.freeze({ ...(spec.updates ?? {}) });
    this.nodes = Object.freeze(topoSort([...Object.values(this.outputs), ...Object.values(this.updates)]));
    const inputs = new Map<string, Node>();
    for (const n of this.nodes) {
      if (n.op.kind !== 'input') continue;
      const prev = inputs.get(n.op.name);
      if (prev && prev !== n) throw new ShapeError(`graph: two different inputs are named "${n.op.name}"`);
      inputs.set(n.op.name, n);
    }
    for (const [name, u] of Object.entries(this.updates)) {
      const inp = inputs.get(name);
      if (!inp) throw new ShapeError(`graph: update "${name}" names no input of the graph`);
      if (!sameShape(inp.shape, u.shape)) {
        throw new ShapeError(
          `graph: update "${name}" has shape ${fmt(u.shape)}, the input has ${fmt(inp.shape)}`,
        );
      }
    }
    this.inputs = inputs;
  }

  static from(spec: GraphSpec): Graph {
    if (Object.keys(spec.outputs).length + Object.keys(spec.updates ?? {}).length === 0) {
      throw new ShapeError('graph: nothing to compute (no outputs and no updates)');
    }
    return new Graph(spec);
  }

  /** Counts of each op kind; handy in logs and tests. */
  opCounts(): Record<string, number> {
    const c: Record<string, number> = {};
    for (const n of this.nodes) c[n.op.kind] = (c[n.op.kind] ?? 0) + 1;
    return c;
  }
}
