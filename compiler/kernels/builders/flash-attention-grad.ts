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
// head 64, sm_80/sm_90). On llvmpipe this form is 3–4× slower than the dense decomposition:
// every workgroup-memory or private-array access is a loop over the 8 SIMD lanes (~100 cycles),
// and it does about one such access per FMA.
//
// Row form (WGSL whose subgroups have ≥ 8 lanes, D and Dv multiples of 32, problems above
// bigAttention's size; the forward's row form applied to both kernels; FlashOptions.gradRows
// or 0 forces it or the form above; CUDA keeps the form above).
// One workgroup of NI = own/R invocations per owned tile; invocation t owns rows t + NI·i
// (i < R = 4 at 32-row tiles, FlashOptions.gradRowsPerInvocation: 1, 2 or 4). The walked axis comes in chunks
// of CK = 32 rows read straight from global memory (no staging, no barriers): lane l reads rows
// c0 + l + 8m only and takes the others from its neighbours by subgroupBroadcast (a register
// shuffle), so each vector loaded serves R rows × 8 lanes. Per chunk, with the R × CK pairs in
// registers:
//   grad_q   s = q·k and dP = dO·v (K, V broadcast; the own q, dO rows from private copies), P =
//            exp(scale·s − lse), dS = P(dP − Δ) (lse, Δ of the own rows computed once);
//            dQ += dS·k, 4 keys per step (K broadcast again), dQ in registers.
//   grad_kv  s = k·q and dP = v·dO (q, dO broadcast; own k, v private); lse, Δ and the mask word of each query
//            row computed by the lane that reads it and broadcast; dV += P·dO, dK += dS·q.
// The weights (dS; and P) reach the accumulation loop through the invocation's own lines of a
// workgroup array, so that loop is rolled (uniform bounds; unrolled bodies compile for minutes).
// Masks per element as above (allowedWords on the broadcast words): masked pairs give P = 0
// exactly. llvmpipe, B = 2, H = 32, L = 387, head 64, T2I DEAD lists (paired A/B medians):
// grad_q 1263 → 163 ms (0.13×), grad_kv 1880 → 244 ms (0.14×); results within 1.5e-6 of the
// form above. R = 2 was 1.10× (grad_q) and 1.40× (grad_kv) the time of R = 4. At R = 4 the
// kernels run at about 10 GFLOP/s, FMA-bound: reading the packed output as aligned vec4s in Δ
// (2 loads per group instead of 4 scalar ones) changed nothing measurable; chunks of 16 were
// 1.17× (grad_q) and 0.96× (grad_kv, noise). Against the dense decomposition of each op: 0.22×
// (grad_q) and 0.25× (grad_kv) its time. Compile (first time, cached by Mesa afterwards):
// grad_q ~17 s, grad_kv ~30–38 s.
// Without lists: no segments and not causal → everything unmasked; causal alone → the tile's
// sure part unmasked, the diagonal band masked, the rest skipped (as the forward); segments
// without lists → everything masked. Empty tiles are in no list and cost nothing. There are no
// atomics: each output row is owned by exactly one invocation (dQ by query rows, dK/dV by key
// rows), which is why the backward is two kernels.

import type { Node } from "../../ir/graph.ts";
import { keyTileOrigin, tileCount } from "../../ir/ops/attention_qknorm.ts";
import { concreteShape, formatType } from "../../ir/types.ts";
import type { FusionGroup, Partition } from "../fuse-elementwise.ts";
import type { Block } from "../build-kernel.ts";
import * as K from "../build-kernel.ts";
import type { Launch } from "../emit.ts";
import { KernelContext, iadd, idiv, imod, imul } from "../emit.ts";
import type { ArrayRef, Expr } from "../kernel-ir.ts";
import type { TargetCaps } from "../target.ts";
import { shardPlan } from "../target.ts";
import { allowedWords, maskWord } from "./flash-common.ts";
import type { FlashOptions } from "./flash-plan.ts";
import { DEFAULT_FLASH_OPTIONS, GRAD_SG, planFlashGrad } from "./flash-plan.ts";

/** Row form: lanes that share the walked axis' vectors by subgroupBroadcast. */
const SG = GRAD_SG;

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

export function buildFlashAttentionGrad(fusion: FusionGroup, caps: TargetCaps, part: Partition, opts: FlashOptions = DEFAULT_FLASH_OPTIONS): Launch {
  const root = fusion.root;
  const forQ = root.op === "attention_grad_q";
  const [q, k, v, out, dO, seg, listsIn] = root.inputs as [Node, Node, Node, Node, Node, Node | undefined, Node | undefined];
  const lists = opts.tileSkipping ? listsIn : undefined;
  const [B, H, Lq, D] = concreteShape(q.shape) as [number, number, number, number];
  const Lk = concreteShape(k.shape)[2]!, Dv = concreteShape(v.shape)[3]!;
  const G = concreteShape(dO.shape)[3]!; // Dv, or Dv + 1 with the lse cotangent
  const S = seg ? concreteShape(seg.shape)[1]! : 0;
  const a = root.attrs;
  const scale = a["scale"] as number, causal = a["causal"] as boolean;
  const plan = planFlashGrad(root, caps, opts);
  const rowForm = plan.form === "grad-rows";
  const { tq, tk, own } = plan;
  const R = rowForm ? plan.r : 1;
  const NI = rowForm ? plan.ni : own;
  const CK = rowForm ? plan.ck : 0;
  const unroll = !rowForm && plan.unroll;
  const W = rowForm ? (D % 4 === 0 && Dv % 4 === 0 ? 4 : 1) : plan.w;
  const VT: VT = W === 4 ? "vec4<f32>" : "f32";
  const D_ = D / W, Dv_ = Dv / W;
  const CH = rowForm ? 0 : plan.ch;
  const QT = tileCount(Lq, tq), KT = tileCount(Lk, tk);
  if (!forQ && a["keys_from_end"] === true) throw new Error(`internal: ${root.op} owns key tiles from key 0; its lists cannot lay them from the end`);
  const OT = forQ ? QT : KT; // tiles of the owned axis
  const off = Lk - Lq; // query row i sits at key position off + i

  const dense = !seg && !causal;
  const walk = lists ? `${forQ ? "" : "transposed "}lists of ${tq}×${tk} tiles` : dense ? "unmasked" : seg ? "every pair masked (no lists)" : "causal: sure part unmasked, diagonal band masked";
  const doc = [
    `${root.op}: q [${B}, ${H}, ${Lq}, ${D}], k [${B}, ${H}, ${Lk}, ${D}], v [${B}, ${H}, ${Lk}, ${Dv}], out+lse [${B}, ${H}, ${Lq}, ${Dv + 1}], dO [${B}, ${H}, ${Lq}, ${G}] → ${forQ ? `dQ [${B}, ${H}, ${Lq}, ${D}]` : `dK|dV [${B}, ${H}, ${Lk}, ${D + Dv}]`}`,
    rowForm
      ? `flash backward rows (P from the lse); one workgroup of ${NI} per (b, h, ${own}-row ${forQ ? "query" : "key"} tile), ${R} rows per invocation; ${forQ ? "keys" : "queries"} in chunks of ${CK} shared among ${SG} subgroup lanes; ${walk}`
      : `flash backward (P from the lse); one workgroup of ${own} per (b, h, ${forQ ? "query" : "key"} tile); ${forQ ? "keys" : "queries"} in chunks of ${CH}; ${walk}`,
  ].join("\n");
  const ctx = new KernelContext(forQ ? "attention_grad_q_flash" : "attention_grad_kv_flash", doc, [NI], caps, part);
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

  if (rowForm) return rowKernel();

  /**
   * The row form. Invocation t owns rows t + NI·i of the tile (i < R); lane l = (subgroup lane
   * mod SG) reads rows c0 + l + SG·m (m < CK/SG) of a walked chunk from global memory and the
   * other lanes take them by subgroupBroadcast (valid for any subgroup of ≥ SG lanes: all of a
   * workgroup's invocations walk the same chunks, in uniform control flow). Per chunk, for the
   * R × CK pairs in registers: s (own·walked over D), dP (over Dv), P and dS; then the R·(D or
   * Dv) accumulators take Σ_j w_ij·x_j, 4 walked rows per step, the weights (dS, P) through
   * the invocation's own lines of a workgroup array (so that the step is a rolled loop).
   */
  function rowKernel(): Launch {
    const V4 = "vec4<f32>" as const;
    const D4 = D / 4, Dv4 = Dv / 4, CK4 = CK / 4;
    const zero4 = K.vec(V4, K.f32(0));
    const chunkGroups = kb.param("chunk_groups", "u32");
    const lane = body.let("sg_lane", K.rem(K.subgroupInvocationId(), K.u32(SG)));
    const ROWS = Array.from({ length: R }, (_, i) => i);
    const localRow = (i: number): Expr => (i === 0 ? t : K.add(t, K.u32(NI * i)));
    const rows = ROWS.map((i) => body.let("row", K.add(K.mul(ot, K.u32(own)), localRow(i))));
    const rowC = ROWS.map((i) => body.let("rc", K.min(rows[i]!, K.u32(nOwn - 1)))); // rows past the end: a copy of the last, never stored
    /** Vectors stored contiguously read as one vec4 load (on llvmpipe each load is a loop over the lanes). */
    const vecView = (node: Node, stride: number): boolean => {
      if (stride % 4 !== 0) return false;
      const base = ctx.memoryOf(node);
      if (!ctx.isMaterialized(base) || base.dtype === "bool") return false;
      const plan = shardPlan(base.dtype, base.shape, caps);
      return plan.numel % 4 === 0 && plan.elemsPerShard % 4 === 0;
    };
    /** Group g (4 floats) of row j of `node` [B, H, L, stride]. */
    const vgroup = (blk: Block, node: Node, stride: number, j: Expr, g: Expr): Expr => {
      if (!vecView(node, stride)) return K.vec(V4, ...[0, 1, 2, 3].map((c) => f32(ctx.value(blk, node, [bi, h, j, K.add(K.mul(g, K.u32(4)), K.u32(c))]))));
      const L = concreteShape(node.shape)[2]!;
      const x = ctx.load(ctx.tensor(node, "read", 4), K.add(K.mul(K.add(K.mul(K.add(K.mul(bi, K.u32(H)), h), K.u32(L)), j), K.u32(stride / 4)), g));
      return x.type === V4 ? x : K.cast(V4, x);
    };
    const bcast = (xs: readonly Expr[], j: number): Expr => K.subgroupBroadcast(xs[Math.floor(j / SG)]!, j % SG);
    /** This lane's rows of the walked chunk at c0 (clamped to the axis: rows past n are never weighted). */
    const mine = (cb: Block, c0: Expr, len: number): Expr[] => Array.from({ length: CK / SG }, (_, m) => cb.let("x", K.min(K.add(c0, K.add(lane, K.u32(SG * m))), K.u32(len - 1))));
    /** Δ = dO·O − g of row j (g: the lse cotangent, when dO has that column). */
    const deltaOf = (blk: Block, j: Expr): Expr => {
      const d = blk.var("delta", zero4);
      blk.for("c", K.u32(0), headDimV, (lb, c) => lb.assign(d, K.fma(vgroup(lb, dO, G, j, c), group(lb, out, j, c), d)));
      return G > Dv ? K.sub(hsum(d), f32(ctx.value(blk, dO, [bi, h, j, K.u32(Dv)]))) : hsum(d);
    };
    // The owned rows of q and dO (grad_q) or k and v (grad_kv), read once into private arrays
    // [R, groups] rather than from global memory per head group of every chunk: at T2I, L = 387,
    // the whole layer backward took 0.89× the time (paired).
    const ownRows = new Map<Node, { arr: ArrayRef; width: number }>();
    const cacheOwn = (node: Node, stride: number, width: number, bound: Expr): void => {
      const arr = body.array("own_rows", V4, R * width);
      for (const i of ROWS) body.for("g", K.u32(0), bound, (lb, g) => lb.store(arr, K.add(K.u32(i * width), g), vgroup(lb, node, stride, rowC[i]!, g)));
      ownRows.set(node, { arr, width });
    };
    /** Dot products [R][CK] of the owned rows of `ownNode` (from their private copy) and the walked rows of `walked`, over `bound` groups. */
    const pairDots = (cb: Block, bound: Expr, ownNode: Node, walked: Node, walkedStride: number, walkRows: readonly Expr[]): Expr[][] => {
      const s = ROWS.map(() => Array.from({ length: CK }, () => cb.var("s", K.f32(0))));
      cb.for("g", K.u32(0), bound, (gb, g) => {
        const own_ = ownRows.get(ownNode);
        if (!own_) throw new Error(`internal: ${root.op}: the owned rows of ${ownNode} were not cached`);
        const ov = ROWS.map((i) => gb.let("ov", K.load(own_.arr, K.add(K.u32(i * own_.width), g))));
        const wm = walkRows.map((x) => gb.let("wm", vgroup(gb, walked, walkedStride, x, g)));
        for (let j = 0; j < CK; j++) {
          const wv = gb.let("wv", bcast(wm, j));
          for (const i of ROWS) {
            let e = s[i]![j]!;
            for (let c = 0; c < 4; c++) e = K.fma(K.lane(ov[i]!, c as 0 | 1 | 2 | 3), K.lane(wv, c as 0 | 1 | 2 | 3), e);
            gb.assign(s[i]![j]!, e);
          }
        }
      });
      return s;
    };
    interface Term { acc: Expr[][]; weights: ArrayRef; node: Node; stride: number; groups: number }
    /** acc[i][c] += Σ_j w_ij·x_j[c] over the chunk at c0: per 4 walked rows, R weight loads and 4·groups/SG loads of x. */
    const accumulate = (cb: Block, c0: Expr, len: number, terms: readonly Term[]): void => {
      cb.for("kg", K.u32(0), chunkGroups, (gb, kg) => {
        const four = [0, 1, 2, 3].map((kk) => gb.let("x4", K.min(K.add(c0, K.add(K.mul(kg, K.u32(4)), K.u32(kk))), K.u32(len - 1))));
        for (const tm of terms) {
          const wv = ROWS.map((i) => gb.let("w", K.load(tm.weights, K.add(K.mul(localRow(i), K.u32(CK4)), kg))));
          const xm = four.map((x) => Array.from({ length: tm.groups / SG }, (_, u) => gb.let("xm", vgroup(gb, tm.node, tm.stride, x, K.add(lane, K.u32(SG * u))))));
          for (let c = 0; c < tm.groups; c++) {
            const xb = xm.map((m) => gb.let("xb", bcast(m, c)));
            for (const i of ROWS) {
              let e = tm.acc[i]![c]!;
              for (let kk = 0; kk < 4; kk++) e = K.fma(K.vec(V4, K.lane(wv[i]!, kk as 0 | 1 | 2 | 3)), xb[kk]!, e);
              gb.assign(tm.acc[i]![c]!, e);
            }
          }
        }
      });
    };
    /** Weights w[i][j] into the invocation's own lines of `arr` [own, CK/4]. */
    const putWeights = (cb: Block, arr: ArrayRef, w: readonly Expr[][]): void => {
      for (const i of ROWS) for (let j = 0; j < CK; j += 4) cb.store(arr, K.add(K.mul(localRow(i), K.u32(CK4)), K.u32(j / 4)), K.vec(V4, w[i]![j]!, w[i]![j + 1]!, w[i]![j + 2]!, w[i]![j + 3]!));
    };
    /** Whether pair (i, j) counts: inside the chunk and, on a masked walk, allowed. */
    const pairOk = (cb: Block, masked: boolean | Expr, inChunk: Expr, allowed: () => Expr): Expr =>
      masked === false ? inChunk : cb.let("ok", K.and(inChunk, masked === true ? allowed() : K.or(K.not(masked), allowed())));
    const dsS = kb.sharedArray("ds_rows", V4, own * CK4);
    const res = ctx.tensor(root, "read_write");
    const outType = ctx.typeOf(root);
    const rowBase = K.mul(K.add(K.mul(bi, K.u32(H)), h), K.u32(nOwn));
    const label = `${root.op} ${formatType(root.dtype, root.shape)} (flash backward rows: ${own}-row tiles, ${R} rows per invocation, ${forQ ? "keys" : "queries"} in chunks of ${CK} shared among ${SG} subgroup lanes; ${walk})`;
    const params = { head_dim: D4, head_dim_v: Dv4, chunk_groups: CK4 };

    if (forQ) {
      // ---- grad_q: rows are query rows; walked: key chunks.
      const posQ = ROWS.map((i) => body.let("pos_q", K.add(K.cast("i32", rowC[i]!), K.i32(off))));
      const qWord = seg ? ROWS.map((i) => body.let("q_word", word(body, posQ[i]!))) : null;
      const lse = ROWS.map((i) => body.let("lse", f32(ctx.value(body, out, [bi, h, rowC[i]!, K.u32(Dv)]))));
      const dlt = ROWS.map((i) => body.let("delta_row", deltaOf(body, rowC[i]!)));
      const dq = ROWS.map(() => Array.from({ length: D4 }, () => body.var("dq", zero4)));
      cacheOwn(q, D, D4, headDim);
      cacheOwn(dO, G, Dv4, headDimV);
      walkTiles((blk, masked, k0, k1) => blk.for("c0", k0, k1, (cb, c0) => {
        const n = cb.let("n", K.min(K.u32(CK), K.sub(k1, c0)));
        const keys = mine(cb, c0, Lk);
        const s = pairDots(cb, headDim, q, k, D, keys);
        const dp = pairDots(cb, headDimV, dO, v, Dv, keys);
        const kwMine = seg && masked !== false ? keys.map((x) => cb.let("kw", word(cb, K.cast("i32", x)))) : null;
        const ds = ROWS.map(() => [] as Expr[]);
        for (let j = 0; j < CK; j++) {
          const inChunk = cb.let("in_chunk", K.lt(K.u32(j), n));
          const kw = kwMine ? cb.let("k_word", bcast(kwMine, j)) : null;
          const kPos = K.cast("i32", K.add(c0, K.u32(j)));
          for (const i of ROWS) {
            const ok = pairOk(cb, masked, inChunk, () => allowedWords(causal, qWord ? qWord[i]! : null, posQ[i]!, kw, kPos));
            const p = cb.let("p", K.select(ok, K.exp(K.sub(K.mul(s[i]![j]!, K.f32(scale)), lse[i]!)), K.f32(0)));
            ds[i]!.push(cb.let("ds", K.mul(p, K.sub(dp[i]![j]!, dlt[i]!))));
          }
        }
        putWeights(cb, dsS, ds);
        accumulate(cb, c0, Lk, [{ acc: dq, weights: dsS, node: k, stride: D, groups: D4 }]);
      }, CK));
      ROWS.forEach((i) => body.if(K.lt(rows[i]!, K.u32(Lq)), (sb) => {
        const o = sb.let("o", K.mul(K.add(rowBase, rows[i]!), K.u32(D)));
        dq[i]!.forEach((x, c) => storeGroup(sb, res, o, K.u32(c), K.mul(x, K.vec(V4, K.f32(scale))), outType));
      }));
      return ctx.launch([B * H * OT], label, params);
    }

    // ---- grad_kv: rows are key rows; walked: query chunks (lse, Δ, mask word per query row
    // computed by the lane that reads the row, then broadcast).
    const posK = ROWS.map((i) => body.let("pos_k", K.cast("i32", rowC[i]!)));
    const kWord = seg ? ROWS.map((i) => body.let("k_word", word(body, posK[i]!))) : null;
    const dk = ROWS.map(() => Array.from({ length: D4 }, () => body.var("dk", zero4)));
    const dv = ROWS.map(() => Array.from({ length: Dv4 }, () => body.var("dv", zero4)));
    cacheOwn(k, D, D4, headDim);
    cacheOwn(v, Dv, Dv4, headDimV);
    const pS = kb.sharedArray("p_rows", V4, own * CK4);
    walkTiles((blk, masked, i0, i1) => blk.for("c0", i0, i1, (cb, c0) => {
      const n = cb.let("n", K.min(K.u32(CK), K.sub(i1, c0)));
      const qs = mine(cb, c0, Lq);
      const lseMine = qs.map((x) => cb.let("lse", f32(ctx.value(cb, out, [bi, h, x, K.u32(Dv)]))));
      const dltMine = qs.map((x) => cb.let("delta", deltaOf(cb, x)));
      const qwMine = seg && masked !== false ? qs.map((x) => cb.let("qw", word(cb, K.add(K.cast("i32", x), K.i32(off))))) : null;
      const s = pairDots(cb, headDim, k, q, D, qs);
      const dp = pairDots(cb, headDimV, v, dO, G, qs);
      const p = ROWS.map(() => [] as Expr[]), ds = ROWS.map(() => [] as Expr[]);
      for (let j = 0; j < CK; j++) {
        const inChunk = cb.let("in_chunk", K.lt(K.u32(j), n));
        const lseJ = cb.let("lse_j", bcast(lseMine, j));
        const dltJ = cb.let("delta_j", bcast(dltMine, j));
        const qw = qwMine ? cb.let("q_word", bcast(qwMine, j)) : null;
        const qPos = K.add(K.cast("i32", K.add(c0, K.u32(j))), K.i32(off));
        for (const i of ROWS) {
          const ok = pairOk(cb, masked, inChunk, () => allowedWords(causal, qw, qPos, kWord ? kWord[i]! : null, posK[i]!));
          const pij = cb.let("p", K.select(ok, K.exp(K.sub(K.mul(s[i]![j]!, K.f32(scale)), lseJ)), K.f32(0)));
          p[i]!.push(pij);
          ds[i]!.push(cb.let("ds", K.mul(pij, K.sub(dp[i]![j]!, dltJ))));
        }
      }
      putWeights(cb, pS, p);
      putWeights(cb, dsS, ds);
      accumulate(cb, c0, Lq, [{ acc: dv, weights: pS, node: dO, stride: G, groups: Dv4 }, { acc: dk, weights: dsS, node: q, stride: D, groups: D4 }]);
    }, CK));
    ROWS.forEach((i) => body.if(K.lt(rows[i]!, K.u32(Lk)), (sb) => {
      const o = sb.let("o", K.mul(K.add(rowBase, rows[i]!), K.u32(D + Dv)));
      dk[i]!.forEach((x, c) => storeGroup(sb, res, o, K.u32(c), K.mul(x, K.vec(V4, K.f32(scale))), outType));
      const ov = sb.let("ov", K.add(o, K.u32(D)));
      dv[i]!.forEach((x, c) => storeGroup(sb, res, ov, K.u32(c), x, outType));
    }));
    return ctx.launch([B * H * OT], label, params);
  }

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

