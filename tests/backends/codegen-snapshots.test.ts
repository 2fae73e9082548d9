// Codegen snapshots: the WGSL generated for a fixed set of graphs, lowered with WebGPU's default
// limits (no device), stored in tests/backends/snapshots/<name>.wgsl and diffed in review. A
// change to a builder, the fusion pass or the printer shows up here as a text diff; when the new
// text is intended, rewrite the files with `npx vitest run -u`.
//
// A snapshot file holds every launch of the graph in order, each headed by its index and grid.

import assert from "node:assert/strict";
import { test } from "vitest";
import { printWgsl } from "../../backends/wgsl/print.ts";
import type { Graph } from "../../compiler/ir/graph.ts";
import { DEFAULT_WGSL_CAPS } from "../../compiler/kernels/target.ts";
import { lower } from "../../runtime/executable.ts";
import { SNAPSHOT_GRAPHS, checkSnapshot } from "./snapshot-graphs.ts";

/** Every launch's kernel as WGSL, headed by its position and grid. */
function generated(graph: Graph): string {
  const { launches } = lower(graph, DEFAULT_WGSL_CAPS);
  return launches.map((l, i) => `// ---- launch ${i + 1} of ${launches.length}, grid [${l.grid.join(", ")}]\n${printWgsl(l.kernel)}`).join("\n");
}

for (const [name, make] of Object.entries(SNAPSHOT_GRAPHS)) {
  test(`codegen snapshot ${name}.wgsl`, () => checkSnapshot(`${name}.wgsl`, () => generated(make())));
}

test("generated code is deterministic: lowering the same graph twice prints the same text", () => {
  const make = SNAPSHOT_GRAPHS["elementwise_broadcast"]!;
  assert.equal(generated(make()), generated(make()));
});
