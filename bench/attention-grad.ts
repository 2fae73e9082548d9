// attention-grad: the backward of Show-o's attention layer (gradients of q, k and v for a given
// upstream gradient dy), fused flash kernels against the autodiff of the dense-mask layer, same
// device, at the T2I layouts of bench attention (batch 2, 32 heads, head 64, L = 387):
//
//   T2I PAD   the left padding PAD (pad rows attend among themselves, as in training)
//   T2I DEAD  the padding DEAD: nothing reads pad rows, so their gradients are zero by definition
//
// shapes: q, k, v, dy f32[2, 32, L, 64] (q and k before their per-head LayerNorm), norm weights
//         and biases f32[64] (not differentiated), positions i32[L] → grad.q, grad.k, grad.v
//         f32[2, 32, L, 64].
//
// ours      vjpGraph of the layer with segments (layerGraph(…, false)), compiled:
//           fuse-qknorm-attention, share-attention-lse, specialize-masks → the forward
//           attention_qknorm{lse} (output and log-sum-exp), block_lists (and its transpose), the
//           flash attention_grad_q and attention_grad_kv kernels, and the LayerNorm/rotary VJPs.
// baseline  vjpGraph of the layer with the mask as an explicit f32[2, 1, L, L] additive input
//           (layerGraph(…, true): matmul, softmax, matmul), what autodiff of the reference
//           implementation computes: the scores and probabilities as L×L tensors, their VJPs as
//           matmuls and a softmax backward.
//
// Timed: GPU time of one whole backward with inputs resident (every launch recorded, one submit,
// await completion), median after warm-up, the two sides alternating. Checked first: dq, dk, dv
// of ours against the baseline (max |difference| relative to max |baseline|) on the rows someone
// reads (DEAD rows excluded). The last line is T2I DEAD (the sampling layout).

import { Graph } from "../compiler/ir/graph.ts";
import type { Segment } from "../compiler/ir/mask.ts";
import { denseMask, packSegments } from "../compiler/ir/mask.ts";
import type { RefTensor } from "../compiler/ir/ref.ts";
import { tensor } from "../compiler/ir/ref.ts";
import { gradName, vjpGraph } from "../compiler/passes/autodiff.ts";
import { DEFAULT_TILES } from "../compiler/passes/specialize-masks.ts";
import type { Device } from "../runtime/device.ts";
import { compile } from "../runtime/executable.ts";
import { ATTENTION_SHAPE, layerGraph, t2iRows, tileCensus } from "./attention.ts";
import { LaunchRunner } from "./launches.ts";
import type { BenchOptions, Log, ResultLine } from "./util.ts";
import { describeTiming, hostLoad, maxAbsDiff, median, openBenchGpu, resultLine, timePair, uniformF32 } from "./util.ts";

const WRT = ["q", "k", "v"] as const;

/** The layer's backward: grad.q, grad.k, grad.v for the cotangent input `dy` (the forward output dropped). */
export function layerGradGraph(B: number, H: number, L: number, D: number, denseMaskInput: boolean): Graph {
  const g = vjpGraph(layerGraph(B, H, L, D, denseMaskInput), { output: "y", cotangentInput: "dy", wrt: [], inputsWrt: [...WRT] });
  return new Graph(`${g.name}_grad`, g.inputs, g.params, g.outputs.filter((o) => o.name !== "y"));
}

type Exe = Awaited<ReturnType<typeof compile>>;

interface Layout {
  readonly name: string;
  readonly rows: Segment[][];
  /** The rows the baseline's dense mask is built from (DEAD → PAD: the reference has no DEAD). */
  readonly denseRows: Segment[][];
}

interface LayoutResult {
  readonly layout: Layout;
  readonly ours: number;
  readonly baseline: number;
}

async function runLayout(lay: Layout, pair: { fused: Exe; dense: Exe }, opts: BenchOptions, log: Log): Promise<LayoutResult> {
  const { batch: B, heads: H, head: D, seq: L } = ATTENTION_SHAPE;
  const census = tileCensus(lay.rows, L);
  log(`${lay.name} (L ${L}), tiles ${DEFAULT_TILES.tileQ}×${DEFAULT_TILES.tileK}: ${census.total} per head: ${census.empty} empty (skipped, ${((100 * census.empty) / census.total).toFixed(1)}%), ${census.partial} partial (masked loop), ${census.full} full (unmasked loop)`);
  const seg = packSegments(lay.rows, 2);
  const dense = new Float32Array(B * L * L);
  lay.denseRows.forEach((r, b) => denseMask({ causal: true, segments: r }, L, L).forEach((m, i) => (dense[b * L * L + i] = m ? 0 : -1e30)));
  const rand = (shape: number[], seed: number, scale = 1) => tensor("f32", shape, uniformF32(shape.reduce((a, b) => a * b, 1), seed).map((x) => x * scale));
  const common: Record<string, RefTensor> = {
    q: rand([B, H, L, D], 1, 2), k: rand([B, H, L, D], 2, 2), v: rand([B, H, L, D], 3), dy: rand([B, H, L, D], 8),
    wq: tensor("f32", [D], uniformF32(D, 4).map((x) => 1 + 0.5 * x)), bq: rand([D], 5, 0.1),
    wk: tensor("f32", [D], uniformF32(D, 6).map((x) => 1 + 0.5 * x)), bk: rand([D], 7, 0.1),
    positions: tensor("i32", [L], Array.from({ length: L }, (_, i) => i)),
  };
  const ours = await LaunchRunner.create(pair.fused, { ...common, segments: tensor("i32", seg.shape, seg.data) }, {});
  const base = await LaunchRunner.create(pair.dense, { ...common, mask: tensor("f32", [B, 1, L, L], dense) }, {});
  try {
    await ours.dispatch();
    await base.dispatch();
    // The rows someone reads: a DEAD row's dq is zero in ours (nothing computed), and a DEAD key
    // row's dk, dv too (nothing attends to it), while the baseline's pad rows attend among themselves.
    const read = (data: ArrayLike<number>): number[] => {
      const kept: number[] = [];
      for (let b = 0; b < B; b++) {
        const dead = lay.rows[b]!.filter((s) => s.kind === "dead");
        for (let h = 0; h < H; h++) for (let i = 0; i < L; i++) {
          if (dead.some((s) => i >= s.start && i < s.end)) continue;
          const o = ((b * H + h) * L + i) * D;
          for (let c = 0; c < D; c++) kept.push(data[o + c]!);
        }
      }
      return kept;
    };
    for (const leaf of WRT) {
      const name = gradName(leaf);
      const { err, scale } = maxAbsDiff(read((await ours.read(name)).data), read((await base.read(name)).data));
      log(`${lay.name}: check d${leaf}: max |ours − baseline| = ${err.toExponential(2)} (max |baseline| ${scale.toExponential(2)})`);
      if (!(err <= 1e-3 * scale)) throw new Error(`${lay.name}: d${leaf} of the fused backward differs from the dense-mask path by ${err} (max |baseline| ${scale})`);
    }
    const [tOurs, tBase] = await timePair(() => ours.dispatch(), () => base.dispatch(), opts);
    log(`${lay.name}: ours (flash backward, ${pair.fused.compiled.launches.length} dispatches): ${describeTiming(tOurs)}`);
    log(`${lay.name}: baseline (dense additive mask, ${pair.dense.compiled.launches.length} dispatches): ${describeTiming(tBase)}`);
    const paired = median(tOurs.samples.map((t, i) => tBase.samples[i]! / t));
    log(`${lay.name}: ratio ${(tBase.median / tOurs.median).toFixed(2)} (median of per-pair ratios ${paired.toFixed(2)}); ${hostLoad()}`);
    return { layout: lay, ours: tOurs.median, baseline: tBase.median };
  } finally {
    ours.dispose();
    base.dispose();
  }
}

export async function runAttentionGradBench(opts: BenchOptions, log: Log = console.log): Promise<ResultLine> {
  const { batch: B, heads: H, head: D, seq: L } = ATTENTION_SHAPE;
  const { device, name: deviceName } = await openBenchGpu();
  log(`device: ${deviceName}; ${hostLoad()}`);
  log(`Show-o attention backward (dq, dk, dv for a given dy): batch ${B}, ${H} heads, head ${D}, L ${L}, QK-Norm + partial rotary (dim ${D / 2}), f32`);
  const pad = t2iRows(ATTENTION_SHAPE, "pad");
  const layouts: Layout[] = [
    ...(opts.quick ? [] : [{ name: "T2I PAD", rows: pad, denseRows: pad }]),
    { name: "T2I DEAD", rows: t2iRows(ATTENTION_SHAPE, "dead"), denseRows: pad },
  ];
  let pair: { fused: Exe; dense: Exe } | undefined;
  try {
    pair = await compilePair(device, log);
    const results: LayoutResult[] = [];
    for (const lay of layouts) results.push(await runLayout(lay, pair, opts, log));
    for (const r of results) log(`  ${r.layout.name.padEnd(10)} L ${L}: ours ${r.ours.toFixed(0)} ms, baseline ${r.baseline.toFixed(0)} ms, ratio ${(r.baseline / r.ours).toFixed(2)}`);
    const head = results[results.length - 1]!;
    const r: ResultLine = { name: "attention-grad", ratio: head.baseline / head.ours, ours: head.ours, baseline: head.baseline, baselineName: "dense-mask autodiff", unit: "ms", device: deviceName };
    log(resultLine(r));
    return r;
  } finally {
    pair?.fused.dispose();
    pair?.dense.dispose();
    device.dispose();
  }
}

/** Both sides compiled once (the first compile of the flash backward takes 30–60 s on llvmpipe; Mesa caches it). */
async function compilePair(device: Device, log: Log): Promise<{ fused: Exe; dense: Exe }> {
  const { batch: B, heads: H, head: D, seq: L } = ATTENTION_SHAPE;
  const t0 = performance.now();
  const fused = await compile(layerGradGraph(B, H, L, D, false), { target: "wgsl", device });
  const dense = await compile(layerGradGraph(B, H, L, D, true), { target: "wgsl", device });
  log(`compiled both sides in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  log(`ours: ${fused.compiled.launches.map((l) => l.label).join("; ")}`);
  log(`baseline: ${dense.compiled.launches.map((l) => l.label).join("; ")}`);
  return { fused, dense };
}

