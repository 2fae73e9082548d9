// The matmul kernel on the WebGPU device against the reference interpreter, on fresh random
// inputs (TEST_SEED=<n> repeats a run): ragged sizes (not multiples of the 4×4 block or the
// 8×8 workgroup) in all four transpose combinations, batch broadcasting both ways, fused
// epilogues (bias + GELU, residual) in one dispatch, and grid folding. Where the device has
// subgroups, a stored [M, K] with K % 4 == 0 and N ≥ 16 takes the subgroup-shared form (8 rows of a
// per workgroup, 64 lanes along N); a second device opened without subgroups runs the same
// shapes through the plain register-blocked form.
//
// Tolerance: max-abs error ≤ 1e-4 · max(1, max|ref|) · max(1, √K / 8): f32 accumulation of K
// products of normal inputs; the float64 reference is exact to far below that.

import assert from "node:assert/strict";
import { afterAll, test } from "vitest";
import { MLP, Module } from "../../compiler/dsl/nn.ts";
import { trace } from "../../compiler/dsl/trace.ts";
import type { Graph } from "../../compiler/ir/graph.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import type { DType } from "../../compiler/ir/types.ts";
import { DEFAULT_WGSL_CAPS } from "../../compiler/kernels/target.ts";
import type { WgslDevice } from "../../backends/wgsl/device.ts";
import { run as reference } from "../../backends/reference/interpreter.ts";
import { compile, lower } from "../../runtime/executable.ts";
import { mulberry32, randomTensor, testSeed } from "../util/random.ts";
import { openTestDeviceOrReason } from "../backends/util.ts";
import { checkGraph, openTestDevice } from "./graph-check.ts";

const { dev, reason } = await openTestDevice();
afterAll(() => dev?.dispose());
const noF16 = reason || (dev!.features.has("shader-f16") ? "" : "device lacks shader-f16");
const noSubgroups = reason || (dev!.features.has("subgroups") ? "" : "device lacks subgroups");

const tolFor = (k: number, base = 1e-4) => base * Math.max(1, Math.sqrt(k) / 8);

function mmGraph(aShape: number[], bShape: number[], ta: boolean, tb: boolean, dtype: DType = "f32"): Graph {
  return trace(`mm_${aShape.join("x")}_${bShape.join("x")}${ta ? "_ta" : ""}${tb ? "_tb" : ""}`,
    { a: { dtype, shape: aShape }, b: { dtype, shape: bShape } },
    ({ a, b }) => ({ y: a!.matmul(b!, { transposeA: ta, transposeB: tb }) }));
}

/** Binding element types of the first launch, by binding name prefix order (a, b, out). */
function bindingTypes(g: Graph): string[] {
  return lower(g, DEFAULT_WGSL_CAPS).launches[0]!.kernel.bindings.map((b) => b.type);
}

// [M, K, N]
const SIZES: readonly [number, number, number][] = [[1, 1, 1], [3, 5, 7], [33, 17, 65], [64, 64, 64], [100, 36, 52]];

for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
  test(`matmul ${ta ? "aᵀ" : "a"}·${tb ? "bᵀ" : "b"} at ragged sizes ${SIZES.map((s) => s.join("×")).join(", ")}`, async (t) => {
    if (reason) t.skip(reason);
    const seed = testSeed(), rng = mulberry32(seed);
    for (const [M, K, N] of SIZES) {
      const aShape = ta ? [K, M] : [M, K], bShape = tb ? [N, K] : [K, N];
      const a = randomTensor("f32", aShape, rng), b = randomTensor("f32", bShape, rng);
      await checkGraph(dev!, mmGraph(aShape, bShape, ta, tb), { a, b }, { seed, tol: tolFor(K), kernel: "matmul" });
    }
  });
}

test("matmul reads vec4 where the layout allows and scalars elsewhere", () => {
  // a [M, K] row-major: vec4 along K when K % 4 == 0; b [K, N]: vec4 along N when N % 4 == 0;
  // aᵀ stored [K, M]: vec4 along M when M % 4 == 0; bᵀ stored [N, K]: vec4 along K.
  assert.deepEqual(bindingTypes(mmGraph([64, 64], [64, 64], false, false)), ["vec4<f32>", "vec4<f32>", "vec4<f32>"]);
  assert.deepEqual(bindingTypes(mmGraph([36, 100], [36, 52], true, false)), ["vec4<f32>", "vec4<f32>", "vec4<f32>"]);
  assert.deepEqual(bindingTypes(mmGraph([100, 36], [52, 36], false, true)), ["vec4<f32>", "vec4<f32>", "vec4<f32>"]);
  assert.deepEqual(bindingTypes(mmGraph([33, 17], [17, 65], false, false)), ["f32", "f32", "f32"]);
  assert.deepEqual(bindingTypes(mmGraph([17, 33], [65, 17], true, true)), ["f32", "f32", "f32"]);
});

test("batched matmul: equal batch dims, b broadcast, a broadcast, two batch dims against one", async (t) => {
  if (reason) t.skip(reason);
  const seed = testSeed(), rng = mulberry32(seed);
  const cases: [number[], number[], boolean, boolean][] = [
    [[2, 3, 37, 20], [2, 3, 20, 11], false, false],
    [[2, 3, 37, 20], [20, 11], false, false],       // b broadcast over both batch dims
    [[37, 20], [2, 3, 20, 11], false, false],       // a broadcast
    [[2, 3, 5, 8], [3, 8, 6], false, false],        // right-aligned: b repeats every 3 matrices
    [[3, 9, 13], [2, 3, 10, 9], true, true],        // a broadcast, both transposed
    [[2, 6, 16, 12], [6, 16, 8], true, false],      // vec4 loads with batch offsets
  ];
  for (const [as, bs, ta, tb] of cases) {
    const a = randomTensor("f32", as, rng), b = randomTensor("f32", bs, rng);
    const K = ta ? as[as.length - 2]! : as[as.length - 1]!;
    await checkGraph(dev!, mmGraph(as, bs, ta, tb), { a, b }, { seed, tol: tolFor(K), kernel: "matmul" });
  }
});

test("Linear + bias + GELU is one dispatch (the GELU's branches are an epilogue region)", async (t) => {
  if (reason) t.skip(reason);
  const seed = testSeed(), rng = mulberry32(seed);
  for (const [lead, K, N] of [[[2, 5], 24, 10], [[7], 16, 12], [[1], 33, 5]] as const) {
    const g = trace("linear_gelu", { x: { dtype: "f32", shape: [...lead, K] }, w: { dtype: "f32", shape: [N, K] }, b: { dtype: "f32", shape: [N] } },
      ({ x, w, b }) => ({ y: x!.matmul(w!, { transposeB: true }).add(b!).gelu("tanh") }));
    const ins = { x: randomTensor("f32", [...lead, K], rng), w: randomTensor("f32", [N, K], rng), b: randomTensor("f32", [N], rng) };
    await checkGraph(dev!, g, ins, { seed, tol: tolFor(K), kernel: "matmul", dispatches: 1 });
  }
});

test("residual epilogue x + x·w is one dispatch (x read as vec4 operand and as scalars)", async (t) => {
  if (reason) t.skip(reason);
  const seed = testSeed(), rng = mulberry32(seed);
  for (const [M, D] of [[5, 16], [9, 7]] as const) {
    const g = trace("residual", { x: { dtype: "f32", shape: [M, D] }, w: { dtype: "f32", shape: [D, D] } },
      ({ x, w }) => ({ y: x!.add(x!.matmul(w!)) }));
    const ins = { x: randomTensor("f32", [M, D], rng), w: randomTensor("f32", [D, D], rng) };
    await checkGraph(dev!, g, ins, { seed, tol: tolFor(D), kernel: "matmul", dispatches: 1 });
  }
});

test("MLP (Linear, GELU, Linear) with parameters: one dispatch per Linear", async (t) => {
  if (reason) t.skip(reason);
  const seed = testSeed(), rng = mulberry32(seed);
  const root = new Module();
  const mlp = root.child("mlp", new MLP(20, 36, 12, "gelu_tanh"));
  const g = trace("mlp", { x: { dtype: "f32", shape: [3, 7, 20] } }, ({ x }) => mlp.forward(x!));
  const params: Record<string, RefTensor> = {};
  for (const p of root.namedParameters()) params[p.name] = randomTensor(p.dtype, p.shape as number[], rng, { kind: "normal", scale: 0.3 });
  await checkGraph(dev!, g, { x: randomTensor("f32", [3, 7, 20], rng) }, { seed, params, tol: tolFor(36), dispatches: 2 });
});

test("epilogue regions: a matmul that is also an output or feeds two kernels is stored; two matmuls into one add", async (t) => {
  if (reason) t.skip(reason);
  const seed = testSeed(), rng = mulberry32(seed);
  const spec = { a: { dtype: "f32" as const, shape: [6, 10] }, b: { dtype: "f32" as const, shape: [10, 9] }, c: { dtype: "f32" as const, shape: [10, 9] } };
  const ins = { a: randomTensor("f32", [6, 10], rng), b: randomTensor("f32", [10, 9], rng), c: randomTensor("f32", [10, 9], rng) };
  // The matmul is an output and also feeds an epilogue: stored, then an elementwise kernel.
  const both = trace("mm_and_relu", spec, ({ a, b }) => {
    const y = a!.matmul(b!);
    return { y, z: y.maximum(0).mul(2) };
  });
  await checkGraph(dev!, both, ins, { seed, tol: tolFor(10), dispatches: 2 });
  // Two matmuls summed: one is the add's producer, the other is stored and read by the epilogue.
  const sum = trace("mm_plus_mm", spec, ({ a, b, c }) => ({ y: a!.matmul(b!).add(a!.matmul(c!)).tanh() }));
  await checkGraph(dev!, sum, ins, { seed, tol: tolFor(10), dispatches: 2 });
  // A branch that leaves the region (a sum over the biased value) keeps the region's end there.
  const branch = trace("mm_branch", spec, ({ a, b }) => {
    const h = a!.matmul(b!).add(1);
    return { y: h.tanh(), s: h.sum([1]) };
  });
  await checkGraph(dev!, branch, ins, { seed, tol: tolFor(10), dispatches: 3 });
});

/** Shapes for the subgroup-shared form: ragged M (by 8) and N (by 4 and by 64 lanes), batches, epilogues. */
async function sharedShapes(d: WgslDevice, seed: number): Promise<void> {
  const rng = mulberry32(seed);
  // [a shape, b shape, transpose_b]
  const cases: [number[], number[], boolean][] = [
    [[21, 12], [37, 12], true],         // N ragged by 4: scalar b rows, clamped lanes
    [[19, 8], [8, 40], false],          // b stored [K, N], vec4 along N
    [[3, 13, 16], [3, 16, 20], false],  // batched, a row block straddles nothing
    [[2, 9, 20], [150, 20], true],      // b broadcast; 38 column blocks of 64 lanes, 2 workgroups along N
  ];
  for (const [as, bs, tb] of cases) {
    const a = randomTensor("f32", as, rng), b = randomTensor("f32", bs, rng);
    await checkGraph(d, mmGraph(as, bs, false, tb), { a, b }, { seed, tol: tolFor(as[as.length - 1]!), kernel: "matmul" });
  }
  // Linear + bias + GELU epilogue on the shared form.
  const [M, K, N] = [11, 24, 30];
  const g = trace("linear_gelu_shared", { x: { dtype: "f32", shape: [M, K] }, w: { dtype: "f32", shape: [N, K] }, b: { dtype: "f32", shape: [N] } },
    ({ x, w, b }) => ({ y: x!.matmul(w!, { transposeB: true }).add(b!).gelu() }));
  const ins = { x: randomTensor("f32", [M, K], rng), w: randomTensor("f32", [N, K], rng), b: randomTensor("f32", [N], rng) };
  await checkGraph(d, g, ins, { seed, tol: tolFor(K), kernel: "matmul", dispatches: 1 });
}

test("subgroup-shared rows of a: chosen only on WGSL with subgroups, a stored [M, K], K % 4 == 0, N ≥ 16", () => {
  const doc = (caps: typeof DEFAULT_WGSL_CAPS, a: number[], b: number[], ta = false) => {
    const k = lower(mmGraph(a, b, ta, false), caps).launches[0]!.kernel;
    return { shared: k.doc.includes("shared by subgroup broadcast"), wg: k.workgroupSize };
  };
  const sg = { ...DEFAULT_WGSL_CAPS, subgroups: true };
  assert.deepEqual(doc(sg, [21, 12], [12, 37]), { shared: true, wg: [64, 1, 1] });
  assert.deepEqual(doc(DEFAULT_WGSL_CAPS, [21, 12], [12, 37]).shared, false);
  assert.deepEqual(doc({ ...sg, target: "cuda" }, [21, 12], [12, 37]).shared, false);
  assert.deepEqual(doc(sg, [21, 13], [13, 37]).shared, false); // K % 4 != 0
  assert.deepEqual(doc(sg, [12, 21], [12, 37], true).shared, false); // a transposed
  assert.deepEqual(doc(sg, [21, 12], [12, 15]).shared, false); // N < 16
});

test("subgroup-shared rows at ragged sizes, batched, with an epilogue", async (t) => {
  if (noSubgroups) t.skip(noSubgroups);
  await sharedShapes(dev!, testSeed());
});

test("the same shapes on a device without subgroups (plain register-blocked form)", async (t) => {
  if (reason) t.skip(reason);
  // Through the suite's opener, so that without an adapter the test fails naming the set-up step.
  const opened = await openTestDeviceOrReason({ features: ["shader-f16"], label: "no-subgroups" });
  if (!opened.device) throw new Error(opened.fail ?? opened.skip);
  const plain = opened.device;
  try {
    assert.equal(plain.features.has("subgroups"), false);
    await sharedShapes(plain, testSeed());
    const seed = testSeed(), rng = mulberry32(seed);
    for (const [M, K, N] of [[64, 64, 64], [100, 36, 52]] as const) {
      const a = randomTensor("f32", [M, K], rng), b = randomTensor("f32", [N, K], rng);
      await checkGraph(plain, mmGraph([M, K], [N, K], false, true), { a, b }, { seed, tol: tolFor(K), kernel: "matmul" });
    }
  } finally {
    plain.dispose();
  }
});

test("matmul in f16 storage (vec4<f16> loads, f32 accumulation)", async (t) => {
  if (noF16) t.skip(noF16);
  const seed = testSeed(), rng = mulberry32(seed);
  // The last case takes the subgroup-shared form where the device has subgroups (K % 4 == 0, N ≥ 16).
  for (const [M, K, N, tb] of [[33, 20, 12, true], [5, 7, 9, false], [9, 16, 20, true]] as const) {
    const as = [M, K], bs = tb ? [N, K] : [K, N];
    const a = randomTensor("f16", as, rng), b = randomTensor("f16", bs, rng);
    // The result is rounded to f16 (2⁻¹¹ relative) on both sides, from f32 vs float64 sums.
    await checkGraph(dev!, mmGraph(as, bs, false, tb, "f16"), { a, b }, { seed, tol: 2e-3 * Math.max(1, Math.sqrt(K) / 8), kernel: "matmul" });
  }
});

test("a batch of 70,000 small matrices folds the grid past 65,535 workgroups", async (t) => {
  if (reason) t.skip(reason);
  const seed = testSeed(), rng = mulberry32(seed);
  const as = [70000, 1, 3], bs = [70000, 3, 2];
  const g = mmGraph(as, bs, false, false);
  assert.equal(lower(g, DEFAULT_WGSL_CAPS).launches[0]!.grid[0], 70000);
  await checkGraph(dev!, g, { a: randomTensor("f32", as, rng), b: randomTensor("f32", bs, rng) }, { seed, tol: tolFor(3) });
});

test("operands and result split across several bindings (sharded), vec4 and scalar views", async (t) => {
  if (reason) t.skip(reason);
  const seed = testSeed(), rng = mulberry32(seed);
  // A 2 KiB binding limit splits the larger tensors here into shards of whole rows.
  for (const [as, bs, tb, epi] of [[[2, 40, 24], [24, 36], false, false], [[45, 20], [33, 20], true, true], [[70, 9], [9, 21], false, true]] as const) {
    const g = trace("sharded", { a: { dtype: "f32", shape: [...as] }, b: { dtype: "f32", shape: [...bs] } },
      ({ a, b }) => ({ y: epi ? a!.matmul(b!, { transposeB: tb }).mul(0.5).tanh() : a!.matmul(b!, { transposeB: tb }) }));
    const exe = await compile(g, { target: "wgsl", device: dev!, maxBindingBytes: 2048 });
    try {
      const launch = exe.compiled.launches[0]!;
      assert.equal(exe.dispatchCount, 1);
      assert.ok(launch.kernel.bindings.length > 4, `expected sharded bindings, got ${launch.kernel.bindings.map((b) => b.name).join(", ")}`);
      const ins = { a: randomTensor("f32", [...as], rng), b: randomTensor("f32", [...bs], rng) };
      const got = (await exe.run(ins))["y"]!, want = reference(g, ins, {})["y"]!;
      const K = as[as.length - 1]!;
      let worst = 0, scale = 1;
      for (let i = 0; i < want.data.length; i++) {
        worst = Math.max(worst, Math.abs(got.data[i]! - want.data[i]!));
        scale = Math.max(scale, Math.abs(want.data[i]!));
      }
      assert.ok(worst <= tolFor(K) * scale, `max error ${worst} > ${tolFor(K) * scale} (seed ${seed})`);
    } finally {
      exe.dispose();
    }
  }
});
