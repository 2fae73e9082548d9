// Flash attention (FlashAttention-2 forward), register-blocked, for attention and attention_qknorm.
//
// shapes: q [B, H, Lq, D], k [B, H, Lk, D], v [B, H, Lk, Dv] → out [B, H, Lq, W] (flash-stages.ts);
//         D and Dv multiples of 4 (vec4 rows), with QK-Norm half the rotary dim too.
//         One workgroup of NI = (TQ/4)·(CK/KB) invocations per (b, h, query tile of TQ rows).
//         Grid: B·H·QT workgroups.
//
// Why: on llvmpipe every memory access is a per-lane loop with bounds checks, so a kernel doing
// one FMA per workgroup-memory load (flash-rows.ts) runs far below the matmul's speed. Here, as in
// the matmul builder, each invocation owns a 4×KB block of scores (KB = 8 on WGSL, 4 on CUDA,
// which keeps ptxas within its register budget) and does 16·KB FMAs per 4 + KB vec4 loads.
//
// Per workgroup (all tiles in workgroup memory, rows of vec4):
//   prologue  the q tile [TQ, D] is loaded, one invocation per row; for attention_qknorm that
//             invocation takes the row's LayerNorm statistics as it loads, then normalizes it and
//             applies the split-half rotary (loadNormRows: no barrier, the row is its own); the
//             softmax scale is folded in. Per-row softmax state m, ℓ lives in workgroup memory.
//   a chunk   of CK keys: K (normalized and rotated the same way) and V rows to workgroup memory,
//             with per-key mask words (pad, global, dead, span bits) when masked; then
//     scores  invocation t owns rows 4·(t / (CK/KB)) + i and keys KB·(t mod CK/KB) + j: 4·KB dot
//             products over D in registers, masked (masked loop only) or not, to the score tile;
//     softmax one invocation per row: m' = max(m, rowmax), α = e^(m − m'), p = e^(s − m'),
//             ℓ = αℓ + Σp; p back to the tile, α to workgroup memory;
//     P·V     invocation t owns rows 4·(t / NC) + i and the vec4 columns (t mod NC) + NC·u of the
//             output tile (NC = CK/KB column groups): acc = α·acc + P·V.
//   epilogue  one division by ℓ; rows with nothing allowed (ℓ = 0) write zeros; with `lse`,
//             m + log ℓ (or the mask value). Masked scores are a large finite negative.
// NaN: a NaN score propagates as in the reference: a masked score is told by s ≤ REAL and an
// empty row by ℓ == 0, comparisons NaN fails (s > REAL and ℓ > 0 would turn NaN rows into zeros).
// Which chunks, with which loop: walkKeys (flash-common.ts); keyRange prints both inner loops from
// one template. Tiles come from blockedPlan (flash-plan.ts).

import type { FusionGroup, Partition } from "../fuse-elementwise.ts";
import type { Block } from "../build-kernel.ts";
import * as K from "../build-kernel.ts";
import type { Launch } from "../emit.ts";
import { KernelContext, idiv, imod, imul } from "../emit.ts";
import type { Expr } from "../kernel-ir.ts";
import { formatType } from "../../ir/types.ts";
import type { TargetCaps } from "../target.ts";
import { MASKED, allowedWords, maskWord, walkKeys } from "./flash-common.ts";
import type { RegisterBlocks, Tiles } from "./flash-blocked-stages.ts";
import { epilogue, pv, registerBlocks, softmax } from "./flash-blocked-stages.ts";
import type { BlockedPlan, FlashOptions } from "./flash-plan.ts";
import type { FlashFrame } from "./flash-stages.ts";
import { V4, exitIfNoKeys, f32, flashDoc, flashShape, frameParams, loadNormRows, normTables, openFrame, rowGroup, spread } from "./flash-stages.ts";

export function buildFlashBlocked(group: FusionGroup, caps: TargetCaps, part: Partition, plan: BlockedPlan, opts: FlashOptions): Launch {
  const s = flashShape(group.root, opts, plan.tq, plan.ck);
  const { root, tq, CK, D4, Dv4, fused, rdim } = s;
  const KB = plan.kb, NC = CK / KB, CPI = Math.ceil(Dv4 / NC);
  const doc = flashDoc(s, `flash, register-blocked: one workgroup of ${plan.ni} per (b, h, ${tq}-row query tile); keys in chunks of ${CK}; 4×${KB} score blocks, 4×${4 * CPI} output blocks; ${s.walk}`);
  const ctx = new KernelContext(fused ? "attention_qknorm_flash" : "attention_flash", doc, [plan.ni], caps, part);
  const kb = ctx.kb;
  const tiles: Tiles = {
    qS: kb.sharedArray("q_tile", V4, tq * D4),
    kS: kb.sharedArray("k_tile", V4, CK * D4),
    vS: kb.sharedArray("v_tile", V4, CK * Dv4),
    pS: kb.sharedArray("p_tile", V4, tq * s.CK4),
    mS: kb.sharedArray("row_max", "f32", tq),
    lS: kb.sharedArray("row_sum", "f32", tq),
    aS: kb.sharedArray("row_alpha", "f32", tq),
    qMask: s.ops.segments ? kb.sharedArray("q_mask", "u32", tq) : null,
    kMask: s.ops.segments ? kb.sharedArray("k_mask", "u32", CK) : null,
  };
  const invFreq = fused ? kb.sharedArray("inv_freq", V4, rdim / 8) : null; // vec4 per rotary group: one load
  const normS = fused ? kb.sharedArray("norm_params", V4, 4 * D4) : null;
  const f = openFrame(s, caps, ctx, plan.ni, { normS, invFreq }, (body, _t, w) => {
    const qt = body.let("qt", imod(w, s.QT));
    const h = body.let("h", imod(idiv(w, s.QT), s.H));
    const bi = body.let("b", idiv(w, s.QT * s.H));
    return { qt, h, bi, row0: body.let("row0", imul(qt, tq)) };
  });
  exitIfNoKeys(f);
  prologue(f, tiles);
  const blocks = registerBlocks(f, KB, tiles.qMask);
  walkKeys(f.body, { ctx, lists: s.lists, bi: f.bi, qt: f.qt, row0: f.row0, KT: s.KT, tq, tk: s.tk, Lq: s.Lq, Lk: s.Lk, off: s.off, keyOrigin: s.keyOrigin, dense: s.dense, hasSegments: s.ops.segments !== undefined },
    (blk, masked, k0, k1) => keyRange(f, tiles, blocks, KB, blk, masked, k0, k1));
  epilogue(f, tiles, blocks, NC);
  return ctx.launch([s.B * s.H * s.QT], `${root.op} ${formatType(root.dtype, root.shape)} (flash blocked ${tq}×${CK}; ${s.walk})`, frameParams(s));
}

/** Norm tables; the q tile (rows past Lq load a copy of the last row, never stored), scaled; softmax state and row mask words. */
function prologue(f: FlashFrame, x: Tiles): void {
  const { body, ctx, ops, row0, off, Lq, Lk, D4, scale } = f;
  normTables(f);
  if (ops.norm) {
    body.barrier(); // the norm parameters and frequencies are read by every row's invocation
    const pos = ops.norm.positions;
    const position = (b: Block, r: Expr): Expr => f32(ctx.value(b, pos, [K.min(K.add(K.add(row0, r), K.u32(off)), K.u32(Lk - 1))]));
    loadNormRows(f, body, ops.q, x.qS, f.tq, (b, r) => K.min(K.add(row0, r), K.u32(Lq - 1)), { which: 0, position, post: scale });
  } else {
    spread(f, body, "e", f.tq * D4, (lb, e) => {
      const i = lb.let("i", K.min(K.add(row0, K.div(e, K.u32(D4))), K.u32(Lq - 1)));
      lb.store(x.qS, e, K.mul(rowGroup(f, lb, ops.q, D4, i, K.rem(e, K.u32(D4))), K.f32(scale)));
    });
  }
  spread(f, body, "r", f.tq, (lb, r) => {
    lb.store(x.mS, r, K.f32(MASKED));
    lb.store(x.lS, r, K.f32(0));
    if (x.qMask) lb.store(x.qMask, r, maskWord(ctx, ops.segments!, f.S, f.bi, lb, K.add(K.cast("i32", K.add(row0, r)), K.i32(off))));
  });
  body.barrier();
}

/**
 * Keys [k0, k1) of this workgroup's rows, in chunks. `masked` picks the inner loop: a constant
 * generates one loop, a workgroup-uniform flag both (the chunk loads are shared).
 */
function keyRange(f: FlashFrame, x: Tiles, rb: RegisterBlocks, KB: number, blk: Block, masked: boolean | Expr, k0: Expr, k1: Expr): void {
  const { ctx, ops, CK, CK4, D4, Dv4, Lk } = f;
  const keysB = Array.from({ length: KB }, (_, j) => j);
  blk.for("c0", k0, k1, (cb, c0) => {
    const n = cb.let("n", K.min(K.u32(CK), K.sub(k1, c0)));
    // The chunk: K and V rows (keys past n load a copy of a real row; their scores are masked,
    // so p = 0 and they add exactly 0), mask words.
    const clampKey = (r: Expr): Expr => K.min(K.add(c0, r), K.u32(Lk - 1));
    if (ops.norm) {
      const pos = ops.norm.positions;
      loadNormRows(f, cb, ops.k, x.kS, CK, (_b, r) => clampKey(r), { which: 1, position: (b, r) => f32(ctx.value(b, pos, [clampKey(r)])), post: 1 });
    } else {
      spread(f, cb, "e", CK * D4, (lb, e) => {
        const j = lb.let("j", K.min(K.add(c0, K.div(e, K.u32(D4))), K.u32(Lk - 1)));
        lb.store(x.kS, e, rowGroup(f, lb, ops.k, D4, j, K.rem(e, K.u32(D4))));
      });
    }
    spread(f, cb, "e", CK * Dv4, (lb, e) => {
      const j = lb.let("j", K.min(K.add(c0, K.div(e, K.u32(Dv4))), K.u32(Lk - 1)));
      lb.store(x.vS, e, rowGroup(f, lb, ops.v, Dv4, j, K.rem(e, K.u32(Dv4))));
    });
    const kMask = x.kMask;
    if (kMask && masked !== false) {
      const words = (y: Block): void => spread(f, y, "r", CK, (lb, r) => lb.store(kMask, r, maskWord(ctx, ops.segments!, f.S, f.bi, lb, K.cast("i32", K.add(c0, r)))));
      if (masked === true) words(cb);
      else cb.if(masked, words);
    }
    cb.barrier();

    // Scores: 4·KB dot products of this invocation's 4 q rows and KB keys.
    const s = Array.from({ length: 4 }, () => keysB.map(() => cb.var("s", K.f32(0))));
    cb.for("g", K.u32(0), f.headGroups, (gb, g) => {
      // The KB key vectors stay loaded; the q vectors are loaded one row at a time (fewer live
      // values: CUDA keeps this under its register budget).
      const kv = keysB.map((j) => gb.let("kv", K.load(x.kS, K.add(K.mul(K.add(rb.sk0, K.u32(j)), K.u32(D4)), g))));
      for (let i = 0; i < 4; i++) {
        const qv = gb.let("qv", K.load(x.qS, K.add(K.mul(K.add(rb.sr0, K.u32(i)), K.u32(D4)), g)));
        for (let j = 0; j < KB; j++) {
          let e = s[i]![j]!;
          for (let c = 0; c < 4; c++) e = K.fma(K.lane(qv, c as 0 | 1 | 2 | 3), K.lane(kv[j]!, c as 0 | 1 | 2 | 3), e);
          gb.assign(s[i]![j]!, e);
        }
      }
    });
    // The inner loop's two versions differ only here: which scores survive.
    const inChunk = keysB.map((j) => cb.let("in_chunk", K.lt(K.add(rb.sk0, K.u32(j)), n)));
    const storeScores = (y: Block, withMask: boolean): void => {
      const kPos = keysB.map((j) => y.let("pos_k", K.cast("i32", K.add(c0, K.add(rb.sk0, K.u32(j))))));
      const kWords = withMask && kMask ? keysB.map((j) => y.let("k_word", K.load(kMask, K.add(rb.sk0, K.u32(j))))) : null;
      for (let i = 0; i < 4; i++) {
        const lanes = keysB.map((j) => {
          const ok = withMask ? K.and(inChunk[j]!, allowedWords(f.causal, rb.qWords ? rb.qWords[i]! : null, rb.qPos[i]!, kWords ? kWords[j]! : null, kPos[j]!)) : inChunk[j]!;
          return K.select(ok, s[i]![j]!, K.f32(MASKED));
        });
        for (let u = 0; u < KB / 4; u++) y.store(x.pS, K.add(K.mul(K.add(rb.sr0, K.u32(i)), K.u32(CK4)), K.add(K.div(rb.sk0, K.u32(4)), K.u32(u))), K.vec(V4, ...lanes.slice(4 * u, 4 * u + 4)));
      }
    };
    if (typeof masked === "boolean") storeScores(cb, masked);
    else cb.if(masked, (y) => storeScores(y, true), (y) => storeScores(y, false));
    cb.barrier();
    softmax(f, x, cb);
    cb.barrier();
    pv(f, x, rb, cb);
    cb.barrier(); // the next chunk overwrites the tiles
  }, CK);
}

