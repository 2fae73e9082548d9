// Kernel counts as fusion regression tests: how many dispatches a graph lowers to for WGSL.
// Lowering needs no device (lower() with WebGPU's default limits), so these run everywhere.
// A count that grows means a fusion stopped firing; a count that shrinks is good news: lower the
// bound here, with the new kernel list in the comment.

import assert from "node:assert/strict";
import { test } from "vitest";
import { trace } from "../../compiler/dsl/trace.ts";
import type { Graph } from "../../compiler/ir/graph.ts";
import { DEFAULT_WGSL_CAPS } from "../../compiler/kernels/target.ts";
import type { PhiConfig } from "../../models/phi-block.ts";
import { phiBlockGraph } from "../../models/phi-block.ts";
import type { CompiledGraph } from "../../runtime/executable.ts";
import { lower } from "../../runtime/executable.ts";

function lowered(graph: Graph): CompiledGraph {
  return lower(graph, DEFAULT_WGSL_CAPS);
}

/** "label; label; ..." of a lowering, for assertion messages. */
function kernelList(c: CompiledGraph): string {
  return c.launches.map((l, i) => `${i}: ${l.kernel.name} (${l.label})`).join("; ");
}

function assertDispatches(graph: Graph, want: number, what: string): CompiledGraph {
  const c = lowered(graph);
  assert.equal(c.launches.length, want, `${what}: ${c.launches.length} dispatches, want ${want}: ${kernelList(c)}`);
  return c;
}

test("LayerNorm is one dispatch", () => {
  const g = trace("layer_norm", { x: { dtype: "f32", shape: [5, 37] }, w: { dtype: "f32", shape: [37] }, b: { dtype: "f32", shape: [37] } },
    ({ x, w, b }) => x!.layerNorm(w!, b!, 1e-5));
  assertDispatches(g, 1, "layer_norm");
});

test("Linear + bias + GELU(tanh) is one dispatch (bias and activation are the matmul's epilogue)", () => {
  const g = trace("linear_gelu", { x: { dtype: "f32", shape: [2, 7, 24] }, w: { dtype: "f32", shape: [33, 24] }, b: { dtype: "f32", shape: [33] } },
    ({ x, w, b }) => x!.matmul(w!, { transposeB: true }).add(b!).gelu("tanh"));
  const c = assertDispatches(g, 1, "linear + bias + gelu");
  assert.equal(c.partition.groups[0]!.producer?.op, "matmul", "the matmul is computed inside the epilogue's kernel");
});

test("softmax is one dispatch, and so is an elementwise prologue fused into it", () => {
  const x = { dtype: "f32" as const, shape: [6, 29] };
  assertDispatches(trace("softmax", { x }, ({ x }) => x!.softmax(-1)), 1, "softmax");
  assertDispatches(trace("scaled_softmax", { x }, ({ x }) => x!.mul(0.125).add(1).softmax(-1)), 1, "scale + shift + softmax");
});

test("a fused elementwise chain with broadcasting is one dispatch", () => {
  const g = trace("chain", { x: { dtype: "f32", shape: [4, 9] }, b: { dtype: "f32", shape: [9] } },
    ({ x, b }) => x!.add(b!).exp().mul(x!).tanh().sub(0.5));
  assertDispatches(g, 1, "elementwise chain");
});

// A Phi block forward (hidden 64, 4 heads, seq 12, batch 2) with its scalar loss, at most
// PHI_BLOCK_DISPATCHES kernels (measured, WebGPU's default limits of 8 storage bindings):
//    1    input_layernorm
//    3    q_proj, k_proj, v_proj (matmul with the bias add as epilogue)
//    1    the q/k LayerNorm weights and biases packed into one [4, hd] tensor (so the fused
//         attention binds at most 8 buffers; on a device with more bindings this one goes)
//    1    attention_qknorm (causal, flash): q_layernorm, k_layernorm and the rotary run in the
//         prologue of the attention kernel as it loads q and k (fuse-qknorm-attention)
//    1    merge heads: [B, nh, L, hd] → [B, L, H] (the dense matmul reads contiguous memory)
//    1    mlp.fc1 (+ bias + gelu_tanh epilogue)
//    1    mlp.fc2 (+ bias)
//    1    dense (+ bias and both residual adds as epilogue, storing `out`)
//    1    mean(out²) for the loss
const PHI_BLOCK_DISPATCHES = 11;
/** The same block on a device with 16 storage bindings per stage (llvmpipe, most GPUs): no packing. */
const PHI_BLOCK_DISPATCHES_16 = 10;
/** With segments (omni-attention): one more, the block_lists kernel (specialize-masks). */
const PHI_BLOCK_SEGMENTS_DISPATCHES_16 = 11;

const PHI: PhiConfig = { hidden: 64, heads: 4, mlp: 256, partialRotary: 0.5, ropeBase: 10000, eps: 1e-5 };
const CAPS_16 = { ...DEFAULT_WGSL_CAPS, maxStorageBindings: 16 };

test(`a Phi block forward (hidden 64, 4 heads, seq 12, batch 2) is at most ${PHI_BLOCK_DISPATCHES} dispatches`, () => {
  const c = lowered(phiBlockGraph(PHI, { batch: 2, seq: 12 }));
  console.log(`# phi block: ${c.launches.length} dispatches: ${kernelList(c)}`);
  assert.ok(c.launches.length <= PHI_BLOCK_DISPATCHES, `${c.launches.length} dispatches > ${PHI_BLOCK_DISPATCHES}: ${kernelList(c)}`);
  // Every kernel kind the block needs is there (a lost fusion would add kinds like elementwise).
  const kinds = c.partition.groups.map((g) => g.kind);
  for (const k of ["layer_norm", "attention_qknorm", "mean"]) assert.ok(kinds.includes(k), `no ${k} kernel among ${kinds.join(", ")}`);
  assert.equal(kinds.filter((k) => k === "layer_norm").length, 1, "only input_layernorm has a LayerNorm kernel: QK-Norm is fused into attention");
});

test(`with 16 bindings the Phi block is ${PHI_BLOCK_DISPATCHES_16} dispatches, ${PHI_BLOCK_SEGMENTS_DISPATCHES_16} with segments (block lists)`, () => {
  const plain = lower(phiBlockGraph(PHI, { batch: 2, seq: 12 }), CAPS_16);
  assert.equal(plain.launches.length, PHI_BLOCK_DISPATCHES_16, kernelList(plain));
  const seg = lower(phiBlockGraph(PHI, { batch: 2, seq: 12, segmentSlots: 2 }), CAPS_16);
  assert.equal(seg.launches.length, PHI_BLOCK_SEGMENTS_DISPATCHES_16, kernelList(seg));
  const kinds = seg.partition.groups.map((g) => g.kind);
  assert.ok(kinds.includes("block_lists") && kinds.includes("attention_qknorm"), kinds.join(", "));
});
