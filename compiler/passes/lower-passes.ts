// The graph half of lowering, as one list of named passes: what `lower()` (runtime/executable.ts)
// runs before the fusion partition, the schedule and the memory plan, and so what
// `showo compile --dump-after PASS|all` dumps and its `--log` reports. There is no second copy of
// this order anywhere: a pass added here is run, dumped and logged by every compile.
//
//   bind-dims               every symbolic dim gets its value: executables have static shapes
//                           (principle 7), and the passes below need bound lengths
//   fuse-qknorm-attention   LayerNorm + rotary + attention → attention_qknorm (principle 9); with
//                           the target's binding limit, so the norm parameters are packed when
//                           the fused kernel would bind more buffers than the target allows
//   share-attention-lse     a training graph's forward attention becomes a view of the packed
//                           attention{lse} its backward reads, so one kernel computes both
//   specialize-masks        block lists for the attention ops with segments, with tiles from the
//                           target's limits (workgroup memory and invocations)
//   lower-composites        composites with no kernel of their own → their decompositions
//   simplify                fold, CSE and DCE what the rewrites above left behind
//
// The order matters: the fusion must see layer_norm and rotary before lower-composites
// decomposes rotary; share-attention-lse runs before specialize-masks so the forward and the
// backward ops get their lists from one packed node; simplify runs last over everything.

import type { TargetCaps } from "../kernels/target.ts";
import type { PassOptions, PassSpec } from "./pipeline.ts";

export interface LowerPassOptions {
  /** Values of symbolic dimensions. */
  readonly dims?: Readonly<Record<string, number>>;
}

interface LowerPass {
  readonly name: string;
  /** The pass's options for a target and a compile; none when absent. */
  readonly options?: (caps: TargetCaps, opts: LowerPassOptions) => PassOptions;
}

const LOWER_PASSES: readonly LowerPass[] = [
  { name: "bind-dims", options: (_caps, o) => ({ dims: o.dims ?? {} }) },
  { name: "fuse-qknorm-attention", options: (caps) => ({ maxBindings: caps.maxStorageBindings }) },
  { name: "share-attention-lse" },
  { name: "specialize-masks", options: (caps) => ({ caps }) },
  { name: "lower-composites" },
  { name: "simplify" },
];

/** The names of the lowering passes, in the order they run (for --dump-after, before a target is known). */
export const LOWER_PASS_NAMES: readonly string[] = LOWER_PASSES.map((p) => p.name);

/** The lowering passes for a target, ready for runPipeline. */
export function lowerPasses(caps: TargetCaps, opts: LowerPassOptions = {}): PassSpec[] {
  return LOWER_PASSES.map((p) => (p.options ? { name: p.name, options: p.options(caps, opts) } : p.name));
}
