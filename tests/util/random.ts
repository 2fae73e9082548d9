// Seeded random data for tests: a small PRNG and random tensors that honour an example's `init`.
//
// Tests draw fresh data on every run (seed from `testSeed()`), and print the seed in failure
// messages so a failing run can be repeated with TEST_SEED=<seed>.

import type { ExampleInput, InputInit } from "../../compiler/ir/op.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import type { DType } from "../../compiler/ir/types.ts";
import { isFloat } from "../../compiler/ir/types.ts";

/** A source of uniform numbers in [0, 1). */
export type Rng = () => number;

/** mulberry32: a tiny 32-bit PRNG, good enough for test data and fully reproducible. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** TEST_SEED from the environment when set (to repeat a failure), else a fresh random seed. */
export function testSeed(): number {
  const env = process.env["TEST_SEED"];
  return env !== undefined && env !== "" ? Number(env) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
}

/** A standard normal draw (Box–Muller). */
export function normal(rng: Rng): number {
  const u = 1 - rng(); // (0, 1]: log stays finite
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** An integer in [lo, hi). */
export function randInt(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo));
}

/** The init used when an example gives none: normal floats, small integers, fair booleans. */
export function defaultInit(dtype: DType): InputInit {
  if (isFloat(dtype)) return { kind: "normal" };
  if (dtype === "bool") return { kind: "bool" };
  return dtype === "u32" ? { kind: "int", lo: 0, hi: 8 } : { kind: "int", lo: -8, hi: 8 };
}

/** One value drawn per `init`; `i` is the flat position (for "values"). */
function draw(init: InputInit, rng: Rng, i: number): number {
  switch (init.kind) {
    case "normal": return normal(rng) * (init.scale ?? 1);
    case "uniform": return init.lo + rng() * (init.hi - init.lo);
    case "int": return randInt(rng, init.lo, init.hi);
    case "bool": return rng() < 0.5 ? 1 : 0;
    case "values": return init.values[i % init.values.length]!;
  }
}

/**
 * A random tensor for an example input, honouring its `init` (values are rounded to the dtype).
 * "values" gives exactly those numbers in order; a shorter list repeats.
 */
export function randomInputFor(input: ExampleInput, rng: Rng): RefTensor {
  const init = input.init ?? defaultInit(input.dtype);
  if (init.kind === "values" && init.values.length === 0) throw new Error("init 'values' needs at least one value");
  const n = input.shape.reduce((p, d) => p * d, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = draw(init, rng, i);
  return tensor(input.dtype, input.shape, data);
}

/** A random tensor of a dtype and shape with the default init for the dtype. */
export function randomTensor(dtype: DType, shape: readonly number[], rng: Rng, init?: InputInit): RefTensor {
  return randomInputFor(init ? { dtype, shape, init } : { dtype, shape }, rng);
}
