// Stages of the register-blocked flash forward (flash-blocked.ts): its workgroup tiles, the
// register blocks each invocation owns, the online softmax over the score tile, P·V into the
// output blocks, and the epilogue.
//
// shapes: as flash-stages.ts. Score block of invocation t: rows sr0 + i (i < 4) and keys
//         sk0 + j (j < KB) of the chunk; output block: rows or0 + i and the vec4 columns oc[u]
//         (u < ⌈Dv/4 / NC⌉, NC = CK/KB column groups).

import type { Block } from "../build-kernel.ts";
import * as K from "../build-kernel.ts";
import { iadd, imul } from "../emit.ts";
import type { ArrayRef, Expr } from "../kernel-ir.ts";
import { maskValue } from "../../ir/ops/attention.ts";
import { REAL } from "./flash-common.ts";
import type { FlashFrame } from "./flash-stages.ts";
import { V4, spread } from "./flash-stages.ts";

/** The blocked form's workgroup arrays. */
export interface Tiles {
  readonly qS: ArrayRef; readonly kS: ArrayRef; readonly vS: ArrayRef;
  /** Scores, then probabilities [TQ, CK]. */
  readonly pS: ArrayRef;
  readonly mS: ArrayRef; readonly lS: ArrayRef; readonly aS: ArrayRef;
  readonly qMask: ArrayRef | null; readonly kMask: ArrayRef | null;
}

/** Online softmax, one invocation per row: rescale factor α, probabilities, ℓ. */
export function softmax(f: FlashFrame, x: Tiles, cb: Block): void {
  spread(f, cb, "r", f.tq, (rb, r) => {
    const o = rb.let("o", K.mul(r, K.u32(f.CK4)));
    const mOld = rb.let("m_old", K.load(x.mS, r));
    // Loops over the row's vec4s: with a uniform bound on WGSL (unrolled, they cost llvmpipe
    // compile time), unrolled on CUDA (the loop form makes ptxas spill at sm_90).
    const overRow = (blk: Block, fn: (b: Block, c: Expr) => void): void => {
      if (f.caps.target === "wgsl") blk.for("c", K.u32(0), f.keyGroups, fn);
      else for (let c = 0; c < f.CK4; c++) fn(blk, K.u32(c));
    };
    const mx = rb.var("mx", mOld);
    overRow(rb, (lb, c) => {
      const sv = lb.let("sv", K.load(x.pS, K.add(o, c)));
      lb.assign(mx, K.max(mx, K.max(K.max(K.lane(sv, 0), K.lane(sv, 1)), K.max(K.lane(sv, 2), K.lane(sv, 3)))));
    });
    const alpha = rb.let("alpha", K.select(K.gt(mOld, K.f32(REAL)), K.exp(K.sub(mOld, mx)), K.f32(0)));
    const sum = rb.var("sum", K.vec(V4, K.f32(0)));
    overRow(rb, (lb, c) => {
      const sv = lb.let("sv", K.load(x.pS, K.add(o, c)));
      const p = lb.let("p", K.vec(V4, ...[0, 1, 2, 3].map((j) => {
        const e = K.lane(sv, j as 0 | 1 | 2 | 3);
        return K.select(K.le(e, K.f32(REAL)), K.f32(0), K.exp(K.sub(e, mx))); // NaN is kept, not masked
      })));
      lb.store(x.pS, K.add(o, c), p);
      lb.assign(sum, K.add(sum, p));
    });
    rb.store(x.lS, r, K.fma(K.load(x.lS, r), alpha, K.add(K.add(K.lane(sum, 0), K.lane(sum, 1)), K.add(K.lane(sum, 2), K.lane(sum, 3)))));
    rb.store(x.mS, r, mx);
    rb.store(x.aS, r, alpha);
  });
}

/** P·V into this invocation's output block: acc = α·acc + Σ p·v. */
export function pv(f: FlashFrame, x: Tiles, rb: RegisterBlocks, cb: Block): void {
  const CPI = rb.oc.length;
  for (let i = 0; i < 4; i++) {
    const al = cb.let("alpha", K.load(x.aS, K.add(rb.or0, K.u32(i))));
    for (let u = 0; u < CPI; u++) cb.assign(rb.acc[i]![u]!, K.mul(rb.acc[i]![u]!, al));
  }
  cb.for("kg", K.u32(0), f.keyGroups, (gb, kg) => {
    const pv_ = [0, 1, 2, 3].map((i) => gb.let("pv", K.load(x.pS, K.add(K.mul(K.add(rb.or0, K.u32(i)), K.u32(f.CK4)), kg))));
    for (let kk = 0; kk < 4; kk++) {
      const vo = gb.let("vo", K.mul(K.add(K.mul(kg, K.u32(4)), K.u32(kk)), K.u32(f.Dv4)));
      const vv = rb.oc.map((c) => gb.let("vv", K.load(x.vS, K.add(vo, c))));
      for (let i = 0; i < 4; i++) {
        const p = K.lane(pv_[i]!, kk as 0 | 1 | 2 | 3);
        for (let u = 0; u < CPI; u++) gb.assign(rb.acc[i]![u]!, K.add(rb.acc[i]![u]!, K.mul(p, vv[u]!)));
      }
    }
  });
}

/**
 * One invocation per row turns ℓ into 1/ℓ (0 for a row with nothing allowed, ℓ = 0 exactly;
 * otherwise 1 ≤ ℓ ≤ Lk, or NaN when a score was) and, with `lse`, writes column Dv: m + log ℓ
 * over the scaled scores, or the mask value. Emptiness is equality with 0, which a NaN fails.
 * NOTE: one division per row, not per output block: CUDA's IEEE division has a slow path that is
 * a real call, and more of them make ptxas spill. Empty rows write a literal 0, not acc·0: shader
 * compilers may drop "+ 0" (no signed zeros), leaving −0 from 0·v in the accumulator.
 */
export function epilogue(f: FlashFrame, x: Tiles, rb: RegisterBlocks, NC: number): void {
  const { ctx, body, root, row0, Lq, Dv, Dv4, W } = f;
  const out = ctx.tensor(root, "read_write");
  const outType = ctx.typeOf(root);
  const rowBase = imul(iadd(imul(f.bi, f.H), f.h), Lq);
  spread(f, body, "r", f.tq, (b, r) => {
    const l = b.let("l", K.load(x.lS, r));
    const empty = b.let("empty", K.eq(l, K.f32(0)));
    b.store(x.aS, r, K.select(empty, K.f32(0), K.div(K.f32(1), l)));
    if (f.lse) {
      const row = b.let("row", K.add(row0, r));
      b.if(K.lt(row, K.u32(Lq)), (sb) => {
        const v_ = K.select(empty, K.f32(maskValue(root.dtype)), K.add(K.load(x.mS, r), K.log(l)));
        ctx.store(sb, out, K.add(imul(K.add(rowBase, row), W), K.u32(Dv)), K.cast(outType, v_));
      });
    }
  });
  body.barrier();
  for (let i = 0; i < 4; i++) {
    const r = body.let("row", K.add(row0, K.add(rb.or0, K.u32(i))));
    const inv = body.let("inv_l", K.load(x.aS, K.add(rb.or0, K.u32(i))));
    const empty = body.let("empty", K.eq(inv, K.f32(0)));
    body.if(K.lt(r, K.u32(Lq)), (sb) => {
      const o = sb.let("o", imul(K.add(rowBase, r), W));
      rb.oc.forEach((oc, u) => {
        const put = (y: Block): void => {
          const v_ = y.let("y", K.mul(rb.acc[i]![u]!, inv));
          for (let c = 0; c < 4; c++) ctx.store(y, out, K.add(o, K.add(K.mul(oc, K.u32(4)), K.u32(c))), K.cast(outType, K.select(empty, K.f32(0), K.lane(v_, c as 0 | 1 | 2 | 3))));
        };
        if (Dv4 % NC === 0) put(sb);
        else sb.if(rb.ocIn[u]!, put);
      });
    });
  }
}

/** The register blocks of the blocked form: score block rows sr0 + i, keys sk0 + j; output block rows or0 + i, vec4 columns oc[u]. */
export interface RegisterBlocks {
  readonly sr0: Expr;
  readonly sk0: Expr;
  readonly or0: Expr;
  readonly oc: readonly Expr[];
  readonly ocIn: readonly Expr[];
  readonly acc: readonly (readonly Expr[])[];
  readonly qPos: readonly Expr[];
  readonly qWords: readonly Expr[] | null;
}

export function registerBlocks(f: FlashFrame, KB: number, qMask: ArrayRef | null): RegisterBlocks {
  const { body, t, CK, Dv4, row0, off } = f;
  const NC = CK / KB, CPI = Math.ceil(Dv4 / NC);
  const sr0 = body.let("sr0", K.mul(K.div(t, K.u32(CK / KB)), K.u32(4)));
  const sk0 = body.let("sk0", K.mul(K.rem(t, K.u32(CK / KB)), K.u32(KB)));
  const or0 = body.let("or0", K.mul(K.div(t, K.u32(NC)), K.u32(4)));
  const ocRaw = Array.from({ length: CPI }, (_, u) => iadd(K.rem(t, K.u32(NC)), NC * u));
  const ocIn = ocRaw.map((c) => (Dv4 % NC === 0 ? K.bool(true) : body.let("oc_in", K.lt(c, K.u32(Dv4)))));
  const oc = ocRaw.map((c) => (Dv4 % NC === 0 ? body.let("oc", c) : body.let("oc", K.min(c, K.u32(Dv4 - 1)))));
  const acc = Array.from({ length: 4 }, () => Array.from({ length: CPI }, () => body.var("acc", K.vec(V4, K.f32(0)))));
  const qPos = [0, 1, 2, 3].map((i) => body.let("pos_q", K.add(K.cast("i32", K.add(row0, K.add(sr0, K.u32(i)))), K.i32(off))));
  const qWords = qMask ? [0, 1, 2, 3].map((i) => body.let("q_word", K.load(qMask, K.add(sr0, K.u32(i))))) : null;
  return { sr0, sk0, or0, oc, ocIn, acc, qPos, qWords };
}
