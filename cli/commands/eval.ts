// `showo eval shapes [--n N]`: the shipped model (or any showo-shapes checkpoint) measured on the
// shapes world's held-out split, GenEval-style (docs/shapes.md, "Evaluation"):
//
//   text-to-image   each held-out caption generated with and without classifier-free guidance,
//                   decoded, read back by the detector (runtime/shapes/detect.ts) and matched
//                   against what the caption states, per category (match.ts)
//   understanding   greedy answers to the held-out questions, exact match per question kind
//   tokenizer       reconstruction PSNR and code usage on the held-out images
//
// Examples come from the world's generator (runtime/shapes/files.ts splitExample), so no data
// folder is needed and the N examples are those of `showo data shapes`'s held-out split.
// Writes a table to stdout and eval.json; the last line is the one-line summary.

import type { Command } from "commander";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { checkOutputFile, ensureOutputFolder, writeFileAtomic } from "../../runtime/files.ts";
import { openDevice } from "../../backends/wgsl/device.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import type { Magvit2Config } from "../../models/magvit2.ts";
import { Magvit2, magvit2DecodeGraph } from "../../models/magvit2.ts";
import type { ShowoConfig } from "../../models/showo.ts";
import { Showo, imageGrid } from "../../models/showo.ts";
import type { Device } from "../../runtime/device.ts";
import { capsOf, compile } from "../../runtime/executable.ts";
import type { Image } from "../../runtime/image.ts";
import { fromSigned, writePng } from "../../runtime/image.ts";
import { philoxNoise } from "../../runtime/sampling/noise.ts";
import type { T2IOptions } from "../../runtime/sampling/t2i.ts";
import { T2IForward, T2I_DEFAULTS, t2iRows } from "../../runtime/sampling/t2i.ts";
import { detectScene } from "../../runtime/shapes/detect.ts";
import type { SplitExample } from "../../runtime/shapes/files.ts";
import { splitExample } from "../../runtime/shapes/files.ts";
import type { MatchResult } from "../../runtime/shapes/match.ts";
import { matches } from "../../runtime/shapes/match.ts";
import { renderScene } from "../../runtime/shapes/render.ts";
import type { MmuAnswer, MmuScores, Rate, T2IScoreSet } from "../../runtime/shapes/score.ts";
import { MMU_SCORED_KINDS, fmtRate, psnr, scoreMmu, scoreT2I } from "../../runtime/shapes/score.ts";
import { QUESTION_KINDS } from "../../runtime/shapes/text.ts";
import { DEFAULT_SHOWO_MODEL, weightsFor } from "../../runtime/weights/shipped.ts";
import { MAGVIT2_KEYMAP, SHOWO_KEYMAP, loadWeights } from "../../runtime/weights/index.ts";
import { showoConfigFor } from "./forward.ts";
import { generateCodes, tokenize } from "./generate.ts";
import { answerText, encodeImages, questionPrompt, understand } from "./understand.ts";
import { magvit2ConfigFor } from "./vq.ts";

export interface EvalShapesRun {
  readonly cfg: ShowoConfig;
  readonly vq: Magvit2Config;
  readonly weights: string | Readonly<Record<string, RefTensor>>;
  readonly vqWeights: string | Readonly<Record<string, RefTensor>>;
  readonly device: Device;
  /** Held-out examples (default 200). */
  readonly n?: number;
  /** Seed of the world's held-out split (default 0, the shipped model's data seed). */
  readonly worldSeed?: number;
  /** Seed of the sampling noise (default 0). */
  readonly seed?: number;
  /** Guidance of the guided T2I run (default T2I_DEFAULTS's); the other run has none. */
  readonly guidance?: number;
  readonly steps?: number;
  /** Prompts per T2I batch and questions per MMU batch (default 25 and 64). */
  readonly batch?: number;
  readonly mmuBatch?: number;
  /** Write the generated images (guided run) here. */
  readonly imagesDir?: string;
  readonly log?: (s: string) => void;
}

export interface EvalT2IRun {
  readonly guidance: number;
  readonly scores: T2IScoreSet;
  readonly ms: number;
}

export interface EvalReport {
  readonly model: string;
  readonly vqModel: string;
  readonly n: number;
  readonly worldSeed: number;
  readonly seed: number;
  readonly steps: number;
  readonly t2i: { readonly guided: EvalT2IRun; readonly unguided: EvalT2IRun };
  readonly mmu: MmuScores & {
    readonly questions: number; readonly scoredKinds: readonly string[]; readonly ms: number;
    /** Per one-word question kind: how often each answer was given, right or wrong (what a wrong model confuses). */
    readonly given: Readonly<Record<string, Readonly<Record<string, number>>>>;
  };
  readonly tokenizer: {
    readonly psnr: number; readonly codesUsed: number; readonly codebook: number;
    /**
     * The detector on the tokenizer's reconstructions of the true images, matched against their
     * captions: what a Show-o that chose exactly the true codes would score, the ceiling of the
     * text-to-image scores with this tokenizer.
     */
    readonly reconstructed: T2IScoreSet;
  };
  /** The per-prompt results of the guided run (prompt, novel, match), for inspection. */
  readonly prompts: readonly { readonly prompt: string; readonly novel: boolean; readonly match: MatchResult }[];
}

function chunks<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/** Decodes code rows [B][N] to images, one executable per batch size. */
class Decoder {
  readonly #o: { vq: Magvit2Config; weights: Readonly<Record<string, RefTensor>>; device: Device; grid: number };
  readonly #model: Magvit2;
  constructor(o: { vq: Magvit2Config; weights: Readonly<Record<string, RefTensor>>; device: Device; grid: number }) {
    this.#o = o;
    this.#model = new Magvit2(o.vq);
  }
  async decode(codes: readonly (readonly number[])[]): Promise<Image[]> {
    const { vq, weights, device, grid } = this.#o, B = codes.length, N = grid * grid;
    const graph = magvit2DecodeGraph(vq, { batch: B, h: grid, w: grid }, this.#model);
    const exe = await compile(graph, { target: capsOf(device).target, device });
    try {
      exe.setParams(Object.fromEntries(graph.params.map((p) => [String(p.attrs["name"]), weights[String(p.attrs["name"])]!])));
      const { image } = await exe.run({ codes: tensor("i32", [B, N], codes.flat()) });
      const [, , H, W] = image!.shape as [number, number, number, number];
      return codes.map((_, b) => fromSigned(image!.data, H, W, b * 3 * H * W));
    } finally {
      exe.dispose();
    }
  }
}

async function runT2I(o: EvalShapesRun, examples: readonly SplitExample[], weights: Readonly<Record<string, RefTensor>>, decoder: Decoder, guidance: number, imagesDir?: string): Promise<{ run: EvalT2IRun; results: { prompt: string; novel: boolean; match: MatchResult }[] }> {
  const { cfg, device } = o, t0 = performance.now();
  const opts: T2IOptions = { ...T2I_DEFAULTS, steps: o.steps ?? T2I_DEFAULTS.steps, guidance };
  const forwards = new Map<number, T2IForward>();
  const results: { prompt: string; novel: boolean; match: MatchResult }[] = [];
  try {
    for (const [c, chunk] of chunks(examples, o.batch ?? 25).entries()) {
      const prompts = chunk.map((e) => e.caption.text);
      const { cond, uncond } = t2iRows(cfg, tokenize(prompts, cfg));
      const rows = guidance > 0 ? 2 * cond.length : cond.length;
      let forward = forwards.get(rows);
      if (!forward) {
        forward = await T2IForward.create(cfg, rows, weights, device, { reuse: true });
        forwards.set(rows, forward);
      }
      const noise = philoxNoise((o.seed ?? 0) + c, { steps: opts.steps, batch: cond.length, tokens: cfg.imageTokens });
      const r = await generateCodes({ cfg, weights, device, cond, uncond, opts, noise, progress: false, forward });
      const N = cfg.imageTokens;
      const images = await decoder.decode(chunk.map((_, b) => Array.from(r.codes.subarray(b * N, (b + 1) * N))));
      images.forEach((img, b) => {
        const e = chunk[b]!;
        results.push({ prompt: e.caption.text, novel: e.novel, match: matches(e.caption.spec, detectScene(img)) });
        if (imagesDir !== undefined) writePng(join(imagesDir, `${String(results.length - 1).padStart(4, "0")}.png`), img);
      });
      o.log?.(`  t2i guidance ${guidance}: ${results.length}/${examples.length} prompts`);
    }
  } finally {
    for (const f of forwards.values()) f.dispose();
  }
  return { run: { guidance, scores: scoreT2I(results), ms: performance.now() - t0 }, results };
}

/** Runs the evaluation on an open device (the caller owns it). */
export async function evalShapes(o: EvalShapesRun): Promise<EvalReport> {
  const { cfg, vq, device } = o;
  const n = o.n ?? 200, worldSeed = o.worldSeed ?? 0, grid = imageGrid(cfg);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--n must be a positive integer, got ${n}`);
  if (2 ** vq.zChannels !== cfg.codebookSize) throw new Error(`${vq.name} has ${2 ** vq.zChannels} codes; ${cfg.name} has ${cfg.codebookSize} image ids`);
  const showo = typeof o.weights === "string" ? await loadWeights(o.weights, new Showo(cfg).namedParameters(), SHOWO_KEYMAP, { config: cfg }) : o.weights;
  const vqw = typeof o.vqWeights === "string" ? await loadWeights(o.vqWeights, new Magvit2(vq).namedParameters(), MAGVIT2_KEYMAP, { config: vq }) : o.vqWeights;
  const resolution = grid * 2 ** (vq.encoderChMult.length - 1);
  const examples = Array.from({ length: n }, (_, k) => splitExample(worldSeed, "heldout", k, resolution));
  const decoder = new Decoder({ vq, weights: vqw, device, grid });

  // Tokenizer: encode the true images, decode, compare.
  const truth = examples.map((e) => renderScene(e.scene));
  const codes: number[][] = [];
  for (const c of chunks(truth, 100)) codes.push(...(await encodeImages(c, cfg, vq, vqw, device)));
  const recon: Image[] = [];
  for (const c of chunks(codes, 100)) recon.push(...(await decoder.decode(c)));
  const psnrs = truth.map((t, i) => psnr(t.data, recon[i]!.data));
  const used = new Set(codes.flat());
  const reconstructed = scoreT2I(examples.map((e, i) => ({ prompt: e.caption.text, novel: e.novel, match: matches(e.caption.spec, detectScene(recon[i]!)) })));
  const tokenizer = { psnr: psnrs.reduce((a, b) => a + b, 0) / psnrs.length, codesUsed: used.size, codebook: cfg.codebookSize, reconstructed };
  o.log?.(`  tokenizer: PSNR ${tokenizer.psnr.toFixed(2)} dB, ${used.size}/${cfg.codebookSize} codes used`);

  // Understanding: every held-out question, greedy.
  const t0 = performance.now();
  const asked = examples.flatMap((e, k) => e.questions.map((q) => ({ q, k, novel: e.novel })));
  const answers: MmuAnswer[] = [];
  const given: Record<string, Record<string, number>> = {};
  for (const caption of [false, true]) {
    const group = asked.filter((a) => (a.q.kind === "caption") === caption);
    for (const c of chunks(group, o.mmuBatch ?? 64)) {
      const r = await understand({ cfg, weights: showo, device, prompts: c.map((a) => questionPrompt(cfg, codes[a.k]!, a.q.question)), maxNewTokens: caption ? cfg.textBudget + 8 : 4 });
      r.tokens.forEach((t, i) => {
        const q = c[i]!.q, text = answerText(t, cfg).trim();
        answers.push({ kind: q.kind, novel: c[i]!.novel, correct: text === q.answer });
        if (!caption) (given[q.kind] ??= {})[text] = (given[q.kind]![text] ?? 0) + 1;
      });
    }
  }
  const mmu = { ...scoreMmu(answers), questions: answers.length, scoredKinds: MMU_SCORED_KINDS, ms: performance.now() - t0, given };
  o.log?.(`  understanding: ${answers.length} questions`);

  if (o.imagesDir !== undefined) mkdirSync(o.imagesDir, { recursive: true });
  const guidance = o.guidance ?? T2I_DEFAULTS.guidance;
  const guided = await runT2I(o, examples, showo, decoder, guidance, o.imagesDir);
  const unguided = await runT2I(o, examples, showo, decoder, 0);
  return {
    model: cfg.name, vqModel: vq.name, n, worldSeed, seed: o.seed ?? 0, steps: o.steps ?? T2I_DEFAULTS.steps,
    t2i: { guided: guided.run, unguided: unguided.run }, mmu, tokenizer, prompts: guided.results,
  };
}

const pad = (s: string, w: number) => s.padEnd(w);

/** The report as a table (and the one-line summary last). */
export function formatReport(r: EvalReport): string[] {
  const lines: string[] = [];
  const cats = ["overall", "color", "shape", "count", "position", "size", "background"] as const;
  lines.push(`${r.model} + ${r.vqModel} on ${r.n} held-out shapes examples (world seed ${r.worldSeed}, noise seed ${r.seed}, ${r.steps} steps)`);
  lines.push("");
  lines.push(`text-to-image (share of images whose detected content matches the prompt; n = prompts stating the category)`);
  lines.push(`  ${pad("run", 26)}${cats.map((c) => pad(c, 11)).join("")}`);
  const row = (label: string, s: Record<(typeof cats)[number], Rate>) => `  ${pad(label, 26)}${cats.map((c) => pad(`${fmtRate(s[c])} (${s[c].n})`, 11)).join("")}`;
  for (const run of [r.t2i.guided, r.t2i.unguided]) {
    const g = run.guidance > 0 ? `guidance ${run.guidance}` : "no guidance";
    lines.push(row(`${g}`, run.scores.all));
    lines.push(row(`  held-out pairs`, run.scores.novel));
    lines.push(row(`  seen pairs`, run.scores.familiar));
  }
  if (r.tokenizer.reconstructed) lines.push(row("ceiling (true codes)", r.tokenizer.reconstructed.all));
  lines.push("");
  lines.push(`understanding (greedy, exact match; the score counts ${r.mmu.scoredKinds.join(", ")})`);
  const top = (k: string) => {
    const g = Object.entries(r.mmu.given?.[k] ?? {}).sort((x, y) => y[1] - x[1]).slice(0, 3);
    return g.length ? `  answers given most: ${g.map(([t, c]) => `${JSON.stringify(t)} ${c}`).join(", ")}` : "";
  };
  for (const k of QUESTION_KINDS) lines.push(`  ${pad(k, 12)}${pad(fmtRate(r.mmu.byKind[k]), 6)}(${r.mmu.byKind[k].n})${k === "caption" ? "  not scored: many captions are right" : top(k)}`);
  lines.push(`  ${pad("score", 12)}${pad(fmtRate(r.mmu.overall), 6)}(${r.mmu.overall.n}); held-out pairs ${fmtRate(r.mmu.novel)} (${r.mmu.novel.n}), seen pairs ${fmtRate(r.mmu.familiar)} (${r.mmu.familiar.n})`);
  lines.push("");
  lines.push(`tokenizer: reconstruction PSNR ${r.tokenizer.psnr.toFixed(2)} dB, ${r.tokenizer.codesUsed} of ${r.tokenizer.codebook} codes used`);
  lines.push("");
  lines.push(summaryLine(r));
  return lines;
}

export function summaryLine(r: EvalReport): string {
  const s = r.t2i.guided.scores.all;
  return `eval shapes: t2i ${fmtRate(s.overall)} (color ${fmtRate(s.color)}, shape ${fmtRate(s.shape)}, count ${fmtRate(s.count)}, position ${fmtRate(s.position)}), mmu ${fmtRate(r.mmu.overall)}, psnr ${r.tokenizer.psnr.toFixed(1)} dB`;
}

/** Writes JSON atomically (temp file + rename); an infinite PSNR (a perfect reconstruction) as "Infinity". */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, (_k, v: unknown) => (v === Infinity ? "Infinity" : v), 2) + "\n");
}

function int(flag: string, min: number): (v: string) => number {
  return (v) => {
    const x = Number(v);
    if (v.trim() === "" || !Number.isSafeInteger(x) || x < min) throw new Error(`${flag} must be an integer ≥ ${min}, got '${v}'`);
    return x;
  };
}

function nonNegative(flag: string): (v: string) => number {
  return (v) => {
    const x = Number(v);
    if (v.trim() === "" || !Number.isFinite(x) || x < 0) throw new Error(`${flag} must be a number ≥ 0, got '${v}'`);
    return x;
  };
}

interface EvalFlags {
  model: string;
  weights?: string;
  vqModel?: string;
  vqWeights?: string;
  n: number;
  worldSeed: number;
  seed: number;
  guidance: number;
  steps: number;
  batch: number;
  json: string;
  images?: string;
}

export function register(program: Command): void {
  const ev = program.command("eval").description("measure a model on a benchmark");
  ev.command("shapes")
    .description("the shapes world's held-out split: text-to-image with and without guidance (detector-scored per category), understanding (exact match per question kind), tokenizer PSNR")
    .option("--model <name>", "Show-o model", DEFAULT_SHOWO_MODEL)
    .option("--weights <file>", "Show-o checkpoint (default: the shipped weights of --model)")
    .option("--vq-model <name>", "MAGVIT-v2 model (default: the model's own)")
    .option("--vq-weights <file>", "MAGVIT-v2 checkpoint (default: the shipped weights of the VQ model)")
    .option("--n <N>", "held-out examples", int("--n", 1), 200)
    .option("--world-seed <S>", "seed of the shapes world (the shipped model's data: 0)", int("--world-seed", 0), 0)
    .option("--seed <S>", "seed of the sampling noise", int("--seed", 0), 0)
    .option("--guidance <g>", "guidance of the guided text-to-image run", nonNegative("--guidance"), T2I_DEFAULTS.guidance)
    .option("--steps <T>", "text-to-image decoding steps", int("--steps", 1), T2I_DEFAULTS.steps)
    .option("--batch <B>", "prompts per text-to-image batch", int("--batch", 1), 25)
    .option("--json <file>", "where to write the report", "eval.json")
    .option("--images <dir>", "also write the guided run's images here")
    .action(async (o: EvalFlags) => {
      const cfg = showoConfigFor(o.model);
      const vq = magvit2ConfigFor(o.vqModel ?? cfg.vqModel);
      const weights = weightsFor(cfg.name, o.weights, "--weights");
      const vqWeights = weightsFor(vq.name, o.vqWeights, "--vq-weights");
      checkOutputFile(o.json, "--json");
      if (o.images !== undefined) ensureOutputFolder(o.images, "--images");
      const device = await openDevice();
      try {
        const t0 = performance.now();
        const r = await evalShapes({
          cfg, vq, weights, vqWeights, device, n: o.n, worldSeed: o.worldSeed, seed: o.seed, guidance: o.guidance, steps: o.steps, batch: o.batch,
          ...(o.images !== undefined ? { imagesDir: o.images } : {}), log: (s) => console.error(s),
        });
        writeJsonAtomic(o.json, { ...r, seconds: (performance.now() - t0) / 1000 });
        const lines = formatReport(r);
        for (const l of lines.slice(0, -1)) console.log(l);
        console.log(`(report in ${o.json}; ${((performance.now() - t0) / 1000).toFixed(0)} s)`);
        console.log(lines[lines.length - 1]);
      } finally {
        device.dispose();
      }
    });
}
