// `showo inpaint --model NAME --weights PATH --vq-weights PATH --image IN.png --mask MASK.png
//  --prompt "…" [--prompt "…"] --out DIR`: regenerate the white part of a mask, keeping the rest
// (design/showo.md §6.3, no fine-tuning).
//
// The image goes through Show-o's image_transform (shorter side to the resolution with PIL's
// bicubic, centre crop, [−1, 1]) and MAGVIT-v2 to N codes. The mask (grey, white = regenerate)
// goes through the same geometry, then torch's bicubic interpolation down to the √N × √N code grid,
// thresholded at 0.5. Those positions start as [MASK]; the usual T2I loop runs with the prompt and
// never re-masks the known codes. One PNG per prompt (000.png, …).

import type { Command } from "commander";
import type { ShowoConfig } from "../../models/showo.ts";
import { SHOWO_CONFIGS, imageGrid } from "../../models/showo.ts";
import { vocabIds } from "../../models/showo-vocab.ts";
import { MAGVIT2_CONFIGS, downFactor } from "../../models/magvit2.ts";
import { readPng, resizeAndCrop, resizeBicubic, threshold, toGrey, toSigned } from "../../runtime/image.ts";
import { describeNpy, writeNpy } from "../../runtime/npy.ts";
import { checkNoiseShape, philoxNoise, readNoise } from "../../runtime/sampling/noise.ts";
import { t2iRows } from "../../runtime/sampling/t2i.ts";
import { showoConfigFor } from "./forward.ts";
import type { SamplingFlags } from "./generate.ts";
import { collect, defaultVqModel, generateCodes, parseSampling, samplingOptions, summary, tokenize, writeImages } from "./generate.ts";
import { magvit2ConfigFor, vqEncode } from "./vq.ts";
import { DEFAULT_SHOWO_MODEL, weightsFor } from "../../runtime/weights/shipped.ts";
import { checkOutputFile, ensureOutputFolder } from "../../runtime/files.ts";

/** An image file → its codes [N] at the model's resolution (grid × the tokenizer's factor). */
export async function encodeImage(path: string, cfg: ShowoConfig, vqModel: string, vqWeights: string): Promise<Int32Array> {
  const g = imageGrid(cfg), res = g * downFactor(magvit2ConfigFor(vqModel));
  const img = resizeAndCrop(readPng(path), res);
  const r = await vqEncode({ dtype: "f4", shape: [1, 3, res, res], data: toSigned(img) }, { model: vqModel, weights: vqWeights }, path);
  return r.codes;
}

/** A mask image → 1 where the code must be regenerated, [N] row-major over the code grid. */
export function maskToGrid(path: string, cfg: ShowoConfig, resolution: number): Uint8Array {
  const g = imageGrid(cfg);
  const m = resizeAndCrop(toGrey(readPng(path)), resolution);
  return threshold(resizeBicubic(m, g, g, "torch"), 0.5 * 255);
}

interface InpaintFlags extends SamplingFlags {
  model: string;
  weights?: string;
  vqWeights?: string;
  vqModel?: string;
  image: string;
  mask: string;
  prompt: string[];
  noise?: string;
  codesOut?: string;
  out: string;
}

async function inpaint(o: InpaintFlags): Promise<void> {
  const cfg = showoConfigFor(o.model);
  const { opts, seed } = parseSampling(o);
  if (o.prompt.length === 0) throw new Error("give --prompt \"…\" (repeatable: one image per prompt)");
  const vqModel = o.vqModel ?? defaultVqModel(cfg);
  const res = imageGrid(cfg) * downFactor(magvit2ConfigFor(vqModel));
  const hole = maskToGrid(o.mask, cfg, res);
  const holes = hole.reduce((a, b) => a + b, 0);
  if (holes === 0) throw new Error(`${o.mask}: the mask selects no code to regenerate (white = regenerate; after resizing to the ${imageGrid(cfg)}×${imageGrid(cfg)} code grid and thresholding at 0.5 nothing is left)`);
  const weights = weightsFor(cfg.name, o.weights, "--weights"), vqWeights = weightsFor(vqModel, o.vqWeights, "--vq-weights");
  if (o.codesOut !== undefined) checkOutputFile(o.codesOut, "--codes-out");
  checkNoiseShape({ steps: opts.steps, batch: o.prompt.length, tokens: cfg.imageTokens });
  ensureOutputFolder(o.out, "--out");
  const codes = await encodeImage(o.image, cfg, vqModel, vqWeights);
  const { MASK, IMAGE_OFFSET } = vocabIds(cfg);
  const image = Array.from(codes, (c, n) => (hole[n] ? MASK : c + IMAGE_OFFSET));
  const { cond, uncond } = t2iRows(cfg, tokenize(o.prompt, cfg), o.prompt.map(() => image));
  const shape = { steps: opts.steps, batch: cond.length, tokens: cfg.imageTokens };
  const noise = o.noise !== undefined ? readNoise(o.noise, shape) : philoxNoise(seed, shape);
  const r = await generateCodes({ cfg, weights, cond, uncond, opts, noise, progress: o.progress, label: "inpainting" });
  const B = cond.length;
  const g = imageGrid(cfg);
  // Images first (decoding can still fail), then the codes: a failed run writes neither.
  const paths = await writeImages(r.codes, B, [g, g], vqModel, vqWeights, o.out, cond.map((_, b) => `${String(b).padStart(3, "0")}.png`));
  paths.forEach((p, b) => console.log(`wrote ${p} (${res}×${res}, ${holes} of ${cfg.imageTokens} codes regenerated): ${JSON.stringify(o.prompt[b])}`));
  if (o.codesOut !== undefined) {
    writeNpy(o.codesOut, { shape: [B, cfg.imageTokens], data: r.codes });
    console.log(`wrote codes ${describeNpy({ dtype: "i4", shape: [B, cfg.imageTokens] })} to ${o.codesOut}`);
  }
  console.log(`${cfg.name}: ${summary(cfg, r, opts)}`);
}

export function register(program: Command): void {
  samplingOptions(program
    .command("inpaint")
    .description("regenerate the white region of a mask with a prompt (Show-o, no fine-tuning): one PNG per prompt")
    .option("--model <name>", `Show-o model (${Object.keys(SHOWO_CONFIGS).join(", ")})`, DEFAULT_SHOWO_MODEL)
    .option("--weights <path>", "Show-o checkpoint: a released folder or safetensors file, or ours (default: the shipped weights of --model)")
    .option("--vq-weights <path>", "MAGVIT-v2 checkpoint (folder or safetensors file; default: the shipped weights of the VQ model)")
    .option("--vq-model <name>", `MAGVIT-v2 model (${Object.keys(MAGVIT2_CONFIGS).join(", ")}; default: the Show-o model's own)`)
    .requiredOption("--image <file>", "the image (PNG)")
    .requiredOption("--mask <file>", "the mask (PNG, grey: white = regenerate)")
    .option("--prompt <text>", "a prompt (repeat for several images)", collect, [] as string[])
    .option("--noise <file>", "float32 [steps, batch, N, 2] uniforms in (0, 1) instead of the seeded Philox noise")
    .option("--codes-out <file>", "also write the final codes as int32 [batch, N] .npy")
    .requiredOption("--out <dir>", "folder for the PNGs (000.png, …)"))
    .action(async (o: InpaintFlags) => inpaint(o));
}
