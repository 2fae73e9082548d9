// Tallies of `showo eval shapes` (GenEval-style): per category for text-to-image, per question
// kind for understanding, each over all held-out examples and split into scenes with and without
// a held-out (colour, shape) pair. A rate is null when nothing was asked of it.

import type { MatchResult } from "./match.ts";
import { MATCH_CATEGORIES } from "./match.ts";
import type { QuestionKind } from "./text.ts";
import { QUESTION_KINDS } from "./text.ts";

export interface Rate {
  readonly n: number;
  readonly correct: number;
  /** correct / n, or null when n = 0. */
  readonly rate: number | null;
}

function rate(n: number, correct: number): Rate {
  return { n, correct, rate: n === 0 ? null : correct / n };
}

export const T2I_CATEGORIES = ["overall", ...MATCH_CATEGORIES] as const;
export type T2ICategory = (typeof T2I_CATEGORIES)[number];
export type T2IScores = Record<T2ICategory, Rate>;

export interface T2IScoreSet {
  readonly all: T2IScores;
  /** Prompts that name a held-out (colour, shape) pair. */
  readonly novel: T2IScores;
  readonly familiar: T2IScores;
}

function t2iScores(results: readonly MatchResult[]): T2IScores {
  const out = {} as Record<T2ICategory, Rate>;
  for (const c of T2I_CATEGORIES) {
    const stated = results.filter((r) => r[c] !== null);
    out[c] = rate(stated.length, stated.filter((r) => r[c] === true).length);
  }
  return out;
}

/** Scores of one T2I run: each prompt's match (match.ts) and whether it is novel. */
export function scoreT2I(results: readonly { readonly match: MatchResult; readonly novel: boolean }[]): T2IScoreSet {
  return {
    all: t2iScores(results.map((r) => r.match)),
    novel: t2iScores(results.filter((r) => r.novel).map((r) => r.match)),
    familiar: t2iScores(results.filter((r) => !r.novel).map((r) => r.match)),
  };
}

/**
 * The question kinds the understanding score counts: every kind with a one-word answer. A caption
 * answer is one of many right captions (the templates draw words at random), so exact match says
 * little; it is reported on its own.
 */
export const MMU_SCORED_KINDS: readonly QuestionKind[] = QUESTION_KINDS.filter((k) => k !== "caption");

export interface MmuScores {
  /** Exact match over MMU_SCORED_KINDS. */
  readonly overall: Rate;
  readonly novel: Rate;
  readonly familiar: Rate;
  readonly byKind: Readonly<Record<QuestionKind, Rate>>;
}

export interface MmuAnswer {
  readonly kind: QuestionKind;
  readonly correct: boolean;
  readonly novel: boolean;
}

export function scoreMmu(answers: readonly MmuAnswer[]): MmuScores {
  const scored = answers.filter((a) => MMU_SCORED_KINDS.includes(a.kind));
  const tally = (xs: readonly MmuAnswer[]) => rate(xs.length, xs.filter((a) => a.correct).length);
  const byKind = {} as Record<QuestionKind, Rate>;
  for (const k of QUESTION_KINDS) byKind[k] = tally(answers.filter((a) => a.kind === k));
  return { overall: tally(scored), novel: tally(scored.filter((a) => a.novel)), familiar: tally(scored.filter((a) => !a.novel)), byKind };
}

/** PSNR in dB of a reconstruction against the original, both with values in [0, 255]. */
export function psnr(original: ArrayLike<number>, reconstruction: ArrayLike<number>): number {
  if (original.length !== reconstruction.length || original.length === 0) throw new Error(`psnr: ${original.length} and ${reconstruction.length} values`);
  let se = 0;
  for (let i = 0; i < original.length; i++) {
    const d = (original[i]! - reconstruction[i]!) / 255;
    se += d * d;
  }
  const mse = se / original.length;
  if (!Number.isFinite(mse)) throw new Error("psnr: a value is not finite");
  return mse === 0 ? Infinity : -10 * Math.log10(mse);
}

/** "0.93" or "–" for a rate that was never asked. */
export function fmtRate(r: Rate): string {
  return r.rate === null ? "–" : r.rate.toFixed(2);
}
