// The Tensor API's front-end conveniences (negative axes, -1 in reshape, Python slice bounds,
// right-aligned pads, defaults) build the intended IR, checked by value on the reference.

import assert from "node:assert/strict";
import { test } from "vitest";
import { run } from "../../backends/reference/interpreter.ts";
import { randint, randn } from "../../compiler/dsl/init.ts";
import { ShapeError, Tensor, attention } from "../../compiler/dsl/tensor.ts";
import { trace } from "../../compiler/dsl/trace.ts";
import { assertClose, at, freshSeed, indices } from "./manual.ts";

const SEED = freshSeed();

/** Trace `f` on one f32 input of `shape` and run it on random data. */
function run1(shape: number[], f: (x: Tensor) => Tensor, seed = SEED) {
  const g = trace("t", { x: { dtype: "f32", shape } }, ({ x }) => f(x));
  const x = randn(shape, seed);
  return { x, y: run(g, { x })["out"]!, g };
}

test("reshape infers one -1 and accepts a list; more than one -1 is refused", () => {
  const x = Tensor.input("x", "f32", [2, 3, 4]);
  assert.deepEqual(x.reshape(-1, 4).shape, [6, 4]);
  assert.deepEqual(x.reshape([4, -1]).shape, [4, 6]);
  assert.equal(x.reshape(2, 3, 4), x, "identity reshape adds no node");
  assert.deepEqual(Tensor.input("s", "f32", ["B", "L", 8]).reshape(-1, 8).shape, ["B*L", 8]);
  assert.throws(() => x.reshape(-1, -1), ShapeError);
  assert.throws(() => x.reshape(5, -1), /reshape: f32\[2, 3, 4\]: cannot infer -1/);
});

test(`permute and transpose with negative axes (seed ${SEED})`, () => {
  const { x, y } = run1([2, 3, 4], (t) => t.permute(-1, 0, 1));
  assertClose(y, { shape: [4, 2, 3], data: [...indices([4, 2, 3])].map(([c, a, b]) => at(x, a!, b!, c!)) }, 0, "permute");
  const t = run1([2, 3, 4], (v) => v.transpose());
  assertClose(t.y, { shape: [2, 4, 3], data: [...indices([2, 4, 3])].map(([a, c, b]) => at(t.x, a!, b!, c!)) }, 0, "transpose");
});

test(`slice follows Python's bounds (seed ${SEED})`, () => {
  const py = (n: number, s?: number, e?: number, step = 1) => {
    const norm = (v: number | undefined, d: number) => (v === undefined ? d : Math.min(Math.max(v < 0 ? v + n : v, 0), n));
    const out: number[] = [];
    for (let i = norm(s, 0); i < norm(e, n); i += step) out.push(i);
    return out;
  };
  for (const [s, e, step] of [[1, -1, 1], [-3, undefined, 1], [undefined, 4, 2], [-100, 100, 3], [5, 2, 1]] as const) {
    const { x, y } = run1([3, 7], (t) => t.slice(-1, s, e, step));
    const cols = py(7, s, e, step);
    const want = [0, 1, 2].flatMap((r) => cols.map((c) => at(x, r, c)));
    assertClose(y, { shape: [3, cols.length], data: want }, 0, `slice ${s}:${e}:${step}`);
  }
  const x = Tensor.input("x", "f32", [3, 7]);
  assert.equal(x.slice(1), x, "whole-axis slice adds no node");
  assert.throws(() => x.slice(1, 0, 3, 0), /step must be a positive integer/);
});

test(`reductions over negative axes, keepdims, and all axes (seed ${SEED})`, () => {
  const g = trace("r", { x: { dtype: "f32", shape: [2, 3, 4] } }, ({ x }) => ({
    s: x.sum(-1),
    m: x.mean([0, -1], true),
    mx: x.max(1),
    mn: x.min(),
    am: x.argmax(-2),
  }));
  const x = randn([2, 3, 4], SEED);
  const r = run(g, { x });
  const v = (a: number, b: number, c: number) => at(x, a, b, c);
  assertClose(r["s"]!, { shape: [2, 3], data: [...indices([2, 3])].map(([a, b]) => [0, 1, 2, 3].reduce((s, c) => s + v(a!, b!, c), 0)) }, 1e-12, "sum");
  assertClose(r["m"]!, { shape: [1, 3, 1], data: [0, 1, 2].map((b) => [...indices([2, 4])].reduce((s, [a, c]) => s + v(a!, b, c!), 0) / 8) }, 1e-12, "mean");
  assertClose(r["mx"]!, { shape: [2, 4], data: [...indices([2, 4])].map(([a, c]) => Math.max(...[0, 1, 2].map((b) => v(a!, b, c!)))) }, 0, "max");
  assertClose(r["mn"]!, { shape: [], data: [Math.min(...x.data)] }, 0, "min");
  const am = [...indices([2, 4])].map(([a, c]) => {
    const col = [0, 1, 2].map((b) => v(a!, b, c!));
    return col.indexOf(Math.max(...col));
  });
  assertClose(r["am"]!, { shape: [2, 4], data: am }, 0, "argmax");
  assert.equal(r["am"]!.dtype, "i32");
  assert.throws(() => Tensor.input("x", "f32", [2, 3]).sum([1, -1]), /repeated axis/);
});

test(`softmax and logSoftmax along a chosen axis (seed ${SEED})`, () => {
  const { x, y } = run1([3, 5], (t) => t.softmax(0));
  const want = [...indices([3, 5])].map(([i, j]) => {
    const col = [0, 1, 2].map((k) => Math.exp(at(x, k, j!)));
    return col[i!]! / col.reduce((a, b) => a + b, 0);
  });
  assertClose(y, { shape: [3, 5], data: want }, 1e-12, "softmax axis 0");
  const l = run1([3, 5], (t) => t.logSoftmax());
  const lw = [...indices([3, 5])].map(([i, j]) => at(l.x, i!, j!) - Math.log([0, 1, 2, 3, 4].reduce((s, k) => s + Math.exp(at(l.x, i!, k)), 0)));
  assertClose(l.y, { shape: [3, 5], data: lw }, 1e-12, "logSoftmax");
});

test(`pad aligns pairs to the last axes; concat and gather take negative axes (seed ${SEED})`, () => {
  const { x, y } = run1([2, 2, 3], (t) => t.pad([[1, 0], [0, 2]], -1));
  const want = [...indices([2, 3, 5])].map(([a, b, c]) => (b! >= 1 && c! < 3 ? at(x, a!, b! - 1, c!) : -1));
  assertClose(y, { shape: [2, 3, 5], data: want }, 0, "pad");

  const g = trace("cg", { a: { dtype: "f32", shape: [2, 3] }, b: { dtype: "f32", shape: [2, 1] }, i: { dtype: "i32", shape: [4] } }, (t) => ({
    c: Tensor.concat([t.a, t.b], -1),
    g: t.a.gather(t.i, -1),
  }));
  const a = randn([2, 3], SEED), b = randn([2, 1], SEED + 1), i = randint([4], 0, 3, SEED);
  const r = run(g, { a, b, i });
  assertClose(r["c"]!, { shape: [2, 4], data: [...indices([2, 4])].map(([p, q]) => (q! < 3 ? at(a, p!, q!) : at(b, p!, 0))) }, 0, "concat");
  assertClose(r["g"]!, { shape: [2, 4], data: [...indices([2, 4])].map(([p, q]) => at(a, p!, i.data[q!]!)) }, 0, "gather");
});

test(`crossEntropy ignores the ignore index and averages the rest (seed ${SEED})`, () => {
  const g = trace("ce", { z: { dtype: "f32", shape: [4, 6] }, y: { dtype: "i32", shape: [4] } }, (t) => t.z.crossEntropy(t.y));
  const z = randn([4, 6], SEED), y = randint([4], 0, 6, SEED);
  y.data[2] = -100;
  const losses = [0, 1, 3].map((r) => Math.log([...Array(6).keys()].reduce((s, k) => s + Math.exp(at(z, r, k)), 0)) - at(z, r, y.data[r]!));
  assertClose(run(g, { z, y })["out"]!, { shape: [], data: [losses.reduce((a, b) => a + b, 0) / 3] }, 1e-12, "cross entropy");
});

test(`matmul with both transposes, and nearest upsampling (seed ${SEED})`, () => {
  const g = trace("mm", { a: { dtype: "f32", shape: [4, 3] }, b: { dtype: "f32", shape: [5, 4] } }, (t) => t.a.matmul(t.b, { transposeA: true, transposeB: true }));
  const a = randn([4, 3], SEED), b = randn([5, 4], SEED + 1);
  const want = [...indices([3, 5])].map(([i, j]) => [0, 1, 2, 3].reduce((s, k) => s + at(a, k, i!) * at(b, j!, k), 0));
  assertClose(run(g, { a, b })["out"]!, { shape: [3, 5], data: want }, 1e-12, "matmul Aᵀ·Bᵀ");
  const u = run1([1, 2, 2, 3], (t) => t.upsampleNearest(2));
  assertClose(u.y, { shape: [1, 2, 4, 6], data: [...indices([1, 2, 4, 6])].map(([n, c, h, w]) => at(u.x, n!, c!, Math.floor(h! / 2), Math.floor(w! / 2))) }, 0, "upsample");
});

test(`attention's default scale is 1/√D (seed ${SEED})`, () => {
  const [B, H, L, D] = [1, 2, 3, 4];
  const g = trace("att", { q: { dtype: "f32", shape: [B, H, L, D] }, k: { dtype: "f32", shape: [B, H, L, D] }, v: { dtype: "f32", shape: [B, H, L, D] } },
    (t) => attention(t.q, t.k, t.v, { causal: true }));
  assert.equal(g.output("out").attrs["scale"], 0.5);
  const q = randn([B, H, L, D], SEED), k = randn([B, H, L, D], SEED + 1), v = randn([B, H, L, D], SEED + 2);
  const want = [...indices([B, H, L, D])].map(([b, h, i, d]) => {
    const s = [...Array(i! + 1).keys()].map((j) => Math.exp(0.5 * [0, 1, 2, 3].reduce((acc, e) => acc + at(q, b!, h!, i!, e) * at(k, b!, h!, j, e), 0)));
    const z = s.reduce((x, y) => x + y, 0);
    return s.reduce((acc, w, j) => acc + (w / z) * at(v, b!, h!, j, d!), 0);
  });
  assertClose(run(g, { q, k, v })["out"]!, { shape: [B, H, L, D], data: want }, 1e-12, "causal attention");
});

test("cast to the same dtype is free; where needs a bool condition", () => {
  const x = Tensor.input("x", "f32", [3]);
  assert.equal(x.cast("f32"), x);
  assert.equal(x.cast("i32").dtype, "i32");
  assert.throws(() => x.where(x, 0), /where: f32\[3\], f32\[3\] and f32\[3\]: condition must be bool/);
});
