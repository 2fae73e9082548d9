// Each simplification rule fires where it should, leaves the graph's values unchanged (reference
// interpreter before and after, on fresh random inputs), and stays quiet where it should not.

import assert from "node:assert/strict";
import { test } from "vitest";
import { add, apply, constant, div, input, mul, neg, param, sub } from "../../compiler/ir/build.ts";
import type { Node } from "../../compiler/ir/graph.ts";
import { Graph } from "../../compiler/ir/graph.ts";
import type { RewriteEvent } from "../../compiler/passes/rewrite.ts";
import { cse, dce, simplify, simplifyRules } from "../../compiler/passes/simplify.ts";
import { mulberry32, testSeed } from "../util/random.ts";
import { assertSameValues } from "./values.ts";

const seed = testSeed();
const rng = mulberry32(seed);

const x34 = () => input("x", "f32", [3, 4]);
const reshape = (x: Node, shape: readonly number[]) => apply("reshape", [x], { shape: [...shape] });
const permute = (x: Node, perm: readonly number[]) => apply("permute", [x], { perm: [...perm] });
const broadcast = (x: Node, shape: readonly number[]) => apply("broadcast", [x], { shape: [...shape] });
const cast = (x: Node, to: string) => apply("cast", [x], { to });

interface Case {
  name: string;
  /** Rules that must appear in the log. */
  fires: string[];
  build: () => { out: Node; inputs: Node[]; params?: Node[] };
  /** What the output must become: a node, or a check. */
  expect: (out: Node, inputs: Node[]) => void;
}

const isX = (out: Node, inputs: Node[]) => assert.equal(out, inputs[0]);

const cases: Case[] = [
  {
    name: "fold exp of a constant, then keep the multiply",
    fires: ["fold-elementwise"],
    build: () => {
      const x = x34();
      return { out: mul(x, apply("exp", [constant(2, "f32", [3, 4])])), inputs: [x] };
    },
    expect: (out) => {
      assert.equal(out.op, "mul");
      assert.equal(out.inputs[1]!.op, "constant");
      assert.equal(out.inputs[1]!.attrs["value"], Math.exp(2));
    },
  },
  {
    name: "fold integer arithmetic and a comparison",
    fires: ["fold-elementwise"],
    build: () => {
      const n = input("n", "i32", [5]);
      const c = apply("where", [apply("lt", [constant(2, "i32", [5]), constant(3, "i32", [5])]), constant(7, "i32", [5]), constant(1, "i32", [5])]);
      return { out: add(n, mul(c, constant(-3, "i32", [5]))), inputs: [n] };
    },
    expect: (out) => {
      assert.equal(out.op, "add");
      assert.equal(out.inputs[1]!.op, "constant");
      assert.equal(out.inputs[1]!.attrs["value"], -21);
    },
  },
  {
    name: "cast of a constant is a constant (truncating to i32)",
    fires: ["fold-elementwise"],
    build: () => {
      const n = input("n", "i32", [4]);
      return { out: add(n, cast(constant(-2.7, "f32", [4]), "i32")), inputs: [n] };
    },
    expect: (out) => assert.equal(out.inputs[1]!.attrs["value"], -2),
  },
  { name: "x + 0", fires: ["add-zero"], build: () => { const x = x34(); return { out: add(x, constant(0, "f32", [3, 4])), inputs: [x] }; }, expect: isX },
  { name: "0 + x", fires: ["add-zero"], build: () => { const x = x34(); return { out: add(constant(0, "f32", [3, 4]), x), inputs: [x] }; }, expect: isX },
  { name: "x - 0", fires: ["sub-zero"], build: () => { const x = x34(); return { out: sub(x, constant(0, "f32", [3, 4])), inputs: [x] }; }, expect: isX },
  { name: "x * 1", fires: ["mul-one"], build: () => { const x = x34(); return { out: mul(x, constant(1, "f32", [3, 4])), inputs: [x] }; }, expect: isX },
  { name: "1 * x", fires: ["mul-one"], build: () => { const x = x34(); return { out: mul(constant(1, "f32", [3, 4]), x), inputs: [x] }; }, expect: isX },
  { name: "x / 1", fires: ["div-one"], build: () => { const x = x34(); return { out: div(x, constant(1, "f32", [3, 4])), inputs: [x] }; }, expect: isX },
  {
    name: "x + broadcast(0): the broadcast folds to a constant, then the identity applies",
    fires: ["broadcast-constant", "add-zero"],
    build: () => { const x = x34(); return { out: add(x, broadcast(constant(0, "f32"), [3, 4])), inputs: [x] }; },
    expect: isX,
  },
  { name: "neg(neg x)", fires: ["neg-neg"], build: () => { const x = x34(); return { out: neg(neg(x)), inputs: [x] }; }, expect: isX },
  { name: "reshape to the same shape", fires: ["reshape-same"], build: () => { const x = x34(); return { out: reshape(x, [3, 4]), inputs: [x] }; }, expect: isX },
  {
    name: "reshape of a reshape",
    fires: ["reshape-reshape"],
    build: () => { const x = x34(); return { out: reshape(reshape(x, [12]), [2, 6]), inputs: [x] }; },
    expect: (out, [x]) => assert.equal(out, reshape(x!, [2, 6])),
  },
  {
    name: "reshape there and back",
    fires: ["reshape-reshape", "reshape-same"],
    build: () => { const x = x34(); return { out: reshape(reshape(x, [2, 6]), [3, 4]), inputs: [x] }; },
    expect: isX,
  },
  { name: "identity permute", fires: ["permute-identity"], build: () => { const x = x34(); return { out: permute(x, [0, 1]), inputs: [x] }; }, expect: isX },
  {
    name: "permute of a permute composes",
    fires: ["permute-permute"],
    build: () => { const x = input("x", "f32", [2, 3, 4]); return { out: permute(permute(x, [1, 0, 2]), [2, 0, 1]), inputs: [x] }; },
    expect: (out, [x]) => assert.equal(out, permute(x!, [2, 1, 0])),
  },
  {
    name: "permute and its inverse cancel",
    fires: ["permute-permute", "permute-identity"],
    build: () => { const x = input("x", "f32", [2, 3, 4]); return { out: permute(permute(x, [2, 0, 1]), [1, 2, 0]), inputs: [x] }; },
    expect: isX,
  },
  { name: "broadcast to the same shape", fires: ["broadcast-same"], build: () => { const x = x34(); return { out: broadcast(x, [3, 4]), inputs: [x] }; }, expect: isX },
  {
    name: "broadcast of a splat constant",
    fires: ["broadcast-constant"],
    build: () => { const x = x34(); return { out: mul(x, broadcast(constant(2.5, "f32", [4]), [3, 4])), inputs: [x] }; },
    expect: (out, [x]) => assert.equal(out, mul(x!, constant(2.5, "f32", [3, 4]))),
  },
  {
    name: "broadcast of a broadcast",
    fires: ["broadcast-broadcast"],
    build: () => { const x = input("x", "f32", [4]); return { out: broadcast(broadcast(x, [3, 4]), [2, 3, 4]), inputs: [x] }; },
    expect: (out, [x]) => assert.equal(out, broadcast(x!, [2, 3, 4])),
  },
  { name: "cast to the same dtype", fires: ["cast-same"], build: () => { const x = x34(); return { out: cast(x, "f32"), inputs: [x] }; }, expect: isX },
  {
    name: "sum over no axes",
    fires: ["reduce-no-axes"],
    build: () => { const x = x34(); return { out: apply("sum", [x], { axes: [], keepdims: false }), inputs: [x] }; },
    expect: isX,
  },
  {
    name: "a chain of rules on params and inputs together",
    fires: ["mul-one", "neg-neg", "reshape-reshape", "reshape-same", "add-zero"],
    build: () => {
      const x = x34(), w = param("w", "f32", [3, 4]);
      const y = mul(neg(neg(reshape(reshape(x, [4, 3]), [3, 4]))), constant(1, "f32", [3, 4]));
      return { out: add(mul(y, w), constant(0, "f32", [3, 4])), inputs: [x], params: [w] };
    },
    expect: (out, [x]) => {
      assert.equal(out.op, "mul");
      assert.equal(out.inputs[0], x);
    },
  },
];

for (const c of cases) {
  test(`simplify: ${c.name}`, () => {
    const { out, inputs, params = [] } = c.build();
    const before = new Graph("g", inputs, params, [{ name: "y", node: out }]);
    const log: RewriteEvent[] = [];
    const after = simplify(before, { log: (e) => log.push(e) });
    const fired = log.map((e) => e.rule);
    for (const r of c.fires) assert.ok(fired.includes(r), `${r} did not fire (fired: ${fired.join(", ") || "nothing"})`);
    c.expect(after.output("y"), inputs);
    assertSameValues(before, after, rng, 0, `TEST_SEED=${seed}`);
    // A fixed point: simplifying again changes nothing.
    const again: string[] = [];
    assert.equal(simplify(after, { log: (e) => again.push(e.rule) }).output("y"), after.output("y"));
    assert.deepEqual(again, []);
  });
}

test("every rule of the simplify set is exercised by a case above", () => {
  const covered = new Set(cases.flatMap((c) => c.fires));
  const missing = simplifyRules.map((r) => r.name).filter((n) => !covered.has(n));
  assert.deepEqual(missing, []);
});

test("rules stay quiet where they do not apply", () => {
  const x = x34();
  const outs = [
    add(x, constant(1, "f32", [3, 4])),
    mul(x, constant(0, "f32", [3, 4])), // x·0 is not 0 for NaN and ±inf: not a rule
    sub(constant(0, "f32", [3, 4]), x),
    div(constant(1, "f32", [3, 4]), x),
    reshape(x, [4, 3]),
    permute(x, [1, 0]),
    broadcast(x, [2, 3, 4]),
    cast(x, "f16"),
    neg(x),
    apply("sum", [x], { axes: [1], keepdims: false }),
  ];
  const g = new Graph("quiet", [x], [], outs.map((node, i) => ({ name: `y${i}`, node })));
  const log: string[] = [];
  const after = simplify(g, { log: (e) => log.push(e.rule) });
  assert.deepEqual(log, []);
  after.outputs.forEach((o, i) => assert.equal(o.node, outs[i]));
});

test("the fixed point terminates on deep chains", () => {
  const x = x34();
  // neg^2001(x): interning makes neg(neg(x)) one node, so the rule fires once and every other
  // level is found already rewritten.
  let y: Node = x;
  for (let i = 0; i < 2001; i++) y = neg(y);
  const log: string[] = [];
  const after = simplify(new Graph("deep", [x], [], [{ name: "y", node: y }]), { log: (e) => log.push(e.rule) });
  assert.equal(after.output("y"), neg(x));
  assert.deepEqual(log, ["neg-neg"]);
  // sin(neg(neg(·))) nested 3000 deep: every level is distinct and fires once.
  let z: Node = x, want: Node = x;
  for (let i = 0; i < 3000; i++) {
    z = apply("sin", [neg(neg(z))]);
    want = apply("sin", [want]);
  }
  const log2: string[] = [];
  const g = new Graph("deep2", [x], [], [{ name: "z", node: z }]);
  const after2 = simplify(g, { log: (e) => log2.push(e.rule) });
  assert.equal(after2.output("z"), want);
  assert.equal(log2.length, 3000);
  assertSameValues(g, after2, rng);
});

test("the log records before and after of every firing", () => {
  const x = x34();
  const inner = reshape(x, [12]);
  const outer = reshape(inner, [3, 4]);
  const log: RewriteEvent[] = [];
  simplify(new Graph("log", [x], [], [{ name: "y", node: outer }]), { log: (e) => log.push(e) });
  assert.deepEqual(log.map((e) => e.rule), ["reshape-reshape", "reshape-same"]);
  assert.equal(log[0]!.before, outer);
  assert.equal(log[0]!.after, reshape(x, [3, 4]));
  assert.equal(log[1]!.before, reshape(x, [3, 4]));
  assert.equal(log[1]!.after, x);
});

test("cse: nodes that become identical after a rewrite merge into one", () => {
  const x = x34(), w = param("w", "f32", [3, 4]);
  const a = apply("tanh", [mul(x, w)]);
  const b = apply("tanh", [mul(x, mul(w, constant(1, "f32", [3, 4])))]);
  assert.notEqual(a, b);
  const g = new Graph("cse", [x], [w], [{ name: "a", node: a }, { name: "b", node: b }]);
  const after = simplify(g);
  assert.equal(after.output("a"), after.output("b"));
  assert.ok(after.nodes().length < g.nodes().length);
  assertSameValues(g, after, rng);
  // On its own, cse rebuilds through interning: an already-interned graph keeps its nodes.
  const same = cse(g);
  assert.deepEqual(same.nodes(), g.nodes());
});

test("dce keeps what the outputs reach plus declared leaves, and counts what it dropped", () => {
  const x = x34(), unusedInput = input("unused", "f32", [2]);
  const y = apply("exp", [x]);
  const dead = [apply("sin", [x]), apply("cos", [apply("sin", [x])])];
  const g = new Graph("dce", [x, unusedInput], [], [{ name: "y", node: y }]);
  const { graph, removed } = dce(g, [...g.nodes(), ...dead]);
  assert.deepEqual(removed, dead);
  assert.deepEqual(graph.inputs, [x, unusedInput]);
  assert.deepEqual(graph.nodes(), [x, unusedInput, y]);
  assert.deepEqual(dce(g).removed, []);
});
