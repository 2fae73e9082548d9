// The attention backward as two ops, for the flash backward kernels (FlashAttention-2 backward;
// design/kernels.md §2).
//
//   attention_grad_q(q, k, v, out, dO, [segments], [lists]) {scale, causal, tile_q, tile_k}
//     → dQ [B, H, Lq, D]
//   attention_grad_kv(q, k, v, out, dO, [segments], [lists]) {scale, causal, tile_q, tile_k}
//     → [B, H, Lk, D + Dv]: dK in columns [0, D), dV in [D, D + Dv)
//   shapes: q [B, H, Lq, D], k [B, H, Lk, D], v [B, H, Lk, Dv], out [B, H, Lq, Dv + 1] (what
//           attention{lse: true} returns: the output, then the row's log-sum-exp), dO [B, H, Lq, Dv]
//           or [B, H, Lq, Dv + 1] (the cotangent of the packed output: its last column is the
//           cotangent of the log-sum-exp), segments i32 [B, S, 3] (mask.ts), lists i32 from
//           block_lists: [B, QT, 2·KT + 2] for grad_q, the transposed [B, KT, 2·QT + 2] for
//           grad_kv (tiles tile_q × tile_k). Lists only say which tiles to visit; never the value.
//
// With lse_i = out[i, Dv] and g_i = dO[i, Dv] (0 when dO has no such column), over allowed pairs:
//   P_ij = exp(scale·q_i·k_j − lse_i)      (masked pairs: 0)
//   dP_ij = dO_i · v_j                      Δ_i = Σ_c dO_ic·O_ic − g_i
//   dS_ij = P_ij (dP_ij − Δ_i)
//   dQ_i = scale Σ_j dS_ij k_j    dK_j = scale Σ_i dS_ij q_i    dV_j = Σ_i P_ij dO_i
// (∂lse_i/∂s_ij = P_ij, so the lse cotangent only shifts Δ.) A row with nothing allowed has no
// pair and passes no gradient. The decomposition is this direct backward as a dense graph
// ([Lq, Lk] matmuls), so the reference interpreter and targets without the flash kernels agree.
// Not differentiable: second derivatives of attention are not implemented.

import { apply, constant, mul } from "../build.ts";
import type { Node } from "../graph.ts";
import { allowed, packSegments, unpackRow } from "../mask.ts";
import type { RowMask, Segment } from "../mask.ts";
import type { AttrValues, OpExample } from "../op.ts";
import { defineOp } from "../op.ts";
import type { RefTensor } from "../ref.ts";
import { roundTo, tensor } from "../ref.ts";
import type { DType, Dim, Shape } from "../types.ts";
import { dimEq, formatShape, isFloat } from "../types.ts";
import { allowedMask, maskValue } from "./attention.ts";
import { blockLists, listShape } from "./attention-qknorm.ts";
import { ex, sameDType } from "./util.ts";

type Which = "q" | "kv";

// ---------------------------------------------------------------------------------------------
// Type rules

const attrs = {
  scale: { kind: "float", doc: "the forward's multiplier of q·kᵀ" },
  causal: { kind: "bool", doc: "the forward's base rule" },
  tile_q: { kind: "int", default: 32, doc: "query tile of the lists input" },
  tile_k: { kind: "int", default: 32, doc: "key tile of the lists input" },
  keys_from_end: { kind: "bool", default: false, doc: "grad_q: the lists' key tiles are laid from the last key back (block_lists{keys_from_end})" },
} as const;
type GradAttrs = AttrValues<typeof attrs>;

function checkShapes(sh: readonly Shape[], a: GradAttrs, which: Which): Shape {
  const [q, k, v, out, dO, seg, lists] = sh as (Shape | undefined)[];
  const fmt = sh.map((s) => formatShape(s)).join(", ");
  for (const [n, s] of [["q", q], ["k", k], ["v", v], ["out", out], ["dO", dO]] as const) {
    if (s!.length !== 4) throw new Error(`${n} must be [B, H, L, D]; got ${fmt}`);
  }
  const same = (x: Dim, y: Dim, what: string) => {
    if (!dimEq(x, y)) throw new Error(`${what} differ (${x} vs ${y}) in ${fmt}`);
  };
  const [B, H, lq, D] = q! as [Dim, Dim, Dim, Dim];
  const lk = k![2]!, dv = v![3]!;
  same(B, k![0]!, "batch sizes of q and k");
  same(H, k![1]!, "head counts of q and k");
  same(D, k![3]!, "head dims of q and k");
  for (let d = 0; d < 3; d++) same(k![d]!, v![d]!, `dimension ${d} of k and v`);
  if (typeof D !== "number" || typeof dv !== "number") throw new Error(`head dims must be concrete, got ${D} and ${dv}`);
  for (let d = 0; d < 3; d++) same(out![d]!, q![d]!, `dimension ${d} of out and q`);
  for (let d = 0; d < 3; d++) same(dO![d]!, q![d]!, `dimension ${d} of dO and q`);
  if (out![3] !== dv + 1) throw new Error(`out must be the packed attention{lse} result [.., ${dv + 1}] (output and log-sum-exp); got ${fmt}`);
  if (dO![3] !== dv && dO![3] !== dv + 1) throw new Error(`dO must be [.., ${dv}] or [.., ${dv + 1}] (with the lse cotangent); got ${fmt}`);
  if (seg && (seg.length !== 3 || !dimEq(seg[2]!, 3) || !dimEq(seg[0]!, B))) throw new Error(`segments must be [${B}, S, 3]; got ${formatShape(seg)}`);
  if (lists && typeof lq === "number" && typeof lk === "number") {
    const want = listShape(B, { lq, lk, tileQ: a.tile_q, tileK: a.tile_k, causal: a.causal, transpose: which === "kv" });
    if (lists.length !== 3 || !want.every((d, i) => dimEq(d, lists[i]!))) {
      throw new Error(`lists must be ${formatShape(want)} (${which === "kv" ? "transposed " : ""}block lists of ${a.tile_q}×${a.tile_k} tiles), got ${formatShape(lists)}`);
    }
  }
  return which === "q" ? [B, H, lq, D] : [B, H, lk, D + dv];
}

// ---------------------------------------------------------------------------------------------
// Reference: both ops from one float64 loop.

function referenceGrads(ins: readonly RefTensor[], a: GradAttrs): { dq: Float64Array; dk: Float64Array; dv: Float64Array } {
  const [q, k, v, out, dO, seg] = ins as [RefTensor, RefTensor, RefTensor, RefTensor, RefTensor, RefTensor | undefined];
  const [B, H, lq, D] = q.shape as [number, number, number, number];
  const lk = k.shape[2]!, Dv = v.shape[3]!, W = Dv + 1, G = dO.shape[3]!;
  const scale = a.scale, causal = a.causal;
  const S = seg ? seg.shape[1]! : 0;
  const dq = new Float64Array(B * H * lq * D), dk = new Float64Array(B * H * lk * D), dv = new Float64Array(B * H * lk * Dv);
  for (let b = 0; b < B; b++) {
    const row: RowMask = seg ? unpackRow(seg.data, S, b, causal) : { causal, segments: [] };
    for (let h = 0; h < H; h++) {
      const bh = b * H + h;
      for (let i = 0; i < lq; i++) {
        const qo = (bh * lq + i) * D, oo = (bh * lq + i) * W, go = (bh * lq + i) * G;
        const lse = out.data[oo + Dv]!;
        let delta = G > Dv ? -dO.data[go + Dv]! : 0;
        for (let c = 0; c < Dv; c++) delta += dO.data[go + c]! * out.data[oo + c]!;
        for (let j = 0; j < lk; j++) {
          if (!allowed(row, lk - lq + i, j)) continue;
          const ko = (bh * lk + j) * D, vo = (bh * lk + j) * Dv;
          let s = 0;
          for (let c = 0; c < D; c++) s += q.data[qo + c]! * k.data[ko + c]!;
          const p = Math.exp(s * scale - lse);
          let dp = 0;
          for (let c = 0; c < Dv; c++) dp += dO.data[go + c]! * v.data[vo + c]!;
          const ds = p * (dp - delta) * scale;
          for (let c = 0; c < D; c++) {
            dq[qo + c] = dq[qo + c]! + ds * k.data[ko + c]!;
            dk[ko + c] = dk[ko + c]! + ds * q.data[qo + c]!;
          }
          for (let c = 0; c < Dv; c++) dv[vo + c] = dv[vo + c]! + p * dO.data[go + c]!;
        }
      }
    }
  }
  return { dq, dk, dv };
}

// ---------------------------------------------------------------------------------------------
// Decomposition: the direct backward as a dense graph.

const slice = (x: Node, start: number, end: number): Node => apply("slice", [x], { axis: 3, start, end });
const bcast = (x: Node, shape: Shape): Node => apply("broadcast", [x], { shape: [...shape] });

function decompose(inputs: readonly Node[], a: GradAttrs, which: Which): Node {
  const [q, k, v, out, dO, seg] = inputs as [Node, Node, Node, Node, Node, Node | undefined];
  const [B, H, lq] = q.shape as [Dim, Dim, Dim];
  const lk = k.shape[2]!, Dv = v.shape[3] as number;
  const scale = a.scale;
  const raw = apply("matmul", [q, k], { transpose_b: true }); // [B, H, Lq, Lk]
  const sh = raw.shape;
  const logits = apply("sub", [mul(raw, constant(scale, raw.dtype, sh)), bcast(slice(out, Dv, Dv + 1), sh)]);
  const mask = allowedMask(seg, a.causal, B, lq, lk);
  const masked = mask
    ? apply("where", [bcast(apply("reshape", [mask], { shape: [mask.shape[0]!, 1, lq, lk] }), sh), logits, constant(maskValue(raw.dtype), raw.dtype, sh)])
    : logits;
  const p = apply("exp", [masked]); // masked pairs: exp(mask value) = 0
  const g = dO.shape[3] === Dv ? dO : slice(dO, 0, Dv); // [B, H, Lq, Dv]
  let delta = apply("sum", [mul(g, slice(out, 0, Dv))], { axes: [3], keepdims: true }); // [B, H, Lq, 1]
  if (dO.shape[3] !== Dv) delta = apply("sub", [delta, slice(dO, Dv, Dv + 1)]);
  const dp = apply("matmul", [g, v], { transpose_b: true }); // [B, H, Lq, Lk]
  const ds = mul(p, apply("sub", [dp, bcast(delta, sh)]));
  const scaled = (x: Node) => mul(x, constant(scale, x.dtype, x.shape));
  if (which === "q") return scaled(apply("matmul", [ds, k])); // [B, H, Lq, D]
  const dk = scaled(apply("matmul", [ds, q], { transpose_a: true })); // [B, H, Lk, D]
  const dv = apply("matmul", [p, g], { transpose_a: true }); // [B, H, Lk, Dv]
  return apply("concat", [dk, dv], { axis: 3 });
}

// ---------------------------------------------------------------------------------------------
// Examples: random (not necessarily consistent) out and lse; the ops are defined for any.

function segmentsInput(rows: readonly (readonly Segment[])[]) {
  const { shape, data } = packSegments(rows);
  return ex("i32", shape, { kind: "values", values: Array.from(data) });
}

function examples(which: Which): OpExample[] {
  const ins = (B: number, H: number, lq: number, lk: number, D: number, dv: number, lseGrad = false) => [
    ex("f32", [B, H, lq, D]), ex("f32", [B, H, lk, D]), ex("f32", [B, H, lk, dv]),
    ex("f32", [B, H, lq, dv + 1], { kind: "normal", scale: 0.5 }), ex("f32", [B, H, lq, lseGrad ? dv + 1 : dv]),
  ];
  const s = (d: number) => 1 / Math.sqrt(d);
  const t2i: Segment[][] = [
    [{ kind: "pad", start: 0, end: 2 }, { kind: "span", start: 4, end: 9 }],
    [{ kind: "pad", start: 0, end: 3 }, { kind: "span", start: 5, end: 9 }],
  ];
  const lists = blockLists(packSegments(t2i).data, 2, 2, { lq: 9, lk: 9, tileQ: 4, tileK: 3, causal: true, transpose: which === "kv" });
  const listsShape = listShape(2, { lq: 9, lk: 9, tileQ: 4, tileK: 3, causal: true, transpose: which === "kv" }) as number[];
  return [
    { note: "no mask, ragged, Lq ≠ Lk", inputs: ins(1, 2, 5, 7, 3, 4), attrs: { scale: s(3), causal: false } },
    { note: "causal decode: 2 queries over 6 keys, with the lse cotangent", inputs: ins(1, 2, 2, 6, 4, 4, true), attrs: { scale: s(4), causal: true } },
    { note: "T2I layout: PAD + SPAN per batch row", inputs: [...ins(2, 2, 9, 9, 4, 4), segmentsInput(t2i)], attrs: { scale: s(4), causal: true } },
    {
      note: `T2I layout with ${which === "kv" ? "transposed " : ""}block lists (tiles 4×3)`,
      inputs: [...ins(2, 2, 9, 9, 4, 4), segmentsInput(t2i), ex("i32", listsShape, { kind: "values", values: Array.from(lists) })],
      attrs: { scale: s(4), causal: true, tile_q: 4, tile_k: 3 },
    },
    {
      note: "MMU layout: SPAN prefix + GLOBAL columns, lse cotangent",
      inputs: [...ins(2, 1, 7, 7, 4, 3, true), segmentsInput([[{ kind: "span", start: 0, end: 4 }], [{ kind: "span", start: 0, end: 3 }, { kind: "global", start: 5, end: 6 }]])],
      attrs: { scale: s(4), causal: true },
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// The entries


function dtypeRule(d: readonly DType[]): DType {
  const t = sameDType(d.slice(0, 5));
  if (!isFloat(t)) throw new Error(`q, k, v, out and dO need one float dtype, got ${t}`);
  for (let i = 5; i < d.length; i++) if (d[i] !== "i32") throw new Error(`input ${i} (segments, lists) must be i32, got ${d[i]}`);
  return t;
}

const notTwice = (op: string) => (): never => {
  throw new Error(`${op} is not differentiable: second derivatives of attention are not implemented`);
};

export const attentionGradQOp = defineOp({
  name: "attention_grad_q",
  family: "composite",
  arity: [5, 7],
  operands: ["q", "k", "v", "out", "dO", "segments?", "lists?"],
  attrs,
  doc: "dQ of attention from the packed forward (output and log-sum-exp) and dO: scale·Σ_j P∘(dO·Vᵀ − Δ)·K with P recomputed from the lse; optional segments and block lists.",
  dtype: (d) => dtypeRule(d),
  shape: (sh, a) => checkShapes(sh, a, "q"),
  reference: (ins, a, out) => {
    const { dq } = referenceGrads(ins, a);
    const res = tensor(out.dtype, out.shape);
    for (let x = 0; x < dq.length; x++) res.data[x] = roundTo(out.dtype, dq[x]!);
    return res;
  },
  vjp: notTwice("attention_grad_q"),
  differentiable: false,
  decompose: (ins, a) => decompose(ins, a, "q"),
  examples: () => examples("q"),
});

export const attentionGradKvOp = defineOp({
  name: "attention_grad_kv",
  family: "composite",
  arity: [5, 7],
  operands: ["q", "k", "v", "out", "dO", "segments?", "lists?"],
  attrs,
  doc: "dK and dV of attention, packed [B, H, Lk, D + Dv], from the packed forward and dO; P recomputed from the lse; optional segments and transposed block lists.",
  dtype: (d) => dtypeRule(d),
  shape: (sh, a) => checkShapes(sh, a, "kv"),
  reference: (ins, a, out) => {
    const { dk, dv } = referenceGrads(ins, a);
    const [B, H, lk, W] = out.shape as [number, number, number, number];
    const D = ins[0]!.shape[3]!, Dv = W - D;
    const res = tensor(out.dtype, out.shape);
    for (let r = 0; r < B * H * lk; r++) {
      for (let c = 0; c < D; c++) res.data[r * W + c] = roundTo(out.dtype, dk[r * D + c]!);
      for (let c = 0; c < Dv; c++) res.data[r * W + D + c] = roundTo(out.dtype, dv[r * Dv + c]!);
    }
    return res;
  },
  vjp: notTwice("attention_grad_kv"),
  differentiable: false,
  decompose: (ins, a) => decompose(ins, a, "kv"),
  examples: () => examples("kv"),
});
