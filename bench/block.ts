// block: one Phi-style transformer block (QK-Norm, partial rotary, parallel residual) compiled by
// us from models/phi-block.ts, against the same block written with TensorFlow.js ops on its WebGPU
// backend, same process, same Dawn GPU object, same random weights. Forward only.
//
// shapes: x f32[1, L, 256], positions i32[L] → out f32[1, L, 256], loss = mean(out²) f32[];
//         hidden 256, 4 heads (head_dim 64, rotary_dim 32), MLP 1024, L = 256 by default.
//
// The TensorFlow.js block is what a careful user would write: fused matMul with bias for every
// Linear (weights [out, in], transposeB), LayerNorm from moments, per-head q/k LayerNorm,
// split-half partial rotary from the positions, causal attention as q·kᵀ·scale + mask → softmax →
// ·v with the additive mask built once outside the timed region, gelu (tanh form) from its
// formula, parallel residual, and the same loss.
//
// Timed (the headline): GPU time of one forward with inputs and weights resident — ours: record
// every launch, submit, await onSubmittedWorkDone; tfjs: run the ops (they record into the
// backend's command encoder), submit, await onSubmittedWorkDone. JS-side op dispatch counts for
// both. Runs alternate between the sides; medians are reported. Unless --quick, also end to end
// (host x in → out and loss on the host).
//
// Checked before any timing: ours against the float64 reference interpreter, and ours against
// TensorFlow.js.

import { fileURLToPath } from "node:url";
import type * as Tf from "@tensorflow/tfjs-core";
import { run as runReference } from "../backends/reference/interpreter.ts";
import type { Graph } from "../compiler/ir/graph.ts";
import type { RefTensor } from "../compiler/ir/ref.ts";
import { concreteShape } from "../compiler/ir/types.ts";
import type { PhiConfig } from "../models/phi-block.ts";
import { headDim, phiBlockGraph, rotaryDim } from "../models/phi-block.ts";
import { compile } from "../runtime/executable.ts";
import { LaunchRunner } from "./launches.ts";
import type { BenchOptions, Log, ResultLine, TfWebgpu } from "./util.ts";
import { describeTiming, fmt, hostLoad, loadTfjsWebgpu, maxAbsDiff, openBenchGpu, resultLine, time, timePair, uniformF32 } from "./util.ts";

export const BLOCK_CONFIG: PhiConfig = { hidden: 256, heads: 4, mlp: 1024, partialRotary: 0.5, ropeBase: 10000, eps: 1e-5 };
export const BLOCK_SEQ = 256;

export interface BlockBenchOptions extends BenchOptions {
  /** Sequence lengths to run (default [256]); the last one's line is the headline. */
  readonly seqs?: readonly number[];
}

/** Runs the block benchmark; returns one result per sequence length, the last printed last. */
export async function runBlockBench(opts: BlockBenchOptions, log: Log = console.log): Promise<ResultLine[]> {
  const seqs = opts.seqs ?? [BLOCK_SEQ];
  for (const L of seqs) if (!Number.isInteger(L) || L < 1) throw new Error(`block sequence length must be a positive integer, got ${L}`);
  const { device, name: deviceName } = await openBenchGpu();
  const tfw = await loadTfjsWebgpu();
  const cfg = BLOCK_CONFIG;
  log(`device: ${deviceName} (tfjs adapter: ${tfw.name})`);
  log(`tfjs-core ${tfw.tf.version_core}, backend ${tfw.tf.getBackend()}; ${hostLoad()}`);
  log(`Phi block: hidden ${cfg.hidden}, ${cfg.heads} heads (head_dim ${headDim(cfg)}, rotary_dim ${rotaryDim(cfg)}), mlp ${cfg.mlp}, QK-Norm, parallel residual, batch 1, f32, forward only`);
  log(`timing: GPU time with inputs and weights resident (ops recorded → submit → onSubmittedWorkDone), median of ${opts.reps} after ${opts.warmup} warm-up, both sides alternating`);
  const results: ResultLine[] = [];
  try {
    for (const L of seqs) {
      const r = await benchSeq(L, opts, log, deviceName, tfw, device);
      results.push(r);
    }
  } finally {
    device.dispose();
    tfw.backend.dispose();
  }
  log("");
  for (const r of results) log(resultLine(r));
  return results;
}

type Device = Awaited<ReturnType<typeof openBenchGpu>>["device"];

async function benchSeq(L: number, opts: BlockBenchOptions, log: Log, deviceName: string, tfw: TfWebgpu, device: Device): Promise<ResultLine> {
  const cfg = BLOCK_CONFIG, H = cfg.hidden, { tf } = tfw;
  log("");
  log(`== block, sequence ${L} (${fmt(blockFlops(cfg, L) / 1e9)} GFLOP per forward, counting matmuls and attention products)`);
  const graph = phiBlockGraph(cfg, { batch: 1, seq: L });
  const params = randomParams(graph, 0x0b10c);
  const x: RefTensor = { dtype: "f32", shape: [1, L, H], data: Float64Array.from(uniformF32(L * H, 0x7e57 + L)) };
  const positions: RefTensor = { dtype: "i32", shape: [L], data: Float64Array.from({ length: L }, (_, i) => i) };

  let t0 = performance.now();
  const exe = await compile(graph, { target: "wgsl", device });
  const compileMs = performance.now() - t0;
  // The first Executable.run (inside create) includes the shader JIT that llvmpipe does on a
  // pipeline's first dispatch.
  t0 = performance.now();
  const runner = await LaunchRunner.create(exe, { x, positions }, params);
  const firstOurs = performance.now() - t0;
  const kernels = new Map<string, number>();
  for (const l of exe.compiled.launches) kernels.set(l.kernel.name, (kernels.get(l.kernel.name) ?? 0) + 1);
  log(`ours: ${exe.dispatchCount} dispatches, ${kernels.size} distinct kernels, compiled in ${fmt(compileMs)} ms`);
  log(`  ${[...kernels].map(([k, c]) => (c > 1 ? `${k} ×${c}` : k)).join(", ")}`);

  // tfjs side: weights and inputs as resident tensors, the mask and inverse frequencies built once.
  const P: Record<string, Tf.Tensor> = {};
  for (const [name, t] of Object.entries(params)) P[name] = tf.tensor(Float32Array.from(t.data), [...t.shape], "float32");
  const tx = tf.tensor(Float32Array.from(x.data), [1, L, H], "float32");
  const tpos = tf.tensor1d(Int32Array.from(positions.data), "int32");
  const consts = tfConstants(tf, cfg, L);
  const forward = () => tf.tidy(() => tfBlock(tf, cfg, P, consts, tx, tpos));
  try {
    // Check first.
    await runner.dispatch();
    const ours = { out: await runner.read("out"), loss: await runner.read("loss") };
    t0 = performance.now();
    const ref = runReference(graph, { x, positions }, params);
    const refMs = performance.now() - t0;
    t0 = performance.now();
    const tout = forward();
    const theirs = { out: await tout.out.data(), loss: await tout.loss.data() };
    const firstTf = performance.now() - t0;
    tf.dispose([tout.out, tout.loss]);
    const vsRef = maxAbsDiff(ours.out.data, ref["out"]!.data);
    const vsTf = maxAbsDiff(ours.out.data, theirs.out as Float32Array);
    const tfVsRef = maxAbsDiff(theirs.out as Float32Array, ref["out"]!.data);
    const lossRef = ref["loss"]!.data[0]!, lossOurs = ours.loss.data[0]!, lossTf = theirs.loss[0]!;
    log(`check: out max |err| ours vs float64 reference ${vsRef.err.toExponential(2)}, tfjs vs reference ${tfVsRef.err.toExponential(2)}, ours vs tfjs ${vsTf.err.toExponential(2)} (max |out| ${fmt(vsRef.scale)}; reference took ${fmt(refMs)} ms)`);
    log(`       loss reference ${lossRef.toPrecision(8)}, ours ${lossOurs.toPrecision(8)}, tfjs ${lossTf.toPrecision(8)}`);
    const tol = 1e-3 * Math.max(1, vsRef.scale);
    if (!(vsRef.err <= tol)) throw new Error(`block ${L}: our output is wrong (max |err| vs reference ${vsRef.err} > ${tol})`);
    if (!(tfVsRef.err <= tol)) throw new Error(`block ${L}: the TensorFlow.js block disagrees with the reference (max |err| ${tfVsRef.err} > ${tol}); fix it before timing`);
    if (!(vsTf.err <= tol)) throw new Error(`block ${L}: ours and tfjs disagree (max |diff| ${vsTf.err} > ${tol})`);
    if (!(Math.abs(lossOurs - lossRef) <= 1e-3 * Math.max(1, Math.abs(lossRef)))) throw new Error(`block ${L}: our loss ${lossOurs} differs from the reference ${lossRef}`);
    log(`first run (shader JIT included; upload and readback too): ours ${fmt(firstOurs)} ms, tfjs ${fmt(firstTf)} ms`);

    const [gOurs, gTf] = await timePair(
      () => runner.dispatch(),
      async () => {
        const r = forward();
        await tfw.sync();
        tf.dispose([r.out, r.loss]);
      },
      opts,
    );
    log(`GPU time   ours ${describeTiming(gOurs)}`);
    log(`GPU time   tfjs ${describeTiming(gTf)}`);

    if (!opts.quick) {
      // Where our time goes: each launch alone, one submit each (so the sum includes a submit and
      // a wait per launch that the whole run pays once).
      const per: { label: string; ms: number }[] = [];
      for (let k = 0; k < exe.compiled.launches.length; k++) {
        const t = await time(() => runner.dispatchOne(k), { reps: Math.max(3, opts.reps), warmup: 1 });
        per.push({ label: exe.compiled.launches[k]!.label, ms: t.median });
      }
      const total = per.reduce((a, p) => a + p.ms, 0);
      log(`ours per launch (each alone, median; sum ${fmt(total)} ms):`);
      for (const p of per) log(`  ${fmt(p.ms).padStart(6)} ms ${((100 * p.ms) / total).toFixed(0).padStart(3)}%  ${p.label}`);
      const xf = Float32Array.from(x.data), pf = Int32Array.from(positions.data);
      const [eOurs, eTf] = await timePair(
        async () => void (await exe.run({ x, positions })),
        async () => {
          const xi = tf.tensor(xf, [1, L, H], "float32"), pi = tf.tensor1d(pf, "int32");
          const r = tf.tidy(() => tfBlock(tf, cfg, P, consts, xi, pi));
          await r.out.data();
          await r.loss.data();
          tf.dispose([xi, pi, r.out, r.loss]);
        },
        opts,
      );
      log(`end to end ours ${describeTiming(eOurs)} (Executable.run: upload x, dispatch, read out and loss)`);
      log(`end to end tfjs ${describeTiming(eTf)} (tensors from x, forward, data() of out and loss)`);
    }
    log(`host after timing: ${hostLoad()}`);
    return { name: L === BLOCK_SEQ ? "block" : `block-seq${L}`, ratio: gTf.median / gOurs.median, ours: gOurs.median, baseline: gTf.median, baselineName: "tfjs-webgpu", unit: "ms", device: deviceName };
  } finally {
    tf.dispose([...Object.values(P), tx, tpos, consts.mask, consts.invFreq]);
    exe.dispose();
  }
}

/** Matmul and attention-product FLOPs of one forward (elementwise work not counted). */
export function blockFlops(cfg: PhiConfig, L: number): number {
  const H = cfg.hidden;
  return 2 * L * H * H * 4 + 2 * L * H * cfg.mlp * 2 + 2 * 2 * L * L * H;
}

/**
 * Random values for every parameter, f32-representable so both sides see identical numbers:
 * Linear weights uniform with variance 1/fan_in, LayerNorm weights 1 ± 0.2, biases ± 0.2 (so that
 * the affine parts of the norms and the biases are checked too, unlike the ones/zeros init).
 */
export function randomParams(graph: Graph, seed: number): Record<string, RefTensor> {
  const out: Record<string, RefTensor> = {};
  graph.params.forEach((p, i) => {
    const name = String(p.attrs["name"]);
    const shape = concreteShape(p.shape);
    const n = shape.reduce((a, b) => a * b, 1);
    const u = uniformF32(n, seed + 977 * i);
    let f: (v: number) => number;
    if (shape.length === 2) {
      const bound = Math.sqrt(3 / shape[1]!);
      f = (v) => v * bound;
    } else if (name.endsWith(".weight")) f = (v) => 1 + 0.2 * v;
    else f = (v) => 0.2 * v;
    out[name] = { dtype: p.dtype, shape, data: Float64Array.from(Float32Array.from(u, f)) };
  });
  return out;
}

export interface TfConstants {
  /** Additive causal mask [L, L]: 0 where key j ≤ query i, −1e9 above the diagonal. */
  readonly mask: Tf.Tensor;
  /** base^(−2i/rotary_dim), i < rotary_dim/2. */
  readonly invFreq: Tf.Tensor;
}

export function tfConstants(tf: typeof Tf, cfg: PhiConfig, L: number): TfConstants {
  const m = new Float32Array(L * L);
  for (let i = 0; i < L; i++) for (let j = i + 1; j < L; j++) m[i * L + j] = -1e9;
  const rd = rotaryDim(cfg), h = rd / 2;
  const inv = Float32Array.from({ length: h }, (_, i) => Math.pow(cfg.ropeBase, (-2 * i) / rd));
  return { mask: tf.tensor2d(m, [L, L]), invFreq: tf.tensor2d(inv, [1, h]) };
}

/** The Phi block in TensorFlow.js ops: x [B, L, H], positions int32 [L] → out [B, L, H], loss []. */
export function tfBlock(tf: typeof Tf, cfg: PhiConfig, P: Readonly<Record<string, Tf.Tensor>>, c: TfConstants, x: Tf.Tensor, positions: Tf.Tensor): { out: Tf.Tensor; loss: Tf.Tensor } {
  const [B, L, H] = x.shape as [number, number, number];
  const nh = cfg.heads, hd = headDim(cfg), rd = rotaryDim(cfg), h = rd / 2;
  const p = (name: string) => {
    const t = P[name];
    if (!t) throw new Error(`no parameter '${name}'`);
    return t;
  };
  const layerNorm = (t: Tf.Tensor, prefix: string) => {
    const { mean, variance } = tf.moments(t, -1, true);
    const normed = tf.mul(tf.sub(t, mean), tf.rsqrt(tf.add(variance, cfg.eps)));
    return tf.add(tf.mul(normed, p(`${prefix}.weight`)), p(`${prefix}.bias`));
  };
  // y = t·Wᵀ + b on [rows, in] with W [out, in].
  const linear = (t: Tf.Tensor, prefix: string) =>
    tf.fused.matMul({ a: t as Tf.Tensor2D, b: p(`${prefix}.weight`) as Tf.Tensor2D, transposeB: true, bias: p(`${prefix}.bias`) });
  const heads = (t: Tf.Tensor) => tf.transpose(tf.reshape(t, [B, L, nh, hd]), [0, 2, 1, 3]); // [B, nh, L, hd]
  const theta = tf.mul(tf.reshape(tf.cast(positions, "float32"), [L, 1]), c.invFreq); // [L, h]
  const cos = tf.cos(theta), sin = tf.sin(theta);
  const rotary = (t: Tf.Tensor) => {
    const parts = tf.split(t, rd < hd ? [h, h, hd - rd] : [h, h], -1);
    const x1 = parts[0]!, x2 = parts[1]!;
    const rotated = [tf.sub(tf.mul(x1, cos), tf.mul(x2, sin)), tf.add(tf.mul(x2, cos), tf.mul(x1, sin))];
    return tf.concat(rd < hd ? [...rotated, parts[2]!] : rotated, -1);
  };
  const geluTanh = (t: Tf.Tensor) => {
    const inner = tf.mul(tf.add(t, tf.mul(tf.pow(t, 3), 0.044715)), Math.sqrt(2 / Math.PI));
    return tf.mul(tf.mul(t, 0.5), tf.add(tf.tanh(inner), 1));
  };

  const x2 = tf.reshape(x, [B * L, H]);
  const u = layerNorm(x2, "input_layernorm");
  const q = rotary(layerNorm(heads(linear(u, "self_attn.q_proj")), "self_attn.q_layernorm"));
  const k = rotary(layerNorm(heads(linear(u, "self_attn.k_proj")), "self_attn.k_layernorm"));
  const v = heads(linear(u, "self_attn.v_proj"));
  const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(hd)), c.mask); // [B, nh, L, L]
  const o = tf.reshape(tf.transpose(tf.matMul(tf.softmax(scores), v), [0, 2, 1, 3]), [B * L, H]);
  const attn = linear(o, "self_attn.dense");
  const mlp = linear(geluTanh(linear(u, "mlp.fc1")), "mlp.fc2");
  const out = tf.reshape(tf.add(tf.add(x2, attn), mlp), [B, L, H]);
  return { out, loss: tf.mean(tf.square(out)) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // node bench/block.ts [L ...]
  const seqs = process.argv.slice(2).map(Number);
  await runBlockBench({ reps: 5, warmup: 2, quick: false, ...(seqs.length ? { seqs } : {}) });
}
