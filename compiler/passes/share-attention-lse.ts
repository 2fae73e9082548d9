// share-attention-lse: a training graph's forward attention runs once.
//
// The VJP of attention (and attention_qknorm) asks for the packed node op(...){lse: true} on the
// forward's own inputs: it returns [B, H, Lq, Dv + 1], the output and the log-sum-exp the
// backward ops recompute P from. The forward's plain op(...){lse: false} is then a second
// attention over the same inputs. This pass replaces it by the view slice(packed)[.., 0:Dv], so
// one flash kernel writes both:
//
//   attention(q, k, v, seg){lse: false}  →  slice(attention(q, k, v, seg){lse: true}, axis 3, 0, Dv)
//     when the graph holds that packed node (same op, same inputs, same other attributes)
//
// Not a pattern rule of rewrite.ts: whether a twin exists is a property of the whole graph, not of
// the node. One topological walk: the twins are found on the original graph, and each rebuilt
// node's inputs are the rebuilt inputs, so a plain node's twin, rebuilt on the same inputs, is
// the same interned node as the packed node the walk rebuilds.

import { apply } from "../ir/build.ts";
import type { Node } from "../ir/graph.ts";
import { Graph, topoSort } from "../ir/graph.ts";
import { isOp } from "../ir/view.ts";
import type { RewriteOptions } from "./rewrite.ts";

const OPS = ["attention", "attention_qknorm"] as const;

/** Identity of an attention node apart from its lse flag. */
function twinKey(n: Node): string {
  const attrs = Object.entries(n.attrs).filter(([k]) => k !== "lse").sort(([a], [b]) => (a < b ? -1 : 1));
  return `${n.op}(${n.inputs.map((i) => i.id).join(",")})${JSON.stringify(attrs)}`;
}

export function shareAttentionLse(graph: Graph, opts: Pick<RewriteOptions, "log"> = {}): Graph {
  const order = topoSort(graph.outputs.map((o) => o.node));
  const packed = new Set(order.filter((n) => isOp(n, ...OPS) && n.attrs.lse).map(twinKey));
  if (packed.size === 0) return graph;
  const done = new Map<Node, Node>();
  for (const n of order) {
    const ins = n.inputs.map((i) => done.get(i)!);
    let out = ins.every((x, i) => x === n.inputs[i]) ? n : apply(n.op, ins, n.attrs, n.loc);
    if (isOp(n, ...OPS) && !n.attrs.lse && packed.has(twinKey(n))) {
      const twin = apply(n.op, ins, { ...n.attrs, lse: true }, n.loc);
      const dv = twin.shape[3] as number;
      const view = apply("slice", [twin], { axis: 3, start: 0, end: dv - 1 }, n.loc);
      opts.log?.({ rule: "share-attention-lse", before: out, after: view });
      out = view;
    }
    done.set(n, out);
  }
  return new Graph(graph.name, graph.inputs, graph.params, graph.outputs.map((o) => ({ name: o.name, node: done.get(o.node)! })));
}
