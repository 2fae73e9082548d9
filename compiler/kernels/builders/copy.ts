// copy: one shard of a tensor written over another of the same layout.
//
// shapes: src [n] → dst [n], both the same storage element type, n = the shard's element count.
//
// The state writes of a training step use it: the step computes new parameters and optimizer
// moments as ordinary graph outputs, and copies appended after the last launch move them over the
// parameters they replace (executable state, runtime/executable.ts). A kernel rather than a
// device-side buffer copy, so both targets run it with no device support of their own; the
// element count is a kernel parameter, so one pipeline serves every tensor of an element type.

import type { Node } from "../../ir/graph.ts";
import * as K from "../build-kernel.ts";
import type { Launch } from "../emit.ts";
import type { ElemType } from "../kernel-ir.ts";

const WG = 256;

/** A launch copying shard `shard` (of `elems` elements stored as `elem`) of `src` over the same shard of `dst`. */
export function copyShardLaunch(src: Node, dst: Node, shard: number, elems: number, elem: ElemType, label: string): Launch {
  const kb = new K.KernelBuilder(`copy_${elem}`, {
    doc: `copy: dst[i] = src[i] for i < n, ${elem} elements (a training step's state written over its parameters)`,
    workgroupSize: [WG],
  });
  const s = kb.storage("src", elem, "read");
  const d = kb.storage("dst", elem, "read_write");
  const n = kb.param("n", "u32");
  const b = kb.body;
  const i = b.let("i", K.linearGlobalId(WG));
  b.if(K.ge(i, n), (x) => x.return());
  b.store(d, i, K.load(s, i));
  return {
    kernel: kb.build(),
    tensors: [
      { binding: "src", node: src, shard, access: "read" },
      { binding: "dst", node: dst, shard, access: "read_write" },
    ],
    params: { n: elems },
    grid: [Math.max(1, Math.ceil(elems / WG))],
    label,
  };
}
