// The lowering column of the op table is complete: every op has a lowering, every inline and view
// op has an inline rule, and every kernel op has a registered kernel builder. No device needed.

import assert from "node:assert/strict";
import { test } from "vitest";
import { allOps } from "../../compiler/ir/ops.ts";
import "../../compiler/kernels/builders/index.ts";
import { hasInlineRule } from "../../compiler/kernels/inline.ts";
import { hasLowering, lowering } from "../../compiler/kernels/lowering.ts";
import { hasBuilder } from "../../compiler/kernels/schedule.ts";

const ops = allOps();

test("the op table is not empty", () => {
  assert.ok(ops.length > 40, `only ${ops.length} ops in the table`);
});

test("every op in the table has a lowering", () => {
  const missing = ops.filter((d) => !hasLowering(d.name)).map((d) => d.name);
  assert.deepEqual(missing, [], `ops without a lowering (add them to compiler/kernels/lowering.ts): ${missing.join(", ")}`);
});

test("every inline and view op has an inline rule", () => {
  const missing = ops.filter((d) => hasLowering(d.name) && ["inline", "view"].includes(lowering(d.name)) && !hasInlineRule(d.name)).map((d) => d.name);
  assert.deepEqual(missing, [], `inline/view ops without a rule in compiler/kernels/inline.ts: ${missing.join(", ")}`);
});

test("every kernel op has a registered builder, and so do fused elementwise kernels", () => {
  const missing = ops.filter((d) => hasLowering(d.name) && lowering(d.name) === "kernel" && !hasBuilder(d.name)).map((d) => d.name);
  assert.deepEqual(missing, [], `kernel ops without a builder under compiler/kernels/builders/: ${missing.join(", ")}`);
  assert.ok(hasBuilder("elementwise"));
});

test("decomposed ops are composites that carry a decomposition; leaves are input and param", () => {
  for (const d of ops) {
    const l = hasLowering(d.name) ? lowering(d.name) : undefined;
    if (l === "decompose") assert.ok(d.decompose, `${d.name} lowers by decomposition but has none`);
    if (l === "leaf") assert.ok(d.name === "input" || d.name === "param", `${d.name} is lowered as a leaf`);
  }
});

test("an op missing from the lowering table is reported by name", () => {
  assert.equal(hasLowering("no_such_op"), false);
  assert.throws(() => lowering("no_such_op"), /op 'no_such_op' has no lowering to kernels/);
});
