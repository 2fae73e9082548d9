// Plain float64 computations the DSL tests compare against: written directly from the formulas,
// sharing no code with the op table, plus small helpers for random data and comparisons.

import assert from "node:assert/strict";
import type { Module } from "../../compiler/dsl/nn.ts";
import { randn } from "../../compiler/dsl/init.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { concreteShape } from "../../compiler/ir/types.ts";

/** A fresh seed per run (printed in failure messages so a failure can be replayed). */
export function freshSeed(): number {
  return (Math.random() * 2 ** 32) >>> 0;
}

export function stridesOf(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) st[i] = st[i + 1]! * shape[i + 1]!;
  return st;
}

/** Element at a multi-index. */
export function at(t: { shape: readonly number[]; data: ArrayLike<number> }, ...idx: number[]): number {
  const st = stridesOf(t.shape);
  let o = 0;
  idx.forEach((v, i) => (o += v * st[i]!));
  return t.data[o]!;
}

/** Every multi-index of a shape, row-major. */
export function* indices(shape: readonly number[]): Generator<number[]> {
  const n = shape.reduce((a, b) => a * b, 1);
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    yield [...idx];
    for (let a = shape.length - 1; a >= 0; a--) {
      if (++idx[a]! < shape[a]!) break;
      idx[a] = 0;
    }
  }
}

/** Assert equal shapes and elementwise |a − e| ≤ tol·(1 + |e|). */
export function assertClose(actual: RefTensor, expected: { shape: readonly number[]; data: ArrayLike<number> }, tol: number, what: string): void {
  assert.deepEqual([...actual.shape], [...expected.shape], `${what}: shape`);
  let worst = 0, where = -1;
  for (let i = 0; i < actual.data.length; i++) {
    const e = expected.data[i]!, a = actual.data[i]!;
    const err = Math.abs(a - e) / (1 + Math.abs(e));
    if (!(err <= worst)) {
      worst = err;
      where = i;
    }
  }
  assert.ok(worst <= tol, `${what}: element ${where} is ${actual.data[where]}, expected ${expected.data[where]} (scaled error ${worst} > ${tol})`);
}

/** Random values for every parameter of a module: normal(mean, std) per name pattern. */
export function randomParams(m: Module, seed: number, pick: (name: string) => { mean: number; std: number } = () => ({ mean: 0, std: 0.3 })): Record<string, RefTensor> {
  const out: Record<string, RefTensor> = {};
  m.namedParameters().forEach((p, k) => {
    const { mean, std } = pick(p.name);
    const t = randn(concreteShape(p.shape), seed + 7919 * (k + 1), std);
    for (let i = 0; i < t.data.length; i++) t.data[i] = t.data[i]! + mean;
    out[p.name] = t;
  });
  return out;
}

/** Typical layer parameters: norm weights near 1, biases small, weights of moderate size. */
export function layerLikeParams(m: Module, seed: number): Record<string, RefTensor> {
  return randomParams(m, seed, (name) =>
    /norm.*weight$/.test(name) ? { mean: 1, std: 0.2 } : name.endsWith("bias") ? { mean: 0, std: 0.2 } : { mean: 0, std: 0.3 });
}

// ---------------------------------------------------------------------------------------------
// Formulas, on flat row-major arrays

/** y[r, o] = Σᵢ x[r, i]·W[o, i] + b[o] for `rows` rows. */
export function linear(x: ArrayLike<number>, rows: number, W: ArrayLike<number>, inF: number, outF: number, b?: ArrayLike<number>): Float64Array {
  const y = new Float64Array(rows * outF);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outF; o++) {
      let s = b ? b[o]! : 0;
      for (let i = 0; i < inF; i++) s += x[r * inF + i]! * W[o * inF + i]!;
      y[r * outF + o] = s;
    }
  }
  return y;
}

/** LayerNorm of each D-long row, biased variance. */
export function layerNorm(x: ArrayLike<number>, D: number, w: ArrayLike<number>, b: ArrayLike<number>, eps: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let r = 0; r < x.length / D; r++) {
    let mean = 0;
    for (let i = 0; i < D; i++) mean += x[r * D + i]!;
    mean /= D;
    let v = 0;
    for (let i = 0; i < D; i++) v += (x[r * D + i]! - mean) ** 2;
    v /= D;
    for (let i = 0; i < D; i++) y[r * D + i] = ((x[r * D + i]! - mean) / Math.sqrt(v + eps)) * w[i]! + b[i]!;
  }
  return y;
}

export const geluTanh = (x: number): number => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
export const silu = (x: number): number => x / (1 + Math.exp(-x));

/** erf by Simpson's rule on 2/√π ∫₀ˣ e^(−t²) dt (independent of the op table's rational form). */
export function erfSimpson(x: number): number {
  const n = 2000, h = x / n;
  let s = 1 + Math.exp(-x * x);
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * Math.exp(-((i * h) ** 2));
  return ((2 / Math.sqrt(Math.PI)) * s * h) / 3;
}
export const geluErf = (x: number): number => 0.5 * x * (1 + erfSimpson(x / Math.SQRT2));
