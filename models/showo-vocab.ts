// Show-o's token id layout as a function of three numbers (design/showo.md §3.2, §4), so that a
// model with its own text vocabulary keeps Show-o's layout and every prompt rule:
//
//   [0, textVocab)                              text tokens; `endOfText` is BOS, EOS, SOT and EOT
//   textVocab                                   [PAD]
//   textVocab + 1 … textVocab + 9               <|soi|> <|eoi|> <|sov|> <|eov|> <|t2i|> <|mmu|>
//                                               <|t2v|> <|v2v|> <|lvg|>
//   [textVocab + 10, textVocab + 10 + codebook) image codes: id = IMAGE_OFFSET + code
//   textVocab + 10 + codebook                   [MASK]
//
// The released model: textVocab 50,295 (Phi-1.5's tokenizer), endOfText 50,256, codebook 8,192,
// so V = 58,498. showo-shapes: a 76-word vocabulary (runtime/tokenizer/words.ts), codebook 1,024,
// V = 1,111: the LM head spends its rows on the words the model can say.

export interface VocabLayout {
  /** Text ids are [0, textVocab). */
  readonly textVocab: number;
  /** <|endoftext|>: BOS, EOS, SOT and EOT (Show-o uses one id for all four). */
  readonly endOfText: number;
  /** Image codes (MAGVIT-v2's LFQ codebook: 2^bits). */
  readonly codebookSize: number;
}

export interface VocabIds extends VocabLayout {
  readonly BOS: number;
  readonly EOS: number;
  readonly SOT: number;
  readonly EOT: number;
  readonly PAD: number;
  readonly SOI: number;
  readonly EOI: number;
  readonly SOV: number;
  readonly EOV: number;
  readonly T2I: number;
  readonly MMU: number;
  readonly T2V: number;
  readonly V2V: number;
  readonly LVG: number;
  readonly IMAGE_OFFSET: number;
  readonly MASK: number;
  readonly VOCAB_SIZE: number;
}

/** Show-o's own layout: Phi-1.5's 50,295 text ids, MAGVIT-v2's 8,192 codes. */
export const SHOWO_VOCAB: VocabLayout = { textVocab: 50295, endOfText: 50256, codebookSize: 8192 };

const cache = new Map<string, VocabIds>();

/** The ids of a layout; fields left out take Show-o's values. */
export function vocabIds(layout: Partial<VocabLayout> = {}): VocabIds {
  const textVocab = layout.textVocab ?? SHOWO_VOCAB.textVocab;
  const endOfText = layout.endOfText ?? SHOWO_VOCAB.endOfText;
  const codebookSize = layout.codebookSize ?? SHOWO_VOCAB.codebookSize;
  const key = `${textVocab}/${endOfText}/${codebookSize}`;
  let v = cache.get(key);
  if (!v) {
    if (!Number.isSafeInteger(textVocab) || textVocab < 1) throw new Error(`vocabulary layout: textVocab must be a positive integer, got ${textVocab}`);
    if (!Number.isSafeInteger(endOfText) || endOfText < 0 || endOfText >= textVocab) throw new Error(`vocabulary layout: endOfText ${endOfText} is not a text id [0, ${textVocab})`);
    if (!Number.isSafeInteger(codebookSize) || codebookSize < 1) throw new Error(`vocabulary layout: codebookSize must be a positive integer, got ${codebookSize}`);
    const t = textVocab;
    v = {
      textVocab, endOfText, codebookSize,
      BOS: endOfText, EOS: endOfText, SOT: endOfText, EOT: endOfText,
      PAD: t, SOI: t + 1, EOI: t + 2, SOV: t + 3, EOV: t + 4, T2I: t + 5, MMU: t + 6, T2V: t + 7, V2V: t + 8, LVG: t + 9,
      IMAGE_OFFSET: t + 10, MASK: t + 10 + codebookSize, VOCAB_SIZE: t + 11 + codebookSize,
    };
    cache.set(key, v);
  }
  return v;
}

// The released model's ids as constants (runtime/tokenizer/vocab.ts re-exports them beside the
// tokenizer's own ids).
const SHOWO = vocabIds(SHOWO_VOCAB);
/** <|endoftext|>: BOS, EOS, SOT and EOT of the released model. */
export const BOS = SHOWO.BOS;
export const EOS = SHOWO.EOS;
export const SOT = SHOWO.SOT;
export const EOT = SHOWO.EOT;
/** len(Phi-1.5 tokenizer) = 50,257 + 38, the config's `llm_vocab_size`. */
export const LLM_VOCAB_SIZE = SHOWO.textVocab;
export const PAD = SHOWO.PAD;
export const SOI = SHOWO.SOI;
export const EOI = SHOWO.EOI;
export const SOV = SHOWO.SOV;
export const EOV = SHOWO.EOV;
export const T2I = SHOWO.T2I;
export const MMU = SHOWO.MMU;
export const T2V = SHOWO.T2V;
export const V2V = SHOWO.V2V;
export const LVG = SHOWO.LVG;
/** len(tokenizer) after Show-o's additions: the offset of image codes. */
export const IMAGE_OFFSET = SHOWO.IMAGE_OFFSET;
/** MAGVIT-v2's LFQ codebook: 2^13 codes. */
export const CODEBOOK_SIZE = SHOWO.codebookSize;
export const MASK = SHOWO.MASK;
export const VOCAB_SIZE = SHOWO.VOCAB_SIZE;
