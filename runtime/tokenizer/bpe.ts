// Byte-pair merging of one pre-tokenized piece, and the two kinds of merge tables it runs on.
//
// A piece starts as one symbol per byte; the adjacent pair with the lowest merge rank is merged
// (the leftmost one on ties) until no adjacent pair has a merge. This is the loop of HF tokenizers'
// BPE model (a heap of (rank, position) with stale entries skipped) and of tiktoken (which ranks a
// pair by the id of the concatenated token); both merge the leftmost lowest-ranked pair first.

import { bytesToVocabString, utf8Encode, vocabStringToBytes } from "./bytelevel.ts";

export interface Merge {
  /** Priority: lower merges first. */
  readonly rank: number;
  /** Id of the merged token. */
  readonly id: number;
}

/** A byte-level BPE model: maps one pre-tokenized piece to ids, and ids back to bytes. */
export interface BpeModel {
  encodePiece(piece: string): number[];
  /** The bytes a model token stands for, or undefined when the id is not in the model. */
  tokenBytes(id: number): Uint8Array | undefined;
  /** One more than the largest model id. */
  readonly size: number;
}

/**
 * Merge `symbols` (token ids, one per byte; left untouched) and return the merged ids.
 * shapes: symbols [n] → ids [m], m ≤ n. O(n log n) with a binary heap of candidate pairs.
 */
export function mergeSymbols(symbols: readonly number[], merge: (left: number, right: number) => Merge | undefined): number[] {
  const n = symbols.length;
  if (n < 2) return [...symbols];
  const sym = [...symbols];
  const prev = new Int32Array(n), next = new Int32Array(n);
  const alive = new Uint8Array(n).fill(1);
  for (let i = 0; i < n; i++) {
    prev[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : -1;
  }
  // Heap of [rank, pos, newId]: the pair starting at pos merges into newId.
  const heap: [number, number, number][] = [];
  const less = (a: [number, number, number], b: [number, number, number]) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
  const push = (e: [number, number, number]) => {
    heap.push(e);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(heap[i]!, heap[p]!)) break;
      [heap[i], heap[p]] = [heap[p]!, heap[i]!];
      i = p;
    }
  };
  const pop = (): [number, number, number] => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  };
  const consider = (pos: number) => {
    if (pos < 0 || next[pos]! < 0) return;
    const m = merge(sym[pos]!, sym[next[pos]!]!);
    if (m) push([m.rank, pos, m.id]);
  };
  for (let i = 0; i + 1 < n; i++) consider(i);
  while (heap.length > 0) {
    const [, pos, id] = pop();
    // A stale entry (a side was merged since it was pushed) no longer makes the same token: skip it.
    const right = next[pos]!;
    if (!alive[pos] || right < 0) continue;
    const m = merge(sym[pos]!, sym[right]!);
    if (!m || m.id !== id) continue;
    sym[pos] = id;
    alive[right] = 0;
    const after = next[right]!;
    next[pos] = after;
    if (after >= 0) prev[after] = pos;
    consider(prev[pos]!);
    consider(pos);
  }
  const out: number[] = [];
  for (let i = 0; i >= 0; i = next[i]!) out.push(sym[i]!);
  return out;
}

/** Bytes as a string of one char per byte (a Map key). */
function latin1(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return s;
}

/**
 * A tiktoken-style rank table: token i is the byte string `ranks[i]`, and a pair merges when its
 * concatenation is a token, with that token's id as its rank (GPT-2's ids are its merge order).
 * `ranks` holds a string (UTF-8 text) or the raw bytes for each id, as gpt-tokenizer ships them.
 */
export function rankModel(ranks: readonly (string | readonly number[])[]): BpeModel {
  // Tokens are keyed by their bytes as a Latin-1 string (one char per byte).
  const bytes: Uint8Array[] = ranks.map((r) => (typeof r === "string" ? utf8Encode(r) : Uint8Array.from(r)));
  const key = bytes.map(latin1);
  const byKey = new Map<string, number>();
  key.forEach((k, id) => byKey.set(k, id));
  const byteId = Array.from({ length: 256 }, (_, b) => {
    const id = byKey.get(String.fromCharCode(b));
    if (id === undefined) throw new Error(`rank table has no token for byte ${b}`);
    return id;
  });
  const merge = (l: number, r: number): Merge | undefined => {
    const id = byKey.get(key[l]! + key[r]!);
    return id === undefined ? undefined : { rank: id, id };
  };
  const cache = new Map<string, number[]>();
  return {
    size: ranks.length,
    tokenBytes: (id) => bytes[id],
    encodePiece(piece) {
      const hit = cache.get(piece);
      if (hit) return hit;
      const b = utf8Encode(piece);
      const whole = byKey.get(latin1(b));
      // tiktoken takes a piece that is itself a token as is.
      const ids = whole !== undefined ? [whole] : mergeSymbols(Array.from(b, (x) => byteId[x]!), merge);
      if (cache.size > 50_000) cache.clear();
      cache.set(piece, ids);
      return ids;
    },
  };
}

/**
 * An HF tokenizers BPE model: `vocab` maps byte-level token strings to ids, `merges` lists pairs
 * of token strings in priority order. Every byte of a piece is looked up as its one-character
 * string; a byte with no token is dropped (HF does the same when the model has no unk token).
 */
export function mergesModel(vocab: ReadonlyMap<string, number>, merges: readonly (readonly [string, string])[]): BpeModel {
  let size = 0;
  const bytesOf = new Map<number, Uint8Array>();
  for (const [s, id] of vocab) {
    size = Math.max(size, id + 1);
    bytesOf.set(id, vocabStringToBytes(s));
  }
  const table = new Map<number, Merge>();
  const K = 2 ** 21; // pair key l·K + r; ids are below K
  merges.forEach(([a, b], rank) => {
    const l = vocab.get(a), r = vocab.get(b), id = vocab.get(a + b);
    if (l === undefined || r === undefined) throw new Error(`merge ${rank} ('${a} ${b}') uses a token that is not in the vocab`);
    if (id === undefined) throw new Error(`merge ${rank} ('${a} ${b}') makes '${a + b}', which is not in the vocab`);
    if (l >= K || r >= K) throw new Error(`token id ${Math.max(l, r)} is too large`);
    const k = l * K + r;
    table.set(k, { rank, id }); // a pair listed twice keeps its last rank, as HF's merge map does
  });
  const byteId: (number | undefined)[] = [];
  for (let b = 0; b < 256; b++) byteId.push(vocab.get(bytesToVocabString(Uint8Array.of(b))));
  const merge = (l: number, r: number) => table.get(l * K + r);
  const cache = new Map<string, number[]>();
  return {
    size,
    tokenBytes: (id) => bytesOf.get(id),
    encodePiece(piece) {
      const hit = cache.get(piece);
      if (hit) return hit;
      const syms: number[] = [];
      for (const b of utf8Encode(piece)) {
        const id = byteId[b];
        if (id !== undefined) syms.push(id);
      }
      const ids = mergeSymbols(syms, merge);
      if (cache.size > 50_000) cache.clear();
      cache.set(piece, ids);
      return ids;
    },
  };
}
