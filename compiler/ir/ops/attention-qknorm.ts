// Show-o's attention with QK-Norm, as one op, and the tile lists its kernel walks.
//
//   attention_qknorm(q, k, v, q_weight, q_bias, k_weight, k_bias, positions, [segments], [lists])
//     shapes: q [B, H, Lq, D], k [B, H, Lk, D], v [B, H, Lk, Dv], weights and biases [D] (shared by
//             heads), positions i32 [Lk] (query row i uses positions[Lk − Lq + i]), segments
//             i32 [B, S, 3], lists i32 [B, ⌈Lq/tile_q⌉, 2·⌈Lk/tile_k⌉ + 2] → out [B, H, Lq, Dv]
//     = attention(rotary(layer_norm(q)), rotary(layer_norm(k)), v, segments)
//   q and k arrive before their per-head LayerNorm, so a kernel can normalize and rotate them as
//   it loads each tile (architecture.md principle 9). `lists` (from block_lists) only tells a
//   kernel which key tiles to visit and which need the per-element mask; it never changes the value.
//
//   block_lists(segments) {lq, lk, tile_q, tile_k, causal, transpose, keys_from_end}
//     shapes: segments i32 [B, S, 3] → i32 [B, QT, 2·KT + 2] (QT = ⌈lq/tile_q⌉, KT = ⌈lk/tile_k⌉)
//     Query tile qt is rows [qt·tile_q, (qt+1)·tile_q) ∩ [0, lq). Key tile kt is keys
//     [kt·tile_k, (kt+1)·tile_k) ∩ [0, lk), or with keys_from_end shifted back by
//     o = (−lk) mod tile_k so that the last tile ends at lk and the ragged one comes first:
//     Show-o's T2I keys start with dead padding and end with the image block, so the ragged
//     tile falls in the padding (L = 387: 9 key tiles per image row instead of 10).
//     row (b, qt) = [nP, partial kt ×KT, nF, full kt ×KT]: the key tiles of query tile qt whose
//     pairs are partly allowed (masked loop) and all allowed (unmasked loop), ascending, unused
//     entries 0; tiles with nothing allowed appear in neither. With `transpose` the roles swap:
//     [B, KT, 2·QT + 2] lists the query tiles of each key tile (for a backward pass).
//   The classification reads only the segments (mask.ts structure), never an L×L matrix: each
//   tile is cut at the segment boundaries that cross it into O(S) row × O(S) column intervals
//   with constant pad/span/global membership, and each piece is all, none or (causal diagonal)
//   mixed. Cost O(S³) per tile, independent of the tile size and of L.

import { apply, input } from "../build.ts";
import type { Attrs, Node } from "../graph.ts";
import type { AttrValues, OpExample } from "../op.ts";
import { defineOp, getOp } from "../op.ts";
import type { RowMask, Segment } from "../mask.ts";
import { packSegments, unpackRow } from "../mask.ts";
import type { RefTensor } from "../ref.ts";
import { tensor } from "../ref.ts";
import type { Dim, Shape } from "../types.ts";
import { dimEq, formatShape, isFloat } from "../types.ts";
import { topoSort } from "../graph.ts";
// backprop.ts imports the op table too; it is only called inside the VJP, after every module has loaded.
import { backprop } from "../backprop.ts";
import { attentionGrads, packedShape } from "./attention.ts";
import { ex, sameDType } from "./util.ts";

// ---------------------------------------------------------------------------------------------
// Tile classification (host side; the block_lists kernel mirrors it statement for statement)

export const TILE_EMPTY = 0;
export const TILE_PARTIAL = 1;
export const TILE_FULL = 2;
export type TileClass = typeof TILE_EMPTY | typeof TILE_PARTIAL | typeof TILE_FULL;

/** The first segment boundary strictly inside (x, hi), else hi. */
function nextCut(row: RowMask, x: number, hi: number): number {
  let e = hi;
  for (const s of row.segments) {
    if (s.start > x && s.start < e) e = s.start;
    if (s.end > x && s.end < e) e = s.end;
  }
  return e;
}

const inside = (s: Segment, p: number) => p >= s.start && p < s.end;

/**
 * Class of the tile rows [r0, r1) × columns [c0, c1) (absolute positions, both non-empty) under
 * mask.ts allowed(): every pair allowed (full), none (empty), or some (partial).
 */
export function classifyTile(row: RowMask, r0: number, r1: number, c0: number, c1: number): TileClass {
  let all = true, none = true;
  for (let ra = r0; ra < r1;) {
    const rb = nextCut(row, ra, r1);
    const padI = row.segments.some((s) => s.kind === "pad" && inside(s, ra));
    const deadI = row.segments.some((s) => s.kind === "dead" && inside(s, ra));
    for (let ca = c0; ca < c1;) {
      const cb = nextCut(row, ca, c1);
      // Membership is constant on [ra, rb) × [ca, cb): evaluate it at the corner.
      let padJ = false, deadJ = false, glob = false, span = false;
      for (const s of row.segments) {
        if (s.kind === "pad") padJ ||= inside(s, ca);
        else if (s.kind === "dead") deadJ ||= inside(s, ca);
        else if (s.kind === "global") glob ||= inside(s, ca);
        else span ||= inside(s, ra) && inside(s, ca);
      }
      if (deadI || deadJ || (padJ && !padI)) all = false; // dead rows or columns, hidden padding: no pair
      else if (!row.causal || span || glob) none = false; // every pair
      else if (cb - 1 <= ra) none = false; // causal, wholly on or below the diagonal
      else if (ca > rb - 1) all = false; // causal, wholly above
      else all = none = false; // the diagonal crosses this piece
      ca = cb;
    }
    ra = rb;
  }
  return all ? TILE_FULL : none ? TILE_EMPTY : TILE_PARTIAL;
}

export interface BlockListAttrs {
  readonly lq: number;
  readonly lk: number;
  readonly tileQ: number;
  readonly tileK: number;
  readonly causal: boolean;
  readonly transpose?: boolean;
  /** Key tiles laid from the last key back (see the header). */
  readonly keysFromEnd?: boolean;
}

export const tileCount = (l: number, t: number): number => Math.max(1, Math.ceil(l / t));

/** How far key tile kt starts before kt·tile: (−lk) mod tile with keys_from_end, else 0. */
export const keyTileOrigin = (lk: number, tile: number, fromEnd: boolean): number => (fromEnd ? (tile - (lk % tile)) % tile : 0);

/** block_lists on the host: segments data [B, S, 3] → Int32Array [B, QT, 2·KT + 2] (or transposed). */
export function blockLists(segments: ArrayLike<number>, B: number, S: number, a: BlockListAttrs): Int32Array {
  const QT = tileCount(a.lq, a.tileQ), KT = tileCount(a.lk, a.tileK);
  const [outer, inner] = a.transpose ? [KT, QT] : [QT, KT];
  const W = 2 * inner + 2;
  const out = new Int32Array(B * outer * W);
  const off = a.lk - a.lq;
  const ko = keyTileOrigin(a.lk, a.tileK, a.keysFromEnd === true);
  for (let b = 0; b < B; b++) {
    const row: RowMask = S > 0 ? unpackRow(segments, S, b, a.causal) : { causal: a.causal, segments: [] };
    for (let o = 0; o < outer; o++) {
      const base = (b * outer + o) * W;
      let nP = 0, nF = 0;
      for (let x = 0; x < inner; x++) {
        const [qt, kt] = a.transpose ? [x, o] : [o, x];
        const r0 = qt * a.tileQ, r1 = Math.min(a.lq, r0 + a.tileQ);
        const c0 = Math.max(0, kt * a.tileK - ko), c1 = Math.min(a.lk, (kt + 1) * a.tileK - ko);
        const cls = r1 > r0 && c1 > c0 ? classifyTile(row, off + r0, off + r1, c0, c1) : TILE_EMPTY;
        if (cls === TILE_PARTIAL) out[base + 1 + nP++] = x;
        else if (cls === TILE_FULL) out[base + inner + 2 + nF++] = x;
      }
      out[base] = nP;
      out[base + inner + 1] = nF;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// block_lists

const BLOCK_LISTS_ATTRS = {
  lq: { kind: "int", doc: "query length" },
  lk: { kind: "int", doc: "key length (query row i sits at position lk − lq + i)" },
  tile_q: { kind: "int", doc: "query rows per tile" },
  tile_k: { kind: "int", doc: "keys per tile" },
  causal: { kind: "bool" },
  transpose: { kind: "bool", default: false, doc: "list query tiles per key tile (backward) instead" },
  keys_from_end: { kind: "bool", default: false, doc: "key tiles laid from the last key back: the ragged tile first" },
} as const;

function listAttrs(a: AttrValues<typeof BLOCK_LISTS_ATTRS>): BlockListAttrs {
  return { lq: a.lq, lk: a.lk, tileQ: a.tile_q, tileK: a.tile_k, causal: a.causal, transpose: a.transpose, keysFromEnd: a.keys_from_end };
}

/** Shape of block_lists' result. */
export function listShape(B: Dim, a: BlockListAttrs): Shape {
  const QT = tileCount(a.lq, a.tileQ), KT = tileCount(a.lk, a.tileK);
  return a.transpose ? [B, KT, 2 * QT + 2] : [B, QT, 2 * KT + 2];
}

function segmentsInput(rows: readonly (readonly Segment[])[]) {
  const { shape, data } = packSegments(rows);
  return ex("i32", shape, { kind: "values", values: Array.from(data) });
}

const T2I_ROWS: Segment[][] = [
  [{ kind: "pad", start: 0, end: 3 }, { kind: "span", start: 9, end: 21 }],
  [{ kind: "pad", start: 0, end: 6 }, { kind: "span", start: 9, end: 21 }],
];

export const blockListsOp = defineOp({
  name: "block_lists",
  family: "index",
  arity: 1,
  operands: ["segments"],
  attrs: BLOCK_LISTS_ATTRS,
  doc: "Per query tile, the key tiles an attention must visit with the mask (partial) and without it (full), from the segments; [nP, P…, nF, F…] rows.",
  dtype: ([s]) => {
    if (s !== "i32") throw new Error(`segments must be i32, got ${s}`);
    return "i32";
  },
  shape: ([s], a) => {
    if (s!.length !== 3 || !dimEq(s![2]!, 3)) throw new Error(`segments must be [B, S, 3]; got ${formatShape(s!)}`);
    for (const k of ["lq", "lk", "tile_q", "tile_k"] as const) if (!(Number.isInteger(a[k]) && a[k] >= 1)) throw new Error(`${k} must be a positive integer, got ${String(a[k])}`);
    return listShape(s![0]!, listAttrs(a));
  },
  reference: ([s], a, out) => tensor(out.dtype, out.shape, blockLists(s!.data, s!.shape[0]!, s!.shape[1]!, listAttrs(a))),
  vjp: () => [null],
  differentiable: false,
  examples: () => [
    { note: "T2I rows, ragged tiles", inputs: [segmentsInput(T2I_ROWS)], attrs: { lq: 23, lk: 23, tile_q: 4, tile_k: 5, causal: true } },
    { note: "transposed (key tile → query tiles)", inputs: [segmentsInput(T2I_ROWS)], attrs: { lq: 23, lk: 23, tile_q: 4, tile_k: 5, causal: true, transpose: true } },
    {
      note: "MMU span + GLOBAL, decode rows (Lq < Lk)",
      inputs: [segmentsInput([[{ kind: "span", start: 0, end: 7 }, { kind: "global", start: 10, end: 12 }], [{ kind: "span", start: 0, end: 4 }]])],
      attrs: { lq: 6, lk: 17, tile_q: 2, tile_k: 4, causal: true },
    },
    { note: "non-causal with padding", inputs: [segmentsInput([[{ kind: "pad", start: 0, end: 5 }]])], attrs: { lq: 13, lk: 13, tile_q: 4, tile_k: 4, causal: false } },
    { note: "key tiles from the end (T2I rows)", inputs: [segmentsInput(T2I_ROWS)], attrs: { lq: 23, lk: 23, tile_q: 4, tile_k: 5, causal: true, keys_from_end: true } },
  ],
});

// ---------------------------------------------------------------------------------------------
// attention_qknorm

const QKNORM_ATTRS = {
  scale: { kind: "float", doc: "multiplies q·kᵀ after normalization and rotation" },
  causal: { kind: "bool" },
  eps: { kind: "float", default: 1e-5, doc: "of both LayerNorms" },
  rotary_dim: { kind: "int", doc: "even, ≤ D: the leading dims that rotate" },
  base: { kind: "float", default: 10000 },
  tile_q: { kind: "int", default: 32, doc: "query tile of the lists input" },
  tile_k: { kind: "int", default: 32, doc: "key tile of the lists input" },
  keys_from_end: { kind: "bool", default: false, doc: "the lists' key tiles are laid from the last key back (block_lists{keys_from_end})" },
  lse: { kind: "bool", default: false, doc: "append each row's log-sum-exp as column Dv, as attention{lse}" },
} as const;
type QknormAttrs = AttrValues<typeof QKNORM_ATTRS>;

/** The query rows' positions: the last Lq of the keys' positions [Lk]. */
function queryPositions(pos: Node, lq: Dim, lk: Dim): Node {
  if (dimEq(lq, lk)) return pos;
  if (typeof lq !== "number" || typeof lk !== "number") throw new Error(`attention_qknorm needs Lq and Lk known when they differ (Lq=${lq}, Lk=${lk})`);
  return apply("slice", [pos], { axis: 0, start: lk - lq, end: lk });
}

/** rotary(layer_norm(q)) and rotary(layer_norm(k)): the q and k the attention sees. */
function normalizedQK(inputs: readonly Node[], a: QknormAttrs): [Node, Node] {
  const [q, k, , qw, qb, kw, kb, pos] = inputs as [Node, Node, Node, Node, Node, Node, Node, Node];
  const rot = { rotary_dim: a.rotary_dim, base: a.base };
  const eps = a.eps;
  const qn = apply("rotary", [apply("layer_norm", [q, qw, qb], { eps }), queryPositions(pos, q.shape[2]!, k.shape[2]!)], rot);
  const kn = apply("rotary", [apply("layer_norm", [k, kw, kb], { eps }), pos], rot);
  return [qn, kn];
}

/** The unfused computation: attention(rotary(layer_norm(q)), rotary(layer_norm(k)), v, segments). */
function decompose(inputs: readonly Node[], a: QknormAttrs): Node {
  const [qn, kn] = normalizedQK(inputs, a);
  const v = inputs[2]!, seg = inputs[8];
  return apply("attention", seg ? [qn, kn, v, seg] : [qn, kn, v], { scale: a.scale, causal: a.causal, lse: a.lse });
}

/** `root` with the leaves in `map` replaced (nodes are immutable: the path above them is rebuilt). */
function substitute(root: Node, map: ReadonlyMap<Node, Node>): Node {
  const done = new Map<Node, Node>(map);
  for (const n of topoSort([root])) {
    if (done.has(n)) continue;
    const ins = n.inputs.map((i) => done.get(i) ?? i);
    done.set(n, ins.every((x, i) => x === n.inputs[i]) ? n : apply(n.op, ins, n.attrs, n.loc));
  }
  return done.get(root)!;
}

function checkShapes(sh: readonly Shape[], a: QknormAttrs): Shape {
  const [q, k, v, qw, qb, kw, kb, pos, seg, lists] = sh as (Shape | undefined)[];
  const fmt = sh.map((s) => formatShape(s)).join(", ");
  if (q!.length !== 4 || k!.length !== 4 || v!.length !== 4) throw new Error(`q, k, v must be [B, H, L, D]; got ${fmt}`);
  const same = (x: Dim, y: Dim, what: string) => {
    if (!dimEq(x, y)) throw new Error(`${what} differ (${x} vs ${y}) in ${fmt}`);
  };
  same(q![0]!, k![0]!, "batch sizes of q and k");
  same(q![1]!, k![1]!, "head counts of q and k");
  same(q![3]!, k![3]!, "head dims of q and k");
  same(k![0]!, v![0]!, "batch sizes of k and v");
  same(k![1]!, v![1]!, "head counts of k and v");
  same(k![2]!, v![2]!, "key lengths of k and v");
  const D = q![3]!;
  if (typeof D !== "number") throw new Error(`the head dim ${D} must be concrete`);
  const rd = a.rotary_dim;
  if (!(rd >= 2 && rd % 2 === 0 && rd <= D)) throw new Error(`rotary_dim must be even with 2 ≤ rotary_dim ≤ ${D}, got ${rd}`);
  for (const [name, s] of [["q_weight", qw], ["q_bias", qb], ["k_weight", kw], ["k_bias", kb]] as const) {
    if (s!.length !== 1 || !dimEq(s![0]!, D)) throw new Error(`${name} must be [${D}] (the head dim), got ${formatShape(s!)}`);
  }
  if (typeof q![2] === "number" && typeof k![2] === "number" && q![2] > k![2]) throw new Error(`Lq (${q![2]}) must not exceed Lk (${k![2]}): queries are the last rows of the keys`);
  if (pos!.length !== 1 || !dimEq(pos![0]!, k![2]!)) throw new Error(`positions must be [${k![2]}] (the key length), got ${formatShape(pos!)}`);
  if (seg && (seg.length !== 3 || !dimEq(seg[2]!, 3) || !dimEq(seg[0]!, q![0]!))) throw new Error(`segments must be [${q![0]}, S, 3]; got ${formatShape(seg)}`);
  if (lists) {
    const [lq, lk] = [q![2]!, k![2]!];
    if (typeof lq === "number" && typeof lk === "number") {
      const want = listShape(q![0]!, { lq, lk, tileQ: a.tile_q, tileK: a.tile_k, causal: a.causal });
      if (lists.length !== 3 || !want.every((d, i) => dimEq(d, lists[i]!))) throw new Error(`lists must be ${formatShape(want)} for tiles ${a.tile_q}×${a.tile_k}, got ${formatShape(lists)}`);
    }
  }
  return [q![0]!, q![1]!, q![2]!, v![3]!];
}

function examples(): OpExample[] {
  const qkv = (B: number, H: number, lq: number, lk: number, D: number) => [ex("f32", [B, H, lq, D], { kind: "normal", scale: 2 }), ex("f32", [B, H, lk, D]), ex("f32", [B, H, lk, D])];
  const affine = (D: number) => [ex("f32", [D], { kind: "uniform", lo: 0.5, hi: 1.5 }), ex("f32", [D], { kind: "normal", scale: 0.1 })];
  const pos = (L: number, hi = 64) => ex("i32", [L], { kind: "int", lo: 0, hi });
  const s = (d: number) => 1 / Math.sqrt(d);
  const rows: Segment[][] = [[{ kind: "pad", start: 0, end: 2 }, { kind: "span", start: 4, end: 9 }], [{ kind: "pad", start: 0, end: 3 }, { kind: "span", start: 5, end: 9 }]];
  const seg = segmentsInput(rows);
  const lists = blockLists(packSegments(rows).data, 2, 2, { lq: 9, lk: 9, tileQ: 4, tileK: 3, causal: true });
  return [
    { note: "LM: causal, full rotary", inputs: [...qkv(1, 2, 5, 5, 4), ...affine(4), ...affine(4), pos(5)], attrs: { scale: s(4), causal: true, rotary_dim: 4 } },
    { note: "T2I layout, partial rotary", inputs: [...qkv(2, 2, 9, 9, 8), ...affine(8), ...affine(8), pos(9), seg], attrs: { scale: s(8), causal: true, rotary_dim: 4, eps: 1e-5 } },
    {
      note: "T2I layout with block lists (tiles 4×3)",
      inputs: [...qkv(2, 2, 9, 9, 8), ...affine(8), ...affine(8), pos(9), seg, ex("i32", [2, 3, 8], { kind: "values", values: Array.from(lists) })],
      attrs: { scale: s(8), causal: true, rotary_dim: 4, tile_q: 4, tile_k: 3 },
    },
    { note: "decode: 2 queries over 6 keys, small base", inputs: [...qkv(1, 1, 2, 6, 6), ...affine(6), ...affine(6), pos(6, 30)], attrs: { scale: s(6), causal: true, rotary_dim: 2, base: 500 } },
    { note: "lse: T2I layout, partial rotary", inputs: [...qkv(2, 2, 9, 9, 8), ...affine(8), ...affine(8), pos(9), seg], attrs: { scale: s(8), causal: true, rotary_dim: 4, lse: true } },
  ];
}

export const attentionQknormOp = defineOp({
  name: "attention_qknorm",
  family: "composite",
  arity: [8, 10],
  operands: ["q", "k", "v", "q_weight", "q_bias", "k_weight", "k_bias", "positions", "segments?", "lists?"],
  attrs: QKNORM_ATTRS,
  doc: "attention(rotary(layer_norm(q)), rotary(layer_norm(k)), v, segments) with per-head LayerNorm weights [D]; positions [Lk]; optional block lists; with lse, [.., Dv + 1] as attention{lse}.",
  dtype: (d) => {
    const t = sameDType(d.slice(0, 7));
    if (!isFloat(t)) throw new Error(`q, k, v and the norm parameters need a float dtype, got ${t}`);
    for (let i = 7; i < d.length; i++) if (d[i] !== "i32") throw new Error(`input ${i} (positions, segments, lists) must be i32, got ${d[i]}`);
    return t;
  },
  shape: (sh, a) => (a.lse ? packedShape(checkShapes(sh, a)) : checkShapes(sh, a)),

  // layer_norm, rotary and attention's own references, one after the other.
  reference: (ins, a, out) => {
    const [q, k, v, qw, qb, kw, kb, pos, seg] = ins as [RefTensor, RefTensor, RefTensor, RefTensor, RefTensor, RefTensor, RefTensor, RefTensor, RefTensor | undefined];
    const run = (op: string, xs: RefTensor[], attrs: Attrs, like: RefTensor) => getOp(op).reference(xs, attrs, { dtype: like.dtype, shape: like.shape });
    const lq = q.shape[2]!, lk = k.shape[2]!;
    const qpos = tensor("i32", [lq], pos.data.subarray(lk - lq));
    const rot = { rotary_dim: a.rotary_dim, base: a.base };
    const qn = run("rotary", [run("layer_norm", [q, qw, qb], { eps: a.eps }, q), qpos], rot, q);
    const kn = run("rotary", [run("layer_norm", [k, kw, kb], { eps: a.eps }, k), pos], rot, k);
    return getOp("attention").reference(seg ? [qn, kn, v, seg] : [qn, kn, v], { scale: a.scale, causal: a.causal, lse: a.lse }, out);
  },

  // The attention's gradients with respect to the normalized, rotated q and k come from the flash
  // backward ops (attention-grad.ts) on the packed attention_qknorm{lse} (which share-attention-lse
  // makes the forward's own node); they then flow through the LayerNorm and rotary VJPs, built by
  // backprop (../backprop.ts, the autodiff pass's walk) on placeholders (so the walk never leaves
  // this op) and put on the real inputs. The backward recomputes the normalized q and k; v's
  // gradient needs no chain.
  vjp: ({ inputs, out, grad, attrs }) => {
    const packed = attrs.lse ? out : apply("attention_qknorm", inputs, { ...attrs, lse: true });
    const [qn, kn] = normalizedQK(inputs, attrs);
    const [dqn, dkn, dv] = attentionGrads(qn, kn, inputs[2]!, packed, grad, inputs[8], attrs);
    const holders = inputs.map((x, i) => input(`attention_qknorm.arg${i}`, x.dtype, x.shape));
    const [qh, kh] = normalizedQK(holders, attrs);
    const gq = input("attention_qknorm.grad_q", dqn.dtype, dqn.shape), gk = input("attention_qknorm.grad_k", dkn.dtype, dkn.shape);
    const map = new Map<Node, Node>(holders.map((h, i) => [h, inputs[i]!]));
    map.set(gq, dqn);
    map.set(gk, dkn);
    const put = (x: Node | null) => (x ? substitute(x, map) : null);
    const [dq, dqw, dqb] = backprop(qh, gq, [holders[0]!, holders[3]!, holders[4]!]).map(put);
    const [dk, dkw, dkb] = backprop(kh, gk, [holders[1]!, holders[5]!, holders[6]!]).map(put);
    return [dq ?? null, dk ?? null, dv, dqw ?? null, dqb ?? null, dkw ?? null, dkb ?? null, ...inputs.slice(7).map(() => null)];
  },
  differentiable: true,
  decompose,
  examples,
});
