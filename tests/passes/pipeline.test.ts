// The pass pipeline: running passes by name, dump-after, the tagged rewrite log, notes, and the
// built-in passes' options and errors.

import assert from "node:assert/strict";
import { test } from "vitest";
import { add, apply, constant, input, mul, neg, param } from "../../compiler/ir/build.ts";
import { Graph } from "../../compiler/ir/graph.ts";
import { print } from "../../compiler/ir/text.ts";
import type { PipelineEvent } from "../../compiler/passes/pipeline.ts";
import { passNames, registerPass, runPipeline } from "../../compiler/passes/pipeline.ts";
import { mulberry32, testSeed } from "../util/random.ts";
import { assertSameValues } from "./values.ts";

const seed = testSeed();
const rng = mulberry32(seed);

function small(): Graph {
  const x = input("x", "f32", [2, 3]);
  const w = param("w", "f32", [2, 3]);
  const y = mul(neg(neg(x)), add(w, constant(0, "f32", [2, 3])));
  const loss = apply("sum", [y], { axes: [0, 1], keepdims: false });
  return new Graph("small", [x], [w], [{ name: "y", node: y }, { name: "loss", node: loss }]);
}

test("the built-in passes are registered", () => {
  for (const p of ["verify", "cse", "dce", "simplify", "autodiff"]) assert.ok(passNames().includes(p), p);
});

test("passes run in order; dumps come after the named passes only", () => {
  const g = small();
  const dumps: [string, string][] = [];
  const out = runPipeline(g, ["verify", "simplify", "cse", "verify"], {
    dumpAfter: "simplify",
    dump: (pass, graph) => dumps.push([pass, print(graph)]),
  });
  assert.equal(dumps.length, 1);
  assert.equal(dumps[0]![0], "simplify");
  assert.equal(dumps[0]![1], print(out));
  assert.ok(!dumps[0]![1].includes("neg("), dumps[0]![1]);
  assertSameValues(g, out, rng, 0, `TEST_SEED=${seed}`);
});

test("dumpAfter takes a list, a comma-separated string, or all", () => {
  const names = (dumpAfter: string | string[]) => {
    const seen: string[] = [];
    runPipeline(small(), ["verify", "simplify", "dce"], { dumpAfter, dump: (p) => seen.push(p) });
    return seen;
  };
  assert.deepEqual(names(["verify", "dce"]), ["verify", "dce"]);
  assert.deepEqual(names("simplify, dce"), ["simplify", "dce"]);
  assert.deepEqual(names("all"), ["verify", "simplify", "dce"]);
  assert.throws(() => names("simplfy"), /unknown pass 'simplfy' \(this pipeline runs: verify, simplify, dce\)/);
  // A registered pass this pipeline does not run would dump nothing: refused too.
  assert.throws(() => names("cse"), /pass 'cse' is not in this pipeline \(this pipeline runs: verify, simplify, dce\)/);
});

test("an unknown pass is refused before any pass runs", () => {
  const ran: string[] = [];
  const name = `spy-${seed}`;
  registerPass(name, (g) => {
    ran.push(name);
    return g;
  });
  assert.throws(() => runPipeline(small(), [name, "nope"]), /unknown pass 'nope'/);
  assert.deepEqual(ran, []);
});

test("the rewrite log is tagged with its pass; notes report what passes did", () => {
  const log: PipelineEvent[] = [];
  const notes: string[] = [];
  runPipeline(small(), ["simplify", "cse", "dce"], { log: (e) => log.push(e), note: (p, m) => notes.push(`${p}: ${m}`) });
  assert.deepEqual(log.map((e) => `${e.pass}/${e.rule}`).sort(), ["simplify/add-zero", "simplify/neg-neg"]);
  assert.deepEqual(notes, ["cse: 0 nodes merged", "dce: 0 nodes removed"]);
});

test("autodiff takes the first float scalar output as the loss unless told", () => {
  const g = small();
  const out = runPipeline(g, ["autodiff", "simplify", "verify"]);
  assert.deepEqual(out.outputs.map((o) => o.name), ["y", "loss", "grad.w"]);
  const withX = runPipeline(g, [{ name: "autodiff", options: { loss: "loss", inputsWrt: ["x"], wrt: [] } }]);
  assert.deepEqual(withX.outputs.map((o) => o.name), ["y", "loss", "grad.x"]);
  const noScalar = new Graph("v", g.inputs, g.params, [{ name: "y", node: g.output("y") }]);
  assert.throws(() => runPipeline(noScalar, ["autodiff"]), /pass 'autodiff' failed on graph 'v': no float scalar output/);
  assert.throws(() => runPipeline(g, [{ name: "autodiff", options: { loss: "y" } }]), /loss 'y' must be a float scalar, got f32\[2, 3\]/);
});

test("verify failures name the pass", () => {
  const x = input("x", "f32", [2]);
  const undeclared = new Graph("bad", [], [], [{ name: "y", node: neg(x) }]);
  assert.throws(() => runPipeline(undeclared, ["verify"]), /pass 'verify' failed on graph 'bad'/);
});

test("custom passes register once and run by name", () => {
  const name = `rename-${seed}`;
  registerPass(name, (g, ctx) => {
    ctx.note(`renamed ${g.name}`);
    return new Graph(`${g.name}_${ctx.options["suffix"] as string}`, g.inputs, g.params, g.outputs);
  });
  assert.throws(() => registerPass(name, (g) => g), /registered twice/);
  const notes: string[] = [];
  const out = runPipeline(small(), [{ name, options: { suffix: "v2" } }], { note: (_p, m) => notes.push(m) });
  assert.equal(out.name, "small_v2");
  assert.deepEqual(notes, ["renamed small"]);
  assert.throws(() => runPipeline(small(), ["nope"]), /unknown pass 'nope' \(passes: .*simplify/);
});
