// The benchmark helpers that need no GPU: the result line's format, medians, size parsing, and
// the comparison that must never let NaN pass.

import { test } from "node:test";
import assert from "node:assert/strict";
import { deviceName, maxAbsDiff, median, resultLine, uniformF32 } from "../../bench/util.ts";
import { parseSizes } from "../../cli/commands/bench.ts";

test("the result line has the fixed format scripts grep for", () => {
  const line = resultLine({ name: "matmul-1024", ratio: 1.6234, ours: 7.12, baseline: 4.386, baselineName: "tfjs-webgpu", unit: "GFLOP/s", device: "llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)" });
  assert.equal(line, "matmul-1024: ratio 1.62 (ours 7.12 GFLOP/s vs tfjs-webgpu 4.39 GFLOP/s) on llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)");
  assert.match(line, /^[\w-]+: ratio \d+\.\d\d \(ours [\d.]+ \S+ vs \S+ [\d.]+ \S+\) on .+$/);
});

test("median of odd and even counts, order-independent", () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.throws(() => median([]), /no samples/);
});

test("sizes parse from commas or spaces, with an optional ^3", () => {
  assert.deepEqual(parseSizes("256,512, 1024"), [256, 512, 1024]);
  assert.deepEqual(parseSizes("2048^3"), [2048]);
  assert.throws(() => parseSizes("256,abc"), /positive integer/);
  assert.throws(() => parseSizes("0"), /positive integer/);
});

test("maxAbsDiff reports the largest difference and never hides NaN", () => {
  const a = uniformF32(1000, 7);
  const b = Float32Array.from(a, (v, i) => (i === 123 ? v + 0.5 : v));
  const d = maxAbsDiff(a, b);
  assert.ok(Math.abs(d.err - 0.5) < 1e-6, `err ${d.err}`);
  assert.ok(d.scale > 0.9 && d.scale <= 1.5);
  b[9] = NaN;
  assert.equal(maxAbsDiff(a, b).err, Infinity);
});

test("uniformF32 is seeded and spans [-1, 1)", () => {
  const a = uniformF32(4096, 1), b = uniformF32(4096, 1), c = uniformF32(4096, 2);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.ok(a.every((v) => v >= -1 && v < 1));
  assert.ok(Math.min(...a) < -0.9 && Math.max(...a) > 0.9);
});

test("the device is named from the adapter description, else vendor and device", () => {
  assert.equal(deviceName({ vendor: "mesa", architecture: "software", device: "llvmpipe", description: "llvmpipe:  Mesa 25.0.7 (LLVM 15.0.6)" }), "llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)");
  assert.equal(deviceName({ vendor: "nvidia", architecture: "hopper", device: "", description: "" }), "nvidia hopper");
});
