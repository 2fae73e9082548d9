// The host side of MMU generation with a KV cache (mmu.ts's header describes it): the prefill and
// decode runs of a batch of right-padded prompts, and the choice of each next token (greedy, or
// temperature / top-k / top-p with Philox draws). The graphs are given as runners, so nothing here
// builds or compiles one: the browser run-time of compiled packages (runtime/web/) decodes with
// this same loop; mmu.ts re-exports it.

import type { Segment } from "../../compiler/ir/mask.ts";
import { packSegments } from "../../compiler/ir/mask.ts";
import { philoxBits, uniformFromBits } from "../../compiler/ir/philox.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import type { ShowoLayout } from "../../models/showo-layout.ts";
import { positionsFor } from "../../models/showo-prompts.ts";
import { vocabIds } from "../../models/showo-vocab.ts";

/** Slots of the prefill's and the decode's segments inputs (PAD + SPAN). */
export const PREFILL_SEGMENT_SLOTS = 2;
export const DECODE_SEGMENT_SLOTS = 2;

// ---------------------------------------------------------------------------------------------
// Running graphs

export interface GraphRunner {
  run(inputs: Readonly<Record<string, RefTensor>>): Promise<Record<string, RefTensor>>;
  dispose(): void;
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

export function checkSample(s: SampleOptions): void {
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

/** What choosing tokens needs to know of a generation. */
export interface PickOptions {
  readonly cfg: ShowoLayout;
  readonly prompts: readonly (readonly number[])[];
  readonly maxNewTokens: number;
  /** Absent: greedy (Show-o's top_k = 1). */
  readonly sample?: SampleOptions;
  /** Stop token (default <|endoftext|>); it is kept as the last token of its row. */
  readonly eos?: number;
  /** Called with each new token as it is chosen (streaming). */
  readonly onToken?: (row: number, token: number, step: number) => void;
}

export interface CachedDecodeOptions extends PickOptions {
  /** The prefill graph of [B, promptLen] right-padded prompts with a cache of cacheLen slots. */
  readonly prefill: GraphRunner;
  /** The decode graph of the same sizes, made when the first token is not the last. */
  readonly decode: () => Promise<GraphRunner>;
  readonly promptLen: number;
  readonly cacheLen: number;
  /** The K/V outputs of the prefill and the decode, fed back as the next decode's inputs (kvCacheNames). */
  readonly cacheNames: readonly string[];
}

export interface CachedDecodeResult {
  readonly tokens: number[][];
  readonly generated: number;
  /** Milliseconds in o.decode() and in runs. */
  readonly decodeCompileMs: number;
  readonly runMs: number;
}

/** The [EOI] index of a prompt: the MMU mask's bidirectional prefix is [0, EOI]. */
export function eoiOf(ids: readonly number[], b: number, cfg: ShowoLayout): number {
  const { EOI } = vocabIds(cfg);
  const e = ids.indexOf(EOI);
  if (e < 0) throw new Error(`prompt ${b} has no [EOI] (${EOI}): an MMU prompt is [MMU] [SOI] image [EOI] [SOT] question`);
  return e;
}

/** Chooses each row's next token from logits [B, V]; marks rows done at the stop token. */
export class Picker {
  readonly tokens: number[][];
  readonly done: boolean[];
  readonly #o: PickOptions;
  generated = 0;
  constructor(o: PickOptions) {
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

/** Prefill once, then one decode run per token until every row stops (the runners are disposed). */
export async function cachedDecode(o: CachedDecodeOptions): Promise<CachedDecodeResult> {
  const { cfg, prompts, prefill } = o;
  const B = prompts.length, lens = prompts.map((p) => p.length), Lp = o.promptLen, Lmax = o.cacheLen;
  for (const [b, n] of lens.entries()) if (n > Lp) throw new Error(`mmu: prompt ${b} has ${n} ids; the prefill takes at most ${Lp}`);
  if (Lmax - Lp < o.maxNewTokens) throw new Error(`mmu: ${o.maxNewTokens} new tokens need a cache of ${Lp + o.maxNewTokens} slots; this one has ${Lmax}`);
  let t0 = performance.now();
  let decode: GraphRunner | undefined;
  let decodeCompileMs = 0, runMs = 0;
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
    const names = o.cacheNames;
    for (let t = 0; !picker.allDone; t++) {
      if (!decode) {
        const c0 = performance.now();
        decode = await o.decode();
        decodeCompileMs += performance.now() - c0;
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
  return { tokens: picker.tokens, generated: picker.generated, decodeCompileMs, runMs };
}

