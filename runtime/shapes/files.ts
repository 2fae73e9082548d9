// The shapes world on disk, in the training data layout of docs/training.md ("Data"):
//
//   DIR/train/NNNNN.png, DIR/train/captions.jsonl   image–caption folder ({"image", "caption"})
//   DIR/train-text.jsonl                            LM text: a caption and plain statements per image
//   DIR/train-qa.jsonl                              {"image": "train/NNNNN.png", "question", "answer", "kind"}
//   DIR/heldout/…, DIR/heldout-text.jsonl, DIR/heldout-qa.jsonl   the same for the held-out scenes
//   DIR/heldout-prompts.jsonl                       {"prompt", "image", "novel", "spec", "scene"}: each
//                                                   held-out caption as a T2I prompt, with what it
//                                                   states (spec, for match.ts) and the whole scene
//   DIR/shapes.json                                 the parameters and the held-out (colour, shape) pairs
//
// Everything is a pure function of (seed, n, heldout n, resolution): image k of a split depends
// on (seed, k) alone, so a rerun writes the same bytes. Each file is written to a temporary name
// and renamed into place; a folder's PNGs come before its captions.jsonl, and PNGs a previous,
// larger run left behind (numbered names only) are removed.

import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writePng } from "../image.ts";
import { PURPOSE, Rng } from "./random.ts";
import { renderScene } from "./render.ts";
import type { Caption, QaPair } from "./text.ts";
import { captionScene, questionsFor, textLine } from "./text.ts";
import type { Scene, Split } from "./world.ts";
import { DEFAULT_RESOLUTION, HELDOUT_COMBOS, hasHeldoutCombo, sampleScene } from "./world.ts";

export interface ShapesDataOptions {
  readonly out: string;
  readonly n?: number;
  readonly heldoutN?: number;
  readonly seed?: number;
  readonly resolution?: number;
}

export interface SplitSummary {
  readonly images: number;
  readonly questions: number;
  /** Scenes holding a held-out (colour, shape) pair (always 0 in training). */
  readonly novel: number;
}

export interface ShapesDataSummary {
  readonly out: string;
  readonly seed: number;
  readonly resolution: number;
  readonly train: SplitSummary;
  readonly heldout: SplitSummary;
}

export const DEFAULT_N = 5000;
export const DEFAULT_HELDOUT_N = 500;

function writeAtomic(path: string, write: (tmp: string) => void): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    write(tmp);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

const jsonl = (rows: readonly object[]) => rows.map((r) => JSON.stringify(r)).join("\n") + "\n";

export interface SplitExample {
  readonly scene: Scene;
  readonly caption: Caption;
  /** The LM text line. */
  readonly text: string;
  readonly questions: readonly QaPair[];
  /** The scene holds a held-out (colour, shape) pair. */
  readonly novel: boolean;
}

/** Example k of a split, exactly as the files hold it (so `showo eval shapes` needs no data folder). */
export function splitExample(seed: number, split: Split, k: number, resolution = DEFAULT_RESOLUTION): SplitExample {
  const scene = sampleScene(seed, k, split, resolution);
  const rng = new Rng(seed, split === "train" ? PURPOSE.trainText : PURPOSE.heldoutText, k);
  // The draws' order is part of the format: caption, LM line, questions.
  const caption = captionScene(scene, rng);
  const text = textLine(scene, rng);
  const questions = questionsFor(scene, rng);
  return { scene, caption, text, questions, novel: hasHeldoutCombo(scene) };
}

function writeSplit(out: string, split: Split, count: number, seed: number, resolution: number): SplitSummary {
  if (count === 0) return { images: 0, questions: 0, novel: 0 }; // nothing written for this split
  const dir = join(out, split);
  mkdirSync(dir, { recursive: true });
  const digits = Math.max(5, String(Math.max(0, count - 1)).length);
  const captions: object[] = [], texts: object[] = [], qa: object[] = [], prompts: object[] = [];
  const names = new Set<string>();
  let novel = 0;
  for (let k = 0; k < count; k++) {
    const { scene, caption, text, questions, novel: isNovel } = splitExample(seed, split, k, resolution);
    const name = `${String(k).padStart(digits, "0")}.png`;
    names.add(name);
    writeAtomic(join(dir, name), (tmp) => writePng(tmp, renderScene(scene)));
    captions.push({ image: name, caption: caption.text });
    texts.push({ text });
    for (const q of questions) qa.push({ image: `${split}/${name}`, question: q.question, answer: q.answer, kind: q.kind });
    if (isNovel) novel++;
    prompts.push({ prompt: caption.text, image: `${split}/${name}`, novel: isNovel, spec: caption.spec, scene });
  }
  for (const f of readdirSync(dir)) if (/^\d+\.png$/.test(f) && !names.has(f)) rmSync(join(dir, f));
  writeAtomic(join(dir, "captions.jsonl"), (tmp) => writeFileSync(tmp, jsonl(captions)));
  writeAtomic(join(out, `${split}-text.jsonl`), (tmp) => writeFileSync(tmp, jsonl(texts)));
  writeAtomic(join(out, `${split}-qa.jsonl`), (tmp) => writeFileSync(tmp, jsonl(qa)));
  if (split === "heldout") writeAtomic(join(out, "heldout-prompts.jsonl"), (tmp) => writeFileSync(tmp, jsonl(prompts)));
  return { images: count, questions: qa.length, novel };
}

function count(v: number | undefined, fallback: number, what: string, min: number): number {
  const x = v ?? fallback;
  if (!Number.isSafeInteger(x) || x < min) throw new Error(`${what} must be an integer ≥ ${min}, got ${x}`);
  return x;
}

/** Writes the training and held-out splits under opts.out (see the header for the layout). */
export function writeShapesData(opts: ShapesDataOptions): ShapesDataSummary {
  const n = count(opts.n, DEFAULT_N, "the number of training images", 1);
  const heldoutN = count(opts.heldoutN, DEFAULT_HELDOUT_N, "the number of held-out images", 0);
  const seed = count(opts.seed, 0, "the seed", 0);
  const resolution = count(opts.resolution, DEFAULT_RESOLUTION, "the resolution", 16);
  if (n >= 0x100000000 || heldoutN >= 0x100000000) throw new Error("at most 2³² − 1 images per split");
  mkdirSync(opts.out, { recursive: true });
  const train = writeSplit(opts.out, "train", n, seed, resolution);
  const heldout = writeSplit(opts.out, "heldout", heldoutN, seed, resolution);
  const meta = { world: "shapes", seed, resolution, train: n, heldout: heldoutN, heldoutCombos: HELDOUT_COMBOS };
  writeAtomic(join(opts.out, "shapes.json"), (tmp) => writeFileSync(tmp, JSON.stringify(meta, null, 2) + "\n"));
  return { out: opts.out, seed, resolution, train, heldout };
}
