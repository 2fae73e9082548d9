// `showo generate --model NAME --weights PATH --vq-weights PATH --prompt "…" [--prompt "…"]
//  [--steps 16] [--guidance 1.75] [--seed 0] --out DIR`: text-to-image with Show-o's MaskGIT
// decoding and classifier-free guidance (design/showo.md §6.2), one PNG per prompt.
//
// For pre-tokenised input and exact checks:
//   --ids IDS.json           T2I rows as §3.2(a) lays them out (a JSON array of arrays of ids;
//                            image positions [MASK], or image ids that stay fixed), instead of --prompt
//   --uncond-ids UNCOND.json their unconditional twins (default: [T2I] BOS EOS, left-padded)
//   --noise NOISE.npy        float32 [steps, batch, N, 2] uniforms in (0, 1) instead of --seed:
//                            [..., 0] the categorical draw (inverse CDF), [..., 1] the Gumbel noise
//   --temperature T          the starting Gumbel temperature (1.0)
//   --codes-out CODES.npy    int32 [batch, N]: the final codes (then --vq-weights and --out are optional)
//   --no-reuse               the full forward of all L rows every step (default: the text block's
//                            keys and values once per generation, then only the image segment per step)
// --weights takes a released Show-o checkpoint folder or file, or ours.

import type { Command } from "commander";
import { SingleBar } from "cli-progress";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import type { ShowoConfig } from "../../models/showo.ts";
import { SHOWO_CONFIGS, imageGrid } from "../../models/showo.ts";
import { t2iUncondPrompt } from "../../models/showo-prompts.ts";
import { MAGVIT2_CONFIGS, downFactor } from "../../models/magvit2.ts";
import type { Device } from "../../runtime/device.ts";
import { fromSigned, writePng } from "../../runtime/image.ts";
import { describeNpy, writeNpy } from "../../runtime/npy.ts";
import type { SamplingNoise } from "../../runtime/sampling/noise.ts";
import { checkNoiseShape, philoxNoise, readNoise } from "../../runtime/sampling/noise.ts";
import { checkOutputFile, ensureOutputFolder } from "../../runtime/files.ts";
import type { Annealing } from "../../runtime/sampling/schedule.ts";
import { maskSchedule } from "../../runtime/sampling/schedule.ts";
import type { T2IOptions } from "../../runtime/sampling/t2i.ts";
import { T2IForward, T2I_DEFAULTS, checkT2IRow, sampleT2I, t2iRows } from "../../runtime/sampling/t2i.ts";
import type { T2IBatchLayout } from "../../runtime/sampling/t2i-graph.ts";
import { formatWork, headFlops, imageStart, layerFlops, t2iWork } from "../../runtime/sampling/t2i-graph.ts";
import { tokenizerFor } from "../../runtime/tokenizer/index.ts";
import { readIdRows, showoConfigFor } from "./forward.ts";
import { magvit2ConfigFor, vqDecode } from "./vq.ts";
import { DEFAULT_SHOWO_MODEL, weightsFor } from "../../runtime/weights/shipped.ts";

// ---------------------------------------------------------------------------------------------
// Shared by generate, inpaint and extrapolate

export interface SamplingFlags {
  steps: string;
  guidance: string;
  temperature: string;
  schedule: string;
  annealing: string;
  seed: string;
  progress: boolean;
}

/** Adds --steps, --guidance, --temperature, --schedule, --annealing, --seed, --no-progress. */
export function samplingOptions(c: Command): Command {
  return c
    .option("--steps <n>", "decoding steps T", String(T2I_DEFAULTS.steps))
    .option("--guidance <s>", "classifier-free guidance s of (1+s)·ℓ_cond − s·ℓ_uncond; 0 turns it off", String(T2I_DEFAULTS.guidance))
    .option("--temperature <t>", "starting Gumbel temperature of the confidence (annealed every step)", String(T2I_DEFAULTS.temperature))
    .option("--schedule <name>", "mask schedule: cosine, linear, powK (e.g. pow2), sigmoid", T2I_DEFAULTS.schedule)
    .option("--annealing <mode>", "temperature annealing: compounding (Show-o) or maskgit (τ₀·(1 − ratio))", T2I_DEFAULTS.annealing)
    .option("--seed <n>", "seed of the Philox noise (same seed, same image on every backend)", "0")
    .option("--no-progress", "no progress bar");
}

function num(s: string, what: string, check: (v: number) => boolean, rule: string): number {
  const v = Number(s);
  if (s.trim() === "" || !Number.isFinite(v) || !check(v)) throw new Error(`--${what} must be ${rule}, got '${s}'`);
  return v;
}

export function parseSampling(o: SamplingFlags): { opts: T2IOptions; seed: number } {
  const steps = num(o.steps, "steps", (v) => Number.isInteger(v) && v >= 1, "a positive integer");
  const guidance = num(o.guidance, "guidance", (v) => v >= 0, "a number ≥ 0");
  const temperature = num(o.temperature, "temperature", (v) => v >= 0, "a number ≥ 0");
  const seed = num(o.seed, "seed", (v) => Number.isSafeInteger(v) && v >= 0, "a non-negative integer");
  maskSchedule(o.schedule);
  if (o.annealing !== "compounding" && o.annealing !== "maskgit") throw new Error(`--annealing must be compounding or maskgit, got '${o.annealing}'`);
  return { opts: { steps, guidance, temperature, schedule: o.schedule, annealing: o.annealing as Annealing }, seed };
}

export function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

/** The MAGVIT-v2 config that goes with a Show-o config (its `vqModel`: magvit2-tiny for showo-tiny, …). */
export function defaultVqModel(cfg: ShowoConfig): string {
  return cfg.vqModel;
}

/** Tokenised prompts (the model's tokenizer: Phi-1.5 BPE with no special tokens, or showo-shapes's words). */
export function tokenize(prompts: readonly string[], cfg: ShowoConfig): number[][] {
  const tok = tokenizerFor(cfg);
  return prompts.map((p, i) => {
    try {
      return tok.encode(p);
    } catch (e) {
      throw new Error(`prompt ${i + 1} (${JSON.stringify(p)}): ${(e as Error).message}`, { cause: e });
    }
  });
}

export interface CodesRun {
  readonly cfg: ShowoConfig;
  /** A checkpoint path (a released folder or file, or ours) or the weights as tensors by parameter name. */
  readonly weights: string | Readonly<Record<string, RefTensor>>;
  /** The device to compile for (the caller owns it); default: a WGSL device opened and closed here. */
  readonly device?: Device;
  readonly cond: number[][];
  readonly uncond: number[][];
  readonly opts: T2IOptions;
  readonly noise: SamplingNoise;
  readonly progress: boolean;
  readonly label?: string;
  /** A forward compiled for this batch to reuse (extrapolation's windows); one is made and disposed otherwise. */
  readonly forward?: T2IForward;
  /** Reuse the text K/V across steps (default true); false runs the full forward every step (--no-reuse). */
  readonly reuse?: boolean;
}

export interface CodesResult {
  readonly codes: Int32Array;
  readonly compileMs: number;
  readonly forwardMs: number;
  readonly rowsPerForward: number;
  /** Whether the steps reused the text K/V (image-segment rows only) or ran the full forward. */
  readonly reuse: boolean;
  /** With reuse: the batch's padding and how much of it was dropped. */
  readonly layout?: T2IBatchLayout;
}

/** Compiles the sliced-head forward for the batch and decodes, with a progress bar over the steps on stderr. */
export async function generateCodes(r: CodesRun): Promise<CodesResult> {
  const B = r.cond.length, rows = r.opts.guidance > 0 ? 2 * B : B;
  if (r.forward && r.forward.rows !== rows) throw new Error(`internal: the forward was compiled for ${r.forward.rows} rows, this run needs ${rows}`);
  const fwd = r.forward ?? (await T2IForward.create(r.cfg, rows, r.weights, r.device, { reuse: r.reuse ?? true }));
  const ms0 = fwd.forwardMs;
  const bar = r.progress ? new SingleBar({ format: `${r.label ?? "sampling"} [{bar}] {value}/{total} steps | {masked} masked`, stream: process.stderr, hideCursor: true }) : undefined;
  try {
    bar?.start(r.opts.steps, 0, { masked: "-" });
    const codes = await sampleT2I(r.cfg, r.cond, r.uncond, r.opts, r.noise, fwd.logits, (i) => bar?.update(i.step + 1, { masked: i.masked.join(",") }));
    return { codes, compileMs: fwd.compileMs, forwardMs: fwd.forwardMs - ms0, rowsPerForward: rows, reuse: fwd.reuse, ...(fwd.layout ? { layout: fwd.layout } : {}) };
  } finally {
    bar?.stop();
    if (!r.forward) fwd.dispose();
  }
}

/** Decodes codes [B, h·w] with MAGVIT-v2 and writes one PNG per row; returns the paths. */
export async function writeImages(codes: Int32Array, B: number, grid: [number, number], vqModel: string, vqWeights: string, outDir: string, names: readonly string[]): Promise<string[]> {
  const [h, w] = grid;
  const r = await vqDecode({ dtype: "i4", shape: [B, h * w], data: codes }, { model: vqModel, weights: vqWeights, grid }, "codes");
  const [, , H, W] = r.shape as [number, number, number, number];
  mkdirSync(outDir, { recursive: true });
  return names.map((name, b) => {
    const path = join(outDir, name);
    writePng(path, fromSigned(r.image, H, W, b * 3 * H * W));
    return path;
  });
}

export function summary(cfg: ShowoConfig, r: CodesResult, opts: T2IOptions): string {
  const f = headFlops(cfg, r.rowsPerForward), l = layerFlops(cfg, r.rowsPerForward);
  const g = (x: number) => `${(x / 1e9).toFixed(x < 1e9 ? 3 : 1)} GFLOP`;
  return `${opts.steps} steps, guidance ${opts.guidance} (${r.rowsPerForward} rows per forward); compile ${r.compileMs.toFixed(0)} ms, forwards ${r.forwardMs.toFixed(0)} ms; ` +
    `LM head ${g(f.sliced)} per forward instead of ${g(f.full)} (image positions × image codes only); ` +
    (r.reuse
      ? `text K/V reused: layers ${g(l.step)} per step instead of ${g(l.full)} (image-segment rows only; text prefix ${g(l.prefix)} once)`
      : `no text K/V reuse: layers ${g(l.full)} per step`) +
    (r.layout
      ? `; left padding: ${r.layout.dropped} of every row's pads dropped, the rest ${r.layout.deadPads ? "DEAD" : "PAD"}; ${formatWork(t2iWork(cfg, r.layout.pads, opts.steps, r.layout.dropped, r.layout.deadPads))}`
      : "");
}

// ---------------------------------------------------------------------------------------------
// generate

interface GenerateFlags extends SamplingFlags {
  model: string;
  weights?: string;
  vqWeights?: string;
  vqModel?: string;
  prompt: string[];
  ids?: string;
  uncondIds?: string;
  noise?: string;
  codesOut?: string;
  out?: string;
  reuse: boolean;
}

export async function generate(o: GenerateFlags): Promise<void> {
  const cfg = showoConfigFor(o.model);
  const { opts, seed } = parseSampling(o);
  if (o.ids !== undefined && o.prompt.length > 0) throw new Error("give either --prompt or --ids, not both");
  if (o.ids === undefined && o.prompt.length === 0) throw new Error("nothing to generate: give --prompt \"…\" (repeatable) or --ids IDS.json");
  if (o.uncondIds !== undefined && o.ids === undefined) throw new Error("--uncond-ids goes with --ids");
  if (o.codesOut === undefined && o.out === undefined) throw new Error("give --out DIR to write PNGs (or --codes-out CODES.npy for the codes alone)");
  if (o.codesOut !== undefined) checkOutputFile(o.codesOut, "--codes-out");
  const vqModel = o.vqModel ?? defaultVqModel(cfg);
  const weights = weightsFor(cfg.name, o.weights, "--weights");
  const vqWeights = o.out !== undefined ? (magvit2ConfigFor(vqModel), weightsFor(vqModel, o.vqWeights, "--vq-weights")) : undefined;
  let cond: number[][], uncond: number[][];
  if (o.ids !== undefined) {
    cond = readIdRows(o.ids, cfg.vocab);
    cond.forEach((r, b) => checkT2IRow(cfg, r, `${o.ids}: row ${b}`));
    const s = imageStart(cfg);
    if (o.uncondIds !== undefined) {
      uncond = readIdRows(o.uncondIds, cfg.vocab);
      if (uncond.length !== cond.length) throw new Error(`${o.uncondIds}: ${uncond.length} rows; --ids has ${cond.length} (one twin per row)`);
      uncond.forEach((r, b) => checkT2IRow(cfg, r, `${o.uncondIds}: row ${b}`));
    } else {
      uncond = cond.map((r) => t2iUncondPrompt(cfg, r.slice(s, s + cfg.imageTokens)).ids);
    }
  } else {
    ({ cond, uncond } = t2iRows(cfg, tokenize(o.prompt, cfg)));
  }
  const shape = { steps: opts.steps, batch: cond.length, tokens: cfg.imageTokens };
  checkNoiseShape(shape);
  if (o.out !== undefined) ensureOutputFolder(o.out, "--out");
  const noise = o.noise !== undefined ? readNoise(o.noise, shape) : philoxNoise(seed, shape);
  const r = await generateCodes({ cfg, weights, cond, uncond, opts, noise, progress: o.progress, label: cfg.name, reuse: o.reuse });
  const B = cond.length;
  // Images first (decoding can still fail), then the codes: a failed run writes neither.
  if (o.out !== undefined && vqWeights !== undefined) {
    const g = imageGrid(cfg);
    const names = cond.map((_, b) => `${String(b).padStart(3, "0")}.png`);
    const paths = await writeImages(r.codes, B, [g, g], vqModel, vqWeights, o.out, names);
    const px = g * downFactor(MAGVIT2_CONFIGS[vqModel]!);
    paths.forEach((p, b) => console.log(`wrote ${p} (${px}×${px})${o.prompt[b] !== undefined ? `: ${JSON.stringify(o.prompt[b])}` : ""}`));
  }
  if (o.codesOut !== undefined) {
    writeNpy(o.codesOut, { shape: [B, cfg.imageTokens], data: r.codes });
    console.log(`wrote codes ${describeNpy({ dtype: "i4", shape: [B, cfg.imageTokens] })} to ${o.codesOut}`);
  }
  console.log(`${cfg.name}: ${summary(cfg, r, opts)}`);
}

export function register(program: Command): void {
  samplingOptions(program
    .command("generate")
    .description("text-to-image (Show-o MaskGIT decoding with classifier-free guidance, WGSL): one PNG per prompt")
    .option("--model <name>", `Show-o model (${Object.keys(SHOWO_CONFIGS).join(", ")})`, DEFAULT_SHOWO_MODEL)
    .option("--weights <path>", "Show-o checkpoint: a released folder or safetensors file, or ours (default: the shipped weights of --model)")
    .option("--vq-weights <path>", "MAGVIT-v2 checkpoint (folder or safetensors file) to decode the codes (default: the shipped weights of the VQ model)")
    .option("--vq-model <name>", `MAGVIT-v2 model (${Object.keys(MAGVIT2_CONFIGS).join(", ")}; default: the Show-o model's own)`)
    .option("--prompt <text>", "a prompt (repeat for a batch)", collect, [] as string[])
    .option("--ids <file>", "T2I id rows (JSON array of arrays, §3.2(a) layout, image positions [MASK]) instead of --prompt")
    .option("--uncond-ids <file>", "the unconditional twins of --ids (default: the empty prompt)")
    .option("--noise <file>", "float32 [steps, batch, N, 2] uniforms in (0, 1) instead of the seeded Philox noise")
    .option("--codes-out <file>", "write the final codes as int32 [batch, N] .npy")
    .option("--out <dir>", "folder for the PNGs (000.png, 001.png, …)")
    .option("--no-reuse", "run all L positions through every layer at every step (default: the text block's K/V once, then only the image segment per step)"))
    .action(async (o: GenerateFlags) => generate(o));
}
