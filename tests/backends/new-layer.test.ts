// A layer the library does not have, written here from DSL ops only, gets WGSL kernels and its
// gradient with no compiler change (principle 5): RMSNorm and a SwiGLU MLP as nn Modules.
//
//   RMSNorm(x)  = x · rsqrt(mean(x², last axis) + eps) · weight         x [..., D], weight [D]
//   SwiGLU(x)   = down(silu(gate(x)) · up(x))                          gate, up: D → F; down: F → D
//   block(x)    = x + SwiGLU(RMSNorm(x)),  loss = mean(block(x) · c)   c: a fixed random cotangent
//
// Checked: the forward on WGSL against the reference interpreter; grad() of the loss against
// central finite differences on the reference; the backward graph on WGSL against the reference;
// and a toy model around the layer trains with the AdamW step on WGSL (its loss halves).
// Tolerances: f32 max|wgsl − ref| ≤ 3e-4 · max(1, max|ref|) (rsqrt, sigmoid and exp in a chain of
// three matmuls); finite differences 1e-5 relative on the max-norm (float64 oracle).

import { afterAll, test } from "vitest";
import assert from "node:assert/strict";
import { Embedding, Linear, Module, initParams } from "../../compiler/dsl/nn.ts";
import { ones } from "../../compiler/dsl/init.ts";
import type { Tensor } from "../../compiler/dsl/tensor.ts";
import { trace } from "../../compiler/dsl/trace.ts";
import type { Graph } from "../../compiler/ir/graph.ts";
import { concreteShape } from "../../compiler/ir/types.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import { adamwStep, momentName, optimValues } from "../../compiler/passes/adamw.ts";
import { grad } from "../../compiler/passes/autodiff.ts";
import { compile } from "../../runtime/executable.ts";
import { decays } from "../../runtime/training/optim.ts";
import { FD_TOL, gradErrors } from "../passes/fd.ts";
import { mulberry32, randomTensor, testSeed } from "../util/random.ts";
import type { Values } from "./util.ts";
import { assertOutputsClose, reference, runWgsl, sharedDevice } from "./util.ts";

class RMSNorm extends Module {
  readonly eps: number;
  readonly weight: Tensor;
  constructor(dim: number, eps = 1e-6) {
    super();
    this.eps = eps;
    this.weight = this.param("weight", "f32", [dim], ones);
  }
  /** x [..., D] → [..., D] */
  forward(x: Tensor): Tensor {
    return x.mul(x.square().mean(-1, true).add(this.eps).rsqrt()).mul(this.weight);
  }
}

class SwiGLU extends Module {
  readonly gate: Linear;
  readonly up: Linear;
  readonly down: Linear;
  constructor(dim: number, hidden: number) {
    super();
    this.gate = this.child("gate", new Linear(dim, hidden, { bias: false }));
    this.up = this.child("up", new Linear(dim, hidden, { bias: false }));
    this.down = this.child("down", new Linear(hidden, dim, { bias: false }));
  }
  /** x [..., D] → [..., D] */
  forward(x: Tensor): Tensor {
    return this.down.forward(this.gate.forward(x).silu().mul(this.up.forward(x)));
  }
}

class Block extends Module {
  readonly norm: RMSNorm;
  readonly mlp: SwiGLU;
  constructor(dim: number, hidden: number) {
    super();
    this.norm = this.child("norm", new RMSNorm(dim));
    this.mlp = this.child("mlp", new SwiGLU(dim, hidden));
  }
  forward(x: Tensor): Tensor {
    return x.add(this.mlp.forward(this.norm.forward(x)));
  }
}

// Ragged sizes: nothing is a multiple of a tile.
const B = 2, L = 5, D = 13, F = 21;
const TOL = 3e-4;

const seed = testSeed();
const rng = mulberry32(seed);
const dev = await sharedDevice();
afterAll(() => dev.dispose());

const block = new Block(D, F);
const graph: Graph = trace("rms_swiglu", { x: { dtype: "f32", shape: [B, L, D] }, c: { dtype: "f32", shape: [B, L, D] } }, ({ x, c }) => {
  const y = block.forward(x!);
  return { y, loss: y.mul(c!).mean() };
});

/** Weights large enough that every path matters (the Linear default of std 0.02 would hide the MLP). */
function randomParams(): Values {
  const p: Values = {};
  for (const info of block.namedParameters()) {
    const shape = concreteShape(info.shape);
    const t = randomTensor("f32", shape, rng, { kind: "normal", scale: info.name.endsWith("norm.weight") ? 0.2 : 0.4 });
    if (info.name.endsWith("norm.weight")) for (let i = 0; i < t.data.length; i++) t.data[i] = Math.fround(t.data[i]! + 1);
    p[info.name] = t;
  }
  return p;
}

function randomInputs(): Values {
  return { x: randomTensor("f32", [B, L, D], rng), c: randomTensor("f32", [B, L, D], rng) };
}

test("the layer is made of library ops only: matmuls, a mean, elementwise math", () => {
  const ops = new Set(graph.nodes().map((n) => n.op));
  assert.ok(ops.has("matmul") && ops.has("mean") && ops.has("rsqrt") && ops.has("silu"), [...ops].join(", "));
  assert.deepEqual(graph.params.map((p) => p.attrs["name"]), ["mlp.down.weight", "mlp.gate.weight", "mlp.up.weight", "norm.weight"]);
});

test("forward on WGSL matches the reference interpreter", async (t) => {
  if (dev.skip) t.skip(dev.skip);
  const params = randomParams(), inputs = randomInputs();
  const want = reference(graph, inputs, params);
  const got = await runWgsl(dev.get(), graph, inputs, params);
  assertOutputsClose(got.outputs, want, () => TOL, `rms_swiglu forward (TEST_SEED=${seed})`);
});

test("grad() of the loss matches central finite differences on the reference", () => {
  const params = randomParams(), inputs = randomInputs();
  const errs = gradErrors(graph, { loss: "loss", inputsWrt: ["x"] }, inputs, params);
  assert.equal(errs.length, 5, "four parameters and the input x");
  for (const e of errs) {
    assert.ok(e.scale > 0, `${e.leaf} does not affect the loss`);
    assert.ok(e.error <= FD_TOL, `gradient of ${e.leaf}: relative error ${e.error.toExponential(2)} > ${FD_TOL} (TEST_SEED=${seed})`);
  }
});

test("the backward graph on WGSL matches the reference interpreter", async (t) => {
  if (dev.skip) t.skip(dev.skip);
  const params = randomParams(), inputs = randomInputs();
  const backward = grad(graph, { loss: "loss", inputsWrt: ["x"] });
  assert.deepEqual(backward.outputs.map((o) => o.name),
    ["y", "loss", "grad.mlp.down.weight", "grad.mlp.gate.weight", "grad.mlp.up.weight", "grad.norm.weight", "grad.x"]);
  const want = reference(backward, inputs, params);
  const got = await runWgsl(dev.get(), backward, inputs, params);
  assertOutputsClose(got.outputs, want, () => TOL, `rms_swiglu backward (TEST_SEED=${seed})`);
});

test("a small model built around the layer trains on WGSL with the AdamW step: loss falls, no compiler change", async (t) => {
  if (dev.skip) t.skip(dev.skip);
  // tokens → Embedding → the block → Linear head → cross-entropy against the next token: a toy
  // language model whose only non-library piece is the layer above; 30 steps on one fixed batch.
  const V = 11, T = 6;
  class Toy extends Module {
    readonly embed: Embedding;
    readonly block: Block;
    readonly head: Linear;
    constructor() {
      super();
      this.embed = this.child("embed", new Embedding(V, D));
      this.block = this.child("block", new Block(D, F));
      this.head = this.child("head", new Linear(D, V, { bias: true }));
    }
  }
  const toy = new Toy();
  const lossGraph = trace("toy_lm", { ids: { dtype: "i32", shape: [B, T] }, labels: { dtype: "i32", shape: [B, T] } }, ({ ids, labels }) => ({
    loss: toy.head.forward(toy.block.forward(toy.embed.forward(ids!))).crossEntropy(labels!),
  }));
  const step = adamwStep(lossGraph, { loss: "loss", decay: (p) => decays("default", p) });
  assert.ok(step.trainable.includes("block.norm.weight") && !step.decayed.includes("block.norm.weight") && step.decayed.includes("block.mlp.up.weight"));
  const exe = await compile(step.graph, { target: "wgsl", device: dev.get(), state: step.state });
  try {
    const params: Values = initParams(toy, seed);
    for (const n of step.trainable) for (const w of ["m", "v"] as const) params[momentName(w, n)] = tensor("f32", params[n]!.shape);
    exe.setParams(params);
    const ids = Array.from({ length: B * T }, () => Math.floor(rng() * V));
    const inputs = { ids: tensor("i32", [B, T], ids), labels: tensor("i32", [B, T], ids.map((_, i) => ids[(i + 1) % ids.length]!)) };
    const losses: number[] = [];
    for (let s = 1; s <= 30; s++) losses.push((await exe.run({ ...inputs, optim: tensor("f32", [4], optimValues(s, 3e-2, 1.0)) }))["loss"]!.data[0]!);
    assert.ok(losses.every(Number.isFinite), `losses ${losses.join(", ")}`);
    assert.ok(losses[29]! < 0.5 * losses[0]!, `loss ${losses[0]} → ${losses[29]} (TEST_SEED=${seed}) did not halve in 30 steps`);
    // The weights moved on the device: the layer's own parameter is no longer its initial value.
    const w = await exe.readParam("block.norm.weight");
    assert.ok(w.data.some((v, i) => v !== params["block.norm.weight"]!.data[i]), "block.norm.weight did not change");
  } finally {
    exe.dispose();
  }
});
