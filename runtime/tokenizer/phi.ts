// Phi-1.5's tokenizer as Show-o extends it, built from GPT-2's ranks with no file and no network.
//
// The ranks come from the gpt-tokenizer package (its `bpeRanks/r50k_base`, GPT-2's 50,256 merge
// tokens with GPT-2's ids). gpt-tokenizer was chosen over js-tiktoken because it encodes several
// times faster and ships the table as plain data that can be imported on its own. Only the
// table is used: pre-tokenization and merging run in bytelevel.ts/bpe.ts, because HF reads the
// regex's \s as Unicode White_Space while the package uses JavaScript's \s, and because the same
// code must also run a user's tokenizer.json (json.ts). The tests check that both agree with the
// package's own encoder on ordinary text.

import r50kRanks from "gpt-tokenizer/bpeRanks/r50k_base";
import { phiAddedTokens, showoAddedTokens } from "./added.ts";
import { rankModel } from "./bpe.ts";
import type { DecodeOptions, EncodeOptions } from "./tokenizer.ts";
import { TextTokenizer } from "./tokenizer.ts";
import { GPT2_VOCAB_SIZE } from "./vocab.ts";

let builtIn: TextTokenizer | undefined;

/** The Show-o text tokenizer (Phi-1.5 + Show-o's tokens), built once on first use. */
export function showoTokenizer(): TextTokenizer {
  if (!builtIn) {
    const ranks = r50kRanks as readonly (string | number[])[];
    if (ranks.length !== GPT2_VOCAB_SIZE - 1) throw new Error(`gpt-tokenizer's r50k_base table has ${ranks.length} tokens; GPT-2 has ${GPT2_VOCAB_SIZE - 1} besides <|endoftext|>`);
    builtIn = new TextTokenizer({
      model: rankModel(ranks),
      added: [...phiAddedTokens(), ...showoAddedTokens()],
      addPrefixSpace: false,
      useRegex: true,
      cleanUpTokenizationSpaces: true,
    });
  }
  return builtIn;
}

export function encode(text: string, opts: EncodeOptions = {}): number[] {
  return showoTokenizer().encode(text, opts);
}

export function decode(ids: Iterable<number>, opts: DecodeOptions = {}): string {
  return showoTokenizer().decode(ids, opts);
}
