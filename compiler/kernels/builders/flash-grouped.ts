// Flash attention (FlashAttention-2 forward), subgroup row form with several query tiles per
// workgroup sharing each normalized K chunk.
//
// shapes: as flash-stages.ts, with block lists; subgroups of exactly SG = 8 lanes. One workgroup
//         of QG·TI invocations (TI = TQ/R) handles QG consecutive query tiles, one subgroup each
//         (QG = 4 at R = 4). Grid: B·H·⌈QT/QG⌉ workgroups.
//
// Why: with one tile per workgroup, every workgroup normalizes and rotates each K chunk it walks
// (a sizeable share of the kernel at Show-o's shapes); here it is done once, by all invocations,
// for QG tiles. The workgroup
// walks the union of its tiles' lists (walkUnion), key tile by key tile; each subgroup then runs
// its own tile's loop (masked for a partial tile, unmasked for a full one) or skips the chunk: a
// per-subgroup branch around subgroup broadcasts, hence exact subgroups and the WGSL printed with
// its subgroup_uniformity check off. Tiles past QT have no lists and write nothing; a tile with
// empty lists (all DEAD) runs no chunk and writes zeros.

import type { FusionGroup, Partition } from "../fuse-elementwise.ts";
import * as K from "../build-kernel.ts";
import type { Launch } from "../emit.ts";
import { idiv, imod, imul } from "../emit.ts";
import { formatType } from "../../ir/types.ts";
import type { TargetCaps } from "../target.ts";
import { walkUnion } from "./flash-common.ts";
import type { FlashOptions, SubgroupRowsPlan } from "./flash-plan.ts";
import { frameParams } from "./flash-stages.ts";
import { flashDocLine, keyWords, loadKRows, openSgKernel, rowChunk, sgEpilogue } from "./flash-sg-stages.ts";

export function buildFlashGrouped(group: FusionGroup, caps: TargetCaps, part: Partition, plan: SubgroupRowsPlan & { readonly qg: number }, opts: FlashOptions): Launch {
  const TI = plan.ti, QG = plan.qg, NI = TI * QG;
  let QGN = 0; // workgroups per (b, h)
  let qg0 = K.u32(0);
  const f = openSgKernel(group, caps, part, plan, opts, NI, true,
    (s) => flashDocLine(s, plan, QG),
    (body, t, w, s) => {
      QGN = Math.ceil(s.QT / QG);
      // Workgroup w has tiles qg0 + s (s < QG; past QT: nothing); invocation t is in tile t / TI.
      qg0 = body.let("qg0", imul(imod(w, QGN), QG));
      const qt = body.let("qt", K.add(qg0, K.div(t, K.u32(TI))));
      const h = body.let("h", imod(idiv(w, QGN), s.H));
      const bi = body.let("b", idiv(w, QGN * s.H));
      const row0 = body.let("row0", imul(qt, s.tq));
      return { qt, h, bi, row0, lt: body.let("lt", K.rem(t, K.u32(TI))) };
    });
  const { CK } = f;
  walkUnion(f.body, { ctx: f.ctx, lists: f.lists!, bi: f.bi, tile0: qg0, tiles: QG, mine: K.div(f.t, K.u32(TI)), QT: f.QT, KT: f.KT, tk: f.tk, keyOrigin: f.keyOrigin, Lk: f.Lk }, (ub, k0, k1, full, partial) => {
    ub.for("c0", k0, k1, (cb, c0) => {
      const n = cb.let("n", K.min(K.u32(CK), K.sub(k1, c0)));
      loadKRows(f, cb, c0);
      if (f.kMask) keyWords(f, cb, c0);
      cb.barrier();
      // Per subgroup (exact subgroups: one tile each), so its broadcasts stay in uniform flow.
      cb.if(K.or(full, partial), (xb) => rowChunk(f, xb, partial, c0, n));
      cb.barrier(); // the next chunk overwrites the K tile
    }, CK);
  });
  sgEpilogue(f);
  const { root } = f;
  return f.ctx.launch([f.B * f.H * QGN], `${root.op} ${formatType(root.dtype, root.shape)} (flash rows ${f.tq}×${CK}, ${f.r} rows per invocation, K/V shared among ${f.sg} subgroup lanes, ${QG} query tiles per workgroup sharing each normalized K chunk; ${f.walk})`, frameParams(f));
}
