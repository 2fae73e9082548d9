// state-alias: which state outputs of an executable can be computed in place of the parameter
// they replace (a training step's new weights and moments written over the old ones).
//
// Design note. An executable's state maps an output o to a parameter p: after each run p holds
// o's value. The cheapest way is for o's kernel to store straight into p's memory. That is safe
// when, in the partition's kernel order,
//   * o is the root of an elementwise kernel (no matmul producer), so each invocation stores
//     element i of o after reading whatever it reads of p at that same index i: every node of o's
//     fused region that leads to p is an inline op of p's shape (no views, which remap indices);
//   * no other kernel reads p at or after o's kernel (they would see the new value).
// The AdamW step satisfies both by construction (every update waits for the global gradient norm,
// which waits for every gradient, which waits for every read of the weights), and m' and v' are
// read by p's update as the new moments, which is what the update wants. Entries that fail get no
// alias; the runtime then copies o over p after both are done (runtime/executable.ts).

import type { Node } from "../ir/graph.ts";
import { lowering } from "../kernels/lowering.ts";
import type { Partition } from "../kernels/fuse-elementwise.ts";

export interface StateEntry {
  readonly output: string;
  readonly param: string;
  readonly o: Node;
  readonly p: Node;
}

/** Output node → parameter node for the entries computed in place; the others are left out. */
export function stateAliases(part: Partition, entries: readonly StateEntry[]): Map<Node, Node> {
  const aliases = new Map<Node, Node>();
  if (entries.length === 0) return aliases;
  const mat = part.materialized;
  const order = new Map<Node, number>();
  part.groups.forEach((g, i) => {
    order.set(g.root, i);
    for (const s of g.siblings ?? []) order.set(s, i);
  });
  // The stored tensors each kernel reads through its fused region.
  const reads = new Map<Node, Set<Node>>();
  for (const n of part.graph.nodes()) {
    const s = new Set<Node>();
    for (const i of n.inputs) {
      if (mat.has(i)) s.add(i);
      else for (const x of reads.get(i) ?? []) s.add(x);
    }
    reads.set(n, s);
  }
  const readersOf = (p: Node) => part.groups.map((g, i) => [g, i] as const).filter(([g]) => reads.get(g.root)!.has(p)).map(([, i]) => i);
  for (const e of entries) {
    const at = order.get(e.o);
    const group = at === undefined ? undefined : part.groups[at];
    if (!group || group.kind !== "elementwise" || group.producer) continue;
    if (readersOf(e.p).some((i) => i > at!)) continue;
    if (!sameIndexPaths(e.o, e.p, mat)) continue;
    aliases.set(e.o, e.p);
  }
  return aliases;
}

/** Every unstored node between o and p is an inline op of p's shape (p read at o's index only). */
function sameIndexPaths(o: Node, p: Node, mat: ReadonlySet<Node>): boolean {
  const reaches = new Map<Node, boolean>();
  let ok = true;
  const visit = (n: Node): boolean => {
    const known = reaches.get(n);
    if (known !== undefined) return known;
    let r = false;
    for (const i of n.inputs) {
      if (i === p) r = true;
      else if (!mat.has(i) && visit(i)) r = true;
    }
    reaches.set(n, r);
    if (r && (lowering(n.op) !== "inline" || n.shape.length !== p.shape.length || n.shape.some((d, k) => d !== p.shape[k]))) ok = false;
    return r;
  };
  visit(o);
  return ok;
}
