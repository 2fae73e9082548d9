// Prompt layouts of design/showo.md §3.2: where [SOI], the image and [EOI] sit, how long each
// sequence is, how many pads, truncation, labels, at the released sizes and the tiny one.

import assert from "node:assert/strict";
import { test } from "vitest";
import { SHOWO_256, SHOWO_512, SHOWO_TINY, t2iSeqLen } from "../../models/showo.ts";
import {
  BOS, CODEBOOK_SIZE, EOI, EOS, IGNORE, IMAGE_OFFSET, MASK, MMU, PAD, SOI, SOT, T2I, VOCAB_SIZE,
  imageTokenIds, lmPrompt, mmuCaptionPrompt, mmuLlavaPrompt, mmuPrompt, mmuQuestionText, positionsFor, t2iGenPrompt, t2iPrompt, t2iTextBlock, t2iUncondPrompt,
} from "../../models/showo-prompts.ts";

const count = (ids: readonly number[], t: number) => ids.filter((x) => x === t).length;
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

test("token ids: the vocabulary layout of §3.2", () => {
  assert.deepEqual([PAD, SOI, EOI, T2I, MMU, BOS, EOS, SOT, IMAGE_OFFSET, MASK, VOCAB_SIZE], [50295, 50296, 50297, 50300, 50301, 50256, 50256, 50256, 50305, 58497, 58498]);
  assert.equal(IMAGE_OFFSET + CODEBOOK_SIZE, MASK);
  assert.equal(MASK, VOCAB_SIZE - 1);
  assert.deepEqual(imageTokenIds([0, 8191]), [50305, 58496]);
  assert.throws(() => imageTokenIds([8192]), /outside/);
  assert.throws(() => imageTokenIds([-1]), /outside/);
});

test("T2I at 256 px: L = 387, [SOI] at 129, image at 130..385, [EOI] last", () => {
  const text = range(10, 1000);
  const p = t2iGenPrompt(text, SHOWO_256);
  assert.equal(p.ids.length, 387);
  assert.equal(t2iSeqLen(SHOWO_256), 387);
  assert.equal(p.ids[129], SOI);
  assert.deepEqual(p.ids.slice(130, 386), new Array(256).fill(MASK));
  assert.equal(p.ids[386], EOI);
  // Text block: 129 − (10 + 3) = 116 left pads, then [T2I] BOS text EOS.
  assert.equal(count(p.ids, PAD), 116);
  assert.deepEqual(p.ids.slice(116, 129), [T2I, BOS, ...text, EOS]);
});

test("T2I at 512 px: L = 1155, [SOI] at 129, [EOI] at 1154", () => {
  const p = t2iGenPrompt(range(5, 300), SHOWO_512);
  assert.equal(p.ids.length, 1155);
  assert.equal(t2iSeqLen(SHOWO_512), 1155);
  assert.equal(p.ids[129], SOI);
  assert.equal(p.ids[1154], EOI);
  assert.equal(count(p.ids, MASK), 1024);
});

test("the unconditional prompt is [T2I] BOS EOS after 126 pads", () => {
  const u = t2iUncondPrompt(SHOWO_256);
  assert.equal(count(u.ids, PAD), 126);
  assert.deepEqual(u.ids.slice(126, 130), [T2I, BOS, EOS, SOI]);
  // Condition dropout in training gives the same text block.
  assert.deepEqual(t2iTextBlock(range(40, 7), SHOWO_256, { dropCondition: true }), u.ids.slice(0, 129));
  // An empty caption is the same too (it becomes [BOS]).
  assert.deepEqual(t2iGenPrompt([], SHOWO_256).ids, u.ids);
});

test("T2I text: BOS kept once, exact fit, and truncation to 128 + EOS", () => {
  const withBos = t2iTextBlock([BOS, 5, 6], SHOWO_256);
  assert.deepEqual(withBos.slice(-6), [PAD, T2I, BOS, 5, 6, EOS]);
  assert.equal(count(withBos.slice(0, -1), BOS), 1); // EOS is the same id: leave it out
  // 126 text ids fill the block exactly: [T2I] BOS text×126 EOS.
  const fit = t2iTextBlock(range(126, 1), SHOWO_256);
  assert.equal(count(fit, PAD), 0);
  assert.deepEqual([fit[0], fit[1], fit[128]], [T2I, BOS, EOS]);
  // 200 text ids: [T2I] BOS text[0..126) then EOS (temp_ids[:128] + [EOS]).
  const long = range(200, 1);
  const cut = t2iTextBlock(long, SHOWO_256);
  assert.equal(cut.length, 129);
  assert.deepEqual(cut, [T2I, BOS, ...long.slice(0, 126), EOS]);
  // One over the fit: 127 text ids lose their last.
  assert.deepEqual(t2iTextBlock(range(127, 1), SHOWO_256), [T2I, BOS, ...range(126, 1), EOS]);
});

test("T2I training labels: pads ignored, [SOI]/[EOI] label themselves, image labels as given", () => {
  const L = SHOWO_TINY;
  const codes = imageTokenIds(range(16, 100));
  const input = codes.map((c, i) => (i % 3 === 0 ? MASK : c));
  const labels = codes.map((c, i) => (i % 3 === 0 ? c : IGNORE));
  const p = t2iPrompt([11, 12], input, L, { imageLabels: labels });
  assert.equal(p.ids.length, 35);
  assert.equal(p.ids[17], SOI);
  assert.deepEqual(p.labels!.slice(0, 12), new Array(12).fill(IGNORE)); // 17 − 5 pads
  assert.deepEqual(p.labels!.slice(12, 17), [T2I, BOS, 11, 12, EOS]);
  assert.deepEqual(p.labels!.slice(17), [SOI, ...labels, EOI]);
  assert.throws(() => t2iPrompt([1], [1, 2], L), /image tokens/);
});

test("MMU inference at 256 px: [EOI] at 258, [SOT] at 259, question after", () => {
  const img = imageTokenIds(range(256));
  const q = range(9, 400);
  const p = mmuPrompt(img, q, SHOWO_256);
  assert.deepEqual(p.ids.slice(0, 2), [MMU, SOI]);
  assert.equal(p.ids[258], EOI);
  assert.equal(p.ids[259], SOT);
  assert.deepEqual(p.ids.slice(260), q);
  assert.equal(count(p.ids, PAD), 0);
  assert.equal(mmuQuestionText("What is it?"), "USER: \nWhat is it? ASSISTANT:");
});

test("captioning: BOS text EOS right-padded to the text budget, every text token supervised", () => {
  const img = imageTokenIds(range(256, 7));
  const text = range(20, 500);
  const p = mmuCaptionPrompt(img, text, SHOWO_256);
  assert.equal(p.ids.length, 387); // 3 + 256 + 128, the T2I length
  assert.deepEqual(p.ids.slice(258, 281), [EOI, BOS, ...text, EOS]);
  assert.equal(count(p.ids, PAD), 128 - 22);
  assert.deepEqual(p.labels!.slice(0, 259), new Array(259).fill(IGNORE));
  assert.deepEqual(p.labels!.slice(259, 281), [BOS, ...text, EOS]);
  assert.deepEqual(p.labels!.slice(281), new Array(106).fill(IGNORE));
  // Too long: cut to 127 and EOS appended.
  const long = mmuCaptionPrompt(img, range(300, 1), SHOWO_256);
  assert.equal(long.ids.length, 387);
  assert.deepEqual(long.ids.slice(259), [BOS, ...range(126, 1), EOS]);
});

test("LLaVA (discrete): conversation right-padded and cut to the text length", () => {
  const img = imageTokenIds(range(16));
  const conv = range(5, 900), lab = [IGNORE, IGNORE, 902, 903, 904];
  const p = mmuLlavaPrompt(img, conv, 8, SHOWO_TINY, lab);
  assert.deepEqual(p.ids.slice(19), [...conv, PAD, PAD, PAD]);
  assert.deepEqual(p.labels!.slice(19), [...lab, IGNORE, IGNORE, IGNORE]);
  assert.deepEqual(mmuLlavaPrompt(img, conv, 3, SHOWO_TINY).ids.slice(19), conv.slice(0, 3));
});

test("LM: BOS text EOS right-padded to L; longer texts are cut without EOS", () => {
  const p = lmPrompt([3, 4, 5], 8);
  assert.deepEqual(p.ids, [BOS, 3, 4, 5, EOS, PAD, PAD, PAD]);
  assert.deepEqual(p.labels, [BOS, 3, 4, 5, EOS, IGNORE, IGNORE, IGNORE]);
  assert.deepEqual(lmPrompt([BOS, 3], 4).ids, [BOS, 3, EOS, PAD]);
  assert.deepEqual(lmPrompt(range(10, 1), 4).ids, [BOS, 1, 2, 3]);
  assert.deepEqual(positionsFor(4), [0, 1, 2, 3]);
});

test("showo-tiny layout: text block 17, L = 35", () => {
  const p = t2iGenPrompt([1, 2, 3], SHOWO_TINY);
  assert.equal(p.ids.length, 35);
  assert.equal(t2iSeqLen(SHOWO_TINY), 35);
  assert.equal(p.ids[17], SOI);
  assert.equal(count(p.ids, PAD), 17 - 6);
});
