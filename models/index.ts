// The registry of compilable models, by the name `showo compile MODEL` takes.
//
// Each entry traces its graph with symbolic batch and sequence dimensions (B, L) and returns the
// values to bind them to, so the same traced graph serves every size; `module` (when present) is
// the DSL module whose parameters the graph reads, for `initParams(module, seed)`.

import type { Module } from "../compiler/dsl/nn.ts";
import { MLP } from "../compiler/dsl/nn.ts";
import type { Tensor } from "../compiler/dsl/tensor.ts";
import { trace } from "../compiler/dsl/trace.ts";
import type { Graph } from "../compiler/ir/graph.ts";
import { PHI_1_5, PhiBlock, phiBlockGraph } from "./phi-block.ts";
import type { ShowoConfig } from "./showo.ts";
import { SHOWO_256, SHOWO_512, SHOWO_SHAPES, SHOWO_TINY, Showo, showoGraph, t2iSeqLen } from "./showo.ts";
import type { Magvit2Config } from "./magvit2.ts";
import { MAGVIT2_CONFIGS, Magvit2, downFactor, magvit2DecodeGraph, magvit2EncodeGraph } from "./magvit2.ts";

export interface ModelOptions {
  /** Batch size B (default 1). */
  readonly batch?: number;
  /** Sequence length L (default per model). */
  readonly seq?: number;
}

export interface BuiltModel {
  readonly graph: Graph;
  /** Values of the graph's symbolic dimensions. */
  readonly dims?: Readonly<Record<string, number>>;
  readonly module?: Module;
}

export interface ModelEntry {
  readonly description: string;
  build(opts: ModelOptions): BuiltModel;
}

function positive(v: number | undefined, fallback: number, what: string): number {
  const n = v ?? fallback;
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what} must be a positive integer, got ${n}`);
  return n;
}

/** MLP sizes: x [B, L, 64] → fc1 [256] → gelu_tanh → fc2 [64]. */
const MLP_DIMS = { in: 64, hidden: 256, out: 64 } as const;

/**
 * A Show-o config as registry entry: the forward with a segments input of 2 slots (the T2I layout:
 * PAD + SPAN), by default at the T2I sampling layout with guidance (B = 2: conditional and
 * unconditional rows; L = the T2I length, 387 at 256 px, 1155 at 512 px).
 */
function showoEntry(cfg: ShowoConfig): ModelEntry {
  return {
    description: `Show-o ${cfg.name}: ${cfg.layers} Phi-1.5 layers (hidden ${cfg.hidden}, ${cfg.heads} heads, QK-Norm), V = ${cfg.vocab}; inputs ids i32[B, L], positions i32[L], segments i32[B, 2, 3]; output logits f32[B, L, V]; default B = 2 (CFG pair), L = ${t2iSeqLen(cfg)} (T2I)`,
    build(opts) {
      const model = new Showo(cfg);
      const graph = showoGraph(cfg, { batch: "B", seq: "L", segmentSlots: 2 }, model);
      return { graph, dims: { B: positive(opts.batch, 2, "batch"), L: positive(opts.seq, t2iSeqLen(cfg), "seq") }, module: model };
    },
  };
}

/** The image side a MAGVIT-v2 config is used at: 32 for the small ones (ch ≤ 32), 256 for the released one. */
function magvit2Side(cfg: Magvit2Config): number {
  return cfg.ch <= 32 ? 32 : 256;
}

/**
 * A MAGVIT-v2 config as two entries: NAME, the decoder (codes → image, what generation runs),
 * and NAME-encoder (image → codes). `seq` is the image side in pixels.
 */
function magvit2Entries(cfg: Magvit2Config): Record<string, ModelEntry> {
  const f = downFactor(cfg), side = (opts: ModelOptions) => positive(opts.seq, magvit2Side(cfg), "image side (seq)");
  const grid = (opts: ModelOptions) => {
    const s = side(opts);
    if (s % f !== 0) throw new Error(`${cfg.name}: image side ${s} is not a multiple of its downsampling factor ${f}`);
    return s / f;
  };
  return {
    [cfg.name]: {
      description: `MAGVIT-v2 ${cfg.name} decoder: codes i32[B, (S/${f})²] from ${2 ** cfg.zChannels} → image f32[B, 3, S, S]; default B = 1, S = ${magvit2Side(cfg)} (--seq sets S)`,
      build(opts) {
        const model = new Magvit2(cfg), g = grid(opts);
        return { graph: magvit2DecodeGraph(cfg, { batch: positive(opts.batch, 1, "batch"), h: g, w: g }, model), module: model };
      },
    },
    [`${cfg.name}-encoder`]: {
      description: `MAGVIT-v2 ${cfg.name} encoder: image f32[B, 3, S, S] in [−1, 1] → codes i32[B, (S/${f})²] and latent; default B = 1, S = ${magvit2Side(cfg)} (--seq sets S)`,
      build(opts) {
        const model = new Magvit2(cfg), s = side(opts);
        grid(opts);
        return { graph: magvit2EncodeGraph(cfg, { batch: positive(opts.batch, 1, "batch"), size: s }, model), module: model };
      },
    },
  };
}

export const MODELS: Readonly<Record<string, ModelEntry>> = {
  "phi-block": {
    description: "one Phi-1.5 decoder layer as Show-o uses it (hidden 2048, 32 heads, QK-Norm, partial rotary, parallel MLP 8192); inputs x f32[B, L, 2048], positions i32[L]; outputs out and loss",
    build(opts) {
      const block = new PhiBlock(PHI_1_5);
      const graph = phiBlockGraph(PHI_1_5, { batch: "B", seq: "L" }, block);
      return { graph, dims: { B: positive(opts.batch, 1, "batch"), L: positive(opts.seq, 128, "seq") }, module: block };
    },
  },
  mlp: {
    description: `a two-layer MLP: x f32[B, L, ${MLP_DIMS.in}] → Linear ${MLP_DIMS.hidden} → gelu_tanh → Linear ${MLP_DIMS.out}`,
    build(opts) {
      const mlp = new MLP(MLP_DIMS.in, MLP_DIMS.hidden, MLP_DIMS.out, "gelu_tanh");
      const graph = trace("mlp", { x: { dtype: "f32", shape: ["B", "L", MLP_DIMS.in] } }, (t: Record<string, Tensor>) => ({ out: mlp.forward(t["x"]!) }));
      return { graph, dims: { B: positive(opts.batch, 1, "batch"), L: positive(opts.seq, 16, "seq") }, module: mlp };
    },
  },
  [SHOWO_TINY.name]: showoEntry(SHOWO_TINY),
  [SHOWO_256.name]: showoEntry(SHOWO_256),
  [SHOWO_512.name]: showoEntry(SHOWO_512),
  [SHOWO_SHAPES.name]: showoEntry(SHOWO_SHAPES),
  ...Object.assign({}, ...Object.values(MAGVIT2_CONFIGS).map(magvit2Entries)) as Record<string, ModelEntry>,
};

/** The entry for a name, or an error listing the known ones. */
export function getModel(name: string): ModelEntry {
  const m = MODELS[name];
  if (!m) throw new Error(`unknown model '${name}' (models: ${Object.keys(MODELS).join(", ")})`);
  return m;
}

// The models themselves, for `showo-compiler/models`.
export type { ShowoConfig, ShowoGraphOptions } from "./showo.ts";
export { Showo, showoGraph, SHOWO_CONFIGS, SHOWO_SHAPES, SHOWO_TINY, SHOWO_256, SHOWO_512, getShowoConfig, imageGrid, t2iSeqLen } from "./showo.ts";
export type { Magvit2Config } from "./magvit2.ts";
export { Magvit2, MAGVIT2, MAGVIT2_TINY, MAGVIT2_SHAPES, getMagvit2Config, magvit2DecodeGraph, magvit2EncodeGraph } from "./magvit2.ts";
export type { PhiConfig } from "./phi-block.ts";
export { PhiBlock, phiBlockGraph, PHI_1_5 } from "./phi-block.ts";
