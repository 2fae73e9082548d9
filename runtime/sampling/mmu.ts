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
import { DECODE_SEGMENT_SLOTS, PREFILL_SEGMENT_SLOTS, kvCacheNames, showoDecodeGraph, showoPrefillGraph } from "./kv-graph.ts";

// ---------------------------------------------------------------------------------------------
// Running graphs on a backend

export interface GraphRunner {
  run(inputs: Readonly<Record<string, RefTensor>>): Promise<Record<string, RefTensor>>;
  dispose(): void;
}

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

export interface SampleOptions {
  /** Logits are divided by it before the softmax (default 1). */
  readonly temperature?: number;
  /** Keep only the k most likely tokens (default: all). */
  readonly topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p (default 1: all). */
  readonly topP?: number;
  /** Philox key; draw (step, row) uses counter (step, row). Default 0. */
  readonly seed?: number;
}

/** Index of the first NaN or ±Inf of xs[from, to), or −1. */
function firstNonFinite(xs: ArrayLike<number>, from: number, to: number): number {
  for (let i = from; i < to; i++) if (!Number.isFinite(xs[i]!)) return i;
  return -1;
}

/**
 * Refuses a logit row [from, to) holding NaN or ±Inf: the forward produced it (non-finite weights
 * or activations), and no token can be chosen from it.
 */
export function checkLogitsRow(logits: ArrayLike<number>, from: number, to: number, step: number, row: number): void {
  const i = firstNonFinite(logits, from, to);
  if (i < 0) return;
  const x = logits[i]!;
  throw new Error(`mmu step ${step}, row ${row}: the logits hold ${Number.isNaN(x) ? "NaN" : x > 0 ? "+Inf" : "-Inf"} at token id ${i - from}; the forward produced a non-finite value (check the weights and inputs)`);
}

/**
 * Index of the first largest value, for finite values (NaN compares false: a NaN first would win,
 * which is why the picker refuses non-finite rows before it asks).
 */
export function argmax(xs: ArrayLike<number>, from = 0, to = xs.length): number {
  let best = from;
  for (let i = from + 1; i < to; i++) if (xs[i]! > xs[best]!) best = i;
  return best - from;
}

function checkSample(s: SampleOptions): void {
  const t = s.temperature ?? 1, k = s.topK, p = s.topP ?? 1, seed = s.seed ?? 0;
  if (!(t > 0 && Number.isFinite(t))) throw new Error(`temperature must be a positive number, got ${t}`);
  if (k !== undefined && !(Number.isInteger(k) && k >= 1)) throw new Error(`top-k must be a positive integer, got ${k}`);
  if (!(p > 0 && p <= 1)) throw new Error(`top-p must be in (0, 1], got ${p}`);
  if (!(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 53)) throw new Error(`seed must be a non-negative integer, got ${seed}`);
}

/**
 * One draw from softmax(logits / T) restricted by top-k then top-p. Candidates are ordered by
 * probability (ties by id), and u ∈ (0, 1) from Philox picks by inverse CDF in that order.
 */
export function sampleToken(logits: ArrayLike<number>, from: number, to: number, s: SampleOptions, step: number, row: number): number {
  checkLogitsRow(logits, from, to, step, row);
  const n = to - from, T = s.temperature ?? 1;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => (logits[from + b]! - logits[from + a]!) || a - b);
  const keep = Math.min(n, s.topK ?? n);
  const top = logits[from + order[0]!]! / T;
  // A tiny temperature can take finite logits past the float range: e^(∞ − ∞) is NaN.
  if (!Number.isFinite(top)) throw new Error(`mmu step ${step}, row ${row}: temperature ${T} overflows the largest logit (${logits[from + order[0]!]} / ${T} is ${top > 0 ? "+Inf" : "-Inf"})`);
  const w: number[] = [];
  let total = 0;
  for (let i = 0; i < keep; i++) {
    const e = Math.exp(logits[from + order[i]!]! / T - top);
    w.push(e);
    total += e;
  }
  const p = s.topP ?? 1;
  let cut = w.length;
  if (p < 1) {
    let c = 0;
    for (let i = 0; i < w.length; i++) {
      c += w[i]! / total;
      if (c >= p) {
        cut = i + 1;
        break;
      }
    }
  }
  let mass = 0;
  for (let i = 0; i < cut; i++) mass += w[i]!;
  const seed = s.seed ?? 0;
  const u = uniformFromBits(philoxBits(seed >>> 0, Math.floor(seed / 2 ** 32) >>> 0, step, row)) * mass;
  let c = 0;
  for (let i = 0; i < cut; i++) {
    c += w[i]!;
    if (u < c) return order[i]!;
  }
  return order[cut - 1]!;
}

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

/** The [EOI] index of a prompt: the MMU mask's bidirectional prefix is [0, EOI]. */
function eoiOf(ids: readonly number[], b: number, cfg: ShowoConfig): number {
  const { EOI } = vocabIds(cfg);
  const e = ids.indexOf(EOI);
  if (e < 0) throw new Error(`prompt ${b} has no [EOI] (${EOI}): an MMU prompt is [MMU] [SOI] image [EOI] [SOT] question`);
  return e;
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

/** Chooses each row's next token from logits [B, V]; marks rows done at the stop token. */
class Picker {
  readonly tokens: number[][];
  readonly done: boolean[];
  readonly #o: MmuGenerateOptions;
  generated = 0;
  constructor(o: MmuGenerateOptions) {
    this.#o = o;
    this.tokens = o.prompts.map(() => []);
    this.done = o.prompts.map(() => false);
  }

  /** Row b's next token from logits data at [offset, offset + V). */
  pick(b: number, logits: ArrayLike<number>, offset: number, step: number): void {
    if (this.done[b]) return;
    const V = this.#o.cfg.vocab;
    if (!this.#o.sample) checkLogitsRow(logits, offset, offset + V, step, b); // sampleToken checks its own
    const t = this.#o.sample ? sampleToken(logits, offset, offset + V, this.#o.sample, step, b) : argmax(logits, offset, offset + V);
    this.tokens[b]!.push(t);
    this.generated++;
    this.#o.onToken?.(b, t, step);
    if (t === (this.#o.eos ?? vocabIds(this.#o.cfg).EOS) || this.tokens[b]!.length >= this.#o.maxNewTokens) this.done[b] = true;
  }

  get allDone(): boolean {
    return this.done.every((d) => d);
  }
}

/** Generates answers for a batch of MMU prompts (see the file header). */
export async function mmuGenerate(o: MmuGenerateOptions): Promise<MmuResult> {
  checkPrompts(o);
  return (o.cache ?? true) ? cachedGenerate(o) : uncachedGenerate(o);
}

async function cachedGenerate(o: MmuGenerateOptions): Promise<MmuResult> {
  const { cfg, model, prompts } = o;
  const B = prompts.length, lens = prompts.map((p) => p.length), Lp = Math.max(...lens);
  // Slots: the prompt, one per decoded token (the last chosen token is never fed back), scratch.
  const Lmax = Lp + o.maxNewTokens;
  let t0 = performance.now();
  const gopts = { batch: B, promptLen: Lp, cacheLen: Lmax };
  const prefill = await o.runners(showoPrefillGraph(cfg, gopts, model));
  let decode: GraphRunner | undefined;
  let compileMs = performance.now() - t0, runMs = 0;
  const picker = new Picker(o);
  try {
    // Prefill: right-padded rows, MMU span [0, EOI] + PAD over each row's padding.
    const ids = prompts.flatMap((p) => [...p, ...new Array<number>(Lp - p.length).fill(vocabIds(cfg).PAD)]);
    const padSeg = (b: number): Segment[] => (lens[b]! < Lp ? [{ kind: "pad", start: lens[b]!, end: Lp }] : []);
    const segs = prompts.map((p, b): Segment[] => [{ kind: "span", start: 0, end: eoiOf(p, b, cfg) + 1 }, ...padSeg(b)]);
    const packed = packSegments(segs, PREFILL_SEGMENT_SLOTS);
    t0 = performance.now();
    let out = await prefill.run({
      ids: tensor("i32", [B, Lp], ids),
      positions: tensor("i32", [Lp], positionsFor(Lp)),
      segments: tensor("i32", packed.shape, packed.data),
      last: tensor("i32", [B], lens.map((n, b) => b * Lp + n - 1)),
    });
    runMs += performance.now() - t0;
    for (let b = 0; b < B; b++) picker.pick(b, out["logits"]!.data, b * cfg.vocab, 0);
    const names = kvCacheNames(cfg);
    for (let t = 0; !picker.allDone; t++) {
      if (!decode) {
        const c0 = performance.now();
        decode = await o.runners(showoDecodeGraph(cfg, gopts, model));
        compileMs += performance.now() - c0;
      }
      const slot = Lp + t;
      // Rows that are done keep feeding their stop token; their results are ignored.
      const last = picker.tokens.map((r) => r[r.length - 1]!);
      const dsegs = prompts.map((_, b): Segment[] => [...padSeg(b), ...(slot < Lmax - 1 ? [{ kind: "pad" as const, start: slot, end: Lmax - 1 }] : [])]);
      const dp = packSegments(dsegs, DECODE_SEGMENT_SLOTS);
      const inputs: Record<string, RefTensor> = {
        ids: tensor("i32", [B, 1], last),
        positions: tensor("i32", [B], lens.map((n) => n + t)),
        segments: tensor("i32", dp.shape, dp.data),
        slot: tensor("i32", [], [slot]),
      };
      for (const n of names) inputs[n] = out[n]!;
      t0 = performance.now();
      out = await decode.run(inputs);
      runMs += performance.now() - t0;
      for (let b = 0; b < B; b++) picker.pick(b, out["logits"]!.data, b * cfg.vocab, t + 1);
    }
  } finally {
    prefill.dispose();
    decode?.dispose();
  }
  return { tokens: picker.tokens, generated: picker.generated, compileMs, runMs };
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
