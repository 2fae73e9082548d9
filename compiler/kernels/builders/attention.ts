// Attention, straightforward form: one workgroup per query row, the whole row in one kernel.
//
// shapes: q [B, H, Lq, D], k [B, H, Lk, D], v [B, H, Lk, Dv], segments i32 [B, S, 3] (optional)
//         → out [B, H, Lq, Dv]; workgroup w = (b·H + h)·Lq + i handles query row i of head (b, h).
//
// The row's q is computed once into workgroup memory (so a fused producer such as rotary or a
// scale runs once per row), then the keys are walked in chunks that fit workgroup memory:
//   1. each invocation scores its keys of the chunk: q·k·scale, or MASKED where mask.ts forbids
//      the pair (the segment rules are evaluated here, per element, from the segments tensor);
//   2. the chunk max and the sum of exp(s − max) are reduced over the workgroup (tree reductions
//      in workgroup memory, barriers in uniform control flow);
//   3. an online softmax rescales the running sum and the output accumulators by exp(m − m'),
//      and each invocation adds p·v into the output columns it owns (c = t, t + WG, ...).
// Statistics are f32 whatever the storage type. A row with nothing allowed ends with sum 0 and
// writes zeros (never NaN). With the `lse` attribute the output rows are Dv + 1 wide and column Dv
// holds the row's log-sum-exp (m + log ℓ of the scaled, masked scores; the mask value when empty).
// The flash kernels (flash-attention.ts) serve the sizes that fit them; this is the fallback.

import { SEG_DEAD, SEG_GLOBAL, SEG_PAD, SEG_SPAN } from "../../ir/mask.ts";
import { maskValue } from "../../ir/ops/attention.ts";
import { concreteShape, formatType } from "../../ir/types.ts";
import { attrsOf } from "../../ir/view.ts";
import type { FusionGroup, Partition } from "../fuse-elementwise.ts";
import type { Block } from "../build-kernel.ts";
import * as K from "../build-kernel.ts";
import type { Launch } from "../emit.ts";
import { KernelContext, iadd, idiv, imod, imul } from "../emit.ts";
import type { Expr } from "../kernel-ir.ts";
import { registerBuilder } from "../schedule.ts";
import type { TargetCaps } from "../target.ts";
import { attentionOperands } from "./flash-plan.ts";

/** Invocations per workgroup (a power of two: the reductions halve it). */
const WG = 64;
/** Longest key chunk; more keys are walked in several chunks with the online softmax. */
const MAX_CHUNK = 512;
/** The score of a masked pair (f32 statistics); anything above half of it is a real score. */
const MASKED = maskValue("f32");
const REAL = MASKED / 2;

export function buildAttention(group: FusionGroup, caps: TargetCaps, part: Partition): Launch {
  const root = group.root;
  const { q, k, v, segments: seg } = attentionOperands(root);
  const [B, H, Lq, D] = concreteShape(q.shape) as [number, number, number, number];
  const Lk = concreteShape(k.shape)[2]!;
  const Dv = concreteShape(v.shape)[3]!;
  const S = seg ? concreteShape(seg.shape)[1]! : 0;
  const { scale, causal } = attrsOf(root, "attention", "attention_qknorm");

  // Workgroup memory: the q row, one chunk of scores, the reduction scratch.
  const fixed = 4 * (Math.max(D, 1) + WG);
  const room = Math.floor((caps.maxWorkgroupStorageBytes - fixed) / 4);
  const C = Math.max(1, Math.min(MAX_CHUNK, Lk, room));
  if (room < Math.min(WG, Math.max(Lk, 1))) {
    throw new Error(`attention: head dim ${D} leaves no room for a key chunk in ${caps.maxWorkgroupStorageBytes} bytes of workgroup memory`);
  }
  const R = Math.max(1, Math.ceil(Dv / WG)); // output columns per invocation

  const mask = [causal ? "causal" : "", seg ? `segments [${B}, ${S}, 3]` : ""].filter(Boolean).join(" + ") || "none";
  const doc = [
    `attention: q [${B}, ${H}, ${Lq}, ${D}], k [${B}, ${H}, ${Lk}, ${D}], v [${B}, ${H}, ${Lk}, ${Dv}] → out [${B}, ${H}, ${Lq}, ${Dv}]`,
    `mask: ${mask}; scale ${scale}; one workgroup of ${WG} per query row; keys in chunks of ${C}`,
  ].join("\n");
  const ctx = new KernelContext("attention", doc, [WG], caps, part);
  const kb = ctx.kb;
  const qRow = kb.sharedArray("q_row", "f32", Math.max(D, 1));
  const scores = kb.sharedArray("scores", "f32", C);
  const red = kb.sharedArray("red", "f32", WG);
  const body = ctx.body;

  const t = body.let("t", K.builtin("local_invocation_id", 0));
  const row = body.let("row", K.linearWorkgroupId());
  const qi = imod(row, Lq);
  const h = imod(idiv(row, Lq), H);
  const bi = idiv(row, Lq * H);
  const f32 = (x: Expr): Expr => K.cast("f32", x);

  // The q row, computed once through whatever producer chain q has.
  body.for("d", t, K.u32(D), (lb, d) => lb.store(qRow, d, f32(ctx.value(lb, q, [bi, h, qi, d]))), WG);
  body.barrier();

  // Mask rules of mask.ts. Query row i sits at absolute position Lk − Lq + i (may be negative).
  const pi = body.let("pos_q", K.add(K.cast("i32", qi), K.i32(Lk - Lq)));
  const segField = (blk: Block, s: Expr, f: number): Expr => ctx.value(blk, seg!, [bi, s, K.u32(f)]);
  const inside = (pos: Expr, start: Expr, end: Expr): Expr => K.and(K.ge(pos, start), K.lt(pos, end));
  let padI: Expr | null = null, deadI: Expr | null = null;
  if (seg) {
    const pv = body.var("pad_q", K.bool(false));
    const dv = body.var("dead_q", K.bool(false));
    body.for("s", K.u32(0), K.u32(S), (lb, s) => {
      const kind = lb.let("kind", segField(lb, s, 0));
      const inI = lb.let("in_q", inside(pi, segField(lb, s, 1), segField(lb, s, 2)));
      lb.assign(pv, K.or(pv, K.and(K.eq(kind, K.i32(SEG_PAD)), inI)));
      lb.assign(dv, K.or(dv, K.and(K.eq(kind, K.i32(SEG_DEAD)), inI)));
    });
    padI = pv;
    deadI = dv;
  }
  /** allowed(i, j) for key j (u32) of this row, evaluated in `blk`. */
  const allowed = (blk: Block, j: Expr): Expr | null => {
    const pj = blk.let("pos_k", K.cast("i32", j));
    const base = causal ? K.le(pj, pi) : null;
    if (!seg) return base;
    // Without causal the base rule allows every pair, so spans and globals change nothing.
    const padJ = blk.var("pad_k", K.bool(false));
    const deadJ = blk.var("dead_k", K.bool(false));
    const span = base ? blk.var("same_span", K.bool(false)) : null;
    const glob = base ? blk.var("global_k", K.bool(false)) : null;
    blk.for("s", K.u32(0), K.u32(S), (lb, s) => {
      const kind = segField(lb, s, 0), start = segField(lb, s, 1), end = segField(lb, s, 2);
      const inJ = lb.let("in_k", inside(pj, start, end));
      lb.assign(padJ, K.or(padJ, K.and(K.eq(kind, K.i32(SEG_PAD)), inJ)));
      lb.assign(deadJ, K.or(deadJ, K.and(K.eq(kind, K.i32(SEG_DEAD)), inJ)));
      if (span && glob) {
        lb.assign(span, K.or(span, K.and(K.and(K.eq(kind, K.i32(SEG_SPAN)), inJ), inside(pi, start, end))));
        lb.assign(glob, K.or(glob, K.and(K.eq(kind, K.i32(SEG_GLOBAL)), inJ)));
      }
    });
    // DEAD rows see nothing and DEAD columns are seen by nothing (mask.ts).
    const shown = K.not(K.or(K.or(deadJ, deadI!), K.and(padJ, K.not(padI!))));
    return base && span && glob ? K.and(shown, K.or(K.or(base, span), glob)) : shown;
  };

  /** Tree reduction of red[0..WG) into red[0]; starts and ends with a barrier. */
  const reduce = (blk: Block, op: (a: Expr, b: Expr) => Expr): void => {
    blk.barrier();
    for (let stride = WG / 2; stride >= 1; stride /= 2) {
      blk.if(K.lt(t, K.u32(stride)), (x) => x.store(red, t, op(K.load(red, t), K.load(red, K.add(t, K.u32(stride))))));
      blk.barrier();
    }
  };

  const m = body.var("m", K.f32(MASKED)); // running max of the row's scores
  const l = body.var("l", K.f32(0)); // running sum of exp(score − m)
  const acc: Expr[] = [];
  for (let r = 0; r < R; r++) acc.push(body.var("acc", K.f32(0)));
  const colOf = (r: number): Expr => iadd(t, r * WG);

  body.for("c0", K.u32(0), K.u32(Lk), (cb, c0) => {
    const n = cb.let("n", K.min(K.u32(C), K.sub(K.u32(Lk), c0))); // keys in this chunk

    // 1. Scores of this invocation's keys, and their max.
    const lmax = cb.var("lmax", K.f32(MASKED));
    cb.for("jj", t, n, (lb, jj) => {
      const j = lb.let("j", K.add(c0, jj));
      const s = lb.var("s", K.f32(MASKED));
      const score = (blk: Block): void => {
        const dot = blk.var("dot", K.f32(0));
        blk.for("d", K.u32(0), K.u32(D), (db, d) => {
          db.assign(dot, K.fma(K.load(qRow, d), f32(ctx.value(db, k, [bi, h, j, d])), dot));
        });
        blk.assign(s, K.mul(dot, K.f32(scale)));
      };
      const ok = allowed(lb, j);
      if (ok) lb.if(ok, score);
      else score(lb);
      lb.store(scores, jj, s);
      lb.assign(lmax, K.max(lmax, s));
    }, WG);
    cb.store(red, t, lmax);
    reduce(cb, K.max);
    const mNew = cb.let("m_new", K.max(m, K.load(red, 0)));
    cb.barrier(); // everyone has read red[0] before it is reused

    // 2. Probabilities (unnormalized) of this chunk, and their sum.
    const lsum = cb.var("lsum", K.f32(0));
    cb.for("jj", t, n, (lb, jj) => {
      const s = lb.let("s", K.load(scores, jj));
      // Masked is s ≤ REAL, so that a NaN score is kept (and propagates, as in the reference).
      const p = lb.let("p", K.select(K.le(s, K.f32(REAL)), K.f32(0), K.exp(K.sub(s, mNew))));
      lb.store(scores, jj, p);
      lb.assign(lsum, K.add(lsum, p));
    }, WG);
    cb.store(red, t, lsum);
    reduce(cb, K.add); // its last barrier also publishes the probabilities

    // 3. Online softmax: rescale what came before, then add this chunk's p·v.
    const alpha = cb.let("alpha", K.select(K.le(m, K.f32(REAL)), K.f32(0), K.exp(K.sub(m, mNew))));
    cb.assign(l, K.fma(l, alpha, K.load(red, 0)));
    cb.assign(m, mNew);
    for (const a of acc) cb.assign(a, K.mul(a, alpha));
    cb.for("jj", K.u32(0), n, (lb, jj) => {
      const p = lb.let("p", K.load(scores, jj));
      lb.if(K.gt(p, K.f32(0)), (pb) => {
        const j = pb.let("j", K.add(c0, jj));
        acc.forEach((a, r) => {
          const add = (blk: Block): void => blk.assign(a, K.fma(p, f32(ctx.value(blk, v, [bi, h, j, colOf(r)])), a));
          if ((r + 1) * WG <= Dv) add(pb);
          else pb.if(K.lt(colOf(r), K.u32(Dv)), add);
        });
      });
    });
    cb.barrier(); // the next chunk overwrites scores and red
  }, C);

  // Normalize; a row with nothing allowed has l = 0 exactly and writes zeros (a row with an allowed
  // key has l ≥ 1; a NaN l is not empty and divides into NaN, as the reference gives).
  const out = ctx.tensor(root, "read_write");
  const outType = ctx.typeOf(root);
  const inv = body.let("inv_l", K.select(K.eq(l, K.f32(0)), K.f32(0), K.div(K.f32(1), l)));
  // With `lse` the row is Dv + 1 wide: column Dv is log Σ exp(scaled score) over allowed keys,
  // m + log ℓ, or the mask value for a row with nothing allowed.
  const lse = attrsOf(root, "attention", "attention_qknorm").lse;
  const W = lse ? Dv + 1 : Dv;
  acc.forEach((a, r) => {
    body.if(K.lt(colOf(r), K.u32(Dv)), (sb) => {
      ctx.store(sb, out, iadd(imul(row, W), colOf(r)), K.cast(outType, K.mul(a, inv)));
    });
  });
  if (lse) {
    body.if(K.eq(t, K.u32(0)), (sb) => {
      const v = K.select(K.eq(l, K.f32(0)), K.f32(maskValue(root.dtype)), K.add(m, K.log(l)));
      ctx.store(sb, out, iadd(imul(row, W), Dv), K.cast(outType, v));
    });
  }
  return ctx.launch([B * H * Lq], `attention ${formatType(root.dtype, root.shape)}`);
}

registerBuilder("attention", buildAttention);
