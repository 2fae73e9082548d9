// Show-o with a KV cache: a prefill graph (the prompt once) and a decode graph (one new token per
// row), built from the Showo module's own sub-modules so they share its parameter names and
// weights with showoGraph.
//
// shapes (nh heads of hd dims, Lmax cache slots, V vocabulary):
//   prefill  ids i32[B, Lp], positions i32[Lp], segments i32[B, S, 3], last i32[B]
//            → logits f32[B, V] (row b at flat position last[b] = b·Lp + len_b − 1),
//              k{i}, v{i} f32[B, nh, Lmax, hd] (the prompt's K/V in slots [0, Lp), zeros after)
//   decode   ids i32[B, 1], positions i32[B], segments i32[B, S, 3], slot i32[],
//            k{i}, v{i} f32[B, nh, Lmax, hd]
//            → logits f32[B, V], k{i}, v{i} (the new token's K/V written at `slot`)
//
// Cache layout. Prompts are right-padded to Lp: row b holds its len_b prompt tokens at slots
// [0, len_b) with positions 0..len_b−1, exactly as an unpadded batch-1 run has them. Generated
// token t of every row goes to slot Lp + t (one scalar write index for the batch, so one
// update_slice) and gets position len_b + t (per row). The gap [len_b, Lp) is hidden by a PAD
// segment. The attention op puts a single query at position Lk − 1 = Lmax − 1 and masks causally
// from there, so the last slot is a scratch slot: the new token's K/V is written there too, the
// query sees it through the causal rule, and the not-yet-written slots [slot, Lmax − 1) (including
// the token's own permanent copy at `slot`, seen once already) are hidden by a second PAD
// segment. Neither PAD range contains the query row, so both hide their columns from it. The last
// chosen token is never fed back, so T new tokens need Lmax ≥ Lp + T (slots Lp..Lp+T−2, scratch).
//
// The decode query's rotary uses per-row positions: q and k [B, nh, 1, hd] are viewed as
// [1, nh, B, hd] so the rotary op's position axis runs over the batch.

import { Tensor, attention } from "../../compiler/dsl/tensor.ts";
import { trace } from "../../compiler/dsl/trace.ts";
import { constant } from "../../compiler/ir/build.ts";
import type { Graph } from "../../compiler/ir/graph.ts";
import { updateSlice } from "../../compiler/ir/ops/index.ts";
import type { PhiAttention, PhiBlock } from "../../models/phi-block.ts";
import { headDim, rotaryDim } from "../../models/phi-block.ts";
import type { Showo, ShowoConfig } from "../../models/showo.ts";

/** Segment slots of the prefill and decode graphs: MMU span + right padding; padding gap + unwritten slots. */
import { DECODE_SEGMENT_SLOTS, PREFILL_SEGMENT_SLOTS } from "./mmu-decode.ts";

export { DECODE_SEGMENT_SLOTS, PREFILL_SEGMENT_SLOTS };

export interface KvGraphOptions {
  readonly batch: number;
  /** Padded prompt length Lp. */
  readonly promptLen: number;
  /** Cache slots Lmax (≥ Lp + tokens to generate: the last slot is the decode scratch slot). */
  readonly cacheLen: number;
}

function checkOptions(o: KvGraphOptions): void {
  for (const [k, v] of Object.entries(o)) {
    if (!Number.isInteger(v) || (v as number) < 1) throw new Error(`KV graph: ${k} must be a positive integer, got ${String(v)}`);
  }
  if (o.cacheLen < o.promptLen + 1) throw new Error(`KV graph: cacheLen ${o.cacheLen} must exceed promptLen ${o.promptLen} (the last slot is the decode scratch slot)`);
}

/** q, k, v projections, split into heads and QK-normed: [B, nh, L, hd] each (no rotary yet). */
export function qkv(attn: PhiAttention, u: Tensor): [Tensor, Tensor, Tensor] {
  const cfg = attn.cfg, hd = headDim(cfg);
  const [B, L] = [u.dim(0), u.dim(1)];
  const split = (t: Tensor) => t.reshape(B, L, cfg.heads, hd).permute(0, 2, 1, 3);
  return [
    attn.q_layernorm.forward(split(attn.q_proj.forward(u))),
    attn.k_layernorm.forward(split(attn.k_proj.forward(u))),
    split(attn.v_proj.forward(u)),
  ];
}

/** Attention output [B, nh, L, hd] → merge heads → dense: [B, L, H]. */
export function merge(attn: PhiAttention, o: Tensor): Tensor {
  const [B, , L] = [o.dim(0), o.dim(1), o.dim(2)];
  return attn.dense.forward(o.permute(0, 2, 1, 3).reshape(B, L, attn.cfg.hidden));
}

/** The parallel residual of a Phi block around a given attention branch. */
export function block(layer: PhiBlock, x: Tensor, attnBranch: (u: Tensor) => Tensor): Tensor {
  const u = layer.input_layernorm.forward(x);
  return x.add(attnBranch(u)).add(layer.mlp.forward(u));
}

/** Final LayerNorm of the rows at flat indices `last` i32[B] of h [B, L, H] → logits f32[B, V]. */
function lastLogits(model: Showo, h: Tensor, last: Tensor): Tensor {
  const [B, L, H] = [h.dim(0) as number, h.dim(1) as number, h.dim(2)];
  const rows = h.reshape(B * L, H).gather(last, 0); // [B, H]
  return model.logits(model.model.final_layernorm.forward(rows));
}

function cacheNames(layers: number): string[] {
  return Array.from({ length: layers }, (_, i) => [`k${i}`, `v${i}`]).flat();
}

/** The prefill graph (see the file header). */
export function showoPrefillGraph(cfg: ShowoConfig, opts: KvGraphOptions, model: Showo): Graph {
  checkOptions(opts);
  const { batch: B, promptLen: Lp, cacheLen: Lmax } = opts;
  const hd = headDim(cfg), scale = 1 / Math.sqrt(hd);
  const inputs = {
    ids: { dtype: "i32" as const, shape: [B, Lp] },
    positions: { dtype: "i32" as const, shape: [Lp] },
    segments: { dtype: "i32" as const, shape: [B, PREFILL_SEGMENT_SLOTS, 3] },
    last: { dtype: "i32" as const, shape: [B] },
  };
  return trace(`${cfg.name}-prefill`, inputs, (t: Record<string, Tensor>) => {
    const positions = t["positions"]!, segments = t["segments"]!;
    const caches: Record<string, Tensor> = {};
    let x = model.model.embed(t["ids"]!);
    [...model.model.layers].forEach((layer, i) => {
      x = block(layer, x, (u) => {
        const attn = layer.self_attn;
        const [q0, k0, v] = qkv(attn, u);
        const q = q0.rotary(positions, rotaryDim(cfg), cfg.ropeBase);
        const k = k0.rotary(positions, rotaryDim(cfg), cfg.ropeBase);
        const fill: [number, number][] = [[0, 0], [0, 0], [0, Lmax - Lp], [0, 0]];
        caches[`k${i}`] = k.pad(fill);
        caches[`v${i}`] = v.pad(fill);
        return merge(attn, attention(q, k, v, { scale, causal: true, segments }));
      });
    });
    return { logits: lastLogits(model, x, t["last"]!), ...caches };
  });
}

/** The decode graph (see the file header). */
export function showoDecodeGraph(cfg: ShowoConfig, opts: KvGraphOptions, model: Showo): Graph {
  checkOptions(opts);
  const { batch: B, cacheLen: Lmax } = opts;
  const hd = headDim(cfg), scale = 1 / Math.sqrt(hd);
  const cacheSpec = { dtype: "f32" as const, shape: [B, cfg.heads, Lmax, hd] };
  const inputs: Record<string, { dtype: "i32" | "f32"; shape: (number | string)[] }> = {
    ids: { dtype: "i32", shape: [B, 1] },
    positions: { dtype: "i32", shape: [B] },
    segments: { dtype: "i32", shape: [B, DECODE_SEGMENT_SLOTS, 3] },
    slot: { dtype: "i32", shape: [] },
  };
  for (const n of cacheNames(cfg.layers)) inputs[n] = cacheSpec;
  return trace(`${cfg.name}-decode`, inputs, (t: Record<string, Tensor>) => {
    const positions = t["positions"]!, segments = t["segments"]!, slot = t["slot"]!;
    const scratch = new Tensor(constant(Lmax - 1, "i32"));
    // [B, nh, 1, hd] → [1, nh, B, hd] → rotary over the batch axis (per-row positions) → back.
    const rope = (x: Tensor) => x.permute(2, 1, 0, 3).rotary(positions, rotaryDim(cfg), cfg.ropeBase).permute(2, 1, 0, 3);
    const write = (cache: Tensor, kv: Tensor, at: Tensor) => new Tensor(updateSlice(cache.node, kv.node, at.node, 2));
    const caches: Record<string, Tensor> = {};
    let x = model.model.embed(t["ids"]!); // [B, 1, H]
    [...model.model.layers].forEach((layer, i) => {
      x = block(layer, x, (u) => {
        const attn = layer.self_attn;
        const [q0, k0, v] = qkv(attn, u);
        const q = rope(q0), k = rope(k0);
        const kc = write(write(t[`k${i}`]!, k, slot), k, scratch);
        const vc = write(write(t[`v${i}`]!, v, slot), v, scratch);
        caches[`k${i}`] = kc;
        caches[`v${i}`] = vc;
        return merge(attn, attention(q, kc, vc, { scale, causal: true, segments }));
      });
    });
    const rows = x.reshape(B, cfg.hidden); // [B, H]: one position per row
    return { logits: model.logits(model.model.final_layernorm.forward(rows)), ...caches };
  });
}

/** Names of the cache tensors, in layer order: k0, v0, k1, v1, ... */
export function kvCacheNames(cfg: ShowoConfig): string[] {
  return cacheNames(cfg.layers);
}
