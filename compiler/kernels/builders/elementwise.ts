// Fused elementwise kernels: one invocation per output element computes the root's value through
// every fused view and elementwise producer and stores it. A group's siblings (graph outputs of
// the root's shape that only the root reads, at its own index) are computed and stored first, and
// the root uses those values: AdamW's new moments and new weight in one pass.
//
// shapes: out [numel] (any shape, flattened row-major); inputs are whatever the fused chain reads.

import { concreteShape, formatType } from "../../ir/types.ts";
import type { FusionGroup, Partition } from "../fuse-elementwise.ts";
import * as K from "../build-kernel.ts";
import type { Launch } from "../emit.ts";
import { KernelContext, unflatten } from "../emit.ts";
import type { TargetCaps } from "../target.ts";

const WG = 64;

export function buildElementwise(group: FusionGroup, caps: TargetCaps, part: Partition): Launch {
  const root = group.root;
  const shape = concreteShape(root.shape);
  const n = shape.reduce((a, b) => a * b, 1);
  const ctx = new KernelContext("elementwise", `fused elementwise: ${root.op} → ${formatType(root.dtype, root.shape)}`, [WG], caps, part);
  const b = ctx.body;
  const i = b.let("i", K.linearGlobalId(WG));
  b.if(K.ge(i, K.u32(n)), (x) => x.return());
  const idx = unflatten(i, shape);
  // Siblings first: each is stored, and the root then reads the value just computed.
  for (const s of group.siblings ?? []) {
    const sv = ctx.compute(b, s, idx);
    ctx.store(b, ctx.tensor(s, "read_write"), i, sv);
    ctx.override(s, sv);
  }
  const v = ctx.compute(b, root, idx);
  ctx.store(b, ctx.tensor(root, "read_write"), i, v);
  const also = group.siblings?.length ? ` (+ ${group.siblings.map((s) => s.op).join(", ")} stored beside it)` : "";
  return ctx.launch([Math.max(1, Math.ceil(n / WG))], `${root.op} ${formatType(root.dtype, root.shape)}${also}`);
}
