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
import { gradName, vjpGraph } from "../compiler/passes/autodiff.ts";
import type { Device } from "../runtime/device.ts";
import { withFlashOptions } from "../compiler/kernels/builders/flash-attention.ts";
import { compile } from "../runtime/executable.ts";
import { describeFlashOptions, flashOptionsFromEnv } from "./flash-options.ts";
import type { Layout, LayoutResult } from "./attention.ts";
import { ATTENTION_SHAPE, layerGraph, layoutInputs, liveRows, logCensus, t2iRows, timeLayout } from "./attention.ts";
import { LaunchRunner } from "./launches.ts";
import type { BenchOptions, Log, ResultLine } from "./util.ts";
import { hostLoad, maxAbsDiff, openBenchGpu, resultLine } from "./util.ts";

const WRT = ["q", "k", "v"] as const;

/** The layer's backward: grad.q, grad.k, grad.v for the cotangent input `dy` (the forward output dropped). */
export function layerGradGraph(B: number, H: number, L: number, D: number, denseMaskInput: boolean): Graph {
  const g = vjpGraph(layerGraph(B, H, L, D, denseMaskInput), { output: "y", cotangentInput: "dy", wrt: [], inputsWrt: [...WRT] });
  return new Graph(`${g.name}_grad`, g.inputs, g.params, g.outputs.filter((o) => o.name !== "y"));
}

type Exe = Awaited<ReturnType<typeof compile>>;



async function runLayout(lay: Layout, pair: { fused: Exe; dense: Exe }, opts: BenchOptions, log: Log): Promise<LayoutResult> {
  logCensus(lay, log);
  const inputs = layoutInputs(lay, { dy: 8 });
  const ours = await LaunchRunner.create(pair.fused, inputs.fused, {});
  const base = await LaunchRunner.create(pair.dense, inputs.dense, {});
  try {
    await ours.dispatch();
    await base.dispatch();
    // The rows someone reads: a DEAD row's dq is zero in ours (nothing computed), and a DEAD key
    // row's dk, dv too (nothing attends to it), while the baseline's pad rows attend among themselves.
    const read = (data: ArrayLike<number>): number[] => liveRows(lay, data);
    for (const leaf of WRT) {
      const name = gradName(leaf);
      const { err, scale } = maxAbsDiff(read((await ours.read(name)).data), read((await base.read(name)).data));
      log(`${lay.name}: check d${leaf}: max |ours − baseline| = ${err.toExponential(2)} (max |baseline| ${scale.toExponential(2)})`);
      if (!(err <= 1e-3 * scale)) throw new Error(`${lay.name}: d${leaf} of the fused backward differs from the dense-mask path by ${err} (max |baseline| ${scale})`);
    }
    return await timeLayout(lay, ours, base, [`flash backward, ${pair.fused.compiled.launches.length} dispatches`, `dense additive mask, ${pair.dense.compiled.launches.length} dispatches`], opts, log);
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
    ...(opts.quick ? [] : [{ name: "T2I PAD", L, rows: pad, denseRows: pad }]),
    { name: "T2I DEAD", L, rows: t2iRows(ATTENTION_SHAPE, "dead"), denseRows: pad },
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
  log(describeFlashOptions(flashOptionsFromEnv()));
  const fused = await withFlashOptions(flashOptionsFromEnv(), () => compile(layerGradGraph(B, H, L, D, false), { target: "wgsl", device }));
  const dense = await compile(layerGradGraph(B, H, L, D, true), { target: "wgsl", device });
  log(`compiled both sides in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  log(`ours: ${fused.compiled.launches.map((l) => l.label).join("; ")}`);
  log(`baseline: ${dense.compiled.launches.map((l) => l.label).join("; ")}`);
  return { fused, dense };
}

