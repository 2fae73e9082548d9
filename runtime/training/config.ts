// The configuration of a training run: every field with its default, and the checks that make a
// bad config fail at once with the field named (before any data is read or kernel compiled).
//
// A config comes from a JSON file (`--config`), flags, or both (flags win). Paths in a file are
// relative to the file's folder. The run folder keeps the resolved config (config.json), and a
// resumed run starts from it.

import { dirname, isAbsolute, resolve } from "node:path";
import type { Magvit2Config } from "../../models/magvit2.ts";
import { MAGVIT2_CONFIGS, Magvit2, getMagvit2Config } from "../../models/magvit2.ts";
import type { ShowoConfig } from "../../models/showo.ts";
import { SHOWO_CONFIGS, checkShowoConfig, getShowoConfig } from "../../models/showo.ts";
import type { DecayFilter } from "./optim.ts";
import { DECAY_FILTERS } from "./optim.ts";

export type ModelKind = "showo" | "magvit2";

export interface TrainConfig {
  /** A registered Show-o or MAGVIT-v2 config. */
  readonly model: string;
  /**
   * The config file's own sizes over the named model's (Show-o: layers, hidden, heads, mlp,
   * imageTokens, textBudget, partialRotary; MAGVIT-v2: ch, encoderChMult, encoderBlocks,
   * decoderChMult, decoderBlocks, zChannels, groups); null: the registered sizes.
   */
  readonly sizes: Readonly<Record<string, number | readonly number[]>> | null;
  readonly steps: number;
  readonly lr: number;
  readonly warmup: number;
  readonly seed: number;
  // Data (any may be absent: its rows are then left out)
  readonly images: string | null;
  readonly text: string | null;
  readonly qa: string | null;
  /** Rows per step of each Show-o task (a task without its source gets none). */
  readonly t2iBatch: number;
  readonly lmBatch: number;
  readonly mmuBatch: number;
  /** Images per step (MAGVIT-v2). */
  readonly batch: number;
  /** Image side for MAGVIT-v2 training (default 32 for magvit2-tiny, 256 otherwise); Show-o's follows its grid. */
  readonly resolution: number | null;
  // Show-o
  readonly vqModel: string | null;
  readonly vqWeights: string | null;
  readonly t2iCoeff: number;
  readonly lmCoeff: number;
  readonly mmuCoeff: number;
  readonly condDropout: number;
  readonly selfLabelSoiEoi: boolean;
  /** Probability that a masked background image token keeps its T2I label (1: every token counts). */
  readonly backgroundKeep: number;
  // MAGVIT-v2
  readonly recon: "l1" | "l2";
  readonly commitWeight: number;
  readonly entropyWeight: number;
  readonly temperature: number;
  // Optimizer
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly decayFilter: DecayFilter;
  /** Global-norm clipping threshold; null: off. */
  readonly clip: number | null;
  // Run
  readonly initWeights: string | null;
  readonly logEvery: number;
  readonly saveEvery: number;
  readonly keepCheckpoints: number;
  readonly sampleEvery: number;
  readonly samplePrompts: string | null;
  readonly sampleGuidance: number;
  readonly sampleSteps: number;
}

export const DEFAULTS: TrainConfig = {
  model: "showo-tiny", sizes: null, steps: 100, lr: 1e-4, warmup: 0, seed: 10086,
  images: null, text: null, qa: null, t2iBatch: 8, lmBatch: 2, mmuBatch: 4, batch: 8, resolution: null,
  vqModel: null, vqWeights: null, t2iCoeff: 1.0, lmCoeff: 0.1, mmuCoeff: 1.0, condDropout: 0.1, selfLabelSoiEoi: true, backgroundKeep: 1,
  recon: "l1", commitWeight: 0.25, entropyWeight: 0.1, temperature: 0.01,
  beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, decayFilter: "default", clip: 1.0,
  initWeights: null, logEvery: 1, saveEvery: 0, keepCheckpoints: 3, sampleEvery: 0, samplePrompts: null, sampleGuidance: 1.75, sampleSteps: 16,
};

const PATH_FIELDS = new Set<keyof TrainConfig>(["images", "text", "qa", "vqWeights", "initWeights", "samplePrompts"]);

type Kind = "int" | "pos-int" | "number" | "pos-number" | "unit" | "keep" | "beta" | "bool" | "path" | "string" | "clip" | "sizes";
const FIELD_KINDS: Readonly<Record<keyof TrainConfig, Kind>> = {
  model: "string", sizes: "sizes", steps: "pos-int", lr: "pos-number", warmup: "int", seed: "int",
  images: "path", text: "path", qa: "path", t2iBatch: "int", lmBatch: "int", mmuBatch: "int", batch: "pos-int", resolution: "pos-int",
  vqModel: "string", vqWeights: "path", t2iCoeff: "number", lmCoeff: "number", mmuCoeff: "number", condDropout: "unit", selfLabelSoiEoi: "bool", backgroundKeep: "keep",
  recon: "string", commitWeight: "number", entropyWeight: "number", temperature: "pos-number",
  beta1: "beta", beta2: "beta", eps: "pos-number", weightDecay: "number", decayFilter: "string", clip: "clip",
  initWeights: "path", logEvery: "pos-int", saveEvery: "int", keepCheckpoints: "pos-int", sampleEvery: "int", samplePrompts: "path",
  sampleGuidance: "number", sampleSteps: "pos-int",
};

const SHOWO_SIZES = ["layers", "hidden", "heads", "mlp", "imageTokens", "textBudget", "partialRotary"] as const;
const MAGVIT2_SIZES = ["ch", "encoderChMult", "encoderBlocks", "decoderChMult", "decoderBlocks", "zChannels", "groups"] as const;

function withSizes<T extends { name: string }>(base: T, sizes: TrainConfig["sizes"], allowed: readonly string[], check: (c: T) => void): T {
  if (!sizes) return base;
  for (const k of Object.keys(sizes)) {
    if (!allowed.includes(k)) throw new Error(`config field 'sizes.${k}': not a size of ${base.name} (sizes: ${allowed.join(", ")})`);
  }
  const cfg = { ...base, ...sizes, name: `${base.name}+${Object.entries(sizes).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join("/") : v}`).join(",")}` } as T;
  try {
    check(cfg);
  } catch (e) {
    throw new Error(`config field 'sizes': ${(e as Error).message}`);
  }
  return cfg;
}

/** The Show-o config a training config trains: the named one with the file's own sizes over it. */
export function showoConfigOf(c: Pick<TrainConfig, "model" | "sizes">): ShowoConfig {
  return withSizes(getShowoConfig(c.model), c.sizes, SHOWO_SIZES, (x) => checkShowoConfig(x));
}

/** The MAGVIT-v2 config a training config trains. */
export function magvit2ConfigOf(c: Pick<TrainConfig, "model" | "sizes">): Magvit2Config {
  return withSizes(getMagvit2Config(c.model), c.sizes, MAGVIT2_SIZES, (x) => new Magvit2(x));
}

export function modelKind(name: string): ModelKind {
  if (SHOWO_CONFIGS[name]) return "showo";
  if (MAGVIT2_CONFIGS[name]) return "magvit2";
  throw new Error(`config field 'model': unknown model '${name}' (Show-o: ${Object.keys(SHOWO_CONFIGS).join(", ")}; MAGVIT-v2: ${Object.keys(MAGVIT2_CONFIGS).join(", ")})`);
}

function checkField(k: keyof TrainConfig, v: unknown, where: string): unknown {
  const kind = FIELD_KINDS[k];
  const bad = (want: string) => new Error(`${where}: field '${k}' must be ${want}, got ${JSON.stringify(v)}`);
  if (v === null && (kind === "path" || kind === "clip" || kind === "sizes" || k === "vqModel" || k === "resolution")) return null;
  switch (kind) {
    case "int": if (!Number.isSafeInteger(v) || (v as number) < 0) throw bad("a non-negative integer"); return v;
    case "pos-int": if (!Number.isSafeInteger(v) || (v as number) < 1) throw bad("a positive integer"); return v;
    case "number": if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw bad("a non-negative number"); return v;
    case "pos-number": if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) throw bad("a positive number"); return v;
    case "unit": if (typeof v !== "number" || !(v >= 0 && v <= 1)) throw bad("a number in [0, 1]"); return v;
    case "keep": if (typeof v !== "number" || !(v > 0 && v <= 1)) throw bad("a number in (0, 1]"); return v;
    case "beta": if (typeof v !== "number" || !(v >= 0 && v < 1)) throw bad("a number in [0, 1)"); return v;
    case "clip": if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) throw bad("a positive number or null (no clipping)"); return v;
    case "bool": if (typeof v !== "boolean") throw bad("true or false"); return v;
    case "sizes": {
      if (typeof v !== "object" || v === null || Array.isArray(v)) throw bad("an object of sizes (e.g. {\"layers\": 4, \"hidden\": 128})");
      for (const [f, x] of Object.entries(v)) {
        const ok = (n: unknown) => Number.isFinite(n) && (n as number) > 0;
        if (!(ok(x) || (Array.isArray(x) && x.length > 0 && x.every(ok)))) throw new Error(`${where}: field 'sizes.${f}' must be a positive number or a list of them, got ${JSON.stringify(x)}`);
      }
      return v;
    }
    case "path": case "string": if (typeof v !== "string" || v.length === 0) throw bad("a non-empty string"); return v;
  }
}

/**
 * Layers raw values (a parsed file, then flags) over the defaults and checks every field.
 * `fileDir`: the config file's folder, against which the file's relative paths resolve.
 */
export function resolveConfig(layers: readonly { values: Readonly<Record<string, unknown>>; where: string; dir: string }[]): TrainConfig {
  const out: Record<string, unknown> = { ...DEFAULTS };
  for (const { values, where, dir } of layers) {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) continue;
      if (!(k in FIELD_KINDS)) throw new Error(`${where}: unknown field '${k}' (fields: ${Object.keys(FIELD_KINDS).join(", ")})`);
      const key = k as keyof TrainConfig;
      const checked = checkField(key, v, where);
      out[k] = PATH_FIELDS.has(key) && typeof checked === "string" && !isAbsolute(checked) ? resolve(dir, checked) : checked;
    }
  }
  const c = out as unknown as TrainConfig;
  const kind = modelKind(c.model);
  if (kind === "showo") showoConfigOf(c);
  else magvit2ConfigOf(c);
  if (c.vqModel !== null && !MAGVIT2_CONFIGS[c.vqModel]) throw new Error(`config field 'vqModel': unknown MAGVIT-v2 model '${c.vqModel}' (${Object.keys(MAGVIT2_CONFIGS).join(", ")})`);
  if (!["l1", "l2"].includes(c.recon)) throw new Error(`config field 'recon': must be "l1" or "l2", got ${JSON.stringify(c.recon)}`);
  if (!DECAY_FILTERS.includes(c.decayFilter)) throw new Error(`config field 'decayFilter': must be one of ${DECAY_FILTERS.join(", ")}, got ${JSON.stringify(c.decayFilter)}`);
  if (c.warmup > c.steps) throw new Error(`config field 'warmup': ${c.warmup} warm-up steps exceed the run's ${c.steps} steps`);
  if (kind === "magvit2" && c.images === null) throw new Error("config field 'images': a MAGVIT-v2 run needs an image folder (--images DIR)");
  if (kind === "showo") {
    if (c.images === null && c.text === null && c.qa === null) throw new Error("config fields 'images', 'text', 'qa': a Show-o run needs at least one data source (--images, --text or --qa)");
    if ((c.images !== null || c.qa !== null) && c.vqWeights === null) throw new Error("config field 'vqWeights': image data needs the frozen MAGVIT-v2 tokenizer's weights (--vq-weights FILE)");
    const rows = (c.images ? c.t2iBatch : 0) + (c.text ? c.lmBatch : 0) + (c.qa ? c.mmuBatch : 0);
    if (rows === 0) throw new Error("config fields 't2iBatch', 'lmBatch', 'mmuBatch': every task with a data source has 0 rows");
  }
  if (c.sampleEvery > 0 && kind === "showo" && c.samplePrompts === null) throw new Error("config field 'samplePrompts': --sample-every needs --sample-prompts FILE");
  return c;
}

/** Parses a config file's JSON, naming the file on error. */
export function configFileLayer(path: string, text: string): { values: Record<string, unknown>; where: string; dir: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`config ${path}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error(`config ${path}: expected a JSON object of fields`);
  return { values: v as Record<string, unknown>, where: `config ${path}`, dir: dirname(resolve(path)) };
}
