// The randomness of training batches: pure functions of (seed, step, row), drawn from
// Philox4x32-10 (compiler/ir/philox.ts) so that a resumed run rebuilds exactly the same batches.
//
// Key = (seed mod 2³², ⌊seed / 2³²⌋). Counter = (a, b, c, stream); the output is x₀ of the block
// (philoxBits is the case c = stream = 0). One stream per purpose, so no two purposes ever share a
// counter:
//
//   stream 1  ORDER       (i, epoch, source, 1)  32-bit sort key of example i in that epoch's
//                                                permutation of a source (source: 0 T2I, 1 LM,
//                                                2 MMU, 3 images for MAGVIT-v2)
//   stream 2  MASK_TIME   (step, row, 0, 2)      t ~ U(0, 1) of T2I row `row` (row within the T2I rows)
//   stream 3  MASK_NOISE  (n, row, step, 3)      the uniform noise of image position n of that row
//   stream 4  DROPOUT     (step, row, 0, 4)      u < condDropout replaces the row's caption by the
//                                                empty prompt
//   stream 5  BACKGROUND  (n, row, step, 5)      u ≥ backgroundKeep drops the label of masked image
//                                                position n of that row when its code is the
//                                                row's background code
//
// Uniforms are uniformFromBits(x₀) ∈ (0, 1). Counter words are u32: steps and example numbers
// must stay below 2³².

import { philox4x32, uniformFromBits } from "../../compiler/ir/philox.ts";
import { roundHalfEven } from "../image.ts";

export const STREAM_ORDER = 1;
export const STREAM_MASK_TIME = 2;
export const STREAM_MASK_NOISE = 3;
export const STREAM_DROPOUT = 4;
export const STREAM_BACKGROUND = 5;

/** Which permutation an example order belongs to (the ORDER stream's third counter word). */
export const SOURCE_T2I = 0;
export const SOURCE_LM = 1;
export const SOURCE_MMU = 2;
export const SOURCE_IMAGES = 3;

export type PhiloxKey = readonly [number, number];

/** The Philox key of a seed (a non-negative integer below 2⁵³). */
export function philoxKey(seed: number): PhiloxKey {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`seed must be a non-negative integer, got ${seed}`);
  return [seed % 0x100000000, Math.floor(seed / 0x100000000)];
}

function u32(x: number, what: string): number {
  if (!(Number.isInteger(x) && x >= 0 && x < 0x100000000)) throw new Error(`${what} ${x} is outside [0, 2³²) (a Philox counter word)`);
  return x;
}

/** x₀ of the Philox block at counter (a, b, c, stream). */
export function bits(key: PhiloxKey, a: number, b: number, c: number, stream: number): number {
  return philox4x32([a, b, c, stream], key)[0];
}

/** The uniform at counter (a, b, c, stream), in (0, 1). */
export function uniform(key: PhiloxKey, a: number, b: number, c: number, stream: number): number {
  return uniformFromBits(bits(key, a, b, c, stream));
}

/** Epoch `epoch`'s order of `count` examples of a source: indices sorted by their Philox keys (ties by index). */
export function epochPermutation(key: PhiloxKey, source: number, epoch: number, count: number): Int32Array {
  u32(epoch, "epoch");
  const keys = new Float64Array(count);
  for (let i = 0; i < count; i++) keys[i] = bits(key, i, epoch, source, STREAM_ORDER);
  const order = Int32Array.from({ length: count }, (_, i) => i);
  order.sort((x, y) => keys[x]! - keys[y]! || x - y);
  return order;
}

/**
 * Which examples rows 0..rows−1 of a step take: row r takes example number k = step·rows + r of
 * the run, i.e. position k mod count of epoch ⌊k / count⌋'s permutation. `perm` supplies (and may
 * cache) permutations.
 */
export function stepExamples(step: number, rows: number, count: number, perm: (epoch: number) => Int32Array): number[] {
  u32(step, "step");
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    const k = step * rows + r;
    out.push(perm(Math.floor(k / count))[k % count]!);
  }
  return out;
}

/** The T2I masking draw of one row (design/showo.md §5.2, mask_or_random_replace_tokens). */
export interface MaskDraw {
  /** t ~ U(0, 1). */
  readonly t: number;
  /** Positions masked: n = max(1, round(N·cos(π t / 2))), round half to even as torch.round. */
  readonly n: number;
  /** 1 at the n positions with the smallest noise (argsort, ties by position), else 0. */
  readonly masked: Uint8Array;
}

/** Show-o's cosine schedule: mask ratio r = cos(π t / 2) (min_masking_rate 0). */
export function maskCount(N: number, t: number): number {
  return Math.max(1, roundHalfEven(N * Math.cos((Math.PI * t) / 2)));
}

export function maskDraw(key: PhiloxKey, step: number, row: number, N: number): MaskDraw {
  u32(step, "step");
  const t = uniform(key, step, row, 0, STREAM_MASK_TIME);
  const n = maskCount(N, t);
  const noise = Float64Array.from({ length: N }, (_, p) => uniform(key, p, row, step, STREAM_MASK_NOISE));
  const order = Int32Array.from({ length: N }, (_, p) => p).sort((x, y) => noise[x]! - noise[y]! || x - y);
  const masked = new Uint8Array(N);
  for (let i = 0; i < n; i++) masked[order[i]!] = 1;
  return { t, n, masked };
}

/** Condition dropout of T2I row `row` at `step`: true with probability p. */
export function dropCondition(key: PhiloxKey, step: number, row: number, p: number): boolean {
  return p > 0 && uniform(key, step, row, 0, STREAM_DROPOUT) < p;
}

/** The most frequent code of an image (the smallest of equally frequent ones): its background, for flat backgrounds. */
export function backgroundCode(codes: ArrayLike<number>): number {
  const counts = new Map<number, number>();
  let best = -1, bestCount = 0;
  for (let p = 0; p < codes.length; p++) {
    const c = codes[p]!, k = (counts.get(c) ?? 0) + 1;
    counts.set(c, k);
    if (k > bestCount || (k === bestCount && c < best)) [best, bestCount] = [c, k];
  }
  return best;
}

/**
 * Which masked positions of T2I row `row` lose their label (1) because their code is the image's
 * background code and the row's BACKGROUND draw at that position is ≥ keep: the loss then weighs a
 * background token keep times as much as a shape token, in expectation. A row never loses all its
 * labels: if every masked position would, the first one keeps its label.
 */
export function backgroundDrops(key: PhiloxKey, step: number, row: number, codes: ArrayLike<number>, masked: ArrayLike<number>, keep: number): Uint8Array {
  const N = codes.length, drop = new Uint8Array(N);
  if (keep >= 1) return drop;
  u32(step, "step");
  const bg = backgroundCode(codes);
  let kept = 0, first = -1;
  for (let p = 0; p < N; p++) {
    if (!masked[p]) continue;
    if (first < 0) first = p;
    if (codes[p] === bg && uniform(key, p, row, step, STREAM_BACKGROUND) >= keep) drop[p] = 1;
    else kept++;
  }
  if (kept === 0 && first >= 0) drop[first] = 0;
  return drop;
}
