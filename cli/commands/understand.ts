// `showo understand`: multimodal understanding (MMU) on the WGSL backend — an image and
// questions in, answers out (design/showo.md §3.2 b, §6.1), decoded with a KV cache.
//
//   showo understand --model NAME --weights PATH --vq-weights PATH --image IN.png --question "…"
//     prints the answer, streaming tokens as they come (several --question: one batch, answers
//     printed when done). The image goes through Show-o's image_transform (shorter side → the
//     resolution, bicubic; centre crop; [−1, 1]) and MAGVIT-v2's encoder; the prompt is
//     [MMU] [SOI] codes+50305 [EOI] [SOT] tokens("USER: \n" + question + " ASSISTANT:").
//
//   showo understand --model NAME --weights PATH --ids IDS.json --max-new-tokens N --tokens-out OUT.json
//     pre-tokenized prompts, for other programs to drive:
//       IDS.json  a batch of MMU prompt rows: a JSON array of arrays of integer ids (rows may differ
//                 in length; each holds an [EOI])
//       OUT.json  the generated ids per row: a JSON array of arrays, each ending with
//                 <|endoftext|> (50256) when the row stopped there
//
// Greedy by default (Show-o's top_k = 1); --temperature/--top-k/--top-p/--seed sample instead.
// --no-cache runs Show-o's way (the whole sequence per token, one question at a time).

import type { Command } from "commander";
import { readFileSync } from "node:fs";
import { checkOutputFile, writeFileAtomic } from "../../runtime/files.ts";
import { openDevice } from "../../backends/wgsl/device.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import type { Magvit2Config } from "../../models/magvit2.ts";
import { MAGVIT2_CONFIGS, Magvit2, downFactor, magvit2EncodeGraph } from "../../models/magvit2.ts";
import type { ShowoConfig } from "../../models/showo.ts";
import { SHOWO_CONFIGS, Showo, imageGrid } from "../../models/showo.ts";
import { imageTokenIds, mmuPrompt, mmuQuestionText } from "../../models/showo-prompts.ts";
import { vocabIds } from "../../models/showo-vocab.ts";
import type { Device } from "../../runtime/device.ts";
import { capsOf, compile } from "../../runtime/executable.ts";
import type { Image } from "../../runtime/image.ts";
import { readPng } from "../../runtime/image.ts";
import { imageTransform } from "../../runtime/sampling/image-transform.ts";
import type { MmuResult, SampleOptions } from "../../runtime/sampling/mmu.ts";
import { mmuGenerate, wgslRunners } from "../../runtime/sampling/mmu.ts";
import { tokenizerFor } from "../../runtime/tokenizer/index.ts";
import { defaultVqModel } from "./generate.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { MAGVIT2_KEYMAP, SHOWO_KEYMAP, loadWeights } from "../../runtime/weights/index.ts";
import { checkIdRows, showoConfigFor } from "./forward.ts";
import { DEFAULT_SHOWO_MODEL, weightsFor } from "../../runtime/weights/shipped.ts";

function vqConfigFor(name: string): Magvit2Config {
  const c = MAGVIT2_CONFIGS[name];
  if (!c) throw new Error(`unknown VQ model '${name}' (MAGVIT-v2 models: ${Object.keys(MAGVIT2_CONFIGS).join(", ")})`);
  return c;
}

/** Image side the pair works at: √N codes per side × the tokenizer's downsampling. */
export function mmuResolution(cfg: ShowoConfig, vq: Magvit2Config): number {
  return imageGrid(cfg) * downFactor(vq);
}

/** RGB images (pixels in [0, 255]) → MAGVIT-v2 codes [B][N] through image_transform and the encoder (on the device's target: WGSL, or CUDA). */
export async function encodeImages(images: readonly Image[], cfg: ShowoConfig, vq: Magvit2Config, vqWeights: string | Readonly<Record<string, RefTensor>>, device: Device): Promise<number[][]> {
  const R = mmuResolution(cfg, vq), B = images.length;
  const model = new Magvit2(vq);
  const graph = magvit2EncodeGraph(vq, { batch: B, size: R }, model);
  const all = typeof vqWeights === "string" ? await loadWeights(vqWeights, model.namedParameters(), MAGVIT2_KEYMAP, { config: vq }) : vqWeights;
  const exe = await compile(graph, { target: capsOf(device).target, device });
  try {
    exe.setParams(Object.fromEntries(graph.params.map((p) => [String(p.attrs["name"]), all[String(p.attrs["name"])]!])));
    const pixels = new Float32Array(B * 3 * R * R);
    images.forEach((img, b) => pixels.set(imageTransform(img, R), b * 3 * R * R));
    const { codes } = await exe.run({ image: tensor("f32", [B, 3, R, R], pixels) });
    const N = cfg.imageTokens;
    return Array.from({ length: B }, (_, b) => Array.from(codes!.data.slice(b * N, (b + 1) * N)));
  } finally {
    exe.dispose();
  }
}

/** The MMU prompt for image codes and a question string. */
export function questionPrompt(cfg: ShowoConfig, codes: readonly number[], question: string): number[] {
  let ids: number[];
  try {
    ids = tokenizerFor(cfg).encode(mmuQuestionText(question));
  } catch (e) {
    throw new Error(`question ${JSON.stringify(question)}: ${(e as Error).message}`, { cause: e });
  }
  return mmuPrompt(imageTokenIds(codes, cfg), ids, cfg).ids;
}

/** Answer text: special tokens (the stop token, [PAD]) and image ids dropped, as batch_decode(skip_special_tokens=True). */
export function answerText(tokens: readonly number[], cfg: ShowoConfig): string {
  return tokenizerFor(cfg).decode(tokens, { skipSpecial: true });
}

/**
 * Streams one row's answer: prints the newly decoded text after every token, holding back an
 * incomplete UTF-8 sequence (decoded as U+FFFD) until its last byte arrives.
 */
export function textStreamer(write: (s: string) => void, cfg: ShowoConfig): { push(token: number): void; end(): void } {
  const tokens: number[] = [];
  let shown = "";
  const flush = (final: boolean) => {
    const text = answerText(tokens, cfg);
    if (!final && text.endsWith("\uFFFD")) return;
    if (text.startsWith(shown)) write(text.slice(shown.length));
    shown = text;
  };
  return {
    push(t) {
      tokens.push(t);
      flush(false);
    },
    end() {
      flush(true);
    },
  };
}

export interface UnderstandOptions {
  readonly cfg: ShowoConfig;
  readonly weights: string | Readonly<Record<string, RefTensor>>;
  readonly prompts: readonly (readonly number[])[];
  readonly maxNewTokens: number;
  /** WGSL (the CLI's) or CUDA; the caller owns it. */
  readonly device: Device;
  readonly cache?: boolean;
  readonly sample?: SampleOptions;
  readonly onToken?: (row: number, token: number, step: number) => void;
}

/** Answers for prompt rows, on the device's backend (WGSL for the CLI). */
export async function understand(o: UnderstandOptions): Promise<MmuResult> {
  const model = new Showo(o.cfg);
  const weights = typeof o.weights === "string" ? await loadWeights(o.weights, model.namedParameters(), SHOWO_KEYMAP, { config: o.cfg }) : o.weights;
  return mmuGenerate({
    cfg: o.cfg, model, prompts: o.prompts, maxNewTokens: o.maxNewTokens, runners: wgslRunners(weights, o.device),
    ...(o.cache !== undefined ? { cache: o.cache } : {}),
    ...(o.sample ? { sample: o.sample } : {}),
    ...(o.onToken ? { onToken: o.onToken } : {}),
  });
}

/** IDS.json: a non-empty JSON array of id rows; unlike `forward`, rows may differ in length. */
export function readPromptRows(path: string, vocab: number): number[][] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`${path}: cannot read a JSON array of id rows (${(e as Error).message})`, { cause: e });
  }
  if (!Array.isArray(json) || json.length === 0) throw new Error(`${path}: expected a non-empty JSON array of id rows, e.g. [[50301, 50296, 50297, 50256]]`);
  return json.map((row: unknown, b) => checkIdRows([row], vocab, `${path} row ${b}`)[0]!);
}

function intOption(v: string, name: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got '${v}'`);
  return n;
}

function numberOption(v: string, name: string): number {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got '${v}'`);
  return n;
}

interface CliOptions {
  model: string;
  weights?: string;
  vqModel?: string;
  vqWeights?: string;
  image?: string;
  question: string[];
  ids?: string;
  maxNewTokens: string;
  tokensOut?: string;
  temperature?: string;
  topK?: string;
  topP?: string;
  seed?: string;
  cache: boolean;
}

function samplingOf(o: CliOptions): SampleOptions | undefined {
  if (o.temperature === undefined && o.topK === undefined && o.topP === undefined && o.seed === undefined) return undefined;
  return {
    ...(o.temperature !== undefined ? { temperature: numberOption(o.temperature, "temperature") } : {}),
    ...(o.topK !== undefined ? { topK: intOption(o.topK, "top-k", 1) } : {}),
    ...(o.topP !== undefined ? { topP: numberOption(o.topP, "top-p") } : {}),
    ...(o.seed !== undefined ? { seed: intOption(o.seed, "seed", 0) } : {}),
  };
}

async function action(o: CliOptions): Promise<void> {
  const cfg = showoConfigFor(o.model);
  const maxNewTokens = intOption(o.maxNewTokens, "max-new-tokens", 1);
  const sample = samplingOf(o);
  const weights = weightsFor(cfg.name, o.weights, "--weights");
  if (o.tokensOut !== undefined) checkOutputFile(o.tokensOut, "--tokens-out");
  if (o.ids !== undefined && (o.image !== undefined || o.question.length > 0)) throw new Error("give either --ids or --image with --question, not both");
  const device = await openDevice();
  try {
    let prompts: number[][], questions: string[] = [];
    if (o.ids !== undefined) {
      prompts = readPromptRows(o.ids, cfg.vocab);
    } else {
      if (o.image === undefined || o.question.length === 0) throw new Error("give --image IN.png and --question \"…\" (or --ids IDS.json)");
      const vq = vqConfigFor(o.vqModel ?? defaultVqModel(cfg));
      const [codes] = await encodeImages([readPng(o.image)], cfg, vq, weightsFor(vq.name, o.vqWeights, "--vq-weights"), device);
      questions = o.question;
      prompts = questions.map((q) => questionPrompt(cfg, codes!, q));
    }
    // One row: stream its answer; several: print each when all are done.
    const stream = prompts.length === 1 && o.tokensOut === undefined ? textStreamer((s) => process.stdout.write(s), cfg) : undefined;
    const r = await understand({
      cfg, weights, prompts, maxNewTokens, device, cache: o.cache,
      ...(sample ? { sample } : {}),
      ...(stream ? { onToken: (_b: number, t: number) => stream.push(t) } : {}),
    });
    if (stream) {
      stream.end();
      process.stdout.write("\n");
    } else if (o.tokensOut === undefined) {
      r.tokens.forEach((t, b) => console.log(`${questions[b] !== undefined ? `Q: ${questions[b]}\nA: ` : `[${b}] `}${answerText(t, cfg)}`));
    }
    if (o.tokensOut !== undefined) {
      writeFileAtomic(o.tokensOut, JSON.stringify(r.tokens) + "\n");
      console.log(`wrote ${r.tokens.length} rows of generated ids to ${o.tokensOut}`);
    }
    const stopped = r.tokens.filter((t) => t[t.length - 1] === vocabIds(cfg).EOS).length;
    console.error(`${cfg.name}: ${r.generated} tokens for ${prompts.length} row(s) (${stopped} stopped at <|endoftext|>), ` +
      `${o.cache ? "KV cache" : "no cache"}, ${sample ? "sampled" : "greedy"}; compile ${r.compileMs.toFixed(0)} ms, run ${r.runMs.toFixed(0)} ms` +
      ` (${(r.generated / Math.max(r.runMs, 1e-9) * 1000).toFixed(1)} tokens/s)`);
  } finally {
    device.dispose();
  }
}

export function register(program: Command): void {
  program
    .command("understand")
    .description("multimodal understanding (WGSL, KV cache): answer questions about an image, or continue pre-tokenized MMU prompts")
    .option("--model <name>", `Show-o model (${Object.keys(SHOWO_CONFIGS).join(", ")})`, DEFAULT_SHOWO_MODEL)
    .option("--weights <file>", "Show-o safetensors checkpoint (file or folder; default: the shipped weights of --model)")
    .option("--vq-model <name>", "MAGVIT-v2 model (default: the Show-o model's own)")
    .option("--vq-weights <file>", "MAGVIT-v2 safetensors checkpoint (file or folder) to encode --image (default: the shipped weights of the VQ model)")
    .option("--image <file>", "the image (PNG)")
    .option("--question <text>", "a question about the image (repeat for a batch)", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option("--ids <file>", "pre-tokenized MMU prompts: a JSON array of id rows (lengths may differ)")
    .option("--max-new-tokens <n>", "stop after this many tokens per row", "100")
    .option("--tokens-out <file>", "write the generated ids per row as a JSON array of arrays")
    .option("--temperature <t>", "sample: divide logits by t")
    .option("--top-k <k>", "sample: keep the k most likely tokens")
    .option("--top-p <p>", "sample: keep the most likely tokens up to probability p")
    .option("--seed <n>", "sample: Philox seed (default 0)")
    .option("--no-cache", "re-run the whole sequence per token, one question at a time (Show-o's way)")
    .action(action);
}
