// Parameters are named by their path in the module tree, exactly as PyTorch's named_parameters()
// names them, so checkpoint keys map 1:1; graphs list them sorted; inits are seeded per name.

import assert from "node:assert/strict";
import { test } from "vitest";
import { Embedding, LayerNorm, Linear, MLP, Module, ModuleList, initParams } from "../../compiler/dsl/nn.ts";
import type { Tensor } from "../../compiler/dsl/tensor.ts";
import { trace } from "../../compiler/dsl/trace.ts";
import { PhiBlock } from "../../models/phi-block.ts";

class Attn extends Module {
  readonly q_proj: Linear;
  readonly dense: Linear;
  readonly scale: Tensor;
  constructor(d: number) {
    super();
    this.q_proj = this.child("q_proj", new Linear(d, d));
    this.dense = this.child("dense", new Linear(d, d, { bias: false }));
    this.scale = this.param("scale", "f32", [1], { kind: "ones" });
  }
  forward(x: Tensor): Tensor {
    return this.dense.forward(this.q_proj.forward(x)).mul(this.scale);
  }
}

class Layer extends Module {
  readonly self_attn: Attn;
  readonly mlp: MLP;
  constructor(d: number) {
    super();
    this.self_attn = this.child("self_attn", new Attn(d));
    this.mlp = this.child("mlp", new MLP(d, 2 * d, d, "gelu_tanh"));
  }
  forward(x: Tensor): Tensor {
    return x.add(this.self_attn.forward(x)).add(this.mlp.forward(x));
  }
}

class Tiny extends Module {
  readonly embed_tokens: Embedding;
  readonly layers: ModuleList<Layer>;
  readonly final_layernorm: LayerNorm;
  constructor(vocab: number, d: number, n: number) {
    super();
    this.embed_tokens = this.child("embed_tokens", new Embedding(vocab, d));
    this.layers = this.child("layers", new ModuleList(Array.from({ length: n }, () => new Layer(d))));
    this.final_layernorm = this.child("final_layernorm", new LayerNorm(d));
  }
  forward(ids: Tensor): Tensor {
    let h = this.embed_tokens.forward(ids);
    for (const layer of this.layers) h = layer.forward(h);
    return this.final_layernorm.forward(h);
  }
}

// What torch.nn.Module.named_parameters() yields for the same tree: own parameters first, then
// children in registration order.
const layerNames = (i: number) => [
  `layers.${i}.self_attn.scale`,
  `layers.${i}.self_attn.q_proj.weight`,
  `layers.${i}.self_attn.q_proj.bias`,
  `layers.${i}.self_attn.dense.weight`,
  `layers.${i}.mlp.fc1.weight`,
  `layers.${i}.mlp.fc1.bias`,
  `layers.${i}.mlp.fc2.weight`,
  `layers.${i}.mlp.fc2.bias`,
];
const TINY_NAMES = ["embed_tokens.weight", ...layerNames(0), ...layerNames(1), "final_layernorm.weight", "final_layernorm.bias"];

test("namedParameters lists PyTorch-style paths in named_parameters() order, with shapes and inits", () => {
  const m = new Tiny(11, 8, 2);
  const ps = m.namedParameters();
  assert.deepEqual(ps.map((p) => p.name), TINY_NAMES);
  const byName = new Map(ps.map((p) => [p.name, p]));
  assert.deepEqual(byName.get("embed_tokens.weight")?.shape, [11, 8]);
  assert.deepEqual(byName.get("layers.1.mlp.fc1.weight")?.shape, [16, 8]); // [out, in]
  assert.deepEqual(byName.get("layers.1.mlp.fc2.weight")?.shape, [8, 16]);
  assert.deepEqual(byName.get("final_layernorm.weight")?.init, { kind: "ones" });
  assert.deepEqual(byName.get("layers.0.mlp.fc1.bias")?.init, { kind: "zeros" });
  assert.equal(m.numParams(), 11 * 8 + 2 * (1 + 8 * 8 + 8 + 8 * 8 + 16 * 8 + 16 + 8 * 16 + 8) + 16);
  assert.equal(m.layers.at(1).mlp.fc2.path, "layers.1.mlp.fc2");
  assert.equal(m.path, "");
});

test("traced graphs carry the same names, sorted, and only the parameters actually used", () => {
  const m = new Tiny(11, 8, 2);
  const g = trace("tiny", { ids: { dtype: "i32", shape: [2, 5] } }, ({ ids }) => m.forward(ids));
  const names = g.params.map((p) => p.attrs["name"] as string);
  assert.deepEqual(names, [...TINY_NAMES].sort());
  assert.ok(g.params.every((p) => p.op === "param"));
  const used = trace("first", { ids: { dtype: "i32", shape: [3] } }, ({ ids }) => m.embed_tokens.forward(ids));
  assert.deepEqual(used.params.map((p) => p.attrs["name"]), ["embed_tokens.weight"]);
});

test("a root module's own parameters have bare names", () => {
  const lin = new Linear(3, 2);
  assert.deepEqual(lin.namedParameters().map((p) => p.name), ["weight", "bias"]);
  const g = trace("lin", { x: { dtype: "f32", shape: [4, 3] } }, ({ x }) => lin.forward(x));
  assert.deepEqual(g.params.map((p) => p.attrs["name"]), ["bias", "weight"]);
});

test("the Phi block's names match Show-o's checkpoint keys (under model.layers.N)", () => {
  const blk = new PhiBlock({ hidden: 16, heads: 2, mlp: 32, partialRotary: 0.5, ropeBase: 10000, eps: 1e-5 });
  const names = blk.namedParameters().map((p) => p.name);
  for (const n of ["input_layernorm.weight", "input_layernorm.bias", "self_attn.q_proj.weight", "self_attn.k_proj.bias",
    "self_attn.v_proj.weight", "self_attn.dense.weight", "self_attn.dense.bias", "self_attn.q_layernorm.weight",
    "self_attn.k_layernorm.bias", "mlp.fc1.weight", "mlp.fc2.bias"]) {
    assert.ok(names.includes(n), `missing ${n}`);
  }
  assert.equal(names.length, 18);
  assert.deepEqual(blk.namedParameters().find((p) => p.name === "self_attn.q_layernorm.weight")?.shape, [8]);
});

test("misuse of the tree is refused with a reason", () => {
  const shared = new Linear(2, 2);
  const a = new Module();
  a.child("x", shared);
  assert.throws(() => new Module().child("y", shared), /already attached as 'x'/);
  assert.throws(() => a.child("x", new Linear(2, 2)), /'x' is declared twice/);
  assert.throws(() => a.child("bad.name", new Linear(2, 2)), /must match/);
  assert.throws(() => shared.child("loop", a), /cycle/);
  // Using a parameter fixes its name, so attaching its module afterwards would rename it.
  const early = new Linear(2, 2);
  void early.weight.node;
  assert.throws(() => new Module().child("late", early), /'weight' was used before its module was attached as 'late'/);
});

test("initParams follows each init, is seeded per name, and is reproducible", () => {
  const m = new Tiny(50, 32, 1);
  const p0 = initParams(m, 123), p1 = initParams(m, 123), p2 = initParams(m, 124);
  assert.deepEqual(Object.keys(p0), TINY_NAMES.filter((n) => !n.startsWith("layers.1")));
  assert.deepEqual(p0["layers.0.mlp.fc1.weight"]!.data, p1["layers.0.mlp.fc1.weight"]!.data);
  assert.notDeepEqual(p0["layers.0.mlp.fc1.weight"]!.data, p2["layers.0.mlp.fc1.weight"]!.data);
  assert.ok(p0["final_layernorm.weight"]!.data.every((v) => v === 1));
  assert.ok(p0["layers.0.mlp.fc1.bias"]!.data.every((v) => v === 0));
  const e = p0["embed_tokens.weight"]!.data; // normal(0, 0.02²), 1600 draws
  const mean = e.reduce((s, v) => s + v, 0) / e.length;
  const std = Math.sqrt(e.reduce((s, v) => s + (v - mean) ** 2, 0) / e.length);
  assert.ok(Math.abs(mean) < 0.003 && Math.abs(std - 0.02) < 0.002, `mean ${mean} std ${std}`);
  // A parameter's values do not depend on which other parameters exist.
  // A subtree reports full paths (the names its parameters have in graphs), so values agree.
  assert.deepEqual(initParams(m.embed_tokens, 123)["embed_tokens.weight"]!.data, e);
  assert.deepEqual(initParams(new Tiny(50, 32, 3), 123)["embed_tokens.weight"]!.data, e);
});
