// One Phi decoder layer as Show-o uses it (Phi-1.5 with QK-Norm; see design/showo.md §1.4, §2).
//
// shapes: x [B, L, H] → [B, L, H]; positions i32[L]; optional segments i32[B, S, 3].
//
//   u   = input_layernorm(x)
//   out = x + self_attn(u) + mlp(u)            parallel residual, no second LayerNorm
//
//   self_attn(u): q, k, v = q_proj(u), k_proj(u), v_proj(u)     [B, L, H] each, with bias
//                 split heads → [B, nh, L, hd]
//                 q, k = q_layernorm(q), k_layernorm(k)          one LayerNorm(hd), shared by heads
//                 q, k = rotary(q), rotary(k)                    split-half, first rotary_dim dims
//                 o = attention(q, k, v, scale 1/√hd, causal + segments) → merge heads → dense
//   mlp(u):       fc2(gelu_tanh(fc1(u)))
//
// Parameter names match the checkpoint's (`input_layernorm.weight`, `self_attn.q_proj.weight`,
// `self_attn.q_layernorm.bias`, `mlp.fc1.weight`, ...), so a Show-o layer loads 1:1.

import type { Graph } from "../compiler/ir/graph.ts";
import type { Tensor } from "../compiler/dsl/tensor.ts";
import { attention } from "../compiler/dsl/tensor.ts";
import { LayerNorm, Linear, MLP, Module } from "../compiler/dsl/nn.ts";
import { trace } from "../compiler/dsl/trace.ts";

export interface PhiConfig {
  /** Hidden size H. */
  readonly hidden: number;
  /** Number of attention heads; head_dim = hidden / heads. */
  readonly heads: number;
  /** MLP inner size (4·H in Phi-1.5). */
  readonly mlp: number;
  /** Fraction of each head's dims that rotate (0.5 in Phi-1.5). */
  readonly partialRotary: number;
  readonly ropeBase: number;
  /** LayerNorm epsilon, for the input norm and QK-Norm alike. */
  readonly eps: number;
}

/** Show-o's backbone layer (Phi-1.5 with QK-Norm). */
export const PHI_1_5: PhiConfig = { hidden: 2048, heads: 32, mlp: 8192, partialRotary: 0.5, ropeBase: 10000, eps: 1e-5 };

export function headDim(cfg: PhiConfig): number {
  if (cfg.hidden % cfg.heads !== 0) throw new Error(`hidden ${cfg.hidden} does not split into ${cfg.heads} heads`);
  return cfg.hidden / cfg.heads;
}

export function rotaryDim(cfg: PhiConfig): number {
  const rd = Math.floor(headDim(cfg) * cfg.partialRotary);
  if (rd % 2 !== 0) throw new Error(`rotary dim ${rd} (head_dim ${headDim(cfg)} × ${cfg.partialRotary}) must be even`);
  return rd;
}

export class PhiAttention extends Module {
  readonly cfg: PhiConfig;
  readonly q_proj: Linear;
  readonly k_proj: Linear;
  readonly v_proj: Linear;
  readonly dense: Linear;
  readonly q_layernorm: LayerNorm;
  readonly k_layernorm: LayerNorm;
  constructor(cfg: PhiConfig) {
    super();
    const H = cfg.hidden, hd = headDim(cfg);
    this.cfg = cfg;
    this.q_proj = this.child("q_proj", new Linear(H, H));
    this.k_proj = this.child("k_proj", new Linear(H, H));
    this.v_proj = this.child("v_proj", new Linear(H, H));
    this.dense = this.child("dense", new Linear(H, H));
    this.q_layernorm = this.child("q_layernorm", new LayerNorm(hd, cfg.eps));
    this.k_layernorm = this.child("k_layernorm", new LayerNorm(hd, cfg.eps));
  }

  /** u [B, L, H] → [B, L, H]. */
  forward(u: Tensor, positions: Tensor, segments?: Tensor): Tensor {
    const { heads } = this.cfg, hd = headDim(this.cfg);
    const [B, L] = [u.dim(0), u.dim(1)];
    // [B, L, H] → [B, L, nh, hd] → [B, nh, L, hd]
    const split = (t: Tensor) => t.reshape(B, L, heads, hd).permute(0, 2, 1, 3);
    let q = split(this.q_proj.forward(u));
    let k = split(this.k_proj.forward(u));
    const v = split(this.v_proj.forward(u));
    // QK-Norm before RoPE, as Show-o does.
    q = this.q_layernorm.forward(q).rotary(positions, rotaryDim(this.cfg), this.cfg.ropeBase);
    k = this.k_layernorm.forward(k).rotary(positions, rotaryDim(this.cfg), this.cfg.ropeBase);
    const o = attention(q, k, v, segments ? { scale: 1 / Math.sqrt(hd), causal: true, segments } : { scale: 1 / Math.sqrt(hd), causal: true });
    // [B, nh, L, hd] → [B, L, nh, hd] → [B, L, H]
    return this.dense.forward(o.permute(0, 2, 1, 3).reshape(B, L, this.cfg.hidden));
  }
}

export class PhiBlock extends Module {
  readonly cfg: PhiConfig;
  readonly input_layernorm: LayerNorm;
  readonly self_attn: PhiAttention;
  readonly mlp: MLP;
  constructor(cfg: PhiConfig) {
    super();
    this.cfg = cfg;
    this.input_layernorm = this.child("input_layernorm", new LayerNorm(cfg.hidden, cfg.eps));
    this.self_attn = this.child("self_attn", new PhiAttention(cfg));
    this.mlp = this.child("mlp", new MLP(cfg.hidden, cfg.mlp, cfg.hidden, "gelu_tanh"));
  }

  /** x [B, L, H] → [B, L, H]. */
  forward(x: Tensor, positions: Tensor, segments?: Tensor): Tensor {
    const u = this.input_layernorm.forward(x);
    return x.add(this.self_attn.forward(u, positions, segments)).add(this.mlp.forward(u));
  }
}

export interface PhiBlockGraphOptions {
  readonly batch: number | string;
  readonly seq: number | string;
  /** Add a segments i32[B, S, 3] input (omni-attention layouts) with this many slots. */
  readonly segmentSlots?: number;
  /** Add a target f32[B, L, H] input; the loss becomes mean((out − target)²) instead of mean(out²). */
  readonly target?: boolean;
}

/**
 * One Phi block traced with inputs x f32[B, L, H] and positions i32[L] (plus segments and target
 * when asked). Outputs: `out` [B, L, H] and a scalar `loss`, so backward can be built from it.
 */
export function phiBlockGraph(cfg: PhiConfig, opts: PhiBlockGraphOptions, block: PhiBlock = new PhiBlock(cfg)): Graph {
  const { batch: B, seq: L } = opts;
  const inputs = {
    x: { dtype: "f32" as const, shape: [B, L, cfg.hidden] },
    positions: { dtype: "i32" as const, shape: [L] },
    ...(opts.segmentSlots ? { segments: { dtype: "i32" as const, shape: [B, opts.segmentSlots, 3] } } : {}),
    ...(opts.target ? { target: { dtype: "f32" as const, shape: [B, L, cfg.hidden] } } : {}),
  };
  return trace("phi_block", inputs, (t: Record<string, Tensor>) => {
    const out = block.forward(t["x"]!, t["positions"]!, t["segments"]);
    const target = t["target"];
    const loss = (target ? out.sub(target) : out).square().mean();
    return { out, loss };
  });
}
