// The shapes world's randomness: a stream of uniforms for one (seed, purpose, item), drawn from
// Philox4x32-10 (compiler/ir/philox.ts). Counter = (item, block, purpose, 0), key = the seed's
// two 32-bit halves; each block gives four uniforms. So scene k of seed s (and its captions and
// questions, on their own purposes) depends only on (s, k), never on how many came before it.

import { philox4x32, uniformFromBits } from "../../compiler/ir/philox.ts";

/** Counter word 2: what a stream is for. Never reuse a number for a different purpose. */
export const PURPOSE = {
  trainScene: 1,
  heldoutScene: 2,
  trainText: 3,
  heldoutText: 4,
} as const;

/** A sequential stream of uniforms in (0, 1) for one (seed, purpose, item). */
export class Rng {
  readonly #key: readonly [number, number];
  readonly #item: number;
  readonly #purpose: number;
  #block = 0;
  #buf: number[] = [];

  constructor(seed: number, purpose: number, item: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`seed must be a non-negative integer, got ${seed}`);
    if (!(Number.isInteger(item) && item >= 0 && item < 0x100000000)) throw new Error(`item ${item} is outside [0, 2³²)`);
    this.#key = [seed % 0x100000000, Math.floor(seed / 0x100000000)];
    this.#item = item;
    this.#purpose = purpose;
  }

  /** The next uniform in (0, 1). */
  next(): number {
    if (this.#buf.length === 0) {
      const b = philox4x32([this.#item, this.#block++, this.#purpose, 0], this.#key);
      this.#buf = [b[3], b[2], b[1], b[0]].map(uniformFromBits); // popped from the end: x₀ first
    }
    return this.#buf.pop()!;
  }

  /** A uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.min(n - 1, Math.floor(this.next() * n));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element, uniformly. */
  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error("pick from an empty list");
    return xs[this.int(xs.length)]!;
  }

  /** One element, with the given (unnormalised) weights. */
  weighted<T>(xs: readonly (readonly [T, number])[]): T {
    const total = xs.reduce((s, [, w]) => s + w, 0);
    let u = this.next() * total;
    for (const [x, w] of xs) {
      if (u < w) return x;
      u -= w;
    }
    return xs[xs.length - 1]![0];
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(xs: readonly T[]): T[] {
    const a = [...xs];
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  }
}
