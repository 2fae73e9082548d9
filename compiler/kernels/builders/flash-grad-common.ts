// Stages shared by the flash-attention backward forms (flash-grad-single.ts, flash-grad-rows.ts):
// the frame (operands, sizes, the kernel, the workgroup's owned tile and row), row groups of
// W floats, Δ, and the walk over the tiles of the other axis.
//
// shapes: q [B, H, Lq, D], k [B, H, Lk, D], v [B, H, Lk, Dv], out [B, H, Lq, Dv + 1] (the packed
//         attention{lse}: output, then the row's log-sum-exp), dO [B, H, Lq, G] (G = Dv, or
//         Dv + 1 with the lse cotangent), segments i32 [B, S, 3] (optional), lists i32 (optional:
//         [B, QT, 2·KT + 2] for grad_q, transposed [B, KT, 2·QT + 2] for grad_kv)
//         → grad_q: dQ [B, H, Lq, D]; grad_kv: [B, H, Lk, D + Dv] (dK, then dV).
// Grid: B·H·OT workgroups, one per owned tile (query tiles for grad_q, key tiles for grad_kv).
//
// P is recomputed from the log-sum-exp, P_ij = exp(scale·q_i·k_j − lse_i), so no running max is
// needed; Δ_i = dO_i·O_i − g_i; dS_ij = P_ij (dO_i·v_j − Δ_i). Masked pairs get P = 0 exactly (a
// select, not a mask value), so they contribute exactly 0. There are no atomics: each output row
// is owned by exactly one invocation, which is why the backward is two kernels.

import type { Node } from "../../ir/graph.ts";
import { keyTileOrigin, tileCount } from "../../ir/ops/attention-qknorm.ts";
import { concreteShape } from "../../ir/types.ts";
import { attrsOf } from "../../ir/view.ts";
import type { FusionGroup, Partition } from "../fuse-elementwise.ts";
import type { Block } from "../build-kernel.ts";
import * as K from "../build-kernel.ts";
import type { TensorAccess } from "../emit.ts";
import { KernelContext, iadd, idiv, imod, imul } from "../emit.ts";
import type { Expr, ScalarType } from "../kernel-ir.ts";
import type { TargetCaps } from "../target.ts";
import { maskWord } from "./flash-common.ts";
import type { FlashOptions, GradOperands, GradPlan } from "./flash-plan.ts";
import { dimsOf, gradOperands } from "./flash-plan.ts";

export const f32 = (x: Expr): Expr => K.cast("f32", x);

/** What every backward stage reads. */
export interface GradFrame extends GradOperands {
  readonly root: Node;
  readonly forQ: boolean;
  /** The lists walked (none without, or with tile skipping off). */
  readonly walked: Node | undefined;
  readonly B: number; readonly H: number; readonly Lq: number; readonly Lk: number; readonly D: number; readonly Dv: number; readonly S: number;
  /** dO's row width: Dv, or Dv + 1 with the lse cotangent. */
  readonly G: number;
  readonly scale: number;
  readonly causal: boolean;
  readonly tq: number; readonly tk: number; readonly own: number; readonly QT: number; readonly KT: number; readonly OT: number;
  /** Lk − Lq: query row i sits at key position off + i. */
  readonly off: number;
  readonly dense: boolean;
  readonly walk: string;
  /** Floats per row group: 4 (vec4) when both head dims allow. */
  readonly W: 1 | 4;
  readonly zero: Expr;
  readonly ctx: KernelContext;
  readonly body: Block;
  // NOTE: loop bounds over the head dims are uniform parameters (in groups of W), not constants:
  // LLVM would unroll every 64-long loop and compile for many seconds.
  readonly headDim: Expr;
  readonly headDimV: Expr;
  readonly t: Expr; readonly ot: Expr; readonly h: Expr; readonly bi: Expr;
  /** The owned row of a one-row-per-invocation workgroup, whether it exists, and it clamped (rows past the end compute a copy of the last, never stored). */
  readonly r: Expr; readonly live: Expr; readonly rc: Expr;
  /** Lq (grad_q) or Lk (grad_kv). */
  readonly nOwn: number;
}

/** The problem's sizes and walk, for the form's doc line. */
export type GradShape = Omit<GradFrame, "zero" | "ctx" | "body" | "headDim" | "headDimV" | "t" | "ot" | "h" | "bi" | "r" | "live" | "rc">;

export function gradShape(fusion: FusionGroup, plan: GradPlan, opts: FlashOptions): GradShape {
  const root = fusion.root;
  const forQ = root.op === "attention_grad_q";
  const ops = gradOperands(root);
  const walked = opts.tileSkipping ? ops.lists : undefined;
  const { B, H, Lq, Lk, D, Dv, S } = dimsOf(ops);
  const a = attrsOf(root, "attention_grad_q", "attention_grad_kv");
  const { tq, tk, own } = plan;
  const QT = tileCount(Lq, tq), KT = tileCount(Lk, tk);
  if (!forQ && a.keys_from_end) throw new Error(`internal: ${root.op} owns key tiles from key 0; its lists cannot lay them from the end`);
  const causal = a.causal;
  const dense = !ops.segments && !causal;
  const walk = walked ? `${forQ ? "" : "transposed "}lists of ${tq}×${tk} tiles` : dense ? "unmasked" : ops.segments ? "every pair masked (no lists)" : "causal: sure part unmasked, diagonal band masked";
  return {
    ...ops, root, forQ, walked, B, H, Lq, Lk, D, Dv, S, G: concreteShape(ops.dO.shape)[3]!, scale: a.scale, causal,
    tq, tk, own, QT, KT, OT: forQ ? QT : KT, off: Lk - Lq, dense, walk, W: plan.form === "grad-single" ? plan.w : D % 4 === 0 && Dv % 4 === 0 ? 4 : 1, nOwn: forQ ? Lq : Lk,
  };
}

/** Opens the kernel: doc (shapes, then the form's line), bounds, the owned tile and row. */
export function openGradFrame(s: GradShape, caps: TargetCaps, part: Partition, ni: number, form: string): GradFrame {
  const { root, forQ, B, H, Lq, Lk, D, Dv, G } = s;
  const doc = [
    `${root.op}: q [${B}, ${H}, ${Lq}, ${D}], k [${B}, ${H}, ${Lk}, ${D}], v [${B}, ${H}, ${Lk}, ${Dv}], out+lse [${B}, ${H}, ${Lq}, ${Dv + 1}], dO [${B}, ${H}, ${Lq}, ${G}] → ${forQ ? `dQ [${B}, ${H}, ${Lq}, ${D}]` : `dK|dV [${B}, ${H}, ${Lk}, ${D + Dv}]`}`,
    form,
  ].join("\n");
  const ctx = new KernelContext(forQ ? "attention_grad_q_flash" : "attention_grad_kv_flash", doc, [ni], caps, part);
  const body = ctx.body;
  const headDim = ctx.kb.param("head_dim", "u32"), headDimV = ctx.kb.param("head_dim_v", "u32");
  const t = body.let("t", K.builtin("local_invocation_id", 0));
  const w = body.let("wg", K.linearWorkgroupId());
  const ot = body.let("ot", imod(w, s.OT));
  const h = body.let("h", imod(idiv(w, s.OT), H));
  const bi = body.let("b", idiv(w, s.OT * H));
  const r = body.let("r", iadd(imul(ot, s.own), t)); // the owned row
  const live = body.let("live", K.lt(r, K.u32(s.nOwn)));
  const rc = body.let("rc", K.min(r, K.u32(s.nOwn - 1)));
  const zero = s.W === 4 ? K.vec("vec4<f32>", K.f32(0)) : K.f32(0);
  return { ...s, zero, ctx, body, headDim, headDimV, t, ot, h, bi, r, live, rc };
}

export const splat = (f: GradFrame, x: Expr): Expr => (f.W === 4 ? K.vec("vec4<f32>", x) : x);
export const hsum = (f: GradFrame, x: Expr): Expr => (f.W === 4 ? K.add(K.add(K.lane(x, 0), K.lane(x, 1)), K.add(K.lane(x, 2), K.lane(x, 3))) : x);

/** Group g (u32) of a row of `node` at [b, h, row]: W consecutive elements. */
export function group(f: GradFrame, blk: Block, node: Node, row: Expr, g: Expr): Expr {
  if (f.W === 1) return f32(f.ctx.value(blk, node, [f.bi, f.h, row, g]));
  const c0 = blk.let("c0", K.mul(g, K.u32(4)));
  return K.vec("vec4<f32>", ...[0, 1, 2, 3].map((l) => f32(f.ctx.value(blk, node, [f.bi, f.h, row, iadd(c0, l)]))));
}

/** Store group `value` at flat element `o` + g·W. */
export function storeGroup(f: GradFrame, blk: Block, res: TensorAccess, o: Expr, g: Expr, value: Expr, outType: ScalarType): void {
  if (f.W === 1) f.ctx.store(blk, res, K.add(o, g), K.cast(outType, value));
  else for (let l = 0; l < 4; l++) f.ctx.store(blk, res, K.add(o, K.add(K.mul(g, K.u32(4)), K.u32(l))), K.cast(outType, K.lane(value, l as 0 | 1 | 2 | 3)));
}

/** The mask word of absolute position `p` (flash-common.ts). */
export const word = (f: GradFrame, blk: Block, p: Expr): Expr => maskWord(f.ctx, f.segments!, f.S, f.bi, blk, p);

/** Δ = dO·O − g of row i (g: the lse cotangent, when dO has that column); `dOAt(c)` gives dO's group c. */
export function delta(f: GradFrame, blk: Block, i: Expr, dOAt: (c: Expr) => Expr): Expr {
  const d = blk.var("delta", f.zero);
  blk.for("c", K.u32(0), f.headDimV, (lb, c) => lb.assign(d, K.fma(dOAt(c), group(f, lb, f.out, i, c), d)));
  return f.G > f.Dv ? K.sub(hsum(f, d), f32(f.ctx.value(blk, f.dO, [f.bi, f.h, i, K.u32(f.Dv)]))) : hsum(f, d);
}

/**
 * The tiles of the other axis, as range(block, masked, x0, x1) calls, `masked` a constant or a
 * workgroup-uniform flag: from the lists (full tiles unmasked, then partial ones masked; empty
 * tiles cost nothing), or without lists: dense → everything unmasked; segments → everything
 * masked; causal alone → the tile's sure part unmasked, the diagonal band masked, the rest skipped.
 */
export function walkTiles(f: GradFrame, range: (blk: Block, masked: boolean | Expr, x0: Expr, x1: Expr) => void): void {
  const { forQ, ctx, body, walked: lists, bi, ot, tq, tk, Lq, Lk, off } = f;
  const tile = forQ ? tk : tq, len = forQ ? Lk : Lq;
  if (lists) {
    // Row (b, ot): [nP, partial ×T, nF, full ×T]; entries e < nF full (unmasked), then partial.
    const T = forQ ? f.KT : f.QT;
    const entry = (blk: Block, e: Expr): Expr => K.cast("u32", ctx.value(blk, lists, [bi, ot, e]));
    const nP = body.let("n_partial", entry(body, K.u32(0)));
    const nF = body.let("n_full", entry(body, K.u32(T + 1)));
    body.for("e", K.u32(0), K.add(nF, nP), (eb, e) => {
      const partial = eb.let("partial", K.ge(e, nF));
      const x = eb.let("x", entry(eb, K.select(partial, K.add(K.sub(e, nF), K.u32(1)), K.add(e, K.u32(T + 2)))));
      // grad_q walks key tiles, which may be laid from the last key (keys_from_end); grad_kv's
      // transposed lists walk query tiles, always from row 0.
      const o = forQ ? keyTileOrigin(Lk, tk, attrsOf(f.root, "attention_grad_q").keys_from_end) : 0;
      const t0 = eb.let("t0", K.mul(x, K.u32(tile)));
      const x0 = o > 0 ? eb.let("x0", K.sub(K.max(t0, K.u32(o)), K.u32(o))) : t0;
      range(eb, partial, x0, K.min(K.sub(K.add(t0, K.u32(tile)), K.u32(o)), K.u32(len)));
    });
  } else if (f.dense) {
    range(body, false, K.u32(0), K.u32(len));
  } else if (f.segments) {
    range(body, true, K.u32(0), K.u32(len));
  } else {
    // Causal alone. grad_q: keys ≤ the tile's first row's position are seen by every row
    // (unmasked), the band up to its last row masked. grad_kv: queries whose position is ≥ the
    // tile's last key see all of it (unmasked), those in [first key, last key) some.
    let sure0: Expr, sure1: Expr, band0: Expr, band1: Expr;
    if (forQ) {
      const p0 = K.add(K.cast("i32", K.mul(ot, K.u32(tq))), K.i32(off));
      const p1 = K.add(K.cast("i32", K.min(K.add(K.mul(ot, K.u32(tq)), K.u32(tq)), K.u32(Lq))), K.i32(off));
      const fullEnd = body.let("full_end", K.cast("u32", K.clamp(K.add(p0, K.i32(1)), K.i32(0), K.i32(Lk))));
      sure0 = K.u32(0);
      sure1 = fullEnd;
      band0 = fullEnd;
      band1 = body.let("band_end", K.max(fullEnd, K.cast("u32", K.clamp(p1, K.i32(0), K.i32(Lk)))));
    } else {
      const j0 = K.cast("i32", K.mul(ot, K.u32(tk)));
      const jLast = K.cast("i32", K.sub(K.min(K.add(K.mul(ot, K.u32(tk)), K.u32(tk)), K.u32(Lk)), K.u32(1)));
      const bandStart = body.let("band_start", K.cast("u32", K.clamp(K.sub(j0, K.i32(off)), K.i32(0), K.i32(Lq))));
      const fullStart = body.let("full_start", K.max(bandStart, K.cast("u32", K.clamp(K.sub(jLast, K.i32(off)), K.i32(0), K.i32(Lq)))));
      sure0 = fullStart;
      sure1 = K.u32(Lq);
      band0 = bandStart;
      band1 = fullStart;
    }
    body.for("e", K.u32(0), K.u32(2), (eb, e) => {
      const band = eb.let("band", K.eq(e, K.u32(1)));
      range(eb, band, K.select(band, band0, sure0), K.select(band, band1, sure1));
    });
  }
}
