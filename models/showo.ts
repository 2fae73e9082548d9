// Show-o: the Phi-1.5 backbone with QK-Norm, driven by the omni-attention mask (design/showo.md
// §1.3–§2, §8).
//
// shapes: ids i32[B, L], positions i32[L], segments i32[B, S, 3] → logits f32[B, L, V]
//
//   h      = embed_tokens[ids]                          [B, L, H]   (no learned positions)
//   h      = layer_i(h, positions, segments)            24 parallel Phi blocks (models/phi-block.ts):
//                                                       h + Attn(LN h) + MLP(LN h), QK-Norm before
//                                                       split-half partial RoPE, scale 1/√head_dim
//   h      = final_layernorm(h)
//   logits = lm_head(h)                                 untied, with bias; f32
//
// Positions are 0..L−1 over the padded sequence (Show-o never passes position ids), so they are an
// input the caller fills with arange(L); the mask is structure (causal + the segments a prompt's ids
// give, models/showo-prompts.ts). Parameter names are the checkpoint keys without the `showo.`
// prefix: `model.embed_tokens.weight`, `model.layers.{i}.self_attn.q_layernorm.bias`,
// `model.final_layernorm.weight`, `lm_head.bias`, ...

import { Embedding, LayerNorm, Linear, Module, ModuleList } from "../compiler/dsl/nn.ts";
import type { Tensor } from "../compiler/dsl/tensor.ts";
import { trace } from "../compiler/dsl/trace.ts";
import type { Graph } from "../compiler/ir/graph.ts";
import type { PhiConfig } from "./phi-block.ts";
import { PhiBlock, headDim, rotaryDim } from "./phi-block.ts";
import type { ShowoLayout } from "./showo-layout.ts";
import { imageGrid } from "./showo-layout.ts";
import { SHOWO_VOCAB, vocabIds } from "./showo-vocab.ts";

/** The text tokenizer a config's text ids come from (runtime/tokenizer: phi.ts, words.ts). */
export type TextTokenizerName = "phi" | "shapes-words";

export interface ShowoConfig extends PhiConfig, ShowoLayout {
  readonly name: string;
  /** Number of decoder layers. */
  readonly layers: number;
  /** Rows of the embedding and the LM head: text (textVocab) + 10 specials + codebook + [MASK] (models/showo-vocab.ts). */
  readonly vocab: number;
  /** Which tokenizer makes the text ids [0, textVocab). */
  readonly textTokenizer: TextTokenizerName;
  /** The MAGVIT-v2 config (models/magvit2.ts) whose codes the image tokens are. */
  readonly vqModel: string;
  /** Image tokens per image N (256 at 256 px, 1024 at 512 px): a √N × √N grid of codes. */
  readonly imageTokens: number;
  /** The text budget `max_seq_length` (128); the T2I text block is textBudget + 1 long. */
  readonly textBudget: number;
}

const PHI_1_5_BACKBONE = { hidden: 2048, heads: 32, mlp: 8192, partialRotary: 0.5, ropeBase: 10000, eps: 1e-5, layers: 24 } as const;
const VOCAB_LAYOUT = { ...SHOWO_VOCAB, vocab: vocabIds(SHOWO_VOCAB).VOCAB_SIZE, textTokenizer: "phi", vqModel: "magvit2" } as const;

/** The released 256×256 checkpoint (`showlab/show-o`). */
export const SHOWO_256: ShowoConfig = { name: "showo-256", ...PHI_1_5_BACKBONE, ...VOCAB_LAYOUT, imageTokens: 256, textBudget: 128 };
/** The released 512×512 checkpoint (`showlab/show-o-512x512`): same weights' shapes, 1024 image tokens. */
export const SHOWO_512: ShowoConfig = { name: "showo-512", ...PHI_1_5_BACKBONE, ...VOCAB_LAYOUT, imageTokens: 1024, textBudget: 128 };
/**
 * A tiny Show-o for tests and golden fixtures: the real vocabulary layout (so every token id means
 * what it means in the real model), 2 layers of hidden 64, 4 heads of 16 (rotary on 8 dims),
 * MLP 256, 16 image tokens (a 4×4 grid), text budget 16 (text block 17, T2I length 35).
 */
export const SHOWO_TINY: ShowoConfig = {
  name: "showo-tiny", hidden: 64, heads: 4, mlp: 256, partialRotary: 0.5, ropeBase: 10000, eps: 1e-5, layers: 2,
  ...VOCAB_LAYOUT, vqModel: "magvit2-tiny", imageTokens: 16, textBudget: 16,
};

/** The words of runtime/tokenizer/words.ts (SHAPES_WORDS): <|endoftext|> is id 0. */
const SHAPES_VOCAB = { textVocab: 76, endOfText: 0, codebookSize: 1024 } as const;

/**
 * The model trained here on the shapes world (docs/shapes.md): 32×32 images as 8×8 codes of
 * magvit2-shapes, a 76-word text vocabulary, text budget 32 (every caption fits), 4 layers of
 * hidden 128; the Show-o layout and masks otherwise. Sized so that it trains in about 90 minutes
 * on a 2-core CPU's WebGPU (docs/shapes.md has the measurement).
 */
export const SHOWO_SHAPES: ShowoConfig = {
  name: "showo-shapes", hidden: 128, heads: 4, mlp: 512, partialRotary: 0.5, ropeBase: 10000, eps: 1e-5, layers: 4,
  ...SHAPES_VOCAB, vocab: vocabIds(SHAPES_VOCAB).VOCAB_SIZE, textTokenizer: "shapes-words", vqModel: "magvit2-shapes", imageTokens: 64, textBudget: 32,
};

export const SHOWO_CONFIGS: Readonly<Record<string, ShowoConfig>> = {
  [SHOWO_256.name]: SHOWO_256,
  [SHOWO_512.name]: SHOWO_512,
  [SHOWO_TINY.name]: SHOWO_TINY,
  [SHOWO_SHAPES.name]: SHOWO_SHAPES,
};

export function getShowoConfig(name: string): ShowoConfig {
  const c = SHOWO_CONFIGS[name];
  if (!c) throw new Error(`unknown Show-o config '${name}' (configs: ${Object.keys(SHOWO_CONFIGS).join(", ")})`);
  return c;
}

/** Checks a config's arithmetic (vocabulary layout, head split, rotary dims, square image grid). */
export function checkShowoConfig(cfg: ShowoConfig): void {
  headDim(cfg);
  rotaryDim(cfg);
  const v = vocabIds(cfg);
  if (cfg.vocab !== v.VOCAB_SIZE) {
    throw new Error(`${cfg.name}: vocab ${cfg.vocab} must be ${v.IMAGE_OFFSET} text and special ids + ${cfg.codebookSize} codes + [MASK] = ${v.VOCAB_SIZE}`);
  }
  imageGrid(cfg);
  if (!Number.isInteger(cfg.layers) || cfg.layers < 1) throw new Error(`${cfg.name}: layers must be a positive integer, got ${cfg.layers}`);
}

export { imageGrid, t2iSeqLen } from "./showo-layout.ts";

/** PhiModel: token embedding, the decoder layers, the final LayerNorm. */
export class PhiModel extends Module {
  readonly cfg: ShowoConfig;
  readonly embed_tokens: Embedding;
  readonly layers: ModuleList<PhiBlock>;
  readonly final_layernorm: LayerNorm;
  constructor(cfg: ShowoConfig) {
    super();
    this.cfg = cfg;
    this.embed_tokens = this.child("embed_tokens", new Embedding(cfg.vocab, cfg.hidden));
    this.layers = this.child("layers", new ModuleList(Array.from({ length: cfg.layers }, () => new PhiBlock(cfg))));
    this.final_layernorm = this.child("final_layernorm", new LayerNorm(cfg.hidden, cfg.eps));
  }

  /** ids i32[B, L] → token embeddings [B, L, H]. */
  embed(ids: Tensor): Tensor {
    return this.embed_tokens.forward(ids);
  }

  /** Embeddings [B, L, H] through every layer and the final norm → [B, L, H]. */
  forwardEmbeddings(h: Tensor, positions: Tensor, segments?: Tensor): Tensor {
    let x = h;
    for (const layer of this.layers) x = layer.forward(x, positions, segments);
    return this.final_layernorm.forward(x);
  }

  /** ids i32[B, L] → final hidden states [B, L, H]. */
  forward(ids: Tensor, positions: Tensor, segments?: Tensor): Tensor {
    return this.forwardEmbeddings(this.embed(ids), positions, segments);
  }
}

/** PhiForCausalLM as Show-o wraps it: `model` (the backbone) and an untied `lm_head` with bias. */
export class Showo extends Module {
  readonly cfg: ShowoConfig;
  readonly model: PhiModel;
  readonly lm_head: Linear;
  constructor(cfg: ShowoConfig) {
    super();
    checkShowoConfig(cfg);
    this.cfg = cfg;
    this.model = this.child("model", new PhiModel(cfg));
    this.lm_head = this.child("lm_head", new Linear(cfg.hidden, cfg.vocab, { bias: true }));
  }

  /** Final hidden states [B, L, H] → logits f32[B, L, V] (Show-o casts logits to fp32). */
  logits(hidden: Tensor): Tensor {
    return this.lm_head.forward(hidden).cast("f32");
  }

  /** ids i32[B, L], positions i32[L], optional segments i32[B, S, 3] → logits f32[B, L, V]. */
  forward(ids: Tensor, positions: Tensor, segments?: Tensor): Tensor {
    return this.logits(this.model.forward(ids, positions, segments));
  }
}

export interface ShowoGraphOptions {
  readonly batch: number | string;
  readonly seq: number | string;
  /** Slots S of the segments i32[B, S, 3] input; 0 or absent: no segments input (causal only). */
  readonly segmentSlots?: number;
}

/**
 * The Show-o forward traced: inputs ids i32[B, L], positions i32[L] and (with segmentSlots)
 * segments i32[B, S, 3]; output `logits` f32[B, L, V]. Pass `model` to share one module (and so
 * one set of parameter names) between several graphs.
 */
export function showoGraph(cfg: ShowoConfig, opts: ShowoGraphOptions, model: Showo = new Showo(cfg)): Graph {
  const { batch: B, seq: L } = opts;
  const slots = opts.segmentSlots ?? 0;
  if (!Number.isInteger(slots) || slots < 0) throw new Error(`segmentSlots must be a non-negative integer, got ${slots}`);
  const inputs = {
    ids: { dtype: "i32" as const, shape: [B, L] },
    positions: { dtype: "i32" as const, shape: [L] },
    ...(slots > 0 ? { segments: { dtype: "i32" as const, shape: [B, slots, 3] } } : {}),
  };
  return trace(cfg.name, inputs, (t: Record<string, Tensor>) => ({ logits: model.forward(t["ids"]!, t["positions"]!, t["segments"]) }));
}
