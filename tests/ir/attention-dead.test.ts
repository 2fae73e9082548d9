// DEAD segments (mask.ts): attention's decomposition (the mask built from primitive ops on the
// segments tensor) equals its float64 reference on random layouts with DEAD stretches, PAD,
// SPAN and GLOBAL segments, causal or not, with decode rows (Lq < Lk); DEAD rows are exactly zero.
//
// Tolerance: max |decomposed − reference| ≤ 1e-12·max(1, max |reference|) (both float64).

import assert from "node:assert/strict";
import { test } from "vitest";
import { run } from "../../backends/reference/interpreter.ts";
import { apply, input } from "../../compiler/ir/build.ts";
import { Graph } from "../../compiler/ir/graph.ts";
import type { Segment } from "../../compiler/ir/mask.ts";
import { packSegments } from "../../compiler/ir/mask.ts";
import { getOp } from "../../compiler/ir/op.ts";
import "../../compiler/ir/ops.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import { mulberry32, randInt, randomTensor, testSeed } from "../util/random.ts";

const seed = testSeed();
const rng = mulberry32(seed);

test("attention's decomposition honours DEAD rows and columns (random layouts)", () => {
  for (let trial = 0; trial < 12; trial++) {
    const B = 2, H = 2, lk = randInt(rng, 4, 14), lq = rng() < 0.7 ? lk : randInt(rng, 1, lk + 1), D = 3;
    const causal = rng() < 0.8;
    const span = (kind: Segment["kind"]): Segment => {
      const a = randInt(rng, 0, lk + 1), b = randInt(rng, 0, lk + 1);
      return { kind, start: Math.min(a, b), end: Math.max(a, b) };
    };
    const rows: Segment[][] = Array.from({ length: B }, () => [
      { kind: "dead", start: 0, end: randInt(rng, 0, lk >> 1) },
      span((["pad", "span", "global", "dead"] as const)[randInt(rng, 0, 4)]!),
      span("span"),
    ]);
    const seg = packSegments(rows);
    const ins = [input("q", "f32", [B, H, lq, D]), input("k", "f32", [B, H, lk, D]), input("v", "f32", [B, H, lk, D]), input("seg", "i32", seg.shape)];
    const g = new Graph("attention", ins, [], [{ name: "y", node: apply("attention", ins, { scale: 0.5, causal }) }]);
    const lowered = new Graph("decomposed", ins, [], [{ name: "y", node: getOp("attention").decompose!(ins, { scale: 0.5, causal, lse: false }) }]);
    assert.ok(!lowered.nodes().some((n) => n.op === "attention"), "decomposed");
    const inputs = { q: randomTensor("f32", [B, H, lq, D], rng), k: randomTensor("f32", [B, H, lk, D], rng), v: randomTensor("f32", [B, H, lk, D], rng), seg: tensor("i32", seg.shape, seg.data) };
    const want = run(g, inputs)["y"]!, got = run(lowered, inputs)["y"]!;
    let err = 0, ref = 0;
    want.data.forEach((w, i) => {
      ref = Math.max(ref, Math.abs(w));
      err = Math.max(err, Math.abs(got.data[i]! - w));
    });
    const what = `${JSON.stringify(rows)} lq=${lq} lk=${lk} causal=${causal} (TEST_SEED=${seed})`;
    assert.ok(err <= 1e-12 * Math.max(1, ref), `${what}: error ${err}`);
    rows.forEach((r, b) => {
      for (let i = 0; i < lq; i++) {
        if (!r.some((s) => s.kind === "dead" && lk - lq + i >= s.start && lk - lq + i < s.end)) continue;
        for (let h = 0; h < H; h++) for (let c = 0; c < D; c++) assert.equal(got.data[((b * H + h) * lq + i) * D + c], 0, `dead row ${b}/${i}: ${what}`);
      }
    });
  }
});
