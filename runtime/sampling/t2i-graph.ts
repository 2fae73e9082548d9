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
//
// Text K/V reuse: two graphs split that forward at the text block (P = T + 1 rows, pads included).
// Text rows attend causally to text only, never to the image segment, so their keys and values
// do not change across the decoding steps; the image rows ([SOI], N image tokens, [EOI]: the last
// M = N + 2 rows) are the only ones whose ids change.
//
//   prefix  ids i32[B, P], positions i32[P] (0..P−1), segments i32[B, 2, 3]
//           → k{i}, v{i} f32[B, nh, P, hd]   per layer, after QK-Norm and rotary; once per generation
//   step    ids i32[B, M], positions i32[M] (P..L−1), segments i32[B, 2, 3], k{i}, v{i}
//           → logits f32[B, N, C]            every step; only the M image-segment rows
//
// In the step graph each layer's queries are the M rows and its keys [cached text K ; own K]
// (Lk = L). The attention op places its Lq = M query rows at the last M key positions, P..L−1,
// so the row's own segments tensor applies unchanged: causal lets the image rows see all text
// columns, PAD hides the left padding, SPAN [SOI, EOI] makes the image segment bidirectional.
// The pad rows' own outputs are read by no one (PAD hides them from every non-pad row): the
// prefix computes them with the rest of the text block once, the step never.

import { Tensor, attention } from "../../compiler/dsl/tensor.ts";
import { trace } from "../../compiler/dsl/trace.ts";
import type { Graph } from "../../compiler/ir/graph.ts";
import type { ShowoConfig } from "../../models/showo.ts";
import { Showo, t2iSeqLen } from "../../models/showo.ts";
import { IMAGE_OFFSET } from "../../models/showo-prompts.ts";
import { headDim, rotaryDim } from "../../models/phi_block.ts";
import { block, kvCacheNames, merge, qkv } from "./kv-graph.ts";

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
    return { logits: imageLogits(cfg, model, h.slice(1, s, s + N)) };
  });
}

/** Final LayerNorm and the codebook rows of lm_head on the image positions' hidden states [B, N, H] → f32[B, N, C]. */
function imageLogits(cfg: ShowoConfig, model: Showo, img: Tensor): Tensor {
  // LayerNorm and head are per position: the caller cuts to the image positions first.
  const x = model.model.final_layernorm.forward(img);
  const w = model.lm_head.weight.slice(0, IMAGE_OFFSET, IMAGE_OFFSET + cfg.codebookSize);
  const b = model.lm_head.bias!.slice(0, IMAGE_OFFSET, IMAGE_OFFSET + cfg.codebookSize);
  return x.matmul(w, { transposeB: true }).add(b).cast("f32");
}

/** Rows of the text block P = T + 1 (pads, [T2I], BOS, text, EOS): the prefix's rows and the cached keys. */
export function textRows(cfg: ShowoConfig): number {
  return cfg.textBudget + 1;
}

/** Rows of the image segment M = N + 2 ([SOI], image tokens, [EOI]): what a reuse step computes. */
export function imageRows(cfg: ShowoConfig): number {
  return cfg.imageTokens + 2;
}

/** The text-prefix graph (see the file header): per-layer K/V of the text block, f32[B, nh, P, hd]. */
export function t2iPrefixGraph(cfg: ShowoConfig, batch: number | string, model: Showo = new Showo(cfg)): Graph {
  const P = textRows(cfg);
  const inputs = {
    ids: { dtype: "i32" as const, shape: [batch, P] },
    positions: { dtype: "i32" as const, shape: [P] },
    segments: { dtype: "i32" as const, shape: [batch, T2I_SEGMENT_SLOTS, 3] },
  };
  const scale = 1 / Math.sqrt(headDim(cfg)), layers = [...model.model.layers];
  return trace(`${cfg.name}-t2i-prefix`, inputs, (t: Record<string, Tensor>) => {
    const positions = t["positions"]!, segments = t["segments"]!;
    const caches: Record<string, Tensor> = {};
    const kv = (u: Tensor, i: number): [Tensor, Tensor, Tensor] => {
      const [q0, k0, v] = qkv(layers[i]!.self_attn, u);
      const rope = (x: Tensor) => x.rotary(positions, rotaryDim(cfg), cfg.ropeBase);
      caches[`k${i}`] = rope(k0);
      caches[`v${i}`] = v;
      return [rope(q0), caches[`k${i}`]!, v];
    };
    let x = model.model.embed(t["ids"]!);
    layers.forEach((layer, i) => {
      // The last layer's K/V is all the steps need from it: its queries, attention and MLP are not built.
      if (i === layers.length - 1) return void kv(layer.input_layernorm.forward(x), i);
      x = block(layer, x, (u) => {
        const [q, k, v] = kv(u, i);
        return merge(layer.self_attn, attention(q, k, v, { scale, causal: true, segments }));
      });
    });
    return caches;
  });
}

/** The reuse step graph (see the file header): the image-segment rows against the cached text K/V → logits f32[B, N, C]. */
export function t2iStepGraph(cfg: ShowoConfig, batch: number | string, model: Showo = new Showo(cfg)): Graph {
  const P = textRows(cfg), M = imageRows(cfg), N = cfg.imageTokens, hd = headDim(cfg), scale = 1 / Math.sqrt(hd);
  const inputs: Record<string, { dtype: "i32" | "f32"; shape: (number | string)[] }> = {
    ids: { dtype: "i32", shape: [batch, M] },
    positions: { dtype: "i32", shape: [M] },
    segments: { dtype: "i32", shape: [batch, T2I_SEGMENT_SLOTS, 3] },
  };
  for (const n of kvCacheNames(cfg)) inputs[n] = { dtype: "f32", shape: [batch, cfg.heads, P, hd] };
  return trace(`${cfg.name}-t2i-step`, inputs, (t: Record<string, Tensor>) => {
    const positions = t["positions"]!, segments = t["segments"]!;
    const rope = (x: Tensor) => x.rotary(positions, rotaryDim(cfg), cfg.ropeBase);
    let h = model.model.embed(t["ids"]!); // [B, M, H]
    [...model.model.layers].forEach((layer, i) => {
      h = block(layer, h, (u) => {
        const [q0, k0, v0] = qkv(layer.self_attn, u);
        // Keys and values over the whole row, [B, nh, L, hd]: text from the cache, then the M rows.
        const k = Tensor.concat([t[`k${i}`]!, rope(k0)], 2);
        const v = Tensor.concat([t[`v${i}`]!, v0], 2);
        return merge(layer.self_attn, attention(rope(q0), k, v, { scale, causal: true, segments }));
      });
    });
    return { logits: imageLogits(cfg, model, h.slice(1, 1, 1 + N)) };
  });
}

/**
 * FLOPs of one reuse step against one full forward (rows = batch rows per forward), counting the
 * layers' matmuls (QKV, dense, MLP: 2·(4H² + 2·H·F) per row) and attention (4·hd·Lk per query row
 * and head): the text rows' work that a step no longer does. The head is the same in both.
 */
export function layerFlops(cfg: ShowoConfig, rows: number): { full: number; step: number; prefix: number; avoided: number } {
  const L = t2iSeqLen(cfg), P = textRows(cfg), M = imageRows(cfg), H = cfg.hidden, F = cfg.mlp;
  const perRow = 2 * (4 * H * H + 2 * H * F);
  // Attention: QKᵀ and PV, 2·hd·Lk each per query row and head = 4·H·Lk per row (the full Lk, masked or not).
  const attn = (lq: number, lk: number) => 4 * H * lq * lk;
  const full = rows * cfg.layers * (L * perRow + attn(L, L));
  const step = rows * cfg.layers * (M * perRow + attn(M, L));
  const prefix = rows * cfg.layers * (P * perRow + attn(P, P));
  return { full, step, prefix, avoided: full - step };
}

/** FLOPs of the LM head per forward: the full head (all L positions × V) and the sliced one (N × C). */
export function headFlops(cfg: ShowoConfig, rows: number): { full: number; sliced: number; avoided: number } {
  const full = 2 * rows * t2iSeqLen(cfg) * cfg.hidden * cfg.vocab;
  const sliced = 2 * rows * cfg.imageTokens * cfg.hidden * cfg.codebookSize;
  return { full, sliced, avoided: full - sliced };
}
