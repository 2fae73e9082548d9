// Leaves of the graph: named inputs, named parameters, and splat constants.

import { defineOp } from "../op.ts";
import { fromFn } from "../ref.ts";
import type { DType, Shape } from "../types.ts";
import { dim } from "../types.ts";

const typed = {
  dtype: (_: readonly DType[], a: { readonly dtype: DType }) => a.dtype,
  shape: (_: readonly Shape[], a: { readonly shape: Shape }) => a.shape.map(dim),
};
const NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;
const checkName = (a: { readonly name: string }) => {
  const n = a.name;
  if (!NAME.test(n)) throw new Error(`name '${n}' must match ${NAME}`);
};
const bound = (what: string) => () => {
  throw new Error(`${what} values are bound by the caller of the interpreter, not computed`);
};

export const inputOp = defineOp({
  name: "input",
  family: "source",
  arity: 0,
  operands: [],
  attrs: { name: { kind: "string" }, dtype: { kind: "dtype" }, shape: { kind: "shape" } },
  doc: "A named graph input (activations, ids, masks): fed on every run.",
  dtype: (i, a) => (checkName(a), typed.dtype(i, a)),
  shape: typed.shape,
  reference: bound("input"),
  vjp: () => [],
  differentiable: true,
  examples: () => [{ inputs: [], attrs: { name: "x", dtype: "f32", shape: [2, "B"] } }],
});

export const paramOp = defineOp({
  name: "param",
  family: "source",
  arity: 0,
  operands: [],
  attrs: { name: { kind: "string" }, dtype: { kind: "dtype" }, shape: { kind: "shape" } },
  doc: "A named parameter (a weight): loaded once from a checkpoint, trained by the optimizer.",
  dtype: (i, a) => (checkName(a), typed.dtype(i, a)),
  shape: typed.shape,
  reference: bound("param"),
  vjp: () => [],
  differentiable: true,
  examples: () => [{ inputs: [], attrs: { name: "layers.0.fc1.weight", dtype: "f32", shape: [4, 3] } }],
});

export const constantOp = defineOp({
  name: "constant",
  family: "source",
  arity: 0,
  operands: [],
  attrs: { value: { kind: "float" }, dtype: { kind: "dtype" }, shape: { kind: "shape", default: [] } },
  doc: "A tensor with every element equal to `value` (a splat).",
  dtype: typed.dtype,
  shape: typed.shape,
  reference: (_, a, out) => fromFn(out.dtype, out.shape, () => a.value),
  vjp: () => [],
  differentiable: true,
  examples: () => [
    { inputs: [], attrs: { value: 0.5, dtype: "f32", shape: [3, 2] } },
    { inputs: [], attrs: { value: -3, dtype: "i32", shape: [] } },
  ],
});
