// The CUDA printer: snapshots of the generated CUDA for the same fixed graphs as the WGSL
// snapshots (tests/backends/snapshots/<name>.cu, lowered with DEFAULT_CUDA_CAPS; `npx vitest run -u`
// rewrites them), determinism, the launch ABI (argument order, the params struct), and how the IR
// semantics that C++ leaves undefined are spelled. No nvcc needed (cuda-nvcc.test.ts compiles).
//
// A snapshot holds every launch of the graph in order, each headed by its index and grid; the
// prelude (CUDA_PRELUDE, the same for every unit) is not repeated in them.

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "vitest";
import { runCompile } from "../../cli/commands/compile.ts";
import { CUDA_PRELUDE, DEFAULT_CUDA_CAPS, cudaLiteral, cudaModule, ctype, printCuda, printCudaKernel } from "../../backends/cuda/print.ts";
import type { Graph } from "../../compiler/ir/graph.ts";
import * as K from "../../compiler/kernels/build-kernel.ts";
import { KernelBuilder } from "../../compiler/kernels/build-kernel.ts";
import { uniformLayout } from "../../compiler/kernels/kernel-ir.ts";
import { lower } from "../../runtime/executable.ts";
import { linearIdKernel, rowSumKernel, saxpyKernel, subgroupSumKernel, vec4Kernel } from "../kernels/sample-kernels.ts";
import { SNAPSHOT_GRAPHS, checkSnapshot } from "./snapshot-graphs.ts";


/** Every launch's kernel as CUDA, headed by its position and grid. */
function generated(graph: Graph): string {
  const { launches } = lower(graph, DEFAULT_CUDA_CAPS);
  return launches.map((l, i) => `// ---- launch ${i + 1} of ${launches.length}, grid [${l.grid.join(", ")}]\n${printCudaKernel(l.kernel)}`).join("\n");
}

for (const [name, make] of Object.entries(SNAPSHOT_GRAPHS)) {
  test(`codegen snapshot ${name}.cu`, () => checkSnapshot(`${name}.cu`, () => generated(make())));
}

test("printing is deterministic: the same graph lowered twice and the same kernel built twice print the same text", () => {
  for (const make of Object.values(SNAPSHOT_GRAPHS)) assert.equal(generated(make()), generated(make()));
  for (const make of [() => saxpyKernel("f16"), () => rowSumKernel("f32", 128), linearIdKernel, () => subgroupSumKernel("f32")]) {
    assert.equal(printCuda(make()), printCuda(make()));
  }
});

test("one extern \"C\" __global__ function per kernel, bounded by its workgroup size, the doc first", () => {
  const text = printCudaKernel(rowSumKernel("f32", 128));
  assert.ok(text.startsWith("// kernel row_sum_f32\n// out[r] = sum over c of x[r, c]\n"));
  assert.match(text, /^extern "C" __global__ void __launch_bounds__\(128\) row_sum_f32\($/m);
  assert.match(text, /^  __shared__ float partial\[128\];$/m);
  assert.match(text, /^    __syncthreads\(\);$/m);
  assert.equal(printCudaKernel(saxpyKernel("f32"), "renamed").match(/void __launch_bounds__\(64\) renamed\(/)?.length, 1);
  // A standalone unit is the prelude followed by the kernel.
  const unit = printCuda(saxpyKernel("f32"));
  assert.ok(unit.startsWith(CUDA_PRELUDE));
  assert.match(CUDA_PRELUDE, /^#include <cuda_fp16\.h>$/m);
});

test("launch ABI: bindings in order as restrict pointers (const when read), then the params struct by value in uniform order", () => {
  const k = saxpyKernel("f16");
  const text = printCudaKernel(k);
  assert.match(text, /saxpy_f16\(\n    const __half\* __restrict__ x,\n    __half\* __restrict__ y,\n    const saxpy_f16_Params params\) \{/);
  const fields = [...text.matchAll(/^  (float|unsigned|int) (\w+);$/gm)].map((m) => `${m[1]} ${m[2]}`);
  assert.deepEqual(fields, ["float a", "unsigned n"]);
  assert.deepEqual(uniformLayout(k)!.fields.map((f) => f.name), ["a", "n"]);
  // Kernels with logical workgroup ids get the grid fields, and undo the fold like the WGSL printer.
  const lin = printCudaKernel(linearIdKernel());
  assert.match(lin, /struct linear_id_Params \{\n  unsigned grid_x;\n  unsigned grid_fold_x;\n\};/);
  assert.match(lin, /const unsigned wg_linear = blockIdx\.x \+ blockIdx\.y \* params\.grid_fold_x;\n  if \(wg_linear >= params\.grid_x\) \{\n    return;/);
  assert.match(lin, /blockIdx\.z \* params\.grid_x/, "logical y is blockIdx.z, logical x count is grid_x");
  // No parameters: no struct and no params argument.
  const sg = printCudaKernel(subgroupSumKernel("f32"));
  assert.doesNotMatch(sg, /Params|params/);
});

test("vector views are aligned sk::vec types loaded whole; vector arithmetic goes through the prelude's operators", () => {
  const text = printCudaKernel(vec4Kernel());
  assert.match(text, /const sk::f32x4\* __restrict__ x,\n    sk::f32x4\* __restrict__ out,/);
  assert.match(text, /const sk::f32x4 v = x\[i\];/);
  assert.match(text, /out\[i\] = \(sk::f32x4\{v\.w, v\.z, v\.y, v\.x\} \* params\.s\) \+ sk::f32x4\{1\.0f, 2\.0f, 3\.0f, 4\.0f\};/);
  assert.match(CUDA_PRELUDE, /struct alignas\(4 \* sizeof\(T\)\) vec<T, 4>/);
  assert.equal(ctype("vec4<f16>"), "sk::f16x4");
  assert.equal(ctype("vec3<f32>"), "sk::f32x3");
  assert.equal(ctype("u32"), "unsigned");
});

/** A kernel storing one expression per output slot, to see how each is spelled. */
function exprKernel(build: (b: K.Block, x: K.StorageRef, u: K.StorageRef, i: ReturnType<typeof K.builtin>) => void): string {
  const kb = new KernelBuilder("probe", { doc: "spelling probe", workgroupSize: [32] });
  const x = kb.storage("x", "f32", "read_write"), u = kb.storage("u", "i32", "read_write");
  const i = kb.body.let("i", K.builtin("global_invocation_id", 0));
  build(kb.body, x, u, i);
  return printCudaKernel(kb.build());
}

test("integer semantics: wrapping i32 arithmetic, guarded division unless the divisor is a safe constant, masked shifts", () => {
  const text = exprKernel((b, x, u, i) => {
    const a = b.let("a", K.load(u, i)), c = b.let("c", K.load(u, K.add(i, 1)));
    const ua = b.let("ua", K.cast("u32", a));
    b.store(u, 0, K.add(a, c));
    b.store(u, 1, K.mul(a, 3));
    b.store(u, 2, K.div(a, c));
    b.store(u, 3, K.rem(a, c));
    b.store(u, 4, K.div(a, 7));
    b.store(u, 5, K.div(a, -1));
    b.store(u, 6, K.neg(a));
    b.store(u, 7, K.cast("i32", K.div(ua, i)));
    b.store(u, 8, K.cast("i32", K.rem(ua, 8)));
    b.store(u, 9, K.cast("i32", K.shl(ua, i)));
    b.store(u, 10, K.cast("i32", K.shl(ua, 4)));
    b.store(u, 11, K.shl(a, 4));
    b.store(x, 0, K.rem(K.load(x, i), 2.5));
  });
  for (const line of [
    "u[0u] = sk::add(a, c);", "u[1u] = sk::mul(a, 3);", "u[2u] = sk::div(a, c);", "u[3u] = sk::rem(a, c);",
    "u[4u] = a / 7;", "u[5u] = sk::div(a, -1);", "u[6u] = sk::neg(a);", "u[7u] = sk::to_i32(sk::div(ua, i));",
    "u[8u] = sk::to_i32(ua % 8u);", "u[9u] = sk::to_i32(sk::shl(ua, i));", "u[10u] = sk::to_i32(ua << 4u);",
    "u[11u] = sk::shl(a, 4u);", "x[0u] = fmodf(x[i], 2.5f);",
  ]) assert.ok(text.includes(line), `expected '${line}' in\n${text}`);
  // The helpers define what WGSL defines and CUDA leaves undefined.
  assert.match(CUDA_PRELUDE, /unsigned div\(unsigned a, unsigned b\) \{ return b == 0u \? a : a \/ b; \}/);
  assert.match(CUDA_PRELUDE, /unsigned rem\(unsigned a, unsigned b\) \{ return b == 0u \? 0u : a % b; \}/);
  assert.match(CUDA_PRELUDE, /int add\(int a, int b\) \{ return \(int\)\(\(unsigned\)a \+ \(unsigned\)b\); \}/);
  assert.match(CUDA_PRELUDE, /unsigned shl\(unsigned a, unsigned s\) \{ return a << \(s & 31u\); \}/);
});

test("math, casts and bitcasts: CUDA's f32 functions, f16 and vectors through the prelude, saturating float → int", () => {
  const text = exprKernel((b, x, u, i) => {
    const v = b.let("v", K.load(x, i));
    const h = b.let("h", K.cast("f16", v));
    b.store(x, 1, K.round(v));
    b.store(x, 2, K.inverseSqrt(v));
    b.store(x, 3, K.erf(v));
    b.store(x, 4, K.clamp(v, 0, 1));
    b.store(x, 5, K.cast("f32", K.exp(h)));
    b.store(x, 6, K.lane(K.fma(K.vec("vec2<f32>", v), K.vec("vec2<f32>", v, 2), K.vec("vec2<f32>", 1)), 1));
    b.store(u, 0, K.cast("i32", v));
    b.store(u, 1, K.bitcast("i32", v));
    b.store(x, 7, K.bitcast("f32", K.bitcast("u32", v)));
    b.store(x, 8, K.select(K.gt(v, 0), v, K.neg(v)));
    b.store(u, 2, K.cast("i32", K.lit("f16", 0.1)));
  });
  for (const line of [
    "const __half h = sk::to_f16(v);", "x[1u] = rintf(v);", "x[2u] = rsqrtf(v);", "x[3u] = erff(v);",
    "x[4u] = fminf(fmaxf(v, 0.0f), 1.0f);", "x[5u] = sk::to_f32(sk::exp(h));",
    "x[6u] = sk::fma(sk::splat<2>(v), sk::f32x2{v, 2.0f}, sk::splat<2>(1.0f)).y;",
    "u[0u] = sk::to_i32(v);", "u[1u] = __float_as_int(v);", "x[7u] = __uint_as_float(__float_as_uint(v));",
    "x[8u] = (v > 0.0f ? v : -v);", "u[2u] = sk::to_i32(__half(0.099975586f));",
  ]) assert.ok(text.includes(line), `expected '${line}' in\n${text}`);
  assert.match(CUDA_PRELUDE, /int f32_to_i32\(float a\) \{ return a >= 2147483520\.0f \? 2147483520 : __float2int_rz\(a\); \}/);
});

test("subgroups are warps of 32: xor-butterfly reductions and shuffles over the warp's existing lanes", () => {
  const text = printCudaKernel(subgroupSumKernel("f32"));
  assert.match(text, /sum\[i\] = sk::warp_add\(x\[i\], sk::lane_mask<64u>\(\)\);/);
  assert.match(text, /size\[i\] = 32u;/);
  assert.match(text, /first\[i\] = sk::warp_first\(i, sk::lane_mask<64u>\(\)\);/);
  const xor = exprKernel((b, x, _u, i) => {
    b.store(x, i, K.subgroupShuffleXor(K.load(x, i), 1));
    b.store(x, K.add(i, 1), K.cast("f32", K.subgroupInvocationId()));
  });
  assert.match(xor, /x\[i\] = sk::shfl_xor\(x\[i\], 1u, sk::lane_mask<32u>\(\)\);/);
  assert.match(xor, /sk::to_f32\(\(threadIdx\.x & 31u\)\)/);
  assert.match(CUDA_PRELUDE, /a = op\(a, shfl_xor\(a, m, mask\)\);/);
  assert.match(CUDA_PRELUDE, /__shfl_xor_sync\(mask, a, m\)/);
});

test("literals are exact and typed: 3u, -7, the minimum i32, f32 and f16", () => {
  assert.equal(cudaLiteral("u32", 4294967295), "4294967295u");
  assert.equal(cudaLiteral("i32", -7), "-7");
  assert.equal(cudaLiteral("i32", -(2 ** 31)), "(-2147483647 - 1)");
  assert.equal(cudaLiteral("f32", 0.1), "0.1f");
  assert.equal(cudaLiteral("f32", 3), "3.0f");
  assert.equal(cudaLiteral("f32", -2.5e20), "-2.5e+20f");
  assert.equal(cudaLiteral("f16", Math.f16round(0.1)), "__half(0.099975586f)");
  assert.equal(cudaLiteral("bool", true), "true");
  // Negative constants are parenthesized as operands (never `--1.0f`).
  const text = exprKernel((b, x, _u, i) => b.store(x, i, K.neg(K.f32(-1))));
  assert.ok(text.includes("x[i] = -(-1.0f);"), text);
});

test("modules deduplicate identical kernels and give every function a unique name", () => {
  const a = saxpyKernel("f32"), b = saxpyKernel("f32"), c = rowSumKernel("f32"), d = saxpyKernel("f16");
  const m = cudaModule([a, b, c, a, d]);
  assert.deepEqual(m.names, ["saxpy_f32_0", "saxpy_f32_0", "row_sum_f32_1", "saxpy_f32_0", "saxpy_f16_2"]);
  assert.deepEqual(m.kernels.map((k) => k.name), ["saxpy_f32_0", "row_sum_f32_1", "saxpy_f16_2"]);
  assert.ok(m.source.startsWith(CUDA_PRELUDE));
  assert.equal(m.source.match(/extern "C" __global__/g)?.length, 3);
  assert.equal(m.source.match(/#include <cuda_fp16\.h>/g)?.length, 1, "the prelude appears once");
  assert.match(m.source, /struct saxpy_f16_2_Params \{/);
});

test("IR names that are C++ words are rejected with the name", () => {
  const kb = new KernelBuilder("words", { doc: "a local named like a C++ operator word", workgroupSize: [1] });
  const x = kb.storage("x", "f32", "read_write");
  const v = kb.body.let("xor", K.load(x, 0));
  kb.body.store(x, 1, v);
  assert.throws(() => printCudaKernel(kb.build()), /kernel 'words': let name 'xor' is a C\+\+\/CUDA word/);
});

test("DEFAULT_CUDA_CAPS describe an sm_80/sm_90-class device", () => {
  assert.equal(DEFAULT_CUDA_CAPS.target, "cuda");
  assert.equal(DEFAULT_CUDA_CAPS.maxBindingBytes, 2 ** 31);
  assert.equal(DEFAULT_CUDA_CAPS.maxWorkgroupStorageBytes, 48 * 1024);
  assert.equal(DEFAULT_CUDA_CAPS.maxInvocationsPerWorkgroup, 1024);
  assert.ok(DEFAULT_CUDA_CAPS.f16 && DEFAULT_CUDA_CAPS.subgroups);
});

test("showo compile --target cuda writes one .cu per distinct kernel, each including the prelude beside it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "showo-compile-cuda-"));
  try {
    const logged: string[] = [];
    const r = await runCompile("mlp", { target: "cuda", out: dir }, (s) => logged.push(s));
    assert.match(logged.join("\n"), /target {9}cuda, default CUDA limits \(no device\)/);
    assert.equal(r.compiled.caps, DEFAULT_CUDA_CAPS);
    const files = readdirSync(join(dir, "kernels")).sort();
    assert.ok(files.includes("prelude.cuh"));
    assert.equal(readFileSync(join(dir, "kernels", "prelude.cuh"), "utf8"), `#pragma once\n${CUDA_PRELUDE}`);
    const kernels = files.filter((f) => f.endsWith(".cu"));
    assert.equal(kernels.length, r.summary.kernels);
    assert.deepEqual(r.kernelFiles.map((f) => f.replace("kernels/", "")), kernels);
    for (const f of kernels) {
      const text = readFileSync(join(dir, "kernels", f), "utf8");
      assert.ok(text.startsWith('#include "prelude.cuh"\n\n// kernel '), f);
      assert.equal(text.match(/extern "C" __global__/g)?.length, 1, f);
    }
    const launches = JSON.parse(readFileSync(join(dir, "launches.json"), "utf8")) as { kernel: string }[];
    assert.ok(launches.length >= 2 && launches.every((l) => l.kernel.endsWith(".cu")));
    assert.ok(existsSync(join(dir, "plan.json")));
    await assert.rejects(runCompile("mlp", { target: "metal", out: dir }, () => {}), /target 'metal' is not supported \(targets: wgsl, cuda\)/);
    await assert.rejects(runCompile("mlp", { target: "cuda", out: dir, device: true }, () => {}), /--device is not supported with --target cuda/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("comments never end in a backslash (it would continue the comment onto the next line)", () => {
  const kb = new KernelBuilder("backslash", { doc: "ends with a backslash \\\nshapes: x: f32[1]", workgroupSize: [1] });
  const x = kb.storage("x", "f32", "read_write");
  kb.body.comment("path C:\\");
  kb.body.store(x, 0, 1);
  const text = printCudaKernel(kb.build());
  assert.ok(text.includes("// ends with a backslash \\ (end of line)\n// shapes: x: f32[1]\n"), text);
  assert.ok(text.includes("  // path C:\\ (end of line)\n  x[0u] = 1.0f;"), text);
});
