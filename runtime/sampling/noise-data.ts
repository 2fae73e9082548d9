// The randomness of T2I sampling, as data (no file access: noise.ts adds reading .npy files): uniforms u ∈ (0, 1) of shape [steps, batch, N, 2].
// [..., 0] drives the categorical draw of each image position (inverse CDF), [..., 1] the Gumbel
// noise of its confidence. They come from a .npy file (`--noise`) or from Philox4x32-10 seeded by
// `--seed` (compiler/ir/philox.ts), so the same seed gives the same image on every backend.
//
// Philox layout: batch row b is stream b, and element (s, n, k) of that row is counter index
// (s·N + n)·2 + k with key (seed mod 2³², ⌊seed / 2³²⌋): the `random` op's uniform of shape
// [steps, N, 2] with stream b. A row's noise depends on its row index, not on the batch size.

import { philoxBits, uniformFromBits } from "../../compiler/ir/philox.ts";
import type { NpyArray } from "../npy-format.ts";
import { describeNpy, parseNpy } from "../npy-format.ts";

export interface NoiseShape {
  readonly steps: number;
  readonly batch: number;
  /** Image tokens per row. */
  readonly tokens: number;
}

/** Uniforms [steps, batch, N, 2] as float32 values. */
export interface SamplingNoise extends NoiseShape {
  readonly data: Float32Array;
}

export function noiseIndex(n: NoiseShape, step: number, row: number, token: number, which: 0 | 1): number {
  return ((step * n.batch + row) * n.tokens + token) * 2 + which;
}

/** The largest noise tensor a run may ask for (1 GiB of f32: far beyond any useful step count). */
export const MAX_NOISE_BYTES = 2 ** 30;

/** Refuses a noise shape too large to allocate, naming the sizes (before any work). */
export function checkNoiseShape(shape: NoiseShape): void {
  const bytes = shape.steps * shape.batch * shape.tokens * 2 * 4;
  if (!(bytes <= MAX_NOISE_BYTES)) {
    throw new Error(`the sampling noise for ${shape.steps} steps × ${shape.batch} rows × ${shape.tokens} image tokens × 2 would be ${(bytes / 2 ** 30).toFixed(1)} GiB (at most ${MAX_NOISE_BYTES / 2 ** 30} GiB): lower --steps or the batch`);
  }
}

/** Philox uniforms for a seed (a non-negative integer below 2⁵³). */
export function philoxNoise(seed: number, shape: NoiseShape): SamplingNoise {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`seed must be a non-negative integer, got ${seed}`);
  checkNoiseShape(shape);
  const k0 = seed % 0x100000000, k1 = Math.floor(seed / 0x100000000);
  const data = new Float32Array(shape.steps * shape.batch * shape.tokens * 2);
  for (let s = 0; s < shape.steps; s++) {
    for (let b = 0; b < shape.batch; b++) {
      for (let n = 0; n < shape.tokens; n++) {
        for (const k of [0, 1] as const) {
          data[noiseIndex(shape, s, b, n, k)] = uniformFromBits(philoxBits(k0, k1, (s * shape.tokens + n) * 2 + k, b));
        }
      }
    }
  }
  return { ...shape, data };
}

/** log clamped at 1e-20, as Show-o's sampling.log. */
export function clampedLog(x: number): number {
  return Math.log(Math.max(x, 1e-20));
}

/** Gumbel noise from a uniform: −log(−log u), both logs clamped at 1e-20 (Show-o's gumbel_noise). */
export function gumbel(u: number): number {
  return -clampedLog(-clampedLog(u));
}

/** Checks a noise array: float32 [steps, batch, N, 2], every value strictly inside (0, 1). */
export function checkNoise(a: NpyArray, shape: NoiseShape, what = "noise"): SamplingNoise {
  const want = [shape.steps, shape.batch, shape.tokens, 2];
  const expect = `float32 [${want.join(", ")}] ([steps, batch, image tokens, 2]) of uniforms in (0, 1)`;
  if (a.dtype !== "f4") throw new Error(`${what}: expected ${expect}; got ${describeNpy(a)}`);
  if (a.shape.length !== 4 || a.shape.some((d, i) => d !== want[i])) throw new Error(`${what}: expected ${expect}; got ${describeNpy(a)}`);
  const data = a.data as Float32Array;
  for (let i = 0; i < data.length; i++) {
    const u = data[i]!;
    if (!(u > 0 && u < 1)) {
      const k = i % 2, n = Math.floor(i / 2) % shape.tokens, b = Math.floor(i / (2 * shape.tokens)) % shape.batch, s = Math.floor(i / (2 * shape.tokens * shape.batch));
      throw new Error(`${what}: value ${u} at [${s}, ${b}, ${n}, ${k}] is not strictly inside (0, 1)`);
    }
  }
  return { ...shape, data };
}

/** Noise from the bytes of a .npy file of one row: float32 [steps, 1, N, 2], the steps read from it. */
export function noiseFromNpy(bytes: Uint8Array, tokens: number, what = "noise"): SamplingNoise {
  const a = parseNpy(bytes, what);
  const steps = a.shape.length === 4 && a.shape[0]! > 0 ? a.shape[0]! : 1;
  return checkNoise(a, { steps, batch: 1, tokens }, what);
}
