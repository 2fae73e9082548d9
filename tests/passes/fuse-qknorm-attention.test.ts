// fuse-qknorm-attention on the graph the Phi block traces: the q/k LayerNorms and rotaries fold
// into one attention_qknorm, the values stay those of the unfused graph (reference interpreter,
// float64: equal to 1e-12), and a near miss is reported with its reason.

import assert from "node:assert/strict";
import { test } from "vitest";
import { attention } from "../../compiler/dsl/tensor.ts";
import { trace } from "../../compiler/dsl/trace.ts";
import type { Graph } from "../../compiler/ir/graph.ts";
import { packSegments } from "../../compiler/ir/mask.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import { run } from "../../backends/reference/interpreter.ts";
import { fuseQkNormAttention } from "../../compiler/passes/fuse-qknorm-attention.ts";
import type { NoMatchEvent } from "../../compiler/passes/rewrite.ts";
import type { PhiConfig } from "../../models/phi-block.ts";
import { phiBlockGraph } from "../../models/phi-block.ts";
import { mulberry32, randomTensor, testSeed } from "../util/random.ts";

const seed = testSeed();
const rng = mulberry32(seed);
const CFG: PhiConfig = { hidden: 32, heads: 2, mlp: 64, partialRotary: 0.5, ropeBase: 10000, eps: 1e-5 };

const count = (g: Graph, op: string) => g.nodes().filter((n) => n.op === op).length;

function randomParams(g: Graph): Record<string, RefTensor> {
  return Object.fromEntries(g.params.map((p) => [String(p.attrs["name"]), randomTensor(p.dtype, p.shape as number[], rng)]));
}

function maxDiff(a: RefTensor, b: RefTensor): number {
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i]! - b.data[i]!));
  return m;
}

test("the Phi block's QK-Norm + rotary + attention becomes one attention_qknorm with the same values", () => {
  const L = 9;
  const g = phiBlockGraph(CFG, { batch: 2, seq: L, segmentSlots: 2 });
  assert.equal(count(g, "layer_norm"), 3);
  const log: string[] = [];
  const fused = fuseQkNormAttention(g, { log: (e) => log.push(e.rule) });
  assert.deepEqual(log, ["fuse-qknorm-attention"]);
  assert.equal(count(fused, "attention_qknorm"), 1);
  assert.equal(count(fused, "attention"), 0);
  assert.equal(count(fused, "rotary"), 0);
  assert.equal(count(fused, "layer_norm"), 1, "only input_layernorm is left");

  const seg = packSegments([
    [{ kind: "pad", start: 0, end: 2 }, { kind: "span", start: 4, end: 9 }],
    [{ kind: "pad", start: 0, end: 3 }, { kind: "span", start: 5, end: 9 }],
  ]);
  const inputs = {
    x: randomTensor("f32", [2, L, CFG.hidden], rng),
    positions: tensor("i32", [L], Array.from({ length: L }, (_, i) => i)),
    segments: tensor("i32", seg.shape, seg.data),
  };
  const params = randomParams(g);
  const want = run(g, inputs, params), got = run(fused, inputs, params);
  for (const name of ["out", "loss"]) assert.ok(maxDiff(got[name]!, want[name]!) <= 1e-12, `${name} differs by ${maxDiff(got[name]!, want[name]!)} (TEST_SEED=${seed})`);
});

test("with a binding budget of 8 the norm parameters are packed into one tensor, values unchanged", () => {
  const L = 6;
  const g = phiBlockGraph(CFG, { batch: 1, seq: L });
  const fused = fuseQkNormAttention(g, { maxBindings: 8 });
  const op = fused.nodes().find((n) => n.op === "attention_qknorm")!;
  assert.ok(op.inputs.slice(3, 7).every((p) => p.op === "reshape" && p.inputs[0]!.op === "slice"), "norm parameters are views of the packed tensor");
  assert.equal(count(fused, "sum"), 1);
  const inputs = { x: randomTensor("f32", [1, L, CFG.hidden], rng), positions: tensor("i32", [L], [0, 1, 2, 3, 4, 5]) };
  const params = randomParams(g);
  assert.ok(maxDiff(run(fused, inputs, params)["out"]!, run(g, inputs, params)["out"]!) <= 1e-12);
  assert.equal(count(fuseQkNormAttention(g, { maxBindings: 16 }), "sum"), 0, "no packing when the bindings fit");
});

test("near misses say why they do not fuse", () => {
  const shape = { dtype: "f32" as const, shape: [1, 2, 5, 8] };
  const g = trace("other_positions", { q: shape, k: shape, v: shape, w: { dtype: "f32", shape: [8] }, p: { dtype: "i32", shape: [5] }, p2: { dtype: "i32", shape: [5] } },
    ({ q, k, v, w, p, p2 }) => ({
      y: attention(q!.layerNorm(w!, w!).rotary(p!, 4), k!.layerNorm(w!, w!).rotary(p2!, 4), v!, { causal: true }),
      z: attention(q!.rotary(p!, 4), k!.rotary(p!, 4), v!, { causal: true }),
      u: attention(q!.layerNorm(w!, w!, 1e-5).rotary(p!, 4), k!.layerNorm(w!, w!, 1e-6).rotary(p!, 4), v!, { causal: true }),
    }));
  const why: NoMatchEvent[] = [];
  const out = fuseQkNormAttention(g, { whyNot: (e) => why.push(e) });
  assert.equal(count(out, "attention_qknorm"), 0);
  const reasons = why.map((e) => e.reason).sort();
  assert.deepEqual(reasons, ["q and k LayerNorms differ in eps", "q and k are rotated at different positions", "q and k are rotated but not LayerNorm-ed first"]);
});
