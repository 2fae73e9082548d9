// flash-plan: which flash-attention kernel form an attention node gets, and its tile sizes. The
// one place that decides; the builders (flash-*.ts) only print the form they are handed.
//
// Forward (attention, attention_qknorm), in order of preference:
//   grouped   subgroup row form, several query tiles per workgroup sharing each normalized K
//             chunk (flash-grouped.ts): with lists, WGSL subgroups of exactly 8 lanes, R = 4
//   sg-rows   subgroup row form, one query tile per workgroup (flash-sg-rows.ts): WGSL with
//             subgroups of ≥ 8 lanes and tiles and Dv/4 multiples of 8
//   blocked   register-blocked score and output tiles (flash-blocked.ts): head dims multiples of
//             4 (and, with QK-Norm, half the rotary dim)
//   rows      one query row per invocation (flash-rows.ts): other head dims up to 128
//   dense     attention only: one workgroup per query row (attention.ts), when nothing else fits
// Backward (attention_grad_q, attention_grad_kv):
//   grad-rows    subgroup row form (flash-grad-rows.ts): WGSL, ≥ 8-lane subgroups, head dims
//                multiples of 32, problems above bigAttention's size
//   grad-single  one owned row per invocation, chunks in workgroup memory (flash-grad-single.ts)
//
// Knobs reach the plan only through FlashOptions (benchmarks and the dev ladder set them; the
// registered builders use DEFAULT_FLASH_OPTIONS). attentionTiles, beside the plan, gives
// specialize-masks the block-list tiles for a target.
//
// shapes: attention        q [B, H, Lq, D], k [B, H, Lk, D], v [B, H, Lk, Dv], segments? [B, S, 3]
//         attention_qknorm  q, k, v, q/k norm weight and bias [D], positions [Lk], segments?, lists?
//         attention_grad_*  q, k, v, out+lse [B, H, Lq, Dv + 1], dO [B, H, Lq, Dv (+ 1)], segments?, lists?

import type { Node } from "../../ir/graph.ts";
import type { OperandsOf } from "../../ir/view.ts";
import { attrsOf, isOp, operandsOf } from "../../ir/view.ts";
import { tileCount } from "../../ir/ops/attention-qknorm.ts";
import { concreteShape } from "../../ir/types.ts";
import type { TargetCaps } from "../target.ts";

/** The knobs of the flash kernels; the defaults are what the ladder (dev/kernels/attention) measured fastest. */
export interface FlashOptions {
  /** "rows" builds the one-row-per-invocation form wherever a flash form fits (for comparisons). */
  readonly form: "auto" | "rows";
  /** Lanes that share K/V rows by subgroup broadcast in the subgroup row forms: 8, 4, or 0 (off). */
  readonly subgroupLanes: 0 | 4 | 8;
  /** Query rows per invocation of the subgroup row forms; "auto": 4 for big problems, else 1. */
  readonly rowsPerInvocation: "auto" | 1 | 2 | 4;
  /** Query tiles per workgroup (grouped form, 1 to 8); "auto": 4 at 4 rows per invocation, else 1. */
  readonly queryTilesPerWorkgroup: "auto" | number;
  /**
   * Walk the block lists: skip empty key tiles and run full ones unmasked (false: the lists are
   * not read, every key is walked through the masked loop; tile sizes stay the lists').
   */
  readonly tileSkipping: boolean;
  /** Backward subgroup row form: "auto" (big problems where it applies), or forced on or off. */
  readonly gradRows: "auto" | boolean;
  /** Owned rows per invocation of the backward row form: 1, 2 or 4. */
  readonly gradRowsPerInvocation: 1 | 2 | 4;
  /** Backward one-row form: accumulators in registers on WGSL too (CUDA always; head ≤ 64). */
  readonly gradUnroll: boolean;
}

export const DEFAULT_FLASH_OPTIONS: FlashOptions = Object.freeze({
  form: "auto",
  subgroupLanes: 8,
  rowsPerInvocation: "auto",
  queryTilesPerWorkgroup: "auto",
  tileSkipping: true,
  gradRows: "auto",
  gradRowsPerInvocation: 4,
  gradUnroll: false,
});

/** Most segment slots a mask word holds (32 bits less the PAD, GLOBAL and DEAD bits). */
export const MAX_SLOTS = 29;

/**
 * Whether an attention problem is big enough for the forms that run fastest on llvmpipe but
 * compile slowest there: the forward's 4 query rows per invocation and the backward's row form.
 * Below this a run takes milliseconds and the one-time compile dominates (tests, small models),
 * so the forms that compile in seconds are chosen; Show-o's layers (T2I at L = 387:
 * 2·32·387²·128 ≈ 1.2G multiply-adds per attention) are far above it. work = B·H·Lq·Lk·(D + Dv).
 */
export const BIG_ATTENTION_WORK = 1 << 26;
export const bigAttention = (B: number, H: number, Lq: number, Lk: number, D: number, Dv: number): boolean => B * H * Lq * Lk * (D + Dv) >= BIG_ATTENTION_WORK;

// ---------------------------------------------------------------------------------------------
// Operands

/**
 * The operands of an attention or attention_qknorm node by their entries' names (operandsOf), with
 * attention_qknorm's LayerNorm parameters and positions grouped as `norm` (absent for attention).
 */
export interface AttentionOperands {
  readonly q: Node;
  readonly k: Node;
  readonly v: Node;
  /** attention_qknorm: the per-head LayerNorm parameters [D] and the rotary positions [Lk]. */
  readonly norm: { readonly qw: Node; readonly qb: Node; readonly kw: Node; readonly kb: Node; readonly positions: Node } | undefined;
  readonly segments: Node | undefined;
  /** attention_qknorm: block_lists [B, QT, 2·KT + 2] (specialize-masks). */
  readonly lists: Node | undefined;
}

export function attentionOperands(node: Node): AttentionOperands {
  if (isOp(node, "attention")) {
    const { q, k, v, segments } = operandsOf(node);
    return { q, k, v, norm: undefined, segments, lists: undefined };
  }
  const o = operandsOf(node, "attention_qknorm");
  return { q: o.q, k: o.k, v: o.v, norm: { qw: o.q_weight, qb: o.q_bias, kw: o.k_weight, kb: o.k_bias, positions: o.positions }, segments: o.segments, lists: o.lists };
}

/**
 * The operands of attention_grad_q and attention_grad_kv (one operand list): q, k, v; out, the
 * forward's packed output [B, H, Lq, Dv + 1] (output, then the row's log-sum-exp); dO [B, H, Lq,
 * Dv], or Dv + 1 wide with the lse cotangent; segments?; lists? (grad_q: the forward lists;
 * grad_kv: the transposed lists [B, KT, 2·QT + 2]).
 */
export type GradOperands = OperandsOf<"attention_grad_q">;

export const gradOperands = (node: Node): GradOperands => operandsOf(node, "attention_grad_q", "attention_grad_kv");

/** Sizes common to the forward and backward problems. */
export interface AttentionDims {
  readonly B: number;
  readonly H: number;
  readonly Lq: number;
  readonly Lk: number;
  readonly D: number;
  readonly Dv: number;
  /** Segment slots (0: no segments). */
  readonly S: number;
}

export function dimsOf(ops: { readonly q: Node; readonly k: Node; readonly v: Node; readonly segments: Node | undefined }): AttentionDims {
  const [B, H, Lq, D] = concreteShape(ops.q.shape) as [number, number, number, number];
  return { B, H, Lq, D, Lk: concreteShape(ops.k.shape)[2]!, Dv: concreteShape(ops.v.shape)[3]!, S: ops.segments ? concreteShape(ops.segments.shape)[1]! : 0 };
}

// ---------------------------------------------------------------------------------------------
// Forward plans

/** One query row per invocation (flash-rows.ts). */
export interface RowsPlan {
  readonly form: "rows";
  /** Query tile (= invocations per workgroup). */
  readonly tq: number;
  /** Keys per chunk in workgroup memory. */
  readonly chunk: number;
}

/** Register-blocked tiles (flash-blocked.ts); the subgroup row forms start from one too. */
export interface BlockedPlan {
  /** Query rows per workgroup (multiple of 4). */
  readonly tq: number;
  /** Keys per chunk (multiple of 4). */
  readonly ck: number;
  /** Keys per score block (4 or 8); each invocation scores 4 rows × kb keys. */
  readonly kb: number;
  /** Invocations per workgroup: (tq/4)·(ck/kb). */
  readonly ni: number;
}

/** Subgroup row form: R query rows per invocation, K/V rows shared among SG lanes (flash-sg-rows.ts, flash-grouped.ts). */
export interface SubgroupRowsPlan {
  /** Query rows per tile and keys per chunk (from the blocked plan the form starts from). */
  readonly tq: number;
  readonly ck: number;
  /** Lanes sharing each K or V vector by broadcast. */
  readonly sg: number;
  /** Query rows per invocation. */
  readonly r: number;
  /** Invocations per query tile: tq/r. */
  readonly ti: number;
}

export type FlashPlan =
  | { readonly form: "dense" }
  | RowsPlan
  | ({ readonly form: "blocked" } & BlockedPlan)
  | ({ readonly form: "sg-rows" } & SubgroupRowsPlan)
  | ({ readonly form: "grouped"; /** Query tiles per workgroup. */ readonly qg: number } & SubgroupRowsPlan);

/** Query tile (= invocations per workgroup) of the row form when no lists fix it. */
export const DEFAULT_TILE_Q = 32;
/** Longest key chunk the row form holds in workgroup memory at once. */
export const MAX_CHUNK = 32;
/** Longest q row / output row a flash invocation keeps (registers or a private array). */
export const MAX_HEAD = 128;

/** Tiles of the row form from the target's caps, or null when it does not fit. */
export function rowsPlan(D: number, Dv: number, tq: number, tk: number, S: number, caps: TargetCaps): RowsPlan | null {
  if (D > MAX_HEAD || Dv > MAX_HEAD || tq > caps.maxInvocationsPerWorkgroup || S > MAX_SLOTS) return null;
  // Per key: its K and V rows, its mask word and one score per query row; plus the rotary
  // frequency table (≤ D/2 floats).
  const fit = Math.floor((caps.maxWorkgroupStorageBytes - 2 * D) / (4 * (D + Dv + 1 + tq)));
  if (fit < 1) return null;
  // A power of two, so a list tile that is one walks in whole chunks.
  let chunk = 1;
  while (chunk * 2 <= Math.min(fit, MAX_CHUNK, tk)) chunk *= 2;
  return { form: "rows", tq, chunk };
}

const TQ_CHOICES = [32, 16, 8, 4];
const CK_CHOICES = [32, 16, 8, 4];
/**
 * Keys per score block where the chunk allows: 4×8 blocks on WGSL (llvmpipe: fewer invocations
 * to switch between at barriers); 4×4 on CUDA, the form checked against ptxas' register budget
 * (no spills at sm_80/sm_90).
 */
const scoreKeys = (caps: TargetCaps): number => (caps.target === "wgsl" ? 8 : 4);

/** Workgroup bytes of a blocked plan (the arrays flash-blocked.ts declares). */
function sharedBytes(tq: number, ck: number, D: number, Dv: number, masked: boolean, rdim: number): number {
  return 4 * (tq * D + ck * D + ck * Dv + tq * ck + 3 * tq + (masked ? tq + ck : 0) + (rdim > 0 ? rdim / 2 + 4 * D : 0));
}

/**
 * Tiles for the blocked kernel from the target's caps, or null when the shapes do not suit it
 * (head dims not multiples of 4, a rotary half not a multiple of 4, too many segment slots).
 * `tq` fixes the query tile (the lists' tile_q); `tk` asks for a chunk that divides it; `lq`
 * (the query rows, without lists) caps the query tile.
 */
export function blockedPlan(D: number, Dv: number, rdim: number, S: number, caps: TargetCaps, tq?: number, tk?: number, lq?: number): BlockedPlan | null {
  if (D % 4 !== 0 || Dv % 4 !== 0 || D === 0 || Dv === 0 || (rdim / 2) % 4 !== 0 || S > MAX_SLOTS) return null;
  if (tq !== undefined && tq % 4 !== 0) return null;
  const cands: BlockedPlan[] = [];
  // Without lists fixing it, no taller a query tile than the rows (decoding has one).
  const rowsUp = lq !== undefined ? Math.max(4, Math.ceil(lq / 4) * 4) : Infinity;
  for (const q of tq !== undefined ? [tq] : TQ_CHOICES.filter((x, i) => x <= rowsUp || i === TQ_CHOICES.length - 1)) {
    for (const c of CK_CHOICES) {
      if (tk !== undefined && tk % c !== 0) continue;
      const kb = c % scoreKeys(caps) === 0 ? scoreKeys(caps) : 4;
      const ni = (q / 4) * (c / kb);
      if (ni > caps.maxInvocationsPerWorkgroup || sharedBytes(q, c, D, Dv, S > 0, rdim) > caps.maxWorkgroupStorageBytes) continue;
      cands.push({ tq: q, ck: c, kb, ni });
    }
  }
  // The largest score tile; among equals, the taller (fewer workgroups re-normalize each K chunk).
  cands.sort((x, y) => y.tq * y.ck - x.tq * x.ck || y.tq - x.tq);
  return cands[0] ?? null;
}

/** The blocked plan of an attention or attention_qknorm node (list tiles fix the query tile). */
function blockedPlanOf(node: Node, ops: AttentionOperands, d: AttentionDims, caps: TargetCaps): BlockedPlan | null {
  const rdim = ops.norm ? attrsOf(node, "attention_qknorm").rotary_dim : 0;
  return ops.lists
    ? blockedPlan(d.D, d.Dv, rdim, d.S, caps, attrsOf(node, "attention_qknorm").tile_q, attrsOf(node, "attention_qknorm").tile_k)
    : blockedPlan(d.D, d.Dv, rdim, d.S, caps, undefined, undefined, d.Lq);
}

/**
 * The subgroup row form on top of a blocked plan, or null: WGSL whose subgroups have at least
 * SG lanes (sharing among 4 lanes was not faster than the blocked form), tiles and Dv/4 multiples
 * of SG. R rows per invocation (4 for big problems: each K or V vector then serves 4 rows; small
 * ones get 1, whose shader compiles in a third of the time). Several query tiles per workgroup
 * only with lists and subgroups of exactly SG lanes (a branch per subgroup around broadcasts).
 */
function subgroupPlan(ops: AttentionOperands, d: AttentionDims, b: BlockedPlan, caps: TargetCaps, o: FlashOptions): FlashPlan | null {
  const SG = o.subgroupLanes > 0 && o.subgroupLanes <= (caps.minSubgroupSize ?? 4) ? o.subgroupLanes : 0;
  if (!(SG > 0 && caps.target === "wgsl" && caps.subgroups && b.tq % SG === 0 && b.ck % SG === 0 && (d.Dv / 4) % SG === 0)) return null;
  const rWant = o.rowsPerInvocation !== "auto" ? o.rowsPerInvocation : bigAttention(d.B, d.H, d.Lq, d.Lk, d.D, d.Dv) ? 4 : 1;
  const r = Math.min(rWant, b.tq / SG);
  if (!(r === 1 || r === 2 || r === 4)) throw new Error(`flash attention: ${r} rows per invocation; expected 1, 2 or 4`);
  const ti = b.tq / r;
  const qgWant = o.queryTilesPerWorkgroup !== "auto" ? o.queryTilesPerWorkgroup : r === 4 ? 4 : 1;
  if (!(Number.isInteger(qgWant) && qgWant >= 1 && qgWant <= 8)) throw new Error(`flash attention: ${qgWant} query tiles per workgroup; expected an integer from 1 to 8`);
  const exactSg = caps.minSubgroupSize === SG && caps.maxSubgroupSize === SG;
  const QT = tileCount(d.Lq, b.tq);
  const qg = ops.lists && o.tileSkipping && exactSg ? Math.max(1, Math.min(qgWant, QT, Math.floor(caps.maxInvocationsPerWorkgroup / ti))) : 1;
  const base = { tq: b.tq, ck: b.ck, sg: SG, r, ti };
  return qg > 1 ? { form: "grouped", ...base, qg } : { form: "sg-rows", ...base };
}

/** The forward form of an attention or attention_qknorm node for a target. */
export function planFlash(node: Node, caps: TargetCaps, o: FlashOptions = DEFAULT_FLASH_OPTIONS): FlashPlan {
  const ops = attentionOperands(node);
  const d = dimsOf(ops);
  if (o.form === "auto") {
    const b = blockedPlanOf(node, ops, d, caps);
    if (b) return subgroupPlan(ops, d, b, caps, o) ?? { form: "blocked", ...b };
  }
  const tq = ops.lists ? attrsOf(node, "attention_qknorm").tile_q : Math.min(DEFAULT_TILE_Q, Math.max(1, d.Lq));
  const tk = ops.lists ? attrsOf(node, "attention_qknorm").tile_k : MAX_CHUNK;
  const rows = rowsPlan(d.D, d.Dv, tq, tk, d.S, caps);
  if (rows) return rows;
  if (node.op === "attention") return { form: "dense" };
  throw new Error(`flash attention: head dims ${d.D}/${d.Dv}, tile ${tq}×${tk} and ${d.S} segment slots do not fit ${caps.maxWorkgroupStorageBytes} bytes of workgroup memory and ${caps.maxInvocationsPerWorkgroup} invocations`);
}

// ---------------------------------------------------------------------------------------------
// Backward plans

/** Rows per backward workgroup when no lists fix the tile. */
const GRAD_DEFAULT_TILE = 32;
/** Longest chunk of keys (grad_q) or queries (grad_kv) a backward kernel walks at once. */
const GRAD_MAX_CHUNK = 32;
/** Longest head kept in registers by the one-row backward (one variable per element). */
const GRAD_UNROLL_HEAD = 64;
/** Backward row form: lanes that share the walked axis' vectors by subgroupBroadcast. */
export const GRAD_SG = 8;

interface GradTiles {
  /** The tiles of the lists (or the list-free tiles): query rows, keys. */
  readonly tq: number;
  readonly tk: number;
  /** Rows of the owned axis per workgroup (tq for grad_q, tk for grad_kv). */
  readonly own: number;
}

export type GradPlan =
  /** Subgroup row form (flash-grad-rows.ts): r owned rows per invocation, ni invocations, walked chunks of ck. */
  | ({ readonly form: "grad-rows"; readonly r: number; readonly ni: number; readonly ck: number } & GradTiles)
  /** One owned row per invocation (flash-grad-single.ts): walked chunks of ch in workgroup memory; rows of w floats. */
  | ({ readonly form: "grad-single"; readonly ch: number; readonly unroll: boolean; readonly w: 1 | 4 } & GradTiles);

/** Largest power of two ≤ min(limit, GRAD_MAX_CHUNK) whose staging fits beside `fixed` bytes, or 0. */
function chunkFor(caps: TargetCaps, fixedBytes: number, bytesPerRow: number, limit: number): number {
  let c = 0;
  for (let x = 1; x <= Math.min(GRAD_MAX_CHUNK, Math.max(1, limit)); x *= 2) if (fixedBytes + x * bytesPerRow <= caps.maxWorkgroupStorageBytes) c = x;
  return c;
}

/** The backward form of an attention_grad_q or attention_grad_kv node for a target. */
export function planFlashGrad(node: Node, caps: TargetCaps, o: FlashOptions = DEFAULT_FLASH_OPTIONS): GradPlan {
  const forQ = node.op === "attention_grad_q";
  const ops = gradOperands(node);
  const { B, H, Lq, Lk, D, Dv, S } = dimsOf(ops);
  const a = attrsOf(node, "attention_grad_q", "attention_grad_kv");
  if (D > MAX_HEAD || Dv > MAX_HEAD) throw new Error(`${node.op}: head dims ${D}/${Dv} above ${MAX_HEAD} are not implemented by the flash backward`);
  if (S > MAX_SLOTS) throw new Error(`${node.op}: ${S} segment slots exceed the ${MAX_SLOTS} a mask word holds`);
  const lists = ops.lists;
  // Row form: WGSL whose subgroups have ≥ SG lanes, head dims multiples of 4·SG, an owned tile of
  // a multiple of SG rows, and a problem big enough to pay for its compile (bigAttention).
  const listOwn = lists ? (forQ ? a.tile_q : a.tile_k) : 0;
  const wantRows = o.gradRows === "auto" ? bigAttention(B, H, Lq, Lk, D, Dv) : o.gradRows;
  const rowForm = wantRows && caps.target === "wgsl" && caps.subgroups && (caps.minSubgroupSize ?? 0) >= GRAD_SG && D % (4 * GRAD_SG) === 0 && Dv % (4 * GRAD_SG) === 0 && (!lists || listOwn % GRAD_SG === 0);
  // Rows per workgroup (the owned axis) and the tile of the walked axis. The row form rounds a
  // list-free owned tile up to a multiple of SG rows (rows past the end are never stored).
  const freeTile = (n: number, owned: boolean): number => (rowForm && owned ? Math.min(GRAD_DEFAULT_TILE, Math.ceil(Math.max(1, n) / GRAD_SG) * GRAD_SG) : Math.min(GRAD_DEFAULT_TILE, Math.max(1, n)));
  const tq = lists ? a.tile_q : freeTile(Lq, forQ);
  const tk = lists ? a.tile_k : freeTile(Lk, !forQ);
  const own = forQ ? tq : tk;
  // Row form: R owned rows per invocation (up to the option), NI = own/R invocations (a multiple
  // of SG); the walked axis in chunks of CK rows (a multiple of SG, at most 32).
  let r = 1;
  for (let x = 1; x <= o.gradRowsPerInvocation; x++) if ((own / GRAD_SG) % x === 0) r = x;
  const ni = rowForm ? own / r : own;
  if (ni > caps.maxInvocationsPerWorkgroup) throw new Error(`${node.op}: a tile of ${own} rows exceeds ${caps.maxInvocationsPerWorkgroup} invocations per workgroup`);
  if (rowForm) {
    const walkedLen = lists ? (forQ ? tk : tq) : forQ ? Lk : Lq;
    return { form: "grad-rows", tq, tk, own, r, ni, ck: Math.min(GRAD_MAX_CHUNK, Math.ceil(Math.max(1, walkedLen) / GRAD_SG) * GRAD_SG) };
  }
  // Registers (unrolled) on CUDA, where ptxas keeps them without spills at head 64. WGSL gets
  // private arrays: LLVM in llvmpipe compiles the unrolled form many times slower than the
  // rolled one, which runs nearly as fast there (dev/kernels/attention/README.md).
  const unroll = (caps.target === "cuda" || o.gradUnroll) && D <= GRAD_UNROLL_HEAD && Dv <= GRAD_UNROLL_HEAD;
  // Rows are groups of W floats: vec4 when both head dims allow (4× fewer loads and FMAs).
  const w = D % 4 === 0 && Dv % 4 === 0 ? 4 : 1;
  // Workgroup memory: grad_q: own q and dO rows + chunks of (K, V, word); grad_kv: own k and v
  // rows + chunks of (q, dO, lse, Δ, word). Own rows are padded by one group (no bank conflicts).
  const masked4 = ops.segments ? 4 : 0;
  const fixed = 4 * w * own * (D / w + 1 + Dv / w + 1);
  const perRow = forQ ? 4 * (D + Dv) + masked4 : 4 * (D + Dv + 2) + masked4;
  const ch = chunkFor(caps, fixed, perRow, lists ? (forQ ? tk : tq) : GRAD_MAX_CHUNK);
  if (ch === 0) throw new Error(`${node.op}: tile ${own} with head dims ${D}/${Dv} does not fit ${caps.maxWorkgroupStorageBytes} bytes of workgroup memory`);
  return { form: "grad-single", tq, tk, own, ch, unroll, w };
}

// ---------------------------------------------------------------------------------------------
// Block-list tiles

/** The tiles of an attention layout's block lists (attention_qknorm and its backward ops). */
export interface AttentionTiles {
  readonly tileQ: number;
  readonly tileK: number;
}

/** Tiles for targets not known (a graph specialized without caps), and for shapes the blocked kernel does not suit. */
export const DEFAULT_ATTENTION_TILES: AttentionTiles = Object.freeze({ tileQ: 32, tileK: 32 });

/**
 * The block-list tiles for a target: the largest square tile t×t (t ≤ 32) for which the blocked
 * flash kernel's plan (blockedPlan, query tile fixed to t) holds a whole key tile in one chunk,
 * and t rows fit one workgroup. So tile_q is the kernel's workgroup rows and tile_k a multiple of
 * its chunk (one chunk; a rotary table may shrink the chunk to a divisor); the row kernel and
 * the backward kernels pick their chunks among the divisors of such a tile. Square, so the
 * backward's workgroups (tile_q rows for grad_q, tile_k for grad_kv) stay small where memory is:
 * at head 64, 16×16 with WebGPU's default 16 KiB, 32×32 with 32 KiB or more (llvmpipe, CUDA).
 * The rotary table is left out, so the forward and backward ops of one layer get the same tiles
 * (and share the forward's lists).
 * shapes: D, Dv head dims of q/k and v; S segment slots.
 */
export function attentionTiles(caps: TargetCaps, D: number, Dv: number, S: number): AttentionTiles {
  if (blockedPlan(D, Dv, 0, S, caps) === null) return DEFAULT_ATTENTION_TILES;
  for (const t of [32, 16, 8, 4]) {
    if (t > caps.maxInvocationsPerWorkgroup) continue;
    const plan = blockedPlan(D, Dv, 0, S, caps, t, t);
    if (plan !== null && plan.ck === t) return { tileQ: t, tileK: t };
  }
  return DEFAULT_ATTENTION_TILES;
}
