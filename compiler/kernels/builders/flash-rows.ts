// Flash attention (FlashAttention-2 forward), one query row per invocation: the form for head
// dims the vec4 forms do not take (not multiples of 4, or a rotary half that is not), up to 128.
//
// shapes: q [B, H, Lq, D], k [B, H, Lk, D], v [B, H, Lk, Dv] → out [B, H, Lq, W] (W = Dv, or Dv + 1
//         with `lse`: column Dv is m + log ℓ); attention_qknorm adds norm weights/biases [D],
//         positions i32 [Lk], segments i32 [B, S, 3] and lists i32 [B, QT, 2·KT + 2]; attention
//         adds segments only. One workgroup of TQ invocations per (b, h, query tile); invocation
//         t owns query row qt·TQ + t. Grid: B·H·QT workgroups.
//
// Per workgroup:
//   prologue  each invocation loads its q row (registers up to head 64, else a private array:
//             makeRow); for attention_qknorm it applies the per-head LayerNorm and the partial
//             split-half rotary there and then, so the normalized q never touches memory; the
//             softmax scale is folded into q. The rotary frequencies are a small table.
//   a chunk   of CK keys: K (normalized and rotated per key row for attention_qknorm) and V go to
//             workgroup memory, with a per-key mask word when masked; each invocation scores its
//             row against the chunk (scores to workgroup memory), then the online softmax once
//             per chunk: m' = max(m, rowmax), α = e^(m − m'), ℓ = αℓ + Σp, acc = α·acc + Σ p·v.
//             Which chunks with which loop: walkKeys (flash-common.ts).
//   epilogue  one division by ℓ; a row with nothing allowed has ℓ = 0 and writes zeros.
// NaN: masked is tested as s ≤ REAL and empty as ℓ == 0, comparisons NaN fails, so a NaN score
// is neither masked nor its row empty: it propagates as in the reference.

import type { Node } from "../../ir/graph.ts";
import { maskValue } from "../../ir/ops/attention.ts";
import { formatType } from "../../ir/types.ts";
import { attrsOf } from "../../ir/view.ts";
import type { FusionGroup, Partition } from "../fuse-elementwise.ts";
import type { Block } from "../build-kernel.ts";
import * as K from "../build-kernel.ts";
import type { Launch } from "../emit.ts";
import { KernelContext, iadd, idiv, imod, imul } from "../emit.ts";
import type { ArrayRef, Expr } from "../kernel-ir.ts";
import type { TargetCaps } from "../target.ts";
import { MASKED, REAL, allowedWords, maskWord, rotaryFrequencies, sinCos, walkKeys } from "./flash-common.ts";
import type { FlashOptions, RowsPlan } from "./flash-plan.ts";
import type { FlashShape } from "./flash-stages.ts";
import { flashShape } from "./flash-stages.ts";

/** Longest row kept in registers, one variable per element; longer rows are private arrays. */
const UNROLL_HEAD = 64;

/**
 * A per-invocation row of floats (the q row, the output accumulator). Unrolled: one variable per
 * element and every loop over it unrolled, so it lives in registers (no spills on CUDA at head
 * 64). Otherwise a private array walked by loops with a uniform bound.
 */
interface Row {
  /** Calls `fn` for every element index (a u32 expression; a constant when unrolled). */
  each(b: Block, fn: (b: Block, i: Expr) => void): void;
  get(i: Expr): Expr;
  set(b: Block, i: Expr, v: Expr): void;
}

function makeRow(body: Block, name: string, n: number, unroll: boolean, bound: Expr): Row {
  if (unroll) {
    const vars = Array.from({ length: n }, () => body.var(name, K.f32(0)));
    const at = (i: Expr): Expr => {
      if (i.kind !== "const") throw new Error(`internal: unrolled row '${name}' indexed by a non-constant`);
      return vars[i.value as number]!;
    };
    return { each: (b, fn) => { for (let i = 0; i < n; i++) fn(b, K.u32(i)); }, get: at, set: (b, i, v) => b.assign(at(i), v) };
  }
  const arr = body.array(name, "f32", n);
  return { each: (b, fn) => b.for("d", K.u32(0), bound, fn), get: (i) => K.load(arr, i), set: (b, i, v) => b.store(arr, i, v) };
}

/** What the stages read: the problem (flash-stages.ts), the kernel and its arrays, the invocation's row. */
interface Frame extends FlashShape {
  readonly ctx: KernelContext; readonly body: Block;
  readonly kS: ArrayRef; readonly vS: ArrayRef; readonly info: ArrayRef | null; readonly scS: ArrayRef; readonly invFreq: ArrayRef | null;
  readonly headDim: Expr; readonly headDimV: Expr; readonly rotHalf: Expr | null; readonly unroll: boolean;
  readonly t: Expr; readonly bi: Expr; readonly h: Expr; readonly qt: Expr; readonly i: Expr; readonly iq: Expr; readonly pi: Expr;
}

/** The softmax state in registers: running max m, running sum ℓ, the unnormalized accumulator; the q row; its mask word. */
interface State { readonly qr: Row; readonly qWord: Expr | null; readonly m: Expr; readonly l: Expr; readonly acc: Row }

export function buildFlashRows(group: FusionGroup, caps: TargetCaps, part: Partition, plan: RowsPlan, opts: FlashOptions): Launch {
  // Without lists the key tile only names chunks (tk is read with lists alone).
  const s = flashShape(group.root, opts, plan.tq, plan.chunk);
  const { root, ops, lists, fused, B, H, Lq, Lk, D, Dv, tq, CK, QT, walk } = s;
  const doc = [
    `${root.op}: q [${B}, ${H}, ${Lq}, ${D}], k [${B}, ${H}, ${Lk}, ${D}], v [${B}, ${H}, ${Lk}, ${Dv}] → out [${B}, ${H}, ${Lq}, ${Dv}]`,
    `flash (online softmax); one workgroup of ${tq} per (b, h, query tile); keys in chunks of ${CK}; ${walk}`,
    fused ? `prologue: per-head LayerNorm (eps ${s.eps}) and rotary (dim ${s.rdim}, base ${s.base}) of q and k tiles` : "",
  ].filter(Boolean).join("\n");
  const ctx = new KernelContext(fused ? "attention_qknorm_flash" : "attention_flash", doc, [tq], caps, part);
  const kb = ctx.kb, body = ctx.body;
  const arrays = {
    kS: kb.sharedArray("k_tile", "f32", CK * D),
    vS: kb.sharedArray("v_tile", "f32", CK * Dv),
    info: ops.segments ? kb.sharedArray("k_mask", "u32", CK) : null,
    scS: kb.sharedArray("scores", "f32", tq * CK), // row t's scores of the chunk at t·CK
    invFreq: fused ? kb.sharedArray("inv_freq", "f32", s.rdim / 2) : null,
  };
  // NOTE: loop bounds over the head dims are uniform parameters, not constants: with constants,
  // shader compilers (LLVM in llvmpipe) unroll every 64-long loop and compile for many seconds.
  const bounds = { headDim: kb.param("head_dim", "u32"), headDimV: kb.param("head_dim_v", "u32"), unroll: D <= UNROLL_HEAD && Dv <= UNROLL_HEAD, rotHalf: fused ? kb.param("rotary_half", "u32") : null };
  const t = body.let("t", K.builtin("local_invocation_id", 0));
  const w = body.let("wg", K.linearWorkgroupId());
  const qt = body.let("qt", imod(w, QT));
  const h = body.let("h", imod(idiv(w, QT), H));
  const bi = body.let("b", idiv(w, QT * H));
  const i = body.let("i", iadd(imul(qt, tq), t));
  const live = body.let("live", K.lt(i, K.u32(Lq)));
  const iq = body.let("iq", K.min(i, K.u32(Lq - 1))); // rows past Lq compute a copy of the last, never stored
  const pi = body.let("pos_q", K.add(K.cast("i32", iq), K.i32(s.off)));
  const f: Frame = { ...s, ctx, body, ...arrays, ...bounds, t, bi, h, qt, i, iq, pi };

  const st = prologue(f);
  walkKeys(body, { ctx, lists, bi, qt, row0: K.mul(qt, K.u32(tq)), KT: s.KT, tq, tk: s.tk, Lq, Lk, off: s.off, keyOrigin: s.keyOrigin, dense: s.dense, hasSegments: ops.segments !== undefined },
    (blk, masked, k0, k1) => keyRange(f, st, blk, masked, k0, k1));
  epilogue(f, st, live);
  return ctx.launch([B * H * QT], `${root.op} ${formatType(root.dtype, root.shape)} (flash ${tq}×${CK}; ${walk})`, { head_dim: D, head_dim_v: Dv, ...(fused ? { rotary_half: s.rdim / 2 } : {}) });
}

/** LayerNorm of one row of `arr` at `o` (a K row in the tile), with `weight` and `bias` [D]. */
function normalize(f: Frame, blk: Block, arr: ArrayRef, o: Expr, weight: Node, bias: Node): void {
  const mean = blk.var("mean", K.f32(0));
  blk.for("d", K.u32(0), f.headDim, (lb, d) => lb.assign(mean, K.add(mean, K.load(arr, K.add(o, d)))));
  blk.assign(mean, K.div(mean, K.f32(f.D)));
  const vr = blk.var("var", K.f32(0));
  blk.for("d", K.u32(0), f.headDim, (lb, d) => {
    const c = lb.let("c", K.sub(K.load(arr, K.add(o, d)), mean));
    lb.assign(vr, K.fma(c, c, vr));
  });
  const rstd = blk.let("rstd", K.inverseSqrt(K.add(K.div(vr, K.f32(f.D)), K.f32(f.eps))));
  blk.for("d", K.u32(0), f.headDim, (lb, d) => {
    const y = K.fma(K.mul(K.sub(K.load(arr, K.add(o, d)), mean), rstd), K.cast("f32", f.ctx.value(lb, weight, [d])), K.cast("f32", f.ctx.value(lb, bias, [d])));
    lb.store(arr, K.add(o, d), y);
  });
}

/** Rotate the pair (r, r + rotary_dim/2) of the row of `arr` at `o` by position·inv_freq[r]. */
function rotatePair(f: Frame, lb: Block, arr: ArrayRef, o: Expr, r: Expr, position: Expr): void {
  const [sn, cs] = sinCos(lb, K.mul(K.cast("f32", position), K.load(f.invFreq!, r)));
  const c = lb.let("cs", cs), s = lb.let("sn", sn);
  const i1 = lb.let("i1", K.add(o, r)), i2 = lb.let("i2", K.add(o, K.add(r, K.u32(f.rdim / 2))));
  const x1 = lb.let("x1", K.load(arr, i1)), x2 = lb.let("x2", K.load(arr, i2));
  lb.store(arr, i1, K.sub(K.mul(x1, c), K.mul(x2, s)));
  lb.store(arr, i2, K.add(K.mul(x2, c), K.mul(x1, s)));
}

/** The rotary table (thread 0 writes the constants), this invocation's q row (LayerNorm, rotary, scale), its mask word, the softmax state. */
function prologue(f: Frame): State {
  const { ctx, body, ops, D, unroll } = f;
  if (f.invFreq) {
    const freqs = rotaryFrequencies(f.rdim, f.base);
    body.if(K.eq(f.t, K.u32(0)), (x) => freqs.forEach((v, r) => x.store(f.invFreq!, K.u32(r), K.f32(v))));
    body.barrier();
  }
  const qr = makeRow(body, "q", D, unroll, f.headDim);
  qr.each(body, (b, d) => qr.set(b, d, K.cast("f32", ctx.value(b, ops.q, [f.bi, f.h, f.iq, d]))));
  if (ops.norm) {
    const { qw, qb, positions } = ops.norm;
    const mean = body.var("mean", K.f32(0));
    qr.each(body, (b, d) => b.assign(mean, K.add(mean, qr.get(d))));
    body.assign(mean, K.div(mean, K.f32(D)));
    const vr = body.var("var", K.f32(0));
    qr.each(body, (b, d) => {
      const c = b.let("c", K.sub(qr.get(d), mean));
      b.assign(vr, K.fma(c, c, vr));
    });
    const rstd = body.let("rstd", K.inverseSqrt(K.add(K.div(vr, K.f32(D)), K.f32(f.eps))));
    qr.each(body, (b, d) => qr.set(b, d, K.fma(K.mul(K.sub(qr.get(d), mean), rstd), K.cast("f32", ctx.value(b, qw, [d])), K.cast("f32", ctx.value(b, qb, [d])))));
    const pq = body.let("p", K.cast("f32", ctx.value(body, positions, [iadd(f.iq, f.off)])));
    const half = f.rdim / 2;
    const rotate = (b: Block, r: Expr, r2: Expr): void => {
      const [sn, cs] = sinCos(b, K.mul(pq, K.load(f.invFreq!, r)));
      const x1 = b.let("x1", qr.get(r)), x2 = b.let("x2", qr.get(r2));
      qr.set(b, r, K.sub(K.mul(x1, cs), K.mul(x2, sn)));
      qr.set(b, r2, K.add(K.mul(x2, cs), K.mul(x1, sn)));
    };
    if (unroll) for (let r = 0; r < half; r++) rotate(body, K.u32(r), K.u32(r + half));
    else body.for("r", K.u32(0), f.rotHalf!, (b, r) => rotate(b, r, K.add(r, K.u32(half))));
  }
  qr.each(body, (b, d) => qr.set(b, d, K.mul(qr.get(d), K.f32(f.scale))));
  const qWord = ops.segments ? body.let("q_mask", maskWord(ctx, ops.segments, f.S, f.bi, body, f.pi)) : null;
  return { qr, qWord, m: body.var("m", K.f32(MASKED)), l: body.var("l", K.f32(0)), acc: makeRow(body, "acc", f.Dv, unroll, f.headDimV) };
}

/**
 * Keys [k0, k1) of this workgroup's rows, in chunks. `masked` picks the inner loop: a constant
 * generates one loop, a workgroup-uniform flag both (the chunk loads are shared).
 */
function keyRange(f: Frame, st: State, blk: Block, masked: boolean | Expr, k0: Expr, k1: Expr): void {
  const { ctx, ops, t, bi, h, D, Dv, CK, tq, kS, vS, info, scS } = f;
  const { qr, acc, m, l } = st;
  blk.for("c0", k0, k1, (cb, c0) => {
    const n = cb.let("n", K.min(K.u32(CK), K.sub(k1, c0)));
    if (ops.norm) {
      const { kw, kb, positions } = ops.norm;
      // Normalize the chunk's key rows (one per invocation), then rotate its (row, pair)s spread
      // over the workgroup: fewer values live at once, and every invocation busy.
      cb.for("r", t, n, (rb, r) => {
        const j = rb.let("j", K.add(c0, r));
        const o = rb.let("o", K.mul(r, K.u32(D)));
        rb.for("d", K.u32(0), f.headDim, (lb, d) => lb.store(kS, K.add(o, d), K.cast("f32", ctx.value(lb, ops.k, [bi, h, j, d]))));
        normalize(f, rb, kS, o, kw, kb);
      }, tq);
      cb.barrier();
      cb.for("e", t, K.mul(n, f.rotHalf!), (rb, e) => {
        const r = rb.let("r", K.div(e, f.rotHalf!));
        const pr = rb.let("pair", K.rem(e, f.rotHalf!));
        rotatePair(f, rb, kS, K.mul(r, K.u32(D)), pr, ctx.value(rb, positions, [K.add(c0, r)]));
      }, tq);
    } else {
      cb.for("e", t, K.mul(n, K.u32(D)), (lb, e) => lb.store(kS, e, K.cast("f32", ctx.value(lb, ops.k, [bi, h, K.add(c0, K.div(e, K.u32(D))), K.rem(e, K.u32(D))]))), tq);
    }
    cb.for("e", t, K.mul(n, K.u32(Dv)), (lb, e) => lb.store(vS, e, K.cast("f32", ctx.value(lb, ops.v, [bi, h, K.add(c0, K.div(e, K.u32(Dv))), K.rem(e, K.u32(Dv))]))), tq);
    if (info && masked !== false) {
      const words = (x: Block): void => x.for("r", t, n, (lb, r) => lb.store(info, r, maskWord(ctx, ops.segments!, f.S, bi, lb, K.cast("i32", K.add(c0, r)))), tq);
      if (masked === true) words(cb);
      else cb.if(masked, words);
    }
    cb.barrier();

    // The inner loop, in two versions: scores of this row against the chunk, and their max.
    const so = cb.let("so", K.mul(t, K.u32(CK)));
    const mx = cb.var("mx", K.f32(MASKED));
    const inner = (x: Block, withMask: boolean): void => x.for("jj", K.u32(0), n, (jb, jj) => {
      const ko = jb.let("ko", K.mul(jj, K.u32(D)));
      const dot = jb.var("dot", K.f32(0));
      qr.each(jb, (db, d) => db.assign(dot, K.fma(qr.get(d), K.load(kS, K.add(ko, d)), dot)));
      const ok = (): Expr => jb.let("ok", allowedWords(f.causal, st.qWord, f.pi, info ? K.load(info, jj) : null, K.cast("i32", K.add(c0, jj))));
      const sv = jb.let("s", withMask ? K.select(ok(), dot, K.f32(MASKED)) : dot);
      jb.store(scS, K.add(so, jj), sv);
      jb.assign(mx, K.max(mx, sv));
    });
    if (typeof masked === "boolean") inner(cb, masked);
    else cb.if(masked, (x) => inner(x, true), (x) => inner(x, false));
    // Online softmax (FlashAttention-2): rescale ℓ and acc once per chunk, then add the chunk.
    const mNew = cb.let("m_new", K.max(m, mx));
    const alpha = cb.let("alpha", K.select(K.gt(m, K.f32(REAL)), K.exp(K.sub(m, mNew)), K.f32(0)));
    cb.assign(l, K.mul(l, alpha));
    acc.each(cb, (b, c) => acc.set(b, c, K.mul(acc.get(c), alpha)));
    cb.for("jj", K.u32(0), n, (jb, jj) => {
      const sv = jb.let("s", K.load(scS, K.add(so, jj)));
      // Masked is s ≤ REAL, so that a NaN score is kept (and propagates), not dropped.
      const p = jb.let("p", masked === false ? K.exp(K.sub(sv, mNew)) : K.select(K.le(sv, K.f32(REAL)), K.f32(0), K.exp(K.sub(sv, mNew))));
      jb.assign(l, K.add(l, p));
      const vo = jb.let("vo", K.mul(jj, K.u32(Dv)));
      acc.each(jb, (b, c) => acc.set(b, c, K.fma(p, K.load(vS, K.add(vo, c)), acc.get(c))));
    });
    cb.assign(m, mNew);
    cb.barrier(); // the next chunk overwrites the tiles
  }, CK);
}

/**
 * One division; empty rows write zeros. NOTE: an empty row writes a literal 0, not acc·0: shader
 * compilers may drop "+ 0" (no signed zeros), leaving −0 from 0·v in the accumulator. Empty is
 * ℓ == 0 exactly (a row with an allowed key has ℓ ≥ 1); a NaN ℓ divides into NaN, as the reference.
 * With `lse` the row is Dv + 1 wide; column Dv is m + log ℓ (scaled scores), or the mask value.
 */
function epilogue(f: Frame, st: State, live: Expr): void {
  const { ctx, body, root, Dv } = f;
  const out = ctx.tensor(root, "read_write");
  const outType = ctx.typeOf(root);
  const empty = body.let("empty", K.eq(st.l, K.f32(0)));
  const inv = body.let("inv_l", K.select(empty, K.f32(0), K.div(K.f32(1), st.l)));
  const lse = attrsOf(root, "attention", "attention_qknorm").lse;
  const W = lse ? Dv + 1 : Dv;
  body.if(live, (sb) => {
    const o = sb.let("o", imul(iadd(imul(iadd(imul(f.bi, f.H), f.h), f.Lq), f.i), W));
    st.acc.each(sb, (b, c) => ctx.store(b, out, K.add(o, c), K.cast(outType, K.select(empty, K.f32(0), K.mul(st.acc.get(c), inv)))));
    if (lse) ctx.store(sb, out, K.add(o, K.u32(Dv)), K.cast(outType, K.select(empty, K.f32(maskValue(root.dtype)), K.add(st.m, K.log(st.l)))));
  });
}
