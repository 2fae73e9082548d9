// `showo vq encode|decode --model NAME --weights FILE --in X.npy --out Y.npy [--grid HxW]`:
// the MAGVIT-v2 image tokenizer on the WGSL backend, for other programs to drive and compare.
//
//   encode  X: images float32 [B, 3, H, W] (NCHW) in [−1, 1], H and W multiples of the
//           downsampling factor (16 for magvit2, 4 for magvit2-tiny)
//           → Y: codes int32 [B, h·w], h = H/f, w = W/f, row-major over the grid (index y·w + x)
//   decode  X: codes int32 (or int64) [B, N] in [0, 8192)
//           → Y: images float32 [B, 3, f·h, f·w]; h = w = √N unless --grid HxW is given
//
// Weights are a safetensors checkpoint (file or folder) with MAGVIT-v2's key names (`encoder.*`,
// `decoder.*`; the LFQ buffers `quantize.*` are checked when present).

import type { Command } from "commander";
import type { Tensor } from "../../compiler/dsl/tensor.ts";
import { trace } from "../../compiler/dsl/trace.ts";
import type { Graph } from "../../compiler/ir/graph.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import type { Magvit2Config } from "../../models/magvit2.ts";
import { MAGVIT2_CONFIGS, Magvit2, downFactor, lfqEncode, magvit2DecodeGraph } from "../../models/magvit2.ts";
import { compile } from "../../runtime/executable.ts";
import type { NpyArray } from "../../runtime/npy.ts";
import { describeNpy, npyToFloat64, readNpy, writeNpy } from "../../runtime/npy.ts";
import { MAGVIT2_KEYMAP, loadWeights } from "../../runtime/weights/index.ts";
import { weightsFor } from "../../runtime/weights/shipped.ts";
import { checkOutputFile } from "../../runtime/files.ts";

export function magvit2ConfigFor(name: string): Magvit2Config {
  const cfg = MAGVIT2_CONFIGS[name];
  if (!cfg) throw new Error(`unknown model '${name}' (MAGVIT-v2 models: ${Object.keys(MAGVIT2_CONFIGS).join(", ")})`);
  return cfg;
}

/** Encoding traced for any H × W (multiples of the factor): image f32[B, 3, H, W] → codes i32[B, h·w]. */
function encodeGraph(cfg: Magvit2Config, B: number, H: number, W: number, model: Magvit2): Graph {
  const inputs = { image: { dtype: "f32" as const, shape: [B, cfg.inChannels, H, W] } };
  return trace(`${cfg.name}-encode`, inputs, (t: Record<string, Tensor>) => ({ codes: lfqEncode(model.encoder.forward(t["image"]!)) }));
}

/** Parse "HxW" (or "H×W"). */
export function parseGrid(s: string): [number, number] {
  const m = /^(\d+)\s*[x×,]\s*(\d+)$/.exec(s.trim());
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new Error(`--grid takes HxW with positive integers (e.g. 16x16), got '${s}'`);
  return [Number(m[1]), Number(m[2])];
}

/** Checks images float [B, C, H, W] in [−1, 1] with H, W multiples of the factor. */
export function checkImages(x: NpyArray, cfg: Magvit2Config, what: string): { B: number; H: number; W: number; data: Float64Array } {
  if (!["f2", "f4", "f8"].includes(x.dtype)) throw new Error(`${what}: images must be float32 [B, ${cfg.inChannels}, H, W] in [−1, 1]; got ${describeNpy(x)}`);
  if (x.shape.length !== 4 || x.shape[1] !== cfg.inChannels) throw new Error(`${what}: images must be NCHW [B, ${cfg.inChannels}, H, W]; got ${describeNpy(x)}`);
  const [B, , H, W] = x.shape as [number, number, number, number];
  const f = downFactor(cfg);
  if (B < 1 || H < f || W < f || H % f !== 0 || W % f !== 0) throw new Error(`${what}: ${cfg.name} needs B ≥ 1 and H, W positive multiples of ${f}; got ${describeNpy(x)}`);
  const data = npyToFloat64(x, what);
  const bad = data.findIndex((v) => !(v >= -1 && v <= 1));
  if (bad >= 0) throw new Error(`${what}: value ${data[bad]} at flat index ${bad} is outside [−1, 1] (images are RGB scaled to [−1, 1]: (x/255 − 0.5)/0.5)`);
  return { B, H, W, data };
}

/** Checks codes int [B, N] in [0, 2^z) and the grid they form. */
export function checkCodes(x: NpyArray, cfg: Magvit2Config, grid: [number, number] | undefined, what: string): { B: number; h: number; w: number; data: Float64Array } {
  if (!["i4", "i8", "i2", "u2", "u4"].includes(x.dtype)) throw new Error(`${what}: codes must be int32 [B, N]; got ${describeNpy(x)}`);
  if (x.shape.length !== 2 || x.shape[0]! < 1 || x.shape[1]! < 1) throw new Error(`${what}: codes must be a non-empty 2-D array [B, N]; got ${describeNpy(x)}`);
  const [B, N] = x.shape as [number, number];
  let h: number, w: number;
  if (grid) {
    [h, w] = grid;
    if (h * w !== N) throw new Error(`${what}: --grid ${h}x${w} holds ${h * w} codes, the rows have ${N}`);
  } else {
    h = w = Math.round(Math.sqrt(N));
    if (h * w !== N) throw new Error(`${what}: ${N} codes per row do not form a square grid; pass --grid HxW`);
  }
  const data = npyToFloat64(x, what);
  const n = 2 ** cfg.zChannels;
  const bad = data.findIndex((v) => !(v >= 0 && v < n));
  if (bad >= 0) throw new Error(`${what}: code ${data[bad]} at [${Math.floor(bad / N)}, ${bad % N}] is outside the codebook [0, ${n})`);
  return { B, h, w, data };
}

async function runGraph(graph: Graph, model: Magvit2, weightsPath: string, inputs: Record<string, RefTensor>): Promise<Record<string, RefTensor>> {
  const all = await loadWeights(weightsPath, model.namedParameters(), MAGVIT2_KEYMAP, { config: model.cfg });
  const exe = await compile(graph, { target: "wgsl" });
  try {
    // The graph reads only the encoder's or the decoder's half.
    exe.setParams(Object.fromEntries(graph.params.map((p) => [String(p.attrs["name"]), all[String(p.attrs["name"])]!])));
    return await exe.run(inputs);
  } finally {
    exe.dispose();
  }
}

export interface VqOptions {
  readonly model: string;
  readonly weights: string;
  readonly grid?: [number, number];
}

/** images [B, 3, H, W] → codes int32 [B, h·w]. */
export async function vqEncode(x: NpyArray, o: VqOptions, what = "input"): Promise<{ shape: [number, number]; codes: Int32Array }> {
  const cfg = magvit2ConfigFor(o.model);
  const { B, H, W, data } = checkImages(x, cfg, what);
  const model = new Magvit2(cfg);
  const out = await runGraph(encodeGraph(cfg, B, H, W, model), model, o.weights, { image: tensor("f32", [B, cfg.inChannels, H, W], data) });
  const codes = out["codes"]!;
  return { shape: [codes.shape[0]!, codes.shape[1]!], codes: Int32Array.from(codes.data) };
}

/** codes [B, h·w] → images float32 [B, 3, f·h, f·w]. */
export async function vqDecode(x: NpyArray, o: VqOptions, what = "input"): Promise<{ shape: number[]; image: Float32Array }> {
  const cfg = magvit2ConfigFor(o.model);
  const { B, h, w, data } = checkCodes(x, cfg, o.grid, what);
  const model = new Magvit2(cfg);
  const out = await runGraph(magvit2DecodeGraph(cfg, { batch: B, h, w }, model), model, o.weights, { codes: tensor("i32", [B, h * w], data) });
  const image = out["image"]!;
  return { shape: [...image.shape], image: Float32Array.from(image.data) };
}

export function register(program: Command): void {
  const vq = program.command("vq").description("the MAGVIT-v2 image tokenizer (WGSL): encode images to codes, decode codes to images, as .npy files");
  const common = (c: Command) => c
    .option("--model <name>", `MAGVIT-v2 model (${Object.keys(MAGVIT2_CONFIGS).join(", ")})`, "magvit2-shapes")
    .option("--weights <file>", "safetensors checkpoint (file or folder) with MAGVIT-v2's key names (default: the shipped weights of --model)")
    .requiredOption("--in <file>", "input .npy")
    .requiredOption("--out <file>", "output .npy");
  common(vq.command("encode").description("images float32 [B, 3, H, W] in [−1, 1] → codes int32 [B, h·w] (row-major over the code grid)"))
    .action(async (o: { model: string; weights?: string; in: string; out: string }) => {
      magvit2ConfigFor(o.model);
      checkOutputFile(o.out, "--out");
      const r = await vqEncode(readNpy(o.in), { model: o.model, weights: weightsFor(o.model, o.weights, "--weights") }, o.in);
      writeNpy(o.out, { shape: r.shape, data: r.codes });
      console.log(`wrote codes ${describeNpy({ dtype: "i4", shape: r.shape })} to ${o.out}`);
    });
  common(vq.command("decode").description("codes int32 [B, N] → images float32 [B, 3, f·h, f·w]; h = w = √N unless --grid HxW"))
    .option("--grid <HxW>", "code grid height × width (default: square, √N × √N)")
    .action(async (o: { model: string; weights?: string; in: string; out: string; grid?: string }) => {
      magvit2ConfigFor(o.model);
      checkOutputFile(o.out, "--out");
      const grid = o.grid !== undefined ? parseGrid(o.grid) : undefined;
      const r = await vqDecode(readNpy(o.in), { model: o.model, weights: weightsFor(o.model, o.weights, "--weights"), ...(grid ? { grid } : {}) }, o.in);
      writeNpy(o.out, { shape: r.shape, data: r.image });
      console.log(`wrote images ${describeNpy({ dtype: "f4", shape: r.shape })} to ${o.out}`);
    });
}
