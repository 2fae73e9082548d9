// Scaled dot-product attention with Show-o's structured (omni-attention) mask.
//
// shapes: q [B, H, Lq, D], k [B, H, Lk, D], v [B, H, Lk, Dv], segments i32 [B, S, 3] (optional)
//         → out [B, H, Lq, Dv]; with `lse`, [B, H, Lq, Dv + 1]: column Dv holds the row's
//         natural-log log-sum-exp of its scaled, masked scores (maskValue for an empty row)
//
// Mask semantics live in ../mask.ts (allowed(), unpackRow()): query row i sits at absolute position
// Lk − Lq + i, and a row with nothing allowed yields zeros, never NaN. Three things are written
// here, and tests hold them equal:
//   reference   float64 loops that ask mask.ts about every (i, j)
//   decompose   the same from primitive ops; the boolean mask is computed on the device from the
//               segments tensor (iota, compares, reductions over S), so any runtime padding works
//   vjp         the flash backward ops of attention-grad.ts on the packed attention{lse} (P is
//               recomputed from the log-sum-exp), not autodiff of the decomposition
// Fused kernels replace the decomposition in the compiler; it is the fallback and the definition.

import { apply, constant, mul } from "../build.ts";
import type { Node } from "../graph.ts";
import type { OpExample } from "../op.ts";
import { defineOp } from "../op.ts";
import type { RowMask, Segment } from "../mask.ts";
import { SEG_DEAD, SEG_GLOBAL, SEG_PAD, SEG_SPAN, allowed, packSegments, unpackRow } from "../mask.ts";
import { roundTo, tensor } from "../ref.ts";
import type { DType, Dim, Shape } from "../types.ts";
import { dimEq, formatShape, isFloat } from "../types.ts";
import { ex, sameDType } from "./util.ts";

/**
 * The score given to masked pairs before the softmax. NOTE: a large finite negative rather than
 * −∞: WGSL does not promise IEEE infinities (a shader compiler may assume they never occur), and
 * −∞ − (−∞) would make NaN in a fully masked row. exp(mask − max) underflows to exactly 0 for any
 * row with an allowed entry. f16 cannot hold −1e30, so it gets a value near its own limit.
 */
export function maskValue(dtype: DType): number {
  return dtype === "f16" ? -3e4 : -1e30;
}

// ---------------------------------------------------------------------------------------------
// Decomposition helpers. build.ts imports the op table, so nodes are built only inside functions.

const i32c = (value: number, shape: Shape): Node => constant(value, "i32", shape);
const bcast = (x: Node, shape: Shape): Node => apply("broadcast", [x], { shape: [...shape] });
const reshape = (x: Node, shape: Shape): Node => apply("reshape", [x], { shape: [...shape] });
const and = (a: Node, b: Node): Node => apply("and", [a, b]);
const or = (a: Node, b: Node): Node => apply("or", [a, b]);
const not = (a: Node): Node => apply("not", [a]);

/** Any over axis 1 of a bool tensor: max of its 0/1 cast, back to bool. [B, S, ...] → [B, ...] */
function anyOverS(x: Node): Node {
  return apply("cast", [apply("max", [apply("cast", [x], { to: "i32" })], { axes: [1] })], { to: "bool" });
}

/** Position of query row 0 in the key sequence; needs both lengths known (or equal). */
function queryOffset(lq: Dim, lk: Dim): number {
  if (dimEq(lq, lk)) return 0;
  if (typeof lq === "number" && typeof lk === "number") return lk - lq;
  throw new Error(`attention mask needs Lq and Lk known to build query positions (Lq=${lq}, Lk=${lk}); bind symbolic dims first`);
}

/**
 * The allowed matrix of mask.ts from primitive ops, or null when every pair is allowed.
 * shapes: segments [B, S, 3] → bool [B, Lq, Lk] (no segments: [1, Lq, Lk])
 */
export function allowedMask(segments: Node | undefined, causal: boolean, B: Dim, lq: Dim, lk: Dim): Node | null {
  const off = causal || segments ? queryOffset(lq, lk) : 0;
  // Causal base rule j ≤ Lk − Lq + i as [Lq, Lk].
  const base = causal
    ? apply("le", [apply("iota", [], { shape: [lq, lk], axis: 1 }), apply("add", [apply("iota", [], { shape: [lq, lk], axis: 0 }), i32c(off, [lq, lk])])])
    : null;
  if (!segments) return base ? reshape(base, [1, lq, lk]) : null;

  const S = segments.shape[1]!;
  const field = (c: number, L: Dim) => bcast(apply("slice", [segments], { axis: 2, start: c, end: c + 1 }), [B, S, L]); // [B, S, L]
  // Membership of positions in each segment: [B, S, L].
  const inside = (pos: Node, L: Dim) => and(apply("ge", [pos, field(1, L)]), apply("lt", [pos, field(2, L)]));
  const kindIs = (code: number, L: Dim) => apply("eq", [field(0, L), i32c(code, [B, S, L])]);
  const qpos = apply("add", [apply("iota", [], { shape: [B, S, lq], axis: 2 }), i32c(off, [B, S, lq])]);
  const kpos = apply("iota", [], { shape: [B, S, lk], axis: 2 });
  const inQ = inside(qpos, lq), inK = inside(kpos, lk);

  // allowed = !dead(i) && !dead(j) && !(pad(j) && !pad(i)) && (base || sameSpan || global(j))
  const full3: Shape = [B, lq, lk];
  const padI = anyOverS(and(kindIs(SEG_PAD, lq), inQ)); // [B, Lq]
  const padJ = anyOverS(and(kindIs(SEG_PAD, lk), inK)); // [B, Lk]
  // DEAD rows attend to nothing and DEAD columns are hidden from every row: or them into the
  // hiding condition, as [B, Lq, 1] and [B, 1, Lk] broadcasts.
  const deadI = bcast(reshape(anyOverS(and(kindIs(SEG_DEAD, lq), inQ)), [B, lq, 1]), full3);
  const deadJ = bcast(reshape(anyOverS(and(kindIs(SEG_DEAD, lk), inK)), [B, 1, lk]), full3);
  const hidden = and(bcast(reshape(padJ, [B, 1, lk]), full3), not(bcast(reshape(padI, [B, lq, 1]), full3)));
  const shown = not(or(or(hidden, deadI), deadJ));
  if (!base) return shown; // without causal the base rule allows every pair

  const glob = anyOverS(and(kindIs(SEG_GLOBAL, lk), inK)); // [B, Lk]
  const full4: Shape = [B, S, lq, lk];
  const spanQ = bcast(reshape(and(kindIs(SEG_SPAN, lq), inQ), [B, S, lq, 1]), full4);
  const spanK = bcast(reshape(and(kindIs(SEG_SPAN, lk), inK), [B, S, 1, lk]), full4);
  const sameSpan = anyOverS(and(spanQ, spanK)); // [B, Lq, Lk]
  const visible = or(or(bcast(reshape(base, [1, lq, lk]), full3), sameSpan), bcast(reshape(glob, [B, 1, lk]), full3));
  return and(shown, visible);
}

/**
 * Masked softmax probabilities P [B, H, Lq, Lk] (of the decomposition).
 * Masked pairs get exactly 0; rows with nothing allowed are all 0.
 */
/** The attributes the decomposition's helpers read (attention's and attention_qknorm's have them). */
export interface ScoreAttrs {
  readonly scale: number;
  readonly causal: boolean;
}

function probabilities(q: Node, k: Node, segments: Node | undefined, attrs: ScoreAttrs): Node {
  const [B, H, lq] = q.shape as [Dim, Dim, Dim];
  const lk = k.shape[2]!;
  const raw = apply("matmul", [q, k], { transpose_b: true }); // [B, H, Lq, Lk]
  const scores = mul(raw, constant(attrs.scale, raw.dtype, raw.shape));
  const mask = allowedMask(segments, attrs.causal, B, lq, lk);
  if (!mask) return apply("softmax", [scores], { axis: 3 });
  const m4 = bcast(reshape(mask, [mask.shape[0]!, 1, lq, lk]), [B, H, lq, lk]);
  const masked = apply("where", [m4, scores, constant(maskValue(scores.dtype), scores.dtype, scores.shape)]);
  const p = apply("softmax", [masked], { axis: 3 });
  // A row with nothing allowed came out uniform; multiplying by the 0/1 mask zeroes it (and
  // changes nothing elsewhere: masked entries already underflowed to 0). This is the row-any
  // guard in elementwise form, which the VJP needs anyway.
  return mul(p, apply("cast", [m4], { to: p.dtype }));
}

/**
 * The natural-log log-sum-exp of each row's scaled, masked scores over its allowed keys; a row with
 * nothing allowed gets maskValue(dtype). shapes: → [B, H, Lq, 1]
 * (Built from the same nodes as probabilities(): interning makes the shared part one subgraph.)
 */
export function logSumExp(q: Node, k: Node, segments: Node | undefined, attrs: ScoreAttrs): Node {
  const [B, H, lq] = q.shape as [Dim, Dim, Dim];
  const lk = k.shape[2]!;
  const raw = apply("matmul", [q, k], { transpose_b: true }); // [B, H, Lq, Lk]
  const scores = mul(raw, constant(attrs.scale, raw.dtype, raw.shape));
  const mask = allowedMask(segments, attrs.causal, B, lq, lk);
  const m4 = mask ? bcast(reshape(mask, [mask.shape[0]!, 1, lq, lk]), [B, H, lq, lk]) : null;
  const masked = m4 ? apply("where", [m4, scores, constant(maskValue(scores.dtype), scores.dtype, scores.shape)]) : scores;
  const mx = apply("max", [masked], { axes: [3], keepdims: true }); // [B, H, Lq, 1]
  const sumExp = apply("sum", [apply("exp", [apply("sub", [masked, bcast(mx, masked.shape)])])], { axes: [3], keepdims: true });
  const lse = apply("add", [mx, apply("log", [sumExp])]);
  if (!m4) return lse;
  // Rows with nothing allowed: every score is the mask value and the sum counts Lk of them.
  const any = apply("gt", [apply("max", [apply("cast", [m4], { to: lse.dtype })], { axes: [3], keepdims: true }), constant(0, lse.dtype, lse.shape)]);
  return apply("where", [any, lse, constant(maskValue(lse.dtype), lse.dtype, lse.shape)]);
}

/** [B, H, Lq, Dv] → [B, H, Lq, Dv + 1]: the output with the log-sum-exp as its last column. */
export function packedShape(out: Shape): Shape {
  const dv = out[3]!;
  if (typeof dv !== "number") throw new Error(`lse needs a concrete value head dim, got ${dv}`);
  return [out[0]!, out[1]!, out[2]!, dv + 1];
}

/**
 * dQ, dK, dV of attention through attention_grad_q and attention_grad_kv (attention-grad.ts).
 * shapes: q [B, H, Lq, D], k [B, H, Lk, D], v [B, H, Lk, Dv], packed [B, H, Lq, Dv + 1] (output
 *         and lse), grad [B, H, Lq, Dv] or [B, H, Lq, Dv + 1] (the last column: lse's cotangent)
 */
export function attentionGrads(q: Node, k: Node, v: Node, packed: Node, grad: Node, seg: Node | undefined, attrs: ScoreAttrs): [Node, Node, Node] {
  const D = q.shape[3]!, Dv = v.shape[3]!;
  if (typeof D !== "number" || typeof Dv !== "number") throw new Error(`the attention backward needs concrete head dims, got ${D} and ${Dv}`);
  const ins = [q, k, v, packed, grad, ...(seg ? [seg] : [])];
  const a = { scale: attrs.scale, causal: attrs.causal };
  const dq = apply("attention_grad_q", ins, a); // [B, H, Lq, D]
  const dkv = apply("attention_grad_kv", ins, a); // [B, H, Lk, D + Dv]
  return [dq, apply("slice", [dkv], { axis: 3, start: 0, end: D }), apply("slice", [dkv], { axis: 3, start: D, end: D + Dv })];
}

function decompose(inputs: readonly Node[], attrs: ScoreAttrs & { readonly lse: boolean }): Node {
  const [q, k, v, seg] = inputs as [Node, Node, Node, Node | undefined];
  const out = apply("matmul", [probabilities(q, k, seg, attrs), v]); // [B, H, Lq, Dv]
  return attrs.lse ? apply("concat", [out, logSumExp(q, k, seg, attrs)], { axis: 3 }) : out;
}

// ---------------------------------------------------------------------------------------------
// Type rules

function checkShapes([q, k, v, seg]: readonly (Shape | undefined)[]): Shape {
  const fmt = [q, k, v, seg].filter((s) => s !== undefined).map((s) => formatShape(s!)).join(", ");
  if (q!.length !== 4 || k!.length !== 4 || v!.length !== 4) throw new Error(`q, k, v must be [B, H, L, D]; got ${fmt}`);
  const same = (a: Dim, b: Dim, what: string) => {
    if (!dimEq(a, b)) throw new Error(`${what} differ (${a} vs ${b}) in ${fmt}`);
  };
  same(q![0]!, k![0]!, "batch sizes of q and k");
  same(q![1]!, k![1]!, "head counts of q and k");
  same(q![3]!, k![3]!, "head dims of q and k");
  same(k![0]!, v![0]!, "batch sizes of k and v");
  same(k![1]!, v![1]!, "head counts of k and v");
  same(k![2]!, v![2]!, "key lengths of k and v");
  if (seg) {
    if (seg.length !== 3 || !dimEq(seg[2]!, 3)) throw new Error(`segments must be [B, S, 3]; got ${formatShape(seg)}`);
    same(seg[0]!, q![0]!, "batch sizes of segments and q");
  }
  return [q![0]!, q![1]!, q![2]!, v![3]!];
}

// ---------------------------------------------------------------------------------------------
// Examples

function segmentsInput(rows: readonly (readonly Segment[])[]) {
  const { shape, data } = packSegments(rows);
  return ex("i32", shape, { kind: "values", values: Array.from(data) });
}

function examples(): OpExample[] {
  const qkv = (B: number, H: number, lq: number, lk: number, D: number, dv = D) =>
    [ex("f32", [B, H, lq, D]), ex("f32", [B, H, lk, D]), ex("f32", [B, H, lk, dv])];
  const s = (d: number) => 1 / Math.sqrt(d);
  return [
    { note: "no mask", inputs: qkv(2, 2, 4, 5, 3, 4), attrs: { scale: s(3), causal: false } },
    { note: "causal decode: queries are the last rows of a longer key sequence", inputs: qkv(1, 2, 2, 6, 4), attrs: { scale: s(4), causal: true } },
    {
      note: "T2I layout: left PAD + SPAN over [SOI, EOI], different padding per batch row",
      inputs: [...qkv(2, 2, 8, 8, 4), segmentsInput([
        [{ kind: "pad", start: 0, end: 2 }, { kind: "span", start: 4, end: 8 }],
        [{ kind: "pad", start: 0, end: 3 }, { kind: "span", start: 5, end: 8 }],
      ])],
      attrs: { scale: s(4), causal: true },
    },
    {
      note: "MMU layout: SPAN [0, EOI] bidirectional prefix, causal after",
      inputs: [...qkv(2, 1, 7, 7, 4), segmentsInput([[{ kind: "span", start: 0, end: 4 }], [{ kind: "span", start: 0, end: 3 }]])],
      attrs: { scale: s(4), causal: true },
    },
    {
      note: "GLOBAL columns visible to every row; rows with unused (NONE) slots",
      inputs: [...qkv(2, 2, 6, 6, 3), segmentsInput([
        [{ kind: "global", start: 3, end: 5 }, { kind: "pad", start: 0, end: 1 }],
        [{ kind: "global", start: 4, end: 6 }],
      ])],
      attrs: { scale: s(3), causal: true },
    },
    {
      note: "decode with a KV cache: 2 new queries over 7 keys of a padded T2I row",
      inputs: [...qkv(2, 2, 2, 7, 4), segmentsInput([
        [{ kind: "pad", start: 0, end: 1 }, { kind: "span", start: 3, end: 7 }],
        [{ kind: "pad", start: 0, end: 2 }, { kind: "span", start: 4, end: 6 }],
      ])],
      attrs: { scale: s(4), causal: true },
    },
    {
      note: "ragged sizes, non-causal with padding",
      inputs: [...qkv(1, 3, 7, 7, 5), segmentsInput([[{ kind: "pad", start: 0, end: 2 }]])],
      attrs: { scale: s(5), causal: false },
    },
    {
      note: "fully masked rows: causal queries before the first key (Lq > Lk) give zeros",
      inputs: qkv(1, 2, 5, 3, 4),
      attrs: { scale: s(4), causal: true },
    },
    { note: "lse: no mask, ragged", inputs: qkv(1, 2, 5, 7, 3, 4), attrs: { scale: s(3), causal: false, lse: true } },
    // (No empty rows in lse examples: a −1e30 entry would swamp every tolerance and finite difference.)
    {
      note: "lse: T2I layout with padding, ragged",
      inputs: [...qkv(2, 2, 7, 7, 4), segmentsInput([
        [{ kind: "pad", start: 0, end: 2 }, { kind: "span", start: 3, end: 7 }],
        [{ kind: "pad", start: 0, end: 1 }, { kind: "span", start: 4, end: 6 }],
      ])],
      attrs: { scale: s(4), causal: true, lse: true },
    },
    { note: "lse: causal decode, 2 queries over 6 keys", inputs: qkv(1, 2, 2, 6, 4), attrs: { scale: s(4), causal: true, lse: true } },
  ];
}

// ---------------------------------------------------------------------------------------------
// The entry

export const attentionOp = defineOp({
  name: "attention",
  family: "composite",
  arity: [3, 4],
  operands: ["q", "k", "v", "segments?"],
  attrs: {
    scale: { kind: "float", doc: "multiplies q·kᵀ (usually 1/√D)" },
    causal: { kind: "bool", doc: "base rule j ≤ i; otherwise every pair is allowed before segments" },
    lse: { kind: "bool", default: false, doc: "append each row's log-sum-exp as column Dv (for the backward pass)" },
  },
  doc: "softmax(q·kᵀ·scale + mask)·v with the structured mask of mask.ts; rows with nothing allowed give zeros. With lse, column Dv holds log Σ_allowed exp(scores) (maskValue for empty rows).",
  dtype: (d) => {
    const t = sameDType(d.slice(0, 3));
    if (!isFloat(t)) throw new Error(`q, k, v need a float dtype, got ${t}`);
    if (d.length === 4 && d[3] !== "i32") throw new Error(`segments must be i32, got ${d[3]}`);
    return t;
  },
  shape: (sh, a) => (a.lse ? packedShape(checkShapes(sh)) : checkShapes(sh)),

  // Element by element in float64, asking mask.ts about each (i, j).
  reference: ([q, k, v, seg], attrs, out) => {
    const [B, H, lq, D] = q!.shape as [number, number, number, number];
    const lk = k!.shape[2]!, dv = v!.shape[3]!;
    const scale = attrs.scale, causal = attrs.causal;
    const S = seg ? seg.shape[1]! : 0;
    const res = tensor(out.dtype, out.shape);
    const W = out.shape[3]!, lse = W > dv; // row stride; with lse, column dv holds the log-sum-exp
    const s = new Float64Array(lk);
    const ok = new Uint8Array(lk);
    for (let b = 0; b < B; b++) {
      const row: RowMask = seg ? unpackRow(seg.data, S, b, causal) : { causal, segments: [] };
      for (let i = 0; i < lq; i++) {
        let any = false;
        for (let j = 0; j < lk; j++) {
          ok[j] = allowed(row, lk - lq + i, j) ? 1 : 0;
          if (ok[j]) any = true;
        }
        if (!any) {
          // Nothing allowed: the row stays zero, its log-sum-exp is the mask value.
          if (lse) for (let h = 0; h < H; h++) res.data[((b * H + h) * lq + i) * W + dv] = roundTo(out.dtype, maskValue(out.dtype));
          continue;
        }
        for (let h = 0; h < H; h++) {
          const qo = ((b * H + h) * lq + i) * D, ko = (b * H + h) * lk * D, vo = (b * H + h) * lk * dv;
          let max = -Infinity;
          for (let j = 0; j < lk; j++) {
            if (!ok[j]) continue;
            let dot = 0;
            for (let c = 0; c < D; c++) dot += q!.data[qo + c]! * k!.data[ko + j * D + c]!;
            s[j] = dot * scale;
            if (s[j]! > max) max = s[j]!;
          }
          let den = 0;
          for (let j = 0; j < lk; j++) if (ok[j]) den += s[j] = Math.exp(s[j]! - max);
          const oo = ((b * H + h) * lq + i) * W;
          if (lse) res.data[oo + dv] = roundTo(out.dtype, max + Math.log(den));
          for (let j = 0; j < lk; j++) {
            if (!ok[j]) continue;
            const p = s[j]! / den;
            for (let c = 0; c < dv; c++) res.data[oo + c] = res.data[oo + c]! + p * v!.data[vo + j * dv + c]!;
          }
          for (let c = 0; c < dv; c++) res.data[oo + c] = roundTo(out.dtype, res.data[oo + c]!);
        }
      }
    }
    return res;
  },

  // The flash backward (attention-grad.ts): the packed forward attention{lse} supplies O and the
  // log-sum-exp, from which the backward ops recompute P tile by tile. A non-lse attention asks
  // for the packed node on the same inputs; share-attention-lse later makes the forward use that
  // one too, so a training step runs the forward attention once.
  vjp: ({ inputs, out, grad, attrs }) => {
    const [q, k, v, seg] = inputs as [Node, Node, Node, Node | undefined];
    const packed = attrs.lse ? out : apply("attention", inputs, { ...attrs, lse: true });
    const grads: (Node | null)[] = attentionGrads(q, k, v, packed, grad, seg, attrs);
    if (seg) grads.push(null);
    return grads;
  },
  differentiable: true,
  decompose,
  examples,
});
