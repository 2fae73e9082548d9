// scatter_add (the VJP of gather), deterministic: WGSL has no f32 atomics, so instead of each
// update adding itself somewhere, each output element gathers the updates that land on it.
//
// shapes: target [outer..., n, inner...], indices i32 [m...] (any rank), updates
//         [outer..., m..., inner...] → out like target. One invocation per output element
//         (o, p, in): out = target[o, p, in] + Σ_j updates[o, j, in] over index positions j (in
//         row-major order) whose index, clamped to [0, n − 1] as gather clamps, equals p.
//
// The sum runs in index order, so results do not depend on scheduling. The cost is
// numel(target) · m index reads; the index list is small in the uses so far (gradients of
// gathers over short sequences). A sorted-segments form is the way out when it is not.

import type { Node } from "../../ir/graph.ts";
import { concreteShape, formatType } from "../../ir/types.ts";
import type { FusionGroup, Partition } from "../../passes/fuse-elementwise.ts";
import * as K from "../build-kernel.ts";
import type { Launch } from "../emit.ts";
import { KernelContext, unflatten } from "../emit.ts";
import type { Expr, ScalarType } from "../kernel-ir.ts";
import { registerBuilder } from "../schedule.ts";
import type { TargetCaps } from "../target.ts";

const WG = 64;

export function buildScatterAdd(group: FusionGroup, caps: TargetCaps, part: Partition): Launch {
  const root = group.root;
  const [target, indices, updates] = root.inputs as [Node, Node, Node];
  const axis = root.attrs["axis"] as number;
  const shape = concreteShape(root.shape);
  const ishape = concreteShape(indices.shape);
  const n = shape[axis]!;
  const m = ishape.reduce((a, b) => a * b, 1);
  const numel = shape.reduce((a, b) => a * b, 1);

  const doc = [
    `scatter_add along axis ${axis}: target ${formatType(target.dtype, target.shape)}, indices ${formatType(indices.dtype, indices.shape)},`,
    `updates ${formatType(updates.dtype, updates.shape)} → out ${formatType(root.dtype, root.shape)}; one invocation per output element,`,
    `summing the ${m} index positions in order (indices clamped to [0, ${n - 1}])`,
  ].join("\n");
  const ctx = new KernelContext("scatter_add", doc, [WG], caps, part);
  const b = ctx.body;
  const outType = ctx.typeOf(root);
  // Narrow floats accumulate in f32; integers in their own type.
  const accType: ScalarType = outType === "f16" ? "f32" : outType;

  const e = b.let("e", K.linearGlobalId(WG));
  b.if(K.ge(e, K.u32(numel)), (x) => x.return());
  const idx = unflatten(e, shape);
  const p = b.let("p", K.cast("i32", idx[axis]!));
  const acc = b.var("acc", K.cast(accType, ctx.value(b, target, idx)));
  b.for("j", K.u32(0), K.u32(m), (lb, j) => {
    const jidx = unflatten(j, ishape);
    const at = lb.let("at", K.clamp(ctx.value(lb, indices, jidx), K.i32(0), K.i32(n - 1)));
    lb.if(K.eq(at, p), (hb) => {
      const u: Expr = ctx.value(hb, updates, [...idx.slice(0, axis), ...jidx, ...idx.slice(axis + 1)]);
      hb.assign(acc, K.add(acc, K.cast(accType, u)));
    });
  });
  ctx.store(b, ctx.tensor(root, "read_write"), e, K.cast(outType, acc));
  return ctx.launch([Math.max(1, Math.ceil(numel / WG))], `scatter_add ${formatType(root.dtype, root.shape)}`);
}

registerBuilder("scatter_add", buildScatterAdd);
