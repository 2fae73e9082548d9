// runtime/training/data.ts: the readers refuse bad lines by file:line; batches are a pure function
// of (seed, step, data); T2I masking follows Show-o's cosine schedule with labels exactly at the
// masked positions; condition dropout happens about 10% of the time; MMU rows begin with the very
// prompt `showo understand` builds; every row is L long; segments round-trip through unpackRow.
// Fixture folders are written to a temp dir at test time (PNGs by runtime/image.ts writePng).

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, test } from "vitest";
import { tokenize } from "../../cli/commands/generate.ts";
import { questionPrompt } from "../../cli/commands/understand.ts";
import { unpackRow } from "../../compiler/ir/mask.ts";
import type { PromptLayout } from "../../models/showo-prompts.ts";
import { BOS, EOI, EOS, IGNORE, IMAGE_OFFSET, MASK, MMU, PAD, SOI, T2I, segmentsFromIds, t2iTextBlock } from "../../models/showo-prompts.ts";
import { SHOWO_TINY } from "../../models/showo.ts";
import type { Image } from "../../runtime/image.ts";
import { writePng } from "../../runtime/image.ts";
import { imageTransform } from "../../runtime/sampling/image-transform.ts";
import { readPng } from "../../runtime/image.ts";
import type { ShowoDataOptions } from "../../runtime/training/data.ts";
import {
  ImageData, ShowoData, answerIds, maskDraw, philoxKey, readCaptionFolder, readImageFolder, readQaFile, readTextFile, trainingSeqLen,
} from "../../runtime/training/data.ts";

const root = mkdtempSync(join(tmpdir(), "showo-training-data-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function image(h: number, w: number, seed: number): Image {
  const data = new Float32Array(3 * h * w);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + seed * 101) % 256;
  return { channels: 3, height: h, width: w, data };
}

function jsonl(path: string, lines: readonly (object | string)[]): string {
  writeFileSync(path, lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n") + "\n");
  return path;
}

/** A folder of PNGs named a.png, b.png, … (sizes vary, so the transform resizes and crops). */
function imageFolder(name: string, count: number): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) writePng(join(dir, `${String.fromCharCode(97 + i)}.png`), image(10 + (i % 3) * 2, 8 + (i % 2) * 6, i));
  return dir;
}

const CAPTIONS = ["a red cube", "two cats on a mat", "a sunset over the sea", "an old car", "a bowl of soup", "a tall tree"];
const dir = imageFolder("set", CAPTIONS.length);
jsonl(join(dir, "captions.jsonl"), CAPTIONS.map((caption, i) => ({ image: `${String.fromCharCode(97 + i)}.png`, caption })));
const textFile = jsonl(join(root, "text.jsonl"), ["hello world", "the quick brown fox", "", "lorem ipsum dolor sit amet"].map((t) => (t ? { text: t } : "")));
const qaFile = jsonl(join(dir, "qa.jsonl"), [
  { image: "a.png", question: "What is it?", answer: "A cube." },
  { image: "b.png", question: "How many?", answer: "Two." },
  { image: "c.png", question: "When?", answer: "At dusk, when the sun is low." },
]);

/** A deterministic stand-in for MAGVIT-v2: N codes from each image's pixels. */
function fakeEncoder(N: number, calls: number[] = []) {
  return (pixels: Float32Array[]) => {
    calls.push(pixels.length);
    return Promise.resolve(pixels.map((px) => Array.from({ length: N }, (_, p) => (Math.floor((px[(p * 7) % px.length]! + 1) * 1000) + p * 37) % 8192)));
  };
}

const LAYOUT: PromptLayout = { textBudget: 24, imageTokens: 16 };
const R = 8;

function data(over: Partial<ShowoDataOptions> = {}, layout: PromptLayout = LAYOUT): ShowoData {
  return new ShowoData({
    config: layout, resolution: R, captions: readCaptionFolder(dir), text: readTextFile(textFile), qa: readQaFile(qaFile),
    rows: { t2i: 3, lm: 2, mmu: 2 }, seed: 1234, segmentSlots: 2, encodeImages: fakeEncoder(layout.imageTokens), ...over,
  });
}

const row = (a: Int32Array, L: number, b: number) => Array.from(a.subarray(b * L, (b + 1) * L));

// ---------------------------------------------------------------------------------------------
// Readers

test("training data: the readers read captions, text and QA (blank lines skipped, paths resolved, extra keys ignored)", () => {
  const caps = readCaptionFolder(dir);
  assert.equal(caps.length, CAPTIONS.length);
  assert.equal(caps[1]!.caption, "two cats on a mat");
  assert.equal(caps[1]!.image.path, join(dir, "b.png"));
  assert.equal(caps[1]!.image.where, `${join(dir, "captions.jsonl")}:2`);
  const texts = readTextFile(textFile);
  assert.deepEqual(texts.map((t) => t.text), ["hello world", "the quick brown fox", "lorem ipsum dolor sit amet"]);
  assert.equal(texts[2]!.where, `${textFile}:4`);
  const qa = readQaFile(qaFile);
  assert.equal(qa[2]!.image.path, join(dir, "c.png"));
  assert.equal(qa[2]!.answer, "At dusk, when the sun is low.");
  const extra = jsonl(join(root, "extra.jsonl"), [{ text: "x", source: "web", n: 3 }]);
  assert.equal(readTextFile(extra)[0]!.text, "x");
});

test("training data: every bad line fails with file:line and what is wrong", () => {
  const bad = join(root, "bad");
  mkdirSync(bad, { recursive: true });
  writePng(join(bad, "ok.png"), image(4, 4, 0));
  writeFileSync(join(bad, "fake.png"), "GIF89a not a png");
  const cases: [string, (object | string)[], RegExp][] = [
    ["json", [{ image: "ok.png", caption: "fine" }, "{not json"], /captions\.jsonl:2: not JSON/],
    ["array", [["ok.png", "x"]], /captions\.jsonl:1: expected a JSON object, got an array/],
    ["missing", [{ image: "ok.png", caption: "a" }, "", { image: "ok.png" }], /captions\.jsonl:3: missing "caption"/],
    ["type", [{ image: "ok.png", caption: 7 }], /captions\.jsonl:1: "caption" must be a string, got number/],
    ["empty", [{ image: "ok.png", caption: "  " }], /captions\.jsonl:1: "caption" is empty/],
    ["noimage", [{ image: "nope.png", caption: "a" }], /captions\.jsonl:1: image "nope.png" does not exist/],
    ["notpng", [{ image: "fake.png", caption: "a" }], /captions\.jsonl:1: image "fake.png" is not a PNG file/],
    ["blank", ["", "  "], /captions\.jsonl: no examples/],
  ];
  for (const [name, lines, re] of cases) {
    jsonl(join(bad, "captions.jsonl"), lines);
    assert.throws(() => readCaptionFolder(bad), (e: Error) => re.test(e.message) && e.message.startsWith(join(bad, "captions.jsonl")), name);
  }
  assert.throws(() => readCaptionFolder(join(root, "nowhere")), /nowhere: no captions\.jsonl/);
  assert.throws(() => readTextFile(join(root, "missing.jsonl")), /missing\.jsonl: cannot read the text file \(ENOENT\)/);
  assert.throws(() => readTextFile(jsonl(join(root, "t.jsonl"), [{ text: "a" }, { txt: "b" }])), /t\.jsonl:2: missing "text"/);
  const qa = jsonl(join(bad, "qa.jsonl"), [{ image: "ok.png", question: "q?", answer: "a" }, { image: "ok.png", question: "q?", answer: null }]);
  assert.throws(() => readQaFile(qa), /qa\.jsonl:2: "answer" must be a string, got null/);
  jsonl(qa, [{ image: "fake.png", question: "q?", answer: "a" }]);
  assert.throws(() => readQaFile(qa), /qa\.jsonl:1: image "fake.png" is not a PNG file/);
});

test("training data: an image folder without captions.jsonl is its PNG files, sorted; with it, the images it names", () => {
  const plain = imageFolder("plain", 3);
  writeFileSync(join(plain, "notes.txt"), "not an image");
  assert.deepEqual(readImageFolder(plain).map((r) => r.path), ["a.png", "b.png", "c.png"].map((n) => join(plain, n)));
  jsonl(join(plain, "captions.jsonl"), [{ image: "c.png", caption: "x" }, { image: "a.png", caption: "y" }, { image: "c.png", caption: "z" }]);
  assert.deepEqual(readImageFolder(plain).map((r) => r.path), ["c.png", "a.png"].map((n) => join(plain, n)));
  const empty = join(root, "empty");
  mkdirSync(empty, { recursive: true });
  assert.throws(() => readImageFolder(empty), /no PNG files and no captions\.jsonl/);
});

// ---------------------------------------------------------------------------------------------
// Show-o batches

test("training data: same seed and step → the same batch, whatever came before; another step or seed → other masks", async () => {
  const a = data(), b = data();
  await a.prepare();
  await b.prepare();
  const x = a.batch(7);
  b.batch(3);
  b.batch(100);
  assert.deepEqual(b.batch(7), x);
  assert.deepEqual(a.batch(7), x);
  const y = a.batch(8);
  assert.notDeepEqual(row(y.ids, x.L, 0).slice(LAYOUT.textBudget + 1), row(x.ids, x.L, 0).slice(LAYOUT.textBudget + 1));
  const c = data({ seed: 99 });
  await c.prepare();
  assert.notDeepEqual(c.batch(7).ids, x.ids);
});

test("training data: shapes, [T2I | LM | MMU] order, every row L long, segments round-trip through unpackRow", async () => {
  const d = data();
  await d.prepare();
  const L = trainingSeqLen(LAYOUT);
  for (const step of [0, 1, 5]) {
    const bt = d.batch(step);
    assert.equal(bt.L, L);
    assert.equal(bt.B, 7);
    assert.equal(bt.ids.length, bt.B * L);
    assert.equal(bt.labels.length, bt.B * L);
    assert.equal(bt.segments.length, bt.B * bt.S * 3);
    assert.deepEqual(Array.from(bt.positions), Array.from({ length: L }, (_, i) => i));
    const tasks = ["t2i", "t2i", "t2i", "lm", "lm", "mmu", "mmu"] as const;
    tasks.forEach((task, b) => {
      const ids = row(bt.ids, L, b);
      if (task === "t2i") {
        // The caption is tokenized as `showo generate` tokenizes a prompt (or dropped to the empty prompt).
        const caption = tokenize([CAPTIONS[bt.examples.t2i[b]!]!], SHOWO_TINY)[0]!;
        const block = ids.slice(0, LAYOUT.textBudget + 1).join();
        assert.ok(block === t2iTextBlock(caption, LAYOUT).join() || block === t2iTextBlock([], LAYOUT).join(), `t2i row ${b}`);
        assert.equal(ids[LAYOUT.textBudget + 1], SOI);
      }
      if (task === "lm") assert.equal(ids[0], BOS);
      if (task === "mmu") assert.equal(ids[0], MMU);
      assert.deepEqual(unpackRow(bt.segments, bt.S, b, true).segments, segmentsFromIds(ids, task, task === "mmu" ? { eoiIndex: LAYOUT.imageTokens + 2 } : {}), `${task} row ${b}`);
    });
    assert.equal(bt.tokens, Array.from(bt.ids).filter((t) => t !== PAD).length);
  }
});

test("training data: each task walks its examples in a fresh permutation per epoch", async () => {
  const d = data({ rows: { lm: 2, t2i: 0, mmu: 0 } });
  const seen: number[] = [];
  for (let s = 0; s < 6; s++) seen.push(...d.batch(s).examples.lm); // 12 rows over 3 texts: 4 epochs
  for (let e = 0; e < 4; e++) assert.deepEqual([...seen.slice(3 * e, 3 * e + 3)].sort(), [0, 1, 2], `epoch ${e}`);
  assert.ok(new Set([0, 1, 2, 3].map((e) => seen.slice(3 * e, 3 * e + 3).join())).size > 1, "the order changes between epochs");
});

test("training data: T2I masking — n = max(1, round(N·cos(πt/2))) [MASK]s, labels exactly there, the rest IGNORE", async () => {
  const layout: PromptLayout = { textBudget: 16, imageTokens: 64 };
  const d = data({ rows: { t2i: 4 }, encodeImages: fakeEncoder(64) }, layout);
  await d.prepare();
  const L = trainingSeqLen(layout), p0 = layout.textBudget + 1, N = layout.imageTokens, key = philoxKey(1234);
  let ratio = 0, rows = 0;
  for (let step = 0; step < 150; step++) {
    const bt = d.batch(step);
    for (let r = 0; r < 4; r++) {
      const ids = row(bt.ids, L, r), labels = row(bt.labels, L, r);
      const draw = maskDraw(key, step, r, N);
      // (Math.round and torch.round differ only at exact halves, which a cosine never hits here.)
      assert.equal(draw.n, Math.max(1, Math.round(N * Math.cos((Math.PI * draw.t) / 2))));
      assert.equal(ids[p0], SOI);
      assert.equal(ids[L - 1], EOI);
      assert.equal(labels[p0], SOI);
      assert.equal(labels[L - 1], EOI);
      let masked = 0;
      for (let p = 0; p < N; p++) {
        const id = ids[p0 + 1 + p]!, lab = labels[p0 + 1 + p]!;
        if (draw.masked[p]) {
          masked++;
          assert.equal(id, MASK);
          assert.ok(lab >= IMAGE_OFFSET && lab < IMAGE_OFFSET + 8192);
        } else {
          assert.ok(id >= IMAGE_OFFSET && id < IMAGE_OFFSET + 8192);
          assert.equal(lab, IGNORE);
        }
      }
      assert.equal(masked, draw.n);
      ratio += masked / N;
      rows++;
    }
  }
  // E[cos(πt/2)] = 2/π ≈ 0.637 for t ~ U(0, 1); σ of the mean over 600 rows ≈ 0.0125.
  assert.ok(Math.abs(ratio / rows - 2 / Math.PI) < 0.05, `mean mask ratio ${ratio / rows}`);
  // selfLabelSoiEoi: false → [SOI] and [EOI] carry IGNORE.
  const off = data({ rows: { t2i: 2 }, selfLabelSoiEoi: false });
  await off.prepare();
  const bt = off.batch(0), Lo = trainingSeqLen(LAYOUT);
  assert.equal(bt.labels[LAYOUT.textBudget + 1], IGNORE);
  assert.equal(bt.labels[Lo - 1], IGNORE);
});

test("training data: backgroundKeep drops the labels of masked background codes at that rate, never the inputs, never a row's last label", async () => {
  const layout: PromptLayout = { textBudget: 16, imageTokens: 64 };
  // A flat background (code 5 at 3 of 4 positions) with one-off shape codes elsewhere.
  const flat = (pixels: Float32Array[]) => Promise.resolve(pixels.map((px, i) => Array.from({ length: 64 }, (_, p) => (p % 4 === i % 4 ? 100 + p + (Math.floor(px[p]! * 10) & 7) : 5))));
  const make = (backgroundKeep?: number) => data({ rows: { t2i: 4 }, encodeImages: flat, ...(backgroundKeep === undefined ? {} : { backgroundKeep }) }, layout);
  const [ref, half] = [make(), make(0.25)];
  await ref.prepare();
  await half.prepare();
  const L = trainingSeqLen(layout), p0 = layout.textBudget + 2, key = philoxKey(1234);
  let bgMasked = 0, bgKept = 0;
  for (let step = 0; step < 100; step++) {
    const a = ref.batch(step), b = half.batch(step);
    assert.deepEqual(b.ids, a.ids, "the inputs do not change");
    for (let r = 0; r < 4; r++) {
      const la = row(a.labels, L, r), lb = row(b.labels, L, r), draw = maskDraw(key, step, r, 64);
      let kept = 0;
      for (let p = 0; p < 64; p++) {
        const x = la[p0 + p]!, y = lb[p0 + p]!;
        if (y !== IGNORE) {
          assert.equal(y, x);
          kept++;
        }
        if (x !== IGNORE && x !== IMAGE_OFFSET + 5) assert.equal(y, x, "a shape token keeps its label");
        if (x === IMAGE_OFFSET + 5) {
          bgMasked++;
          if (y !== IGNORE) bgKept++;
        }
      }
      assert.ok(kept >= 1, `step ${step} row ${r}: a row keeps at least one label (${draw.n} masked)`);
    }
  }
  // ~2,400 masked background positions: σ of the rate ≈ 0.009.
  assert.ok(Math.abs(bgKept / bgMasked - 0.25) < 0.04, `background labels kept ${bgKept} of ${bgMasked}`);
  // keep = 1 is the reference's loss, byte for byte.
  const one = make(1);
  await one.prepare();
  assert.deepEqual(one.batch(7).labels, ref.batch(7).labels);
  assert.throws(() => make(0), /backgroundKeep must be in \(0, 1\], got 0/);
  assert.throws(() => make(1.5), /backgroundKeep must be in \(0, 1\]/);
});

test("training data: condition dropout replaces the caption by [T2I] BOS EOS in about 10% of rows", async () => {
  const d = data({ rows: { t2i: 8 } });
  await d.prepare();
  const L = trainingSeqLen(LAYOUT), T = LAYOUT.textBudget;
  const empty = [...new Array<number>(T - 2).fill(PAD), T2I, BOS, EOS];
  let dropped = 0, rows = 0;
  for (let step = 0; step < 500; step++) {
    const bt = d.batch(step);
    for (let r = 0; r < 8; r++, rows++) if (row(bt.ids, L, r).slice(0, T + 1).join() === empty.join()) dropped++;
  }
  // 4000 rows: σ = √(0.1·0.9/4000) ≈ 0.0047.
  assert.ok(Math.abs(dropped / rows - 0.1) < 0.02, `dropout frequency ${dropped / rows}`);
  const never = data({ rows: { t2i: 8 }, condDropout: 0 });
  await never.prepare();
  assert.ok(!Array.from({ length: 8 }, (_, r) => row(never.batch(0).ids, L, r).slice(0, T + 1).join()).includes(empty.join()));
});

test("training data: MMU rows are understand's prompt, then the answer and EOS (supervised), then pads", async () => {
  const calls: number[] = [];
  const d = data({ rows: { mmu: 3 }, encodeImages: fakeEncoder(16, calls), encodeChunk: 2 });
  await d.prepare();
  assert.deepEqual(calls, [2, 1], "the three QA images, in chunks of 2; captions unused (no T2I rows)");
  const qa = readQaFile(qaFile);
  const bt = d.batch(0), L = bt.L;
  for (let r = 0; r < 3; r++) {
    const ex = qa[bt.examples.mmu[r]!]!;
    const [codes] = await fakeEncoder(16)([imageTransform(readPng(ex.image.path), R)]);
    const prompt = questionPrompt({ ...SHOWO_TINY, ...LAYOUT }, codes!, ex.question);
    const answer = answerIds(ex.answer);
    const ids = row(bt.ids, L, r), labels = row(bt.labels, L, r);
    const body = [...prompt, ...answer, EOS];
    assert.ok(body.length <= L, "the fixture's rows fit");
    assert.deepEqual(ids, [...body, ...new Array<number>(L - body.length).fill(PAD)]);
    assert.deepEqual(labels, [...prompt.map(() => IGNORE), ...answer, EOS, ...new Array<number>(L - body.length).fill(IGNORE)]);
    assert.equal(ids[LAYOUT.imageTokens + 2], EOI);
  }
  // A question too long for the row is refused by the line that holds it.
  const long = jsonl(join(dir, "long.jsonl"), [{ image: "a.png", question: "why ".repeat(40), answer: "because" }]);
  assert.throws(() => data({ rows: { mmu: 1 }, qa: readQaFile(long) }), /long\.jsonl:1: the question prompt is \d+ tokens; .* no room for the answer/);
  // A long answer is cut at L.
  const longAnswer = jsonl(join(dir, "longanswer.jsonl"), [{ image: "a.png", question: "Why?", answer: "because ".repeat(40) }]);
  const cut = data({ rows: { mmu: 1 }, qa: readQaFile(longAnswer) });
  await cut.prepare();
  const cb = cut.batch(0);
  assert.ok(!Array.from(cb.ids).includes(PAD));
  assert.equal(cb.labels[L - 1], cb.ids[L - 1]);
});

test("training data: absent sources — LM alone needs no prepare; a task without its source is named; unused sources ignored", async () => {
  const calls: number[] = [];
  const lm = new ShowoData({ config: LAYOUT, resolution: R, text: readTextFile(textFile), captions: readCaptionFolder(dir), rows: { lm: 2 }, seed: 0, segmentSlots: 1, encodeImages: fakeEncoder(16, calls) });
  await lm.prepare();
  assert.deepEqual(calls, [], "captions with 0 rows: no image encoded");
  const bt = lm.batch(0);
  assert.equal(bt.B, 2);
  assert.deepEqual(Array.from(bt.segments), [0, 0, 0, 0, 0, 0]);
  assert.throws(() => new ShowoData({ config: LAYOUT, resolution: R, rows: { t2i: 2 }, seed: 0, segmentSlots: 2, encodeImages: fakeEncoder(16) }), /rows\.t2i = 2 but there is no image–caption folder/);
  assert.throws(() => new ShowoData({ config: LAYOUT, resolution: R, rows: { mmu: 1 }, seed: 0, segmentSlots: 2, encodeImages: fakeEncoder(16) }), /rows\.mmu = 1 but there is no question–answer file/);
  assert.throws(() => new ShowoData({ config: LAYOUT, resolution: R, rows: {}, seed: 0, segmentSlots: 2, encodeImages: fakeEncoder(16) }), /no rows/);
  // T2I rows before prepare(), and too few segment slots, are refused.
  assert.throws(() => data().batch(0), /call prepare\(\) before batch\(\)/);
  const tight = data({ segmentSlots: 1 });
  await tight.prepare();
  assert.throws(() => tight.batch(0), /needs 2 segments but segmentSlots is 1/);
});

// ---------------------------------------------------------------------------------------------
// Image batches

test("training data: ImageData batches transformed images in Philox epoch order, the same for the same step", () => {
  const refs = readImageFolder(imageFolder("vq", 5));
  const a = new ImageData({ images: refs, resolution: R, rows: 2, seed: 5 });
  const b = new ImageData({ images: refs, resolution: R, rows: 2, seed: 5, cacheBytes: 0 });
  const x = a.batch(3);
  assert.equal(x.images.length, 2 * 3 * R * R);
  assert.deepEqual(b.batch(3), x);
  assert.deepEqual(Array.from(x.images.subarray(0, 3 * R * R)), Array.from(imageTransform(readPng(refs[x.examples[0]!]!.path), R)));
  const order = [0, 1, 2, 3, 4].flatMap((s) => a.batch(s).examples); // 10 rows over 5 images: 2 epochs
  assert.deepEqual(order.slice(0, 5).sort(), [0, 1, 2, 3, 4]);
  assert.deepEqual(order.slice(5).sort(), [0, 1, 2, 3, 4]);
});
