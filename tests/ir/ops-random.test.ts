// random: Philox4x32-10 against the published Random123 known-answer vectors, the op's reference
// against the generator, and the distributions' first moments on 10^5 draws.

import assert from "node:assert/strict";
import { test } from "vitest";
import { evalNode } from "../../backends/reference/interpreter.ts";
import { apply, input } from "../../compiler/ir/build.ts";
import { getOp } from "../../compiler/ir/op.ts";
import { mulhi32, philox4x32, uniformFromBits } from "../../compiler/ir/philox.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";

const hex = (xs: readonly number[]) => xs.map((x) => x.toString(16).padStart(8, "0")).join(" ");
const freshSeed = (): [number, number] => [(Math.random() * 2 ** 32) >>> 0, (Math.random() * 2 ** 32) >>> 0];

function draw(seed: readonly [number, number], shape: number[], dist: string, stream = 0): RefTensor {
  const s = input("seed", "u32", [2]);
  const node = apply("random", [s], { shape, dist, stream });
  return evalNode(node, new Map([[s, tensor("u32", [2], seed)]]));
}

test("philox4x32_10 matches the Random123 known-answer vectors", () => {
  // From Random123's kat_vectors (philox4x32 10 rounds): counter, key → output.
  const ones = 0xffffffff;
  assert.equal(hex(philox4x32([0, 0, 0, 0], [0, 0])), "6627e8d5 e169c58d bc57ac4c 9b00dbd8");
  assert.equal(hex(philox4x32([ones, ones, ones, ones], [ones, ones])), "408f276d 41c83b0e a20bc7c6 6d5451fd");
  assert.equal(
    hex(philox4x32([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0])),
    "d16cfe09 94fdcceb 5001e420 24126ea1",
  );
});

test("mulhi32 is the exact high word of the 64-bit product", () => {
  const edge = [0, 1, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xd2511f53, 0xcd9e8d57, 0xffffffff];
  const pairs: [number, number][] = [];
  for (const a of edge) for (const b of edge) pairs.push([a, b]);
  for (let n = 0; n < 2000; n++) pairs.push(freshSeed());
  for (const [a, b] of pairs) assert.equal(mulhi32(a, b), Number((BigInt(a) * BigInt(b)) >> 32n), `${a} × ${b}`);
});

test("the op's element e is x₀ of the block at counter (e, stream, 0, 0)", () => {
  const seed = freshSeed();
  const stream = 5;
  const t = draw(seed, [3, 4], "uniform", stream);
  assert.equal(t.dtype, "f32");
  assert.deepEqual(t.shape, [3, 4]);
  for (let e = 0; e < 12; e++) assert.equal(t.data[e], uniformFromBits(philox4x32([e, stream, 0, 0], seed)[0]));
  // Tied to the first known-answer vector: seed 0, element 0, stream 0 has x₀ = 0x6627e8d5.
  assert.equal(draw([0, 0], [1], "uniform").data[0], ((0x6627e8d5 >>> 9) + 0.5) / 2 ** 23);
  const g = draw([0, 0], [1], "gumbel").data[0]!;
  assert.equal(g, -Math.log(-Math.log(((0x6627e8d5 >>> 9) + 0.5) / 2 ** 23)));
});

test("streams and seeds give different draws; the same ones give the same", () => {
  const seed = freshSeed();
  const a = draw(seed, [64], "uniform", 0), b = draw(seed, [64], "uniform", 1), c = draw(seed, [64], "uniform", 0);
  const other = draw([seed[0], (seed[1] + 1) >>> 0], [64], "uniform", 0);
  assert.deepEqual(a.data, c.data);
  assert.ok(a.data.some((x, i) => x !== b.data[i]));
  assert.ok(a.data.some((x, i) => x !== other.data[i]));
});

test("uniform draws lie in (0, 1) with mean ≈ 1/2 and variance ≈ 1/12 over 10^5 draws", () => {
  const n = 100_000;
  const u = draw(freshSeed(), [n], "uniform", 2).data;
  let sum = 0, sq = 0;
  for (const x of u) {
    assert.ok(x > 0 && x < 1, `draw ${x} outside (0, 1)`);
    sum += x;
    sq += x * x;
  }
  const mean = sum / n, variance = sq / n - mean * mean;
  // σ of the mean is 0.289/√n ≈ 9.1e-4; allow about 5.5σ.
  assert.ok(Math.abs(mean - 0.5) < 5e-3, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1 / 12) < 2e-3, `variance ${variance}`);
});

test("Gumbel draws have mean ≈ γ = 0.5772 over 10^5 draws", () => {
  const n = 100_000;
  const g = draw(freshSeed(), [100, 1000], "gumbel").data;
  let sum = 0;
  for (const x of g) {
    assert.ok(Number.isFinite(x));
    sum += x;
  }
  // σ of the mean is (π/√6)/√n ≈ 4.1e-3; allow about 6σ.
  assert.ok(Math.abs(sum / n - 0.5772156649) < 0.025, `mean ${sum / n}`);
});

test("type rules: seed must be u32[2]; the op has no gradient", () => {
  assert.throws(() => apply("random", [input("s", "i32", [2])], { shape: [3], dist: "uniform" }), /seed must be u32/);
  assert.throws(() => apply("random", [input("s", "u32", [3])], { shape: [3], dist: "uniform" }), /shape \[2\]/);
  assert.throws(() => apply("random", [input("s", "u32", [2])], { shape: [3], dist: "normal" }), /one of/);
  const n = apply("random", [input("s", "u32", [2])], { shape: ["B", 4], dist: "gumbel" });
  assert.deepEqual([n.dtype, ...n.shape], ["f32", "B", 4]);
  const def = getOp("random");
  assert.equal(def.differentiable, false);
  assert.deepEqual(def.vjp({ inputs: n.inputs, out: n, grad: n, attrs: n.attrs }), [null]);
});
