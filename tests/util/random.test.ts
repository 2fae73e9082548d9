// The test-data helpers honour every `init` kind and are reproducible from a seed.

import assert from "node:assert/strict";
import { test } from "vitest";
import { mulberry32, randomInputFor, testSeed } from "./random.ts";

test("mulberry32 is reproducible and uniform-looking", () => {
  const seed = testSeed();
  const a = mulberry32(seed), b = mulberry32(seed);
  const xs = Array.from({ length: 2000 }, () => a());
  assert.deepEqual(xs.slice(0, 10), Array.from({ length: 10 }, () => b()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean} (TEST_SEED=${seed})`);
});

test("randomInputFor honours each init kind", () => {
  const rng = mulberry32(testSeed());
  const ints = randomInputFor({ dtype: "i32", shape: [4, 50], init: { kind: "int", lo: -2, hi: 3 } }, rng);
  assert.ok(ints.data.every((v) => Number.isInteger(v) && v >= -2 && v < 3));
  assert.equal(new Set(ints.data).size, 5);
  const uni = randomInputFor({ dtype: "f32", shape: [100], init: { kind: "uniform", lo: 0.5, hi: 2 } }, rng);
  assert.ok(uni.data.every((v) => v >= 0.5 && v < 2));
  const bools = randomInputFor({ dtype: "bool", shape: [64], init: { kind: "bool" } }, rng);
  assert.ok(bools.data.every((v) => v === 0 || v === 1) && bools.data.some((v) => v === 1) && bools.data.some((v) => v === 0));
  const vals = randomInputFor({ dtype: "f32", shape: [2, 3], init: { kind: "values", values: [1, 2, 3] } }, rng);
  assert.deepEqual([...vals.data], [1, 2, 3, 1, 2, 3]);
  const normal = randomInputFor({ dtype: "f32", shape: [4000], init: { kind: "normal", scale: 3 } }, rng);
  const sd = Math.sqrt(normal.data.reduce((s, v) => s + v * v, 0) / normal.data.length);
  assert.ok(Math.abs(sd - 3) < 0.3, `sd ${sd}`);
  const def = randomInputFor({ dtype: "u32", shape: [100] }, rng);
  assert.ok(def.data.every((v) => Number.isInteger(v) && v >= 0));
  assert.deepEqual(randomInputFor({ dtype: "f16", shape: [3] }, rng).shape, [3]);
});
