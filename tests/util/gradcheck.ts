// Finite-difference checks of an op's VJP rule on the reference interpreter.
//
// For an example of an op: y = op(x₁…xₙ), loss = Σ y·c with a fixed random cotangent c. The VJP
// graph is built with the op's own rule (def.vjp with `grad` an input node holding c) and evaluated
// by the interpreter; each element of each float input is nudged by ±h and the central difference
// of the loss is compared with it. Errors are relative on the max-norm:
//   max|analytic − numeric| / max(max|numeric|, max|analytic|).

import { evalNode } from "../../backends/reference/interpreter.ts";
import { apply, input } from "../../compiler/ir/build.ts";
import type { Node } from "../../compiler/ir/graph.ts";
import type { OpDef, OpExample } from "../../compiler/ir/op.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { formatShape, isFloat, shapeEq } from "../../compiler/ir/types.ts";
import type { Rng } from "./random.ts";
import { randomInputFor, randomTensor } from "./random.ts";

/** Relative tolerance on the max-norm used when an example sets no `gradTol`. */
export const DEFAULT_GRAD_TOL = 1e-5;
/** Central-difference step (float64 arithmetic: f32 values are held unrounded by the oracle). */
export const FD_STEP = 1e-6;

export const gradTol = (example: OpExample): number => example.gradTol ?? DEFAULT_GRAD_TOL;

/**
 * Max relative error of the VJP for each input of `example`. An entry is null where there is
 * nothing to check: integer and bool inputs; f16/bf16 inputs or results (their rounding swamps a
 * step of 1e-6); every input of an op marked non-differentiable. Throws when a differentiable op's
 * rule returns null for a checkable input, a gradient of the wrong type, or a gradient for an
 * integer or bool input (those must be null).
 */
export function checkOpGradients(def: OpDef, example: OpExample, rng: Rng): (number | null)[] {
  const nodes = example.inputs.map((x, i) => input(`x${i}`, x.dtype, x.shape));
  const out = apply(def.name, nodes, example.attrs);
  const values = example.inputs.map((x) => randomInputFor(x, rng));
  if (!def.differentiable) return nodes.map(() => null);
  const cotNode = input("cotangent", out.dtype, out.shape);
  const grads = def.vjp({ inputs: nodes, out, grad: cotNode, attrs: out.attrs });
  if (grads.length !== nodes.length) throw new Error(`${def.name}: vjp returned ${grads.length} gradients for ${nodes.length} inputs`);
  nodes.forEach((n, i) => {
    if (!isFloat(n.dtype) && grads[i]) throw new Error(`${def.name}: input ${i} is ${n.dtype} and must get a null gradient`);
  });
  const checkable = (i: number) => example.inputs[i]!.dtype === "f32" && out.dtype === "f32";
  if (!nodes.some((_, i) => checkable(i))) return nodes.map(() => null);

  const outShape = out.shape.map((d) => {
    if (typeof d !== "number") throw new Error(`${def.name}: example result has symbolic dim '${d}'`);
    return d;
  });
  const cot = randomTensor("f32", outShape, rng);
  const leaves = (vals: readonly RefTensor[]) => new Map<Node, RefTensor>(nodes.map((n, i) => [n, vals[i]!]));

  const loss = (vals: readonly RefTensor[]): number => {
    const y = evalNode(out, leaves(vals)).data;
    let s = 0;
    for (let k = 0; k < y.length; k++) s += y[k]! * cot.data[k]!;
    return s;
  };
  const gradLeaves = leaves(values);
  gradLeaves.set(cotNode, cot);

  return nodes.map((n, i) => {
    if (!checkable(i)) return null;
    const g = grads[i];
    if (!g) throw new Error(`${def.name}: vjp gave no gradient for float input ${i}`);
    if (g.dtype !== n.dtype || !shapeEq(g.shape, n.shape)) {
      throw new Error(`${def.name}: gradient of input ${i} is ${g.dtype}${formatShape(g.shape)}, input is ${n.dtype}${formatShape(n.shape)}`);
    }
    const analytic = evalNode(g, gradLeaves).data;
    const x = values[i]!;
    let maxDiff = 0, maxNum = 0, maxAn = 0;
    for (let k = 0; k < x.data.length; k++) {
      const v = x.data[k]!;
      const probe = (dx: number) => {
        const data = x.data.slice();
        data[k] = v + dx;
        const vals = values.slice();
        vals[i] = { dtype: x.dtype, shape: x.shape, data };
        return loss(vals);
      };
      const numeric = (probe(FD_STEP) - probe(-FD_STEP)) / (2 * FD_STEP);
      maxDiff = Math.max(maxDiff, Math.abs(analytic[k]! - numeric));
      maxNum = Math.max(maxNum, Math.abs(numeric));
      maxAn = Math.max(maxAn, Math.abs(analytic[k]!));
    }
    const scale = Math.max(maxNum, maxAn);
    return scale === 0 ? 0 : maxDiff / scale;
  });
}
