// block_lists: the (query tile, key tile) classification of the attention mask, on the device.
//
// shapes: segments i32 [B, S, 3] → lists i32 [B, QT, 2·KT + 2] (transpose: [B, KT, 2·QT + 2]);
//         one invocation per output row (b, tile), 64 per workgroup.
//
// Statement for statement the host's classifyTile() (compiler/ir/ops/attention-qknorm.ts): the
// tile is walked in row intervals and column intervals cut at the segment boundaries that cross
// it (no sorting: the next interval ends at the nearest boundary above its start), membership
// is read at each piece's corner, and the piece is all / none / mixed (the causal diagonal).
// O(S³) per tile whatever the tile size; the lists then cost the attention kernel nothing to
// find. Because the segments are a run-time input, new padding means new lists, same kernel.

import { SEG_DEAD, SEG_GLOBAL, SEG_NONE, SEG_PAD, SEG_SPAN } from "../../ir/mask.ts";
import { keyTileOrigin, tileCount } from "../../ir/ops/attention-qknorm.ts";
import { concreteShape, formatType } from "../../ir/types.ts";
import { attrsOf, operandsOf } from "../../ir/view.ts";
import type { FusionGroup, Partition } from "../fuse-elementwise.ts";
import type { Block } from "../build-kernel.ts";
import * as K from "../build-kernel.ts";
import type { Launch } from "../emit.ts";
import { KernelContext, idiv, imod, imul } from "../emit.ts";
import type { Expr } from "../kernel-ir.ts";
import { registerBuilder } from "../schedule.ts";
import type { TargetCaps } from "../target.ts";

const WG = 64;

export function buildBlockLists(group: FusionGroup, caps: TargetCaps, part: Partition): Launch {
  const root = group.root;
  const seg = operandsOf(root, "block_lists").segments;
  const [B, S] = concreteShape(seg.shape) as [number, number];
  const { lq, lk, tile_q: tq, tile_k: tk, causal, transpose, keys_from_end: fromEnd } = attrsOf(root, "block_lists");
  const QT = tileCount(lq, tq), KT = tileCount(lk, tk);
  const ko = keyTileOrigin(lk, tk, fromEnd); // key tile kt starts at kt·tk − ko
  const [outer, inner] = transpose ? [KT, QT] : [QT, KT];
  const W = 2 * inner + 2;
  const doc = [
    `block_lists: segments [${B}, ${S}, 3] → ${formatType(root.dtype, root.shape)}`,
    `${transpose ? "per key tile the query tiles" : "per query tile the key tiles"} (${tq}×${tk} tiles of ${lq}×${lk}${ko > 0 ? `, key tiles from ${tk - ko} keys in` : ""}${causal ? ", causal" : ""}): [nP, partial…, nF, full…]`,
  ].join("\n");
  const ctx = new KernelContext("block_lists", doc, [WG], caps, part);
  const body = ctx.body;
  const idx = body.let("idx", K.linearGlobalId(WG));
  body.if(K.ge(idx, K.u32(B * outer)), (x) => x.return());
  const b = body.let("b", idiv(idx, outer));
  const o = body.let("o", imod(idx, outer));
  const out = ctx.tensor(root, "read_write");
  const base = body.let("base", imul(idx, W));

  const field = (blk: Block, s: Expr, f: number): Expr => ctx.value(blk, seg, [b, s, K.u32(f)]);
  /** The nearest segment boundary strictly inside (x, hi), else hi. */
  const nextCut = (blk: Block, x: Expr, hi: Expr): Expr => {
    const e = blk.var("cut", hi);
    blk.for("s", K.u32(0), K.u32(S), (lb, s) => {
      const used = lb.let("used", K.ne(field(lb, s, 0), K.i32(SEG_NONE)));
      for (const f of [1, 2]) {
        const c = field(lb, s, f);
        lb.assign(e, K.select(K.and(used, K.and(K.gt(c, x), K.lt(c, e))), c, e));
      }
    });
    return blk.let("next", e);
  };
  const inside = (blk: Block, s: Expr, p: Expr): Expr => K.and(K.ge(p, field(blk, s, 1)), K.lt(p, field(blk, s, 2)));

  const nP = body.var("n_partial", K.u32(0));
  const nF = body.var("n_full", K.u32(0));
  body.for("x", K.u32(0), K.u32(inner), (xb, x) => {
    const [qt, kt] = transpose ? [x, o] : [o, x];
    const off = K.i32(lk - lq);
    const r0 = xb.let("r0", K.add(K.cast("i32", K.mul(qt, K.u32(tq))), off));
    const r1 = xb.let("r1", K.add(K.cast("i32", K.min(K.add(K.mul(qt, K.u32(tq)), K.u32(tq)), K.u32(lq))), off));
    const c0 = xb.let("c0", K.cast("i32", K.sub(K.max(K.mul(kt, K.u32(tk)), K.u32(ko)), K.u32(ko))));
    const c1 = xb.let("c1", K.cast("i32", K.min(K.sub(K.add(K.mul(kt, K.u32(tk)), K.u32(tk)), K.u32(ko)), K.u32(lk))));
    const all = xb.var("all", K.bool(true));
    const none = xb.var("none", K.bool(true));
    const ra = xb.var("ra", r0);
    xb.while(K.lt(ra, r1), (rb_) => {
      const rb = nextCut(rb_, ra, r1);
      const padI = rb_.var("pad_i", K.bool(false));
      const deadI = rb_.var("dead_i", K.bool(false));
      rb_.for("s", K.u32(0), K.u32(S), (lb, s) => {
        const kind = lb.let("kind", field(lb, s, 0));
        const inI = lb.let("in_i", inside(lb, s, ra));
        lb.assign(padI, K.or(padI, K.and(K.eq(kind, K.i32(SEG_PAD)), inI)));
        lb.assign(deadI, K.or(deadI, K.and(K.eq(kind, K.i32(SEG_DEAD)), inI)));
      });
      const ca = rb_.var("ca", c0);
      rb_.while(K.lt(ca, c1), (cb_) => {
        const cb = nextCut(cb_, ca, c1);
        const padJ = cb_.var("pad_j", K.bool(false));
        const deadJ = cb_.var("dead_j", K.bool(false));
        const glob = cb_.var("glob", K.bool(false));
        const span = cb_.var("span", K.bool(false));
        cb_.for("s", K.u32(0), K.u32(S), (lb, s) => {
          const kind = lb.let("kind", field(lb, s, 0));
          const inJ = lb.let("in_j", inside(lb, s, ca));
          lb.assign(padJ, K.or(padJ, K.and(K.eq(kind, K.i32(SEG_PAD)), inJ)));
          lb.assign(deadJ, K.or(deadJ, K.and(K.eq(kind, K.i32(SEG_DEAD)), inJ)));
          lb.assign(glob, K.or(glob, K.and(K.eq(kind, K.i32(SEG_GLOBAL)), inJ)));
          lb.assign(span, K.or(span, K.and(K.and(K.eq(kind, K.i32(SEG_SPAN)), inJ), inside(lb, s, ra))));
        });
        // dead rows or columns, hidden padding → none; unmasked by a rule → all; else the causal
        // diagonal decides.
        cb_.if(K.or(K.or(deadI, deadJ), K.and(padJ, K.not(padI))), (y) => y.assign(all, K.bool(false)), (n1) => {
          const free = causal ? K.or(span, glob) : K.bool(true);
          n1.if(free, (y) => y.assign(none, K.bool(false)), (n2) => {
            n2.if(K.le(K.sub(cb, K.i32(1)), ra), (y) => y.assign(none, K.bool(false)), (n3) => {
              n3.if(K.gt(ca, K.sub(rb, K.i32(1))), (y) => y.assign(all, K.bool(false)), (y) => {
                y.assign(all, K.bool(false));
                y.assign(none, K.bool(false));
              });
            });
          });
        });
        cb_.assign(ca, cb);
      });
      rb_.assign(ra, rb);
    });
    xb.if(all, (y) => {
      ctx.store(y, out, K.add(base, K.add(nF, K.u32(inner + 2))), K.cast("i32", x));
      y.assign(nF, K.add(nF, K.u32(1)));
    }, (n) => n.if(K.not(none), (y) => {
      ctx.store(y, out, K.add(base, K.add(nP, K.u32(1))), K.cast("i32", x));
      y.assign(nP, K.add(nP, K.u32(1)));
    }));
  });
  ctx.store(body, out, base, K.cast("i32", nP));
  ctx.store(body, out, K.add(base, K.u32(inner + 1)), K.cast("i32", nF));
  // Unused entries are zero (the arena is reused memory).
  body.for("e", nP, K.u32(inner), (lb, e) => ctx.store(lb, out, K.add(base, K.add(e, K.u32(1))), K.i32(0)));
  body.for("e", nF, K.u32(inner), (lb, e) => ctx.store(lb, out, K.add(base, K.add(e, K.u32(inner + 2))), K.i32(0)));
  return ctx.launch([Math.max(1, Math.ceil((B * outer) / WG))], `block_lists ${formatType(root.dtype, root.shape)}${transpose ? " (transposed)" : ""}`);
}

registerBuilder("block_lists", buildBlockLists);
