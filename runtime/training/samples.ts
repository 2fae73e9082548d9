// Samples during training (Show-o issue #64: samples that looked collapsed because guidance was
// off): at a training step, the current Show-o weights generate one image per prompt WITH
// classifier-free guidance and answer held-out questions, and the run folder gets
//
//   samples/step-<N>.png    a grid: a caption strip ("step N · guidance S · steps K · seed X"),
//                           the images in a row with each prompt under its image, then the
//                           question/answer lines
//   samples/step-<N>.txt    one line per question: "question → answer" (only when there are questions)
//   samples/step-<N>.json   what made them: prompts, guidance, steps, seed, the sampler's other
//                           settings, the answers (text and ids), the grid's size
//
// every file written through a temporary file and a rename.
//
// The prompts file is JSON lines: {"prompt": "…"} (text-to-image) and/or {"image": "a.png",
// "question": "…"} (a held-out question; the image path relative to the file). Blank lines are
// skipped, other keys ignored, and a bad line fails as `file:line: …` (the rules of
// runtime/training/data-files.ts).
//
// The work is the CLI's: T2I is `showo generate`'s generateCodes (MaskGIT decoding on the device,
// Philox noise from the seed, the text K/V reused across steps), decoded by the MAGVIT-v2 decoder;
// questions go through `showo understand`'s encodeImages / questionPrompt / understand (greedy, KV
// cache, at most SAMPLE_MAX_NEW_TOKENS new tokens). Same weights, prompts and seed: same bytes.
//
// Grid layout (pixels): images of side S are enlarged by k = ⌈MIN_CELL / S⌉ (nearest neighbour)
// to cells of side C = k·S; width = 2·MARGIN + max(n·C + (n − 1)·GAP, MIN_TEXT_WIDTH); from the
// top: MARGIN, the caption line (LINE_H), GAP, [the cells (C), PAD_BELOW_IMAGE, PROMPT_LINES
// lines of prompt, GAP], 2 lines per question (Q:, A:), MARGIN. Text is a built-in 5×7 bitmap font
// (printable ASCII and '·'; anything else draws as '?'), LINE_H = 10 px per line, 6 px per character.

import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { encode as encodePng } from "fast-png";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import { Magvit2, downFactor, getMagvit2Config, magvit2DecodeGraph } from "../../models/magvit2.ts";
import type { Magvit2Config } from "../../models/magvit2.ts";
import { getShowoConfig, imageGrid } from "../../models/showo.ts";
import type { ShowoConfig } from "../../models/showo.ts";
import type { Device } from "../device.ts";
import { capsOf, compile } from "../executable.ts";
import type { Image } from "../image.ts";
import { fromSigned, readPng } from "../image.ts";
import { philoxNoise } from "../sampling/noise.ts";
import type { T2IOptions } from "../sampling/t2i.ts";
import { T2I_DEFAULTS, t2iRows } from "../sampling/t2i.ts";
import { MAGVIT2_KEYMAP, loadWeights } from "../weights/index.ts";
import { generateCodes, tokenize } from "../../cli/commands/generate.ts";
import { answerText, encodeImages, questionPrompt, understand } from "../../cli/commands/understand.ts";
import { writeFileAtomic } from "./checkpoint.ts";

/** New tokens per answer at most. */
export const SAMPLE_MAX_NEW_TOKENS = 16;

// ---------------------------------------------------------------------------------------------
// The prompts file

export interface SamplePrompt {
  readonly prompt: string;
  /** `file:line`. */
  readonly where: string;
}

export interface SampleQuestion {
  /** The image's resolved path, and the path as the file wrote it. */
  readonly image: string;
  readonly imageName: string;
  readonly question: string;
  readonly where: string;
}

export interface SamplePrompts {
  readonly prompts: SamplePrompt[];
  readonly questions: SampleQuestion[];
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function hasPngSignature(path: string): boolean {
  const fd = openSync(path, "r");
  try {
    const b = Buffer.alloc(8);
    return readSync(fd, b, 0, 8, 0) === 8 && PNG_SIGNATURE.every((x, i) => b[i] === x);
  } finally {
    closeSync(fd);
  }
}

function stringField(obj: Record<string, unknown>, key: string, where: string): string {
  const v = obj[key];
  if (typeof v !== "string") throw new Error(`${where}: "${key}" must be a string, got ${v === null ? "null" : Array.isArray(v) ? "an array" : typeof v}`);
  if (v.trim() === "") throw new Error(`${where}: "${key}" is empty`);
  return v;
}

const LINE_FORMS = `{"prompt": "…"} or {"image": "a.png", "question": "…"}`;

/** Reads and checks a sample prompts file (see the header); errors name `file:line`. */
export function readSamplePrompts(path: string): SamplePrompts {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`${path}: cannot read the sample prompts file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  }
  const base = dirname(resolve(path));
  const prompts: SamplePrompt[] = [], questions: SampleQuestion[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "") return;
    const where = `${path}:${i + 1}`;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new Error(`${where}: not JSON (${(e as Error).message})`, { cause: e });
    }
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error(`${where}: expected a JSON object (${LINE_FORMS}), got ${Array.isArray(v) ? "an array" : JSON.stringify(v)}`);
    const obj = v as Record<string, unknown>;
    const isPrompt = "prompt" in obj, isQuestion = "image" in obj || "question" in obj;
    if (isPrompt && isQuestion) throw new Error(`${where}: a line holds either "prompt" or "image" and "question", not both`);
    if (isPrompt) {
      prompts.push({ prompt: stringField(obj, "prompt", where), where });
    } else if (isQuestion) {
      if (!("image" in obj)) throw new Error(`${where}: missing "image" (a question line needs "image" and "question")`);
      if (!("question" in obj)) throw new Error(`${where}: missing "question" (a question line needs "image" and "question")`);
      const imageName = stringField(obj, "image", where);
      const question = stringField(obj, "question", where);
      const image = resolve(base, imageName);
      if (!existsSync(image)) throw new Error(`${where}: image "${imageName}" does not exist (${image})`);
      if (!statSync(image).isFile()) throw new Error(`${where}: image "${imageName}" is not a file (${image})`);
      if (!hasPngSignature(image)) throw new Error(`${where}: image "${imageName}" is not a PNG file (${image} lacks the PNG signature)`);
      questions.push({ image, imageName, question, where });
    } else {
      throw new Error(`${where}: expected ${LINE_FORMS}; the line has ${Object.keys(obj).length ? `only ${Object.keys(obj).map((k) => `"${k}"`).join(", ")}` : "no keys"}`);
    }
  });
  if (prompts.length + questions.length === 0) throw new Error(`${path}: no prompts or questions (every line is blank)`);
  return { prompts, questions };
}

// ---------------------------------------------------------------------------------------------
// A 5×7 bitmap font: 5 columns per glyph, bit r of a column is row r from the top.

const FONT = [
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x5f, 0x00, 0x00, 0x00, 0x07, 0x00, 0x07, 0x00, 0x14, 0x7f, 0x14, 0x7f, 0x14, // ' ' ! " #
  0x24, 0x2a, 0x7f, 0x2a, 0x12, 0x23, 0x13, 0x08, 0x64, 0x62, 0x36, 0x49, 0x55, 0x22, 0x50, 0x00, 0x05, 0x03, 0x00, 0x00, // $ % & '
  0x00, 0x1c, 0x22, 0x41, 0x00, 0x00, 0x41, 0x22, 0x1c, 0x00, 0x14, 0x08, 0x3e, 0x08, 0x14, 0x08, 0x08, 0x3e, 0x08, 0x08, // ( ) * +
  0x00, 0x50, 0x30, 0x00, 0x00, 0x08, 0x08, 0x08, 0x08, 0x08, 0x00, 0x60, 0x60, 0x00, 0x00, 0x20, 0x10, 0x08, 0x04, 0x02, // , - . /
  0x3e, 0x51, 0x49, 0x45, 0x3e, 0x00, 0x42, 0x7f, 0x40, 0x00, 0x42, 0x61, 0x51, 0x49, 0x46, 0x21, 0x41, 0x45, 0x4b, 0x31, // 0 1 2 3
  0x18, 0x14, 0x12, 0x7f, 0x10, 0x27, 0x45, 0x45, 0x45, 0x39, 0x3c, 0x4a, 0x49, 0x49, 0x30, 0x01, 0x71, 0x09, 0x05, 0x03, // 4 5 6 7
  0x36, 0x49, 0x49, 0x49, 0x36, 0x06, 0x49, 0x49, 0x29, 0x1e, 0x00, 0x36, 0x36, 0x00, 0x00, 0x00, 0x56, 0x36, 0x00, 0x00, // 8 9 : ;
  0x08, 0x14, 0x22, 0x41, 0x00, 0x14, 0x14, 0x14, 0x14, 0x14, 0x00, 0x41, 0x22, 0x14, 0x08, 0x02, 0x01, 0x51, 0x09, 0x06, // < = > ?
  0x32, 0x49, 0x79, 0x41, 0x3e, 0x7e, 0x11, 0x11, 0x11, 0x7e, 0x7f, 0x49, 0x49, 0x49, 0x36, 0x3e, 0x41, 0x41, 0x41, 0x22, // @ A B C
  0x7f, 0x41, 0x41, 0x22, 0x1c, 0x7f, 0x49, 0x49, 0x49, 0x41, 0x7f, 0x09, 0x09, 0x09, 0x01, 0x3e, 0x41, 0x49, 0x49, 0x7a, // D E F G
  0x7f, 0x08, 0x08, 0x08, 0x7f, 0x00, 0x41, 0x7f, 0x41, 0x00, 0x20, 0x40, 0x41, 0x3f, 0x01, 0x7f, 0x08, 0x14, 0x22, 0x41, // H I J K
  0x7f, 0x40, 0x40, 0x40, 0x40, 0x7f, 0x02, 0x0c, 0x02, 0x7f, 0x7f, 0x04, 0x08, 0x10, 0x7f, 0x3e, 0x41, 0x41, 0x41, 0x3e, // L M N O
  0x7f, 0x09, 0x09, 0x09, 0x06, 0x3e, 0x41, 0x51, 0x21, 0x5e, 0x7f, 0x09, 0x19, 0x29, 0x46, 0x46, 0x49, 0x49, 0x49, 0x31, // P Q R S
  0x01, 0x01, 0x7f, 0x01, 0x01, 0x3f, 0x40, 0x40, 0x40, 0x3f, 0x1f, 0x20, 0x40, 0x20, 0x1f, 0x3f, 0x40, 0x38, 0x40, 0x3f, // T U V W
  0x63, 0x14, 0x08, 0x14, 0x63, 0x07, 0x08, 0x70, 0x08, 0x07, 0x61, 0x51, 0x49, 0x45, 0x43, 0x00, 0x7f, 0x41, 0x41, 0x00, // X Y Z [
  0x02, 0x04, 0x08, 0x10, 0x20, 0x00, 0x41, 0x41, 0x7f, 0x00, 0x04, 0x02, 0x01, 0x02, 0x04, 0x40, 0x40, 0x40, 0x40, 0x40, // \ ] ^ _
  0x00, 0x01, 0x02, 0x04, 0x00, 0x20, 0x54, 0x54, 0x54, 0x78, 0x7f, 0x48, 0x44, 0x44, 0x38, 0x38, 0x44, 0x44, 0x44, 0x20, // ` a b c
  0x38, 0x44, 0x44, 0x48, 0x7f, 0x38, 0x54, 0x54, 0x54, 0x18, 0x08, 0x7e, 0x09, 0x01, 0x02, 0x0c, 0x52, 0x52, 0x52, 0x3e, // d e f g
  0x7f, 0x08, 0x04, 0x04, 0x78, 0x00, 0x44, 0x7d, 0x40, 0x00, 0x20, 0x40, 0x44, 0x3d, 0x00, 0x7f, 0x10, 0x28, 0x44, 0x00, // h i j k
  0x00, 0x41, 0x7f, 0x40, 0x00, 0x7c, 0x04, 0x18, 0x04, 0x78, 0x7c, 0x08, 0x04, 0x04, 0x78, 0x38, 0x44, 0x44, 0x44, 0x38, // l m n o
  0x7c, 0x14, 0x14, 0x14, 0x08, 0x08, 0x14, 0x14, 0x18, 0x7c, 0x7c, 0x08, 0x04, 0x04, 0x08, 0x48, 0x54, 0x54, 0x54, 0x20, // p q r s
  0x04, 0x3f, 0x44, 0x40, 0x20, 0x3c, 0x40, 0x40, 0x20, 0x7c, 0x1c, 0x20, 0x40, 0x20, 0x1c, 0x3c, 0x40, 0x30, 0x40, 0x3c, // t u v w
  0x44, 0x28, 0x10, 0x28, 0x44, 0x0c, 0x50, 0x50, 0x50, 0x3c, 0x44, 0x64, 0x54, 0x4c, 0x44, 0x00, 0x08, 0x36, 0x41, 0x00, // x y z {
  0x00, 0x00, 0x7f, 0x00, 0x00, 0x00, 0x41, 0x36, 0x08, 0x00, 0x10, 0x08, 0x08, 0x10, 0x08, // | } ~
];
const MIDDLE_DOT = [0x00, 0x00, 0x08, 0x00, 0x00];

export const GLYPH_W = 5, GLYPH_H = 7, ADVANCE = 6, LINE_H = 10;

/** The 5 column bytes of a character's glyph ('?' for characters the font lacks). */
export function glyph(ch: string): readonly number[] {
  if (ch === "·") return MIDDLE_DOT;
  let c = ch.codePointAt(0) ?? 63;
  if (c < 32 || c > 126) c = 63;
  return FONT.slice((c - 32) * 5, (c - 32) * 5 + 5);
}

type Rgb = readonly [number, number, number];

/** An RGB canvas, planar [3, H, W] in [0, 255] (runtime/image.ts's Image). */
class Canvas {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
  constructor(width: number, height: number, bg: Rgb) {
    this.width = width;
    this.height = height;
    this.data = new Float32Array(3 * width * height);
    this.fill(0, 0, width, height, bg);
  }

  fill(x0: number, y0: number, w: number, h: number, c: Rgb): void {
    const n = this.width * this.height;
    for (let y = Math.max(0, y0); y < Math.min(this.height, y0 + h); y++) {
      for (let x = Math.max(0, x0); x < Math.min(this.width, x0 + w); x++) for (let k = 0; k < 3; k++) this.data[k * n + y * this.width + x] = c[k]!;
    }
  }

  /** An image enlarged k times (nearest neighbour) with its top-left corner at (x0, y0). */
  blit(img: Image, x0: number, y0: number, k: number): void {
    const n = this.width * this.height, m = img.width * img.height;
    for (let y = 0; y < img.height * k; y++) for (let x = 0; x < img.width * k; x++) {
      const X = x0 + x, Y = y0 + y;
      if (X < 0 || Y < 0 || X >= this.width || Y >= this.height) continue;
      const src = Math.floor(y / k) * img.width + Math.floor(x / k);
      for (let c = 0; c < 3; c++) this.data[c * n + Y * this.width + X] = img.data[(img.channels === 3 ? c : 0) * m + src]!;
    }
  }

  /** One line of text with its top-left corner at (x0, y0); no clipping beyond the canvas's edges. */
  text(s: string, x0: number, y0: number, c: Rgb): void {
    const n = this.width * this.height;
    [...s].forEach((ch, i) => {
      glyph(ch).forEach((col, dx) => {
        for (let dy = 0; dy < GLYPH_H; dy++) {
          if (!((col >> dy) & 1)) continue;
          const X = x0 + i * ADVANCE + dx, Y = y0 + dy;
          if (X < 0 || Y < 0 || X >= this.width || Y >= this.height) continue;
          for (let k = 0; k < 3; k++) this.data[k * n + Y * this.width + X] = c[k]!;
        }
      });
    });
  }
}

/** Whitespace runs (newlines included) as one space, ends trimmed. */
function oneLine(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}

/** Cut to `max` characters, the last three "..." when cut. */
export function truncateText(s: string, max: number): string {
  const chars = [...s];
  if (chars.length <= max) return s;
  return max <= 3 ? chars.slice(0, max).join("") : `${chars.slice(0, max - 3).join("")}...`;
}

/** Greedy word wrap into at most `lines` lines of `max` characters; the last line truncated when text is left over. */
export function wrapText(s: string, max: number, lines: number): string[] {
  const words = oneLine(s).split(" ").filter((w) => w.length > 0);
  const out: string[] = [];
  let cur = "";
  for (let w of words) {
    while ([...w].length > max) {
      // A word longer than a line: break it.
      if (cur) {
        out.push(cur);
        cur = "";
      }
      out.push([...w].slice(0, max).join(""));
      w = [...w].slice(max).join("");
    }
    if (!cur) cur = w;
    else if ([...cur].length + 1 + [...w].length <= max) cur += ` ${w}`;
    else {
      out.push(cur);
      cur = w;
    }
  }
  if (cur) out.push(cur);
  if (out.length <= lines) return out;
  const kept = out.slice(0, lines);
  // What is left over did not fit on the last line, so the joined text is longer than a line.
  kept[lines - 1] = truncateText(`${kept[lines - 1]!} ${out.slice(lines).join(" ")}`, max);
  return kept;
}

// ---------------------------------------------------------------------------------------------
// The grid

export const MARGIN = 8, GAP = 8, PAD_BELOW_IMAGE = 4, MIN_CELL = 128, MIN_TEXT_WIDTH = 384, PROMPT_LINES = 2;

const WHITE: Rgb = [255, 255, 255], INK: Rgb = [20, 20, 20], STRIP: Rgb = [232, 232, 232], ANSWER: Rgb = [20, 60, 150];

export interface GridContent {
  readonly caption: string;
  readonly images: readonly { image: Image; prompt: string }[];
  readonly qa: readonly { question: string; answer: string }[];
}

/** The grid image (layout in the file header). */
export function drawGrid(g: GridContent): Image {
  const S = g.images[0]?.image.width ?? 0;
  const k = S > 0 ? Math.max(1, Math.ceil(MIN_CELL / S)) : 1, C = k * S, n = g.images.length;
  const rowW = n > 0 ? n * C + (n - 1) * GAP : 0;
  const inner = Math.max(rowW, MIN_TEXT_WIDTH);
  const width = 2 * MARGIN + inner;
  const imagesH = n > 0 ? C + PAD_BELOW_IMAGE + PROMPT_LINES * LINE_H + GAP : 0;
  const height = MARGIN + LINE_H + GAP + imagesH + 2 * g.qa.length * LINE_H + MARGIN;
  const cv = new Canvas(width, height, WHITE);
  cv.fill(0, 0, width, MARGIN + LINE_H + GAP / 2, STRIP);
  const cols = Math.floor(inner / ADVANCE);
  cv.text(truncateText(oneLine(g.caption), cols), MARGIN, MARGIN, INK);
  let y = MARGIN + LINE_H + GAP;
  if (n > 0) {
    const cellCols = Math.max(1, Math.floor(C / ADVANCE));
    g.images.forEach(({ image, prompt }, i) => {
      if (image.width !== S || image.height !== S) throw new Error(`drawGrid: image ${i} is ${image.height}×${image.width}, the others ${S}×${S}`);
      const x = MARGIN + i * (C + GAP);
      cv.blit(image, x, y, k);
      wrapText(prompt, cellCols, PROMPT_LINES).forEach((line, l) => cv.text(line, x, y + C + PAD_BELOW_IMAGE + l * LINE_H, INK));
    });
    y += imagesH;
  }
  for (const { question, answer } of g.qa) {
    cv.text(truncateText(`Q: ${oneLine(question)}`, cols), MARGIN, y, INK);
    cv.text(truncateText(`A: ${oneLine(answer)}`, cols), MARGIN, y + LINE_H, ANSWER);
    y += 2 * LINE_H;
  }
  return { channels: 3, height, width, data: cv.data };
}

function pngBytes(img: Image): Uint8Array {
  const n = img.width * img.height;
  const out = new Uint8Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.min(255, Math.max(0, Math.floor(img.data[c * n + i]!)));
  return encodePng({ width: img.width, height: img.height, data: out, channels: 3, depth: 8 });
}

// ---------------------------------------------------------------------------------------------
// Sampling

export interface TrainingSamplesOptions {
  readonly device: Device;
  /** Show-o config name. */
  readonly model: string;
  /** The config itself, when it is not a registered one (a training config's own sizes). */
  readonly modelConfig?: ShowoConfig;
  /** The current Show-o weights by parameter name (others, e.g. optimizer moments, are ignored). */
  readonly weights: Record<string, RefTensor>;
  /** MAGVIT-v2 config name and checkpoint path. */
  readonly vqModel: string;
  readonly vqWeights: string;
  readonly promptsFile: string;
  readonly guidance: number;
  /** MaskGIT decoding steps. */
  readonly steps: number;
  /** Philox seed of the T2I noise. */
  readonly seed: number;
  /** The training step (names the files). */
  readonly step: number;
  /** The run folder (the files go to its samples/). */
  readonly outDir: string;
}

/** Decodes codes [B, g·g] with the MAGVIT-v2 decoder on the device → B images [3, S, S] in [0, 255]. */
async function decodeCodes(device: Device, vq: Magvit2Config, weights: Readonly<Record<string, RefTensor>>, codes: Int32Array, B: number, g: number): Promise<Image[]> {
  const model = new Magvit2(vq);
  const graph = magvit2DecodeGraph(vq, { batch: B, h: g, w: g }, model);
  const exe = await compile(graph, { target: capsOf(device).target, device });
  try {
    exe.setParams(Object.fromEntries(graph.params.map((p) => {
      const name = String(p.attrs["name"]), t = weights[name];
      if (!t) throw new Error(`MAGVIT-v2 weights: no tensor '${name}'`);
      return [name, t];
    })));
    const { image } = await exe.run({ codes: tensor("i32", [B, g * g], codes) });
    const [, , H, W] = image!.shape as [number, number, number, number];
    return Array.from({ length: B }, (_, b) => fromSigned(image!.data, H, W, b * 3 * H * W));
  } finally {
    exe.dispose();
  }
}

function checkOptions(o: TrainingSamplesOptions, cfg: ShowoConfig, vq: Magvit2Config): void {
  if (!(Number.isFinite(o.guidance) && o.guidance >= 0)) throw new Error(`training samples: guidance must be a finite number ≥ 0, got ${o.guidance}`);
  if (!(Number.isInteger(o.steps) && o.steps >= 1)) throw new Error(`training samples: steps must be a positive integer, got ${o.steps}`);
  if (!(Number.isSafeInteger(o.seed) && o.seed >= 0)) throw new Error(`training samples: seed must be a non-negative integer, got ${o.seed}`);
  if (!(Number.isSafeInteger(o.step) && o.step >= 0)) throw new Error(`training samples: step must be a non-negative integer, got ${o.step}`);
  imageGrid(cfg);
  downFactor(vq);
}

/**
 * Generates the samples of one training step into `<outDir>/samples/` (see the file header) and
 * returns the grid PNG's path.
 */
export async function writeTrainingSamples(o: TrainingSamplesOptions): Promise<string> {
  const cfg = o.modelConfig ?? getShowoConfig(o.model);
  const vq = getMagvit2Config(o.vqModel);
  checkOptions(o, cfg, vq);
  const file = readSamplePrompts(o.promptsFile);
  const vqModel = new Magvit2(vq);
  const vqWeights = await loadWeights(o.vqWeights, vqModel.namedParameters(), MAGVIT2_KEYMAP, { config: vq });
  const g = imageGrid(cfg);
  const opts: T2IOptions = { ...T2I_DEFAULTS, steps: o.steps, guidance: o.guidance };

  // Text to image, guided.
  let images: Image[] = [];
  if (file.prompts.length > 0) {
    const texts = file.prompts.map((p) => p.prompt);
    const { cond, uncond } = t2iRows(cfg, tokenize(texts, cfg));
    const noise = philoxNoise(o.seed, { steps: opts.steps, batch: cond.length, tokens: cfg.imageTokens });
    const r = await generateCodes({ cfg, weights: o.weights, device: o.device, cond, uncond, opts, noise, progress: false, reuse: true });
    images = await decodeCodes(o.device, vq, vqWeights, r.codes, cond.length, g);
  }

  // Held-out questions, greedy; each distinct image encoded once.
  const answers: { text: string; tokens: number[] }[] = [];
  if (file.questions.length > 0) {
    const paths = [...new Set(file.questions.map((q) => q.image))];
    const pixels = paths.map((p) => {
      const q = file.questions.find((x) => x.image === p)!;
      try {
        return readPng(p);
      } catch (e) {
        throw new Error(`${q.where}: ${(e as Error).message}`, { cause: e });
      }
    });
    const codes = await encodeImages(pixels, cfg, vq, vqWeights, o.device);
    const prompts = file.questions.map((q) => questionPrompt(cfg, codes[paths.indexOf(q.image)]!, q.question));
    const r = await understand({ cfg, weights: o.weights, prompts, maxNewTokens: SAMPLE_MAX_NEW_TOKENS, device: o.device });
    for (const t of r.tokens) answers.push({ text: answerText(t, cfg), tokens: t });
  }

  const caption = `step ${o.step} · guidance ${o.guidance} · steps ${o.steps} · seed ${o.seed}`;
  const grid = drawGrid({
    caption,
    images: images.map((image, i) => ({ image, prompt: file.prompts[i]!.prompt })),
    qa: file.questions.map((q, i) => ({ question: q.question, answer: answers[i]!.text })),
  });

  const dir = join(o.outDir, "samples");
  mkdirSync(dir, { recursive: true });
  const stem = join(dir, `step-${o.step}`);
  const pngPath = `${stem}.png`;
  const promptsDir = dirname(resolve(o.promptsFile));
  const record = {
    step: o.step, model: cfg.name, vqModel: vq.name, promptsFile: resolve(o.promptsFile),
    guidance: o.guidance, steps: o.steps, seed: o.seed,
    temperature: opts.temperature, schedule: opts.schedule, annealing: opts.annealing, maxNewTokens: SAMPLE_MAX_NEW_TOKENS,
    image: basename(pngPath), width: grid.width, height: grid.height,
    imageSize: images[0]?.width ?? null,
    prompts: file.prompts.map((p) => p.prompt),
    questions: file.questions.map((q, i) => ({ image: relative(promptsDir, q.image) || q.imageName, question: q.question, answer: answers[i]!.text, tokens: answers[i]!.tokens })),
  };
  writeFileAtomic(`${stem}.json`, `${JSON.stringify(record, null, 2)}\n`);
  if (file.questions.length > 0) {
    writeFileAtomic(`${stem}.txt`, file.questions.map((q, i) => `${oneLine(q.question)} → ${oneLine(answers[i]!.text)}\n`).join(""));
  }
  // The PNG last: once it is there, so are the others.
  writeFileAtomic(pngPath, pngBytes(grid));
  return pngPath;
}
