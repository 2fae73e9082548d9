// Movement ops: reshape, permute, broadcast, slice, concat, pad. They move elements without
// arithmetic, so every dtype is accepted and each VJP is another movement (or a sum, for
// broadcast).
//
// Symbolic dimensions pass through wherever the result can still be written as a product; where
// an attribute offsets a dimension (slice bounds, nonzero padding, concat of unlike sizes) that
// dimension must be a concrete number, and the shape rule says so.

import { apply } from "../build.ts";
import type { Node } from "../graph.ts";
import { defineOp } from "../op.ts";
import type { RefTensor } from "../ref.ts";
import { roundTo, tensor } from "../ref.ts";
import type { Dim, Shape } from "../types.ts";
import { dim, dimEq, formatShape, numel, shapeEq, strides } from "../types.ts";
import { checkAxis, sum } from "./reduce.ts";
import { ex, floatOnly, sameDType } from "./util.ts";

// ---------------------------------------------------------------------------------------------
// Builders (call only inside functions: ops files are imported while build.ts is loading)

export const reshape = (x: Node, shape: Shape): Node => apply("reshape", [x], { shape: [...shape] });
export const permute = (x: Node, perm: readonly number[]): Node => apply("permute", [x], { perm: [...perm] });
export const broadcastTo = (x: Node, shape: Shape): Node => apply("broadcast", [x], { shape: [...shape] });
export const slice = (x: Node, axis: number, start: number, end: number, step = 1): Node =>
  apply("slice", [x], { axis, start, end, step });
export const concat = (xs: readonly Node[], axis: number): Node => apply("concat", xs, { axis });
/** `pads` holds (before, after) per axis: length 2·rank. */
export const pad = (x: Node, pads: readonly number[], value = 0): Node => apply("pad", [x], { pads: [...pads], value });

// ---------------------------------------------------------------------------------------------
// Reference helper

/**
 * dst[dOff + Σ iₐ·dStₐ] = src[sOff + Σ iₐ·sStₐ] for every multi-index i of `shape`. Every
 * movement is one or a few of these: permute permutes source strides, broadcast zeroes them,
 * slice scales them by the step, pad and concat offset the destination.
 */
export function stridedCopy(
  shape: readonly number[],
  src: Float64Array, sOff: number, sSt: readonly number[],
  dst: Float64Array, dOff: number, dSt: readonly number[],
): void {
  const rank = shape.length;
  if (shape.some((d) => d === 0)) return;
  const idx = new Array<number>(rank).fill(0);
  let s = sOff, d = dOff;
  for (;;) {
    dst[d] = src[s]!;
    let a = rank - 1;
    for (; a >= 0; a--) {
      idx[a]!++;
      s += sSt[a]!;
      d += dSt[a]!;
      if (idx[a]! < shape[a]!) break;
      s -= sSt[a]! * idx[a]!;
      d -= dSt[a]! * idx[a]!;
      idx[a] = 0;
    }
    if (a < 0) return;
  }
}

// ---------------------------------------------------------------------------------------------
// Symbolic helpers

/** a + b when the sum is still a product (numbers, or like terms such as "L" + "2*L"). */
function dimAdd(a: Dim, b: Dim): Dim | undefined {
  if (typeof a === "number" && typeof b === "number") return a + b;
  if (a === 0) return b;
  if (b === 0) return a;
  const split = (d: Dim): [number, string] => {
    const s = String(dim(d));
    const m = /^(\d+)\*(.*)$/.exec(s);
    return m ? [Number(m[1]), m[2]!] : [1, s];
  };
  const [ca, ra] = split(a), [cb, rb] = split(b);
  if (typeof a === "number" || typeof b === "number" || ra !== rb) return undefined;
  return dim(`${ca + cb}*${ra}`);
}

/** The concrete size of axis `axis`, or a message saying why it must be concrete. */
function concreteDim(shape: Shape, axis: number, op: string): number {
  const d = shape[axis]!;
  if (typeof d !== "number") {
    throw new Error(`${op} along axis ${axis} of ${formatShape(shape)} needs a concrete size, got '${d}' (bind the symbol first)`);
  }
  return d;
}

const sliceLen = (start: number, end: number, step: number) => Math.ceil((end - start) / step);

// ---------------------------------------------------------------------------------------------
// reshape

export const reshapeOp = defineOp({
  name: "reshape",
  family: "movement",
  arity: 1,
  operands: ["x"],
  attrs: { shape: { kind: "shape", doc: "the new shape; element counts must agree (symbolically)" } },
  doc: "The same elements in row-major order under a new shape.",
  dtype: ([d]) => d!,
  shape: ([x], a) => {
    const to = a.shape.map(dim);
    if (!dimEq(numel(x!), numel(to))) {
      throw new Error(`cannot reshape ${formatShape(x!)} (${numel(x!)} elements) to ${formatShape(to)} (${numel(to)} elements)`);
    }
    return to;
  },
  reference: ([x], _a, out) => ({ dtype: out.dtype, shape: [...out.shape], data: x!.data.slice() }),
  vjp: ({ inputs, grad }) => floatOnly(inputs, [reshape(grad, inputs[0]!.shape)]),
  differentiable: true,
  examples: () => [
    { inputs: [ex("f32", [2, 3, 4])], attrs: { shape: [6, 4] } },
    { inputs: [ex("f32", [3, 5])], attrs: { shape: [15] } },
    { inputs: [ex("f32", [2, 3, 4])], attrs: { shape: [4, 1, 6] } },
    { inputs: [ex("f32", [1])], attrs: { shape: [] }, note: "to a scalar" },
    { inputs: [ex("i32", [3, 5], { kind: "int", lo: -9, hi: 9 })], attrs: { shape: [5, 3] } },
  ],
});

// ---------------------------------------------------------------------------------------------
// permute

function checkPerm(perm: readonly number[], rank: number): void {
  const seen = new Set(perm);
  if (perm.length !== rank || seen.size !== rank || perm.some((p) => !Number.isInteger(p) || p < 0 || p >= rank)) {
    throw new Error(`perm [${perm.join(", ")}] is not a permutation of the ${rank} axes`);
  }
}

export function inversePerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

export const permuteOp = defineOp({
  name: "permute",
  family: "movement",
  arity: 1,
  operands: ["x"],
  attrs: { perm: { kind: "ints", doc: "out.shape[i] = x.shape[perm[i]]" } },
  doc: "Transpose axes: out.shape[i] = x.shape[perm[i]].",
  dtype: ([d]) => d!,
  shape: ([x], a) => {
    const perm = a.perm;
    checkPerm(perm, x!.length);
    return perm.map((p) => x![p]!);
  },
  reference: ([x], a, out) => {
    const perm = a.perm;
    const r = tensor(out.dtype, out.shape);
    const xs = strides(x!.shape);
    stridedCopy(out.shape, x!.data, 0, perm.map((p) => xs[p]!), r.data, 0, strides(out.shape));
    return r;
  },
  vjp: ({ inputs, grad, attrs }) => floatOnly(inputs, [permute(grad, inversePerm(attrs.perm))]),
  differentiable: true,
  examples: () => [
    { inputs: [ex("f32", [2, 3, 4])], attrs: { perm: [2, 0, 1] } },
    { inputs: [ex("f32", [3, 5])], attrs: { perm: [1, 0] } },
    { inputs: [ex("f32", [2, 3, 4, 5])], attrs: { perm: [0, 2, 1, 3] }, note: "swap heads and sequence" },
    { inputs: [ex("f32", [3, 5])], attrs: { perm: [0, 1] }, note: "identity" },
    { inputs: [ex("i32", [2, 3, 4], { kind: "int", lo: 0, hi: 50 })], attrs: { perm: [1, 2, 0] } },
  ],
});

// ---------------------------------------------------------------------------------------------
// broadcast

export const broadcastOp = defineOp({
  name: "broadcast",
  family: "movement",
  arity: 1,
  operands: ["x"],
  attrs: { shape: { kind: "shape", doc: "target shape; x's dims are right-aligned and each is 1 or equal" } },
  doc: "Numpy broadcasting to `shape`: missing leading dims are added, size-1 dims repeat.",
  dtype: ([d]) => d!,
  shape: ([x], a) => {
    const to = a.shape.map(dim);
    const k = to.length - x!.length;
    if (k < 0) throw new Error(`cannot broadcast ${formatShape(x!)} to the lower rank ${formatShape(to)}`);
    x!.forEach((d, i) => {
      if (d !== 1 && !dimEq(d, to[k + i]!)) {
        throw new Error(`cannot broadcast ${formatShape(x!)} to ${formatShape(to)}: dim ${i} is ${d}, target ${to[k + i]} (must be 1 or equal)`);
      }
    });
    return to;
  },
  reference: ([x], _a, out) => {
    const k = out.shape.length - x!.shape.length;
    const xs = strides(x!.shape);
    const sSt = out.shape.map((_, i) => (i < k || x!.shape[i - k] === 1 ? 0 : xs[i - k]!));
    const r = tensor(out.dtype, out.shape);
    stridedCopy(out.shape, x!.data, 0, sSt, r.data, 0, strides(out.shape));
    return r;
  },
  vjp: ({ inputs, grad }) => {
    // Sum over the added leading axes and the axes where x had size 1, then restore x's shape.
    const x = inputs[0]!, to = grad.shape, k = to.length - x.rank;
    const axes: number[] = [];
    to.forEach((d, i) => {
      if (i < k || (x.shape[i - k] === 1 && !dimEq(d, 1))) axes.push(i);
    });
    const g = axes.length ? sum(grad, axes) : grad;
    return floatOnly(inputs, [shapeEq(g.shape, x.shape) ? g : reshape(g, x.shape)]);
  },
  differentiable: true,
  examples: () => [
    { inputs: [ex("f32", [3, 1])], attrs: { shape: [3, 5] }, note: "size-1 dim" },
    { inputs: [ex("f32", [5])], attrs: { shape: [2, 3, 5] }, note: "missing leading dims" },
    { inputs: [ex("f32", [1, 3, 1])], attrs: { shape: [2, 3, 4] } },
    { inputs: [ex("f32", [3, 1])], attrs: { shape: [2, 3, 4] }, note: "leading dim and size-1 dim" },
    { inputs: [ex("f32", [])], attrs: { shape: [2, 3] }, note: "scalar" },
    { inputs: [ex("f32", [3, 5])], attrs: { shape: [3, 5] }, note: "identity" },
    { inputs: [ex("i32", [1, 5], { kind: "int", lo: -9, hi: 9 })], attrs: { shape: [3, 5] } },
  ],
});

// ---------------------------------------------------------------------------------------------
// slice

export const sliceOp = defineOp({
  name: "slice",
  family: "movement",
  arity: 1,
  operands: ["x"],
  attrs: {
    axis: { kind: "int", doc: "0 ≤ axis < rank" },
    start: { kind: "int", doc: "0 ≤ start ≤ end" },
    end: { kind: "int", doc: "start ≤ end ≤ dim (exclusive)" },
    step: { kind: "int", default: 1, doc: "≥ 1" },
  },
  doc: "x[start:end:step] along one axis; the axis must have a concrete size.",
  dtype: ([d]) => d!,
  shape: ([x], a) => {
    const { axis, start, end, step } = a;
    checkAxis(axis, x!.length);
    const n = concreteDim(x!, axis, "slice");
    if (!(start >= 0 && start <= end && end <= n)) {
      throw new Error(`slice [${start}:${end}] of axis ${axis} of ${formatShape(x!)} needs 0 ≤ start ≤ end ≤ ${n}`);
    }
    if (step < 1) throw new Error(`slice step must be ≥ 1, got ${step}`);
    return x!.map((d, i) => (i === axis ? sliceLen(start, end, step) : d));
  },
  reference: ([x], a, out) => {
    const { axis, start, step } = a;
    const xs = strides(x!.shape);
    const r = tensor(out.dtype, out.shape);
    stridedCopy(out.shape, x!.data, start * xs[axis]!, xs.map((s, i) => (i === axis ? s * step : s)), r.data, 0, strides(out.shape));
    return r;
  },
  vjp: ({ inputs, grad, attrs }) => {
    const { axis, start, end, step } = attrs;
    const x = inputs[0]!, n = x.shape[axis] as number;
    let g = grad;
    if (step > 1) {
      // Interleave step−1 zeros after each element: [.., m, ..] → [.., m, 1, ..] → pad to
      // [.., m, step, ..] → [.., m·step, ..] → keep the first end − start.
      const s = grad.shape, m = s[axis] as number;
      const g1 = reshape(grad, [...s.slice(0, axis + 1), 1, ...s.slice(axis + 1)]);
      const pads = new Array<number>(2 * (s.length + 1)).fill(0);
      pads[2 * (axis + 1) + 1] = step - 1;
      g = reshape(pad(g1, pads), [...s.slice(0, axis), m * step, ...s.slice(axis + 1)]);
      if (m * step > end - start) g = slice(g, axis, 0, end - start);
    }
    if (start > 0 || end < n) {
      const pads = new Array<number>(2 * x.rank).fill(0);
      pads[2 * axis] = start;
      pads[2 * axis + 1] = n - end;
      g = pad(g, pads);
    }
    return floatOnly(inputs, [g]);
  },
  differentiable: true,
  examples: () => [
    { inputs: [ex("f32", [3, 5])], attrs: { axis: 1, start: 1, end: 4 } },
    { inputs: [ex("f32", [2, 3, 4])], attrs: { axis: 1, start: 1, end: 3 } },
    { inputs: [ex("f32", [3, 5])], attrs: { axis: 1, start: 1, end: 5, step: 3 }, note: "step > 1, end aligned" },
    { inputs: [ex("f32", [2, 3, 4])], attrs: { axis: 2, start: 0, end: 3, step: 2 }, note: "step > 1, end unaligned" },
    { inputs: [ex("f32", [7, 2])], attrs: { axis: 0, start: 2, end: 7, step: 2 } },
    { inputs: [ex("f32", [3, 5])], attrs: { axis: 0, start: 0, end: 3 }, note: "full range" },
    { inputs: [ex("i32", [3, 5], { kind: "int", lo: -9, hi: 9 })], attrs: { axis: 0, start: 1, end: 3 } },
  ],
});

// ---------------------------------------------------------------------------------------------
// concat

export const concatOp = defineOp({
  name: "concat",
  family: "movement",
  arity: [1, Infinity],
  operands: ["xs..."],
  attrs: { axis: { kind: "int", doc: "0 ≤ axis < rank" } },
  doc: "Join tensors along `axis`; other dims must be equal.",
  dtype: sameDType,
  shape: (xs, a) => {
    const axis = a.axis, x0 = xs[0]!;
    checkAxis(axis, x0.length);
    let total: Dim = 0;
    for (const x of xs) {
      if (x.length !== x0.length || x.some((d, i) => i !== axis && !dimEq(d, x0[i]!))) {
        throw new Error(`concat along axis ${axis}: shapes ${xs.map(formatShape).join(", ")} differ off the axis`);
      }
      const t = dimAdd(total, x[axis]!);
      if (t === undefined) {
        throw new Error(`concat along axis ${axis}: cannot add sizes ${total} and ${x[axis]} (needs concrete sizes or like symbolic terms)`);
      }
      total = t;
    }
    return x0.map((d, i) => (i === axis ? total : d));
  },
  reference: (xs, a, out) => {
    const axis = a.axis;
    const r = tensor(out.dtype, out.shape);
    const os = strides(out.shape);
    let at = 0;
    for (const x of xs) {
      stridedCopy(x.shape, x.data, 0, strides(x.shape), r.data, at * os[axis]!, os);
      at += x.shape[axis]!;
    }
    return r;
  },
  vjp: ({ inputs, grad, attrs }) => {
    const axis = attrs.axis;
    if (inputs.length === 1) return floatOnly(inputs, [grad]);
    let at = 0;
    return floatOnly(inputs, inputs.map((x) => {
      const n = concreteDim(x.shape, axis, "the gradient of concat");
      const g = slice(grad, axis, at, at + n);
      at += n;
      return g;
    }));
  },
  differentiable: true,
  examples: () => [
    { inputs: [ex("f32", [3, 5]), ex("f32", [3, 2])], attrs: { axis: 1 } },
    { inputs: [ex("f32", [2, 3, 4]), ex("f32", [1, 3, 4]), ex("f32", [3, 3, 4])], attrs: { axis: 0 } },
    { inputs: [ex("f32", [2, 3, 4]), ex("f32", [2, 3, 1])], attrs: { axis: 2 } },
    { inputs: [ex("f32", [3, 5])], attrs: { axis: 0 }, note: "one input" },
    { inputs: [ex("i32", [2, 5], { kind: "int", lo: -9, hi: 9 }), ex("i32", [1, 5], { kind: "int", lo: -9, hi: 9 })], attrs: { axis: 0 } },
  ],
});

// ---------------------------------------------------------------------------------------------
// pad

export const padOp = defineOp({
  name: "pad",
  family: "movement",
  arity: 1,
  operands: ["x"],
  attrs: {
    pads: { kind: "ints", doc: "(before, after) per axis: length 2·rank, each ≥ 0" },
    value: { kind: "float", default: 0, doc: "fill value" },
  },
  doc: "Constant padding before and after each axis; padded axes must have concrete sizes.",
  dtype: ([d]) => d!,
  shape: ([x], a) => {
    const pads = a.pads;
    if (pads.length !== 2 * x!.length || pads.some((p) => p < 0)) {
      throw new Error(`pads [${pads.join(", ")}] must be ${2 * x!.length} non-negative integers (before, after per axis of ${formatShape(x!)})`);
    }
    return x!.map((d, i) => {
      const extra = pads[2 * i]! + pads[2 * i + 1]!;
      return extra === 0 ? d : concreteDim(x!, i, "pad") + extra;
    });
  },
  reference: ([x], a, out) => {
    const pads = a.pads;
    const r = tensor(out.dtype, out.shape);
    r.data.fill(roundTo(out.dtype, a.value));
    const os = strides(out.shape);
    const dOff = os.reduce((o, s, i) => o + s * pads[2 * i]!, 0);
    stridedCopy(x!.shape, x!.data, 0, strides(x!.shape), r.data, dOff, os);
    return r;
  },
  vjp: ({ inputs, grad, attrs }) => {
    const pads = attrs.pads, x = inputs[0]!;
    let g = grad;
    x.shape.forEach((d, i) => {
      const before = pads[2 * i]!;
      if (before + pads[2 * i + 1]! > 0) g = slice(g, i, before, before + (d as number));
    });
    return floatOnly(inputs, [g]);
  },
  differentiable: true,
  examples: () => [
    { inputs: [ex("f32", [3, 5])], attrs: { pads: [1, 2, 0, 3] } },
    { inputs: [ex("f32", [2, 3, 4])], attrs: { pads: [0, 0, 2, 1, 1, 0], value: -1.5 } },
    { inputs: [ex("f32", [3, 5])], attrs: { pads: [0, 0, 0, 0] }, note: "no padding" },
    { inputs: [ex("i32", [2, 3], { kind: "int", lo: -9, hi: 9 })], attrs: { pads: [1, 1, 0, 2], value: 7 } },
  ],
});
