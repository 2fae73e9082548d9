// The part of a Show-o config that sequence layouts need, and the lengths it implies: no network
// sizes and no DSL, so the browser-safe samplers (runtime/sampling/t2i-sample.ts, mmu-decode.ts)
// and compiled packages take it without the model's modules.

import type { VocabLayout } from "./showo-vocab.ts";

export interface ShowoLayout extends VocabLayout {
  readonly name: string;
  /** Rows of the embedding and the LM head: text + specials + codebook + [MASK]. */
  readonly vocab: number;
  /** Image tokens per image N: a √N × √N grid of codes. */
  readonly imageTokens: number;
  /** The text budget; the T2I text block is textBudget + 1 long. */
  readonly textBudget: number;
}

/** Side of the square code grid: √N. */
export function imageGrid(cfg: ShowoLayout): number {
  const s = Math.round(Math.sqrt(cfg.imageTokens));
  if (s * s !== cfg.imageTokens) throw new Error(`${cfg.name}: ${cfg.imageTokens} image tokens do not form a square grid`);
  return s;
}

/** Length of a T2I sequence: (textBudget + 1) + [SOI] + N + [EOI]; 387 at 256 px, 1155 at 512 px. */
export function t2iSeqLen(cfg: ShowoLayout): number {
  return cfg.textBudget + 1 + cfg.imageTokens + 2;
}

