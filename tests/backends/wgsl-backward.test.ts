// Backward graphs on the WGSL backend: for every differentiable op and each example whose float
// inputs are f32 (and whose result is f32), loss = Σ op(x…) · c with a random cotangent c given as
// an input; grad() differentiates it with respect to every f32 input (inputsWrt). The backward
// graph (loss and grad.x<i>) is compiled for WGSL and compared with the reference interpreter on
// fresh random inputs. One device serves the whole file.
//
// Tolerance (tests/backends/util.ts): f32 max|wgsl − ref| ≤ 1e-4 · max(1, max|ref|) per output;
// 3e-4 for the ops that chain exp/log/tanh, 1e-3 for sin, cos and rotary. The reference's own
// gradients are checked against finite differences in tests/passes/autodiff-ops.test.ts; here
// only the backend is under test.
// Repeat a failing run with TEST_SEED=<seed>.

import { afterAll, test } from "vitest";
import { apply, input, mul } from "../../compiler/ir/build.ts";
import { Graph } from "../../compiler/ir/graph.ts";
import type { OpExample } from "../../compiler/ir/op.ts";
import { allOps } from "../../compiler/ir/ops.ts";
import { concreteShape, isFloat } from "../../compiler/ir/types.ts";
import { grad } from "../../compiler/passes/autodiff.ts";
import { mulberry32, randomTensor, testSeed } from "../util/random.ts";
import { assertOutputsClose, exampleGraph, exampleInputs, exampleLabel, reference, runWgsl, sharedDevice, tolerance } from "./util.ts";

const seed = testSeed();
const rng = mulberry32(seed);
const dev = await sharedDevice();
afterAll(() => dev.dispose());

/** Why an example has no f32 backward to check, or undefined when it has one. */
function skipReason(ex: OpExample, outDtype: string): string | undefined {
  if (!ex.inputs.some((x) => x.dtype === "f32")) return "no f32 input";
  if (ex.inputs.some((x) => isFloat(x.dtype) && x.dtype !== "f32")) return "non-f32 float input";
  if (outDtype !== "f32") return `${outDtype} result`;
  return undefined;
}

const passed: string[] = [];
const skipped: string[] = [];

for (const def of allOps().filter((d) => d.differentiable && d.family !== "source")) {
  def.examples().forEach((ex, k) => {
    const label = exampleLabel(def, ex, k);
    const { inputs: nodes, out } = exampleGraph(def, ex);
    const why = skipReason(ex, out.dtype);
    if (why !== undefined) {
      skipped.push(`${label}: ${why}`);
      return;
    }
    test(`wgsl backward of ${label}`, async (t) => {
      if (dev.skip) t.skip(dev.skip);
      const ctShape = concreteShape(out.shape);
      const ct = input("cotangent", "f32", ctShape);
      const loss = apply("sum", [mul(out, ct)], { axes: ctShape.map((_, i) => i), keepdims: false });
      const forward = new Graph(`${def.name}_loss`, [...nodes, ct], [], [{ name: "loss", node: loss }]);
      const wrt = ex.inputs.flatMap((x, i) => (x.dtype === "f32" ? [`x${i}`] : []));
      const backward = grad(forward, { loss: "loss", wrt: [], inputsWrt: wrt });
      const values = exampleInputs(ex, rng);
      values["cotangent"] = randomTensor("f32", ctShape, rng);
      const want = reference(backward, values);
      const got = await runWgsl(dev.get(), backward, values);
      assertOutputsClose(got.outputs, want, (_, dtype) => tolerance(dtype, def.name), `${label} backward (TEST_SEED=${seed})`);
      passed.push(label);
    });
  });
}

afterAll(() => {
  const ops = new Set(passed.map((l) => l.split("#")[0]));
  console.log(`# wgsl backward: ${passed.length} op/example pairs of ${ops.size} ops matched the reference (TEST_SEED=${seed})`);
  if (skipped.length) console.log(`# no f32 backward to check:\n#   ${skipped.join("\n#   ")}`);
});
