// The CUDA device and compile(graph, {target: "cuda"}): Kernel IR kernels printed to CUDA, compiled
// by nvcc for the device's sm_XY, launched through the driver addon, checked against JS and the
// float64 reference interpreter on fresh random data.
//
// Without a GPU (or without the driver), openCudaDevice() and compile(…, {target: "cuda"}) must
// reject with the addon's "no CUDA driver found (…)" error; that is checked here, and every test
// that needs a GPU is skipped with the reason. The device-free part of the CUDA path (one
// translation unit per executable, compiled by nvcc for an sm_90 description) runs wherever nvcc is.
//
// Tolerances as on WGSL (tests/backends/util.ts): f32 max|got − ref| ≤ 1e-4 · max(1, max|ref|),
// 3e-4 for exp/log/tanh chains, 1e-3 for sin/cos; integers exactly. Repeat a failure with TEST_SEED.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { afterAll, test } from "vitest";
import { fileURLToPath } from "node:url";
import type { CudaDeviceInfo } from "../../backends/cuda/addon.ts";
import type { CudaDevice } from "../../backends/cuda/device.ts";
import { loadAddon } from "../../backends/cuda/addon.ts";
import { archOf, cudaCaps, cudaKernelProblems, nvrtcOptions, openCudaDevice, pickCompiler } from "../../backends/cuda/device.ts";
import { compileCuda, findCuda, cudaUnavailableReason } from "../../backends/cuda/nvcc.ts";
import { findNvrtc, nvrtcUnavailableReason } from "../../backends/cuda/nvrtc.ts";
import { DEFAULT_CUDA_CAPS, cudaModule } from "../../backends/cuda/print.ts";
import { run as reference } from "../../backends/reference/interpreter.ts";
import { Tensor } from "../../compiler/dsl/tensor.ts";
import { trace } from "../../compiler/dsl/trace.ts";
import { allOps } from "../../compiler/ir/ops.ts";
import { param } from "../../compiler/ir/build.ts";
import type { Graph } from "../../compiler/ir/graph.ts";
import { foldGrid } from "../../compiler/kernels/kernel-ir.ts";
import { arange, randn } from "../../compiler/dsl/init.ts";
import { initParams } from "../../compiler/dsl/nn.ts";
import { bindDims } from "../../compiler/passes/bind-dims.ts";
import type { PhiConfig } from "../../models/phi-block.ts";
import { PhiBlock, phiBlockGraph } from "../../models/phi-block.ts";
import type { DeviceBuffer } from "../../runtime/device.ts";
import { GpuError } from "../../runtime/device.ts";
import { compile, lower, openDeviceFor } from "../../runtime/executable.ts";
import { erfKernel, index2dKernel, linearIdKernel, rowSumKernel, saxpyKernel, subgroupSumKernel, vec4Kernel } from "../kernels/sample-kernels.ts";
import { rng } from "../kernels/random.ts";
import { mulberry32, randomTensor, testSeed } from "../util/random.ts";
import { assertClose, assertOutputsClose, exampleGraph, exampleInputs, exampleLabel, tolerance } from "./util.ts";

// The addon must be built for the device to load it (a no-op when current), unless SHOWO_CUDA_ADDON
// names a prebuilt one.
if (!process.env["SHOWO_CUDA_ADDON"]) {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  const build = spawnSync("bash", [`${root}scripts/build-addon.sh`], { encoding: "utf8" });
  if (build.status !== 0) throw new Error(`scripts/build-addon.sh failed (exit ${build.status}):\n${build.stderr}`);
}

let dev: CudaDevice | null = null;
let openError: unknown = null;
try {
  dev = await openCudaDevice();
  console.log(`# CUDA device: ${dev.description}`);
} catch (e) {
  openError = e;
}
afterAll(() => dev?.dispose());

const toolkit = findCuda();
const nvrtc = findNvrtc();
// Tests that run kernels need a device and a compiler for it.
const noGpu = dev ? "" : `no CUDA device: ${(openError as Error).message}`;
let noCompiler = "";
try {
  pickCompiler();
} catch (e) {
  noCompiler = (e as Error).message;
}
// Why the tests below skip, when they do ("" when they run).
const cannotRun = noGpu || (noCompiler ? `cannot compile kernels: ${noCompiler}` : "");
if (cannotRun) console.log(`# skipping CUDA GPU tests: ${cannotRun}`);
const noNvcc = toolkit ? "" : cudaUnavailableReason();
const noNvrtc = nvrtc ? "" : nvrtcUnavailableReason();

function device(): CudaDevice {
  if (!dev) throw new Error(noGpu);
  return dev;
}

const seed = testSeed();
const rand = mulberry32(seed);

// ---------------------------------------------------------------------------------------------
// Without a GPU

test("without a GPU, openCudaDevice() rejects with the addon's 'no CUDA driver found' error", async (t) => {
  if (dev) t.skip("a CUDA device is present");
  assert.ok(openError instanceof GpuError, `a GpuError, got ${String(openError)}`);
  assert.equal(openError.kind, "unavailable");
  assert.match(openError.message, /^no CUDA driver found \(libcuda\.so\.1: .+\)$|^no CUDA device found/);
  await assert.rejects(openDeviceFor("cuda"), (e: unknown) => e instanceof GpuError && e.message === (openError as Error).message);
});

test("without a GPU, compile(graph, {target: 'cuda'}) rejects with the same error", async (t) => {
  if (dev) t.skip("a CUDA device is present");
  const g = trace("double", { x: { dtype: "f32", shape: [3, 5] } }, ({ x }) => ({ y: x!.mul(2) }));
  await assert.rejects(compile(g, { target: "cuda" }), (e: unknown) => {
    assert.ok(e instanceof GpuError && e.kind === "unavailable", String(e));
    assert.equal(e.message, (openError as Error).message);
    return true;
  });
});

// A description as init() gives for an H100 (SXM, 80 GB); plain data for the pure functions below.
const H100: CudaDeviceInfo = {
  name: "NVIDIA H100 80GB HBM3", ordinal: 0, deviceCount: 1, driverVersion: 12040, computeCapability: 90, multiprocessors: 132,
  warpSize: 32, maxThreadsPerBlock: 1024, maxBlockDim: [1024, 1024, 64], maxGridDim: [2147483647, 65535, 65535],
  sharedMemPerBlock: 49152, sharedMemPerBlockOptin: 232448, totalConstMem: 65536, totalMem: 85e9,
};

test("lowering capabilities and architecture come from the device's description", () => {
  assert.deepEqual(cudaCaps(H100), DEFAULT_CUDA_CAPS);
  assert.equal(archOf(H100), "sm_90");
  const small = cudaCaps({ ...H100, computeCapability: 75, maxThreadsPerBlock: 512, sharedMemPerBlock: 32768, totalMem: 2 ** 32 });
  assert.equal(small.maxInvocationsPerWorkgroup, 512);
  assert.equal(small.maxWorkgroupStorageBytes, 32768);
  assert.equal(small.maxBindingBytes, 2 ** 30, "arenas stay at most a quarter of a 4 GiB device");
  assert.equal(archOf({ ...H100, computeCapability: 86 }), "sm_86");
  const wide = saxpyKernel("f32", 1024);
  assert.deepEqual(cudaKernelProblems(wide, H100, cudaCaps(H100)), []);
  assert.match(cudaKernelProblems(wide, { ...H100, maxThreadsPerBlock: 512 }, small).join("; "), /a block of 1024x1x1 = 1024 threads exceeds the device's 512/);
});

test("an executable's kernels form one translation unit that nvcc compiles for sm_90", async (t) => {
  if (noNvcc) t.skip(noNvcc);
  const g = trace("mlp", { x: { dtype: "f32", shape: [13, 40] } }, ({ x }) => {
    const w1 = new Tensor(param("w1", "f32", [40, 72])), w2 = new Tensor(param("w2", "f32", [72, 24]));
    return { y: x!.matmul(w1).gelu("tanh").matmul(w2).softmax(-1), m: x!.layerNorm().sum([1]) };
  });
  const lowered = lower(g, cudaCaps(H100));
  for (const l of lowered.launches) assert.deepEqual(cudaKernelProblems(l.kernel, H100, cudaCaps(H100)), [], l.kernel.name);
  const unit = cudaModule(lowered.launches.map((l) => l.kernel));
  const result = await compileCuda(unit.source, { arch: "sm_90" });
  for (const { name } of unit.kernels) {
    const r = result.kernels.get(name);
    assert.ok(r, `ptxas reports kernel ${name}`);
    assert.equal(r.spillStores, 0, `${name} spills`);
  }
  assert.ok(result.cubin.byteLength > 0);
});

test("NVRTC, through the addon, compiles the same translation unit to a cubin for sm_90", async (t) => {
  if (noNvrtc) t.skip(noNvrtc);
  const g = trace("norm", { x: { dtype: "f16", shape: [7, 33] } }, ({ x }) => ({ y: x!.layerNorm().softmax(-1), s: x!.cast("f32").sum([1]) }));
  const unit = cudaModule(lower(g, cudaCaps(H100)).launches.map((l) => l.kernel));
  const out = await loadAddon().nvrtcCompile(nvrtc!, unit.source, "kernels.cu", nvrtcOptions("sm_90", nvrtc!));
  assert.ok(out.cubin && out.cubin.byteLength > 0, "a cubin");
  const elf = new Uint8Array(out.cubin, 0, 4);
  assert.deepEqual([...elf], [0x7f, 0x45, 0x4c, 0x46], "an ELF image");
  await assert.rejects(loadAddon().nvrtcCompile(nvrtc!, `${unit.source}\n#error planted\n`, "kernels.cu", nvrtcOptions("sm_90", nvrtc!)),
    (e: Error & { code?: string; log?: string }) => e.code === "NVRTC_ERROR_COMPILATION" && /planted/.test(e.log ?? ""));
});

// ---------------------------------------------------------------------------------------------
// On a GPU: kernels through the device

async function bufferWith(name: string, data: ArrayBufferView): Promise<DeviceBuffer> {
  const b = await device().createBuffer(name, data.byteLength);
  device().upload(b, data);
  return b;
}

test("buffers: upload, download at offsets, bounds and use-after-free errors", async (t) => {
  if (cannotRun) t.skip(cannotRun);
  const d = device();
  const x = Float32Array.from({ length: 1000 }, () => rand() * 2 - 1);
  const b = await bufferWith("x", x);
  assert.deepEqual(new Float32Array(await d.download(b)), x);
  assert.deepEqual(new Float32Array(await d.download(b, 400, 40)), x.subarray(100, 110));
  d.upload(b, new Float32Array([7, 8]), 8);
  assert.deepEqual([...new Float32Array(await d.download(b, 0, 16))], [x[0], x[1], 7, 8]);
  assert.throws(() => d.upload(b, new Float32Array(2), 3996), /overrun its 4000 bytes/);
  await assert.rejects(d.download(b, 3996, 8), /outside its 4000 bytes/);
  d.free(b);
  assert.throws(() => d.upload(b, new Float32Array(1)), /buffer 'x' was freed/);
});

test("saxpy over a ragged length (1000 elements, block 64), parameters by value", async (t) => {
  if (cannotRun) t.skip(cannotRun);
  const r = rng("cuda saxpy");
  const n = 1000, a = r.uniform(-3, 3);
  const x = Float32Array.from({ length: n }, () => r.uniform(-1, 1));
  const y = Float32Array.from({ length: n }, () => r.uniform(-1, 1));
  const bx = await bufferWith("x", x), by = await bufferWith("y", y);
  await device().run(saxpyKernel("f32"), { grid: [Math.ceil(n / 64)], bindings: { x: bx, y: by }, params: { a, n } });
  const out = new Float32Array(await device().download(by));
  const af = Math.fround(a);
  for (let i = 0; i < n; i++) {
    const want = af * x[i]! + y[i]!;
    assert.ok(Math.abs(out[i]! - want) <= 1e-6 * (1 + Math.abs(want)), `y[${i}] = ${out[i]}, want ${want} (seed ${r.seed})`);
  }
  device().free(bx);
  device().free(by);
});

test("one recorder: three dependent launches on one stream, one wait, GPU time from events", async (t) => {
  if (cannotRun) t.skip(cannotRun);
  const r = rng("cuda recorder");
  const n = 4099;
  const x = Float32Array.from({ length: n }, () => r.uniform(-1, 1));
  const y = Float32Array.from({ length: n }, () => r.uniform(-1, 1));
  const bx = await bufferWith("x", x), by = await bufferWith("y", y);
  const k = await device().compile(saxpyKernel("f32"));
  const submits = device().stats.submits;
  const rec = device().recorder();
  for (const a of [0.5, -2, 3]) rec.dispatch(k, { grid: [Math.ceil(n / 64)], bindings: { x: bx, y: by }, params: { a, n } });
  assert.equal(rec.count, 3);
  const ms = await rec.submitTimed("three saxpys");
  assert.ok(ms > 0 && ms < 1000, `GPU time ${ms} ms`);
  assert.equal(device().stats.submits, submits + 1);
  const out = new Float32Array(await device().download(by));
  for (let i = 0; i < n; i++) {
    const want = Math.fround(Math.fround(Math.fround(0.5 * x[i]! + y[i]!) - 2 * x[i]!) + 3 * x[i]!);
    assert.ok(Math.abs(out[i]! - want) <= 1e-5, `y[${i}] = ${out[i]}, want ${want} (seed ${r.seed})`);
  }
  device().free(bx);
  device().free(by);
});

test("2-D blocks, shared memory with barriers, vec4 accesses", async (t) => {
  if (cannotRun) t.skip(cannotRun);
  const r = rng("cuda 2d");
  const rows = 37, cols = 300;
  const out = await device().createBuffer("out", rows * cols * 4);
  await device().run(index2dKernel(), { grid: [Math.ceil(cols / 8), Math.ceil(rows / 8)], bindings: { out }, params: { rows, cols } });
  const idx = new Uint32Array(await device().download(out));
  for (let i = 0; i < rows; i++) for (let c = 0; c < cols; c++) assert.equal(idx[i * cols + c], ((i << 16) | c) >>> 0, `out[${i}, ${c}]`);

  const x = Float32Array.from({ length: rows * cols }, () => r.uniform(-1, 1));
  const bx = await bufferWith("x", x), sums = await device().createBuffer("sums", rows * 4);
  await device().run(rowSumKernel("f32"), { grid: [rows], bindings: { x: bx, out: sums }, params: { cols } });
  const got = new Float32Array(await device().download(sums));
  for (let i = 0; i < rows; i++) {
    let want = 0;
    for (let c = 0; c < cols; c++) want += x[i * cols + c]!;
    assert.ok(Math.abs(got[i]! - want) <= 1e-4, `row ${i}: ${got[i]} vs ${want} (seed ${r.seed})`);
  }

  const n4 = 257, s = r.uniform(-2, 2);
  const v = Float32Array.from({ length: 4 * n4 }, () => r.uniform(-1, 1));
  const bv = await bufferWith("v", v), bo = await device().createBuffer("o", 16 * n4);
  await device().run(vec4Kernel(), { grid: [Math.ceil(n4 / 32)], bindings: { x: bv, out: bo }, params: { n4, s } });
  const o = new Float32Array(await device().download(bo));
  for (let i = 0; i < n4; i++) for (let l = 0; l < 4; l++) {
    const want = v[4 * i + 3 - l]! * Math.fround(s) + (l + 1);
    assert.ok(Math.abs(o[4 * i + l]! - want) <= 1e-6 * (1 + Math.abs(want)), `out[${i}].${"xyzw"[l]} (seed ${r.seed})`);
  }
  for (const b of [out, bx, sums, bv, bo]) device().free(b);
});

test("a launch of 70,001 x 2 blocks is folded like on WebGPU and covers every index once", async (t) => {
  if (cannotRun) t.skip(cannotRun);
  const gx = 70001, gy = 2, n = gx * gy * 64;
  assert.deepEqual(foldGrid([gx, gy], true, device().caps.maxWorkgroupsPerDimension).workgroups, [35001, 2, 2]);
  const out = await device().createBuffer("out", n * 4);
  await device().run(linearIdKernel(), { grid: [gx, gy], bindings: { out } });
  const got = new Uint32Array(await device().download(out));
  for (let j = 0; j < n; j++) if (got[j] !== j) assert.fail(`out[${j}] = ${got[j]}`);
  device().free(out);
});

test("erf and warp (subgroup) sums", async (t) => {
  if (cannotRun) t.skip(cannotRun);
  const r = rng("cuda erf");
  const x = Float32Array.from({ length: 4096 }, () => r.uniform(-5, 5));
  const bx = await bufferWith("x", x), by = await device().createBuffer("y", x.byteLength);
  await device().run(erfKernel("f32"), { grid: [x.length / 64], bindings: { x: bx, y: by }, params: { n: x.length } });
  const got = new Float32Array(await device().download(by));
  const { erf: erf64 } = await import("../../compiler/ir/ops/elementwise.ts");
  for (let i = 0; i < x.length; i++) assert.ok(Math.abs(got[i]! - erf64(x[i]!)) <= 1e-6, `erf(${x[i]}) = ${got[i]} (seed ${r.seed})`);

  const n = 256;
  const v = Float32Array.from({ length: n }, () => r.uniform(-1, 1));
  const bv = await bufferWith("v", v);
  const sum = await device().createBuffer("sum", n * 4), size = await device().createBuffer("size", n * 4), first = await device().createBuffer("first", n * 4);
  await device().run(subgroupSumKernel("f32"), { grid: [n / 64], bindings: { x: bv, sum, size, first } });
  const sums = new Float32Array(await device().download(sum)), sizes = new Uint32Array(await device().download(size));
  for (let i = 0; i < n; i++) {
    assert.equal(sizes[i], 32, "warps of 32");
    let want = 0;
    for (let j = i - (i % 32); j < i - (i % 32) + 32; j++) want += v[j]!;
    assert.ok(Math.abs(sums[i]! - want) <= 1e-5, `warp sum at ${i}: ${sums[i]} vs ${want} (seed ${r.seed})`);
  }
  for (const b of [bx, by, bv, sum, size, first]) device().free(b);
});

test("launch arguments are checked: missing parameters, unknown bindings, overlapping written ranges", async (t) => {
  if (cannotRun) t.skip(cannotRun);
  const d = device();
  const k = await d.compile(saxpyKernel("f32"));
  const b = await d.createBuffer("b", 4096);
  assert.throws(() => d.recorder().dispatch(k, { grid: [1], bindings: { x: { buffer: b, size: 2048 }, y: { buffer: b, offset: 2048 } }, params: { a: 1 } }), /parameter 'n' is missing/);
  assert.throws(() => d.recorder().dispatch(k, { grid: [1], bindings: { x: b, y: b, z: b }, params: { a: 1, n: 4 } }), /no binding named 'z'/);
  assert.throws(() => d.recorder().dispatch(k, { grid: [1], bindings: { x: b, y: b }, params: { a: 1, n: 4 } }), /bindings 'x' and 'y' overlap/);
  d.recorder().dispatch(k, { grid: [1], bindings: { x: { buffer: b, size: 2048 }, y: { buffer: b, offset: 2048 } }, params: { a: 1, n: 4 } });
  d.free(b);
});

// ---------------------------------------------------------------------------------------------
// On a GPU: executables

function chain(R: number, C: number): Graph {
  return trace("chain", { x: { dtype: "f32", shape: [R, C] }, y: { dtype: "f32", shape: [R, C] } }, ({ x, y }) => {
    const w = new Tensor(param("w", "f32", [C]));
    const a = x!.mul(w).add(y!);
    return { out: a.softmax(-1).exp().softmax(-1), side: a.mul(2) };
  });
}

test("compile(graph, {target: 'cuda'}): arenas reused across runs, weights uploaded once, sharded tensors", async (t) => {
  if (cannotRun) t.skip(cannotRun);
  for (const maxBindingBytes of [undefined, 256]) {
    const [R, C] = [9, 37];
    const g = chain(R, C);
    const exe = await compile(g, { target: "cuda", device: device(), ...(maxBindingBytes ? { maxBindingBytes } : {}) });
    try {
      const w = randomTensor("f32", [C], rand);
      exe.setParams({ w });
      for (let r = 0; r < 2; r++) {
        const inputs = { x: randomTensor("f32", [R, C], rand), y: randomTensor("f32", [R, C], rand) };
        assertOutputsClose(await exe.run(inputs), reference(g, inputs, { w }), () => 1e-4, `run ${r} (maxBindingBytes ${maxBindingBytes ?? "device"}, TEST_SEED=${seed})`);
      }
      assert.equal(exe.stats.paramUploads, 1);
    } finally {
      exe.dispose();
    }
  }
});

test("a small Phi block (matmul, LayerNorm, attention) on CUDA matches the reference", async (t) => {
  if (cannotRun) t.skip(cannotRun);
  const cfg: PhiConfig = { hidden: 64, heads: 4, mlp: 256, partialRotary: 0.5, ropeBase: 10000, eps: 1e-5 };
  const [B, L] = [2, 11];
  const block = new PhiBlock(cfg);
  const g = phiBlockGraph(cfg, { batch: "B", seq: "L" }, block);
  const exe = await compile(g, { target: "cuda", device: device(), dims: { B, L } });
  try {
    const params = initParams(block, seed);
    exe.setParams(params);
    const inputs = { x: randn([B, L, cfg.hidden], seed + 1), positions: arange(L) };
    const want = reference(bindDims(g, { B, L }), inputs, params);
    assertOutputsClose(await exe.run(inputs), want, () => 3e-4, `phi block (TEST_SEED=${seed})`);
  } finally {
    exe.dispose();
  }
});

// Every op of the table, as tests/backends/wgsl-ops.test.ts does for WGSL.
const passed: string[] = [];
for (const def of allOps()) {
  if (def.name === "input" || def.name === "param") continue;
  def.examples().forEach((ex, k) => {
    const label = exampleLabel(def, ex, k);
    test(`cuda ${label}`, async (t) => {
      if (cannotRun) t.skip(cannotRun);
      const { graph, out } = exampleGraph(def, ex);
      const inputs = exampleInputs(ex, rand);
      const want = reference(graph, inputs)["out"]!;
      const exe = await compile(graph, { target: "cuda", device: device() });
      try {
        assertClose((await exe.run(inputs))["out"], want, tolerance(out.dtype, def.name), `${label} (TEST_SEED=${seed})`);
      } finally {
        exe.dispose();
      }
      passed.push(label);
    });
  });
}
afterAll(() => {
  if (passed.length > 0) console.log(`# cuda ops: ${passed.length} op/example pairs matched the reference (TEST_SEED=${seed})`);
});
