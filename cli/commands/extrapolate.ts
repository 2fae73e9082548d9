// `showo extrapolate --model NAME --weights PATH --vq-weights PATH --image IN.png
//  --direction left|right|up|down [--direction …] [--offset K] --prompt "…" --out DIR`: grow an
// image beyond its borders (design/showo.md §6.3, no fine-tuning).
//
// With W = √N (the code grid side), each direction builds one W × W window: (W/2 + K) columns
// (or rows) of [MASK] on the new side next to the (W/2 − K) known columns (rows) nearest to it,
// generates it with the prompt, and joins it to the rest of the canvas, which grows by W/2 + K.
// Directions chain (Show-o's "***"): one prompt for all, or one per direction; step i uses seed
// + i. The final canvas (h × w codes, not square) is decoded at once: the tokenizer is
// convolutional apart from its mid-block attention, which spans the whole canvas.
//
// Show-o's "down" branch joins the generated window to the left part of the canvas instead of the
// upper part (a bug): here "down" keeps the upper part, as the other directions do.

import type { Command } from "commander";
import type { ShowoConfig } from "../../models/showo.ts";
import { SHOWO_CONFIGS, imageGrid } from "../../models/showo.ts";
import { vocabIds } from "../../models/showo-vocab.ts";
import { MAGVIT2_CONFIGS, downFactor } from "../../models/magvit2.ts";
import { writeNpy } from "../../runtime/npy.ts";
import { checkNoiseShape, philoxNoise } from "../../runtime/sampling/noise.ts";
import { T2IForward, t2iRows } from "../../runtime/sampling/t2i.ts";
import { showoConfigFor } from "./forward.ts";
import type { SamplingFlags } from "./generate.ts";
import { collect, defaultVqModel, generateCodes, parseSampling, samplingOptions, summary, tokenize, writeImages } from "./generate.ts";
import { encodeImage } from "./inpaint.ts";
import { magvit2ConfigFor } from "./vq.ts";
import { DEFAULT_SHOWO_MODEL, weightsFor } from "../../runtime/weights/shipped.ts";
import { checkOutputFile, ensureOutputFolder } from "../../runtime/files.ts";

export const DIRECTIONS = ["left", "right", "up", "down"] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** A grid of codes, row-major [h, w]. */
export interface Canvas {
  readonly h: number;
  readonly w: number;
  readonly codes: number[];
}

function sub(c: Canvas, y0: number, y1: number, x0: number, x1: number): Canvas {
  const codes: number[] = [];
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) codes.push(c.codes[y * c.w + x]!);
  return { h: y1 - y0, w: x1 - x0, codes };
}

/** Side by side (same h) or stacked (same w). */
function join2(a: Canvas, b: Canvas, axis: "x" | "y"): Canvas {
  if (axis === "y") return { h: a.h + b.h, w: a.w, codes: [...a.codes, ...b.codes] };
  const codes: number[] = [];
  for (let y = 0; y < a.h; y++) codes.push(...a.codes.slice(y * a.w, (y + 1) * a.w), ...b.codes.slice(y * b.w, (y + 1) * b.w));
  return { h: a.h, w: a.w + b.w, codes };
}

function masks(h: number, w: number): Canvas {
  return { h, w, codes: new Array<number>(h * w).fill(-1) };
}

/** The W × W window of one step: codes, and −1 where it must be generated. */
export function extrapolationWindow(canvas: Canvas, dir: Direction, W: number, offset: number): Canvas {
  const keep = W / 2 - offset, fresh = W / 2 + offset;
  const horizontal = dir === "left" || dir === "right";
  if (horizontal ? canvas.h !== W : canvas.w !== W) {
    throw new Error(`cannot extrapolate ${dir}: the canvas is ${canvas.h}×${canvas.w} codes and the window needs its ${horizontal ? "height" : "width"} to be ${W}`);
  }
  switch (dir) {
    case "left": return join2(masks(W, fresh), sub(canvas, 0, W, 0, keep), "x");
    case "right": return join2(sub(canvas, 0, W, canvas.w - keep, canvas.w), masks(W, fresh), "x");
    case "up": return join2(masks(fresh, W), sub(canvas, 0, keep, 0, W), "y");
    case "down": return join2(sub(canvas, canvas.h - keep, canvas.h, 0, W), masks(fresh, W), "y");
  }
}

/** The canvas after a step: the generated W × W window joined to the part of the canvas it did not cover. */
export function extendCanvas(canvas: Canvas, window: Canvas, dir: Direction, W: number, offset: number): Canvas {
  const keep = W / 2 - offset;
  switch (dir) {
    case "left": return join2(window, sub(canvas, 0, canvas.h, keep, canvas.w), "x");
    case "right": return join2(sub(canvas, 0, canvas.h, 0, canvas.w - keep), window, "x");
    case "up": return join2(window, sub(canvas, keep, canvas.h, 0, canvas.w), "y");
    case "down": return join2(sub(canvas, 0, canvas.h - keep, 0, canvas.w), window, "y");
  }
}

interface ExtrapolateFlags extends SamplingFlags {
  model: string;
  weights?: string;
  vqWeights?: string;
  vqModel?: string;
  image: string;
  direction: string[];
  offset: string;
  prompt: string[];
  codesOut?: string;
  out: string;
}

function checkOffset(s: string, W: number): number {
  const k = Number(s);
  if (!Number.isInteger(k) || k < 0 || k >= W / 2) throw new Error(`--offset must be an integer in [0, ${W / 2 - 1}] (W/2 + offset new and W/2 − offset known columns in a window of ${W}), got '${s}'`);
  return k;
}

async function extrapolate(o: ExtrapolateFlags): Promise<void> {
  const cfg: ShowoConfig = showoConfigFor(o.model);
  const { opts, seed } = parseSampling(o);
  const W = imageGrid(cfg);
  if (W % 2 !== 0) throw new Error(`${cfg.name}: the code grid side ${W} is odd; extrapolation splits windows in halves`);
  const offset = checkOffset(o.offset, W);
  if (o.direction.length === 0) throw new Error(`give --direction (${DIRECTIONS.join(", ")}; repeat to chain)`);
  for (const d of o.direction) if (!(DIRECTIONS as readonly string[]).includes(d)) throw new Error(`--direction must be one of ${DIRECTIONS.join(", ")}, got '${d}'`);
  if (o.prompt.length !== 1 && o.prompt.length !== o.direction.length) throw new Error(`give one --prompt, or one per --direction (${o.direction.length}); got ${o.prompt.length}`);
  if (o.codesOut !== undefined) checkOutputFile(o.codesOut, "--codes-out");
  checkNoiseShape({ steps: opts.steps, batch: 1, tokens: cfg.imageTokens });
  ensureOutputFolder(o.out, "--out");
  // The whole chain's geometry is checked before any work.
  let dims: Canvas = masks(W, W);
  for (const d of o.direction as Direction[]) dims = extendCanvas(dims, extrapolationWindow(dims, d, W, offset), d, W, offset);
  const vqModel = o.vqModel ?? defaultVqModel(cfg);
  const f = downFactor(magvit2ConfigFor(vqModel));
  const weights = weightsFor(cfg.name, o.weights, "--weights"), vqWeights = weightsFor(vqModel, o.vqWeights, "--vq-weights");
  let canvas: Canvas = { h: W, w: W, codes: [...(await encodeImage(o.image, cfg, vqModel, vqWeights))] };
  const prompts = tokenize(o.prompt, cfg);
  // One window at a time, one row (two with guidance): one compiled forward serves every window.
  const forward = await T2IForward.create(cfg, opts.guidance > 0 ? 2 : 1, weights);
  try {
    for (let i = 0; i < o.direction.length; i++) {
      const dir = o.direction[i] as Direction;
      const win = extrapolationWindow(canvas, dir, W, offset);
      const { cond, uncond } = t2iRows(cfg, [prompts[o.prompt.length === 1 ? 0 : i]!], [win.codes.map((c) => (c < 0 ? vocabIds(cfg).MASK : c + vocabIds(cfg).IMAGE_OFFSET))]);
      const r = await generateCodes({
        cfg, weights, cond, uncond, opts, progress: o.progress, label: `${dir} (${i + 1}/${o.direction.length})`, forward,
        noise: philoxNoise(seed + i, { steps: opts.steps, batch: 1, tokens: cfg.imageTokens }),
      });
      canvas = extendCanvas(canvas, { h: W, w: W, codes: [...r.codes] }, dir, W, offset);
      console.log(`${dir}: canvas ${canvas.h}×${canvas.w} codes; ${summary(cfg, r, opts)}`);
    }
  } finally {
    forward.dispose();
  }
  // The image first (decoding can still fail), then the codes: a failed run writes neither.
  const [path] = await writeImages(Int32Array.from(canvas.codes), 1, [canvas.h, canvas.w], vqModel, vqWeights, o.out, ["000.png"]);
  console.log(`wrote ${path} (${canvas.h * f}×${canvas.w * f})`);
  if (o.codesOut !== undefined) {
    writeNpy(o.codesOut, { shape: [canvas.h, canvas.w], data: Int32Array.from(canvas.codes) });
    console.log(`wrote codes int32 [${canvas.h}, ${canvas.w}] to ${o.codesOut}`);
  }
}

export function register(program: Command): void {
  samplingOptions(program
    .command("extrapolate")
    .description("extend an image beyond a border with a prompt (Show-o, no fine-tuning); directions chain")
    .option("--model <name>", `Show-o model (${Object.keys(SHOWO_CONFIGS).join(", ")})`, DEFAULT_SHOWO_MODEL)
    .option("--weights <path>", "Show-o checkpoint: a released folder or safetensors file, or ours (default: the shipped weights of --model)")
    .option("--vq-weights <path>", "MAGVIT-v2 checkpoint (folder or safetensors file; default: the shipped weights of the VQ model)")
    .option("--vq-model <name>", `MAGVIT-v2 model (${Object.keys(MAGVIT2_CONFIGS).join(", ")}; default: the Show-o model's own)`)
    .requiredOption("--image <file>", "the image (PNG)")
    .option("--direction <dir>", `${DIRECTIONS.join(" | ")} (repeat to chain)`, collect, [] as string[])
    .option("--offset <k>", "K: each window has W/2 + K new and W/2 − K known columns (rows)", "0")
    .option("--prompt <text>", "the prompt (one, or one per direction)", collect, [] as string[])
    .option("--codes-out <file>", "also write the final canvas codes as int32 [h, w] .npy")
    .requiredOption("--out <dir>", "folder for the PNG (000.png)"))
    .action(async (o: ExtrapolateFlags) => extrapolate(o));
}
