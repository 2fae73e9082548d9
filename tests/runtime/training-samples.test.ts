// Samples during training (runtime/training/samples.ts): showo-tiny with random weights (initParams)
// and the golden magvit2-tiny decoder, two prompts and one held-out question, on $SHOWO_TARGET
// (WGSL by default). The grid PNG decodes at the size the documented layout gives, the text file
// holds one answer line, the JSON sidecar records the guidance, steps and seed; the same seed gives
// the same bytes and another seed other bytes; bad prompts-file lines fail as file:line. The font
// and the caption wrapping are checked on their own.

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, test } from "vitest";
import { initParams } from "../../compiler/dsl/nn.ts";
import { SHOWO_TINY, Showo } from "../../models/showo.ts";
import { readPng, writePng } from "../../runtime/image.ts";
import { SAMPLE_MAX_NEW_TOKENS, drawGrid, glyph, readSamplePrompts, truncateText, wrapText, writeTrainingSamples } from "../../runtime/training/samples.ts";
import { fixturePath, openGoldenDevice } from "../golden/fixtures.ts";
import { mulberry32, testSeed } from "../util/random.ts";

const dir = mkdtempSync(join(tmpdir(), "showo-samples-"));
const dev = await openGoldenDevice();
afterAll(() => {
  dev.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const weights = initParams(new Showo(SHOWO_TINY), 1234);
const vqWeights = fixturePath("magvit2-tiny.safetensors");

function writeQuestionImage(path: string): void {
  const rng = mulberry32(testSeed());
  const W = 24, H = 20;
  writePng(path, { channels: 3, height: H, width: W, data: Float32Array.from({ length: 3 * W * H }, () => Math.floor(rng() * 256)) });
}

function promptsFile(name: string, lines: string[]): string {
  const p = join(dir, name);
  writeFileSync(p, lines.join("\n") + "\n");
  return p;
}

test("training samples: a guided grid PNG of the right size, one answer line, a JSON record; same seed same bytes", async (t) => {
  if (dev.skip) t.skip(dev.skip);
  writeQuestionImage(join(dir, "q.png"));
  const file = promptsFile("prompts.jsonl", [
    JSON.stringify({ prompt: "a red apple on a wooden table" }),
    "",
    JSON.stringify({ image: "q.png", question: "What is in this picture?" }),
    JSON.stringify({ prompt: "a lighthouse at night", note: "extra keys are ignored" }),
  ]);
  const run = (seed: number, out: string) => writeTrainingSamples({
    device: dev.get(), model: "showo-tiny", weights, vqModel: "magvit2-tiny", vqWeights, promptsFile: file,
    guidance: 1.75, steps: 3, seed, step: 40, outDir: join(dir, out),
  });
  const t0 = performance.now();
  const png = await run(7, "run-a");
  console.log(`# first call ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  assert.equal(png, join(dir, "run-a", "samples", "step-40.png"));

  // Layout (samples.ts header): 16-px images enlarged ×8 to 128-px cells; two cells and a gap are
  // narrower than the 384-px text minimum, so the width is 8 + 384 + 8; the height is 8 (margin)
  // + 10 (caption) + 8 (gap) + 128 (cells) + 4 + 2·10 (prompt lines) + 8 (gap) + 2·10 (Q, A) + 8.
  const img = readPng(png);
  assert.equal(img.width, 400);
  assert.equal(img.height, 214);
  // The cells are the decoded images enlarged by nearest neighbour: constant over 8×8 blocks.
  const px = (c: number, x: number, y: number) => img.data[(c * img.height + y) * img.width + x]!;
  for (const cellX of [8, 8 + 128 + 8]) {
    for (let y = 26; y < 26 + 128; y++) for (let x = cellX; x < cellX + 128; x++) {
      const bx = cellX + Math.floor((x - cellX) / 8) * 8, by = 26 + Math.floor((y - 26) / 8) * 8;
      for (let c = 0; c < 3; c++) assert.equal(px(c, x, y), px(c, bx, by), `cell at x=${cellX}: (${x}, ${y}) differs from its block's corner`);
    }
  }
  // Text was drawn in the caption strip (dark pixels on the light strip).
  let dark = 0;
  for (let y = 8; y < 18; y++) for (let x = 8; x < 392; x++) if (px(0, x, y) < 100) dark++;
  assert.ok(dark > 50, `caption strip has ${dark} dark pixels`);

  const txt = readFileSync(join(dir, "run-a", "samples", "step-40.txt"), "utf8");
  const lines = txt.split("\n").filter((l) => l.length > 0);
  assert.equal(lines.length, 1);
  assert.ok(lines[0]!.startsWith("What is in this picture? → "), lines[0]);

  const rec = JSON.parse(readFileSync(join(dir, "run-a", "samples", "step-40.json"), "utf8")) as {
    step: number; guidance: number; steps: number; seed: number; width: number; height: number; imageSize: number; image: string; maxNewTokens: number;
    prompts: string[]; questions: { image: string; question: string; answer: string; tokens: number[] }[];
  };
  assert.equal(rec.step, 40);
  assert.equal(rec.guidance, 1.75);
  assert.equal(rec.steps, 3);
  assert.equal(rec.seed, 7);
  assert.equal(rec.image, "step-40.png");
  assert.deepEqual([rec.width, rec.height, rec.imageSize], [400, 214, 16]);
  assert.deepEqual(rec.prompts, ["a red apple on a wooden table", "a lighthouse at night"]);
  assert.equal(rec.questions.length, 1);
  assert.equal(rec.questions[0]!.image, "q.png");
  assert.ok(rec.questions[0]!.tokens.length >= 1 && rec.questions[0]!.tokens.length <= SAMPLE_MAX_NEW_TOKENS);
  assert.equal(lines[0], `What is in this picture? → ${rec.questions[0]!.answer.replace(/\s+/g, " ").trim()}`);
  console.log(`# answer: ${JSON.stringify(rec.questions[0]!.answer)}`);

  const again = await run(7, "run-b");
  assert.deepEqual(readFileSync(again), readFileSync(png), "same seed, same bytes");
  assert.equal(readFileSync(join(dir, "run-b", "samples", "step-40.txt"), "utf8"), txt);
  const other = await run(8, "run-c");
  assert.notDeepEqual(readFileSync(other), readFileSync(png), "another seed, other images");
});

test("training samples: bad prompts-file lines fail with file:line", async () => {
  writeQuestionImage(join(dir, "ok.png"));
  writeFileSync(join(dir, "not-png.png"), "hello");
  const ok = JSON.stringify({ prompt: "a cat" });
  const cases: [string[], RegExp][] = [
    [[ok, "{not json"], /bad-0\.jsonl:2: not JSON/],
    [[ok, "[1, 2]"], /bad-1\.jsonl:2: expected a JSON object/],
    [[JSON.stringify({ prompt: "  " })], /bad-2\.jsonl:1: "prompt" is empty/],
    [[JSON.stringify({ prompt: 3 })], /bad-3\.jsonl:1: "prompt" must be a string, got number/],
    [[ok, "", JSON.stringify({ image: "ok.png" })], /bad-4\.jsonl:3: missing "question"/],
    [[JSON.stringify({ question: "why?" })], /bad-5\.jsonl:1: missing "image"/],
    [[JSON.stringify({ image: "none.png", question: "why?" })], /bad-6\.jsonl:1: image "none.png" does not exist/],
    [[JSON.stringify({ image: "not-png.png", question: "why?" })], /bad-7\.jsonl:1: image "not-png.png" is not a PNG file/],
    [[JSON.stringify({ prompt: "a", image: "ok.png", question: "q" })], /bad-8\.jsonl:1: a line holds either "prompt" or "image" and "question", not both/],
    [[JSON.stringify({ caption: "a cat" })], /bad-9\.jsonl:1: expected \{"prompt": "…"\} or .*only "caption"/],
    [["", "  "], /bad-10\.jsonl: no prompts or questions/],
  ];
  for (const [i, [lines, want]] of cases.entries()) {
    const file = promptsFile(`bad-${i}.jsonl`, lines);
    assert.throws(() => readSamplePrompts(file), want);
    // writeTrainingSamples checks the file before any device work.
    await assert.rejects(writeTrainingSamples({
      device: undefined as never, model: "showo-tiny", weights, vqModel: "magvit2-tiny", vqWeights, promptsFile: file,
      guidance: 1.75, steps: 2, seed: 0, step: 1, outDir: join(dir, "bad-run"),
    }), want);
  }
  assert.throws(() => readSamplePrompts(join(dir, "absent.jsonl")), /absent\.jsonl: cannot read the sample prompts file \(ENOENT\)/);
  const good = readSamplePrompts(promptsFile("good.jsonl", [ok, JSON.stringify({ image: "ok.png", question: "what?" })]));
  assert.deepEqual(good.prompts.map((p) => [p.prompt, p.where.endsWith("good.jsonl:1")]), [["a cat", true]]);
  assert.deepEqual(good.questions.map((q) => [q.image, q.question]), [[join(dir, "ok.png"), "what?"]]);
});

test("training samples: the 5×7 font, caption wrapping and truncation", () => {
  // 'I' is columns 0x00 0x41 0x7f 0x41 0x00: drawn at the caption's origin (8, 8).
  assert.deepEqual([...glyph("I")], [0x00, 0x41, 0x7f, 0x41, 0x00]);
  assert.deepEqual([...glyph("é")], [...glyph("?")]);
  assert.deepEqual([...glyph("·")], [0, 0, 0x08, 0, 0]);
  const g = drawGrid({ caption: "I", images: [], qa: [] });
  assert.deepEqual([g.width, g.height], [400, 8 + 10 + 8 + 8]);
  const ink = (x: number, y: number) => g.data[y * g.width + x]! < 100;
  for (let dy = 0; dy < 7; dy++) {
    const row = [0, 1, 2, 3, 4].map((dx) => (ink(8 + dx, 8 + dy) ? "#" : ".")).join("");
    assert.equal(row, dy === 0 || dy === 6 ? ".###." : "..#..", `row ${dy}`);
  }
  assert.deepEqual(wrapText("a red apple on a wooden table", 10, 2), ["a red", "apple o..."]);
  assert.deepEqual(wrapText("short", 10, 2), ["short"]);
  assert.deepEqual(wrapText("abcdefghijklmnopqrstuvwxyz", 10, 3), ["abcdefghij", "klmnopqrst", "uvwxyz"]);
  assert.deepEqual(wrapText("line\nbreaks   and  tabs\t", 40, 2), ["line breaks and tabs"]);
  assert.equal(truncateText("abcdef", 6), "abcdef");
  assert.equal(truncateText("abcdefg", 6), "abc...");
});
