// The golden fixtures made by tests/golden/reference.py (an independent float64 PyTorch program
// written from design/showo.md): the index, its arrays, the agreement check the tests use, and the
// device of the target the golden tests compile for ($SHOWO_TARGET: "wgsl", the default, or "cuda").

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { Device, Target } from "../../runtime/device.ts";
import { openDeviceFor, targetFromEnv } from "../../runtime/executable.ts";
import type { NpyArray } from "../../runtime/npy.ts";
import { npyToFloat64, readNpy } from "../../runtime/npy.ts";

export const FIXTURES = new URL("./fixtures/", import.meta.url).pathname;

export type ShowoTask = "t2i" | "mmu" | "lm";

export interface ShowoCase {
  readonly task: ShowoTask;
  /** The batch's id rows, built by reference.py per §3.2. */
  readonly ids: number[][];
  /** What the rows were built from: text ids, image ids (codes + 50305 or [MASK]), question ids, LM length. */
  readonly inputs: { text?: number[]; image?: number[]; question?: number[]; seq?: number };
  /** (batch row, position) of each full-vocabulary logits row stored in `logits`. */
  readonly positions: [number, number][];
  readonly logits: string;
  readonly mask: string;
  /** T2I: logits [B, N, 8192] at positions [image_positions) and columns [image_columns). */
  readonly image_logits?: string;
  readonly image_positions?: [number, number];
  readonly image_columns?: [number, number];
}

export interface MaskCase {
  readonly task: ShowoTask;
  readonly ids: number[][];
  readonly mask: string;
}

export interface DecodeCase {
  readonly codes: string;
  readonly pixels: string;
  readonly grid: [number, number];
}

export interface GoldenIndex {
  readonly showo: { model: string; weights: string; cases: Record<string, ShowoCase> };
  readonly masks: Record<string, MaskCase>;
  readonly magvit2: {
    model: string;
    weights: string;
    encode: { images: string; codes: string; latent: string; grid: [number, number] };
    decode: DecodeCase[];
  };
}

export function goldenIndex(): GoldenIndex {
  return JSON.parse(readFileSync(`${FIXTURES}index.json`, "utf8")) as GoldenIndex;
}

export function fixturePath(name: string): string {
  return `${FIXTURES}${name}`;
}

export function fixture(name: string): NpyArray {
  return readNpy(fixturePath(name));
}

/** A fixture's values as float64. */
export function fixtureValues(name: string): Float64Array {
  return npyToFloat64(fixture(name), name);
}

/**
 * The golden agreement: max|ours − ref| ≤ rtol·max|ref| over the whole array (max-norm relative).
 * Returns the error ratio max|ours − ref| / max|ref| for reports.
 */
export function assertMaxNormClose(ours: ArrayLike<number>, ref: ArrayLike<number>, rtol: number, what: string): number {
  assert.equal(ours.length, ref.length, `${what}: ${ours.length} values, the fixture has ${ref.length}`);
  let err = 0, scale = 0, worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i]!, d = Math.abs(ours[i]! - r);
    if (!(d <= err)) {
      err = Number.isNaN(d) ? Infinity : d;
      worst = i;
    }
    scale = Math.max(scale, Math.abs(r));
  }
  assert.ok(scale > 0, `${what}: the fixture is all zeros`);
  assert.ok(err <= rtol * scale, `${what}: max|ours − ref| = ${err.toExponential(3)} at ${worst} (ours ${ours[worst]}, ref ${ref[worst]}) > ${rtol}·max|ref| = ${(rtol * scale).toExponential(3)}`);
  return err / scale;
}

/** Full-vocabulary rows of logits [B, L, V] at (b, l) positions → [P·V]. */
export function gatherRows(logits: { shape: readonly number[]; data: ArrayLike<number> }, positions: readonly (readonly [number, number])[]): Float64Array {
  const [, L, V] = logits.shape as [number, number, number];
  const out = new Float64Array(positions.length * V);
  positions.forEach(([b, l], p) => {
    for (let v = 0; v < V; v++) out[p * V + v] = logits.data[(b * L + l) * V + v]!;
  });
  return out;
}

/** logits [B, L, V] restricted to positions [p0, p1) and columns [c0, c1) → [B·(p1−p0)·(c1−c0)]. */
export function sliceLogits(logits: { shape: readonly number[]; data: ArrayLike<number> }, [p0, p1]: readonly [number, number], [c0, c1]: readonly [number, number]): Float64Array {
  const [B, L, V] = logits.shape as [number, number, number];
  const P = p1 - p0, C = c1 - c0;
  const out = new Float64Array(B * P * C);
  for (let b = 0; b < B; b++) for (let p = 0; p < P; p++) for (let c = 0; c < C; c++) out[(b * P + p) * C + c] = logits.data[(b * L + p0 + p) * V + c0 + c]!;
  return out;
}

/** The device the golden tests compile for, or the reason there is none (the tests then skip with it). */
export interface GoldenDevice {
  readonly target: Target;
  /** "WGSL" or "CUDA", for test names and logs. */
  readonly label: string;
  /** Why the device tests skip (`if (dev.skip) t.skip(dev.skip)`): undefined when a device is open. */
  readonly skip: string | undefined;
  get(): Device;
  dispose(): void;
}

/**
 * Opens the device of $SHOWO_TARGET (default "wgsl"). On WGSL a failure to open is an error, as it
 * always was (this machine has a WebGPU adapter); on CUDA, where there is no driver or GPU, the
 * device tests skip with the reason, which is printed.
 */
export async function openGoldenDevice(): Promise<GoldenDevice> {
  const target = targetFromEnv();
  let device: Device | null = null;
  let reason = "";
  if (target === "wgsl") {
    device = await openDeviceFor("wgsl");
  } else {
    try {
      device = await openDeviceFor("cuda");
      console.log(`# golden tests on CUDA: ${device.description}`);
    } catch (e) {
      reason = `SHOWO_TARGET=cuda but no CUDA device: ${(e as Error).message}`;
      console.log(`# skipping CUDA golden tests: ${reason}`);
    }
  }
  return {
    target,
    label: target.toUpperCase(),
    skip: device ? undefined : reason,
    get(): Device {
      if (!device) throw new Error(reason);
      return device;
    },
    dispose(): void {
      device?.dispose();
      device = null;
    },
  };
}
