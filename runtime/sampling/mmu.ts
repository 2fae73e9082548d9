// Multimodal understanding (MMU): text generation after [MMU] [SOI] image [EOI] [SOT] question
// (design/showo.md §3.2 b, §6.1).
//
// Show-o's mmu_generate samples with top_k = 1 (greedy), re-runs the whole sequence for every
// new token and handles one question at a time. Here:
//   - `cache: true` (default): the prompt runs once through the prefill graph and each new token
//     costs one row through the decode graph (runtime/sampling/kv-graph.ts). A batch of questions
//     of different lengths is right-padded to one length Lp; per-row positions and PAD segments
//     make every row compute exactly what its own unpadded batch-1 run computes (positions
//     0..len−1 for the prompt, len + t for generated token t; the MMU span [0, EOI] of its own
//     row). Right padding was chosen over left padding because Show-o's positions run over the
//     padded sequence: left padding would shift the image's positions and change the answer.
//   - `cache: false`: Show-o's way, the full sequence through showoGraph once per token and per
//     question (the baseline the cached decode must match token for token).
// Decoding is greedy by default; `sample` switches to temperature / top-k / top-p sampling with
// Philox draws keyed by the seed, counter (step, row), so a seed fixes the answer on every backend.
// Generation stops at <|endoftext|> (50256) or after maxNewTokens.
// A logit row holding NaN or ±Inf stops generation with an error naming the step, the row and the
// token id: NaN fails every comparison, so argmax chose token 0 and the sampler its last candidate.

import { run as interpret } from "../../backends/reference/interpreter.ts";
import type { Graph } from "../../compiler/ir/graph.ts";
import type { Segment } from "../../compiler/ir/mask.ts";
import { packSegments } from "../../compiler/ir/mask.ts";
import { philoxBits, uniformFromBits } from "../../compiler/ir/philox.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import type { Showo, ShowoConfig } from "../../models/showo.ts";
import { showoGraph } from "../../models/showo.ts";
import { positionsFor } from "../../models/showo-prompts.ts";
import { vocabIds } from "../../models/showo-vocab.ts";
import type { Device } from "../device.ts";
import { capsOf, compile } from "../executable.ts";
import { kvCacheNames, showoDecodeGraph, showoPrefillGraph } from "./kv-graph.ts";
import type { GraphRunner, SampleOptions } from "./mmu-decode.ts";
import { Picker, cachedDecode, checkSample, eoiOf } from "./mmu-decode.ts";

export type { CachedDecodeOptions, CachedDecodeResult, GraphRunner, PickOptions, SampleOptions } from "./mmu-decode.ts";
export { argmax, cachedDecode, checkLogitsRow, sampleToken } from "./mmu-decode.ts";

// ---------------------------------------------------------------------------------------------
// Running graphs on a backend

/** Makes a runner for a graph (compiling it when the backend compiles). */
export type RunnerFactory = (graph: Graph) => Promise<GraphRunner>;

function paramsOf(graph: Graph, weights: Readonly<Record<string, RefTensor>>): Record<string, RefTensor> {
  const out: Record<string, RefTensor> = {};
  for (const p of graph.params) {
    const name = String(p.attrs["name"]);
    const w = weights[name];
    if (!w) throw new Error(`graph '${graph.name}': no weight '${name}'`);
    out[name] = w;
  }
  return out;
}

/** The float64 reference interpreter (tests, and machines without a GPU adapter). */
export function referenceRunners(weights: Readonly<Record<string, RefTensor>>): RunnerFactory {
  return (graph) => {
    const params = paramsOf(graph, weights);
    return Promise.resolve({ run: (inputs) => Promise.resolve(interpret(graph, inputs, params)), dispose: () => {} });
  };
}

/** A compiled backend on an open device, WGSL or CUDA (the caller owns and disposes the device). */
export function wgslRunners(weights: Readonly<Record<string, RefTensor>>, device: Device): RunnerFactory {
  return async (graph) => {
    const exe = await compile(graph, { target: capsOf(device).target, device });
    try {
      exe.setParams(paramsOf(graph, weights));
    } catch (e) {
      exe.dispose();
      throw e;
    }
    return { run: (inputs) => exe.run(inputs), dispose: () => exe.dispose() };
  };
}

// ---------------------------------------------------------------------------------------------
// Choosing the next token

// ---------------------------------------------------------------------------------------------
// Generation

export interface MmuGenerateOptions {
  readonly cfg: ShowoConfig;
  /** The module whose parameter names the weights use (shared by every graph built here). */
  readonly model: Showo;
  /** Prompt id rows ([MMU] [SOI] image [EOI] [SOT] question...), of any lengths. */
  readonly prompts: readonly (readonly number[])[];
  readonly maxNewTokens: number;
  readonly runners: RunnerFactory;
  /** KV cache (default true) or Show-o's full re-run per token. */
  readonly cache?: boolean;
  /** Absent: greedy (Show-o's top_k = 1). */
  readonly sample?: SampleOptions;
  /** Stop token (default <|endoftext|>, 50256); it is kept as the last token of its row. */
  readonly eos?: number;
  /** Called with each new token as it is chosen (streaming). */
  readonly onToken?: (row: number, token: number, step: number) => void;
  /** Cache: right-pad prompts to at least this many ids (a compiled package's prefill length). */
  readonly promptLen?: number;
  /** Cache: slots of the K/V cache (default prompt length + maxNewTokens). */
  readonly cacheLen?: number;
}

export interface MmuResult {
  /** Generated ids per row, ending with the stop token when it was reached. */
  readonly tokens: number[][];
  /** Tokens generated over all rows (stop tokens included). */
  readonly generated: number;
  /** Milliseconds building and compiling graphs, and running them. */
  readonly compileMs: number;
  readonly runMs: number;
}

function checkPrompts(o: MmuGenerateOptions): void {
  if (o.prompts.length === 0) throw new Error("mmu: no prompts");
  if (!(Number.isInteger(o.maxNewTokens) && o.maxNewTokens >= 1)) throw new Error(`mmu: maxNewTokens must be a positive integer, got ${o.maxNewTokens}`);
  o.prompts.forEach((p, b) => {
    eoiOf(p, b, o.cfg);
    p.forEach((t, i) => {
      if (!(Number.isInteger(t) && t >= 0 && t < o.cfg.vocab)) throw new Error(`prompt ${b}, position ${i}: id ${t} is outside the vocabulary [0, ${o.cfg.vocab})`);
    });
  });
  if (o.sample) checkSample(o.sample);
}

/** Generates answers for a batch of MMU prompts (see the file header). */
export async function mmuGenerate(o: MmuGenerateOptions): Promise<MmuResult> {
  checkPrompts(o);
  return (o.cache ?? true) ? cachedGenerate(o) : uncachedGenerate(o);
}

async function cachedGenerate(o: MmuGenerateOptions): Promise<MmuResult> {
  const { cfg, model, prompts } = o;
  const B = prompts.length, lens = prompts.map((p) => p.length);
  // The prompt is right-padded to its longest row (or to o.promptLen, a compiled package's length).
  const Lp = Math.max(...lens, o.promptLen ?? 0);
  // Slots: the prompt, one per decoded token (the last chosen token is never fed back), scratch.
  const Lmax = o.cacheLen ?? Lp + o.maxNewTokens;
  const t0 = performance.now();
  const gopts = { batch: B, promptLen: Lp, cacheLen: Lmax };
  const prefill = await o.runners(showoPrefillGraph(cfg, gopts, model));
  const compileMs = performance.now() - t0;
  const r = await cachedDecode({ ...o, prefill, decode: () => o.runners(showoDecodeGraph(cfg, gopts, model)), promptLen: Lp, cacheLen: Lmax, cacheNames: kvCacheNames(cfg) });
  return { tokens: r.tokens, generated: r.generated, compileMs: compileMs + r.decodeCompileMs, runMs: r.runMs };
}

/** Show-o's mmu_generate: each question alone, the whole sequence re-run for every token. */
async function uncachedGenerate(o: MmuGenerateOptions): Promise<MmuResult> {
  const { cfg, model, prompts } = o;
  const picker = new Picker(o);
  let compileMs = 0, runMs = 0;
  for (let b = 0; b < prompts.length; b++) {
    const e = eoiOf(prompts[b]!, b, cfg);
    for (let step = 0; !picker.done[b]; step++) {
      const ids = [...prompts[b]!, ...picker.tokens[b]!], L = ids.length;
      let t0 = performance.now();
      const runner = await o.runners(showoGraph(cfg, { batch: 1, seq: L, segmentSlots: 1 }, model));
      compileMs += performance.now() - t0;
      try {
        const packed = packSegments([[{ kind: "span", start: 0, end: e + 1 }]], 1);
        t0 = performance.now();
        const { logits } = await runner.run({
          ids: tensor("i32", [1, L], ids),
          positions: tensor("i32", [L], positionsFor(L)),
          segments: tensor("i32", packed.shape, packed.data),
        });
        runMs += performance.now() - t0;
        picker.pick(b, logits!.data, (L - 1) * cfg.vocab, step);
      } finally {
        runner.dispose();
      }
    }
  }
  return { tokens: picker.tokens, generated: picker.generated, compileMs, runMs };
}
