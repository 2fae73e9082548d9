// Indexing ops: iota, gather (`take` along one axis), its transpose scatter_add, and the
// dynamic-offset window pair dynamic_slice / update_slice (KV-cache reads and writes).
//
// Indices are i32 tensors and never carry gradients. Out-of-range indices and starts are clamped
// rather than trapping, as GPU kernels do, and the reference clamps the same way, so a gather and
// the scatter_add in its VJP always agree on the positions.

import { apply, full } from "../build.ts";
import type { Node } from "../graph.ts";
import { defineOp } from "../op.ts";
import { fromFn, tensor } from "../ref.ts";
import type { DType, Shape } from "../types.ts";
import { dim, dimEq, formatShape, shapeEq, strides } from "../types.ts";
import { stridedCopy } from "./movement.ts";
import { checkAxis } from "./reduce.ts";
import { ex, floatOnly, numericDType, sameDType } from "./util.ts";

// ---------------------------------------------------------------------------------------------
// Builders (call only inside functions: ops files are imported while build.ts is loading)

export const iota = (shape: Shape, axis: number, dtype: DType = "i32"): Node => apply("iota", [], { shape: [...shape], axis, dtype });
export const gather = (table: Node, indices: Node, axis: number): Node => apply("gather", [table, indices], { axis });
export const scatterAdd = (target: Node, indices: Node, updates: Node, axis: number): Node =>
  apply("scatter_add", [target, indices, updates], { axis });
export const dynamicSlice = (x: Node, start: Node, axis: number, size: number): Node => apply("dynamic_slice", [x, start], { axis, size });
export const updateSlice = (target: Node, update: Node, start: Node, axis: number): Node =>
  apply("update_slice", [target, update, start], { axis });

// ---------------------------------------------------------------------------------------------
// Shared rules

const prod = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);
const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);

function needI32(what: string, d: DType): void {
  if (d !== "i32") throw new Error(`${what} must be i32, got ${d}`);
}

function needScalarStart(s: Shape): void {
  if (s.length !== 0) throw new Error(`start must be an i32 scalar (shape []), got shape ${formatShape(s)}`);
}

/** gather's result: table.shape[:axis] + indices.shape + table.shape[axis+1:]. */
function gatherShape(table: Shape, indices: Shape, axis: number): Shape {
  checkAxis(axis, table.length);
  if (table[axis] === 0) throw new Error(`gather along axis ${axis} of ${formatShape(table)}: the axis is empty`);
  return [...table.slice(0, axis), ...indices, ...table.slice(axis + 1)];
}

/** The start of a window of `size` along a dim of `n`, clamped to [0, n − size] as documented. */
const clampStart = (start: number, n: number, size: number) => clamp(Math.trunc(start), 0, n - size);

// ---------------------------------------------------------------------------------------------
// iota

export const iotaOp = defineOp({
  name: "iota",
  family: "source",
  arity: 0,
  operands: [],
  attrs: {
    shape: { kind: "shape", doc: "result shape" },
    axis: { kind: "int", doc: "0 ≤ axis < rank: each element is its index along this axis" },
    dtype: { kind: "dtype", default: "i32", doc: "result dtype (numeric)" },
  },
  doc: "Each element is its index along `axis`.",
  dtype: (_d, a) => {
    const t = a.dtype;
    if (t === "bool") throw new Error("iota needs a numeric dtype, got bool");
    return t;
  },
  shape: (_s, a) => {
    const shape = a.shape.map(dim);
    checkAxis(a.axis, shape.length);
    return shape;
  },
  reference: (_x, a, out) => fromFn(out.dtype, out.shape, (idx) => idx[a.axis]!),
  vjp: () => [],
  differentiable: true, // no inputs, so nothing to differentiate; like a constant
  examples: () => [
    { inputs: [], attrs: { shape: [3, 5], axis: 1 } },
    { inputs: [], attrs: { shape: [2, 3, 4], axis: 0, dtype: "f32" } },
    { inputs: [], attrs: { shape: [4], axis: 0, dtype: "u32" } },
  ],
});

// ---------------------------------------------------------------------------------------------
// gather and scatter_add

export const gatherOp = defineOp({
  name: "gather",
  family: "index",
  arity: 2,
  operands: ["table", "indices"],
  attrs: { axis: { kind: "int", doc: "the table axis the indices select along" } },
  doc: "take: out = table.shape[:axis] + indices.shape + table.shape[axis+1:]; out-of-range indices are clamped.",
  dtype: ([t, i]) => (needI32("indices", i!), t!),
  shape: ([t, i], a) => gatherShape(t!, i!, a.axis),
  reference: ([table, indices], a, out) => {
    // table [outer, n, inner], indices [m] → out [outer, m, inner]
    const axis = a.axis, t = table!, ix = indices!.data;
    const n = t.shape[axis]!, inner = prod(t.shape.slice(axis + 1)), outer = prod(t.shape.slice(0, axis)), m = ix.length;
    const r = tensor(out.dtype, out.shape);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < m; j++) {
        const src = (o * n + clamp(ix[j]!, 0, n - 1)) * inner, dst = (o * m + j) * inner;
        for (let i = 0; i < inner; i++) r.data[dst + i] = t.data[src + i]!;
      }
    }
    return r;
  },
  vjp: ({ inputs, grad, attrs }) => {
    const [table, indices] = inputs as [Node, Node];
    return floatOnly(inputs, [scatterAdd(full(table, 0), indices, grad, attrs.axis), null]);
  },
  differentiable: true,
  examples: () => [
    { inputs: [ex("f32", [7, 4]), ex("i32", [3, 5], { kind: "int", lo: 0, hi: 7 })], attrs: { axis: 0 }, note: "embedding lookup" },
    { inputs: [ex("f32", [3, 5]), ex("i32", [4], { kind: "int", lo: 0, hi: 5 })], attrs: { axis: 1 } },
    { inputs: [ex("f32", [2, 3, 4]), ex("i32", [2, 2], { kind: "int", lo: -2, hi: 6 })], attrs: { axis: 2 }, note: "out-of-range indices clamp" },
    { inputs: [ex("f32", [2, 3, 4]), ex("i32", [], { kind: "int", lo: 0, hi: 3 })], attrs: { axis: 1 }, note: "scalar index drops the axis" },
  ],
});

export const scatterAddOp = defineOp({
  name: "scatter_add",
  family: "index",
  arity: 3,
  operands: ["target", "indices", "updates"],
  attrs: { axis: { kind: "int", doc: "the target axis the indices select along" } },
  doc: "target plus updates added at the positions gather would read (repeated indices accumulate); updates has gather's result shape.",
  dtype: ([t, i, u]) => {
    needI32("indices", i!);
    return numericDType([t!, u!]);
  },
  shape: ([t, i, u], a) => {
    const want = gatherShape(t!, i!, a.axis);
    if (!shapeEq(want, u!)) {
      throw new Error(`updates shape ${formatShape(u!)} must be gather's result shape ${formatShape(want)} (target ${formatShape(t!)}, indices ${formatShape(i!)}, axis ${a.axis})`);
    }
    return t!;
  },
  reference: ([target, indices, updates], a, out) => {
    // target [outer, n, inner], indices [m], updates [outer, m, inner] → out like target
    const axis = a.axis, t = target!, ix = indices!.data, u = updates!.data;
    const n = t.shape[axis]!, inner = prod(t.shape.slice(axis + 1)), outer = prod(t.shape.slice(0, axis)), m = ix.length;
    const acc = t.data.slice();
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < m; j++) {
        const dst = (o * n + clamp(ix[j]!, 0, n - 1)) * inner, src = (o * m + j) * inner;
        for (let i = 0; i < inner; i++) acc[dst + i]! += u[src + i]!;
      }
    }
    return tensor(out.dtype, out.shape, acc);
  },
  vjp: ({ inputs, grad, attrs }) => {
    const indices = inputs[1]!;
    return floatOnly(inputs, [grad, null, gather(grad, indices, attrs.axis)]);
  },
  differentiable: true,
  examples: () => [
    { inputs: [ex("f32", [7, 4]), ex("i32", [3, 5], { kind: "int", lo: 0, hi: 7 }), ex("f32", [3, 5, 4])], attrs: { axis: 0 }, note: "repeated indices accumulate" },
    { inputs: [ex("f32", [3, 5]), ex("i32", [4], { kind: "int", lo: 0, hi: 5 }), ex("f32", [3, 4])], attrs: { axis: 1 } },
    { inputs: [ex("f32", [2, 3, 4]), ex("i32", [2], { kind: "int", lo: -1, hi: 5 }), ex("f32", [2, 3, 2])], attrs: { axis: 2 }, note: "out-of-range indices clamp" },
    { inputs: [ex("i32", [4, 3], { kind: "int", lo: -9, hi: 9 }), ex("i32", [5], { kind: "int", lo: 0, hi: 4 }), ex("i32", [5, 3], { kind: "int", lo: -9, hi: 9 })], attrs: { axis: 0 } },
  ],
});

// ---------------------------------------------------------------------------------------------
// dynamic_slice and update_slice

export const dynamicSliceOp = defineOp({
  name: "dynamic_slice",
  family: "index",
  arity: 2,
  operands: ["x", "start"],
  attrs: {
    axis: { kind: "int", doc: "0 ≤ axis < rank" },
    size: { kind: "int", doc: "window length, 0 ≤ size ≤ dim" },
  },
  doc: "x[start:start+size] along `axis` with start a runtime i32 scalar, clamped to [0, dim − size].",
  dtype: ([x, s]) => (needI32("start", s!), x!),
  shape: ([x, s], a) => {
    needScalarStart(s!);
    const axis = checkAxis(a.axis, x!.length), size = a.size, n = x![axis]!;
    if (size < 0 || (typeof n === "number" && size > n)) {
      throw new Error(`dynamic_slice size ${size} does not fit axis ${axis} of ${formatShape(x!)}`);
    }
    return x!.map((d, i) => (i === axis ? size : d));
  },
  reference: ([x, start], a, out) => {
    const axis = a.axis, size = a.size, n = x!.shape[axis]!;
    if (size > n) throw new Error(`dynamic_slice size ${size} exceeds axis ${axis} of [${x!.shape.join(", ")}]`);
    const s0 = clampStart(start!.data[0]!, n, size);
    const xs = strides(x!.shape);
    const r = tensor(out.dtype, out.shape);
    stridedCopy(out.shape, x!.data, s0 * xs[axis]!, xs, r.data, 0, strides(out.shape));
    return r;
  },
  vjp: ({ inputs, grad, attrs }) => {
    const [x, start] = inputs as [Node, Node];
    return floatOnly(inputs, [updateSlice(full(x, 0), grad, start, attrs.axis), null]);
  },
  differentiable: true,
  examples: () => [
    { inputs: [ex("f32", [5, 4]), ex("i32", [], { kind: "int", lo: -1, hi: 5 })], attrs: { axis: 0, size: 3 }, note: "start may clamp" },
    { inputs: [ex("f32", [2, 3, 4]), ex("i32", [], { kind: "int", lo: 0, hi: 3 })], attrs: { axis: 2, size: 2 } },
    { inputs: [ex("f32", [3, 5]), ex("i32", [], { kind: "int", lo: 0, hi: 3 })], attrs: { axis: 1, size: 1 } },
  ],
});

export const updateSliceOp = defineOp({
  name: "update_slice",
  family: "index",
  arity: 3,
  operands: ["target", "update", "start"],
  attrs: { axis: { kind: "int", doc: "0 ≤ axis < rank" } },
  doc: "target with `update` written at a runtime i32 start along `axis` (KV-cache writes); start clamped to [0, dim − size].",
  dtype: ([t, u, s]) => (needI32("start", s!), sameDType([t!, u!])),
  shape: ([t, u, s], a) => {
    needScalarStart(s!);
    const axis = checkAxis(a.axis, t!.length);
    const bad = () => new Error(`update ${formatShape(u!)} does not fit target ${formatShape(t!)} along axis ${axis}`);
    if (u!.length !== t!.length || u!.some((d, i) => i !== axis && !dimEq(d, t![i]!))) throw bad();
    const m = u![axis]!, n = t![axis]!;
    if (!dimEq(m, n)) {
      if (typeof m !== "number" || typeof n !== "number") {
        throw new Error(`update ${formatShape(u!)} into target ${formatShape(t!)} along axis ${axis}: sizes ${m} and ${n} must be equal or both concrete`);
      }
      if (m > n) throw bad();
    }
    return t!;
  },
  reference: ([target, update, start], a, out) => {
    const axis = a.axis, n = target!.shape[axis]!, m = update!.shape[axis]!;
    const s0 = clampStart(start!.data[0]!, n, m);
    const r = tensor(out.dtype, out.shape, target!.data);
    const ts = strides(out.shape);
    stridedCopy(update!.shape, update!.data, 0, strides(update!.shape), r.data, s0 * ts[axis]!, ts);
    return r;
  },
  vjp: ({ inputs, grad, attrs }) => {
    const [, update, start] = inputs as [Node, Node, Node];
    const axis = attrs.axis, size = update.shape[axis]!;
    if (typeof size !== "number") {
      throw new Error(`the gradient of update_slice needs a concrete update size along axis ${axis}, got '${size}'`);
    }
    return floatOnly(inputs, [updateSlice(grad, full(update, 0), start, axis), dynamicSlice(grad, start, axis, size), null]);
  },
  differentiable: true,
  examples: () => [
    { inputs: [ex("f32", [6, 4]), ex("f32", [2, 4]), ex("i32", [], { kind: "int", lo: -1, hi: 6 })], attrs: { axis: 0 }, note: "start may clamp" },
    { inputs: [ex("f32", [2, 3, 5]), ex("f32", [2, 3, 1]), ex("i32", [], { kind: "int", lo: 0, hi: 5 })], attrs: { axis: 2 }, note: "one KV-cache step" },
    { inputs: [ex("f32", [3, 5]), ex("f32", [3, 5]), ex("i32", [], { kind: "int", lo: 0, hi: 2 })], attrs: { axis: 1 }, note: "whole axis" },
  ],
});
