// Every op of the table on the WGSL backend: for each example of each op (input and param aside),
// the graph inputs → op → output is compiled for WGSL, run on fresh random inputs, and compared
// with the reference interpreter. One device serves the whole file.
//
// Tolerance (tests/backends/util.ts): f32 max|wgsl − ref| ≤ 1e-4 · max(1, max|ref|); 3e-4 for the
// ops that chain exp/log/tanh (gelu, silu, log_softmax, cross_entropy, pow, attention); 1e-3 for
// sin, cos and rotary (WGSL's sin/cos accuracy); f16 2e-3 and bf16 8e-3 relative the same way;
// integer and bool results exactly.
// Repeat a failing run with TEST_SEED=<seed> (printed in every failure message).

import { afterAll, test } from "vitest";
import { allOps } from "../../compiler/ir/ops.ts";
import { mulberry32, testSeed } from "../util/random.ts";
import { assertClose, exampleGraph, exampleInputs, exampleLabel, reference, runWgsl, sharedDevice, tolerance } from "./util.ts";

const seed = testSeed();
const rng = mulberry32(seed);
const dev = await sharedDevice();
afterAll(() => dev.dispose());

const passed: string[] = [];
let dispatches = 0;

for (const def of allOps()) {
  if (def.name === "input" || def.name === "param") continue;
  def.examples().forEach((ex, k) => {
    const label = exampleLabel(def, ex, k);
    test(`wgsl ${label}`, async (t) => {
      if (dev.skip) t.skip(dev.skip);
      const { graph, out } = exampleGraph(def, ex);
      const inputs = exampleInputs(ex, rng);
      const want = reference(graph, inputs)["out"]!;
      const got = await runWgsl(dev.get(), graph, inputs);
      assertClose(got.outputs["out"], want, tolerance(out.dtype, def.name), `${label} (TEST_SEED=${seed})`);
      passed.push(label);
      dispatches += got.dispatches;
    });
  });
}

afterAll(() => {
  const ops = new Set(passed.map((l) => l.split("#")[0]));
  console.log(`# wgsl ops: ${passed.length} op/example pairs of ${ops.size} ops matched the reference (${dispatches} dispatches; TEST_SEED=${seed})`);
});
