// T2I sampling pieces on their own: the mask schedules and the re-mask count (checked against the
// counts design/showo.md §6.2 lists), the temperature annealing, the noise (Philox determinism,
// file validation), the inverse-CDF draw, and the decoding loop's invariants on synthetic logits
// (fresh random values from a seeded generator: known codes never change, the masked counts
// follow the rule, no twin rows without guidance).

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, test } from "vitest";
import { SHOWO_TINY } from "../../models/showo.ts";
import { IMAGE_OFFSET, MASK } from "../../models/showo-prompts.ts";
import { writeNpy } from "../../runtime/npy.ts";
import { checkNoise, gumbel, philoxNoise, readNoise } from "../../runtime/sampling/noise.ts";
import { cosineSchedule, linearSchedule, maskLen, maskSchedule, maskedAfterSteps, temperatures } from "../../runtime/sampling/schedule.ts";
import { inverseCdf, sampleT2I, t2iRows } from "../../runtime/sampling/t2i.ts";
import { headFlops } from "../../runtime/sampling/t2i-graph.ts";
import { SHOWO_256 } from "../../models/showo.ts";
import { mulberry32, normal, testSeed } from "../util/random.ts";

const dir = mkdtempSync(join(tmpdir(), "showo-t2i-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("cosine schedule: tokens still masked after each step are §6.2's counts (N = 256, T = 16 / 18; N = 1024, T = 50)", () => {
  assert.deepEqual(maskedAfterSteps(256, 16), [254, 251, 244, 236, 225, 212, 197, 181, 162, 142, 120, 97, 74, 49, 25, 1]);
  const t18 = maskedAfterSteps(256, 18);
  assert.deepEqual(t18.slice(0, 4), [255, 252, 247, 240]);
  assert.deepEqual(t18.slice(-3), [44, 22, 1]);
  const t50 = maskedAfterSteps(1024, 50);
  assert.deepEqual(t50.slice(0, 2), [1023, 1021]);
  assert.deepEqual(t50.slice(-3), [64, 32, 1]);
  assert.ok(Math.abs(cosineSchedule(0.5) - Math.SQRT1_2) < 1e-7);
});

test("linear, powK and sigmoid schedules: values, clipping to [1e-6, 1], monotone; unknown names are refused", () => {
  assert.equal(linearSchedule(0.25), 0.75);
  assert.equal(maskSchedule("pow2")(0.5), 0.75);
  assert.ok(Math.abs(maskSchedule("pow0.5")(0.25) - 0.5) < 1e-7);
  assert.ok(Math.abs(linearSchedule(1) - 1e-6) < 1e-12);
  const sig = maskSchedule("sigmoid");
  assert.ok(Math.abs(sig(0) - 1) < 1e-6);
  assert.ok(Math.abs(sig(0.5) - 0.5) < 1e-6);
  assert.ok(Math.abs(sig(1) - 1e-6) < 1e-9);
  // cosine is not clipped: at ratio 1 it is cos of float32(π/2), −4.37e-8, as in float32 PyTorch.
  assert.ok(Math.abs(cosineSchedule(1) + 4.371139e-8) < 1e-13);
  for (const name of ["linear", "pow3", "sigmoid"]) {
    const f = maskSchedule(name);
    let prev = Infinity;
    for (let s = 0; s < 10; s++) {
      const v = f((s + 1) / 10);
      assert.ok(v <= prev && v >= 1e-6 - 1e-12 && v <= 1, `${name} at ${(s + 1) / 10}: ${v}`);
      prev = v;
    }
  }
  assert.throws(() => maskSchedule("exp"), /unknown mask schedule 'exp'/);
  assert.throws(() => maskSchedule("pow0"), /unknown mask schedule/);
});

test("mask_len = ⌊N·ratio⌋ of the TOTAL N, clamped to [1, unknown − 1]", () => {
  assert.equal(maskLen(256, 0.5, 200), 128);
  assert.equal(maskLen(256, 0.5, 10), 9); // a small hole: all but one unknown go back
  assert.equal(maskLen(256, 0.01, 100), 2); // ⌊2.56⌋
  assert.equal(maskLen(256, 0.001, 100), 1); // ⌊0.256⌋ = 0 → 1
  assert.equal(maskLen(16, 0.99, 16), 15);
  assert.equal(maskLen(16, 0.9, 1), 1); // unknown − 1 = 0 < 1: Show-o's max(1, ·) wins
});

test("temperature annealing: compounding τ_s = τ_{s−1}(1 − ratio) (§6.2's values for T = 18), or MaskGIT's τ₀(1 − ratio)", () => {
  const t = temperatures(1, 18);
  const want = [0.94, 0.84, 0.70, 0.54, 0.39, 0.26, 0.16, 0.09, 0.04];
  want.forEach((w, i) => assert.ok(Math.abs(t[i]! - w) < 0.006, `τ_${i} = ${t[i]} (want ≈ ${w})`));
  assert.equal(t[17], 0);
  const m = temperatures(2, 4, "maskgit");
  assert.deepEqual(m, [1.5, 1, 0.5, 0]);
});

test("seeded Philox noise: deterministic, strictly inside (0, 1), per-row streams independent of the batch size", () => {
  const shape = { steps: 3, batch: 3, tokens: 16 };
  const a = philoxNoise(7, shape), b = philoxNoise(7, shape), c = philoxNoise(8, shape);
  assert.deepEqual(a.data, b.data);
  assert.notDeepEqual(a.data, c.data);
  assert.ok(a.data.every((u) => u > 0 && u < 1));
  const one = philoxNoise(7, { ...shape, batch: 1 });
  for (let s = 0; s < 3; s++) for (let n = 0; n < 32; n++) assert.equal(one.data[s * 32 + n], a.data[s * 96 + n]);
  // Roughly uniform: the mean of 288 draws.
  const mean = a.data.reduce((x, y) => x + y, 0) / a.data.length;
  assert.ok(Math.abs(mean - 0.5) < 0.06, `mean ${mean}`);
  assert.throws(() => philoxNoise(-1, shape), /seed must be a non-negative integer/);
  assert.ok(Number.isFinite(gumbel(1e-30)) && Number.isFinite(gumbel(1 - 1e-16)));
});

test("noise files: float32 [steps, batch, N, 2] of values strictly inside (0, 1), else a clear error", () => {
  const shape = { steps: 2, batch: 1, tokens: 16 };
  const good = philoxNoise(3, shape);
  const p = join(dir, "noise.npy");
  writeNpy(p, { shape: [2, 1, 16, 2], data: good.data });
  assert.deepEqual(readNoise(p, shape).data, good.data);
  const f4 = (shape: number[], data: Float32Array) => ({ dtype: "f4" as const, shape, data });
  assert.throws(() => checkNoise({ dtype: "f8", shape: [2, 1, 16, 2], data: Float64Array.from(good.data) }, shape), /expected float32 \[2, 1, 16, 2\].*got float64 \[2, 1, 16, 2\]/);
  assert.throws(() => checkNoise(f4([2, 1, 16], good.data.subarray(0, 32)), shape), /expected float32 \[2, 1, 16, 2\].*got float32 \[2, 1, 16\]/);
  assert.throws(() => checkNoise(f4([3, 1, 16, 2], new Float32Array(96).fill(0.5)), shape), /\[steps, batch, image tokens, 2\]/);
  for (const [bad, at] of [[0, 5], [1, 40], [Number.NaN, 63], [-0.25, 0]] as const) {
    const d = Float32Array.from(good.data);
    d[at] = bad;
    const s = Math.floor(at / 32), n = Math.floor(at / 2) % 16, k = at % 2;
    assert.throws(() => checkNoise(f4([2, 1, 16, 2], d), shape, "n.npy"), new RegExp(`n\\.npy: value ${bad} at \\[${s}, 0, ${n}, ${k}\\] is not strictly inside \\(0, 1\\)`));
  }
  assert.throws(() => readNoise(join(dir, "missing.npy"), shape), /cannot read/);
});

test("inverse CDF: the first index whose cumulative probability exceeds u·total (unnormalised weights too)", () => {
  const p = [0.1, 0.2, 0.7];
  assert.equal(inverseCdf(p, 0.05), 0);
  assert.equal(inverseCdf(p, 0.15), 1);
  assert.equal(inverseCdf(p, 0.31), 2);
  assert.equal(inverseCdf(p, 0.999), 2);
  assert.equal(inverseCdf([2, 0, 6], 0.3), 2); // 0.3·8 = 2.4 > 2: past the zero-weight code
  assert.equal(inverseCdf([0, 5, 0], 0.5), 1);
});

test("decoding loop on synthetic logits: known codes stay, masked counts follow the rule, no twin rows without guidance", async () => {
  const rng = mulberry32(testSeed());
  const cfg = SHOWO_TINY, N = cfg.imageTokens, C = cfg.codebookSize;
  const hole = new Set([0, 5, 6, 9, 10, 15]);
  const known = Array.from({ length: N }, (_, n) => (hole.has(n) ? MASK : IMAGE_OFFSET + Math.floor(rng() * C)));
  const { cond, uncond } = t2iRows(cfg, [[64, 4590], [3797]], [known, new Array<number>(N).fill(MASK)]);
  for (const guidance of [0, 2]) {
    const rowsSeen: number[] = [];
    const logitsOf = async (rows: readonly (readonly number[])[]) => {
      rowsSeen.push(rows.length);
      return Float32Array.from({ length: rows.length * N * C }, () => 3 * normal(rng));
    };
    const masked: number[][] = [];
    const steps = 5;
    const codes = await sampleT2I(cfg, cond, uncond, { steps, guidance, temperature: 1, schedule: "cosine", annealing: "compounding" }, philoxNoise(11, { steps, batch: 2, tokens: N }), logitsOf, (i) => masked.push(i.masked));
    assert.deepEqual(rowsSeen, new Array<number>(steps).fill(guidance > 0 ? 4 : 2));
    known.forEach((t, n) => {
      if (t !== MASK) assert.equal(codes[n], t - IMAGE_OFFSET, `known code at ${n}`);
    });
    assert.ok(codes.every((c) => c >= 0 && c < C));
    // Row 1 starts fully masked: §6.2's rule with N = 16, T = 5.
    assert.deepEqual(masked.map((m) => m[1]), maskedAfterSteps(N, steps));
    // Row 0 has a hole of 6: mask_len clamps to unknown − 1 while N·ratio is larger.
    let unknown = hole.size;
    for (let s = 0; s < steps; s++) {
      unknown = maskLen(N, cosineSchedule((s + 1) / steps), unknown);
      assert.equal(masked[s]![0], unknown);
    }
  }
  await assert.rejects(sampleT2I(cfg, cond, undefined, { steps: 2, guidance: 1, temperature: 1, schedule: "cosine", annealing: "compounding" }, philoxNoise(1, { steps: 2, batch: 2, tokens: N }), async () => new Float32Array(0)), /needs one unconditional row per conditional row/);
  await assert.rejects(sampleT2I(cfg, cond, uncond, { steps: 3, guidance: 1, temperature: 1, schedule: "cosine", annealing: "compounding" }, philoxNoise(1, { steps: 2, batch: 2, tokens: N }), async () => new Float32Array(0)), /noise has shape \[2, 2, 16, 2\]; this run needs \[3, 2, 16, 2\]/);
});

test("the sliced head: FLOPs of the LM head per forward at showo-256 with guidance (2 rows)", () => {
  const f = headFlops(SHOWO_256, 2);
  assert.equal(f.full, 2 * 2 * 387 * 2048 * 58498);
  assert.equal(f.sliced, 2 * 2 * 256 * 2048 * 8192);
  assert.ok(f.avoided / f.full > 0.9);
});
