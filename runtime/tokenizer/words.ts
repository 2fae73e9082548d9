// The word-level tokenizer of showo-shapes (models/showo.ts): one id per word of the shapes world
// (runtime/shapes/text.ts) and of Show-o's MMU wrapper ("USER: … ASSISTANT:"), so the model's
// text vocabulary is 76 rows instead of Phi's 50,295 (docs/shapes.md, "Vocabulary").
//
// Encoding lower-cases the text and splits it into words and punctuation marks; a word outside
// the list is an error that names it (the model has no row for it, and a guessed id would be a
// different word). Decoding joins words with single spaces, with no space before punctuation, so
// decode(encode(s)) is s for the world's own text (lower case, single spaces) and a normalised s
// for any other. Ids at or past the text vocabulary (Show-o's specials, image ids, [MASK]) decode
// as their names, or are dropped with skipSpecial, as the Phi tokenizer does.

import type { VocabLayout } from "../../models/showo-vocab.ts";
import { vocabIds } from "../../models/showo-vocab.ts";

/** The words, in id order: fixed, since a trained model's rows follow it. */
export const SHAPES_WORDS: readonly string[] = [
  "<|endoftext|>", ",", ".", "?", ":", "user", "assistant",
  "a", "an", "and", "are", "at", "background", "beige", "big", "black", "blue", "bottom", "can", "center",
  "circle", "circles", "color", "cross", "crosses", "describe", "do", "does", "gray", "green", "has", "how",
  "image", "in", "is", "large", "left", "located", "many", "object", "objects", "of", "on", "one", "or",
  "orange", "part", "picture", "purple", "red", "right", "see", "shape", "shapes", "show", "shown", "size",
  "small", "square", "squares", "star", "stars", "the", "there", "three", "top", "triangle", "triangles",
  "two", "what", "where", "which", "white", "yellow", "you", "zero",
];

const PUNCTUATION = new Set([",", ".", "?", ":"]);
const SPECIAL_NAMES = ["[PAD]", "<|soi|>", "<|eoi|>", "<|sov|>", "<|eov|>", "<|t2i|>", "<|mmu|>", "<|t2v|>", "<|v2v|>", "<|lvg|>"];

export interface WordDecodeOptions {
  /** Drop <|endoftext|>, [PAD], the task tokens, image ids and [MASK]. */
  readonly skipSpecial?: boolean;
}

export class WordTokenizer {
  readonly words: readonly string[];
  private readonly ids = new Map<string, number>();
  private readonly layout: VocabLayout;

  constructor(words: readonly string[], layout: Omit<VocabLayout, "textVocab">) {
    this.words = words;
    words.forEach((w, i) => {
      if (this.ids.has(w)) throw new Error(`word tokenizer: '${w}' is listed twice`);
      this.ids.set(w, i);
    });
    this.layout = { ...layout, textVocab: words.length };
    vocabIds(this.layout);
  }

  /** Ids of a text; throws on a word the vocabulary lacks. */
  encode(text: string): number[] {
    const out: number[] = [];
    for (const m of text.toLowerCase().matchAll(/<\|endoftext\|>|[a-z]+|\d+|\S/g)) {
      const id = this.ids.get(m[0]);
      if (id === undefined) {
        throw new Error(`'${m[0]}' (at character ${m.index}) is not in this model's vocabulary of ${this.words.length} words: ${this.words.slice(1).join(" ")}`);
      }
      out.push(id);
    }
    return out;
  }

  decode(ids: Iterable<number>, opts: WordDecodeOptions = {}): string {
    const v = vocabIds(this.layout);
    let s = "";
    for (const id of ids) {
      let w: string;
      if (id >= 0 && id < v.textVocab && id !== v.endOfText) w = this.words[id]!;
      else if (opts.skipSpecial) continue;
      else if (id === v.endOfText) w = this.words[id]!;
      else if (id >= v.PAD && id < v.IMAGE_OFFSET) w = SPECIAL_NAMES[id - v.PAD]!;
      else if (id >= v.IMAGE_OFFSET && id < v.MASK) w = `<|image:${id - v.IMAGE_OFFSET}|>`;
      else if (id === v.MASK) w = "[MASK]";
      else throw new Error(`token ${id} is outside the vocabulary [0, ${v.VOCAB_SIZE})`);
      s += s === "" || PUNCTUATION.has(w) ? w : ` ${w}`;
    }
    return s;
  }
}

let shapes: WordTokenizer | undefined;

/** showo-shapes's tokenizer (SHAPES_WORDS; <|endoftext|> is 0), built once. */
export function shapesTokenizer(): WordTokenizer {
  shapes ??= new WordTokenizer(SHAPES_WORDS, { endOfText: 0, codebookSize: 1024 });
  return shapes;
}
