// Stages of the subgroup row forms of flash attention (flash-sg-rows.ts: one query tile per
// workgroup; flash-grouped.ts: several): opening the kernel (arrays, ids, the q prologue, the
// softmax state), K chunks normalized into workgroup memory, one chunk's scores, softmax and P·V
// in registers, and the epilogue.
//
// shapes: as flash-stages.ts; TQ, CK and Dv/4 multiples of SG (the lanes sharing each vector).
//         One query tile is TI = TQ/R invocations; invocation t owns its tile's rows lt + TI·i
//         (i < R, lt = t mod TI), all CK scores of those rows and all their Dv output columns.
//
// Every invocation needs the same K and V rows, so lane l loads only rows (l mod SG) + SG·m and
// takes the others from its neighbours by subgroupBroadcast (a register shuffle on llvmpipe),
// valid for any subgroup of ≥ SG lanes and any mapping of invocations to subgroups. On llvmpipe
// every load from memory — workgroup, storage or a private array — is a loop over the SIMD lanes,
// while registers and shuffles are cheap, so the form serves many FMAs per load: per head group,
// R q loads and CK/SG K loads feed 4·R·CK FMAs; V comes straight from global memory in P·V
// (staging it would add a store and a load per vec4); q and K rows are normalized unrolled
// (normRow) with the LayerNorm parameters in registers, one load and one store per vec4. Each
// invocation keeps its q rows and its P rows (the P·V loop's weights) in private arrays; only the
// K chunk and the key mask words are shared.

import type { FusionGroup, Partition } from "../fuse-elementwise.ts";
import type { Block } from "../build-kernel.ts";
import * as K from "../build-kernel.ts";
import type { Node } from "../../ir/graph.ts";
import { maskValue } from "../../ir/ops/attention.ts";
import { KernelContext, iadd, imul } from "../emit.ts";
import type { ArrayRef, Expr } from "../kernel-ir.ts";
import type { TargetCaps } from "../target.ts";
import { MASKED, REAL, allowedWords, maskWord, sinCos4 } from "./flash-common.ts";
import type { FlashOptions, SubgroupRowsPlan } from "./flash-plan.ts";
import type { FlashFrame, FlashShape, FrameIds } from "./flash-stages.ts";
import { V4, exitIfNoKeys, f32, flashDoc, flashShape, normTables, openFrame, rowGroup, spread } from "./flash-stages.ts";

/** The frame of a subgroup row kernel: the shared frame, the form's sizes, its arrays and register state. */
export interface SgFrame extends FlashFrame {
  readonly sg: number;
  readonly r: number;
  readonly ti: number;
  /** 0 … R − 1. */
  readonly rows: readonly number[];
  /** This invocation's row in its tile (row i is lt + TI·i). */
  readonly lt: Expr;
  readonly sgLane: Expr;
  /** Private q rows [R, D/4] and P rows [R, CK/4]; the K chunk; the key mask words. */
  readonly qS: ArrayRef;
  readonly pS: ArrayRef;
  readonly kS: ArrayRef;
  readonly kMask: ArrayRef | null;
  /** LayerNorm weights then biases of k, as vec4 registers; rotary frequencies (attention_qknorm). */
  readonly kParams: readonly Expr[];
  readonly freqRegs: readonly Expr[];
  /** Per row: running max, running sum, unnormalized accumulator (Dv/4 vec4s), position, mask word. */
  readonly rowM: readonly Expr[];
  readonly rowL: readonly Expr[];
  readonly rowAcc: readonly (readonly Expr[])[];
  readonly rowQPos: readonly Expr[];
  readonly rowQWord: readonly Expr[] | null;
}

/** The kernel doc's form line. */
export function flashDocLine(s: FlashShape, plan: SubgroupRowsPlan, qg: number): string {
  const tiles = qg > 1 ? `${qg} ${s.tq}-row query tiles` : `${s.tq}-row query tile`;
  return `flash, subgroup rows: one workgroup of ${plan.ti * qg} per (b, h, ${tiles}), ${plan.r} rows per invocation, K/V rows shared among ${plan.sg} lanes; keys in chunks of ${s.CK}; ${s.walk}`;
}

const localRow = (f: { lt: Expr; ti: number }, i: number): Expr => (i === 0 ? f.lt : K.add(f.lt, K.u32(f.ti * i)));
/** Where row i has its vec4 c of q (width D/4) or of P (width CK/4) in its private rows. */
const rowAt = (i: number, width: number, c: Expr): Expr => K.add(K.mul(K.u32(i), K.u32(width)), c);

/**
 * The kernel up to its key walk: arrays, the workgroup's ids (`ids`; `grouped` workgroups span
 * several tiles), a query tile with no key tiles exiting (single tile only), the norm tables and
 * parameter registers, the q prologue (LayerNorm, rotary, softmax scale), the softmax state.
 */
export function openSgKernel(group: FusionGroup, caps: TargetCaps, part: Partition, plan: SubgroupRowsPlan, opts: FlashOptions, ni: number, grouped: boolean, doc: (s: FlashShape) => string,
  ids: (body: Block, t: Expr, w: Expr, s: FlashShape) => Omit<FrameIds, "t"> & { lt: Expr }): SgFrame {
  const s = flashShape(group.root, opts, plan.tq, plan.ck);
  const { CK, D4, Dv4, fused, R } = { ...s, R: plan.r };
  const ctx = new KernelContext(fused ? "attention_qknorm_flash" : "attention_flash", flashDoc(s, doc(s)), [ni], caps, part);
  if (grouped) ctx.kb.allowSubgroupBranches();
  // Private rows (faster than the same rows in workgroup memory on llvmpipe), declared first thing in the body.
  const qS = ctx.body.array("q_rows", V4, R * D4);
  const kS = ctx.kb.sharedArray("k_tile", V4, CK * D4);
  const pS = ctx.body.array("p_rows", V4, R * s.CK4);
  const kMask = s.ops.segments ? ctx.kb.sharedArray("k_mask", "u32", CK) : null;
  const invFreq = fused ? ctx.kb.sharedArray("inv_freq", V4, s.rdim / 8) : null;
  const normS = fused ? ctx.kb.sharedArray("norm_params", V4, 4 * D4) : null;
  let lt: Expr = K.u32(0);
  const base = openFrame(s, caps, ctx, ni, { normS, invFreq }, (body, t, w) => {
    const x = ids(body, t, w, s);
    lt = x.lt;
    return x;
  });
  const rows = Array.from({ length: R }, (_, i) => i);
  const partial = { ...base, sg: plan.sg, r: R, ti: plan.ti, rows, lt, qS, pS, kS, kMask };
  if (!grouped) exitIfNoKeys(partial);
  const { body, row0, off, Lq, Lk, scale } = base;
  normTables(partial);
  // The LayerNorm weights and biases and the rotary frequencies in registers (normRow reads them
  // for every q row and every key row of every chunk).
  const qParams: Expr[] = [], kParams: Expr[] = [], freqRegs: Expr[] = [];
  const withRegs = { ...partial, kParams, freqRegs };
  if (s.ops.norm) {
    body.barrier(); // the norm parameters and frequencies are read by every row's invocation
    for (let e = 0; e < 2 * D4; e++) qParams.push(body.let("q_param", K.load(normS!, K.u32(e))));
    for (let e = 0; e < 2 * D4; e++) kParams.push(body.let("k_param", K.load(normS!, K.u32(2 * D4 + e))));
    for (let g = 0; g < s.half4; g++) freqRegs.push(body.let("freq", K.load(invFreq!, K.u32(g))));
    // Each invocation its own R rows, into its private q rows.
    body.for("i", K.u32(0), K.u32(R), (rb, i) => {
      const r = K.add(lt, K.mul(i, K.u32(plan.ti)));
      const o = rb.let("o", K.mul(i, K.u32(D4)));
      const j = rb.let("j", K.min(K.add(row0, r), K.u32(Lq - 1)));
      const row = normRow(withRegs, rb, s.ops.q, j, qParams, K.min(K.add(j, K.u32(off)), K.u32(Lk - 1)), scale);
      row.forEach((x, g) => rb.store(qS, K.add(o, K.u32(g)), x));
    });
  } else {
    body.for("i", K.u32(0), K.u32(R), (rb, i) => {
      const j = rb.let("j", K.min(K.add(row0, K.add(lt, K.mul(i, K.u32(plan.ti)))), K.u32(Lq - 1)));
      rb.for("g", K.u32(0), base.headGroups, (lb, g) => lb.store(qS, K.add(K.mul(i, K.u32(D4)), g), K.mul(rowGroup(base, lb, s.ops.q, D4, j, g), K.f32(scale))));
    });
  }
  const sgLane = body.let("sg_lane", K.rem(K.subgroupInvocationId(), K.u32(plan.sg)));
  const rowM = rows.map(() => body.var("m_row", K.f32(MASKED)));
  const rowL = rows.map(() => body.var("l_row", K.f32(0)));
  const rowAcc = rows.map(() => Array.from({ length: Dv4 }, () => body.var("acc_row", K.vec(V4, K.f32(0)))));
  const qPosOf = (i: number): Expr => K.add(K.cast("i32", K.add(row0, localRow(withRegs, i))), K.i32(off));
  const rowQPos = rows.map((i) => body.let("pos_q", qPosOf(i)));
  const seg = s.ops.segments;
  const rowQWord = seg ? rows.map((i) => maskWord(ctx, seg, s.S, base.bi, body, qPosOf(i))) : null;
  return { ...withRegs, sgLane, rowM, rowL, rowAcc, rowQPos, rowQWord };
}

/**
 * Row j (clamped) of q or k, LayerNormed and rotated as D/4 vec4 values, times `post`: unrolled,
 * so the row stays in registers between loading, statistics and normalizing (one load per vec4,
 * the parameters in registers). `params`: the weights' then the biases' vec4s; `p`: the row's
 * position index.
 */
function normRow(f: FlashFrame & { readonly freqRegs: readonly Expr[] }, rb: Block, node: Node, j: Expr, params: readonly Expr[], p: Expr, post: number): Expr[] {
  const { D, D4, half4 } = f;
  const x = Array.from({ length: D4 }, (_, g) => rb.let("x", rowGroup(f, rb, node, D4, j, K.u32(g))));
  const shift = rb.let("shift", K.vec(V4, K.lane(x[0]!, 0)));
  let sum: Expr = K.vec(V4, K.f32(0)), sq: Expr = K.vec(V4, K.f32(0));
  for (const xg of x) {
    const c = rb.let("c", K.sub(xg, shift));
    sum = rb.let("sum", K.add(sum, c));
    sq = rb.let("sq", K.add(sq, K.mul(c, c)));
  }
  const total = (v: Expr): Expr => K.add(K.add(K.lane(v, 0), K.lane(v, 1)), K.add(K.lane(v, 2), K.lane(v, 3)));
  const m1 = rb.let("m1", K.mul(total(sum), K.f32(1 / D)));
  const vr = rb.let("var", K.max(K.sub(K.mul(total(sq), K.f32(1 / D)), K.mul(m1, m1)), K.f32(0)));
  const mean = rb.let("mean", K.vec(V4, K.add(m1, K.lane(shift, 0))));
  const rstd = rb.let("rstd", K.vec(V4, K.inverseSqrt(K.add(vr, K.f32(f.eps)))));
  const n = x.map((xg, g) => rb.let("n", K.add(K.mul(K.mul(K.sub(xg, mean), rstd), params[g]!), params[D4 + g]!)));
  const out = [...n];
  if (half4 > 0) {
    const pf = rb.let("p", f32(f.ctx.value(rb, f.ops.norm!.positions, [p])));
    for (let g = 0; g < half4; g++) {
      const [sv, cv] = sinCos4(rb, K.mul(f.freqRegs[g]!, pf));
      const x1 = n[g]!, x2 = n[g + half4]!;
      out[g] = rb.let("r1", K.sub(K.mul(x1, cv), K.mul(x2, sv)));
      out[g + half4] = rb.let("r2", K.add(K.mul(x2, cv), K.mul(x1, sv)));
    }
  }
  return post === 1 ? out : out.map((y) => rb.let("y", K.mul(y, K.f32(post))));
}

/** K rows [c0, c0 + CK) (clamped) into the K chunk, normalized and rotated by normRow, one invocation per row. */
export function loadKRows(f: SgFrame, cb: Block, c0: Expr): void {
  spread(f, cb, "r", f.CK, (rb, r) => {
    const j = rb.let("j", K.min(K.add(c0, r), K.u32(f.Lk - 1)));
    const row = normRow(f, rb, f.ops.k, j, f.kParams, j, 1);
    const o = rb.let("o", K.mul(r, K.u32(f.D4)));
    row.forEach((x, g) => rb.store(f.kS, K.add(o, K.u32(g)), x));
  });
}

/**
 * One chunk of CK keys at c0 (n of them real) for this invocation's R rows, all in registers:
 * scores (per head group, R q loads and CK/SG K loads for 4·R·CK FMAs), which survive (`masked`:
 * a constant, or a uniform flag selecting per element), the online softmax (m' = max(m, rowmax),
 * α = e^(m − m'), ℓ = αℓ + Σp, acc = α·acc), and P·V with V from global memory.
 */
export function rowChunk(f: SgFrame, cb: Block, masked: boolean | Expr, c0: Expr, n: Expr): void {
  const { rows, CK, CK4, D4, Dv4, sg: SG, qS, kS, pS, kMask, sgLane, rowM, rowL, rowAcc } = f;
  const s = rows.map(() => Array.from({ length: CK }, () => cb.var("s", K.f32(0))));
  cb.for("g", K.u32(0), f.headGroups, (gb, g) => {
    const qv = rows.map((i) => gb.let("qv", K.load(qS, rowAt(i, D4, g))));
    const mine = Array.from({ length: CK / SG }, (_, m) => gb.let("km", K.load(kS, K.add(K.mul(K.add(sgLane, K.u32(SG * m)), K.u32(D4)), g))));
    for (let j = 0; j < CK; j++) {
      const kv = gb.let("kv", K.subgroupBroadcast(mine[Math.floor(j / SG)]!, j % SG));
      for (const i of rows) {
        let e = s[i]![j]!;
        for (let c = 0; c < 4; c++) e = K.fma(K.lane(qv[i]!, c as 0 | 1 | 2 | 3), K.lane(kv, c as 0 | 1 | 2 | 3), e);
        gb.assign(s[i]![j]!, e);
      }
    }
  });
  // Which scores survive. The key words come one load per lane and the rest by broadcast.
  const inChunk = Array.from({ length: CK }, (_, j) => cb.let("in_chunk", K.lt(K.u32(j), n)));
  const kWordMine = masked !== false && kMask ? Array.from({ length: CK / SG }, (_, m) => cb.let("kw", K.load(kMask, K.add(sgLane, K.u32(SG * m))))) : null;
  const kWord = Array.from({ length: CK }, (_, j) => (kWordMine ? cb.let("k_word", K.subgroupBroadcast(kWordMine[Math.floor(j / SG)]!, j % SG)) : null));
  const p = rows.map((i) => {
    const ok = Array.from({ length: CK }, (_, j) => {
      if (masked === false) return inChunk[j]!;
      const allowed = allowedWords(f.causal, f.rowQWord ? f.rowQWord[i]! : null, f.rowQPos[i]!, kWord[j] ?? null, K.cast("i32", K.add(c0, K.u32(j))));
      return cb.let("ok", K.and(inChunk[j]!, masked === true ? allowed : K.or(K.not(masked), allowed)));
    });
    let mx: Expr = rowM[i]!;
    s[i]!.forEach((x, j) => (mx = K.max(mx, K.select(ok[j]!, x, K.f32(MASKED)))));
    const mNew = cb.let("m_new", mx);
    const alpha = cb.let("alpha", K.select(K.gt(rowM[i]!, K.f32(REAL)), K.exp(K.sub(rowM[i]!, mNew)), K.f32(0)));
    const pi = s[i]!.map((x, j) => cb.let("p", K.select(ok[j]!, K.exp(K.sub(x, mNew)), K.f32(0))));
    let sum: Expr = K.f32(0);
    for (let j = 0; j < CK; j += 4) sum = K.add(sum, K.add(K.add(pi[j]!, pi[j + 1]!), K.add(pi[j + 2]!, pi[j + 3]!)));
    cb.assign(rowL[i]!, K.fma(rowL[i]!, alpha, sum));
    cb.assign(rowM[i]!, mNew);
    for (const a_ of rowAcc[i]!) cb.assign(a_, K.mul(a_, alpha));
    return pi;
  });
  // P through the invocation's private rows, so that P·V is a loop.
  for (const i of rows) {
    for (let j = 0; j < CK; j += 4) cb.store(pS, rowAt(i, CK4, K.u32(j / 4)), K.vec(V4, p[i]![j]!, p[i]![j + 1]!, p[i]![j + 2]!, p[i]![j + 3]!));
  }
  // P·V: per 4 keys, R p loads and Dv/(4·SG) V loads per key (from global memory) for 4·R·Dv FMAs.
  // Keys past n read a real row (clamped); their p is 0.
  cb.for("kg", K.u32(0), f.keyGroups, (gb, kg) => {
    const pv = rows.map((i) => gb.let("pv", K.load(pS, rowAt(i, CK4, kg))));
    // All four keys' V rows first, then each accumulator once with its four FMAs (llvmpipe
    // keeps the R·Dv accumulators on the stack: one load and one store per vec4 per 4 keys).
    const mine = [0, 1, 2, 3].map((kk) => {
      const key = gb.let("key", K.min(K.add(c0, K.add(K.mul(kg, K.u32(4)), K.u32(kk))), K.u32(f.Lk - 1)));
      return Array.from({ length: Dv4 / SG }, (_, u) => gb.let("vm", rowGroup(f, gb, f.ops.v, Dv4, key, K.add(sgLane, K.u32(SG * u)))));
    });
    for (let c = 0; c < Dv4; c++) {
      const vb = [0, 1, 2, 3].map((kk) => gb.let("vb", K.subgroupBroadcast(mine[kk]![Math.floor(c / SG)]!, c % SG)));
      for (const i of rows) {
        let e = rowAcc[i]![c]!;
        for (let kk = 0; kk < 4; kk++) e = K.fma(K.vec(V4, K.lane(pv[i]!, kk as 0 | 1 | 2 | 3)), vb[kk]!, e);
        gb.assign(rowAcc[i]![c]!, e);
      }
    }
  });
}

/** The key mask words of the chunk at c0, one invocation per key. */
export function keyWords(f: SgFrame, blk: Block, c0: Expr): void {
  const kMask = f.kMask!;
  spread(f, blk, "r", f.CK, (lb, r) => lb.store(kMask, r, maskWord(f.ctx, f.ops.segments!, f.S, f.bi, lb, K.cast("i32", K.add(c0, r)))));
}

/**
 * Per row: one division by ℓ (a row with nothing allowed, ℓ = 0 exactly, writes a literal 0 and,
 * with lse, the mask value; a NaN ℓ is not empty and propagates), stored where the row exists.
 */
export function sgEpilogue(f: SgFrame): void {
  const { ctx, body, root, Lq, Dv, W } = f;
  const out = ctx.tensor(root, "read_write");
  const outType = ctx.typeOf(root);
  const rowBase = imul(iadd(imul(f.bi, f.H), f.h), Lq);
  for (const i of f.rows) {
    const r = body.let("row", K.add(f.row0, localRow(f, i)));
    const empty = body.let("empty", K.eq(f.rowL[i]!, K.f32(0)));
    const inv = body.let("inv_l", K.select(empty, K.f32(0), K.div(K.f32(1), f.rowL[i]!)));
    body.if(K.lt(r, K.u32(Lq)), (sb) => {
      const o = sb.let("o", imul(K.add(rowBase, r), W));
      f.rowAcc[i]!.forEach((a_, c) => {
        const y = sb.let("y", K.mul(a_, inv));
        for (let x = 0; x < 4; x++) ctx.store(sb, out, K.add(o, K.u32(4 * c + x)), K.cast(outType, K.select(empty, K.f32(0), K.lane(y, x as 0 | 1 | 2 | 3))));
      });
      if (f.lse) ctx.store(sb, out, K.add(o, K.u32(Dv)), K.cast(outType, K.select(empty, K.f32(maskValue(root.dtype)), K.add(f.rowM[i]!, K.log(f.rowL[i]!)))));
    });
  }
}
