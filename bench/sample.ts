// `showo bench sample`: text-to-image sampling (16 MaskGIT steps, guidance 1.75, 2 prompts and
// their unconditional twins) with the text block's K/V reused across steps, against the same
// sampler running the full forward every step (the reference's work). Both must produce the same
// codes from the same noise. Then the MMU half (bench/mmu.ts): tokens per second with and without
// the KV cache.
//
// Configs: showo-tiny with the golden weights (default), and with --mid a mid-size Show-o (hidden
// 512, 8 layers, 8 heads, 256 image tokens, text budget 128: L = 387) with seeded random weights.
// The mid size is slow on llvmpipe (minutes per run): give it fewer --steps.

import { fileURLToPath } from "node:url";
import { initParams } from "../compiler/dsl/nn.ts";
import type { RefTensor } from "../compiler/ir/ref.ts";
import { SHOWO_TINY, Showo } from "../models/showo.ts";
import type { ShowoConfig } from "../models/showo.ts";
import { philoxNoise } from "../runtime/sampling/noise.ts";
import { T2IForward, T2I_DEFAULTS, sampleT2I, t2iRows } from "../runtime/sampling/t2i.ts";
import { SHOWO_KEYMAP, loadWeights } from "../runtime/weights/index.ts";
import type { BenchOptions, Log, ResultLine } from "./util.ts";
import { fmt, hostLoad, median, openBenchGpu, resultLine } from "./util.ts";

const FIXTURES = new URL("../tests/golden/fixtures/", import.meta.url);

/** A mid-size Show-o: the real vocabulary layout, Phi-style layers of hidden 512. */
export const SHOWO_MID: ShowoConfig = { ...SHOWO_TINY, name: "showo-mid", hidden: 512, heads: 8, mlp: 2048, layers: 8, imageTokens: 256, textBudget: 128 };

export interface SampleBenchOptions extends BenchOptions {
  readonly mid?: boolean;
  readonly steps?: number;
}

export async function runSampleBench(opts: SampleBenchOptions, log: Log = console.log): Promise<ResultLine> {
  const cfg = opts.mid ? SHOWO_MID : SHOWO_TINY;
  const steps = opts.steps ?? (opts.mid ? 4 : 16);
  const model = new Showo(cfg);
  const weights: Record<string, RefTensor> = opts.mid
    ? initParams(model, 7)
    : await loadWeights(fileURLToPath(new URL("showo-tiny.safetensors", FIXTURES)), model.namedParameters(), SHOWO_KEYMAP);
  const texts = [[64, 2266, 286, 257], [32, 3290, 1110]]; // two short captions (GPT-2 ids)
  const { cond, uncond } = t2iRows(cfg, texts);
  const sopts = { ...T2I_DEFAULTS, steps };
  const noise = philoxNoise(0, { steps, batch: texts.length, tokens: cfg.imageTokens });
  const { device, name } = await openBenchGpu();
  try {
    log(`sample: ${cfg.name} (${opts.mid ? "seeded random" : "golden"} weights), ${texts.length} prompts + guidance twins, ${steps} steps, guidance ${sopts.guidance}; ${hostLoad()}`);
    const reuse = await T2IForward.create(cfg, 2 * texts.length, weights, device, { reuse: true });
    const full = await T2IForward.create(cfg, 2 * texts.length, weights, device, { reuse: false });
    try {
      const run = async (f: T2IForward) => {
        const t0 = performance.now();
        const codes = await sampleT2I(cfg, cond, uncond, sopts, noise, f.logits);
        return { codes, ms: performance.now() - t0 };
      };
      // Warm-up (pipeline creation on first dispatch) and the check: the same codes either way.
      const a0 = await run(reuse), b0 = await run(full);
      if (a0.codes.some((c, i) => c !== b0.codes[i])) throw new Error("sample bench: codes with K/V reuse differ from the full forward's");
      const withReuse: number[] = [], without: number[] = [];
      for (let i = 0; i < Math.max(1, opts.reps); i++) {
        withReuse.push((await run(reuse)).ms);
        without.push((await run(full)).ms);
      }
      const a = median(withReuse), b = median(without);
      log(`  text K/V reused: ${fmt(a)} ms per image pair (median of ${withReuse.length})`);
      log(`  full forward:    ${fmt(b)} ms per image pair (median of ${without.length})`);
      const r: ResultLine = { name: `sample-${cfg.name}`, ratio: b / a, ours: a, baseline: b, baselineName: "full-forward", unit: "ms", device: name };
      log(resultLine(r));
      return r;
    } finally {
      reuse.dispose();
      full.dispose();
    }
  } finally {
    device.dispose();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runSampleBench({ reps: 3, warmup: 1, quick: false, mid: process.argv.includes("--mid") });
}
