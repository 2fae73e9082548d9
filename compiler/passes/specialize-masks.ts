// specialize-masks: give every attention_qknorm with segments the block lists its kernel walks
// (architecture.md principle 8; design/kernels.md §2).
//
//   attention_qknorm(..., seg) → attention_qknorm(..., seg, block_lists(seg){lq, lk, tile_q, tile_k, causal, keys_from_end})
//
// Key tiles are laid from the last key back (keys_from_end), so the ragged tile is the first:
// Show-o's sequences start with padding (dead keys in sampling) and a causal row sees the first
// keys least, while the image block sits at the end (T2I at L = 387: 9 key tiles for each image
// row instead of 10).
//
// block_lists is a small kernel that classifies every (query tile, key tile) pair as empty, full
// or partial from the segments tensor at run time (classifyTile in compiler/ir/ops/
// attention-qknorm.ts, O(S³) per tile, never an L×L mask), so a new prompt's padding changes the
// lists and not the kernels. Layouts without segments need no lists: the flash kernel bounds a
// causal walk itself and runs a non-causal one unmasked. The tiles come from the target's limits
// (attentionTiles in compiler/kernels/builders/flash-plan.ts) when the pass is given its caps
// (lowering does), else 32×32.
//
// The backward ops get lists of the same tiles: attention_grad_q walks, per query tile, the same
// lists as the forward (the same block_lists node), and attention_grad_kv walks, per key tile,
// the transposed lists (block_lists{transpose: true}: the query tiles that see it).
//   attention_grad_q(q, k, v, out, dO, seg)  → attention_grad_q(..., seg, block_lists(seg){..., keys_from_end})
//   attention_grad_kv(q, k, v, out, dO, seg) → attention_grad_kv(..., seg, block_lists(seg){..., transpose: true})

import { apply } from "../ir/build.ts";
import type { Graph, Node } from "../ir/graph.ts";
import { attrsOf, operandsOf } from "../ir/view.ts";
import { DEFAULT_ATTENTION_TILES, attentionTiles } from "../kernels/builders/flash-plan.ts";
import type { TargetCaps } from "../kernels/target.ts";
import type { Rule, RewriteOptions } from "./rewrite.ts";
import { rewrite } from "./rewrite.ts";

export interface SpecializeMasksOptions {
  /** Query rows per tile (= invocations of the flash kernel's workgroup); fixes the tiles over `caps`. */
  readonly tileQ?: number;
  /** Keys per tile. */
  readonly tileK?: number;
  /** The target compiled for: tiles from attentionTiles (its workgroup memory and invocations). */
  readonly caps?: TargetCaps;
}

/**
 * The lists' tiles without a target (32×32). With one, attentionTiles (kernels/builders/flash-plan.ts) picks them
 * from its limits so that tile_q is the flash kernel's query tile (one workgroup per list row)
 * and tile_k a multiple of its key chunk; the backward ops get the same tiles (same head dims and
 * segments), so they share the forward's lists.
 */
export const DEFAULT_TILES = DEFAULT_ATTENTION_TILES;

/** Tiles for one attention node: explicit options, else the target's, else the defaults. */
function tilesFor(opts: SpecializeMasksOptions, D: number, Dv: number, S: number): { tileQ: number; tileK: number } {
  const t = opts.caps ? attentionTiles(opts.caps, D, Dv, S) : DEFAULT_TILES;
  return { tileQ: opts.tileQ ?? t.tileQ, tileK: opts.tileK ?? t.tileK };
}

/** Head dims and segment slots of an attention-like node: q [B, H, Lq, D], v [B, H, Lk, Dv], seg [B, S, 3]. */
function dimsOf(q: Node, v: Node, seg: Node): [number, number, number] {
  const D = q.shape[3]!, Dv = v.shape[3]!, S = seg.shape[1]!;
  return [typeof D === "number" ? D : 0, typeof Dv === "number" ? Dv : 0, typeof S === "number" ? S : 0];
}

export function specializeMasksRule(opts: SpecializeMasksOptions = {}): Rule {
  return {
    name: "specialize-masks",
    root: "attention_qknorm",
    apply: (n) => {
      const { q, k, v, segments: seg, lists: has } = operandsOf(n, "attention_qknorm");
      if (!seg || has) return null; // no segments, or lists already there
      const lq = q.shape[2]!, lk = k.shape[2]!;
      if (typeof lq !== "number" || typeof lk !== "number") return { noMatch: `lengths ${lq}, ${lk} are symbolic: bind dims first` };
      const { tileQ, tileK } = tilesFor(opts, ...dimsOf(q, v, seg));
      const lists = apply("block_lists", [seg], { lq, lk, tile_q: tileQ, tile_k: tileK, causal: attrsOf(n, "attention_qknorm").causal, keys_from_end: true });
      return apply("attention_qknorm", [...n.inputs, lists], { ...n.attrs, tile_q: tileQ, tile_k: tileK, keys_from_end: true }, n.loc);
    },
  };
}

/** Lists for the backward ops (with segments and without lists). */
export function specializeGradMasksRule(opts: SpecializeMasksOptions = {}): Rule {
  return {
    name: "specialize-masks-backward",
    root: ["attention_grad_q", "attention_grad_kv"],
    apply: (n) => {
      const { q, k, v, segments: seg, lists: has } = operandsOf(n, "attention_grad_q", "attention_grad_kv");
      if (!seg || has) return null; // no segments, or lists already there
      const lq = q.shape[2]!, lk = k.shape[2]!;
      if (typeof lq !== "number" || typeof lk !== "number") return { noMatch: `lengths ${lq}, ${lk} are symbolic: bind dims first` };
      const { tileQ, tileK } = tilesFor(opts, ...dimsOf(q, v, seg));
      // grad_q shares the forward's lists (key tiles from the end); grad_kv owns key tiles from
      // key 0 and walks the transposed lists.
      const transpose = n.op === "attention_grad_kv";
      const lists = apply("block_lists", [seg], { lq, lk, tile_q: tileQ, tile_k: tileK, causal: attrsOf(n, "attention_grad_q", "attention_grad_kv").causal, ...(transpose ? { transpose } : { keys_from_end: true }) });
      return apply(n.op, [...n.inputs, lists], { ...n.attrs, tile_q: tileQ, tile_k: tileK, ...(transpose ? {} : { keys_from_end: true }) }, n.loc);
    },
  };
}

export function specializeMasks(graph: Graph, opts: SpecializeMasksOptions & RewriteOptions = {}): Graph {
  return rewrite(graph, [specializeMasksRule(opts), specializeGradMasksRule(opts)], opts);
}
