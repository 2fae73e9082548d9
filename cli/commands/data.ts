// `showo data shapes --out DIR [--n N] [--seed S] [--heldout-n M] [--resolution R]`: writes the
// shapes world's training and held-out data (runtime/shapes/files.ts has the layout; docs/shapes.md
// the world) in the file formats `showo train` reads, deterministically from the seed.

import type { Command } from "commander";
import { DEFAULT_HELDOUT_N, DEFAULT_N, writeShapesData } from "../../runtime/shapes/files.ts";

function integer(flag: string, min: number): (v: string) => number {
  return (v) => {
    if (!/^\d+$/.test(v.trim())) throw new Error(`${flag} takes a whole number, got '${v}'`);
    const x = Number(v);
    if (!Number.isSafeInteger(x) || x < min) throw new Error(`${flag} must be an integer ≥ ${min}, got ${v}`);
    return x;
  };
}

export function register(program: Command): void {
  const data = program.command("data").description("write training data sets in the layout `showo train` reads");
  data.command("shapes")
    .description("the shapes world: 32×32 scenes of 1–3 shapes, captions, question–answer pairs, LM text, a held-out split and its prompts")
    .requiredOption("--out <dir>", "output folder (train/, heldout/, *-text.jsonl, *-qa.jsonl, heldout-prompts.jsonl, shapes.json)")
    .option("--n <N>", `training images (default ${DEFAULT_N})`, integer("--n", 1))
    .option("--heldout-n <M>", `held-out images, half of them with a held-out (color, shape) pair (default ${DEFAULT_HELDOUT_N})`, integer("--heldout-n", 0))
    .option("--seed <S>", "seed (default 0)", integer("--seed", 0))
    .option("--resolution <R>", "image side in pixels (default 32)", integer("--resolution", 16))
    .action((o: { out: string; n?: number; heldoutN?: number; seed?: number; resolution?: number }) => {
      const t0 = performance.now();
      const s = writeShapesData({
        out: o.out,
        ...(o.n !== undefined ? { n: o.n } : {}),
        ...(o.heldoutN !== undefined ? { heldoutN: o.heldoutN } : {}),
        ...(o.seed !== undefined ? { seed: o.seed } : {}),
        ...(o.resolution !== undefined ? { resolution: o.resolution } : {}),
      });
      const secs = ((performance.now() - t0) / 1000).toFixed(1);
      console.log(
        `data shapes: ${s.train.images} training images (${s.train.questions} questions), ${s.heldout.images} held-out (${s.heldout.novel} with held-out pairs, ${s.heldout.questions} questions) at ${s.resolution}×${s.resolution}, seed ${s.seed} → ${s.out} in ${secs} s`,
      );
    });
}
