// The autodiff pass end to end on every differentiable op of the table: for each example,
// loss = Σ op(inputs) · c with a random cotangent c, then grad() is checked against central
// differences on the reference interpreter for every f32 input. Where tests/util/gradcheck.ts
// checks an op's VJP rule alone, this checks the pass that strings the rules together (seeding,
// the reverse walk, fan-in, the sum and mul around the op).
//
// Skipped (and listed): examples with no f32 input, with a non-f32 float anywhere (f16/bf16
// rounding swamps a step of 1e-6), or with a non-float result.

import assert from "node:assert/strict";
import { afterAll, test } from "vitest";
import { apply, input, mul } from "../../compiler/ir/build.ts";
import { Graph } from "../../compiler/ir/graph.ts";
import type { OpExample } from "../../compiler/ir/op.ts";
import { allOps } from "../../compiler/ir/ops.ts";
import { isFloat } from "../../compiler/ir/types.ts";
import { mulberry32, randomInputFor, randomTensor, testSeed } from "../util/random.ts";
import { FD_TOL, gradErrors } from "./fd.ts";

const seed = testSeed();
const rng = mulberry32(seed);

const checked: string[] = [];
const skipped: string[] = [];

/** Why an example cannot be checked by finite differences, or undefined when it can. */
function skipReason(ex: OpExample, outDtype: string): string | undefined {
  if (!ex.inputs.some((x) => x.dtype === "f32")) return "no f32 input";
  if (ex.inputs.some((x) => isFloat(x.dtype) && x.dtype !== "f32") || (isFloat(outDtype as never) && outDtype !== "f32")) {
    return "f16/bf16 rounding";
  }
  if (outDtype !== "f32") return `${outDtype} result`;
  return undefined;
}

for (const def of allOps().filter((d) => d.differentiable)) {
  def.examples().forEach((ex, k) => {
    const label = `${def.name}#${k}${ex.note ? ` (${ex.note})` : ""}`;
    const nodes = ex.inputs.map((x, i) => input(`x${i}`, x.dtype, x.shape));
    const out = apply(def.name, nodes, ex.attrs);
    const why = skipReason(ex, out.dtype);
    if (why !== undefined) {
      skipped.push(`${label}: ${why}`);
      return;
    }
    test(`autodiff through ${label}`, () => {
      const ctShape = out.shape.map((d) => d as number);
      const ct = input("cotangent", "f32", ctShape);
      const loss = apply("sum", [mul(out, ct)], { axes: ctShape.map((_, i) => i), keepdims: false });
      const graph = new Graph(def.name, [...nodes, ct], [], [{ name: "loss", node: loss }]);
      const inputs = Object.fromEntries(ex.inputs.map((x, i) => [`x${i}`, randomInputFor(x, rng)]));
      inputs["cotangent"] = randomTensor("f32", ctShape, rng);
      const wrt = ex.inputs.flatMap((x, i) => (x.dtype === "f32" ? [`x${i}`] : []));
      const errs = gradErrors(graph, { loss: "loss", wrt: [], inputsWrt: wrt }, inputs, {});
      const tol = ex.gradTol ?? FD_TOL;
      for (const e of errs) {
        assert.ok(e.error <= tol, `${label}: gradient of ${e.leaf} has relative error ${e.error.toExponential(2)} > ${tol} (TEST_SEED=${seed})`);
      }
      checked.push(label);
    });
  });
}

test("some op examples are checkable at all", () => {
  assert.ok(checked.length + skipped.length > 0);
});

afterAll(() => {
  const ops = [...new Set(checked.map((l) => l.split("#")[0]))];
  console.log(`autodiff checked ${checked.length} examples of ${ops.length} ops: ${ops.join(", ")}`);
  if (skipped.length) console.log(`not checkable by finite differences:\n  ${skipped.join("\n  ")}`);
});
