// The text tokenizer's public face: Show-o's built-in tokenizer, the tokenizer.json loader, the
// id layout.

export type { DecodeOptions, EncodeOptions } from "./tokenizer.ts";
export { TextTokenizer, cleanUpTokenization } from "./tokenizer.ts";
export { decode, encode, showoTokenizer } from "./phi.ts";
export type { LoadTokenizerOptions } from "./json.ts";
export { loadTokenizerJson, tokenizerFromJson } from "./json.ts";
export * from "./vocab.ts";
export type { ModelTokenizer } from "./for-model.ts";
export { tokenizerFor } from "./for-model.ts";
export { SHAPES_WORDS, WordTokenizer, shapesTokenizer } from "./words.ts";
