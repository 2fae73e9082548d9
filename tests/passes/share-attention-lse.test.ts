// share-attention-lse and the attention backward end to end.
//
// The pass: a plain attention whose packed twin attention{lse} (same inputs, same other
// attributes) is in the graph becomes a slice of the twin; one without a twin stays.
// Training: a small traced attention layer (QK-Norm + rotary + attention with T2I segments, then a
// sum with random weights): its gradients (params and inputs) match central finite differences on
// the reference (1e-5 relative, max-norm, step 1e-6); compiled for WGSL, the forward attention
// runs once (one attention_qknorm launch, which writes the lse), the backward runs the two flash
// backward kernels, the graph holds block_lists{transpose: true}, and every output matches the
// reference within 1e-3·max(1, max|ref|) (the rotary: WGSL's sin/cos are promised to 2⁻¹¹ only).

import assert from "node:assert/strict";
import { afterAll, test } from "vitest";
import { run as reference } from "../../backends/reference/interpreter.ts";
import { Tensor, attention } from "../../compiler/dsl/tensor.ts";
import { trace } from "../../compiler/dsl/trace.ts";
import { apply, input, param } from "../../compiler/ir/build.ts";
import { Graph, topoSort } from "../../compiler/ir/graph.ts";
import type { Segment } from "../../compiler/ir/mask.ts";
import { packSegments } from "../../compiler/ir/mask.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import { grad } from "../../compiler/passes/autodiff.ts";
import { runPipeline } from "../../compiler/passes/pipeline.ts";
import type { RewriteEvent } from "../../compiler/passes/rewrite.ts";
import { shareAttentionLse } from "../../compiler/passes/share-attention-lse.ts";
import { compile } from "../../runtime/executable.ts";
import { assertClose, sharedDevice } from "../backends/util.ts";
import { mulberry32, randInt, randomTensor, testSeed } from "../util/random.ts";
import { FD_TOL, gradErrors } from "./fd.ts";

const seed = testSeed();
const rng = mulberry32(seed);
const dev = await sharedDevice();
afterAll(() => dev.dispose());

test("a plain attention with a packed twin becomes a slice of it; one without a twin stays", () => {
  const q = input("q", "f32", [1, 2, 5, 4]), k = input("k", "f32", [1, 2, 6, 4]), v = input("v", "f32", [1, 2, 6, 3]);
  const plain = apply("attention", [q, k, v], { scale: 0.5, causal: true });
  const packed = apply("attention", [q, k, v], { scale: 0.5, causal: true, lse: true });
  const other = apply("attention", [q, k, v], { scale: 0.25, causal: true }); // differs in scale: no twin
  const g = new Graph("twins", [q, k, v], [], [{ name: "y", node: plain }, { name: "p", node: packed }, { name: "z", node: other }]);
  const log: RewriteEvent[] = [];
  const out = shareAttentionLse(g, { log: (e) => log.push(e) });
  const y = out.output("y");
  assert.equal(y.op, "slice");
  assert.equal(y.inputs[0], packed);
  assert.deepEqual([y.attrs["axis"], y.attrs["start"], y.attrs["end"]], [3, 0, 3]);
  assert.equal(out.output("z"), other);
  assert.equal(log.length, 1);
  assert.ok(topoSort(out.outputs.map((o) => o.node)).filter((n) => n.op === "attention").length === 2);
  // And as a registered pass.
  assert.equal(runPipeline(g, ["share-attention-lse"]).output("y").op, "slice");
});

const [B, H, L, D] = [2, 2, 9, 8];
const SLOTS = 2;

/** QK-Norm + rotary + attention with segments; loss = Σ attention · w. */
function layer(): Graph {
  const x = { dtype: "f32" as const, shape: [B, H, L, D] };
  return trace("attention_layer", { q: x, k: x, v: x, w: x, positions: { dtype: "i32", shape: [L] }, segments: { dtype: "i32", shape: [B, SLOTS, 3] } },
    ({ q, k, v, w, positions, segments }) => {
      const p = (name: string) => new Tensor(param(name, "f32", [D]));
      const qn = q!.layerNorm(p("wq"), p("bq"), 1e-5).rotary(positions!, D / 2, 10000);
      const kn = k!.layerNorm(p("wk"), p("bk"), 1e-5).rotary(positions!, D / 2, 10000);
      const y = attention(qn, kn, v!, { scale: 1 / Math.sqrt(D), causal: true, segments: segments! });
      return { loss: y.mul(w!).sum() };
    });
}

function values(rows: Segment[][]): { inputs: Record<string, RefTensor>; params: Record<string, RefTensor> } {
  const x = () => randomTensor("f32", [B, H, L, D], rng);
  const seg = packSegments(rows, SLOTS);
  return {
    inputs: { q: x(), k: x(), v: x(), w: x(), positions: tensor("i32", [L], Array.from({ length: L }, (_, i) => i)), segments: tensor("i32", seg.shape, seg.data) },
    params: {
      wq: randomTensor("f32", [D], rng, { kind: "uniform", lo: 0.5, hi: 1.5 }), bq: randomTensor("f32", [D], rng, { kind: "normal", scale: 0.1 }),
      wk: randomTensor("f32", [D], rng, { kind: "uniform", lo: 0.5, hi: 1.5 }), bk: randomTensor("f32", [D], rng, { kind: "normal", scale: 0.1 }),
    },
  };
}

// PAD only here: a DEAD row's lse is −1e30, and finite differences of a loss holding it are noise.
const t2iRows = (): Segment[][] => Array.from({ length: B }, () => [{ kind: "pad", start: 0, end: randInt(rng, 1, 4) }, { kind: "span", start: 5, end: L }] as Segment[]);
const OPTS = { loss: "loss", wrt: ["wq", "bq", "wk", "bk"], inputsWrt: ["q", "k", "v"] };

test("the traced layer's gradients match finite differences on the reference", () => {
  const g = layer();
  const { inputs, params } = values(t2iRows());
  for (const e of gradErrors(g, OPTS, inputs, params)) {
    assert.ok(e.scale > 0, `${e.leaf} affects the loss`);
    assert.ok(e.error <= FD_TOL, `gradient of ${e.leaf}: relative error ${e.error.toExponential(2)} > ${FD_TOL} (TEST_SEED=${seed})`);
  }
});

test("compiled for WGSL, the training graph runs the forward attention once and the flash backward with transposed lists; it matches the reference", async (t) => {
  if (dev.skip) t.skip(dev.skip);
  const backward = grad(layer(), OPTS);
  const exe = await compile(backward, { target: "wgsl", device: dev.get() });
  try {
    const launches = exe.compiled.launches;
    const forward = launches.filter((l) => l.label.startsWith("attention_qknorm ") || l.label.startsWith("attention "));
    assert.equal(forward.length, 1, `one forward attention launch: ${launches.map((l) => l.label).join(" | ")}`);
    assert.match(forward[0]!.label, new RegExp(`\\[${B}, ${H}, ${L}, ${D + 1}\\]`), "the forward writes the packed output and lse");
    assert.equal(launches.filter((l) => l.kernel.name === "attention_grad_q_flash").length, 1);
    assert.equal(launches.filter((l) => l.kernel.name === "attention_grad_kv_flash").length, 1);
    const nodes = topoSort(exe.compiled.graph.outputs.map((o) => o.node));
    assert.ok(nodes.some((n) => n.op === "block_lists" && n.attrs["transpose"] === true), "block_lists{transpose: true}");
    for (let run = 0; run < 2; run++) {
      const { inputs, params } = values(t2iRows());
      exe.setParams(params);
      const got = await exe.run(inputs);
      const want = reference(backward, inputs, params);
      for (const [name, w] of Object.entries(want)) assertClose(got[name], w, 1e-3, `${name} (TEST_SEED=${seed})`);
    }
  } finally {
    exe.dispose();
  }
});
