// Philox4x32-10, the counter-based generator behind the `random` op (Salmon et al., "Parallel
// random numbers: as easy as 1, 2, 3", SC'11; the constants and round function of Random123).
//
// A draw is a pure function of (key, counter), so every element of a random tensor is computed
// independently — on the host by the reference and the sampler, in a kernel by a backend — and all
// of them agree bit for bit. The `random` op uses key = seed (u32[2]) and
// counter = (flat index, stream, 0, 0), and takes x₀ of the output block.
//
// JavaScript numbers hold 53 bits exactly, so the 32×32 → 64 bit product of each round is split
// into 16-bit halves: every partial sum stays below 2^34 and is exact.

export const PHILOX_M0 = 0xd2511f53;
export const PHILOX_M1 = 0xcd9e8d57;
export const PHILOX_W0 = 0x9e3779b9; // golden ratio
export const PHILOX_W1 = 0xbb67ae85; // √3 − 1
export const PHILOX_ROUNDS = 10;

/** High 32 bits of the exact 64-bit product of two u32 values. */
export function mulhi32(a: number, b: number): number {
  const al = a & 0xffff, ah = a >>> 16, bl = b & 0xffff, bh = b >>> 16;
  // a·b = ah·bh·2^32 + (ah·bl + al·bh)·2^16 + al·bl; the carry into the high word is
  // floor((cross + floor(al·bl / 2^16)) / 2^16), with cross < 2^33.
  const cross = ah * bl + al * bh + Math.floor((al * bl) / 0x10000);
  return (ah * bh + Math.floor(cross / 0x10000)) >>> 0;
}

/** Low 32 bits of the product of two u32 values. */
export function mullo32(a: number, b: number): number {
  return Math.imul(a, b) >>> 0;
}

export type Block4 = [number, number, number, number];

/** One Philox4x32 block: 4 u32 counter words and 2 u32 key words give 4 u32 outputs. */
export function philox4x32(ctr: readonly [number, number, number, number], key: readonly [number, number], rounds = PHILOX_ROUNDS): Block4 {
  let c0 = ctr[0] >>> 0, c1 = ctr[1] >>> 0, c2 = ctr[2] >>> 0, c3 = ctr[3] >>> 0;
  let k0 = key[0] >>> 0, k1 = key[1] >>> 0;
  for (let r = 0; r < rounds; r++) {
    if (r > 0) {
      k0 = (k0 + PHILOX_W0) >>> 0;
      k1 = (k1 + PHILOX_W1) >>> 0;
    }
    const hi0 = mulhi32(PHILOX_M0, c0), lo0 = mullo32(PHILOX_M0, c0);
    const hi1 = mulhi32(PHILOX_M1, c2), lo1 = mullo32(PHILOX_M1, c2);
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
  }
  return [c0, c1, c2, c3];
}

/**
 * u = ((x >> 9) + 0.5) / 2^23 = (2·(x >> 9) + 1) / 2^24: the top 23 bits, centred in their bin.
 * Every such value is exactly representable in f32 (an odd integer below 2^24 times 2^-24), so
 * float64 and f32 backends agree bit for bit, u ∈ [2^-24, 1 − 2^-24] never reaches 0 or 1, and
 * both logs of the Gumbel transform stay finite. (24 bits would put the top bin at 1 − 2^-25,
 * which f32 rounds to 1.0.)
 */
export function uniformFromBits(x: number): number {
  return ((x >>> 9) + 0.5) / 0x800000;
}

/** A standard Gumbel draw from a uniform one: −log(−log u). */
export function gumbelFromUniform(u: number): number {
  return -Math.log(-Math.log(u));
}

/** x₀ of the block at counter (index, stream, 0, 0) with key (seed0, seed1). */
export function philoxBits(seed0: number, seed1: number, index: number, stream: number): number {
  return philox4x32([index, stream, 0, 0], [seed0, seed1])[0];
}

export type RandomDist = "uniform" | "gumbel";

/** Element `index` of `random(seed){dist, stream}`, in float64. */
export function randomElement(dist: RandomDist, seed0: number, seed1: number, index: number, stream: number): number {
  const u = uniformFromBits(philoxBits(seed0, seed1, index, stream));
  return dist === "uniform" ? u : gumbelFromUniform(u);
}
