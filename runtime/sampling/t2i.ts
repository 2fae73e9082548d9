// Text-to-image sampling: Show-o's MaskGIT-style parallel decoding (design/showo.md §6.2,
// `t2i_generate`), with classifier-free guidance and known codes (inpainting, extrapolation §6.3).
//
// Where the work happens: the device runs the Show-o forward of the 2B rows ([cond; uncond]) and
// returns only the image-code logits f32[2B, N, 8192] (runtime/sampling/t2i-graph.ts; by default
// the text block's K/V once per generation, then only the image segment per step); the host
// does the rest in float64, per step s = 0..T−1:
//   1. ℓ = (1 + g)·ℓ_cond − g·ℓ_uncond (g = guidance; g = 0: no twin rows, one pass on B rows);
//      the twins take the conditional rows' tokens from [SOI] onward at every step
//   2. p = softmax(ℓ) (no temperature on the logits); code = the first index whose cumulative
//      probability exceeds u₀·Σp (inverse CDF of noise [s, b, n, 0]; Show-o's multinomial)
//   3. known positions (input not [MASK]) keep their code
//   4. confidence = log(max(p_code, 1e-20)) + τ_s·gumbel(u₁), known positions log(f32 max) + τ_s·gumbel(u₁)
//   5. mask_len = max(1, min(unknown − 1, ⌊N·schedule((s+1)/T)⌋)); positions with confidence
//      below the mask_len-th smallest (strict <) go back to [MASK], the others are fixed
//   τ_s = τ_{s−1}·(1 − (s+1)/T) from τ₋₁ = temperature (or MaskGIT's τ₋₁·(1 − (s+1)/T)).
// The result is the last step's sampled codes at all N positions.
// Every ℓ that enters the softmax must be finite: a NaN or ±Inf from the forward (non-finite
// weights or activations), or from the guidance combination overflowing (g = 1e308), stops the
// sampling with an error naming the step, the row, the image position and the code. Left alone,
// NaN fails every comparison of the inverse CDF and the draw became the last code (8191) everywhere.

import type { RefTensor } from "../../compiler/ir/ref.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import { packSegments } from "../../compiler/ir/mask.ts";
import type { ShowoConfig } from "../../models/showo.ts";
import { Showo, t2iSeqLen } from "../../models/showo.ts";
import { positionsFor, segmentsFromIds, t2iGenPrompt, t2iUncondPrompt } from "../../models/showo-prompts.ts";
import { vocabIds } from "../../models/showo-vocab.ts";
import type { Executable } from "../executable.ts";
import type { Device } from "../device.ts";
import type { CompileOptions, DeviceTensor } from "../executable.ts";
import { capsOf, compile, openDeviceFor } from "../executable.ts";
import { SHOWO_KEYMAP, loadWeights } from "../weights/index.ts";
import type { SamplingNoise } from "./noise.ts";
import { clampedLog, gumbel, noiseIndex } from "./noise.ts";
import type { Annealing } from "./schedule.ts";
import { maskLen, maskSchedule, stepRatio, temperatures } from "./schedule.ts";
import { kvCacheNames } from "./kv-graph.ts";
import type { T2IBatchLayout, T2ILayoutOptions } from "./t2i-graph.ts";
import { T2I_SEGMENT_SLOTS, imageStart, t2iBatchLayout, t2iLogitsGraph, t2iPrefixGraph, t2iStepGraph, textRows } from "./t2i-graph.ts";

/** log(float32 max): the confidence of known positions, so they are never re-masked. */
export const LOG_F32_MAX = Math.log(3.4028234663852886e38);

export interface T2IOptions {
  /** Decoding steps T (Show-o: 18 by default, 16 in the README's 256-px demos, 50 at 512 px). */
  readonly steps: number;
  /** Guidance g ≥ 0 of ℓ = (1 + g)·ℓ_cond − g·ℓ_uncond; 0 turns it off. */
  readonly guidance: number;
  /** Starting Gumbel temperature τ₋₁ (Show-o's generation_temperature, 1.0). */
  readonly temperature: number;
  /** Mask schedule name (cosine, linear, powK, sigmoid). */
  readonly schedule: string;
  readonly annealing: Annealing;
}

export const T2I_DEFAULTS: T2IOptions = { steps: 16, guidance: 1.75, temperature: 1, schedule: "cosine", annealing: "compounding" };

/** Image-code logits [rows, N, C] for the given id rows (all of the T2I layout). */
export type LogitsFn = (rows: readonly (readonly number[])[]) => Promise<ArrayLike<number>>;

export interface StepInfo {
  readonly step: number;
  readonly steps: number;
  /** Tokens of each row still [MASK] after this step. */
  readonly masked: number[];
}

/** Checks a T2I generation row (§3.2 a): length, [SOI] after the text block, [EOI] last, image ids or [MASK], a valid mask layout. */
export function checkT2IRow(cfg: ShowoConfig, row: readonly number[], what: string): void {
  const L = t2iSeqLen(cfg), s = imageStart(cfg), { SOI, EOI, MASK, IMAGE_OFFSET } = vocabIds(cfg);
  if (row.length !== L) throw new Error(`${what}: ${row.length} ids; a ${cfg.name} T2I row has ${L} (text block ${cfg.textBudget + 1}, [SOI], ${cfg.imageTokens} image tokens, [EOI])`);
  if (row[s - 1] !== SOI) throw new Error(`${what}: position ${s - 1} must be [SOI] (${SOI}), found ${row[s - 1]}`);
  if (row[L - 1] !== EOI) throw new Error(`${what}: the last id must be [EOI] (${EOI}), found ${row[L - 1]}`);
  for (let n = 0; n < cfg.imageTokens; n++) {
    const t = row[s + n]!;
    if (t !== MASK && !(t >= IMAGE_OFFSET && t < IMAGE_OFFSET + cfg.codebookSize)) {
      throw new Error(`${what}: image position ${n} (index ${s + n}) holds ${t}, neither [MASK] (${MASK}) nor an image id [${IMAGE_OFFSET}, ${IMAGE_OFFSET + cfg.codebookSize})`);
    }
  }
  try {
    segmentsFromIds(row, "t2i", { vocab: cfg });
  } catch (e) {
    throw new Error(`${what}: not a valid T2I layout: ${(e as Error).message}`, { cause: e });
  }
}

/** Generation rows from tokenised prompts; known image ids (codes + 50305, or [MASK]) per row when given. */
export function t2iRows(cfg: ShowoConfig, texts: readonly (readonly number[])[], images?: readonly (readonly number[])[]): { cond: number[][]; uncond: number[][] } {
  const cond = texts.map((t, b) => t2iGenPrompt(t, cfg, images?.[b]).ids);
  const uncond = texts.map((_, b) => t2iUncondPrompt(cfg, images?.[b]).ids);
  return { cond, uncond };
}

function checkOptions(o: T2IOptions): void {
  if (!Number.isInteger(o.steps) || o.steps < 1) throw new Error(`steps must be a positive integer, got ${o.steps}`);
  if (!(o.guidance >= 0) || !Number.isFinite(o.guidance)) throw new Error(`guidance must be a finite number ≥ 0, got ${o.guidance}`);
  if (!(o.temperature >= 0) || !Number.isFinite(o.temperature)) throw new Error(`temperature must be a finite number ≥ 0, got ${o.temperature}`);
}

/** A non-finite number as messages name it. */
function kindOf(x: number): string {
  return Number.isNaN(x) ? "NaN" : x > 0 ? "+Inf" : "-Inf";
}

/** Index of the first NaN or ±Inf of xs[from, to), or −1. */
function firstNonFinite(xs: ArrayLike<number>, from = 0, to = xs.length): number {
  for (let j = from; j < to; j++) if (!Number.isFinite(xs[j]!)) return j;
  return -1;
}

/**
 * One categorical draw by inverse CDF: the first index whose cumulative probability exceeds
 * u·total (total = the last cumulative value); the last index if rounding leaves none.
 * Weights must be finite and ≥ 0 with a positive total, u in [0, 1): otherwise an error (prefixed
 * by `where`), since a NaN weight or total fails every comparison and would draw the last index.
 */
export function inverseCdf(probs: ArrayLike<number>, u: number, where = "inverse CDF"): number {
  if (!(u >= 0 && u < 1)) throw new Error(`${where}: the uniform is ${u}, not in [0, 1)`);
  let total = 0;
  for (let j = 0; j < probs.length; j++) {
    const x = probs[j]!;
    if (!(x >= 0 && x < Infinity)) throw new Error(`${where}: probability ${j} is ${Number.isNaN(x) || x === Infinity ? kindOf(x) : x}; a draw needs finite weights ≥ 0`);
    total += x;
  }
  if (!(total > 0 && total < Infinity)) throw new Error(`${where}: the probabilities sum to ${total === Infinity ? "+Inf" : total}; a draw needs a positive finite total`);
  const target = u * total;
  let c = 0;
  for (let j = 0; j < probs.length; j++) {
    c += probs[j]!;
    if (c > target) return j;
  }
  return probs.length - 1;
}

/**
 * softmax of a row in float64. The row must be finite (checkLogits): a NaN or +Inf makes the max
 * NaN or +Inf and every probability NaN.
 */
function softmaxInto(l: Float64Array, out: Float64Array): void {
  let m = -Infinity;
  for (let j = 0; j < l.length; j++) m = Math.max(m, l[j]!);
  let sum = 0;
  for (let j = 0; j < l.length; j++) {
    const e = Math.exp(l[j]! - m);
    out[j] = e;
    sum += e;
  }
  for (let j = 0; j < l.length; j++) out[j] = out[j]! / sum;
}

/**
 * Refuses a combined logit row ℓ holding a NaN or ±Inf. `cond` and `uncond` are the offsets of
 * the row's conditional and unconditional logits (uncond < 0: no guidance), so the message can
 * say whether the forward produced the value or the guidance combination overflowed.
 */
function checkLogits(l: Float64Array, logits: ArrayLike<number>, cond: number, uncond: number, g: number, where: string): void {
  const j = firstNonFinite(l);
  if (j < 0) return;
  const c = logits[cond + j]!, u = uncond >= 0 ? logits[uncond + j]! : 0;
  if (!Number.isFinite(c) || !Number.isFinite(u)) {
    const which = !Number.isFinite(c) ? (uncond >= 0 ? "conditional " : "") : "unconditional ";
    throw new Error(`${where}: the ${which}logits hold ${kindOf(Number.isFinite(c) ? u : c)} at code ${j}; the forward produced a non-finite value (check the weights and inputs)`);
  }
  throw new Error(`${where}: guidance ${g} overflows: (1 + g)·ℓ_cond − g·ℓ_uncond is ${kindOf(l[j]!)} at code ${j} (ℓ_cond ${c}, ℓ_uncond ${u}); use a smaller guidance`);
}

/**
 * MaskGIT decoding of B conditional rows (and, with guidance, their B unconditional twins).
 * Returns the final codes int32 [B, N].
 */
export async function sampleT2I(cfg: ShowoConfig, cond: readonly (readonly number[])[], uncond: readonly (readonly number[])[] | undefined, opts: T2IOptions, noise: SamplingNoise, logitsOf: LogitsFn, onStep?: (i: StepInfo) => void): Promise<Int32Array> {
  checkOptions(opts);
  const B = cond.length, N = cfg.imageTokens, C = cfg.codebookSize, T = opts.steps, s0 = imageStart(cfg), { MASK, IMAGE_OFFSET } = vocabIds(cfg);
  if (B < 1) throw new Error("T2I sampling needs at least one row");
  cond.forEach((r, b) => checkT2IRow(cfg, r, `row ${b}`));
  const guided = opts.guidance > 0;
  if (guided) {
    if (!uncond || uncond.length !== B) throw new Error(`guidance ${opts.guidance} needs one unconditional row per conditional row (${B}), got ${uncond?.length ?? 0}`);
    uncond.forEach((r, b) => checkT2IRow(cfg, r, `unconditional row ${b}`));
  }
  if (noise.steps !== T || noise.batch !== B || noise.tokens !== N) {
    throw new Error(`noise has shape [${noise.steps}, ${noise.batch}, ${noise.tokens}, 2]; this run needs [${T}, ${B}, ${N}, 2] ([steps, batch, image tokens, 2])`);
  }
  const schedule = maskSchedule(opts.schedule);
  const taus = temperatures(opts.temperature, T, opts.annealing);
  const g = opts.guidance;
  const ids = cond.map((r) => [...r]);
  const codes = new Int32Array(B * N);
  const l = new Float64Array(C), p = new Float64Array(C);
  const conf = new Float64Array(N);
  for (let s = 0; s < T; s++) {
    // The twins keep their own text block and take the conditional rows' [SOI]… onward.
    const rows = guided ? [...ids, ...uncond!.map((u, b) => [...u.slice(0, s0 - 1), ...ids[b]!.slice(s0 - 1)])] : ids;
    const logits = await logitsOf(rows);
    if (logits.length !== rows.length * N * C) throw new Error(`internal: logits hold ${logits.length} values, expected [${rows.length}, ${N}, ${C}]`);
    const ratio = stepRatio(s, T), tau = taus[s]!;
    const masked: number[] = [];
    for (let b = 0; b < B; b++) {
      let unknown = 0;
      for (let n = 0; n < N; n++) {
        const oc = (b * N + n) * C, ou = ((B + b) * N + n) * C;
        for (let j = 0; j < C; j++) l[j] = guided ? (1 + g) * logits[oc + j]! - g * logits[ou + j]! : logits[oc + j]!;
        const where = `t2i step ${s + 1}/${T}, row ${b}, image position ${n}`;
        checkLogits(l, logits, oc, guided ? ou : -1, g, where);
        softmaxInto(l, p);
        const drawn = inverseCdf(p, noise.data[noiseIndex(noise, s, b, n, 0)]!, where);
        const input = ids[b]![s0 + n]!;
        const isUnknown = input === MASK;
        if (isUnknown) unknown++;
        const code = isUnknown ? drawn : input - IMAGE_OFFSET;
        codes[b * N + n] = code;
        conf[n] = (isUnknown ? clampedLog(p[drawn]!) : LOG_F32_MAX) + tau * gumbel(noise.data[noiseIndex(noise, s, b, n, 1)]!);
      }
      const k = maskLen(N, schedule(ratio), unknown);
      const cut = Float64Array.from(conf).sort()[k]!;
      let m = 0;
      for (let n = 0; n < N; n++) {
        const remask = conf[n]! < cut;
        if (remask) m++;
        ids[b]![s0 + n] = remask ? MASK : codes[b * N + n]! + IMAGE_OFFSET;
      }
      masked.push(m);
    }
    onStep?.({ step: s, steps: T, masked });
  }
  return codes;
}

export interface T2IForwardOptions extends T2ILayoutOptions {
  /**
   * Reuse the text block's keys and values across steps (default true): the text prefix runs
   * once per generation and each step runs only the N + 2 image-segment rows
   * (t2iPrefixGraph / t2iStepGraph). false: the full forward of all L rows every step, with
   * the padding computed and marked PAD (the reference's work).
   * With reuse, `dropPadding`, `granule` and `deadPads` (t2iBatchLayout) say how much of the
   * left padding is cut and whether the rest is DEAD.
   */
  readonly reuse?: boolean;
  /**
   * With reuse: leave the prefix's K/V on the device, bound directly by every step
   * (Executable.runKeeping; default true). false: read it back once and upload it with every step.
   */
  readonly kvOnDevice?: boolean;
}

/** Only the parameters a graph uses (the prefix graph uses neither the head nor the last layer's queries, dense or MLP). */
function paramsOf(exe: Executable<Device>, params: Readonly<Record<string, RefTensor>>): Record<string, RefTensor> {
  const out: Record<string, RefTensor> = {};
  for (const p of exe.graph.params) {
    const name = String(p.attrs["name"]);
    if (params[name]) out[name] = params[name];
  }
  return out;
}

/** The reuse graphs compiled for one P' (text rows after the dropped padding). */
export interface ReuseExecutables {
  readonly textLen: number;
  readonly prefix: Executable<Device>;
  readonly step: Executable<Device>;
}

/**
 * The forward of T2I sampling on the WGSL (or CUDA) backend, for a batch size, run every step.
 * With reuse, the text K/V is computed when a batch's text blocks first appear (and again only if
 * they change) and left on the device, where each step's launches read it (kvOnDevice: false
 * brings it to the host and sends it with every step). The reuse
 * graphs' shapes depend on P' = P − d (the batch's common left padding cut, t2iBatchLayout), so
 * they are compiled when a batch first needs that P' and cached by it; the full forward (no
 * reuse) is compiled at once.
 */
export class T2IForward {
  readonly cfg: ShowoConfig;
  readonly rows: number;
  readonly reuse: boolean;
  readonly options: T2IForwardOptions;
  /** Milliseconds spent compiling, and in forwards (prefix runs included) so far. */
  compileMs = 0;
  forwardMs = 0;
  /** Prefix runs so far (one per distinct batch of text blocks). */
  prefixRuns = 0;
  /** The layout of the current batch (reuse only; d = 0 and PAD without reuse). */
  layout: T2IBatchLayout | undefined;
  readonly #model: Showo;
  readonly #params: Readonly<Record<string, RefTensor>>;
  readonly #on: CompileOptions;
  readonly #full: Executable<Device> | undefined;
  readonly #ownedDevice: Device | undefined;
  #disposed = false;
  readonly #byTextLen = new Map<number, ReuseExecutables>();
  #current: ReuseExecutables | undefined;
  #segments: RefTensor | undefined;
  #segmentsKey = "";
  #textKv: Record<string, RefTensor | DeviceTensor> = {};

  private constructor(cfg: ShowoConfig, rows: number, model: Showo, params: Readonly<Record<string, RefTensor>>, on: CompileOptions, full: Executable<Device> | undefined, opts: T2IForwardOptions, ownedDevice: Device | undefined) {
    this.cfg = cfg;
    this.#ownedDevice = ownedDevice;
    this.rows = rows;
    this.#model = model;
    this.#params = params;
    this.#on = on;
    this.#full = full;
    this.reuse = full === undefined;
    this.options = opts;
  }

  /** Weights: a checkpoint path (Show-o's released folder or file, or ours) or loaded tensors. */
  static async create(cfg: ShowoConfig, rows: number, weights: string | Readonly<Record<string, RefTensor>>, device?: Device, opts: T2IForwardOptions = {}): Promise<T2IForward> {
    const model = new Showo(cfg);
    const params = typeof weights === "string" ? await loadWeights(weights, model.namedParameters(), SHOWO_KEYMAP) : weights;
    const reuse = opts.reuse ?? true;
    // One device for every executable (the steps bind the prefix's K/V where it lies); opened here, and owned, when none is given.
    const dev = device ?? (await openDeviceFor("wgsl"));
    const owned = device === undefined ? dev : undefined;
    const on: CompileOptions = { target: capsOf(dev).target, device: dev };
    if (reuse) return new T2IForward(cfg, rows, model, params, on, undefined, opts, owned);
    const t0 = performance.now();
    let exe: Executable<Device> | undefined;
    try {
      exe = await compile(t2iLogitsGraph(cfg, rows, model), on);
      exe.setParams(paramsOf(exe, params));
    } catch (e) {
      exe?.dispose();
      owned?.dispose();
      throw e;
    }
    const f = new T2IForward(cfg, rows, model, params, on, exe, opts, owned);
    f.compileMs = performance.now() - t0;
    return f;
  }

  /** The reuse graph pairs compiled so far, by P'. */
  get compiled(): readonly ReuseExecutables[] {
    return [...this.#byTextLen.values()];
  }

  /** The prefix and step executables for P' text rows: compiled on first use, then cached. */
  async executablesFor(textLen: number): Promise<ReuseExecutables> {
    if (!this.reuse) throw new Error("T2IForward: the reuse graphs belong to a forward created with reuse");
    const have = this.#byTextLen.get(textLen);
    if (have) return have;
    const t0 = performance.now();
    const exes: Executable<Device>[] = [];
    try {
      for (const g of [t2iPrefixGraph(this.cfg, this.rows, this.#model, textLen), t2iStepGraph(this.cfg, this.rows, this.#model, textLen)]) {
        const exe = await compile(g, this.#on);
        exes.push(exe);
        exe.setParams(paramsOf(exe, this.#params));
      }
    } catch (e) {
      for (const x of exes) x.dispose();
      throw e;
    }
    const r = { textLen, prefix: exes[0]!, step: exes[1]! };
    this.#byTextLen.set(textLen, r);
    this.compileMs += performance.now() - t0;
    return r;
  }

  /** Image-code logits f32[rows, N, C] of the given rows. */
  readonly logits: LogitsFn = async (rows) => {
    if (rows.length !== this.rows) throw new Error(`internal: compiled for ${this.rows} rows, given ${rows.length}`);
    const L = t2iSeqLen(this.cfg), P = textRows(this.cfg);
    // The mask depends only on where pads, [SOI] and [EOI] are: static across steps. The text K/V
    // depends only on the text blocks: the same key.
    const key = rows.map((r) => r.slice(0, imageStart(this.cfg)).join(",")).join(";");
    if (key !== this.#segmentsKey) {
      if (this.reuse) {
        const layout = t2iBatchLayout(this.cfg, rows, this.options);
        this.#current = await this.executablesFor(layout.textLen);
        const t0 = performance.now();
        const p = packSegments(layout.segments, T2I_SEGMENT_SLOTS);
        this.#segments = tensor("i32", p.shape, p.data);
        const d = layout.dropped;
        const prefixInputs = {
          ids: tensor("i32", [rows.length, P - d], rows.flatMap((r) => r.slice(d, P))),
          positions: tensor("i32", [P - d], positionsFor(P).slice(d)),
          segments: this.#segments,
        };
        // On the device the K/V stays valid until this prefix executable runs again: for the next batch.
        this.#textKv = (this.options.kvOnDevice ?? true)
          ? (await this.#current.prefix.runKeeping(prefixInputs, kvCacheNames(this.cfg))).kept
          : await this.#current.prefix.run(prefixInputs);
        this.prefixRuns++;
        this.layout = layout;
        this.forwardMs += performance.now() - t0;
      } else {
        const p = packSegments(rows.map((r) => segmentsFromIds(r, "t2i", { vocab: this.cfg })), T2I_SEGMENT_SLOTS);
        this.#segments = tensor("i32", p.shape, p.data);
      }
      this.#segmentsKey = key;
    }
    const t0 = performance.now();
    const out = this.#current
      ? await this.#current.step.run({
        ids: tensor("i32", [rows.length, L - P], rows.flatMap((r) => r.slice(P))),
        positions: tensor("i32", [L - P], positionsFor(L).slice(P)),
        segments: this.#segments!,
        ...this.#textKv,
      })
      : await this.#full!.run({
        ids: tensor("i32", [rows.length, L], rows.flat()),
        positions: tensor("i32", [L], positionsFor(L)),
        segments: this.#segments!,
      });
    this.forwardMs += performance.now() - t0;
    return out["logits"]!.data;
  };

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#full?.dispose();
    for (const r of this.#byTextLen.values()) {
      r.prefix.dispose();
      r.step.dispose();
    }
    this.#byTextLen.clear();
    this.#current = undefined;
    this.#ownedDevice?.dispose();
  }
}
