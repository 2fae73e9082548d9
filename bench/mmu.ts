// mmu: understanding (MMU) decoding speed with the KV cache against Show-o's way (the whole
// sequence re-run for every new token), both compiled by us to WGSL on the same device, showo-tiny
// with the golden weights (tests/golden/fixtures), greedy, one question of the golden set.
//
// shapes: prompt [1, 33] ([MMU] [SOI] 16 codes [EOI] [SOT] 13 question ids), then T new tokens;
//         cached: one prefill [1, 33] + T − 1 decode rows [1, 1] against a [1, 4, 33 + T, 16] cache,
//                 logits of the last row only [1, V] (V = 58,498);
//         no cache (the baseline): T forwards [1, 33 + t], the final hidden state sliced to the
//                 last position before the LM head, so each computes and reads back [1, 1, V], as
//                 a careful user of the reference would run it;
//         no cache, all rows: Show-o's mmu_generate as written (logits [1, 33 + t, V] computed
//                 and read back every token, 8–10 MB); printed for comparison, not the ratio.
//
// Timed: the run phase of each generation (upload, dispatch, readback), in rounds whose order
// alternates, after warm-up (at least one full generation per side). Executables are compiled
// once per graph shape and kept (the uncached sides need one per sequence length, as a server
// would cache them), so neither compiling nor the driver's first-run shader compilation is timed.
// Every run must produce the same tokens (checked).

import { fileURLToPath } from "node:url";
import type { Tensor } from "../compiler/dsl/tensor.ts";
import { trace } from "../compiler/dsl/trace.ts";
import type { Graph } from "../compiler/ir/graph.ts";
import { packSegments } from "../compiler/ir/mask.ts";
import type { RefTensor } from "../compiler/ir/ref.ts";
import { tensor } from "../compiler/ir/ref.ts";
import type { ShowoConfig } from "../models/showo.ts";
import { SHOWO_TINY, Showo } from "../models/showo.ts";
import { mmuPrompt, positionsFor } from "../models/showo-prompts.ts";
import { vocabIds } from "../models/showo-vocab.ts";
import type { GraphRunner, RunnerFactory } from "../runtime/sampling/mmu.ts";
import { argmax, checkLogitsRow, mmuGenerate, wgslRunners } from "../runtime/sampling/mmu.ts";
import { SHOWO_KEYMAP, loadWeights } from "../runtime/weights/index.ts";
import type { BenchOptions, Log, ResultLine } from "./util.ts";
import { benchArgs, describeRatio, describeTiming, fmt, hostLoad, openBenchGpu, resultLine, roundRatios, timeRounds } from "./util.ts";

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

/** Show-o's forward on ids [1, L] with the LM head on the last position only: logits [1, 1, V]. */
function lastRowGraph(cfg: ShowoConfig, model: Showo, L: number): Graph {
  const inputs = {
    ids: { dtype: "i32" as const, shape: [1, L] },
    positions: { dtype: "i32" as const, shape: [L] },
    segments: { dtype: "i32" as const, shape: [1, 1, 3] },
  };
  return trace(`${cfg.name}-last-row`, inputs, (t: Record<string, Tensor>) => {
    const h = model.model.forward(t["ids"]!, t["positions"]!, t["segments"]); // [1, L, H]
    return { logits: model.logits(h.slice(1, L - 1, L)) };
  });
}

/** Greedy decoding without a cache, the whole sequence re-run per token, one logit row read back. */
async function lastRowGenerate(cfg: ShowoConfig, model: Showo, prompt: readonly number[], T: number, runners: RunnerFactory): Promise<{ tokens: number[]; runMs: number }> {
  const span = packSegments([[{ kind: "span", start: 0, end: prompt.indexOf(vocabIds(cfg).EOI) + 1 }]], 1);
  const tokens: number[] = [];
  let runMs = 0;
  for (let step = 0; step < T; step++) {
    const ids = [...prompt, ...tokens], L = ids.length;
    const runner = await runners(lastRowGraph(cfg, model, L));
    const t0 = performance.now();
    const { logits } = await runner.run({
      ids: tensor("i32", [1, L], ids),
      positions: tensor("i32", [L], positionsFor(L)),
      segments: tensor("i32", span.shape, span.data),
    });
    runMs += performance.now() - t0;
    checkLogitsRow(logits!.data, 0, cfg.vocab, step, 0);
    tokens.push(argmax(logits!.data, 0, cfg.vocab));
  }
  return { tokens, runMs };
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
  const { runners, disposeAll } = keptRunners(wgslRunners(weights, device));
  try {
    log(`mmu: ${cfg.name} (golden weights), prompt ${prompt.length} tokens, ${T} new tokens (no stop token), greedy; ${hostLoad()}`);
    // The stop token is set to an id that cannot win, so every run makes exactly T tokens.
    let want: { side: string; tokens: string } | undefined;
    const same = (side: string, tokens: readonly number[]) => {
      const got = JSON.stringify(tokens);
      want ??= { side, tokens: got };
      if (got !== want.tokens) throw new Error(`mmu bench: tokens ${got} (${side}) differ from ${want.tokens} (${want.side})`);
    };
    const generate = async (side: string, cache: boolean) => {
      const r = await mmuGenerate({ cfg, model, prompts: [prompt], maxNewTokens: T, eos: -1, runners, cache });
      same(side, r.tokens[0]!);
      return r.runMs;
    };
    const lastRow = async () => {
      const r = await lastRowGenerate(cfg, model, prompt, T, runners);
      same("no cache, last row", r.tokens);
      return r.runMs;
    };
    // At least 5 rounds, so that the spread says something on a shared host.
    const rounds = { reps: Math.max(5, opts.reps), warmup: opts.warmup };
    const [cached, uncached, allRows] = await timeRounds([() => generate("KV cache", true), lastRow, () => generate("no cache, all rows", false)], rounds);
    const tps = (ms: number) => (T / ms) * 1000;
    log(`  KV cache:               ${describeTiming(cached!)} per ${T} tokens → ${fmt(tps(cached!.median))} tokens/s`);
    log(`  no cache, last row:     ${describeTiming(uncached!)} → ${fmt(tps(uncached!.median))} tokens/s (the baseline)`);
    log(`  no cache, all rows:     ${describeTiming(allRows!)} → ${fmt(tps(allRows!.median))} tokens/s (Show-o's code as written: every row's logits read back)`);
    log(`  KV cache vs no cache, last row: ${describeRatio(uncached!.median / cached!.median, roundRatios(uncached!, cached!))}`);
    log(`  KV cache vs no cache, all rows: ${describeRatio(allRows!.median / cached!.median, roundRatios(allRows!, cached!))}; ${hostLoad()}`);
    const a = tps(cached!.median), b = tps(uncached!.median);
    const r: ResultLine = { name: "mmu", ratio: a / b, ours: a, baseline: b, baselineName: "no-cache-last-row", unit: "tokens/s", device: name };
    log(resultLine(r));
    return r;
  } finally {
    disposeAll();
    device.dispose();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // node bench/mmu.ts [--quick] [--reps N] [--warmup N] [--tokens T]
  const args = benchArgs(process.argv.slice(2));
  const tokens = args.value("--tokens");
  await runMmuBench({ ...args.opts, ...(tokens !== undefined ? { tokens } : {}) });
}
