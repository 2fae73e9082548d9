// Load an HF tokenizers `tokenizer.json` (a local copy of Phi-1.5's) and extend it as Show-o does.
//
// Supported: a BPE model with byte-level vocab and merges (merges as "a b" strings or [a, b]
// pairs), no normalizer, a ByteLevel pre-tokenizer and decoder, a ByteLevel or absent
// post-processor, and added tokens without lstrip/rstrip/single_word. Anything else is refused with
// an error naming the field, rather than tokenized differently from HF.
//
// Show-o's ten tokens get their fixed ids (vocab.ts). HF would give them len(tokenizer) + k, which
// is the same for Phi's tokenizer (50,295 entries); a file that already holds one of them must hold
// it at that id.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { AddedToken } from "./added.ts";
import { showoAddedTokens } from "./added.ts";
import { mergesModel } from "./bpe.ts";
import { bytesToVocabString } from "./bytelevel.ts";
import { TextTokenizer } from "./tokenizer.ts";

export interface LoadTokenizerOptions {
  /** Add Show-o's [PAD] and task tokens (default true). */
  readonly showoTokens?: boolean;
  /**
   * clean_up_tokenization_spaces; by default read from a tokenizer_config.json beside the file,
   * else true (the transformers default).
   */
  readonly cleanUpTokenizationSpaces?: boolean;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function loadTokenizerJson(path: string, opts: LoadTokenizerOptions = {}): TextTokenizer {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`${path}: not a readable JSON file: ${(e as Error).message}`, { cause: e });
  }
  const cfgPath = join(dirname(path), "tokenizer_config.json");
  let cleanUp = opts.cleanUpTokenizationSpaces;
  if (cleanUp === undefined && existsSync(cfgPath)) {
    const cfg = JSON.parse(readFileSync(cfgPath, "utf8")) as unknown;
    if (isObject(cfg) && typeof cfg["clean_up_tokenization_spaces"] === "boolean") cleanUp = cfg["clean_up_tokenization_spaces"];
  }
  return tokenizerFromJson(doc, path, { ...opts, ...(cleanUp !== undefined ? { cleanUpTokenizationSpaces: cleanUp } : {}) });
}

/** Build from an already parsed tokenizer.json document; `where` names it in errors. */
export function tokenizerFromJson(doc: unknown, where: string, opts: LoadTokenizerOptions = {}): TextTokenizer {
  const fail = (msg: string): never => {
    throw new Error(`${where}: ${msg}`);
  };
  const unsupported = (what: string): never => fail(`${what} is not supported (only GPT-2-style byte-level BPE tokenizers are)`);
  if (!isObject(doc)) return fail("the top level is not a JSON object");

  const model = doc["model"];
  if (!isObject(model)) return fail("no 'model' object");
  if (model["type"] !== undefined && model["type"] !== "BPE") unsupported(`model type '${String(model["type"])}'`);
  if (model["dropout"] !== undefined && model["dropout"] !== null) unsupported("BPE dropout");
  for (const k of ["continuing_subword_prefix", "end_of_word_suffix"]) {
    if (model[k] !== undefined && model[k] !== null && model[k] !== "") unsupported(`model.${k} '${String(model[k])}'`);
  }
  if (model["byte_fallback"] === true) unsupported("model.byte_fallback");
  if (model["ignore_merges"] === true) unsupported("model.ignore_merges");

  const vocabJson = model["vocab"];
  if (!isObject(vocabJson)) return fail("model.vocab is not an object of token → id");
  const vocab = new Map<string, number>();
  for (const [tok, id] of Object.entries(vocabJson)) {
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0) fail(`model.vocab['${tok}'] is ${JSON.stringify(id)}, not a token id`);
    vocab.set(tok, id as number);
  }
  const mergesJson = model["merges"];
  if (!Array.isArray(mergesJson)) return fail("model.merges is not an array");
  const merges = mergesJson.map((m: unknown, i): [string, string] => {
    if (typeof m === "string") {
      const parts = m.split(" ");
      if (parts.length !== 2) fail(`model.merges[${i}] '${m}' is not two tokens separated by one space`);
      return [parts[0]!, parts[1]!];
    }
    if (Array.isArray(m) && m.length === 2 && typeof m[0] === "string" && typeof m[1] === "string") return [m[0], m[1]];
    return fail(`model.merges[${i}] is neither "a b" nor ["a", "b"]`);
  });
  let bpe;
  try {
    bpe = mergesModel(vocab, merges);
  } catch (e) {
    return fail((e as Error).message);
  }
  if (model["unk_token"] !== undefined && model["unk_token"] !== null) {
    // With every byte in the vocab the unk token is never produced; otherwise HF would emit it.
    for (let b = 0; b < 256; b++) if (!vocab.has(bytesToVocabString(Uint8Array.of(b)))) unsupported(`an unk_token with byte ${b} missing from the vocab`);
  }

  if (doc["normalizer"] !== undefined && doc["normalizer"] !== null) unsupported(`normalizer ${JSON.stringify(doc["normalizer"])}`);
  const pre = doc["pre_tokenizer"];
  if (!isObject(pre) || pre["type"] !== "ByteLevel") unsupported(`pre_tokenizer ${JSON.stringify(pre)}`);
  const preTok = pre as Json;
  const dec = doc["decoder"];
  if (!isObject(dec) || dec["type"] !== "ByteLevel") unsupported(`decoder ${JSON.stringify(dec)}`);
  const post = doc["post_processor"];
  if (post !== undefined && post !== null && !(isObject(post) && post["type"] === "ByteLevel")) unsupported(`post_processor of type ${JSON.stringify(isObject(post) ? post["type"] : post)}`);

  const added: AddedToken[] = [];
  const addedJson = doc["added_tokens"] ?? [];
  if (!Array.isArray(addedJson)) return fail("added_tokens is not an array");
  addedJson.forEach((t: unknown, i) => {
    if (!isObject(t) || typeof t["content"] !== "string" || typeof t["id"] !== "number") return fail(`added_tokens[${i}] lacks a string 'content' and a numeric 'id'`);
    for (const k of ["lstrip", "rstrip", "single_word"]) if (t[k] === true) unsupported(`added token '${t["content"]}' with ${k}`);
    const special = t["special"] === true;
    // HF's default for `normalized` is the opposite of `special`.
    const normalized = typeof t["normalized"] === "boolean" ? t["normalized"] : !special;
    added.push({ content: t["content"], id: t["id"], special, normalized, control: special });
  });

  if (opts.showoTokens ?? true) {
    const taken = new Map<number, string>();
    for (const [tok, id] of vocab) taken.set(id, tok);
    for (const t of added) taken.set(t.id, t.content);
    for (const t of showoAddedTokens()) {
      const have = added.findIndex((a) => a.content === t.content);
      if (have >= 0) {
        if (added[have]!.id !== t.id) fail(`holds Show-o's '${t.content}' with id ${added[have]!.id}; Show-o's checkpoints use ${t.id}`);
        added[have] = t;
      } else if (taken.has(t.id)) {
        fail(`id ${t.id} is '${taken.get(t.id)}' here; Show-o needs it for '${t.content}'`);
      } else {
        added.push(t);
      }
    }
  }

  return new TextTokenizer({
    model: bpe,
    added,
    addPrefixSpace: preTok["add_prefix_space"] === true,
    useRegex: preTok["use_regex"] !== false,
    ...(opts.cleanUpTokenizationSpaces !== undefined ? { cleanUpTokenizationSpaces: opts.cleanUpTokenizationSpaces } : {}),
  });
}
