// Show-o training batches on the host (design/showo.md §3.2, §5.1, §5.2; docs/training.md, "Data").
//
// shapes: ids i32[B·L], labels i32[B·L], segments i32[B·S·3], positions i32[L] with
//         B = t2i + lm + mmu rows laid out [T2I rows | LM rows | MMU rows] and
//         L = textBudget + N + 3 (every row as long as a T2I row) — models/showo-loss.ts's inputs.
//
// Rows, each from one example of its source (data-files.ts reads and validates the sources):
//   T2I  [PAD]* [T2I] BOS caption EOS [SOI] image×N [EOI] (t2iPrompt). t ~ U(0, 1), the n =
//        max(1, round(N·cos(π t/2))) positions of smallest noise become [MASK] with their true ids
//        as labels, the others IGNORE; [SOI]/[EOI] label themselves (the reference's quirk) unless
//        selfLabelSoiEoi is false; with probability condDropout the caption is replaced by the
//        empty prompt [T2I] BOS EOS. With backgroundKeep < 1, a masked position whose code is
//        the image's most frequent one (its background) keeps its label with that probability only.
//   LM   BOS text EOS [PAD]* (lmPrompt), cut to L.
//   MMU  exactly the prompt `showo understand` builds at inference ([MMU] [SOI] image [EOI] [SOT]
//        tokens("USER: \n" + question + " ASSISTANT:")), then the answer and EOS (mmuTrainingRow).
// Labels sit at the token's own position (labels[p] = ids[p] where supervised): the loss shifts
// for NTP and does not for MTP. Captions, texts, questions and answers are tokenized as
// `showo generate` and `showo understand` tokenize prompts (runtime/tokenizer encode, no special
// tokens added).
//
// A batch is a pure function of (seed, step, data): example order, mask times, mask noise and
// condition dropout are Philox draws keyed by the seed (data-random.ts lists the streams), so a
// resumed run rebuilds the same batches. Row r of step s takes example number s·rows + r of its
// task, walking a fresh Philox permutation each epoch.
//
// Images are turned into MAGVIT-v2 codes once, by prepare(): each distinct image (by path) is read,
// transformed as Show-o's image_transform and handed in chunks to the trainer's `encodeImages`
// (the frozen tokenizer on the device); the codes are cached.

import type { Segment } from "../../compiler/ir/mask.ts";
import { packSegments } from "../../compiler/ir/mask.ts";
import type { Prompt, PromptLayout } from "../../models/showo-prompts.ts";
import {
  IGNORE, imageTokenIds, lmPrompt, mmuPrompt, mmuQuestionText, positionsFor, segmentsForBatch, t2iPrompt,
} from "../../models/showo-prompts.ts";
import { vocabIds } from "../../models/showo-vocab.ts";
import type { ModelTokenizer } from "../tokenizer/index.ts";
import { showoTokenizer } from "../tokenizer/index.ts";
import type { CaptionExample, ImageRef, QaExample, TextExample } from "./data-files.ts";
import { distinctImages, loadImage } from "./data-files.ts";
import type { PhiloxKey } from "./data-random.ts";
import { SOURCE_IMAGES, SOURCE_LM, SOURCE_MMU, SOURCE_T2I, backgroundDrops, dropCondition, epochPermutation, maskDraw, philoxKey, stepExamples } from "./data-random.ts";

export * from "./data-files.ts";
export { backgroundCode, backgroundDrops, maskCount, maskDraw, philoxKey } from "./data-random.ts";
export type { MaskDraw } from "./data-random.ts";

/** Row length of a training batch: a T2I row's, textBudget + 1 + [SOI] + N + [EOI]. */
export function trainingSeqLen(layout: PromptLayout): number {
  return layout.textBudget + layout.imageTokens + 3;
}

// ---------------------------------------------------------------------------------------------
// Rows

/**
 * A T2I training row from image codes: positions with masked[p] = 1 get [MASK] and label their
 * true id (IGNORE where unlabeled[p] = 1), the others keep their id and label IGNORE; the text block's labels are t2iPrompt's (the
 * loss never reads them). selfLabelSoiEoi false → [SOI] and [EOI] label IGNORE.
 */
export function t2iTrainingRow(caption: readonly number[], codes: ArrayLike<number>, masked: ArrayLike<number>, layout: PromptLayout, opts: { dropCondition?: boolean; selfLabelSoiEoi?: boolean; unlabeled?: ArrayLike<number> } = {}): Prompt {
  const { MASK } = vocabIds(layout);
  const ids = imageTokenIds(Array.from(codes), layout);
  const imageIds = ids.map((t, p) => (masked[p] ? MASK : t));
  const imageLabels = ids.map((t, p) => (masked[p] && !opts.unlabeled?.[p] ? t : IGNORE));
  const row = t2iPrompt(caption, imageIds, layout, { imageLabels, dropCondition: opts.dropCondition ?? false });
  if (opts.selfLabelSoiEoi ?? true) return row;
  const labels = [...row.labels!];
  labels[layout.textBudget + 1] = IGNORE;
  labels[labels.length - 1] = IGNORE;
  return { ...row, labels };
}

/** The ids of the question prompt as `understand` tokenizes it: "USER: \n" + question + " ASSISTANT:". */
export function questionIds(question: string, tokenizer: ModelTokenizer = showoTokenizer()): number[] {
  return tokenizer.encode(mmuQuestionText(question));
}

/**
 * The ids of an answer as it follows "ASSISTANT:": one space first (LLaVA's "ASSISTANT: answer"),
 * unless the answer already starts with whitespace.
 */
export function answerIds(answer: string, tokenizer: ModelTokenizer = showoTokenizer()): number[] {
  return tokenizer.encode(/^\s/.test(answer) ? answer : ` ${answer}`);
}

/**
 * An MMU training row: mmuPrompt's inference layout [MMU] [SOI] image [EOI] [SOT] question ids,
 * then the answer ids and EOS, right-padded with [PAD] to L. A longer row is cut to L, losing the
 * answer's tail and EOS (ShowoData refuses questions that leave no room for any answer token).
 * Labels (LLaVA-style): IGNORE over the prompt and the pads, the ids themselves over the answer
 * and EOS.
 */
export function mmuTrainingRow(imageIds: readonly number[], question: readonly number[], answer: readonly number[], seqLen: number, layout: PromptLayout): Prompt {
  const { EOS, PAD } = vocabIds(layout);
  const prompt = mmuPrompt(imageIds, question, layout).ids;
  const ids = [...prompt, ...answer, EOS].slice(0, seqLen);
  const labels = ids.map((t, p) => (p < prompt.length ? IGNORE : t));
  const pad = seqLen - ids.length;
  return { ids: [...ids, ...new Array<number>(pad).fill(PAD)], labels: [...labels, ...new Array<number>(pad).fill(IGNORE)], task: "mmu" };
}

// ---------------------------------------------------------------------------------------------
// Show-o batches

export type TrainingTask = "t2i" | "lm" | "mmu";

export interface ShowoDataOptions {
  /** The model's layout (a ShowoConfig will do): textBudget and imageTokens N. */
  readonly config: PromptLayout;
  /** Image side R given to image_transform (√N × the tokenizer's downsampling factor). */
  readonly resolution: number;
  /** Sources (readCaptionFolder, readTextFile, readQaFile); any may be absent. */
  readonly captions?: readonly CaptionExample[];
  readonly text?: readonly TextExample[];
  readonly qa?: readonly QaExample[];
  /** Rows per step of each task (absent = 0). A task with rows needs its source; a source with 0 rows is ignored. */
  readonly rows: Readonly<Partial<Record<TrainingTask, number>>>;
  /** Philox key of every draw (a non-negative integer below 2⁵³). */
  readonly seed: number;
  /** Probability that a T2I row's caption becomes the empty prompt (default 0.1). */
  readonly condDropout?: number;
  /** [SOI]/[EOI] of T2I rows label themselves, as the reference (default true); false: IGNORE. */
  readonly selfLabelSoiEoi?: boolean;
  /**
   * Probability that a masked T2I position whose code is its image's background code (the most
   * frequent) keeps its label (default 1, the reference's loss). Below 1 the loss weighs the
   * shapes more than the background that covers most of a flat-background image.
   */
  readonly backgroundKeep?: number;
  /** Segment slots S of the segments tensor, fixed for the run (T2I rows use 2, MMU 1, LM 0). */
  readonly segmentSlots: number;
  /** Transformed images (each f32 [3, R, R] in [−1, 1]) → MAGVIT-v2 codes (N each, in [0, 8192)). */
  readonly encodeImages: (pixels: Float32Array[]) => Promise<number[][]>;
  /** Images per encodeImages call in prepare() (default 16). */
  readonly encodeChunk?: number;
  /** The model's text tokenizer (runtime/tokenizer tokenizerFor; default Phi-1.5's). */
  readonly tokenizer?: ModelTokenizer;
}

export interface ShowoBatch {
  /** i32 [B·L]: T2I rows, then LM rows, then MMU rows. */
  readonly ids: Int32Array;
  /** i32 [B·L]: IGNORE (−100) where nothing is predicted. */
  readonly labels: Int32Array;
  /** i32 [B·S·3]: packed segments (compiler/ir/mask.ts). */
  readonly segments: Int32Array;
  /** i32 [L]: 0..L−1. */
  readonly positions: Int32Array;
  readonly B: number;
  readonly L: number;
  readonly S: number;
  readonly t2i: number;
  readonly lm: number;
  readonly mmu: number;
  /** Non-[PAD] tokens of the batch (for throughput). */
  readonly tokens: number;
  /** The example index (into its source) each row took, per task. */
  readonly examples: Readonly<Record<TrainingTask, readonly number[]>>;
}

function checkCount(n: number, what: string, min: number): void {
  if (!(Number.isInteger(n) && n >= min)) throw new Error(`${what} must be an integer ≥ ${min}, got ${n}`);
}

/** Permutations of one source, cached by epoch (a cache of a pure function: no batch depends on it). */
class EpochOrder {
  private readonly cache = new Map<number, Int32Array>();
  private readonly key: PhiloxKey;
  private readonly source: number;
  readonly count: number;
  constructor(key: PhiloxKey, source: number, count: number) {
    this.key = key;
    this.source = source;
    this.count = count;
  }
  examples(step: number, rows: number): number[] {
    return stepExamples(step, rows, this.count, (epoch) => {
      let p = this.cache.get(epoch);
      if (!p) {
        if (this.cache.size >= 4) this.cache.clear();
        p = epochPermutation(this.key, this.source, epoch, this.count);
        this.cache.set(epoch, p);
      }
      return p;
    });
  }
}

interface TokenizedQa {
  readonly image: ImageRef;
  readonly question: number[];
  readonly answer: number[];
}

export class ShowoData {
  readonly L: number;
  readonly S: number;
  readonly rows: Readonly<Record<TrainingTask, number>>;
  private readonly key: PhiloxKey;
  private readonly condDropout: number;
  private readonly backgroundKeep: number;
  private readonly captions: { image: ImageRef; ids: number[] }[] = [];
  private readonly texts: number[][] = [];
  private readonly qa: TokenizedQa[] = [];
  private readonly order: Partial<Record<TrainingTask, EpochOrder>> = {};
  private readonly codes = new Map<string, Int32Array>();
  private readonly o: ShowoDataOptions;

  constructor(o: ShowoDataOptions) {
    this.o = o;
    const { config: layout } = o;
    checkCount(layout.textBudget, "textBudget", 1);
    checkCount(layout.imageTokens, "imageTokens", 1);
    checkCount(o.resolution, "resolution", 1);
    checkCount(o.segmentSlots, "segmentSlots", 1);
    checkCount(o.encodeChunk ?? 16, "encodeChunk", 1);
    this.key = philoxKey(o.seed);
    this.condDropout = o.condDropout ?? 0.1;
    if (!(this.condDropout >= 0 && this.condDropout <= 1)) throw new Error(`condDropout must be in [0, 1], got ${this.condDropout}`);
    this.backgroundKeep = o.backgroundKeep ?? 1;
    if (!(this.backgroundKeep > 0 && this.backgroundKeep <= 1)) throw new Error(`backgroundKeep must be in (0, 1], got ${this.backgroundKeep}`);
    this.rows = { t2i: o.rows.t2i ?? 0, lm: o.rows.lm ?? 0, mmu: o.rows.mmu ?? 0 };
    for (const t of ["t2i", "lm", "mmu"] as const) checkCount(this.rows[t], `rows.${t}`, 0);
    if (this.rows.t2i + this.rows.lm + this.rows.mmu === 0) throw new Error("no rows: rows.t2i, rows.lm and rows.mmu are all 0");
    this.L = trainingSeqLen(layout);
    this.S = o.segmentSlots;

    const tokenizer = o.tokenizer ?? showoTokenizer();
    const at = <T>(where: string, f: () => T): T => {
      try {
        return f();
      } catch (e) {
        throw new Error(`${where}: ${(e as Error).message}`, { cause: e });
      }
    };
    const tok = (text: string, where: string) => at(where, () => tokenizer.encode(text));
    const need = (task: TrainingTask, source: string, present: boolean) => {
      if (this.rows[task] > 0 && !present) throw new Error(`rows.${task} = ${this.rows[task]} but there is no ${source}`);
      return this.rows[task] > 0;
    };
    if (need("t2i", "image–caption folder (captions)", o.captions !== undefined)) {
      for (const e of o.captions!) this.captions.push({ image: e.image, ids: tok(e.caption, e.image.where) });
      this.order.t2i = new EpochOrder(this.key, SOURCE_T2I, this.captions.length);
    }
    if (need("lm", "text file (text)", o.text !== undefined)) {
      for (const e of o.text!) this.texts.push(tok(e.text, e.where));
      this.order.lm = new EpochOrder(this.key, SOURCE_LM, this.texts.length);
    }
    if (need("mmu", "question–answer file (qa)", o.qa !== undefined)) {
      const prefix = layout.imageTokens + 4; // [MMU] [SOI] image [EOI] [SOT]
      for (const e of o.qa!) {
        const question = tok(mmuQuestionText(e.question), e.image.where);
        if (prefix + question.length >= this.L) {
          throw new Error(`${e.image.where}: the question prompt is ${question.length} tokens; after the ${prefix}-token image prefix a row of ${this.L} has no room for the answer`);
        }
        this.qa.push({ image: e.image, question, answer: at(e.image.where, () => answerIds(e.answer, tokenizer)) });
      }
      this.order.mmu = new EpochOrder(this.key, SOURCE_MMU, this.qa.length);
    }
    for (const [t, ord] of Object.entries(this.order)) if (ord.count === 0) throw new Error(`rows.${t} > 0 but its source has no examples`);
  }

  /** The distinct images the batches need (T2I and MMU sources with rows), each once. */
  images(): ImageRef[] {
    return distinctImages([...this.captions.map((c) => c.image), ...this.qa.map((q) => q.image)]);
  }

  /** Encodes every distinct image once (chunks of encodeChunk) and caches the codes. Idempotent. */
  async prepare(onProgress?: (done: number, total: number) => void): Promise<void> {
    const todo = this.images().filter((r) => !this.codes.has(r.path));
    const N = this.o.config.imageTokens, chunk = this.o.encodeChunk ?? 16, codebook = vocabIds(this.o.config).codebookSize;
    for (let i = 0; i < todo.length; i += chunk) {
      const refs = todo.slice(i, i + chunk);
      const codes = await this.o.encodeImages(refs.map((r) => loadImage(r, this.o.resolution)));
      if (!Array.isArray(codes) || codes.length !== refs.length) throw new Error(`encodeImages returned ${Array.isArray(codes) ? codes.length : typeof codes} code rows for ${refs.length} images`);
      refs.forEach((r, j) => {
        const c = codes[j]!;
        if (c.length !== N) throw new Error(`${r.where}: encodeImages gave ${c.length} codes for ${r.path}; the model has ${N} image tokens`);
        const bad = c.findIndex((x) => !(Number.isInteger(x) && x >= 0 && x < codebook));
        if (bad >= 0) throw new Error(`${r.where}: encodeImages gave code ${c[bad]} at ${bad} for ${r.path}, outside [0, ${codebook})`);
        this.codes.set(r.path, Int32Array.from(c));
      });
      onProgress?.(Math.min(i + chunk, todo.length), todo.length);
    }
  }

  private codesOf(image: ImageRef): Int32Array {
    const c = this.codes.get(image.path);
    if (!c) throw new Error(`${image.where}: no codes for ${image.path}; call prepare() before batch()`);
    return c;
  }

  /** The batch of a step: a pure function of (seed, step, data). */
  batch(step: number): ShowoBatch {
    const { config: layout } = this.o;
    const L = this.L, S = this.S, N = layout.imageTokens, pad = vocabIds(layout).PAD;
    const rows: Prompt[] = [];
    const examples = { t2i: this.order.t2i?.examples(step, this.rows.t2i) ?? [], lm: this.order.lm?.examples(step, this.rows.lm) ?? [], mmu: this.order.mmu?.examples(step, this.rows.mmu) ?? [] };
    examples.t2i.forEach((i, r) => {
      const e = this.captions[i]!;
      const { masked } = maskDraw(this.key, step, r, N);
      const drop = dropCondition(this.key, step, r, this.condDropout);
      const codes = this.codesOf(e.image);
      const unlabeled = backgroundDrops(this.key, step, r, codes, masked, this.backgroundKeep);
      rows.push(t2iTrainingRow(e.ids, codes, masked, layout, { dropCondition: drop, selfLabelSoiEoi: this.o.selfLabelSoiEoi ?? true, unlabeled }));
    });
    for (const i of examples.lm) rows.push(lmPrompt(this.texts[i]!, L, layout));
    for (const i of examples.mmu) {
      const e = this.qa[i]!;
      rows.push(mmuTrainingRow(imageTokenIds(Array.from(this.codesOf(e.image)), layout), e.question, e.answer, L, layout));
    }

    const B = rows.length;
    const ids = new Int32Array(B * L), labels = new Int32Array(B * L);
    let tokens = 0;
    rows.forEach((row, b) => {
      ids.set(row.ids, b * L);
      labels.set(row.labels!, b * L);
      for (const t of row.ids) if (t !== pad) tokens++;
    });
    const segs: Segment[][] = segmentsForBatch(rows, { vocab: layout });
    segs.forEach((s, b) => {
      if (s.length > S) throw new Error(`step ${step}: ${rows[b]!.task} row ${b} needs ${s.length} segments but segmentSlots is ${S} (T2I rows need 2, MMU 1, LM 0)`);
    });
    return {
      ids, labels, segments: packSegments(segs, S).data, positions: Int32Array.from(positionsFor(L)),
      B, L, S, t2i: this.rows.t2i, lm: this.rows.lm, mmu: this.rows.mmu, tokens, examples,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Image batches for MAGVIT-v2

export interface ImageDataOptions {
  /** The images (readImageFolder). */
  readonly images: readonly ImageRef[];
  /** Side R of the transformed images. */
  readonly resolution: number;
  /** Images per batch B. */
  readonly rows: number;
  readonly seed: number;
  /** Bytes of transformed images kept between batches (default 256 MiB; oldest dropped first). */
  readonly cacheBytes?: number;
}

export interface ImageBatch {
  /** f32 [B·3·R·R], each image_transform'd to [−1, 1]. */
  readonly images: Float32Array;
  readonly B: number;
  readonly R: number;
  /** The image index each row took. */
  readonly examples: readonly number[];
}

/** Batches of images for MAGVIT-v2 training, in the same Philox epoch order as ShowoData. */
export class ImageData {
  private readonly order: EpochOrder;
  private readonly cache = new Map<number, Float32Array>();
  private readonly o: ImageDataOptions;

  constructor(o: ImageDataOptions) {
    this.o = o;
    checkCount(o.resolution, "resolution", 1);
    checkCount(o.rows, "rows", 1);
    if (o.images.length === 0) throw new Error("ImageData: no images");
    this.order = new EpochOrder(philoxKey(o.seed), SOURCE_IMAGES, o.images.length);
  }

  get count(): number {
    return this.o.images.length;
  }

  batch(step: number): ImageBatch {
    const R = this.o.resolution, B = this.o.rows, size = 3 * R * R;
    const examples = this.order.examples(step, B);
    const images = new Float32Array(B * size);
    const keep = Math.max(0, Math.floor((this.o.cacheBytes ?? 256 * 2 ** 20) / (4 * size)));
    examples.forEach((i, b) => {
      let px = this.cache.get(i);
      if (!px) {
        px = loadImage(this.o.images[i]!, R);
        if (keep > 0) {
          if (this.cache.size >= keep) this.cache.delete(this.cache.keys().next().value!);
          this.cache.set(i, px);
        }
      }
      images.set(px, b * size);
    });
    return { images, B, R, examples };
  }
}
