// Checking that a pass keeps a graph's values: run both graphs on the same random inputs with the
// reference interpreter and compare every output.

import assert from "node:assert/strict";
import { run } from "../../backends/reference/interpreter.ts";
import type { Graph } from "../../compiler/ir/graph.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { concreteShape } from "../../compiler/ir/types.ts";
import type { Rng } from "../util/random.ts";
import { randomTensor } from "../util/random.ts";

/** Random values for every declared input and param of `graph` (default init per dtype). */
export function randomLeaves(graph: Graph, rng: Rng): { inputs: Record<string, RefTensor>; params: Record<string, RefTensor> } {
  const draw = (list: Graph["inputs"]) =>
    Object.fromEntries(list.map((n) => [n.attrs["name"] as string, randomTensor(n.dtype, concreteShape(n.shape), rng)]));
  return { inputs: draw(graph.inputs), params: draw(graph.params) };
}

/** Both graphs give equal outputs (to `tol` relative; 0 means exactly) on fresh random leaves. */
export function assertSameValues(before: Graph, after: Graph, rng: Rng, tol = 0, what = ""): void {
  const { inputs, params } = randomLeaves(before, rng);
  const a = run(before, inputs, params), b = run(after, inputs, params);
  assert.deepEqual(Object.keys(b), Object.keys(a));
  for (const name of Object.keys(a)) {
    const x = a[name]!, y = b[name]!;
    assert.equal(y.dtype, x.dtype, `${what} output ${name} dtype`);
    assert.deepEqual(y.shape, x.shape, `${what} output ${name} shape`);
    x.data.forEach((v, i) => {
      const w = y.data[i]!;
      const ok = v === w || (Number.isNaN(v) && Number.isNaN(w)) || Math.abs(v - w) <= tol * Math.max(1, Math.abs(v));
      assert.ok(ok, `${what} output ${name}[${i}]: ${v} before, ${w} after`);
    });
  }
}
