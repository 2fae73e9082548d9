// Reduce, movement and index ops: every example runs on the reference interpreter, every VJP
// matches central differences, a few results are checked against plain index loops written here,
// and the shape rules reject bad inputs with messages that name the shapes and axes.

import assert from "node:assert/strict";
import { test } from "vitest";
import { run, evalNode } from "../../backends/reference/interpreter.ts";
import { apply, input } from "../../compiler/ir/build.ts";
import type { Attrs, Node } from "../../compiler/ir/graph.ts";
import { Graph } from "../../compiler/ir/graph.ts";
import { getOp } from "../../compiler/ir/ops.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { offset, tensor } from "../../compiler/ir/ref.ts";
import { isFloat } from "../../compiler/ir/types.ts";
import { checkOpGradients, gradTol } from "../util/gradcheck.ts";
import type { Rng } from "../util/random.ts";
import { mulberry32, randInt, randomInputFor, randomTensor, testSeed } from "../util/random.ts";

const OPS = [
  "sum", "max", "min", "mean", "argmax",
  "reshape", "permute", "broadcast", "slice", "concat", "pad",
  "iota", "gather", "scatter_add", "dynamic_slice", "update_slice",
];

const SEED = testSeed();
const seeded = (salt: number): Rng => mulberry32((SEED ^ Math.imul(salt + 1, 0x9e3779b1)) >>> 0);
const why = (msg: string) => `${msg} (TEST_SEED=${SEED})`;

/** Run op(inputs){attrs} through the interpreter as a one-node graph. */
function evalOp(op: string, values: readonly RefTensor[], attrs: Attrs): RefTensor {
  const nodes = values.map((v, i) => input(`x${i}`, v.dtype, v.shape));
  const out = apply(op, nodes, attrs);
  const inputs = Object.fromEntries(values.map((v, i) => [`x${i}`, v]));
  return run(new Graph(op, nodes, [], [{ name: "out", node: out }]), inputs)["out"]!;
}

function forEachIndex(shape: readonly number[], f: (idx: number[]) => void): void {
  const n = shape.reduce((p, d) => p * d, 1);
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    f([...idx]);
    for (let a = shape.length - 1; a >= 0; a--) {
      if (++idx[a]! < shape[a]!) break;
      idx[a] = 0;
    }
  }
}
const at = (t: RefTensor, idx: readonly number[]) => t.data[offset(t.shape, idx)]!;

function assertClose(actual: RefTensor, expected: RefTensor, tol = 1e-12, what = "result"): void {
  assert.deepEqual(actual.shape, expected.shape, why(`${what}: shape`));
  for (let i = 0; i < expected.data.length; i++) {
    const a = actual.data[i]!, e = expected.data[i]!;
    assert.ok(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)), why(`${what}: element ${i} is ${a}, expected ${e}`));
  }
}

// ---------------------------------------------------------------------------------------------
// Table-driven: every example evaluates, and its VJP matches finite differences.

OPS.forEach((name, opIndex) => {
  const def = getOp(name);

  test(`${name}: examples evaluate on the reference interpreter`, () => {
    const rng = seeded(opIndex);
    def.examples().forEach((ex, k) => {
      const values = ex.inputs.map((x) => randomInputFor(x, rng));
      for (const [i, v] of values.entries()) {
        if (isFloat(v.dtype) && v.data.length > 0) assert.ok(v.data.some((x) => x !== 0), why(`${name} example ${k} input ${i} is all zero`));
      }
      const node = apply(name, values.map((v, i) => input(`x${i}`, v.dtype, v.shape)), ex.attrs);
      const out = evalOp(name, values, ex.attrs);
      assert.equal(out.dtype, node.dtype);
      assert.deepEqual(out.shape, node.shape, `${name} example ${k}`);
      assert.ok(out.data.every(Number.isFinite), why(`${name} example ${k} produced a non-finite value`));
    });
  });

  test(`${name}: VJP matches central differences`, () => {
    const rng = seeded(100 + opIndex);
    let checked = 0;
    def.examples().forEach((ex, k) => {
      const errs = checkOpGradients(def, ex, rng);
      errs.forEach((e, i) => {
        if (e === null) return;
        checked++;
        assert.ok(e <= gradTol(ex), why(`${name} example ${k}${ex.note ? ` (${ex.note})` : ""} input ${i}: relative error ${e}`));
      });
    });
    if (def.differentiable && def.arity !== 0) assert.ok(checked > 0, `${name}: no example has a float input to check`);
  });
});

// ---------------------------------------------------------------------------------------------
// Against plain index loops

test("reductions match direct loops over [2, 3, 4] on axes [0, 2]", () => {
  const rng = seeded(201);
  const x = randomTensor("f32", [2, 3, 4], rng);
  const s = evalOp("sum", [x], { axes: [0, 2] });
  const m = evalOp("mean", [x], { axes: [0, 2], keepdims: true });
  const mx = evalOp("max", [x], { axes: [0, 2] });
  const mn = evalOp("min", [x], { axes: [0, 2] });
  assert.deepEqual(m.shape, [1, 3, 1]);
  for (let j = 0; j < 3; j++) {
    let acc = 0, hi = -Infinity, lo = Infinity;
    for (let i = 0; i < 2; i++) for (let k = 0; k < 4; k++) {
      const v = at(x, [i, j, k]);
      acc += v;
      hi = Math.max(hi, v);
      lo = Math.min(lo, v);
    }
    assert.ok(Math.abs(s.data[j]! - acc) < 1e-12, why("sum"));
    assert.ok(Math.abs(m.data[j]! - acc / 8) < 1e-12, why("mean"));
    assert.equal(mx.data[j], hi);
    assert.equal(mn.data[j], lo);
  }
});

test("argmax returns the first maximum", () => {
  const x = tensor("f32", [2, 4], [1, 5, 5, 2, -3, -1, -7, -1]);
  assert.deepEqual([...evalOp("argmax", [x], { axis: 1 }).data], [1, 1]);
  const y = evalOp("argmax", [x], { axis: 0, keepdims: true });
  assert.deepEqual(y.shape, [1, 4]);
  assert.deepEqual([...y.data], [0, 0, 0, 0]);
  assert.equal(y.dtype, "i32");
});

test("the max VJP splits the gradient evenly among ties", () => {
  const xNode = input("x", "f32", [2, 3]), gNode = input("g", "f32", [2]);
  const out = apply("max", [xNode], { axes: [1] });
  const [dx] = getOp("max").vjp({ inputs: [xNode], out, grad: gNode, attrs: out.attrs });
  const x = tensor("f32", [2, 3], [4, 1, 4, -2, 3, -5]);
  const g = tensor("f32", [2], [0.8, -1.5]);
  const r = evalNode(dx!, new Map<Node, RefTensor>([[xNode, x], [gNode, g]]));
  assert.deepEqual([...r.data], [0.4, 0, 0.4, 0, -1.5, 0]);
});

test("permute matches a manual index loop", () => {
  const rng = seeded(202);
  const x = randomTensor("f32", [2, 3, 4, 5], rng);
  const perm = [3, 1, 0, 2];
  const y = evalOp("permute", [x], { perm });
  assert.deepEqual(y.shape, [5, 3, 2, 4]);
  forEachIndex(y.shape, (idx) => {
    const src = [0, 0, 0, 0];
    perm.forEach((p, i) => (src[p] = idx[i]!));
    assert.equal(at(y, idx), at(x, src));
  });
});

test("reshape keeps row-major order", () => {
  const rng = seeded(203);
  const x = randomTensor("f32", [2, 3, 4], rng);
  const y = evalOp("reshape", [x], { shape: [4, 6] });
  assert.deepEqual(y.shape, [4, 6]);
  assert.deepEqual([...y.data], [...x.data]);
});

test("broadcast matches numpy rules on a manual loop", () => {
  const rng = seeded(204);
  const x = randomTensor("f32", [3, 1], rng);
  const y = evalOp("broadcast", [x], { shape: [2, 3, 4] });
  assert.deepEqual(y.shape, [2, 3, 4]);
  forEachIndex(y.shape, (idx) => assert.equal(at(y, idx), at(x, [idx[1]!, 0])));
});

test("slice with a step matches a manual loop", () => {
  const rng = seeded(205);
  const x = randomTensor("f32", [3, 8], rng);
  const y = evalOp("slice", [x], { axis: 1, start: 1, end: 8, step: 3 });
  assert.deepEqual(y.shape, [3, 3]);
  forEachIndex(y.shape, ([i, j]) => assert.equal(at(y, [i!, j!]), at(x, [i!, 1 + 3 * j!])));
});

test("concat then slice gives the pieces back", () => {
  const rng = seeded(206);
  const parts = [[2, 2, 4], [2, 3, 4], [2, 1, 4]].map((s) => randomTensor("f32", s, rng));
  const joined = evalOp("concat", parts, { axis: 1 });
  assert.deepEqual(joined.shape, [2, 6, 4]);
  let start = 0;
  for (const p of parts) {
    const end = start + p.shape[1]!;
    assertClose(evalOp("slice", [joined], { axis: 1, start, end }), p, 0, "piece");
    start = end;
  }
});

test("pad matches a manual loop", () => {
  const rng = seeded(207);
  const x = randomTensor("f32", [2, 3], rng);
  const y = evalOp("pad", [x], { pads: [1, 0, 2, 3], value: -4 });
  assert.deepEqual(y.shape, [3, 8]);
  forEachIndex(y.shape, ([i, j]) => {
    const inside = i! >= 1 && j! >= 2 && j! < 5;
    assert.equal(at(y, [i!, j!]), inside ? at(x, [i! - 1, j! - 2]) : -4);
  });
});

test("iota counts along its axis", () => {
  const y = evalOp("iota", [], { shape: [2, 3, 4], axis: 1 });
  forEachIndex(y.shape, (idx) => assert.equal(at(y, idx), idx[1]));
});

test("gather matches a manual take, with clamped indices", () => {
  const rng = seeded(208);
  const table = randomTensor("f32", [2, 5, 3], rng);
  const ids = randomTensor("i32", [2, 4], rng, { kind: "int", lo: -2, hi: 8 });
  const y = evalOp("gather", [table, ids], { axis: 1 });
  assert.deepEqual(y.shape, [2, 2, 4, 3]);
  forEachIndex(y.shape, ([a, i, j, c]) => {
    const k = Math.min(Math.max(at(ids, [i!, j!]), 0), 4);
    assert.equal(at(y, [a!, i!, j!, c!]), at(table, [a!, k, c!]));
  });
});

test("scatter_add accumulates repeated indices", () => {
  const rng = seeded(209);
  const target = randomTensor("f32", [4, 3], rng);
  const ids = tensor("i32", [5], [2, 0, 2, 3, 2]);
  const upd = randomTensor("f32", [5, 3], rng);
  const y = evalOp("scatter_add", [target, ids, upd], { axis: 0 });
  const want = tensor("f32", [4, 3], target.data);
  for (let j = 0; j < 5; j++) for (let c = 0; c < 3; c++) want.data[ids.data[j]! * 3 + c]! += at(upd, [j, c]);
  assertClose(y, want, 1e-12, "scatter_add");
});

test("dynamic_slice and update_slice clamp their start", () => {
  const rng = seeded(210);
  const x = randomTensor("f32", [6, 2], rng);
  for (const s of [-3, 0, 2, 4, 9]) {
    const start = tensor("i32", [], [s]);
    const s0 = Math.min(Math.max(s, 0), 6 - 3);
    const y = evalOp("dynamic_slice", [x, start], { axis: 0, size: 3 });
    forEachIndex(y.shape, ([i, j]) => assert.equal(at(y, [i!, j!]), at(x, [s0 + i!, j!])));
    const u = randomTensor("f32", [3, 2], rng);
    const z = evalOp("update_slice", [x, u, start], { axis: 0 });
    forEachIndex(z.shape, ([i, j]) => {
      const inWindow = i! >= s0 && i! < s0 + 3;
      assert.equal(at(z, [i!, j!]), inWindow ? at(u, [i! - s0, j!]) : at(x, [i!, j!]));
    });
  }
});

test("a random round trip: permute then its inverse, reshape then back", () => {
  const rng = seeded(211);
  for (let trial = 0; trial < 5; trial++) {
    const rank = randInt(rng, 1, 5);
    const shape = Array.from({ length: rank }, () => randInt(rng, 1, 5));
    const perm = shape.map((_, i) => i).sort(() => rng() - 0.5);
    const inv = new Array<number>(rank);
    perm.forEach((p, i) => (inv[p] = i));
    const x = randomTensor("f32", shape, rng);
    const y = evalOp("permute", [evalOp("permute", [x], { perm })], { perm: inv });
    assertClose(y, x, 0, "permute round trip");
    const flat = evalOp("reshape", [x], { shape: [x.data.length] });
    assertClose(evalOp("reshape", [flat], { shape }), x, 0, "reshape round trip");
  }
});

// ---------------------------------------------------------------------------------------------
// Shape rules: symbolic dims and error messages

test("symbolic dims flow through where they can be written as products", () => {
  const x = input("x", "f32", ["B", 3, "L"]);
  assert.deepEqual(apply("reshape", [x], { shape: ["B*L", 3] }).shape, ["B*L", 3]);
  assert.deepEqual(apply("sum", [x], { axes: [1], keepdims: true }).shape, ["B", 1, "L"]);
  assert.deepEqual(apply("permute", [x], { perm: [2, 0, 1] }).shape, ["L", "B", 3]);
  assert.deepEqual(apply("concat", [x, x], { axis: 2 }).shape, ["B", 3, "2*L"]);
  assert.deepEqual(apply("slice", [x], { axis: 1, start: 1, end: 3 }).shape, ["B", 2, "L"]);
  assert.deepEqual(apply("pad", [x], { pads: [0, 0, 1, 1, 0, 0] }).shape, ["B", 5, "L"]);
  const r = input("r", "f32", [1, 3, 1]);
  assert.deepEqual(apply("broadcast", [r], { shape: ["B", 3, "L"] }).shape, ["B", 3, "L"]);
  const ids = input("ids", "i32", ["B", "L"]);
  assert.deepEqual(apply("gather", [input("w", "f32", [10, 4]), ids], { axis: 0 }).shape, ["B", "L", 4]);
});

test("the mean VJP over a symbolic axis counts in the graph", () => {
  const x = input("x", "f32", [2, "L"]), g = input("g", "f32", [2]);
  const out = apply("mean", [x], { axes: [1] });
  const [dx] = getOp("mean").vjp({ inputs: [x], out, grad: g, attrs: out.attrs });
  const xv = randomTensor("f32", [2, 5], seeded(212)), gv = tensor("f32", [2], [1, -2]);
  const r = run(new Graph("mean_vjp", [x, g], [], [{ name: "dx", node: dx! }]), { x: xv, g: gv })["dx"]!;
  assertClose(r, tensor("f32", [2, 5], [...Array(5).fill(0.2), ...Array(5).fill(-0.4)]), 1e-12, "mean vjp");
});

const rejects = (f: () => unknown, pattern: RegExp) => assert.throws(f, (e: Error) => {
  assert.match(e.message, pattern);
  return true;
});

test("shape rules reject bad inputs and say why", () => {
  const x = input("x", "f32", [2, 3, 4]);
  rejects(() => apply("sum", [x], { axes: [2, 0] }), /sorted and unique, got \[2, 0\]/);
  rejects(() => apply("sum", [x], { axes: [-1] }), /axis -1 out of range for rank 3/);
  rejects(() => apply("mean", [input("i", "i32", [3])], { axes: [0] }), /float/);
  rejects(() => apply("reshape", [x], { shape: [5, 5] }), /cannot reshape \[2, 3, 4\] \(24 elements\) to \[5, 5\] \(25 elements\)/);
  rejects(() => apply("reshape", [input("s", "f32", ["B", 4])], { shape: ["L", 4] }), /cannot reshape \[B, 4\]/);
  rejects(() => apply("permute", [x], { perm: [0, 0, 1] }), /not a permutation/);
  rejects(() => apply("broadcast", [x], { shape: [2, 5, 4] }), /dim 1 is 3, target 5/);
  rejects(() => apply("broadcast", [x], { shape: [3, 4] }), /lower rank/);
  rejects(() => apply("slice", [x], { axis: 2, start: 1, end: 5 }), /0 ≤ start ≤ end ≤ 4/);
  rejects(() => apply("slice", [x], { axis: 0, start: 0, end: 2, step: 0 }), /step must be ≥ 1/);
  rejects(() => apply("slice", [input("s", "f32", [2, "L"])], { axis: 1, start: 0, end: 1 }), /needs a concrete size, got 'L'/);
  rejects(() => apply("concat", [x, input("y", "f32", [2, 5, 4])], { axis: 2 }), /differ off the axis/);
  rejects(() => apply("concat", [input("a", "f32", ["L"]), input("b", "f32", [3])], { axis: 0 }), /cannot add sizes L and 3/);
  rejects(() => apply("pad", [x], { pads: [1, 1] }), /must be 6 non-negative integers/);
  rejects(() => apply("pad", [input("s", "f32", ["L"])], { pads: [1, 0] }), /pad along axis 0 of \[L\] needs a concrete size/);
  rejects(() => apply("gather", [x, input("f", "f32", [2])], { axis: 0 }), /indices must be i32, got f32/);
  rejects(() => apply("scatter_add", [x, input("j", "i32", [5]), input("u", "f32", [5, 3])], { axis: 0 }), /updates shape \[5, 3\] must be gather's result shape \[5, 3, 4\]/);
  rejects(() => apply("dynamic_slice", [x, input("st", "i32", [1])], { axis: 0, size: 1 }), /shape \[\]/);
  rejects(() => apply("dynamic_slice", [x, input("st", "i32", [])], { axis: 1, size: 4 }), /size 4 does not fit axis 1/);
  rejects(() => apply("update_slice", [x, input("u", "f32", [2, 3, 5]), input("st", "i32", [])], { axis: 2 }), /does not fit target \[2, 3, 4\] along axis 2/);
  rejects(() => apply("iota", [], { shape: [3], axis: 1 }), /axis 1 out of range for rank 1/);
});
