// The scatter_add kernels (gathering and row-sums forms) on a WebGPU device against the reference interpreter, on fresh random
// inputs with repeated and out-of-range indices (clamped as gather clamps): axis 0 with 2-D
// indices, a middle axis, the last axis, an integer target (exact), fused producers, and the VJP
// graph of gather. Skipped, with the reason, where no WebGPU adapter is available.
//
// Tolerance for floats: max |device − reference| ≤ 1e-5 · max(1, max |reference|) (a few f32
// additions per element against float64).

import assert from "node:assert/strict";
import { afterAll, test } from "vitest";
import { run } from "../../backends/reference/interpreter.ts";
import type { WgslDevice } from "../../backends/wgsl/device.ts";
import { openDevice } from "../../backends/wgsl/device.ts";
import { apply, input } from "../../compiler/ir/build.ts";
import { Graph } from "../../compiler/ir/graph.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import type { DType } from "../../compiler/ir/types.ts";
import { vjpGraph } from "../../compiler/passes/autodiff.ts";
import { compile } from "../../runtime/executable.ts";
import type { Rng } from "../util/random.ts";
import { mulberry32, randomTensor, testSeed } from "../util/random.ts";

let dev: WgslDevice | null = null;
let noDevice = "";
try {
  dev = await openDevice();
  console.log(`# device: ${dev.description}`);
} catch (e) {
  noDevice = `no WebGPU device: ${(e as Error).message}`;
  console.log(`# skipping: ${noDevice}`);
}
afterAll(() => dev?.dispose());

const seed = testSeed();
const rng: Rng = mulberry32(seed);
console.log(`# TEST_SEED=${seed}`);

function assertClose(got: RefTensor, want: RefTensor, what: string, exact = false): void {
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  let ref = 0, err = 0, at = -1;
  for (let i = 0; i < want.data.length; i++) {
    ref = Math.max(ref, Math.abs(want.data[i]!));
    const e = Math.abs(got.data[i]! - want.data[i]!);
    if (!(e <= err)) [err, at] = [e, i];
  }
  const tol = exact ? 0 : 1e-5 * Math.max(1, ref);
  assert.ok(err <= tol, `${what}: max error ${err} at flat ${at} (got ${got.data[at]}, want ${want.data[at]}) > ${tol} (TEST_SEED=${seed})`);
}

/** Runs on the device and the reference, compares; returns the kernel names of the launches. */
async function check(graph: Graph, inputs: Record<string, RefTensor>, what: string, exact = false): Promise<string[]> {
  const exe = await compile(graph, { target: "wgsl", device: dev! });
  try {
    const got = await exe.run(inputs);
    const want = run(graph, inputs);
    for (const name of Object.keys(want)) assertClose(got[name]!, want[name]!, `${what}: ${name}`, exact);
    return exe.compiled.launches.map((l) => l.kernel.name);
  } finally {
    exe.dispose();
  }
}

/** Indices in [−2, n + 2): repeats whenever there are more than n, and some out of range. */
function indexTensor(shape: readonly number[], n: number): RefTensor {
  const t = randomTensor("i32", shape, rng, { kind: "int", lo: -2, hi: n + 2 });
  // Make sure both clamped ends and a repeat occur whatever the draw.
  t.data[0] = -1;
  if (t.data.length > 1) t.data[1] = n + 1;
  if (t.data.length > 2) t.data[2] = t.data[t.data.length - 1]!;
  return t;
}

/** out = scatter_add(target, indices, updates) along `axis`; updates has gather's result shape. */
function scatterCase(dtype: DType, tshape: number[], ishape: number[], axis: number) {
  const ushape = [...tshape.slice(0, axis), ...ishape, ...tshape.slice(axis + 1)];
  const target = input("target", dtype, tshape), indices = input("indices", "i32", ishape), updates = input("updates", dtype, ushape);
  const out = apply("scatter_add", [target, indices, updates], { axis });
  const init = dtype === "i32" ? { kind: "int" as const, lo: -50, hi: 50 } : undefined;
  return {
    graph: new Graph("scatter", [target, indices, updates], [], [{ name: "out", node: out }]),
    inputs: {
      target: randomTensor(dtype, tshape, rng, init),
      indices: indexTensor(ishape, tshape[axis]!),
      updates: randomTensor(dtype, ushape, rng, init),
    },
  };
}

test("scatter_add along axis 0 with 2-D indices (embedding gradient shape)", async (t) => {
  if (noDevice) t.skip(noDevice);
  const c = scatterCase("f32", [7, 5], [3, 4], 0);
  assert.deepEqual(await check(c.graph, c.inputs, "axis 0"), ["scatter_add"]);
});

test("scatter_add along a middle axis", async (t) => {
  if (noDevice) t.skip(noDevice);
  const c = scatterCase("f32", [3, 6, 4], [9], 1);
  assert.deepEqual(await check(c.graph, c.inputs, "axis 1 of 3"), ["scatter_add"]);
});

test("scatter_add along the last axis, ragged sizes", async (t) => {
  if (noDevice) t.skip(noDevice);
  const c = scatterCase("f32", [5, 13], [17], 1);
  await check(c.graph, c.inputs, "last axis");
});

test("scatter_add on an i32 target is exact", async (t) => {
  if (noDevice) t.skip(noDevice);
  const c = scatterCase("i32", [4, 5, 3], [2, 3], 1);
  await check(c.graph, c.inputs, "i32", true);
});

test("fused producers of target and updates stay in the one kernel", async (t) => {
  if (noDevice) t.skip(noDevice);
  const [n, m, w] = [6, 8, 3];
  const x = input("x", "f32", [n, w]), indices = input("indices", "i32", [m]), u = input("u", "f32", [w, m]);
  const target = apply("mul", [x, x]);
  const updates = apply("permute", [apply("neg", [u])], { perm: [1, 0] }); // [m, w]
  const out = apply("scatter_add", [target, indices, updates], { axis: 0 });
  const graph = new Graph("scatter_fused", [x, indices, u], [], [{ name: "out", node: out }]);
  const inputs = { x: randomTensor("f32", [n, w], rng), indices: indexTensor([m], n), u: randomTensor("f32", [w, m], rng) };
  assert.deepEqual(await check(graph, inputs, "fused"), ["scatter_add"]);
});

test("the VJP graph of gather (scatter_add of the cotangent into zeros)", async (t) => {
  if (noDevice) t.skip(noDevice);
  const table = input("table", "f32", [9, 4]), indices = input("indices", "i32", [2, 7]);
  const fwd = new Graph("gather", [table, indices], [], [{ name: "out", node: apply("gather", [table, indices], { axis: 0 }) }]);
  const graph = vjpGraph(fwd, { output: "out", inputsWrt: ["table"] });
  const inputs = {
    table: randomTensor("f32", [9, 4], rng),
    indices: indexTensor([2, 7], 9),
    "grad_output.out": randomTensor("f32", [2, 7, 4], rng),
  };
  // The forward gather stays an output; the zero target is a constant computed in the scatter.
  assert.deepEqual((await check(graph, inputs, "gather VJP")).sort(), ["elementwise", "scatter_add"]);
});

test("row-sums form (fewer index positions than rows): embedding shape, middle axis, i32 exact, fused producers", async (t) => {
  if (noDevice) t.skip(noDevice);
  const emb = scatterCase("f32", [37, 5], [2, 3], 0);
  assert.deepEqual(await check(emb.graph, emb.inputs, "rows, axis 0"), ["scatter_add_init", "scatter_add_rows"]);
  const mid = scatterCase("f32", [3, 23, 4], [7], 1);
  assert.deepEqual(await check(mid.graph, mid.inputs, "rows, axis 1 of 3"), ["scatter_add_init", "scatter_add_rows"]);
  const last = scatterCase("i32", [4, 19], [6], 1);
  await check(last.graph, last.inputs, "rows, i32", true);
  const [n, m, w] = [29, 8, 3];
  const x = input("x", "f32", [n, w]), indices = input("indices", "i32", [m]), u = input("u", "f32", [w, m]);
  const out = apply("scatter_add", [apply("mul", [x, x]), indices, apply("permute", [apply("neg", [u])], { perm: [1, 0] })], { axis: 0 });
  const graph = new Graph("scatter_rows_fused", [x, indices, u], [], [{ name: "out", node: out }]);
  const inputs = { x: randomTensor("f32", [n, w], rng), indices: indexTensor([m], n), u: randomTensor("f32", [w, m], rng) };
  assert.deepEqual(await check(graph, inputs, "rows, fused"), ["scatter_add_init", "scatter_add_rows"]);
});
