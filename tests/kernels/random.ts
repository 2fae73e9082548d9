// Seeded random numbers for kernel tests: a fresh seed each run, printed so a failure can be replayed
// (SEED=<n> npx vitest run ...).

import { randomInt } from "node:crypto";

export interface Rng {
  readonly seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Integer in [lo, hi). */
  int(lo: number, hi: number): number;
}

export function rng(label: string): Rng {
  const seed = process.env["SEED"] !== undefined ? Number(process.env["SEED"]) : randomInt(2 ** 31);
  console.log(`# ${label}: seed ${seed}`);
  let s = seed >>> 0;
  // mulberry32
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  return {
    seed,
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor((hi - lo) * next()),
  };
}
