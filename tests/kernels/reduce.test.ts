// Reduction kernels (sum, max, min, mean, argmax) on the WebGPU device against the reference
// interpreter, on fresh random inputs (TEST_SEED=<n> repeats a run). Each op is one dispatch;
// the cases cover both kernel shapes (one invocation per output, one workgroup per output),
// first/middle/last/several/all axes, keepdims, ragged extents and fused prologues.

import assert from "node:assert/strict";
import { afterAll, test } from "vitest";
import type { Tensor } from "../../compiler/dsl/tensor.ts";
import { trace } from "../../compiler/dsl/trace.ts";
import type { DType } from "../../compiler/ir/types.ts";
import { DEFAULT_WGSL_CAPS } from "../../compiler/kernels/target.ts";
import { planTeam } from "../../compiler/kernels/builders/reduce.ts";
import { workgroupBytes } from "../../compiler/kernels/kernel-ir.ts";
import { lower } from "../../runtime/executable.ts";
import { mulberry32, randomTensor, testSeed } from "../util/random.ts";
import { checkGraph, openTestDevice } from "./graph-check.ts";

const { dev, reason } = await openTestDevice();
afterAll(() => dev?.dispose());
const noF16 = reason || (dev!.features.has("shader-f16") ? "" : "device lacks shader-f16");

type ReduceOp = "sum" | "max" | "min" | "mean";
const REDUCE_OPS: readonly ReduceOp[] = ["sum", "max", "min", "mean"];

function reduceGraph(op: ReduceOp, dtype: DType, shape: number[], axes: number[], keepdims: boolean, pre?: (x: Tensor) => Tensor) {
  return trace(`${op}_${shape.join("x")}_${axes.join("")}${keepdims ? "_keep" : ""}`, { x: { dtype, shape } },
    ({ x }) => ({ y: (pre ? pre(x!) : x!)[op](axes, keepdims) }));
}

// [shape, axes, keepdims, kernel shape]
const CASES: readonly [number[], number[], boolean, "serial" | "workgroup"][] = [
  [[5, 7, 9], [0], false, "serial"],            // first axis
  [[5, 7, 9], [1], true, "serial"],             // middle axis, keepdims
  [[5, 7, 9], [2], false, "serial"],            // last axis
  [[5, 7, 9], [0, 2], true, "workgroup"],       // several axes: 45 per output, 7 outputs
  [[5, 7, 9], [0, 1, 2], false, "workgroup"],   // everything, to a scalar
  [[3, 1000], [1], false, "workgroup"],         // a long last axis: rows longer than the workgroup
  [[1000, 3], [0], true, "workgroup"],          // a long first axis (strided reads)
  [[33, 40, 35], [1], false, "serial"],         // 1155 outputs of 40: one invocation each
];

for (const op of REDUCE_OPS) {
  test(`${op} over first, middle, last, several and all axes, keepdims, both kernel shapes`, async (t) => {
    if (reason) t.skip(reason);
    const seed = testSeed(), rng = mulberry32(seed);
    for (const [shape, axes, keepdims, kind] of CASES) {
      const x = randomTensor("f32", shape, rng);
      await checkGraph(dev!, reduceGraph(op, "f32", shape, axes, keepdims), { x }, { seed, kernel: `${op}_${kind}` });
    }
  });
}

test("sum, max and min of i32 (integer accumulation, exact)", async (t) => {
  if (reason) t.skip(reason);
  const seed = testSeed(), rng = mulberry32(seed);
  for (const op of ["sum", "max", "min"] as const) {
    for (const [shape, axes] of [[[6, 37], [1]], [[4, 5, 3], [0, 2]], [[300, 2], [0]]] as const) {
      const x = randomTensor("i32", [...shape], rng, { kind: "int", lo: -50, hi: 50 });
      await checkGraph(dev!, reduceGraph(op, "i32", [...shape], [...axes], false), { x }, { seed });
    }
  }
});

test("argmax along first, middle and last axes with ties (first maximum wins)", async (t) => {
  if (reason) t.skip(reason);
  const seed = testSeed(), rng = mulberry32(seed);
  // [shape, axis, keepdims, kernel shape]; values in {0, 1, 2} so most lines hold tied maxima,
  // and in the workgroup shape the tied candidates meet across invocations.
  const cases: [number[], number, boolean, string][] = [
    [[4, 5, 6], 0, false, "argmax_serial"],
    [[4, 5, 6], 1, true, "argmax_serial"],
    [[4, 5, 6], 2, false, "argmax_serial"],
    [[6, 37], 1, false, "argmax_workgroup"],
    [[300, 5], 0, true, "argmax_workgroup"],
    [[2, 1000], 1, false, "argmax_workgroup"],
  ];
  for (const [shape, axis, keepdims, kernel] of cases) {
    const x = randomTensor("f32", shape, rng, { kind: "int", lo: 0, hi: 3 });
    const g = trace(`argmax_${shape.join("x")}_${axis}`, { x: { dtype: "f32", shape } }, ({ x }) => ({ i: x!.argmax(axis, keepdims) }));
    await checkGraph(dev!, g, { x }, { seed, kernel });
  }
  // Distinct values too (the maximum is unique) and an i32 input.
  const xs = randomTensor("f32", [7, 300], rng);
  await checkGraph(dev!, trace("argmax_distinct", { x: { dtype: "f32", shape: [7, 300] } }, ({ x }) => ({ i: x!.argmax(1) })), { x: xs }, { seed });
  const xi = randomTensor("i32", [9, 11], rng, { kind: "int", lo: -4, hi: 4 });
  await checkGraph(dev!, trace("argmax_i32", { x: { dtype: "i32", shape: [9, 11] } }, ({ x }) => ({ i: x!.argmax(0) })), { x: xi }, { seed });
});

test("fused prologues: mean(x·x), sum of a permuted view, max of x + broadcast bias are one dispatch", async (t) => {
  if (reason) t.skip(reason);
  const seed = testSeed(), rng = mulberry32(seed);
  const x = randomTensor("f32", [3, 1000], rng);
  const names = await checkGraph(dev!, reduceGraph("mean", "f32", [3, 1000], [1], false, (t) => t.mul(t)), { x }, { seed, dispatches: 1 });
  assert.deepEqual(names, ["mean_workgroup"]);
  const y = randomTensor("f32", [4, 6, 5], rng);
  await checkGraph(dev!, trace("sum_permuted", { x: { dtype: "f32", shape: [4, 6, 5] } }, ({ x }) => ({ y: x!.permute(2, 0, 1).sum([0, 2]) })), { x: y }, { seed, dispatches: 1 });
  const z = randomTensor("f32", [5, 130], rng), bias = randomTensor("f32", [130], rng);
  const g = trace("max_plus_bias", { x: { dtype: "f32", shape: [5, 130] }, b: { dtype: "f32", shape: [130] } }, ({ x, b }) => ({ y: x!.add(b!).max([1], true) }));
  await checkGraph(dev!, g, { x: z, b: bias }, { seed, dispatches: 1 });
});

test("the workgroup shrinks to the target's limits", () => {
  const caps = { ...DEFAULT_WGSL_CAPS, maxInvocationsPerWorkgroup: 64, maxWorkgroupStorageBytes: 256 };
  assert.deepEqual(planTeam(1000, 3, caps, 8), { workgroup: true, wg: 32 });
  assert.deepEqual(planTeam(1000, 3, caps, 4), { workgroup: true, wg: 64 });
  assert.deepEqual(planTeam(37, 3, DEFAULT_WGSL_CAPS, 4), { workgroup: true, wg: 32 });
  assert.deepEqual(planTeam(37, 5000, DEFAULT_WGSL_CAPS, 4), { workgroup: false, wg: 64 });
  const g = trace("argmax_small_wg", { x: { dtype: "f32", shape: [3, 1000] } }, ({ x }) => ({ i: x!.argmax(1) }));
  const k = lower(g, caps).launches[0]!.kernel;
  assert.deepEqual(k.workgroupSize, [32, 1, 1]);
  assert.ok(workgroupBytes(k) <= 256, `${workgroupBytes(k)} bytes of workgroup memory`);
});

test("the kernel shape per target: WGSL keeps rows up to 2048 serial, CUDA gives rows of 128 a workgroup", () => {
  const cuda = { ...DEFAULT_WGSL_CAPS, target: "cuda" as const };
  // A Phi block's LayerNorm: 256 rows of 256.
  assert.deepEqual(planTeam(256, 256, DEFAULT_WGSL_CAPS, 4), { workgroup: false, wg: 64 });
  assert.deepEqual(planTeam(256, 256, cuda, 4), { workgroup: true, wg: 256 });
  assert.deepEqual(planTeam(2048, 774, DEFAULT_WGSL_CAPS, 4), { workgroup: false, wg: 64 });
  // Longer rows, or too few rows to fill one serial workgroup: a workgroup of at most 64 on WGSL.
  assert.deepEqual(planTeam(2049, 774, DEFAULT_WGSL_CAPS, 4), { workgroup: true, wg: 64 });
  assert.deepEqual(planTeam(300, 63, DEFAULT_WGSL_CAPS, 4), { workgroup: true, wg: 64 });
  assert.deepEqual(planTeam(31, 63, DEFAULT_WGSL_CAPS, 4), { workgroup: false, wg: 64 });
  assert.deepEqual(planTeam(58498, 1, cuda, 4), { workgroup: true, wg: 256 });
});

test("f16 inputs accumulate in f32 (native f16 storage)", async (t) => {
  if (noF16) t.skip(noF16);
  const seed = testSeed(), rng = mulberry32(seed);
  for (const op of REDUCE_OPS) {
    for (const [shape, axes] of [[[4, 300], [1]], [[6, 5, 7], [0, 2]], [[9, 3], [0]]] as const) {
      const x = randomTensor("f16", [...shape], rng);
      await checkGraph(dev!, reduceGraph(op, "f16", [...shape], [...axes], false), { x }, { seed, tol: 2e-3 });
    }
  }
  const x = randomTensor("f16", [3, 500], rng, { kind: "int", lo: 0, hi: 4 });
  await checkGraph(dev!, trace("argmax_f16", { x: { dtype: "f16", shape: [3, 500] } }, ({ x }) => ({ i: x!.argmax(1) })), { x }, { seed });
});

