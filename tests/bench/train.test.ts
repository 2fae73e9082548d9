// The train bench's pieces that need no GPU: the convolution FLOP count it reports for MAGVIT-v2
// (from the graph, forward and both gradients) and the matmul FLOPs of the Show-o step, and the
// mixed Show-o batch it trains on.

import assert from "node:assert/strict";
import { test } from "vitest";
import { trace } from "../../compiler/dsl/trace.ts";
import type { Tensor } from "../../compiler/dsl/tensor.ts";
import { grad } from "../../compiler/passes/autodiff.ts";
import { SHOWO_BENCH_ROWS, graphConvFlops, graphMatmulFlops, showoBenchBatch } from "../../bench/train.ts";
import { IGNORE, PAD } from "../../models/showo-prompts.ts";

test("conv FLOPs: 2·N·O·C·kh·kw·Ho·Wo for conv2d and for each of its gradients", () => {
  // x [2, 3, 8, 8] ⊛ w [4, 3, 3, 3], stride 2, padding 1 → [2, 4, 4, 4]
  const g = trace("conv", { x: { dtype: "f32", shape: [2, 3, 8, 8] }, w: { dtype: "f32", shape: [4, 3, 3, 3] } }, (t: Record<string, Tensor>) => {
    const y = t["x"]!.conv2d(t["w"]!, { stride: 2, padding: 1 });
    return { y, loss: y.square().sum() };
  });
  const one = 2 * 2 * 4 * 3 * 3 * 3 * 4 * 4;
  assert.deepEqual(graphConvFlops(g), { total: one, byOp: { conv2d: { flops: one, count: 1 } } });
  const dg = grad(g, { loss: "loss", wrt: [], inputsWrt: ["x", "w"] });
  const c = graphConvFlops(dg);
  assert.equal(c.byOp["conv2d"]?.flops, one);
  assert.equal(c.byOp["conv2d_grad_input"]?.flops, one);
  assert.equal(c.byOp["conv2d_grad_weight"]?.flops, one);
  assert.equal(c.total, 3 * one);
});

test("matmul FLOPs: 2·M·N·K per product, with transposed operands and batch dimensions", () => {
  const g = trace("mm", { a: { dtype: "f32", shape: [3, 5, 7] }, b: { dtype: "f32", shape: [3, 11, 7] } }, (t: Record<string, Tensor>) => {
    const y = t["a"]!.matmul(t["b"]!, { transposeB: true }); // [3, 5, 11], K = 7
    return { y, loss: y.sum() };
  });
  assert.equal(graphMatmulFlops(g), 2 * 3 * 5 * 11 * 7);
  // The two gradients: dA = dY·B [3, 5, 7] with K = 11, dB = dYᵀ·A [3, 11, 7] with K = 5.
  const dg = grad(g, { loss: "loss", wrt: [], inputsWrt: ["a", "b"] });
  assert.equal(graphMatmulFlops(dg), 3 * 2 * 3 * 5 * 11 * 7);
});

test("the Show-o bench batch: 4 T2I + 1 LM + 2 MMU rows of L = 35, each task with supervised tokens", () => {
  const b = showoBenchBatch(SHOWO_BENCH_ROWS);
  const L = 35, B = 7;
  assert.deepEqual(b.rows.map((r) => r.task), ["t2i", "t2i", "t2i", "t2i", "lm", "mmu", "mmu"]);
  assert.deepEqual(b.inputs["ids"]!.shape, [B, L]);
  assert.deepEqual(b.inputs["labels"]!.shape, [B, L]);
  assert.deepEqual(b.inputs["segments"]!.shape, [B, 4, 3]);
  for (const r of b.rows) {
    assert.equal(r.ids.length, L);
    assert.ok(r.labels!.some((t) => t !== IGNORE), `a ${r.task} row with nothing to predict`);
  }
  assert.equal(b.tokens, b.rows.reduce((n, r) => n + r.ids.filter((t) => t !== PAD).length, 0));
  assert.deepEqual(showoBenchBatch(SHOWO_BENCH_ROWS).inputs["ids"]!.data, b.inputs["ids"]!.data, "seeded: the same batch every run");
});
