// The mask structure derived from prompt ids equals Show-o's dense masks. The dense builders here
// are written straight from design/showo.md §3.3–§3.4 (the rules of create_attention_mask_predict_next,
// create_attention_mask_for_mmu and create_attention_mask_lvg, step by step as the Python does
// them: cumulative SOI/EOI counts, the last pad, the first row's EOI), sharing no code with
// models/showo-prompts.ts; the toy matrices of §3.3 are checked literally.

import assert from "node:assert/strict";
import { test } from "vitest";
import { rng } from "../../compiler/dsl/init.ts";
import type { Segment } from "../../compiler/ir/mask.ts";
import { denseMask, packSegments, unpackRow } from "../../compiler/ir/mask.ts";
import type { PromptLayout } from "../../models/showo-prompts.ts";
import {
  BOS, EOI, EOS, IMAGE_OFFSET, MASK, MMU, PAD, SOI, T2I,
  lmPrompt, mmuCaptionPrompt, mmuLlavaPrompt, mmuPrompt, segmentsForBatch, segmentsFromIds, t2iGenPrompt, t2iPrompt, t2iUncondPrompt,
} from "../../models/showo-prompts.ts";
import { freshSeed } from "../dsl/manual.ts";

const SEED = freshSeed();

type Matrix = number[][];

// ---------------------------------------------------------------------------------------------
// Dense masks from §3.3/§3.4 (1 = allowed), one matrix per batch row.

/** create_attention_mask_predict_next over a batch (all rows one length). */
function predictNextDense(batch: readonly (readonly number[])[], rmPadInImage: boolean): Matrix[] {
  // torch.where(sequence == soi)[1]: SOI columns of the whole batch, row-major; row b uses entry b.
  const sidImg: number[] = [];
  batch.forEach((ids) => ids.forEach((t, j) => t === SOI && sidImg.push(j)));
  return batch.map((ids, b) => {
    const L = ids.length;
    let cs = 0, ce = 0;
    const inImage = ids.map((t) => {
      cs += t === SOI ? 1 : 0;
      ce += t === EOI ? 1 : 0;
      return cs > ce || t === SOI || t === EOI;
    });
    // Text rows: causal. Every position is "text or image", so the bidirectional matrix starts full.
    const maskText: Matrix = ids.map((_, i) => ids.map((_, j) => (!inImage[i] && j <= i ? 1 : 0)));
    const bi: Matrix = ids.map(() => ids.map(() => 1));
    if (rmPadInImage) {
      const pads = ids.flatMap((t, j) => (t === PAD ? [j] : []));
      if (pads.length) {
        const pEnd = pads[pads.length - 1]!;
        for (let i = pEnd + 1; i < L; i++) for (let j = 0; j <= pEnd; j++) maskText[i]![j] = 0;
      }
      const sid = sidImg[b];
      if (sid === undefined) throw new Error(`row ${b}: Show-o would index past the SOI list here`);
      for (let i = sid; i < L; i++) for (const j of pads) bi[i]![j] = 0;
    }
    for (let i = 0; i < L; i++) if (inImage[i]) maskText[i] = [...bi[i]!];
    return maskText;
  });
}

/** create_attention_mask_for_mmu: causal, and columns 0..e for all rows, e from the batch's first EOI. */
function mmuDense(batch: readonly (readonly number[])[]): Matrix[] {
  let e = -1;
  for (const ids of batch) {
    e = ids.indexOf(EOI);
    if (e >= 0) break;
  }
  if (e < 0) throw new Error("no EOI in the batch");
  return batch.map((ids) => ids.map((_, i) => ids.map((_, j) => (j <= i || j <= e ? 1 : 0))));
}

/** create_attention_mask_lvg: causal; pad columns removed for rows from the first SOI; each SOI..EOI block full. */
function lvgDense(ids: readonly number[]): Matrix {
  const m: Matrix = ids.map((_, i) => ids.map((_, j) => (j <= i ? 1 : 0)));
  const sois = ids.flatMap((t, j) => (t === SOI ? [j] : []));
  const eois = ids.flatMap((t, j) => (t === EOI ? [j] : []));
  const pads = ids.flatMap((t, j) => (t === PAD ? [j] : []));
  for (let i = sois[0]!; i < ids.length; i++) for (const j of pads) m[i]![j] = 0;
  sois.forEach((s, k) => {
    for (let i = s; i <= eois[k]!; i++) for (let j = s; j <= eois[k]!; j++) m[i]![j] = 1;
  });
  return m;
}

/** The dense matrix the segments describe (causal always on). */
function fromSegments(segs: readonly Segment[], L: number): Matrix {
  // Round-trip through the packed tensor form, as the model receives it.
  const packed = packSegments([segs], Math.max(1, segs.length));
  const flat = denseMask(unpackRow(packed.data, packed.shape[1], 0, true), L, L);
  return Array.from({ length: L }, (_, i) => Array.from(flat.slice(i * L, (i + 1) * L)));
}

function assertSameMask(actual: Matrix, expected: Matrix, what: string): void {
  for (let i = 0; i < expected.length; i++) {
    for (let j = 0; j < expected.length; j++) {
      if (actual[i]![j] !== expected[i]![j]) assert.fail(`${what}: (${i}, ${j}) is ${actual[i]![j]}, Show-o has ${expected[i]![j]} (seed ${SEED})`);
    }
  }
}

const parse = (rows: string): Matrix => rows.trim().split("\n").map((r) => r.trim().split(/\s+/).map(Number));

// ---------------------------------------------------------------------------------------------
// §3.3's toy matrices, literally

test("T2I toy matrix of §3.3", () => {
  const [w1, i1, i2, i3] = [100, IMAGE_OFFSET + 1, IMAGE_OFFSET + 2, IMAGE_OFFSET + 3];
  const ids = [PAD, PAD, T2I, BOS, w1, EOS, SOI, i1, i2, i3, EOI];
  const imageRow = "0 0 1 1 1 1 1 1 1 1 1";
  const want = parse(`
    1 0 0 0 0 0 0 0 0 0 0
    1 1 0 0 0 0 0 0 0 0 0
    0 0 1 0 0 0 0 0 0 0 0
    0 0 1 1 0 0 0 0 0 0 0
    0 0 1 1 1 0 0 0 0 0 0
    0 0 1 1 1 1 0 0 0 0 0
    ${imageRow}\n${imageRow}\n${imageRow}\n${imageRow}\n${imageRow}`);
  assertSameMask(predictNextDense([ids], true)[0]!, want, "dense rules vs §3.3 toy");
  const segs = segmentsFromIds(ids, "t2i");
  assert.deepEqual(segs, [{ kind: "pad", start: 0, end: 2 }, { kind: "span", start: 6, end: 11 }]);
  assertSameMask(fromSegments(segs, ids.length), want, "segments vs §3.3 toy");
});

test("MMU toy matrix of §3.3", () => {
  const [i1, i2, q1, q2] = [IMAGE_OFFSET + 7, IMAGE_OFFSET + 8, 200, 201];
  const ids = [MMU, SOI, i1, i2, EOI, BOS, q1, q2];
  const prefixRow = "1 1 1 1 1 0 0 0";
  const want = parse(`
    ${prefixRow}\n${prefixRow}\n${prefixRow}\n${prefixRow}\n${prefixRow}
    1 1 1 1 1 1 0 0
    1 1 1 1 1 1 1 0
    1 1 1 1 1 1 1 1`);
  assertSameMask(mmuDense([ids])[0]!, want, "dense rules vs §3.3 toy");
  const segs = segmentsFromIds(ids, "mmu");
  assert.deepEqual(segs, [{ kind: "span", start: 0, end: 5 }]);
  assertSameMask(fromSegments(segs, ids.length), want, "segments vs §3.3 toy");
});

// ---------------------------------------------------------------------------------------------
// Random prompts

const r = rng(SEED);
const randInt = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
/** Text ids without specials; sometimes already starting with BOS (the builders must not double it). */
const randText = (n: number): number[] => {
  const t = Array.from({ length: n }, () => randInt(0, 50255));
  if (n > 0 && r() < 0.3) t[0] = BOS;
  return t;
};
const randImage = (n: number, masked: number): number[] => Array.from({ length: n }, () => (r() < masked ? MASK : IMAGE_OFFSET + randInt(0, 8191)));
const randLayout = (): PromptLayout => ({ textBudget: randInt(2, 12), imageTokens: randInt(1, 9) });

test(`T2I rows (training, generation, unconditional, truncated) match create_attention_mask_predict_next (seed ${SEED})`, () => {
  for (let trial = 0; trial < 40; trial++) {
    const layout = randLayout();
    const rows = Array.from({ length: randInt(1, 4) }, (_, k) => {
      const text = randText(randInt(0, layout.textBudget + 4));
      if (k === 0) return t2iUncondPrompt(layout);
      return r() < 0.5 ? t2iGenPrompt(text, layout) : t2iPrompt(text, randImage(layout.imageTokens, 0.5), layout, { dropCondition: r() < 0.2 });
    });
    const dense = predictNextDense(rows.map((p) => p.ids), true);
    const segs = segmentsForBatch(rows);
    rows.forEach((p, b) => assertSameMask(fromSegments(segs[b]!, p.ids.length), dense[b]!, `trial ${trial} row ${b} (${p.ids.join(" ")})`));
  }
});

test(`MMU rows (inference, captioning, LLaVA) match create_attention_mask_for_mmu (seed ${SEED})`, () => {
  for (let trial = 0; trial < 40; trial++) {
    const layout = randLayout();
    const kind = trial % 3;
    const rows = Array.from({ length: randInt(1, 3) }, () => {
      const img = randImage(layout.imageTokens, 0);
      if (kind === 0) return mmuPrompt(img, randText(6), layout); // batch rows aligned: equal question lengths
      if (kind === 1) return mmuCaptionPrompt(img, randText(randInt(0, layout.textBudget + 3)), layout);
      return mmuLlavaPrompt(img, randText(randInt(0, 12)), 10, layout);
    });
    const dense = mmuDense(rows.map((p) => p.ids));
    const segs = segmentsForBatch(rows);
    rows.forEach((p, b) => assertSameMask(fromSegments(segs[b]!, p.ids.length), dense[b]!, `trial ${trial} row ${b}`));
  }
});

test("MMU batches take [EOI] from the first row (Show-o's quirk), or each row's own when asked", () => {
  // Rows not aligned: row 1's [EOI] sits two positions later than row 0's.
  const a = [MMU, SOI, IMAGE_OFFSET, EOI, BOS, 7, 8, 9, 10];
  const b = [MMU, 5, 6, SOI, IMAGE_OFFSET, EOI, BOS, 7, 8];
  const rows = [{ ids: a, task: "mmu" as const }, { ids: b, task: "mmu" as const }];
  const dense = mmuDense([a, b]);
  const quirk = segmentsForBatch(rows);
  assert.deepEqual(quirk[1], [{ kind: "span", start: 0, end: 4 }]);
  assertSameMask(fromSegments(quirk[1]!, b.length), dense[1]!, "batch-first");
  const own = segmentsForBatch(rows, { mmuEoi: "own-row" });
  assert.deepEqual(own[1], [{ kind: "span", start: 0, end: 6 }]);
  assertSameMask(fromSegments(own[1]!, b.length), mmuDense([b])[0]!, "own-row");
  // The first MMU row of a mixed batch is the reference, not row 0 of the batch.
  const lm = lmPrompt([1, 2, 3], a.length);
  const mixed = segmentsForBatch([{ ids: lm.ids, task: "lm" }, ...rows]);
  assert.deepEqual(mixed[2], [{ kind: "span", start: 0, end: 4 }]);
});

test(`LM rows are causal and match create_attention_mask_predict_next without pad removal (seed ${SEED})`, () => {
  for (let trial = 0; trial < 20; trial++) {
    const L = randInt(3, 20);
    const rows = Array.from({ length: randInt(1, 3) }, () => lmPrompt(randText(randInt(0, L + 3)), L));
    const dense = predictNextDense(rows.map((p) => p.ids), false);
    const segs = segmentsForBatch(rows);
    rows.forEach((p, b) => {
      assert.deepEqual(segs[b], []);
      assertSameMask(fromSegments(segs[b]!, L), dense[b]!, `trial ${trial} row ${b}`);
    });
  }
});

test(`mixed batches: T2I, LM and MMU rows of one L each get their own mask (seed ${SEED})`, () => {
  for (let trial = 0; trial < 15; trial++) {
    const layout = randLayout();
    const t2i = Array.from({ length: randInt(1, 3) }, () => t2iPrompt(randText(randInt(0, layout.textBudget + 2)), randImage(layout.imageTokens, 0.6), layout));
    const L = t2i[0]!.ids.length;
    const lm = Array.from({ length: randInt(0, 2) }, () => lmPrompt(randText(randInt(0, L + 2)), L));
    // Captioning rows have the T2I length too: 3 + N + T = (T + 1) + N + 2.
    const mmu = Array.from({ length: randInt(1, 2) }, () => mmuCaptionPrompt(randImage(layout.imageTokens, 0), randText(randInt(0, layout.textBudget)), layout));
    assert.equal(mmu[0]!.ids.length, L);
    const segs = segmentsForBatch([...t2i, ...lm, ...mmu]);
    // Show-o builds each task's mask with its own function on its slice of the batch.
    const dense = [...predictNextDense(t2i.map((p) => p.ids), true), ...(lm.length ? predictNextDense(lm.map((p) => p.ids), false) : []), ...mmuDense(mmu.map((p) => p.ids))];
    segs.forEach((s, b) => assertSameMask(fromSegments(s, L), dense[b]!, `trial ${trial} row ${b}`));
    // The packed tensor holds every row with the widest row's slot count.
    const packed = packSegments(segs);
    assert.deepEqual(packed.shape, [segs.length, Math.max(...segs.map((x) => x.length)), 3]);
  }
});

/** An interleaved row: left pads, a text block, then k (text, [SOI] image [EOI]) pairs. */
function lvgRow(pads: number, blocks: number): number[] {
  const ids: number[] = [...new Array<number>(pads).fill(PAD), T2I, BOS, ...randText(randInt(0, 3)), EOS];
  for (let k = 0; k < blocks; k++) ids.push(SOI, ...randImage(randInt(1, 4), 0.3), EOI, ...randText(randInt(0, 3)));
  return ids;
}

test(`interleaved rows: causal + PAD + one SPAN per image block, against create_attention_mask_lvg (seed ${SEED})`, () => {
  for (let trial = 0; trial < 30; trial++) {
    const pads = trial % 2 === 0 ? 0 : randInt(1, 4);
    const ids = lvgRow(pads, randInt(1, 3));
    const segs = segmentsFromIds(ids, "lvg");
    assert.equal(segs.filter((s) => s.kind === "span").length, ids.filter((t) => t === SOI).length);
    const got = fromSegments(segs, ids.length), want = lvgDense(ids);
    const firstSoi = ids.indexOf(SOI);
    // Without padding the two agree exactly. With left padding Show-o lets the text rows between
    // the pads and the first [SOI] see the pads; the PAD segment hides pads from every non-pad
    // row (docs/showo.md). That is the whole difference.
    for (let i = 0; i < ids.length; i++) {
      for (let j = 0; j < ids.length; j++) {
        const documented = ids[j] === PAD && ids[i] !== PAD && i < firstSoi && j <= i;
        assert.equal(got[i]![j], documented ? 0 : want[i]![j], `trial ${trial} (${i}, ${j})${documented ? " (documented difference)" : ""}`);
        if (documented) assert.equal(want[i]![j], 1);
      }
    }
  }
});

test("layouts the segment form cannot express are refused, not approximated", () => {
  const L = { textBudget: 4, imageTokens: 2 };
  const ok = t2iGenPrompt([1], L).ids;
  assert.throws(() => segmentsFromIds([...ok, 5], "t2i"), /follow \[EOI\]/);
  assert.throws(() => segmentsFromIds([PAD, T2I, PAD, BOS, EOS, SOI, MASK, MASK, EOI], "t2i"), /contiguous/);
  assert.throws(() => segmentsFromIds([T2I, BOS, EOS, SOI, MASK, SOI, EOI], "t2i"), /one \[SOI\]/);
  assert.throws(() => segmentsFromIds([MMU, SOI, MASK, BOS], "mmu"), /no \[EOI\]/);
  assert.throws(() => segmentsForBatch([{ ids: ok, task: "t2i" }, { ids: [1, 2], task: "lm" }]), /length/);
});
