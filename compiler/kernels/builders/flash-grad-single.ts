// Flash attention backward, one owned row per invocation (attention_grad_q, attention_grad_kv):
// the form for CUDA, WGSL without subgroups and problems below bigAttention's size.
//
// shapes: as flash-grad-common.ts. One workgroup of TQ (grad_q) or TK (grad_kv) invocations per
//         owned tile. Grid: B·H·OT workgroups.
//
// grad_q   invocation t owns query row ot·TQ + t: its dQ accumulator in registers (CUDA, head ≤ 64;
//          else a private array, up to 128), its q and dO rows in workgroup memory (so only dQ
//          takes registers and CUDA does not spill at head 64). A chunk of CH keys (K, V rows,
//          mask words) is staged in workgroup memory and each invocation walks it.
// grad_kv  invocation t owns key row ot·TK + t: its dK and dV accumulators in registers (as
//          grad_q's), its k and v rows in workgroup memory. A chunk of CH query rows (q, dO, lse,
//          Δ, mask word; Δ computed as the chunk is loaded) is staged in workgroup memory.
// Rows are vec4 groups when D and Dv are multiples of 4 (scalars otherwise); dot products over the
// head walk rolled loops, only the accumulator updates are unrolled (CUDA: no spills at head 64,
// sm_80/sm_90). The full and partial tiles of walkTiles run one template's unmasked and masked
// versions.

import { formatType } from "../../ir/types.ts";
import type { FusionGroup, Partition } from "../fuse-elementwise.ts";
import type { Block } from "../build-kernel.ts";
import * as K from "../build-kernel.ts";
import type { Launch } from "../emit.ts";
import { iadd, imul } from "../emit.ts";
import type { ArrayRef, Expr } from "../kernel-ir.ts";
import type { TargetCaps } from "../target.ts";
import { allowedWords } from "./flash-common.ts";
import type { FlashOptions, GradPlan } from "./flash-plan.ts";
import type { GradFrame } from "./flash-grad-common.ts";
import { delta, f32, gradShape, group, hsum, openGradFrame, splat, storeGroup, walkTiles, word } from "./flash-grad-common.ts";

type VT = "f32" | "vec4<f32>";

/** A per-invocation row of W-float groups: registers, a private array, or a slice of workgroup memory. */
interface Row {
  /** Calls `fn` for every element index (constants when unrolled, else a loop to `bound`). */
  each(b: Block, fn: (b: Block, i: Expr) => void): void;
  get(i: Expr): Expr;
  set(b: Block, i: Expr, v: Expr): void;
}

function registerRow(body: Block, name: string, n: number, zero: Expr): Row {
  const vars = Array.from({ length: n }, () => body.var(name, zero));
  const at = (i: Expr): Expr => {
    if (i.kind !== "const") throw new Error(`internal: unrolled row '${name}' indexed by a non-constant`);
    return vars[i.value as number]!;
  };
  return { each: (b, fn) => { for (let i = 0; i < n; i++) fn(b, K.u32(i)); }, get: at, set: (b, i, v) => b.assign(at(i), v) };
}

function arrayRow(body: Block, name: string, n: number, bound: Expr, type: VT, zero: Expr): Row {
  const arr = body.array(name, type, n);
  for (let i = 0; i < n; i++) body.store(arr, K.u32(i), zero);
  return { each: (b, fn) => b.for("d", K.u32(0), bound, fn), get: (i) => K.load(arr, i), set: (b, i, v) => b.store(arr, i, v) };
}

function sharedRow(arr: ArrayRef, base: Expr, bound: Expr): Row {
  return { each: (b, fn) => b.for("d", K.u32(0), bound, fn), get: (i) => K.load(arr, K.add(base, i)), set: (b, i, v) => b.store(arr, K.add(base, i), v) };
}

/** The form's sizes beside the frame: chunk, registers or arrays, group type. */
interface Single { readonly CH: number; readonly unroll: boolean; readonly VT: VT; readonly D_: number; readonly Dv_: number }

export function buildFlashGradSingle(fusion: FusionGroup, caps: TargetCaps, part: Partition, plan: GradPlan & { readonly form: "grad-single" }, opts: FlashOptions): Launch {
  const s = gradShape(fusion, plan, opts);
  const f = openGradFrame(s, caps, part, s.own, `flash backward (P from the lse); one workgroup of ${s.own} per (b, h, ${s.forQ ? "query" : "key"} tile); ${s.forQ ? "keys" : "queries"} in chunks of ${plan.ch}; ${s.walk}`);
  const x: Single = { CH: plan.ch, unroll: plan.unroll, VT: f.W === 4 ? "vec4<f32>" : "f32", D_: f.D / f.W, Dv_: f.Dv / f.W };
  if (f.forQ) gradQ(f, x);
  else gradKV(f, x);
  const { root } = f;
  return f.ctx.launch([f.B * f.H * f.OT], `${root.op} ${formatType(root.dtype, root.shape)} (flash backward ${f.own} rows; chunks of ${x.CH}; ${f.walk})`, { head_dim: x.D_, head_dim_v: x.Dv_ });
}

/** grad_q: this invocation's query row; chunks of keys. */
function gradQ(f: GradFrame, x: Single): void {
  const { ctx, body, t, own, headDim, headDimV, CH } = { ...f, ...x };
  const kb = ctx.kb;
  const iq = f.rc;
  const pi = body.let("pos_q", K.add(K.cast("i32", iq), K.i32(f.off)));
  const qWord = f.segments ? body.let("q_word", word(f, body, pi)) : null;
  const qOwnS = kb.sharedArray("q_rows", x.VT, own * (x.D_ + 1));
  const qr = sharedRow(qOwnS, body.let("q_base", K.mul(t, K.u32(x.D_ + 1))), headDim);
  qr.each(body, (b, d) => qr.set(b, d, group(f, b, f.q, iq, d)));
  const dOS = kb.sharedArray("do_rows", x.VT, own * (x.Dv_ + 1));
  const dOr = sharedRow(dOS, body.let("do_base", K.mul(t, K.u32(x.Dv_ + 1))), headDimV);
  dOr.each(body, (b, c) => dOr.set(b, c, group(f, b, f.dO, iq, c)));
  const lse = body.let("lse", f32(ctx.value(body, f.out, [f.bi, f.h, iq, K.u32(f.Dv)])));
  const dlt = body.let("delta_row", delta(f, body, iq, (c) => dOr.get(c)));
  const dq = x.unroll ? registerRow(body, "dq", x.D_, f.zero) : arrayRow(body, "dq", x.D_, headDim, x.VT, f.zero);

  const kS = kb.sharedArray("k_tile", x.VT, CH * x.D_);
  const vS = kb.sharedArray("v_tile", x.VT, CH * x.Dv_);
  const wS = f.segments ? kb.sharedArray("k_word", "u32", CH) : null;
  walkTiles(f, (blk, masked, k0, k1) => blk.for("c0", k0, k1, (cb, c0) => {
    const n = cb.let("n", K.min(K.u32(CH), K.sub(k1, c0)));
    cb.for("e", t, K.mul(n, K.u32(x.D_)), (lb, e) => lb.store(kS, e, group(f, lb, f.k, K.add(c0, K.div(e, K.u32(x.D_))), K.rem(e, K.u32(x.D_)))), own);
    cb.for("e", t, K.mul(n, K.u32(x.Dv_)), (lb, e) => lb.store(vS, e, group(f, lb, f.v, K.add(c0, K.div(e, K.u32(x.Dv_))), K.rem(e, K.u32(x.Dv_)))), own);
    if (wS && masked !== false) {
      const words = (y: Block): void => y.for("jj", t, n, (lb, jj) => lb.store(wS, jj, word(f, lb, K.cast("i32", K.add(c0, jj)))), own);
      if (masked === true) words(cb);
      else cb.if(masked, words);
    }
    cb.barrier();
    const inner = (y: Block, withMask: boolean): void => y.for("jj", K.u32(0), n, (jb, jj) => {
      const ko = jb.let("ko", K.mul(jj, K.u32(x.D_))), vo = jb.let("vo", K.mul(jj, K.u32(x.Dv_)));
      const dot = jb.var("dot", f.zero);
      jb.for("d", K.u32(0), headDim, (db, d) => db.assign(dot, K.fma(qr.get(d), K.load(kS, K.add(ko, d)), dot)));
      const e = K.exp(K.sub(K.mul(hsum(f, dot), K.f32(f.scale)), lse));
      const ok = withMask ? jb.let("ok", allowedWords(f.causal, qWord, pi, wS ? K.load(wS, jj) : null, K.cast("i32", K.add(c0, jj)))) : null;
      const p = jb.let("p", ok ? K.select(ok, e, K.f32(0)) : e);
      const dp = jb.var("dp", f.zero);
      jb.for("c", K.u32(0), headDimV, (lb, c) => lb.assign(dp, K.fma(dOr.get(c), K.load(vS, K.add(vo, c)), dp)));
      const ds = jb.let("ds", splat(f, K.mul(p, K.sub(hsum(f, dp), dlt))));
      dq.each(jb, (db, d) => dq.set(db, d, K.fma(ds, K.load(kS, K.add(ko, d)), dq.get(d))));
    });
    if (typeof masked === "boolean") inner(cb, masked);
    else cb.if(masked, (y) => inner(y, true), (y) => inner(y, false));
    cb.barrier(); // the next chunk overwrites the tiles
  }, CH));

  const res = ctx.tensor(f.root, "read_write");
  const outType = ctx.typeOf(f.root);
  body.if(f.live, (sb) => {
    const o = sb.let("o", imul(iadd(imul(iadd(imul(f.bi, f.H), f.h), f.Lq), f.r), f.D));
    dq.each(sb, (b, d) => storeGroup(f, b, res, o, d, K.mul(dq.get(d), splat(f, K.f32(f.scale))), outType));
  });
}

/** grad_kv: this invocation's key row; chunks of query rows. */
function gradKV(f: GradFrame, x: Single): void {
  const { ctx, body, t, own, headDim, headDimV, CH } = { ...f, ...x };
  const kb = ctx.kb;
  const j = f.rc;
  const pj = body.let("pos_k", K.cast("i32", j));
  const kWord = f.segments ? body.let("k_word", word(f, body, pj)) : null;
  const kOwnS = kb.sharedArray("k_rows", x.VT, own * (x.D_ + 1));
  const vOwnS = kb.sharedArray("v_rows", x.VT, own * (x.Dv_ + 1));
  const kr = sharedRow(kOwnS, body.let("k_base", K.mul(t, K.u32(x.D_ + 1))), headDim);
  const vr = sharedRow(vOwnS, body.let("v_base", K.mul(t, K.u32(x.Dv_ + 1))), headDimV);
  kr.each(body, (b, d) => kr.set(b, d, group(f, b, f.k, j, d)));
  vr.each(body, (b, c) => vr.set(b, c, group(f, b, f.v, j, c)));
  const dk = x.unroll ? registerRow(body, "dk", x.D_, f.zero) : arrayRow(body, "dk", x.D_, headDim, x.VT, f.zero);
  const dv = x.unroll ? registerRow(body, "dv", x.Dv_, f.zero) : arrayRow(body, "dv", x.Dv_, headDimV, x.VT, f.zero);

  const qS = kb.sharedArray("q_tile", x.VT, CH * x.D_);
  const dOS = kb.sharedArray("do_tile", x.VT, CH * x.Dv_);
  const lseS = kb.sharedArray("lse_tile", "f32", CH);
  const dltS = kb.sharedArray("delta_tile", "f32", CH);
  const wS = f.segments ? kb.sharedArray("q_word", "u32", CH) : null;
  walkTiles(f, (blk, masked, i0, i1) => blk.for("c0", i0, i1, (cb, c0) => {
    const n = cb.let("n", K.min(K.u32(CH), K.sub(i1, c0)));
    cb.for("e", t, K.mul(n, K.u32(x.D_)), (lb, e) => lb.store(qS, e, group(f, lb, f.q, K.add(c0, K.div(e, K.u32(x.D_))), K.rem(e, K.u32(x.D_)))), own);
    cb.for("e", t, K.mul(n, K.u32(x.Dv_)), (lb, e) => lb.store(dOS, e, group(f, lb, f.dO, K.add(c0, K.div(e, K.u32(x.Dv_))), K.rem(e, K.u32(x.Dv_)))), own);
    cb.barrier();
    // Per query row of the chunk (one invocation each): lse, Δ (from the staged dO) and its word.
    cb.for("ii", t, n, (lb, ii) => {
      const i = lb.let("i", K.add(c0, ii));
      lb.store(lseS, ii, f32(ctx.value(lb, f.out, [f.bi, f.h, i, K.u32(f.Dv)])));
      lb.store(dltS, ii, delta(f, lb, i, (c) => K.load(dOS, K.add(K.mul(ii, K.u32(x.Dv_)), c))));
      if (wS && masked !== false) lb.store(wS, ii, word(f, lb, K.add(K.cast("i32", i), K.i32(f.off))));
    }, own);
    cb.barrier();
    const inner = (y: Block, withMask: boolean): void => y.for("ii", K.u32(0), n, (ib, ii) => {
      const qo = ib.let("qo", K.mul(ii, K.u32(x.D_))), go = ib.let("go", K.mul(ii, K.u32(x.Dv_)));
      // NOTE: the dot products walk the own k and v rows with rolled loops: unrolled, their loads
      // are loop-invariant and CUDA's ptxas hoists all of them into registers beside the dK and
      // dV accumulators, and spills.
      const dot = ib.var("dot", f.zero);
      ib.for("d", K.u32(0), headDim, (db, d) => db.assign(dot, K.fma(K.load(qS, K.add(qo, d)), kr.get(d), dot)));
      const e = K.exp(K.sub(K.mul(hsum(f, dot), K.f32(f.scale)), K.load(lseS, ii)));
      const ok = withMask ? ib.let("ok", allowedWords(f.causal, wS ? K.load(wS, ii) : null, K.add(K.cast("i32", K.add(c0, ii)), K.i32(f.off)), kWord, pj)) : null;
      const p = ib.let("p", ok ? K.select(ok, e, K.f32(0)) : e);
      const dp = ib.var("dp", f.zero);
      ib.for("c", K.u32(0), headDimV, (db, c) => db.assign(dp, K.fma(K.load(dOS, K.add(go, c)), vr.get(c), dp)));
      const pv = ib.let("pv", splat(f, p));
      dv.each(ib, (db, c) => dv.set(db, c, K.fma(pv, K.load(dOS, K.add(go, c)), dv.get(c))));
      const ds = ib.let("ds", splat(f, K.mul(p, K.sub(hsum(f, dp), K.load(dltS, ii)))));
      dk.each(ib, (db, d) => dk.set(db, d, K.fma(ds, K.load(qS, K.add(qo, d)), dk.get(d))));
    });
    if (typeof masked === "boolean") inner(cb, masked);
    else cb.if(masked, (y) => inner(y, true), (y) => inner(y, false));
    cb.barrier(); // the next chunk overwrites the tiles
  }, CH));

  const res = ctx.tensor(f.root, "read_write");
  const outType = ctx.typeOf(f.root);
  body.if(f.live, (sb) => {
    const o = sb.let("o", imul(iadd(imul(iadd(imul(f.bi, f.H), f.h), f.Lk), f.r), f.D + f.Dv));
    dk.each(sb, (b, d) => storeGroup(f, b, res, o, d, K.mul(dk.get(d), splat(f, K.f32(f.scale))), outType));
    const ov = sb.let("ov", K.add(o, K.u32(f.D)));
    dv.each(sb, (b, c) => storeGroup(f, b, res, ov, c, dv.get(c), outType));
  });
}
