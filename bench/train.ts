// train: one training step (forward, backward, gradient clipping, AdamW) compiled by us as one
// executable (compiler/passes/adamw.ts: new weights and moments written over the old on the
// device), against peers measured in the same run, on the same machine:
//
//   block   the Phi-style block of `bench block` (hidden 256, 4 heads, MLP 1024, QK-Norm, partial
//           rotary, parallel residual; batch 1, L = 256, loss = mean(out²)) on WGSL, against
//           TensorFlow.js 4.22 on its WebGPU backend on the same Dawn adapter: tf.variableGrads of
//           the same block (bench/block.ts tfBlock), the global gradient norm and clipping by hand,
//           decoupled weight decay by hand (p ← p·(1 − lr·wd); tfjs has no AdamW), then
//           tf.train.adam's applyGradients (its update m̂ / (√v̂ + ε) is torch's Adam; decay first,
//           then Adam, is torch.optim.AdamW). The headline (last line), ms per step.
//   showo   a whole Show-o training step, showo-tiny (2 layers, hidden 64, the full 58,498-way
//           vocabulary), a mixed batch of 4 T2I + 1 LM + 2 MMU rows, L = 35, in tokens/s, against
//           PyTorch on the CPU (bench/torch_train_peer.py: tests/golden/reference.py's model in
//           float32, the same loss, clip_grad_norm_ and torch.optim.AdamW, every thread). Also the
//           step's cost: the forward alone (the loss graph) against the whole step, same run.
//   magvit2 the MAGVIT-v2 step, magvit2-tiny, batch 32, 32×32, L1 reconstruction + commitment +
//           LFQ entropy (models/magvit2-loss.ts): forward alone and the whole step, and the
//           convolutions' GFLOP/s (conv2d, conv2d_grad_input, conv2d_grad_weight FLOPs counted
//           from the compiled graph: 2·N·O·C·kh·kw·Ho·Wo each).
//
// Every comparison is checked before it is timed: on identical weights and inputs, the two sides'
// losses, the global gradient norm, one or two whole gradients (ours from autodiff's grad graph
// of the same loss) and the loss after one AdamW step. Timed runs alternate between the sides (a
// rotation when there are three); medians are reported. Unless --quick, every launch of our steps
// is also timed alone (one submit each) and the launches are grouped into forward, backward,
// AdamW update and state copies: where a step's time goes.

import { spawn } from "node:child_process";
import { registerHooks } from "node:module";
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type * as Tf from "@tensorflow/tfjs-core";
import { initTensor, uniform } from "../compiler/dsl/init.ts";
import { initParams } from "../compiler/dsl/nn.ts";
import { packSegments } from "../compiler/ir/mask.ts";
import type { Graph, Node } from "../compiler/ir/graph.ts";
import { topoSort } from "../compiler/ir/graph.ts";
import type { RefTensor } from "../compiler/ir/ref.ts";
import { tensor } from "../compiler/ir/ref.ts";
import { concreteShape } from "../compiler/ir/types.ts";
import { OPTIM_INPUT, adamwStep, momentName, optimValues } from "../compiler/passes/adamw.ts";
import type { TrainStep } from "../compiler/passes/adamw.ts";
import { grad, gradName } from "../compiler/passes/autodiff.ts";
import { Magvit2, getMagvit2Config } from "../models/magvit2.ts";
import { magvit2LossGraph } from "../models/magvit2-loss.ts";
import { headDim, phiBlockGraph, rotaryDim } from "../models/phi-block.ts";
import { SHOWO_TINY, Showo, t2iSeqLen } from "../models/showo.ts";
import { DEFAULT_COEFFICIENTS, showoLossGraph } from "../models/showo-loss.ts";
import type { ShowoBatchLayout } from "../models/showo-loss.ts";
import type { Prompt, Task } from "../models/showo-prompts.ts";
import { CODEBOOK_SIZE, IGNORE, MASK, PAD, imageTokenIds, lmPrompt, positionsFor, segmentsForBatch, t2iPrompt } from "../models/showo-prompts.ts";
import type { Executable } from "../runtime/executable.ts";
import { compile } from "../runtime/executable.ts";
import { decays } from "../runtime/training/optim.ts";
import { mmuTrainingRow } from "../runtime/training/data.ts";
import { TRAIN_SEGMENT_SLOTS } from "../runtime/training/trainer.ts";
import { SHOWO_KEYMAP, loadWeights } from "../runtime/weights/index.ts";
import { WaitHistory, quietly } from "../backends/wgsl/quiet-wait.ts";
import { BLOCK_CONFIG, BLOCK_SEQ, blockFlops, randomParams, tfBlock, tfConstants } from "./block.ts";
import { LaunchRunner } from "./launches.ts";
import type { BenchOptions, Log, ResultLine, TfWebgpu, Timing } from "./util.ts";
import { describeTiming, fmt, hostLoad, loadTfjsWebgpu, maxAbsDiff, median, openBenchGpu, resultLine, uniformF32 } from "./util.ts";

export const TRAIN_PARTS = ["block", "showo", "magvit2"] as const;
export type TrainPart = (typeof TRAIN_PARTS)[number];

export interface TrainBenchOptions extends BenchOptions {
  /** Which parts to run (default all); the block's line is the headline when it runs. */
  readonly parts?: readonly TrainPart[];
}

/** The optimizer of every part: AdamW as torch.optim.AdamW, the project's default decay filter, clipping at 1. */
export const TRAIN_OPTIM = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, maxNorm: 1.0 } as const;
const decayed = (name: string): boolean => decays("default", name);

/** The Show-o batch of the bench: rows per task (every row L = 35 for showo-tiny). */
export const SHOWO_BENCH_ROWS = { t2i: 4, lm: 1, mmu: 2 } as const;
export const MAGVIT_BENCH = { model: "magvit2-tiny", batch: 32, resolution: 32, recon: "l1" } as const;


// ---------------------------------------------------------------------------------------------
// Entry

export async function runTrainBench(opts: TrainBenchOptions, log: Log = console.log): Promise<ResultLine[]> {
  const parts = opts.parts ?? TRAIN_PARTS;
  for (const p of parts) if (!TRAIN_PARTS.includes(p)) throw new Error(`unknown train bench part '${p}' (parts: ${TRAIN_PARTS.join(", ")})`);
  const { device, name: deviceName } = await openBenchGpu();
  const tfw = parts.includes("block") ? await loadTfjsWebgpu() : undefined;
  log(`device: ${deviceName}${tfw ? ` (tfjs adapter: ${tfw.name}, tfjs-core ${tfw.tf.version_core})` : ""}; ${hostLoad()}`);
  const o = TRAIN_OPTIM;
  log(`optimizer (every part): AdamW lr ${o.lr}, β ${o.beta1}/${o.beta2}, ε ${o.eps}, decoupled weight decay ${o.weightDecay} (not on biases, norms, embeddings), global-norm clipping at ${o.maxNorm}`);
  log(`timing: median of ${opts.reps} after ${opts.warmup} warm-up, sides alternating${opts.quick ? "" : "; then each of our step's launches alone"}`);
  const results: ResultLine[] = [];
  const notes: string[] = [];
  try {
    let blockResult: ResultLine | undefined;
    if (parts.includes("block")) blockResult = await benchBlock(opts, log, deviceName, tfw!, device);
    if (parts.includes("showo")) {
      const r = await benchShowo(opts, log, deviceName, device);
      results.push(r.result);
      notes.push(r.note);
    }
    if (parts.includes("magvit2")) notes.push(await benchMagvit2(opts, log, device));
    if (blockResult) results.push(blockResult);
  } finally {
    device.dispose();
    tfw?.backend.dispose();
  }
  log("");
  for (const n of notes) log(n);
  for (const r of results) log(resultLine(r));
  return results;
}

type WgslDevice = Awaited<ReturnType<typeof openBenchGpu>>["device"];
type Exe = Executable<WgslDevice>;

// ---------------------------------------------------------------------------------------------
// Timing: several sides in rotation

interface Side {
  /** Runs once; may return its own measurement in ms (a peer process timing itself). */
  readonly run: () => Promise<number | void>;
  /** Wait for the GPU quietly (backends/wgsl/quiet-wait.ts), as every bench does for GPU sides. */
  readonly gpu: boolean;
}

function stats(samples: number[], first: number): Timing {
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples), first, samples };
}

/**
 * Warms every side up, then times them in rotation: round i starts with side i mod n (A B, B A, …
 * for two), so that load from other processes lands on all of them alike.
 */
export async function timeRotating(sides: readonly Side[], opts: { reps: number; warmup: number }): Promise<Timing[]> {
  const waits = sides.map(() => new WaitHistory());
  const once = async (k: number): Promise<number> => {
    const s = sides[k]!;
    const t0 = performance.now();
    const own = s.gpu ? await quietly(s.run, waits[k]!) : await s.run();
    const wall = performance.now() - t0;
    return typeof own === "number" ? own : wall;
  };
  const first: number[] = [];
  for (let k = 0; k < sides.length; k++) {
    first.push(await once(k));
    for (let i = 1; i < opts.warmup; i++) await once(k);
  }
  const samples: number[][] = sides.map(() => []);
  const n = sides.length;
  for (let i = 0; i < Math.max(1, opts.reps); i++) {
    const order = n === 2 ? (i % 2 === 0 ? [0, 1] : [1, 0]) : Array.from({ length: n }, (_, j) => (i + j) % n);
    for (const k of order) samples[k]!.push(await once(k));
  }
  return samples.map((s, k) => stats(s, first[k]!));
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

const leafName = (n: Node): string => String(n.attrs["name"]);

/** The step's parameters: the weights and zero AdamW moments for every trainable one. */
function stepParams(step: TrainStep, weights: Readonly<Record<string, RefTensor>>): Record<string, RefTensor> {
  const all: Record<string, RefTensor> = { ...weights };
  for (const n of step.trainable) {
    const w = weights[n]!;
    for (const which of ["m", "v"] as const) all[momentName(which, n)] = tensor("f32", w.shape, new Float32Array(w.data.length));
  }
  return all;
}

function trainStep(graph: Graph): TrainStep {
  const o = TRAIN_OPTIM;
  return adamwStep(graph, { loss: "loss", beta1: o.beta1, beta2: o.beta2, eps: o.eps, weightDecay: o.weightDecay, decay: decayed });
}

/** optim for AdamW step t (every timed run uses step 1's values: the same work every time). */
const optimInput = (t: number): RefTensor => tensor("f32", [4], optimValues(t, TRAIN_OPTIM.lr, TRAIN_OPTIM.maxNorm, TRAIN_OPTIM.beta1, TRAIN_OPTIM.beta2));

function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-30);
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`train bench check failed: ${what}; nothing is timed`);
}

function kernelSummary(exe: Exe): string {
  const s = exe.summary();
  return `${s.dispatchesPerRun} dispatches, ${s.kernels} distinct pipelines, peak ${(s.peakBytes / 2 ** 20).toFixed(1)} MiB, compiled in ${fmt(s.compileMs)} ms`;
}

// ---------------------------------------------------------------------------------------------
// Per-launch profile of a step

type Category = "forward" | "backward" | "update" | "state copy";

export interface LaunchTime {
  readonly k: number;
  readonly ms: number;
  readonly kernel: string;
  readonly label: string;
  readonly category: Category;
}

/**
 * Which part of the step each launch belongs to, from what it writes: "update" when it writes a
 * parameter (the new weights and moments stored in place, executable state) or anything that
 * depends on the optim input (the clip factor and everything AdamW computes from it), "state copy"
 * for the copies of new weights and moments over the old (where they are not stored in place),
 * "forward" when it writes an ancestor of one of the loss graph's outputs (the losses), else
 * "backward" (the gradients, and the squared sums of the global norm).
 */
export function classifyLaunches(step: Exe, forwardOutputs: readonly string[]): Category[] {
  const g = step.graph;
  const forward = new Set(topoSort(g.outputs.filter((o) => forwardOutputs.includes(o.name)).map((o) => o.node)));
  const optim = g.inputs.find((n) => leafName(n) === OPTIM_INPUT);
  const dependsOnOptim = new Set<Node>();
  if (optim) {
    for (const n of topoSort(g.outputs.map((o) => o.node))) {
      if (n === optim || n.inputs.some((i) => dependsOnOptim.has(i))) dependsOnOptim.add(n);
    }
  }
  const state = Object.keys(step.compiled.state);
  return step.compiled.launches.map((l) => {
    if (state.some((s) => l.label.startsWith(`state ${s} `))) return "state copy";
    const written = l.tensors.filter((t) => t.access !== "read").map((t) => t.node);
    if (written.some((n) => n.op === "param" || dependsOnOptim.has(n))) return "update";
    if (written.some((n) => forward.has(n))) return "forward";
    return "backward";
  });
}

/** Each launch alone (one submit each), median of `reps` after one warm-up. */
async function profileLaunches(runner: LaunchRunner, categories: readonly Category[], reps: number): Promise<LaunchTime[]> {
  const exe = runner.exe;
  const out: LaunchTime[] = [];
  const waits = new WaitHistory();
  for (let k = 0; k < exe.compiled.launches.length; k++) {
    await quietly(() => runner.dispatchOne(k), waits);
    const s: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      await quietly(() => runner.dispatchOne(k), waits);
      s.push(performance.now() - t0);
    }
    const l = exe.compiled.launches[k]!;
    out.push({ k, ms: median(s), kernel: l.kernel.name, label: l.label, category: categories[k]! });
  }
  return out;
}

function logProfile(what: string, times: readonly LaunchTime[], log: Log, top = 12): void {
  const total = times.reduce((a, t) => a + t.ms, 0);
  const pct = (ms: number) => `${((100 * ms) / total).toFixed(1).padStart(5)}%`;
  log(`${what}: ${times.length} launches, each alone sum to ${fmt(total)} ms (a submit and a wait each)`);
  const byCat = new Map<Category, { ms: number; n: number }>();
  for (const t of times) {
    const c = byCat.get(t.category) ?? { ms: 0, n: 0 };
    byCat.set(t.category, { ms: c.ms + t.ms, n: c.n + 1 });
  }
  log(`  by part: ${[...byCat].sort((a, b) => b[1].ms - a[1].ms).map(([c, v]) => `${c} ${fmt(v.ms)} ms (${pct(v.ms).trim()}, ${v.n} launches)`).join("; ")}`);
  const byKernel = new Map<string, { ms: number; n: number }>();
  for (const t of times) {
    if (t.category === "forward") continue;
    const key = `${t.kernel} [${t.category}]`;
    const c = byKernel.get(key) ?? { ms: 0, n: 0 };
    byKernel.set(key, { ms: c.ms + t.ms, n: c.n + 1 });
  }
  log(`  backward, update and copies by kernel (share of the whole step):`);
  for (const [k, v] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 8)) log(`    ${fmt(v.ms).padStart(6)} ms ${pct(v.ms)}  ${k} ×${v.n}`);
  log(`  the ${top} slowest launches:`);
  for (const t of [...times].sort((a, b) => b.ms - a.ms).slice(0, top)) log(`    ${fmt(t.ms).padStart(6)} ms ${pct(t.ms)}  [${t.category}] ${t.kernel}: ${t.label}`);
}

// ---------------------------------------------------------------------------------------------
// (a) The Phi block: ours against TensorFlow.js

let tfGradientsLoaded = false;

/**
 * Registers TensorFlow.js's gradients. tfjs-core's Node bundle (its "main") has none: the union
 * package @tensorflow/tfjs registers them by importing tfjs-core's dist/register_all_gradients,
 * an ES module tree written with extensionless relative imports, which Node's resolver refuses.
 * A resolve hook adds ".js" to those imports only. The gradient functions reach the bundle's
 * engine and registries through tfjs's globals (getGlobal), so they serve the bundle's ops.
 */
async function loadTfjsGradients(): Promise<void> {
  if (tfGradientsLoaded) return;
  registerHooks({
    resolve(specifier, context, next) {
      if (specifier.startsWith(".") && !specifier.endsWith(".js") && context.parentURL?.includes("/@tensorflow/tfjs-core/dist/")) {
        return next(`${specifier}.js`, context);
      }
      return next(specifier, context);
    },
  });
  await import("@tensorflow/tfjs-core/dist/register_all_gradients.js");
  tfGradientsLoaded = true;
}

const BLOCK_CHECK_GRADS = ["mlp.fc1.weight", "self_attn.q_proj.weight"] as const;

async function benchBlock(opts: TrainBenchOptions, log: Log, deviceName: string, tfw: TfWebgpu, device: WgslDevice): Promise<ResultLine> {
  const cfg = BLOCK_CONFIG, H = cfg.hidden, L = BLOCK_SEQ, { tf } = tfw, o = TRAIN_OPTIM;
  await loadTfjsGradients();
  log("");
  log(`== block: one training step of bench block's Phi block (hidden ${H}, ${cfg.heads} heads, head_dim ${headDim(cfg)}, rotary_dim ${rotaryDim(cfg)}, mlp ${cfg.mlp}, QK-Norm, parallel residual), batch 1, L ${L}, f32, loss = mean(out²)`);
  log(`   forward ${fmt(blockFlops(cfg, L) / 1e9)} GFLOP (matmuls and attention products); a step is about 3× that`);
  const graph = phiBlockGraph(cfg, { batch: 1, seq: L });
  const weights = randomParams(graph, 0x0b10c); // bench block's weights and inputs
  const x: RefTensor = { dtype: "f32", shape: [1, L, H], data: Float64Array.from(uniformF32(L * H, 0x7e57 + L)) };
  const positions: RefTensor = { dtype: "i32", shape: [L], data: Float64Array.from({ length: L }, (_, i) => i) };
  const step = trainStep(graph);
  const params = stepParams(step, weights);

  const exe = await compile(step.graph, { target: "wgsl", device, state: step.state });
  log(`ours: adamwStep → one executable: ${kernelSummary(exe)}`);
  const gradExe = await compile(grad(graph, { loss: "loss", wrt: [...BLOCK_CHECK_GRADS] }), { target: "wgsl", device });

  // tfjs: the weights as variables, the step as a careful user writes it.
  const names = graph.params.map(leafName);
  const P: Record<string, Tf.Variable> = {};
  for (const n of names) P[n] = tf.variable(tf.tensor(Float32Array.from(weights[n]!.data), [...weights[n]!.shape], "float32"), true, `train_block/${n}`);
  const vars = names.map((n) => P[n]!);
  const tx = tf.tensor(Float32Array.from(x.data), [1, L, H], "float32");
  const tpos = tf.tensor1d(Int32Array.from(positions.data), "int32");
  const consts = tfConstants(tf, cfg, L);
  const adam = tf.train.adam(o.lr, o.beta1, o.beta2, o.eps);
  const decayedNames = names.filter(decayed);
  const lossOf = () => tfBlock(tf, cfg, P, consts, tx, tpos).loss as Tf.Scalar;
  // One step; returns the loss (before the update) and the global gradient norm (before clipping).
  // The grads are keyed by variable name; give them back under the parameter names.
  const tfStep = (keepGrads?: readonly string[]): { loss: Tf.Scalar; norm: Tf.Scalar; grads: Record<string, Tf.Tensor> } => {
    const { value, grads } = tf.variableGrads(lossOf, vars);
    const g = (n: string) => grads[`train_block/${n}`]!;
    const norm = tf.tidy(() => {
      // Summed pairwise: tf.addN of the 19 squared sums exceeds WebGPU's 8 storage buffers per stage.
      const nrm = tf.sqrt(names.map((n) => tf.sum(tf.square(g(n)))).reduce((a, b) => tf.add(a, b))) as Tf.Scalar;
      const c = tf.minimum(tf.div(o.maxNorm, tf.add(nrm, 1e-6)), 1);
      const clipped: Record<string, Tf.Tensor> = {};
      for (const n of names) clipped[`train_block/${n}`] = tf.mul(g(n), c);
      for (const n of decayedNames) P[n]!.assign(tf.mul(P[n]!, 1 - o.lr * o.weightDecay));
      adam.applyGradients(clipped as unknown as Parameters<typeof adam.applyGradients>[0]); // looked up by variable name
      return nrm;
    });
    const kept: Record<string, Tf.Tensor> = {};
    for (const n of keepGrads ?? []) kept[n] = g(n);
    tf.dispose(Object.values(grads).filter((t) => !Object.values(kept).includes(t)));
    return { loss: value, norm, grads: kept };
  };

  try {
    // Check on identical weights and inputs: loss, gradient norm, two gradients, the loss after one step.
    gradExe.setParams(weights);
    const og = await gradExe.run({ x, positions });
    exe.setParams(params);
    let t0 = performance.now();
    const o1 = await exe.run({ x, positions, [OPTIM_INPUT]: optimInput(1) });
    const firstOurs = performance.now() - t0;
    const o2 = await exe.run({ x, positions, [OPTIM_INPUT]: optimInput(2) });
    t0 = performance.now();
    const s1 = tfStep(BLOCK_CHECK_GRADS);
    const tf1 = { loss: (await s1.loss.data())[0]!, norm: (await s1.norm.data())[0]! };
    const firstTf = performance.now() - t0;
    const tfGrads: Record<string, Float32Array> = {};
    for (const n of BLOCK_CHECK_GRADS) tfGrads[n] = (await s1.grads[n]!.data()) as Float32Array;
    tf.dispose([s1.loss, s1.norm, ...Object.values(s1.grads)]);
    const s2 = tfStep();
    const tf2loss = (await s2.loss.data())[0]!;
    tf.dispose([s2.loss, s2.norm]);
    const ours = { loss: o1["loss"]!.data[0]!, norm: o1["grad_norm"]!.data[0]!, loss2: o2["loss"]!.data[0]!, gradLoss: og["loss"]!.data[0]! };
    log(`check (identical f32 weights and x): loss ours ${ours.loss.toPrecision(8)}, tfjs ${tf1.loss.toPrecision(8)} (rel. ${relErr(ours.loss, tf1.loss).toExponential(1)}); ` +
      `gradient norm ours ${ours.norm.toPrecision(7)}, tfjs ${tf1.norm.toPrecision(7)} (rel. ${relErr(ours.norm, tf1.norm).toExponential(1)})`);
    check(relErr(ours.loss, tf1.loss) <= 1e-4, `block loss ours ${ours.loss} vs tfjs ${tf1.loss} (tolerance 1e-4 relative)`);
    check(relErr(ours.gradLoss, ours.loss) <= 1e-6, `block: the grad graph's loss ${ours.gradLoss} differs from the step's ${ours.loss}`);
    check(relErr(ours.norm, tf1.norm) <= 1e-3, `block gradient norm ours ${ours.norm} vs tfjs ${tf1.norm} (tolerance 1e-3 relative)`);
    for (const n of BLOCK_CHECK_GRADS) {
      const d = maxAbsDiff(og[gradName(n)]!.data, tfGrads[n]!);
      log(`       ∂loss/∂${n}: max |ours − tfjs| ${d.err.toExponential(2)} (max |tfjs| ${d.scale.toExponential(2)}, ${(d.err / d.scale).toExponential(1)} of it)`);
      check(d.err <= 1e-3 * d.scale, `block ∂loss/∂${n} differs: max |ours − tfjs| ${d.err} > 1e-3·${d.scale}`);
    }
    log(`       loss after one step: ours ${ours.loss2.toPrecision(8)}, tfjs ${tf2loss.toPrecision(8)} (rel. ${relErr(ours.loss2, tf2loss).toExponential(1)})`);
    check(relErr(ours.loss2, tf2loss) <= 1e-4, `block loss after one AdamW step ours ${ours.loss2} vs tfjs ${tf2loss} (tolerance 1e-4 relative)`);
    log(`first step (shader JIT included): ours ${fmt(firstOurs)} ms, tfjs ${fmt(firstTf)} ms`);
    gradExe.dispose();

    const runner = await LaunchRunner.create(exe, { x, positions, [OPTIM_INPUT]: optimInput(1) }, params);
    const [gOurs, gTf] = await timeRotating([
      { gpu: true, run: () => runner.dispatch() },
      {
        gpu: true,
        run: async () => {
          const s = tfStep();
          await tfw.sync();
          tf.dispose([s.loss, s.norm]);
        },
      },
    ], opts);
    log(`GPU time per step ours ${describeTiming(gOurs!)}`);
    log(`GPU time per step tfjs ${describeTiming(gTf!)}`);
    log(`  (ours: every launch of the step recorded, one submit, onSubmittedWorkDone; tfjs: variableGrads, clip, decay, applyGradients recorded by the backend, submit, onSubmittedWorkDone)`);
    if (!opts.quick) {
      const [eOurs, eTf] = await timeRotating([
        { gpu: true, run: async () => void (await exe.run({ x, positions, [OPTIM_INPUT]: optimInput(1) })) },
        {
          gpu: true,
          run: async () => {
            const s = tfStep();
            await s.loss.data();
            await s.norm.data();
            tf.dispose([s.loss, s.norm]);
          },
        },
      ], opts);
      log(`end to end ours ${describeTiming(eOurs!)} (Executable.run: upload x and optim, the step, read out, loss and grad_norm)`);
      log(`end to end tfjs ${describeTiming(eTf!)} (the step, data() of loss and grad norm)`);
      logProfile("ours per launch", await profileLaunches(runner, classifyLaunches(exe, graph.outputs.map((x) => x.name)), Math.max(3, opts.reps)), log);
    }
    log(`host after timing: ${hostLoad()}`);
    return { name: "train", ratio: gTf!.median / gOurs!.median, ours: gOurs!.median, baseline: gTf!.median, baselineName: "tfjs-webgpu", unit: "ms", device: deviceName };
  } finally {
    tf.dispose([...vars, tx, tpos, consts.mask, consts.invFreq]);
    adam.dispose();
    gradExe.dispose();
    exe.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// (b, c) Show-o: ours against PyTorch on the CPU; forward alone against the step

/** mulberry32 integers in [0, n). */
function intRng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

export interface ShowoBenchBatch {
  readonly rows: readonly Prompt[];
  readonly layout: ShowoBatchLayout;
  readonly inputs: Record<string, RefTensor>;
  /** Non-[PAD] tokens (what `showo train` counts for tokens/s). */
  readonly tokens: number;
}

/**
 * A mixed training batch as runtime/training/data.ts lays it out: T2I rows (random captions of
 * GPT-2 ids, random image codes, a random share of them [MASK] with their true ids as labels, the
 * last row with the dropped condition), LM rows (random text, right-padded) and MMU rows (image,
 * question, answer, EOS, padded), every row L = t2iSeqLen.
 */
export function showoBenchBatch(rowsPer: { t2i: number; lm: number; mmu: number }, seed = 0x5b0): ShowoBenchBatch {
  const cfg = SHOWO_TINY, N = cfg.imageTokens, L = t2iSeqLen(cfg), rnd = intRng(seed);
  const text = (n: number) => Array.from({ length: n }, () => rnd(50000));
  const codes = () => Array.from({ length: N }, () => rnd(CODEBOOK_SIZE));
  const rows: Prompt[] = [];
  for (let r = 0; r < rowsPer.t2i; r++) {
    const ids = imageTokenIds(codes());
    const nMasked = 1 + rnd(N - 1);
    const order = ids.map((_, i) => i).sort(() => rnd(3) - 1);
    const masked = new Set(order.slice(0, nMasked));
    rows.push(t2iPrompt(text(3 + rnd(10)), ids.map((t, i) => (masked.has(i) ? MASK : t)), cfg, {
      imageLabels: ids.map((t, i) => (masked.has(i) ? t : IGNORE)), dropCondition: r === rowsPer.t2i - 1 && rowsPer.t2i > 1,
    }));
  }
  for (let r = 0; r < rowsPer.lm; r++) rows.push(lmPrompt(text(20 + rnd(10)), L));
  for (let r = 0; r < rowsPer.mmu; r++) rows.push(mmuTrainingRow(imageTokenIds(codes()), text(3 + rnd(3)), text(4 + rnd(4)), L, cfg));
  const B = rows.length;
  const segs = packSegments(segmentsForBatch(rows.map((p) => ({ ids: p.ids, task: p.task }))), TRAIN_SEGMENT_SLOTS);
  const inputs = {
    ids: tensor("i32", [B, L], rows.flatMap((r) => r.ids)),
    labels: tensor("i32", [B, L], rows.flatMap((r) => r.labels!)),
    positions: tensor("i32", [L], positionsFor(L)),
    segments: tensor("i32", segs.shape, segs.data),
  };
  const tokens = rows.reduce((n, r) => n + r.ids.filter((t) => t !== PAD).length, 0);
  return { rows, layout: { ...rowsPer, segmentSlots: TRAIN_SEGMENT_SLOTS }, inputs, tokens };
}

interface PeerReady {
  ready: true;
  torch: string;
  threads: number;
  losses: Record<string, number>;
  grad_norm: number;
  grad: number[];
  grad_shape: number[];
}
interface PeerStep {
  ms: number;
  losses: Record<string, number>;
  grad_norm: number;
}

/** bench/torch_train_peer.py as a child process: one JSON line per request. */
class TorchPeer {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #lines: string[] = [];
  #waiting: ((line: string | null) => void) | undefined;
  #stderr = "";
  #closed = false;

  constructor(python: string) {
    const script = fileURLToPath(new URL("./torch_train_peer.py", import.meta.url));
    this.#child = spawn(python, [script], { stdio: ["pipe", "pipe", "pipe"] });
    this.#child.on("error", (e) => {
      this.#stderr += `\n${e.message}`;
      this.#close();
    });
    this.#child.stderr.on("data", (d: Buffer) => {
      this.#stderr = (this.#stderr + d.toString()).slice(-4000);
    });
    createInterface({ input: this.#child.stdout }).on("line", (l) => {
      if (this.#waiting) {
        const w = this.#waiting;
        this.#waiting = undefined;
        w(l);
      } else this.#lines.push(l);
    }).on("close", () => this.#close());
  }

  #close(): void {
    this.#closed = true;
    if (this.#waiting) {
      const w = this.#waiting;
      this.#waiting = undefined;
      w(null);
    }
  }

  async request<T>(line: string): Promise<T> {
    this.#child.stdin.write(`${line}\n`);
    const got = this.#lines.length > 0 ? this.#lines.shift()! : this.#closed ? null : await new Promise<string | null>((r) => (this.#waiting = r));
    if (got === null) {
      throw new Error(`the PyTorch peer (bench/torch_train_peer.py) stopped: ${this.#stderr.trim() || "no output"}\n` +
        "it needs Debian's python3-torch (apt-get install -y python3-torch python3-numpy libopenblas0-pthread) or SHOWO_PYTHON naming a Python with torch and numpy");
    }
    return JSON.parse(got) as T;
  }

  dispose(): void {
    if (!this.#closed) this.#child.stdin.end("quit\n");
  }
}

async function benchShowo(opts: TrainBenchOptions, log: Log, deviceName: string, device: WgslDevice): Promise<{ result: ResultLine; note: string }> {
  const cfg = SHOWO_TINY, o = TRAIN_OPTIM;
  const batch = showoBenchBatch(SHOWO_BENCH_ROWS);
  const B = batch.rows.length, L = t2iSeqLen(cfg);
  log("");
  log(`== showo: one training step of ${cfg.name} (${cfg.layers} layers, hidden ${cfg.hidden}, ${cfg.heads} heads, mlp ${cfg.mlp}, vocabulary ${cfg.vocab}), ` +
    `batch ${SHOWO_BENCH_ROWS.t2i} T2I + ${SHOWO_BENCH_ROWS.lm} LM + ${SHOWO_BENCH_ROWS.mmu} MMU rows, L ${L} (${B * L} positions, ${batch.tokens} non-pad tokens), f32`);
  log(`   loss t2i·L_t2i + lm·L_lm + mmu·L_mmu with (${DEFAULT_COEFFICIENTS.t2i}, ${DEFAULT_COEFFICIENTS.lm}, ${DEFAULT_COEFFICIENTS.mmu}); weights: reference.py's showo-tiny (tests/golden/fixtures/showo-tiny.safetensors)`);
  const model = new Showo(cfg);
  const weightsFile = fileURLToPath(new URL("../tests/golden/fixtures/showo-tiny.safetensors", import.meta.url));
  const loaded = await loadWeights(weightsFile, model.namedParameters(), SHOWO_KEYMAP);
  const weights: Record<string, RefTensor> = {};
  for (const [k, t] of Object.entries(loaded)) weights[k] = t.dtype === "f32" ? t : tensor("f32", t.shape, t.data);
  const lossGraph = showoLossGraph(cfg, batch.layout, DEFAULT_COEFFICIENTS, model);
  const step = trainStep(lossGraph);
  const params = stepParams(step, weights);
  const gradParam = "model.layers.1.mlp.fc1.weight";

  const python = process.env["SHOWO_PYTHON"] ?? "/usr/bin/python3";
  const peer = new TorchPeer(python);
  const fwdExe = await compile(lossGraph, { target: "wgsl", device });
  const exe = await compile(step.graph, { target: "wgsl", device, state: step.state });
  let gradExe: Exe | undefined = await compile(grad(lossGraph, { loss: "loss", wrt: [gradParam] }), { target: "wgsl", device });
  log(`ours forward (the loss graph): ${kernelSummary(fwdExe)}`);
  log(`ours step: ${kernelSummary(exe)}`);
  try {
    const ready = await peer.request<PeerReady>(JSON.stringify({
      ids: batch.rows.map((r) => r.ids), labels: batch.rows.map((r) => r.labels), tasks: batch.rows.map((r) => r.task as Task),
      coefficients: DEFAULT_COEFFICIENTS, lr: o.lr, betas: [o.beta1, o.beta2], eps: o.eps, weight_decay: o.weightDecay, max_norm: o.maxNorm, grad_param: gradParam,
    }));
    log(`pytorch: ${ready.torch} on the CPU, ${ready.threads} threads, float32, torch.optim.AdamW (two groups: decayed, not), clip_grad_norm_`);

    // Check: losses, gradient norm and one gradient on identical weights; the loss after one step.
    fwdExe.setParams(weights);
    const of = await fwdExe.run(batch.inputs);
    gradExe.setParams(weights);
    const og = await gradExe.run(batch.inputs);
    gradExe.dispose();
    gradExe = undefined;
    exe.setParams(params);
    let t0 = performance.now();
    const o1 = await exe.run({ ...batch.inputs, [OPTIM_INPUT]: optimInput(1) });
    const firstOurs = performance.now() - t0;
    const o2 = await exe.run({ ...batch.inputs, [OPTIM_INPUT]: optimInput(2) });
    const p1 = await peer.request<PeerStep>("step");
    const p2 = await peer.request<PeerStep>("step");
    const terms = ["t2i", "lm", "mmu"] as const;
    const ourLoss = (out: Record<string, RefTensor>, k: string) => out[k === "total" ? "loss" : `loss_${k}`]!.data[0]!;
    log(`check (identical weights and batch): ${[...terms, "total"].map((k) => `${k} ours ${ourLoss(o1, k).toPrecision(7)} pytorch ${ready.losses[k]!.toPrecision(7)}`).join(", ")}`);
    for (const k of [...terms, "total"]) {
      check(relErr(ourLoss(o1, k), ready.losses[k]!) <= 1e-4, `showo loss ${k}: ours ${ourLoss(o1, k)} vs pytorch ${ready.losses[k]} (tolerance 1e-4 relative)`);
      check(relErr(ourLoss(of, k), ourLoss(o1, k)) <= 1e-6, `showo loss ${k}: our forward ${ourLoss(of, k)} vs our step ${ourLoss(o1, k)}`);
    }
    const norm = o1["grad_norm"]!.data[0]!;
    log(`       gradient norm ours ${norm.toPrecision(7)}, pytorch ${ready.grad_norm.toPrecision(7)} (rel. ${relErr(norm, ready.grad_norm).toExponential(1)})`);
    check(relErr(norm, ready.grad_norm) <= 1e-3, `showo gradient norm ours ${norm} vs pytorch ${ready.grad_norm} (tolerance 1e-3 relative)`);
    const d = maxAbsDiff(og[gradName(gradParam)]!.data, ready.grad);
    log(`       ∂loss/∂${gradParam} [${ready.grad_shape.join(", ")}]: max |ours − pytorch| ${d.err.toExponential(2)} (max |pytorch| ${d.scale.toExponential(2)}, ${(d.err / d.scale).toExponential(1)} of it)`);
    check(d.err <= 1e-3 * d.scale, `showo ∂loss/∂${gradParam}: max |ours − pytorch| ${d.err} > 1e-3·${d.scale}`);
    const l2 = ourLoss(o2, "total"), pl2 = p2.losses["total"]!;
    log(`       loss after one step: ours ${l2.toPrecision(7)}, pytorch ${pl2.toPrecision(7)} (rel. ${relErr(l2, pl2).toExponential(1)}); pytorch's first step took ${fmt(p1.ms)} ms, ours ${fmt(firstOurs)} (shader JIT included)`);
    check(relErr(l2, pl2) <= 1e-4, `showo loss after one AdamW step ours ${l2} vs pytorch ${pl2} (tolerance 1e-4 relative)`);

    const stepInputs = { ...batch.inputs, [OPTIM_INPUT]: optimInput(1) };
    const [tStep, tTorch, tFwd] = await timeRotating([
      { gpu: true, run: async () => void (await exe.run(stepInputs)) },
      { gpu: false, run: async () => (await peer.request<PeerStep>("step")).ms },
      { gpu: true, run: async () => void (await fwdExe.run(batch.inputs)) },
    ], opts);
    const tps = (t: Timing) => batch.tokens / (t.median / 1000);
    const mmStep = graphMatmulFlops(exe.graph), mmFwd = graphMatmulFlops(fwdExe.graph);
    log(`matmul FLOPs (from the compiled graphs; the LM head's are nearly all of them): step ${fmt(mmStep / 1e9)} GFLOP, forward ${fmt(mmFwd / 1e9)} GFLOP`);
    log(`step ours    ${describeTiming(tStep!)} → ${fmt(tps(tStep!))} tokens/s (Executable.run: upload the batch and optim, the whole step, read the 4 losses and grad_norm; as showo train)`);
    log(`step pytorch ${describeTiming(tTorch!)} → ${fmt(tps(tTorch!))} tokens/s (zero_grad, forward, backward, clip_grad_norm_, AdamW.step, timed by the peer)`);
    log(`forward ours ${describeTiming(tFwd!)} (Executable.run of the loss graph: upload the batch, forward and losses, read the 4 losses)`);
    const cost = tStep!.median / tFwd!.median;
    log(`step cost: step / forward = ${cost.toFixed(2)} (target ≤ 2.5${cost <= 2.5 ? ": met" : ": not met"}); matmul GFLOP/s over the whole run: step ours ${fmt(mmStep / 1e9 / (tStep!.median / 1000))}, pytorch ${fmt(mmStep / 1e9 / (tTorch!.median / 1000))}, forward ours ${fmt(mmFwd / 1e9 / (tFwd!.median / 1000))}`);
    if (!opts.quick) {
      const runner = await LaunchRunner.create(exe, stepInputs, params);
      logProfile("ours step per launch", await profileLaunches(runner, classifyLaunches(exe, lossGraph.outputs.map((x) => x.name)), 3), log, 15);
    }
    log(`host after timing: ${hostLoad()}`);
    return {
      result: { name: "train-showo", ratio: tps(tStep!) / tps(tTorch!), ours: tps(tStep!), baseline: tps(tTorch!), baselineName: "pytorch-cpu", unit: "tokens/s", device: `${deviceName} (pytorch ${ready.torch} on ${ready.threads} CPU threads)` },
      note: `showo step cost: ${fmt(tStep!.median)} ms per step against ${fmt(tFwd!.median)} ms for the forward alone: ${cost.toFixed(2)}× (target ≤ 2.5×)`,
    };
  } finally {
    peer.dispose();
    gradExe?.dispose();
    fwdExe.dispose();
    exe.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// (c) MAGVIT-v2: forward alone against the step, and the convolutions' GFLOP/s

const CONV_OPS = new Set(["conv2d", "conv2d_grad_input", "conv2d_grad_weight"]);

/** FLOPs of one convolution node: 2·N·O·C·kh·kw·Ho·Wo for conv2d and for either gradient. */
export function convFlops(n: Node): number {
  const dims = (m: Node) => concreteShape(m.shape);
  switch (n.op) {
    case "conv2d": {
      const [N, O, Ho, Wo] = dims(n), w = dims(n.inputs[1]!);
      return 2 * N! * O! * Ho! * Wo! * w[1]! * w[2]! * w[3]!;
    }
    case "conv2d_grad_input": {
      const g = dims(n.inputs[0]!), w = dims(n.inputs[1]!);
      return 2 * g[0]! * g[1]! * g[2]! * g[3]! * w[1]! * w[2]! * w[3]!;
    }
    case "conv2d_grad_weight": {
      const [O, C, kh, kw] = dims(n), g = dims(n.inputs[1]!);
      return 2 * g[0]! * O! * g[2]! * g[3]! * C! * kh! * kw!;
    }
    default:
      return 0;
  }
}

/** FLOPs of one matmul node: 2·(elements of the product)·K. */
export function matmulFlops(n: Node): number {
  if (n.op !== "matmul") return 0;
  const a = concreteShape(n.inputs[0]!.shape), r = a.length;
  const K = n.attrs["transpose_a"] ? a[r - 2]! : a[r - 1]!;
  return 2 * concreteShape(n.shape).reduce((x, y) => x * y, 1) * K;
}

/** Matmul FLOPs of a run, from the (lowered) graph (fused attention kernels not counted). */
export function graphMatmulFlops(g: Graph): number {
  return g.nodes().reduce((s, n) => s + matmulFlops(n), 0);
}

/** Convolution FLOPs of a run, by op, from the (lowered) graph. */
export function graphConvFlops(g: Graph): { total: number; byOp: Record<string, { flops: number; count: number }> } {
  const byOp: Record<string, { flops: number; count: number }> = {};
  let total = 0;
  for (const n of g.nodes()) {
    if (!CONV_OPS.has(n.op)) continue;
    const f = convFlops(n);
    const e = (byOp[n.op] ??= { flops: 0, count: 0 });
    e.flops += f;
    e.count++;
    total += f;
  }
  return { total, byOp };
}

async function benchMagvit2(opts: TrainBenchOptions, log: Log, device: WgslDevice): Promise<string> {
  const m = MAGVIT_BENCH, cfg = getMagvit2Config(m.model);
  log("");
  log(`== magvit2: one training step of ${cfg.name} (ch ${cfg.ch}, ${cfg.zChannels} latent bits), batch ${m.batch}, ${m.resolution}×${m.resolution}, ` +
    `${m.recon.toUpperCase()} reconstruction + 0.25·commitment + 0.1·LFQ entropy over all ${2 ** cfg.zChannels} codes, f32, weights from initParams(seed 1)`);
  const model = new Magvit2(cfg);
  const weights = initParams(model, 1);
  const images = initTensor("f32", [m.batch, cfg.inChannels, m.resolution, m.resolution], uniform(-1, 1), 2);
  const lossGraph = magvit2LossGraph(cfg, { batch: m.batch, resolution: m.resolution, recon: m.recon }, model);
  const step = trainStep(lossGraph);
  const params = stepParams(step, weights);
  const fwdExe = await compile(lossGraph, { target: "wgsl", device });
  const exe = await compile(step.graph, { target: "wgsl", device, state: step.state });
  log(`ours forward (the loss graph): ${kernelSummary(fwdExe)}`);
  log(`ours step: ${kernelSummary(exe)}`);
  try {
    fwdExe.setParams(weights);
    exe.setParams(params);
    let t0 = performance.now();
    const of = await fwdExe.run({ images });
    const firstFwd = performance.now() - t0;
    t0 = performance.now();
    const os = await exe.run({ images, [OPTIM_INPUT]: optimInput(1) });
    const firstStep = performance.now() - t0;
    const lf = of["loss"]!.data[0]!, ls = os["loss"]!.data[0]!;
    log(`check: loss forward ${lf.toPrecision(7)}, step ${ls.toPrecision(7)}; gradient norm ${os["grad_norm"]!.data[0]!.toPrecision(5)}; first runs (shader JIT included) forward ${fmt(firstFwd)} ms, step ${fmt(firstStep)} ms`);
    check(relErr(lf, ls) <= 1e-6 && Number.isFinite(os["grad_norm"]!.data[0]!), `magvit2: the step's loss ${ls} differs from the forward's ${lf}, or its gradient norm is not finite`);
    const stepInputs = { images, [OPTIM_INPUT]: optimInput(1) };
    const [tStep, tFwd] = await timeRotating([
      { gpu: true, run: async () => void (await exe.run(stepInputs)) },
      { gpu: true, run: async () => void (await fwdExe.run({ images })) },
    ], opts);
    const cf = graphConvFlops(fwdExe.graph), cs = graphConvFlops(exe.graph);
    const fmtOps = (c: ReturnType<typeof graphConvFlops>) => Object.entries(c.byOp).map(([k, v]) => `${k} ×${v.count} ${fmt(v.flops / 1e9)}`).join(", ");
    log(`step ours    ${describeTiming(tStep!)} → ${fmt(m.batch / (tStep!.median / 1000))} images/s`);
    log(`forward ours ${describeTiming(tFwd!)} → ${fmt(m.batch / (tFwd!.median / 1000))} images/s`);
    const cost = tStep!.median / tFwd!.median;
    log(`step cost: step / forward = ${cost.toFixed(2)}`);
    log(`convolution FLOPs (from the compiled graphs): forward ${fmt(cf.total / 1e9)} GFLOP (${fmtOps(cf)}); step ${fmt(cs.total / 1e9)} GFLOP (${fmtOps(cs)})`);
    log(`convolution GFLOP/s over the whole run: forward ${fmt(cf.total / 1e9 / (tFwd!.median / 1000))}, step ${fmt(cs.total / 1e9 / (tStep!.median / 1000))}`);
    let convNote = "";
    if (!opts.quick) {
      const runner = await LaunchRunner.create(exe, stepInputs, params);
      const times = await profileLaunches(runner, classifyLaunches(exe, lossGraph.outputs.map((x) => x.name)), 3);
      logProfile("ours step per launch", times, log, 15);
      // A launch computes a convolution when its label names the conv op (a label starts with
      // its root node's op; a fused epilogue follows).
      const convTime: Record<string, number> = {};
      for (const t of times) {
        const op = [...CONV_OPS].sort((a, b) => b.length - a.length).find((c) => t.label.startsWith(`${c} `));
        if (op) convTime[op] = (convTime[op] ?? 0) + t.ms;
      }
      const convMs = Object.values(convTime).reduce((a, b) => a + b, 0);
      const perOp = Object.entries(convTime).map(([op, ms]) => `${op} ${fmt(ms)} ms → ${fmt((cs.byOp[op]?.flops ?? 0) / 1e9 / (ms / 1000))} GFLOP/s`).join("; ");
      log(`convolution launches alone: ${fmt(convMs)} ms of ${fmt(times.reduce((a, t) => a + t.ms, 0))} → ${fmt(cs.total / 1e9 / (convMs / 1000))} GFLOP/s (${perOp})`);
      convNote = `, conv launches alone ${fmt(cs.total / 1e9 / (convMs / 1000))} GFLOP/s`;
    }
    log(`host after timing: ${hostLoad()}`);
    return `magvit2 step cost: ${fmt(tStep!.median)} ms per step against ${fmt(tFwd!.median)} ms for the forward alone: ${cost.toFixed(2)}×; convolutions ${fmt(cs.total / 1e9)} GFLOP per step, ${fmt(cs.total / 1e9 / (tStep!.median / 1000))} GFLOP/s over the step${convNote}`;
  } finally {
    fwdExe.dispose();
    exe.dispose();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // node bench/train.ts [block] [showo] [magvit2] [--quick]
  const args = process.argv.slice(2);
  const quick = args.includes("--quick");
  const parts = args.filter((a) => !a.startsWith("--")) as TrainPart[];
  await runTrainBench({ reps: quick ? 3 : 5, warmup: quick ? 1 : 2, quick, ...(parts.length ? { parts } : {}) });
}
