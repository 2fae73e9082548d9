// MMU decoding with a KV cache against Show-o's way (the whole sequence re-run through showoGraph
// for every token, one question at a time), on the float64 reference interpreter with the golden
// showo-tiny weights and fresh random image codes and questions: a right-padded batch of
// questions of different lengths must give exactly the same tokens, greedy and sampled. Also the
// sampler on its own: top-k 1 and tiny top-p are the argmax, and draws follow the softmax.

import assert from "node:assert/strict";
import { test } from "vitest";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { SHOWO_TINY, Showo } from "../../models/showo.ts";
import { CODEBOOK_SIZE, LLM_VOCAB_SIZE, imageTokenIds, mmuPrompt } from "../../models/showo-prompts.ts";
import { argmax, mmuGenerate, referenceRunners, sampleToken } from "../../runtime/sampling/mmu.ts";
import { SHOWO_KEYMAP, loadWeights } from "../../runtime/weights/index.ts";
import { fixturePath, goldenIndex } from "../golden/fixtures.ts";
import { mulberry32, randInt, testSeed } from "../util/random.ts";

const seed = testSeed();
const rng = mulberry32(seed);
const model = new Showo(SHOWO_TINY);
let weights: Record<string, RefTensor> | undefined;

async function golden(): Promise<Record<string, RefTensor>> {
  weights ??= await loadWeights(fixturePath(goldenIndex().showo.weights), model.namedParameters(), SHOWO_KEYMAP);
  return weights;
}

/** Random image codes and text question ids of the given lengths → MMU prompts. */
function prompts(lengths: readonly number[]): number[][] {
  const image = imageTokenIds(Array.from({ length: SHOWO_TINY.imageTokens }, () => randInt(rng, 0, CODEBOOK_SIZE)));
  return lengths.map((n) => mmuPrompt(image, Array.from({ length: n }, () => randInt(rng, 0, LLM_VOCAB_SIZE)), SHOWO_TINY).ids);
}

test("MMU: cached batched greedy decoding gives exactly the tokens of the uncached per-question re-run", async () => {
  const w = await golden();
  const rows = prompts([7, 2, 4]);
  const streamed: number[][] = rows.map(() => []);
  const cached = await mmuGenerate({ cfg: SHOWO_TINY, model, prompts: rows, maxNewTokens: 3, runners: referenceRunners(w), onToken: (b, t) => streamed[b]!.push(t) });
  const uncached = await mmuGenerate({ cfg: SHOWO_TINY, model, prompts: rows, maxNewTokens: 3, runners: referenceRunners(w), cache: false });
  assert.equal(cached.tokens.length, 3);
  for (const r of cached.tokens) assert.ok(r.length >= 1 && r.length <= 3);
  assert.deepEqual(cached.tokens, uncached.tokens, `seed ${seed}`);
  assert.deepEqual(streamed, cached.tokens, "onToken streams every token of every row");
});

test("MMU: cached and uncached seeded sampling (temperature, top-k, top-p) agree, and a seed reproduces them", async () => {
  const w = await golden();
  const rows = prompts([5, 3]);
  const sample = { temperature: 1.5, topK: 40, topP: 0.95, seed: seed };
  const a = await mmuGenerate({ cfg: SHOWO_TINY, model, prompts: rows, maxNewTokens: 2, runners: referenceRunners(w), sample });
  const b = await mmuGenerate({ cfg: SHOWO_TINY, model, prompts: rows, maxNewTokens: 2, runners: referenceRunners(w), sample, cache: false });
  assert.deepEqual(a.tokens, b.tokens, `seed ${seed}`);
  const c = await mmuGenerate({ cfg: SHOWO_TINY, model, prompts: rows, maxNewTokens: 2, runners: referenceRunners(w), sample });
  assert.deepEqual(a.tokens, c.tokens, "the same seed gives the same tokens");
});

test("MMU: stop token ends a row and is kept; rows stop independently", async () => {
  const w = await golden();
  const rows = prompts([3, 6]);
  const free = await mmuGenerate({ cfg: SHOWO_TINY, model, prompts: rows, maxNewTokens: 3, runners: referenceRunners(w) });
  // Declare row 0's second token the stop token: row 0 must end there, row 1 must be unchanged
  // up to where it meets that token.
  const stop = free.tokens[0]![1]!;
  const r = await mmuGenerate({ cfg: SHOWO_TINY, model, prompts: rows, maxNewTokens: 3, runners: referenceRunners(w), eos: stop });
  assert.deepEqual(r.tokens[0], free.tokens[0]!.slice(0, free.tokens[0]!.indexOf(stop) + 1));
  const cut = free.tokens[1]!.indexOf(stop);
  assert.deepEqual(r.tokens[1], cut >= 0 ? free.tokens[1]!.slice(0, cut + 1) : free.tokens[1]);
});

test("sampler: top-k 1 and a tiny top-p are the argmax; draws follow softmax(logits / T)", () => {
  const r = mulberry32(seed ^ 0x5eed);
  const logits = Array.from({ length: 6 }, () => 3 * (r() - 0.5));
  const best = argmax(logits);
  for (let step = 0; step < 20; step++) {
    assert.equal(sampleToken(logits, 0, 6, { topK: 1, seed: 3 }, step, 0), best);
    assert.equal(sampleToken(logits, 0, 6, { topP: 1e-6, seed: 3 }, step, 1), best);
  }
  // With an offset window: the index is relative to the window.
  assert.equal(argmax([9, ...logits], 1, 7), best);
  const T = 1.3, n = 6000, counts = new Array<number>(6).fill(0);
  for (let i = 0; i < n; i++) counts[sampleToken(logits, 0, 6, { temperature: T, seed: 11 }, i, 2)]!++;
  const z = logits.map((l) => Math.exp(l / T)), s = z.reduce((a, b) => a + b, 0);
  z.forEach((e, i) => {
    const p = e / s, sd = Math.sqrt((p * (1 - p)) / n);
    assert.ok(Math.abs(counts[i]! / n - p) < 5 * sd + 1e-3, `token ${i}: frequency ${counts[i]! / n} vs probability ${p}`);
  });
  // top-k 2 never picks outside the two largest.
  const top2 = [...logits.keys()].sort((a, b) => logits[b]! - logits[a]!).slice(0, 2);
  for (let i = 0; i < 200; i++) assert.ok(top2.includes(sampleToken(logits, 0, 6, { topK: 2, seed: 5 }, i, 0)));
});

test("MMU: bad requests fail with a message", async () => {
  const w = await golden();
  const run = (o: object) => mmuGenerate({ cfg: SHOWO_TINY, model, prompts: prompts([2]), maxNewTokens: 1, runners: referenceRunners(w), ...o });
  await assert.rejects(run({ sample: { topP: 0 } }), /top-p must be in/);
  await assert.rejects(run({ maxNewTokens: 0 }), /maxNewTokens/);
  await assert.rejects(run({ prompts: [[1, 2, 3]] }), /no \[EOI\]/);
});
