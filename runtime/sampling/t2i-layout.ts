// How a batch of T2I rows is laid out for the text-K/V-reuse graphs (t2i-graph.ts explains them):
// where the image starts, how much common left padding is cut, the segments of the cut rows, and
// the inputs of the prefix and step graphs. No graphs and no DSL here, so the browser-safe
// run-time of compiled packages (runtime/web/) runs the same layout as the Node sampler.

import type { RefTensor } from "../../compiler/ir/ref.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import type { Segment } from "../../compiler/ir/mask.ts";
import { packSegments } from "../../compiler/ir/mask.ts";
import type { ShowoLayout } from "../../models/showo-layout.ts";
import { t2iSeqLen } from "../../models/showo-layout.ts";
import { positionsFor, segmentsFromIds } from "../../models/showo-prompts.ts";
import type { VocabLayout } from "../../models/showo-vocab.ts";
import { vocabIds } from "../../models/showo-vocab.ts";

/** Segment slots of a T2I row: PAD (left padding) and SPAN ([SOI, EOI]). */
export const T2I_SEGMENT_SLOTS = 2;

/** Index of the first image token in a T2I row: text block (T + 1), then [SOI]. */
export function imageStart(cfg: ShowoLayout): number {
  return cfg.textBudget + 2;
}

/** Rows of the text block P = T + 1 (pads, [T2I], BOS, text, EOS): the prefix's rows and the cached keys. */
export function textRows(cfg: ShowoLayout): number {
  return cfg.textBudget + 1;
}

/** Rows of the image segment M = N + 2 ([SOI], image tokens, [EOI]): what a reuse step computes. */
export function imageRows(cfg: ShowoLayout): number {
  return cfg.imageTokens + 2;
}

/**
 * Leading pads dropped from a batch are rounded down to a multiple of this, so that nearby caption
 * lengths share one compiled graph pair (P' takes at most ⌈P / 8⌉ values: 17 for a text budget of 128).
 */
export const DROP_GRANULE = 8;

/** Leading [PAD]s of a row. */
export function leadingPads(row: readonly number[], layout: Partial<VocabLayout> = {}): number {
  const { PAD } = vocabIds(layout);
  let n = 0;
  while (n < row.length && row[n] === PAD) n++;
  return n;
}

export interface T2ILayoutOptions {
  /** Cut the batch's common left padding (default true). */
  readonly dropPadding?: boolean;
  /** Round the dropped count down to a multiple of this (default DROP_GRANULE; 1 drops all common padding). */
  readonly granule?: number;
  /** Mark the remaining pads DEAD instead of PAD (default true). */
  readonly deadPads?: boolean;
}

/** How a batch of T2I rows runs with reuse: rows' first `dropped` ids cut, P' = textLen text rows, segments of the cut rows. */
export interface T2IBatchLayout {
  /** d: leading pads cut from every row. */
  readonly dropped: number;
  /** P' = P − d: the prefix's rows and the cached keys per layer. */
  readonly textLen: number;
  /** Leading pads of each row (before the cut). */
  readonly pads: readonly number[];
  /** Whether the remaining pads are DEAD (else PAD). */
  readonly deadPads: boolean;
  /** Segments of each row without its first d ids (coordinates shifted by −d): length P' + M. */
  readonly segments: readonly Segment[][];
}

/** The layout of a batch of T2I rows for the reuse graphs (see the file header). */
export function t2iBatchLayout(cfg: ShowoLayout, rows: readonly (readonly number[])[], opts: T2ILayoutOptions = {}): T2IBatchLayout {
  const P = textRows(cfg), granule = opts.granule ?? DROP_GRANULE;
  if (!Number.isInteger(granule) || granule < 1) throw new Error(`T2I layout: granule must be a positive integer, got ${granule}`);
  if (rows.length < 1) throw new Error("T2I layout: no rows");
  const pads = rows.map((r) => leadingPads(r, cfg));
  // At least [T2I] BOS EOS follow the pads, so d < P and P' ≥ 1.
  const common = Math.min(...pads, P - 1);
  const dropped = (opts.dropPadding ?? true) ? Math.floor(common / granule) * granule : 0;
  const deadPads = opts.deadPads ?? true;
  return { dropped, textLen: P - dropped, pads, deadPads, segments: rows.map((r) => segmentsFromIds(r.slice(dropped), "t2i", { deadPads, vocab: cfg })) };
}


/** The segments input of a batch's layout (T2I_SEGMENT_SLOTS per row). */
export function t2iSegments(layout: T2IBatchLayout): RefTensor {
  const p = packSegments(layout.segments, T2I_SEGMENT_SLOTS);
  return tensor("i32", p.shape, p.data);
}

/** Inputs of the prefix graph for a batch: rows' text blocks without their first d ids, absolute positions d..P−1. */
export function t2iPrefixInputs(cfg: ShowoLayout, rows: readonly (readonly number[])[], layout: T2IBatchLayout, segments: RefTensor): Record<"ids" | "positions" | "segments", RefTensor> {
  const P = textRows(cfg), d = layout.dropped;
  return {
    ids: tensor("i32", [rows.length, P - d], rows.flatMap((r) => r.slice(d, P))),
    positions: tensor("i32", [P - d], positionsFor(P).slice(d)),
    segments,
  };
}

/** Inputs of the step graph (without the cached K/V): the M image-segment rows, positions P..L−1. */
export function t2iStepInputs(cfg: ShowoLayout, rows: readonly (readonly number[])[], segments: RefTensor): Record<"ids" | "positions" | "segments", RefTensor> {
  const L = t2iSeqLen(cfg), P = textRows(cfg);
  return {
    ids: tensor("i32", [rows.length, L - P], rows.flatMap((r) => r.slice(P))),
    positions: tensor("i32", [L - P], positionsFor(L).slice(P)),
    segments,
  };
}
