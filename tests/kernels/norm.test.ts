// Row composites (softmax, log_softmax, layer_norm, group_norm) on the WebGPU device against the
// reference interpreter, on fresh random inputs (TEST_SEED=<n> repeats a run). Each is one
// dispatch, elementwise prologues included; cases cover both kernel shapes (a workgroup per row
// with rows longer than the workgroup, and an invocation per row) at ragged sizes.

import { afterAll, test } from "vitest";
import { Tensor } from "../../compiler/dsl/tensor.ts";
import { trace } from "../../compiler/dsl/trace.ts";
import type { DType } from "../../compiler/ir/types.ts";
import type { Rng } from "../util/random.ts";
import { mulberry32, randomTensor, testSeed } from "../util/random.ts";
import { checkGraph, openTestDevice } from "./graph-check.ts";

const { dev, reason } = await openTestDevice();
afterAll(() => dev?.dispose());
const noF16 = reason || (dev!.features.has("shader-f16") ? "" : "device lacks shader-f16");

const kernelName = (op: string, kind: "serial" | "workgroup") => `${op}_${kind}`;

for (const op of ["softmax", "log_softmax"] as const) {
  test(`${op} along the first, a middle and the last axis, short and long rows`, async (t) => {
    if (reason) t.skip(reason);
    const seed = testSeed(), rng = mulberry32(seed);
    // [shape, axis, kernel shape]; logits with a wide spread test the max subtraction.
    const cases: [number[], number, "serial" | "workgroup"][] = [
      [[5, 37, 6], 0, "serial"],
      [[5, 37, 6], 1, "workgroup"],
      [[5, 37, 6], 2, "serial"],
      [[3, 1000], 1, "workgroup"],
      [[300, 2], 0, "workgroup"],
      [[1100, 33], 1, "serial"],
    ];
    for (const [shape, axis, kind] of cases) {
      const x = randomTensor("f32", shape, rng, { kind: "normal", scale: 8 });
      const g = trace(`${op}_${shape.join("x")}_${axis}`, { x: { dtype: "f32", shape } },
        ({ x }) => ({ y: op === "softmax" ? x!.softmax(axis) : x!.logSoftmax(axis) }));
      await checkGraph(dev!, g, { x }, { seed, kernel: kernelName(op, kind) });
    }
  });
}

function layerNormCase(rng: Rng, dtype: DType, shape: number[]) {
  const D = shape[shape.length - 1]!;
  const g = trace(`layer_norm_${shape.join("x")}`, { x: { dtype, shape } },
    ({ x }) => ({ y: x!.layerNorm(Tensor.param("w", dtype, [D]), Tensor.param("b", dtype, [D]), 1e-5) }));
  // Inputs away from zero mean, so the mean subtraction matters.
  const inputs = { x: randomTensor(dtype, shape, rng, { kind: "uniform", lo: 1, hi: 4 }) };
  const params = { w: randomTensor(dtype, [D], rng), b: randomTensor(dtype, [D], rng) };
  return { g, inputs, params };
}

test("layer_norm over the last axis: [3, 7, 37], [2, 300], many short rows, 70 rows of 2051", async (t) => {
  if (reason) t.skip(reason);
  const seed = testSeed(), rng = mulberry32(seed);
  const cases: [number[], "serial" | "workgroup"][] = [[[3, 7, 37], "workgroup"], [[2, 300], "workgroup"], [[40, 9], "serial"], [[1030, 40], "serial"],
    [[70, 257], "serial"], [[70, 2051], "workgroup"]];
  for (const [shape, kind] of cases) {
    const { g, inputs, params } = layerNormCase(rng, "f32", shape);
    await checkGraph(dev!, g, inputs, { seed, params, kernel: kernelName("layer_norm", kind) });
  }
});

function groupNormCase(rng: Rng, dtype: DType, shape: number[], groups: number) {
  const C = shape[1]!;
  const g = trace(`group_norm_${shape.join("x")}_${groups}`, { x: { dtype, shape } },
    ({ x }) => ({ y: x!.groupNorm(groups, Tensor.param("w", dtype, [C]), Tensor.param("b", dtype, [C]), 1e-6) }));
  const inputs = { x: randomTensor(dtype, shape, rng, { kind: "uniform", lo: -1, hi: 3 }) };
  const params = { w: randomTensor(dtype, [C], rng), b: randomTensor(dtype, [C], rng) };
  return { g, inputs, params };
}

test("group_norm per (n, group) with per-channel weight and bias", async (t) => {
  if (reason) t.skip(reason);
  const seed = testSeed(), rng = mulberry32(seed);
  const cases: [number[], number, "serial" | "workgroup"][] = [
    [[2, 6, 5, 3], 3, "serial"],     // runs of 2 channels × 15
    [[1, 64, 4, 4], 32, "workgroup"], // runs of 2 × 16
    [[2, 6, 70], 2, "workgroup"],    // runs of 3 × 70, longer than the workgroup
    [[3, 8], 4, "serial"],           // no spatial axes
  ];
  for (const [shape, groups, kind] of cases) {
    const { g, inputs, params } = groupNormCase(rng, "f32", shape, groups);
    await checkGraph(dev!, g, inputs, { seed, params, kernel: kernelName("group_norm", kind) });
  }
});

test("fused prologues: softmax(x·0.125 + broadcast mask) and layer_norm(x + residual) are one dispatch", async (t) => {
  if (reason) t.skip(reason);
  const seed = testSeed(), rng = mulberry32(seed);
  const [B, H, L, M] = [2, 3, 19, 140];
  const g = trace("masked_softmax", { x: { dtype: "f32", shape: [B, H, L, M] }, mask: { dtype: "f32", shape: [L, M] } },
    ({ x, mask }) => ({ p: x!.mul(0.125).add(mask!).softmax(-1) }));
  // A mask of zeros and large negatives, as attention uses.
  const mask = randomTensor("f32", [L, M], rng, { kind: "int", lo: 0, hi: 2 });
  for (let i = 0; i < mask.data.length; i++) mask.data[i] = mask.data[i] ? 0 : -1e9;
  for (let l = 0; l < L; l++) mask.data[l * M] = 0; // no row is fully masked
  await checkGraph(dev!, g, { x: randomTensor("f32", [B, H, L, M], rng, { kind: "normal", scale: 6 }), mask }, { seed, dispatches: 1, kernel: "softmax_serial" });

  const D = 50;
  const ln = trace("residual_layer_norm", { x: { dtype: "f32", shape: [4, D] }, r: { dtype: "f32", shape: [4, D] } },
    ({ x, r }) => ({ y: x!.add(r!).layerNorm(Tensor.param("w", "f32", [D]), Tensor.param("b", "f32", [D])) }));
  await checkGraph(dev!, ln, { x: randomTensor("f32", [4, D], rng), r: randomTensor("f32", [4, D], rng) },
    { seed, dispatches: 1, params: { w: randomTensor("f32", [D], rng), b: randomTensor("f32", [D], rng) } });
});

test("f16 tensors keep f32 statistics (native f16 storage)", async (t) => {
  if (noF16) t.skip(noF16);
  const seed = testSeed(), rng = mulberry32(seed);
  const tol = 4e-3;
  for (const [shape, axis] of [[[4, 300], 1], [[6, 5], 0]] as const) {
    const x = randomTensor("f16", [...shape], rng, { kind: "normal", scale: 4 });
    const g = trace(`softmax_f16_${shape.join("x")}`, { x: { dtype: "f16", shape: [...shape] } }, ({ x }) => ({ y: x!.softmax(axis), z: x!.logSoftmax(axis) }));
    await checkGraph(dev!, g, { x }, { seed, tol, dispatches: 2 });
  }
  for (const shape of [[3, 7, 37], [2, 300]]) {
    const { g, inputs, params } = layerNormCase(rng, "f16", shape);
    await checkGraph(dev!, g, inputs, { seed, tol, params });
  }
  const { g, inputs, params } = groupNormCase(rng, "f16", [1, 64, 4, 4], 32);
  await checkGraph(dev!, g, inputs, { seed, tol, params });
});
