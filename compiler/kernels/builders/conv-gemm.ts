// Implicit-GEMM forms of conv2d and its two gradients: the patch matrix (im2col) is never
// materialized; each invocation gathers the input values its tile needs as it goes, and the
// weight (or gradient) values that every invocation of a workgroup needs are loaded once per
// subgroup and shared by broadcast, as the matmul shares rows of a (builders/matmul.ts).
//
// shapes: conv2d             x [N, C, H, W], w [O, C, kh, kw] → y [N, O, Ho, Wo]
//         conv2d_grad_input  g [N, O, Ho, Wo], w [O, C, kh, kw] → dx [N, C, H, W]
//         conv2d_grad_weight x [N, C, H, W], g [N, O, Ho, Wo] → dw [O, C, kh, kw]
//
// Why this shape of tile: on llvmpipe (dev/kernels/conv/probe-loads.ts) a storage load costs the
// same per float whether its address is divergent, workgroup-uniform or a constant, and whether it
// is a vec4 or four scalars; a subgroup broadcast costs a fraction of that. So the kernels count
// floats loaded per invocation per multiply-add, and share whatever is uniform.
//
// Pixel tiles (conv2d; conv2d_grad_input, as stride-1 correlations of g, see below): a GEMM with
// rows = output channels and columns = output pixels. An invocation owns a strip of `strip`
// consecutive output pixels of one row and `channels` output channels; a workgroup's invocations
// all own the same channels, so for each (input channel, kernel row) the channels × taps weights
// are loaded once per subgroup — lane l (mod the guaranteed subgroup size) loads a few — and
// broadcast. Each invocation loads the input row segment under its strip once: (strip − 1)·stride
// + kw floats serve strip·kw taps (6 for 12 at stride 1, 3×3), the implicit GEMM's "column reuse".
// Padding is a bounds check per loaded value (the address clamped in, the value selected to 0).
//
// conv2d_grad_input: dx[n, c, h, w] = Σ_{o, i, j} g[n, o, ho, wo] · w[o, c, i, j] over the taps
// with h = ho·sh − top + i. Split dx's pixels into the sh × sw classes (h mod sh, w mod sw): in
// class (ph, pw) the taps that reach a pixel are the same for all of its pixels (i ≡ ph + top
// mod sh), and ho = (ph + top − i)/sh + h' for h = ph + sh·h'. So each class is a stride-1
// correlation of g with a sub-kernel, stored at a stride into dx: one launch per class (one in
// all for stride 1), never a multiply by a tap that cannot land.
//
// Weight tiles (conv2d_grad_weight): a GEMM with rows = O, columns = (c, i, j), K = the N·Ho·Wo
// output pixels. An invocation owns one (c, i) pair — kw taps — and `channels` output channels;
// the workgroup shares the channels, so each strip of g (channels × strip pixels) is loaded once
// per subgroup and broadcast, and each invocation loads the x row segment under the strip.
// The K loop is long (N·Ho·Wo/strip trips) and the grid small (C·kh/16 × O/channels
// workgroups of 16): right for llvmpipe's few threads, too little parallelism for a large GPU
// (CUDA's lowering keeps the direct form; a GPU wants K split across workgroups).
//
// Where subgroups are missing, every invocation loads the shared values itself (same results).
// Operands are read as raw contiguous memory (the partition guarantees a reshape chain over a
// materialized tensor), indexed with the operand's own shape.

import type { Node } from "../../ir/graph.ts";
import { concreteShape, formatType } from "../../ir/types.ts";
import type { AttrsOf } from "../../ir/view.ts";
import { attrsOf } from "../../ir/view.ts";
import type { FusionGroup, Partition } from "../fuse-elementwise.ts";
import type { Block } from "../build-kernel.ts";
import * as K from "../build-kernel.ts";
import type { Launch, TensorAccess } from "../emit.ts";
import { KernelContext, iadd, imul } from "../emit.ts";
import type { Expr, Type } from "../kernel-ir.ts";
import { vectorOf } from "../kernel-ir.ts";
import type { TargetCaps } from "../target.ts";

/** Knobs of the implicit-GEMM forms; the defaults are what dev/kernels/conv/ladder.ts measured fastest. */
export interface ConvGemmOptions {
  /** Output pixels per invocation along a row (conv2d, dx), or pixels per K step (dw). */
  readonly strip: number;
  /** Output channels per invocation (and per workgroup). */
  readonly channels: number;
  /** Share the workgroup-uniform operand among subgroup lanes by broadcast (where subgroups exist). */
  readonly share: boolean;
  /** Invocations per workgroup. */
  readonly workgroup: number;
  /** Accumulate with fma() rather than a · b + c. */
  readonly fma: boolean;
}

export const DEFAULT_CONV_GEMM_OPTIONS: ConvGemmOptions = Object.freeze({ strip: 4, channels: 8, share: true, workgroup: 64, fma: false });
/** conv2d_grad_weight's grid is small (C·kh/workgroup × O/channels), so its workgroups are too: more of them to share among threads. */
export const DEFAULT_GRAD_WEIGHT_OPTIONS: ConvGemmOptions = Object.freeze({ ...DEFAULT_CONV_GEMM_OPTIONS, workgroup: 16 });
/**
 * Pixel tiles of a one-column kernel (1×1): a weight serves only the strip's pixels, not kw taps
 * of each, so twice the channels keep the multiply-adds per loaded float up (4 input and 2 weight
 * floats per 64, against 4 and 1 per 32).
 */
export const ONE_COLUMN_PIXEL_OPTIONS: ConvGemmOptions = Object.freeze({ ...DEFAULT_CONV_GEMM_OPTIONS, channels: 16 });
const pixelDefaults = (kw: number): ConvGemmOptions => (kw === 1 ? ONE_COLUMN_PIXEL_OPTIONS : DEFAULT_CONV_GEMM_OPTIONS);

const f32 = (e: Expr): Expr => (e.type === "f32" ? e : K.cast("f32", e));
/** i32 → u32 reinterpretation: negative values become huge, so one `< n` tests 0 ≤ v < n. */
const asU32 = (e: Expr): Expr => K.bitcast("u32", e);
/** v (u32 or i32) + k as i32, k a constant that may be negative. */
function plusI32(v: Expr, k: number): Expr {
  const e = v.type === "i32" ? v : K.cast("i32", v);
  return k === 0 ? e : k > 0 ? K.add(e, K.i32(k)) : K.sub(e, K.i32(-k));
}
const idivC = (a: Expr, n: number): Expr => (n === 1 ? a : K.div(a, K.u32(n)));
const imodC = (a: Expr, n: number): Expr => (n === 1 ? K.u32(0) : K.rem(a, K.u32(n)));

/** Lanes that split a shared load: the fewest a subgroup may have (WebGPU guarantees 4). */
function shareLanes(caps: TargetCaps, opts: ConvGemmOptions): number {
  return opts.share && caps.subgroups ? (caps.minSubgroupSize ?? 4) : 0;
}

/**
 * `count` values that every invocation of the workgroup needs. With S > 0 sharing lanes, lane l
 * loads values l, l + S, ... (`loadMine(q)` is its q-th, q < ⌈count / S⌉) and every value comes
 * from its loader by broadcast, in uniform control flow; with S = 0 each invocation loads them
 * all (`loadValue(e)`).
 */
function sharedValues(b: Block, name: string, count: number, S: number, loadMine: (q: number) => Expr, loadValue: (e: number) => Expr): Expr[] {
  if (S === 0) return Array.from({ length: count }, (_, e) => b.let(`${name}${e}`, loadValue(e)));
  const mine = Array.from({ length: Math.ceil(count / S) }, (_, q) => b.let(`${name}m${q}`, loadMine(q)));
  return Array.from({ length: count }, (_, e) => b.let(`${name}${e}`, K.subgroupBroadcast(mine[Math.floor(e / S)]!, e % S)));
}

/** This lane's value indices in a shared load of `count` values: (lane mod S) + S·q, clamped. */
function lanePart(b: Block, name: string, count: number, S: number): Expr[] {
  if (S === 0 || count === 0) return [];
  const lane = b.let(`${name}lane`, K.rem(K.subgroupInvocationId(), K.u32(S)));
  return Array.from({ length: Math.ceil(count / S) }, (_, q) => b.let(`${name}e${q}`, K.min(iadd(lane, S * q), K.u32(count - 1))));
}

/** Accumulators: `rows` × `channels` f32 as vectors of up to 4 channels. */
function accumulators(b: Block, rows: number, channels: number): { acc: Expr[][]; lanes: number[] } {
  const lanes = Array.from({ length: Math.ceil(channels / 4) }, (_, g) => Math.min(4, channels - 4 * g));
  const vt = (n: number): Type => vectorOf("f32", n as 1 | 2 | 3 | 4);
  const acc = Array.from({ length: rows }, (_, t) => lanes.map((n, g) => b.var(`acc${t}_${g}`, vt(n))));
  return { acc, lanes };
}

/** acc[g] += x · (w[4g], ..., w[4g + n − 1]) for every channel group g. */
function accumulate(b: Block, acc: readonly Expr[], lanes: readonly number[], x: Expr, w: readonly Expr[], fma: boolean): void {
  lanes.forEach((n, g) => {
    const vt = vectorOf("f32", n as 2 | 3 | 4) as `vec${2 | 3 | 4}<f32>`;
    const parts = w.slice(4 * g, 4 * g + n);
    const v = n === 1 ? parts[0]! : K.vec(vt, ...parts);
    b.assign(acc[g]!, fma ? K.fma(n === 1 ? x : K.vec(vt, x), v, acc[g]!) : K.add(acc[g]!, K.mul(x, v)));
  });
}

/** Channel `j` of an accumulator row. */
function accLane(acc: readonly Expr[], lanes: readonly number[], j: number): Expr {
  const a = acc[j >> 2]!;
  return lanes[j >> 2] === 1 ? a : K.lane(a, (j & 3) as 0 | 1 | 2 | 3);
}

// ---------------------------------------------------------------------------------------------
// Pixel tiles: conv2d, and each pixel class of conv2d_grad_input

/** One spatial axis of a pixel-tile problem. Output index k of the tile's grid is stored at
 *  out0 + outStep·k of the output tensor and reads input positions inStep·k + tap.off. */
interface PixelAxis {
  readonly extent: number;
  readonly out0: number;
  readonly outStep: number;
  readonly inStep: number;
  /** The kernel taps that land, in order: input offset and weight index along this axis. */
  readonly taps: readonly { readonly off: number; readonly w: number }[];
}

export interface PixelProblem {
  readonly name: string;
  readonly doc: readonly string[];
  readonly label: string;
  /** [N, Cin, Hi, Wi]: x for conv2d, g for conv2d_grad_input. */
  readonly input: Node;
  readonly weight: Node;
  /** [N, Cout, Hf, Wf]. */
  readonly out: Node;
  readonly rows: PixelAxis;
  readonly cols: PixelAxis;
  /** Flat weight index = co·co + ci·ci + (tap row w)·kw + (tap column w). */
  readonly wStride: { readonly co: number; readonly ci: number; readonly kw: number };
}

export function buildPixelTiles(p: PixelProblem, caps: TargetCaps, part: Partition, opts: ConvGemmOptions = DEFAULT_CONV_GEMM_OPTIONS): Launch {
  const [N, Cin, Hi, Wi] = concreteShape(p.input.shape) as [number, number, number, number];
  const [, Cout, Hf, Wf] = concreteShape(p.out.shape) as [number, number, number, number];
  const { rows, cols } = p;
  const A = rows.extent, B = cols.extent;
  const Pl = Math.max(1, Math.min(opts.strip, B)), perRow = Math.ceil(B / Pl);
  const strips = N * A * perRow;
  const Ot = Math.min(opts.channels, Cout), blocksO = Math.ceil(Cout / Ot);
  const WG = opts.workgroup, tiles = Math.ceil(strips / WG);
  const S = shareLanes(caps, opts);
  // Input columns the strip reads, relative to its first pixel's column (b0·inStep).
  const colSet = [...new Set(Array.from({ length: Pl }, (_, t) => cols.taps.map((c) => t * cols.inStep + c.off)).flat())].sort((a, b) => a - b);
  const colAt = new Map(colSet.map((u, k) => [u, k]));
  const nct = cols.taps.length;
  const doc = [
    ...p.doc,
    `implicit GEMM: ${Cout} channels × ${N * A * B} pixels × ${Cin}·${rows.taps.length}·${nct} taps; per invocation ${Pl} pixels of a row × ${Ot} channels;`,
    `${colSet.length} input values per kernel row serve ${Pl * nct} taps; weights ${S ? `shared by broadcast among ${S} lanes` : "loaded by every invocation"}`,
  ].join("\n");
  const ctx = new KernelContext(p.name, doc, [WG], caps, part);
  const b = ctx.body;
  const x: TensorAccess = ctx.tensor(p.input, "read"), w = ctx.tensor(p.weight, "read");

  // Workgroup w: channel block fastest (neighbouring workgroups read the same input rows).
  const wg = b.let("w", K.linearWorkgroupId());
  const o0 = b.let("o0", imul(imodC(wg, blocksO), Ot));
  const s = b.let("s", iadd(imul(idivC(wg, blocksO), WG), K.builtin("local_invocation_id", 0)));
  // Invocations past the last strip compute a copy of it (the broadcasts need every lane) and store nothing.
  const valid = strips % WG === 0 ? null : b.let("valid", K.lt(s, K.u32(strips)));
  const sc = valid ? b.let("sc", K.min(s, K.u32(strips - 1))) : s;
  const n = b.let("n", idivC(sc, A * perRow));
  const a = b.let("a", imodC(idivC(sc, perRow), A));
  const b0 = b.let("b0", imul(imodC(sc, perRow), Pl));

  // Per kernel row: the input row's offset (clamped) and whether it is inside; per input column likewise.
  const HW = Hi * Wi;
  const nBase = b.let("nb", imul(n, Cin * HW));
  const rowIn = rows.taps.map((r, k) => {
    const h = b.let(`h${k}`, asU32(plusI32(imul(a, rows.inStep), r.off)));
    return { ok: b.let(`hok${k}`, K.lt(h, K.u32(Hi))), base: b.let(`hb${k}`, iadd(nBase, imul(K.min(h, K.u32(Hi - 1)), Wi))) };
  });
  const colIn = colSet.map((u, k) => {
    const c = b.let(`c${k}`, asU32(plusI32(imul(b0, cols.inStep), u)));
    return { ok: b.let(`cok${k}`, K.lt(c, K.u32(Wi))), at: b.let(`ca${k}`, K.min(c, K.u32(Wi - 1))) };
  });

  // Weights: value e = oo·nct + jj is w[o0 + oo, ci, row tap, column tap jj].
  const E = Ot * nct;
  const mine = lanePart(b, "w", E, S);
  const wcol = (jj: Expr | number): Expr => {
    if (typeof jj === "number") return K.u32(cols.taps[jj]!.w);
    const step = nct > 1 ? cols.taps[1]!.w - cols.taps[0]!.w : 0;
    if (!cols.taps.every((t, k) => t.w === cols.taps[0]!.w + k * step)) throw new Error("internal: column taps must be an arithmetic sequence");
    return step >= 0 ? iadd(imul(jj, step), cols.taps[0]!.w) : K.sub(K.u32(cols.taps[0]!.w), imul(jj, -step));
  };
  const wBase = (e: Expr | number): Expr => {
    const oo = typeof e === "number" ? K.u32(Math.floor(e / nct)) : idivC(e, nct);
    const jj = typeof e === "number" ? e % nct : imodC(e, nct);
    return iadd(imul(K.min(iadd(o0, oo), K.u32(Cout - 1)), p.wStride.co), wcol(jj));
  };
  const laneBase = mine.map((e, q) => b.let(`wb${q}`, wBase(e)));

  const { acc, lanes } = accumulators(b, Pl, Ot);
  // A dx class that no tap reaches (a kernel smaller than the stride) stores zeros.
  const reached = E > 0 && rows.taps.length > 0;
  if (reached) b.for("ci", K.u32(0), ctx.kb.param("in_channels", "u32"), (bc, ci) => {
    const xc = bc.let("xc", imul(ci, HW));
    const wc = bc.let("wc", imul(ci, p.wStride.ci));
    rows.taps.forEach((r, k) => {
      const rowBase = bc.let("xr", iadd(rowIn[k]!.base, xc));
      const xs = colIn.map((c) => bc.let("xv", K.select(K.and(rowIn[k]!.ok, c.ok), f32(ctx.load(x, iadd(rowBase, c.at))), K.f32(0))));
      const wr = iadd(wc, r.w * p.wStride.kw);
      const wv = sharedValues(bc, "wv", E, S, (q) => f32(ctx.load(w, iadd(laneBase[q]!, wr))), (e) => f32(ctx.load(w, iadd(wBase(e), wr))));
      cols.taps.forEach((c, jj) => {
        const ws = Array.from({ length: Ot }, (_, oo) => wv[oo * nct + jj]!);
        for (let t = 0; t < Pl; t++) accumulate(bc, acc[t]!, lanes, xs[colAt.get(t * cols.inStep + c.off)!]!, ws, opts.fma);
      });
    });
  });

  // out[n, co, out0 + outStep·a, out0 + outStep·(b0 + t)].
  const out = ctx.tensor(p.out, "read_write");
  const outType = ctx.typeOf(p.out);
  const rowOut = b.let("yr", iadd(imul(n, Cout * Hf * Wf), imul(iadd(imul(a, rows.outStep), rows.out0), Wf)));
  for (let t = 0; t < Pl; t++) {
    const bt = iadd(b0, t);
    const at = b.let("yp", iadd(rowOut, iadd(imul(bt, cols.outStep), cols.out0)));
    for (let oo = 0; oo < Ot; oo++) {
      const co = iadd(o0, oo);
      const cond: Expr[] = valid ? [valid] : [];
      if (B % Pl !== 0 && t > 0) cond.push(K.lt(bt, K.u32(B)));
      if (Cout % Ot !== 0 && oo > 0) cond.push(K.lt(co, K.u32(Cout)));
      const st = (blk: Block) => ctx.store(blk, out, iadd(at, imul(co, Hf * Wf)), K.cast(outType, accLane(acc[t]!, lanes, oo)));
      if (cond.length) b.if(cond.reduce((l, r) => K.and(l, r)), st);
      else st(b);
    }
  }
  return ctx.launch([Math.max(1, tiles * blocksO)], p.label, reached ? { in_channels: Cin } : {});
}

// ---------------------------------------------------------------------------------------------
// The three ops as pixel or weight tiles

interface ConvGeometry {
  readonly n: number; readonly c: number; readonly h: number; readonly w: number;
  readonly o: number; readonly kh: number; readonly kw: number; readonly ho: number; readonly wo: number;
  readonly sh: number; readonly sw: number; readonly top: number; readonly left: number;
}

/** The attributes of a conv2d, conv2d_grad_input or conv2d_grad_weight node (stride, padding, ...). */
export const convAttrs = (n: Node): AttrsOf<"conv2d" | "conv2d_grad_input" | "conv2d_grad_weight"> => attrsOf(n, "conv2d", "conv2d_grad_input", "conv2d_grad_weight");

function geometry(x: readonly number[], wShape: readonly number[], y: readonly number[], attrs: { readonly stride: readonly number[]; readonly padding: readonly number[] }): ConvGeometry {
  const { stride, padding } = attrs;
  return {
    n: x[0]!, c: x[1]!, h: x[2]!, w: x[3]!, o: wShape[0]!, kh: wShape[2]!, kw: wShape[3]!, ho: y[2]!, wo: y[3]!,
    sh: stride[0]!, sw: stride[1]!, top: padding[0]!, left: padding[2]!,
  };
}

export function buildConv2dGemm(group: FusionGroup, caps: TargetCaps, part: Partition, options?: ConvGemmOptions): Launch {
  const root = group.root;
  if (group.producer !== undefined || root.op !== "conv2d") throw new Error(`internal: conv2d builder got ${root}`);
  const [xn, wn] = root.inputs as [Node, Node];
  const d = geometry(concreteShape(xn.shape), concreteShape(wn.shape), concreteShape(root.shape), convAttrs(root));
  const opts = options ?? pixelDefaults(d.kw);
  const taps = (k: number, pad: number) => Array.from({ length: k }, (_, i) => ({ off: i - pad, w: i }));
  return buildPixelTiles({
    name: "conv2d_gemm",
    doc: [`conv2d: x ${formatType(xn.dtype, xn.shape)} ⋆ w ${formatType(wn.dtype, wn.shape)} → ${formatType(root.dtype, root.shape)}, stride [${d.sh}, ${d.sw}], padding [${convAttrs(root).padding.join(", ")}]`],
    label: `conv2d ${formatType(root.dtype, root.shape)}`,
    input: xn, weight: wn, out: root,
    rows: { extent: d.ho, out0: 0, outStep: 1, inStep: d.sh, taps: taps(d.kh, d.top) },
    cols: { extent: d.wo, out0: 0, outStep: 1, inStep: d.sw, taps: taps(d.kw, d.left) },
    wStride: { co: d.c * d.kh * d.kw, ci: d.kh * d.kw, kw: d.kw },
  }, caps, part, opts);
}

/** dx, one launch per pixel class (h mod sh, w mod sw) that holds pixels (see the header). */
export function buildConv2dGradInputGemm(group: FusionGroup, caps: TargetCaps, part: Partition, options?: ConvGemmOptions): Launch[] {
  const root = group.root;
  if (group.producer !== undefined || root.op !== "conv2d_grad_input") throw new Error(`internal: conv2d_grad_input builder got ${root}`);
  const [gn, wn] = root.inputs as [Node, Node];
  const d = geometry(concreteShape(root.shape), concreteShape(wn.shape), concreteShape(gn.shape), convAttrs(root));
  const opts = options ?? pixelDefaults(d.kw);
  // Along one axis, class p (positions p + s·k, k < extent) is reached by taps i ≡ p + pad (mod s),
  // reading g at k + (p + pad − i)/s.
  const axis = (size: number, k: number, s: number, pad: number, p: number): PixelAxis => ({
    extent: Math.ceil((size - p) / s), out0: p, outStep: s, inStep: 1,
    taps: Array.from({ length: k }, (_, i) => i).filter((i) => (((p + pad - i) % s) + s) % s === 0).map((i) => ({ off: (p + pad - i) / s, w: i })),
  });
  const launches: Launch[] = [];
  for (let ph = 0; ph < Math.min(d.sh, d.h); ph++) {
    for (let pw = 0; pw < Math.min(d.sw, d.w); pw++) {
      const cls = d.sh * d.sw > 1 ? `, pixel class (${ph}, ${pw}) of ${d.sh}×${d.sw}` : "";
      launches.push(buildPixelTiles({
        name: "conv2d_grad_input_gemm",
        doc: [`conv2d_grad_input: g ${formatType(gn.dtype, gn.shape)}, w ${formatType(wn.dtype, wn.shape)} → dx ${formatType(root.dtype, root.shape)}, stride [${d.sh}, ${d.sw}], padding [${convAttrs(root).padding.join(", ")}]${cls}`],
        label: `conv2d_grad_input ${formatType(root.dtype, root.shape)}${cls}`,
        input: gn, weight: wn, out: root,
        rows: axis(d.h, d.kh, d.sh, d.top, ph),
        cols: axis(d.w, d.kw, d.sw, d.left, pw),
        wStride: { co: d.kh * d.kw, ci: d.c * d.kh * d.kw, kw: d.kw },
      }, caps, part, opts));
    }
  }
  return launches;
}

// ---------------------------------------------------------------------------------------------
// Weight tiles: conv2d_grad_weight

export function buildConv2dGradWeightGemm(group: FusionGroup, caps: TargetCaps, part: Partition, opts: ConvGemmOptions = DEFAULT_GRAD_WEIGHT_OPTIONS): Launch {
  const root = group.root;
  if (group.producer !== undefined || root.op !== "conv2d_grad_weight") throw new Error(`internal: conv2d_grad_weight builder got ${root}`);
  const [xn, gn] = root.inputs as [Node, Node];
  const d = geometry(concreteShape(xn.shape), concreteShape(root.shape), concreteShape(gn.shape), convAttrs(root));
  const Pk = Math.max(1, Math.min(opts.strip, d.wo)), perRow = Math.ceil(d.wo / Pk);
  const L = d.c * d.kh; // (c, i) pairs, one per invocation
  const WG = Math.min(opts.workgroup, Math.max(8, 8 * Math.ceil(L / 8)));
  const Ot = Math.min(opts.channels, d.o), blocksO = Math.ceil(d.o / Ot);
  const tiles = Math.ceil(L / WG);
  const S = shareLanes(caps, opts);
  const colSet = [...new Set(Array.from({ length: Pk }, (_, t) => Array.from({ length: d.kw }, (_, j) => t * d.sw + j)).flat())].sort((a, b) => a - b);
  const colAt = new Map(colSet.map((u, k) => [u, k]));
  const doc = [
    `conv2d_grad_weight: x ${formatType(xn.dtype, xn.shape)}, g ${formatType(gn.dtype, gn.shape)} → dw ${formatType(root.dtype, root.shape)}, stride [${d.sh}, ${d.sw}], padding [${convAttrs(root).padding.join(", ")}]`,
    `implicit GEMM: ${d.o} channels × ${d.c}·${d.kh}·${d.kw} taps × ${d.n * d.ho * d.wo} pixels; per invocation one (c, i) pair's ${d.kw} taps × ${Ot} channels, K in strips of ${Pk} pixels;`,
    `g ${S ? `shared by broadcast among ${S} lanes` : "loaded by every invocation"}`,
  ].join("\n");
  const ctx = new KernelContext("conv2d_grad_weight_gemm", doc, [WG], caps, part);
  const b = ctx.body;
  const x = ctx.tensor(xn, "read"), g = ctx.tensor(gn, "read");

  const wg = b.let("w", K.linearWorkgroupId());
  const o0 = b.let("o0", imul(imodC(wg, blocksO), Ot));
  const l = b.let("l", iadd(imul(idivC(wg, blocksO), WG), K.builtin("local_invocation_id", 0)));
  const valid = L % WG === 0 ? null : b.let("valid", K.lt(l, K.u32(L)));
  const lc = valid ? b.let("lc", K.min(l, K.u32(L - 1))) : l;
  const ci = b.let("ci", idivC(lc, d.kh));
  const ti = b.let("ti", imodC(lc, d.kh));
  const HW = d.h * d.w, HoWo = d.ho * d.wo;
  const xLane = b.let("xl", imul(ci, HW));
  const rowOff = b.let("ro", plusI32(ti, -d.top)); // x row = ho·sh + ro

  // g values of a strip: e = oo·Pk + t is g[n, o0 + oo, ho, b0 + t] (0 past the row's end).
  const E = Ot * Pk;
  const mine = lanePart(b, "g", E, S);
  const gOff = (e: Expr | number): Expr => imul(K.min(iadd(o0, typeof e === "number" ? K.u32(Math.floor(e / Pk)) : idivC(e, Pk)), K.u32(d.o - 1)), HoWo);
  const gT = (e: Expr | number): Expr => (typeof e === "number" ? K.u32(e % Pk) : imodC(e, Pk));
  const laneOff = mine.map((e, q) => b.let(`go${q}`, gOff(e)));
  const laneT = mine.map((e, q) => b.let(`gt${q}`, gT(e)));

  const { acc, lanes } = accumulators(b, d.kw, Ot);
  b.for("n", K.u32(0), ctx.kb.param("batch", "u32"), (bn, n) => {
    const xn0 = bn.let("xn", iadd(imul(n, d.c * HW), xLane));
    const gn0 = bn.let("gn", imul(n, d.o * HoWo));
    bn.for("ho", K.u32(0), ctx.kb.param("out_h", "u32"), (bh, ho) => {
      const h = bh.let("h", asU32(K.add(K.cast("i32", imul(ho, d.sh)), rowOff)));
      const hok = bh.let("hok", K.lt(h, K.u32(d.h)));
      const xr = bh.let("xr", iadd(xn0, imul(K.min(h, K.u32(d.h - 1)), d.w)));
      const gr = bh.let("gr", iadd(gn0, imul(ho, d.wo)));
      bh.for("bs", K.u32(0), ctx.kb.param("strips", "u32"), (bs, sIdx) => {
        const b0 = bs.let("b0", imul(sIdx, Pk));
        const xs = colSet.map((u) => {
          const c = bs.let("c", asU32(plusI32(imul(b0, d.sw), u - d.left)));
          return bs.let("xv", K.select(K.and(hok, K.lt(c, K.u32(d.w))), f32(ctx.load(x, iadd(xr, K.min(c, K.u32(d.w - 1))))), K.f32(0)));
        });
        // g[n, o, ho, b0 + t], 0 past the row's end (those pixels do not exist).
        const gAt = (off: Expr, t: Expr): Expr => {
          const col = iadd(b0, t);
          if (d.wo % Pk === 0) return f32(ctx.load(g, iadd(iadd(gr, off), col)));
          return K.select(K.lt(col, K.u32(d.wo)), f32(ctx.load(g, iadd(iadd(gr, off), K.min(col, K.u32(d.wo - 1))))), K.f32(0));
        };
        const gv = sharedValues(bs, "gv", E, S, (q) => gAt(laneOff[q]!, laneT[q]!), (e) => gAt(gOff(e), gT(e)));
        for (let j = 0; j < d.kw; j++) {
          for (let t = 0; t < Pk; t++) {
            accumulate(bs, acc[j]!, lanes, xs[colAt.get(t * d.sw + j)!]!, Array.from({ length: Ot }, (_, oo) => gv[oo * Pk + t]!), opts.fma);
          }
        }
      });
    });
  });

  // dw[o0 + oo, c, i, j] = o·C·kh·kw + (c·kh + i)·kw + j = o·C·kh·kw + lc·kw + j.
  const out = ctx.tensor(root, "read_write");
  const outType = ctx.typeOf(root);
  const base = b.let("dwb", imul(lc, d.kw));
  for (let j = 0; j < d.kw; j++) {
    for (let oo = 0; oo < Ot; oo++) {
      const co = iadd(o0, oo);
      const cond: Expr[] = valid ? [valid] : [];
      if (d.o % Ot !== 0 && oo > 0) cond.push(K.lt(co, K.u32(d.o)));
      const st = (blk: Block) => ctx.store(blk, out, iadd(iadd(base, j), imul(co, d.c * d.kh * d.kw)), K.cast(outType, accLane(acc[j]!, lanes, oo)));
      if (cond.length) b.if(cond.reduce((l2, r) => K.and(l2, r)), st);
      else st(b);
    }
  }
  return ctx.launch([Math.max(1, tiles * blocksO)], `conv2d_grad_weight ${formatType(root.dtype, root.shape)}`, { batch: d.n, out_h: d.ho, strips: perRow });
}
