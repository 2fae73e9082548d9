// A shape mistake in model code is reported at the model's own file and line, naming the op and
// both operand types (architecture principle 6), however deep inside the DSL the op was built.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "vitest";
import { callerLoc, parseFrame } from "../../compiler/dsl/loc.ts";
import { ShapeError, Tensor } from "../../compiler/dsl/tensor.ts";
import { BadProjection, badGraph, badMatmul } from "./fixtures/bad-model.ts";

const FIXTURE = "tests/dsl/fixtures/bad-model.ts";
const SOURCE = readFileSync(new URL("./fixtures/bad-model.ts", import.meta.url), "utf8").split("\n");

/** 1-based line of the fixture holding `marker`. */
function lineOf(marker: string): number {
  const i = SOURCE.findIndex((l) => l.includes(marker));
  assert.ok(i >= 0, `marker ${marker} missing from the fixture`);
  return i + 1;
}

function shapeError(f: () => unknown): ShapeError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof ShapeError, `expected a ShapeError, got ${String(e)}`);
    return e;
  }
  assert.fail("expected a ShapeError");
}

test("a bad matmul names the op, both shapes, and the fixture's file and line", () => {
  const line = lineOf("@bad-matmul");
  const e = shapeError(badMatmul);
  const col = SOURCE[line - 1]!.indexOf("matmul") + 1;
  assert.equal(e.message, `matmul: f32[2, 16, 64] and f32[32, 64]: inner dimensions 64 and 32 differ\n  at ${FIXTURE}:${line}:${col}`);
  assert.equal(e.op, "matmul");
  assert.deepEqual(e.types, ["f32[2, 16, 64]", "f32[32, 64]"]);
  assert.deepEqual(e.loc, { file: FIXTURE, line, col });
});

test("an error inside a library layer points at the model line that called it", () => {
  const line = lineOf("@bad-linear");
  const m = new BadProjection();
  const e = shapeError(() => m.forward(Tensor.input("x", "f32", [2, 16, 64])));
  // Linear.forward multiplies by the [8, 32] weight transposed: K = 64 against 32.
  assert.match(e.message, /^matmul: f32\[2, 16, 64\] and f32\[8, 32\]: inner dimensions 64 and 32 differ\n/);
  assert.ok(e.message.endsWith(`at ${FIXTURE}:${line}:${e.loc!.col}`), e.message);
  assert.equal(e.loc?.file, FIXTURE);
  assert.equal(e.loc?.line, line);
});

test("the same error is raised, located, while tracing a graph", () => {
  const e = shapeError(badGraph);
  assert.equal(e.loc?.file, FIXTURE);
  assert.equal(e.loc?.line, lineOf("@bad-linear"));
});

test("nodes remember the line that built them", () => {
  const x = Tensor.input("x", "f32", [3, 4]);
  const y = x.exp().sum(-1); const here = callerLoc()!;
  assert.equal(y.node.loc?.file, "tests/dsl/shape-error.test.ts");
  assert.equal(y.node.loc?.line, here.line);
});

test("stack frames parse in both of V8's forms", () => {
  assert.deepEqual(parseFrame("    at Linear.forward (file:///p/compiler/dsl/nn.ts:30:14)"), { path: "/p/compiler/dsl/nn.ts", line: 30, col: 14 });
  assert.deepEqual(parseFrame("    at file:///p/models/m.ts:5:3"), { path: "/p/models/m.ts", line: 5, col: 3 });
  assert.deepEqual(parseFrame("    at new PhiBlock (/abs/models/phi-block.ts:7:9)"), { path: "/abs/models/phi-block.ts", line: 7, col: 9 });
  assert.equal(parseFrame("    at node:internal/main/run_main_module:33:47"), undefined);
  assert.equal(parseFrame("    at async Promise.all (index 0)"), undefined);
});
