// The text tokenizer: added tokens matched first, then GPT-2 pre-tokenization and byte-level BPE
// on the text between them; image codes and [MASK] live past the text vocabulary.
//
// Decoding follows HF's `decode(ids, skip_special_tokens)` on Phi's CodeGenTokenizerFast: token
// bytes are concatenated and read as UTF-8 (invalid bytes become U+FFFD), special tokens are dropped
// when asked, and `clean_up_tokenization_spaces` (true in Phi-1.5's tokenizer_config.json, and the
// transformers default) removes the space before . ? ! , and English contractions.

import type { AddedToken } from "./added.ts";
import { TokenMatcher, splitAdded } from "./added.ts";
import type { BpeModel } from "./bpe.ts";
import { splitGpt2, utf8Decode, utf8Encode, vocabStringToBytes } from "./bytelevel.ts";
import { IMAGE_OFFSET, MASK, VOCAB_SIZE, isImageId } from "./vocab.ts";

export interface EncodeOptions {
  /**
   * Match control tokens (<|endoftext|>, [PAD], <|soi|>, …) written in the text. Default true,
   * as HF matches every added token; false encodes them as ordinary text (for untrusted prompts).
   * Phi's whitespace tokens are matched either way.
   */
  readonly allowSpecial?: boolean;
}

export interface DecodeOptions {
  /**
   * Drop special tokens (<|endoftext|>, [PAD]), image ids and [MASK], as HF's
   * skip_special_tokens (HF drops image and mask ids in any case: they are not in its vocabulary).
   * Show-o's task tokens are not special in HF (they are added with `add_tokens`) and stay.
   */
  readonly skipSpecial?: boolean;
  /** Override the tokenizer's clean_up_tokenization_spaces. */
  readonly cleanUpSpaces?: boolean;
}

export interface TokenizerParts {
  readonly model: BpeModel;
  /** Every added token: Phi's (<|endoftext|>, whitespace runs) and Show-o's. */
  readonly added: readonly AddedToken[];
  /** ByteLevel pre-tokenizer's add_prefix_space (false for Phi). */
  readonly addPrefixSpace?: boolean;
  /** ByteLevel pre-tokenizer's use_regex (true for Phi). */
  readonly useRegex?: boolean;
  /** tokenizer_config.json's clean_up_tokenization_spaces (true for Phi). */
  readonly cleanUpTokenizationSpaces?: boolean;
}

/** transformers' clean_up_tokenization, replacement by replacement in its order. */
export function cleanUpTokenization(s: string): string {
  return s
    .replaceAll(" .", ".").replaceAll(" ?", "?").replaceAll(" !", "!").replaceAll(" ,", ",")
    .replaceAll(" ' ", "'").replaceAll(" n't", "n't").replaceAll(" 'm", "'m").replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve").replaceAll(" 're", "'re");
}

export class TextTokenizer {
  readonly model: BpeModel;
  readonly addPrefixSpace: boolean;
  readonly useRegex: boolean;
  readonly cleanUpTokenizationSpaces: boolean;
  readonly #added = new Map<number, AddedToken>();
  readonly #byContent = new Map<string, AddedToken>();
  readonly #all: [TokenMatcher, TokenMatcher];
  readonly #plain: [TokenMatcher, TokenMatcher];

  constructor(parts: TokenizerParts) {
    this.model = parts.model;
    this.addPrefixSpace = parts.addPrefixSpace ?? false;
    this.useRegex = parts.useRegex ?? true;
    this.cleanUpTokenizationSpaces = parts.cleanUpTokenizationSpaces ?? true;
    if (parts.model.size > IMAGE_OFFSET) throw new Error(`the BPE model has ${parts.model.size} ids; text ids must be below the image offset ${IMAGE_OFFSET}`);
    for (const t of parts.added) {
      if (!Number.isInteger(t.id) || t.id < 0 || t.id >= IMAGE_OFFSET) throw new Error(`added token '${t.content}' has id ${t.id}; text ids must be below the image offset ${IMAGE_OFFSET}`);
      if (this.#added.has(t.id)) throw new Error(`added tokens '${this.#added.get(t.id)!.content}' and '${t.content}' share id ${t.id}`);
      if (this.#byContent.has(t.content)) throw new Error(`added token '${t.content}' is listed twice`);
      this.#added.set(t.id, t);
      this.#byContent.set(t.content, t);
    }
    const matchers = (ts: readonly AddedToken[]): [TokenMatcher, TokenMatcher] => [
      new TokenMatcher(ts.filter((t) => !t.normalized)),
      new TokenMatcher(ts.filter((t) => t.normalized)),
    ];
    this.#all = matchers(parts.added);
    this.#plain = matchers(parts.added.filter((t) => !t.control));
  }

  /** The whole vocabulary, text through [MASK]: the model's embedding rows. */
  get vocabSize(): number {
    return VOCAB_SIZE;
  }

  /** The id of an added token by its text (e.g. "<|t2i|>"), or undefined. */
  addedTokenId(content: string): number | undefined {
    return this.#byContent.get(content)?.id;
  }

  encode(text: string, opts: EncodeOptions = {}): number[] {
    const [first, second] = opts.allowSpecial ?? true ? this.#all : this.#plain;
    const ids: number[] = [];
    for (const piece of splitAdded(text, first, second)) {
      if (typeof piece === "number") {
        ids.push(piece);
        continue;
      }
      const seg = this.addPrefixSpace && !piece.startsWith(" ") ? ` ${piece}` : piece;
      for (const part of this.useRegex ? splitGpt2(seg) : [seg]) ids.push(...this.model.encodePiece(part));
    }
    return ids;
  }

  decode(ids: Iterable<number>, opts: DecodeOptions = {}): string {
    const skip = opts.skipSpecial ?? false;
    const chunks: Uint8Array[] = [];
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= VOCAB_SIZE) throw new RangeError(`token id ${id} is outside the vocabulary [0, ${VOCAB_SIZE})`);
      const added = this.#added.get(id);
      if (added) {
        if (!(skip && added.special)) chunks.push(vocabStringToBytes(added.content));
      } else if (isImageId(id) || id === MASK) {
        // Not text: readable stand-ins, so that a printed sequence shows where images sit.
        if (!skip) chunks.push(utf8Encode(id === MASK ? "<|mask|>" : `<|img${id - IMAGE_OFFSET}|>`));
      } else {
        // An id in neither table (a gap in a small vocab) is dropped, as HF does.
        const b = this.model.tokenBytes(id);
        if (b) chunks.push(b);
      }
    }
    let n = 0;
    for (const c of chunks) n += c.length;
    const all = new Uint8Array(n);
    n = 0;
    for (const c of chunks) {
      all.set(c, n);
      n += c.length;
    }
    const text = utf8Decode(all);
    return opts.cleanUpSpaces ?? this.cleanUpTokenizationSpaces ? cleanUpTokenization(text) : text;
  }
}

