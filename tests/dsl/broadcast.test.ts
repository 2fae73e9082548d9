// Implicit broadcasting in the DSL: results on the reference interpreter equal numpy's rules
// computed by hand (each operand indexed with 0 along its size-1 and missing axes).

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "vitest";
import { run } from "../../backends/reference/interpreter.ts";
import { randint, randn } from "../../compiler/dsl/init.ts";
import { ShapeError, Tensor, sub, where } from "../../compiler/dsl/tensor.ts";
import type { Operand } from "../../compiler/dsl/tensor.ts";
import { trace } from "../../compiler/dsl/trace.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import { assertClose, at, freshSeed, indices } from "./manual.ts";

const SEED = freshSeed();

/** numpy's broadcast of plain shapes. */
function npShape(...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  return Array.from({ length: rank }, (_, i) => Math.max(...shapes.map((s) => s[i - (rank - s.length)] ?? 1)));
}

/** Element of `t` at a result index, numpy-style. */
function pick(t: RefTensor, idx: readonly number[]): number {
  const off = idx.length - t.shape.length;
  return at(t, ...t.shape.map((d, i) => (d === 1 ? 0 : idx[i + off]!)));
}

function manual(ts: readonly RefTensor[], f: (...v: number[]) => number, dtype: RefTensor["dtype"] = "f32"): RefTensor {
  const shape = npShape(...ts.map((t) => t.shape));
  const data = [...indices(shape)].map((idx) => f(...ts.map((t) => pick(t, idx))));
  return tensor(dtype, shape, data);
}

const positive = (shape: number[], seed: number) => {
  const t = randn(shape, seed);
  for (let i = 0; i < t.data.length; i++) t.data[i] = 0.5 + Math.abs(t.data[i]!);
  return t;
};

const CASES: { op: string; a: number[]; b: number[]; f: (x: number, y: number) => number; dsl: (x: Tensor, y: Tensor) => Tensor; pos?: boolean }[] = [
  { op: "add", a: [3, 1], b: [1, 4], f: (x, y) => x + y, dsl: (x, y) => x.add(y) },
  { op: "mul", a: [2, 3, 4], b: [4], f: (x, y) => x * y, dsl: (x, y) => x.mul(y) },
  { op: "sub", a: [2, 1, 4], b: [3, 1], f: (x, y) => x - y, dsl: (x, y) => x.sub(y) },
  { op: "div", a: [5], b: [2, 3, 5], f: (x, y) => x / y, dsl: (x, y) => x.div(y), pos: true },
  { op: "maximum", a: [4, 1], b: [4, 3], f: Math.max, dsl: (x, y) => x.maximum(y) },
  { op: "minimum", a: [1, 3], b: [2, 1], f: Math.min, dsl: (x, y) => x.minimum(y) },
  { op: "pow", a: [2, 3], b: [3], f: (x, y) => x ** y, dsl: (x, y) => x.pow(y), pos: true },
  { op: "add (scalar tensor)", a: [], b: [2, 3], f: (x, y) => x + y, dsl: (x, y) => x.add(y) },
];

for (const c of CASES) {
  test(`broadcast ${c.op}: [${c.a}] with [${c.b}] (seed ${SEED})`, () => {
    const g = trace("bc", { a: { dtype: "f32", shape: c.a }, b: { dtype: "f32", shape: c.b } }, ({ a, b }) => c.dsl(a, b));
    const a = c.pos ? positive(c.a, SEED) : randn(c.a, SEED);
    const b = c.pos ? positive(c.b, SEED + 1) : randn(c.b, SEED + 1);
    const out = run(g, { a, b })["out"]!;
    assertClose(out, manual([a, b], c.f), 1e-12, c.op);
    // Ranks are aligned by reshape, never by anything else.
    const ops = new Set(g.nodes().map((n) => n.op));
    assert.ok([...ops].every((o) => ["input", "reshape", "broadcast", c.op.split(" ")[0]!].includes(o)), [...ops].join(", "));
  });
}

test(`numbers become constants of the tensor's dtype, on either side (seed ${SEED})`, () => {
  const g = trace("num", { x: { dtype: "f32", shape: [2, 3] }, i: { dtype: "i32", shape: [4] } }, ({ x, i }) => ({
    y: sub(1, x).mul(2.5).add(x.div(4)),
    j: i.add(3).mul(2),
  }));
  const x = randn([2, 3], SEED), i = randint([4], -5, 5, SEED);
  const r = run(g, { x, i });
  assertClose(r["y"]!, manual([x], (v) => (1 - v) * 2.5 + v / 4), 1e-12, "y");
  assert.equal(r["j"]!.dtype, "i32");
  assertClose(r["j"]!, manual([i], (v) => (v + 3) * 2, "i32"), 0, "j");
  const consts = g.nodes().filter((n) => n.op === "constant");
  assert.ok(consts.some((n) => n.dtype === "i32") && consts.some((n) => n.dtype === "f32"));
});

test(`comparisons and where broadcast all operands (seed ${SEED})`, () => {
  const g = trace("cmp", { a: { dtype: "f32", shape: [3, 1] }, b: { dtype: "f32", shape: [4] } }, ({ a, b }) => ({
    lt: a.lt(b),
    sel: where(a.gt(b), a, 0),
    sel2: Tensor.where(a.le(0), b, a.neg()),
  }));
  const a = randn([3, 1], SEED), b = randn([4], SEED + 1);
  const r = run(g, { a, b });
  assert.equal(r["lt"]!.dtype, "bool");
  assertClose(r["lt"]!, manual([a, b], (x, y) => (x < y ? 1 : 0), "bool"), 0, "lt");
  assertClose(r["sel"]!, manual([a, b], (x, y) => (x > y ? x : 0)), 0, "where with a number");
  assertClose(r["sel2"]!, manual([a, b], (x, y) => (x <= 0 ? y : -x)), 0, "static where");
});

test("broadcastTo and symbolic dims", () => {
  const x = Tensor.input("x", "f32", ["B", 1, 4]);
  const y = Tensor.input("y", "f32", [3, 4]);
  const s = x.add(y);
  assert.deepEqual(s.shape, ["B", 3, 4]);
  const g = trace("sym", { x: { dtype: "f32", shape: ["B", 1, 4] }, y: { dtype: "f32", shape: [3, 4] } }, (t) => t.x.add(t.y));
  const xv = randn([2, 1, 4], SEED), yv = randn([3, 4], SEED + 1);
  assertClose(run(g, { x: xv, y: yv })["out"]!, manual([xv, yv], (p, q) => p + q), 1e-12, "symbolic batch");
  assert.deepEqual(Tensor.input("v", "f32", [4]).broadcastTo([2, 3, 4]).shape, [2, 3, 4]);
});

function markerLine(file: string, marker: string): number {
  const lines = readFileSync(new URL(file, import.meta.url), "utf8").split("\n");
  const i = lines.findIndex((l) => l.includes(marker) && !l.includes("markerLine"));
  assert.ok(i >= 0, `marker ${marker} not found`);
  return i + 1;
}

test("incompatible shapes throw a ShapeError naming the op, both shapes and this line", () => {
  const a = Tensor.input("a", "f32", [2, 3]), b = Tensor.input("b", "f32", [4]);
  const line = markerLine("./broadcast.test.ts", "@bad-add");
  assert.throws(() => a.add(b), (e: unknown) => { // @bad-add
    assert.ok(e instanceof ShapeError);
    assert.equal(e.op, "add");
    assert.match(e.message, /^add: f32\[2, 3\] and f32\[4\]: shapes cannot be broadcast/);
    assert.match(e.message, new RegExp(`\\n  at tests/dsl/broadcast\\.test\\.ts:${line}:\\d+$`));
    assert.equal(e.loc?.line, line);
    return true;
  });
  assert.throws(() => Tensor.input("c", "f32", [3, 2]).broadcastTo([3, 4]), /broadcast: f32\[3, 2\]: cannot broadcast to \[3, 4\]/);
});

test("mixed dtypes are refused with both types and the location", () => {
  const a = Tensor.input("a", "f32", [3]), h = Tensor.input("h", "f16", [3]);
  const bad: Operand = h;
  assert.throws(() => a.mul(bad), (e: unknown) => {
    assert.ok(e instanceof ShapeError);
    assert.match(e.message, /^mul: f32\[3\] and f16\[3\]: .*f32 and f16/);
    assert.match(e.message, /at tests\/dsl\/broadcast\.test\.ts:\d+:\d+$/);
    return true;
  });
  // An explicit cast makes it legal.
  assert.deepEqual(a.mul(h.cast("f32")).shape, [3]);
});
