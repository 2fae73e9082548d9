// GPT-2's byte-level pieces: the byte ↔ character table, the pre-tokenization regex, UTF-8.
//
// Byte-level BPE works on bytes, but vocab files (GPT-2's encoder.json, HF tokenizer.json) store
// tokens as printable strings: each byte is shown as one character (`bytes_to_unicode` in GPT-2's
// encoder.py), e.g. the space byte 0x20 as "Ġ" (U+0120).

/** byte → character, as GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the rest map to U+0100… */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const out = new Array<string>(256);
  let n = 0;
  for (let b = 0; b < 256; b++) out[b] = String.fromCharCode(printable(b) ? b : 256 + n++);
  return out;
})();

/** character → byte, the inverse of BYTE_TO_CHAR. */
export const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

/** A token's vocab string shown byte by byte (GPT-2's byte encoder). */
export function bytesToVocabString(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += BYTE_TO_CHAR[b]!;
  return s;
}

/**
 * The bytes a token string decodes to, as HF's ByteLevel decoder does it: when every character is
 * in the byte table, the bytes it stands for; otherwise (an added token such as "    " or
 * "[PAD]" written in plain text) the string's own UTF-8 bytes.
 */
export function vocabStringToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  let i = 0;
  for (const ch of s) {
    const b = CHAR_TO_BYTE.get(ch);
    if (b === undefined) return utf8Encode(s);
    out[i++] = b;
  }
  return out.subarray(0, i);
}

const encoder = new TextEncoder();
// ignoreBOM: a leading U+FEFF is text like any other (Rust's String::from_utf8_lossy keeps it).
const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

export function utf8Encode(s: string): Uint8Array {
  return encoder.encode(s);
}

/** UTF-8 bytes to text; each maximal invalid sequence becomes one U+FFFD, as from_utf8_lossy. */
export function utf8Decode(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/**
 * GPT-2's pre-tokenization regex, as HF's ByteLevel pre-tokenizer (Oniguruma) and tiktoken read it.
 * Their `\s` is Unicode White_Space; JavaScript's `\s` differs (it has U+FEFF and lacks U+0085),
 * so the class is spelled out with \p{White_Space}.
 */
export const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+/gu;

/** The pre-tokenized pieces of a text (GPT-2 regex); concatenated they give the text back. */
export function splitGpt2(text: string): string[] {
  return text.match(GPT2_SPLIT) ?? [];
}
