// Show-o's training objectives as a graph (design/showo.md §5.1).
//
// shapes: ids i32[B, L], positions i32[L], segments i32[B, S, 3], labels i32[B, L]
//         → loss_t2i, loss_lm, loss_mmu, loss f32[] (each term a mean over its non-ignored labels)
//
// The batch is laid out [T2I rows | LM rows | MMU rows] (B = t2i + lm + mmu), every row of one
// length L, each with its own mask (the segments input, built from the ids as Show-o builds its
// masks). The terms, as the reference codes them:
//   MTP  cross-entropy of logits[:t2i, p0:] against labels[:t2i, p0:] with no shift, p0 the [SOI]
//        position (textBudget + 1): labels are −100 at unmasked image positions, and [SOI]/[EOI]
//        carry their own ids (the reference's self-labels; the data side may turn them off);
//   NTP  shifted cross-entropy (logits[:, :−1] against labels[:, 1:]) on the LM rows and on the
//        MMU rows, −100 wherever nothing is predicted.
//   loss = t2i·L_t2i + lm·L_lm + mmu·L_mmu.
// A task with no rows contributes no term (its output is absent, not zero).

import type { Tensor } from "../compiler/dsl/tensor.ts";
import { trace } from "../compiler/dsl/trace.ts";
import type { Graph } from "../compiler/ir/graph.ts";
import type { ShowoConfig } from "./showo.ts";
import { Showo, t2iSeqLen } from "./showo.ts";

export interface ShowoBatchLayout {
  /** Rows of each task, in this order: T2I, LM, MMU. */
  readonly t2i: number;
  readonly lm: number;
  readonly mmu: number;
  /** Segment slots S of the segments input. */
  readonly segmentSlots: number;
}

export interface LossCoefficients {
  readonly t2i: number;
  readonly lm: number;
  readonly mmu: number;
}

/** The released configs' weights (§5.1). */
export const DEFAULT_COEFFICIENTS: LossCoefficients = { t2i: 1.0, lm: 0.1, mmu: 1.0 };

export type LossTerm = "t2i" | "lm" | "mmu";
export const LOSS_TERMS: readonly LossTerm[] = ["t2i", "lm", "mmu"];

/** Rows of the batch and their length: every row is as long as a T2I row. */
export function batchShape(cfg: ShowoConfig, layout: ShowoBatchLayout): { batch: number; seq: number } {
  for (const k of LOSS_TERMS) {
    const n = layout[k];
    if (!Number.isInteger(n) || n < 0) throw new Error(`batch layout: ${k} rows must be a non-negative integer, got ${n}`);
  }
  const batch = layout.t2i + layout.lm + layout.mmu;
  if (batch === 0) throw new Error("batch layout: no rows (t2i, lm and mmu are all 0)");
  if (!Number.isInteger(layout.segmentSlots) || layout.segmentSlots < 1) throw new Error(`batch layout: segmentSlots must be a positive integer, got ${layout.segmentSlots}`);
  return { batch, seq: t2iSeqLen(cfg) };
}

/** The terms of one batch from its logits [B, L, V] and labels [B, L]. */
export function showoLosses(cfg: ShowoConfig, layout: ShowoBatchLayout, logits: Tensor, labels: Tensor, coeffs: LossCoefficients = DEFAULT_COEFFICIENTS): Record<string, Tensor> {
  const p0 = cfg.textBudget + 1;
  const rows = (x: Tensor, from: number, n: number) => x.slice(0, from, from + n);
  const out: Record<string, Tensor> = {};
  let total: Tensor | undefined;
  const addTerm = (k: LossTerm, l: Tensor) => {
    out[`loss_${k}`] = l;
    const w = l.mul(coeffs[k]);
    total = total ? total.add(w) : w;
  };
  if (layout.t2i > 0) {
    addTerm("t2i", rows(logits, 0, layout.t2i).slice(1, p0).crossEntropy(rows(labels, 0, layout.t2i).slice(1, p0)));
  }
  const shifted = (from: number, n: number) => rows(logits, from, n).slice(1, 0, -1).crossEntropy(rows(labels, from, n).slice(1, 1));
  if (layout.lm > 0) addTerm("lm", shifted(layout.t2i, layout.lm));
  if (layout.mmu > 0) addTerm("mmu", shifted(layout.t2i + layout.lm, layout.mmu));
  out["loss"] = total!;
  return out;
}

/**
 * The training forward traced: inputs ids, positions, segments, labels; outputs `loss` (the
 * weighted total) and `loss_<task>` for each task with rows. Pass `model` to share parameter names.
 */
export function showoLossGraph(cfg: ShowoConfig, layout: ShowoBatchLayout, coeffs: LossCoefficients = DEFAULT_COEFFICIENTS, model: Showo = new Showo(cfg)): Graph {
  const { batch: B, seq: L } = batchShape(cfg, layout);
  const inputs = {
    ids: { dtype: "i32" as const, shape: [B, L] },
    positions: { dtype: "i32" as const, shape: [L] },
    segments: { dtype: "i32" as const, shape: [B, layout.segmentSlots, 3] },
    labels: { dtype: "i32" as const, shape: [B, L] },
  };
  return trace(`${cfg.name}_loss`, inputs, (t: Record<string, Tensor>) => {
    const logits = model.forward(t["ids"]!, t["positions"]!, t["segments"]);
    return showoLosses(cfg, layout, logits, t["labels"]!, coeffs);
  });
}
