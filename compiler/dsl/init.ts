// Parameter initialisers and seeded random host tensors.
//
// A module declares how each parameter starts (normal with a std, uniform, ones, zeros); this file
// turns such a description into a float64 RefTensor. Each parameter draws from its own stream,
// seeded by (seed, parameter name), so adding a parameter never changes the values of the others.

import type { RefTensor } from "../ir/ref.ts";
import { roundTo, tensor } from "../ir/ref.ts";
import type { DType } from "../ir/types.ts";

export type ParamInit =
  | { readonly kind: "normal"; readonly std: number; readonly mean?: number }
  | { readonly kind: "uniform"; readonly lo: number; readonly hi: number }
  | { readonly kind: "constant"; readonly value: number }
  | { readonly kind: "zeros" }
  | { readonly kind: "ones" };

export const zeros: ParamInit = { kind: "zeros" };
export const ones: ParamInit = { kind: "ones" };
export const normal = (std: number, mean = 0): ParamInit => ({ kind: "normal", std, mean });
export const uniform = (lo: number, hi: number): ParamInit => ({ kind: "uniform", lo, hi });

/** Uniform [0, 1) from a 32-bit seed (mulberry32: small, fast, good enough for weights). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws (Box–Muller) from a uniform source. */
export function gaussian(rand: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const v = spare;
      spare = undefined;
      return v;
    }
    const u = 1 - rand(), v = rand(); // u in (0, 1] keeps log finite
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** A 32-bit seed mixing a base seed with a name (FNV-1a over the name's UTF-16 units). */
export function seedFor(seed: number, name: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** A host tensor filled per `init` from `seed`. */
export function initTensor(dtype: DType, shape: readonly number[], init: ParamInit, seed: number): RefTensor {
  const t = tensor(dtype, shape);
  const n = t.data.length;
  switch (init.kind) {
    case "zeros": break;
    case "ones": t.data.fill(1); break;
    case "constant": t.data.fill(roundTo(dtype, init.value)); break;
    case "normal": {
      const g = gaussian(rng(seed)), mean = init.mean ?? 0;
      for (let i = 0; i < n; i++) t.data[i] = roundTo(dtype, mean + init.std * g());
      break;
    }
    case "uniform": {
      const r = rng(seed);
      for (let i = 0; i < n; i++) t.data[i] = roundTo(dtype, init.lo + (init.hi - init.lo) * r());
      break;
    }
  }
  return t;
}

/** Normal(0, std²) values: random activations for tests and demos. */
export function randn(shape: readonly number[], seed: number, std = 1, dtype: DType = "f32"): RefTensor {
  return initTensor(dtype, shape, normal(std), seed);
}

/** Integers uniform in [lo, hi) (ids, labels, positions). */
export function randint(shape: readonly number[], lo: number, hi: number, seed: number, dtype: DType = "i32"): RefTensor {
  const t = tensor(dtype, shape);
  const r = rng(seed);
  for (let i = 0; i < t.data.length; i++) t.data[i] = lo + Math.floor((hi - lo) * r());
  return t;
}

/** 0, 1, …, n−1 as i32 (positions). */
export function arange(n: number, dtype: DType = "i32"): RefTensor {
  return tensor(dtype, [n], Array.from({ length: n }, (_, i) => i));
}
