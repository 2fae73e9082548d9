// conv: MAGVIT-v2 tiny's encoder + decoder (models/magvit2.ts MAGVIT2_TINY: ch 32, three levels,
// 13 latent channels, batch 32, 32×32 images), with the convolution kernels of now (the forms
// convForm chooses: implicit GEMM for MAGVIT-v2's 1×1 and 3×3 kernels) against the direct forms
// they replaced, compiled in the same process on the same device, and the matmul builder's 1024³
// kernel as the yardstick.
//
// graph:  image f32[32, 3, 32, 32] → encoder → latent f32[32, 13, 8, 8] → decoder → out
//         f32[32, 3, 32, 32]; loss = mean((out − image)²). No quantiser between: this times the
//         convolutional network, which is what training spends its time in.
// sides:  "gemm"   the builders as registered (compiler/kernels/builders/conv.ts CONV_BUILDERS);
//         "direct" the same graph compiled with DIRECT_CONV_BUILDERS registered (then restored).
//
// Timed (GPU time, inputs and weights resident, every launch in one submit: bench/launches.ts),
// both sides alternating: the forward (loss), then forward + backward (the loss and the gradient
// of every parameter). Then each convolution op's launches of the forward + backward, one submit
// per op and side, round-robin with one matmul 1024³ dispatch: GFLOP/s per op from the graph's
// FLOPs (2·N·O·C·kh·kw·Ho·Wo per conv2d, conv2d_grad_input and conv2d_grad_weight node).
//
// Checked before any timing: the gemm side against the float64 reference interpreter at batch 2,
// 16×16 (loss and every gradient), and the two sides against each other at the timed size.
//
//   node bench/conv.ts [reps=5]

import { fileURLToPath } from "node:url";
import { run as reference } from "../backends/reference/interpreter.ts";
import type { WgslDevice } from "../backends/wgsl/device.ts";
import { WaitHistory, quietly } from "../backends/wgsl/quiet-wait.ts";
import { initTensor, uniform } from "../compiler/dsl/init.ts";
import { initParams } from "../compiler/dsl/nn.ts";
import type { Tensor } from "../compiler/dsl/tensor.ts";
import { trace } from "../compiler/dsl/trace.ts";
import type { Graph, Node } from "../compiler/ir/graph.ts";
import type { RefTensor } from "../compiler/ir/ref.ts";
import { concreteShape } from "../compiler/ir/types.ts";
import type { ConvOp } from "../compiler/kernels/builders/conv.ts";
import { CONV_BUILDERS, DIRECT_CONV_BUILDERS } from "../compiler/kernels/builders/conv.ts";
import type { Builder } from "../compiler/kernels/schedule.ts";
import { registerBuilder } from "../compiler/kernels/schedule.ts";
import { grad } from "../compiler/passes/autodiff.ts";
import type { Magvit2Config } from "../models/magvit2.ts";
import { MAGVIT2_TINY, Magvit2 } from "../models/magvit2.ts";
import type { Executable } from "../runtime/executable.ts";
import { compile } from "../runtime/executable.ts";
import { LaunchRunner } from "./launches.ts";
import type { BenchOptions, Log, ResultLine } from "./util.ts";
import { describeTiming, fmt, hostLoad, maxAbsDiff, median, openBenchGpu, resultLine, timePair } from "./util.ts";

export const CONV_BENCH = { batch: 32, resolution: 32 } as const;
const CONV_OPS: readonly ConvOp[] = ["conv2d", "conv2d_grad_input", "conv2d_grad_weight"];

/** image → encoder → decoder; loss = mean((out − image)²). */
export function autoencoderGraph(cfg: Magvit2Config, model: Magvit2, batch: number, size: number): Graph {
  return trace(`${cfg.name}-autoencoder`, { image: { dtype: "f32", shape: [batch, cfg.inChannels, size, size] } }, (t: Record<string, Tensor>) => {
    const image = t["image"]!;
    const out = model.decoder.forward(model.encoder.forward(image));
    return { loss: out.sub(image).square().mean() };
  });
}

/** 2·N·O·C·kh·kw·Ho·Wo of a conv2d or gradient node (the same count for all three). */
function convFlops(n: Node): number {
  const s = (k: number) => concreteShape(n.inputs[k]!.shape);
  const out = concreteShape(n.shape);
  switch (n.op) {
    case "conv2d": { const w = s(1); return 2 * out[0]! * w[0]! * w[1]! * w[2]! * w[3]! * out[2]! * out[3]!; }
    case "conv2d_grad_input": { const g = s(0), w = s(1); return 2 * g[0]! * w[0]! * w[1]! * w[2]! * w[3]! * g[2]! * g[3]!; }
    case "conv2d_grad_weight": { const g = s(1); return 2 * g[0]! * out[0]! * out[1]! * out[2]! * out[3]! * g[2]! * g[3]!; }
    default: return 0;
  }
}

function flopsByOp(g: Graph): Record<ConvOp, number> {
  const r: Record<ConvOp, number> = { conv2d: 0, conv2d_grad_input: 0, conv2d_grad_weight: 0 };
  for (const n of g.nodes()) if ((CONV_OPS as readonly string[]).includes(n.op)) r[n.op as ConvOp] += convFlops(n);
  return r;
}

/** The op a launch computes, from its label (a label starts with its root's op). */
function opOfLaunch(label: string): ConvOp | null {
  return [...CONV_OPS].sort((a, b) => b.length - a.length).find((op) => label.startsWith(`${op} `)) ?? null;
}

/** Compiles with the given conv builders registered, then puts the registered ones back. */
async function compileWith(builders: Readonly<Record<ConvOp, Builder>>, g: Graph, device: WgslDevice): Promise<Executable<WgslDevice>> {
  for (const op of CONV_OPS) registerBuilder(op, builders[op]);
  try {
    return await compile(g, { target: "wgsl", device });
  } finally {
    for (const op of CONV_OPS) registerBuilder(op, CONV_BUILDERS[op]);
  }
}

/**
 * The worst output: max |got − want| over max |want|, where the scale is at least a thousandth of
 * the largest output's (some gradients are zero in exact arithmetic: a conv bias followed by a
 * GroupNorm of one channel per group).
 */
function worstRel(got: Readonly<Record<string, RefTensor>>, want: Readonly<Record<string, RefTensor>>): { name: string; err: number } {
  const diffs = Object.entries(want).map(([name, w]) => ({ name, ...maxAbsDiff(got[name]!.data, w.data) }));
  const floor = 1e-3 * Math.max(...diffs.map((d) => d.scale));
  let worst = { name: "", err: 0 };
  for (const d of diffs) {
    const rel = d.err / Math.max(floor, d.scale);
    if (!(rel <= worst.err)) worst = { name: d.name, err: rel };
  }
  return worst;
}

export async function runConvBench(opts: BenchOptions, log: Log = console.log): Promise<ResultLine[]> {
  const cfg = MAGVIT2_TINY, { batch, resolution } = CONV_BENCH;
  const { device, name: deviceName } = await openBenchGpu();
  const model = new Magvit2(cfg);
  const weights = initParams(model, 1);
  log(`device: ${deviceName}; ${hostLoad()}`);
  log(`${cfg.name} encoder + decoder, batch ${batch}, ${resolution}×${resolution}, loss = mean((out − image)²), f32, weights from initParams(seed 1)`);
  const results: ResultLine[] = [];
  const exes: Executable<WgslDevice>[] = [];
  try {
    // Correctness at a small size against float64.
    {
      const g = grad(autoencoderGraph(cfg, model, 2, 16), { loss: "loss" });
      const image = initTensor("f32", [2, cfg.inChannels, 16, 16], uniform(-1, 1), 3);
      const exe = await compile(g, { target: "wgsl", device });
      try {
        exe.setParams(weights);
        const w = worstRel(await exe.run({ image }), reference(g, { image }, weights));
        log(`check at batch 2, 16×16: loss and ${g.outputs.length - 1} gradients against float64, worst max|err|/max|ref| ${w.err.toExponential(2)} (${w.name})`);
        if (!(w.err <= 1e-3)) throw new Error(`conv bench: ${w.name} differs from the reference by ${w.err} of its scale`);
      } finally {
        exe.dispose();
      }
    }

    const image = initTensor("f32", [batch, cfg.inChannels, resolution, resolution], uniform(-1, 1), 2);
    const forward = autoencoderGraph(cfg, model, batch, resolution);
    const both = grad(forward, { loss: "loss" });
    const runners: Record<string, { gemm: LaunchRunner; direct: LaunchRunner }> = {};
    for (const [what, g] of [["forward", forward], ["forward + backward", both]] as const) {
      const gemm = await compileWith(CONV_BUILDERS, g, device);
      exes.push(gemm);
      const direct = await compileWith(DIRECT_CONV_BUILDERS, g, device);
      exes.push(direct);
      const r = { gemm: await LaunchRunner.create(gemm, { image }, weights), direct: await LaunchRunner.create(direct, { image }, weights) };
      runners[what] = r;
      // The sides against each other at the timed size, every output.
      gemm.setParams(weights);
      direct.setParams(weights);
      const w = worstRel(await gemm.run({ image }), await direct.run({ image }));
      const census = (e: Executable<WgslDevice>) => {
        const m = new Map<string, number>();
        for (const l of e.compiled.launches) if (opOfLaunch(l.label)) m.set(l.kernel.name, (m.get(l.kernel.name) ?? 0) + 1);
        return [...m].map(([k, c]) => `${k} ×${c}`).join(", ");
      };
      log(`${what}: gemm ${gemm.dispatchCount} dispatches (${census(gemm)}), direct ${direct.dispatchCount} (${census(direct)})`);
      log(`  outputs agree ${w.err === 0 ? "bit for bit (same products summed in the same order)" : `to ${w.err.toExponential(2)} of their scale (worst: ${w.name})`}`);
      if (!(w.err <= 1e-3)) throw new Error(`conv bench ${what}: the sides disagree on ${w.name} by ${w.err} of its scale`);
      const [tg, td] = await timePair(() => r.gemm.dispatch(), () => r.direct.dispatch(), opts);
      log(`${what} GPU time  gemm   ${describeTiming(tg)}`);
      log(`${what} GPU time  direct ${describeTiming(td)}`);
      log(`${what}: ${(td.median / tg.median).toFixed(2)}× faster (median of per-pair ratios ${median(tg.samples.map((t, i) => td.samples[i]! / t)).toFixed(2)}); host ${hostLoad()}`);
      results.push({ name: `conv-${what === "forward" ? "forward" : "train"}`, ratio: td.median / tg.median, ours: tg.median, baseline: td.median, baselineName: "direct conv kernels", unit: "ms", device: deviceName });
    }

    // Per op: each op's launches of the forward + backward in one submit per side, round-robin
    // with matmul 1024³.
    const flops = flopsByOp(both);
    const mmGraph = trace("matmul-1024", { a: { dtype: "f32", shape: [1024, 1024] }, b: { dtype: "f32", shape: [1024, 1024] } }, ({ a, b }) => ({ y: a!.matmul(b!) }));
    const mmExe = await compile(mmGraph, { target: "wgsl", device });
    exes.push(mmExe);
    const mm = await LaunchRunner.create(mmExe, { a: initTensor("f32", [1024, 1024], uniform(-1, 1), 4), b: initTensor("f32", [1024, 1024], uniform(-1, 1), 5) }, {});
    const probes: { label: string; flop: number; run: () => Promise<void>; waits: WaitHistory; ts: number[] }[] = [
      { label: "matmul 1024³", flop: 2 * 1024 ** 3, run: () => mm.dispatch(), waits: new WaitHistory(), ts: [] },
    ];
    for (const side of ["gemm", "direct"] as const) {
      const runner = runners["forward + backward"]![side];
      for (const op of CONV_OPS) {
        const ks = runner.exe.compiled.launches.flatMap((l, k) => (opOfLaunch(l.label) === op ? [k] : []));
        probes.push({ label: `${op} ${side} (${ks.length} launches)`, flop: flops[op], run: () => runner.dispatchSome(ks), waits: new WaitHistory(), ts: [] });
      }
    }
    const timed = async (p: (typeof probes)[number]) => {
      const t0 = performance.now();
      await quietly(p.run, p.waits);
      return performance.now() - t0;
    };
    for (const p of probes) for (let i = 0; i < opts.warmup; i++) await timed(p);
    for (let r = 0; r < opts.reps; r++) for (const p of r % 2 ? [...probes].reverse() : probes) p.ts.push(await timed(p));
    const rate = (p: (typeof probes)[number]) => p.flop / 1e9 / (median(p.ts) / 1000);
    const mmRate = rate(probes[0]!);
    log("");
    log(`per op, forward + backward (each op's launches in one submit; median of ${opts.reps}, round-robin):`);
    for (const p of probes) {
      log(`  ${p.label.padEnd(42)} ${fmt(median(p.ts)).padStart(6)} ms  ${fmt(p.flop / 1e9).padStart(5)} GFLOP  ${fmt(rate(p)).padStart(5)} GFLOP/s  ${(rate(p) / mmRate).toFixed(2)}× matmul`);
    }
    log(`host after timing: ${hostLoad()}`);
  } finally {
    for (const e of exes) e.dispose();
    device.dispose();
  }
  log("");
  for (const r of results) log(resultLine(r));
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const reps = Number(process.argv[2] ?? 5);
  await runConvBench({ reps, warmup: 1, quick: false });
}
