// fuse-qknorm-attention: Show-o's QK-Norm + rotary + attention becomes one attention_qknorm op
// (architecture.md principle 9), so its kernel normalizes and rotates q and k tiles as it loads
// them and the normalized q and k are never stored.
//
// Pattern (what models/phi-block.ts traces, after split heads):
//   attention(rotary(layer_norm(Q, wq, bq), pos), rotary(layer_norm(K, wk, bk), pos), V[, seg])
//     → attention_qknorm(Q, K, V, wq, bq, wk, bk, pos[, seg])
// Side conditions (each failure is a noMatch reason): both rotaries share positions, rotary_dim
// and base; both LayerNorms share eps and normalize the head dim; Lq = Lk (the rotary of q was
// traced at the same positions as k's).
//
// Binding budget: the fused kernel binds q, k, v, four [D] norm parameters, positions,
// segments, lists and the output — up to 11 storage buffers, more than WebGPU's default 8. When
// `maxBindings` says so, the four parameters are packed into one [4, D] tensor by a one-dispatch
// copy (a sum over a unit axis, which is a kernel and so gets a buffer) and the op reads them as
// views of it: 8 bindings at most.

import { apply } from "../ir/build.ts";
import type { Graph, Node } from "../ir/graph.ts";
import { dimEq } from "../ir/types.ts";
import { attrsOf, isOp, operandsOf } from "../ir/view.ts";
import type { Rule, RewriteOptions } from "./rewrite.ts";
import { rewrite } from "./rewrite.ts";

export interface FuseQkNormOptions {
  /** Storage bindings the target allows a kernel (default: no limit). */
  readonly maxBindings?: number;
}

/** The four norm parameters as views of one materialized [4, D] tensor. */
function packNorms(params: readonly Node[], D: number): Node[] {
  const rows = params.map((p) => apply("reshape", [p], { shape: [1, D] }));
  const stacked = apply("reshape", [apply("concat", rows, { axis: 0 })], { shape: [4, D, 1] });
  const packed = apply("sum", [stacked], { axes: [2] }); // [4, D], its own (tiny) kernel
  return params.map((_, r) => apply("reshape", [apply("slice", [packed], { axis: 0, start: r, end: r + 1 })], { shape: [D] }));
}

export function fuseQkNormRule(opts: FuseQkNormOptions = {}): Rule {
  return {
    name: "fuse-qknorm-attention",
    root: "attention",
    apply: (n) => {
      const { q: qr, k: kr, v, segments: seg } = operandsOf(n, "attention");
      if (!isOp(qr, "rotary") || !isOp(kr, "rotary")) return null;
      const { x: qn, positions: qpos } = operandsOf(qr);
      const { x: kn, positions: kpos } = operandsOf(kr);
      if (!isOp(qn, "layer_norm") || !isOp(kn, "layer_norm")) return { noMatch: "q and k are rotated but not LayerNorm-ed first" };
      if (qpos !== kpos) return { noMatch: "q and k are rotated at different positions" };
      if (!dimEq(qr.shape[2]!, kr.shape[2]!)) return { noMatch: `query length ${qr.shape[2]} differs from key length ${kr.shape[2]}` };
      if (qr.attrs.rotary_dim !== kr.attrs.rotary_dim || qr.attrs.base !== kr.attrs.base) return { noMatch: "q and k rotaries differ in rotary_dim or base" };
      if (qn.attrs.eps !== kn.attrs.eps) return { noMatch: "q and k LayerNorms differ in eps" };
      const { x: Q, weight: wq, bias: bq } = operandsOf(qn);
      const { x: K, weight: wk, bias: bk } = operandsOf(kn);
      if (Q.rank !== 4 || K.rank !== 4) return { noMatch: "q and k are not [B, H, L, D]" };
      const D = Q.shape[3]!;
      if (typeof D !== "number") return { noMatch: `head dim ${D} is symbolic` };
      if ([wq, bq, wk, bk].some((p) => p.dtype !== Q.dtype)) return { noMatch: "norm parameters and q differ in dtype" };
      let norms = [wq, bq, wk, bk];
      const bindings = 3 + 4 + 1 + (seg ? 2 : 0) + 1; // q k v, norms, positions, segments + lists, out
      if (opts.maxBindings !== undefined && bindings > opts.maxBindings) norms = packNorms(norms, D);
      const a = attrsOf(n, "attention");
      const attrs = { scale: a.scale, causal: a.causal, eps: qn.attrs.eps, rotary_dim: qr.attrs.rotary_dim, base: qr.attrs.base, lse: a.lse };
      return apply("attention_qknorm", [Q, K, v, ...norms, qpos, ...(seg ? [seg] : [])], attrs, n.loc);
    },
  };
}

export function fuseQkNormAttention(graph: Graph, opts: FuseQkNormOptions & RewriteOptions = {}): Graph {
  return rewrite(graph, [fuseQkNormRule(opts)], opts);
}
