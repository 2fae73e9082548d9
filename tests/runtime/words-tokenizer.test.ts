// showo-shapes's word-level tokenizer (runtime/tokenizer/words.ts): every word of the shapes
// world's text has an id, text round-trips, unknown words are refused by name.

import assert from "node:assert/strict";
import { test } from "vitest";
import { SHOWO_SHAPES } from "../../models/showo.ts";
import { mmuQuestionText } from "../../models/showo-prompts.ts";
import { vocabIds } from "../../models/showo-vocab.ts";
import { splitExample } from "../../runtime/shapes/files.ts";
import { SHAPES_WORDS, WordTokenizer, shapesTokenizer, tokenizerFor } from "../../runtime/tokenizer/index.ts";

test("words tokenizer: the world's captions, questions, answers and LM text round-trip exactly (2,000 scenes, both splits)", () => {
  const tok = shapesTokenizer();
  assert.equal(SHAPES_WORDS.length, SHOWO_SHAPES.textVocab);
  assert.equal(tokenizerFor(SHOWO_SHAPES), tok);
  let texts = 0;
  for (const split of ["train", "heldout"] as const) {
    for (let k = 0; k < 1000; k++) {
      const e = splitExample(7, split, k);
      const all = [e.caption.text, e.text, ...e.questions.flatMap((q) => [q.question.toLowerCase(), q.answer])];
      for (const s of all) {
        const ids = tok.encode(s);
        for (const id of ids) assert.ok(id > 0 && id < SHAPES_WORDS.length, `${s}: id ${id}`);
        assert.equal(tok.decode(ids), s);
        texts++;
      }
    }
  }
  assert.ok(texts > 20000);
});

test("words tokenizer: case and spacing are normalised; the MMU wrapper has ids; specials decode by name or are skipped", () => {
  const tok = shapesTokenizer(), v = vocabIds(SHOWO_SHAPES);
  assert.deepEqual(tok.encode("What  COLOR is the Circle?"), tok.encode("what color is the circle ?"));
  assert.equal(tok.decode(tok.encode(mmuQuestionText("What color is the circle?"))), "user: what color is the circle? assistant:");
  const ids = [v.BOS, ...tok.encode("a red circle"), v.EOS, v.PAD, v.IMAGE_OFFSET + 5, v.MASK, v.SOI];
  assert.equal(tok.decode(ids, { skipSpecial: true }), "a red circle");
  assert.equal(tok.decode(ids), "<|endoftext|> a red circle <|endoftext|> [PAD] <|image:5|> [MASK] <|soi|>");
  assert.throws(() => tok.decode([v.VOCAB_SIZE]), /token 1111 is outside the vocabulary \[0, 1111\)/);
});

test("words tokenizer: a word the model has no row for is refused, naming it", () => {
  const tok = shapesTokenizer();
  assert.throws(() => tok.encode("a crimson circle"), /'crimson' \(at character 2\) is not in this model's vocabulary of 76 words/);
  assert.throws(() => tok.encode("a red circle!"), /'!'/);
  assert.throws(() => new WordTokenizer(["<|endoftext|>", "a", "a"], { endOfText: 0, codebookSize: 4 }), /'a' is listed twice/);
});
