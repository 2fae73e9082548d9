// The CUDA benches: our kernels compiled for the CUDA target against PyTorch on the same GPU, in
// the same run (bench/torch_peer.py, run with $SHOWO_PYTHON or python3 after ours has finished
// and freed its memory).
//
//   matmul (`showo bench matmul --target cuda`):
//     shapes: a f32[n, n], b f32[n, n] → c f32[n, n]; 2n³ FLOP per product; vs torch.matmul in
//     f32 (TF32 off). Ours is checked first: 64 sampled entries against a float64 dot product.
//   showo-forward (`showo bench showo-forward --target cuda`):
//     shapes: ids i32[2, L], positions i32[L] → logits f32[2, L, 58498]; Show-o 256 (Phi-1.5:
//     24 layers, hidden 2048) with random weights, causal mask, L = 387 (the T2I length) by
//     default; vs the same forward written in PyTorch (F.scaled_dot_product_attention, causal).
//     Its numerics are checked by the golden tests (SHOWO_TARGET=cuda); here only that the logits
//     are finite.
//
// Timed on both sides: GPU work with inputs resident on the device, host wall time from launch to
// synchronize, median of --reps after --warmup. The device is opened first, so without a GPU the
// bench fails at once with the driver's "no CUDA driver found (…)" error.

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { CudaDevice } from "../backends/cuda/device.ts";
import { initParams } from "../compiler/dsl/nn.ts";
import { trace } from "../compiler/dsl/trace.ts";
import type { RefTensor } from "../compiler/ir/ref.ts";
import { tensor } from "../compiler/ir/ref.ts";
import { SHOWO_256, Showo, showoGraph, t2iSeqLen } from "../models/showo.ts";
import { positionsFor } from "../models/showo-prompts.ts";
import { compile, openDeviceFor } from "../runtime/executable.ts";
import { LaunchRunner } from "./launches.ts";
import type { BenchOptions, Log, ResultLine, Timing } from "./util.ts";
import { describeTiming, fmt, resultLine, time, uniformF32 } from "./util.ts";

export const CUDA_MATMUL_SIZES: readonly number[] = [1024, 2048, 4096];
export const CUDA_MATMUL_QUICK_SIZES: readonly number[] = [1024, 2048];
/** The size whose line comes last (the headline). */
export const CUDA_MATMUL_HEADLINE = 2048;
export const SHOWO_FORWARD_BATCH = 2;

export interface CudaMatmulBenchOptions extends BenchOptions {
  readonly sizes?: readonly number[];
}

export interface ShowoForwardBenchOptions extends BenchOptions {
  /** Sequence lengths (default the T2I length of Show-o 256). */
  readonly seqs?: readonly number[];
}

const gflops = (n: number, ms: number) => (2 * n ** 3) / (ms * 1e6);

/** What bench/torch_peer.py prints as its last line. */
interface PeerResult {
  readonly device: string;
  readonly torch: string;
  readonly median_ms: number;
  readonly min_ms: number;
  readonly max_ms: number;
  readonly first_ms: number;
  readonly check: string;
}

/** Runs bench/torch_peer.py with `args` and returns its result (throws with its stderr when it fails). */
export function runTorchPeer(args: readonly string[]): PeerResult {
  const python = process.env["SHOWO_PYTHON"] ?? "python3";
  const script = fileURLToPath(new URL("./torch_peer.py", import.meta.url));
  const r = spawnSync(python, [script, ...args], { encoding: "utf8", maxBuffer: 1 << 24 });
  if (r.error) throw new Error(`the PyTorch peer could not start (${python}): ${r.error.message}; set SHOWO_PYTHON to a Python with torch`);
  if (r.status !== 0) throw new Error(`the PyTorch peer failed (${python} ${script} ${args[0]}, exit ${r.status}):\n${r.stderr.trim()}`);
  const last = r.stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(last) as PeerResult;
  } catch {
    throw new Error(`the PyTorch peer printed no result line (last line: '${last}')`);
  }
}

function peerTiming(p: PeerResult): string {
  return `median ${fmt(p.median_ms)} ms (min ${fmt(p.min_ms)}, max ${fmt(p.max_ms)}, first ${fmt(p.first_ms)})`;
}

async function openCuda(log: Log): Promise<CudaDevice> {
  const device = await openDeviceFor("cuda");
  log(`device: ${device.description}`);
  return device;
}

/** `showo bench matmul --target cuda`: one result per size, the headline last (also printed last). */
export async function runCudaMatmulBench(opts: CudaMatmulBenchOptions, log: Log = console.log): Promise<ResultLine[]> {
  const sizes = opts.sizes ?? (opts.quick ? CUDA_MATMUL_QUICK_SIZES : CUDA_MATMUL_SIZES);
  for (const n of sizes) if (!Number.isInteger(n) || n < 1) throw new Error(`matmul size must be a positive integer, got ${n}`);
  const device = await openCuda(log);
  log(`timing: GPU time with inputs resident (launch → synchronize), median of ${opts.reps} after ${opts.warmup} warm-up; ours first, then PyTorch (f32, TF32 off) in a child process`);
  const ours = new Map<number, Timing>();
  try {
    for (const n of sizes) ours.set(n, await timeOurMatmul(n, opts, log, device));
  } finally {
    device.dispose();
  }
  const results: ResultLine[] = [];
  for (const n of sizes) {
    const p = runTorchPeer(["matmul", String(n), String(opts.reps), String(opts.warmup)]);
    const t = ours.get(n)!;
    log(`matmul ${n}: ours ${describeTiming(t)} → ${fmt(gflops(n, t.median))} GFLOP/s; torch ${p.torch} ${peerTiming(p)} → ${fmt(gflops(n, p.median_ms))} GFLOP/s (${p.check})`);
    const o = gflops(n, t.median), b = gflops(n, p.median_ms);
    results.push({ name: `matmul-cuda-${n}`, ratio: o / b, ours: o, baseline: b, baselineName: "pytorch", unit: "GFLOP/s", device: p.device });
  }
  const headline = results.find((r) => r.name === `matmul-cuda-${CUDA_MATMUL_HEADLINE}`) ?? results[results.length - 1]!;
  const ordered = [...results.filter((r) => r !== headline), headline];
  log("");
  for (const r of ordered) log(resultLine(r));
  return ordered;
}

async function timeOurMatmul(n: number, opts: BenchOptions, log: Log, device: CudaDevice): Promise<Timing> {
  const graph = trace(`matmul_${n}`, { a: { dtype: "f32", shape: [n, n] }, b: { dtype: "f32", shape: [n, n] } }, ({ a, b }) => ({ c: a!.matmul(b!) }));
  const av = uniformF32(n * n, 0x5eed + n), bv = uniformF32(n * n, 0xbeef + n);
  const a: RefTensor = { dtype: "f32", shape: [n, n], data: Float64Array.from(av) };
  const b: RefTensor = { dtype: "f32", shape: [n, n], data: Float64Array.from(bv) };
  const exe = await compile(graph, { target: "cuda", device });
  try {
    const runner = await LaunchRunner.create(exe, { a, b }, {});
    await runner.dispatch();
    const c = (await runner.read("c")).data;
    // Check first: a fast wrong answer is not a result.
    let err = 0, scale = 0;
    for (let s = 0; s < 64; s++) {
      const i = (s * 7919 + 3) % n, j = (s * 104729 + 5) % n;
      let ref = 0;
      for (let k = 0; k < n; k++) ref += av[i * n + k]! * bv[k * n + j]!;
      err = Math.max(err, Math.abs(ref - c[i * n + j]!));
      scale = Math.max(scale, Math.abs(ref));
    }
    const tol = 1e-4 * Math.max(1, scale);
    if (!(err <= tol)) throw new Error(`matmul ${n}: our product is wrong (sampled max |err| ${err} > ${tol})`);
    log(`matmul ${n}: ${exe.dispatchCount} launch(es) (${exe.compiled.launches.map((l) => l.kernel.name).join(", ")}); 64 sampled entries vs float64 max |err| ${err.toExponential(2)} (tol ${tol.toExponential(1)})`);
    return await time(() => runner.dispatch(), opts);
  } finally {
    exe.dispose();
  }
}

/** `showo bench showo-forward --target cuda`: one result per sequence length, the last printed last. */
export async function runShowoForwardBench(opts: ShowoForwardBenchOptions, log: Log = console.log): Promise<ResultLine[]> {
  const seqs = opts.seqs ?? [t2iSeqLen(SHOWO_256)];
  for (const L of seqs) if (!Number.isInteger(L) || L < 1) throw new Error(`sequence length must be a positive integer, got ${L}`);
  const device = await openCuda(log);
  const cfg = SHOWO_256, B = SHOWO_FORWARD_BATCH;
  log(`model: ${cfg.name} (${cfg.layers} layers, hidden ${cfg.hidden}, ${cfg.heads} heads, vocab ${cfg.vocab}), batch ${B}, random weights, causal mask`);
  log(`timing: GPU time with inputs resident (launch → synchronize), median of ${opts.reps} after ${opts.warmup} warm-up; ours first, then PyTorch (f32, TF32 off) in a child process`);
  const ours = new Map<number, Timing>();
  try {
    const model = new Showo(cfg);
    const weights = initParams(model, 20240815);
    for (const L of seqs) {
      const exe = await compile(showoGraph(cfg, { batch: B, seq: L }, model), { target: "cuda", device });
      try {
        const ids = Array.from({ length: B * L }, (_, i) => (i * 7919 + 13) % cfg.vocab);
        const runner = await LaunchRunner.create(exe, { ids: tensor("i32", [B, L], ids), positions: tensor("i32", [L], positionsFor(L)) }, weights);
        await runner.dispatch();
        const logits = (await runner.read("logits")).data;
        const bad = logits.findIndex((v) => !Number.isFinite(v));
        if (bad >= 0) throw new Error(`showo-forward L=${L}: our logits have a non-finite value at ${bad}`);
        log(`L=${L}: ours ${exe.dispatchCount} launches, compiled in ${fmt(exe.summary().compileMs)} ms; logits [${B}, ${L}, ${cfg.vocab}] all finite`);
        ours.set(L, await time(() => runner.dispatch(), opts));
      } finally {
        exe.dispose();
      }
    }
  } finally {
    device.dispose();
  }
  const config = JSON.stringify({ hidden: cfg.hidden, layers: cfg.layers, heads: cfg.heads, mlp: cfg.mlp, vocab: cfg.vocab, partialRotary: cfg.partialRotary, ropeBase: cfg.ropeBase, eps: cfg.eps });
  const results: ResultLine[] = [];
  for (const L of seqs) {
    const p = runTorchPeer(["showo-forward", config, String(B), String(L), String(opts.reps), String(opts.warmup)]);
    const t = ours.get(L)!;
    log(`L=${L}: ours ${describeTiming(t)}; torch ${p.torch} ${peerTiming(p)} (${p.check})`);
    results.push({ name: seqs.length === 1 ? "showo-forward" : `showo-forward-seq${L}`, ratio: p.median_ms / t.median, ours: t.median, baseline: p.median_ms, baselineName: "pytorch", unit: "ms", device: p.device });
  }
  log("");
  for (const r of results) log(resultLine(r));
  return results;
}
