// Flash attention (FlashAttention-2 forward) for attention and attention_qknorm: which kernel,
// and the row form.
//
// Two forms share the walk over key tiles and the mask words (flash-common.ts):
//   blocked  flash-blocked.ts: register-blocked score and output tiles (4×8 / 4×4 blocks, vec4
//            rows in workgroup memory); the default wherever the head dims are multiples of 4
//            (and, with QK-Norm, half the rotary dim too). About 2× the row form on llvmpipe.
//   rows     this file: one query row per invocation; the fallback for other head dims.
// FlashOptions.form "rows" selects the row form everywhere (for benchmarks). attention falls back to
// the one-row-per-workgroup kernel (attention.ts) when neither fits.
//
// The row form:
//
// shapes: q [B, H, Lq, D], k [B, H, Lk, D], v [B, H, Lk, Dv] → out [B, H, Lq, Dv]
//         attention_qknorm adds norm weights/biases [D], positions i32 [Lk], segments i32 [B, S, 3]
//         and lists i32 [B, QT, 2·KT + 2] (block_lists); attention adds segments only.
//         One workgroup of TQ invocations per (b, h, query tile); invocation t owns query row
//         qt·TQ + t. Grid: B·H·QT workgroups.
//
// Per workgroup:
//   prologue  each invocation loads its q row (registers up to head 64, else a private array:
//             see makeRow); for attention_qknorm it applies the per-head LayerNorm and the partial
//             split-half rotary there and then, so the normalized q never touches memory; the
//             softmax scale is folded into q. The rotary frequencies are a small table.
//   key tiles the full list is walked with the unmasked inner loop, the partial list with the
//             masked one (both generated from one template in `keyRange` below, which shares the
//             chunk loads and the softmax update between them; empty tiles are in neither list).
//             Without lists: no segments and not causal → every key unmasked; causal alone → keys
//             j ≤ first row's position unmasked, the diagonal band masked, the rest skipped;
//             segments without lists → every key masked.
//   a chunk   of CK keys: K (normalized and rotated per key row for attention_qknorm) and V go to
//             workgroup memory, with a per-key mask word (pad, global, span bits) when masked;
//             each invocation scores its row against the chunk (scores to workgroup memory),
//             then the online softmax once per chunk: m' = max(m, rowmax), α = e^(m − m'),
//             ℓ = αℓ + Σp, acc = α·acc + Σ p·v (unnormalized).
//   epilogue  one division by ℓ; a row with nothing allowed has ℓ = 0 and writes zeros. Masked
//             scores are a large finite negative (no infinities in WGSL).
// NaN: a NaN score (NaN in q or k) propagates as in the reference. Masked is tested as s ≤ REAL
// and empty as ℓ == 0, comparisons NaN fails, so a NaN score is neither masked (p = NaN) nor its
// row empty (ℓ = NaN divides the accumulator); the opposite tests (s > REAL, ℓ > 0) turned NaN
// rows into zeros.
// With the `lse` attribute the output rows are Dv + 1 wide: column Dv is m + log ℓ.

import type { Node } from "../../ir/graph.ts";
import { keyTileOrigin, tileCount } from "../../ir/ops/attention_qknorm.ts";
import { concreteShape, formatType } from "../../ir/types.ts";
import type { FusionGroup, Partition } from "../fuse-elementwise.ts";
import type { Block } from "../build-kernel.ts";
import * as K from "../build-kernel.ts";
import type { Launch } from "../emit.ts";
import { KernelContext, iadd, idiv, imod, imul } from "../emit.ts";
import type { ArrayRef, Expr } from "../kernel-ir.ts";
import { registerBuilder } from "../schedule.ts";
import type { TargetCaps } from "../target.ts";
import { buildAttention } from "./attention.ts";
import "./block-lists.ts";
import { MASKED, REAL, allowedWords, maskWord as wordOf, rotaryFrequencies, sinCos, walkKeys } from "./flash-common.ts";
import { buildFlashAttentionGrad } from "./flash-attention-grad.ts";
import { buildFlashBlocked } from "./flash-blocked.ts";
import type { FlashOptions, RowsPlan } from "./flash-plan.ts";
import { DEFAULT_FLASH_OPTIONS, MAX_CHUNK, planFlash } from "./flash-plan.ts";
import { maskValue } from "../../ir/ops/attention.ts";

/** Longest row kept in registers, one variable per element; longer rows are private arrays. */
const UNROLL_HEAD = 64;

/**
 * A per-invocation row of floats (the q row, the output accumulator). Unrolled: one variable per
 * element and every loop over it unrolled, so it lives in registers (no spills on CUDA at head
 * 64; on llvmpipe 1.8× faster than the array form at Show-o's shape, though LLVM compiles such a
 * kernel for ~10 s). Otherwise a private array walked by loops with a uniform bound: registers
 * would run out for longer rows.
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
    return {
      each: (b, fn) => { for (let i = 0; i < n; i++) fn(b, K.u32(i)); },
      get: at,
      set: (b, i, v) => b.assign(at(i), v),
    };
  }
  const arr = body.array(name, "f32", n);
  return {
    each: (b, fn) => b.for("d", K.u32(0), bound, fn),
    get: (i) => K.load(arr, i),
    set: (b, i, v) => b.store(arr, i, v),
  };
}

/** The row form: one query row per invocation (the fallback for shapes the blocked form does not take). */
export function buildFlashRows(group: FusionGroup, caps: TargetCaps, part: Partition, plan: RowsPlan, opts: FlashOptions = DEFAULT_FLASH_OPTIONS): Launch {
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
  const tq = plan.tq;
  const tk = lists ? (a["tile_k"] as number) : MAX_CHUNK;
  const CK = plan.chunk;
  const QT = tileCount(Lq, tq), KT = tileCount(Lk, tk);
  const off = Lk - Lq; // query row i sits at key position off + i

  const dense = !seg && !causal;
  const walk = lists ? `full and partial lists of ${tq}×${tk} tiles` : dense ? "no partial tiles: unmasked loop only" : seg ? "every key masked (no lists)" : "causal: unmasked below the diagonal, masked band";
  const doc = [
    `${root.op}: q [${B}, ${H}, ${Lq}, ${D}], k [${B}, ${H}, ${Lk}, ${D}], v [${B}, ${H}, ${Lk}, ${Dv}] → out [${B}, ${H}, ${Lq}, ${Dv}]`,
    `flash (online softmax); one workgroup of ${tq} per (b, h, query tile); keys in chunks of ${CK}; ${walk}`,
    fused ? `prologue: per-head LayerNorm (eps ${a["eps"]}) and rotary (dim ${a["rotary_dim"]}, base ${a["base"]}) of q and k tiles` : "",
  ].filter(Boolean).join("\n");
  const ctx = new KernelContext(fused ? "attention_qknorm_flash" : "attention_flash", doc, [tq], caps, part);
  const kb_ = ctx.kb;
  const kS = kb_.sharedArray("k_tile", "f32", CK * D);
  const vS = kb_.sharedArray("v_tile", "f32", CK * Dv);
  const info = seg ? kb_.sharedArray("k_mask", "u32", CK) : null;
  const scS = kb_.sharedArray("scores", "f32", tq * CK); // row t's scores of the chunk at t·CK
  const rdim = fused ? (a["rotary_dim"] as number) : 0;
  const invFreq = fused ? kb_.sharedArray("inv_freq", "f32", rdim / 2) : null;
  const body = ctx.body;
  const f32 = (x: Expr): Expr => K.cast("f32", x);
  // NOTE: loop bounds over the head dims are uniform parameters, not constants: with constants,
  // shader compilers (LLVM in llvmpipe) unroll every 64-long loop and compile for many seconds.
  const headDim = kb_.param("head_dim", "u32"), headDimV = kb_.param("head_dim_v", "u32");
  // The q row and the accumulator in registers up to UNROLL_HEAD (see makeRow).
  const unroll = D <= UNROLL_HEAD && Dv <= UNROLL_HEAD;
  const rotHalf = fused ? kb_.param("rotary_half", "u32") : null;

  const t = body.let("t", K.builtin("local_invocation_id", 0));
  const w = body.let("wg", K.linearWorkgroupId());
  const qt = body.let("qt", imod(w, QT));
  const h = body.let("h", imod(idiv(w, QT), H));
  const bi = body.let("b", idiv(w, QT * H));
  const i = body.let("i", iadd(imul(qt, tq), t));
  const live = body.let("live", K.lt(i, K.u32(Lq)));
  const iq = body.let("iq", K.min(i, K.u32(Lq - 1))); // rows past Lq compute a copy of the last, never stored
  const pi = body.let("pos_q", K.add(K.cast("i32", iq), K.i32(off)));

  // ---- Per-head LayerNorm + rotary of one row held in `arr` at `o` (q in registers, k in a tile).
  const normalize = (blk: Block, arr: ArrayRef, o: Expr, weight: Node, bias: Node): void => {
    const mean = blk.var("mean", K.f32(0));
    blk.for("d", K.u32(0), headDim, (lb, d) => lb.assign(mean, K.add(mean, K.load(arr, K.add(o, d)))));
    blk.assign(mean, K.div(mean, K.f32(D)));
    const vr = blk.var("var", K.f32(0));
    blk.for("d", K.u32(0), headDim, (lb, d) => {
      const c = lb.let("c", K.sub(K.load(arr, K.add(o, d)), mean));
      lb.assign(vr, K.fma(c, c, vr));
    });
    const rstd = blk.let("rstd", K.inverseSqrt(K.add(K.div(vr, K.f32(D)), K.f32(a["eps"] as number))));
    blk.for("d", K.u32(0), headDim, (lb, d) => {
      const y = K.fma(K.mul(K.sub(K.load(arr, K.add(o, d)), mean), rstd), f32(ctx.value(lb, weight, [d])), f32(ctx.value(lb, bias, [d])));
      lb.store(arr, K.add(o, d), y);
    });
  };
  /** Rotate the pair (r, r + rotary_dim/2) of the row at `o` by position·inv_freq[r]. */
  const rotatePair = (lb: Block, arr: ArrayRef, o: Expr, r: Expr, position: Expr): void => {
    const [sn, cs] = sinCos(lb, K.mul(f32(position), K.load(invFreq!, r)));
    const c = lb.let("cs", cs), s = lb.let("sn", sn);
    const i1 = lb.let("i1", K.add(o, r)), i2 = lb.let("i2", K.add(o, K.add(r, K.u32(rdim / 2))));
    const x1 = lb.let("x1", K.load(arr, i1)), x2 = lb.let("x2", K.load(arr, i2));
    lb.store(arr, i1, K.sub(K.mul(x1, c), K.mul(x2, s)));
    lb.store(arr, i2, K.add(K.mul(x2, c), K.mul(x1, s)));
  };

  // ---- Prologue. The rotary frequencies base^(−2r/rotary_dim), as the rotary decomposition
  // rounds them to f32, are constants: thread 0 writes them once (no pow on the device).
  if (invFreq) {
    const freqs = rotaryFrequencies(rdim, a["base"] as number);
    body.if(K.eq(t, K.u32(0)), (x) => freqs.forEach((f, r) => x.store(invFreq, K.u32(r), K.f32(f))));
    body.barrier();
  }
  // The q row in registers (one variable per element, so no per-invocation array in memory):
  // LayerNorm, rotary, then the softmax scale folded in.
  const qr = makeRow(body, "q", D, unroll, headDim);
  qr.each(body, (b, d) => qr.set(b, d, f32(ctx.value(b, q, [bi, h, iq, d]))));
  if (fused) {
    const mean = body.var("mean", K.f32(0));
    qr.each(body, (b, d) => b.assign(mean, K.add(mean, qr.get(d))));
    body.assign(mean, K.div(mean, K.f32(D)));
    const vr = body.var("var", K.f32(0));
    qr.each(body, (b, d) => {
      const c = b.let("c", K.sub(qr.get(d), mean));
      b.assign(vr, K.fma(c, c, vr));
    });
    const rstd = body.let("rstd", K.inverseSqrt(K.add(K.div(vr, K.f32(D)), K.f32(a["eps"] as number))));
    qr.each(body, (b, d) => qr.set(b, d, K.fma(K.mul(K.sub(qr.get(d), mean), rstd), f32(ctx.value(b, qw!, [d])), f32(ctx.value(b, qb!, [d])))));
    const pq = body.let("p", f32(ctx.value(body, pos!, [iadd(iq, off)])));
    const half = rdim / 2;
    const rotate = (b: Block, r: Expr, r2: Expr): void => {
      const [sn, cs] = sinCos(b, K.mul(pq, K.load(invFreq!, r)));
      const x1 = b.let("x1", qr.get(r)), x2 = b.let("x2", qr.get(r2));
      qr.set(b, r, K.sub(K.mul(x1, cs), K.mul(x2, sn)));
      qr.set(b, r2, K.add(K.mul(x2, cs), K.mul(x1, sn)));
    };
    if (unroll) for (let r = 0; r < half; r++) rotate(body, K.u32(r), K.u32(r + half));
    else body.for("r", K.u32(0), rotHalf!, (b, r) => rotate(b, r, K.add(r, K.u32(half))));
  }
  qr.each(body, (b, d) => qr.set(b, d, K.mul(qr.get(d), K.f32(scale))));

  // Segment membership as a word (flash-common.ts): pad, global, dead and span bits.
  const maskWord = (blk: Block, p: Expr): Expr => wordOf(ctx, seg!, S, bi, blk, p);
  const qWord = seg ? body.let("q_mask", maskWord(body, pi)) : null;
  /** mask.ts allowed() for key j of this row. */
  const allowed = (blk: Block, j: Expr, kw_: Expr | null): Expr => blk.let("ok", allowedWords(causal, qWord, pi, kw_, K.cast("i32", j)));

  // ---- Softmax state, in registers: running max m, running sum l, unnormalized accumulator.
  const m = body.var("m", K.f32(MASKED));
  const l = body.var("l", K.f32(0));
  const acc = makeRow(body, "acc", Dv, unroll, headDimV);

  /**
   * Keys [k0, k1) of this workgroup's rows, in chunks. `masked` picks the inner loop: a constant
   * generates one loop, a workgroup-uniform flag both (the chunk loads are shared).
   */
  const keyRange = (blk: Block, masked: boolean | Expr, k0: Expr, k1: Expr): void => {
    blk.for("c0", k0, k1, (cb, c0) => {
      const n = cb.let("n", K.min(K.u32(CK), K.sub(k1, c0)));
      // Load the chunk: K rows (normalized and rotated), V rows, mask words.
      if (fused) {
        // Normalize the chunk's key rows (one per invocation), then rotate its (row, pair)s
        // spread over the workgroup: fewer values live at once, and every invocation busy.
        cb.for("r", t, n, (rb, r) => {
          const j = rb.let("j", K.add(c0, r));
          const o = rb.let("o", K.mul(r, K.u32(D)));
          rb.for("d", K.u32(0), headDim, (lb, d) => lb.store(kS, K.add(o, d), f32(ctx.value(lb, k, [bi, h, j, d]))));
          normalize(rb, kS, o, kw!, kb!);
        }, tq);
        cb.barrier();
        cb.for("e", t, K.mul(n, rotHalf!), (rb, e) => {
          const r = rb.let("r", K.div(e, rotHalf!));
          const pr = rb.let("pair", K.rem(e, rotHalf!));
          rotatePair(rb, kS, K.mul(r, K.u32(D)), pr, ctx.value(rb, pos!, [K.add(c0, r)]));
        }, tq);
      } else {
        cb.for("e", t, K.mul(n, K.u32(D)), (lb, e) => lb.store(kS, e, f32(ctx.value(lb, k, [bi, h, K.add(c0, K.div(e, K.u32(D))), K.rem(e, K.u32(D))]))), tq);
      }
      cb.for("e", t, K.mul(n, K.u32(Dv)), (lb, e) => lb.store(vS, e, f32(ctx.value(lb, v, [bi, h, K.add(c0, K.div(e, K.u32(Dv))), K.rem(e, K.u32(Dv))]))), tq);
      if (info && masked !== false) {
        const words = (x: Block): void => x.for("r", t, n, (lb, r) => lb.store(info, r, maskWord(lb, K.cast("i32", K.add(c0, r)))), tq);
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
        const sv = jb.let("s", withMask ? K.select(allowed(jb, K.add(c0, jj), info ? K.load(info, jj) : null), dot, K.f32(MASKED)) : dot);
        jb.store(scS, K.add(so, jj), sv);
        jb.assign(mx, K.max(mx, sv));
      });
      if (typeof masked === "boolean") inner(cb, masked);
      else cb.if(masked, (x) => inner(x, true), (x) => inner(x, false));
      // Online softmax (FlashAttention-2): rescale l and acc once per chunk, then add the chunk.
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
  };

  // ---- Which keys, with which loop.
  walkKeys(body, { ctx, lists, bi, qt, row0: K.mul(qt, K.u32(tq)), KT, tq, tk, Lq, Lk, off, keyOrigin: lists ? keyTileOrigin(Lk, tk, a["keys_from_end"] === true) : 0, dense, hasSegments: seg !== undefined }, keyRange);

  // ---- Epilogue: one division; empty rows write zeros.
  const out = ctx.tensor(root, "read_write");
  const outType = ctx.typeOf(root);
  // NOTE: an empty row writes a literal 0, not acc·0: shader compilers may drop "+ 0" (no signed
  // zeros), leaving −0 from 0·v in the accumulator. Empty is ℓ == 0 exactly (a row with an allowed
  // key has ℓ ≥ 1); a NaN ℓ is not empty and divides into NaN, as the reference gives.
  const empty = body.let("empty", K.eq(l, K.f32(0)));
  const inv = body.let("inv_l", K.select(empty, K.f32(0), K.div(K.f32(1), l)));
  // With `lse` the row is Dv + 1 wide; column Dv is m + log ℓ (scaled scores), or the mask value.
  const lse = a["lse"] === true;
  const W = lse ? Dv + 1 : Dv;
  body.if(live, (sb) => {
    const o = sb.let("o", imul(iadd(imul(iadd(imul(bi, H), h), Lq), i), W));
    acc.each(sb, (b, c) => ctx.store(b, out, K.add(o, c), K.cast(outType, K.select(empty, K.f32(0), K.mul(acc.get(c), inv)))));
    if (lse) ctx.store(sb, out, K.add(o, K.u32(Dv)), K.cast(outType, K.select(empty, K.f32(maskValue(root.dtype)), K.add(m, K.log(l)))));
  });
  return ctx.launch([B * H * QT], `${root.op} ${formatType(root.dtype, root.shape)} (flash ${tq}×${CK}; ${walk})`, { head_dim: D, head_dim_v: Dv, ...(fused ? { rotary_half: (a["rotary_dim"] as number) / 2 } : {}) });
}

/** The forward builder of an attention or attention_qknorm node: the form planFlash picks. */
export function buildFlash(group: FusionGroup, caps: TargetCaps, part: Partition, opts: FlashOptions = DEFAULT_FLASH_OPTIONS): Launch {
  const plan = planFlash(group.root, caps, opts);
  switch (plan.form) {
    case "dense": return buildAttention(group, caps, part);
    case "rows": return buildFlashRows(group, caps, part, plan, opts);
    default: return buildFlashBlocked(group, caps, part, plan, opts);
  }
}

/**
 * Registers the flash builders (attention, attention_qknorm and their backward ops) with `opts`.
 * Importing this module registers them with the defaults; benchmarks and tests that compare
 * forms register others around a compile (withFlashOptions).
 */
export function registerFlashBuilders(opts: FlashOptions = DEFAULT_FLASH_OPTIONS): void {
  registerBuilder("attention", (g, c, p) => buildFlash(g, c, p, opts));
  registerBuilder("attention_qknorm", (g, c, p) => buildFlash(g, c, p, opts));
  registerBuilder("attention_grad_q", (g, c, p) => buildFlashAttentionGrad(g, c, p, opts));
  registerBuilder("attention_grad_kv", (g, c, p) => buildFlashAttentionGrad(g, c, p, opts));
}

/** Runs `fn` (a compile) with the flash builders registered with `opts` over the defaults, then puts the defaults back. */
export async function withFlashOptions<T>(opts: Partial<FlashOptions>, fn: () => Promise<T>): Promise<T> {
  registerFlashBuilders({ ...DEFAULT_FLASH_OPTIONS, ...opts });
  try {
    return await fn();
  } finally {
    registerFlashBuilders(DEFAULT_FLASH_OPTIONS);
  }
}

registerFlashBuilders();
