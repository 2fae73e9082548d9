// The text tokenizer: Show-o's id layout, GPT-2 ids, Phi's whitespace tokens, Show-o's tokens,
// decoding as HF does it, round trips of random text, and the tokenizer.json loader (on a small
// synthetic file, and on a GPT-2 tokenizer.json rebuilt from the rank table, which must tokenize
// exactly like the built-in tokenizer).
//
// gpt-tokenizer's own encoder is the independent oracle for plain GPT-2 ids.

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "vitest";
import r50kRanks from "gpt-tokenizer/bpeRanks/r50k_base";
import * as gpt2 from "gpt-tokenizer/encoding/r50k_base";
import { phiAddedTokens } from "../../runtime/tokenizer/added.ts";
import { mergeSymbols } from "../../runtime/tokenizer/bpe.ts";
import { bytesToVocabString, splitGpt2, utf8Encode } from "../../runtime/tokenizer/bytelevel.ts";
import { loadTokenizerJson, tokenizerFromJson } from "../../runtime/tokenizer/json.ts";
import { decode, encode, showoTokenizer } from "../../runtime/tokenizer/phi.ts";
import * as V from "../../runtime/tokenizer/vocab.ts";
import type { Rng } from "../util/random.ts";
import { mulberry32, randInt, testSeed } from "../util/random.ts";

const FIXTURE = new URL("./fixtures/tiny-bytelevel-tokenizer.json", import.meta.url).pathname;

/** GPT-2 ids from the package's own encoder, special-token text treated as text. */
const oracle = (s: string) => gpt2.encode(s, { disallowedSpecial: new Set() });

// ----- random text -------------------------------------------------------------------------------

const WORDS = ["the", "cat", "Hello", "world", "isn't", "we're", "I'm", "you've", "they'll", "he'd", "it's", "2024", "3.14", "x_1", "foo()", "{a: b}", "naïve", "café", "Straße", "Ωμέγα", "привет", "日本語", "한국어", "🎉", "👍🏽", "e\u0301", "\u00a0", "ﬁ", "$", "!?", "...", "@user", "#tag"];

/** Text with words, single and multiple spaces and tabs, newlines and punctuation. */
function randomText(rng: Rng, opts: { runs: boolean; specials: boolean }): string {
  const n = randInt(rng, 1, 25);
  let s = "";
  for (let i = 0; i < n; i++) {
    const r = rng();
    if (r < 0.55) s += WORDS[randInt(rng, 0, WORDS.length)]!;
    else if (r < 0.7) s += " ";
    else if (r < 0.78) s += opts.runs ? " ".repeat(randInt(rng, 2, 40)) : " ";
    else if (r < 0.83) s += opts.runs ? "\t".repeat(randInt(rng, 1, 12)) : "\t";
    else if (r < 0.88) s += "\n".repeat(randInt(rng, 1, 3));
    else if (r < 0.93) s += String.fromCodePoint(randInt(rng, 0x20, 0x7f));
    else if (r < 0.97) s += String.fromCodePoint(randInt(rng, 0xa0, 0x3000));
    else if (opts.specials) s += ["<|endoftext|>", "[PAD]", "<|soi|>", "<|t2i|>", "<|mmu|>"][randInt(rng, 0, 5)]!;
    else s += String.fromCodePoint(randInt(rng, 0x1f300, 0x1f600));
  }
  return s;
}

// ----- id layout ---------------------------------------------------------------------------------

test("id layout: text, Phi whitespace, [PAD], task tokens, image codes, [MASK]", () => {
  assert.equal(V.ENDOFTEXT, 50256);
  assert.equal(V.BOS, V.EOS);
  assert.equal(V.SOT, V.EOT);
  assert.equal(V.SOT, 50256);
  // 38 whitespace tokens fill [50257, 50295) exactly once.
  const ws: number[] = [];
  for (let n = V.SPACE_RUN_MIN; n <= V.SPACE_RUN_MAX; n++) ws.push(V.spaceRunId(n));
  for (let n = V.TAB_RUN_MIN; n <= V.TAB_RUN_MAX; n++) ws.push(V.tabRunId(n));
  assert.equal(ws.length, 38);
  assert.deepEqual([...ws].sort((a, b) => a - b), Array.from({ length: 38 }, (_, i) => 50257 + i));
  assert.equal(V.spaceRunId(2), 50286);
  assert.equal(V.spaceRunId(31), 50257);
  assert.equal(V.tabRunId(2), 50294);
  assert.equal(V.tabRunId(9), 50287);
  assert.throws(() => V.spaceRunId(1), /no added token/);
  assert.throws(() => V.tabRunId(10), /no added token/);
  assert.equal(V.LLM_VOCAB_SIZE, 50257 + 38);
  // Show-o's ten tokens follow in the order they are added.
  assert.deepEqual(V.SHOWO_TOKENS.map((t) => t.id), Array.from({ length: 10 }, (_, i) => V.LLM_VOCAB_SIZE + i));
  assert.deepEqual(V.SHOWO_TOKENS.map((t) => t.content), ["[PAD]", "<|soi|>", "<|eoi|>", "<|sov|>", "<|eov|>", "<|t2i|>", "<|mmu|>", "<|t2v|>", "<|v2v|>", "<|lvg|>"]);
  assert.deepEqual([V.PAD, V.SOI, V.EOI, V.SOV, V.EOV, V.T2I, V.MMU, V.T2V, V.V2V, V.LVG], [50295, 50296, 50297, 50298, 50299, 50300, 50301, 50302, 50303, 50304]);
  assert.equal(V.IMAGE_OFFSET, V.LLM_VOCAB_SIZE + 10);
  assert.equal(V.IMAGE_OFFSET, 50305);
  assert.equal(V.MASK, V.IMAGE_OFFSET + V.CODEBOOK_SIZE);
  assert.equal(V.MASK, 58497);
  assert.equal(V.VOCAB_SIZE, V.MASK + 1);
  assert.equal(V.VOCAB_SIZE, 58498);
  assert.equal(V.imageId(0), 50305);
  assert.equal(V.imageId(8191), 58496);
  assert.equal(V.imageCode(50305 + 77), 77);
  assert.equal(V.isImageId(V.MASK), false);
  assert.throws(() => V.imageId(8192), /outside/);
  assert.throws(() => V.imageCode(V.MASK), /not an image token/);
  assert.equal(showoTokenizer().vocabSize, V.VOCAB_SIZE);
});

// ----- encoding ----------------------------------------------------------------------------------

test("known GPT-2 ids", () => {
  assert.deepEqual(encode("Hello world"), [15496, 995]);
  assert.deepEqual(encode(" Hello"), [18435]);
  assert.deepEqual(encode("<|endoftext|>"), [50256]);
  assert.deepEqual(encode(""), []);
});

test("whitespace runs use Phi's added tokens, matched before BPE", () => {
  // A run of n spaces is 50288 − n: four spaces = 50284; the text around it is BPE'd on its own,
  // so "b" loses the leading space it would have had in plain GPT-2.
  assert.deepEqual(encode("a    b"), [64, 50284, 65]);
  assert.deepEqual(oracle("a    b"), [64, 220, 220, 220, 275], "plain GPT-2 differs");
  for (let n = 2; n <= 31; n++) assert.deepEqual(encode(`x${" ".repeat(n)}y`), [...oracle("x"), V.spaceRunId(n), ...oracle("y")], `${n} spaces`);
  assert.deepEqual(encode("x y"), oracle("x y"), "one space is plain GPT-2");
  // Leftmost-longest: 32 spaces = 31 + one space left for BPE (" y"); 33 = 31 + 2.
  assert.deepEqual(encode(`x${" ".repeat(32)}y`), [...oracle("x"), V.spaceRunId(31), ...oracle(" y")]);
  assert.deepEqual(encode(`x${" ".repeat(33)}y`), [...oracle("x"), V.spaceRunId(31), V.spaceRunId(2), ...oracle("y")]);
  assert.deepEqual(encode(" ".repeat(65)), [V.spaceRunId(31), V.spaceRunId(31), V.spaceRunId(3)]);
  assert.deepEqual(encode(" ".repeat(63)), [V.spaceRunId(31), V.spaceRunId(31), ...oracle(" ")]);
  // Tabs: n = 2..9 are 50296 − n; one tab and ten tabs fall back to BPE for the rest.
  for (let n = 2; n <= 9; n++) assert.deepEqual(encode("\t".repeat(n)), [V.tabRunId(n)], `${n} tabs`);
  assert.deepEqual(encode("\t"), oracle("\t"));
  assert.deepEqual(encode("\t".repeat(10)), [V.tabRunId(9), ...oracle("\t")]);
  assert.deepEqual(encode("  \t\t"), [V.spaceRunId(2), V.tabRunId(2)]);
  // Indented code: newline, four spaces, then the keyword without its space.
  assert.deepEqual(encode("def f():\n    return 1"), [...oracle("def f():\n"), 50284, ...oracle("return 1")]);
});

test("Show-o's tokens and <|endoftext|> in text; allowSpecial: false encodes them as text", () => {
  for (const t of V.SHOWO_TOKENS) {
    assert.deepEqual(encode(t.content), [t.id]);
    assert.deepEqual(encode(t.content, { allowSpecial: false }), oracle(t.content));
  }
  assert.deepEqual(encode("<|endoftext|>", { allowSpecial: false }), oracle("<|endoftext|>"));
  assert.deepEqual(encode("<|t2i|><|endoftext|>a cat<|endoftext|>"), [V.T2I, V.BOS, ...oracle("a cat"), V.EOS]);
  assert.deepEqual(encode("[PAD][PAD]<|soi|>"), [V.PAD, V.PAD, V.SOI]);
  // Whitespace tokens are not control tokens: matched with allowSpecial false too.
  assert.deepEqual(encode("a  <|mmu|>", { allowSpecial: false }), [64, V.spaceRunId(2), ...oracle("<|mmu|>")]);
  assert.equal(showoTokenizer().addedTokenId("<|lvg|>"), V.LVG);
});

test("agrees with gpt-tokenizer's own encoder on text without added tokens", () => {
  const seed = testSeed();
  const rng = mulberry32(seed);
  for (let i = 0; i < 300; i++) {
    const s = randomText(rng, { runs: false, specials: false });
    if (/ {2}|\t\t/.test(s)) continue;
    assert.deepEqual(encode(s), oracle(s), `seed ${seed}: ${JSON.stringify(s)}`);
  }
});

test("pre-tokenization reads \\s as Unicode White_Space (HF and tiktoken), not JavaScript's \\s", () => {
  assert.deepEqual(splitGpt2("Hello world's  end"), ["Hello", " world", "'s", " ", " end"]);
  assert.deepEqual(splitGpt2("a\u0085\u0085b"), ["a", "\u0085", "\u0085", "b"], "U+0085 is whitespace");
  assert.deepEqual(splitGpt2("\ufeff\ufeffa"), ["\ufeff\ufeff", "a"], "U+FEFF is not");
  const rng = mulberry32(testSeed());
  for (let i = 0; i < 50; i++) {
    const s = randomText(rng, { runs: true, specials: true });
    assert.equal(splitGpt2(s).join(""), s);
  }
});

// ----- decoding ----------------------------------------------------------------------------------

test("decode: special tokens, image ids and [MASK] are skipped with skipSpecial; task tokens stay", () => {
  const ids = [V.PAD, V.PAD, V.T2I, V.BOS, ...encode("a red apple"), V.EOS, V.SOI, V.imageId(0), V.imageId(8191), V.MASK, V.EOI];
  assert.equal(decode(ids, { skipSpecial: true }), "<|t2i|>a red apple<|soi|><|eoi|>");
  assert.equal(decode(ids), "[PAD][PAD]<|t2i|><|endoftext|>a red apple<|endoftext|><|soi|><|img0|><|img8191|><|mask|><|eoi|>");
  assert.equal(decode(encode("x    y\t\t\tz")), "x    y\t\t\tz");
  assert.throws(() => decode([V.VOCAB_SIZE]), /outside the vocabulary/);
  assert.throws(() => decode([-1]), /outside the vocabulary/);
});

test("decode: clean_up_tokenization_spaces as Phi's tokenizer_config sets it, and invalid UTF-8", () => {
  const s = "Hello , world . It is n't , is it ? yes ! I 'm sure they 're right";
  assert.equal(decode(encode(s)), "Hello, world. It isn't, is it? yes! I'm sure they're right");
  assert.equal(decode(encode(s), { cleanUpSpaces: false }), s);
  const e = encode("é");
  assert.equal(e.length, 1);
  const bytes = showoTokenizer().model.tokenBytes(e[0]!)!;
  assert.deepEqual([...bytes], [...utf8Encode("é")]);
  const firstByte = (r50kRanks as (string | number[])[]).findIndex((r) => Array.isArray(r) && r.length === 1 && r[0] === 0xc3);
  // Half of a two-byte character decodes to U+FFFD, as String::from_utf8_lossy does.
  assert.ok(firstByte >= 0);
  assert.equal(decode([firstByte, ...encode("x")]), "\ufffdx");
  // A leading byte-order mark is text, not stripped.
  assert.equal(decode(encode("\ufeffhi")), "\ufeffhi");
});

test("round trips of random ASCII and Unicode text, with and without special tokens", () => {
  const seed = testSeed();
  const rng = mulberry32(seed);
  const tok = showoTokenizer();
  for (let i = 0; i < 300; i++) {
    const s = randomText(rng, { runs: true, specials: i % 2 === 0 });
    for (const allowSpecial of [true, false]) {
      const ids = tok.encode(s, { allowSpecial });
      assert.ok(ids.every((id) => Number.isInteger(id) && id >= 0 && id < V.IMAGE_OFFSET));
      assert.equal(tok.decode(ids, { cleanUpSpaces: false }), s, `seed ${seed}: ${JSON.stringify(s)}`);
    }
  }
});

// ----- tokenizer.json ----------------------------------------------------------------------------

test("tokenizer.json loader: a synthetic byte-level BPE file, encodings derived by hand", () => {
  const tok = loadTokenizerJson(FIXTURE);
  // The fixture's ids: byte tokens in GPT-2's order (a = 64, d = 67, h = 71, l = 75, o = 78, x = 87),
  // Ġ = 220; merges 0..10 make ids 256..266 (Ġt, er, he, Ġthe, ll, aa, Ġw, or, Ġwor, Ġworll, Ã©);
  // added tokens <|endoftext|> = 267, "    " = 268, "  " = 269, "\t\t" = 270.
  assert.deepEqual(tok.encode(" the"), [259]); // Ġ t → Ġt (rank 0), h e → he (2), Ġt he (3)
  assert.deepEqual(tok.encode("her"), [71, 257]); // e r (rank 1) before h e (rank 2)
  assert.deepEqual(tok.encode(" there"), [256, 71, 257, 68]);
  assert.deepEqual(tok.encode("hello"), [258, 260, 78]); // he, then ll; no merge joins them
  assert.deepEqual(tok.encode("aaa"), [261, 64]); // ties go to the leftmost pair
  assert.deepEqual(tok.encode("aaaa"), [261, 261]);
  assert.deepEqual(tok.encode(" world"), [264, 75, 67]);
  assert.deepEqual(tok.encode(" worll"), [265]); // l l (rank 4) first, then Ġ w, o r, Ġw or, Ġwor ll
  assert.deepEqual(tok.encode("é"), [266]); // bytes C3 A9 shown as "Ã©"
  assert.deepEqual(tok.encode("a    b"), [64, 268, 65]);
  assert.deepEqual(tok.encode("a   b"), [64, 269, 220, 65]); // leftmost-longest: "  " then " b"
  assert.deepEqual(tok.encode("x<|endoftext|>\t\t"), [87, 267, 270]);
  assert.deepEqual(tok.encode("<|endoftext|>", { allowSpecial: false }), [...utf8Encode("<|endoftext|>")].map((b) => b - 33));
  // Show-o's tokens are added with their fixed ids.
  assert.deepEqual(tok.encode("<|t2i|>[PAD]"), [V.T2I, V.PAD]);
  assert.equal(tok.decode([267, 259, 268, 266, V.PAD, V.SOI], { skipSpecial: true }), " the    é<|soi|>");
  const rng = mulberry32(testSeed());
  for (let i = 0; i < 100; i++) {
    const s = randomText(rng, { runs: true, specials: true });
    assert.equal(tok.decode(tok.encode(s), { cleanUpSpaces: false }), s);
  }
});

test("tokenizer.json loader refuses what it does not implement, naming it", () => {
  const base = () => JSON.parse(JSON.stringify(loadJson(FIXTURE))) as Record<string, Record<string, unknown>>;
  const withField = (f: (d: Record<string, Record<string, unknown>>) => void) => {
    const d = base();
    f(d);
    return d;
  };
  assert.throws(() => tokenizerFromJson(withField((d) => (d["normalizer"] = { type: "NFC" })), "x.json"), /x\.json: normalizer .* not supported/);
  assert.throws(() => tokenizerFromJson(withField((d) => (d["pre_tokenizer"] = { type: "Whitespace" })), "x.json"), /pre_tokenizer .* not supported/);
  assert.throws(() => tokenizerFromJson(withField((d) => (d["model"]!["type"] = "WordPiece")), "x.json"), /model type 'WordPiece' is not supported/);
  assert.throws(() => tokenizerFromJson(withField((d) => (d["model"]!["merges"] = ["q zz"])), "x.json"), /merge 0 \('q zz'\) uses a token that is not in the vocab/);
  assert.throws(() => tokenizerFromJson(withField((d) => (d["post_processor"] = { type: "TemplateProcessing" })), "x.json"), /post_processor .* not supported/);
  assert.throws(
    () => tokenizerFromJson(withField((d) => ((d["added_tokens"] as unknown as { content: string; id: number }[]).push({ content: "<|soi|>", id: 300 }))), "x.json"),
    /holds Show-o's '<\|soi\|>' with id 300/,
  );
});

function loadJson(path: string): unknown {
  return JSON.parse(readFileSync(path, "utf8"));
}

/**
 * GPT-2's merges recovered from the rank table: token r (r ≥ 256) is the one merge of the two
 * parts that BPE with only the ranks below r leaves it in.
 */
function gpt2Merges(bytes: readonly Uint8Array[]): [string, string][] {
  const key = (b: Uint8Array) => String.fromCharCode(...b);
  const byKey = new Map(bytes.map((b, id) => [key(b), id]));
  const merges: [string, string][] = [];
  for (let r = 256; r < bytes.length; r++) {
    const parts = mergeSymbols(Array.from(bytes[r]!, (b) => byKey.get(String.fromCharCode(b))!), (a, c) => {
      const id = byKey.get(key(bytes[a]!) + key(bytes[c]!));
      return id !== undefined && id < r ? { rank: id, id } : undefined;
    });
    assert.equal(parts.length, 2, `token ${r} is not one merge of two lower tokens`);
    merges.push([bytesToVocabString(bytes[parts[0]!]!), bytesToVocabString(bytes[parts[1]!]!)]);
  }
  return merges;
}

test("a GPT-2 tokenizer.json rebuilt from the rank table, with Phi's added tokens, tokenizes like the built-in one", () => {
  const ranks = r50kRanks as (string | number[])[];
  const bytes = ranks.map((r) => (typeof r === "string" ? utf8Encode(r) : Uint8Array.from(r)));
  const vocab: Record<string, number> = {};
  bytes.forEach((b, id) => (vocab[bytesToVocabString(b)] = id));
  vocab["<|endoftext|>"] = V.ENDOFTEXT;
  const doc = {
    added_tokens: phiAddedTokens().map((t) => ({ id: t.id, content: t.content, single_word: false, lstrip: false, rstrip: false, normalized: t.normalized, special: t.special })),
    normalizer: null,
    pre_tokenizer: { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: "ByteLevel", add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: "", end_of_word_suffix: "", fuse_unk: false, byte_fallback: false, vocab, merges: gpt2Merges(bytes).map(([a, b]) => `${a} ${b}`) },
  };
  const dir = mkdtempSync(join(tmpdir(), "showo-tok-"));
  try {
    const path = join(dir, "tokenizer.json");
    writeFileSync(path, JSON.stringify(doc));
    const fromJson = loadTokenizerJson(path);
    const builtIn = showoTokenizer();
    const seed = testSeed();
    const rng = mulberry32(seed);
    for (let i = 0; i < 300; i++) {
      const s = randomText(rng, { runs: true, specials: true });
      assert.deepEqual(fromJson.encode(s), builtIn.encode(s), `seed ${seed}: ${JSON.stringify(s)}`);
      assert.deepEqual(fromJson.encode(s, { allowSpecial: false }), builtIn.encode(s, { allowSpecial: false }));
    }
    const prose = "A photo of a cat sitting on a windowsill, looking at the birds outside. USER: \n What is in the image? ASSISTANT:";
    assert.deepEqual(fromJson.encode(prose), oracle(prose));
    const ids = builtIn.encode("def f():\n    return 'x'  # é 日本");
    assert.equal(fromJson.decode(ids), builtIn.decode(ids));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
