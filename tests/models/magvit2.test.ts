// MAGVIT-v2 in the DSL: parameter names and shapes follow design/showo.md §7.2/§7.4 and §8's key
// patterns; the lookup-free quantiser puts channel 0 on the most significant bit; and magvit2-tiny's
// traced encoder and decoder, run on the reference interpreter, equal the networks written out by
// hand here from §7.1 (plain convolution loops, GroupNorm, swish, the asymmetric Downsample pad,
// nearest Upsample, single-head mid attention), which share no code with the op table.

import assert from "node:assert/strict";
import { test } from "vitest";
import { run } from "../../backends/reference/interpreter.ts";
import { randn } from "../../compiler/dsl/init.ts";
import type { Tensor } from "../../compiler/dsl/tensor.ts";
import { trace } from "../../compiler/dsl/trace.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import type { Magvit2Config } from "../../models/magvit2.ts";
import { MAGVIT2, MAGVIT2_TINY, Magvit2, getMagvit2Config, lfqDecode, lfqEncode, magvit2DecodeGraph, magvit2EncodeGraph } from "../../models/magvit2.ts";
import { assertClose, freshSeed, layerLikeParams, silu } from "../dsl/manual.ts";

const SEED = freshSeed();

// ---------------------------------------------------------------------------------------------
// Checkpoint layout of the released tokenizer (§7.2, §7.4, §8)

type Shapes = Map<string, number[]>;
const conv = (t: Shapes, name: string, o: number, i: number, k: number) => {
  t.set(`${name}.weight`, [o, i, k, k]);
  t.set(`${name}.bias`, [o]);
};
const norm = (t: Shapes, name: string, c: number) => {
  t.set(`${name}.weight`, [c]);
  t.set(`${name}.bias`, [c]);
};
const resBlock = (t: Shapes, name: string, cin: number, cout: number) => {
  norm(t, `${name}.norm1`, cin);
  conv(t, `${name}.conv1`, cout, cin, 3);
  norm(t, `${name}.norm2`, cout);
  conv(t, `${name}.conv2`, cout, cout, 3);
  if (cin !== cout) conv(t, `${name}.nin_shortcut`, cout, cin, 1);
};
const mid = (t: Shapes, name: string, c: number) => {
  resBlock(t, `${name}.block_1`, c, c);
  norm(t, `${name}.attn_1.norm`, c);
  for (const n of ["q", "k", "v", "proj_out"]) conv(t, `${name}.attn_1.${n}`, c, c, 1);
  resBlock(t, `${name}.block_2`, c, c);
};

/** The keys and shapes §7.2's and §7.4's tables give, level by level. */
function releasedTable(): Shapes {
  const t: Shapes = new Map();
  conv(t, "encoder.conv_in", 128, 3, 3);
  // [in → out] of each encoder ResnetBlock, per level (§7.2's table).
  const down: [number, number][][] = [
    [[128, 128], [128, 128], [128, 128], [128, 128]],
    [[128, 256], [256, 256], [256, 256]],
    [[256, 256], [256, 256], [256, 256], [256, 256]],
    [[256, 512], [512, 512], [512, 512]],
    [[512, 512], [512, 512], [512, 512], [512, 512]],
  ];
  down.forEach((blocks, i) => {
    blocks.forEach(([a, b], j) => resBlock(t, `encoder.down.${i}.block.${j}`, a, b));
    if (i < 4) conv(t, `encoder.down.${i}.downsample.conv`, blocks[0]![1], blocks[0]![1], 3);
  });
  mid(t, "encoder.mid", 512);
  norm(t, "encoder.norm_out", 512);
  conv(t, "encoder.conv_out", 13, 512, 3);
  conv(t, "encoder.quant_conv", 13, 13, 1);
  conv(t, "decoder.post_quant_conv", 13, 13, 1);
  conv(t, "decoder.conv_in", 512, 13, 3);
  mid(t, "decoder.mid", 512);
  // §7.4's table, indexed by level (processing runs from level 4 down).
  const up: [number, number][][] = [
    [[128, 128], [128, 128], [128, 128], [128, 128]],
    [[256, 128], [128, 128], [128, 128], [128, 128]],
    [[256, 256], [256, 256], [256, 256]],
    [[512, 256], [256, 256], [256, 256], [256, 256]],
    [[512, 512], [512, 512], [512, 512]],
  ];
  up.forEach((blocks, i) => {
    blocks.forEach(([a, b], j) => resBlock(t, `decoder.up.${i}.block.${j}`, a, b));
    if (i > 0) conv(t, `decoder.up.${i}.upsample.conv`, blocks[0]![1], blocks[0]![1], 3);
  });
  norm(t, "decoder.norm_out", 128);
  conv(t, "decoder.conv_out", 3, 128, 3);
  return t;
}

test("magvit2 parameters follow §8's keys and §7's tables (encoder 55,439,171 + decoder 39,947,833)", () => {
  const m = new Magvit2(MAGVIT2);
  const got = new Map(m.namedParameters().map((p) => [p.name, [...p.shape] as number[]]));
  assert.deepEqual(got, releasedTable());
  assert.equal(m.encoder.numParams(), 55_439_171);
  assert.equal(m.decoder.numParams(), 39_947_833);
  // nin_shortcut exactly where channels change; no quantiser parameters.
  assert.deepEqual([...got.keys()].filter((k) => k.endsWith("nin_shortcut.weight")).sort(),
    ["decoder.up.1.block.0.nin_shortcut.weight", "decoder.up.3.block.0.nin_shortcut.weight", "encoder.down.1.block.0.nin_shortcut.weight", "encoder.down.3.block.0.nin_shortcut.weight"]);
  assert.ok([...got.keys()].every((k) => k.startsWith("encoder.") || k.startsWith("decoder.")));
  assert.equal(getMagvit2Config("magvit2-tiny"), MAGVIT2_TINY);
});

// ---------------------------------------------------------------------------------------------
// The quantiser

test(`LFQ: channel 0 is the most significant bit, exactly 0 is bit 0, codes run y·w + x (seed ${SEED})`, () => {
  const [B, z, h, w] = [2, 13, 2, 3];
  const g = trace("lfq-encode", { latent: { dtype: "f32", shape: [B, z, h, w] } }, (t: Record<string, Tensor>) => ({ codes: lfqEncode(t["latent"]!) }));
  // Constructed latents: position p of batch row b has a chosen set of positive channels.
  const positive: number[][] = [[0], [12], [], [0, 12], [1, 3, 5], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [6], [11, 12], [2], [0, 2, 4, 6, 8, 10, 12], [7, 9], [3]];
  const latent = tensor("f32", [B, z, h, w]);
  const at = (b: number, c: number, p: number) => ((b * z + c) * h * w) + p;
  positive.forEach((chs, k) => {
    const [b, p] = [Math.floor(k / (h * w)), k % (h * w)];
    for (let c = 0; c < z; c++) latent.data[at(b, c, p)] = chs.includes(c) ? 0.25 + c : (k + c) % 3 === 0 ? 0 : -0.5 - c; // some exact zeros
  });
  const codes = run(g, { latent })["codes"]!;
  assert.deepEqual(codes.shape, [B, h * w]);
  assert.equal(codes.dtype, "i32");
  const want = positive.map((chs) => chs.reduce((s, c) => s + 2 ** (12 - c), 0));
  assert.deepEqual(Array.from(codes.data), want);
  assert.deepEqual(want.slice(0, 4), [4096, 1, 0, 4097]);
  // Random latents: the sum of 2^(12−c) over positive channels, at index y·w + x.
  const rnd = randn([B, z, h, w], SEED);
  const rc = run(g, { latent: rnd })["codes"]!;
  for (let b = 0; b < B; b++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let code = 0;
    for (let c = 0; c < z; c++) if (rnd.data[at(b, c, y * w + x)]! > 0) code += 2 ** (12 - c);
    assert.equal(rc.data[b * h * w + y * w + x], code);
  }
});

test("LFQ decode: every code's ±1 vector, and encode ∘ decode is the identity", () => {
  const [h, w, z] = [64, 128, 13]; // all 8192 codes in one grid
  const dec = trace("lfq-decode", { codes: { dtype: "i32", shape: [1, h * w] } }, (t: Record<string, Tensor>) => {
    const v = lfqDecode(t["codes"]!, z, h, w);
    return { vectors: v, again: lfqEncode(v) };
  });
  const codes = tensor("i32", [1, h * w], Array.from({ length: h * w }, (_, i) => (i * 2731) % 8192)); // a permutation of 0..8191
  const r = run(dec, { codes });
  assert.deepEqual(r["vectors"]!.shape, [1, z, h, w]);
  for (let p = 0; p < h * w; p++) {
    const n = codes.data[p]!;
    for (let c = 0; c < z; c++) assert.equal(r["vectors"]!.data[c * h * w + p], 2 * ((n >> (12 - c)) & 1) - 1, `code ${n} channel ${c}`);
  }
  assert.deepEqual(Array.from(r["again"]!.data), Array.from(codes.data));
  // 4096 is +1 on channel 0 only; out-of-range codes are clamped to [0, 8191].
  const small = trace("lfq-decode-2", { codes: { dtype: "i32", shape: [1, 3] } }, (t: Record<string, Tensor>) => ({ v: lfqDecode(t["codes"]!, z, 1, 3) }));
  const v = run(small, { codes: tensor("i32", [1, 3], [4096, -5, 9000]) })["v"]!;
  const column = (p: number) => Array.from({ length: z }, (_, c) => v.data[c * 3 + p]);
  assert.deepEqual(column(0), [1, ...new Array(12).fill(-1)]);
  assert.deepEqual(column(1), new Array(13).fill(-1));
  assert.deepEqual(column(2), new Array(13).fill(1));
  // Without the clamp the graph holds no clamp at all.
  const raw = trace("lfq-decode-3", { codes: { dtype: "i32", shape: [1, 3] } }, (t: Record<string, Tensor>) => ({ v: lfqDecode(t["codes"]!, z, 1, 3, false) }));
  assert.ok(!raw.nodes().some((n) => n.op === "maximum" || n.op === "minimum"));
  assert.ok(small.nodes().some((n) => n.op === "maximum"));
});

// ---------------------------------------------------------------------------------------------
// The networks by hand (one image at a time: x is [C, H, W] flat)

interface Img { c: number; h: number; w: number; d: Float64Array }

function conv2d(x: Img, p: Record<string, RefTensor>, name: string, stride: number, [pt, pb, pl, pr]: number[]): Img {
  const W = p[`${name}.weight`]!, b = p[`${name}.bias`]!.data;
  const [O, C, kh, kw] = W.shape as [number, number, number, number];
  assert.equal(C, x.c, `${name}: input channels`);
  const ho = Math.floor((x.h + pt! + pb! - kh) / stride) + 1, wo = Math.floor((x.w + pl! + pr! - kw) / stride) + 1;
  const d = new Float64Array(O * ho * wo);
  for (let o = 0; o < O; o++) for (let y = 0; y < ho; y++) for (let xx = 0; xx < wo; xx++) {
    let s = b[o]!;
    for (let c = 0; c < C; c++) for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
      const yi = y * stride + i - pt!, xi = xx * stride + j - pl!;
      if (yi < 0 || yi >= x.h || xi < 0 || xi >= x.w) continue; // zero padding
      s += W.data[((o * C + c) * kh + i) * kw + j]! * x.d[(c * x.h + yi) * x.w + xi]!;
    }
    d[(o * ho + y) * wo + xx] = s;
  }
  return { c: O, h: ho, w: wo, d };
}

function groupNorm(x: Img, p: Record<string, RefTensor>, name: string, groups: number, eps: number): Img {
  const wt = p[`${name}.weight`]!.data, bs = p[`${name}.bias`]!.data;
  const per = x.c / groups, hw = x.h * x.w, d = new Float64Array(x.d.length);
  for (let g = 0; g < groups; g++) {
    const lo = g * per * hw, hi = (g + 1) * per * hw;
    let mean = 0;
    for (let i = lo; i < hi; i++) mean += x.d[i]!;
    mean /= hi - lo;
    let v = 0;
    for (let i = lo; i < hi; i++) v += (x.d[i]! - mean) ** 2;
    v /= hi - lo;
    for (let i = lo; i < hi; i++) {
      const c = Math.floor(i / hw);
      d[i] = ((x.d[i]! - mean) / Math.sqrt(v + eps)) * wt[c]! + bs[c]!;
    }
  }
  return { ...x, d };
}

const swish = (x: Img): Img => ({ ...x, d: x.d.map(silu) });
const add = (a: Img, b: Img): Img => ({ ...a, d: a.d.map((v, i) => v + b.d[i]!) });
const same = [1, 1, 1, 1], none = [0, 0, 0, 0];

function resnet(x: Img, p: Record<string, RefTensor>, n: string, cfg: Magvit2Config): Img {
  let h = conv2d(swish(groupNorm(x, p, `${n}.norm1`, cfg.groups, cfg.eps)), p, `${n}.conv1`, 1, same);
  h = conv2d(swish(groupNorm(h, p, `${n}.norm2`, cfg.groups, cfg.eps)), p, `${n}.conv2`, 1, same);
  return add(h.c !== x.c ? conv2d(x, p, `${n}.nin_shortcut`, 1, none) : x, h);
}

function attnBlock(x: Img, p: Record<string, RefTensor>, n: string, cfg: Magvit2Config): Img {
  const u = groupNorm(x, p, `${n}.norm`, cfg.groups, cfg.eps);
  const [q, k, v] = ["q", "k", "v"].map((s) => conv2d(u, p, `${n}.${s}`, 1, none));
  const N = x.h * x.w, C = x.c, out = new Float64Array(C * N);
  for (let i = 0; i < N; i++) {
    const s = Array.from({ length: N }, (_, j) => {
      let dot = 0;
      for (let c = 0; c < C; c++) dot += q!.d[c * N + i]! * k!.d[c * N + j]!;
      return dot * C ** -0.5;
    });
    const m = Math.max(...s), e = s.map((t) => Math.exp(t - m)), Z = e.reduce((a, b) => a + b, 0);
    for (let c = 0; c < C; c++) for (let j = 0; j < N; j++) out[c * N + i]! += (e[j]! / Z) * v!.d[c * N + j]!;
  }
  return add(x, conv2d({ ...x, d: out }, p, `${n}.proj_out`, 1, none));
}

function midBlock(x: Img, p: Record<string, RefTensor>, n: string, cfg: Magvit2Config): Img {
  return resnet(attnBlock(resnet(x, p, `${n}.block_1`, cfg), p, `${n}.attn_1`, cfg), p, `${n}.block_2`, cfg);
}

function encoderManual(x: Img, p: Record<string, RefTensor>, cfg: Magvit2Config): Img {
  let h = conv2d(x, p, "encoder.conv_in", 1, same);
  const levels = cfg.encoderChMult.length;
  for (let i = 0; i < levels; i++) {
    for (let j = 0; j < cfg.encoderBlocks[i]!; j++) h = resnet(h, p, `encoder.down.${i}.block.${j}`, cfg);
    // F.pad(x, (0, 1, 0, 1)): one zero column on the right, one zero row at the bottom.
    if (i !== levels - 1) h = conv2d(h, p, `encoder.down.${i}.downsample.conv`, 2, [0, 1, 0, 1]);
  }
  h = midBlock(h, p, "encoder.mid", cfg);
  h = conv2d(swish(groupNorm(h, p, "encoder.norm_out", cfg.groups, cfg.eps)), p, "encoder.conv_out", 1, same);
  return conv2d(h, p, "encoder.quant_conv", 1, none);
}

function upsampleNearest(x: Img): Img {
  const d = new Float64Array(x.c * x.h * 2 * x.w * 2);
  for (let c = 0; c < x.c; c++) for (let y = 0; y < 2 * x.h; y++) for (let xx = 0; xx < 2 * x.w; xx++) {
    d[(c * 2 * x.h + y) * 2 * x.w + xx] = x.d[(c * x.h + (y >> 1)) * x.w + (xx >> 1)]!;
  }
  return { c: x.c, h: 2 * x.h, w: 2 * x.w, d };
}

function decoderManual(zq: Img, p: Record<string, RefTensor>, cfg: Magvit2Config): Img {
  let h = conv2d(conv2d(zq, p, "decoder.post_quant_conv", 1, none), p, "decoder.conv_in", 1, same);
  h = midBlock(h, p, "decoder.mid", cfg);
  for (let i = cfg.decoderChMult.length - 1; i >= 0; i--) {
    for (let j = 0; j < cfg.decoderBlocks[i]!; j++) h = resnet(h, p, `decoder.up.${i}.block.${j}`, cfg);
    if (i !== 0) h = conv2d(upsampleNearest(h), p, `decoder.up.${i}.upsample.conv`, 1, same);
  }
  return conv2d(swish(groupNorm(h, p, "decoder.norm_out", cfg.groups, cfg.eps)), p, "decoder.conv_out", 1, same);
}

const slice = (t: RefTensor, b: number): Img => {
  const [, c, h, w] = t.shape as [number, number, number, number];
  return { c, h, w, d: t.data.slice(b * c * h * w, (b + 1) * c * h * w) };
};

test(`magvit2-tiny encodes 16×16 images to 4×4 codes, equal to the hand-written encoder (seed ${SEED})`, () => {
  const cfg = MAGVIT2_TINY;
  const m = new Magvit2(cfg);
  const g = magvit2EncodeGraph(cfg, { batch: "B", size: 16 }, m);
  assert.deepEqual(g.outputs.map((o) => o.name), ["codes", "latent"]);
  const p = layerLikeParams(m, SEED);
  const B = 2;
  const image = randn([B, 3, 16, 16], SEED + 1);
  image.data.forEach((v, i) => (image.data[i] = Math.tanh(v))); // in (−1, 1)
  const r = run(g, { image }, p);
  assert.deepEqual(r["codes"]!.shape, [B, 16]);
  assert.deepEqual(r["latent"]!.shape, [B, 13, 4, 4]);
  const want = new Float64Array(B * 13 * 16);
  for (let b = 0; b < B; b++) want.set(encoderManual(slice(image, b), p, cfg).d, b * 13 * 16);
  assertClose(r["latent"]!, { shape: [B, 13, 4, 4], data: want }, 1e-9, "latent");
  // Codes are the sign bits of that latent, channel 0 first, positions y·4 + x.
  for (let b = 0; b < B; b++) for (let pos = 0; pos < 16; pos++) {
    let code = 0;
    for (let c = 0; c < 13; c++) code = code * 2 + (r["latent"]!.data[(b * 13 + c) * 16 + pos]! > 0 ? 1 : 0);
    assert.equal(r["codes"]!.data[b * 16 + pos], code);
  }
  assert.ok(new Set(r["codes"]!.data).size > 4, "codes vary across positions");
});

test(`magvit2-tiny decodes 4×4 codes (and a 2×4 grid) to images, equal to the hand-written decoder (seed ${SEED})`, () => {
  const cfg = MAGVIT2_TINY;
  const m = new Magvit2(cfg);
  const p = layerLikeParams(m, SEED + 2);
  for (const [h, w] of [[4, 4], [2, 4]] as const) {
    const g = magvit2DecodeGraph(cfg, { batch: 1, h, w }, m);
    const codes = tensor("i32", [1, h * w], Array.from({ length: h * w }, (_, i) => (SEED + 1237 * i) % 8192));
    const out = run(g, { codes }, p)["image"]!;
    assert.deepEqual(out.shape, [1, 3, 4 * h, 4 * w]);
    // The ±1 vectors from the codes by hand: channel c = bit (12 − c).
    const zq: Img = { c: 13, h, w, d: new Float64Array(13 * h * w) };
    for (let pos = 0; pos < h * w; pos++) for (let c = 0; c < 13; c++) zq.d[c * h * w + pos] = (Math.floor(codes.data[pos]! / 2 ** (12 - c)) % 2) * 2 - 1;
    assertClose(out, { shape: out.shape, data: decoderManual(zq, p, cfg).d }, 1e-9, `image from ${h}×${w} codes`);
  }
});
