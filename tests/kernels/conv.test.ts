// conv2d and its two gradient kernels on the WebGPU device against the reference interpreter, on
// fresh random inputs (TEST_SEED=<n> repeats a run). Cases: stride 1 and 2 (and mixed),
// symmetric and asymmetric padding ([0, 1, 0, 1] among them), C ≠ O, 1×1, 3×3 and non-square
// kernels, ragged H/W and channel counts that are not multiples of the tiles (the implicit-GEMM
// forms' 4-pixel strips and 8-channel blocks, the direct forms' 4×4 and 8×8 blocks), a 1-pixel
// image, a 1×1 stride-2 kernel whose odd dx pixel classes no tap reaches, and a 6×6 kernel (the
// direct forms, with looped taps). Each case is checked in the form convForm chooses; the
// implicit-GEMM forms are checked again without subgroups and with 4 sharing lanes.
//
// Tolerance: max-abs error ≤ 1e-4 · max(1, max|ref|) · max(1, √K / 8) with K the number of terms
// summed per output (C·kh·kw for conv2d, O·kh·kw for dx, N·Ho·Wo for dw).

import assert from "node:assert/strict";
import { afterAll, test } from "vitest";
import { run as reference } from "../../backends/reference/interpreter.ts";
import { Tensor } from "../../compiler/dsl/tensor.ts";
import { trace } from "../../compiler/dsl/trace.ts";
import { apply } from "../../compiler/ir/build.ts";
import type { Attrs, Graph } from "../../compiler/ir/graph.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { concreteShape } from "../../compiler/ir/types.ts";
import { convForm } from "../../compiler/kernels/builders/conv.ts";
import type { TargetCaps } from "../../compiler/kernels/target.ts";
import type { DeviceBuffer } from "../../backends/wgsl/device.ts";
import { capsOf, compile, lower } from "../../runtime/executable.ts";
import { mulberry32, randomTensor, testSeed } from "../util/random.ts";
import { checkGraph, openTestDevice } from "./graph-check.ts";

const { dev, reason } = await openTestDevice();
afterAll(() => dev?.dispose());

const tolFor = (k: number) => 1e-4 * Math.max(1, Math.sqrt(k) / 8);

interface Case { x: number[]; w: number[]; stride: number[]; padding: number[]; note: string }
const CASES: readonly Case[] = [
  { x: [2, 3, 7, 6], w: [5, 3, 3, 3], stride: [1, 1], padding: [1, 1, 1, 1], note: "3×3 same padding, C≠O" },
  { x: [1, 4, 9, 7], w: [6, 4, 3, 3], stride: [2, 2], padding: [0, 1, 0, 1], note: "3×3 stride 2, asymmetric padding" },
  { x: [2, 5, 5, 3], w: [3, 5, 1, 1], stride: [1, 1], padding: [0, 0, 0, 0], note: "1×1 projection, O < 4" },
  { x: [1, 3, 8, 9], w: [7, 3, 1, 1], stride: [2, 2], padding: [0, 0, 0, 0], note: "1×1 stride 2" },
  { x: [2, 3, 6, 5], w: [2, 3, 2, 3], stride: [2, 1], padding: [1, 0, 2, 1], note: "mixed strides, 2×3 kernel" },
  { x: [1, 2, 9, 10], w: [3, 2, 6, 6], stride: [1, 1], padding: [2, 3, 2, 3], note: "6×6 kernel (looped taps)" },
  { x: [3, 8, 11, 13], w: [9, 8, 3, 3], stride: [1, 1], padding: [1, 1, 1, 1], note: "more channels and pixels than one workgroup" },
  { x: [1, 32, 30, 30], w: [36, 32, 3, 3], stride: [1, 1], padding: [1, 1, 1, 1], note: "large enough for the 8×8 block, ragged in both" },
  { x: [3, 13, 11, 9], w: [11, 13, 3, 3], stride: [2, 2], padding: [1, 1, 1, 1], note: "stride 2, symmetric padding, ragged channels and sizes" },
  { x: [2, 9, 10, 7], w: [17, 9, 3, 3], stride: [1, 1], padding: [1, 1, 1, 1], note: "O = 17 (ragged 8-channel blocks), W = 7 (ragged strips)" },
  { x: [2, 19, 6, 5], w: [21, 19, 1, 1], stride: [1, 1], padding: [0, 0, 0, 0], note: "1×1, C = 19, O = 21" },
  { x: [2, 5, 1, 6], w: [6, 5, 3, 3], stride: [1, 1], padding: [1, 1, 1, 1], note: "a 1-pixel-high image" },
  { x: [2, 6, 9, 9], w: [10, 6, 3, 3], stride: [2, 2], padding: [0, 1, 0, 1], note: "Downsample's padding at an odd size" },
];

function outSize(c: Case): [number, number] {
  return [Math.floor((c.x[2]! + c.padding[0]! + c.padding[1]! - c.w[2]!) / c.stride[0]!) + 1,
    Math.floor((c.x[3]! + c.padding[2]! + c.padding[3]! - c.w[3]!) / c.stride[1]!) + 1];
}

/** A graph of one op applied to named inputs (in order). */
function opGraph(op: string, inputs: Record<string, number[]>, attrs: Attrs) {
  const spec = Object.fromEntries(Object.entries(inputs).map(([k, s]) => [k, { dtype: "f32" as const, shape: s }]));
  return trace(op, spec, (t) => ({ y: new Tensor(apply(op, Object.keys(inputs).map((k) => t[k]!.node), attrs)) }));
}

const gemm = (c: Case) => convForm({ stride: c.stride }, c.w.slice(2)) === "gemm";
/** dx in the implicit-GEMM form: one launch per pixel class (h mod sh, w mod sw) that holds pixels. */
const dxLaunches = (c: Case) => (gemm(c) ? Math.min(c.stride[0]!, c.x[2]!) * Math.min(c.stride[1]!, c.x[3]!) : 1);

test(`conv2d: ${CASES.map((c) => c.note).join("; ")}`, async (t) => {
  if (reason) t.skip(reason);
  const seed = testSeed(), rng = mulberry32(seed);
  for (const c of CASES) {
    const x = randomTensor("f32", c.x, rng), w = randomTensor("f32", c.w, rng);
    await checkGraph(dev!, opGraph("conv2d", { x: c.x, w: c.w }, { stride: c.stride, padding: c.padding }), { x, w },
      { seed, kernel: gemm(c) ? "conv2d_gemm" : "conv2d", tol: tolFor(c.w[1]! * c.w[2]! * c.w[3]!) });
  }
});

test("conv2d through the DSL with a bias (conv kernel + elementwise add)", async (t) => {
  if (reason) t.skip(reason);
  const seed = testSeed(), rng = mulberry32(seed);
  const g = trace("conv_bias", { x: { dtype: "f32", shape: [2, 3, 7, 6] }, w: { dtype: "f32", shape: [5, 3, 3, 3] }, b: { dtype: "f32", shape: [5] } },
    ({ x, w, b }) => ({ y: x!.conv2d(w!, { stride: 2, padding: [0, 1, 0, 1], bias: b! }) }));
  const ins = { x: randomTensor("f32", [2, 3, 7, 6], rng), w: randomTensor("f32", [5, 3, 3, 3], rng), b: randomTensor("f32", [5], rng) };
  await checkGraph(dev!, g, ins, { seed, kernel: "conv2d_gemm", dispatches: 2, tol: tolFor(27) });
});

test("conv2d_grad_input (dL/dx) for every case", async (t) => {
  if (reason) t.skip(reason);
  const seed = testSeed(), rng = mulberry32(seed);
  for (const c of CASES) {
    const [ho, wo] = outSize(c);
    const gShape = [c.x[0]!, c.w[0]!, ho, wo];
    const g = randomTensor("f32", gShape, rng), w = randomTensor("f32", c.w, rng);
    const attrs = { stride: c.stride, padding: c.padding, input_shape: c.x.slice(2) };
    await checkGraph(dev!, opGraph("conv2d_grad_input", { g: gShape, w: c.w }, attrs), { g, w },
      { seed, kernel: gemm(c) ? "conv2d_grad_input_gemm" : "conv2d_grad_input", dispatches: dxLaunches(c), tol: tolFor(c.w[0]! * c.w[2]! * c.w[3]!) });
  }
});

test("conv2d_grad_weight (dL/dw) for every case", async (t) => {
  if (reason) t.skip(reason);
  const seed = testSeed(), rng = mulberry32(seed);
  for (const c of CASES) {
    const [ho, wo] = outSize(c);
    const gShape = [c.x[0]!, c.w[0]!, ho, wo];
    const x = randomTensor("f32", c.x, rng), g = randomTensor("f32", gShape, rng);
    const attrs = { stride: c.stride, padding: c.padding, kernel: c.w.slice(2) };
    await checkGraph(dev!, opGraph("conv2d_grad_weight", { x: c.x, g: gShape }, attrs), { x, g },
      { seed, kernel: gemm(c) ? "conv2d_grad_weight_gemm" : "conv2d_grad_weight", tol: tolFor(c.x[0]! * ho * wo) });
  }
});

test("conv2d and its gradients with every tensor split across several bindings (sharded)", async (t) => {
  if (reason) t.skip(reason);
  const seed = testSeed(), rng = mulberry32(seed);
  const c = CASES[1]!; // stride 2, asymmetric padding
  const [ho, wo] = outSize(c);
  const gShape = [c.x[0]!, c.w[0]!, ho, wo];
  const graphs = [
    opGraph("conv2d", { x: c.x, w: c.w }, { stride: c.stride, padding: c.padding }),
    opGraph("conv2d_grad_input", { g: gShape, w: c.w }, { stride: c.stride, padding: c.padding, input_shape: c.x.slice(2) }),
    opGraph("conv2d_grad_weight", { x: c.x, g: gShape }, { stride: c.stride, padding: c.padding, kernel: c.w.slice(2) }),
  ];
  for (const g of graphs) {
    const ins = Object.fromEntries(g.inputs.map((n) => [String(n.attrs["name"]), randomTensor("f32", n.shape as number[], rng)]));
    const exe = await compile(g, { target: "wgsl", device: dev!, maxBindingBytes: 512 });
    try {
      assert.ok(exe.compiled.launches[0]!.kernel.bindings.length > 3, `${g.name}: expected sharded bindings`);
      const got = (await exe.run(ins))["y"]!, want = reference(g, ins, {})["y"]!;
      let worst = 0, scale = 1;
      for (let i = 0; i < want.data.length; i++) {
        worst = Math.max(worst, Math.abs(got.data[i]! - want.data[i]!));
        scale = Math.max(scale, Math.abs(want.data[i]!));
      }
      assert.ok(worst <= tolFor(64) * scale, `${g.name}: max error ${worst} (seed ${seed})`);
    } finally {
      exe.dispose();
    }
  }
});

/** Lowers `g` for `caps` and runs its launches on the device with a buffer per tensor; the output 'y'. */
async function runWithCaps(g: Graph, caps: TargetCaps, ins: Readonly<Record<string, RefTensor>>): Promise<Float32Array> {
  const low = lower(g, caps);
  const bufs = new Map<unknown, DeviceBuffer>();
  try {
    for (const n of low.partition.materialized) {
      const shape = concreteShape(n.shape), numel = shape.reduce((a, b) => a * b, 1);
      const buf = await dev!.createBuffer(String(n), numel * 4);
      bufs.set(n, buf);
      const v = n.op === "input" ? ins[String(n.attrs["name"])] : undefined;
      dev!.upload(buf, v ? Float32Array.from(v.data) : new Float32Array(numel));
    }
    const rec = dev!.recorder();
    for (const l of low.launches) {
      const bindings: Record<string, DeviceBuffer> = {};
      for (const t of l.tensors) bindings[t.binding] = bufs.get(t.node)!;
      rec.dispatch(await dev!.compile(l.kernel), { grid: l.grid, bindings, params: l.params });
    }
    await rec.submit("conv caps");
    return new Float32Array(await dev!.download(bufs.get(low.partition.groups.at(-1)!.root)!));
  } finally {
    for (const b of bufs.values()) dev!.free(b);
  }
}

test("the implicit-GEMM forms without subgroups and with 4 sharing lanes", async (t) => {
  if (reason) t.skip(reason);
  const seed = testSeed(), rng = mulberry32(seed);
  const base = capsOf(dev!);
  const variants: [string, TargetCaps][] = [
    ["no subgroups", { ...base, subgroups: false }],
    ["4 sharing lanes", { ...base, minSubgroupSize: 4 }],
  ];
  for (const c of [CASES[1]!, CASES[8]!, CASES[9]!]) {
    const [ho, wo] = outSize(c);
    const gShape = [c.x[0]!, c.w[0]!, ho, wo];
    const graphs: [Graph, number][] = [
      [opGraph("conv2d", { x: c.x, w: c.w }, { stride: c.stride, padding: c.padding }), c.w[1]! * c.w[2]! * c.w[3]!],
      [opGraph("conv2d_grad_input", { g: gShape, w: c.w }, { stride: c.stride, padding: c.padding, input_shape: c.x.slice(2) }), c.w[0]! * c.w[2]! * c.w[3]!],
      [opGraph("conv2d_grad_weight", { x: c.x, g: gShape }, { stride: c.stride, padding: c.padding, kernel: c.w.slice(2) }), c.x[0]! * ho * wo],
    ];
    for (const [g, k] of graphs) {
      const ins = Object.fromEntries(g.inputs.map((n) => [String(n.attrs["name"]), randomTensor("f32", n.shape as number[], rng)]));
      const want = reference(g, ins, {})["y"]!;
      let scale = 1;
      for (const v of want.data) scale = Math.max(scale, Math.abs(v));
      for (const [what, caps] of variants) {
        const got = await runWithCaps(g, caps, ins);
        let worst = 0;
        for (let i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want.data[i]!));
        assert.ok(worst <= tolFor(k) * scale, `${g.name} (${c.note}), ${what}: max error ${worst} (seed ${seed})`);
      }
    }
  }
});
