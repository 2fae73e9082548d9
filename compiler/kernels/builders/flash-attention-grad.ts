// Flash attention backward (FlashAttention-2 backward) for attention_grad_q and attention_grad_kv.
//
// shapes: q [B, H, Lq, D], k [B, H, Lk, D], v [B, H, Lk, Dv], out [B, H, Lq, Dv + 1] (the packed
//         attention{lse}: output, then the row's log-sum-exp), dO [B, H, Lq, Dv] or [.., Dv + 1]
//         (last column: the lse cotangent), segments i32 [B, S, 3] (optional), lists i32
//         (optional: block_lists, [B, QT, 2·KT + 2] for grad_q, transposed [B, KT, 2·QT + 2] for
//         grad_kv) → grad_q: dQ [B, H, Lq, D]; grad_kv: [B, H, Lk, D + Dv] (dK, then dV)
//
// P is recomputed from the log-sum-exp, P_ij = exp(scale·q_i·k_j − lse_i), so no running max is
// needed; Δ_i = dO_i·O_i − g_i; dS_ij = P_ij (dO_i·v_j − Δ_i). Masked pairs get P = 0 exactly
// (a select, not a mask value: no infinities anywhere), so they contribute exactly 0.
//
// grad_q   one workgroup of TQ invocations per (b, h, query tile); invocation t owns query row
//          qt·TQ + t: its dQ accumulator in registers (CUDA, head ≤ 64; else a private array, up
//          to 128), its q and dO rows in workgroup memory. Key tiles come from the query tile's
//          lists (full ones with the unmasked inner loop, partial ones with the masked loop, one
//          template); a chunk of CK keys (K, V rows, mask words) is staged in workgroup memory.
// grad_kv  one workgroup of TK invocations per (b, h, key tile); invocation t owns key row
//          kt·TK + t: its dK and dV accumulators in registers (as grad_q's), its k and v rows in
//          workgroup memory. Query tiles come from the key tile's transposed lists; a chunk of CQ
//          query rows (q, dO, lse, Δ, mask word; Δ computed as the chunk is loaded) is staged in
//          workgroup memory, and each invocation walks the chunk.
// Rows are vec4 groups when D and Dv are multiples of 4 (scalars otherwise); dot products over
// the head walk rolled loops, only the accumulator updates are unrolled (CUDA: no spills at
// head 64, sm_80/sm_90). Speed: a straightforward form, correct first; on llvmpipe it is 3–4×
// slower than the dense decomposition (register-blocked tiles, as the forward's, are the next step).
// Without lists: no segments and not causal → everything unmasked; causal alone → the tile's
// sure part unmasked, the diagonal band masked, the rest skipped (as the forward); segments
// without lists → everything masked. Empty tiles are in no list and cost nothing. There are no
// atomics: each output row is owned by exactly one invocation (dQ by query rows, dK/dV by key
// rows), which is why the backward is two kernels.

import type { Node } from "../../ir/graph.ts";
import { keyTileOrigin, tileCount } from "../../ir/ops/attention_qknorm.ts";
import { concreteShape, formatType } from "../../ir/types.ts";
import type { FusionGroup, Partition } from "../../passes/fuse-elementwise.ts";
import type { Block } from "../build-kernel.ts";
import * as K from "../build-kernel.ts";
import type { Launch } from "../emit.ts";
import { KernelContext, iadd, idiv, imod, imul } from "../emit.ts";
import type { ArrayRef, Expr } from "../kernel-ir.ts";
import { registerBuilder } from "../schedule.ts";
import type { TargetCaps } from "../target.ts";
import { MAX_SLOTS, allowedWords, maskWord } from "./flash-common.ts";

/** Rows per workgroup when no lists fix the tile. */
const DEFAULT_TILE = 32;
/** Longest chunk of keys (grad_q) or queries (grad_kv) staged at once. */
const MAX_CHUNK = 32;
/** Longest head a backward invocation keeps (registers or private arrays). */
const MAX_HEAD = 128;
/** Longest head kept in registers (one variable per element, loops over it unrolled). */
const UNROLL_HEAD = 64;

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

/** Largest power of two ≤ min(limit, MAX_CHUNK) whose staging fits beside `fixed` bytes, or 0. */
function chunkFor(caps: TargetCaps, fixedBytes: number, bytesPerRow: number, limit: number): number {
  let c = 0;
  for (let x = 1; x <= Math.min(MAX_CHUNK, Math.max(1, limit)); x *= 2) if (fixedBytes + x * bytesPerRow <= caps.maxWorkgroupStorageBytes) c = x;
  return c;
}

export function buildFlashAttentionGrad(fusion: FusionGroup, caps: TargetCaps, part: Partition): Launch {
  const root = fusion.root;
  const forQ = root.op === "attention_grad_q";
  const [q, k, v, out, dO, seg, lists] = root.inputs as [Node, Node, Node, Node, Node, Node | undefined, Node | undefined];
  const [B, H, Lq, D] = concreteShape(q.shape) as [number, number, number, number];
  const Lk = concreteShape(k.shape)[2]!, Dv = concreteShape(v.shape)[3]!;
  const G = concreteShape(dO.shape)[3]!; // Dv, or Dv + 1 with the lse cotangent
  const S = seg ? concreteShape(seg.shape)[1]! : 0;
  const a = root.attrs;
  const scale = a["scale"] as number, causal = a["causal"] as boolean;
  if (D > MAX_HEAD || Dv > MAX_HEAD) throw new Error(`${root.op}: head dims ${D}/${Dv} above ${MAX_HEAD} are not implemented by the flash backward`);
  if (S > MAX_SLOTS) throw new Error(`${root.op}: ${S} segment slots exceed the ${MAX_SLOTS} a mask word holds`);
  // Rows per workgroup (the owned axis) and the tile of the walked axis.
  const tq = lists ? (a["tile_q"] as number) : Math.min(DEFAULT_TILE, Math.max(1, Lq));
  const tk = lists ? (a["tile_k"] as number) : Math.min(DEFAULT_TILE, Math.max(1, Lk));
  const own = forQ ? tq : tk;
  if (own > caps.maxInvocationsPerWorkgroup) throw new Error(`${root.op}: a tile of ${own} rows exceeds ${caps.maxInvocationsPerWorkgroup} invocations per workgroup`);
  // Registers (unrolled) on CUDA, where ptxas keeps them without spills at head 64. WGSL gets
  // private arrays: LLVM in llvmpipe compiles the unrolled form for 20–35 s per kernel (the
  // rolled one in ~2 s, and runs it at most 2× slower there).
  const unroll = (caps.target === "cuda" || process.env["GRAD_UNROLL"] === "1") && D <= UNROLL_HEAD && Dv <= UNROLL_HEAD;
  // Rows are groups of W floats: vec4 when both head dims allow (4× fewer loads and FMAs).
  const W = D % 4 === 0 && Dv % 4 === 0 ? 4 : 1;
  const VT: VT = W === 4 ? "vec4<f32>" : "f32";
  const D_ = D / W, Dv_ = Dv / W;
  const masked4 = seg ? 4 : 0;
  // Workgroup memory: grad_q: own q and dO rows + chunks of (K, V, word); grad_kv: own k and v
  // rows + chunks of (q, dO, lse, Δ, word). Own rows are padded by one group (no bank conflicts).
  const fixed = 4 * W * own * (D_ + 1 + Dv_ + 1);
  const perRow = forQ ? 4 * (D + Dv) + masked4 : 4 * (D + Dv + 2) + masked4;
  const walkedTile = lists ? (forQ ? tk : tq) : MAX_CHUNK;
  const CH = chunkFor(caps, fixed, perRow, walkedTile);
  if (CH === 0) throw new Error(`${root.op}: tile ${own} with head dims ${D}/${Dv} does not fit ${caps.maxWorkgroupStorageBytes} bytes of workgroup memory`);
  const QT = tileCount(Lq, tq), KT = tileCount(Lk, tk);
  if (!forQ && a["keys_from_end"] === true) throw new Error(`internal: ${root.op} owns key tiles from key 0; its lists cannot lay them from the end`);
  const OT = forQ ? QT : KT; // tiles of the owned axis
  const off = Lk - Lq; // query row i sits at key position off + i

  const dense = !seg && !causal;
  const walk = lists ? `${forQ ? "" : "transposed "}lists of ${tq}×${tk} tiles` : dense ? "unmasked" : seg ? "every pair masked (no lists)" : "causal: sure part unmasked, diagonal band masked";
  const doc = [
    `${root.op}: q [${B}, ${H}, ${Lq}, ${D}], k [${B}, ${H}, ${Lk}, ${D}], v [${B}, ${H}, ${Lk}, ${Dv}], out+lse [${B}, ${H}, ${Lq}, ${Dv + 1}], dO [${B}, ${H}, ${Lq}, ${G}] → ${forQ ? `dQ [${B}, ${H}, ${Lq}, ${D}]` : `dK|dV [${B}, ${H}, ${Lk}, ${D + Dv}]`}`,
    `flash backward (P from the lse); one workgroup of ${own} per (b, h, ${forQ ? "query" : "key"} tile); ${forQ ? "keys" : "queries"} in chunks of ${CH}; ${walk}`,
  ].join("\n");
  const ctx = new KernelContext(forQ ? "attention_grad_q_flash" : "attention_grad_kv_flash", doc, [own], caps, part);
  const kb = ctx.kb;
  const body = ctx.body;
  const f32 = (x: Expr): Expr => K.cast("f32", x);
  // NOTE: loop bounds over the head dims are uniform parameters, not constants (as in the forward:
  // LLVM would unroll every 64-long loop and compile for many seconds).
  const headDim = kb.param("head_dim", "u32"), headDimV = kb.param("head_dim_v", "u32"); // in groups of W
  const zero = W === 4 ? K.vec("vec4<f32>", K.f32(0)) : K.f32(0);
  const splat = (x: Expr): Expr => (W === 4 ? K.vec("vec4<f32>", x) : x);
  const hsum = (x: Expr): Expr => (W === 4 ? K.add(K.add(K.lane(x, 0), K.lane(x, 1)), K.add(K.lane(x, 2), K.lane(x, 3))) : x);
  /** Group g (u32) of a row of `node` at [b, h, row]: W consecutive elements. */
  const group = (blk: Block, node: Node, row: Expr, g: Expr): Expr => {
    if (W === 1) return f32(ctx.value(blk, node, [bi, h, row, g]));
    const c0 = blk.let("c0", K.mul(g, K.u32(4)));
    return K.vec("vec4<f32>", ...[0, 1, 2, 3].map((l) => f32(ctx.value(blk, node, [bi, h, row, iadd(c0, l)]))));
  };
  /** Store group `value` at flat element `o` + g·W. */
  const storeGroup = (blk: Block, res: ReturnType<typeof ctx.tensor>, o: Expr, g: Expr, value: Expr, outType: ReturnType<typeof ctx.typeOf>): void => {
    if (W === 1) ctx.store(blk, res, K.add(o, g), K.cast(outType, value));
    else for (let l = 0; l < 4; l++) ctx.store(blk, res, K.add(o, K.add(K.mul(g, K.u32(4)), K.u32(l))), K.cast(outType, K.lane(value, l as 0 | 1 | 2 | 3)));
  };

  const t = body.let("t", K.builtin("local_invocation_id", 0));
  const w = body.let("wg", K.linearWorkgroupId());
  const ot = body.let("ot", imod(w, OT));
  const h = body.let("h", imod(idiv(w, OT), H));
  const bi = body.let("b", idiv(w, OT * H));
  const r = body.let("r", iadd(imul(ot, own), t)); // the owned row
  const nOwn = forQ ? Lq : Lk;
  const live = body.let("live", K.lt(r, K.u32(nOwn)));
  const rc = body.let("rc", K.min(r, K.u32(nOwn - 1))); // rows past the end compute a copy of the last, never stored
  const word = (blk: Block, p: Expr): Expr => maskWord(ctx, seg!, S, bi, blk, p);

  /** The row's Δ = dO·O − g (g: the lse cotangent, when dO has that column). */
  const delta = (blk: Block, i: Expr, dOAt: (c: Expr) => Expr): Expr => {
    const d = blk.var("delta", zero);
    blk.for("c", K.u32(0), headDimV, (lb, c) => lb.assign(d, K.fma(dOAt(c), group(lb, out, i, c), d)));
    return G > Dv ? K.sub(hsum(d), f32(ctx.value(blk, dO, [bi, h, i, K.u32(Dv)]))) : hsum(d);
  };

  /** Walk tiles of the other axis: from lists, or the list-free bounds. `range(blk, masked, x0, x1)`. */
  const walkTiles = (range: (blk: Block, masked: boolean | Expr, x0: Expr, x1: Expr) => void): void => {
    const tile = forQ ? tk : tq, len = forQ ? Lk : Lq;
    if (lists) {
      // Row (b, ot): [nP, partial ×T, nF, full ×T]; entries e < nF full (unmasked), then partial.
      const T = forQ ? KT : QT;
      const entry = (blk: Block, e: Expr): Expr => K.cast("u32", ctx.value(blk, lists, [bi, ot, e]));
      const nP = body.let("n_partial", entry(body, K.u32(0)));
      const nF = body.let("n_full", entry(body, K.u32(T + 1)));
      body.for("e", K.u32(0), K.add(nF, nP), (eb, e) => {
        const partial = eb.let("partial", K.ge(e, nF));
        const x = eb.let("x", entry(eb, K.select(partial, K.add(K.sub(e, nF), K.u32(1)), K.add(e, K.u32(T + 2)))));
        // grad_q walks key tiles, which may be laid from the last key (keys_from_end); grad_kv's
        // transposed lists walk query tiles, always from row 0.
        const o = forQ ? keyTileOrigin(Lk, tk, a["keys_from_end"] === true) : 0;
        const t0 = eb.let("t0", K.mul(x, K.u32(tile)));
        const x0 = o > 0 ? eb.let("x0", K.sub(K.max(t0, K.u32(o)), K.u32(o))) : t0;
        range(eb, partial, x0, K.min(K.sub(K.add(t0, K.u32(tile)), K.u32(o)), K.u32(len)));
      });
    } else if (dense) {
      range(body, false, K.u32(0), K.u32(len));
    } else if (seg) {
      range(body, true, K.u32(0), K.u32(len));
    } else {
      // Causal alone. grad_q: keys ≤ the tile's first row's position are seen by every row
      // (unmasked), the band up to its last row masked. grad_kv: queries whose position is
      // ≥ the tile's last key see all of it (unmasked), those in [first key, last key) some.
      let sure0: Expr, sure1: Expr, band0: Expr, band1: Expr;
      if (forQ) {
        const p0 = K.add(K.cast("i32", K.mul(ot, K.u32(tq))), K.i32(off));
        const p1 = K.add(K.cast("i32", K.min(K.add(K.mul(ot, K.u32(tq)), K.u32(tq)), K.u32(Lq))), K.i32(off));
        const fullEnd = body.let("full_end", K.cast("u32", K.clamp(K.add(p0, K.i32(1)), K.i32(0), K.i32(Lk))));
        sure0 = K.u32(0);
        sure1 = fullEnd;
        band0 = fullEnd;
        band1 = body.let("band_end", K.max(fullEnd, K.cast("u32", K.clamp(p1, K.i32(0), K.i32(Lk)))));
      } else {
        const j0 = K.cast("i32", K.mul(ot, K.u32(tk)));
        const jLast = K.cast("i32", K.sub(K.min(K.add(K.mul(ot, K.u32(tk)), K.u32(tk)), K.u32(Lk)), K.u32(1)));
        const bandStart = body.let("band_start", K.cast("u32", K.clamp(K.sub(j0, K.i32(off)), K.i32(0), K.i32(Lq))));
        const fullStart = body.let("full_start", K.max(bandStart, K.cast("u32", K.clamp(K.sub(jLast, K.i32(off)), K.i32(0), K.i32(Lq)))));
        sure0 = fullStart;
        sure1 = K.u32(Lq);
        band0 = bandStart;
        band1 = fullStart;
      }
      body.for("e", K.u32(0), K.u32(2), (eb, e) => {
        const band = eb.let("band", K.eq(e, K.u32(1)));
        range(eb, band, K.select(band, band0, sure0), K.select(band, band1, sure1));
      });
    }
  };

  if (forQ) {
    // ---- grad_q: this invocation's query row.
    const iq = rc;
    const pi = body.let("pos_q", K.add(K.cast("i32", iq), K.i32(off)));
    const qWord = seg ? body.let("q_word", word(body, pi)) : null;
    // The own q and dO rows live in workgroup memory (walked by rolled loops, as grad_kv's own
    // k and v rows): only the dQ accumulator takes registers, so CUDA does not spill at head 64.
    const qOwnS = kb.sharedArray("q_rows", VT, own * (D_ + 1));
    const qr = sharedRow(qOwnS, body.let("q_base", K.mul(t, K.u32(D_ + 1))), headDim);
    qr.each(body, (b, d) => qr.set(b, d, group(b, q, iq, d)));
    const dOS = kb.sharedArray("do_rows", VT, own * (Dv_ + 1));
    const dOr = sharedRow(dOS, body.let("do_base", K.mul(t, K.u32(Dv_ + 1))), headDimV);
    dOr.each(body, (b, c) => dOr.set(b, c, group(b, dO, iq, c)));
    const lse = body.let("lse", f32(ctx.value(body, out, [bi, h, iq, K.u32(Dv)])));
    const dlt = body.let("delta_row", delta(body, iq, (c) => dOr.get(c)));
    const dq = unroll ? registerRow(body, "dq", D_, zero) : arrayRow(body, "dq", D_, headDim, VT, zero);

    const kS = kb.sharedArray("k_tile", VT, CH * D_);
    const vS = kb.sharedArray("v_tile", VT, CH * Dv_);
    const wS = seg ? kb.sharedArray("k_word", "u32", CH) : null;
    walkTiles((blk, masked, k0, k1) => blk.for("c0", k0, k1, (cb, c0) => {
      const n = cb.let("n", K.min(K.u32(CH), K.sub(k1, c0)));
      cb.for("e", t, K.mul(n, K.u32(D_)), (lb, e) => lb.store(kS, e, group(lb, k, K.add(c0, K.div(e, K.u32(D_))), K.rem(e, K.u32(D_)))), own);
      cb.for("e", t, K.mul(n, K.u32(Dv_)), (lb, e) => lb.store(vS, e, group(lb, v, K.add(c0, K.div(e, K.u32(Dv_))), K.rem(e, K.u32(Dv_)))), own);
      if (wS && masked !== false) {
        const words = (x: Block): void => x.for("jj", t, n, (lb, jj) => lb.store(wS, jj, word(lb, K.cast("i32", K.add(c0, jj)))), own);
        if (masked === true) words(cb);
        else cb.if(masked, words);
      }
      cb.barrier();
      const inner = (x: Block, withMask: boolean): void => x.for("jj", K.u32(0), n, (jb, jj) => {
        const ko = jb.let("ko", K.mul(jj, K.u32(D_))), vo = jb.let("vo", K.mul(jj, K.u32(Dv_)));
        const dot = jb.var("dot", zero);
        jb.for("d", K.u32(0), headDim, (db, d) => db.assign(dot, K.fma(qr.get(d), K.load(kS, K.add(ko, d)), dot)));
        const e = K.exp(K.sub(K.mul(hsum(dot), K.f32(scale)), lse));
        const ok = withMask ? jb.let("ok", allowedWords(causal, qWord, pi, wS ? K.load(wS, jj) : null, K.cast("i32", K.add(c0, jj)))) : null;
        const p = jb.let("p", ok ? K.select(ok, e, K.f32(0)) : e);
        const dp = jb.var("dp", zero);
        jb.for("c", K.u32(0), headDimV, (lb, c) => lb.assign(dp, K.fma(dOr.get(c), K.load(vS, K.add(vo, c)), dp)));
        const ds = jb.let("ds", splat(K.mul(p, K.sub(hsum(dp), dlt))));
        dq.each(jb, (db, d) => dq.set(db, d, K.fma(ds, K.load(kS, K.add(ko, d)), dq.get(d))));
      });
      if (typeof masked === "boolean") inner(cb, masked);
      else cb.if(masked, (x) => inner(x, true), (x) => inner(x, false));
      cb.barrier(); // the next chunk overwrites the tiles
    }, CH));

    const res = ctx.tensor(root, "read_write");
    const outType = ctx.typeOf(root);
    body.if(live, (sb) => {
      const o = sb.let("o", imul(iadd(imul(iadd(imul(bi, H), h), Lq), r), D));
      dq.each(sb, (b, d) => storeGroup(b, res, o, d, K.mul(dq.get(d), splat(K.f32(scale))), outType));
    });
  } else {
    // ---- grad_kv: this invocation's key row.
    const j = rc;
    const pj = body.let("pos_k", K.cast("i32", j));
    const kWord = seg ? body.let("k_word", word(body, pj)) : null;
    const kOwnS = kb.sharedArray("k_rows", VT, own * (D_ + 1));
    const vOwnS = kb.sharedArray("v_rows", VT, own * (Dv_ + 1));
    const kr = sharedRow(kOwnS, body.let("k_base", K.mul(t, K.u32(D_ + 1))), headDim);
    const vr = sharedRow(vOwnS, body.let("v_base", K.mul(t, K.u32(Dv_ + 1))), headDimV);
    kr.each(body, (b, d) => kr.set(b, d, group(b, k, j, d)));
    vr.each(body, (b, c) => vr.set(b, c, group(b, v, j, c)));
    const dk = unroll ? registerRow(body, "dk", D_, zero) : arrayRow(body, "dk", D_, headDim, VT, zero);
    const dv = unroll ? registerRow(body, "dv", Dv_, zero) : arrayRow(body, "dv", Dv_, headDimV, VT, zero);

    const qS = kb.sharedArray("q_tile", VT, CH * D_);
    const dOS = kb.sharedArray("do_tile", VT, CH * Dv_);
    const lseS = kb.sharedArray("lse_tile", "f32", CH);
    const dltS = kb.sharedArray("delta_tile", "f32", CH);
    const wS = seg ? kb.sharedArray("q_word", "u32", CH) : null;
    walkTiles((blk, masked, i0, i1) => blk.for("c0", i0, i1, (cb, c0) => {
      const n = cb.let("n", K.min(K.u32(CH), K.sub(i1, c0)));
      cb.for("e", t, K.mul(n, K.u32(D_)), (lb, e) => lb.store(qS, e, group(lb, q, K.add(c0, K.div(e, K.u32(D_))), K.rem(e, K.u32(D_)))), own);
      cb.for("e", t, K.mul(n, K.u32(Dv_)), (lb, e) => lb.store(dOS, e, group(lb, dO, K.add(c0, K.div(e, K.u32(Dv_))), K.rem(e, K.u32(Dv_)))), own);
      cb.barrier();
      // Per query row of the chunk (one invocation each): lse, Δ (from the staged dO) and its word.
      cb.for("ii", t, n, (lb, ii) => {
        const i = lb.let("i", K.add(c0, ii));
        lb.store(lseS, ii, f32(ctx.value(lb, out, [bi, h, i, K.u32(Dv)])));
        lb.store(dltS, ii, delta(lb, i, (c) => K.load(dOS, K.add(K.mul(ii, K.u32(Dv_)), c))));
        if (wS && masked !== false) lb.store(wS, ii, word(lb, K.add(K.cast("i32", i), K.i32(off))));
      }, own);
      cb.barrier();
      const inner = (x: Block, withMask: boolean): void => x.for("ii", K.u32(0), n, (ib, ii) => {
        const qo = ib.let("qo", K.mul(ii, K.u32(D_))), go = ib.let("go", K.mul(ii, K.u32(Dv_)));
        // NOTE: the dot products walk the own k and v rows with rolled loops: unrolled, their
        // loads are loop-invariant and CUDA's ptxas hoists all of them into registers beside
        // the dK and dV accumulators, and spills.
        const dot = ib.var("dot", zero);
        ib.for("d", K.u32(0), headDim, (db, d) => db.assign(dot, K.fma(K.load(qS, K.add(qo, d)), kr.get(d), dot)));
        const e = K.exp(K.sub(K.mul(hsum(dot), K.f32(scale)), K.load(lseS, ii)));
        const ok = withMask ? ib.let("ok", allowedWords(causal, wS ? K.load(wS, ii) : null, K.add(K.cast("i32", K.add(c0, ii)), K.i32(off)), kWord, pj)) : null;
        const p = ib.let("p", ok ? K.select(ok, e, K.f32(0)) : e);
        const dp = ib.var("dp", zero);
        ib.for("c", K.u32(0), headDimV, (db, c) => db.assign(dp, K.fma(K.load(dOS, K.add(go, c)), vr.get(c), dp)));
        const pv = ib.let("pv", splat(p));
        dv.each(ib, (db, c) => dv.set(db, c, K.fma(pv, K.load(dOS, K.add(go, c)), dv.get(c))));
        const ds = ib.let("ds", splat(K.mul(p, K.sub(hsum(dp), K.load(dltS, ii)))));
        dk.each(ib, (db, d) => dk.set(db, d, K.fma(ds, K.load(qS, K.add(qo, d)), dk.get(d))));
      });
      if (typeof masked === "boolean") inner(cb, masked);
      else cb.if(masked, (x) => inner(x, true), (x) => inner(x, false));
      cb.barrier(); // the next chunk overwrites the tiles
    }, CH));

    const res = ctx.tensor(root, "read_write");
    const outType = ctx.typeOf(root);
    body.if(live, (sb) => {
      const o = sb.let("o", imul(iadd(imul(iadd(imul(bi, H), h), Lk), r), D + Dv));
      dk.each(sb, (b, d) => storeGroup(b, res, o, d, K.mul(dk.get(d), splat(K.f32(scale))), outType));
      const ov = sb.let("ov", K.add(o, K.u32(D)));
      dv.each(sb, (b, c) => storeGroup(b, res, ov, c, dv.get(c), outType));
    });
  }
  return ctx.launch([B * H * OT], `${root.op} ${formatType(root.dtype, root.shape)} (flash backward ${own} rows; chunks of ${CH}; ${walk})`, { head_dim: D_, head_dim_v: Dv_ });
}

registerBuilder("attention_grad_q", buildFlashAttentionGrad);
registerBuilder("attention_grad_kv", buildFlashAttentionGrad);
