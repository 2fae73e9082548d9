// Mask schedules and the re-mask count of MaskGIT decoding (design/showo.md §6.2, Show-o's
// models/sampling.py get_mask_chedule).
//
// Show-o evaluates the schedule on `torch.tensor(ratio)`, a float32 tensor, and floors
// N·mask_ratio in float32 too; the values here are rounded to float32 at the same points
// (Math.fround) so that ⌊N·mask_ratio⌋ lands on the same integer as the reference.

const f32 = Math.fround;

export type MaskSchedule = (ratio: number) => number;

/** Names a schedule can have: cosine (the default), linear, powK (K any positive number: pow2, pow0.5), sigmoid. */
export const SCHEDULE_NAMES = ["cosine", "linear", "powK", "sigmoid"] as const;

/** cos(π/2·t): the default. */
export function cosineSchedule(t: number): number {
  return f32(Math.cos(f32(f32(f32(t) * f32(Math.PI)) * 0.5)));
}

function clip(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}

/** 1 − t, clipped to [1e-6, 1]. */
export function linearSchedule(t: number): number {
  return clip(f32(1 - f32(t)), f32(1e-6), 1);
}

/** 1 − t^K, clipped to [1e-6, 1]. */
export function powSchedule(k: number): MaskSchedule {
  return (t) => clip(f32(1 - f32(Math.pow(f32(t), k))), f32(1e-6), 1);
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** (σ(end/τ) − σ((t·(end − start) + start)/τ)) / (σ(end/τ) − σ(start/τ)), clipped to [1e-6, 1]. */
export function sigmoidSchedule(start = -3, end = 3, tau = 1): MaskSchedule {
  const vs = f32(sigmoid(start / tau)), ve = f32(sigmoid(end / tau));
  return (t) => {
    const out = f32(sigmoid(f32(f32(f32(t) * (end - start) + start) / tau)));
    return clip(f32(f32(ve - out) / f32(ve - vs)), f32(1e-6), 1);
  };
}

/** The schedule of a name ("cosine", "linear", "pow2", "pow0.5", "sigmoid"). */
export function maskSchedule(name: string): MaskSchedule {
  if (name === "cosine") return cosineSchedule;
  if (name === "linear") return linearSchedule;
  if (name === "sigmoid") return sigmoidSchedule();
  const m = /^pow(\d+(?:\.\d+)?)$/.exec(name);
  if (m) {
    const k = Number(m[1]);
    if (k > 0) return powSchedule(k);
  }
  throw new Error(`unknown mask schedule '${name}' (schedules: cosine, linear, powK with K > 0 such as pow2, sigmoid)`);
}

/** ratio = (s + 1)/T of step s of T. */
export function stepRatio(step: number, steps: number): number {
  return (step + 1) / steps;
}

/**
 * How many sampled tokens go back to [MASK] after a step: ⌊N·mask_ratio⌋ clamped to
 * [1, unknown − 1], N the total image tokens (not the number still unknown), computed as Show-o
 * does: max(1, min(unknown − 1, floor(N·mask_ratio))).
 */
export function maskLen(totalTokens: number, maskRatio: number, unknown: number): number {
  const want = Math.floor(f32(totalTokens * f32(maskRatio)));
  return Math.max(1, Math.min(unknown - 1, want));
}

/** Gumbel temperature annealing: Show-o's compounding τ_s = τ_{s−1}·(1 − ratio), or MaskGIT's τ₀·(1 − ratio). */
export type Annealing = "compounding" | "maskgit";

/** τ_0 … τ_{T−1} for a starting temperature τ₋₁ (Show-o's `generation_temperature`). */
export function temperatures(start: number, steps: number, annealing: Annealing = "compounding"): number[] {
  const out: number[] = [];
  let tau = start;
  for (let s = 0; s < steps; s++) {
    const r = stepRatio(s, steps);
    tau = annealing === "compounding" ? tau * (1 - r) : start * (1 - r);
    out.push(tau);
  }
  return out;
}

/**
 * Tokens still [MASK] after each step when every step re-masks the most the rule allows and the
 * image starts fully masked: mask_len of each step (the final step's output is complete).
 */
export function maskedAfterSteps(totalTokens: number, steps: number, schedule: MaskSchedule = cosineSchedule): number[] {
  const out: number[] = [];
  let unknown = totalTokens;
  for (let s = 0; s < steps; s++) {
    unknown = maskLen(totalTokens, schedule(stepRatio(s, steps)), unknown);
    out.push(unknown);
  }
  return out;
}
