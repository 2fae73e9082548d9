// mmu: understanding (MMU) decoding speed with the KV cache against Show-o's way (the whole
// sequence re-run for every new token), both compiled by us to WGSL on the same device, showo-tiny
// with the golden weights (tests/golden/fixtures), greedy, one question of the golden set.
//
// shapes: prompt [1, 33] ([MMU] [SOI] 16 codes [EOI] [SOT] 13 question ids), then T new tokens;
//         cached: one prefill [1, 33] + T − 1 decode rows [1, 1] against a [1, 4, 33 + T, 16] cache;
//         uncached: T forwards [1, 33 + t] with logits at every position (V = 58,498).
//
// Timed: tokens per second of the run phase of mmuGenerate. Executables are compiled once per graph
// shape and kept (the uncached path needs one per sequence length, as a server would cache them),
// and both sides are warmed up by one full generation, so neither compiling nor the driver's
// first-run shader compilation is timed. The two must produce the same tokens (checked).

import { fileURLToPath } from "node:url";
import type { RefTensor } from "../compiler/ir/ref.ts";
import { SHOWO_TINY, Showo } from "../models/showo.ts";
import { mmuPrompt } from "../models/showo-prompts.ts";
import type { GraphRunner, RunnerFactory } from "../runtime/sampling/mmu.ts";
import { mmuGenerate, wgslRunners } from "../runtime/sampling/mmu.ts";
import { SHOWO_KEYMAP, loadWeights } from "../runtime/weights/index.ts";
import type { BenchOptions, Log, ResultLine } from "./util.ts";
import { fmt, hostLoad, median, openBenchGpu, resultLine } from "./util.ts";
import { WaitHistory, quietly } from "../backends/wgsl/quiet-wait.ts";

const FIXTURES = new URL("../tests/golden/fixtures/", import.meta.url);

export interface MmuBenchOptions extends BenchOptions {
  /** New tokens per generation (default 32, --quick 12). */
  readonly tokens?: number;
}

/** Runners compiled once per graph (name and input types) and kept until disposeAll. */
function keptRunners(make: RunnerFactory): { runners: RunnerFactory; disposeAll: () => void } {
  const kept = new Map<string, Promise<GraphRunner>>();
  const runners: RunnerFactory = async (graph) => {
    const key = `${graph.name}(${graph.inputs.map((n) => `${n.dtype}[${n.shape.join(",")}]`).join(";")})`;
    let r = kept.get(key);
    if (!r) kept.set(key, (r = make(graph)));
    const runner = await r;
    return { run: (inputs) => runner.run(inputs), dispose: () => {} };
  };
  const disposeAll = () => {
    for (const r of kept.values()) void r.then((x) => x.dispose());
    kept.clear();
  };
  return { runners, disposeAll };
}

export async function runMmuBench(opts: MmuBenchOptions, log: Log = console.log): Promise<ResultLine> {
  const T = opts.tokens ?? (opts.quick ? 12 : 32);
  if (!Number.isInteger(T) || T < 2) throw new Error(`mmu bench: tokens must be an integer ≥ 2, got ${T}`);
  const cfg = SHOWO_TINY, model = new Showo(cfg);
  const weights: Record<string, RefTensor> = await loadWeights(fileURLToPath(new URL("showo-tiny.safetensors", FIXTURES)), model.namedParameters(), SHOWO_KEYMAP);
  const index = (await import("../tests/golden/fixtures.ts")).goldenIndex();
  const c = index.showo.cases["mmu"]!;
  const prompt = mmuPrompt(c.inputs.image!, c.inputs.question!, cfg).ids;
  const { device, name } = await openBenchGpu();
  try {
    log(`mmu: ${cfg.name} (golden weights), prompt ${prompt.length} tokens, ${T} new tokens (no stop token), greedy; ${hostLoad()}`);
    const { runners, disposeAll } = keptRunners(wgslRunners(weights, device));
    // The stop token is set to an id that cannot win, so every run makes exactly T tokens.
    const gen = (cache: boolean) => mmuGenerate({ cfg, model, prompts: [prompt], maxNewTokens: T, eos: -1, runners, cache });
    const w1 = await gen(true), w0 = await gen(false);
    if (JSON.stringify(w1.tokens) !== JSON.stringify(w0.tokens)) throw new Error(`mmu bench: cached tokens ${JSON.stringify(w1.tokens)} differ from uncached ${JSON.stringify(w0.tokens)}`);
    const cached: number[] = [], uncached: number[] = [];
    // Each side waits with its own history (both run the same executables: a step of a few ms
    // with the cache, a full forward without; backends/wgsl/quiet-wait.ts).
    const waitsCached = new WaitHistory(), waitsUncached = new WaitHistory();
    for (let i = 0; i < Math.max(1, opts.reps); i++) {
      cached.push((await quietly(() => gen(true), waitsCached)).runMs);
      uncached.push((await quietly(() => gen(false), waitsUncached)).runMs);
    }
    const a = (T / median(cached)) * 1000, b = (T / median(uncached)) * 1000;
    log(`  KV cache:  ${fmt(median(cached))} ms per ${T} tokens (median of ${cached.length}) → ${fmt(a)} tokens/s`);
    log(`  no cache:  ${fmt(median(uncached))} ms per ${T} tokens (median of ${uncached.length}) → ${fmt(b)} tokens/s`);
    const r: ResultLine = { name: "mmu", ratio: a / b, ours: a, baseline: b, baselineName: "no-cache", unit: "tokens/s", device: name };
    log(resultLine(r));
    disposeAll();
    return r;
  } finally {
    device.dispose();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runMmuBench({ reps: 3, warmup: 1, quick: process.argv.includes("--quick") });
}
