// The randomness of T2I sampling, as data: uniforms u ∈ (0, 1) of shape [steps, batch, N, 2].
// [..., 0] drives the categorical draw of each image position (inverse CDF), [..., 1] the Gumbel
// noise of its confidence. They come from a .npy file (`--noise`) or from Philox4x32-10 seeded by
// `--seed` (compiler/ir/philox.ts), so the same seed gives the same image on every backend.
//
// Philox layout: batch row b is stream b, and element (s, n, k) of that row is counter index
// (s·N + n)·2 + k with key (seed mod 2³², ⌊seed / 2³²⌋): the `random` op's uniform of shape
// [steps, N, 2] with stream b. A row's noise depends on its row index, not on the batch size.

import { readNpy } from "../npy.ts";
import type { NoiseShape, SamplingNoise } from "./noise-data.ts";
import { checkNoise } from "./noise-data.ts";

export type { NoiseShape, SamplingNoise } from "./noise-data.ts";
export { MAX_NOISE_BYTES, checkNoise, checkNoiseShape, clampedLog, gumbel, noiseIndex, philoxNoise } from "./noise-data.ts";

export function readNoise(path: string, shape: NoiseShape): SamplingNoise {
  return checkNoise(readNpy(path), shape, path);
}

