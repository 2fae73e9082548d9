// Contractions: batched matmul, 2-D convolution with its two gradient ops, and nearest upsampling.
//
// conv2d's gradients are ops of their own (not conv2d with flipped kernels and dilated inputs)
// because backends lower them to dedicated kernels; all three are linear in each input, so their
// VJPs are again conv2d / conv2d_grad_input / conv2d_grad_weight.

import { apply } from "../build.ts";
import type { Node } from "../graph.ts";
import type { AttrValues, OpExample } from "../op.ts";
import { defineOp } from "../op.ts";
import type { RefTensor } from "../ref.ts";
import { roundTo, size, tensor } from "../ref.ts";
import type { DType, Dim, Shape } from "../types.ts";
import { dimEq, dimMul, formatShape, isSymbolic } from "../types.ts";
import { ex, floatDType } from "./util.ts";

/** Round every element of a float64 accumulator to the result dtype. */
function rounded(t: RefTensor): RefTensor {
  for (let i = 0; i < t.data.length; i++) t.data[i] = roundTo(t.dtype, t.data[i]!);
  return t;
}

const range = (lo: number, hi: number): number[] => Array.from({ length: hi - lo }, (_, i) => lo + i);

// ---------------------------------------------------------------------------------------------
// matmul

interface MatmulDims {
  /** Batch dims of the result (the longer of the two batch shapes). */
  batch: Shape;
  m: Dim;
  k: Dim;
  n: Dim;
}

function matmulDims(a: Shape, b: Shape, ta: boolean, tb: boolean): MatmulDims {
  if (a.length < 2) throw new Error(`a has rank ${a.length}; matmul needs rank ≥ 2 (reshape a vector to [1, K])`);
  if (b.length < 2) throw new Error(`b has rank ${b.length}; matmul needs rank ≥ 2 (reshape a vector to [K, 1])`);
  const [a0, a1] = [a[a.length - 2]!, a[a.length - 1]!];
  const [b0, b1] = [b[b.length - 2]!, b[b.length - 1]!];
  const [m, ka] = ta ? [a1, a0] : [a0, a1];
  const [kb, n] = tb ? [b1, b0] : [b0, b1];
  if (!dimEq(ka, kb)) throw new Error(`inner dimensions ${ka} and ${kb} differ`);
  const ba = a.slice(0, -2), bb = b.slice(0, -2);
  const [long, short] = ba.length >= bb.length ? [ba, bb] : [bb, ba];
  const off = long.length - short.length;
  if (!short.every((d, i) => dimEq(d, long[off + i]!))) {
    throw new Error(`batch dimensions ${formatShape(ba)} and ${formatShape(bb)} differ (batch dims are right-aligned and must be equal)`);
  }
  return { batch: long, m, k: ka, n };
}

/** [..., M, K] x [..., K, N] in float64, batch dims right-aligned (the shorter is broadcast). */
function matmulRef(a: RefTensor, b: RefTensor, ta: boolean, tb: boolean, out: { dtype: DType; shape: readonly number[] }): RefTensor {
  const d = matmulDims(a.shape, b.shape, ta, tb);
  const M = d.m as number, K = d.k as number, N = d.n as number;
  const batch = size(out.shape.slice(0, -2));
  const batchA = size(a.shape.slice(0, -2)), batchB = size(b.shape.slice(0, -2));
  const res = tensor(out.dtype, out.shape);
  // Right-aligned broadcast over missing leading dims: the shorter operand repeats every batchX
  // matrices, so its batch index is the result's modulo its own batch count.
  for (let bi = 0; bi < batch; bi++) {
    const ao = (bi % batchA) * M * K, bo = (bi % batchB) * K * N, oo = bi * M * N;
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) {
          const av = a.data[ao + (ta ? k * M + i : i * K + k)]!;
          const bv = b.data[bo + (tb ? j * K + k : k * N + j)]!;
          s += av * bv;
        }
        res.data[oo + i * N + j] = s;
      }
    }
  }
  return rounded(res);
}

/** Sum a gradient over the leading batch dims its operand was broadcast across. */
function unbroadcastBatch(g: Node, operand: Node): Node {
  const extra = g.rank - operand.rank;
  return extra > 0 ? apply("sum", [g], { axes: range(0, extra), keepdims: false }) : g;
}

const mm = (a: Node, b: Node, ta: boolean, tb: boolean): Node =>
  apply("matmul", [a, b], { transpose_a: ta, transpose_b: tb });

export const matmulOp = defineOp({
  name: "matmul",
  family: "contraction",
  arity: 2,
  operands: ["a", "b"],
  attrs: {
    transpose_a: { kind: "bool", default: false, doc: "use a's last two axes transposed" },
    transpose_b: { kind: "bool", default: false, doc: "use b's last two axes transposed" },
  },
  doc: "Batched matrix product [..., M, K] · [..., K, N] → [..., M, N]; batch dims are right-aligned and the operand with fewer is broadcast over the missing leading ones.",
  dtype: (d) => floatDType(d),
  shape: ([a, b], at) => {
    const d = matmulDims(a!, b!, at.transpose_a, at.transpose_b);
    return [...d.batch, d.m, d.n];
  },
  reference: ([a, b], at, out) => matmulRef(a!, b!, at.transpose_a, at.transpose_b, out),
  vjp: ({ inputs, grad: g, attrs }) => {
    const [a, b] = [inputs[0]!, inputs[1]!];
    const ta = attrs.transpose_a, tb = attrs.transpose_b;
    // With A = op(a), B = op(b): dA = g·Bᵀ and dB = Aᵀ·g, transposed back where a or b was.
    const da = ta ? mm(b, g, tb, true) : mm(g, b, false, !tb);
    // A weight shared by every batch row (b of rank 2 against a batched a, a not transposed): its
    // gradient is one product over all rows, [P·M, K]ᵀ · [P·M, N], not P products and a sum.
    if (b.rank === 2 && a.rank > 2 && !ta) {
      const rows = a.shape.slice(0, -1).reduce((x: Dim, y) => dimMul(x, y), 1);
      const a2 = apply("reshape", [a], { shape: [rows, a.shape[a.rank - 1]!] });
      const g2 = apply("reshape", [g], { shape: [rows, g.shape[g.rank - 1]!] });
      return [unbroadcastBatch(da, a), tb ? mm(g2, a2, true, false) : mm(a2, g2, true, false)];
    }
    const db = tb ? mm(g, a, true, ta) : mm(a, g, !ta, false);
    return [unbroadcastBatch(da, a), unbroadcastBatch(db, b)];
  },
  differentiable: true,
  examples: () => [
    { inputs: [ex("f32", [3, 5]), ex("f32", [5, 4])], attrs: {} },
    { inputs: [ex("f32", [2, 3, 5]), ex("f32", [5, 4])], attrs: {}, note: "b broadcast over the batch" },
    { inputs: [ex("f32", [3, 5]), ex("f32", [2, 5, 4])], attrs: {}, note: "a broadcast over the batch" },
    { inputs: [ex("f32", [5, 3]), ex("f32", [5, 4])], attrs: { transpose_a: true } },
    { inputs: [ex("f32", [2, 3, 5]), ex("f32", [2, 4, 5])], attrs: { transpose_b: true } },
    { inputs: [ex("f32", [2, 5, 3]), ex("f32", [4, 5])], attrs: { transpose_a: true, transpose_b: true } },
    { inputs: [ex("f32", [2, 3, 2, 5]), ex("f32", [3, 5, 4])], attrs: {}, note: "two batch dims against one" },
  ],
});

// ---------------------------------------------------------------------------------------------
// conv2d and its gradients
//
// Indexing shared by all three: output position (ho, wo) with kernel tap (i, j) reads input row
// h = ho·sh − top + i and column w = wo·sw − left + j; taps that land in the padding read zero.

interface ConvAttrs {
  sh: number;
  sw: number;
  top: number;
  bottom: number;
  left: number;
  right: number;
}

const CONV_ATTRS = {
  stride: { kind: "ints", default: [1, 1], doc: "[sh, sw]" },
  padding: { kind: "ints", default: [0, 0, 0, 0], doc: "[top, bottom, left, right], zeros" },
} as const;
type ConvAttrValues = AttrValues<typeof CONV_ATTRS>;

function convAttrs(at: ConvAttrValues): ConvAttrs {
  const stride = at.stride, padding = at.padding;
  if (stride.length !== 2 || stride.some((s) => s < 1)) throw new Error(`stride must be two integers ≥ 1, got [${stride.join(", ")}]`);
  if (padding.length !== 4 || padding.some((p) => p < 0)) {
    throw new Error(`padding must be four integers ≥ 0 [top, bottom, left, right], got [${padding.join(", ")}]`);
  }
  return { sh: stride[0]!, sw: stride[1]!, top: padding[0]!, bottom: padding[1]!, left: padding[2]!, right: padding[3]! };
}

/** Output size along one spatial axis: floor((n + p0 + p1 − k) / s) + 1. */
function convOut(n: Dim, k: Dim, s: number, p0: number, p1: number, what: string): Dim {
  if (isSymbolic(k)) throw new Error(`kernel ${what} ${k} must be a concrete number`);
  if (isSymbolic(n)) {
    // Only a size-preserving convolution keeps a symbolic extent expressible as a product.
    if (s === 1 && p0 + p1 === k - 1) return n;
    throw new Error(`input ${what} ${n} is symbolic; conv2d needs it concrete unless stride is 1 and the padding sums to kernel − 1`);
  }
  if (n + p0 + p1 < k) throw new Error(`kernel ${what} ${k} exceeds the padded input ${what} ${n + p0 + p1}`);
  return Math.floor((n + p0 + p1 - k) / s) + 1;
}

function checkRank4(s: Shape, name: string, layout: string): void {
  if (s.length !== 4) throw new Error(`${name} must have rank 4 ${layout}, got ${formatShape(s)}`);
}

/** Check that a gradient's spatial extent is what conv2d would produce from the input extent. */
function checkGradExtent(g: Shape, h: Dim, w: Dim, kh: Dim, kw: Dim, c: ConvAttrs): void {
  const ho = convOut(h, kh, c.sh, c.top, c.bottom, "height"), wo = convOut(w, kw, c.sw, c.left, c.right, "width");
  if (!dimEq(ho, g[2]!) || !dimEq(wo, g[3]!)) {
    throw new Error(`g has spatial size [${g[2]}, ${g[3]}] but conv2d of an input of size [${h}, ${w}] gives [${ho}, ${wo}]`);
  }
}

type Conv = { n: number; c: number; h: number; w: number; o: number; kh: number; kw: number; ho: number; wo: number };

/**
 * Visit every (output position, kernel tap) pair whose input position is inside the image,
 * passing flat offsets into x [N, C, H, W], w [O, C, kh, kw] and y [N, O, Ho, Wo].
 */
function forEachTap(d: Conv, c: ConvAttrs, f: (xi: number, wi: number, yi: number) => void): void {
  for (let n = 0; n < d.n; n++) for (let o = 0; o < d.o; o++) for (let ho = 0; ho < d.ho; ho++) for (let wo = 0; wo < d.wo; wo++) {
    const yi = ((n * d.o + o) * d.ho + ho) * d.wo + wo;
    for (let ci = 0; ci < d.c; ci++) for (let i = 0; i < d.kh; i++) {
      const h = ho * c.sh - c.top + i;
      if (h < 0 || h >= d.h) continue;
      for (let j = 0; j < d.kw; j++) {
        const w = wo * c.sw - c.left + j;
        if (w < 0 || w >= d.w) continue;
        f(((n * d.c + ci) * d.h + h) * d.w + w, ((o * d.c + ci) * d.kh + i) * d.kw + j, yi);
      }
    }
  }
}


const conv = (x: Node, w: Node, at: ConvAttrValues): Node => apply("conv2d", [x, w], { stride: at.stride, padding: at.padding });
const convGradInput = (g: Node, w: Node, at: ConvAttrValues, hw: readonly Dim[]): Node =>
  apply("conv2d_grad_input", [g, w], { stride: at.stride, padding: at.padding, input_shape: [...hw] });
const convGradWeight = (x: Node, g: Node, at: ConvAttrValues, khw: readonly Dim[]): Node =>
  apply("conv2d_grad_weight", [x, g], { stride: at.stride, padding: at.padding, kernel: [...khw] as number[] });

/** The conv2d examples, as (x shape, w shape, attrs); the gradient ops derive theirs from these. */
const CONV_CASES: readonly { x: number[]; w: number[]; attrs: Partial<ConvAttrValues>; note: string }[] = [
  { x: [2, 3, 7, 6], w: [4, 3, 3, 3], attrs: { padding: [1, 1, 1, 1] }, note: "3x3, same padding" },
  { x: [1, 2, 7, 8], w: [5, 2, 3, 2], attrs: { stride: [2, 2], padding: [0, 1, 0, 1] }, note: "stride 2, asymmetric padding, ragged kernel" },
  { x: [2, 3, 6, 5], w: [2, 3, 2, 3], attrs: { stride: [2, 1], padding: [1, 0, 2, 1] }, note: "mixed strides, window misses the last row" },
  { x: [1, 4, 3, 5], w: [3, 4, 1, 1], attrs: {}, note: "1x1 projection" },
];

function convOutShape(x: readonly number[], w: readonly number[], at: Partial<ConvAttrValues>): number[] {
  const c = convAttrs({ stride: [1, 1], padding: [0, 0, 0, 0], ...at });
  return [x[0]!, w[0]!, convOut(x[2]!, w[2]!, c.sh, c.top, c.bottom, "height") as number, convOut(x[3]!, w[3]!, c.sw, c.left, c.right, "width") as number];
}

export const conv2dOp = defineOp({
  name: "conv2d",
  family: "contraction",
  arity: 2,
  operands: ["x", "w"],
  attrs: CONV_ATTRS,
  doc: "2-D cross-correlation x [N, C, H, W] ⋆ w [O, C, kh, kw] → [N, O, Ho, Wo] with Ho = floor((H + top + bottom − kh) / sh) + 1; padding is zeros.",
  dtype: (d) => floatDType(d),
  shape: ([x, w], at) => {
    checkRank4(x!, "x", "[N, C, H, W]");
    checkRank4(w!, "w", "[O, C, kh, kw]");
    if (!dimEq(x![1]!, w![1]!)) throw new Error(`input channels ${x![1]} and weight channels ${w![1]} differ`);
    const c = convAttrs(at);
    return [x![0]!, w![0]!, convOut(x![2]!, w![2]!, c.sh, c.top, c.bottom, "height"), convOut(x![3]!, w![3]!, c.sw, c.left, c.right, "width")];
  },
  reference: ([x, w], at, out) => {
    const [n, c, h, wd] = x!.shape as [number, number, number, number];
    const [o, , kh, kw] = w!.shape as [number, number, number, number];
    const y = tensor(out.dtype, out.shape);
    const d: Conv = { n, c, h, w: wd, o, kh, kw, ho: out.shape[2]!, wo: out.shape[3]! };
    forEachTap(d, convAttrs(at), (xi, wi, yi) => { y.data[yi] = y.data[yi]! + x!.data[xi]! * w!.data[wi]!; });
    return rounded(y);
  },
  vjp: ({ inputs, grad, attrs }) => {
    const [x, w] = [inputs[0]!, inputs[1]!];
    return [convGradInput(grad, w, attrs, x.shape.slice(2)), convGradWeight(x, grad, attrs, w.shape.slice(2))];
  },
  differentiable: true,
  examples: () => CONV_CASES.map((k): OpExample => ({ inputs: [ex("f32", k.x), ex("f32", k.w)], attrs: k.attrs, note: k.note })),
});

export const conv2dGradInputOp = defineOp({
  name: "conv2d_grad_input",
  family: "contraction",
  arity: 2,
  operands: ["g", "w"],
  attrs: { ...CONV_ATTRS, input_shape: { kind: "shape", doc: "[H, W] of conv2d's input" } },
  doc: "dL/dx of conv2d: g [N, O, Ho, Wo] and w [O, C, kh, kw] → [N, C, H, W] (the transposed convolution).",
  dtype: (d) => floatDType(d),
  shape: ([g, w], at) => {
    checkRank4(g!, "g", "[N, O, Ho, Wo]");
    checkRank4(w!, "w", "[O, C, kh, kw]");
    const hw = at.input_shape;
    if (hw.length !== 2) throw new Error(`input_shape must be [H, W], got ${formatShape(hw)}`);
    if (!dimEq(g![1]!, w![0]!)) throw new Error(`gradient channels ${g![1]} and weight output channels ${w![0]} differ`);
    checkGradExtent(g!, hw[0]!, hw[1]!, w![2]!, w![3]!, convAttrs(at));
    return [g![0]!, w![1]!, hw[0]!, hw[1]!];
  },
  reference: ([g, w], at, out) => {
    const [n, c, h, wd] = out.shape as [number, number, number, number];
    const [o, , kh, kw] = w!.shape as [number, number, number, number];
    const dx = tensor(out.dtype, out.shape);
    const d: Conv = { n, c, h, w: wd, o, kh, kw, ho: g!.shape[2]!, wo: g!.shape[3]! };
    forEachTap(d, convAttrs(at), (xi, wi, yi) => { dx.data[xi] = dx.data[xi]! + g!.data[yi]! * w!.data[wi]!; });
    return rounded(dx);
  },
  vjp: ({ inputs, grad, attrs }) => {
    // dx = Σ g·w is bilinear: dL/dg is conv2d of the incoming gradient with w, and dL/dw treats
    // the incoming gradient as conv2d's input and g as its output gradient.
    const [g, w] = [inputs[0]!, inputs[1]!];
    return [conv(grad, w, attrs), convGradWeight(grad, g, attrs, w.shape.slice(2))];
  },
  differentiable: true,
  examples: () => CONV_CASES.map((k): OpExample => ({
    inputs: [ex("f32", convOutShape(k.x, k.w, k.attrs)), ex("f32", k.w)],
    attrs: { ...k.attrs, input_shape: k.x.slice(2) },
    note: k.note,
  })),
});

export const conv2dGradWeightOp = defineOp({
  name: "conv2d_grad_weight",
  family: "contraction",
  arity: 2,
  operands: ["x", "g"],
  attrs: { ...CONV_ATTRS, kernel: { kind: "ints", doc: "[kh, kw] of conv2d's weight" } },
  doc: "dL/dw of conv2d: x [N, C, H, W] and g [N, O, Ho, Wo] → [O, C, kh, kw].",
  dtype: (d) => floatDType(d),
  shape: ([x, g], at) => {
    checkRank4(x!, "x", "[N, C, H, W]");
    checkRank4(g!, "g", "[N, O, Ho, Wo]");
    const k = at.kernel;
    if (k.length !== 2 || k.some((v) => v < 1)) throw new Error(`kernel must be [kh, kw] with sizes ≥ 1, got [${k.join(", ")}]`);
    if (!dimEq(x![0]!, g![0]!)) throw new Error(`batch sizes ${x![0]} and ${g![0]} differ`);
    checkGradExtent(g!, x![2]!, x![3]!, k[0]!, k[1]!, convAttrs(at));
    return [g![1]!, x![1]!, k[0]!, k[1]!];
  },
  reference: ([x, g], at, out) => {
    const [n, c, h, wd] = x!.shape as [number, number, number, number];
    const [o, , kh, kw] = out.shape as [number, number, number, number];
    const dw = tensor(out.dtype, out.shape);
    const d: Conv = { n, c, h, w: wd, o, kh, kw, ho: g!.shape[2]!, wo: g!.shape[3]! };
    forEachTap(d, convAttrs(at), (xi, wi, yi) => { dw.data[wi] = dw.data[wi]! + g!.data[yi]! * x!.data[xi]!; });
    return rounded(dw);
  },
  vjp: ({ inputs, grad, attrs }) => {
    // dw = Σ g·x: dL/dx is the transposed convolution of g with the incoming gradient as the
    // kernel, and dL/dg is conv2d of x with it.
    const [x, g] = [inputs[0]!, inputs[1]!];
    return [convGradInput(g, grad, attrs, x.shape.slice(2)), conv(x, grad, attrs)];
  },
  differentiable: true,
  examples: () => CONV_CASES.map((k): OpExample => ({
    inputs: [ex("f32", k.x), ex("f32", convOutShape(k.x, k.w, k.attrs))],
    attrs: { ...k.attrs, kernel: k.w.slice(2) },
    note: k.note,
  })),
});

// ---------------------------------------------------------------------------------------------
// upsample_nearest

export const upsampleNearestOp = defineOp({
  name: "upsample_nearest",
  family: "contraction",
  arity: 1,
  operands: ["x"],
  attrs: { scale: { kind: "int", doc: "integer factor s ≥ 1 for both spatial axes" } },
  doc: "Nearest-neighbour upsampling x [N, C, H, W] → [N, C, H·s, W·s]: each pixel becomes an s×s block.",
  dtype: (d) => floatDType(d),
  shape: ([x], at) => {
    checkRank4(x!, "x", "[N, C, H, W]");
    const s = at.scale;
    if (s < 1) throw new Error(`scale must be ≥ 1, got ${s}`);
    return [x![0]!, x![1]!, dimMul(x![2]!, s), dimMul(x![3]!, s)];
  },
  reference: ([x], at, out) => {
    const s = at.scale;
    const [n, c, h, w] = x!.shape as [number, number, number, number];
    const y = tensor(out.dtype, out.shape);
    const W = w * s;
    for (let p = 0; p < n * c; p++) for (let i = 0; i < h * s; i++) for (let j = 0; j < W; j++) {
      y.data[(p * h * s + i) * W + j] = x!.data[(p * h + Math.floor(i / s)) * w + Math.floor(j / s)]!;
    }
    return rounded(y);
  },
  vjp: ({ inputs, grad, attrs }) => {
    // Each input pixel feeds an s×s block: view g as [N, C, H, s, W, s] and sum the block axes.
    const x = inputs[0]!, s = attrs.scale;
    const [n, c, h, w] = x.shape as [Dim, Dim, Dim, Dim];
    const blocks = apply("reshape", [grad], { shape: [n, c, h, s, w, s] });
    return [apply("sum", [blocks], { axes: [3, 5], keepdims: false })];
  },
  differentiable: true,
  examples: () => [
    { inputs: [ex("f32", [2, 3, 3, 4])], attrs: { scale: 2 } },
    { inputs: [ex("f32", [1, 2, 2, 3])], attrs: { scale: 3 } },
    { inputs: [ex("f32", [1, 1, 2, 2])], attrs: { scale: 1 } },
  ],
});
