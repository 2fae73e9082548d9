// The lowering passes (compiler/passes/lower-passes.ts) run through runPipeline: the same graph as
// the passes called by hand with the target's options, the target's limits reaching
// specialize-masks and fuse-qknorm-attention, and --dump-after over exactly that list.

import assert from "node:assert/strict";
import { test } from "vitest";
import { DEFAULT_CUDA_CAPS } from "../../backends/cuda/print.ts";
import type { Graph, Node } from "../../compiler/ir/graph.ts";
import { print } from "../../compiler/ir/text.ts";
import { DEFAULT_WGSL_CAPS } from "../../compiler/kernels/target.ts";
import type { TargetCaps } from "../../compiler/kernels/target.ts";
import { grad } from "../../compiler/passes/autodiff.ts";
import { bindDims } from "../../compiler/passes/bind-dims.ts";
import { fuseQkNormAttention } from "../../compiler/passes/fuse-qknorm-attention.ts";
import { lowerComposites } from "../../compiler/passes/lower-composites.ts";
import { LOWER_PASS_NAMES, lowerPasses } from "../../compiler/passes/lower-passes.ts";
import { runPipeline } from "../../compiler/passes/pipeline.ts";
import { shareAttentionLse } from "../../compiler/passes/share-attention-lse.ts";
import { simplify } from "../../compiler/passes/simplify.ts";
import { specializeMasks } from "../../compiler/passes/specialize-masks.ts";
import { getModel } from "../../models/index.ts";
import { getShowoConfig } from "../../models/showo.ts";
import { showoLossGraph } from "../../models/showo-loss.ts";

/** Show-o tiny's forward at B = 2, L = 20 (attention with segments, so block lists). */
function forward(): { graph: Graph; dims: Record<string, number> } {
  const { graph } = getModel("showo-tiny").build({});
  return { graph, dims: { B: 2, L: 20 } };
}

/** Its training loss with gradients (forward and backward attention, so share-attention-lse fires). */
function training(): Graph {
  const g = showoLossGraph(getShowoConfig("showo-tiny"), { t2i: 1, lm: 0, mmu: 0, segmentSlots: 2 });
  return grad(g, { loss: "loss" });
}

/** The passes called one by one, as lower() called them before it ran the list. */
function byHand(g: Graph, caps: TargetCaps, dims: Record<string, number>): Graph {
  const fused = fuseQkNormAttention(bindDims(g, dims), { maxBindings: caps.maxStorageBindings });
  return simplify(lowerComposites(specializeMasks(shareAttentionLse(fused), { caps })));
}

const ops = (g: Graph, op: string): Node[] => g.nodes().filter((n) => n.op === op);

test("the lowering passes give the graph the passes called by hand give, on both targets", () => {
  for (const caps of [DEFAULT_WGSL_CAPS, DEFAULT_CUDA_CAPS]) {
    const { graph, dims } = forward();
    const out = runPipeline(graph, lowerPasses(caps, { dims }));
    assert.equal(print(out), print(byHand(graph, caps, dims)), caps.target);
    assert.ok(ops(out, "attention_qknorm").length > 0 && ops(out, "block_lists").length > 0, "fused, with block lists");
    const step = training();
    const lowered = runPipeline(step, lowerPasses(caps));
    assert.equal(print(lowered), print(byHand(step, caps, {})), `${caps.target} training`);
    assert.ok(ops(lowered, "attention_grad_kv").every((n) => n.inputs.length === 7), "the backward ops have their lists");
  }
});

test("the target's limits reach the passes: tiles from its workgroup memory, norms packed under its binding limit", () => {
  const { graph, dims } = forward();
  const tiles = (caps: TargetCaps) => ops(runPipeline(graph, lowerPasses(caps, { dims })), "block_lists").map((n) => `${n.attrs["tile_q"]}x${n.attrs["tile_k"]}`);
  const small: TargetCaps = { ...DEFAULT_WGSL_CAPS, maxWorkgroupStorageBytes: 4096, maxInvocationsPerWorkgroup: 64 };
  assert.notDeepEqual(tiles(small), tiles(DEFAULT_CUDA_CAPS), "smaller limits pick other tiles");
  // 11 bindings for the fused op with segments: packed under WebGPU's 8, not under CUDA's 64.
  const packs = (caps: TargetCaps) => ops(runPipeline(graph, lowerPasses(caps, { dims })), "attention_qknorm").some((n) => n.inputs[3]!.op !== "input" && n.inputs[3]!.op !== "param");
  assert.equal(packs(DEFAULT_WGSL_CAPS), true);
  assert.equal(packs(DEFAULT_CUDA_CAPS), false);
});

test("dump-after all dumps after every lowering pass, in order; a pass outside the list is refused with the list", () => {
  const { graph, dims } = forward();
  const seen: string[] = [];
  const out = runPipeline(graph, lowerPasses(DEFAULT_WGSL_CAPS, { dims }), { dumpAfter: "all", dump: (p) => seen.push(p) });
  assert.deepEqual(seen, [...LOWER_PASS_NAMES]);
  assert.deepEqual(lowerPasses(DEFAULT_WGSL_CAPS).map((s) => (typeof s === "string" ? s : s.name)), [...LOWER_PASS_NAMES]);
  const last: string[] = [];
  runPipeline(graph, lowerPasses(DEFAULT_WGSL_CAPS, { dims }), { dumpAfter: "simplify", dump: (_p, g) => last.push(print(g)) });
  assert.deepEqual(last, [print(out)]);
  const list = LOWER_PASS_NAMES.join(", ");
  assert.throws(() => runPipeline(graph, lowerPasses(DEFAULT_WGSL_CAPS, { dims }), { dumpAfter: "autodiff" }), new RegExp(`pass 'autodiff' is not in this pipeline \\(this pipeline runs: ${list}\\)`));
  assert.throws(() => runPipeline(graph, lowerPasses(DEFAULT_WGSL_CAPS, { dims }), { dumpAfter: "fuse-attention" }), new RegExp(`unknown pass 'fuse-attention' \\(this pipeline runs: ${list}\\)`));
});

test("the rewrite log names the lowering pass of every rule that fired", () => {
  const passes = new Set<string>();
  runPipeline(training(), lowerPasses(DEFAULT_WGSL_CAPS), { log: (e) => passes.add(e.pass) });
  for (const p of ["fuse-qknorm-attention", "share-attention-lse", "specialize-masks", "lower-composites", "simplify"]) assert.ok(passes.has(p), `${p} in ${[...passes].join(", ")}`);
});
