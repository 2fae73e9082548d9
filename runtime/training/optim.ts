// Which parameters AdamW decays (design/showo.md §5.3).
//
//   "default"    no decay on biases, normalization weights (LayerNorm, GroupNorm: any parameter
//                whose path has a segment containing "norm") and embeddings ("embed" in the path);
//                every other weight (Linear and conv kernels, the LM head) is decayed.
//   "reference"  the reference's quirk: its no-decay name filter matches none of Phi's norm or
//                embedding names, so only biases escape decay.

export type DecayFilter = "default" | "reference";
export const DECAY_FILTERS: readonly DecayFilter[] = ["default", "reference"];

/** Whether parameter `name` is decayed under `filter`. */
export function decays(filter: DecayFilter, name: string): boolean {
  const parts = name.split(".");
  const leaf = parts[parts.length - 1]!;
  if (leaf === "bias") return false;
  if (filter === "reference") return true;
  return !parts.some((p) => /norm/i.test(p) || /embed/i.test(p));
}
