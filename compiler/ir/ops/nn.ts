// Neural-network composites: softmax, log_softmax, layer_norm, group_norm, gelu, silu, rotary,
// cross_entropy.
//
// Each is one op in the IR so passes can fuse it and backends can give it a kernel, and each
// carries a decomposition into primitives (the fallback lowering, checked against the reference
// here in float64). VJPs are written directly (y·(g − Σg·y) for softmax, the recomputed-statistics
// form for the norms) rather than by differentiating the decomposition, which would keep every
// intermediate of the forward pass alive.

import { apply, constant, full, mul, neg, sub, add, div } from "../build.ts";
import type { Node } from "../graph.ts";
import type { OpExample } from "../op.ts";
import { defineOp } from "../op.ts";
import type { RefTensor } from "../ref.ts";
import { roundTo, size, tensor } from "../ref.ts";
import type { Dim, DType, Shape } from "../types.ts";
import { dimDiv, dimEq, dimMul, formatShape, isSymbolic, numel } from "../types.ts";
import { erf } from "./elementwise.ts";
import { ex, floatDType, mapRef } from "./util.ts";

// ---------------------------------------------------------------------------------------------
// Builders (called only inside functions: this file loads while build.ts is loading)

const range = (lo: number, hi: number): number[] => Array.from({ length: hi - lo }, (_, i) => lo + i);
const sum = (x: Node, axes: readonly number[], keepdims = false): Node => apply("sum", [x], { axes: [...axes], keepdims });
const max = (x: Node, axes: readonly number[], keepdims = false): Node => apply("max", [x], { axes: [...axes], keepdims });
const mean = (x: Node, axes: readonly number[], keepdims = false): Node => apply("mean", [x], { axes: [...axes], keepdims });
const bcast = (x: Node, shape: Shape): Node => apply("broadcast", [x], { shape: [...shape] });
const reshape = (x: Node, shape: Shape): Node => apply("reshape", [x], { shape: [...shape] });
const cast = (x: Node, to: DType): Node => (x.dtype === to ? x : apply("cast", [x], { to }));
const where = (c: Node, a: Node, b: Node): Node => apply("where", [c, a, b]);
const un = (op: string, x: Node): Node => apply(op, [x]);
/** Reduce `axes` with keepdims and broadcast back to x's shape (the usual row statistic). */
const rowStat = (f: typeof sum, x: Node, axes: readonly number[]): Node => bcast(f(x, axes, true), x.shape);

// ---------------------------------------------------------------------------------------------
// Shared shape and reference helpers

function checkAxis(axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < 0 || axis >= rank) {
    throw new Error(`axis ${axis} out of range for rank ${rank} (the IR takes normalized axes, 0 ≤ axis < rank)`);
  }
  return axis;
}

/**
 * Visit every 1-D line of x along `axis`: f(base, stride, n) where element k of the line is at
 * flat offset base + k·stride.
 */
function forEachLine(shape: readonly number[], axis: number, f: (base: number, stride: number, n: number) => void): void {
  const n = shape[axis]!, inner = size(shape.slice(axis + 1)), outer = size(shape.slice(0, axis));
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) f(o * n * inner + i, inner, n);
}

function finish(t: RefTensor): RefTensor {
  for (let i = 0; i < t.data.length; i++) t.data[i] = roundTo(t.dtype, t.data[i]!);
  return t;
}

/** Row-wise softmax or log-softmax in float64, max-subtracted. */
function softmaxRef(x: RefTensor, axis: number, dtype: DType, log: boolean): RefTensor {
  const y = tensor(dtype, x.shape);
  forEachLine(x.shape, axis, (base, st, n) => {
    let m = -Infinity;
    for (let k = 0; k < n; k++) m = Math.max(m, x.data[base + k * st]!);
    let s = 0;
    for (let k = 0; k < n; k++) s += Math.exp(x.data[base + k * st]! - m);
    const lse = Math.log(s);
    for (let k = 0; k < n; k++) {
      const z = x.data[base + k * st]! - m;
      y.data[base + k * st] = log ? z - lse : Math.exp(z) / s;
    }
  });
  return finish(y);
}

/** Mean and 1/√(biased variance + eps) of n values starting at `base` with `stride`. */
function moments(d: Float64Array, base: number, stride: number, n: number, eps: number): [number, number] {
  let m = 0;
  for (let k = 0; k < n; k++) m += d[base + k * stride]!;
  m /= n;
  let v = 0;
  for (let k = 0; k < n; k++) v += (d[base + k * stride]! - m) ** 2;
  return [m, 1 / Math.sqrt(v / n + eps)];
}

/**
 * Normalize x along `axes` (the last axes of x): xhat = (x − mean)·rstd, with mean and rstd
 * broadcast back to x's shape. Used by the decompositions and recomputed by the VJPs.
 */
function normalize(x: Node, axes: readonly number[], eps: number): { xhat: Node; rstd: Node } {
  const xc = sub(x, rowStat(mean, x, axes));
  const v = mean(mul(xc, xc), axes, true);
  const rstd = bcast(un("rsqrt", add(v, full(v, eps))), x.shape);
  return { xhat: mul(xc, rstd), rstd };
}

/**
 * dL/dx of xhat = normalize(x) along `axes`, given gx = dL/dxhat:
 * rstd·(gx − mean(gx) − xhat·mean(gx·xhat)).
 */
function normalizeVjp(gx: Node, xhat: Node, rstd: Node, axes: readonly number[]): Node {
  return mul(rstd, sub(sub(gx, rowStat(mean, gx, axes)), mul(xhat, rowStat(mean, mul(gx, xhat), axes))));
}

// ---------------------------------------------------------------------------------------------
// softmax, log_softmax

const axisAttr = { axis: { kind: "int", doc: "0 ≤ axis < rank" } } as const;
const softmaxExamples = (): OpExample[] => [
  { inputs: [ex("f32", [3, 5])], attrs: { axis: 1 } },
  { inputs: [ex("f32", [2, 4, 3], { kind: "normal", scale: 3 })], attrs: { axis: 1 }, note: "middle axis, wide logits" },
  { inputs: [ex("f32", [2, 3, 5])], attrs: { axis: 0 } },
  { inputs: [ex("f32", [7])], attrs: { axis: 0 } },
];

export const softmaxOp = defineOp({
  name: "softmax",
  family: "composite",
  arity: 1,
  operands: ["x"],
  attrs: axisAttr,
  doc: "exp(x − max) / Σ exp(x − max) along one axis.",
  dtype: (d) => floatDType(d),
  shape: ([x], a) => (checkAxis(a.axis, x!.length), x!),
  reference: ([x], a, out) => softmaxRef(x!, a.axis, out.dtype, false),
  decompose: ([x], a) => {
    const ax = [a.axis];
    const e = un("exp", sub(x!, rowStat(max, x!, ax)));
    return div(e, rowStat(sum, e, ax));
  },
  vjp: ({ out: y, grad: g, attrs }) => {
    // dx = y·(g − Σ g·y)
    const ax = [attrs.axis];
    return [mul(y, sub(g, rowStat(sum, mul(g, y), ax)))];
  },
  differentiable: true,
  examples: softmaxExamples,
});

export const logSoftmaxOp = defineOp({
  name: "log_softmax",
  family: "composite",
  arity: 1,
  operands: ["x"],
  attrs: axisAttr,
  doc: "x − max − log Σ exp(x − max) along one axis.",
  dtype: (d) => floatDType(d),
  shape: ([x], a) => (checkAxis(a.axis, x!.length), x!),
  reference: ([x], a, out) => softmaxRef(x!, a.axis, out.dtype, true),
  decompose: ([x], a) => {
    const ax = [a.axis];
    const z = sub(x!, rowStat(max, x!, ax));
    return sub(z, bcast(un("log", sum(un("exp", z), ax, true)), z.shape));
  },
  vjp: ({ out: y, grad: g, attrs }) => {
    // dx = g − softmax·Σ g
    const ax = [attrs.axis];
    return [sub(g, mul(un("exp", y), rowStat(sum, g, ax)))];
  },
  differentiable: true,
  examples: softmaxExamples,
});

// ---------------------------------------------------------------------------------------------
// layer_norm: x [..., D], weight [D], bias [D]

/** Affine parameters [D] broadcast over x [..., D]. */
const affine = (xhat: Node, w: Node, b: Node): Node => add(mul(xhat, bcast(w, xhat.shape)), bcast(b, xhat.shape));

export const layerNormOp = defineOp({
  name: "layer_norm",
  family: "composite",
  arity: 3,
  operands: ["x", "weight", "bias"],
  attrs: { eps: { kind: "float", default: 1e-5 } },
  doc: "(x − mean)/√(var + eps)·weight + bias over the last axis D (biased variance).",
  dtype: (d) => floatDType(d),
  shape: ([x, w, b]) => {
    if (x!.length < 1) throw new Error("x must have rank ≥ 1 (the normalized axis is the last)");
    const D = x![x!.length - 1]!;
    for (const [name, s] of [["weight", w!], ["bias", b!]] as const) {
      if (s.length !== 1 || !dimEq(s[0]!, D)) throw new Error(`${name} must have shape [${D}] (x's last axis), got ${formatShape(s)}`);
    }
    return x!;
  },
  reference: ([x, w, b], a, out) => {
    const eps = a.eps;
    const y = tensor(out.dtype, out.shape);
    forEachLine(x!.shape, x!.shape.length - 1, (base, _st, n) => {
      const [m, r] = moments(x!.data, base, 1, n, eps);
      for (let k = 0; k < n; k++) y.data[base + k] = (x!.data[base + k]! - m) * r * w!.data[k]! + b!.data[k]!;
    });
    return finish(y);
  },
  decompose: ([x, w, b], a) => affine(normalize(x!, [x!.rank - 1], a.eps).xhat, w!, b!),
  vjp: ({ inputs, grad: g, attrs }) => {
    const [x, w] = [inputs[0]!, inputs[1]!];
    const last = [x.rank - 1], lead = range(0, x.rank - 1);
    const { xhat, rstd } = normalize(x, last, attrs.eps);
    const dx = normalizeVjp(mul(g, bcast(w, x.shape)), xhat, rstd, last);
    return [dx, sum(mul(g, xhat), lead), sum(g, lead)];
  },
  differentiable: true,
  examples: () => [
    { inputs: [ex("f32", [3, 5]), ex("f32", [5]), ex("f32", [5])], attrs: {} },
    { inputs: [ex("f32", [2, 3, 6], { kind: "normal", scale: 4 }), ex("f32", [6]), ex("f32", [6])], attrs: { eps: 1e-3 } },
    { inputs: [ex("f32", [7]), ex("f32", [7]), ex("f32", [7])], attrs: {}, note: "a single row" },
  ],
});

// ---------------------------------------------------------------------------------------------
// group_norm: x [N, C, ...spatial], weight [C], bias [C]

function groupShape(x: Shape, groups: number): Dim[] {
  const cg = dimDiv(x[1]!, groups);
  if (cg === undefined) throw new Error(`channels ${x[1]} are not divisible by groups ${groups}`);
  return [x[0]!, groups, dimMul(cg, numel(x.slice(2)))];
}

/** Per-channel parameters [C] broadcast over x [N, C, ...]. */
const perChannel = (p: Node, x: Node): Node => bcast(reshape(p, [p.shape[0]!, ...x.shape.slice(2).map(() => 1)]), x.shape);

export const groupNormOp = defineOp({
  name: "group_norm",
  family: "composite",
  arity: 3,
  operands: ["x", "weight", "bias"],
  attrs: { groups: { kind: "int" }, eps: { kind: "float", default: 1e-6 } },
  doc: "Normalize x [N, C, ...] over (C/groups channels × spatial) per group, then weight [C] and bias [C] per channel.",
  dtype: (d) => floatDType(d),
  shape: ([x, w, b], a) => {
    const G = a.groups;
    if (x!.length < 2) throw new Error(`x must be [N, C, ...], got ${formatShape(x!)}`);
    if (G < 1) throw new Error(`groups must be ≥ 1, got ${G}`);
    groupShape(x!, G);
    for (const [name, s] of [["weight", w!], ["bias", b!]] as const) {
      if (s.length !== 1 || !dimEq(s[0]!, x![1]!)) throw new Error(`${name} must have shape [${x![1]}] (x's channels), got ${formatShape(s)}`);
    }
    return x!;
  },
  reference: ([x, w, b], a, out) => {
    // Each (n, group) is a contiguous run of C/G·S elements.
    const G = a.groups, eps = a.eps;
    const [N, C] = x!.shape as [number, number];
    const S = size(x!.shape.slice(2)), run = (C / G) * S;
    const y = tensor(out.dtype, out.shape);
    for (let p = 0; p < N * G; p++) {
      const [m, r] = moments(x!.data, p * run, 1, run, eps);
      for (let k = 0; k < run; k++) {
        const i = p * run + k, c = Math.floor(i / S) % C;
        y.data[i] = (x!.data[i]! - m) * r * w!.data[c]! + b!.data[c]!;
      }
    }
    return finish(y);
  },
  decompose: ([x, w, b], a) => {
    const xr = reshape(x!, groupShape(x!.shape, a.groups)); // [N, G, C/G·S]
    const xhat = reshape(normalize(xr, [2], a.eps).xhat, x!.shape);
    return add(mul(xhat, perChannel(w!, x!)), perChannel(b!, x!));
  },
  vjp: ({ inputs, grad: g, attrs }) => {
    const [x, w] = [inputs[0]!, inputs[1]!];
    const gs = groupShape(x.shape, attrs.groups);
    const { xhat, rstd } = normalize(reshape(x, gs), [2], attrs.eps); // [N, G, C/G·S]
    const gx = reshape(mul(g, perChannel(w, x)), gs);
    const dx = reshape(normalizeVjp(gx, xhat, rstd, [2]), x.shape);
    const notC = [0, ...range(2, x.rank)];
    return [dx, sum(mul(g, reshape(xhat, x.shape)), notC), sum(g, notC)];
  },
  differentiable: true,
  examples: () => [
    { inputs: [ex("f32", [2, 6, 3, 4]), ex("f32", [6]), ex("f32", [6])], attrs: { groups: 3 } },
    { inputs: [ex("f32", [1, 4, 5]), ex("f32", [4]), ex("f32", [4])], attrs: { groups: 1, eps: 1e-3 }, note: "one group, 1-D spatial" },
    { inputs: [ex("f32", [3, 6]), ex("f32", [6]), ex("f32", [6])], attrs: { groups: 2 }, note: "no spatial axes" },
    { inputs: [ex("f32", [1, 4, 2, 3]), ex("f32", [4]), ex("f32", [4])], attrs: { groups: 4 }, note: "instance norm" },
  ],
});

// ---------------------------------------------------------------------------------------------
// gelu, silu

const GELU_C = Math.sqrt(2 / Math.PI), GELU_A = 0.044715;

export function geluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(GELU_C * (x + GELU_A * x * x * x)));
}
export function geluErf(x: number): number {
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

export const geluOp = defineOp({
  name: "gelu",
  family: "composite",
  arity: 1,
  operands: ["x"],
  attrs: { approximate: { kind: "string", oneOf: ["tanh", "none"], doc: `"tanh": 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))); "none": 0.5x(1 + erf(x/√2))` } },
  doc: "Gaussian error linear unit, in the tanh approximation or the exact erf form.",
  dtype: (d) => floatDType(d),
  shape: ([x]) => x!,
  reference: ([x], a, out) => mapRef([x!], out.dtype, a["approximate"] === "tanh" ? geluTanh : geluErf),
  decompose: ([x], a) => {
    const half = mul(full(x!, 0.5), x!);
    if (a["approximate"] === "tanh") {
      const u = mul(full(x!, GELU_C), add(x!, mul(full(x!, GELU_A), mul(x!, mul(x!, x!)))));
      return mul(half, add(full(x!, 1), un("tanh", u)));
    }
    return mul(half, add(full(x!, 1), un("erf", mul(x!, full(x!, Math.SQRT1_2)))));
  },
  vjp: ({ inputs, grad: g, attrs }) => {
    const x = inputs[0]!, one = full(x, 1), x2 = mul(x, x);
    if (attrs["approximate"] === "tanh") {
      // d/dx = 0.5(1 + t) + 0.5x(1 − t²)·c(1 + 3a·x²), t = tanh(c(x + a·x³))
      const t = un("tanh", mul(full(x, GELU_C), add(x, mul(full(x, GELU_A), mul(x, x2)))));
      const du = mul(full(x, GELU_C), add(one, mul(full(x, 3 * GELU_A), x2)));
      const d = add(mul(full(x, 0.5), add(one, t)), mul(mul(full(x, 0.5), x), mul(sub(one, mul(t, t)), du)));
      return [mul(g, d)];
    }
    // d/dx = Φ(x) + x·φ(x) = 0.5(1 + erf(x/√2)) + x·exp(−x²/2)/√(2π)
    const cdf = mul(full(x, 0.5), add(one, un("erf", mul(x, full(x, Math.SQRT1_2)))));
    const pdf = mul(full(x, 1 / Math.sqrt(2 * Math.PI)), un("exp", mul(full(x, -0.5), x2)));
    return [mul(g, add(cdf, mul(x, pdf)))];
  },
  differentiable: true,
  examples: () => [
    { inputs: [ex("f32", [3, 5], { kind: "normal", scale: 2 })], attrs: { approximate: "tanh" } },
    { inputs: [ex("f32", [3, 5], { kind: "normal", scale: 2 })], attrs: { approximate: "none" } },
    { inputs: [ex("f32", [2, 3, 4])], attrs: { approximate: "tanh" } },
  ],
});

export const siluOp = defineOp({
  name: "silu",
  family: "composite",
  arity: 1,
  operands: ["x"],
  attrs: {},
  doc: "x·σ(x) (swish).",
  dtype: (d) => floatDType(d),
  shape: ([x]) => x!,
  reference: ([x], _a, out) => mapRef([x!], out.dtype, (v) => v / (1 + Math.exp(-v))),
  decompose: ([x]) => mul(x!, un("sigmoid", x!)),
  vjp: ({ inputs, grad: g }) => {
    // d/dx = σ(x)(1 + x(1 − σ(x)))
    const x = inputs[0]!, s = un("sigmoid", x), one = full(x, 1);
    return [mul(g, mul(s, add(one, mul(x, sub(one, s)))))];
  },
  differentiable: true,
  examples: () => [
    { inputs: [ex("f32", [3, 5], { kind: "normal", scale: 3 })], attrs: {} },
    { inputs: [ex("f32", [2, 3, 4])], attrs: {} },
  ],
});

// ---------------------------------------------------------------------------------------------
// rotary: x [..., L, D], positions i32 [L]

function rotaryDims(x: Shape, rd: number): { L: Dim; D: number } {
  if (x.length < 2) throw new Error(`x must be [..., L, D], got ${formatShape(x)}`);
  const D = x[x.length - 1]!;
  if (isSymbolic(D)) throw new Error(`the last axis ${D} must be a concrete number`);
  if (rd < 2 || rd % 2 !== 0 || rd > D) throw new Error(`rotary_dim must be even with 2 ≤ rotary_dim ≤ ${D}, got ${rd}`);
  return { L: x[x.length - 2]!, D };
}

export const rotaryOp = defineOp({
  name: "rotary",
  family: "composite",
  arity: 2,
  operands: ["x", "positions"],
  attrs: {
    rotary_dim: { kind: "int", doc: "even, ≤ D: the leading dims that rotate; the rest pass through" },
    base: { kind: "float", default: 10000 },
  },
  doc: "Split-half rotary position embedding on the first rotary_dim dims of x [..., L, D] at positions [L]: θᵢ = pos·base^(−2i/rotary_dim), (x[i], x[i+h]) rotated by θᵢ.",
  dtype: ([x, p]) => {
    if (p !== "i32") throw new Error(`positions must be i32, got ${p}`);
    return floatDType([x!]);
  },
  shape: ([x, p], a) => {
    const { L } = rotaryDims(x!, a.rotary_dim);
    if (p!.length !== 1 || !dimEq(p![0]!, L)) throw new Error(`positions must have shape [${L}] (x's second-to-last axis), got ${formatShape(p!)}`);
    return x!;
  },
  reference: ([x, pos], a, out) => {
    const rd = a.rotary_dim, base = a.base, h = rd / 2;
    const D = x!.shape[x!.shape.length - 1]!, L = x!.shape[x!.shape.length - 2]!;
    const y = tensor(out.dtype, out.shape);
    y.data.set(x!.data);
    for (let r = 0; r < x!.data.length / D; r++) {
      const p = pos!.data[r % L]!, o = r * D;
      for (let i = 0; i < h; i++) {
        const th = p * Math.pow(base, (-2 * i) / rd), c = Math.cos(th), s = Math.sin(th);
        const x1 = x!.data[o + i]!, x2 = x!.data[o + i + h]!;
        y.data[o + i] = x1 * c - x2 * s;
        y.data[o + i + h] = x2 * c + x1 * s;
      }
    }
    return finish(y);
  },
  decompose: ([x, pos], a) => {
    const rd = a.rotary_dim, base = a.base, h = rd / 2;
    const { L, D } = rotaryDims(x!.shape, rd);
    const last = x!.rank - 1;
    // Angle table θ [L, h] in f32 whatever x's dtype: positions reach thousands.
    const i = cast(apply("iota", [], { shape: [L, h], axis: 1 }), "f32");
    const invFreq = apply("pow", [constant(base, "f32", [L, h]), mul(i, constant(-2 / rd, "f32", [L, h]))]);
    const theta = mul(bcast(reshape(cast(pos!, "f32"), [L, 1]), [L, h]), invFreq);
    const half = [...x!.shape.slice(0, -1), h];
    const cos = bcast(cast(un("cos", theta), x!.dtype), half), sin = bcast(cast(un("sin", theta), x!.dtype), half);
    const part = (start: number, end: number) => apply("slice", [x!], { axis: last, start, end });
    const [x1, x2] = [part(0, h), part(h, rd)];
    const rotated = [sub(mul(x1, cos), mul(x2, sin)), add(mul(x2, cos), mul(x1, sin))];
    return apply("concat", rd < D ? [...rotated, part(rd, D)] : rotated, { axis: last });
  },
  vjp: ({ inputs, grad, attrs }) => [
    // A rotation's transpose is the rotation by −θ, which is rotary at negated positions.
    apply("rotary", [grad, neg(inputs[1]!)], attrs),
    null,
  ],
  differentiable: true,
  examples: () => [
    { inputs: [ex("f32", [2, 3, 5, 8]), ex("i32", [5], { kind: "int", lo: 0, hi: 64 })], attrs: { rotary_dim: 8 } },
    { inputs: [ex("f32", [4, 6]), ex("i32", [4], { kind: "int", lo: 0, hi: 2048 })], attrs: { rotary_dim: 4 }, note: "partial rotary" },
    { inputs: [ex("f32", [2, 7, 10]), ex("i32", [7], { kind: "int", lo: 0, hi: 30 })], attrs: { rotary_dim: 6, base: 500 }, note: "partial rotary, small base" },
  ],
});

// ---------------------------------------------------------------------------------------------
// cross_entropy: logits [..., V], labels i32 [...]

/** One-hot of labels [...] over logits [..., V] as a bool mask (ignored labels match nothing). */
function oneHot(logits: Node, labels: Node): Node {
  const last = logits.rank - 1;
  const cls = apply("iota", [], { shape: [...logits.shape], axis: last });
  return apply("eq", [cls, bcast(reshape(labels, [...labels.shape, 1]), logits.shape)]);
}
/**
 * logp[..., label] for every row: a gather from the flattened [R·V] tensor at r·V + label (label
 * clamped; ignored rows are masked by the caller), so no [..., V] one-hot is built. Symbolic or
 * i32-overflowing sizes fall back to Σ where(onehot, logp, 0).
 */
function pickAt(logp: Node, labels: Node): Node {
  const V = logp.shape[logp.rank - 1]!;
  const lead = labels.shape;
  const R = lead.reduce((a: number | undefined, d) => (a === undefined || typeof d !== "number" ? undefined : a * d), 1 as number | undefined);
  if (typeof V !== "number" || R === undefined || R * V >= 2 ** 31) {
    return sum(where(oneHot(logp, labels), logp, full(logp, 0)), [logp.rank - 1]);
  }
  const lab = reshape(labels, [R]);
  const clamped = apply("maximum", [apply("minimum", [lab, constant(V - 1, "i32", [R])]), constant(0, "i32", [R])]);
  const idx = apply("add", [apply("mul", [apply("iota", [], { shape: [R], axis: 0 }), constant(V, "i32", [R])]), clamped]);
  return reshape(apply("gather", [reshape(logp, [R * V]), idx], { axis: 0 }), lead);
}
const validMask = (labels: Node, ignore: number): Node => apply("ne", [labels, constant(ignore, "i32", labels.shape)]);
/** Σ over every axis of x (a no-op on a scalar). */
const total = (x: Node): Node => sum(x, range(0, x.rank));
/** Count of non-ignored labels as a float scalar, at least 1 so an all-ignored batch gives 0. */
const countOf = (valid: Node, dtype: DType): Node => {
  const n = total(cast(valid, dtype));
  return apply("maximum", [n, full(n, 1)]);
};

export const crossEntropyOp = defineOp({
  name: "cross_entropy",
  family: "composite",
  arity: 2,
  operands: ["logits", "labels"],
  attrs: {
    ignore_index: { kind: "int", default: -100 },
    reduction: { kind: "string", default: "mean", oneOf: ["mean", "sum", "none"] },
  },
  doc: "−log softmax(logits)[label] over the last axis; ignored labels contribute 0, and \"mean\" divides by the count of the others (0 when there are none).",
  dtype: ([l, y]) => {
    if (y !== "i32") throw new Error(`labels must be i32, got ${y}`);
    return floatDType([l!]);
  },
  shape: ([l, y], a) => {
    if (l!.length < 1) throw new Error("logits must have rank ≥ 1 (classes on the last axis)");
    const lead = l!.slice(0, -1);
    if (y!.length !== lead.length || !y!.every((d, i) => dimEq(d, lead[i]!))) {
      throw new Error(`labels shape ${formatShape(y!)} must equal the logits shape without its last axis ${formatShape(lead)}`);
    }
    return a.reduction === "none" ? lead : [];
  },
  reference: ([logits, labels], a, out) => {
    const V = logits!.shape[logits!.shape.length - 1]!, ignore = a.ignore_index;
    const losses = new Float64Array(labels!.data.length);
    let count = 0;
    for (let r = 0; r < losses.length; r++) {
      const label = labels!.data[r]!;
      if (label === ignore) continue;
      if (label < 0 || label >= V) throw new Error(`label ${label} at row ${r} is outside [0, ${V}) and is not ignore_index ${ignore}`);
      let m = -Infinity;
      for (let k = 0; k < V; k++) m = Math.max(m, logits!.data[r * V + k]!);
      let s = 0;
      for (let k = 0; k < V; k++) s += Math.exp(logits!.data[r * V + k]! - m);
      losses[r] = m + Math.log(s) - logits!.data[r * V + label]!;
      count++;
    }
    const y = tensor(out.dtype, out.shape);
    const red = a.reduction;
    if (red === "none") y.data.set(losses);
    else {
      const s = losses.reduce((p, v) => p + v, 0);
      y.data[0] = red === "sum" ? s : s / Math.max(count, 1);
    }
    return finish(y);
  },
  decompose: ([logits, labels], a) => {
    const lg = logits!, last = [lg.rank - 1];
    const z = sub(lg, rowStat(max, lg, last));
    const logp = sub(z, bcast(un("log", sum(un("exp", z), last, true)), z.shape)); // [..., V]
    const picked = pickAt(logp, labels!); // [...]
    const valid = validMask(labels!, a.ignore_index);
    const loss = where(valid, neg(picked), full(picked, 0));
    const red = a.reduction;
    if (red === "none") return loss;
    return red === "sum" ? total(loss) : div(total(loss), countOf(valid, lg.dtype));
  },
  vjp: ({ inputs, grad: g, attrs }) => {
    // dlogits = (softmax − onehot)·scale, scale = g per row ("none"), g ("sum") or g/count ("mean"),
    // and 0 on ignored rows.
    const [logits, labels] = [inputs[0]!, inputs[1]!];
    const valid = validMask(labels, attrs.ignore_index);
    const red = attrs.reduction;
    const perRow = red === "none" ? g : bcast(red === "sum" ? g : div(g, countOf(valid, logits.dtype)), labels.shape);
    const scale = where(valid, perRow, full(perRow, 0)); // [...]
    const p = apply("softmax", [logits], { axis: logits.rank - 1 });
    const diff = sub(p, cast(oneHot(logits, labels), logits.dtype));
    return [mul(diff, bcast(reshape(scale, [...labels.shape, 1]), logits.shape)), null];
  },
  differentiable: true,
  examples: () => {
    const labels = (values: number[]) => ex("i32", [values.length], { kind: "values", values });
    return [
      { inputs: [ex("f32", [4, 7], { kind: "normal", scale: 2 }), ex("i32", [4], { kind: "int", lo: 0, hi: 7 })], attrs: {} },
      { inputs: [ex("f32", [5, 6]), labels([3, -100, 0, 5, -100])], attrs: {}, note: "mean over non-ignored labels" },
      { inputs: [ex("f32", [5, 6]), labels([3, -100, 0, 5, 1])], attrs: { reduction: "sum" } },
      { inputs: [ex("f32", [2, 3, 5]), ex("i32", [2, 3], { kind: "values", values: [4, 0, 7, 2, 7, 1] })], attrs: { reduction: "none", ignore_index: 7 } },
      { inputs: [ex("f32", [3, 4]), labels([-100, -100, -100])], attrs: {}, note: "everything ignored: loss 0" },
      { inputs: [ex("f32", [9]), ex("i32", [], { kind: "values", values: [4] })], attrs: {}, note: "a single row" },
    ];
  },
});
