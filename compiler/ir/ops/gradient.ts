// Ops that only autodiff tells apart from others: stop_gradient.
//
// stop_gradient is the identity in the forward and contributes no gradient in the backward (jax's
// lax.stop_gradient, PyTorch's .detach()): the straight-through estimator z + sg(q − z) and
// commitment terms are written with it. It stays in the graph through every pass that runs before
// autodiff (simplify, cse and dce have no rule for it) and is a composite whose decomposition is
// its input, so lower-composites removes it for free before fusion.

import { defineOp } from "../op.ts";
import { ex, mapRef, sameDType } from "./util.ts";

export const stopGradientOp = defineOp({
  name: "stop_gradient",
  family: "composite",
  arity: 1,
  operands: ["x"],
  attrs: {},
  doc: "x in the forward; no gradient flows back through it.",
  dtype: (d) => sameDType(d),
  shape: ([x]) => x!,
  reference: ([x], _a, out) => mapRef([x!], out.dtype, (v) => v),
  decompose: ([x]) => x!,
  vjp: () => [null],
  differentiable: false,
  examples: () => [
    { inputs: [ex("f32", [3, 5])], attrs: {} },
    { inputs: [ex("f32", [2, 3, 4])], attrs: {} },
    { inputs: [ex("i32", [4], { kind: "int", lo: -5, hi: 5 })], attrs: {}, note: "any dtype" },
  ],
});
