// Pass tests as text (the FileCheck habit): every tests/passes/cases/*.ir file runs its RUN passes
// and must satisfy its CHECK lines.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileCheck } from "./filecheck.ts";

const dir = join(import.meta.dirname, "cases");
for (const f of readdirSync(dir).filter((x) => x.endsWith(".ir")).sort()) {
  test(`filecheck ${f}`, () => {
    fileCheck(readFileSync(join(dir, f), "utf8"), `tests/passes/cases/${f}`);
  });
}

test("filecheck itself fails on a missing CHECK line", () => {
  const text = `# RUN: simplify
# CHECK: no_such_op
graph g {
  %x = input {dtype: "f32", name: "x", shape: [2]} : f32[2]
  return {y: %x}
}`;
  assert.throws(() => fileCheck(text, "inline.ir"), /CHECK: no_such_op/);
});

test("filecheck itself fails on a CHECK-NOT that appears", () => {
  const text = `# RUN: simplify
# CHECK-NOT: input
# CHECK: return
graph g {
  %x = input {dtype: "f32", name: "x", shape: [2]} : f32[2]
  return {y: %x}
}`;
  assert.throws(() => fileCheck(text, "inline.ir"), /CHECK-NOT: input/);
});
