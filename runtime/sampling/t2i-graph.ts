// The Show-o forward that T2I sampling needs: logits only at the N image positions and only over
// the 8,192 image-code columns (design/showo.md §6.2 step 2), built from the model's own modules
// (so parameter names, and checkpoints, are those of models/showo.ts).
//
// shapes: ids i32[B, L], positions i32[L], segments i32[B, 2, 3] → logits f32[B, N, C]
//
//   h      = layers(embed(ids))                       [B, L, H]   every position: keys and values
//   h_img  = h[:, T+2 : T+2+N]                        [B, N, H]   the image positions (T = text budget)
//   logits = LN(h_img) · W[50305:58497]ᵀ + b[50305:58497]         the codebook rows of lm_head
//
// The full forward computes the final LayerNorm and the head at all L positions over all V
// columns: 2·B·L·H·V FLOPs of head against 2·B·N·H·C here (headFlops).

import type { Tensor } from "../../compiler/dsl/tensor.ts";
import { trace } from "../../compiler/dsl/trace.ts";
import type { Graph } from "../../compiler/ir/graph.ts";
import type { ShowoConfig } from "../../models/showo.ts";
import { Showo, t2iSeqLen } from "../../models/showo.ts";
import { IMAGE_OFFSET } from "../../models/showo-prompts.ts";

/** Segment slots of a T2I row: PAD (left padding) and SPAN ([SOI, EOI]). */
export const T2I_SEGMENT_SLOTS = 2;

/** Index of the first image token in a T2I row: text block (T + 1), then [SOI]. */
export function imageStart(cfg: ShowoConfig): number {
  return cfg.textBudget + 2;
}

/** Image-code logits of a T2I batch: inputs ids, positions, segments; output `logits` f32[B, N, C]. */
export function t2iLogitsGraph(cfg: ShowoConfig, batch: number | string, model: Showo = new Showo(cfg)): Graph {
  const L = t2iSeqLen(cfg);
  const inputs = {
    ids: { dtype: "i32" as const, shape: [batch, L] },
    positions: { dtype: "i32" as const, shape: [L] },
    segments: { dtype: "i32" as const, shape: [batch, T2I_SEGMENT_SLOTS, 3] },
  };
  const s = imageStart(cfg), N = cfg.imageTokens;
  return trace(`${cfg.name}-t2i-logits`, inputs, (t: Record<string, Tensor>) => {
    let h = model.model.embed(t["ids"]!);
    for (const layer of model.model.layers) h = layer.forward(h, t["positions"]!, t["segments"]);
    // LayerNorm and head are per position: cut to the image positions first.
    const img = model.model.final_layernorm.forward(h.slice(1, s, s + N));
    const w = model.lm_head.weight.slice(0, IMAGE_OFFSET, IMAGE_OFFSET + cfg.codebookSize);
    const b = model.lm_head.bias!.slice(0, IMAGE_OFFSET, IMAGE_OFFSET + cfg.codebookSize);
    return { logits: img.matmul(w, { transposeB: true }).add(b).cast("f32") };
  });
}

/** FLOPs of the LM head per forward: the full head (all L positions × V) and the sliced one (N × C). */
export function headFlops(cfg: ShowoConfig, rows: number): { full: number; sliced: number; avoided: number } {
  const full = 2 * rows * t2iSeqLen(cfg) * cfg.hidden * cfg.vocab;
  const sliced = 2 * rows * cfg.imageTokens * cfg.hidden * cfg.codebookSize;
  return { full, sliced, avoided: full - sliced };
}
