// Stages shared by the forward flash forms that hold rows as vec4 groups: register-blocked
// (flash-blocked.ts) and the subgroup row forms (flash-sg-rows.ts, flash-grouped.ts).
//
// shapes: q [B, H, Lq, D], k [B, H, Lk, D], v [B, H, Lk, Dv] → out [B, H, Lq, W] (W = Dv, or
//         Dv + 1 with `lse`: column Dv is the row's log-sum-exp); attention_qknorm adds norm
//         weights/biases [D], positions i32 [Lk], segments i32 [B, S, 3] and lists i32
//         [B, QT, 2·KT + 2]; attention adds segments only. D and Dv multiples of 4.
//
// A form builds its kernel context and declares its arrays, then opens the frame (openFrame:
// the uniform loop bounds and the workgroup's ids) and hands that one record to the stages here:
//   rowGroup       group g (4 floats) of row j of q, k or v: one vec4 load when stored contiguously
//   normTables     the LayerNorm parameters [q weight, q bias, k weight, k bias] as vec4 rows and
//                  the rotary frequencies (vec4 per rotary group), in workgroup memory
//   exitIfNoKeys   a query tile whose lists are empty writes zeros (and the mask value as lse)
//   loadNormRows   rows into a tile, LayerNormed and rotated by the invocation that loads them
// Rotary pairs are the vec4 groups (g, g + half4), g < half4 = rotary_dim/8; groups from
// rotary_dim/4 on are only normalized.

import type { Node } from "../../ir/graph.ts";
import { attrsOf, isOp } from "../../ir/view.ts";
import { maskValue } from "../../ir/ops/attention.ts";
import { keyTileOrigin, tileCount } from "../../ir/ops/attention-qknorm.ts";
import { concreteShape } from "../../ir/types.ts";
import type { Block } from "../build-kernel.ts";
import * as K from "../build-kernel.ts";
import type { KernelContext } from "../emit.ts";
import { iadd, imul } from "../emit.ts";
import type { ArrayRef, Expr } from "../kernel-ir.ts";
import type { TargetCaps } from "../target.ts";
import { shardPlan } from "../target.ts";
import { rotaryFrequencies, sinCos4 } from "./flash-common.ts";
import type { AttentionOperands, FlashOptions } from "./flash-plan.ts";
import { attentionOperands, dimsOf } from "./flash-plan.ts";

export const V4 = "vec4<f32>" as const;
export const f32 = (x: Expr): Expr => K.cast("f32", x);

/** The problem of one forward flash kernel: operands, sizes, attributes. */
export interface FlashShape {
  readonly root: Node;
  readonly ops: AttentionOperands;
  /** The lists the kernel walks (none when the node has none or tile skipping is off). */
  readonly lists: Node | undefined;
  readonly fused: boolean;
  readonly B: number; readonly H: number; readonly Lq: number; readonly Lk: number;
  readonly D: number; readonly Dv: number; readonly S: number;
  readonly D4: number; readonly Dv4: number;
  readonly scale: number;
  readonly causal: boolean;
  readonly lse: boolean;
  /** Output row width: Dv, or Dv + 1 with lse. */
  readonly W: number;
  /** attention_qknorm's rotary dims, LayerNorm eps and rotary base (0 for attention). */
  readonly rdim: number;
  readonly half4: number;
  readonly eps: number;
  readonly base: number;
  /** Query rows per tile, key tile (the lists', or the chunk), keys per chunk. */
  readonly tq: number; readonly tk: number; readonly CK: number; readonly CK4: number;
  readonly QT: number; readonly KT: number;
  /** Lk − Lq: query row i sits at key position off + i. */
  readonly off: number;
  /** Key tile kt starts at kt·tk − keyOrigin (keys_from_end). */
  readonly keyOrigin: number;
  /** No segments and not causal: every key unmasked. */
  readonly dense: boolean;
  /** Which keys, with which loop, for labels. */
  readonly walk: string;
}

export function flashShape(root: Node, opts: FlashOptions, tq: number, CK: number): FlashShape {
  const ops = attentionOperands(root);
  const { B, H, Lq, Lk, D, Dv, S } = dimsOf(ops);
  const a = attrsOf(root, "attention", "attention_qknorm");
  const qk = isOp(root, "attention_qknorm") ? root.attrs : undefined; // the lists and the QK-Norm come with it
  const fused = ops.norm !== undefined;
  const lists = opts.tileSkipping ? ops.lists : undefined;
  if (ops.lists && qk?.tile_q !== tq) throw new Error(`internal: flash plan ${tq} rows for lists of ${qk?.tile_q}-row tiles`);
  const tk = lists && qk ? qk.tile_k : CK;
  const causal = a.causal, lse = a.lse;
  const rdim = fused && qk ? qk.rotary_dim : 0;
  const dense = !ops.segments && !causal;
  const walk = lists ? `full and partial lists of ${tq}×${tk} tiles` : dense ? "no partial tiles: unmasked loop only" : ops.segments ? "every key masked (no lists)" : "causal: unmasked below the diagonal, masked band";
  return {
    root, ops, lists, fused, B, H, Lq, Lk, D, Dv, S, D4: D / 4, Dv4: Dv / 4,
    scale: a.scale, causal, lse, W: lse ? Dv + 1 : Dv, rdim, half4: rdim / 8, eps: qk ? qk.eps : 0, base: qk ? qk.base : 0,
    tq, tk, CK, CK4: CK / 4, QT: tileCount(Lq, tq), KT: tileCount(Lk, tk), off: Lk - Lq,
    keyOrigin: lists && qk ? keyTileOrigin(Lk, tk, qk.keys_from_end) : 0, dense, walk,
  };
}

/** The kernel's doc: shapes, the form's line, the prologue. */
export function flashDoc(s: FlashShape, form: string): string {
  return [
    `${s.root.op}: q [${s.B}, ${s.H}, ${s.Lq}, ${s.D}], k [${s.B}, ${s.H}, ${s.Lk}, ${s.D}], v [${s.B}, ${s.H}, ${s.Lk}, ${s.Dv}] → out [${s.B}, ${s.H}, ${s.Lq}, ${s.W}]${s.lse ? " (column Dv: log-sum-exp)" : ""}`,
    form,
    s.fused ? `prologue: per-head LayerNorm (eps ${s.eps}) and rotary (dim ${s.rdim}, base ${s.base}) of q and k tiles` : "",
  ].filter(Boolean).join("\n");
}

/** What every stage reads: the shape, the kernel, its uniform bounds and the workgroup's ids. */
export interface FlashFrame extends FlashShape {
  readonly caps: TargetCaps;
  readonly ctx: KernelContext;
  readonly body: Block;
  /** Invocations per workgroup. */
  readonly ni: number;
  readonly t: Expr;
  readonly bi: Expr;
  readonly h: Expr;
  /** This invocation's query tile and its first row. */
  readonly qt: Expr;
  readonly row0: Expr;
  // NOTE: loop bounds over the head dims and the chunk are uniform parameters, not constants:
  // with constants, shader compilers (LLVM in llvmpipe) unroll them and compile for many seconds.
  readonly headGroups: Expr;
  readonly keyGroups: Expr;
  /** D/4 − rotary_dim/8: the items of a row's normalization (attention_qknorm). */
  readonly normItems: Expr | null;
  /** [q weight, q bias, k weight, k bias] as vec4 rows; the rotary frequencies (attention_qknorm). */
  readonly normS: ArrayRef | null;
  readonly invFreq: ArrayRef | null;
}

/** The workgroup's ids: (b, h, query tile) from the linear workgroup id; `grouped` gives them for several tiles per workgroup. */
export interface FrameIds {
  readonly t: Expr;
  readonly bi: Expr;
  readonly h: Expr;
  readonly qt: Expr;
  readonly row0: Expr;
}

/** Declares the uniform bounds (after the form's arrays), then calls `ids` for the workgroup's ids, and returns the frame. */
export function openFrame(s: FlashShape, caps: TargetCaps, ctx: KernelContext, ni: number, tables: { normS: ArrayRef | null; invFreq: ArrayRef | null }, ids: (body: Block, t: Expr, w: Expr) => Omit<FrameIds, "t">): FlashFrame {
  const body = ctx.body;
  const headGroups = ctx.kb.param("head_groups", "u32");
  const keyGroups = ctx.kb.param("key_groups", "u32");
  const normItems = s.fused ? ctx.kb.param("norm_items", "u32") : null;
  const t = body.let("t", K.builtin("local_invocation_id", 0));
  const w = body.let("wg", K.linearWorkgroupId());
  return { ...s, caps, ctx, body, ni, t, ...ids(body, t, w), headGroups, keyGroups, normItems, ...tables };
}

/** The launch's uniform values for openFrame's bounds. */
export const frameParams = (s: FlashShape): Record<string, number> => ({ head_groups: s.D4, key_groups: s.CK4, ...(s.fused ? { norm_items: s.D4 - s.half4 } : {}) });

/** Strided loop over [0, n) across the workgroup. */
export function spread(f: FlashFrame, blk: Block, name: string, n: number | Expr, fn: (b: Block, e: Expr) => void): void {
  blk.for(name, f.t, typeof n === "number" ? K.u32(n) : n, fn, f.ni);
}

/** Whether `node` can be read as vec4s: materialized, not bool, every shard a whole number of vec4s. */
export function vecView(f: FlashFrame, node: Node): boolean {
  const base = f.ctx.memoryOf(node);
  if (!f.ctx.isMaterialized(base) || base.dtype === "bool") return false;
  const plan = shardPlan(base.dtype, base.shape, f.caps);
  return plan.numel % 4 === 0 && plan.elemsPerShard % 4 === 0;
}

/**
 * Group g (4 elements) of row j of q, k or v [B, H, L, width]: one vec4 load from a vec4 view
 * when the tensor is stored contiguously (on llvmpipe every load is a per-lane gather, so four
 * scalar loads cost about four times one vec4 load), else four values.
 */
export function rowGroup(f: FlashFrame, blk: Block, node: Node, width4: number, j: Expr, g: Expr): Expr {
  if (!vecView(f, node)) {
    const g4 = blk.let("d0", K.mul(g, K.u32(4)));
    return K.vec(V4, ...[0, 1, 2, 3].map((c) => f32(f.ctx.value(blk, node, [f.bi, f.h, j, K.add(g4, K.u32(c))]))));
  }
  const t4 = f.ctx.tensor(node, "read", 4);
  const L = concreteShape(node.shape)[2]!;
  const v = f.ctx.load(t4, K.add(imul(K.add(imul(iadd(imul(f.bi, f.H), f.h), L), j), width4), g));
  return v.type === V4 ? v : K.cast(V4, v);
}

/**
 * A query tile the lists give no key tile (all its rows dead, or hidden): zeros (and the mask
 * value as log-sum-exp) for its rows, and nothing else. Read-only storage is uniform, so
 * returning before the barriers is allowed.
 */
export function exitIfNoKeys(f: FlashFrame): void {
  const { ctx, body, root, lists } = f;
  if (!lists) return;
  const entry = (e: number): Expr => K.cast("u32", ctx.value(body, lists, [f.bi, f.qt, K.u32(e)]));
  const out = ctx.tensor(root, "read_write");
  body.if(K.eq(K.add(entry(0), entry(f.KT + 1)), K.u32(0)), (x) => {
    spread(f, x, "r", f.tq, (rb, r) => {
      const row = rb.let("row", K.add(f.row0, r));
      rb.if(K.lt(row, K.u32(f.Lq)), (sb) => {
        const o = sb.let("o", imul(K.add(imul(iadd(imul(f.bi, f.H), f.h), f.Lq), row), f.W));
        sb.for("c", K.u32(0), K.u32(f.W), (cb, c) => ctx.store(cb, out, K.add(o, c), K.cast(ctx.typeOf(root), K.select(K.lt(c, K.u32(f.Dv)), K.f32(0), K.f32(maskValue(root.dtype))))));
      });
    });
    x.return();
  });
}

/** The norm parameter rows and rotary frequencies into workgroup memory (attention_qknorm; the caller places the barrier). */
export function normTables(f: FlashFrame): void {
  const { ctx, body, normS, invFreq, ops, D4 } = f;
  if (normS && ops.norm) {
    const { qw, qb, kw, kb } = ops.norm;
    [qw, qb, kw, kb].forEach((node, which) => spread(f, body, "e", D4, (lb, g) => {
      const v_ = vecView(f, node) ? ctx.load(ctx.tensor(node, "read", 4), g) : K.vec(V4, ...[0, 1, 2, 3].map((c) => f32(ctx.value(lb, node, [K.add(K.mul(g, K.u32(4)), K.u32(c))]))));
      lb.store(normS, K.add(g, K.u32(which * D4)), v_.type === V4 ? v_ : K.cast(V4, v_));
    }));
  }
  if (invFreq) {
    // base^(−2r/rotary_dim), as the rotary decomposition rounds them: constants, no pow on the device.
    const freqs = rotaryFrequencies(f.rdim, f.base);
    body.if(K.eq(f.t, K.u32(0)), (x) => {
      for (let r = 0; r < f.rdim / 8; r++) x.store(invFreq, K.u32(r), K.vec(V4, ...freqs.slice(4 * r, 4 * r + 4).map((v) => K.f32(v))));
    });
  }
}

/** How loadNormRows normalizes: q's or k's parameters, the row's rotary position (f32), a factor after (the softmax scale for q). */
export interface RowNorm {
  readonly which: 0 | 1;
  readonly position: (b: Block, r: Expr) => Expr;
  readonly post: number;
}

/**
 * Rows from global memory into a tile (vec4 rows of D/4), one invocation per row. With `norm`
 * the same invocation then LayerNorms and rotates its row: the statistics are taken while
 * loading (sums shifted by the row's first element, so a large mean costs no precision), and
 * since no other invocation touches the row, no barrier is needed between loading and
 * normalizing. `rowOf(r)` is the clamped source row of tile row r.
 */
export function loadNormRows(f: FlashFrame, blk: Block, node: Node, arr: ArrayRef, rows: number, rowOf: (b: Block, r: Expr) => Expr, norm: RowNorm): void {
  const { D, D4, half4, normS, invFreq } = f;
  spread(f, blk, "r", rows, (rb, r) => {
    const j = rb.let("j", rowOf(rb, r));
    const o = rb.let("o", K.mul(r, K.u32(D4)));
    const shift = rb.let("shift", K.vec(V4, K.lane(rowGroup(f, rb, node, D4, j, K.u32(0)), 0)));
    const sum = rb.var("sum", K.vec(V4, K.f32(0)));
    const sq = rb.var("sq", K.vec(V4, K.f32(0)));
    rb.for("g", K.u32(0), f.headGroups, (lb, g) => {
      const x = lb.let("x", rowGroup(f, lb, node, D4, j, g));
      lb.store(arr, K.add(o, g), x);
      const c = lb.let("c", K.sub(x, shift));
      lb.assign(sum, K.add(sum, c));
      lb.assign(sq, K.add(sq, K.mul(c, c)));
    });
    const total = (v: Expr): Expr => K.add(K.add(K.lane(v, 0), K.lane(v, 1)), K.add(K.lane(v, 2), K.lane(v, 3)));
    const m1 = rb.let("m1", K.mul(total(sum), K.f32(1 / D))); // mean − shift
    const vr = rb.let("var", K.max(K.sub(K.mul(total(sq), K.f32(1 / D)), K.mul(m1, m1)), K.f32(0)));
    const mean = rb.let("mean", K.vec(V4, K.add(m1, K.lane(shift, 0))));
    const rstd = rb.let("rstd", K.vec(V4, K.inverseSqrt(K.add(vr, K.f32(f.eps)))));
    const p = half4 > 0 ? rb.let("p", norm.position(rb, r)) : null;
    const normed = (b: Block, g: Expr): Expr => {
      const wv = K.load(normS!, K.add(g, K.u32(2 * norm.which * D4)));
      const bv = K.load(normS!, K.add(g, K.u32((2 * norm.which + 1) * D4)));
      return b.let("n", K.add(K.mul(K.mul(K.sub(K.load(arr, K.add(o, g)), mean), rstd), wv), bv));
    };
    // Items: half4 rotated pairs, then the groups past the rotary dims (a uniform loop bound).
    rb.for("x", K.u32(0), f.normItems!, (eb, x) => {
      const g = eb.let("g", K.select(K.lt(x, K.u32(half4)), x, K.add(x, K.u32(half4))));
      if (half4 > 0) {
        eb.if(K.lt(x, K.u32(half4)), (pb) => {
          const g2 = pb.let("g2", K.add(g, K.u32(half4)));
          const x1 = normed(pb, g), x2 = normed(pb, g2);
          const [sv, cv] = sinCos4(pb, K.mul(K.load(invFreq!, g), p!));
          pb.store(arr, K.add(o, g), K.mul(K.sub(K.mul(x1, cv), K.mul(x2, sv)), K.f32(norm.post)));
          pb.store(arr, K.add(o, g2), K.mul(K.add(K.mul(x2, cv), K.mul(x1, sv)), K.f32(norm.post)));
        }, (sb) => sb.store(arr, K.add(o, g), K.mul(normed(sb, g), K.f32(norm.post))));
      } else {
        eb.store(arr, K.add(o, g), K.mul(normed(eb, g), K.f32(norm.post)));
      }
    });
  });
}
