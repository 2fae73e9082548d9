// Reductions: sum, max, min and mean over a sorted set of axes, and argmax along one axis.
//
// Axes are normalized (0 ≤ axis < rank, sorted, unique); the DSL turns negative axes into these.
// VJPs undo the reduction with reshape (to the keepdims shape) and broadcast (to the input shape),
// so gradients are built only from IR ops.

import { apply, div, full, mul } from "../build.ts";
import type { Node } from "../graph.ts";
import type { AttrValues, OpExample, VjpContext } from "../op.ts";
import { defineOp } from "../op.ts";
import type { RefTensor } from "../ref.ts";
import { roundTo, tensor } from "../ref.ts";
import type { Dim, DType, Shape } from "../types.ts";
import { formatShape, numel, shapeEq, strides } from "../types.ts";
import { broadcastTo, reshape } from "./movement.ts";
import { ex, floatDType, floatOnly, numericDType } from "./util.ts";

// ---------------------------------------------------------------------------------------------
// Builders (call only inside functions: ops files are imported while build.ts is loading)

export const sum = (x: Node, axes: readonly number[], keepdims = false): Node => apply("sum", [x], { axes: [...axes], keepdims });
export const max = (x: Node, axes: readonly number[], keepdims = false): Node => apply("max", [x], { axes: [...axes], keepdims });
export const min = (x: Node, axes: readonly number[], keepdims = false): Node => apply("min", [x], { axes: [...axes], keepdims });
export const mean = (x: Node, axes: readonly number[], keepdims = false): Node => apply("mean", [x], { axes: [...axes], keepdims });
export const argmax = (x: Node, axis: number, keepdims = false): Node => apply("argmax", [x], { axis, keepdims });

// ---------------------------------------------------------------------------------------------
// Shape rules

/** Throws unless `axis` is an integer in [0, rank): the IR holds normalized axes only. */
export function checkAxis(axis: number, rank: number, what = "axis"): number {
  if (!Number.isInteger(axis) || axis < 0 || axis >= rank) {
    throw new Error(`${what} ${axis} out of range for rank ${rank} (the IR takes normalized axes, 0 ≤ axis < rank)`);
  }
  return axis;
}

function checkAxes(axes: readonly number[], rank: number): void {
  for (const a of axes) checkAxis(a, rank, "reduction axis");
  for (let i = 1; i < axes.length; i++) {
    if (axes[i]! <= axes[i - 1]!) throw new Error(`reduction axes must be sorted and unique, got [${axes.join(", ")}]`);
  }
}

/** x's shape with the reduced axes removed, or set to 1 with keepdims. */
export function reducedShape(shape: Shape, axes: readonly number[], keepdims: boolean): Dim[] {
  const out: Dim[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepdims) out.push(1);
  });
  return out;
}


const reduceAttrs = {
  axes: { kind: "ints", doc: "axes to reduce: sorted, unique, 0 ≤ axis < rank" },
  keepdims: { kind: "bool", default: false, doc: "keep reduced axes as size 1" },
} as const;
type ReduceAttrs = AttrValues<typeof reduceAttrs>;

function reduceShapeRule(shapes: readonly Shape[], a: ReduceAttrs): Shape {
  const x = shapes[0]!;
  checkAxes(a.axes, x.length);
  return reducedShape(x, a.axes, a.keepdims);
}

// ---------------------------------------------------------------------------------------------
// Reference

/**
 * Fold every element of x into its output slot. Shapes: x [..] → out = x's shape with the reduced
 * axes dropped (the keepdims flag does not change the flat layout).
 */
function reduceRef(
  x: RefTensor, axes: readonly number[], dtype: DType, outShape: readonly number[],
  init: number, step: (acc: number, v: number) => number, finish: (acc: number) => number = (v) => v,
): RefTensor {
  const keptDims = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const kst = strides(keptDims);
  const ost = x.shape.map((_, i) => (axes.includes(i) ? 0 : kst[i]!)); // out stride per x axis
  const acc = new Float64Array(numelOf(outShape)).fill(init);
  const rank = x.shape.length;
  const idx = new Array<number>(rank).fill(0);
  let o = 0;
  for (let flat = 0; flat < x.data.length; flat++) {
    acc[o] = step(acc[o]!, x.data[flat]!);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      o += ost[d]!;
      if (idx[d]! < x.shape[d]!) break;
      o -= ost[d]! * idx[d]!;
      idx[d] = 0;
    }
  }
  const out = tensor(dtype, outShape);
  for (let i = 0; i < acc.length; i++) out.data[i] = roundTo(dtype, finish(acc[i]!));
  return out;
}

const numelOf = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);

// ---------------------------------------------------------------------------------------------
// VJP helpers

/** Bring a gradient of the reduced shape back to x's shape: reshape to keepdims form, broadcast. */
function unreduce(g: Node, xShape: Shape, axes: readonly number[], keepdims: boolean): Node {
  const kept = reducedShape(xShape, axes, true);
  const gk = keepdims || shapeEq(g.shape, kept) ? g : reshape(g, kept);
  return shapeEq(gk.shape, xShape) ? gk : broadcastTo(gk, xShape);
}

/**
 * max/min: the gradient goes to every element equal to the extreme value, divided evenly among
 * ties (so the gradients of tied elements sum to the incoming gradient).
 */
function extremeVjp({ inputs, out, grad, attrs }: VjpContext<ReduceAttrs>): (Node | null)[] {
  const x = inputs[0]!;
  const axes = attrs.axes, keep = attrs.keepdims;
  const hit = apply("eq", [x, unreduce(out, x.shape, axes, keep)]);
  const zero = full(x, 0);
  const count = unreduce(sum(apply("where", [hit, full(x, 1), zero]), axes, true), x.shape, axes, true);
  const g = unreduce(grad, x.shape, axes, keep);
  return floatOnly(inputs, [apply("where", [hit, div(g, count), zero])]);
}

// ---------------------------------------------------------------------------------------------
// Entries


function reduceExamples(dtype: DType, withInt: boolean): OpExample[] {
  const list: OpExample[] = [
    { inputs: [ex(dtype, [3, 5])], attrs: { axes: [1] } },
    { inputs: [ex(dtype, [2, 3, 4])], attrs: { axes: [0, 2], keepdims: true }, note: "multi-axis, keepdims" },
    { inputs: [ex(dtype, [2, 3, 4])], attrs: { axes: [1] } },
    { inputs: [ex(dtype, [2, 3, 4])], attrs: { axes: [0, 1, 2] }, note: "to a scalar" },
    { inputs: [ex(dtype, [3, 1, 5])], attrs: { axes: [0, 1], keepdims: true } },
  ];
  if (withInt) list.push({ inputs: [ex("i32", [3, 5], { kind: "int", lo: -9, hi: 9 })], attrs: { axes: [0] } });
  return list;
}

export const sumOp = defineOp({
  name: "sum",
  family: "reduce",
  arity: 1,
  operands: ["x"],
  attrs: reduceAttrs,
  doc: "Sum over `axes` (an empty list is the identity).",
  dtype: numericDType,
  shape: reduceShapeRule,
  reference: ([x], a, out) => reduceRef(x!, a.axes, out.dtype, out.shape, 0, (s, v) => s + v),
  vjp: ({ inputs, grad, attrs }) => floatOnly(inputs, [unreduce(grad, inputs[0]!.shape, attrs.axes, attrs.keepdims)]),
  differentiable: true,
  examples: () => [
    ...reduceExamples("f32", true),
    { inputs: [ex("f32", [3, 5])], attrs: { axes: [] }, note: "no axes: identity" },
  ],
});

export const maxOp = defineOp({
  name: "max",
  family: "reduce",
  arity: 1,
  operands: ["x"],
  attrs: reduceAttrs,
  doc: "Maximum over `axes`; the gradient goes to the elements equal to the maximum, split evenly among ties.",
  dtype: numericDType,
  shape: reduceShapeRule,
  reference: ([x], a, out) => reduceRef(x!, a.axes, out.dtype, out.shape, -Infinity, (m, v) => (v > m || Number.isNaN(v) ? v : m)),
  vjp: extremeVjp,
  differentiable: true,
  examples: () => reduceExamples("f32", true),
});

export const minOp = defineOp({
  name: "min",
  family: "reduce",
  arity: 1,
  operands: ["x"],
  attrs: reduceAttrs,
  doc: "Minimum over `axes`; the gradient goes to the elements equal to the minimum, split evenly among ties.",
  dtype: numericDType,
  shape: reduceShapeRule,
  reference: ([x], a, out) => reduceRef(x!, a.axes, out.dtype, out.shape, Infinity, (m, v) => (v < m || Number.isNaN(v) ? v : m)),
  vjp: extremeVjp,
  differentiable: true,
  examples: () => reduceExamples("f32", true),
});

export const meanOp = defineOp({
  name: "mean",
  family: "reduce",
  arity: 1,
  operands: ["x"],
  attrs: reduceAttrs,
  doc: "Mean over `axes` (floats only).",
  dtype: floatDType,
  shape: reduceShapeRule,
  reference: ([x], a, out) => {
    const count = a.axes.reduce((p, ax) => p * x!.shape[ax]!, 1);
    return reduceRef(x!, a.axes, out.dtype, out.shape, 0, (s, v) => s + v, (s) => s / count);
  },
  vjp: ({ inputs, grad, attrs }) => {
    const x = inputs[0]!, axes = attrs.axes;
    const g = unreduce(grad, x.shape, axes, attrs.keepdims);
    const count = numel(axes.map((ax) => x.shape[ax]!));
    // A symbolic count is computed in the graph as the sum of ones over the reduced axes.
    const scaled = typeof count === "number"
      ? mul(g, full(g, 1 / count))
      : div(g, unreduce(sum(full(x, 1), axes, true), x.shape, axes, true));
    return [scaled];
  },
  differentiable: true,
  examples: () => reduceExamples("f32", false),
});

export const argmaxOp = defineOp({
  name: "argmax",
  family: "reduce",
  arity: 1,
  operands: ["x"],
  attrs: {
    axis: { kind: "int", doc: "0 ≤ axis < rank" },
    keepdims: { kind: "bool", default: false, doc: "keep the axis as size 1" },
  },
  doc: "i32 index of the first maximum along `axis` (no gradient).",
  dtype: (d) => (numericDType(d), "i32"),
  shape: ([x], a) => {
    const axis = checkAxis(a.axis, x!.length);
    if (x![axis] === 0) throw new Error(`argmax along axis ${axis} of ${formatShape(x!)}: the axis is empty`);
    return reducedShape(x!, [axis], a.keepdims);
  },
  reference: ([x], a, out) => {
    // x [outer, n, inner] → out [outer, inner]
    const axis = a.axis;
    const n = x!.shape[axis]!;
    const inner = numelOf(x!.shape.slice(axis + 1));
    const outer = numelOf(x!.shape.slice(0, axis));
    const r = tensor("i32", out.shape);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let best = 0, bv = x!.data[o * n * inner + i]!;
        for (let k = 1; k < n; k++) {
          const v = x!.data[(o * n + k) * inner + i]!;
          if (v > bv) { bv = v; best = k; }
        }
        r.data[o * inner + i] = best;
      }
    }
    return r;
  },
  vjp: ({ inputs }) => inputs.map(() => null),
  differentiable: false,
  examples: () => [
    { inputs: [ex("f32", [3, 5])], attrs: { axis: 1 } },
    { inputs: [ex("f32", [2, 3, 4])], attrs: { axis: 0, keepdims: true } },
    { inputs: [ex("f32", [2, 3, 4])], attrs: { axis: 2 } },
    { inputs: [ex("i32", [3, 5], { kind: "int", lo: 0, hi: 3 })], attrs: { axis: 1 }, note: "ties: the first maximum wins" },
  ],
});
