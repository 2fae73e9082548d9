// The host side of T2I sampling (t2i.ts's header describes the algorithm): MaskGIT decoding with
// guidance over a LogitsFn, in float64. Nothing here compiles or runs graphs, so the browser
// run-time of compiled packages (runtime/web/) decodes with this same loop; t2i.ts re-exports it.

import type { ShowoLayout } from "../../models/showo-layout.ts";
import { t2iSeqLen } from "../../models/showo-layout.ts";
import { segmentsFromIds, t2iGenPrompt, t2iUncondPrompt } from "../../models/showo-prompts.ts";
import { vocabIds } from "../../models/showo-vocab.ts";
import type { SamplingNoise } from "./noise-data.ts";
import { clampedLog, gumbel, noiseIndex } from "./noise-data.ts";
import type { Annealing } from "./schedule.ts";
import { maskLen, maskSchedule, stepRatio, temperatures } from "./schedule.ts";
import { imageStart } from "./t2i-layout.ts";

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
export function checkT2IRow(cfg: ShowoLayout, row: readonly number[], what: string): void {
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
export function t2iRows(cfg: ShowoLayout, texts: readonly (readonly number[])[], images?: readonly (readonly number[])[]): { cond: number[][]; uncond: number[][] } {
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
export async function sampleT2I(cfg: ShowoLayout, cond: readonly (readonly number[])[], uncond: readonly (readonly number[])[] | undefined, opts: T2IOptions, noise: SamplingNoise, logitsOf: LogitsFn, onStep?: (i: StepInfo) => void): Promise<Int32Array> {
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

