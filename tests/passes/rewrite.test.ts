// The rewrite driver: root indexing, replacements rewritten in turn, the log and why-not reasons,
// loop and type guards, and graphs left intact.

import assert from "node:assert/strict";
import { test } from "vitest";
import { add, apply, constant, input, mul, neg, param, sub } from "../../compiler/ir/build.ts";
import type { Node } from "../../compiler/ir/graph.ts";
import { Graph } from "../../compiler/ir/graph.ts";
import type { NoMatchEvent, RewriteEvent, Rule } from "../../compiler/passes/rewrite.ts";
import { rewrite, rewriteNode } from "../../compiler/passes/rewrite.ts";
import { negNeg } from "../../compiler/passes/simplify.ts";
import { mulberry32, testSeed } from "../util/random.ts";
import { assertSameValues } from "./values.ts";

const seed = testSeed();
const rng = mulberry32(seed);

/** a − b → a + (−b): its replacement holds a new node that another rule can simplify. */
const subToAddNeg: Rule = { name: "sub-to-add-neg", root: "sub", apply: (n) => add(n.inputs[0]!, neg(n.inputs[1]!)) };

test("a rule's root limits the nodes it is shown", () => {
  const x = input("x", "f32", [4]);
  const y = add(mul(x, x), apply("exp", [mul(x, x)]));
  const seen: string[] = [];
  const spy: Rule = { name: "spy", root: ["mul", "exp"], apply: (n) => (seen.push(n.op), null) };
  const any: string[] = [];
  const spyAll: Rule = { name: "spy-all", apply: (n) => (any.push(n.op), null) };
  rewrite(new Graph("g", [x], [], [{ name: "y", node: y }]), [spy, spyAll]);
  assert.deepEqual(seen.sort(), ["exp", "mul"]); // mul(x, x) is one node, seen once
  assert.deepEqual(any.sort(), ["add", "exp", "mul"]); // declared leaves are never rewritten
});

test("a replacement is rewritten too, new nodes included", () => {
  const x = input("x", "f32", [3]), y = input("y", "f32", [3]);
  const g = new Graph("g", [x, y], [], [{ name: "z", node: mul(sub(x, neg(y)), x) }]);
  const log: RewriteEvent[] = [];
  const after = rewrite(g, [subToAddNeg, negNeg], { log: (e) => log.push(e) });
  assert.equal(after.output("z"), mul(add(x, y), x));
  assert.deepEqual(log.map((e) => e.rule), ["sub-to-add-neg", "neg-neg"]);
  assert.equal(log[0]!.before, sub(x, neg(y)));
  assert.equal(log[0]!.after, add(x, neg(neg(y))));
  assertSameValues(g, after, rng, 0, `TEST_SEED=${seed}`);
});

test("why-not reasons reach the observer", () => {
  const x = input("x", "f32", [2]);
  const picky: Rule = {
    name: "picky-exp",
    root: "exp",
    apply: (n) => (n.inputs[0]!.op === "log" ? n.inputs[0]!.inputs[0]! : { noMatch: `input is ${n.inputs[0]!.op}, not log` }),
  };
  const reasons: NoMatchEvent[] = [];
  const fired: string[] = [];
  const y = apply("exp", [apply("exp", [apply("log", [x])])]);
  const after = rewrite(new Graph("g", [x], [], [{ name: "y", node: y }]), [picky], {
    whyNot: (e) => reasons.push(e),
    log: (e) => fired.push(e.rule),
  });
  assert.equal(after.output("y"), apply("exp", [x]));
  assert.deepEqual(fired, ["picky-exp"]);
  assert.deepEqual(reasons.map((r) => [r.rule, r.reason]), [["picky-exp", "input is input, not log"]]);
  assert.equal(reasons[0]!.node, apply("exp", [x]));
});

test("rules that undo each other hit the step limit with a clear error", () => {
  const x = input("x", "f32", [2]), y = input("y", "f32", [2]);
  const swap: Rule = { name: "swap-add", root: "add", apply: (n) => add(n.inputs[1]!, n.inputs[0]!) };
  const g = new Graph("g", [x, y], [], [{ name: "z", node: add(x, y) }]);
  assert.throws(() => rewrite(g, [swap], { maxStepsPerNode: 50 }), /did not reach a fixed point on add .*after 50 steps.*swap-add, swap-add/);
});

test("a rule that keeps growing its own pattern is stopped", () => {
  const x = input("x", "f32", [2]);
  const grow: Rule = { name: "grow-neg", root: "neg", apply: (n) => neg(neg(n)) };
  const g = new Graph("g", [x], [], [{ name: "y", node: neg(x) }]);
  assert.throws(() => rewrite(g, [grow]), /nest more than 256 deep; rule 'grow-neg'/);
});

test("a rule that changes the type is refused", () => {
  const x = input("x", "f32", [2, 3]);
  const bad: Rule = { name: "bad-sum", root: "exp", apply: (n) => apply("sum", [n.inputs[0]!], { axes: [1], keepdims: false }) };
  const g = new Graph("g", [x], [], [{ name: "y", node: apply("exp", [x]) }]);
  assert.throws(() => rewrite(g, [bad]), /rule 'bad-sum' replaced exp of type f32\[2, 3\] with sum of type f32\[2\]/);
});

test("duplicate rule names are refused", () => {
  assert.throws(() => rewrite(new Graph("g", [], [], []), [negNeg, negNeg]), /rule 'neg-neg' appears twice/);
});

test("the input graph is untouched and declarations are kept", () => {
  const x = input("x", "f32", [3]), unused = input("unused", "i32", [1]), w = param("w", "f32", [3]);
  const out = mul(neg(neg(x)), w);
  const g = new Graph("g", [x, unused], [w], [{ name: "a", node: out }, { name: "b", node: neg(neg(w)) }]);
  const nodesBefore = [...g.nodes()];
  const after = rewrite(g, [negNeg]);
  assert.deepEqual(g.nodes(), nodesBefore);
  assert.equal(g.output("a"), out);
  assert.equal(out.inputs[0]!.op, "neg");
  assert.deepEqual(after.inputs, [x, unused]);
  assert.deepEqual(after.params, [w]);
  assert.equal(after.output("a"), mul(x, w));
  assert.equal(after.output("b"), w);
  assert.equal(after.name, "g");
  assertSameValues(g, after, rng);
});

test("rewriteNode rewrites one expression", () => {
  const x = input("x", "f32", [3]);
  const c = constant(2, "f32", [3]);
  const e: Node = sub(c, neg(x));
  assert.equal(rewriteNode(e, [subToAddNeg, negNeg]), add(c, x));
});
