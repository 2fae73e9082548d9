// Added tokens: strings matched in the text before BPE, as HF tokenizers' AddedVocabulary does.
//
// HF splits the text in two passes, each with a leftmost-longest Aho-Corasick match: first on the
// tokens marked `normalized: false` (special tokens such as <|endoftext|> and [PAD]), then, inside
// the text between those, on the `normalized: true` ones (Phi's whitespace runs, Show-o's task
// tokens). The pieces of text left between matches are pre-tokenized and BPE-encoded each on its
// own, which is why "a    b" becomes a, "    ", b and not a, "   ", " b" as in plain GPT-2.

import { ENDOFTEXT_TOKEN, SHOWO_TOKENS, SPACE_RUN_MAX, SPACE_RUN_MIN, TAB_RUN_MAX, TAB_RUN_MIN, spaceRunId, tabRunId } from "./vocab.ts";

export interface AddedToken {
  readonly content: string;
  readonly id: number;
  /** HF `special`: dropped by decode with skipSpecial. */
  readonly special: boolean;
  /** HF `normalized`: matched in the second pass. */
  readonly normalized: boolean;
  /**
   * A control token (<|endoftext|>, [PAD], Show-o's task tokens): matched in text only when
   * encode is asked to allow special tokens. Phi's whitespace runs are not control tokens.
   */
  readonly control: boolean;
}

/** A piece of the split text: plain text to pre-tokenize, or an added token's id. */
export type Piece = string | number;

/** Leftmost-longest matching of a fixed token set. */
export class TokenMatcher {
  /** Tokens by first UTF-16 unit, longest first. */
  readonly #byFirst = new Map<string, AddedToken[]>();

  constructor(tokens: readonly AddedToken[]) {
    for (const t of tokens) {
      if (t.content === "") throw new Error(`added token ${t.id} is empty`);
      const first = t.content[0]!;
      const list = this.#byFirst.get(first) ?? [];
      list.push(t);
      this.#byFirst.set(first, list);
    }
    for (const list of this.#byFirst.values()) list.sort((a, b) => b.content.length - a.content.length);
  }

  /** Split `text` into plain text and matched token ids (empty text pieces are left out). */
  split(text: string): Piece[] {
    if (this.#byFirst.size === 0) return text === "" ? [] : [text];
    const out: Piece[] = [];
    let start = 0;
    for (let i = 0; i < text.length; ) {
      const hit = this.#byFirst.get(text[i]!)?.find((t) => text.startsWith(t.content, i));
      if (!hit) {
        i++;
        continue;
      }
      if (i > start) out.push(text.slice(start, i));
      out.push(hit.id);
      i += hit.content.length;
      start = i;
    }
    if (start < text.length) out.push(text.slice(start));
    return out;
  }
}

/** The two-pass split: unnormalized tokens first, then normalized ones inside the remaining text. */
export function splitAdded(text: string, first: TokenMatcher, second: TokenMatcher): Piece[] {
  const out: Piece[] = [];
  for (const p of first.split(text)) {
    if (typeof p === "number") out.push(p);
    else out.push(...second.split(p));
  }
  return out;
}

/**
 * Phi-1.5's added tokens: <|endoftext|> (special, unnormalized) and the 38 whitespace runs
 * (not special, normalized, like every token added with `add_tokens`).
 */
export function phiAddedTokens(): AddedToken[] {
  const out: AddedToken[] = [{ ...ENDOFTEXT_TOKEN, normalized: false, control: true }];
  for (let n = SPACE_RUN_MIN; n <= SPACE_RUN_MAX; n++) out.push({ content: " ".repeat(n), id: spaceRunId(n), special: false, normalized: true, control: false });
  for (let n = TAB_RUN_MIN; n <= TAB_RUN_MAX; n++) out.push({ content: "\t".repeat(n), id: tabRunId(n), special: false, normalized: true, control: false });
  return out;
}

/**
 * Show-o's ten tokens. [PAD] comes from add_special_tokens (special, unnormalized); the task tokens
 * from add_tokens (not special, normalized). All are control tokens.
 */
export function showoAddedTokens(): AddedToken[] {
  return SHOWO_TOKENS.map((t) => ({ ...t, normalized: !t.special, control: true }));
}
