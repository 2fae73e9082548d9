// Flash attention (FlashAttention-2 forward), register-blocked, for attention and attention_qknorm.
//
// shapes: q [B, H, Lq, D], k [B, H, Lk, D], v [B, H, Lk, Dv] → out [B, H, Lq, Dv] (Dv + 1 with
//         `lse`: column Dv is the row's log-sum-exp); attention_qknorm adds norm weights/biases
//         [D], positions i32 [Lk], segments i32 [B, S, 3] and lists i32 [B, QT, 2·KT + 2];
//         attention adds segments only. D and Dv multiples of 4 (vec4 rows).
//         One workgroup of NI = (TQ/4)·(CK/KB) invocations per (b, h, query tile of TQ rows).
//         Grid: B·H·QT workgroups.
//
// Why this form: on llvmpipe every memory access is a per-lane loop with bounds checks, so the
// one-row-per-invocation kernel (flash-attention.ts), which does one FMA per workgroup-memory
// load, ran at about a fifth of our matmul's speed. Here, as in the matmul builder, each
// invocation owns a 4×8 block of scores and does 128 FMAs per 12 vec4 loads (4×4 on CUDA).
//
// Per workgroup (all tiles in workgroup memory, rows of vec4):
//   prologue  the q tile [TQ, D] is loaded, one invocation per row; for attention_qknorm that
//             invocation takes the row's LayerNorm statistics as it loads, then normalizes it
//             and applies the split-half rotary, vec4 by vec4 (no barrier between: the row is
//             its own); the softmax scale is folded in. The normalized q never touches global
//             memory. Per-row softmax state m, ℓ lives in workgroup memory.
//   a chunk   of CK keys: K (normalized and rotated the same way) and V rows to workgroup memory
//             (q, k, v read as vec4 where stored contiguously),
//             with per-key mask words (pad, global, dead, span bits) when masked; then
//     scores  invocation t owns rows 4·(t / (CK/KB)) + i and keys KB·(t mod CK/KB) + j (i < 4,
//             j < KB; KB = 8 on WGSL, 4 on CUDA): 4·KB dot products over D in registers, masked
//             (per element, masked loop only) or not, written to the score tile [TQ, CK];
//     softmax one invocation per row: m' = max(m, rowmax), α = e^(m − m'), p = e^(s − m'),
//             ℓ = αℓ + Σp; p back to the tile, α to workgroup memory;
//     P·V     invocation t owns rows 4·(t / NC) + i and the vec4 columns (t mod NC) + NC·u of the
//             output tile (NC = CK/KB column groups): acc = α·acc + P·V from the tile and V rows.
//   epilogue  one division by ℓ; rows with nothing allowed (ℓ = 0) write zeros; with `lse`,
//             m + log ℓ (or the mask value). Masked scores are a large finite negative.
// NaN: a NaN score (NaN in q or k) propagates as in the reference: a masked score is told by
// s ≤ REAL and an empty row by ℓ == 0, comparisons NaN fails (s > REAL and ℓ > 0 turned NaN rows
// into zeros).
// Which chunks, with which loop (lists, causal, dense, segments without lists): as in the row
// kernel; `keyRange` generates both inner loops from one template. Tiles come from the target's
// caps (blockedPlan): the largest score tile whose arrays fit its workgroup memory.
//
// Row form (WGSL whose subgroups have ≥ 8 lanes; TQ, CK and Dv/4 multiples of 8): one workgroup
// of NI = TQ/R invocations (R = 4 rows each at TQ = 32: a single 8-lane subgroup). Invocation t
// owns query rows t + NI·i (i < R), all CK scores of those rows and all their Dv output columns,
// in registers. Every invocation needs the same K and V rows, so lane l loads only rows
// (l mod 8) + 8m and takes the others from its neighbours by subgroupBroadcast (a register
// shuffle on llvmpipe). On llvmpipe every load from memory — workgroup, storage or a private
// array — is a loop over the SIMD lanes costing ~100 cycles, while registers and shuffles are
// cheap, so the form is built to serve many FMAs per load: per head group, R q loads and CK/8 K
// loads feed 4·R·CK FMAs; V comes straight from global memory in P·V (staging it would add a
// store and a load per vec4); q and K rows are normalized unrolled (normRow) with the LayerNorm
// parameters in registers, one load and one store per vec4. Measured at Show-o's T2I shape
// (bench/attention.ts, paired runs): R = 4 is 1.22× R = 2, which is ~1.3× R = 1; unrolling the
// head loop, the P·V loop, or two head groups per iteration was 10–13% slower and compiled for
// 30–45 s; 16-key chunks were 5% slower. No score tile pass, no softmax/α barriers. Each
// invocation keeps its q rows and its P rows (the P·V loop's weights) in private arrays; in
// workgroup memory the same rows took 1.13× the time (paired, T2I), and only the K chunk and the
// key mask words are shared. A query tile whose lists are empty (all its rows DEAD) writes zeros
// and returns at once.
//
// Grouped row form (with lists, where every subgroup has exactly 8 lanes; the default with R = 4):
// one workgroup of QG·TQ/R invocations handles QG = 4 consecutive query tiles, one subgroup each.
// It walks the union of their lists, key tile by key tile: the K chunk is normalized and rotated
// once, by all invocations, for all QG tiles; then each subgroup runs its own tile's loop (masked
// for a partial tile, unmasked for a full one) or skips the chunk (a per-subgroup branch around
// subgroup broadcasts, so the WGSL is printed with its subgroup_uniformity check off). Grid:
// B·H·⌈QT/QG⌉ workgroups; tiles past QT have no lists and write nothing, and a tile with empty
// lists (all DEAD) runs no chunk and writes zeros. Measured at T2I, L = 387 (paired): 0.79× the
// time of the single-tile form (0.75× before that form kept its rows private too); 2 tiles per
// workgroup were 3% slower than 4, 8 no faster.

import type { Node } from "../../ir/graph.ts";
import { maskValue } from "../../ir/ops/attention.ts";
import { keyTileOrigin, tileCount } from "../../ir/ops/attention_qknorm.ts";
import { concreteShape, formatType } from "../../ir/types.ts";
import type { FusionGroup, Partition } from "../fuse-elementwise.ts";
import type { Block } from "../build-kernel.ts";
import * as K from "../build-kernel.ts";
import type { Launch } from "../emit.ts";
import { KernelContext, iadd, idiv, imod, imul } from "../emit.ts";
import type { ArrayRef, Expr } from "../kernel-ir.ts";
import type { TargetCaps } from "../target.ts";
import { shardPlan } from "../target.ts";
import { MASKED, REAL, allowedWords, maskWord, rotaryFrequencies, sinCos4, walkKeys, walkUnion } from "./flash-common.ts";
import type { BlockedPlan, FlashOptions, SubgroupRowsPlan } from "./flash-plan.ts";
import { DEFAULT_FLASH_OPTIONS } from "./flash-plan.ts";

/** The forms this builder prints: register-blocked, and the subgroup row forms. */
export type BlockedFamilyPlan = ({ readonly form: "blocked" } & BlockedPlan) | ({ readonly form: "sg-rows" } & SubgroupRowsPlan) | ({ readonly form: "grouped"; readonly qg: number } & SubgroupRowsPlan);

export function buildFlashBlocked(group: FusionGroup, caps: TargetCaps, part: Partition, plan: BlockedFamilyPlan, opts: FlashOptions = DEFAULT_FLASH_OPTIONS): Launch {
  const root = group.root;
  const fused = root.op === "attention_qknorm";
  const ins = root.inputs;
  const [q, k, v] = ins as [Node, Node, Node];
  const [qw, qb, kw, kb, pos] = fused ? (ins.slice(3, 8) as Node[]) : [];
  const seg: Node | undefined = fused ? ins[8] : ins[3];
  const lists: Node | undefined = fused && opts.tileSkipping ? ins[9] : undefined;
  const [B, H, Lq, D] = concreteShape(q.shape) as [number, number, number, number];
  const Lk = concreteShape(k.shape)[2]!;
  const Dv = concreteShape(v.shape)[3]!;
  const S = seg ? concreteShape(seg.shape)[1]! : 0;
  const a = root.attrs;
  const scale = a["scale"] as number, causal = a["causal"] as boolean;
  const { tq, ck: CK, kb: KB } = plan;
  const tk = lists ? (a["tile_k"] as number) : CK;
  if (fused && ins[9] && (a["tile_q"] as number) !== tq) throw new Error(`internal: blocked flash plan ${tq} rows for lists of ${a["tile_q"]}-row tiles`);
  const QT = tileCount(Lq, tq), KT = tileCount(Lk, tk);
  const off = Lk - Lq; // query row i sits at key position off + i
  const D4 = D / 4, Dv4 = Dv / 4, CK4 = CK / 4, RB = tq / 4;
  const NC = CK / KB; // output column groups: NI = RB·NC
  const CPI = Math.ceil(Dv4 / NC); // vec4 output columns per invocation
  const rdim = fused ? (a["rotary_dim"] as number) : 0;
  const half4 = rdim / 8; // rotary pairs are (group g, group g + half4) for g < half4
  const lse = a["lse"] === true;
  const W = lse ? Dv + 1 : Dv;
  // Row form with subgroup-shared K/V rows (see rowChunk; planFlash decides): SG lanes share each
  // K/V vector, R query rows per invocation, TI invocations per query tile, QG query tiles per
  // workgroup (grouped: they share each normalized K chunk).
  const sgRows = plan.form !== "blocked";
  const SG = sgRows ? plan.sg : 0;
  const R = sgRows ? plan.r : 1;
  const TI = sgRows ? plan.ti : 0;
  const QG = plan.form === "grouped" ? plan.qg : 1;
  const grouped = QG > 1;
  const QGN = Math.ceil(QT / QG); // workgroups per (b, h)
  const NI = sgRows ? TI * QG : plan.ni;

  const dense = !seg && !causal;
  const walk = lists ? `full and partial lists of ${tq}×${tk} tiles` : dense ? "no partial tiles: unmasked loop only" : seg ? "every key masked (no lists)" : "causal: unmasked below the diagonal, masked band";
  const doc = [
    `${root.op}: q [${B}, ${H}, ${Lq}, ${D}], k [${B}, ${H}, ${Lk}, ${D}], v [${B}, ${H}, ${Lk}, ${Dv}] → out [${B}, ${H}, ${Lq}, ${W}]${lse ? " (column Dv: log-sum-exp)" : ""}`,
    `flash, register-blocked: one workgroup of ${NI} per (b, h, ${tq}-row query tile); keys in chunks of ${CK}; 4×${KB} score blocks, 4×${4 * CPI} output blocks; ${walk}`,
    fused ? `prologue: per-head LayerNorm (eps ${a["eps"]}) and rotary (dim ${rdim}, base ${a["base"]}) of q and k tiles` : "",
  ].filter(Boolean).join("\n");
  const ctx = new KernelContext(fused ? "attention_qknorm_flash" : "attention_flash", doc, [NI], caps, part);
  const kb_ = ctx.kb;
  if (grouped) kb_.allowSubgroupBranches();
  const V4 = "vec4<f32>" as const;
  // Row form: q rows [R, D4] and P [R, CK4] per invocation (declared first thing in the body;
  // paired at T2I, 0.88× the time of the same rows in workgroup memory), softmax state and row
  // mask words in registers. Blocked form: all in workgroup memory.
  const qS = sgRows ? ctx.body.array("q_rows", V4, R * D4) : kb_.sharedArray("q_tile", V4, tq * D4);
  const kS = kb_.sharedArray("k_tile", V4, CK * D4);
  const vS = sgRows ? null : kb_.sharedArray("v_tile", V4, CK * Dv4);
  const pS = sgRows ? ctx.body.array("p_rows", V4, R * CK4) : kb_.sharedArray("p_tile", V4, tq * CK4); // scores, then probabilities, [TQ, CK]
  const mS = sgRows ? null : kb_.sharedArray("row_max", "f32", tq);
  const lS = sgRows ? null : kb_.sharedArray("row_sum", "f32", tq);
  const aS = sgRows ? null : kb_.sharedArray("row_alpha", "f32", tq);
  const qMask = seg && !sgRows ? kb_.sharedArray("q_mask", "u32", tq) : null;
  const kMask = seg ? kb_.sharedArray("k_mask", "u32", CK) : null;
  const invFreq = fused ? kb_.sharedArray("inv_freq", V4, rdim / 8) : null; // vec4 per rotary group: one load
  // The four norm parameter rows [D] as vec4s, loaded once: [q weight, q bias, k weight, k bias].
  const normS = fused ? kb_.sharedArray("norm_params", "vec4<f32>", 4 * D / 4) : null;
  const body = ctx.body;
  const f32 = (x: Expr): Expr => K.cast("f32", x);
  // NOTE: loop bounds over the head dims and the chunk are uniform parameters, not constants:
  // with constants, shader compilers (LLVM in llvmpipe) unroll them and compile for many seconds.
  const headGroups = kb_.param("head_groups", "u32");
  const keyGroups = kb_.param("key_groups", "u32");
  const normItems = fused ? kb_.param("norm_items", "u32") : null; // D/4 − rotary_dim/8

  const t = body.let("t", K.builtin("local_invocation_id", 0));
  const w = body.let("wg", K.linearWorkgroupId());
  // Grouped: workgroup w has tiles qg0 + s (s < QG; past QT: nothing), invocation t tile s = t / TI.
  const qg0 = grouped ? body.let("qg0", imul(imod(w, QGN), QG)) : null;
  const qt = grouped ? body.let("qt", K.add(qg0!, K.div(t, K.u32(TI)))) : body.let("qt", imod(w, QT));
  const h = body.let("h", imod(idiv(w, grouped ? QGN : QT), H));
  const bi = body.let("b", idiv(w, (grouped ? QGN : QT) * H));
  const row0 = body.let("row0", imul(qt, tq));
  // Row form: this invocation's rows of its tile are lt + TI·i (i < R).
  const lt = grouped ? body.let("lt", K.rem(t, K.u32(TI))) : t;
  const ROWS = Array.from({ length: R }, (_, i) => i);
  const localRow = (i: number): Expr => (i === 0 ? lt : K.add(lt, K.u32(TI * i)));
  /** Where the row form's row i has its vec4 c of q (width D4) or of P (width CK4): its private rows. */
  const rowAt = (i: number, width: number, c: Expr): Expr => K.add(K.mul(K.u32(i), K.u32(width)), c);
  /** Strided loop over [0, n) across the workgroup. */
  const spread = (blk: Block, name: string, n: number | Expr, fn: (b: Block, e: Expr) => void): void =>
    blk.for(name, t, typeof n === "number" ? K.u32(n) : n, fn, NI);
  const vec4Of = (blk: Block, node: Node, idx: (c: number) => Expr[]): Expr =>
    K.vec(V4, ...[0, 1, 2, 3].map((c) => f32(ctx.value(blk, node, idx(c)))));
  // Group g (4 elements) of row j of q, k or v [B, H, L, width]: one vec4 load from a vec4 view
  // when the tensor is stored contiguously (on llvmpipe every load is a per-lane gather, so four
  // scalar loads cost about four times one vec4 load), else four values.
  const vecView = (node: Node): boolean => {
    const base = ctx.memoryOf(node);
    if (!ctx.isMaterialized(base) || base.dtype === "bool") return false;
    const plan = shardPlan(base.dtype, base.shape, caps);
    return plan.numel % 4 === 0 && plan.elemsPerShard % 4 === 0;
  };
  const rowGroup = (blk: Block, node: Node, width4: number, j: Expr, g: Expr): Expr => {
    if (!vecView(node)) return scalarGroup(blk, node, j, g);
    const t4 = ctx.tensor(node, "read", 4);
    const L = concreteShape(node.shape)[2]!;
    const v = ctx.load(t4, K.add(imul(K.add(imul(iadd(imul(bi, H), h), L), j), width4), g));
    return v.type === "vec4<f32>" ? v : K.cast(V4, v);
  };
  const scalarGroup = (blk: Block, node: Node, j: Expr, g: Expr): Expr => {
    const g4 = blk.let("d0", K.mul(g, K.u32(4)));
    return vec4Of(blk, node, (c) => [bi, h, j, K.add(g4, K.u32(c))]);
  };

  // ---- Rows from global memory into a tile (vec4 rows of D4), one invocation per row. For
  // attention_qknorm (`norm` given) the same invocation then LayerNorms and rotates its row: the
  // statistics are taken while loading (sums shifted by the row's first element, so a large mean
  // costs no precision), and since no other invocation touches the row, no barrier is needed
  // between loading and normalizing. Rotation: group g < half4 with its partner g + half4, groups
  // from rdim/4 on alone; `post` multiplies the result (the softmax scale for q). `rowOf(r)` is
  // the clamped source row of tile row r; `position(r)` its rotary position (f32).
  interface RowNorm {
    readonly which: 0 | 1; // q or k parameters in norm_params
    readonly position: (b: Block, r: Expr) => Expr;
    readonly post: number;
  }
  const loadRows = (blk: Block, node: Node, arr: ArrayRef, rows: number, rowOf: (b: Block, r: Expr) => Expr, norm: RowNorm | null): void => {
    spread(blk, "r", rows, (rb, r) => {
      const j = rb.let("j", rowOf(rb, r));
      const o = rb.let("o", K.mul(r, K.u32(D4)));
      const shift = norm ? rb.let("shift", K.vec(V4, K.lane(rowGroup(rb, node, D4, j, K.u32(0)), 0))) : null;
      const sum = norm ? rb.var("sum", K.vec(V4, K.f32(0))) : null;
      const sq = norm ? rb.var("sq", K.vec(V4, K.f32(0))) : null;
      rb.for("g", K.u32(0), headGroups, (lb, g) => {
        const x = lb.let("x", rowGroup(lb, node, D4, j, g));
        lb.store(arr, K.add(o, g), x);
        if (shift && sum && sq) {
          const c = lb.let("c", K.sub(x, shift));
          lb.assign(sum, K.add(sum, c));
          lb.assign(sq, K.add(sq, K.mul(c, c)));
        }
      });
      if (!norm || !shift || !sum || !sq) return;
      const total = (v: Expr): Expr => K.add(K.add(K.lane(v, 0), K.lane(v, 1)), K.add(K.lane(v, 2), K.lane(v, 3)));
      const m1 = rb.let("m1", K.mul(total(sum), K.f32(1 / D))); // mean − shift
      const vr = rb.let("var", K.max(K.sub(K.mul(total(sq), K.f32(1 / D)), K.mul(m1, m1)), K.f32(0)));
      const mean = rb.let("mean", K.vec(V4, K.add(m1, K.lane(shift, 0))));
      const rstd = rb.let("rstd", K.vec(V4, K.inverseSqrt(K.add(vr, K.f32(a["eps"] as number)))));
      const p = half4 > 0 ? rb.let("p", norm.position(rb, r)) : null;
      const normed = (b: Block, g: Expr): Expr => {
        const wv = K.load(normS!, K.add(g, K.u32(2 * norm.which * D4)));
        const bv = K.load(normS!, K.add(g, K.u32((2 * norm.which + 1) * D4)));
        return b.let("n", K.add(K.mul(K.mul(K.sub(K.load(arr, K.add(o, g)), mean), rstd), wv), bv));
      };
      // Items: half4 rotated pairs, then the groups past the rotary dims (a uniform loop bound).
      rb.for("x", K.u32(0), normItems!, (eb, x) => {
        const g = eb.let("g", K.select(K.lt(x, K.u32(half4)), x, K.add(x, K.u32(half4))));
        if (half4 > 0) {
          eb.if(K.lt(x, K.u32(half4)), (pb) => {
            const g2 = pb.let("g2", K.add(g, K.u32(half4)));
            const x1 = normed(pb, g), x2 = normed(pb, g2);
            const freq = K.load(invFreq!, g);
            const [sv, cv] = sinCos4(pb, K.mul(freq, p!));
            pb.store(arr, K.add(o, g), K.mul(K.sub(K.mul(x1, cv), K.mul(x2, sv)), K.f32(norm.post)));
            pb.store(arr, K.add(o, g2), K.mul(K.add(K.mul(x2, cv), K.mul(x1, sv)), K.f32(norm.post)));
          }, (sb) => sb.store(arr, K.add(o, g), K.mul(normed(sb, g), K.f32(norm.post))));
        } else {
          eb.store(arr, K.add(o, g), K.mul(normed(eb, g), K.f32(norm.post)));
        }
      });
    });
  };

  /**
   * Row j (clamped) of q or k, LayerNormed and rotated as D/4 vec4 values, times `post`, for
   * the row form: unrolled, so the row stays in registers between loading, statistics and
   * normalizing (one load per vec4, the parameters in registers), where loadRows stores and
   * reloads it. `params`: the weights' then the biases' vec4s; `p`: the row's position index.
   */
  const normRow = (rb: Block, node: Node, j: Expr, params: readonly Expr[], p: Expr, post: number): Expr[] => {
    const x = Array.from({ length: D4 }, (_, g) => rb.let("x", rowGroup(rb, node, D4, j, K.u32(g))));
    const shift = rb.let("shift", K.vec(V4, K.lane(x[0]!, 0)));
    let sum: Expr = K.vec(V4, K.f32(0)), sq: Expr = K.vec(V4, K.f32(0));
    for (const xg of x) {
      const c = rb.let("c", K.sub(xg, shift));
      sum = rb.let("sum", K.add(sum, c));
      sq = rb.let("sq", K.add(sq, K.mul(c, c)));
    }
    const total = (v: Expr): Expr => K.add(K.add(K.lane(v, 0), K.lane(v, 1)), K.add(K.lane(v, 2), K.lane(v, 3)));
    const m1 = rb.let("m1", K.mul(total(sum), K.f32(1 / D)));
    const vr = rb.let("var", K.max(K.sub(K.mul(total(sq), K.f32(1 / D)), K.mul(m1, m1)), K.f32(0)));
    const mean = rb.let("mean", K.vec(V4, K.add(m1, K.lane(shift, 0))));
    const rstd = rb.let("rstd", K.vec(V4, K.inverseSqrt(K.add(vr, K.f32(a["eps"] as number)))));
    const n = x.map((xg, g) => rb.let("n", K.add(K.mul(K.mul(K.sub(xg, mean), rstd), params[g]!), params[D4 + g]!)));
    const out = [...n];
    if (half4 > 0) {
      const pf = rb.let("p", f32(ctx.value(rb, pos!, [p])));
      for (let g = 0; g < half4; g++) {
        const [sv, cv] = sinCos4(rb, K.mul(freqRegs[g]!, pf));
        const x1 = n[g]!, x2 = n[g + half4]!;
        out[g] = rb.let("r1", K.sub(K.mul(x1, cv), K.mul(x2, sv)));
        out[g + half4] = rb.let("r2", K.add(K.mul(x2, cv), K.mul(x1, sv)));
      }
    }
    return post === 1 ? out : out.map((y) => rb.let("y", K.mul(y, K.f32(post))));
  };

  // ---- A query tile the lists give no key tile (all its rows dead, or hidden): zeros (and the
  // mask value as log-sum-exp) for its rows, and nothing else. Read-only storage is uniform, so
  // returning before the barriers is allowed.
  if (lists && !grouped) {
    const entry = (e: number): Expr => K.cast("u32", ctx.value(body, lists, [bi, qt, K.u32(e)]));
    const out0 = ctx.tensor(root, "read_write");
    body.if(K.eq(K.add(entry(0), entry(KT + 1)), K.u32(0)), (x) => {
      spread(x, "r", tq, (rb, r) => {
        const row = rb.let("row", K.add(row0, r));
        rb.if(K.lt(row, K.u32(Lq)), (sb) => {
          const o = sb.let("o", imul(K.add(imul(iadd(imul(bi, H), h), Lq), row), W));
          sb.for("c", K.u32(0), K.u32(W), (cb, c) => ctx.store(cb, out0, K.add(o, c), K.cast(ctx.typeOf(root), K.select(K.lt(c, K.u32(Dv)), K.f32(0), K.f32(maskValue(root.dtype))))));
        });
      });
      x.return();
    });
  }

  // ---- Prologue: rotary table, q tile (rows past Lq load a copy of the last row, never stored),
  // row masks, softmax state.
  if (normS) {
    // The four parameter rows [D] as vec4s: q weight, q bias, k weight, k bias.
    [qw!, qb!, kw!, kb!].forEach((node, which) => spread(body, "e", D4, (lb, g) => {
      const v_ = vecView(node) ? ctx.load(ctx.tensor(node, "read", 4), g) : K.vec(V4, ...[0, 1, 2, 3].map((c) => f32(ctx.value(lb, node, [K.add(K.mul(g, K.u32(4)), K.u32(c))]))));
      lb.store(normS, K.add(g, K.u32(which * D4)), v_.type === "vec4<f32>" ? v_ : K.cast(V4, v_));
    }));
  }
  if (invFreq) {
    const freqs = rotaryFrequencies(rdim, a["base"] as number);
    body.if(K.eq(t, K.u32(0)), (x) => {
      for (let r = 0; r < rdim / 8; r++) x.store(invFreq, K.u32(r), K.vec(V4, ...freqs.slice(4 * r, 4 * r + 4).map((f) => K.f32(f))));
    });
  }
  // The row form keeps the LayerNorm weights and biases and the rotary frequencies in registers
  // (normRow reads them for every q row and every key row of every chunk).
  const qParams: Expr[] = [], kParams: Expr[] = [], freqRegs: Expr[] = [];
  if (fused) {
    body.barrier(); // the norm parameters and frequencies are read by every row's invocation
    if (sgRows) {
      for (let e = 0; e < 2 * D4; e++) qParams.push(body.let("q_param", K.load(normS!, K.u32(e))));
      for (let e = 0; e < 2 * D4; e++) kParams.push(body.let("k_param", K.load(normS!, K.u32(2 * D4 + e))));
      for (let g = 0; g < half4; g++) freqRegs.push(body.let("freq", K.load(invFreq!, K.u32(g))));
      const qRow = (rb: Block, r: Expr, o: Expr): void => {
        const j = rb.let("j", K.min(K.add(row0, r), K.u32(Lq - 1)));
        const row = normRow(rb, q, j, qParams, K.min(K.add(j, K.u32(off)), K.u32(Lk - 1)), scale);
        row.forEach((x, g) => rb.store(qS, K.add(o, K.u32(g)), x));
      };
      // Each invocation its own R rows, into its private q rows.
      body.for("i", K.u32(0), K.u32(R), (rb, i) => qRow(rb, K.add(lt, K.mul(i, K.u32(TI))), rb.let("o", K.mul(i, K.u32(D4)))));
    } else {
      const position = (b: Block, r: Expr): Expr => f32(ctx.value(b, pos!, [K.min(K.add(K.add(row0, r), K.u32(off)), K.u32(Lk - 1))]));
      loadRows(body, q, qS, tq, (b, r) => K.min(K.add(row0, r), K.u32(Lq - 1)), { which: 0, position, post: scale });
    }
  } else if (sgRows) {
    body.for("i", K.u32(0), K.u32(R), (rb, i) => {
      const j = rb.let("j", K.min(K.add(row0, K.add(lt, K.mul(i, K.u32(TI)))), K.u32(Lq - 1)));
      rb.for("g", K.u32(0), headGroups, (lb, g) => lb.store(qS, K.add(K.mul(i, K.u32(D4)), g), K.mul(rowGroup(lb, q, D4, j, g), K.f32(scale))));
    });
  } else {
    spread(body, "e", tq * D4, (lb, e) => {
      const i = lb.let("i", K.min(K.add(row0, K.div(e, K.u32(D4))), K.u32(Lq - 1)));
      lb.store(qS, e, K.mul(rowGroup(lb, q, D4, i, K.rem(e, K.u32(D4))), K.f32(scale)));
    });
  }
  if (!sgRows) {
    spread(body, "r", tq, (lb, r) => {
      lb.store(mS!, r, K.f32(MASKED));
      lb.store(lS!, r, K.f32(0));
      if (qMask) lb.store(qMask, r, maskWord(ctx, seg!, S, bi, lb, K.add(K.cast("i32", K.add(row0, r)), K.i32(off))));
    });
    body.barrier();
  }

  // ---- Register blocks. Score block: rows sr0 + i, keys sk0 + j. Output block: rows or0 + i,
  // vec4 columns oc[u].
  const sr0 = body.let("sr0", K.mul(K.div(t, K.u32(CK / KB)), K.u32(4)));
  const sk0 = body.let("sk0", K.mul(K.rem(t, K.u32(CK / KB)), K.u32(KB)));
  const keysB = Array.from({ length: KB }, (_, j) => j);
  const or0 = body.let("or0", K.mul(K.div(t, K.u32(NC)), K.u32(4)));
  const ocRaw = Array.from({ length: CPI }, (_, u) => iadd(K.rem(t, K.u32(NC)), NC * u));
  const ocIn = ocRaw.map((c) => (Dv4 % NC === 0 ? K.bool(true) : body.let("oc_in", K.lt(c, K.u32(Dv4)))));
  const oc = ocRaw.map((c) => (Dv4 % NC === 0 ? body.let("oc", c) : body.let("oc", K.min(c, K.u32(Dv4 - 1)))));
  const acc = Array.from({ length: 4 }, () => Array.from({ length: CPI }, () => body.var("acc", K.vec(V4, K.f32(0)))));
  const qPos = [0, 1, 2, 3].map((i) => body.let("pos_q", K.add(K.cast("i32", K.add(row0, K.add(sr0, K.u32(i)))), K.i32(off))));
  const qWords = qMask ? [0, 1, 2, 3].map((i) => body.let("q_word", K.load(qMask, K.add(sr0, K.u32(i))))) : null;

  // ---- Row form with subgroup-shared rows (sgRows): invocation t owns query rows t + NI·i
  // (i < R), all CK keys of the chunk and all Dv output columns, so every invocation needs the
  // same K and V rows. Lane l of a subgroup loads rows (l mod SG) + SG·m only and takes row j
  // from lane j mod SG (subgroupBroadcast: a register shuffle on llvmpipe), valid for any
  // subgroup of ≥ SG lanes and any mapping of invocations to subgroups. Scores, the online
  // softmax and the output stay in registers; V is read from global memory in the P·V loop
  // (staging it in workgroup memory would cost a load and a store more per element).
  const sgLane = sgRows ? body.let("sg_lane", K.rem(K.subgroupInvocationId(), K.u32(SG))) : null;
  const rowM = sgRows ? ROWS.map(() => body.var("m_row", K.f32(MASKED))) : [];
  const rowL = sgRows ? ROWS.map(() => body.var("l_row", K.f32(0))) : [];
  const rowAcc = sgRows ? ROWS.map(() => Array.from({ length: Dv4 }, () => body.var("acc_row", K.vec(V4, K.f32(0))))) : [];
  const rowQPos = sgRows ? ROWS.map((i) => body.let("pos_q", K.add(K.cast("i32", K.add(row0, localRow(i))), K.i32(off)))) : [];
  const rowQWord = sgRows && seg ? ROWS.map((i) => maskWord(ctx, seg, S, bi, body, K.add(K.cast("i32", K.add(row0, localRow(i))), K.i32(off)))) : null;
  /** K rows [c0, c0 + CK) into kS through normRow. */
  const loadKRows = (cb: Block, c0: Expr): void => {
    spread(cb, "r", CK, (rb, r) => {
      const j = rb.let("j", K.min(K.add(c0, r), K.u32(Lk - 1)));
      const row = normRow(rb, k, j, kParams, j, 1);
      const o = rb.let("o", K.mul(r, K.u32(D4)));
      row.forEach((x, g) => rb.store(kS, K.add(o, K.u32(g)), x));
    });
  };
  const rowChunk = (cb: Block, masked: boolean | Expr, c0: Expr, n: Expr): void => {
    // Scores: R rows × CK keys; per head group g, R q loads and CK/SG K loads for 4·R·CK FMAs.
    const s = ROWS.map(() => Array.from({ length: CK }, () => cb.var("s", K.f32(0))));
    cb.for("g", K.u32(0), headGroups, (gb, g) => {
      const qv = ROWS.map((i) => gb.let("qv", K.load(qS, rowAt(i, D4, g))));
      const mine = Array.from({ length: CK / SG }, (_, m) => gb.let("km", K.load(kS, K.add(K.mul(K.add(sgLane!, K.u32(SG * m)), K.u32(D4)), g))));
      for (let j = 0; j < CK; j++) {
        const kv = gb.let("kv", K.subgroupBroadcast(mine[Math.floor(j / SG)]!, j % SG));
        for (const i of ROWS) {
          let e = s[i]![j]!;
          for (let c = 0; c < 4; c++) e = K.fma(K.lane(qv[i]!, c as 0 | 1 | 2 | 3), K.lane(kv, c as 0 | 1 | 2 | 3), e);
          gb.assign(s[i]![j]!, e);
        }
      }
    });
    // Which scores survive. The key words come one load per lane and the rest by broadcast.
    const inChunk = Array.from({ length: CK }, (_, j) => cb.let("in_chunk", K.lt(K.u32(j), n)));
    const kWordMine = masked !== false && kMask ? Array.from({ length: CK / SG }, (_, m) => cb.let("kw", K.load(kMask, K.add(sgLane!, K.u32(SG * m))))) : null;
    const kWord = Array.from({ length: CK }, (_, j) => (kWordMine ? cb.let("k_word", K.subgroupBroadcast(kWordMine[Math.floor(j / SG)]!, j % SG)) : null));
    const p = ROWS.map((i) => {
      const ok = Array.from({ length: CK }, (_, j) => {
        if (masked === false) return inChunk[j]!;
        const allowed = allowedWords(causal, rowQWord ? rowQWord[i]! : null, rowQPos[i]!, kWord[j] ?? null, K.cast("i32", K.add(c0, K.u32(j))));
        return cb.let("ok", K.and(inChunk[j]!, masked === true ? allowed : K.or(K.not(masked), allowed)));
      });
      let mx: Expr = rowM[i]!;
      s[i]!.forEach((x, j) => (mx = K.max(mx, K.select(ok[j]!, x, K.f32(MASKED)))));
      const mNew = cb.let("m_new", mx);
      const alpha = cb.let("alpha", K.select(K.gt(rowM[i]!, K.f32(REAL)), K.exp(K.sub(rowM[i]!, mNew)), K.f32(0)));
      const pi = s[i]!.map((x, j) => cb.let("p", K.select(ok[j]!, K.exp(K.sub(x, mNew)), K.f32(0))));
      let sum: Expr = K.f32(0);
      for (let j = 0; j < CK; j += 4) sum = K.add(sum, K.add(K.add(pi[j]!, pi[j + 1]!), K.add(pi[j + 2]!, pi[j + 3]!)));
      cb.assign(rowL[i]!, K.fma(rowL[i]!, alpha, sum));
      cb.assign(rowM[i]!, mNew);
      for (const a_ of rowAcc[i]!) cb.assign(a_, K.mul(a_, alpha));
      return pi;
    });
    // P through the invocation's private rows, so that P·V is a loop.
    for (const i of ROWS) {
      for (let j = 0; j < CK; j += 4) cb.store(pS, rowAt(i, CK4, K.u32(j / 4)), K.vec(V4, p[i]![j]!, p[i]![j + 1]!, p[i]![j + 2]!, p[i]![j + 3]!));
    }
    // P·V: per 4 keys, R p loads and 4·Dv/(4·SG) V loads (from global memory) for 4·R·Dv FMAs.
    // Keys past n read a real row (clamped); their p is 0.
    cb.for("kg", K.u32(0), keyGroups, (gb, kg) => {
      const pv = ROWS.map((i) => gb.let("pv", K.load(pS, rowAt(i, CK4, kg))));
      // All four keys' V rows first, then each accumulator once with its four FMAs (llvmpipe
      // keeps the R·Dv accumulators on the stack: one load and one store per vec4 per 4 keys).
      const mine = [0, 1, 2, 3].map((kk) => {
        const key = gb.let("key", K.min(K.add(c0, K.add(K.mul(kg, K.u32(4)), K.u32(kk))), K.u32(Lk - 1)));
        return Array.from({ length: Dv4 / SG }, (_, u) => gb.let("vm", rowGroup(gb, v, Dv4, key, K.add(sgLane!, K.u32(SG * u)))));
      });
      for (let c = 0; c < Dv4; c++) {
        const vb = [0, 1, 2, 3].map((kk) => gb.let("vb", K.subgroupBroadcast(mine[kk]![Math.floor(c / SG)]!, c % SG)));
        for (const i of ROWS) {
          let e = rowAcc[i]![c]!;
          for (let kk = 0; kk < 4; kk++) e = K.fma(K.vec(V4, K.lane(pv[i]!, kk as 0 | 1 | 2 | 3)), vb[kk]!, e);
          gb.assign(rowAcc[i]![c]!, e);
        }
      }
    });
  };

  /**
   * Keys [k0, k1) of this workgroup's rows, in chunks. `masked` picks the inner loop: a constant
   * generates one loop, a workgroup-uniform flag both (the chunk loads are shared).
   */
  const keyRange = (blk: Block, masked: boolean | Expr, k0: Expr, k1: Expr): void => {
    blk.for("c0", k0, k1, (cb, c0) => {
      const n = cb.let("n", K.min(K.u32(CK), K.sub(k1, c0)));
      // Load the chunk: K and V rows (keys past n load a copy of a real row; their scores are
      // masked, so p = 0 and they add exactly 0), mask words.
      if (fused && sgRows) {
        loadKRows(cb, c0);
      } else if (fused) {
        const position = (b: Block, r: Expr): Expr => f32(ctx.value(b, pos!, [K.min(K.add(c0, r), K.u32(Lk - 1))]));
        loadRows(cb, k, kS, CK, (b, r) => K.min(K.add(c0, r), K.u32(Lk - 1)), { which: 1, position, post: 1 });
      } else {
        spread(cb, "e", CK * D4, (lb, e) => {
          const j = lb.let("j", K.min(K.add(c0, K.div(e, K.u32(D4))), K.u32(Lk - 1)));
          lb.store(kS, e, rowGroup(lb, k, D4, j, K.rem(e, K.u32(D4))));
        });
      }
      if (!sgRows) {
        spread(cb, "e", CK * Dv4, (lb, e) => {
          const j = lb.let("j", K.min(K.add(c0, K.div(e, K.u32(Dv4))), K.u32(Lk - 1)));
          lb.store(vS!, e, rowGroup(lb, v, Dv4, j, K.rem(e, K.u32(Dv4))));
        });
      }
      if (kMask && masked !== false) {
        const words = (x: Block): void => spread(x, "r", CK, (lb, r) => lb.store(kMask, r, maskWord(ctx, seg!, S, bi, lb, K.cast("i32", K.add(c0, r)))));
        if (masked === true) words(cb);
        else cb.if(masked, words);
      }
      cb.barrier();
      if (sgRows) {
        rowChunk(cb, masked, c0, n);
        cb.barrier(); // the next chunk overwrites the tiles
        return;
      }

      // Scores: 4·KB dot products of this invocation's 4 q rows and KB keys.
      const s = Array.from({ length: 4 }, () => keysB.map(() => cb.var("s", K.f32(0))));
      cb.for("g", K.u32(0), headGroups, (gb, g) => {
        // The 4 key vectors stay loaded; the q vectors are loaded one row at a time (fewer live
        // values: CUDA keeps this under its register budget).
        const kv = keysB.map((j) => gb.let("kv", K.load(kS, K.add(K.mul(K.add(sk0, K.u32(j)), K.u32(D4)), g))));
        for (let i = 0; i < 4; i++) {
          const qv = gb.let("qv", K.load(qS, K.add(K.mul(K.add(sr0, K.u32(i)), K.u32(D4)), g)));
          for (let j = 0; j < KB; j++) {
            let e = s[i]![j]!;
            for (let c = 0; c < 4; c++) e = K.fma(K.lane(qv, c as 0 | 1 | 2 | 3), K.lane(kv[j]!, c as 0 | 1 | 2 | 3), e);
            gb.assign(s[i]![j]!, e);
          }
        }
      });
      // The inner loop's two versions differ only here: which scores survive.
      const inChunk = keysB.map((j) => cb.let("in_chunk", K.lt(K.add(sk0, K.u32(j)), n)));
      const storeScores = (x: Block, withMask: boolean): void => {
        const kPos = keysB.map((j) => x.let("pos_k", K.cast("i32", K.add(c0, K.add(sk0, K.u32(j))))));
        const kWords = withMask && kMask ? keysB.map((j) => x.let("k_word", K.load(kMask, K.add(sk0, K.u32(j))))) : null;
        for (let i = 0; i < 4; i++) {
          const lanes = keysB.map((j) => {
            const ok = withMask ? K.and(inChunk[j]!, allowedWords(causal, qWords ? qWords[i]! : null, qPos[i]!, kWords ? kWords[j]! : null, kPos[j]!)) : inChunk[j]!;
            return K.select(ok, s[i]![j]!, K.f32(MASKED));
          });
          for (let u = 0; u < KB / 4; u++) x.store(pS, K.add(K.mul(K.add(sr0, K.u32(i)), K.u32(CK4)), K.add(K.div(sk0, K.u32(4)), K.u32(u))), K.vec(V4, ...lanes.slice(4 * u, 4 * u + 4)));
        }
      };
      if (typeof masked === "boolean") storeScores(cb, masked);
      else cb.if(masked, (x) => storeScores(x, true), (x) => storeScores(x, false));
      cb.barrier();

      // Online softmax, one invocation per row: rescale factor α, probabilities, ℓ.
      spread(cb, "r", tq, (rb, r) => {
        const o = rb.let("o", K.mul(r, K.u32(CK4)));
        const mOld = rb.let("m_old", K.load(mS!, r));
        // Loops over the row's vec4s: with a uniform bound on WGSL (unrolled, they cost llvmpipe
        // compile time), unrolled on CUDA (the loop form makes ptxas spill at sm_90).
        const overRow = (blk: Block, fn: (b: Block, c: Expr) => void): void => {
          if (caps.target === "wgsl") blk.for("c", K.u32(0), keyGroups, fn);
          else for (let c = 0; c < CK4; c++) fn(blk, K.u32(c));
        };
        const mx = rb.var("mx", mOld);
        overRow(rb, (lb, c) => {
          const sv = lb.let("sv", K.load(pS, K.add(o, c)));
          lb.assign(mx, K.max(mx, K.max(K.max(K.lane(sv, 0), K.lane(sv, 1)), K.max(K.lane(sv, 2), K.lane(sv, 3)))));
        });
        const alpha = rb.let("alpha", K.select(K.gt(mOld, K.f32(REAL)), K.exp(K.sub(mOld, mx)), K.f32(0)));
        const sum = rb.var("sum", K.vec(V4, K.f32(0)));
        overRow(rb, (lb, c) => {
          const sv = lb.let("sv", K.load(pS, K.add(o, c)));
          const p = lb.let("p", K.vec(V4, ...[0, 1, 2, 3].map((j) => {
            const x = K.lane(sv, j as 0 | 1 | 2 | 3);
            return K.select(K.le(x, K.f32(REAL)), K.f32(0), K.exp(K.sub(x, mx))); // NaN is kept, not masked
          })));
          lb.store(pS, K.add(o, c), p);
          lb.assign(sum, K.add(sum, p));
        });
        rb.store(lS!, r, K.fma(K.load(lS!, r), alpha, K.add(K.add(K.lane(sum, 0), K.lane(sum, 1)), K.add(K.lane(sum, 2), K.lane(sum, 3)))));
        rb.store(mS!, r, mx);
        rb.store(aS!, r, alpha);
      });
      cb.barrier();

      // P·V into this invocation's output block.
      for (let i = 0; i < 4; i++) {
        const al = cb.let("alpha", K.load(aS!, K.add(or0, K.u32(i))));
        for (let u = 0; u < CPI; u++) cb.assign(acc[i]![u]!, K.mul(acc[i]![u]!, al));
      }
      cb.for("kg", K.u32(0), keyGroups, (gb, kg) => {
        const pv = [0, 1, 2, 3].map((i) => gb.let("pv", K.load(pS, K.add(K.mul(K.add(or0, K.u32(i)), K.u32(CK4)), kg))));
        for (let kk = 0; kk < 4; kk++) {
          const vo = gb.let("vo", K.mul(K.add(K.mul(kg, K.u32(4)), K.u32(kk)), K.u32(Dv4)));
          const vv = oc.map((c) => gb.let("vv", K.load(vS!, K.add(vo, c))));
          for (let i = 0; i < 4; i++) {
            const p = K.lane(pv[i]!, kk as 0 | 1 | 2 | 3);
            for (let u = 0; u < CPI; u++) gb.assign(acc[i]![u]!, K.add(acc[i]![u]!, K.mul(p, vv[u]!)));
          }
        }
      });
      cb.barrier(); // the next chunk overwrites the tiles
    }, CK);
  };

  // ---- Which keys, with which loop (as in the row kernel).
  const keyOrigin = lists ? keyTileOrigin(Lk, tk, a["keys_from_end"] === true) : 0;
  if (grouped) {
    walkUnion(body, { ctx, lists: lists!, bi, tile0: qg0!, tiles: QG, mine: K.div(t, K.u32(TI)), QT, KT, tk, keyOrigin, Lk }, (ub, k0, k1, full, partial) => {
      ub.for("c0", k0, k1, (cb, c0) => {
        const n = cb.let("n", K.min(K.u32(CK), K.sub(k1, c0)));
        loadKRows(cb, c0);
        if (kMask) spread(cb, "r", CK, (lb, r) => lb.store(kMask, r, maskWord(ctx, seg!, S, bi, lb, K.cast("i32", K.add(c0, r)))));
        cb.barrier();
        // Per subgroup (exact subgroups: one tile each), so its broadcasts stay in uniform flow.
        cb.if(K.or(full, partial), (xb) => rowChunk(xb, partial, c0, n));
        cb.barrier(); // the next chunk overwrites the K tile
      }, CK);
    });
  } else {
    walkKeys(body, { ctx, lists, bi, qt, row0: row0, KT, tq, tk, Lq, Lk, off, keyOrigin, dense, hasSegments: seg !== undefined }, keyRange);
  }

  // ---- Epilogue. One invocation per row turns ℓ into 1/ℓ (0 for a row with nothing allowed, ℓ = 0
  // exactly; otherwise 1 ≤ ℓ ≤ Lk, so 1/ℓ > 0, or NaN when a score was) and, with `lse`, writes
  // column Dv: m + log ℓ over the scaled scores, or the mask value. Emptiness is tested as
  // equality with 0, which a NaN ℓ or 1/ℓ fails: it propagates instead of becoming zeros.
  // NOTE: one division per row, not per output block: CUDA's IEEE division has a slow path that
  // is a real call, and more of them make ptxas spill.
  const out = ctx.tensor(root, "read_write");
  const outType = ctx.typeOf(root);
  const rowBase = imul(iadd(imul(bi, H), h), Lq);
  if (sgRows) {
    for (const i of ROWS) {
      const r = body.let("row", K.add(row0, localRow(i)));
      const empty = body.let("empty", K.eq(rowL[i]!, K.f32(0)));
      const inv = body.let("inv_l", K.select(empty, K.f32(0), K.div(K.f32(1), rowL[i]!)));
      body.if(K.lt(r, K.u32(Lq)), (sb) => {
        const o = sb.let("o", imul(K.add(rowBase, r), W));
        rowAcc[i]!.forEach((a_, c) => {
          const y = sb.let("y", K.mul(a_, inv));
          for (let x = 0; x < 4; x++) ctx.store(sb, out, K.add(o, K.u32(4 * c + x)), K.cast(outType, K.select(empty, K.f32(0), K.lane(y, x as 0 | 1 | 2 | 3))));
        });
        if (lse) ctx.store(sb, out, K.add(o, K.u32(Dv)), K.cast(outType, K.select(empty, K.f32(maskValue(root.dtype)), K.add(rowM[i]!, K.log(rowL[i]!)))));
      });
    }
    const groups = grouped ? `, ${QG} query tiles per workgroup sharing each normalized K chunk` : "";
    return ctx.launch([B * H * (grouped ? QGN : QT)], `${root.op} ${formatType(root.dtype, root.shape)} (flash rows ${tq}×${CK}, ${R} rows per invocation, K/V shared among ${SG} subgroup lanes${groups}; ${walk})`, { head_groups: D4, key_groups: CK4, ...(fused ? { norm_items: D4 - half4 } : {}) });
  }
  spread(body, "r", tq, (rb, r) => {
    const l = rb.let("l", K.load(lS!, r));
    const empty = rb.let("empty", K.eq(l, K.f32(0)));
    rb.store(aS!, r, K.select(empty, K.f32(0), K.div(K.f32(1), l)));
    if (lse) {
      const row = rb.let("row", K.add(row0, r));
      rb.if(K.lt(row, K.u32(Lq)), (sb) => {
        const v_ = K.select(empty, K.f32(maskValue(root.dtype)), K.add(K.load(mS!, r), K.log(l)));
        ctx.store(sb, out, K.add(imul(K.add(rowBase, row), W), K.u32(Dv)), K.cast(outType, v_));
      });
    }
  });
  body.barrier();
  // Empty rows write a literal 0, not acc·0: shader compilers may drop "+ 0" (no signed zeros),
  // leaving −0 from 0·v in the accumulator.
  for (let i = 0; i < 4; i++) {
    const r = body.let("row", K.add(row0, K.add(or0, K.u32(i))));
    const inv = body.let("inv_l", K.load(aS!, K.add(or0, K.u32(i))));
    const empty = body.let("empty", K.eq(inv, K.f32(0)));
    body.if(K.lt(r, K.u32(Lq)), (sb) => {
      const o = sb.let("o", imul(K.add(rowBase, r), W));
      for (let u = 0; u < CPI; u++) {
        const put = (x: Block): void => {
          const y = x.let("y", K.mul(acc[i]![u]!, inv));
          for (let c = 0; c < 4; c++) ctx.store(x, out, K.add(o, K.add(K.mul(oc[u]!, K.u32(4)), K.u32(c))), K.cast(outType, K.select(empty, K.f32(0), K.lane(y, c as 0 | 1 | 2 | 3))));
        };
        if (Dv4 % NC === 0) put(sb);
        else sb.if(ocIn[u]!, put);
      }
    });
  }
  return ctx.launch([B * H * QT], `${root.op} ${formatType(root.dtype, root.shape)} (flash blocked ${tq}×${CK}; ${walk})`, { head_groups: D4, key_groups: CK4, ...(fused ? { norm_items: D4 - half4 } : {}) });
}
