// The randomness of T2I sampling, as data: uniforms u ∈ (0, 1) of shape [steps, batch, N, 2].
// [..., 0] drives the categorical draw of each image position (inverse CDF), [..., 1] the Gumbel
// noise of its confidence. They come from a .npy file (`--noise`) or from Philox4x32-10 seeded by
// `--seed` (compiler/ir/philox.ts), so the same seed gives the same image on every backend.
//
// Philox layout: batch row b is stream b, and element (s, n, k) of that row is counter index
// (s·N + n)·2 + k with key (seed mod 2³², ⌊seed / 2³²⌋): the `random` op's uniform of shape
// [steps, N, 2] with stream b. A row's noise depends on its row index, not on the batch size.

import type { NpyArray } from "../npy.ts";
import { describeNpy, readNpy } from "../npy.ts";
import type { NoiseShape, SamplingNoise } from "./noise-data.ts";

export type { NoiseShape, SamplingNoise } from "./noise-data.ts";
export { MAX_NOISE_BYTES, checkNoiseShape, clampedLog, gumbel, noiseIndex, philoxNoise } from "./noise-data.ts";

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

export function readNoise(path: string, shape: NoiseShape): SamplingNoise {
  return checkNoise(readNpy(path), shape, path);
}

