// The tiles of the attention block lists come from the target's limits (attentionTiles): WebGPU's
// default 16 KiB of workgroup memory, an llvmpipe-like 32 KiB / 1024 invocations and the CUDA
// caps give the tiles the function says when the Show-o 256 T2I forward is lowered, the flash
// kernels agree with them (tile_q is the blocked kernel's query tile, tile_k a multiple of its key
// chunk) and build; the backward ops get the forward's tiles and share its lists; without caps
// the pass keeps 32×32. On the WGSL device a small T2I attention with segments, compiled for the
// device's memory and for 16 KiB (other tiles), matches the reference within
// 1e-3·max(1, max|ref|) (the rotary: WGSL's sin/cos are promised to 2⁻¹¹ only).

import assert from "node:assert/strict";
import { afterAll, test } from "vitest";
import { attention } from "../../compiler/dsl/tensor.ts";
import { trace } from "../../compiler/dsl/trace.ts";
import { apply, input } from "../../compiler/ir/build.ts";
import type { Node } from "../../compiler/ir/graph.ts";
import { Graph } from "../../compiler/ir/graph.ts";
import { packSegments } from "../../compiler/ir/mask.ts";
import type { Segment } from "../../compiler/ir/mask.ts";
import "../../compiler/ir/ops.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import { attentionTiles, blockedPlan } from "../../compiler/kernels/builders/flash-plan.ts";
import type { TargetCaps } from "../../compiler/kernels/target.ts";
import { DEFAULT_WGSL_CAPS } from "../../compiler/kernels/target.ts";
import { specializeMasks } from "../../compiler/passes/specialize-masks.ts";
import { DEFAULT_CUDA_CAPS } from "../../backends/cuda/print.ts";
import { run as reference } from "../../backends/reference/interpreter.ts";
import { SHOWO_256, showoGraph, t2iSeqLen } from "../../models/showo.ts";
import { compile, lower } from "../../runtime/executable.ts";
import { assertClose, sharedDevice } from "../backends/util.ts";
import { mulberry32, randInt, randomTensor, testSeed } from "../util/random.ts";

const seed = testSeed();
const rng = mulberry32(seed);
const dev = await sharedDevice();
afterAll(() => dev.dispose());

// 16 storage bindings (most devices; WebGPU's default 8 is too few for Show-o's unfused matmuls).
const WGSL_16_KIB: TargetCaps = { ...DEFAULT_WGSL_CAPS, maxStorageBindings: 16 };
const LLVMPIPE_CAPS: TargetCaps = { ...WGSL_16_KIB, maxWorkgroupStorageBytes: 32768, maxInvocationsPerWorkgroup: 1024 };
const TARGETS: readonly [string, TargetCaps, { tileQ: number; tileK: number }][] = [
  ["WebGPU default memory (16 KiB, 256 invocations)", WGSL_16_KIB, { tileQ: 16, tileK: 16 }],
  ["llvmpipe-like (32 KiB, 1024 invocations)", LLVMPIPE_CAPS, { tileQ: 32, tileK: 32 }],
  ["CUDA (48 KiB, 1024 threads)", DEFAULT_CUDA_CAPS, { tileQ: 32, tileK: 32 }],
];

const HEAD = SHOWO_256.hidden / SHOWO_256.heads, ROTARY = HEAD * SHOWO_256.partialRotary;

test("attentionTiles at Show-o's head (64): 16×16 on 16 KiB, 32×32 on llvmpipe and CUDA; the blocked plan agrees", () => {
  for (const [what, caps, want] of TARGETS) {
    const t = attentionTiles(caps, HEAD, HEAD, 2);
    assert.deepEqual(t, want, what);
    // The kernel's plan with the lists' tiles (rotary table included): tile_q rows per workgroup,
    // a key chunk dividing tile_k.
    const plan = blockedPlan(HEAD, HEAD, ROTARY, 2, caps, t.tileQ, t.tileK);
    assert.ok(plan !== null, `${what}: no blocked plan for ${t.tileQ}×${t.tileK}`);
    assert.equal(plan.tq, t.tileQ, what);
    assert.equal(t.tileK % plan.ck, 0, `${what}: key chunk ${plan.ck} does not divide tile_k ${t.tileK}`);
    assert.ok(plan.ni <= caps.maxInvocationsPerWorkgroup, what);
  }
  // Larger heads take smaller tiles where memory is short.
  assert.deepEqual(attentionTiles(DEFAULT_WGSL_CAPS, 128, 128, 2), { tileQ: 8, tileK: 8 });
  assert.deepEqual(attentionTiles(LLVMPIPE_CAPS, 128, 128, 2), { tileQ: 16, tileK: 16 });
});

test("lowering the Show-o 256 T2I forward per target: every list and attention kernel uses attentionTiles' tiles", () => {
  const L = t2iSeqLen(SHOWO_256);
  const g = showoGraph(SHOWO_256, { batch: 2, seq: L, segmentSlots: 2 });
  const seen = new Map<string, string>();
  for (const [what, caps] of TARGETS) {
    const want = attentionTiles(caps, HEAD, HEAD, 2);
    const c = lower(g, caps);
    const att = c.graph.nodes().filter((n) => n.op === "attention_qknorm");
    const lists = c.graph.nodes().filter((n) => n.op === "block_lists");
    assert.equal(att.length, SHOWO_256.layers, what);
    assert.ok(lists.length >= 1, what);
    for (const n of [...att, ...lists]) {
      assert.deepEqual([n.attrs["tile_q"], n.attrs["tile_k"]], [want.tileQ, want.tileK], `${what}: ${n.op}`);
    }
    for (const n of att) assert.equal(n.inputs[9]?.op, "block_lists", `${what}: attention without lists`);
    const flash = c.launches.filter((l) => l.kernel.name === "attention_qknorm_flash");
    assert.equal(flash.length, SHOWO_256.layers, `${what}: ${c.launches.map((l) => l.kernel.name).join(", ")}`);
    seen.set(what, `${want.tileQ}×${want.tileK}`);
  }
  console.log(`# showo-256 T2I (L = ${L}) list tiles: ${[...seen].map(([w, t]) => `${w}: ${t}`).join("; ")}`);
  assert.notEqual(seen.get(TARGETS[0]![0]), seen.get(TARGETS[1]![0]), "16 KiB and 32 KiB targets get different tiles");
});

/** attention_qknorm with segments and both backward ops at head D, built directly. */
function forwardAndBackward(B: number, H: number, L: number, D: number): Graph {
  const x = (name: string, shape: number[], dtype: "f32" | "i32" = "f32") => input(name, dtype, shape);
  const [q, k, v] = [x("q", [B, H, L, D]), x("k", [B, H, L, D]), x("v", [B, H, L, D])];
  const seg = x("seg", [B, 2, 3], "i32");
  const norms = [x("wq", [D]), x("bq", [D]), x("wk", [D]), x("bk", [D])];
  const pos = x("pos", [L], "i32");
  const y = apply("attention_qknorm", [q, k, v, ...norms, pos, seg], { scale: 0.125, causal: true, rotary_dim: D / 2 });
  const out = x("out", [B, H, L, D + 1]), dO = x("dO", [B, H, L, D]);
  const gq = apply("attention_grad_q", [q, k, v, out, dO, seg], { scale: 0.125, causal: true });
  const gkv = apply("attention_grad_kv", [q, k, v, out, dO, seg], { scale: 0.125, causal: true });
  const ins = [q, k, v, ...norms, pos, seg, out, dO];
  return new Graph("fwd_bwd", ins, [], [{ name: "y", node: y }, { name: "gq", node: gq }, { name: "gkv", node: gkv }]);
}

test("the backward ops get the forward's tiles and share its lists; without caps the tiles stay 32×32", () => {
  const g = forwardAndBackward(2, 2, 40, 64);
  const listsOf = (s: Graph, op: string): Node => s.nodes().find((n) => n.op === op)!.inputs.at(-1)!;
  for (const [what, caps, want] of [...TARGETS, ["no caps", undefined, { tileQ: 32, tileK: 32 }] as const]) {
    const s = specializeMasks(g, caps ? { caps } : {});
    const fwd = listsOf(s, "attention_qknorm"), gq = listsOf(s, "attention_grad_q"), gkv = listsOf(s, "attention_grad_kv");
    assert.equal(gq, fwd, `${what}: attention_grad_q walks the forward's lists`);
    assert.equal(gkv.attrs["transpose"], true, what);
    for (const n of [fwd, gkv, ...s.nodes().filter((n) => n.op.startsWith("attention"))]) {
      assert.deepEqual([n.attrs["tile_q"], n.attrs["tile_k"]], [want.tileQ, want.tileK], `${what}: ${n.op}`);
    }
  }
  // Explicit tiles win over the target's.
  const s = specializeMasks(g, { caps: DEFAULT_CUDA_CAPS, tileQ: 4, tileK: 3 });
  assert.deepEqual([listsOf(s, "attention_grad_kv").attrs["tile_q"], listsOf(s, "attention_grad_kv").attrs["tile_k"]], [4, 3]);
  // And every kernel of the pair builds for each target (the backward at 32×32 would not fit 16 KiB at head 64).
  for (const [what, caps] of TARGETS) {
    const names = lower(g, caps).launches.map((l) => l.kernel.name);
    for (const k of ["attention_qknorm_flash", "block_lists"]) assert.ok(names.includes(k), `${what}: ${names.join(", ")}`);
    assert.ok(names.filter((n) => n.startsWith("attention_grad")).length >= 2, `${what}: ${names.join(", ")}`);
  }
});

// ---------------------------------------------------------------------------------------------
// On the device

test("WGSL device: a T2I attention with segments (head 64, L = 37) matches the reference with the device's tiles and with 16 KiB tiles", async (t) => {
  if (dev.skip) t.skip(dev.skip);
  const B = 2, H = 2, L = 37, D = 64, SLOTS = 2, image = 16;
  const xs = { dtype: "f32" as const, shape: [B, H, L, D] }, p = { dtype: "f32" as const, shape: [D] };
  const g = trace("t2i_attention", { q: xs, k: xs, v: xs, wq: p, bq: p, wk: p, bk: p, positions: { dtype: "i32", shape: [L] }, segments: { dtype: "i32", shape: [B, SLOTS, 3] } },
    ({ q, k, v, wq, bq, wk, bk, positions, segments }) => {
      const qn = q!.layerNorm(wq!, bq!, 1e-5).rotary(positions!, D / 2, 10000);
      const kn = k!.layerNorm(wk!, bk!, 1e-5).rotary(positions!, D / 2, 10000);
      return { y: attention(qn, kn, v!, { scale: 1 / Math.sqrt(D), causal: true, segments: segments! }) };
    });
  const t2i = (pad: number): Segment[] => [{ kind: "pad", start: 0, end: pad }, { kind: "span", start: L - image - 2, end: L }];
  const seg = packSegments([t2i(randInt(rng, 1, 12)), t2i(L - image - 4)], SLOTS);
  const x = () => randomTensor("f32", [B, H, L, D], rng, { kind: "normal", scale: 2 });
  const inputs: Record<string, RefTensor> = {
    q: x(), k: x(), v: randomTensor("f32", [B, H, L, D], rng),
    wq: randomTensor("f32", [D], rng, { kind: "uniform", lo: 0.5, hi: 1.5 }), bq: randomTensor("f32", [D], rng, { kind: "normal", scale: 0.1 }),
    wk: randomTensor("f32", [D], rng, { kind: "uniform", lo: 0.5, hi: 1.5 }), bk: randomTensor("f32", [D], rng, { kind: "normal", scale: 0.1 }),
    positions: tensor("i32", [L], Array.from({ length: L }, (_, i) => i)),
    segments: tensor("i32", seg.shape, seg.data),
  };
  const want = reference(g, inputs)["y"]!;
  const tiles = new Set<string>();
  for (const mem of [undefined, 16384]) {
    const exe = await compile(g, { target: "wgsl", device: dev.get(), ...(mem !== undefined ? { maxWorkgroupStorageBytes: mem } : {}) });
    try {
      const att = exe.compiled.graph.nodes().find((n) => n.op === "attention_qknorm")!;
      const t = attentionTiles(exe.compiled.caps, D, D, SLOTS);
      assert.deepEqual([att.attrs["tile_q"], att.attrs["tile_k"]], [t.tileQ, t.tileK]);
      tiles.add(`${t.tileQ}×${t.tileK}`);
      assertClose((await exe.run(inputs))["y"], want, 1e-3, `workgroup memory ${exe.compiled.caps.maxWorkgroupStorageBytes}, tiles ${t.tileQ}×${t.tileK} (TEST_SEED=${seed})`);
    } finally {
      exe.dispose();
    }
  }
  console.log(`# device tiles: ${[...tiles].join(", ")}`);
});
