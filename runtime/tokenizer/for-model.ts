// The text tokenizer that goes with a Show-o config: Phi-1.5's (the released models, showo-tiny)
// or the shapes world's words (showo-shapes). Both map text to ids in [0, textVocab) and back.

import type { TextTokenizerName } from "../../models/showo.ts";
import { showoTokenizer } from "./phi.ts";
import { LLM_VOCAB_SIZE } from "./vocab.ts";
import { shapesTokenizer } from "./words.ts";

export interface ModelTokenizer {
  encode(text: string): number[];
  decode(ids: Iterable<number>, opts?: { readonly skipSpecial?: boolean }): string;
}

export function tokenizerFor(cfg: { readonly name?: string; readonly textTokenizer: TextTokenizerName; readonly textVocab: number }): ModelTokenizer {
  const tok: ModelTokenizer & { words?: readonly string[] } = cfg.textTokenizer === "phi" ? showoTokenizer() : shapesTokenizer();
  const size = cfg.textTokenizer === "phi" ? LLM_VOCAB_SIZE : shapesTokenizer().words.length;
  if (size !== cfg.textVocab) throw new Error(`${cfg.name ?? "model"}: its ${cfg.textTokenizer} tokenizer has ${size} text ids, the config ${cfg.textVocab}`);
  return tok;
}
