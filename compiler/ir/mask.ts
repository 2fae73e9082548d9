// Attention masks as structure, not as L×L tensors.
//
// A mask is described per batch row by a short list of segments, carried in the graph as an i32
// tensor `segments[B, S, 3]` of (kind, start, end) triples with end exclusive. Kinds:
//
//   0 NONE    unused slot (rows have different numbers of segments)
//   1 PAD     key padding: columns in [start, end) are hidden from every row outside the range
//   2 SPAN    bidirectional span: rows in [start, end) see every column in [start, end)
//   3 GLOBAL  columns in [start, end) are visible to every row (CLIP features in Show-o's MMU)
//   4 DEAD    padding whose rows nobody reads: columns hidden like PAD, and the rows themselves
//             attend to nothing (their output is zeros), so attention skips them entirely
//
// With `causal` the base rule is j ≤ i; without it every pair is allowed. Then
//
//   allowed(i, j) = !dead(i) && !dead(j) && !(pad(j) && !pad(i)) && (base(i, j) || span(i) == span(j) || global(j))
//
// where query row i sits at absolute position Lk − Lq + i (queries are the last rows of the key
// sequence, as when decoding with a KV cache). Every layout of Show-o is an instance:
//   T2I  causal + PAD over the left padding + SPAN [SOI, EOI]
//   MMU  causal + SPAN [0, EOI] (the prefix through [EOI] is bidirectional for all rows)
//   LM   causal alone
//   interleaved (§3.4)  causal + PAD + one SPAN per [SOI, EOI] block
// Because segments are data, changing the padding changes a small tensor, never the graph.
//
// DEAD is for left padding in sampling (T2I): PAD rows only ever see PAD columns and no other row
// sees them, so when nothing reads the pad rows' final outputs their whole computation is dead;
// DEAD says so, and the other rows' outputs are exactly those under PAD.

export const SEG_NONE = 0;
export const SEG_PAD = 1;
export const SEG_SPAN = 2;
export const SEG_GLOBAL = 3;
export const SEG_DEAD = 4;

export type SegmentKind = "pad" | "span" | "global" | "dead";
export interface Segment {
  readonly kind: SegmentKind;
  readonly start: number;
  readonly end: number; // exclusive
}

const KIND_CODE: Record<SegmentKind, number> = { pad: SEG_PAD, span: SEG_SPAN, global: SEG_GLOBAL, dead: SEG_DEAD };
const CODE_KIND: Record<number, SegmentKind | undefined> = { [SEG_PAD]: "pad", [SEG_SPAN]: "span", [SEG_GLOBAL]: "global", [SEG_DEAD]: "dead" };

/** One row's segments decoded for fast queries. */
export interface RowMask {
  readonly causal: boolean;
  readonly segments: readonly Segment[];
}

/** Is key column j visible from query position i (both absolute positions)? */
export function allowed(row: RowMask, i: number, j: number): boolean {
  let padI = false, padJ = false, sameSpan = false, global = false;
  for (const s of row.segments) {
    const inI = i >= s.start && i < s.end, inJ = j >= s.start && j < s.end;
    if (s.kind === "dead") {
      if (inI || inJ) return false;
    } else if (s.kind === "pad") {
      padI ||= inI;
      padJ ||= inJ;
    } else if (s.kind === "span") sameSpan ||= inI && inJ;
    else global ||= inJ;
  }
  if (padJ && !padI) return false;
  return (!row.causal || j <= i) || sameSpan || global;
}

/** Pack rows of segments into the `segments[B, S, 3]` tensor data (S = longest row, at least 1). */
export function packSegments(rows: readonly (readonly Segment[])[], slots?: number): { shape: [number, number, 3]; data: Int32Array } {
  const S = slots ?? Math.max(1, ...rows.map((r) => r.length));
  const data = new Int32Array(rows.length * S * 3);
  rows.forEach((r, b) => {
    if (r.length > S) throw new Error(`row ${b} has ${r.length} segments; only ${S} slots`);
    r.forEach((s, k) => {
      if (!(s.start >= 0 && s.end >= s.start)) throw new Error(`row ${b} segment ${k}: bad range [${s.start}, ${s.end})`);
      data.set([KIND_CODE[s.kind], s.start, s.end], (b * S + k) * 3);
    });
  });
  return { shape: [rows.length, S, 3], data };
}

/** Decode one batch row of a `segments[B, S, 3]` tensor. */
export function unpackRow(data: ArrayLike<number>, S: number, b: number, causal: boolean): RowMask {
  const segments: Segment[] = [];
  for (let k = 0; k < S; k++) {
    const o = (b * S + k) * 3;
    const code = data[o]!;
    if (code === SEG_NONE) continue;
    const kind = CODE_KIND[code];
    if (!kind) throw new Error(`segments[${b}, ${k}]: unknown kind ${code}`);
    segments.push({ kind, start: data[o + 1]!, end: data[o + 2]! });
  }
  return { causal, segments };
}

/** The dense 0/1 matrix of one row (tests and fixtures only; the compiler never builds it). */
export function denseMask(row: RowMask, lq: number, lk: number): Uint8Array {
  const m = new Uint8Array(lq * lk);
  const off = lk - lq;
  for (let i = 0; i < lq; i++) for (let j = 0; j < lk; j++) m[i * lk + j] = allowed(row, off + i, j) ? 1 : 0;
  return m;
}
