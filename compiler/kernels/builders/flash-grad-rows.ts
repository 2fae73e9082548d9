// Flash attention backward, subgroup row form (attention_grad_q, attention_grad_kv): WGSL whose
// subgroups have ≥ 8 lanes, D and Dv multiples of 32, problems above bigAttention's size (the
// forward's row form applied to both kernels).
//
// shapes: as flash-grad-common.ts. One workgroup of NI = own/R invocations per owned tile;
//         invocation t owns rows t + NI·i (i < R = 4 at 32-row tiles). Grid: B·H·OT workgroups.
//
// Why: the one-row form does about one workgroup-memory or private-array access per FMA, and on
// llvmpipe each such access is a loop over the SIMD lanes. Here the walked axis comes in chunks of
// CK = 32 rows read straight from global memory (no staging, no barriers): lane l reads rows
// c0 + l + 8m only and takes the others from its neighbours by subgroupBroadcast (a register
// shuffle), so each vector loaded serves R rows × 8 lanes. Per chunk, with the R × CK pairs in
// registers:
//   grad_q   s = q·k and dP = dO·v (K, V broadcast; the own q, dO rows from private copies),
//            P = exp(scale·s − lse), dS = P(dP − Δ) (lse, Δ of the own rows computed once);
//            dQ += dS·k, 4 keys per step (K broadcast again), dQ in registers.
//   grad_kv  s = k·q and dP = v·dO (q, dO broadcast; own k, v private); lse, Δ and the mask word
//            of each query row computed by the lane that reads it and broadcast; dV += P·dO,
//            dK += dS·q.
// The weights (dS; and P) reach the accumulation loop through the invocation's own lines of a
// workgroup array, so that loop is rolled (uniform bounds; unrolled bodies compile for minutes).
// Masks per element (allowedWords on the broadcast words): masked pairs give P = 0 exactly.

import type { Node } from "../../ir/graph.ts";
import { concreteShape, formatType } from "../../ir/types.ts";
import type { FusionGroup, Partition } from "../fuse-elementwise.ts";
import type { Block } from "../build-kernel.ts";
import * as K from "../build-kernel.ts";
import type { Launch } from "../emit.ts";
import type { ArrayRef, Expr } from "../kernel-ir.ts";
import type { TargetCaps } from "../target.ts";
import { shardPlan } from "../target.ts";
import { allowedWords } from "./flash-common.ts";
import type { FlashOptions, GradPlan } from "./flash-plan.ts";
import { GRAD_SG as SG } from "./flash-plan.ts";
import type { GradFrame } from "./flash-grad-common.ts";
import { f32, gradShape, group, hsum, openGradFrame, storeGroup, walkTiles, word } from "./flash-grad-common.ts";

const V4 = "vec4<f32>" as const;

/** The row form's frame: the shared frame, its sizes, the lane, the owned rows and their private copies. */
interface RowsFrame extends GradFrame {
  readonly caps: TargetCaps;
  readonly R: number; readonly NI: number; readonly CK: number; readonly CK4: number; readonly D4: number; readonly Dv4: number;
  /** 0 … R − 1. */
  readonly ROWS: readonly number[];
  readonly chunkGroups: Expr;
  readonly lane: Expr;
  /** The owned rows, and them clamped (rows past the end: a copy of the last, never stored). */
  readonly rows: readonly Expr[];
  readonly rowC: readonly Expr[];
  readonly ownRows: Map<Node, { arr: ArrayRef; width: number }>;
}

const localRow = (f: RowsFrame, i: number): Expr => (i === 0 ? f.t : K.add(f.t, K.u32(f.NI * i)));

export function buildFlashGradRows(fusion: FusionGroup, caps: TargetCaps, part: Partition, plan: GradPlan & { readonly form: "grad-rows" }, opts: FlashOptions): Launch {
  const s = gradShape(fusion, plan, opts);
  const { r: R, ni: NI, ck: CK } = plan;
  const base = openGradFrame(s, caps, part, NI, `flash backward rows (P from the lse); one workgroup of ${NI} per (b, h, ${s.own}-row ${s.forQ ? "query" : "key"} tile), ${R} rows per invocation; ${s.forQ ? "keys" : "queries"} in chunks of ${CK} shared among ${SG} subgroup lanes; ${s.walk}`);
  const { body, ot, own, nOwn } = base;
  const chunkGroups = base.ctx.kb.param("chunk_groups", "u32");
  const lane = body.let("sg_lane", K.rem(K.subgroupInvocationId(), K.u32(SG)));
  const ROWS = Array.from({ length: R }, (_, i) => i);
  const partial = { ...base, caps, R, NI, CK, CK4: CK / 4, D4: s.D / 4, Dv4: s.Dv / 4, ROWS, chunkGroups, lane, rows: [] as Expr[], rowC: [] as Expr[], ownRows: new Map<Node, { arr: ArrayRef; width: number }>() };
  const rows = ROWS.map((i) => body.let("row", K.add(K.mul(ot, K.u32(own)), localRow(partial, i))));
  const rowC = ROWS.map((i) => body.let("rc", K.min(rows[i]!, K.u32(nOwn - 1))));
  const f: RowsFrame = { ...partial, rows, rowC };
  const dsS = f.ctx.kb.sharedArray("ds_rows", V4, own * f.CK4);
  const res = f.ctx.tensor(f.root, "read_write");
  const outType = f.ctx.typeOf(f.root);
  const rowBase = K.mul(K.add(K.mul(f.bi, K.u32(f.H)), f.h), K.u32(nOwn));
  if (f.forQ) gradQ(f, dsS, (i, sb, dq) => {
    const o = sb.let("o", K.mul(K.add(rowBase, rows[i]!), K.u32(f.D)));
    dq.forEach((x, c) => storeGroup(f, sb, res, o, K.u32(c), K.mul(x, K.vec(V4, K.f32(f.scale))), outType));
  });
  else gradKV(f, dsS, (i, sb, dk, dv) => {
    const o = sb.let("o", K.mul(K.add(rowBase, rows[i]!), K.u32(f.D + f.Dv)));
    dk.forEach((x, c) => storeGroup(f, sb, res, o, K.u32(c), K.mul(x, K.vec(V4, K.f32(f.scale))), outType));
    const ov = sb.let("ov", K.add(o, K.u32(f.D)));
    dv.forEach((x, c) => storeGroup(f, sb, res, ov, K.u32(c), x, outType));
  });
  const label = `${f.root.op} ${formatType(f.root.dtype, f.root.shape)} (flash backward rows: ${own}-row tiles, ${R} rows per invocation, ${f.forQ ? "keys" : "queries"} in chunks of ${CK} shared among ${SG} subgroup lanes; ${f.walk})`;
  return f.ctx.launch([f.B * f.H * f.OT], label, { head_dim: f.D4, head_dim_v: f.Dv4, chunk_groups: f.CK4 });
}

/** Whether `node` [B, H, L, stride] reads as vec4s: materialized, not bool, whole vec4s per shard. */
function vecView(f: RowsFrame, node: Node, stride: number): boolean {
  if (stride % 4 !== 0) return false;
  const base = f.ctx.memoryOf(node);
  if (!f.ctx.isMaterialized(base) || base.dtype === "bool") return false;
  const plan = shardPlan(base.dtype, base.shape, f.caps);
  return plan.numel % 4 === 0 && plan.elemsPerShard % 4 === 0;
}

/** Group g (4 floats) of row j of `node` [B, H, L, stride]: one vec4 load where stored contiguously (on llvmpipe each load is a loop over the lanes). */
function vgroup(f: RowsFrame, blk: Block, node: Node, stride: number, j: Expr, g: Expr): Expr {
  const { ctx, bi, h } = f;
  if (!vecView(f, node, stride)) return K.vec(V4, ...[0, 1, 2, 3].map((c) => f32(ctx.value(blk, node, [bi, h, j, K.add(K.mul(g, K.u32(4)), K.u32(c))]))));
  const L = concreteShape(node.shape)[2]!;
  const x = ctx.load(ctx.tensor(node, "read", 4), K.add(K.mul(K.add(K.mul(K.add(K.mul(bi, K.u32(f.H)), h), K.u32(L)), j), K.u32(stride / 4)), g));
  return x.type === V4 ? x : K.cast(V4, x);
}

const bcast = (xs: readonly Expr[], j: number): Expr => K.subgroupBroadcast(xs[Math.floor(j / SG)]!, j % SG);

/** This lane's rows of the walked chunk at c0 (clamped to the axis: rows past n are never weighted). */
const mine = (f: RowsFrame, cb: Block, c0: Expr, len: number): Expr[] => Array.from({ length: f.CK / SG }, (_, m) => cb.let("x", K.min(K.add(c0, K.add(f.lane, K.u32(SG * m))), K.u32(len - 1))));

/** Δ = dO·O − g of row j (g: the lse cotangent, when dO has that column). */
function deltaOf(f: RowsFrame, blk: Block, j: Expr): Expr {
  const d = blk.var("delta", K.vec(V4, K.f32(0)));
  blk.for("c", K.u32(0), f.headDimV, (lb, c) => lb.assign(d, K.fma(vgroup(f, lb, f.dO, f.G, j, c), group(f, lb, f.out, j, c), d)));
  return f.G > f.Dv ? K.sub(hsum(f, d), f32(f.ctx.value(blk, f.dO, [f.bi, f.h, j, K.u32(f.Dv)]))) : hsum(f, d);
}

/**
 * The owned rows of `node` read once into a private array [R, width] rather than from global
 * memory per head group of every chunk (each would be a per-lane loop on llvmpipe).
 */
function cacheOwn(f: RowsFrame, node: Node, stride: number, width: number, bound: Expr): void {
  const arr = f.body.array("own_rows", V4, f.R * width);
  for (const i of f.ROWS) f.body.for("g", K.u32(0), bound, (lb, g) => lb.store(arr, K.add(K.u32(i * width), g), vgroup(f, lb, node, stride, f.rowC[i]!, g)));
  f.ownRows.set(node, { arr, width });
}

/** Dot products [R][CK] of the owned rows of `ownNode` (their private copy) and the walked rows of `walked`, over `bound` groups. */
function pairDots(f: RowsFrame, cb: Block, bound: Expr, ownNode: Node, walked: Node, walkedStride: number, walkRows: readonly Expr[]): Expr[][] {
  const s = f.ROWS.map(() => Array.from({ length: f.CK }, () => cb.var("s", K.f32(0))));
  cb.for("g", K.u32(0), bound, (gb, g) => {
    const own_ = f.ownRows.get(ownNode);
    if (!own_) throw new Error(`internal: ${f.root.op}: the owned rows of ${ownNode} were not cached`);
    const ov = f.ROWS.map((i) => gb.let("ov", K.load(own_.arr, K.add(K.u32(i * own_.width), g))));
    const wm = walkRows.map((x) => gb.let("wm", vgroup(f, gb, walked, walkedStride, x, g)));
    for (let j = 0; j < f.CK; j++) {
      const wv = gb.let("wv", bcast(wm, j));
      for (const i of f.ROWS) {
        let e = s[i]![j]!;
        for (let c = 0; c < 4; c++) e = K.fma(K.lane(ov[i]!, c as 0 | 1 | 2 | 3), K.lane(wv, c as 0 | 1 | 2 | 3), e);
        gb.assign(s[i]![j]!, e);
      }
    }
  });
  return s;
}

interface Term { acc: Expr[][]; weights: ArrayRef; node: Node; stride: number; groups: number }

/** acc[i][c] += Σ_j w_ij·x_j[c] over the chunk at c0: per 4 walked rows, R weight loads and 4·groups/SG loads of x. */
function accumulate(f: RowsFrame, cb: Block, c0: Expr, len: number, terms: readonly Term[]): void {
  cb.for("kg", K.u32(0), f.chunkGroups, (gb, kg) => {
    const four = [0, 1, 2, 3].map((kk) => gb.let("x4", K.min(K.add(c0, K.add(K.mul(kg, K.u32(4)), K.u32(kk))), K.u32(len - 1))));
    for (const tm of terms) {
      const wv = f.ROWS.map((i) => gb.let("w", K.load(tm.weights, K.add(K.mul(localRow(f, i), K.u32(f.CK4)), kg))));
      const xm = four.map((x) => Array.from({ length: tm.groups / SG }, (_, u) => gb.let("xm", vgroup(f, gb, tm.node, tm.stride, x, K.add(f.lane, K.u32(SG * u))))));
      for (let c = 0; c < tm.groups; c++) {
        const xb = xm.map((m) => gb.let("xb", bcast(m, c)));
        for (const i of f.ROWS) {
          let e = tm.acc[i]![c]!;
          for (let kk = 0; kk < 4; kk++) e = K.fma(K.vec(V4, K.lane(wv[i]!, kk as 0 | 1 | 2 | 3)), xb[kk]!, e);
          gb.assign(tm.acc[i]![c]!, e);
        }
      }
    }
  });
}

/** Weights w[i][j] into the invocation's own lines of `arr` [own, CK/4]. */
function putWeights(f: RowsFrame, cb: Block, arr: ArrayRef, w: readonly Expr[][]): void {
  for (const i of f.ROWS) for (let j = 0; j < f.CK; j += 4) cb.store(arr, K.add(K.mul(localRow(f, i), K.u32(f.CK4)), K.u32(j / 4)), K.vec(V4, w[i]![j]!, w[i]![j + 1]!, w[i]![j + 2]!, w[i]![j + 3]!));
}

/** Whether pair (i, j) counts: inside the chunk and, on a masked walk, allowed. */
const pairOk = (cb: Block, masked: boolean | Expr, inChunk: Expr, allowed: () => Expr): Expr =>
  masked === false ? inChunk : cb.let("ok", K.and(inChunk, masked === true ? allowed() : K.or(K.not(masked), allowed())));

/** grad_q: rows are query rows; walked: key chunks. `store(i, block, dq)` writes row i. */
function gradQ(f: RowsFrame, dsS: ArrayRef, store: (i: number, sb: Block, dq: Expr[]) => void): void {
  const { body, ROWS, rowC, CK, D, Dv, D4, Dv4, G, Lq, Lk } = f;
  const posQ = ROWS.map((i) => body.let("pos_q", K.add(K.cast("i32", rowC[i]!), K.i32(f.off))));
  const qWord = f.segments ? ROWS.map((i) => body.let("q_word", word(f, body, posQ[i]!))) : null;
  const lse = ROWS.map((i) => body.let("lse", f32(f.ctx.value(body, f.out, [f.bi, f.h, rowC[i]!, K.u32(Dv)]))));
  const dlt = ROWS.map((i) => body.let("delta_row", deltaOf(f, body, rowC[i]!)));
  const dq = ROWS.map(() => Array.from({ length: D4 }, () => body.var("dq", K.vec(V4, K.f32(0)))));
  cacheOwn(f, f.q, D, D4, f.headDim);
  cacheOwn(f, f.dO, G, Dv4, f.headDimV);
  walkTiles(f, (blk, masked, k0, k1) => blk.for("c0", k0, k1, (cb, c0) => {
    const n = cb.let("n", K.min(K.u32(CK), K.sub(k1, c0)));
    const keys = mine(f, cb, c0, Lk);
    const s = pairDots(f, cb, f.headDim, f.q, f.k, D, keys);
    const dp = pairDots(f, cb, f.headDimV, f.dO, f.v, Dv, keys);
    const kwMine = f.segments && masked !== false ? keys.map((x) => cb.let("kw", word(f, cb, K.cast("i32", x)))) : null;
    const ds = ROWS.map(() => [] as Expr[]);
    for (let j = 0; j < CK; j++) {
      const inChunk = cb.let("in_chunk", K.lt(K.u32(j), n));
      const kw = kwMine ? cb.let("k_word", bcast(kwMine, j)) : null;
      const kPos = K.cast("i32", K.add(c0, K.u32(j)));
      for (const i of ROWS) {
        const ok = pairOk(cb, masked, inChunk, () => allowedWords(f.causal, qWord ? qWord[i]! : null, posQ[i]!, kw, kPos));
        const p = cb.let("p", K.select(ok, K.exp(K.sub(K.mul(s[i]![j]!, K.f32(f.scale)), lse[i]!)), K.f32(0)));
        ds[i]!.push(cb.let("ds", K.mul(p, K.sub(dp[i]![j]!, dlt[i]!))));
      }
    }
    putWeights(f, cb, dsS, ds);
    accumulate(f, cb, c0, Lk, [{ acc: dq, weights: dsS, node: f.k, stride: D, groups: D4 }]);
  }, CK));
  ROWS.forEach((i) => body.if(K.lt(f.rows[i]!, K.u32(Lq)), (sb) => store(i, sb, dq[i]!)));
}

/** grad_kv: rows are key rows; walked: query chunks (lse, Δ, mask word per query row computed by the lane that reads the row, then broadcast). */
function gradKV(f: RowsFrame, dsS: ArrayRef, store: (i: number, sb: Block, dk: Expr[], dv: Expr[]) => void): void {
  const { body, ROWS, rowC, CK, D, Dv4, D4, G, Lq, Lk } = f;
  const posK = ROWS.map((i) => body.let("pos_k", K.cast("i32", rowC[i]!)));
  const kWord = f.segments ? ROWS.map((i) => body.let("k_word", word(f, body, posK[i]!))) : null;
  const dk = ROWS.map(() => Array.from({ length: D4 }, () => body.var("dk", K.vec(V4, K.f32(0)))));
  const dv = ROWS.map(() => Array.from({ length: Dv4 }, () => body.var("dv", K.vec(V4, K.f32(0)))));
  cacheOwn(f, f.k, D, D4, f.headDim);
  cacheOwn(f, f.v, f.Dv, Dv4, f.headDimV);
  const pS = f.ctx.kb.sharedArray("p_rows", V4, f.own * f.CK4);
  walkTiles(f, (blk, masked, i0, i1) => blk.for("c0", i0, i1, (cb, c0) => {
    const n = cb.let("n", K.min(K.u32(CK), K.sub(i1, c0)));
    const qs = mine(f, cb, c0, Lq);
    const lseMine = qs.map((x) => cb.let("lse", f32(f.ctx.value(cb, f.out, [f.bi, f.h, x, K.u32(f.Dv)]))));
    const dltMine = qs.map((x) => cb.let("delta", deltaOf(f, cb, x)));
    const qwMine = f.segments && masked !== false ? qs.map((x) => cb.let("qw", word(f, cb, K.add(K.cast("i32", x), K.i32(f.off))))) : null;
    const s = pairDots(f, cb, f.headDim, f.k, f.q, D, qs);
    const dp = pairDots(f, cb, f.headDimV, f.v, f.dO, G, qs);
    const p = ROWS.map(() => [] as Expr[]), ds = ROWS.map(() => [] as Expr[]);
    for (let j = 0; j < CK; j++) {
      const inChunk = cb.let("in_chunk", K.lt(K.u32(j), n));
      const lseJ = cb.let("lse_j", bcast(lseMine, j));
      const dltJ = cb.let("delta_j", bcast(dltMine, j));
      const qw = qwMine ? cb.let("q_word", bcast(qwMine, j)) : null;
      const qPos = K.add(K.cast("i32", K.add(c0, K.u32(j))), K.i32(f.off));
      for (const i of ROWS) {
        const ok = pairOk(cb, masked, inChunk, () => allowedWords(f.causal, qw, qPos, kWord ? kWord[i]! : null, posK[i]!));
        const pij = cb.let("p", K.select(ok, K.exp(K.sub(K.mul(s[i]![j]!, K.f32(f.scale)), lseJ)), K.f32(0)));
        p[i]!.push(pij);
        ds[i]!.push(cb.let("ds", K.mul(pij, K.sub(dp[i]![j]!, dltJ))));
      }
    }
    putWeights(f, cb, pS, p);
    putWeights(f, cb, dsS, ds);
    accumulate(f, cb, c0, Lq, [{ acc: dv, weights: pS, node: f.dO, stride: G, groups: Dv4 }, { acc: dk, weights: dsS, node: f.q, stride: D, groups: D4 }]);
  }, CK));
  ROWS.forEach((i) => body.if(K.lt(f.rows[i]!, K.u32(Lk)), (sb) => store(i, sb, dk[i]!, dv[i]!)));
}
