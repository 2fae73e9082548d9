// `showo bench sample`: text-to-image sampling (16 MaskGIT steps, guidance 1.75, 2 prompts and
// their unconditional twins) with the text block's K/V reused across steps and the batch's common
// left padding dropped (the remaining pads DEAD) and the cached K/V left on the device, against
// the same sampler running the full forward every step (the reference's work); the previous form
// (every pad row kept, the K/V through the host every step) is timed too, except with --quick.
// Every run must produce the same codes from the same noise; the FLOPs of the reference's work
// and ours are printed (t2iWork). `showo bench sample` runs the MMU half (bench/mmu.ts) first.
//
// Timed: wall time of one sampleT2I call (an image pair), the forms in rounds of alternating
// order (at least 5) after --warmup runs each; median, spread and the per-round ratios.
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
import { DROP_GRANULE, formatWork, t2iWork, textRows } from "../runtime/sampling/t2i-graph.ts";
import { SHOWO_KEYMAP, loadWeights } from "../runtime/weights/index.ts";
import type { BenchOptions, Log, ResultLine } from "./util.ts";
import { benchArgs, describeRatio, describeTiming, fmt, hostLoad, openBenchGpu, resultLine, roundRatios, timeRounds } from "./util.ts";

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
    const rows = 2 * texts.length;
    // Ours (the default: text K/V reused and left on the device, the batch's common left padding
    // dropped, the rest DEAD), the previous form (every pad row computed as PAD, the K/V through
    // the host every step), and the full forward every step.
    const ours = await T2IForward.create(cfg, rows, weights, device);
    const kept = opts.quick ? undefined : await T2IForward.create(cfg, rows, weights, device, { dropPadding: false, deadPads: false, kvOnDevice: false });
    const full = await T2IForward.create(cfg, rows, weights, device, { reuse: false });
    try {
      // Every run's codes must equal the first run's (the first warm-up compiles the reuse graphs
      // for the batch's P' and creates the pipelines).
      let want: { form: string; codes: ArrayLike<number> } | undefined;
      const run = (form: string, f: T2IForward) => async () => {
        const codes = await sampleT2I(cfg, cond, uncond, sopts, noise, f.logits);
        want ??= { form, codes };
        if (codes.length !== want.codes.length || codes.some((c, i) => c !== want!.codes[i])) throw new Error(`sample bench: the codes of ${form} differ from those of ${want.form}`);
      };
      const forms: [string, T2IForward][] = [["ours", ours], ["full forward", full], ...(kept ? [["previous", kept] as [string, T2IForward]] : [])];
      const [tOurs, tFull, tKept] = await timeRounds(forms.map(([form, f]) => run(form, f)), { reps: Math.max(5, opts.reps), warmup: opts.warmup });
      const layout = ours.layout!;
      const work = t2iWork(cfg, layout.pads, steps, layout.dropped), workKept = t2iWork(cfg, layout.pads, steps, 0, false);
      log(`  leading pads per row ${layout.pads.join(", ")}: ${layout.dropped} dropped (granule ${DROP_GRANULE}), prefix over ${layout.textLen} of ${textRows(cfg)} text rows`);
      log(`  ${formatWork(work)}`);
      log(`  (all padding kept: ours ${fmt(workKept.ours / 1e9)} GFLOP, ${(100 * workKept.share).toFixed(1)} % avoided)`);
      log(`  ms per image pair:`);
      log(`    ours (text K/V reused on the device, padding dropped): ${describeTiming(tOurs!)}`);
      if (tKept) log(`    previous (text K/V reused via the host, padding kept): ${describeTiming(tKept)}`);
      log(`    full forward every step:                               ${describeTiming(tFull!)}`);
      if (tKept) log(`  previous / ours: ${describeRatio(tKept.median / tOurs!.median, roundRatios(tKept, tOurs!))}`);
      log(`  full forward / ours: ${describeRatio(tFull!.median / tOurs!.median, roundRatios(tFull!, tOurs!))}; ${hostLoad()}`);
      const a = tOurs!.median, b = tFull!.median;
      const r: ResultLine = { name: `sample-${cfg.name}`, ratio: b / a, ours: a, baseline: b, baselineName: "full-forward", unit: "ms", device: name };
      log(resultLine(r));
      return r;
    } finally {
      ours.dispose();
      kept?.dispose();
      full.dispose();
    }
  } finally {
    device.dispose();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // node bench/sample.ts [--quick] [--reps N] [--warmup N] [--mid] [--steps N]
  const args = benchArgs(process.argv.slice(2));
  const steps = args.value("--steps");
  await runSampleBench({ ...args.opts, mid: args.has("--mid"), ...(steps !== undefined ? { steps } : {}) });
}
