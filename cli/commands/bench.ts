// `showo bench NAME`: our compiled kernels against a baseline measured in the same run (TensorFlow.js's
// WebGPU backend on the same adapter, our own unfused path, or decoding without the KV cache; see
// BENCHMARKS.md). With `--target cuda` (matmul, showo-forward): our CUDA kernels against PyTorch on
// the same GPU (bench/cuda.ts). The last line printed is the headline result:
//
//   NAME: ratio R (ours A UNIT vs BASELINE B UNIT) on DEVICE
//
// The bench modules are loaded only when a bench runs, so `showo --help` never loads TensorFlow.js.

import type { Command } from "commander";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const BENCHES = ["matmul", "block", "attention", "attention-grad", "sample", "mmu", "train", "showo-forward"] as const;
/** The benches that run on the CUDA target (against PyTorch). */
export const CUDA_BENCHES = ["matmul", "showo-forward"] as const;

export interface BenchCliOptions {
  readonly sizes?: string;
  readonly reps?: string;
  readonly warmup?: string;
  readonly quick?: boolean;
  /** sample: the mid-size Show-o (hidden 512, 8 layers) instead of showo-tiny. */
  readonly mid?: boolean;
  /** sample: MaskGIT steps (default 16; 4 with --mid). */
  readonly steps?: string;
  /** "wgsl" (default) or "cuda". */
  readonly target?: string;
  /** train: which parts, comma-separated (block, showo, magvit2; default all). */
  readonly parts?: string;
}

function positiveInt(what: string, s: string): number {
  const v = Number(s);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${what} must be a positive integer, got '${s}'`);
  return v;
}

export function parseSizes(s: string): number[] {
  const parts = s.split(/[,\s]+/).filter((p) => p.length > 0);
  if (parts.length === 0) throw new Error("--sizes needs at least one size, e.g. --sizes 256,512,1024");
  return parts.map((p) => positiveInt("each of --sizes", p.replace(/\^3$|³$/, "")));
}

export async function runBench(name: string, opts: BenchCliOptions, log: (s: string) => void = console.log): Promise<void> {
  if (!existsSync(fileURLToPath(new URL("../../bench/", import.meta.url)))) {
    throw new Error("showo bench runs the benchmarks in bench/, which need the repository's golden fixtures and are not in the npm package: run it from a clone of the repository");
  }
  const quick = opts.quick ?? false;
  const base = {
    reps: opts.reps !== undefined ? positiveInt("--reps", opts.reps) : quick ? 3 : 5,
    warmup: opts.warmup !== undefined ? positiveInt("--warmup", opts.warmup) : quick ? 1 : 2,
    quick,
  };
  const sizes = opts.sizes !== undefined ? parseSizes(opts.sizes) : undefined;
  const target = opts.target ?? "wgsl";
  if (target !== "wgsl" && target !== "cuda") throw new Error(`--target must be 'wgsl' or 'cuda', got '${target}'`);
  if (target === "cuda") {
    switch (name) {
      case "matmul": {
        const { runCudaMatmulBench } = await import("../../bench/cuda.ts");
        await runCudaMatmulBench({ ...base, ...(sizes ? { sizes } : {}) }, log);
        return;
      }
      case "showo-forward": {
        const { runShowoForwardBench } = await import("../../bench/cuda.ts");
        await runShowoForwardBench({ ...base, ...(sizes ? { seqs: sizes } : {}) }, log);
        return;
      }
      default:
        throw new Error(`bench '${name}' has no CUDA version (with --target cuda: ${CUDA_BENCHES.join(", ")})`);
    }
  }
  switch (name) {
    case "matmul": {
      const { runMatmulBench } = await import("../../bench/matmul.ts");
      await runMatmulBench({ ...base, ...(sizes ? { sizes } : {}) }, log);
      return;
    }
    case "block": {
      const { runBlockBench } = await import("../../bench/block.ts");
      await runBlockBench({ ...base, ...(sizes ? { seqs: sizes } : {}) }, log);
      return;
    }
    case "attention": {
      const { runAttentionBench } = await import("../../bench/attention.ts");
      await runAttentionBench(base, log);
      return;
    }
    case "attention-grad": {
      const { runAttentionGradBench } = await import("../../bench/attention-grad.ts");
      await runAttentionGradBench(base, log);
      return;
    }
    case "sample": {
      // T2I with and without the text K/V reuse, then MMU with and without the KV cache; the
      // T2I line is the headline (last).
      const { runMmuBench } = await import("../../bench/mmu.ts");
      const { runSampleBench } = await import("../../bench/sample.ts");
      await runMmuBench(base, log);
      await runSampleBench({ ...base, ...(opts.mid ? { mid: true } : {}), ...(opts.steps !== undefined ? { steps: positiveInt("--steps", opts.steps) } : {}) }, log);
      return;
    }
    case "mmu": {
      const { runMmuBench } = await import("../../bench/mmu.ts");
      await runMmuBench(base, log);
      return;
    }
    case "train": {
      // One training step: the Phi block against tfjs (the headline, last), Show-o against
      // PyTorch on the CPU and its forward alone, MAGVIT-v2's step and its convolutions.
      const { TRAIN_PARTS, runTrainBench } = await import("../../bench/train.ts");
      let parts: (typeof TRAIN_PARTS)[number][] | undefined;
      if (opts.parts !== undefined) {
        const names = opts.parts.split(/[,\s]+/).filter((p) => p.length > 0);
        for (const p of names) if (!(TRAIN_PARTS as readonly string[]).includes(p)) throw new Error(`--parts: unknown part '${p}' (parts: ${TRAIN_PARTS.join(", ")})`);
        if (names.length === 0) throw new Error(`--parts needs at least one of ${TRAIN_PARTS.join(", ")}`);
        parts = names as (typeof TRAIN_PARTS)[number][];
      }
      await runTrainBench({ ...base, ...(parts ? { parts } : {}) }, log);
      return;
    }
    case "showo-forward":
      throw new Error("bench 'showo-forward' runs only with --target cuda (against PyTorch on the same GPU)");
    default:
      throw new Error(`unknown bench '${name}' (benches: ${BENCHES.join(", ")})`);
  }
}

export function register(program: Command): void {
  program
    .command("bench")
    .description("time our compiled kernels against a baseline measured in the same run: tfjs-webgpu (matmul, block, train), our unfused path (attention), no KV cache (mmu), PyTorch on the CPU (train's Show-o step); with --target cuda, PyTorch on the same GPU (matmul, showo-forward); see BENCHMARKS.md")
    .argument("<name>", `which bench: ${BENCHES.join(" | ")}`)
    .option("--sizes <list>", "comma-separated sizes: n for matmul n×n·n×n (default 256,512,1024,2048; CUDA 1024,2048,4096), sequence lengths for block (default 256) and showo-forward (default 387)")
    .option("--reps <n>", "timed runs per measurement; the median is reported (default 5, --quick 3)")
    .option("--warmup <n>", "untimed runs before timing (default 2, --quick 1)")
    .option("--quick", "fewer sizes (matmul without 2048) and runs, no end-to-end timings")
    .option("--mid", "sample: a mid-size Show-o (hidden 512, 8 layers, 256 image tokens) with random weights")
    .option("--steps <n>", "sample: MaskGIT steps (default 16, 4 with --mid)")
    .option("--parts <list>", "train: which parts, comma-separated: block (vs tfjs-webgpu), showo (vs PyTorch CPU, and the forward alone), magvit2 (default all)")
    .option("--target <target>", "wgsl (default) or cuda: our CUDA kernels against PyTorch on the same GPU (matmul, showo-forward; needs an NVIDIA driver and a Python with torch, $SHOWO_PYTHON or python3)")
    .addHelpText("after", "\nThe last line is the headline: NAME: ratio R (ours A UNIT vs BASELINE B UNIT) on DEVICE (R > 1: ours is better).")
    .action(async (name: string, opts: BenchCliOptions) => {
      await runBench(name, opts);
    });
}
