// The verifier: well-formed graphs pass; each kind of malformed graph fails with a message that
// names the graph, the offending node or name, and what was expected.

import assert from "node:assert/strict";
import { test } from "vitest";
import { apply, input, param } from "../../compiler/ir/build.ts";
import type { GraphOutput, Node } from "../../compiler/ir/graph.ts";
import { Graph, makeNode } from "../../compiler/ir/graph.ts";
import { parseModule } from "../../compiler/ir/parse.ts";
import { VerifyError, verify } from "../../compiler/ir/verify.ts";
import { readFileSync, readdirSync } from "node:fs";

const x = input("x", "f32", [3, 5]);
const w = param("w", "f32", [3, 5]);
const out = (node: Node, name = "y"): GraphOutput[] => [{ name, node }];

function fails(g: Graph, message: RegExp): void {
  assert.throws(() => verify(g), (e: unknown) => {
    assert.ok(e instanceof VerifyError, `not a VerifyError: ${String(e)}`);
    assert.match(e.message, message);
    assert.equal(e.graph, g.name);
    return true;
  });
}

test("well-formed graphs verify and return nothing", () => {
  const y = apply("add", [apply("mul", [x, w]), x]);
  assert.equal(verify(new Graph("ok", [x], [w], [...out(y), { name: "z", node: w }])), undefined);
  // Declared but unused leaves are allowed (an input the caller feeds but this graph ignores).
  assert.equal(verify(new Graph("unused", [x, input("t", "i32", [])], [], out(x))), undefined);
  for (const f of readdirSync(new URL("./cases/", import.meta.url)).filter((n) => n.endsWith(".ir"))) {
    for (const g of parseModule(readFileSync(new URL(`./cases/${f}`, import.meta.url), "utf8"), f)) verify(g);
  }
});

test("an undeclared input or param used by an output is named", () => {
  fails(new Graph("g", [], [w], out(apply("add", [x, w]), "sum")), /^graph 'g': input 'x' is used by output 'sum' but not declared as a graph input$/);
  fails(new Graph("g", [x], [], out(apply("add", [x, w]))), /param 'w' is used by output 'y' but not declared as a graph param$/);
});

test("duplicate input, param and output names", () => {
  const x2 = input("x", "f32", [4]);
  fails(new Graph("g", [x, x2], [], out(x)), /input 'x' is declared twice \(already an input\)/);
  fails(new Graph("g", [x], [param("x", "f32", [2])], out(x)), /param 'x' is declared twice \(already an input\)/);
  fails(new Graph("g", [x], [], [{ name: "y", node: x }, { name: "y", node: apply("neg", [x]) }]), /output 'y' is returned twice/);
});

test("declared leaves must be leaves of the right kind", () => {
  fails(new Graph("g", [w], [], out(w)), /declared input is a 'param' node/);
  fails(new Graph("g", [apply("neg", [x])], [], out(x)), /declared input is a 'neg' node/);
});

test("names must be valid", () => {
  fails(new Graph("my graph", [x], [], out(x)), /graph name "my graph" must match/);
  fails(new Graph("g", [x], [], out(x, "out 1")), /output name "out 1" must match/);
  const bad = makeNode("input", [], { name: "1x", dtype: "f32", shape: [2] }, "f32", [2]);
  fails(new Graph("g", [bad], [], out(bad)), /input name "1x" must match/);
});

test("a node whose type disagrees with the op table is reported with both types", () => {
  const wrongShape = makeNode("mul", [x, x], {}, "f32", [5, 3]);
  fails(new Graph("g", [x], [], out(wrongShape)), /^graph 'g': %0 = mul\(%x, %x\) : f32\[5, 3\]: has type f32\[5, 3\] but mul infers f32\[3, 5\]$/);
  const wrongDtype = makeNode("lt", [x, x], {}, "f32", [3, 5]);
  fails(new Graph("g", [x], [], out(apply("neg", [wrongDtype]))), /%0 = lt\(%x, %x\) : f32\[3, 5\]: has type f32\[3, 5\] but lt infers bool\[3, 5\]/);
});

test("attributes are checked against the op's schema", () => {
  fails(new Graph("g", [x], [], out(makeNode("cast", [x], {}, "f16", [3, 5]))), /%0 = cast\(%x\) : f16\[3, 5\]: missing attribute 'to'/);
  fails(new Graph("g", [x], [], out(makeNode("neg", [x], { alpha: 1 }, "f32", [3, 5]))), /unknown attribute 'alpha'/);
  fails(new Graph("g", [x], [], out(makeNode("cast", [x], { to: "f64" }, "f16", [3, 5]))), /attribute 'to' must be a dtype name, got "f64"/);
  // A default left out: the node differs from what apply builds, so CSE would miss it.
  fails(new Graph("g", [x], [], out(makeNode("sum", [x], { axes: [1] }, "f32", [3]))), /attribute 'keepdims' missing/);
});

test("unknown ops and wrong arity", () => {
  fails(new Graph("g", [x], [], out(makeNode("frobnicate", [x], {}, "f32", [3, 5]))), /%0 = frobnicate\(%x\) : f32\[3, 5\]: unknown op 'frobnicate'/);
  fails(new Graph("g", [x], [], out(makeNode("neg", [x, x], {}, "f32", [3, 5]))), /takes 1 input, got 2/);
});

test("every registered model's graph verifies and round-trips through the text form under its own name", async () => {
  const { MODELS } = await import("../../models/index.ts");
  const { print } = await import("../../compiler/ir/text.ts");
  for (const [name, entry] of Object.entries(MODELS)) {
    const g = entry.build({}).graph;
    verify(g);
    const text = print(g);
    const [back] = parseModule(text, name);
    verify(back!);
    assert.equal(print(back!), text, `${name}: print∘parse changed the text`);
  }
});
