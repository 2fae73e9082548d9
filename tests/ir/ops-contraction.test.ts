// Contraction ops (matmul, conv2d and its gradient ops, upsample_nearest): references against
// plain loops written independently here, shape rules and their messages (symbolic dims too),
// the adjoint identities tying conv2d to its gradient ops, and finite-difference VJP checks.

import assert from "node:assert/strict";
import { test } from "vitest";
import { evalNode } from "../../backends/reference/interpreter.ts";
import { apply, input } from "../../compiler/ir/build.ts";
import type { Attrs, Node } from "../../compiler/ir/graph.ts";
import { getOp } from "../../compiler/ir/op.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { offset } from "../../compiler/ir/ref.ts";
import { checkOpGradients, gradTol } from "../util/gradcheck.ts";
import { mulberry32, randomInputFor, randomTensor, testSeed } from "../util/random.ts";

const seed = testSeed();
const rng = mulberry32(seed);
const at = `(TEST_SEED=${seed})`;

/** Evaluate op(xs){attrs} on the reference interpreter. */
function run(op: string, xs: readonly RefTensor[], attrs: Attrs = {}): RefTensor {
  const ins = xs.map((t, i) => input(`x${i}`, t.dtype, t.shape));
  return evalNode(apply(op, ins, attrs), new Map<Node, RefTensor>(ins.map((n, i) => [n, xs[i]!])));
}

/** Max-norm relative error: max|a − b| / max|b|. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, "lengths differ");
  let d = 0, s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(b[i]!));
  }
  return s === 0 ? d : d / s;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

/** Every multi-index of a shape, in row-major order. */
function* indices(shape: readonly number[]): Generator<number[]> {
  const n = shape.reduce((p, d) => p * d, 1);
  const idx = shape.map(() => 0);
  for (let k = 0; k < n; k++) {
    yield [...idx];
    for (let a = shape.length - 1; a >= 0; a--) {
      if (++idx[a]! < shape[a]!) break;
      idx[a] = 0;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// matmul

/** Naive matmul by multi-indices: batch dims right-aligned, transposes by swapping indices. */
function naiveMatmul(a: RefTensor, b: RefTensor, ta: boolean, tb: boolean): number[] {
  const ra = a.shape.length, rb = b.shape.length;
  const M = ta ? a.shape[ra - 1]! : a.shape[ra - 2]!, K = ta ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const N = tb ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  const batch = (ra >= rb ? a.shape : b.shape).slice(0, -2);
  const out: number[] = [];
  for (const bi of indices(batch)) {
    const ab = bi.slice(bi.length - (ra - 2)), bb = bi.slice(bi.length - (rb - 2));
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        s += a.data[offset(a.shape, [...ab, ...(ta ? [k, i] : [i, k])])]! * b.data[offset(b.shape, [...bb, ...(tb ? [j, k] : [k, j])])]!;
      }
      out.push(s);
    }
  }
  return out;
}

test("matmul matches a naive triple loop on every example", () => {
  for (const ex of getOp("matmul").examples()) {
    const [a, b] = ex.inputs.map((x) => randomInputFor(x, rng)) as [RefTensor, RefTensor];
    const y = run("matmul", [a, b], ex.attrs);
    const want = naiveMatmul(a, b, ex.attrs["transpose_a"] === true, ex.attrs["transpose_b"] === true);
    assert.ok(relErr(y.data, want) < 1e-12, `matmul ${a.shape} x ${b.shape} ${JSON.stringify(ex.attrs)} ${at}`);
  }
});

test("matmul shape rule: results, broadcast batch dims, symbolic dims, and errors", () => {
  const shape = (a: (number | string)[], b: (number | string)[], attrs: Attrs = {}) =>
    apply("matmul", [input("a", "f32", a), input("b", "f32", b)], attrs).shape;
  assert.deepEqual(shape([3, 5], [5, 4]), [3, 4]);
  assert.deepEqual(shape([2, 3, 5], [5, 4]), [2, 3, 4]);
  assert.deepEqual(shape([3, 5], [6, 2, 5, 4]), [6, 2, 3, 4]);
  assert.deepEqual(shape([5, 3], [4, 5], { transpose_a: true, transpose_b: true }), [3, 4]);
  assert.deepEqual(shape(["B", "L", 8], [8, 16]), ["B", "L", 16]);
  assert.deepEqual(shape(["B", "L", 8], ["B", "L", 8], { transpose_b: true }), ["B", "L", "L"]);
  assert.throws(() => shape([2, 3], [4, 5]), /inner dimensions 3 and 4 differ/);
  assert.throws(() => shape([3, 5], [5, 4], { transpose_a: true }), /inner dimensions 3 and 5 differ/);
  assert.throws(() => shape(["B", 3, 5], ["L", 5, 4]), /batch dimensions \[B\] and \[L\] differ/);
  assert.throws(() => shape([2, 3, 5], [3, 5, 4]), /batch dimensions \[2\] and \[3\] differ/);
  assert.throws(() => shape([5], [5, 4]), /rank 1; matmul needs rank ≥ 2/);
  assert.throws(() => apply("matmul", [input("a", "i32", [2, 2]), input("b", "i32", [2, 2])]), /float dtype/);
});

// ---------------------------------------------------------------------------------------------
// conv2d and its gradient ops

/** Direct convolution over an explicitly zero-padded copy of x. */
function naiveConv(x: RefTensor, w: RefTensor, stride: number[], pad: number[]): { data: number[]; shape: number[] } {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [O, , kh, kw] = w.shape as [number, number, number, number];
  const [t, b, l, r] = pad as [number, number, number, number];
  const Hp = H + t + b, Wp = W + l + r;
  const xp = new Float64Array(N * C * Hp * Wp);
  for (const [n, c, h, ww] of indices(x.shape)) xp[offset([N, C, Hp, Wp], [n!, c!, h! + t, ww! + l])] = x.data[offset(x.shape, [n!, c!, h!, ww!])]!;
  const Ho = Math.floor((Hp - kh) / stride[0]!) + 1, Wo = Math.floor((Wp - kw) / stride[1]!) + 1;
  const data: number[] = [];
  for (const [n, o, i, j] of indices([N, O, Ho, Wo])) {
    let s = 0;
    for (const [c, p, q] of indices([C, kh, kw])) {
      s += xp[offset([N, C, Hp, Wp], [n!, c!, i! * stride[0]! + p!, j! * stride[1]! + q!])]! * w.data[offset(w.shape, [o!, c!, p!, q!])]!;
    }
    data.push(s);
  }
  return { data, shape: [N, O, Ho, Wo] };
}

const convAttrs = (attrs: Attrs) => ({
  stride: (attrs["stride"] as number[] | undefined) ?? [1, 1],
  padding: (attrs["padding"] as number[] | undefined) ?? [0, 0, 0, 0],
});

test("conv2d matches a direct loop over a padded input on every example", () => {
  for (const ex of getOp("conv2d").examples()) {
    const [x, w] = ex.inputs.map((e) => randomInputFor(e, rng)) as [RefTensor, RefTensor];
    const { stride, padding } = convAttrs(ex.attrs);
    const want = naiveConv(x, w, stride, padding);
    const y = run("conv2d", [x, w], ex.attrs);
    assert.deepEqual(y.shape, want.shape);
    assert.ok(relErr(y.data, want.data) < 1e-12, `conv2d ${ex.note} ${at}`);
  }
});

test("conv2d_grad_input and conv2d_grad_weight are the adjoints of conv2d", () => {
  // ⟨conv2d(x, w), g⟩ = ⟨x, grad_input(g, w)⟩ = ⟨w, grad_weight(x, g)⟩ for any x, w, g.
  for (const ex of getOp("conv2d").examples()) {
    const [x, w] = ex.inputs.map((e) => randomInputFor(e, rng)) as [RefTensor, RefTensor];
    const y = run("conv2d", [x, w], ex.attrs);
    const g = randomTensor("f32", y.shape, rng);
    const dx = run("conv2d_grad_input", [g, w], { ...ex.attrs, input_shape: x.shape.slice(2) });
    const dw = run("conv2d_grad_weight", [x, g], { ...ex.attrs, kernel: w.shape.slice(2) });
    assert.deepEqual(dx.shape, x.shape);
    assert.deepEqual(dw.shape, w.shape);
    const lhs = dot(y.data, g.data);
    assert.ok(Math.abs(lhs - dot(x.data, dx.data)) < 1e-10 * Math.max(1, Math.abs(lhs)), `grad_input adjoint, ${ex.note} ${at}`);
    assert.ok(Math.abs(lhs - dot(w.data, dw.data)) < 1e-10 * Math.max(1, Math.abs(lhs)), `grad_weight adjoint, ${ex.note} ${at}`);
  }
});

test("conv2d_grad_input leaves rows no window reads at zero", () => {
  // H = 6, kh = 2, stride 2, no padding: windows cover rows 0..5 — but with H = 7 row 6 is unread.
  const g = randomTensor("f32", [1, 2, 3, 3], rng), w = randomTensor("f32", [2, 1, 2, 2], rng);
  const dx = run("conv2d_grad_input", [g, w], { stride: [2, 2], input_shape: [7, 7] });
  for (let i = 0; i < 7; i++) {
    assert.equal(dx.data[6 * 7 + i], 0);
    assert.equal(dx.data[i * 7 + 6], 0);
  }
  assert.ok(dx.data.some((v) => v !== 0));
});

test("conv2d shape rules: symbolic dims, messages", () => {
  const conv = (x: (number | string)[], w: (number | string)[], attrs: Attrs = {}) =>
    apply("conv2d", [input("x", "f32", x), input("w", "f32", w)], attrs).shape;
  assert.deepEqual(conv([2, 3, 8, 8], [4, 3, 3, 3], { stride: [2, 2], padding: [0, 1, 0, 1] }), [2, 4, 4, 4]);
  assert.deepEqual(conv(["N", 3, "H", "W"], [4, 3, 3, 3], { padding: [1, 1, 1, 1] }), ["N", 4, "H", "W"]);
  assert.deepEqual(conv(["N", 3, "H", "W"], [4, 3, 2, 2], { padding: [0, 1, 1, 0] }), ["N", 4, "H", "W"]);
  assert.throws(() => conv(["N", 3, "H", 8], [4, 3, 3, 3]), /input height H is symbolic/);
  assert.throws(() => conv([1, 3, 8, 8], [4, 2, 3, 3]), /input channels 3 and weight channels 2 differ/);
  assert.throws(() => conv([1, 3, 2, 8], [4, 3, 3, 3]), /kernel height 3 exceeds the padded input height 2/);
  assert.throws(() => conv([1, 3, 8, 8], [4, 3, 3, 3], { stride: [0, 1] }), /stride must be two integers ≥ 1/);
  assert.throws(() => conv([1, 3, 8, 8], [4, 3, 3, 3], { padding: [1, 1] }), /padding must be four integers/);
  assert.throws(() => conv([3, 8, 8], [4, 3, 3, 3]), /x must have rank 4/);
  const g = input("g", "f32", [1, 4, 3, 3]), w = input("w", "f32", [4, 2, 3, 3]);
  assert.throws(() => apply("conv2d_grad_input", [g, w], { input_shape: [6, 5] }), /g has spatial size \[3, 3\] but conv2d of an input of size \[6, 5\] gives \[4, 3\]/);
  assert.deepEqual(apply("conv2d_grad_input", [g, w], { input_shape: [5, 5] }).shape, [1, 2, 5, 5]);
  assert.deepEqual(apply("conv2d_grad_weight", [input("x", "f32", [1, 2, 5, 5]), g], { kernel: [3, 3] }).shape, [4, 2, 3, 3]);
  assert.throws(() => apply("conv2d_grad_weight", [input("x", "f32", [2, 2, 5, 5]), g], { kernel: [3, 3] }), /batch sizes 2 and 1 differ/);
});

// ---------------------------------------------------------------------------------------------
// upsample_nearest

test("upsample_nearest repeats each pixel in an s×s block", () => {
  for (const ex of getOp("upsample_nearest").examples()) {
    const x = randomInputFor(ex.inputs[0]!, rng);
    const s = ex.attrs["scale"] as number;
    const y = run("upsample_nearest", [x], ex.attrs);
    const [N, C, H, W] = x.shape as [number, number, number, number];
    assert.deepEqual(y.shape, [N, C, H * s, W * s]);
    for (const [n, c, i, j] of indices(y.shape)) {
      assert.equal(y.data[offset(y.shape, [n!, c!, i!, j!])], x.data[offset(x.shape, [n!, c!, Math.floor(i! / s), Math.floor(j! / s)])]);
    }
  }
  assert.deepEqual(apply("upsample_nearest", [input("x", "f32", ["N", 3, "H", 4])], { scale: 2 }).shape, ["N", 3, "2*H", 8]);
  assert.throws(() => apply("upsample_nearest", [input("x", "f32", [1, 3, 4, 4])], { scale: 0 }), /scale must be ≥ 1/);
});

// ---------------------------------------------------------------------------------------------
// VJPs

for (const name of ["matmul", "conv2d", "conv2d_grad_input", "conv2d_grad_weight", "upsample_nearest"]) {
  test(`${name}: VJP matches finite differences on every example`, () => {
    const def = getOp(name);
    def.examples().forEach((ex, k) => {
      const errs = checkOpGradients(def, ex, rng);
      errs.forEach((e, i) => {
        assert.notEqual(e, null, `${name} example ${k} input ${i} was not checked`);
        assert.ok(e! < gradTol(ex), `${name} example ${k} (${ex.note ?? JSON.stringify(ex.attrs)}) input ${i}: rel err ${e} ${at}`);
      });
    });
  });
}
