// The standard layers (built only from ops) against the formulas computed by hand in float64,
// on fresh random weights and inputs. Tolerance: 1e-10 scaled error (both sides are float64).

import assert from "node:assert/strict";
import { test } from "vitest";
import { run } from "../../backends/reference/interpreter.ts";
import { randint, randn } from "../../compiler/dsl/init.ts";
import type { Activation } from "../../compiler/dsl/nn.ts";
import { Conv2d, Embedding, GroupNorm, LayerNorm, Linear, MLP, Module } from "../../compiler/dsl/nn.ts";
import { trace } from "../../compiler/dsl/trace.ts";
import { assertClose, at, freshSeed, geluErf, geluTanh, indices, layerLikeParams, layerNorm, linear, silu } from "./manual.ts";

const SEED = freshSeed();
const TOL = 1e-10;

test(`Linear: y = x·Wᵀ + b over leading axes, without bias, and on a vector (seed ${SEED})`, () => {
  const root = new Module();
  const lin = root.child("lin", new Linear(5, 4));
  const nob = root.child("nob", new Linear(5, 3, { bias: false }));
  const g = trace("linear", { x: { dtype: "f32", shape: [2, 3, 5] }, v: { dtype: "f32", shape: [5] } }, ({ x, v }) => ({
    y: lin.forward(x),
    z: nob.forward(x),
    w: lin.forward(v),
  }));
  assert.deepEqual(g.params.map((p) => p.attrs["name"]), ["lin.bias", "lin.weight", "nob.weight"]);
  const x = randn([2, 3, 5], SEED), v = randn([5], SEED + 1);
  const p = layerLikeParams(root, SEED + 2);
  const r = run(g, { x, v }, p);
  const W = p["lin.weight"]!.data, b = p["lin.bias"]!.data;
  assertClose(r["y"]!, { shape: [2, 3, 4], data: linear(x.data, 6, W, 5, 4, b) }, TOL, "Linear");
  assertClose(r["z"]!, { shape: [2, 3, 3], data: linear(x.data, 6, p["nob.weight"]!.data, 5, 3) }, TOL, "Linear without bias");
  assertClose(r["w"]!, { shape: [4], data: linear(v.data, 1, W, 5, 4, b) }, TOL, "Linear on a vector");
});

test(`LayerNorm over the last axis (seed ${SEED})`, () => {
  const ln = new LayerNorm(6, 1e-5);
  const g = trace("ln", { x: { dtype: "f32", shape: [2, 3, 6] } }, ({ x }) => ln.forward(x));
  const x = randn([2, 3, 6], SEED, 2);
  const p = layerLikeParams(ln, SEED + 1);
  const want = layerNorm(x.data, 6, p["weight"]!.data, p["bias"]!.data, 1e-5);
  assertClose(run(g, { x }, p)["out"]!, { shape: [2, 3, 6], data: want }, TOL, "LayerNorm");
});

test(`GroupNorm over (C/groups, H, W) per group (seed ${SEED})`, () => {
  const [N, C, H, W, G] = [2, 6, 3, 4, 3];
  const gn = new GroupNorm(G, C, 1e-6);
  const g = trace("gn", { x: { dtype: "f32", shape: [N, C, H, W] } }, ({ x }) => gn.forward(x));
  const x = randn([N, C, H, W], SEED, 1.5);
  const p = layerLikeParams(gn, SEED + 1);
  const want = new Float64Array(x.data.length);
  const per = (C / G) * H * W;
  for (let n = 0; n < N; n++) {
    for (let grp = 0; grp < G; grp++) {
      const base = (n * C + grp * (C / G)) * H * W;
      let mean = 0, v = 0;
      for (let i = 0; i < per; i++) mean += x.data[base + i]!;
      mean /= per;
      for (let i = 0; i < per; i++) v += (x.data[base + i]! - mean) ** 2;
      v /= per;
      for (let i = 0; i < per; i++) {
        const c = grp * (C / G) + Math.floor(i / (H * W));
        want[base + i] = ((x.data[base + i]! - mean) / Math.sqrt(v + 1e-6)) * p["weight"]!.data[c]! + p["bias"]!.data[c]!;
      }
    }
  }
  assertClose(run(g, { x }, p)["out"]!, { shape: [N, C, H, W], data: want }, TOL, "GroupNorm");
});

test(`Embedding gathers rows by id (seed ${SEED})`, () => {
  const emb = new Embedding(7, 5);
  const g = trace("emb", { ids: { dtype: "i32", shape: [2, 4] } }, ({ ids }) => emb.forward(ids));
  const ids = randint([2, 4], 0, 7, SEED);
  const p = layerLikeParams(emb, SEED + 1);
  const want = [...ids.data].flatMap((id) => [...p["weight"]!.data.slice(id * 5, id * 5 + 5)]);
  assertClose(run(g, { ids }, p)["out"]!, { shape: [2, 4, 5], data: want }, 0, "Embedding");
});

for (const [stride, padding] of [[1, 1], [2, 1], [[2, 1], [0, 1, 2, 0]]] as const) {
  test(`Conv2d stride ${JSON.stringify(stride)} padding ${JSON.stringify(padding)} with bias (seed ${SEED})`, () => {
    const [N, C, H, W, O, kh, kw] = [2, 3, 7, 6, 4, 3, 2];
    const conv = new Conv2d(C, O, [kh, kw], { stride, padding });
    const g = trace("conv", { x: { dtype: "f32", shape: [N, C, H, W] } }, ({ x }) => conv.forward(x));
    const x = randn([N, C, H, W], SEED);
    const p = layerLikeParams(conv, SEED + 1);
    const [sh, sw] = typeof stride === "number" ? [stride, stride] : stride;
    const [pt, pb, pl, pr] = typeof padding === "number" ? [padding, padding, padding, padding] : padding;
    const Ho = Math.floor((H + pt + pb - kh) / sh) + 1, Wo = Math.floor((W + pl + pr - kw) / sw) + 1;
    const want: number[] = [];
    for (const idx of indices([N, O, Ho, Wo])) {
      const [n, o, i, j] = idx as [number, number, number, number];
      let s = p["bias"]!.data[o]!;
      for (let c = 0; c < C; c++) {
        for (let a = 0; a < kh; a++) {
          for (let b = 0; b < kw; b++) {
            const y = i * sh + a - pt, z = j * sw + b - pl;
            if (y >= 0 && y < H && z >= 0 && z < W) s += at(x, n, c, y, z) * at(p["weight"]!, o, c, a, b);
          }
        }
      }
      want.push(s);
    }
    assertClose(run(g, { x }, p)["out"]!, { shape: [N, O, Ho, Wo], data: want }, TOL, "Conv2d");
  });
}

for (const [act, f] of [["gelu_tanh", geluTanh], ["gelu", geluErf], ["silu", silu]] as const) {
  test(`MLP fc2(${act}(fc1(x))) (seed ${SEED})`, () => {
    const mlp = new MLP(6, 10, 4, act as Activation);
    assert.deepEqual(mlp.namedParameters().map((q) => q.name), ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]);
    const g = trace("mlp", { x: { dtype: "f32", shape: [3, 6] } }, ({ x }) => mlp.forward(x));
    const x = randn([3, 6], SEED);
    const p = layerLikeParams(mlp, SEED + 1);
    const h = linear(x.data, 3, p["fc1.weight"]!.data, 6, 10, p["fc1.bias"]!.data).map(f);
    const want = linear(h, 3, p["fc2.weight"]!.data, 10, 4, p["fc2.bias"]!.data);
    // Simpson's erf is good to ~1e-13; the other activations are exact formulas.
    assertClose(run(g, { x }, p)["out"]!, { shape: [3, 4], data: want }, act === "gelu" ? 1e-9 : TOL, `MLP ${act}`);
  });
}
