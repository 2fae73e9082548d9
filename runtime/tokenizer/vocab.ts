// Show-o's token id layout (docs/showo.md; the specification's §3.2 and §4) as constants: the
// released model's values of models/showo-vocab.ts's layout, plus the tokenizer's own ids.
//
//   [0, 50257)       GPT-2 byte-level BPE tokens; 50256 is <|endoftext|>
//   [50257, 50295)   Phi-1.5's 38 added whitespace tokens (runs of 2..31 spaces, 2..9 tabs)
//   50295            [PAD]
//   [50296, 50305)   Show-o's task tokens <|soi|> … <|lvg|>
//   [50305, 58497)   image codes: id = 50305 + code, code ∈ [0, 8192)
//   58497            [MASK]
//
// V = 50295 + 10 + 8192 + 1 = 58498.

import { CODEBOOK_SIZE, EOI, EOV, IMAGE_OFFSET, LVG, MMU, PAD, SHOWO_VOCAB, SOI, SOV, T2I, T2V, V2V, vocabIds } from "../../models/showo-vocab.ts";

export {
  BOS, CODEBOOK_SIZE, EOI, EOS, EOT, EOV, IMAGE_OFFSET, LLM_VOCAB_SIZE, LVG, MASK, MMU, PAD, SOI, SOT, SOV, T2I, T2V, V2V, VOCAB_SIZE,
} from "../../models/showo-vocab.ts";

/** GPT-2's vocabulary: 50,000 merges + 256 bytes + <|endoftext|>. */
export const GPT2_VOCAB_SIZE = 50257;

const V = vocabIds(SHOWO_VOCAB);

/** <|endoftext|>: one id serves as BOS, EOS, SOT and EOT (and as the tokenizer's unk). */
export const ENDOFTEXT = V.endOfText;

/** Phi-1.5's added whitespace tokens: runs of n spaces (n = 2..31) and of n tabs (n = 2..9). */
export const SPACE_RUN_MIN = 2;
export const SPACE_RUN_MAX = 31;
export const TAB_RUN_MIN = 2;
export const TAB_RUN_MAX = 9;

/** Id of a run of n spaces: 50288 − n (two spaces = 50286, 31 spaces = 50257). */
export function spaceRunId(n: number): number {
  if (!Number.isInteger(n) || n < SPACE_RUN_MIN || n > SPACE_RUN_MAX) throw new Error(`no added token for a run of ${n} spaces (runs of ${SPACE_RUN_MIN}..${SPACE_RUN_MAX} have one)`);
  return 50288 - n;
}

/** Id of a run of n tabs: 50296 − n (two tabs = 50294, nine tabs = 50287). */
export function tabRunId(n: number): number {
  if (!Number.isInteger(n) || n < TAB_RUN_MIN || n > TAB_RUN_MAX) throw new Error(`no added token for a run of ${n} tabs (runs of ${TAB_RUN_MIN}..${TAB_RUN_MAX} have one)`);
  return 50296 - n;
}

export interface NamedToken {
  readonly content: string;
  readonly id: number;
  /**
   * An HF "special" token: skipped by decode with skipSpecial. Show-o registers [PAD] as a special
   * token but adds the nine task tokens with `add_tokens` (not special), so HF keeps them on decode.
   */
  readonly special: boolean;
}

/** The tokens Show-o adds to Phi's tokenizer, in the order (and so with the ids) it adds them. */
export const SHOWO_TOKENS: readonly NamedToken[] = [
  { content: "[PAD]", id: PAD, special: true },
  { content: "<|soi|>", id: SOI, special: false },
  { content: "<|eoi|>", id: EOI, special: false },
  { content: "<|sov|>", id: SOV, special: false },
  { content: "<|eov|>", id: EOV, special: false },
  { content: "<|t2i|>", id: T2I, special: false },
  { content: "<|mmu|>", id: MMU, special: false },
  { content: "<|t2v|>", id: T2V, special: false },
  { content: "<|v2v|>", id: V2V, special: false },
  { content: "<|lvg|>", id: LVG, special: false },
];

export const ENDOFTEXT_TOKEN: NamedToken = { content: "<|endoftext|>", id: ENDOFTEXT, special: true };

export function imageId(code: number): number {
  if (!Number.isInteger(code) || code < 0 || code >= CODEBOOK_SIZE) throw new Error(`image code ${code} is outside [0, ${CODEBOOK_SIZE})`);
  return IMAGE_OFFSET + code;
}

export function isImageId(id: number): boolean {
  return id >= IMAGE_OFFSET && id < IMAGE_OFFSET + CODEBOOK_SIZE;
}

export function imageCode(id: number): number {
  if (!isImageId(id)) throw new Error(`token ${id} is not an image token (image ids are [${IMAGE_OFFSET}, ${IMAGE_OFFSET + CODEBOOK_SIZE}))`);
  return id - IMAGE_OFFSET;
}
