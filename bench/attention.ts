// attention: Show-o's attention, fused and specialized, against our own unfused path with a
// dense additive mask (what the PyTorch reference does), same device, at four layouts:
//
//   T2I PAD   L = 387 = [pads][t2i][caption 20][eos][soi][256 image tokens][eoi] (text padded to
//             128), batch 2 = the prompt and its classifier-free-guidance twin (no caption), the
//             left padding PAD (pad rows attend among themselves, as in training)
//   T2I DEAD  the same with the padding DEAD, as sampling marks it (nothing reads pad rows: they
//             are not computed at all; the other rows' outputs are identical)
//   MMU       L = 387 = [mmu][soi][256 image tokens][eoi][sot][question 127]: SPAN [0, EOI]
//   512 px    T2I PAD at L = 1,155 (1,024 image tokens)
//
// shapes: q, k, v f32[2, 32, L, 64] (q and k before their per-head LayerNorm), norm weights
//         and biases f32[64], positions i32[L]; out f32[2, 32, L, 64].
//
// ours      the layer traced unfused (LayerNorm over the head dim → partial rotary → attention
//           with segments) and compiled: fuse-qknorm-attention → specialize-masks → a block_lists
//           kernel + one flash kernel (q/k normalized in its prologue, empty tiles skipped,
//           unmasked loop on full tiles).
// baseline  the same layer with the mask as an explicit f32[2, 1, L, L] input (0 or −1e30, built
//           here from mask.ts with the padding PAD), added to q·kᵀ·scale before a softmax:
//           LayerNorm kernels for q and k, a scores matmul with the scale and mask as its
//           epilogue, softmax, matmul.
//
// The split (issue #15 §7), T2I DEAD at L = 387, four sides in rounds (order reversed every round):
//   ours                 as above
//   ours, no skipping    the same flash form with tileSkipping off: the lists are not read, every
//                        key tile is walked through the masked loop (dead rows computed, as zeros)
//   baseline             as above (every row computed, the DEAD padding masked as PAD)
//   baseline, live rows  the same decomposition on the sequence from the first live row on (the
//                        padding both batch rows share dropped as queries and keys; positions kept)
// fusion = baseline / ours-no-skipping (same work), tile skipping = ours-no-skipping / ours, dead
// rows = baseline / baseline-live-rows; ours against the fairer baseline is live rows / ours.
//
// Timed: GPU time of one forward with inputs resident (every launch recorded, one submit, await
// completion), median after warm-up, the two sides alternating. Checked first: ours against the
// baseline on the device (max |difference| relative to max |baseline|), on the rows someone reads
// (DEAD rows are zeros by definition). The last line is T2I DEAD at L = 387 (the sampling layout).

import { attention } from "../compiler/dsl/tensor.ts";
import { trace } from "../compiler/dsl/trace.ts";
import type { Graph } from "../compiler/ir/graph.ts";
import type { Segment } from "../compiler/ir/mask.ts";
import { denseMask, packSegments } from "../compiler/ir/mask.ts";
import { TILE_EMPTY, TILE_FULL, TILE_PARTIAL, blockLists, tileCount } from "../compiler/ir/ops/attention-qknorm.ts";
import type { RefTensor } from "../compiler/ir/ref.ts";
import { tensor } from "../compiler/ir/ref.ts";
import { DEFAULT_TILES } from "../compiler/passes/specialize-masks.ts";
import type { Device } from "../runtime/device.ts";
import { compile } from "../runtime/executable.ts";
import { withFlashOptions } from "../compiler/kernels/builders/flash-attention.ts";
import { describeFlashOptions, flashOptionsFromEnv } from "./flash-options.ts";
import { LaunchRunner } from "./launches.ts";
import type { BenchOptions, Log, ResultLine, Timing } from "./util.ts";
import { describeRatio, describeTiming, hostLoad, maxAbsDiff, median, openBenchGpu, resultLine, roundRatios, timePair, timeRounds, uniformF32 } from "./util.ts";

export const ATTENTION_SHAPE = { batch: 2, heads: 32, head: 64, seq: 387, caption: 20, text: 128, image: 256 } as const;

/** The T2I rows (padding PAD, or DEAD as sampling marks it): the prompt and its unconditional twin (no caption), each [pads][t2i][text][eos][soi][image][eoi]. */
export function t2iRows(s: { seq: number; caption: number; text: number; image: number }, pad: "pad" | "dead" = "pad"): Segment[][] {
  const soi = s.seq - s.image - 2;
  const row = (caption: number): Segment[] => [{ kind: pad, start: 0, end: s.text - caption - 1 }, { kind: "span", start: soi, end: s.seq }];
  return [row(s.caption), row(0)];
}

/** Counts of empty, partial and full tiles of the layout, per (batch row, query tile, key tile). */
export function tileCensus(rows: Segment[][], L: number): { empty: number; partial: number; full: number; total: number } {
  const { tileQ, tileK } = DEFAULT_TILES;
  const QT = tileCount(L, tileQ), KT = tileCount(L, tileK);
  const p = packSegments(rows);
  const lists = blockLists(p.data, rows.length, p.shape[1], { lq: L, lk: L, tileQ, tileK, causal: true, keysFromEnd: true });
  const c = { [TILE_EMPTY]: 0, [TILE_PARTIAL]: 0, [TILE_FULL]: 0 };
  for (let r = 0; r < rows.length * QT; r++) {
    const base = r * (2 * KT + 2);
    c[TILE_PARTIAL] += lists[base]!;
    c[TILE_FULL] += lists[base + KT + 1]!;
  }
  const total = rows.length * QT * KT;
  return { empty: total - c[TILE_PARTIAL] - c[TILE_FULL], partial: c[TILE_PARTIAL], full: c[TILE_FULL], total };
}

export function layerGraph(B: number, H: number, L: number, D: number, denseMaskInput: boolean): Graph {
  const x = { dtype: "f32" as const, shape: [B, H, L, D] }, p = { dtype: "f32" as const, shape: [D] };
  const mask = denseMaskInput ? { mask: { dtype: "f32" as const, shape: [B, 1, L, L] } } : { segments: { dtype: "i32" as const, shape: [B, 2, 3] } };
  return trace(denseMaskInput ? "attention_dense_mask" : "attention_fused", { q: x, k: x, v: x, wq: p, bq: p, wk: p, bk: p, positions: { dtype: "i32", shape: [L] }, ...mask },
    (t) => {
      const qn = t["q"]!.layerNorm(t["wq"]!, t["bq"]!, 1e-5).rotary(t["positions"]!, D / 2, 10000);
      const kn = t["k"]!.layerNorm(t["wk"]!, t["bk"]!, 1e-5).rotary(t["positions"]!, D / 2, 10000);
      if (!denseMaskInput) return { y: attention(qn, kn, t["v"]!, { scale: 1 / Math.sqrt(D), causal: true, segments: t["segments"]! }) };
      const scores = qn.matmul(kn, { transposeB: true }).mul(1 / Math.sqrt(D)).add(t["mask"]!);
      return { y: scores.softmax(-1).matmul(t["v"]!) };
    });
}

/** The MMU rows: [mmu][soi][image][eoi][sot][question], everything up to [EOI] bidirectional. */
export function mmuRows(B: number, image: number): Segment[][] {
  return Array.from({ length: B }, () => [{ kind: "span" as const, start: 0, end: image + 3 }]);
}

export interface Layout {
  readonly name: string;
  readonly L: number;
  readonly rows: Segment[][];
  /** The rows the baseline's dense mask is built from (DEAD → PAD: the reference has no DEAD). */
  readonly denseRows: Segment[][];
}

/** Logs the layout's tile census (tiles per head: empty, partial, full). */
export function logCensus(lay: Layout, log: Log): void {
  const census = tileCensus(lay.rows, lay.L);
  log(`${lay.name} (L ${lay.L}), tiles ${DEFAULT_TILES.tileQ}×${DEFAULT_TILES.tileK}: ${census.total} per head: ${census.empty} empty (skipped, ${((100 * census.empty) / census.total).toFixed(1)}%), ${census.partial} partial (masked loop), ${census.full} full (unmasked loop)`);
}

/**
 * The layer's inputs for a layout (seeded uniform values; `extra` adds more of shape [B, H, L, D]
 * by seed): `fused` with the segments, `dense` with the f32[B, 1, L, L] additive mask built from
 * the dense rows.
 */
export function layoutInputs(lay: Layout, extra: Readonly<Record<string, number>> = {}): { fused: Record<string, RefTensor>; dense: Record<string, RefTensor> } {
  const { batch: B, heads: H, head: D } = ATTENTION_SHAPE;
  const L = lay.L;
  const seg = packSegments(lay.rows, 2);
  const mask = new Float32Array(B * L * L);
  lay.denseRows.forEach((r, b) => denseMask({ causal: true, segments: r }, L, L).forEach((m, i) => (mask[b * L * L + i] = m ? 0 : -1e30)));
  const rand = (shape: number[], seed: number, scale = 1) => tensor("f32", shape, uniformF32(shape.reduce((a, b) => a * b, 1), seed).map((x) => x * scale));
  const common: Record<string, RefTensor> = {
    q: rand([B, H, L, D], 1, 2), k: rand([B, H, L, D], 2, 2), v: rand([B, H, L, D], 3),
    wq: tensor("f32", [D], uniformF32(D, 4).map((x) => 1 + 0.5 * x)), bq: rand([D], 5, 0.1),
    wk: tensor("f32", [D], uniformF32(D, 6).map((x) => 1 + 0.5 * x)), bk: rand([D], 7, 0.1),
    positions: tensor("i32", [L], Array.from({ length: L }, (_, i) => i)),
  };
  for (const [name, seed] of Object.entries(extra)) common[name] = rand([B, H, L, D], seed);
  return { fused: { ...common, segments: tensor("i32", seg.shape, seg.data) }, dense: { ...common, mask: tensor("f32", [B, 1, L, L], mask) } };
}

/**
 * The values of the rows someone reads, from a [B, H, L, D] result: DEAD rows are left out (they
 * are zeros in ours, nothing computed, and pad rows attending among themselves in the baseline).
 */
export function liveRows(lay: Layout, data: ArrayLike<number>): number[] {
  const { batch: B, heads: H, head: D } = ATTENTION_SHAPE;
  const kept: number[] = [];
  for (let b = 0; b < B; b++) {
    const dead = lay.rows[b]!.filter((s) => s.kind === "dead");
    for (let h = 0; h < H; h++) for (let i = 0; i < lay.L; i++) {
      if (dead.some((s) => i >= s.start && i < s.end)) continue;
      const o = ((b * H + h) * lay.L + i) * D;
      for (let c = 0; c < D; c++) kept.push(data[o + c]!);
    }
  }
  return kept;
}

export interface LayoutResult {
  readonly layout: Layout;
  readonly ours: number;
  readonly baseline: number;
}

/**
 * Times ours against the baseline on one layout (alternating; `what` describes each side) and logs
 * both timings, the ratio of medians and the median of the per-pair ratios (each pair ran back to
 * back: steadier when the host's speed drifts during the run).
 */
export async function timeLayout(lay: Layout, ours: LaunchRunner, base: LaunchRunner, what: readonly [string, string], opts: BenchOptions, log: Log): Promise<LayoutResult> {
  const [tOurs, tBase] = await timePair(() => ours.dispatch(), () => base.dispatch(), opts);
  log(`${lay.name}: ours (${what[0]}): ${describeTiming(tOurs)}`);
  log(`${lay.name}: baseline (${what[1]}): ${describeTiming(tBase)}`);
  const paired = median(tOurs.samples.map((t, i) => tBase.samples[i]! / t));
  log(`${lay.name}: ratio ${(tBase.median / tOurs.median).toFixed(2)} (median of per-pair ratios ${paired.toFixed(2)}); ${hostLoad()}`);
  return { layout: lay, ours: tOurs.median, baseline: tBase.median };
}

/** Times one layout: both sides compiled for its L (executables shared across layouts of one L). */
async function runLayout(device: Device, lay: Layout, exes: Map<number, { fused: Awaited<ReturnType<typeof compile>>; dense: Awaited<ReturnType<typeof compile>> }>, opts: BenchOptions, log: Log): Promise<LayoutResult> {
  const { batch: B, heads: H, head: D } = ATTENTION_SHAPE;
  const L = lay.L;
  let pair = exes.get(L);
  if (!pair) {
    pair = { fused: await withFlashOptions(flashOptionsFromEnv(), () => compile(layerGraph(B, H, L, D, false), { target: "wgsl", device })), dense: await compile(layerGraph(B, H, L, D, true), { target: "wgsl", device }) };
    exes.set(L, pair);
    log(`L ${L}: ours: ${pair.fused.compiled.launches.map((l) => l.label).join("; ")}`);
    log(`L ${L}: baseline: ${pair.dense.compiled.launches.map((l) => l.label).join("; ")}`);
  }
  logCensus(lay, log);
  const inputs = layoutInputs(lay);
  const ours = await LaunchRunner.create(pair.fused, inputs.fused, {});
  const base = await LaunchRunner.create(pair.dense, inputs.dense, {});
  try {
    await ours.dispatch();
    await base.dispatch();
    const { err, scale } = maxAbsDiff(liveRows(lay, (await ours.read("y")).data), liveRows(lay, (await base.read("y")).data));
    log(`${lay.name}: check: max |ours − baseline| = ${err.toExponential(2)} (max |baseline| ${scale.toFixed(3)})`);
    if (!(err <= 1e-3 * Math.max(1, scale))) throw new Error(`${lay.name}: fused attention differs from the dense-mask path by ${err}`);
    return await timeLayout(lay, ours, base, [`fused + specialized, ${pair.fused.compiled.launches.length} dispatches`, `unfused, dense additive mask, ${pair.dense.compiled.launches.length} dispatches`], opts, log);
  } finally {
    ours.dispose();
    base.dispose();
  }
}

export async function runAttentionBench(opts: BenchOptions, log: Log = console.log): Promise<ResultLine> {
  const { batch: B, heads: H, head: D, seq: L } = ATTENTION_SHAPE;
  const { device, name: deviceName } = await openBenchGpu();
  log(`device: ${deviceName}; ${hostLoad()}`);
  log(describeFlashOptions(flashOptionsFromEnv()));
  log(`Show-o attention: batch ${B}, ${H} heads, head ${D}, QK-Norm + partial rotary (dim ${D / 2}), f32`);
  const big = { ...ATTENTION_SHAPE, seq: 1155, image: 1024 };
  const pad = t2iRows(ATTENTION_SHAPE, "pad");
  const layouts: Layout[] = [
    { name: "T2I PAD", L, rows: pad, denseRows: pad },
    { name: "MMU", L, rows: mmuRows(B, ATTENTION_SHAPE.image), denseRows: mmuRows(B, ATTENTION_SHAPE.image) },
    ...(opts.quick ? [] : [{ name: "T2I PAD 512 px", L: big.seq, rows: t2iRows(big, "pad"), denseRows: t2iRows(big, "pad") }]),
    { name: "T2I DEAD", L, rows: t2iRows(ATTENTION_SHAPE, "dead"), denseRows: pad },
  ];
  const exes = new Map<number, { fused: Awaited<ReturnType<typeof compile>>; dense: Awaited<ReturnType<typeof compile>> }>();
  try {
    const results: LayoutResult[] = [];
    for (const lay of layouts) results.push(await runLayout(device, lay, exes, opts, log));
    await splitGain(device, layouts[layouts.length - 1]!, exes.get(L)!, opts, log);
    for (const r of results) log(`  ${r.layout.name.padEnd(16)} L ${String(r.layout.L).padStart(5)}: ours ${r.ours.toFixed(0)} ms, baseline ${r.baseline.toFixed(0)} ms, ratio ${(r.baseline / r.ours).toFixed(2)}`);
    const head = results[results.length - 1]!;
    const r: ResultLine = { name: "attention", ratio: head.baseline / head.ours, ours: head.ours, baseline: head.baseline, baselineName: "unfused dense-mask", unit: "ms", device: deviceName };
    log(resultLine(r));
    return r;
  } finally {
    for (const { fused, dense } of exes.values()) {
      fused.dispose();
      dense.dispose();
    }
    device.dispose();
  }
}

/** The rows [from, L) of a [B, H|1, L, D] or [B, 1, L, L] (`square`) tensor, or of positions [L]. */
function sliceRows(t: RefTensor, from: number, square = false): RefTensor {
  if (t.shape.length === 1) return tensor(t.dtype, [t.shape[0]! - from], Array.from(t.data).slice(from));
  const [B, H, L, W] = t.shape as [number, number, number, number];
  const L2 = L - from, W2 = square ? W - from : W;
  const out = new Float32Array(B * H * L2 * W2);
  for (let bh = 0; bh < B * H; bh++) for (let i = 0; i < L2; i++) for (let c = 0; c < W2; c++) out[(bh * L2 + i) * W2 + c] = t.data[(bh * L + i + from) * W + c + (square ? from : 0)]!;
  return tensor(t.dtype, [B, H, L2, W2], out);
}

/**
 * Splits ours' gain over the dense baseline on a layout with DEAD padding into fusion, tile
 * skipping and dead rows (see the header): four sides timed in rounds, each checked first on the
 * rows someone reads.
 */
async function splitGain(device: Device, lay: Layout, pair: { fused: Awaited<ReturnType<typeof compile>>; dense: Awaited<ReturnType<typeof compile>> }, opts: BenchOptions, log: Log): Promise<void> {
  const { batch: B, heads: H, head: D } = ATTENTION_SHAPE;
  const L = lay.L;
  const from = Math.min(...lay.rows.map((r) => Math.min(...r.filter((x) => x.kind === "dead" && x.start === 0).map((x) => x.end))));
  if (!(from > 0 && from < L)) throw new Error(`${lay.name}: no DEAD padding shared by every batch row to drop`);
  const noSkip = await withFlashOptions({ ...flashOptionsFromEnv(), tileSkipping: false }, () => compile(layerGraph(B, H, L, D, false), { target: "wgsl", device }));
  const live = await compile(layerGraph(B, H, L - from, D, true), { target: "wgsl", device });
  log(`split, ${lay.name}: ours without tile skipping: ${noSkip.compiled.launches.map((l) => l.label).join("; ")}`);
  log(`split, ${lay.name}: baseline on rows ${from}…${L - 1} (the padding both batch rows share dropped): ${live.compiled.launches.length} dispatches`);
  const inputs = layoutInputs(lay);
  const liveInputs: Record<string, RefTensor> = {};
  for (const [name, t] of Object.entries(inputs.dense)) liveInputs[name] = name === "mask" ? sliceRows(t, from, true) : name === "positions" || t.shape.length === 4 ? sliceRows(t, from) : t;
  const runners = [
    await LaunchRunner.create(pair.fused, inputs.fused, {}),
    await LaunchRunner.create(noSkip, inputs.fused, {}),
    await LaunchRunner.create(pair.dense, inputs.dense, {}),
    await LaunchRunner.create(live, liveInputs, {}),
  ];
  try {
    for (const r of runners) await r.dispatch();
    const outs = await Promise.all(runners.map(async (r) => (await r.read("y")).data));
    const want = liveRows(lay, outs[2]!);
    // The live baseline's rows are the full rows from `from` on: pad them back to [B, H, L, D] with zeros.
    const padded = new Float32Array(B * H * L * D);
    for (let bh = 0; bh < B * H; bh++) padded.set(outs[3]!.subarray(bh * (L - from) * D, (bh + 1) * (L - from) * D), (bh * L + from) * D);
    for (const [what, got] of [["ours without tile skipping", outs[1]!], ["baseline on live rows", padded]] as const) {
      const { err, scale } = maxAbsDiff(liveRows(lay, got), want);
      log(`split, ${lay.name}: check ${what}: max |diff| = ${err.toExponential(2)} (max |baseline| ${scale.toFixed(3)})`);
      if (!(err <= 1e-3 * Math.max(1, scale))) throw new Error(`${lay.name}: ${what} differs from the baseline by ${err}`);
    }
    const [ours, oursNoSkip, dense, denseLive] = await timeRounds(runners.map((r) => () => r.dispatch()), opts) as [Timing, Timing, Timing, Timing];
    log(`split, ${lay.name}: ours ${describeTiming(ours)}`);
    log(`split, ${lay.name}: ours, no tile skipping ${describeTiming(oursNoSkip)}`);
    log(`split, ${lay.name}: baseline ${describeTiming(dense)}`);
    log(`split, ${lay.name}: baseline, live rows ${describeTiming(denseLive)}`);
    const part = (name: string, a: Timing, b: Timing): void => log(`split, ${lay.name}: ${name} ${describeRatio(a.median / b.median, roundRatios(a, b))}`);
    part("total (baseline / ours)", dense, ours);
    part("fusion (baseline / ours without skipping)", dense, oursNoSkip);
    part("tile skipping (ours without skipping / ours)", oursNoSkip, ours);
    part("dead rows in the baseline (baseline / baseline on live rows)", dense, denseLive);
    part("ours against the live-rows baseline", denseLive, ours);
    log(`split, ${lay.name}: ${hostLoad()}`);
  } finally {
    noSkip.dispose();
    live.dispose();
  }
}
