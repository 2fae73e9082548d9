// The benchmark helpers that need no GPU: the result line's format, medians, size parsing, timing
// in alternating rounds, a bench file's own flags, and the comparison that must never let NaN pass.

import { test } from "vitest";
import assert from "node:assert/strict";
import { benchArgs, describeRatio, deviceName, maxAbsDiff, median, resultLine, roundRatios, timeRounds, uniformF32 } from "../../bench/util.ts";
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

test("timeRounds warms each side up, then alternates the order every round; a side may report its own ms", async () => {
  const calls: string[] = [];
  const side = (name: string, ms?: number) => () => {
    calls.push(name);
    return Promise.resolve(ms);
  };
  const [a, b, c] = await timeRounds([side("a", 7), side("b", 3), side("c")], { reps: 3, warmup: 2 });
  assert.deepEqual(calls.join(""), "aabbcc" + "abc" + "cba" + "abc");
  assert.deepEqual(a!.samples, [7, 7, 7]);
  assert.equal(a!.first, 7);
  assert.deepEqual(roundRatios(a!, b!).map((r) => r.toFixed(3)), ["2.333", "2.333", "2.333"]);
  assert.equal(c!.samples.length, 3);
  assert.equal(describeRatio(2.3333, [2.1, 2.6, 2.3]), "2.33 (per round 2.10–2.60, n=3)");
});

test("benchArgs: showo bench's defaults, --quick, and positive integer flags", () => {
  assert.deepEqual(benchArgs([]).opts, { reps: 5, warmup: 2, quick: false });
  assert.deepEqual(benchArgs(["--quick"]).opts, { reps: 3, warmup: 1, quick: true });
  const a = benchArgs(["--warmup", "4", "--mid", "--steps", "2"]);
  assert.deepEqual(a.opts, { reps: 5, warmup: 4, quick: false });
  assert.equal(a.value("--steps"), 2);
  assert.equal(a.value("--tokens"), undefined);
  assert.ok(a.has("--mid"));
  assert.throws(() => benchArgs(["--reps", "0"]), /--reps must be a positive integer, got '0'/);
  assert.throws(() => benchArgs(["--warmup"]), /--warmup must be a positive integer, got ''/);
});
