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
//   prefix  ids i32[B, P'], positions i32[P'] (d..P−1), segments i32[B, 2, 3]
//           → k{i}, v{i} f32[B, nh, P', hd]  per layer, after QK-Norm and rotary; once per generation
//   step    ids i32[B, M], positions i32[M] (P..L−1), segments i32[B, 2, 3], k{i}, v{i}
//           → logits f32[B, N, C]            every step; only the M image-segment rows
// (P' = P − d, d the dropped padding below; d = 0 gives the whole text block.)
//
// In the step graph each layer's queries are the M rows and its keys [cached text K ; own K]
// (Lk = P' + M). The attention op places its Lq = M query rows at the last M key positions,
// so the row's own segments tensor applies unchanged: causal lets the image rows see all text
// columns, PAD hides the left padding, SPAN [SOI, EOI] makes the image segment bidirectional.
//
// Left padding that nothing reads is not computed. PAD hides the pad columns from every non-pad
// row, so the pad rows' outputs never reach an image logit. The batch's common left padding
// (d = the fewest leading [PAD]s over all rows, conditional and twins, rounded down to a multiple
// of DROP_GRANULE) is cut off altogether: the prefix runs over the P' = P − d rows d..P−1 and
// the step attends to P' cached keys (Lk = P' + M). Rotary positions stay absolute (the positions
// input carries d..P−1 and P..L−1), and the segments are those of the rows without their first d
// ids, i.e. shifted by −d. A row's remaining pads (the twins' longer padding) are DEAD rather
// than PAD: hidden from every row as before, and they attend to nothing (zeros), so attention
// skips them. The shapes depend on P', so a graph pair is built per P' (t2iBatchLayout).

import { Tensor, attention } from "../../compiler/dsl/tensor.ts";
import { trace } from "../../compiler/dsl/trace.ts";
import type { Graph } from "../../compiler/ir/graph.ts";
import type { ShowoConfig } from "../../models/showo.ts";
import { Showo, t2iSeqLen } from "../../models/showo.ts";
import type { Segment } from "../../compiler/ir/mask.ts";
import { segmentsFromIds } from "../../models/showo-prompts.ts";
import type { VocabLayout } from "../../models/showo-vocab.ts";
import { vocabIds } from "../../models/showo-vocab.ts";
import { headDim, rotaryDim } from "../../models/phi-block.ts";
import { block, kvCacheNames, merge, qkv } from "./kv-graph.ts";
import { T2I_SEGMENT_SLOTS, imageRows, imageStart, textRows } from "./t2i-layout.ts";

export type { T2IBatchLayout, T2ILayoutOptions } from "./t2i-layout.ts";
export { DROP_GRANULE, T2I_SEGMENT_SLOTS, imageRows, imageStart, leadingPads, t2iBatchLayout, textRows } from "./t2i-layout.ts";

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
  const { IMAGE_OFFSET } = vocabIds(cfg);
  const w = model.lm_head.weight.slice(0, IMAGE_OFFSET, IMAGE_OFFSET + cfg.codebookSize);
  const b = model.lm_head.bias!.slice(0, IMAGE_OFFSET, IMAGE_OFFSET + cfg.codebookSize);
  return x.matmul(w, { transposeB: true }).add(b).cast("f32");
}

/** The text-prefix graph (see the file header): per-layer K/V of the last `rows` rows of the text block (P' = P − d; default all P), f32[B, nh, P', hd]. */
export function t2iPrefixGraph(cfg: ShowoConfig, batch: number | string, model: Showo = new Showo(cfg), rows: number = textRows(cfg)): Graph {
  const P = checkTextLen(cfg, rows);
  const inputs = {
    ids: { dtype: "i32" as const, shape: [batch, P] },
    positions: { dtype: "i32" as const, shape: [P] },
    segments: { dtype: "i32" as const, shape: [batch, T2I_SEGMENT_SLOTS, 3] },
  };
  const scale = 1 / Math.sqrt(headDim(cfg)), layers = [...model.model.layers];
  return trace(`${cfg.name}-t2i-prefix-${P}`, inputs, (t: Record<string, Tensor>) => {
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

function checkTextLen(cfg: ShowoConfig, rows: number): number {
  const P = textRows(cfg);
  if (!Number.isInteger(rows) || rows < 1 || rows > P) throw new Error(`T2I text rows must be an integer in [1, ${P}] (the text block without dropped padding), got ${rows}`);
  return rows;
}

/** The reuse step graph (see the file header): the image-segment rows against `textLen` cached text keys (P'; default P) → logits f32[B, N, C]. */
export function t2iStepGraph(cfg: ShowoConfig, batch: number | string, model: Showo = new Showo(cfg), textLen: number = textRows(cfg)): Graph {
  const P = checkTextLen(cfg, textLen), M = imageRows(cfg), N = cfg.imageTokens, hd = headDim(cfg), scale = 1 / Math.sqrt(hd);
  const inputs: Record<string, { dtype: "i32" | "f32"; shape: (number | string)[] }> = {
    ids: { dtype: "i32", shape: [batch, M] },
    positions: { dtype: "i32", shape: [M] },
    segments: { dtype: "i32", shape: [batch, T2I_SEGMENT_SLOTS, 3] },
  };
  for (const n of kvCacheNames(cfg)) inputs[n] = { dtype: "f32", shape: [batch, cfg.heads, P, hd] };
  return trace(`${cfg.name}-t2i-step-${P}`, inputs, (t: Record<string, Tensor>) => {
    const positions = t["positions"]!, segments = t["segments"]!;
    const rope = (x: Tensor) => x.rotary(positions, rotaryDim(cfg), cfg.ropeBase);
    let h = model.model.embed(t["ids"]!); // [B, M, H]
    [...model.model.layers].forEach((layer, i) => {
      h = block(layer, h, (u) => {
        const [q0, k0, v0] = qkv(layer.self_attn, u);
        // Keys and values over the row without its dropped pads, [B, nh, P' + M, hd]: text from the cache, then the M rows.
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

/** FLOPs of a whole T2I generation: the reference's work against ours (t2iWork). */
export interface T2IWork {
  /** The reference: the full forward of all L rows every step (layers, attention over all L keys, the full head). */
  readonly reference: number;
  /** Ours: the prefix once plus every step. */
  readonly ours: number;
  /** The prefix over P' rows: every layer but the last, and the last layer's K/V projections; attention of live rows only. */
  readonly prefix: number;
  /** One step: M rows against P' + M keys in every layer, final LayerNorm aside, the sliced head. */
  readonly step: number;
  readonly avoided: number;
  /** avoided / reference. */
  readonly share: number;
  /** P', and the dead rows left in the prefix over the batch. */
  readonly textLen: number;
  readonly deadRows: number;
}

/**
 * The work of a generation of `steps` steps on a batch whose rows have `pads` leading [PAD]s each,
 * `dropped` of them cut (t2iBatchLayout). Matmuls count 2 FLOPs per multiply-add over every row
 * they run on (dead rows too: the projections and the MLP are dense over the P' rows); attention
 * counts 4·H·Lk per query row (QKᵀ and PV over every key, masked or not, as the kernels of the
 * full forward compute them) and nothing for DEAD rows, which attend to nothing. With
 * `deadPads` false the remaining pad rows attend like the others.
 */
export function t2iWork(cfg: ShowoConfig, pads: readonly number[], steps: number, dropped: number, deadPads = true): T2IWork {
  const L = t2iSeqLen(cfg), P = textRows(cfg), M = imageRows(cfg), H = cfg.hidden, F = cfg.mlp, nl = cfg.layers;
  const Pp = P - dropped;
  if (!(dropped >= 0 && Pp >= 1) || pads.some((p) => p < dropped || p >= P)) throw new Error(`t2iWork: dropped ${dropped} must be at most every row's padding (${pads.join(", ")}) and leave a text row`);
  const perRow = 2 * (4 * H * H + 2 * H * F);
  const attn = (lq: number, lk: number) => 4 * H * lq * lk;
  const rows = pads.length;
  const reference = steps * rows * (nl * (L * perRow + attn(L, L)) + 2 * L * H * cfg.vocab);
  let prefix = 0, deadRows = 0;
  for (const p of pads) {
    const dead = deadPads ? p - dropped : 0;
    deadRows += dead;
    // Layers 0..nl−2 in full; the last layer only its K and V projections (2 · 2H² per row).
    prefix += (nl - 1) * (Pp * perRow + attn(Pp - dead, Pp)) + Pp * 2 * 2 * H * H;
  }
  const step = rows * (nl * (M * perRow + attn(M, Pp + M)) + 2 * cfg.imageTokens * H * cfg.codebookSize);
  const ours = prefix + steps * step;
  return { reference, ours, prefix, step, avoided: reference - ours, share: (reference - ours) / reference, textLen: Pp, deadRows };
}

/** One line: the reference's FLOPs against ours and the share avoided. */
export function formatWork(w: T2IWork): string {
  const g = (x: number) => (x >= 1e12 ? `${(x / 1e12).toFixed(2)} TFLOP` : `${(x / 1e9).toFixed(x < 1e9 ? 3 : 1)} GFLOP`);
  return `work: reference ${g(w.reference)} (full forward of all rows every step), ours ${g(w.ours)} ` +
    `(text prefix ${g(w.prefix)} once over ${w.textLen} rows, ${w.deadRows} of them dead; ${g(w.step)} per step): ${(100 * w.share).toFixed(1)} % avoided`;
}
