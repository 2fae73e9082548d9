// Show-o's prompts and the structure of its omni-attention mask (design/showo.md §3).
//
// Builders equivalent to Show-o's UniversalPrompting (training/prompting_utils.py) and to the
// prompt code of its inference scripts. They take text already tokenised (number[]: ids of the
// Phi-1.5 tokenizer, no special tokens added) and image tokens already in vocabulary id space
// (codes + IMAGE_OFFSET, or [MASK]); so this file does not depend on the tokenizer.
//
// Sequence layouts (§3.2), with T = textBudget (`max_seq_length`, 128) and N image tokens:
//   t2i       [PAD]* [T2I] BOS text EOS  [SOI] img×N [EOI]     text block T+1, left-padded
//   mmu       [MMU] [SOI] img×N [EOI] [SOT] question…            inference, no padding
//   caption   [MMU] [SOI] img×N [EOI] BOS text EOS [PAD]*        text right-padded to T
//   llava     [MMU] [SOI] img×N [EOI] conversation [PAD]*        right-padded to a given length
//   lm        BOS text EOS [PAD]*                                right-padded to the batch's L
//
// The mask is described by segments (compiler/ir/mask.ts), derived from the ids exactly as Show-o
// derives its dense masks (§3.3, §3.4):
//   t2i  causal + PAD over the left padding + SPAN [SOI, EOI]        create_attention_mask_predict_next
//                                                                     (rm_pad_in_image=True)
//        (sampling: DEAD instead of PAD, { deadPads: true }: the same outputs for every non-pad row)
//   mmu  causal + SPAN [0, EOI]                                       create_attention_mask_for_mmu
//   lm   causal                                                       create_attention_mask_predict_next
//   lvg  causal + PAD + one SPAN per [SOI, EOI] block                 create_attention_mask_lvg

import type { Segment } from "../compiler/ir/mask.ts";
import type { VocabIds, VocabLayout } from "./showo-vocab.ts";
import { vocabIds } from "./showo-vocab.ts";

// ---------------------------------------------------------------------------------------------
// Token ids (§3.2, §4): the layout is models/showo-vocab.ts, with the released model's ids as
// constants there too. Every builder takes its ids from the layout it is given.

export {
  BOS, CODEBOOK_SIZE, EOI, EOS, EOT, EOV, IMAGE_OFFSET, LLM_VOCAB_SIZE, LVG, MASK, MMU, PAD, SOI, SOT, SOV, T2I, T2V, V2V, VOCAB_SIZE,
} from "./showo-vocab.ts";

/** Label value ignored by the losses. */
export const IGNORE = -100;

/** What a prompt needs of a model config (ShowoConfig has all of it); vocabulary fields left out take Show-o's. */
export interface PromptLayout extends Partial<VocabLayout> {
  /** `max_seq_length`: the text budget (128); the T2I text block is one longer (task token). */
  readonly textBudget: number;
  /** Image tokens per image N. */
  readonly imageTokens: number;
}

export type Task = "t2i" | "mmu" | "lm" | "lvg";

export interface Prompt {
  readonly ids: number[];
  /** Training labels (same length as ids, IGNORE where nothing is predicted), when the builder makes them. */
  readonly labels?: number[];
  readonly task: Task;
}

/** Image codes [0, codebook) → vocabulary ids. */
export function imageTokenIds(codes: readonly number[], layout: Partial<VocabLayout> = {}): number[] {
  const { IMAGE_OFFSET, codebookSize } = vocabIds(layout);
  return codes.map((c, i) => {
    if (!Number.isInteger(c) || c < 0 || c >= codebookSize) throw new Error(`image code ${c} at ${i} is outside [0, ${codebookSize})`);
    return c + IMAGE_OFFSET;
  });
}

/** N [MASK] tokens: the image of a T2I generation before its first step. */
export function maskedImage(n: number, layout: Partial<VocabLayout> = {}): number[] {
  return new Array<number>(n).fill(vocabIds(layout).MASK);
}

function checkImage(imageIds: readonly number[], layout: PromptLayout, what: string): void {
  const { IMAGE_OFFSET, MASK, codebookSize } = vocabIds(layout);
  if (imageIds.length !== layout.imageTokens) throw new Error(`${what}: ${imageIds.length} image tokens, the layout has ${layout.imageTokens}`);
  imageIds.forEach((t, i) => {
    if (!(t === MASK || (t >= IMAGE_OFFSET && t < IMAGE_OFFSET + codebookSize))) {
      throw new Error(`${what}: image token ${t} at ${i} is neither an image id [${IMAGE_OFFSET}, ${IMAGE_OFFSET + codebookSize}) nor [MASK]`);
    }
  });
}

/** Text starts with BOS: prepended when missing; empty text becomes [BOS] (UniversalPrompting). */
function withBos(text: readonly number[], { BOS }: VocabIds): number[] {
  if (text.length === 0) return [BOS];
  return text[0] === BOS ? [...text] : [BOS, ...text];
}

// ---------------------------------------------------------------------------------------------
// T2I (§3.2 a)

export interface T2ITextOptions {
  /** Replace the caption by the empty prompt [T2I] BOS EOS (condition dropout in training, CFG's unconditional row). */
  readonly dropCondition?: boolean;
}

/**
 * The T2I text block of textBudget + 1 ids: [T2I] BOS text EOS, left-padded with [PAD]; when
 * longer, cut to textBudget ids and EOS appended (t2i_prompt / t2i_gen_prompt).
 */
export function t2iTextBlock(text: readonly number[], layout: PromptLayout, opts: T2ITextOptions = {}): number[] {
  const v = vocabIds(layout), { T2I, BOS, EOS, PAD } = v;
  const block = layout.textBudget + 1;
  const ids = opts.dropCondition ? [T2I, BOS, EOS] : [T2I, ...withBos(text, v), EOS];
  if (ids.length <= block) return [...new Array<number>(block - ids.length).fill(PAD), ...ids];
  return [...ids.slice(0, block - 1), EOS];
}

export interface T2IPromptOptions extends T2ITextOptions {
  /**
   * Image labels (N ids: the true id where the input is [MASK], IGNORE elsewhere). When given the
   * prompt carries labels as t2i_prompt makes them: the text block with pads → IGNORE, then [SOI],
   * these, [EOI] (SOI and EOI label themselves).
   */
  readonly imageLabels?: readonly number[];
}

/** A T2I training row: text block, [SOI], N image ids, [EOI]; length textBudget + N + 3. */
export function t2iPrompt(text: readonly number[], imageIds: readonly number[], layout: PromptLayout, opts: T2IPromptOptions = {}): Prompt {
  checkImage(imageIds, layout, "t2iPrompt");
  const { SOI, EOI, PAD } = vocabIds(layout);
  const block = t2iTextBlock(text, layout, opts);
  const ids = [...block, SOI, ...imageIds, EOI];
  if (!opts.imageLabels) return { ids, task: "t2i" };
  if (opts.imageLabels.length !== layout.imageTokens) throw new Error(`t2iPrompt: ${opts.imageLabels.length} image labels for ${layout.imageTokens} image tokens`);
  const labels = [...block, SOI, ...opts.imageLabels, EOI].map((t) => (t === PAD ? IGNORE : t));
  return { ids, labels, task: "t2i" };
}

/**
 * A T2I generation row: every image position [MASK] unless `imageIds` are given (inpainting and
 * extrapolation start from known codes with [MASK] holes).
 */
export function t2iGenPrompt(text: readonly number[], layout: PromptLayout, imageIds: readonly number[] = maskedImage(layout.imageTokens, layout)): Prompt {
  checkImage(imageIds, layout, "t2iGenPrompt");
  const { SOI, EOI } = vocabIds(layout);
  return { ids: [...t2iTextBlock(text, layout), SOI, ...imageIds, EOI], task: "t2i" };
}

/** The unconditional twin for CFG: the empty prompt ([T2I] BOS EOS, left-padded). */
export function t2iUncondPrompt(layout: PromptLayout, imageIds: readonly number[] = maskedImage(layout.imageTokens, layout)): Prompt {
  return t2iGenPrompt([], layout, imageIds);
}

// ---------------------------------------------------------------------------------------------
// MMU (§3.2 b)

/** The question text as inference_mmu.py wraps it before tokenising. */
export function mmuQuestionText(question: string): string {
  return `USER: \n${question} ASSISTANT:`;
}

/** MMU inference: [MMU] [SOI] image [EOI] [SOT] question ids (no padding; generated text is appended). */
export function mmuPrompt(imageIds: readonly number[], question: readonly number[], layout: PromptLayout): Prompt {
  checkImage(imageIds, layout, "mmuPrompt");
  const { MMU, SOI, EOI, SOT } = vocabIds(layout);
  return { ids: [MMU, SOI, ...imageIds, EOI, SOT, ...question], task: "mmu" };
}

/**
 * Captioning (mmu_prompt): [MMU] [SOI] image [EOI] then BOS text EOS right-padded with [PAD] to
 * textBudget ids (when longer: cut to textBudget − 1 and EOS appended). Labels: IGNORE over the
 * prefix and the pads, the text ids elsewhere (every text token is supervised).
 */
export function mmuCaptionPrompt(imageIds: readonly number[], text: readonly number[], layout: PromptLayout): Prompt {
  checkImage(imageIds, layout, "mmuCaptionPrompt");
  const v = vocabIds(layout), { EOS, PAD, MMU, SOI, EOI } = v;
  const T = layout.textBudget;
  // mmu_prompt prepends eos_token_id when BOS is missing; the two are the same id.
  let body = [...withBos(text, v), EOS];
  body = body.length <= T ? [...body, ...new Array<number>(T - body.length).fill(PAD)] : [...body.slice(0, T - 1), EOS];
  const prefix = [MMU, SOI, ...imageIds, EOI];
  return {
    ids: [...prefix, ...body],
    labels: [...prefix.map(() => IGNORE), ...body.map((t) => (t === PAD ? IGNORE : t))],
    task: "mmu",
  };
}

/**
 * LLaVA-style MMU with discrete tokens: [MMU] [SOI] image [EOI] then the conversation ids,
 * right-padded with [PAD] (and cut) to `textLength` (the collate function's max_length minus the
 * system prompt length). `conversationLabels` (LLaVA masking, IGNORE on instructions) are padded
 * with IGNORE alike.
 */
export function mmuLlavaPrompt(imageIds: readonly number[], conversation: readonly number[], textLength: number, layout: PromptLayout, conversationLabels?: readonly number[]): Prompt {
  checkImage(imageIds, layout, "mmuLlavaPrompt");
  const { MMU, SOI, EOI, PAD } = vocabIds(layout);
  const fit = (xs: readonly number[], fill: number) => [...xs, ...new Array<number>(Math.max(0, textLength - xs.length)).fill(fill)].slice(0, textLength);
  const prefix = [MMU, SOI, ...imageIds, EOI];
  const ids = [...prefix, ...fit(conversation, PAD)];
  if (!conversationLabels) return { ids, task: "mmu" };
  if (conversationLabels.length !== conversation.length) throw new Error(`mmuLlavaPrompt: ${conversationLabels.length} labels for ${conversation.length} conversation ids`);
  return { ids, labels: [...prefix.map(() => IGNORE), ...fit(conversationLabels, IGNORE)], task: "mmu" };
}

// ---------------------------------------------------------------------------------------------
// LM (§3.2 d)

/**
 * Language modelling (lm_prompt): BOS text EOS right-padded with [PAD] to `seqLen` (the T2I rows'
 * L in a mixed batch); when longer, cut to seqLen with no EOS. Labels: the ids, IGNORE on pads.
 */
export function lmPrompt(text: readonly number[], seqLen: number, layout: Partial<VocabLayout> = {}): Prompt {
  const v = vocabIds(layout), { EOS, PAD } = v;
  // lm_prompt prepends eos_token_id when BOS is missing; the two are the same id.
  const body = [...withBos(text, v), EOS];
  if (body.length > seqLen) {
    const cut = body.slice(0, seqLen);
    return { ids: cut, labels: [...cut], task: "lm" };
  }
  const pad = seqLen - body.length;
  return { ids: [...body, ...new Array<number>(pad).fill(PAD)], labels: [...body, ...new Array<number>(pad).fill(IGNORE)], task: "lm" };
}

// ---------------------------------------------------------------------------------------------
// Mask structure from ids (§3.3, §3.4)

export interface SegmentOptions {
  /**
   * MMU only: the [EOI] index to use instead of this row's own. Show-o's create_attention_mask_for_mmu
   * takes the first [EOI] of the whole MMU batch for every row (`segmentsForBatch` passes it).
   */
  readonly eoiIndex?: number;
  /**
   * T2I only: mark the left padding DEAD instead of PAD (compiler/ir/mask.ts). The other rows'
   * outputs are the same; the pad rows attend to nothing and output zeros, so attention skips
   * them. For sampling, where nothing reads the pad rows' outputs; training and the plain
   * forward keep PAD.
   */
  readonly deadPads?: boolean;
  /** The model's vocabulary layout (default Show-o's). */
  readonly vocab?: Partial<VocabLayout>;
}

function indicesOf(ids: readonly number[], token: number): number[] {
  const out: number[] = [];
  ids.forEach((t, i) => {
    if (t === token) out.push(i);
  });
  return out;
}

/** Split sorted indices into runs of consecutive positions: [start, end) each. */
function runs(idx: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const i of idx) {
    const last = out[out.length - 1];
    if (last && last[1] === i) last[1] = i + 1;
    else out.push([i, i + 1]);
  }
  return out;
}

/**
 * T2I (create_attention_mask_predict_next with rm_pad_in_image): text rows causal; rows after the
 * last pad p* never see columns ≤ p*; rows of the image segment [SOI, EOI] see every non-pad
 * column. For left padding that is causal + PAD [0, p*] + SPAN [SOI, EOI], exactly. Layouts the
 * segment form cannot express are refused rather than approximated.
 */
function t2iSegments(ids: readonly number[], deadPads: boolean, { PAD, SOI, EOI }: VocabIds): Segment[] {
  const L = ids.length;
  const segs: Segment[] = [];
  const pads = indicesOf(ids, PAD);
  if (pads.length) {
    const last = pads[pads.length - 1]!;
    if (pads.length !== last - pads[0]! + 1) throw new Error(`t2i row: pads are not one contiguous run (at ${pads.join(", ")})`);
    // Rule 2 hides every column ≤ p* from the rows after p*: the same as a PAD run only when the
    // run starts at 0 (left padding) or nothing follows it.
    if (pads[0] !== 0 && last !== L - 1) throw new Error(`t2i row: padding [${pads[0]}, ${last}] is neither left nor right padding`);
    segs.push({ kind: deadPads ? "dead" : "pad", start: pads[0]!, end: last + 1 });
  }
  const sois = indicesOf(ids, SOI), eois = indicesOf(ids, EOI);
  if (sois.length === 0 && eois.length === 0) return segs;
  if (sois.length !== 1 || eois.length !== 1) throw new Error(`t2i row: expected one [SOI] and one [EOI], found ${sois.length} and ${eois.length}`);
  const s = sois[0]!, e = eois[0]!;
  if (e < s) throw new Error(`t2i row: [EOI] at ${e} comes before [SOI] at ${s}`);
  // Image rows see every non-pad column, the later ones too: a span reaches them only if the
  // image segment ends the row.
  if (e !== L - 1) throw new Error(`t2i row: ${L - 1 - e} tokens follow [EOI]; image rows would see them in Show-o's mask`);
  if (pads.length && pads[pads.length - 1]! >= s) throw new Error(`t2i row: padding reaches into the image segment at ${s}`);
  segs.push({ kind: "span", start: s, end: e + 1 });
  return segs;
}

/** MMU (create_attention_mask_for_mmu): causal, and columns 0..e visible to every row. */
function mmuSegments(ids: readonly number[], opts: SegmentOptions, { EOI }: VocabIds): Segment[] {
  const e = opts.eoiIndex ?? ids.indexOf(EOI);
  if (e < 0) throw new Error("mmu row: no [EOI] to end the bidirectional prefix");
  if (e >= ids.length) throw new Error(`mmu row: [EOI] index ${e} is past the row's end (${ids.length})`);
  // Rows after e see 0..e causally anyway, so "every row sees 0..e" is the span [0, e].
  return [{ kind: "span", start: 0, end: e + 1 }];
}

/**
 * Interleaved (create_attention_mask_lvg): causal, plus each [SOI_j, EOI_j] block bidirectional,
 * plus pad columns hidden. Show-o hides pad columns only from rows at or after the first [SOI];
 * the PAD segment hides them from every non-pad row, and lets pad rows after the first [SOI] see
 * other pads (docs/showo.md, "Mask structure").
 */
function lvgSegments(ids: readonly number[], { PAD, SOI, EOI }: VocabIds): Segment[] {
  const segs: Segment[] = runs(indicesOf(ids, PAD)).map(([start, end]) => ({ kind: "pad" as const, start, end }));
  const sois = indicesOf(ids, SOI), eois = indicesOf(ids, EOI);
  if (sois.length !== eois.length) throw new Error(`lvg row: ${sois.length} [SOI] but ${eois.length} [EOI]`);
  sois.forEach((s, j) => {
    const e = eois[j]!;
    if (e < s) throw new Error(`lvg row: block ${j} has [EOI] at ${e} before [SOI] at ${s}`);
    segs.push({ kind: "span", start: s, end: e + 1 });
  });
  return segs;
}

/** The segments of one row (the causal rule is always on: Show-o's masks all start from it). */
export function segmentsFromIds(ids: readonly number[], task: Task, opts: SegmentOptions = {}): Segment[] {
  const v = vocabIds(opts.vocab);
  switch (task) {
    case "t2i": return t2iSegments(ids, opts.deadPads ?? false, v);
    case "mmu": return mmuSegments(ids, opts, v);
    case "lm": return [];
    case "lvg": return lvgSegments(ids, v);
  }
}

export interface BatchSegmentOptions {
  /**
   * Which [EOI] bounds the bidirectional prefix of MMU rows. "batch-first" (Show-o): the first
   * [EOI] of the first MMU row that has one, for every MMU row of the batch (Show-o builds the MMU
   * rows' mask in one call and assumes them aligned). "own-row": each row's own first [EOI].
   */
  readonly mmuEoi?: "batch-first" | "own-row";
  /** The model's vocabulary layout (default Show-o's). */
  readonly vocab?: Partial<VocabLayout>;
}

/**
 * Segments for a batch whose rows may be of different tasks (Show-o's training batch is T2I rows,
 * then LM rows, then MMU rows, each with its own mask; all rows share L).
 */
export function segmentsForBatch(rows: readonly { readonly ids: readonly number[]; readonly task: Task }[], opts: BatchSegmentOptions = {}): Segment[][] {
  const L = rows[0]?.ids.length;
  rows.forEach((r, b) => {
    if (r.ids.length !== L) throw new Error(`row ${b} has length ${r.ids.length}; row 0 has ${L} (a batch shares L)`);
  });
  const { EOI } = vocabIds(opts.vocab);
  let eoiIndex: number | undefined;
  if ((opts.mmuEoi ?? "batch-first") === "batch-first") {
    for (const r of rows) {
      if (r.task !== "mmu") continue;
      const e = r.ids.indexOf(EOI);
      if (e >= 0) {
        eoiIndex = e;
        break;
      }
    }
  }
  const vocab = opts.vocab ?? {};
  return rows.map((r) => segmentsFromIds(r.ids, r.task, r.task === "mmu" && eoiIndex !== undefined ? { eoiIndex, vocab } : { vocab }));
}

/** 0, 1, …, L−1: Show-o's positions over the padded sequence. */
export function positionsFor(seqLen: number): number[] {
  return Array.from({ length: seqLen }, (_, i) => i);
}
