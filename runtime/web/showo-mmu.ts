// Understanding in a compiled package: the image through the package's MAGVIT-v2 encoder (the
// same image_transform as the Node CLI), the MMU prompt of models/showo-prompts.ts, then the same
// cached decode loop as the Node runtime (mmu-decode.ts's cachedDecode, which mmu.ts's
// mmuGenerate runs) over the package's prefill and decode executables, compiled for fixed
// promptLen and cacheLen.

import type { ShowoLayout } from "../../models/showo-layout.ts";
import { imageTokenIds, mmuPrompt, mmuQuestionText } from "../../models/showo-prompts.ts";
import type { Image } from "../image-data.ts";
import type { GraphRunner, SampleOptions } from "../sampling/mmu-decode.ts";
import { cachedDecode, checkSample } from "../sampling/mmu-decode.ts";
import { imageTransform } from "../sampling/image-transform.ts";
import type { GpuExecutable } from "./gpu-executable.ts";

export interface MmuExecutables {
  readonly encode: GpuExecutable;
  readonly prefill: GpuExecutable;
  readonly decode: GpuExecutable;
  /** The prefill's prompt length (prompts are right-padded to it) and the K/V cache's slots. */
  readonly promptLen: number;
  readonly cacheLen: number;
  readonly cacheNames: readonly string[];
  /** Side of the encoder's square input in pixels. */
  readonly resolution: number;
}

/** Image codes int32 [N] of a picture (resized and centre-cropped to the encoder's side). */
export async function encodeImage(exes: MmuExecutables, image: Image): Promise<number[]> {
  const R = exes.resolution;
  const pixels = imageTransform(image, R);
  const out = await exes.encode.run({ image: { dtype: "f32", shape: [1, 3, R, R], data: Float64Array.from(pixels) } });
  return Array.from(out["codes"]!.data);
}

export interface AnswerOptions {
  /** Stop after this many tokens (at most cacheLen − promptLen). */
  readonly maxNewTokens: number;
  /** Absent: greedy. */
  readonly sample?: SampleOptions;
  readonly onToken?: (token: number) => void;
}

/** The MMU prompt ids for image codes and question ids ([MMU] [SOI] image [EOI] [SOT] question). */
export function questionIds(cfg: ShowoLayout, codes: readonly number[], encode: (text: string) => number[], question: string): number[] {
  return mmuPrompt(imageTokenIds(codes, cfg), encode(mmuQuestionText(question)), cfg).ids;
}

/** Generated ids for one MMU prompt, ending with <|endoftext|> when it was reached. */
export async function answerTokens(cfg: ShowoLayout, exes: MmuExecutables, prompt: readonly number[], o: AnswerOptions): Promise<number[]> {
  if (prompt.length > exes.promptLen) throw new Error(`this question makes a prompt of ${prompt.length} ids; the package was compiled for at most ${exes.promptLen} (showo compile --mmu-prompt-len)`);
  if (o.maxNewTokens > exes.cacheLen - exes.promptLen) throw new Error(`maxNewTokens ${o.maxNewTokens}: the package's cache holds ${exes.cacheLen - exes.promptLen} new tokens (showo compile --mmu-cache-len)`);
  if (o.sample) checkSample(o.sample);
  // The package owns its executables: the loop's dispose() leaves them alone.
  const runner = (e: GpuExecutable): GraphRunner => ({ run: (inputs) => e.run(inputs), dispose: () => {} });
  const r = await cachedDecode({
    cfg, prompts: [prompt], maxNewTokens: o.maxNewTokens,
    prefill: runner(exes.prefill), decode: () => Promise.resolve(runner(exes.decode)),
    promptLen: exes.promptLen, cacheLen: exes.cacheLen, cacheNames: exes.cacheNames,
    ...(o.sample ? { sample: o.sample } : {}),
    ...(o.onToken ? { onToken: (_row: number, t: number) => o.onToken!(t) } : {}),
  });
  return r.tokens[0]!;
}

/** RGBA bytes (a canvas's ImageData) as the planar RGB Image the encoder takes. */
export function fromRgba(img: { readonly width: number; readonly height: number; readonly data: ArrayLike<number> }): Image {
  const { width, height } = img, n = width * height;
  if (img.data.length !== n * 4) throw new Error(`RGBA image ${width}×${height} needs ${n * 4} bytes, got ${img.data.length}`);
  const data = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) data[c * n + i] = img.data[i * 4 + c]!;
  return { channels: 3, width, height, data };
}
