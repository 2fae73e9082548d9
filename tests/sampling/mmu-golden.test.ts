// Greedy MMU answers against PyTorch (tests/golden/mmu.py: reference.py's float64 Show-o, the
// whole sequence re-run per token with Show-o's growing mask, one question at a time): the three
// golden questions as one right-padded batch through the KV-cached decode must give exactly the
// PyTorch tokens, compiled for $SHOWO_TARGET (WGSL by default; CUDA skips without a driver) and
// on the reference interpreter.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, test } from "vitest";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { SHOWO_TINY, Showo } from "../../models/showo.ts";
import { mmuPrompt } from "../../models/showo-prompts.ts";
import { mmuGenerate, referenceRunners, wgslRunners } from "../../runtime/sampling/mmu.ts";
import { SHOWO_KEYMAP, loadWeights } from "../../runtime/weights/index.ts";
import { openGoldenDevice } from "../golden/fixtures.ts";

interface MmuGolden {
  readonly weights: string;
  readonly max_new_tokens: number;
  readonly eos: number;
  readonly image: number[];
  readonly cases: { question: number[]; ids: number[]; tokens: number[]; min_top2_gap: number }[];
}

const dir = new URL("../golden/mmu-fixtures/", import.meta.url);
const gold = JSON.parse(readFileSync(new URL("mmu_greedy.json", dir), "utf8")) as MmuGolden;
const model = new Showo(SHOWO_TINY);
let weights: Record<string, RefTensor>;
const dev = await openGoldenDevice();

beforeAll(async () => {
  weights = await loadWeights(new URL(gold.weights, dir).pathname, model.namedParameters(), SHOWO_KEYMAP);
});
afterAll(() => dev.dispose());

function rows(): number[][] {
  const ids = gold.cases.map((c) => mmuPrompt(gold.image, c.question, SHOWO_TINY).ids);
  assert.deepEqual(ids, gold.cases.map((c) => c.ids), "our MMU prompt builder makes PyTorch's prompts");
  assert.ok(new Set(ids.map((r) => r.length)).size > 1, "the batch has questions of different lengths");
  return ids;
}

test(`golden MMU, ${dev.label}: cached batched greedy decoding reproduces PyTorch's tokens exactly`, async (t) => {
  if (dev.skip) t.skip(dev.skip);
  const r = await mmuGenerate({ cfg: SHOWO_TINY, model, prompts: rows(), maxNewTokens: gold.max_new_tokens, eos: gold.eos, runners: wgslRunners(weights, dev.get()) });
  assert.deepEqual(r.tokens, gold.cases.map((c) => c.tokens));
  console.log(`${dev.label}: ${r.generated} tokens, compile ${r.compileMs.toFixed(0)} ms, run ${r.runMs.toFixed(0)} ms`);
});

test("golden MMU, reference interpreter: cached batched greedy decoding reproduces PyTorch's tokens exactly", async () => {
  const r = await mmuGenerate({ cfg: SHOWO_TINY, model, prompts: rows(), maxNewTokens: gold.max_new_tokens, eos: gold.eos, runners: referenceRunners(weights) });
  assert.deepEqual(r.tokens, gold.cases.map((c) => c.tokens));
});
