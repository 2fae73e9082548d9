// Pieces shared by the flash-attention kernels (flash-rows.ts, flash-blocked.ts, the subgroup row
// forms and the backward): the rotary sin/cos, the per-position segment word, the mask rule on two
// words, and the walks over the keys of one query tile (walkKeys) or of the union of several
// (walkUnion).
//
// shapes: segments i32 [B, S, 3] (mask.ts); a word describes one absolute position of one batch
//         row: bit 0 PAD, bit 1 GLOBAL, bit 2 DEAD, bit 3 + s "inside SPAN slot s" (S ≤ 29).

import type { Node } from "../../ir/graph.ts";
import { SEG_DEAD, SEG_GLOBAL, SEG_PAD, SEG_SPAN } from "../../ir/mask.ts";
import { maskValue } from "../../ir/ops/attention.ts";
import type { Block } from "../build-kernel.ts";
import * as K from "../build-kernel.ts";
import type { KernelContext } from "../emit.ts";
import type { Expr } from "../kernel-ir.ts";

/** The score of a masked pair (f32 statistics); anything above REAL is a real score. */
export const MASKED = maskValue("f32");
export const REAL = MASKED / 2;

const BIT_PAD = 1, BIT_GLOBAL = 2, BIT_DEAD = 4, SPAN_SHIFT = 3;

// Cody–Waite reduction by π/2 (three f32 parts, exact products for |k| < 2¹⁵) and Cephes'
// minimax polynomials on [−π/4, π/4]. NOTE: not the sin/cos builtins: CUDA's sinf/cosf carry a
// slow path for huge arguments that is a real call, and its calling convention makes the flash
// kernel spill registers; WGSL's are only promised to 2⁻¹¹ absolute. Rotary angles here are at
// most a few thousand radians, where this is accurate to a few f32 ulps.
const PIO2 = [1.5703125, 4.837512969970703125e-4, 7.54978995489188216e-8] as const;
export function sinCos(blk: Block, theta: Expr): [Expr, Expr] {
  const k = blk.let("quadrant", K.round(K.mul(theta, K.f32(2 / Math.PI))));
  const r = blk.let("red", K.sub(K.sub(K.sub(theta, K.mul(k, K.f32(PIO2[0]))), K.mul(k, K.f32(PIO2[1]))), K.mul(k, K.f32(PIO2[2]))));
  const z = blk.let("z", K.mul(r, r));
  const sn = blk.let("s_r", K.fma(K.mul(r, z), K.fma(z, K.fma(z, K.f32(-1.9515295891e-4), K.f32(8.3321608736e-3)), K.f32(-1.6666654611e-1)), r));
  const cs = blk.let("c_r", K.fma(K.mul(z, z), K.fma(z, K.fma(z, K.f32(2.443315711809948e-5), K.f32(-1.388731625493765e-3)), K.f32(4.166664568298827e-2)), K.fma(z, K.f32(-0.5), K.f32(1))));
  const q = blk.let("q", K.bitand(K.cast("i32", k), K.i32(3)));
  const swap = K.ne(K.bitand(q, K.i32(1)), K.i32(0));
  const sinV = blk.let("sin_t", K.select(swap, cs, sn));
  const cosV = blk.let("cos_t", K.select(swap, sn, cs));
  return [
    K.select(K.ge(q, K.i32(2)), K.neg(sinV), sinV),
    K.select(K.or(K.eq(q, K.i32(1)), K.eq(q, K.i32(2))), K.neg(cosV), cosV),
  ];
}

/**
 * sinCos on four angles at once (vec4<f32>), the same reduction and polynomials; the quadrant
 * selects are arithmetic on small exact integers, since selects take one scalar condition.
 * One copy of the code for four lanes: on llvmpipe this compiles and runs faster than four.
 */
export function sinCos4(blk: Block, theta: Expr): [Expr, Expr] {
  const V4 = "vec4<f32>" as const;
  const c = (x: number): Expr => K.vec(V4, K.f32(x));
  const k = blk.let("quadrant", K.round(K.mul(theta, c(2 / Math.PI))));
  const r = blk.let("red", K.sub(K.sub(K.sub(theta, K.mul(k, c(PIO2[0]))), K.mul(k, c(PIO2[1]))), K.mul(k, c(PIO2[2]))));
  const z = blk.let("z", K.mul(r, r));
  const sn = blk.let("s_r", K.fma(K.mul(r, z), K.fma(z, K.fma(z, c(-1.9515295891e-4), c(8.3321608736e-3)), c(-1.6666654611e-1)), r));
  const cs = blk.let("c_r", K.fma(K.mul(z, z), K.fma(z, K.fma(z, c(2.443315711809948e-5), c(-1.388731625493765e-3)), c(4.166664568298827e-2)), K.fma(z, c(-0.5), c(1))));
  // q = k mod 4 in {0, 1, 2, 3}; odd swaps sin and cos; sin is negated for q ≥ 2, cos for q ∈ {1, 2}.
  const q = blk.let("q", K.sub(k, K.mul(c(4), K.floor(K.mul(k, c(0.25))))));
  const odd = blk.let("odd", K.sub(q, K.mul(c(2), K.floor(K.mul(q, c(0.5))))));
  const sinV = blk.let("sin_t", K.add(sn, K.mul(odd, K.sub(cs, sn))));
  const cosV = blk.let("cos_t", K.add(cs, K.mul(odd, K.sub(sn, cs))));
  const sgnS = K.sub(c(1), K.mul(c(2), K.floor(K.mul(q, c(0.5)))));
  const q1 = K.sub(K.add(q, c(1)), K.mul(c(4), K.floor(K.mul(K.add(q, c(1)), c(0.25))))); // (q + 1) mod 4
  const sgnC = K.sub(c(1), K.mul(c(2), K.floor(K.mul(q1, c(0.5)))));
  return [blk.let("sin4", K.mul(sgnS, sinV)), blk.let("cos4", K.mul(sgnC, cosV))];
}

/** The rotary frequencies base^(−2r/rotary_dim), r < rotary_dim/2, rounded as the rotary decomposition rounds them. */
export function rotaryFrequencies(rdim: number, base: number): number[] {
  return Array.from({ length: rdim / 2 }, (_, r) => Math.fround(Math.pow(base, Math.fround(r * Math.fround(-2 / rdim)))));
}

/** The word of absolute position `p` (i32) in batch row `bi`: a var assigned in `blk`. */
export function maskWord(ctx: KernelContext, seg: Node, S: number, bi: Expr, blk: Block, p: Expr): Expr {
  const field = (b: Block, s: Expr, f: number): Expr => ctx.value(b, seg, [bi, s, K.u32(f)]);
  const word = blk.var("word", K.u32(0));
  blk.for("s", K.u32(0), K.u32(S), (lb, s) => {
    const kind = lb.let("kind", field(lb, s, 0));
    const inP = lb.let("in", K.and(K.ge(p, field(lb, s, 1)), K.lt(p, field(lb, s, 2))));
    const bit = K.select(K.eq(kind, K.i32(SEG_PAD)), K.u32(BIT_PAD), K.select(K.eq(kind, K.i32(SEG_GLOBAL)), K.u32(BIT_GLOBAL),
      K.select(K.eq(kind, K.i32(SEG_DEAD)), K.u32(BIT_DEAD), K.select(K.eq(kind, K.i32(SEG_SPAN)), K.shl(K.u32(1), K.add(s, K.u32(SPAN_SHIFT))), K.u32(0)))));
    lb.assign(word, K.bitor(word, K.select(inP, bit, K.u32(0))));
  });
  return word;
}

const has = (word: Expr, bit: number): Expr => K.ne(K.bitand(word, K.u32(bit)), K.u32(0));

/**
 * mask.ts allowed() from two words and two absolute positions (i32):
 * !dead i ∧ !dead j ∧ !(pad j ∧ ¬pad i) ∧ (j ≤ i ∨ same span ∨ global j). Null words: no segments.
 */
export function allowedWords(causal: boolean, qWord: Expr | null, qPos: Expr, kWord: Expr | null, kPos: Expr): Expr {
  const base = causal ? K.le(kPos, qPos) : null;
  if (!qWord || !kWord) return base ?? K.bool(true);
  const hidden = K.or(K.or(has(qWord, BIT_DEAD), has(kWord, BIT_DEAD)), K.and(has(kWord, BIT_PAD), K.not(has(qWord, BIT_PAD))));
  const shown = K.not(hidden);
  if (!base) return shown;
  const span = K.ne(K.bitand(K.shr(kWord, SPAN_SHIFT), K.shr(qWord, SPAN_SHIFT)), K.u32(0));
  return K.and(shown, K.or(K.or(base, span), has(kWord, BIT_GLOBAL)));
}

/** Where a forward flash kernel's query tile finds its keys (see walkKeys). */
export interface KeyWalk {
  readonly ctx: KernelContext;
  /** The block lists [B, QT, 2·KT + 2], when specialize-masks gave some. */
  readonly lists: Node | undefined;
  readonly bi: Expr;
  readonly qt: Expr;
  /** The tile's first query row (qt·tq). */
  readonly row0: Expr;
  readonly KT: number;
  readonly tq: number;
  readonly tk: number;
  /** Key tile kt starts at kt·tk − keyOrigin (lists with keys_from_end; keyTileOrigin). */
  readonly keyOrigin: number;
  readonly Lq: number;
  readonly Lk: number;
  /** Lk − Lq: query row i sits at key position off + i. */
  readonly off: number;
  /** No segments and not causal: every key unmasked. */
  readonly dense: boolean;
  readonly hasSegments: boolean;
}

/**
 * Calls keyRange(block, masked, k0, k1) for the key ranges of one query tile, the masked flag a
 * constant or a workgroup-uniform expression:
 *   lists     full tiles (unmasked), then partial ones (masked); empty tiles are in neither list
 *   dense     every key, unmasked
 *   causal    keys up to the tile's first row unmasked, the band up to its last row masked, the
 *             rest skipped
 *   otherwise (segments without lists) every key masked.
 */
export function walkKeys(body: Block, w: KeyWalk, keyRange: (b: Block, masked: boolean | Expr, k0: Expr, k1: Expr) => void): void {
  const { ctx, lists, bi, qt, row0, KT, tq, tk, Lq, Lk, off, keyOrigin: ko } = w;
  if (lists) {
    // Row (b, qt) of the lists: [nP, partial ×KT, nF, full ×KT], loaded by workgroup-uniform
    // index. Entries e < nF are full tiles (unmasked loop), then the partial ones (masked loop).
    const entry = (blk: Block, e: Expr): Expr => K.cast("u32", ctx.value(blk, lists, [bi, qt, e]));
    const nP = body.let("n_partial", entry(body, K.u32(0)));
    const nF = body.let("n_full", entry(body, K.u32(KT + 1)));
    body.for("e", K.u32(0), K.add(nF, nP), (eb, e) => {
      const partial = eb.let("partial", K.ge(e, nF));
      const kt = eb.let("kt", entry(eb, K.select(partial, K.add(K.sub(e, nF), K.u32(1)), K.add(e, K.u32(KT + 2)))));
      const t0 = eb.let("t0", K.mul(kt, K.u32(tk)));
      keyRange(eb, partial, ko > 0 ? eb.let("k0", K.sub(K.max(t0, K.u32(ko)), K.u32(ko))) : t0, K.min(K.sub(K.add(t0, K.u32(tk)), K.u32(ko)), K.u32(Lk)));
    });
  } else if (w.dense) {
    keyRange(body, false, K.u32(0), K.u32(Lk));
  } else if (!w.hasSegments) {
    const p0 = K.add(K.cast("i32", row0), K.i32(off));
    const p1 = K.add(K.cast("i32", K.min(K.add(row0, K.u32(tq)), K.u32(Lq))), K.i32(off)); // last row + 1
    const fullEnd = body.let("full_end", K.cast("u32", K.clamp(K.add(p0, K.i32(1)), K.i32(0), K.i32(Lk))));
    const bandEnd = body.let("band_end", K.max(fullEnd, K.cast("u32", K.clamp(p1, K.i32(0), K.i32(Lk)))));
    body.for("e", K.u32(0), K.u32(2), (eb, e) => {
      const band = eb.let("band", K.eq(e, K.u32(1)));
      keyRange(eb, band, K.select(band, fullEnd, K.u32(0)), K.select(band, bandEnd, fullEnd));
    });
  } else {
    keyRange(body, true, K.u32(0), K.u32(Lk));
  }
}

/** Where a workgroup of several query tiles finds its keys (see walkUnion). */
export interface UnionWalk {
  readonly ctx: KernelContext;
  /** The block lists [B, QT, 2·KT + 2]. */
  readonly lists: Node;
  readonly bi: Expr;
  /** The workgroup's first query tile (workgroup-uniform) and how many it takes. */
  readonly tile0: Expr;
  readonly tiles: number;
  /** Which of them (0 ≤ mine < tiles) this invocation's rows are in. */
  readonly mine: Expr;
  readonly QT: number;
  readonly KT: number;
  readonly tk: number;
  /** Key tile kt starts at kt·tk − keyOrigin (lists with keys_from_end; keyTileOrigin). */
  readonly keyOrigin: number;
  readonly Lk: number;
}

/**
 * Calls keyTile(block, k0, k1, full, partial) once per key tile in the union of the lists of
 * query tiles tile0 … tile0 + tiles − 1 (those past QT have none), in key-tile order and in
 * workgroup-uniform control flow; `full` and `partial` say what the key tile is to this
 * invocation's own query tile (both false: not in its lists). The union and the own tile's
 * classes are bit sets of ⌈KT/32⌉ u32 words, built once from the lists; the union is uniform
 * (read-only storage at uniform indices).
 */
export function walkUnion(body: Block, w: UnionWalk, keyTile: (b: Block, k0: Expr, k1: Expr, full: Expr, partial: Expr) => void): void {
  const { ctx, lists, bi, KT, tk, keyOrigin: ko } = w;
  const NW = Math.ceil(KT / 32);
  const bits = (name: string): Expr[] => Array.from({ length: NW }, () => body.var(name, K.u32(0)));
  const union = bits("union"), mineFull = bits("mine_full"), minePart = bits("mine_partial");
  const wordOf = (kt: Expr): Expr => K.div(kt, K.u32(32));
  const setBit = (blk: Block, words: Expr[], kt: Expr): void =>
    words.forEach((wd, i) => blk.assign(wd, K.bitor(wd, K.select(K.eq(wordOf(kt), K.u32(i)), K.shl(K.u32(1), K.rem(kt, K.u32(32))), K.u32(0)))));
  const hasBit = (words: Expr[], kt: Expr): Expr => {
    let word: Expr = words[0]!;
    for (let i = 1; i < NW; i++) word = K.select(K.eq(wordOf(kt), K.u32(i)), words[i]!, word);
    return K.ne(K.bitand(K.shr(word, K.rem(kt, K.u32(32))), K.u32(1)), K.u32(0));
  };
  body.for("s", K.u32(0), K.u32(w.tiles), (sb, s) => {
    const qt = sb.let("qt_s", K.add(w.tile0, s));
    sb.if(K.lt(qt, K.u32(w.QT)), (vb) => {
      const entry = (blk: Block, e: Expr): Expr => K.cast("u32", ctx.value(blk, lists, [bi, qt, e]));
      const own = vb.let("own", K.eq(w.mine, s));
      // Row (b, qt) of the lists: [nP, partial ×KT, nF, full ×KT].
      for (const [first, mine] of [[1, minePart], [KT + 2, mineFull]] as const) {
        vb.for("e", K.u32(0), entry(vb, K.u32(first - 1)), (eb, e) => {
          const kt = eb.let("kt", entry(eb, K.add(e, K.u32(first))));
          setBit(eb, union, kt);
          eb.if(own, (ob) => setBit(ob, mine, kt));
        });
      }
    });
  });
  body.for("kt", K.u32(0), K.u32(KT), (lb, kt) => {
    lb.if(hasBit(union, kt), (ub) => {
      const t0 = ub.let("t0", K.mul(kt, K.u32(tk)));
      const k0 = ko > 0 ? ub.let("k0", K.sub(K.max(t0, K.u32(ko)), K.u32(ko))) : t0;
      const k1 = ub.let("k1", K.min(K.sub(K.add(t0, K.u32(tk)), K.u32(ko)), K.u32(w.Lk)));
      keyTile(ub, k0, k1, ub.let("full", hasBit(mineFull, kt)), ub.let("partial", hasBit(minePart, kt)));
    });
  });
}
