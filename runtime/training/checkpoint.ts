// A training run on disk, and how it survives crashes.
//
//   RUN/config.json                 the resolved configuration (every field, defaults filled in)
//   RUN/metrics.csv                 one line per logged step
//   RUN/model.safetensors           the latest weights, loadable by generate, understand and vq
//   RUN/loss.png                    the loss curve, redrawn at every checkpoint
//   RUN/checkpoints/step-<N>/       model.safetensors, optimizer.safetensors (the AdamW moments
//                                   `optim.m.<p>`, `optim.v.<p>`) and state.json (format, step,
//                                   seed, the data's random counters, each file's size and SHA-256)
//
// Every file is written to a temporary name in its folder and renamed into place, and a
// checkpoint folder is assembled under a temporary name and renamed whole, so a crash at any point
// leaves the previous checkpoint and the previous weights intact. A checkpoint is read back only
// after each file's size and digest match its state.json and every value is finite; any mismatch
// is refused with the file (and tensor) named.

import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, statSync, mkdirSync, writeFileSync, openSync, fsyncSync, closeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { SafetensorsFile } from "../weights/safetensors.ts";
import type { TensorToWrite } from "../weights/safetensors-write.ts";
import { writeSafetensors } from "../weights/safetensors-write.ts";

export const CHECKPOINT_FORMAT = "showo-train-checkpoint/1";
export const MODEL_FILE = "model.safetensors";
export const OPTIMIZER_FILE = "optimizer.safetensors";
export const STATE_FILE = "state.json";

export interface CheckpointState {
  readonly format: string;
  /** Optimizer steps taken. */
  readonly step: number;
  readonly totalSteps: number;
  readonly model: string;
  readonly seed: number;
  /** The data's Philox counters: every draw of step s is keyed by (seed, s), so the step is the counter. */
  readonly rng: { readonly seed: number; readonly nextStep: number };
  readonly files: Readonly<Record<string, { readonly bytes: number; readonly sha256: string }>>;
}

export interface LoadedCheckpoint {
  readonly dir: string;
  readonly state: CheckpointState;
  readonly weights: Record<string, RefTensor>;
  readonly moments: Record<string, RefTensor>;
}

let tmpCounter = 0;
const tmpName = (path: string) => join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${tmpCounter++}`);

function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes `data` to `path` through a temporary file and a rename. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = tmpName(path);
  try {
    writeFileSync(tmp, data);
    fsyncPath(tmp);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** F32 tensors as a safetensors file, written through a temporary file and a rename. */
export async function writeTensorsAtomic(path: string, tensors: Readonly<Record<string, RefTensor>>, metadata?: Record<string, string>): Promise<void> {
  const list: TensorToWrite[] = Object.keys(tensors).sort().map((name) => {
    const t = tensors[name]!;
    if (t.dtype !== "f32") throw new Error(`writing ${path}: tensor '${name}' is ${t.dtype}; checkpoints hold f32`);
    return { name, dtype: "F32", shape: t.shape, data: t.data };
  });
  const tmp = tmpName(path);
  try {
    await writeSafetensors(tmp, list, metadata ? { metadata } : {});
    fsyncPath(tmp);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

function digest(path: string): { bytes: number; sha256: string } {
  const data = readFileSync(path);
  return { bytes: data.length, sha256: createHash("sha256").update(data).digest("hex") };
}

export const checkpointsDir = (run: string) => join(run, "checkpoints");
export const stepDirName = (step: number) => `step-${step}`;

/** The checkpoint folders of a run, oldest first (complete ones only: partial ones have temporary names). */
export function listCheckpoints(run: string): { step: number; dir: string }[] {
  const root = checkpointsDir(run);
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((name) => ({ name, m: /^step-(\d+)$/.exec(name) }))
    .filter((x) => x.m)
    .map((x) => ({ step: Number(x.m![1]), dir: join(root, x.name) }))
    .sort((a, b) => a.step - b.step);
}

/**
 * Writes checkpoint `state.step` into RUN/checkpoints/step-N (assembled under a temporary name,
 * then renamed), and removes all but the newest `keep`.
 */
export async function saveCheckpoint(run: string, state: Omit<CheckpointState, "files" | "format">, weights: Readonly<Record<string, RefTensor>>, moments: Readonly<Record<string, RefTensor>>, keep: number): Promise<string> {
  const root = checkpointsDir(run);
  mkdirSync(root, { recursive: true });
  const final = join(root, stepDirName(state.step));
  const tmp = tmpName(final);
  mkdirSync(tmp);
  try {
    await writeTensorsAtomic(join(tmp, MODEL_FILE), weights);
    await writeTensorsAtomic(join(tmp, OPTIMIZER_FILE), moments);
    const files = { [MODEL_FILE]: digest(join(tmp, MODEL_FILE)), [OPTIMIZER_FILE]: digest(join(tmp, OPTIMIZER_FILE)) };
    writeFileAtomic(join(tmp, STATE_FILE), `${JSON.stringify({ format: CHECKPOINT_FORMAT, ...state, files }, null, 2)}\n`);
    if (existsSync(final)) rmSync(final, { recursive: true, force: true }); // a re-run of the same step
    renameSync(tmp, final);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  const all = listCheckpoints(run);
  for (const old of all.slice(0, Math.max(0, all.length - Math.max(1, keep)))) rmSync(old.dir, { recursive: true, force: true });
  return final;
}

/** The checkpoint folder a --resume path names: a checkpoint folder itself, or a run's newest. */
export function resolveCheckpointDir(path: string): string {
  if (!existsSync(path)) throw new Error(`--resume ${path}: no such file or folder`);
  if (!statSync(path).isDirectory()) throw new Error(`--resume ${path}: expected a run folder or a checkpoint folder, got a file`);
  if (existsSync(join(path, STATE_FILE))) return path;
  const all = listCheckpoints(path);
  if (all.length === 0) throw new Error(`--resume ${path}: neither a checkpoint folder (no ${STATE_FILE}) nor a run folder with checkpoints (no ${join("checkpoints", "step-<N>")})`);
  return all[all.length - 1]!.dir;
}

function readState(dir: string): CheckpointState {
  const file = join(dir, STATE_FILE);
  if (!existsSync(file)) throw new Error(`checkpoint ${dir}: ${STATE_FILE} is missing`);
  let s: CheckpointState;
  try {
    s = JSON.parse(readFileSync(file, "utf8")) as CheckpointState;
  } catch (e) {
    throw new Error(`checkpoint ${dir}: ${STATE_FILE} is not valid JSON (${(e as Error).message})`);
  }
  if (s.format !== CHECKPOINT_FORMAT) throw new Error(`checkpoint ${dir}: format '${String(s.format)}', expected '${CHECKPOINT_FORMAT}'`);
  if (!Number.isInteger(s.step) || s.step < 0) throw new Error(`checkpoint ${dir}: ${STATE_FILE} has a bad step '${String(s.step)}'`);
  if (typeof s.files !== "object" || s.files === null) throw new Error(`checkpoint ${dir}: ${STATE_FILE} lists no files`);
  return s;
}

async function readTensors(path: string): Promise<Record<string, RefTensor>> {
  const f = await SafetensorsFile.open(path);
  try {
    const out: Record<string, RefTensor> = {};
    for (const e of f.header.tensors) {
      if (e.dtype !== "F32") throw new Error(`checkpoint file ${path}: tensor '${e.name}' is ${e.dtype}, expected F32`);
      const data = await f.read(e.name, "f64");
      for (let i = 0; i < data.length; i++) {
        if (!Number.isFinite(data[i]!)) throw new Error(`checkpoint file ${path}: tensor '${e.name}' holds a non-finite value (${data[i]}) at element ${i}`);
      }
      out[e.name] = { dtype: "f32", shape: [...e.shape], data };
    }
    return out;
  } finally {
    await f.close();
  }
}

/** Reads and checks a checkpoint folder (sizes, digests, finite values). */
export async function loadCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const state = readState(dir);
  for (const name of [MODEL_FILE, OPTIMIZER_FILE]) {
    const want = state.files[name];
    const path = join(dir, name);
    if (!want) throw new Error(`checkpoint ${dir}: ${STATE_FILE} does not list ${name}`);
    if (!existsSync(path)) throw new Error(`checkpoint ${dir}: ${name} is missing`);
    const got = digest(path);
    if (got.bytes !== want.bytes) throw new Error(`checkpoint ${dir}: ${name} is ${got.bytes} bytes, ${STATE_FILE} says ${want.bytes} (truncated or replaced)`);
    if (got.sha256 !== want.sha256) throw new Error(`checkpoint ${dir}: ${name} is corrupt (SHA-256 ${got.sha256.slice(0, 12)}…, ${STATE_FILE} says ${want.sha256.slice(0, 12)}…)`);
  }
  return { dir, state, weights: await readTensors(join(dir, MODEL_FILE)), moments: await readTensors(join(dir, OPTIMIZER_FILE)) };
}
