// lower-composites: replace composite ops that have no kernel of their own (gelu, silu, rotary,
// cross_entropy...) by their decompositions, so their elementwise parts fuse with neighbours.
// Which composites keep a kernel is the lowering table's call (compiler/kernels/lowering.ts).

import type { Graph } from "../ir/graph.ts";
import { getOp } from "../ir/op.ts";
import { lowering } from "../kernels/lowering.ts";
import type { Rule, RewriteOptions } from "./rewrite.ts";
import { rewrite } from "./rewrite.ts";

export const decomposeComposite: Rule = {
  name: "decompose-composite",
  apply: (node) => {
    if (lowering(node.op) !== "decompose") return null;
    const def = getOp(node.op);
    if (!def.decompose) return { noMatch: `${node.op} has no decomposition` };
    return def.decompose(node.inputs, node.attrs);
  },
};

export function lowerComposites(graph: Graph, opts: RewriteOptions = {}): Graph {
  return rewrite(graph, [decomposeComposite], opts);
}
