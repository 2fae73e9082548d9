// Flash attention (FlashAttention-2 forward), subgroup row form, one query tile per workgroup.
//
// shapes: as flash-stages.ts; TQ, CK and Dv/4 multiples of SG = 8. One workgroup of TI = TQ/R
//         invocations per (b, h, query tile): R = 4 rows each at 32-row tiles is a single
//         8-lane subgroup. Grid: B·H·QT workgroups.
//
// Why: on WGSL whose subgroups have ≥ 8 lanes, sharing K and V rows by subgroupBroadcast keeps
// scores, softmax state and output in registers, with no score tile and no softmax or α barriers
// (flash-sg-stages.ts has the stages and the reasons). Per chunk of CK keys: the K rows
// (normalized and rotated for attention_qknorm) and the key mask words go to workgroup memory,
// then rowChunk runs the masked or unmasked version for this invocation's R rows. Which chunks
// with which loop: walkKeys (flash-common.ts), as the other forms. A query tile whose lists are
// empty (all its rows DEAD) writes zeros and returns at once.

import type { FusionGroup, Partition } from "../fuse-elementwise.ts";
import type { Block } from "../build-kernel.ts";
import * as K from "../build-kernel.ts";
import type { Launch } from "../emit.ts";
import { idiv, imod, imul } from "../emit.ts";
import type { Expr } from "../kernel-ir.ts";
import { formatType } from "../../ir/types.ts";
import type { TargetCaps } from "../target.ts";
import { walkKeys } from "./flash-common.ts";
import type { FlashOptions, SubgroupRowsPlan } from "./flash-plan.ts";
import { frameParams, rowGroup, spread } from "./flash-stages.ts";
import type { SgFrame } from "./flash-sg-stages.ts";
import { flashDocLine, keyWords, loadKRows, openSgKernel, rowChunk, sgEpilogue } from "./flash-sg-stages.ts";

export function buildFlashSgRows(group: FusionGroup, caps: TargetCaps, part: Partition, plan: SubgroupRowsPlan, opts: FlashOptions): Launch {
  const NI = plan.ti;
  const f = openSgKernel(group, caps, part, plan, opts, NI, false,
    (s) => flashDocLine(s, plan, 1),
    (body, t, w, s) => {
      const qt = body.let("qt", imod(w, s.QT));
      const h = body.let("h", imod(idiv(w, s.QT), s.H));
      const bi = body.let("b", idiv(w, s.QT * s.H));
      return { qt, h, bi, row0: body.let("row0", imul(qt, s.tq)), lt: t };
    });
  walkKeys(f.body, { ctx: f.ctx, lists: f.lists, bi: f.bi, qt: f.qt, row0: f.row0, KT: f.KT, tq: f.tq, tk: f.tk, Lq: f.Lq, Lk: f.Lk, off: f.off, keyOrigin: f.keyOrigin, dense: f.dense, hasSegments: f.ops.segments !== undefined },
    (blk, masked, k0, k1) => keyRange(f, blk, masked, k0, k1));
  sgEpilogue(f);
  const { root } = f;
  return f.ctx.launch([f.B * f.H * f.QT], `${root.op} ${formatType(root.dtype, root.shape)} (flash rows ${f.tq}×${f.CK}, ${f.r} rows per invocation, K/V shared among ${f.sg} subgroup lanes; ${f.walk})`, frameParams(f));
}

/**
 * Keys [k0, k1) of this workgroup's rows, in chunks. `masked` picks the inner loop: a constant
 * generates one loop, a workgroup-uniform flag both (the chunk loads are shared).
 */
function keyRange(f: SgFrame, blk: Block, masked: boolean | Expr, k0: Expr, k1: Expr): void {
  const { CK, D4, Lk } = f;
  blk.for("c0", k0, k1, (cb, c0) => {
    const n = cb.let("n", K.min(K.u32(CK), K.sub(k1, c0)));
    // Keys past n load a copy of a real row; their scores are masked, so p = 0 and they add exactly 0.
    if (f.ops.norm) {
      loadKRows(f, cb, c0);
    } else {
      spread(f, cb, "e", CK * D4, (lb, e) => {
        const j = lb.let("j", K.min(K.add(c0, K.div(e, K.u32(D4))), K.u32(Lk - 1)));
        lb.store(f.kS, e, rowGroup(f, lb, f.ops.k, D4, j, K.rem(e, K.u32(D4))));
      });
    }
    if (f.kMask && masked !== false) {
      if (masked === true) keyWords(f, cb, c0);
      else cb.if(masked, (x) => keyWords(f, x, c0));
    }
    cb.barrier();
    rowChunk(f, cb, masked, c0, n);
    cb.barrier(); // the next chunk overwrites the tiles
  }, CK);
}
