// The flash attention backward kernels (attention_grad_q, attention_grad_kv) on the WGSL backend
// against the reference interpreter, at head 64 and ragged lengths (37: not a multiple of the
// 32-row tiles).
//
// Each graph is dQ = attention_grad_q(q, k, v, packed, dO[, segments]) and dK|dV =
// attention_grad_kv(...), where packed (the forward's output and log-sum-exp, from which the
// kernels recompute P) is computed by the reference and given as an input: the forward kernel is
// tested elsewhere, and not compiling it keeps this file fast on llvmpipe. With segments,
// specialize-masks gives grad_q the forward lists and grad_kv the transposed lists; one executable
// is re-run with new padding. Layouts: T2I (random left padding per batch row, PAD or DEAD, and
// the guidance twin whose caption is all padding), MMU (bidirectional prefix, causal after,
// GLOBAL columns), LM (causal, no segments), non-causal (no segments), decode-shaped (Lq < Lk)
// and dO with the lse cotangent column (Dv + 1 wide: read as scalars, not vec4s).
//
// Tolerance: max|wgsl − ref| ≤ 3e-4·max(1, max|ref|) per output (f32; exp chains and sums over up
// to 37 keys or queries).
//
// Two forms (the launch label says which): on llvmpipe (subgroups of 8 lanes, head 64) the row
// form, R rows per invocation with the walked rows shared by subgroupBroadcast; with
// FlashOptions.gradRows false (and on CUDA) one row per invocation with chunks in workgroup memory.
// Both are checked on the segment layouts; grad_q's lists lay key tiles from the end
// (keys_from_end, asserted), so at L = 37 its first key tile is the ragged one.
//
// On CUDA the kernels keep head-64 rows in registers: compiled with nvcc (when installed) for
// sm_80 and sm_90, they must not spill.

import assert from "node:assert/strict";
import type { Segment } from "../../compiler/ir/mask.ts";
import { compileKernels, findCuda, formatResources } from "../../backends/cuda/nvcc.ts";
import { DEFAULT_CUDA_CAPS } from "../../backends/cuda/print.ts";
import { lower } from "../../runtime/executable.ts";
import { afterAll, test } from "vitest";
import { sharedDevice } from "../backends/util.ts";
import { mulberry32, randInt, testSeed } from "../util/random.ts";
import { L37, check, gradGraph, t2i } from "./flash-grad-util.ts";

const seed = testSeed();
const rng = mulberry32(seed);
const dev = await sharedDevice();
afterAll(() => dev.dispose());

test("T2I (random padding, PAD and DEAD, guidance twin) and MMU layouts at head 64, L = 37, with lists and transposed lists and the lse cotangent", async (t) => {
  if (dev.skip) t.skip(dev.skip);
  const L = 37, image = 16;
  const twin = (kind: "pad" | "dead"): Segment[][] => [t2i(L, image, randInt(rng, 1, 12), kind), t2i(L, image, L - image - 3, kind)];
  const mmu: Segment[][] = [
    [{ kind: "span", start: 0, end: randInt(rng, 3, 20) }],
    [{ kind: "span", start: 0, end: randInt(rng, 3, 20) }, { kind: "global", start: 25, end: 28 }],
  ];
  // dO carries the lse cotangent column (Dv + 1 wide, read as scalars): the training graphs' case.
  await check(dev.get(), rng, seed, "T2I/MMU", { B: 2, H: 2, lq: L, lk: L, D: 64, causal: true, segments: true, lseGrad: true }, [twin("pad"), twin("dead"), mmu]);
});

test("the one-row-per-invocation form (gradRows: false): T2I PAD and DEAD and MMU layouts at head 64, L = 37", async (t) => {
  if (dev.skip) t.skip(dev.skip);
  const L = 37, image = 16;
  const layouts: Segment[][][] = [
    [t2i(L, image, randInt(rng, 1, 12), "pad"), t2i(L, image, L - image - 3, "pad")],
    [t2i(L, image, randInt(rng, 1, 12), "dead"), [{ kind: "span", start: 0, end: randInt(rng, 3, 20) }, { kind: "global", start: 25, end: 28 }]],
  ];
  await check(dev.get(), rng, seed, "T2I/MMU (row per invocation)", { B: 2, H: 2, lq: L, lk: L, D: 64, causal: true, segments: true }, layouts, "rowwise");
});

test("CUDA: the head-64 backward kernels (T2I segments, lists) compile for sm_80 and sm_90 without spilling", async (t) => {
  if (!findCuda()) t.skip("nvcc not installed");
  const { launches } = lower(gradGraph({ B: 2, H: 2, lq: L37, lk: L37, D: 64, causal: true, segments: true }), DEFAULT_CUDA_CAPS);
  const kernels = launches.map((l) => l.kernel).filter((k) => k.name.startsWith("attention_grad"));
  assert.equal(kernels.length, 2);
  for (const arch of ["sm_80", "sm_90"]) {
    const { result } = await compileKernels(kernels, { arch });
    for (const r of result.kernels.values()) assert.equal(r.spillStores + r.spillLoads, 0, formatResources(r));
  }
});
