// The learning-rate schedule of Show-o's training (design/showo.md §5.3): linear warm-up from 0,
// then half-cosine decay to 0 at the last step, as get_cosine_schedule_with_warmup computes it.
//
// Steps are counted from 0 here, as the scheduler counts them: the first optimizer step uses
// lr(0), which is 0 when there is any warm-up (the reference's first update only moves the moments).

/** Learning rate of the step with 0-based index k of a run of `total` steps. */
export function lrAt(k: number, base: number, warmup: number, total: number): number {
  if (!Number.isInteger(k) || k < 0) throw new Error(`lrAt: step index must be a non-negative integer, got ${k}`);
  if (k < warmup) return (base * k) / Math.max(1, warmup);
  const progress = (k - warmup) / Math.max(1, total - warmup);
  return Math.max(0, base * 0.5 * (1 + Math.cos(Math.PI * progress)));
}
