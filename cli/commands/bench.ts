// `showo bench NAME`: our compiled kernels against a baseline measured in the same run (TensorFlow.js's
// WebGPU backend on the same adapter, our own unfused path, or decoding without the KV cache; see
// BENCHMARKS.md). The last line printed is the headline result:
//
//   NAME: ratio R (ours A UNIT vs BASELINE B UNIT) on DEVICE
//
// The bench modules are loaded only when a bench runs, so `showo --help` never loads TensorFlow.js.

import type { Command } from "commander";

export const BENCHES = ["matmul", "block", "attention", "mmu"] as const;

export interface BenchCliOptions {
  readonly sizes?: string;
  readonly reps?: string;
  readonly warmup?: string;
  readonly quick?: boolean;
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
  const quick = opts.quick ?? false;
  const base = {
    reps: opts.reps !== undefined ? positiveInt("--reps", opts.reps) : quick ? 3 : 5,
    warmup: opts.warmup !== undefined ? positiveInt("--warmup", opts.warmup) : quick ? 1 : 2,
    quick,
  };
  const sizes = opts.sizes !== undefined ? parseSizes(opts.sizes) : undefined;
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
    case "mmu": {
      const { runMmuBench } = await import("../../bench/mmu.ts");
      await runMmuBench(base, log);
      return;
    }
    default:
      throw new Error(`unknown bench '${name}' (benches: ${BENCHES.join(", ")})`);
  }
}

export function register(program: Command): void {
  program
    .command("bench")
    .description("time our compiled kernels against a baseline measured in the same run: tfjs-webgpu (matmul, block), our unfused path (attention), no KV cache (mmu); see BENCHMARKS.md")
    .argument("<name>", `which bench: ${BENCHES.join(" | ")}`)
    .option("--sizes <list>", "comma-separated sizes: n for matmul n×n·n×n (default 256,512,1024,2048), sequence lengths for block (default 256)")
    .option("--reps <n>", "timed runs per measurement; the median is reported (default 5, --quick 3)")
    .option("--warmup <n>", "untimed runs before timing (default 2, --quick 1)")
    .option("--quick", "fewer sizes (matmul without 2048) and runs, no end-to-end timings")
    .addHelpText("after", "\nThe last line is the headline: NAME: ratio R (ours A UNIT vs BASELINE B UNIT) on DEVICE (R > 1: ours is better).")
    .action(async (name: string, opts: BenchCliOptions) => {
      await runBench(name, opts);
    });
}
