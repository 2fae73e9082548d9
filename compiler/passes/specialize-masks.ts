// specialize-masks: give every attention_qknorm with segments the block lists its kernel walks
// (architecture.md principle 8; design/kernels.md §2).
//
//   attention_qknorm(..., seg) → attention_qknorm(..., seg, block_lists(seg){lq, lk, tile_q, tile_k, causal})
//
// block_lists is a small kernel that classifies every (query tile, key tile) pair as empty, full
// or partial from the segments tensor at run time (classifyTile in compiler/ir/ops/
// attention_qknorm.ts, O(S³) per tile, never an L×L mask), so a new prompt's padding changes the
// lists and not the kernels. Layouts without segments need no lists: the flash kernel bounds a
// causal walk itself and runs a non-causal one unmasked. The transposed lists
// (block_lists{transpose: true}) are for a backward kernel; none consumes them yet, so none are
// emitted here.

import { apply } from "../ir/build.ts";
import type { Graph } from "../ir/graph.ts";
import type { Rule, RewriteOptions } from "./rewrite.ts";
import { rewrite } from "./rewrite.ts";

export interface SpecializeMasksOptions {
  /** Query rows per tile (= invocations of the flash kernel's workgroup); default 32. */
  readonly tileQ?: number;
  /** Keys per tile; default 32. */
  readonly tileK?: number;
}

export const DEFAULT_TILES = { tileQ: 32, tileK: 32 } as const;

export function specializeMasksRule(opts: SpecializeMasksOptions = {}): Rule {
  const tileQ = opts.tileQ ?? DEFAULT_TILES.tileQ, tileK = opts.tileK ?? DEFAULT_TILES.tileK;
  return {
    name: "specialize-masks",
    root: "attention_qknorm",
    apply: (n) => {
      if (n.inputs.length !== 9) return null; // no segments, or lists already there
      const [q, k] = n.inputs as [typeof n, typeof n];
      const seg = n.inputs[8]!;
      const lq = q.shape[2]!, lk = k.shape[2]!;
      if (typeof lq !== "number" || typeof lk !== "number") return { noMatch: `lengths ${lq}, ${lk} are symbolic: bind dims first` };
      const lists = apply("block_lists", [seg], { lq, lk, tile_q: tileQ, tile_k: tileK, causal: n.attrs["causal"]! });
      return apply("attention_qknorm", [...n.inputs, lists], { ...n.attrs, tile_q: tileQ, tile_k: tileK }, n.loc);
    },
  };
}

export function specializeMasks(graph: Graph, opts: SpecializeMasksOptions & RewriteOptions = {}): Graph {
  return rewrite(graph, [specializeMasksRule(opts)], opts);
}
