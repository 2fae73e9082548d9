// The vocabulary layout (models/showo-vocab.ts): Show-o's own ids, a compact layout's, and the
// prompt builders and mask rules following the layout they are given.

import assert from "node:assert/strict";
import { test } from "vitest";
import { SHOWO_256, SHOWO_CONFIGS, SHOWO_SHAPES, checkShowoConfig } from "../../models/showo.ts";
import { lmPrompt, mmuPrompt, segmentsForBatch, segmentsFromIds, t2iGenPrompt, t2iPrompt, t2iUncondPrompt } from "../../models/showo-prompts.ts";
import { SHOWO_VOCAB, vocabIds } from "../../models/showo-vocab.ts";
import * as V from "../../runtime/tokenizer/vocab.ts";
import { tokenizerFor } from "../../runtime/tokenizer/index.ts";

test("vocab layout: Show-o's layout gives the released model's ids (docs/showo.md §3.2)", () => {
  const v = vocabIds(SHOWO_VOCAB);
  assert.deepEqual(
    [v.BOS, v.EOS, v.PAD, v.SOI, v.EOI, v.SOV, v.EOV, v.T2I, v.MMU, v.T2V, v.V2V, v.LVG, v.IMAGE_OFFSET, v.MASK, v.VOCAB_SIZE],
    [50256, 50256, 50295, 50296, 50297, 50298, 50299, 50300, 50301, 50302, 50303, 50304, 50305, 58497, 58498],
  );
  assert.deepEqual([V.PAD, V.SOI, V.MASK, V.IMAGE_OFFSET, V.VOCAB_SIZE], [v.PAD, v.SOI, v.MASK, v.IMAGE_OFFSET, v.VOCAB_SIZE]);
  assert.equal(vocabIds({}), v, "fields left out take Show-o's values");
});

test("vocab layout: showo-shapes — 76 words, 10 specials, 1,024 codes, [MASK]; every config checks", () => {
  const v = vocabIds(SHOWO_SHAPES);
  assert.deepEqual([v.BOS, v.PAD, v.SOI, v.EOI, v.T2I, v.MMU, v.IMAGE_OFFSET, v.MASK, v.VOCAB_SIZE], [0, 76, 77, 78, 81, 82, 86, 1110, 1111]);
  assert.equal(SHOWO_SHAPES.vocab, 1111);
  for (const cfg of Object.values(SHOWO_CONFIGS)) {
    checkShowoConfig(cfg);
    tokenizerFor(cfg); // the tokenizer's size matches the config's text vocabulary
  }
  assert.throws(() => checkShowoConfig({ ...SHOWO_SHAPES, vocab: 1112 }), /vocab 1112 must be .* = 1111/);
  assert.throws(() => vocabIds({ textVocab: 10, endOfText: 10 }), /endOfText 10 is not a text id/);
  assert.throws(() => tokenizerFor({ ...SHOWO_SHAPES, textVocab: 80 }), /76 text ids, the config 80/);
});

test("vocab layout: prompts and masks follow the layout they are given", () => {
  const cfg = { ...SHOWO_SHAPES, imageTokens: 4, textBudget: 6 };
  const v = vocabIds(cfg);
  const codes = [3, 0, 1023, 7].map((c) => c + v.IMAGE_OFFSET);
  const gen = t2iGenPrompt([20, 21], cfg).ids;
  assert.deepEqual(gen, [v.PAD, v.PAD, v.T2I, v.BOS, 20, 21, v.EOS, v.SOI, v.MASK, v.MASK, v.MASK, v.MASK, v.EOI]);
  assert.deepEqual(t2iUncondPrompt(cfg).ids.slice(0, 7), [v.PAD, v.PAD, v.PAD, v.PAD, v.T2I, v.BOS, v.EOS]);
  assert.deepEqual(segmentsFromIds(gen, "t2i", { vocab: cfg }), [{ kind: "pad", start: 0, end: 2 }, { kind: "span", start: 7, end: 13 }]);
  // Show-o's ids mean nothing in this layout: no [PAD]/[SOI] is found there.
  assert.deepEqual(segmentsFromIds(gen.map(() => 5), "t2i", { vocab: cfg }), []);
  const t = t2iPrompt([20], codes, cfg, { imageLabels: codes });
  assert.equal(t.labels![0], -100, "pads label IGNORE");
  assert.throws(() => t2iPrompt([20], codes.map((c) => c + 2), cfg), /image token 1111 at 2 is neither an image id \[86, 1110\) nor \[MASK\]/);
  const m = mmuPrompt(codes, [30, 31], cfg);
  assert.deepEqual(m.ids, [v.MMU, v.SOI, ...codes, v.EOI, v.SOT, 30, 31]);
  assert.deepEqual(segmentsForBatch([m], { vocab: cfg })[0], [{ kind: "span", start: 0, end: 7 }]);
  assert.deepEqual(lmPrompt([20, 21], 6, cfg).ids, [v.BOS, 20, 21, v.EOS, v.PAD, v.PAD]);
  // The default is still Show-o's layout.
  assert.equal(t2iGenPrompt([], SHOWO_256).ids.at(-1), V.EOI);
});
