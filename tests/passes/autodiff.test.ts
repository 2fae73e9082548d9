// The autodiff pass on small graphs, against central finite differences on the reference
// interpreter (float64 arithmetic, h = 1e-6, relative tolerance 1e-5 on the max-norm), on fresh
// random inputs each run (repeat a failure with TEST_SEED=<seed>).

import assert from "node:assert/strict";
import { test } from "vitest";
import { run } from "../../backends/reference/interpreter.ts";
import { add, apply, constant, input, mul, param } from "../../compiler/ir/build.ts";
import type { Node } from "../../compiler/ir/graph.ts";
import { Graph } from "../../compiler/ir/graph.ts";
import { verify } from "../../compiler/ir/verify.ts";
import { grad, vjpGraph } from "../../compiler/passes/autodiff.ts";
import { runPipeline } from "../../compiler/passes/pipeline.ts";
import { mulberry32, randInt, randomTensor, testSeed } from "../util/random.ts";
import type { Values } from "./fd.ts";
import { FD_TOL, gradErrors } from "./fd.ts";

const seed = testSeed();
const rng = mulberry32(seed);
const SEED = `TEST_SEED=${seed}`;

const sumAll = (x: Node): Node => apply("sum", [x], { axes: x.shape.map((_, i) => i), keepdims: false });
const bcast = (x: Node, shape: readonly (number | string)[]): Node => apply("broadcast", [x], { shape: [...shape] });
const un = (op: string, x: Node): Node => apply(op, [x]);
const f32 = (shape: readonly number[]) => randomTensor("f32", shape, rng);

function assertGradsMatch(graph: Graph, opts: Parameters<typeof grad>[1], inputs: Values, params: Values): void {
  const errs = gradErrors(graph, opts, inputs, params);
  assert.ok(errs.length > 0, "nothing was checked");
  for (const e of errs) assert.ok(e.error <= FD_TOL, `grad.${e.leaf}: relative error ${e.error.toExponential(2)} > ${FD_TOL} (${SEED})`);
}

// shapes: x [N, D], labels [N], target [N, V]; ln [D]; fc1 [D, H]; fc2 [H, V]
function mlp(N = 4, D = 6, H = 8, V = 5) {
  const x = input("x", "f32", [N, D]);
  const labels = input("labels", "i32", [N]);
  const target = input("target", "f32", [N, V]);
  const lnw = param("ln.weight", "f32", [D]), lnb = param("ln.bias", "f32", [D]);
  const w1 = param("fc1.weight", "f32", [D, H]), b1 = param("fc1.bias", "f32", [H]);
  const w2 = param("fc2.weight", "f32", [H, V]), b2 = param("fc2.bias", "f32", [V]);
  const h0 = apply("layer_norm", [x, lnw, lnb]);
  const h1 = apply("gelu", [add(apply("matmul", [h0, w1]), bcast(b1, [N, H]))], { approximate: "tanh" });
  const logits = add(apply("matmul", [h1, w2]), bcast(b2, [N, V]));
  const ce = apply("cross_entropy", [logits, labels]);
  const aux = sumAll(mul(apply("softmax", [logits], { axis: 1 }), target));
  const loss = add(ce, mul(aux, constant(0.5, "f32")));
  const graph = new Graph("mlp", [x, labels, target], [lnw, lnb, w1, b1, w2, b2], [{ name: "loss", node: loss }, { name: "logits", node: logits }]);
  const inputs: Values = {
    x: f32([N, D]),
    labels: randomTensor("i32", [N], rng, { kind: "int", lo: 0, hi: V }),
    target: f32([N, V]),
  };
  const params: Values = {
    "ln.weight": randomTensor("f32", [D], rng, { kind: "uniform", lo: 0.5, hi: 1.5 }),
    "ln.bias": f32([D]),
    "fc1.weight": randomTensor("f32", [D, H], rng, { kind: "normal", scale: 0.5 }),
    "fc1.bias": f32([H]),
    "fc2.weight": randomTensor("f32", [H, V], rng, { kind: "normal", scale: 0.5 }),
    "fc2.bias": f32([V]),
  };
  return { graph, inputs, params };
}

test("MLP with layer_norm, gelu, matmul, softmax and cross_entropy: gradients of every param and of x", () => {
  const { graph, inputs, params } = mlp();
  assertGradsMatch(graph, { loss: "loss", inputsWrt: ["x", "target"] }, inputs, params);
});

test("grad keeps the original outputs and adds grad.<name> outputs that verify", () => {
  const { graph, inputs, params } = mlp();
  const g = grad(graph, { loss: "loss" });
  verify(g);
  assert.deepEqual(g.outputs.map((o) => o.name), ["loss", "logits", "grad.ln.weight", "grad.ln.bias", "grad.fc1.weight", "grad.fc1.bias", "grad.fc2.weight", "grad.fc2.bias"]);
  const before = run(graph, inputs, params), after = run(g, inputs, params);
  assert.deepEqual(after["loss"]!.data, before["loss"]!.data);
  assert.deepEqual(after["logits"]!.data, before["logits"]!.data);
  for (const p of graph.params) {
    const gp = g.output(`grad.${p.attrs["name"] as string}`);
    assert.equal(gp.dtype, p.dtype);
    assert.deepEqual(gp.shape, p.shape);
  }
});

test("fan-out: one value used several times, including twice by one op", () => {
  const x = input("x", "f32", [3, 4]);
  const w = param("w", "f32", [3, 4]);
  // y = x·x + exp(x)·w + sin(x·w): x feeds five uses, w three
  const y = add(add(mul(x, x), mul(un("exp", x), w)), un("sin", mul(x, w)));
  const loss = sumAll(mul(y, w));
  const graph = new Graph("fanout", [x], [w], [{ name: "loss", node: loss }]);
  assertGradsMatch(graph, { loss: "loss", inputsWrt: ["x"] }, { x: f32([3, 4]) }, { w: f32([3, 4]) });
});

test("shared subexpressions: one tanh(W·x) feeding two branches", () => {
  const x = input("x", "f32", [5, 3]);
  const w = param("w", "f32", [3, 4]);
  const s = un("tanh", apply("matmul", [x, w]));
  const s2 = un("tanh", apply("matmul", [x, w])); // interned: the same node as s
  assert.equal(s, s2);
  const loss = add(sumAll(mul(s, s)), sumAll(un("sigmoid", s2)));
  const graph = new Graph("shared", [x], [w], [{ name: "loss", node: loss }]);
  assertGradsMatch(graph, { loss: "loss", inputsWrt: ["x"] }, { x: f32([5, 3]) }, { w: f32([3, 4]) });
});

test("unused params get a zero gradient of their own type", () => {
  const x = input("x", "f32", [2, 3]);
  const w = param("w", "f32", [2, 3]);
  const unused = param("unused", "f32", [4, 1]);
  const other = param("other", "f32", [2, 3]); // used by another output, not by the loss
  const loss = sumAll(mul(x, w));
  const graph = new Graph("unused", [x], [w, unused, other], [{ name: "loss", node: loss }, { name: "y", node: mul(x, other) }]);
  const g = grad(graph, { loss: "loss" });
  const out = run(g, { x: f32([2, 3]) }, { w: f32([2, 3]), unused: f32([4, 1]), other: f32([2, 3]) });
  assert.deepEqual(out["grad.unused"]!.shape, [4, 1]);
  assert.ok(out["grad.unused"]!.data.every((v) => v === 0));
  assert.ok(out["grad.other"]!.data.every((v) => v === 0));
  assert.equal(g.output("grad.unused").op, "constant");
  assertGradsMatch(graph, { loss: "loss" }, { x: f32([2, 3]) }, { w: f32([2, 3]), unused: f32([4, 1]), other: f32([2, 3]) });
});

test("no gradient flows through integer values (argmax indexes a table)", () => {
  const p = param("p", "f32", [4, 6]);
  const table = param("table", "f32", [6, 3]);
  const idx = apply("argmax", [p], { axis: 1 }); // i32 [4]
  const rows = apply("gather", [table, idx], { axis: 0 }); // [4, 3]
  const loss = add(sumAll(mul(rows, rows)), sumAll(un("exp", p)));
  const graph = new Graph("intpath", [], [p, table], [{ name: "loss", node: loss }]);
  assertGradsMatch(graph, { loss: "loss" }, {}, { p: f32([4, 6]), table: f32([6, 3]) });
});

test("only nodes on a path from a differentiated leaf get a VJP", () => {
  const x = input("x", "f32", [3]);
  const w = param("w", "f32", [3]);
  // tanh's VJP would build 1 − y² (a `sub`); x is not differentiated, so none is built.
  const loss = sumAll(mul(un("tanh", x), w));
  const g = grad(new Graph("paths", [x], [w], [{ name: "loss", node: loss }]), { loss: "loss" });
  assert.ok(!g.nodes().some((n) => n.op === "sub"), "a VJP was built for a node that no leaf reaches");
  const gx = grad(new Graph("paths", [x], [w], [{ name: "loss", node: loss }]), { loss: "loss", inputsWrt: ["x"] });
  assert.ok(gx.nodes().some((n) => n.op === "sub"));
});

test("wrt selects params; inputsWrt adds inputs", () => {
  const { graph, inputs, params } = mlp(3, 4, 5, 3);
  const g = grad(graph, { loss: "loss", wrt: ["fc2.weight"], inputsWrt: ["x"] });
  assert.deepEqual(g.outputs.map((o) => o.name), ["loss", "logits", "grad.fc2.weight", "grad.x"]);
  assertGradsMatch(graph, { loss: "loss", wrt: ["fc2.weight", "ln.bias"] }, inputs, params);
});

test("a non-scalar loss is refused with its shape named", () => {
  const { graph } = mlp(4, 6, 8, 5);
  assert.throws(() => grad(graph, { loss: "logits" }), /loss 'logits' must be a float scalar, got f32\[4, 5\]/);
});

test("bad wrt names and integer leaves are refused", () => {
  const { graph } = mlp();
  assert.throws(() => grad(graph, { loss: "loss", wrt: ["nope"] }), /no param 'nope'.*fc1\.weight/);
  assert.throws(() => grad(graph, { loss: "loss", inputsWrt: ["labels"] }), /input 'labels' has dtype i32/);
  assert.throws(() => grad(graph, { loss: "nope" }), /no output 'nope'/);
});

test("vjpGraph: the cotangent of a non-scalar output is a new input", () => {
  const M = randInt(rng, 2, 5), K = randInt(rng, 2, 5), N = randInt(rng, 2, 5);
  const x = input("x", "f32", [M, K]);
  const w = param("w", "f32", [K, N]);
  const y = apply("matmul", [x, w]);
  const graph = new Graph("linear", [x], [w], [{ name: "y", node: y }]);
  const g = vjpGraph(graph, { output: "y", inputsWrt: ["x"] });
  verify(g);
  assert.deepEqual(g.inputs.map((n) => n.attrs["name"]), ["x", "grad_output.y"]);
  const xs = f32([M, K]), ws = f32([K, N]), ct = f32([M, N]);
  const out = run(g, { x: xs, "grad_output.y": ct }, { w: ws });
  // dW = xᵀ·ct, dx = ct·wᵀ, by hand
  for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) {
    let s = 0;
    for (let m = 0; m < M; m++) s += xs.data[m * K + k]! * ct.data[m * N + n]!;
    assert.ok(Math.abs(out["grad.w"]!.data[k * N + n]! - s) <= 1e-12 * (1 + Math.abs(s)), SEED);
  }
  for (let m = 0; m < M; m++) for (let k = 0; k < K; k++) {
    let s = 0;
    for (let n = 0; n < N; n++) s += ct.data[m * N + n]! * ws.data[k * N + n]!;
    assert.ok(Math.abs(out["grad.x"]!.data[m * K + k]! - s) <= 1e-12 * (1 + Math.abs(s)), SEED);
  }
});

test("the autodiff pass in a pipeline, with simplify around it", () => {
  const { graph, inputs, params } = mlp();
  const fired: string[] = [];
  const g = runPipeline(graph, ["verify", "simplify", { name: "autodiff", options: { inputsWrt: ["x"] } }, "simplify", "cse", "dce", "verify"], {
    log: (e) => fired.push(`${e.pass}:${e.rule}`),
  });
  const direct = run(grad(graph, { loss: "loss", inputsWrt: ["x"] }), inputs, params);
  const piped = run(g, inputs, params);
  for (const name of ["loss", "grad.x", "grad.fc1.weight", "grad.ln.weight"]) {
    const a = piped[name]!.data, b = direct[name]!.data;
    assert.equal(a.length, b.length);
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) <= 1e-12 * (1 + Math.abs(b[i]!)), `${name}[${i}]: ${v} vs ${b[i]} (${SEED})`));
  }
  assert.ok(fired.every((f) => f.startsWith("simplify:")), fired.join(", "));
});

test("stop_gradient: the straight-through z + sg(q − z) passes ∂/∂z through, survives the passes before autodiff, and lowers to nothing", () => {
  const w = param("w", "f32", [5]);
  const z = un("tanh", w);
  const q = un("sign", z);
  const st = add(z, un("stop_gradient", apply("sub", [q, z]))); // forward: q; backward: identity to z
  const c = input("c", "f32", [5]);
  const loss = add(sumAll(mul(st, c)), sumAll(mul(un("stop_gradient", z), z))); // second term: ∂ = z, not 2z
  const graph = new Graph("sg", [c], [w], [{ name: "loss", node: loss }]);
  const wv = f32([5]), cv = f32([5]);
  const piped = runPipeline(graph, ["verify", "simplify", "cse", "dce", { name: "autodiff", options: { loss: "loss" } }, "simplify", "verify"]);
  assert.ok(piped.nodes().some((n) => n.op === "stop_gradient"), "a pass before autodiff removed stop_gradient");
  const out = run(piped, { c: cv }, { w: wv });
  let want = 0;
  wv.data.forEach((v, i) => {
    const t = Math.tanh(v);
    want += Math.sign(t) * cv.data[i]! + t * t;
    const dw = (cv.data[i]! + t) * (1 - t * t);
    assert.ok(Math.abs(out["grad.w"]!.data[i]! - dw) <= 1e-12 * (1 + Math.abs(dw)), `grad.w[${i}]: ${out["grad.w"]!.data[i]} vs ${dw} (${SEED})`);
  });
  assert.ok(Math.abs(out["loss"]!.data[0]! - want) <= 1e-12 * (1 + Math.abs(want)));
  const lowered = runPipeline(piped, ["lower-composites"]);
  assert.ok(!lowered.nodes().some((n) => n.op === "stop_gradient"), "lower-composites kept stop_gradient");
});
