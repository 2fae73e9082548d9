// Leaves of the graph: named inputs, named parameters, and splat constants.

import { defineOp } from "../op.ts";
import { fromFn } from "../ref.ts";
import type { DType, Shape } from "../types.ts";
import { dim } from "../types.ts";

const typed = {
  dtype: (_: readonly DType[], a: { readonly [k: string]: unknown }) => a["dtype"] as DType,
  shape: (_: readonly Shape[], a: { readonly [k: string]: unknown }) => (a["shape"] as Shape).map(dim),
};
const NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;
const checkName = (a: { readonly [k: string]: unknown }) => {
  const n = a["name"] as string;
  if (!NAME.test(n)) throw new Error(`name '${n}' must match ${NAME}`);
};
const bound = (what: string) => () => {
  throw new Error(`${what} values are bound by the caller of the interpreter, not computed`);
};

defineOp({
  name: "input",
  family: "source",
  arity: 0,
  attrs: { name: { kind: "string" }, dtype: { kind: "dtype" }, shape: { kind: "shape" } },
  doc: "A named graph input (activations, ids, masks): fed on every run.",
  dtype: (i, a) => (checkName(a), typed.dtype(i, a)),
  shape: typed.shape,
  reference: bound("input"),
  vjp: () => [],
  differentiable: true,
  examples: () => [{ inputs: [], attrs: { name: "x", dtype: "f32", shape: [2, "B"] } }],
});

defineOp({
  name: "param",
  family: "source",
  arity: 0,
  attrs: { name: { kind: "string" }, dtype: { kind: "dtype" }, shape: { kind: "shape" } },
  doc: "A named parameter (a weight): loaded once from a checkpoint, trained by the optimizer.",
  dtype: (i, a) => (checkName(a), typed.dtype(i, a)),
  shape: typed.shape,
  reference: bound("param"),
  vjp: () => [],
  differentiable: true,
  examples: () => [{ inputs: [], attrs: { name: "layers.0.fc1.weight", dtype: "f32", shape: [4, 3] } }],
});

defineOp({
  name: "constant",
  family: "source",
  arity: 0,
  attrs: { value: { kind: "float" }, dtype: { kind: "dtype" }, shape: { kind: "shape", default: [] } },
  doc: "A tensor with every element equal to `value` (a splat).",
  dtype: typed.dtype,
  shape: typed.shape,
  reference: (_, a, out) => fromFn(out.dtype, out.shape, () => a["value"] as number),
  vjp: () => [],
  differentiable: true,
  examples: () => [
    { inputs: [], attrs: { value: 0.5, dtype: "f32", shape: [3, 2] } },
    { inputs: [], attrs: { value: -3, dtype: "i32", shape: [] } },
  ],
});
