// The weights that ship with the project: showo-shapes and its tokenizer magvit2-shapes, trained
// here on the shapes world (weights/shapes/MODEL_CARD.md says how, and with what result). They are
// what every command uses when no --weights / --vq-weights is given.

import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { packageRoot } from "../package-root.ts";

/** The folder of the shipped weights (in the repository, and in the installed package). */
export const SHIPPED_DIR = join(packageRoot(), "weights", "shapes");

/** The model every command uses by default. */
export const DEFAULT_SHOWO_MODEL = "showo-shapes";

const SHIPPED: Readonly<Record<string, string>> = {
  "showo-shapes": "showo-shapes.safetensors",
  "magvit2-shapes": "magvit2-shapes.safetensors",
};

/** Whether a model name has shipped weights. */
export function hasShippedWeights(model: string): boolean {
  return SHIPPED[model] !== undefined;
}

/**
 * The weights a command uses: the path given, else the shipped file of `model`. `flag` names the
 * option in the error when neither exists.
 */
export function weightsFor(model: string, given: string | undefined, flag: string): string {
  if (given !== undefined) return given;
  const file = SHIPPED[model];
  if (file === undefined) throw new Error(`${model} has no shipped weights: give ${flag} FILE (shipped: ${Object.keys(SHIPPED).join(", ")})`);
  const path = join(SHIPPED_DIR, file);
  if (!existsSync(path)) {
    throw new Error(`the shipped ${model} weights (${relative(process.cwd(), path) || path}) are missing: reinstall, or train them (weights/shapes/MODEL_CARD.md), or give ${flag} FILE`);
  }
  return path;
}

/** The guidance the shipped model samples with by default (chosen on the held-out eval: MODEL_CARD.md). */
export const SHAPES_GUIDANCE = 1.75;
