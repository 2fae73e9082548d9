// Fused elementwise kernels: one invocation per output element computes the root's value through
// every fused view and elementwise producer and stores it.
//
// shapes: out [numel] (any shape, flattened row-major); inputs are whatever the fused chain reads.

import { concreteShape, formatType } from "../../ir/types.ts";
import type { FusionGroup, Partition } from "../../passes/fuse-elementwise.ts";
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
  const v = ctx.compute(b, root, unflatten(i, shape));
  ctx.store(b, ctx.tensor(root, "read_write"), i, v);
  return ctx.launch([Math.max(1, Math.ceil(n / WG))], `${root.op} ${formatType(root.dtype, root.shape)}`);
}
