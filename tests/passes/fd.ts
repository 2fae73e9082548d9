// Finite-difference checks of the autodiff pass on whole graphs, on the reference interpreter.
//
// grad(graph) is evaluated once; then every element of every differentiated leaf is nudged by ±h
// and the central difference of the loss is compared with the `grad.<leaf>` output. The error of a
// leaf is relative on the max-norm (as tests/util/gradcheck.ts does for single ops):
//   max|analytic − numeric| / max(max|numeric|, max|analytic|)
// Values are f32 in the graph, and the oracle holds f32 unrounded, so the arithmetic is float64.

import { run } from "../../backends/reference/interpreter.ts";
import type { Graph } from "../../compiler/ir/graph.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import type { GradOptions } from "../../compiler/passes/autodiff.ts";
import { grad, gradName } from "../../compiler/passes/autodiff.ts";

export const FD_STEP = 1e-6;
export const FD_TOL = 1e-5;

export type Values = Record<string, RefTensor>;

export interface LeafError {
  readonly leaf: string;
  readonly error: number;
  /** Largest |numeric gradient| element (0 means the leaf does not affect the loss). */
  readonly scale: number;
}

/** Relative error of each differentiated leaf's gradient against central differences. */
export function gradErrors(graph: Graph, opts: GradOptions, inputs: Values, params: Values, h = FD_STEP): LeafError[] {
  const g = grad(graph, opts);
  const analytic = run(g, inputs, params);
  const lossOf = (ins: Values, ps: Values): number => run(graph, ins, ps)[opts.loss]!.data[0]!;
  const leaves: [string, "input" | "param"][] = [
    ...(opts.wrt ?? graph.params.filter((p) => p.dtype === "f32").map((p) => p.attrs["name"] as string)).map((n) => [n, "param"] as [string, "param"]),
    ...(opts.inputsWrt ?? []).map((n) => [n, "input"] as [string, "input"]),
  ];
  return leaves.map(([name, kind]) => {
    const table = kind === "input" ? inputs : params;
    const x = table[name]!;
    const a = analytic[gradName(name)]!;
    let maxDiff = 0, maxNum = 0, maxAn = 0;
    for (let k = 0; k < x.data.length; k++) {
      const probe = (dx: number) => {
        const data = x.data.slice();
        data[k] = x.data[k]! + dx;
        const t = { ...table, [name]: { dtype: x.dtype, shape: x.shape, data } };
        return kind === "input" ? lossOf(t, params) : lossOf(inputs, t);
      };
      const numeric = (probe(h) - probe(-h)) / (2 * h);
      maxDiff = Math.max(maxDiff, Math.abs(a.data[k]! - numeric));
      maxNum = Math.max(maxNum, Math.abs(numeric));
      maxAn = Math.max(maxAn, Math.abs(a.data[k]!));
    }
    const scale = Math.max(maxNum, maxAn);
    return { leaf: name, error: scale === 0 ? 0 : maxDiff / scale, scale: maxNum };
  });
}
