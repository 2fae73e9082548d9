// Non-finite logits stop the samplers with an error naming where they were, instead of a token:
// T2I (sampleT2I on synthetic logits: NaN / ±Inf from the forward in the conditional or the
// unconditional rows, the guidance combination overflowing at g = 1e308; inverseCdf on its own)
// and MMU (sampleToken and greedy / sampled generation through runners that return crafted
// logits). Before, NaN failed every comparison: T2I drew the last code (8191), MMU's argmax token 0.
// No device: the logits are made here.

import assert from "node:assert/strict";
import { test } from "vitest";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import { SHOWO_TINY, Showo } from "../../models/showo.ts";
import { CODEBOOK_SIZE, imageTokenIds, mmuPrompt } from "../../models/showo-prompts.ts";
import type { RunnerFactory } from "../../runtime/sampling/mmu.ts";
import { mmuGenerate, sampleToken } from "../../runtime/sampling/mmu.ts";
import { philoxNoise } from "../../runtime/sampling/noise.ts";
import type { T2IOptions } from "../../runtime/sampling/t2i.ts";
import { inverseCdf, sampleT2I, t2iRows } from "../../runtime/sampling/t2i.ts";
import { mulberry32, normal, testSeed } from "../util/random.ts";

const seed = testSeed();
const rng = mulberry32(seed);
const cfg = SHOWO_TINY, N = cfg.imageTokens, C = cfg.codebookSize, V = cfg.vocab;

// ----- T2I ---------------------------------------------------------------------------------------

const opts = (guidance: number): T2IOptions => ({ steps: 3, guidance, temperature: 1, schedule: "cosine", annealing: "compounding" });

/**
 * Runs sampleT2I on 2 fully masked rows with random logits, setting `value` at
 * [row, position, code] of the forward at `step` (0-based).
 */
function t2iWith(guidance: number, step: number, row: number, position: number, code: number, value: number): Promise<Int32Array> {
  const { cond, uncond } = t2iRows(cfg, [[64, 4590], [3797]]);
  let calls = 0;
  const logitsOf = async (rows: readonly (readonly number[])[]) => {
    const l = Float32Array.from({ length: rows.length * N * C }, () => 3 * normal(rng));
    if (calls++ === step) l[(row * N + position) * C + code] = value;
    return l;
  };
  return sampleT2I(cfg, cond, uncond, opts(guidance), philoxNoise(seed, { steps: 3, batch: 2, tokens: N }), logitsOf);
}

test("t2i: NaN / ±Inf in the forward's logits stop sampling naming the step, row, image position and code", async () => {
  await assert.rejects(t2iWith(0, 0, 1, 5, 17, Number.NaN), /^Error: t2i step 1\/3, row 1, image position 5: the logits hold NaN at code 17; the forward produced a non-finite value/);
  await assert.rejects(t2iWith(0, 2, 0, 15, 0, Infinity), /t2i step 3\/3, row 0, image position 15: the logits hold \+Inf at code 0;/);
  await assert.rejects(t2iWith(0, 1, 0, 0, C - 1, -Infinity), /t2i step 2\/3, row 0, image position 0: the logits hold -Inf at code 8191;/);
  // With guidance: rows 2 and 3 of the forward are the unconditional twins of rows 0 and 1.
  await assert.rejects(t2iWith(1.75, 0, 1, 3, 40, Number.NaN), /t2i step 1\/3, row 1, image position 3: the conditional logits hold NaN at code 40;/);
  await assert.rejects(t2iWith(1.75, 1, 3, 7, 41, Number.NaN), /t2i step 2\/3, row 1, image position 7: the unconditional logits hold NaN at code 41;/);
  // Finite logits give codes in range (the same runs without the bad value).
  const codes = await t2iWith(1.75, 99, 0, 0, 0, 0);
  assert.ok(codes.every((c) => c >= 0 && c < C));
});

// Both products may overflow (then Inf − Inf is NaN) or one only (±Inf), depending on the random logits.
test("t2i: guidance 1e308 overflows (1 + g)·ℓ_cond − g·ℓ_uncond to ±Inf or NaN: refused, not code 8191", async () => {
  await assert.rejects(t2iWith(1e308, 99, 0, 0, 0, 0), /^Error: t2i step 1\/3, row 0, image position 0: guidance 1e\+308 overflows: \(1 \+ g\)·ℓ_cond − g·ℓ_uncond is ([+-]Inf|NaN) at code \d+ \(ℓ_cond .*, ℓ_uncond .*\); use a smaller guidance/);
});

test("inverse CDF: NaN, infinite or negative weights, a total that is not positive and finite, a uniform outside [0, 1) are refused", () => {
  assert.throws(() => inverseCdf([0.1, Number.NaN, 0.5], 0.3, "here"), /^Error: here: probability 1 is NaN; a draw needs finite weights ≥ 0$/);
  assert.throws(() => inverseCdf([0.1, 0.2, Infinity], 0.3), /^Error: inverse CDF: probability 2 is \+Inf/);
  assert.throws(() => inverseCdf([0.5, -0.25, 1], 0.3), /probability 1 is -0\.25/);
  assert.throws(() => inverseCdf([0, 0, 0], 0.3), /the probabilities sum to 0; a draw needs a positive finite total/);
  assert.throws(() => inverseCdf([1e308, 1e308], 0.3), /the probabilities sum to \+Inf/);
  assert.throws(() => inverseCdf([0.5, 0.5], Number.NaN), /the uniform is NaN, not in \[0, 1\)/);
  assert.throws(() => inverseCdf([0.5, 0.5], 1), /the uniform is 1/);
  assert.equal(inverseCdf([0.5, 0.5], 0), 0);
});

// ----- MMU ---------------------------------------------------------------------------------------

test("mmu sampler: NaN / ±Inf logits are refused naming the step, row and token id; so is a temperature that overflows them", () => {
  const logits = Array.from({ length: 12 }, () => normal(rng));
  assert.throws(() => sampleToken([...logits.slice(0, 9), Number.NaN, ...logits.slice(10)], 0, 12, { seed: 1 }, 4, 2), /^Error: mmu step 4, row 2: the logits hold NaN at token id 9; the forward produced a non-finite value/);
  // The index is relative to the row's window.
  assert.throws(() => sampleToken([0, 0, ...logits.slice(0, 3), -Infinity, ...logits.slice(4)], 2, 14, { topK: 3 }, 0, 1), /mmu step 0, row 1: the logits hold -Inf at token id 3/);
  assert.throws(() => sampleToken([Infinity, ...logits.slice(1)], 0, 12, {}, 1, 0), /the logits hold \+Inf at token id 0/);
  assert.throws(() => sampleToken([1e300, ...logits.slice(1)], 0, 12, { temperature: 1e-10 }, 1, 0), /mmu step 1, row 0: temperature 1e-10 overflows the largest logit/);
});

/**
 * Runners whose every graph returns logits [rows·L, V] of random values, `value` at token `at` of
 * batch row `row` (L = 1: the prefill's [B, V]; the uncached forward's [1, L, V] is read at L − 1).
 */
function craftedRunners(rows: number, L: number, row: number, at: number, value: number): RunnerFactory {
  return () => Promise.resolve({
    run: () => {
      const data = Float64Array.from({ length: rows * L * V }, () => normal(rng));
      for (let i = 0; i < L; i++) data[(row * L + i) * V + at] = value;
      const out: Record<string, RefTensor> = { logits: tensor("f32", [rows * L, V], data) };
      return Promise.resolve(out);
    },
    dispose: () => {},
  });
}

test("mmu generation: a NaN row stops greedy and sampled decoding (cached and uncached) instead of choosing token 0", async () => {
  const model = new Showo(cfg);
  const image = imageTokenIds(Array.from({ length: N }, (_, i) => (i * 37) % CODEBOOK_SIZE));
  const prompts = [mmuPrompt(image, [11, 12, 13], cfg).ids, mmuPrompt(image, [21, 22], cfg).ids];
  const base = { cfg, model, prompts, maxNewTokens: 2 };
  // Cached: the prefill's logits [B, V]; row 1 holds NaN at token 0, the token argmax gave.
  await assert.rejects(mmuGenerate({ ...base, runners: craftedRunners(2, 1, 1, 0, Number.NaN) }), /^Error: mmu step 0, row 1: the logits hold NaN at token id 0;/);
  await assert.rejects(mmuGenerate({ ...base, runners: craftedRunners(2, 1, 0, 777, Infinity), sample: { seed: 5, topK: 10 } }), /mmu step 0, row 0: the logits hold \+Inf at token id 777;/);
  // Uncached: one prompt at a time, logits [1, L, V] read at the last row.
  const L0 = prompts[0]!.length;
  await assert.rejects(mmuGenerate({ ...base, cache: false, runners: craftedRunners(1, L0, 0, 123, Number.NaN) }), /mmu step 0, row 0: the logits hold NaN at token id 123;/);
});
