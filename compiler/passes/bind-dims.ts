// bind-dims: give every symbolic dimension its value, producing a graph of concrete shapes.
// Executables are compiled for concrete shapes (principle 7: memory is planned statically), so
// this runs first in every backend pipeline.

import { apply } from "../ir/build.ts";
import type { AttrValue, Node } from "../ir/graph.ts";
import { Graph } from "../ir/graph.ts";
import { getOp } from "../ir/op.ts";
import type { Shape } from "../ir/types.ts";
import { bindShape, formatShape, isConcrete } from "../ir/types.ts";

export function bindDims(graph: Graph, env: Readonly<Record<string, number>>): Graph {
  const done = new Map<Node, Node>();
  for (const n of graph.nodes()) {
    const def = getOp(n.op);
    const attrs: Record<string, AttrValue> = {};
    for (const [k, v] of Object.entries(n.attrs)) {
      attrs[k] = def.attrs[k]?.kind === "shape" ? [...bindShape(v as Shape, env)] : v;
    }
    const m = apply(n.op, n.inputs.map((i) => done.get(i)!), attrs, n.loc);
    if (!isConcrete(m.shape)) {
      throw new Error(`${n.op} still has symbolic shape ${formatShape(m.shape)} after binding ${JSON.stringify(env)}`);
    }
    done.set(n, m);
  }
  const map = (ns: readonly Node[]) => ns.map((n) => done.get(n)!);
  return new Graph(graph.name, map(graph.inputs), map(graph.params), graph.outputs.map((o) => ({ name: o.name, node: done.get(o.node)! })));
}
