// CUDA sources through nvcc, on every machine with the toolkit (no GPU needed): the kernels of
// showo-tiny (forward, T2I layout, B = 2), magvit2-tiny (encode and decode), showo-256 (forward,
// T2I layout, B = 2), the training steps of showo-tiny and magvit2-tiny, the implicit-GEMM
// convolution forms (the weight tiles too, which CUDA's lowering does not choose) and every
// op-table example compile for sm_80 and sm_90 with `-Xptxas -v`;
// matmul, reduction and attention kernels must not spill registers to local memory. Each model is
// one translation unit (one nvcc call per architecture); cubins are cached in .cache/cuda/, so
// only changed kernels cost compile time.
//
// Skipped, with the reason printed, when nvcc is not installed. The ptxas report parser is
// tested on fixed text everywhere.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "vitest";
import type { KernelResources } from "../../backends/cuda/nvcc.ts";
import { NvccError, compileCuda, compileKernels, cudaUnavailableReason, findCuda, formatResources, parsePtxasReport } from "../../backends/cuda/nvcc.ts";
import { findNvrtc, nvrtcUnavailableReason, requireNvrtc } from "../../backends/cuda/nvrtc.ts";
import { CUDA_PRELUDE, DEFAULT_CUDA_CAPS, cudaModule } from "../../backends/cuda/print.ts";
import { allOps } from "../../compiler/ir/ops.ts";
import type { Graph } from "../../compiler/ir/graph.ts";
import * as K from "../../compiler/kernels/build-kernel.ts";
import { KernelBuilder } from "../../compiler/kernels/build-kernel.ts";
import type { Kernel } from "../../compiler/kernels/kernel-ir.ts";
import { buildConv2dGemm, buildConv2dGradInputGemm, buildConv2dGradWeightGemm } from "../../compiler/kernels/builders/conv-gemm.ts";
import { Tensor } from "../../compiler/dsl/tensor.ts";
import { trace } from "../../compiler/dsl/trace.ts";
import { apply } from "../../compiler/ir/build.ts";
import { MAGVIT2_TINY, magvit2DecodeGraph, magvit2EncodeGraph } from "../../models/magvit2.ts";
import { SHOWO_256, SHOWO_TINY, showoGraph, t2iSeqLen } from "../../models/showo.ts";
import { lower } from "../../runtime/executable.ts";
import { copyShardLaunch } from "../../compiler/kernels/builders/copy.ts";
import type { TrainStep } from "../../compiler/passes/adamw.ts";
import { adamwStep } from "../../compiler/passes/adamw.ts";
import { magvit2LossGraph } from "../../models/magvit2-loss.ts";
import { showoLossGraph } from "../../models/showo-loss.ts";
import { decays } from "../../runtime/training/optim.ts";
import { TRAIN_SEGMENT_SLOTS } from "../../runtime/training/trainer.ts";
import { exprProbeKernel, index2dKernel, linearIdKernel, rowSumKernel, saxpyKernel, subgroupSumKernel, vec4Kernel, erfKernel } from "../kernels/sample-kernels.ts";
import { exampleGraph, exampleLabel, isMissingBuilder } from "./util.ts";

const ARCHS = ["sm_80", "sm_90"] as const;
const toolkit = findCuda();
const noNvcc = toolkit ? "" : `nvcc not installed: ${cudaUnavailableReason()}`;
if (!toolkit) console.log(`# skipping nvcc tests: ${cudaUnavailableReason()}`);
else console.log(`# nvcc ${toolkit.version} at ${toolkit.nvcc}; CUDA_HOME ${toolkit.home}`);

// ---------------------------------------------------------------------------------------------
// The ptxas report

const SM80_REPORT = `ptxas info    : 24 bytes gmem, 8 bytes cmem[4]
ptxas info    : Compiling entry function 'matmul_3' for 'sm_80'
ptxas info    : Function properties for matmul_3
    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
ptxas info    : Used 64 registers, used 1 barriers, 2048 bytes smem, 388 bytes cmem[0]
ptxas info    : Compile time = 12.5 ms
ptxas info    : Function properties for __internal_trig_reduction_slowpathd
    40 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
ptxas info    : Compiling entry function 'flash_attention_7' for 'sm_80'
ptxas info    : Function properties for flash_attention_7
    136 bytes stack frame, 8 bytes spill stores, 12 bytes spill loads
ptxas info    : Used 255 registers, used 1 barriers, 4224 bytes smem, 372 bytes cmem[0], 8 bytes cmem[2]
`;

test("parsePtxasReport reads registers, spills, stack, shared memory and barriers per entry function", () => {
  const r = parsePtxasReport(SM80_REPORT);
  assert.deepEqual([...r.keys()], ["matmul_3", "flash_attention_7"], "non-entry functions are not kernels");
  assert.deepEqual(r.get("matmul_3"), { name: "matmul_3", arch: "sm_80", registers: 64, spillStores: 0, spillLoads: 0, stackBytes: 0, sharedBytes: 2048, constantBytes: 388, barriers: 1 });
  assert.deepEqual(r.get("flash_attention_7"), { name: "flash_attention_7", arch: "sm_80", registers: 255, spillStores: 8, spillLoads: 12, stackBytes: 136, sharedBytes: 4224, constantBytes: 372, barriers: 1 });
  // sm_90 prints no cmem[0] and may report no shared memory.
  const r90 = parsePtxasReport("ptxas info    : Compiling entry function 'k' for 'sm_90'\nptxas info    : Function properties for k\n    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads\nptxas info    : Used 10 registers, used 0 barriers\n");
  assert.deepEqual(r90.get("k"), { name: "k", arch: "sm_90", registers: 10, spillStores: 0, spillLoads: 0, stackBytes: 0, sharedBytes: 0, constantBytes: 0, barriers: 0 });
  assert.equal(formatResources(r.get("matmul_3")!), "matmul_3 sm_80: 64 registers, 0/0 bytes spilled (stores/loads), 0 bytes stack, 2048 bytes smem, 1 barrier");
});

// ---------------------------------------------------------------------------------------------
// The toolkit and the driver

test("the toolkit: nvcc from PATH, CUDA_HOME as nvcc reports it (its headers are there)", (t) => {
  if (noNvcc) t.skip(noNvcc);
  assert.ok(toolkit);
  assert.match(toolkit.version, /^\d+\.\d+/);
  assert.ok(existsSync(join(toolkit.home, "include", "cuda_fp16.h")), `${toolkit.home}/include/cuda_fp16.h`);
});

test("NVRTC is found as a library file, or reported unavailable with where it was looked for", () => {
  const path = findNvrtc();
  if (path) {
    assert.ok(existsSync(path), path);
    assert.match(path, /libnvrtc\.so/);
    assert.equal(requireNvrtc(), path);
    console.log(`# NVRTC: ${path}`);
  } else {
    assert.match(nvrtcUnavailableReason(), /no libnvrtc\.so in .*the dynamic linker's cache/);
    assert.throws(() => requireNvrtc(), /NVRTC is not available: no libnvrtc\.so in .*; compile kernels with nvcc/);
    console.log(`# NVRTC: ${nvrtcUnavailableReason()}`);
  }
});

/** Compile a unit for every architecture; every kernel must appear in ptxas' report. */
async function compileAll(what: string, kernels: readonly Kernel[]): Promise<{ arch: string; kernel: Kernel; res: KernelResources }[]> {
  const compiled = await Promise.all(ARCHS.map((arch) => compileKernels(kernels, { arch })));
  const m = compiled[0]!.module;
  const results = compiled.map((c) => c.result);
  const out: { arch: string; kernel: Kernel; res: KernelResources }[] = [];
  results.forEach((r, a) => {
    for (const { name, kernel } of m.kernels) {
      const res = r.kernels.get(name);
      assert.ok(res, `${what}: ${name} missing from ptxas' ${ARCHS[a]} report`);
      out.push({ arch: ARCHS[a]!, kernel, res });
    }
  });
  results.forEach((r, a) => {
    const warnings = r.log.split("\n").filter((l) => /warning/i.test(l));
    assert.deepEqual(warnings, [], `${what}: nvcc warnings for ${ARCHS[a]}`);
  });
  const ms = results.map((r, a) => `${ARCHS[a]} ${r.cached ? "cached" : `${(r.ms / 1000).toFixed(1)} s`}`).join(", ");
  console.log(`# ${what}: ${m.kernels.length} distinct kernels of ${kernels.length} launches compiled (${ms})`);
  return out;
}

/**
 * Every subgroup operation in a workgroup of 48 invocations: the second warp is partial (16
 * lanes), so the reductions take the partial-warp path of the prelude.
 */
function partialWarpKernel(): Kernel {
  const kb = new KernelBuilder("partial_warp", { doc: "every subgroup op on a partial warp\nshapes: x, y: f32[n, 6]; workgroups of 48", workgroupSize: [48] });
  const x = kb.storage("x", "f32", "read"), y = kb.storage("y", "f32", "read_write");
  const b = kb.body;
  const i = b.let("i", K.builtin("global_invocation_id", 0));
  const v = b.let("v", K.load(x, i));
  const v2 = b.let("v2", K.vec("vec2<f32>", v, K.neg(v)));
  const outs = [K.subgroupAdd(v), K.subgroupMin(v), K.subgroupMax(v), K.subgroupShuffle(v, K.sub(K.subgroupSize(), 1)),
    K.subgroupBroadcast(v, 3), K.lane(K.subgroupShuffleXor(v2, 2), 1)];
  outs.forEach((e, k) => b.store(y, K.add(K.mul(i, outs.length), k), e));
  return kb.build();
}

/** Vector arithmetic, math, casts and bitcasts of every element type: the prelude's templates, instantiated. */
function vectorProbeKernel(): Kernel {
  const kb = new KernelBuilder("vector_probe", { doc: "vector operations of every element type\nshapes: x: f32[n * 4] as vec4, h: f16[n * 4] as vec4, u: u32[n * 2] as vec2, y: f32[n]", workgroupSize: [64] });
  const x = kb.storage("x", "f32", "read", 4), h = kb.storage("h", "f16", "read", 4), u = kb.storage("u", "u32", "read", 2);
  const y = kb.storage("y", "f32", "read_write");
  const b = kb.body;
  const i = b.let("i", K.builtin("global_invocation_id", 0));
  const xv = b.let("xv", K.load(x, i)), hv = b.let("hv", K.load(h, i)), uv = b.let("uv", K.load(u, i));
  const iv = b.let("iv", K.cast("vec2<i32>", uv));
  const f = b.let("f", K.fma(K.clamp(K.exp(xv), K.vec("vec4<f32>", 0), K.vec("vec4<f32>", 2)), K.abs(xv), K.min(xv, K.sqrt(K.abs(xv)))));
  const g = b.let("g", K.cast("vec4<f32>", K.add(K.mul(hv, K.f16(0.5)), K.sub(K.max(hv, K.neg(hv)), K.tanh(hv)))));
  const q = b.let("q", K.add(K.div(iv, K.vec("vec2<i32>", 3, 0)), K.rem(iv, K.neg(iv))));
  const r = b.let("r", K.bitxor(K.shl(uv, K.vec("vec2<u32>", 3, 40)), K.bitnot(K.shr(uv, K.vec("vec2<u32>", 1)))));
  const bits = b.let("bits", K.bitcast("vec2<u32>", hv));
  const back = b.let("back", K.bitcast("vec4<f16>", K.bitcast("vec2<f32>", bits)));
  const sel = b.let("sel", K.select(K.gt(K.lane(xv, 0), 0), f, K.vec("vec4<f32>", 1, 2, 3, 4)));
  const warp = b.let("warp", K.subgroupAdd(K.mul(sel, g)));
  const all = [K.lane(warp, 3), K.cast("f32", K.lane(q, 1)), K.cast("f32", K.lane(r, 0)), K.cast("f32", K.lane(back, 2)),
    K.lane(K.cast("vec3<f32>", K.vec("vec3<i32>", K.lane(iv, 0), 1, 2)), 2), K.lane(K.subgroupMax(K.cast("vec2<f32>", uv)), 1)];
  b.store(y, i, all.reduce((a, c) => K.add(a, c)));
  return kb.build();
}

test("the sample kernels compile for sm_80 and sm_90; compiling again comes from the cache with the same cubin", async (t) => {
  if (noNvcc) t.skip(noNvcc);
  const kernels = [saxpyKernel("f32"), saxpyKernel("f16"), index2dKernel(), rowSumKernel("f32"), rowSumKernel("f16", 48), vec4Kernel(),
    linearIdKernel(), erfKernel("f32"), erfKernel("f16"), subgroupSumKernel("f32"), subgroupSumKernel("f16"), exprProbeKernel(), partialWarpKernel(), vectorProbeKernel()];
  const res = await compileAll("sample kernels", kernels);
  for (const { res: r } of res) assert.equal(r.spillStores + r.spillLoads, 0, formatResources(r));
  const src = cudaModule(kernels).source;
  const first = await compileCuda(src, { arch: "sm_90" });
  const again = await compileCuda(src, { arch: "sm_90" });
  assert.equal(again.cached, true);
  assert.equal(again.key, first.key);
  assert.deepEqual(again.cubin, first.cubin);
  assert.ok(again.cubin.length > 1000);
  // The row sum's workgroup array and barrier show in the report.
  const rowSum = res.find((x) => x.kernel.name === "row_sum_f32" && x.arch === "sm_90")!.res;
  assert.equal(rowSum.sharedBytes, 64 * 4);
  assert.ok(rowSum.barriers >= 1);
});

test("nvcc's errors come back with the source line they name", async (t) => {
  if (noNvcc) t.skip(noNvcc);
  const source = `${CUDA_PRELUDE}\nextern "C" __global__ void broken(float* x) {\n  x[0] = no_such_name;\n}\n`;
  await assert.rejects(compileCuda(source, { arch: "sm_90" }), (e: unknown) => {
    assert.ok(e instanceof NvccError);
    assert.match(e.message, /kernels\.cu\(\d+\): error: identifier "no_such_name" is undefined/);
    assert.match(e.message, /x\[0\] = no_such_name;/);
    return true;
  });
});

// ---------------------------------------------------------------------------------------------
// Models

/** matmul, reduction (reduce and row statistics) or attention: the kernels that must not spill. */
function kindOf(kernelName: string): "matmul" | "reduction" | "attention" | "other" {
  if (kernelName.startsWith("matmul")) return "matmul";
  if (kernelName.includes("attention")) return "attention";
  if (/^(sum|max|min|mean|argmax|softmax|log_softmax|layer_norm|group_norm)_/.test(kernelName)) return "reduction";
  return "other";
}

const MODELS: readonly (readonly [string, () => Graph])[] = [
  [`showo-tiny forward (T2I, B = 2, L = ${t2iSeqLen(SHOWO_TINY)})`, () => showoGraph(SHOWO_TINY, { batch: 2, seq: t2iSeqLen(SHOWO_TINY), segmentSlots: 2 })],
  ["magvit2-tiny encode (1 × 3 × 32 × 32)", () => magvit2EncodeGraph(MAGVIT2_TINY, { batch: 1, size: 32 })],
  ["magvit2-tiny decode (1 × 8 × 8 codes)", () => magvit2DecodeGraph(MAGVIT2_TINY, { batch: 1, h: 8, w: 8 })],
  [`showo-256 forward (T2I, B = 2, L = ${t2iSeqLen(SHOWO_256)})`, () => showoGraph(SHOWO_256, { batch: 2, seq: t2iSeqLen(SHOWO_256), segmentSlots: 2 })],
];

for (const [what, make] of MODELS) {
  test(`${what}: every kernel compiles for sm_80 and sm_90; matmul, reduction and attention kernels do not spill`, async (t) => {
    if (noNvcc) t.skip(noNvcc);
    const { launches } = lower(make(), DEFAULT_CUDA_CAPS);
    const res = await compileAll(what, launches.map((l) => l.kernel));
    const spilling = res.filter(({ res: r }) => kindOf(r.name) !== "other" && r.spillStores + r.spillLoads > 0);
    for (const { res: r } of res) {
      if (r.spillStores + r.spillLoads > 0 || r.stackBytes > 0) console.log(`#   ${kindOf(r.name)}: ${formatResources(r)}`);
    }
    const kinds = new Map<string, number>();
    for (const { kernel, res: r } of res) kinds.set(`${kernel.name} ${r.arch}`, Math.max(kinds.get(`${kernel.name} ${r.arch}`) ?? 0, r.registers));
    console.log(`#   most registers: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(", ")}`);
    assert.deepEqual(spilling.map(({ res: r }) => formatResources(r)), [], "kernels that spill registers to local memory");
  });
}

// Training steps (forward, backward, clipping, AdamW updating the parameters in place) compile for CUDA too.
const TRAIN_STEPS: readonly (readonly [string, () => TrainStep])[] = [
  ["showo-tiny training step ([T2I | LM | MMU] = 1 + 1 + 1 rows)", () =>
    adamwStep(showoLossGraph(SHOWO_TINY, { t2i: 1, lm: 1, mmu: 1, segmentSlots: TRAIN_SEGMENT_SLOTS }), { loss: "loss", decay: (p) => decays("default", p) })],
  ["magvit2-tiny training step (2 × 3 × 16 × 16)", () =>
    adamwStep(magvit2LossGraph(MAGVIT2_TINY, { batch: 2, resolution: 16 }), { loss: "loss", decay: (p) => decays("default", p) })],
];

for (const [what, make] of TRAIN_STEPS) {
  test(`${what}: every kernel compiles for sm_80 and sm_90`, async (t) => {
    if (noNvcc) t.skip(noNvcc);
    const step = make();
    const { launches } = lower(step.graph, DEFAULT_CUDA_CAPS, { state: step.state });
    assert.ok(launches.some((l) => l.tensors.some((t) => t.node.op === "param" && t.access === "read_write")), "no parameter is updated in place");
    // The copy kernel (the state's fallback when an update cannot run in place) goes along.
    const copy = copyShardLaunch(launches[0]!.tensors[0]!.node, launches[0]!.tensors[0]!.node, 0, 1, "f32", "copy").kernel;
    const res = await compileAll(what, [...launches.map((l) => l.kernel), copy]);
    assert.ok(res.length > 0);
  });
}

test("every op-table example's kernels compile in one unit per architecture", async (t) => {
  if (noNvcc) t.skip(noNvcc);
  const kernels: Kernel[] = [];
  const missing: string[] = [];
  for (const def of allOps()) {
    if (def.name === "input" || def.name === "param") continue;
    def.examples().forEach((ex, k) => {
      try {
        kernels.push(...lower(exampleGraph(def, ex).graph, DEFAULT_CUDA_CAPS).launches.map((l) => l.kernel));
      } catch (e) {
        if (!isMissingBuilder(e)) throw e;
        missing.push(exampleLabel(def, ex, k));
      }
    });
  }
  if (missing.length > 0) console.log(`# no kernel builder yet for: ${missing.join(", ")}`);
  assert.ok(kernels.length > 100, `${kernels.length} kernels`);
  const res = await compileAll("op-table examples", kernels);
  assert.equal(res.length, ARCHS.length * cudaModule(kernels).kernels.length);
});

test("the implicit-GEMM convolution forms compile, conv2d_grad_weight's weight tiles included (CUDA's lowering keeps dw direct)", async (t) => {
  if (noNvcc) t.skip(noNvcc);
  // MAGVIT-v2's shapes at batch 2: a 3×3 stride-1 conv, the Downsample (3×3, stride 2, padding
  // [0, 1, 0, 1]; its dx is one launch per pixel class) and a 1×1 projection.
  const cases = [
    { x: [2, 32, 16, 16], w: [32, 32, 3, 3], stride: [1, 1], padding: [1, 1, 1, 1] },
    { x: [2, 32, 16, 16], w: [32, 32, 3, 3], stride: [2, 2], padding: [0, 1, 0, 1] },
    { x: [2, 64, 8, 8], w: [32, 64, 1, 1], stride: [1, 1], padding: [0, 0, 0, 0] },
  ];
  const one = (op: string, ins: Record<string, number[]>, attrs: Record<string, unknown>) => {
    const spec = Object.fromEntries(Object.entries(ins).map(([k, sh]) => [k, { dtype: "f32" as const, shape: sh }]));
    const g = trace(op, spec, (t) => ({ y: new Tensor(apply(op, Object.keys(ins).map((k) => t[k]!.node), attrs as never)) }));
    const low = lower(g, DEFAULT_CUDA_CAPS);
    return { group: low.partition.groups[0]!, part: low.partition };
  };
  const kernels: Kernel[] = [];
  for (const c of cases) {
    const at = { stride: c.stride, padding: c.padding };
    const ho = Math.floor((c.x[2]! + c.padding[0]! + c.padding[1]! - c.w[2]!) / c.stride[0]!) + 1;
    const wo = Math.floor((c.x[3]! + c.padding[2]! + c.padding[3]! - c.w[3]!) / c.stride[1]!) + 1;
    const gShape = [c.x[0]!, c.w[0]!, ho, wo];
    const f = one("conv2d", { x: c.x, w: c.w }, at);
    kernels.push(buildConv2dGemm(f.group, DEFAULT_CUDA_CAPS, f.part).kernel);
    const dx = one("conv2d_grad_input", { g: gShape, w: c.w }, { ...at, input_shape: c.x.slice(2) });
    kernels.push(...buildConv2dGradInputGemm(dx.group, DEFAULT_CUDA_CAPS, dx.part).map((l) => l.kernel));
    const dw = one("conv2d_grad_weight", { x: c.x, g: gShape }, { ...at, kernel: c.w.slice(2) });
    kernels.push(buildConv2dGradWeightGemm(dw.group, DEFAULT_CUDA_CAPS, dw.part).kernel);
  }
  const res = await compileAll("implicit-GEMM convolutions", kernels);
  assert.equal(res.length, ARCHS.length * cudaModule(kernels).kernels.length);
});
