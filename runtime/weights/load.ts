// Loading a checkpoint into a model's parameters, checked in full before any data moves.
//
// `openWeights` reads the header, maps every key, and compares the result with the parameters the
// model declares: a missing parameter, an unknown tensor, a shape or dtype that does not fit, a
// tensor cut off by a truncated file, or a recomputed buffer with the wrong values are all
// collected and reported together in one CheckpointError. Only a checkpoint that passes is read,
// tensor by tensor and chunk by chunk, converted to the parameter's dtype: float64 RefTensors for
// the reference interpreter, or Float32Arrays for device uploads.
//
// Non-finite values are refused as they are read: a float tensor holding NaN or ±Inf (checked on
// its raw bits), or a value that overflows the parameter's narrower dtype (f16), is a
// CheckpointError naming the file, the tensor, the first bad element and its kind. Such weights
// used to load silently and give all-NaN logits, which sampling turned into the last code or
// token 0. `allowNonFinite` lets them through (to study a diverged run).

import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { roundTo } from "../../compiler/ir/ref.ts";
import type { DType, Shape } from "../../compiler/ir/types.ts";
import { isFloat } from "../../compiler/ir/types.ts";
import { isStFloat } from "./dtypes.ts";
import type { KeyMap, KeyTarget } from "./keymap.ts";
import type { SafetensorsHeader, TensorEntry } from "./safetensors.ts";
import { CheckpointError, SafetensorsFile, nonFiniteMessage, truncationMessage } from "./safetensors.ts";

/** A parameter as a model declares it (Module.namedParameters() entries fit). */
export interface ExpectedTensor {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: Shape;
}

export interface CheckpointFiles {
  /** The safetensors file. */
  readonly weights: string;
  /** config.json beside it, parsed, when the checkpoint is a folder that has one. */
  readonly config?: Readonly<Record<string, unknown>>;
}

/** Names a checkpoint folder's weights file may have, in the order they are looked for. */
export const WEIGHT_FILE_NAMES = ["pytorch_model.safetensors", "model.safetensors", "diffusion_pytorch_model.safetensors"];

/** A checkpoint given as a safetensors file or as a folder holding one (and config.json). */
export function resolveCheckpoint(path: string): CheckpointFiles {
  if (!existsSync(path)) throw new Error(`${path}: no such file or folder`);
  if (!statSync(path).isDirectory()) return { weights: path };
  const files = readdirSync(path);
  let name = WEIGHT_FILE_NAMES.find((f) => files.includes(f));
  if (!name) {
    const st = files.filter((f) => f.endsWith(".safetensors"));
    if (files.some((f) => f.endsWith(".safetensors.index.json"))) throw new Error(`${path}: sharded checkpoints (*.safetensors.index.json) are not supported`);
    if (st.length !== 1) throw new Error(`${path}: expected ${WEIGHT_FILE_NAMES[0]} (or one *.safetensors file) in the folder, found ${st.length ? st.join(", ") : "none"}${files.includes("pytorch_model.bin") ? "; pytorch_model.bin (pickle) is not supported, convert it to safetensors" : ""}`);
    name = st[0]!;
  }
  const cfgPath = join(path, "config.json");
  if (!existsSync(cfgPath)) return { weights: join(path, name) };
  let config: unknown;
  try {
    config = JSON.parse(readFileSync(cfgPath, "utf8"));
  } catch (e) {
    throw new Error(`${cfgPath}: not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  return { weights: join(path, name), config: config as Record<string, unknown> };
}

/** One checkpoint tensor and where it goes. */
export interface MappedTensor {
  readonly entry: TensorEntry;
  /** undefined: the key map does not know this name. */
  readonly target: KeyTarget | undefined;
}

export function mapHeader(header: SafetensorsHeader, keyMap: KeyMap): MappedTensor[] {
  return header.tensors.map((entry) => ({ entry, target: keyMap.map(entry.name) }));
}

const fmt = (shape: readonly (number | string)[]) => `[${shape.join(", ")}]`;

function concrete(p: ExpectedTensor): number[] {
  return p.shape.map((d) => {
    if (typeof d !== "number") throw new Error(`parameter '${p.name}' has a symbolic shape ${fmt(p.shape)}; weights need concrete shapes`);
    return d;
  });
}

/** The problems of loading `header` into `expected` through `keyMap` (empty: it fits). */
export function checkAgainst(header: SafetensorsHeader, expected: readonly ExpectedTensor[], keyMap: KeyMap): { problems: string[]; sources: Map<string, TensorEntry>; buffers: MappedTensor[] } {
  const problems: string[] = [];
  const want = new Map(expected.map((p) => [p.name, p]));
  const sources = new Map<string, TensorEntry>();
  const buffers: MappedTensor[] = [];
  for (const m of mapHeader(header, keyMap)) {
    const { entry: e, target } = m;
    if (!target) {
      problems.push(`unexpected tensor '${e.name}' ${e.dtype}${fmt(e.shape)}: not a ${keyMap.model} parameter`);
      continue;
    }
    if (target.kind === "ignored") continue;
    if (target.kind === "buffer") {
      if (fmt(e.shape) !== fmt(target.check.shape)) problems.push(`'${e.name}': shape ${fmt(e.shape)} in the checkpoint, expected ${fmt(target.check.shape)}`);
      else buffers.push(m);
      continue;
    }
    const p = want.get(target.name);
    if (!p) {
      problems.push(`unexpected tensor '${e.name}' ${e.dtype}${fmt(e.shape)}: maps to '${target.name}', which the model does not have`);
      continue;
    }
    const prior = sources.get(target.name);
    if (prior) {
      problems.push(`'${prior.name}' and '${e.name}' both map to '${target.name}'`);
      continue;
    }
    sources.set(target.name, e);
    const shape = concrete(p);
    if (fmt(e.shape) !== fmt(shape)) problems.push(`'${e.name}' → '${p.name}': shape ${fmt(e.shape)} in the checkpoint, the model expects ${fmt(shape)}`);
    if (isFloat(p.dtype) !== isStFloat(e.dtype)) problems.push(`'${e.name}' → '${p.name}': ${e.dtype} in the checkpoint cannot load into a ${p.dtype} parameter`);
  }
  for (const p of expected) {
    if (!sources.has(p.name)) problems.push(`missing tensor for parameter '${p.name}' ${p.dtype}${fmt(concrete(p))}`);
  }
  if (header.truncated.length > 0) problems.push(truncationMessage(header)!);
  return { problems, sources, buffers };
}

export interface LoadOptions {
  /** Load NaN and ±Inf values instead of refusing them (default false: refused). */
  readonly allowNonFinite?: boolean;
  /**
   * The config of the model the weights go into. A checkpoint of ours records the config it was
   * trained with (metadata `config`); one whose fields differ is refused, because sizes that shape
   * no tensor (GroupNorm groups, epsilons, the rotary fraction) would load and compute wrongly.
   */
  readonly config?: { readonly name: string };
}

/** What differs between the config a checkpoint records and the model's ("" when nothing, or nothing recorded). */
export function configMismatch(metadata: Readonly<Record<string, string>> | undefined, config: { readonly name: string }): string {
  const raw = metadata?.["config"];
  if (raw === undefined) return "";
  let saved: Record<string, unknown>;
  try {
    saved = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return `its metadata 'config' is not JSON (${raw.slice(0, 60)})`;
  }
  if (typeof saved !== "object" || saved === null) return `its metadata 'config' is not an object`;
  const ours = config as Readonly<Record<string, unknown>>;
  const diffs = Object.keys(saved).filter((k) => k !== "name" && k in ours && JSON.stringify(saved[k]) !== JSON.stringify(ours[k]));
  if (diffs.length === 0) return "";
  const shown = diffs.map((k) => `${k} ${JSON.stringify(saved[k])} (the model: ${JSON.stringify(ours[k])})`).join(", ");
  return `it was trained as ${String(saved["name"])}, which differs from ${config.name} in ${shown}: it would load, then compute wrongly. Register a model with the checkpoint's config (models/) and name it, or load it into the model it was trained as`;
}

/**
 * Refuses a value that became non-finite when rounded to the parameter's dtype (a finite F32 value
 * beyond f16's 65504): the source was checked finite, so this is the narrowing's overflow.
 */
function checkRounded(file: string, e: TensorEntry, p: ExpectedTensor, data: Float64Array | Float32Array): void {
  if (p.dtype !== "f16" && p.dtype !== "bf16") return;
  for (let i = 0; i < data.length; i++) {
    const x = data[i]!;
    if (Number.isFinite(x)) continue;
    throw new CheckpointError(file, [`${nonFiniteMessage(e, i, x > 0 ? "+Inf" : "-Inf")} (a finite ${e.dtype} value that overflows the ${p.dtype} parameter '${p.name}')`]);
  }
}

/** A checkpoint that fits the model, open for reading tensor by tensor. */
export class WeightsReader {
  readonly file: SafetensorsFile;
  readonly #expected: ReadonlyMap<string, ExpectedTensor>;
  readonly #sources: ReadonlyMap<string, TensorEntry>;
  /** Whether reads refuse non-finite values (LoadOptions.allowNonFinite unset). */
  readonly #finite: boolean;

  constructor(file: SafetensorsFile, expected: readonly ExpectedTensor[], sources: ReadonlyMap<string, TensorEntry>, opts: LoadOptions = {}) {
    this.file = file;
    this.#expected = new Map(expected.map((p) => [p.name, p]));
    this.#sources = sources;
    this.#finite = opts.allowNonFinite !== true;
  }

  /** Our parameter names, in the model's order. */
  get names(): string[] {
    return [...this.#expected.keys()];
  }

  /** The checkpoint tensor behind a parameter. */
  source(name: string): TensorEntry {
    const e = this.#sources.get(name);
    if (!e) throw new Error(`no parameter '${name}' in this model`);
    return e;
  }

  /** A parameter as a RefTensor of its dtype (values rounded to it). */
  async read(name: string): Promise<RefTensor> {
    const p = this.#expected.get(name)!;
    const e = this.source(name);
    const data = await this.file.read(e.name, "f64", { round: (x) => roundTo(p.dtype, x), finite: this.#finite });
    if (this.#finite) checkRounded(this.file.header.file, e, p, data);
    return { dtype: p.dtype, shape: [...e.shape], data };
  }

  /** A parameter as float32 values rounded to its dtype, for device uploads. */
  async readF32(name: string): Promise<Float32Array> {
    const p = this.#expected.get(name)!;
    const e = this.source(name);
    const data = await this.file.read(e.name, "f32", { round: (x) => roundTo(p.dtype, x), finite: this.#finite });
    if (this.#finite) checkRounded(this.file.header.file, e, p, data);
    return data;
  }

  async readAll(): Promise<Record<string, RefTensor>> {
    const out: Record<string, RefTensor> = {};
    for (const n of this.names) out[n] = await this.read(n);
    return out;
  }

  async close(): Promise<void> {
    await this.file.close();
  }
}

/**
 * Open a checkpoint (file or folder) for a model's parameters. Throws CheckpointError listing
 * every problem, before any tensor data is read (except the few small recomputed buffers, whose
 * values are checked here). Non-finite values are refused as each tensor is read (LoadOptions).
 */
export async function openWeights(path: string, expected: readonly ExpectedTensor[], keyMap: KeyMap, opts: LoadOptions = {}): Promise<WeightsReader> {
  const { weights } = resolveCheckpoint(path);
  const file = await SafetensorsFile.open(weights);
  try {
    const mismatch = opts.config ? configMismatch(file.header.metadata, opts.config) : "";
    if (mismatch) throw new CheckpointError(weights, [mismatch]);
    const { problems, sources, buffers } = checkAgainst(file.header, expected, keyMap);
    if (problems.length === 0) {
      for (const b of buffers) {
        if (b.target?.kind !== "buffer") continue;
        const bad = b.target.check.values(await file.read(b.entry.name, "f64", { finite: opts.allowNonFinite !== true }));
        if (bad !== undefined) problems.push(`'${b.entry.name}' (${b.target.reason}): ${bad}`);
      }
    }
    if (problems.length > 0) throw new CheckpointError(weights, problems);
    return new WeightsReader(file, expected, sources, opts);
  } catch (e) {
    await file.close();
    throw e;
  }
}

/** Every parameter of a model from a checkpoint, as RefTensors keyed by our names. */
export async function loadWeights(path: string, expected: readonly ExpectedTensor[], keyMap: KeyMap, opts: LoadOptions = {}): Promise<Record<string, RefTensor>> {
  const r = await openWeights(path, expected, keyMap, opts);
  try {
    return await r.readAll();
  } finally {
    await r.close();
  }
}
