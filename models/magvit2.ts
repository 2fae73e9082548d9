// MAGVIT-v2 as Show-o ships it (`showlab/magvitv2`): a taming-style 2-D convolutional autoencoder
// with a 13-bit lookup-free quantiser (design/showo.md §7, keys §8).
//
// shapes (released config, 256² input):
//   encode  image f32[B, 3, 256, 256] in [−1, 1] → encoder → latent f32[B, 13, 16, 16]
//           → LFQ bits (z > 0) → codes i32[B, 256], row-major over the grid (index y·w + x)
//   decode  codes i32[B, h·w] → ±1 vectors f32[B, 13, h, w] → decoder → image f32[B, 3, 16h, 16w]
//
// Blocks (models/common_modules.py): GroupNorm(32, eps 1e-6) and swish everywhere; ResnetBlock =
// GN·swish·conv3 · GN·swish·conv3 plus a 1×1 `nin_shortcut` when channels change; the mid block is
// Res · single-head attention over the h·w positions (scale C^−½, 1×1 q/k/v/proj_out) · Res;
// Downsample zero-pads right and bottom by one then convolves 3×3 with stride 2; Upsample is
// nearest ×2 then a 3×3 conv. `quant_conv` (1×1) is the encoder's last layer, `post_quant_conv`
// (1×1) the decoder's first. The quantiser has no parameters: its buffers (`embedding`,
// `power_vals`) are rebuilt here as integer arithmetic.

import { apply } from "../compiler/ir/build.ts";
import { callerLoc } from "../compiler/dsl/loc.ts";
import { Conv2d, GroupNorm, Module, ModuleList } from "../compiler/dsl/nn.ts";
import { Tensor, attention } from "../compiler/dsl/tensor.ts";
import { trace } from "../compiler/dsl/trace.ts";
import type { Graph } from "../compiler/ir/graph.ts";

export interface Magvit2Config {
  readonly name: string;
  /** Base channel count. */
  readonly ch: number;
  /** Channel multiplier per encoder level; a Downsample ends every level but the last. */
  readonly encoderChMult: readonly number[];
  /** ResnetBlocks per encoder level. */
  readonly encoderBlocks: readonly number[];
  /** Channel multiplier per decoder level (level 0 is the full resolution); an Upsample ends every level but 0. */
  readonly decoderChMult: readonly number[];
  /** ResnetBlocks per decoder level, indexed by level. */
  readonly decoderBlocks: readonly number[];
  /** Latent channels = LFQ bits (13: a codebook of 8192). */
  readonly zChannels: number;
  readonly inChannels: number;
  readonly outChannels: number;
  /** GroupNorm groups and epsilon (32 and 1e-6 in the released model). */
  readonly groups: number;
  readonly eps: number;
}

/** The released tokenizer (`showlab/magvitv2`): 95.39M parameters, /16 downsampling, 13 bits. */
export const MAGVIT2: Magvit2Config = {
  name: "magvit2", ch: 128,
  encoderChMult: [1, 2, 2, 4, 4], encoderBlocks: [4, 3, 4, 3, 4],
  decoderChMult: [1, 1, 2, 2, 4], decoderBlocks: [4, 4, 3, 4, 3],
  zChannels: 13, inChannels: 3, outChannels: 3, groups: 32, eps: 1e-6,
};

/** A tiny tokenizer for tests and golden fixtures: ch 32, three levels (/4), one block per level, 13 bits. */
export const MAGVIT2_TINY: Magvit2Config = {
  name: "magvit2-tiny", ch: 32,
  encoderChMult: [1, 1, 2], encoderBlocks: [1, 1, 1],
  decoderChMult: [1, 1, 2], decoderBlocks: [1, 1, 1],
  zChannels: 13, inChannels: 3, outChannels: 3, groups: 32, eps: 1e-6,
};

/**
 * The shapes world's tokenizer (docs/shapes.md): magvit2-tiny's network with 10-bit LFQ, so a
 * 32×32 image becomes an 8×8 grid of codes from 1,024.
 */
export const MAGVIT2_SHAPES: Magvit2Config = { ...MAGVIT2_TINY, name: "magvit2-shapes", zChannels: 10 };

export const MAGVIT2_CONFIGS: Readonly<Record<string, Magvit2Config>> = {
  [MAGVIT2.name]: MAGVIT2,
  [MAGVIT2_TINY.name]: MAGVIT2_TINY,
  [MAGVIT2_SHAPES.name]: MAGVIT2_SHAPES,
};

export function getMagvit2Config(name: string): Magvit2Config {
  const c = MAGVIT2_CONFIGS[name];
  if (!c) throw new Error(`unknown MAGVIT-v2 config '${name}' (configs: ${Object.keys(MAGVIT2_CONFIGS).join(", ")})`);
  return c;
}

/** Spatial downsampling factor: 2^(levels − 1). */
export function downFactor(cfg: Magvit2Config): number {
  return 2 ** (cfg.encoderChMult.length - 1);
}

function checkConfig(cfg: Magvit2Config): void {
  if (cfg.encoderChMult.length !== cfg.encoderBlocks.length) throw new Error(`${cfg.name}: ${cfg.encoderChMult.length} encoder levels but ${cfg.encoderBlocks.length} block counts`);
  if (cfg.decoderChMult.length !== cfg.decoderBlocks.length) throw new Error(`${cfg.name}: ${cfg.decoderChMult.length} decoder levels but ${cfg.decoderBlocks.length} block counts`);
  if (cfg.encoderChMult.length !== cfg.decoderChMult.length) throw new Error(`${cfg.name}: encoder and decoder must have as many levels (the codes' grid is shared)`);
  if (cfg.zChannels < 1 || cfg.zChannels > 30) throw new Error(`${cfg.name}: ${cfg.zChannels} latent bits do not fit an i32 code`);
}

// ---------------------------------------------------------------------------------------------
// Blocks

/** x·σ(x). */
const swish = (x: Tensor): Tensor => x.silu();

/** GN·swish·conv3 · GN·swish·conv3, plus a 1×1 shortcut when channels change: [B, cin, H, W] → [B, cout, H, W]. */
export class ResnetBlock extends Module {
  readonly norm1: GroupNorm;
  readonly conv1: Conv2d;
  readonly norm2: GroupNorm;
  readonly conv2: Conv2d;
  readonly nin_shortcut: Conv2d | undefined;
  constructor(cfg: Magvit2Config, cin: number, cout: number) {
    super();
    this.norm1 = this.child("norm1", new GroupNorm(cfg.groups, cin, cfg.eps));
    this.conv1 = this.child("conv1", new Conv2d(cin, cout, 3, { padding: 1 }));
    this.norm2 = this.child("norm2", new GroupNorm(cfg.groups, cout, cfg.eps));
    this.conv2 = this.child("conv2", new Conv2d(cout, cout, 3, { padding: 1 }));
    this.nin_shortcut = cin !== cout ? this.child("nin_shortcut", new Conv2d(cin, cout, 1)) : undefined;
  }
  forward(x: Tensor): Tensor {
    let h = this.conv1.forward(swish(this.norm1.forward(x)));
    h = this.conv2.forward(swish(this.norm2.forward(h))); // dropout(0) between: nothing
    return (this.nin_shortcut ? this.nin_shortcut.forward(x) : x).add(h);
  }
}

/** Single-head self-attention over the H·W positions, scale C^−½, residual: [B, C, H, W] → same. */
export class AttnBlock extends Module {
  readonly channels: number;
  readonly norm: GroupNorm;
  readonly q: Conv2d;
  readonly k: Conv2d;
  readonly v: Conv2d;
  readonly proj_out: Conv2d;
  constructor(cfg: Magvit2Config, channels: number) {
    super();
    this.channels = channels;
    this.norm = this.child("norm", new GroupNorm(cfg.groups, channels, cfg.eps));
    this.q = this.child("q", new Conv2d(channels, channels, 1));
    this.k = this.child("k", new Conv2d(channels, channels, 1));
    this.v = this.child("v", new Conv2d(channels, channels, 1));
    this.proj_out = this.child("proj_out", new Conv2d(channels, channels, 1));
  }
  forward(x: Tensor): Tensor {
    const [B, C, H, W] = [x.dim(0), this.channels, x.dim(2), x.dim(3)];
    const u = this.norm.forward(x);
    // [B, C, H, W] → [B, C, HW] → [B, HW, C] → one head [B, 1, HW, C]
    const tokens = (t: Tensor) => t.reshape(B, C, -1).permute(0, 2, 1).reshape(B, 1, -1, C);
    const o = attention(tokens(this.q.forward(u)), tokens(this.k.forward(u)), tokens(this.v.forward(u)), { scale: 1 / Math.sqrt(C), causal: false });
    // [B, 1, HW, C] → [B, HW, C] → [B, C, HW] → [B, C, H, W]
    const h = o.reshape(B, -1, C).permute(0, 2, 1).reshape(B, C, H, W);
    return x.add(this.proj_out.forward(h));
  }
}

/** Zero-pad right and bottom by one, then conv 3×3 stride 2, no padding: [B, C, H, W] → [B, C, H/2, W/2]. */
export class Downsample extends Module {
  readonly conv: Conv2d;
  constructor(channels: number) {
    super();
    // padding [top, bottom, left, right]: torch's F.pad(x, (0, 1, 0, 1)) pads right and bottom.
    this.conv = this.child("conv", new Conv2d(channels, channels, 3, { stride: 2, padding: [0, 1, 0, 1] }));
  }
  forward(x: Tensor): Tensor {
    return this.conv.forward(x);
  }
}

/** Nearest ×2, then conv 3×3 pad 1: [B, C, H, W] → [B, C, 2H, 2W]. */
export class Upsample extends Module {
  readonly conv: Conv2d;
  constructor(channels: number) {
    super();
    this.conv = this.child("conv", new Conv2d(channels, channels, 3, { padding: 1 }));
  }
  forward(x: Tensor): Tensor {
    return this.conv.forward(x.upsampleNearest(2));
  }
}

/** Res · Attn · Res at constant channels. */
export class MidBlock extends Module {
  readonly block_1: ResnetBlock;
  readonly attn_1: AttnBlock;
  readonly block_2: ResnetBlock;
  constructor(cfg: Magvit2Config, channels: number) {
    super();
    this.block_1 = this.child("block_1", new ResnetBlock(cfg, channels, channels));
    this.attn_1 = this.child("attn_1", new AttnBlock(cfg, channels));
    this.block_2 = this.child("block_2", new ResnetBlock(cfg, channels, channels));
  }
  forward(x: Tensor): Tensor {
    return this.block_2.forward(this.attn_1.forward(this.block_1.forward(x)));
  }
}

/** One resolution level: `block.{j}` ResnetBlocks, then an optional `downsample` / `upsample`. */
class Level extends Module {
  readonly block: ModuleList<ResnetBlock>;
  readonly resample: Downsample | Upsample | undefined;
  constructor(blocks: ResnetBlock[], resample?: { name: "downsample" | "upsample"; module: Downsample | Upsample }) {
    super();
    this.block = this.child("block", new ModuleList(blocks));
    this.resample = resample ? this.child(resample.name, resample.module) : undefined;
  }
  forward(x: Tensor): Tensor {
    let h = x;
    for (const b of this.block) h = b.forward(h);
    return this.resample ? this.resample.forward(h) : h;
  }
}

/** Ch·mult channels per level; [B, 3, H, W] → pre-quantisation latent [B, z, H/f, W/f]. */
export class Encoder extends Module {
  readonly conv_in: Conv2d;
  readonly down: ModuleList<Level>;
  readonly mid: MidBlock;
  readonly norm_out: GroupNorm;
  readonly conv_out: Conv2d;
  readonly quant_conv: Conv2d;
  constructor(cfg: Magvit2Config) {
    super();
    checkConfig(cfg);
    const n = cfg.encoderChMult.length;
    this.conv_in = this.child("conv_in", new Conv2d(cfg.inChannels, cfg.ch, 3, { padding: 1 }));
    const levels: Level[] = [];
    let cin = cfg.ch;
    for (let i = 0; i < n; i++) {
      const cout = cfg.ch * cfg.encoderChMult[i]!;
      const blocks = Array.from({ length: cfg.encoderBlocks[i]! }, (_, j) => new ResnetBlock(cfg, j === 0 ? cin : cout, cout));
      cin = cout;
      levels.push(new Level(blocks, i !== n - 1 ? { name: "downsample", module: new Downsample(cout) } : undefined));
    }
    this.down = this.child("down", new ModuleList(levels));
    this.mid = this.child("mid", new MidBlock(cfg, cin));
    this.norm_out = this.child("norm_out", new GroupNorm(cfg.groups, cin, cfg.eps));
    this.conv_out = this.child("conv_out", new Conv2d(cin, cfg.zChannels, 3, { padding: 1 }));
    this.quant_conv = this.child("quant_conv", new Conv2d(cfg.zChannels, cfg.zChannels, 1));
  }
  forward(x: Tensor): Tensor {
    let h = this.conv_in.forward(x);
    for (const level of this.down) h = level.forward(h);
    h = this.mid.forward(h);
    h = this.conv_out.forward(swish(this.norm_out.forward(h)));
    return this.quant_conv.forward(h);
  }
}

/** Quantised vectors [B, z, h, w] → image [B, 3, h·f, w·f]; levels run from the last down to 0. */
export class Decoder extends Module {
  readonly post_quant_conv: Conv2d;
  readonly conv_in: Conv2d;
  readonly mid: MidBlock;
  readonly up: ModuleList<Level>;
  readonly norm_out: GroupNorm;
  readonly conv_out: Conv2d;
  constructor(cfg: Magvit2Config) {
    super();
    checkConfig(cfg);
    const n = cfg.decoderChMult.length;
    let cin = cfg.ch * cfg.decoderChMult[n - 1]!;
    this.post_quant_conv = this.child("post_quant_conv", new Conv2d(cfg.zChannels, cfg.zChannels, 1));
    this.conv_in = this.child("conv_in", new Conv2d(cfg.zChannels, cin, 3, { padding: 1 }));
    this.mid = this.child("mid", new MidBlock(cfg, cin));
    // Built from the coarsest level down, as the channel counts chain that way; `up.{i}` is level i.
    const levels: Level[] = new Array<Level>(n);
    for (let i = n - 1; i >= 0; i--) {
      const cout = cfg.ch * cfg.decoderChMult[i]!;
      const blocks = Array.from({ length: cfg.decoderBlocks[i]! }, (_, j) => new ResnetBlock(cfg, j === 0 ? cin : cout, cout));
      cin = cout;
      levels[i] = new Level(blocks, i !== 0 ? { name: "upsample", module: new Upsample(cout) } : undefined);
    }
    this.up = this.child("up", new ModuleList(levels));
    this.norm_out = this.child("norm_out", new GroupNorm(cfg.groups, cin, cfg.eps));
    this.conv_out = this.child("conv_out", new Conv2d(cin, cfg.outChannels, 3, { padding: 1 }));
  }
  forward(zq: Tensor): Tensor {
    let h = this.conv_in.forward(this.post_quant_conv.forward(zq));
    h = this.mid.forward(h);
    for (let i = this.up.length - 1; i >= 0; i--) h = this.up.at(i).forward(h);
    return this.conv_out.forward(swish(this.norm_out.forward(h)));
  }
}

/** The tokenizer: `encoder.*` and `decoder.*` (the quantiser has no parameters). */
export class Magvit2 extends Module {
  readonly cfg: Magvit2Config;
  readonly encoder: Encoder;
  readonly decoder: Decoder;
  constructor(cfg: Magvit2Config) {
    super();
    this.cfg = cfg;
    this.encoder = this.child("encoder", new Encoder(cfg));
    this.decoder = this.child("decoder", new Decoder(cfg));
  }
  /** image [B, 3, H, W] → codes i32[B, h·w]. */
  encode(image: Tensor): Tensor {
    return lfqEncode(this.encoder.forward(image));
  }
  /** codes i32[B, h·w] → image [B, 3, H, W] (codes clamped to the codebook unless `clamp` is false). */
  decode(codes: Tensor, h: number, w: number, clamp = true): Tensor {
    return this.decoder.forward(lfqDecode(codes, this.cfg.zChannels, h, w, clamp));
  }
}

// ---------------------------------------------------------------------------------------------
// Lookup-free quantiser

/** 2^(z−1−c) for c = 0..z−1 as an i32[z] (LFQuantizer.power_vals: channel 0 is the MSB). */
function powerVals(z: number): Tensor {
  return Tensor.concat(Array.from({ length: z }, (_, c) => Tensor.constant(2 ** (z - 1 - c), "i32", [1])), 0);
}

/** a / b rounded toward zero, on i32 tensors of one shape. */
function truncDiv(a: Tensor, b: Tensor): Tensor {
  return new Tensor(apply("trunc_div", [a.node, b.node], {}, callerLoc()));
}

/**
 * Latent [B, z, h, w] → codes i32[B, h·w]: bit c = (latent_c > 0) (exactly 0 is bit 0, value −1),
 * code = Σ_c bit_c·2^(z−1−c), flattened row-major (index y·w + x).
 */
export function lfqEncode(latent: Tensor): Tensor {
  const [B, z] = [latent.dim(0), latent.dim(1)];
  if (typeof z !== "number") throw new Error(`lfqEncode: the channel axis must be concrete, got ${z}`);
  const bits = latent.gt(0).cast("i32"); // [B, z, h, w]
  const code = bits.mul(powerVals(z).reshape(1, z, 1, 1)).sum(1); // [B, h, w]
  return code.reshape(B, -1);
}

/**
 * Codes i32[B, h·w] → the ±1 code vectors f32[B, z, h, w] (LFQuantizer.get_codebook_entry):
 * channel c = 2·((code >> (z−1−c)) & 1) − 1, computed as trunc_div and mod on non-negative codes.
 * With `clamp` (the default) codes are first clamped to [0, 2^z), as Show-o clamps sampled codes
 * before decoding; without it a code outside that range decodes to meaningless values (PyTorch's
 * table lookup would raise, which a graph cannot).
 */
export function lfqDecode(codes: Tensor, z: number, h: number, w: number, clamp = true): Tensor {
  const B = codes.dim(0);
  const shape = [B, z, h, w];
  const c = (clamp ? codes.maximum(0).minimum(2 ** z - 1) : codes).reshape(B, 1, h, w).broadcastTo(shape);
  const p = powerVals(z).reshape(1, z, 1, 1).broadcastTo(shape);
  const bit = truncDiv(c, p).mod(2); // [B, z, h, w] of 0/1
  return bit.cast("f32").mul(2).sub(1);
}

// ---------------------------------------------------------------------------------------------
// Graphs

export interface Magvit2EncodeOptions {
  readonly batch: number | string;
  /** Image side H = W (a multiple of the downsampling factor). */
  readonly size: number;
}

/**
 * Encoding traced: input `image` f32[B, 3, H, W] in [−1, 1]; outputs `codes` i32[B, h·w] and
 * `latent` f32[B, z, h, w] (the pre-quantisation encoder output, for tests and diagnostics).
 */
export function magvit2EncodeGraph(cfg: Magvit2Config, opts: Magvit2EncodeOptions, model: Magvit2 = new Magvit2(cfg)): Graph {
  const f = downFactor(cfg);
  if (!Number.isInteger(opts.size) || opts.size % f !== 0) throw new Error(`${cfg.name}: image size ${opts.size} is not a multiple of ${f}`);
  const inputs = { image: { dtype: "f32" as const, shape: [opts.batch, cfg.inChannels, opts.size, opts.size] } };
  return trace(`${cfg.name}-encode`, inputs, (t: Record<string, Tensor>) => {
    const latent = model.encoder.forward(t["image"]!);
    return { codes: lfqEncode(latent), latent };
  });
}

export interface Magvit2DecodeOptions {
  readonly batch: number | string;
  /** Code grid height and width (non-square grids decode too: extrapolation). */
  readonly h: number;
  readonly w: number;
  /** Clamp codes to [0, 2^z) before decoding (default true; docs/showo.md). */
  readonly clampCodes?: boolean;
}

/** Decoding traced: input `codes` i32[B, h·w]; output `image` f32[B, 3, h·f, w·f]. */
export function magvit2DecodeGraph(cfg: Magvit2Config, opts: Magvit2DecodeOptions, model: Magvit2 = new Magvit2(cfg)): Graph {
  const inputs = { codes: { dtype: "i32" as const, shape: [opts.batch, opts.h * opts.w] } };
  return trace(`${cfg.name}-decode`, inputs, (t: Record<string, Tensor>) => ({ image: model.decode(t["codes"]!, opts.h, opts.w, opts.clampCodes ?? true) }));
}
