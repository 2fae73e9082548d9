// Reverse-mode accumulation over the Graph IR: the walk behind the autodiff pass
// (compiler/passes/autodiff.ts) and behind VJP rules that differentiate a sub-graph of their own
// (attention_qknorm's LayerNorm and rotary chain). It lives in the IR because it needs only the op
// table's VJP column, build.ts and graph.ts, and because op table entries may call it; the IR
// imports nothing from compiler/passes.

import { add } from "./build.ts";
import type { Node } from "./graph.ts";
import { topoSort } from "./graph.ts";
import { getOp } from "./op.ts";
import { formatType, isFloat, shapeEq } from "./types.ts";

/**
 * Gradients of `root` (seeded with `seed`, of root's type) with respect to each leaf, or null
 * for a leaf with no differentiable path to `root`.
 */
export function backprop(root: Node, seed: Node, leaves: readonly Node[]): (Node | null)[] {
  if (seed.dtype !== root.dtype || !shapeEq(seed.shape, root.shape)) {
    throw new Error(`autodiff: seed ${formatType(seed.dtype, seed.shape)} does not match ${formatType(root.dtype, root.shape)}`);
  }
  const order = topoSort([root]);
  const leafSet = new Set(leaves);
  // Float nodes on a path from a leaf: the only ones whose gradient anything needs.
  const active = new Set<Node>();
  for (const n of order) {
    if (leafSet.has(n) || (isFloat(n.dtype) && n.inputs.some((i) => active.has(i)))) active.add(n);
  }
  const grads = new Map<Node, Node>();
  if (active.has(root)) grads.set(root, seed);
  for (let k = order.length - 1; k >= 0; k--) {
    const n = order[k]!;
    const g = grads.get(n);
    if (!g || n.inputs.length === 0) continue;
    const def = getOp(n.op);
    if (!def.differentiable) continue;
    const vjps = def.vjp({ inputs: n.inputs, out: n, grad: g, attrs: n.attrs });
    if (vjps.length !== n.inputs.length) {
      throw new Error(`autodiff: the VJP of ${n.op} returned ${vjps.length} gradients for ${n.inputs.length} inputs`);
    }
    n.inputs.forEach((x, i) => {
      const gx = vjps[i];
      if (!gx || !active.has(x)) return;
      if (gx.dtype !== x.dtype || !shapeEq(gx.shape, x.shape)) {
        throw new Error(`autodiff: the VJP of ${n.op} gave input ${i} (${formatType(x.dtype, x.shape)}) `
          + `a gradient of type ${formatType(gx.dtype, gx.shape)}`);
      }
      const prev = grads.get(x);
      grads.set(x, prev ? add(prev, gx) : gx);
    });
    grads.delete(n); // its contributions are passed on; leaves keep theirs
  }
  return leaves.map((l) => grads.get(l) ?? null);
}
