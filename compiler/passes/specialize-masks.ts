// specialize-masks: give every attention_qknorm with segments the block lists its kernel walks
// (architecture.md principle 8; design/kernels.md §2).
//
//   attention_qknorm(..., seg) → attention_qknorm(..., seg, block_lists(seg){lq, lk, tile_q, tile_k, causal})
//
// block_lists is a small kernel that classifies every (query tile, key tile) pair as empty, full
// or partial from the segments tensor at run time (classifyTile in compiler/ir/ops/
// attention_qknorm.ts, O(S³) per tile, never an L×L mask), so a new prompt's padding changes the
// lists and not the kernels. Layouts without segments need no lists: the flash kernel bounds a
// causal walk itself and runs a non-causal one unmasked.
//
// The backward ops get lists of the same tiles: attention_grad_q walks, per query tile, the same
// lists as the forward (the same block_lists node), and attention_grad_kv walks, per key tile,
// the transposed lists (block_lists{transpose: true}: the query tiles that see it).
//   attention_grad_q(q, k, v, out, dO, seg)  → attention_grad_q(..., seg, block_lists(seg){...})
//   attention_grad_kv(q, k, v, out, dO, seg) → attention_grad_kv(..., seg, block_lists(seg){..., transpose: true})

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

/**
 * The lists' tiles. tile_q is the flash kernel's query tile (one workgroup per list row); the
 * kernel picks its key chunk per target among the divisors of tile_k that fit the target's
 * workgroup memory (flash-blocked.ts blockedPlan: 32 keys with llvmpipe's and CUDA's 32–48 KiB,
 * 8 with WebGPU's default 16 KiB at head 64), so one list layout serves every target and the
 * backward ops share the forward's lists.
 */
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

/** Lists for the backward ops (with segments and without lists: 6 inputs). */
export function specializeGradMasksRule(opts: SpecializeMasksOptions = {}): Rule {
  const tileQ = opts.tileQ ?? DEFAULT_TILES.tileQ, tileK = opts.tileK ?? DEFAULT_TILES.tileK;
  return {
    name: "specialize-masks-backward",
    root: ["attention_grad_q", "attention_grad_kv"],
    apply: (n) => {
      if (n.inputs.length !== 6) return null; // no segments, or lists already there
      const [q, k] = n.inputs as [typeof n, typeof n];
      const lq = q.shape[2]!, lk = k.shape[2]!;
      if (typeof lq !== "number" || typeof lk !== "number") return { noMatch: `lengths ${lq}, ${lk} are symbolic: bind dims first` };
      const transpose = n.op === "attention_grad_kv";
      const lists = apply("block_lists", [n.inputs[5]!], { lq, lk, tile_q: tileQ, tile_k: tileK, causal: n.attrs["causal"]!, transpose });
      return apply(n.op, [...n.inputs, lists], { ...n.attrs, tile_q: tileQ, tile_k: tileK }, n.loc);
    },
  };
}

export function specializeMasks(graph: Graph, opts: SpecializeMasksOptions & RewriteOptions = {}): Graph {
  return rewrite(graph, [specializeMasksRule(opts), specializeGradMasksRule(opts)], opts);
}
