// 2-D convolution and its two gradients: the direct forms, and the one place that chooses
// between them and the implicit-GEMM forms of builders/conv-gemm.ts.
//
// shapes: conv2d             x [N, C, H, W], w [O, C, kh, kw] → y [N, O, Ho, Wo]
//         conv2d_grad_input  g [N, O, Ho, Wo], w [O, C, kh, kw] → dx [N, C, H, W]
//         conv2d_grad_weight x [N, C, H, W], g [N, O, Ho, Wo] → dw [O, C, kh, kw]
// Output position (ho, wo) with tap (i, j) reads input row h = ho·sh − top + i and column
// w = wo·sw − left + j; taps landing in the padding read zero (docs/ops.md).
//
// The choice (`convForm`): kernels up to 3×3 and strides up to 2 — everything MAGVIT-v2 has —
// take the implicit-GEMM forms (3–14× the direct forms per op over MAGVIT-v2 tiny on llvmpipe,
// BENCHMARKS.md "Convolutions"); anything else takes the direct forms below, which loop over any
// window. One exception: on CUDA conv2d_grad_weight stays direct, because the weight-tile form's
// grid (C·kh/16 × O/8 workgroups of 16) is far too small for a GPU while the direct form has
// one thread per dw element (both are slow there; a split-K form is what a GPU wants).
//
// Direct conv2d: an implicit GEMM without sharing (rows = N·Ho·Wo output pixels, columns = O,
// K = C·kh·kw): each invocation computes a block of pixels × output channels (8×8 for large
// convolutions, 4×4 for small), so one input value feeds several channels and one weight several
// pixels. Padding is a bounds check per tap: the load index is clamped into the tensor and the
// value selected to 0 outside.
//
// Direct gradients: one invocation per output element, looping over the terms that reach it (the
// taps whose stride arithmetic lands on it, times O, for dx; the batch and output positions for dw).
//
// Operands are read as raw contiguous memory (the partition guarantees a reshape chain over a
// materialized tensor), indexed with the operand's own shape.

import type { Node } from "../../ir/graph.ts";
import { concreteShape, formatType } from "../../ir/types.ts";
import { attrsOf } from "../../ir/view.ts";
import type { FusionGroup, Partition } from "../fuse-elementwise.ts";
import type { Block } from "../build-kernel.ts";
import * as K from "../build-kernel.ts";
import type { Launch, TensorAccess } from "../emit.ts";
import { KernelContext, iadd, imul, unflatten } from "../emit.ts";
import type { Expr, Type } from "../kernel-ir.ts";
import { vectorOf } from "../kernel-ir.ts";
import type { Builder } from "../schedule.ts";
import { registerBuilder } from "../schedule.ts";
import { buildConv2dGemm, buildConv2dGradInputGemm, buildConv2dGradWeightGemm, convAttrs } from "./conv-gemm.ts";
import type { TargetCaps } from "../target.ts";

const WG = 64;
/**
 * Output pixels × output channels per conv2d invocation. 8×8 ran ~1.5× faster than 4×4 on
 * llvmpipe for 128-channel 3×3 convolutions (3.8 vs 2.4 GFLOP/s) but its shader takes seconds
 * longer to compile on first dispatch, so small convolutions (launch-bound anyway) use 4×4.
 */
function convBlock(macs: number): [number, number] {
  return macs >= 2 ** 23 ? [8, 8] : [4, 4];
}
/** Kernel windows up to this many taps are unrolled; larger ones loop. Other loop bounds are
 *  uniforms rather than constants: LLVM-based drivers (llvmpipe) otherwise unroll them fully and
 *  the first dispatch compiles much slower. */
const UNROLL_TAPS = 25;

interface Geometry {
  readonly n: number; readonly c: number; readonly h: number; readonly w: number;
  readonly o: number; readonly kh: number; readonly kw: number; readonly ho: number; readonly wo: number;
  readonly sh: number; readonly sw: number; readonly top: number; readonly left: number;
}

function geometry(x: readonly number[], wShape: readonly number[], y: readonly number[], attrs: { readonly stride: readonly number[]; readonly padding: readonly number[] }): Geometry {
  const { stride, padding } = attrs;
  return {
    n: x[0]!, c: x[1]!, h: x[2]!, w: x[3]!, o: wShape[0]!, kh: wShape[2]!, kw: wShape[3]!, ho: y[2]!, wo: y[3]!,
    sh: stride[0]!, sw: stride[1]!, top: padding[0]!, left: padding[2]!,
  };
}

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const f32 = (e: Expr): Expr => (e.type === "f32" ? e : K.cast("f32", e));
/** i32 → u32 reinterpretation: negative values become huge, so one `< n` tests 0 ≤ v < n. */
const asU32 = (e: Expr): Expr => K.bitcast("u32", e);

/** Calls `f(block, i, j)` for every tap of a kh×kw window: unrolled when small, else as loops. */
function forTaps(b: Block, kh: number, kw: number, f: (blk: Block, i: Expr, j: Expr) => void): void {
  if (kh * kw <= UNROLL_TAPS) {
    for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) f(b, K.u32(i), K.u32(j));
    return;
  }
  b.for("i", K.u32(0), K.u32(kh), (bi, i) => bi.for("j", K.u32(0), K.u32(kw), (bj, j) => f(bj, i, j)));
}

/** base (i32) + i (a u32 tap index, often a constant) as i32. */
function plusTap(base: Expr, i: Expr): Expr {
  if (i.kind === "const") return offsetI32(base, Number(i.value));
  return K.add(base, K.cast("i32", i));
}

/** v + k as i32 (k a constant offset, possibly negative). */
function offsetI32(v: Expr, k: number): Expr {
  const e = v.type === "i32" ? v : K.cast("i32", v);
  return k === 0 ? e : k > 0 ? K.add(e, K.i32(k)) : K.sub(e, K.i32(-k));
}

// ---------------------------------------------------------------------------------------------
// conv2d

export function buildConv2dDirect(group: FusionGroup, caps: TargetCaps, part: Partition, block?: readonly [number, number]): Launch {
  const root = group.root;
  if (group.producer !== undefined || root.op !== "conv2d") throw new Error(`internal: conv2d builder got ${root}`);
  const [xn, wn] = root.inputs as [Node, Node];
  const d = geometry(concreteShape(xn.shape), concreteShape(wn.shape), concreteShape(root.shape), convAttrs(root));
  const P = d.n * d.ho * d.wo, taps = d.c * d.kh * d.kw;
  const [bp, bo] = block ?? convBlock(P * d.o * taps);
  const RPx = Math.min(bp, P), ROx = Math.min(bo, d.o);
  const blocksP = Math.ceil(P / RPx), blocksO = Math.ceil(d.o / ROx);
  const doc = [
    `conv2d: x ${formatType(xn.dtype, xn.shape)} ⋆ w ${formatType(wn.dtype, wn.shape)} → ${formatType(root.dtype, root.shape)}`,
    `stride [${d.sh}, ${d.sw}], padding [${convAttrs(root).padding.join(", ")}]; implicit GEMM ${P}×${d.o}×${taps},`,
    `${RPx} pixels × ${ROx} output channels per invocation`,
  ].join("\n");
  const ctx = new KernelContext("conv2d", doc, [WG], caps, part);
  const b = ctx.body;
  const x = ctx.tensor(xn, "read"), w = ctx.tensor(wn, "read");

  const id = b.let("id", K.linearGlobalId(WG));
  b.if(K.ge(id, K.u32(blocksP * blocksO)), (r) => r.return());
  // Adjacent invocations take adjacent pixel blocks (neighbouring input columns).
  const p0 = b.let("p0", imul(blocksP === 1 ? K.u32(0) : K.rem(id, K.u32(blocksP)), RPx));
  const o0 = b.let("o0", imul(blocksP === 1 ? id : K.div(id, K.u32(blocksP)), ROx));

  // Per pixel: batch offset into x and the window's top-left corner (may be negative: padding).
  const HW = d.h * d.w;
  const px = Array.from({ length: RPx }, (_, t) => {
    const p = b.let(`q${t}`, K.min(iadd(p0, t), K.u32(P - 1)));
    const [n, ho, wo] = unflatten(p, [d.n, d.ho, d.wo]) as [Expr, Expr, Expr];
    return {
      xb: b.let(`xb${t}`, imul(n, d.c * HW)),
      hb: b.let(`hb${t}`, offsetI32(imul(ho, d.sh), -d.top)),
      wb: b.let(`wb${t}`, offsetI32(imul(wo, d.sw), -d.left)),
    };
  });
  const wOff = Array.from({ length: ROx }, (_, j) => b.let(`wo${j}`, imul(K.min(iadd(o0, j), K.u32(d.o - 1)), taps)));

  // Channels accumulate in vectors of up to 4 lanes: group g holds channels o0 + 4g ...
  const lanes = Array.from({ length: Math.ceil(ROx / 4) }, (_, g) => Math.min(4, ROx - 4 * g));
  const vt = (n: number): Type => vectorOf("f32", n as 1 | 2 | 3 | 4);
  const acc = Array.from({ length: RPx }, (_, t) => lanes.map((n, g) => b.var(lanes.length === 1 ? `acc${t}` : `acc${t}_${g}`, vt(n))));
  b.for("c", K.u32(0), ctx.kb.param("channels", "u32"), (bc, c) => {
    const xc = bc.let("xc", imul(c, HW));
    const wc = bc.let("wc", imul(c, d.kh * d.kw));
    forTaps(bc, d.kh, d.kw, (bt, i, j) => {
      const tap = iadd(wc, iadd(imul(i, d.kw), j));
      const ws = wOff.map((off, q) => bt.let(`w${q}`, f32(ctx.load(w, iadd(off, tap)))));
      const wv = lanes.map((n, g) => (n === 1 ? ws[4 * g]! : K.vec(vt(n) as `vec${2 | 3 | 4}<f32>`, ...ws.slice(4 * g, 4 * g + n))));
      px.forEach((pp, t) => {
        const h = bt.let("h", asU32(plusTap(pp.hb, i)));
        const col = bt.let("x", asU32(plusTap(pp.wb, j)));
        const inside = K.and(K.lt(h, K.u32(d.h)), K.lt(col, K.u32(d.w)));
        const at = iadd(iadd(pp.xb, xc), iadd(imul(K.min(h, K.u32(d.h - 1)), d.w), K.min(col, K.u32(d.w - 1))));
        const xv = bt.let("xv", K.select(inside, f32(ctx.load(x, at)), K.f32(0)));
        acc[t]!.forEach((a, g) => bt.assign(a, K.add(a, K.mul(xv, wv[g]!))));
      });
    });
  });

  // y[n, o, ho, wo] = n·O·Ho·Wo + o·Ho·Wo + (ho·Wo + wo); pixel p = n·Ho·Wo + (ho·Wo + wo).
  const out = ctx.tensor(root, "read_write");
  const outType = ctx.typeOf(root);
  const HoWo = d.ho * d.wo;
  for (let t = 0; t < RPx; t++) {
    const p = iadd(p0, t);
    const n = b.let("n", idivC(p, HoWo));
    const base = b.let("ybase", iadd(imul(n, d.o * HoWo), K.sub(p, imul(n, HoWo))));
    for (let j = 0; j < ROx; j++) {
      const o = iadd(o0, j);
      const a = acc[t]![j >> 2]!;
      const v = K.cast(outType, lanes[j >> 2] === 1 ? a : K.lane(a, (j & 3) as 0 | 1 | 2 | 3));
      const cond: Expr[] = [];
      if (P % RPx !== 0 && t > 0) cond.push(K.lt(p, K.u32(P)));
      if (d.o % ROx !== 0 && j > 0) cond.push(K.lt(o, K.u32(d.o)));
      const st = (blk: Block) => ctx.store(blk, out, iadd(base, imul(o, HoWo)), v);
      if (cond.length) b.if(cond.reduce((l, r) => K.and(l, r)), st);
      else st(b);
    }
  }
  return ctx.launch([Math.max(1, Math.ceil((blocksP * blocksO) / WG))], `conv2d ${formatType(root.dtype, root.shape)}`, { channels: d.c });
}

function idivC(a: Expr, n: number): Expr {
  return n === 1 ? a : K.div(a, K.u32(n));
}

// ---------------------------------------------------------------------------------------------
// conv2d_grad_input: dx[n, c, h, w] = Σ over taps (i, j) and o of g[n, o, ho, wo] · w[o, c, i, j]
// where h = ho·sh − top + i, i.e. ho = (h + top − i) / sh when that divides exactly and lands in
// [0, Ho) (likewise for w).

export function buildConv2dGradInputDirect(group: FusionGroup, caps: TargetCaps, part: Partition): Launch {
  const root = group.root;
  if (group.producer !== undefined || root.op !== "conv2d_grad_input") throw new Error(`internal: conv2d_grad_input builder got ${root}`);
  const [gn, wn] = root.inputs as [Node, Node];
  const shape = concreteShape(root.shape);
  const d = geometry(shape, concreteShape(wn.shape), concreteShape(gn.shape), convAttrs(root));
  const numel = prod(shape);
  const doc = [
    `conv2d_grad_input: g ${formatType(gn.dtype, gn.shape)}, w ${formatType(wn.dtype, wn.shape)} → dx ${formatType(root.dtype, root.shape)}`,
    `stride [${d.sh}, ${d.sw}], padding [${convAttrs(root).padding.join(", ")}]; one invocation per dx element, looping over taps and O`,
  ].join("\n");
  const ctx = new KernelContext("conv2d_grad_input", doc, [WG], caps, part);
  const b = ctx.body;
  const g = ctx.tensor(gn, "read"), w = ctx.tensor(wn, "read");
  const e = b.let("e", K.linearGlobalId(WG));
  b.if(K.ge(e, K.u32(numel)), (r) => r.return());
  const [n, c, h, wc] = unflatten(e, shape) as [Expr, Expr, Expr, Expr];
  const acc = b.var("acc", "f32");
  const gb = b.let("gb", imul(n, d.o * d.ho * d.wo));
  const wb = b.let("wb", imul(c, d.kh * d.kw));
  const outChannels = ctx.kb.param("out_channels", "u32");
  const hTop = b.let("ht", offsetI32(h, d.top)), wLeft = b.let("wl", offsetI32(wc, d.left));
  forTaps(b, d.kh, d.kw, (bt, i, j) => {
    // (h + top − i) as u32: negative wraps above Ho·sh and fails the range test.
    const th = bt.let("th", asU32(i.kind === "const" ? offsetI32(hTop, -Number(i.value)) : K.sub(hTop, K.cast("i32", i))));
    const tw = bt.let("tw", asU32(j.kind === "const" ? offsetI32(wLeft, -Number(j.value)) : K.sub(wLeft, K.cast("i32", j))));
    const conds = [K.lt(th, K.u32(d.ho * d.sh)), K.lt(tw, K.u32(d.wo * d.sw))];
    if (d.sh > 1) conds.push(K.eq(K.rem(th, K.u32(d.sh)), K.u32(0)));
    if (d.sw > 1) conds.push(K.eq(K.rem(tw, K.u32(d.sw)), K.u32(0)));
    bt.if(conds.reduce((l, r) => K.and(l, r)), (bi) => {
      const pos = bi.let("pos", iadd(gb, iadd(imul(idivC(th, d.sh), d.wo), idivC(tw, d.sw))));
      const tap = bi.let("tap", iadd(wb, iadd(imul(i, d.kw), j)));
      bi.for("o", K.u32(0), outChannels, (bo, o) => {
        const gv = f32(ctx.load(g, iadd(pos, imul(o, d.ho * d.wo))));
        const wv = f32(ctx.load(w, iadd(tap, imul(o, d.c * d.kh * d.kw))));
        bo.assign(acc, K.add(acc, K.mul(gv, wv)));
      });
    });
  });
  ctx.store(b, ctx.tensor(root, "read_write"), e, K.cast(ctx.typeOf(root), acc));
  return ctx.launch([Math.max(1, Math.ceil(numel / WG))], `conv2d_grad_input ${formatType(root.dtype, root.shape)}`, { out_channels: d.o });
}

// ---------------------------------------------------------------------------------------------
// conv2d_grad_weight: dw[o, c, i, j] = Σ over n, ho, wo of x[n, c, h, w] · g[n, o, ho, wo] with
// h = ho·sh − top + i and w = wo·sw − left + j inside the image.

export function buildConv2dGradWeightDirect(group: FusionGroup, caps: TargetCaps, part: Partition): Launch {
  const root = group.root;
  if (group.producer !== undefined || root.op !== "conv2d_grad_weight") throw new Error(`internal: conv2d_grad_weight builder got ${root}`);
  const [xn, gn] = root.inputs as [Node, Node];
  const shape = concreteShape(root.shape);
  const d = geometry(concreteShape(xn.shape), shape, concreteShape(gn.shape), convAttrs(root));
  const numel = prod(shape);
  const doc = [
    `conv2d_grad_weight: x ${formatType(xn.dtype, xn.shape)}, g ${formatType(gn.dtype, gn.shape)} → dw ${formatType(root.dtype, root.shape)}`,
    `stride [${d.sh}, ${d.sw}], padding [${convAttrs(root).padding.join(", ")}]; one invocation per dw element, looping over N, Ho, Wo`,
  ].join("\n");
  const ctx = new KernelContext("conv2d_grad_weight", doc, [WG], caps, part);
  const b = ctx.body;
  const x: TensorAccess = ctx.tensor(xn, "read"), g = ctx.tensor(gn, "read");
  const e = b.let("e", K.linearGlobalId(WG));
  b.if(K.ge(e, K.u32(numel)), (r) => r.return());
  const [o, c, i, j] = unflatten(e, shape) as [Expr, Expr, Expr, Expr];
  const acc = b.var("acc", "f32");
  const outH = ctx.kb.param("out_h", "u32"), outW = ctx.kb.param("out_w", "u32");
  const top = b.let("ti", offsetI32(i, -d.top)), left = b.let("lj", offsetI32(j, -d.left));
  b.for("n", K.u32(0), ctx.kb.param("batch", "u32"), (bn, n) => {
    const xb = bn.let("xb", iadd(imul(n, d.c * d.h * d.w), imul(c, d.h * d.w)));
    const gb = bn.let("gb", iadd(imul(n, d.o * d.ho * d.wo), imul(o, d.ho * d.wo)));
    bn.for("ho", K.u32(0), outH, (bh, ho) => {
      const h = bh.let("h", asU32(K.add(K.cast("i32", imul(ho, d.sh)), top)));
      bh.if(K.lt(h, K.u32(d.h)), (bi) => {
        const xr = bi.let("xr", iadd(xb, imul(h, d.w)));
        const gr = bi.let("gr", iadd(gb, imul(ho, d.wo)));
        bi.for("wo", K.u32(0), outW, (bw, wo) => {
          const col = bw.let("col", asU32(K.add(K.cast("i32", imul(wo, d.sw)), left)));
          bw.if(K.lt(col, K.u32(d.w)), (bx) => {
            bx.assign(acc, K.add(acc, K.mul(f32(ctx.load(x, iadd(xr, col))), f32(ctx.load(g, iadd(gr, wo))))));
          });
        });
      });
    });
  });
  ctx.store(b, ctx.tensor(root, "read_write"), e, K.cast(ctx.typeOf(root), acc));
  return ctx.launch([Math.max(1, Math.ceil(numel / WG))], `conv2d_grad_weight ${formatType(root.dtype, root.shape)}`, { batch: d.n, out_h: d.ho, out_w: d.wo });
}

// ---------------------------------------------------------------------------------------------
// The choice

/** Which form computes a convolution of this window and stride (same for the op and its gradients). */
export function convForm(attrs: { readonly stride: readonly number[] }, kernel: readonly number[]): "gemm" | "direct" {
  const stride = attrs.stride;
  return kernel[0]! <= 3 && kernel[1]! <= 3 && stride[0]! <= 2 && stride[1]! <= 2 ? "gemm" : "direct";
}

const windowOf = (w: Node): number[] => concreteShape(w.shape).slice(2);

export type ConvOp = "conv2d" | "conv2d_grad_input" | "conv2d_grad_weight";

/** The direct forms for every convolution: what all of them used before the implicit-GEMM forms (benches compare against them). */
export const DIRECT_CONV_BUILDERS: Readonly<Record<ConvOp, Builder>> = {
  conv2d: (group, caps, part) => buildConv2dDirect(group, caps, part),
  conv2d_grad_input: buildConv2dGradInputDirect,
  conv2d_grad_weight: buildConv2dGradWeightDirect,
};

/** The builders registered: each op's form chosen by convForm. */
export const CONV_BUILDERS: Readonly<Record<ConvOp, Builder>> = {
  conv2d: (group, caps, part) =>
    convForm(convAttrs(group.root), windowOf(group.root.inputs[1]!)) === "gemm" ? buildConv2dGemm(group, caps, part) : buildConv2dDirect(group, caps, part),
  conv2d_grad_input: (group, caps, part) =>
    convForm(convAttrs(group.root), windowOf(group.root.inputs[1]!)) === "gemm" ? buildConv2dGradInputGemm(group, caps, part) : buildConv2dGradInputDirect(group, caps, part),
  conv2d_grad_weight: (group, caps, part) =>
    convForm(convAttrs(group.root), attrsOf(group.root, "conv2d_grad_weight").kernel) === "gemm" && caps.target === "wgsl"
      ? buildConv2dGradWeightGemm(group, caps, part) : buildConv2dGradWeightDirect(group, caps, part),
};

for (const [op, build] of Object.entries(CONV_BUILDERS)) registerBuilder(op, build);
