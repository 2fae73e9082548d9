// MAGVIT-v2's training objective (models/magvit2-loss.ts) on magvit2-tiny, batch 2, 16×16 images
// in [−1, 1], weights from initParams (fixed seeds):
//   (a) the six loss outputs on the reference interpreter against plain float64 loops written here
//       from the definition, fed only the interpreter's encoder latent and the decoder's image of
//       the latent's codes (defaults, and l2 with other weights, τ and γ), within 1e-10;
//   (b) grad() of `loss` and of `loss_recon`: with q₀ − z₀ frozen at the base parameters, the
//       straight-through loss is the surrogate recon(decoder(z + (q₀ − z₀))) + 0.25·commit +
//       0.1·entropy, whose central differences (h = 1e-6, float64; no latent may change sign
//       under ±h, which is asserted) must equal both analytic gradients on one entry of each of a
//       few encoder and decoder tensors (for encoder tensors the entry where ∂loss_recon is
//       largest: the true derivative of loss_recon there is 0, so only the straight-through path
//       through zq gives it);
//   (c) the backward graph compiled for WGSL against the reference: loss and every gradient
//       within 3e-4·max(1, max|ref|).
// Images are drawn until every latent is at least 1e-3·max|latent| from 0, so no f32 rounding on
// the device can flip a code bit.

import assert from "node:assert/strict";
import { afterAll, test } from "vitest";
import { run } from "../../backends/reference/interpreter.ts";
import { initTensor, uniform } from "../../compiler/dsl/init.ts";
import { initParams } from "../../compiler/dsl/nn.ts";
import type { Tensor } from "../../compiler/dsl/tensor.ts";
import { trace } from "../../compiler/dsl/trace.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import { grad, gradName } from "../../compiler/passes/autodiff.ts";
import type { Magvit2Config } from "../../models/magvit2.ts";
import { MAGVIT2_TINY, Magvit2, magvit2DecodeGraph, magvit2EncodeGraph } from "../../models/magvit2.ts";
import type { Magvit2LossOptions } from "../../models/magvit2-loss.ts";
import { LOSS_OUTPUTS, lfqCodebookT, magvit2LossGraph, magvit2Losses } from "../../models/magvit2-loss.ts";
import { assertOutputsClose, runWgsl, sharedDevice, worstError } from "../backends/util.ts";

const CFG = MAGVIT2_TINY;
const [B, R] = [2, 16];
const k = CFG.zChannels, K = 2 ** k;
const [h, w] = [R / 4, R / 4];
const PARAM_SEED = 4242;

const model = new Magvit2(CFG);
const params = initParams(model, PARAM_SEED);
const dev = await sharedDevice();
afterAll(() => dev.dispose());

const encodeGraph = magvit2EncodeGraph(CFG, { batch: B, size: R }, model);

/** The first image batch whose latents all keep a margin from 0; with its latent. */
const { images, latent } = (() => {
  for (let s = 1; s < 50; s++) {
    const x = initTensor("f32", [B, 3, R, R], uniform(-1, 1), 1000 + s);
    const z = run(encodeGraph, { image: x }, params)["latent"]!;
    const max = Math.max(...z.data.map(Math.abs)), min = Math.min(...z.data.map(Math.abs));
    if (min > 1e-3 * max) return { images: x, latent: z };
  }
  throw new Error("no image batch keeps its latents away from 0");
})();

// ---------------------------------------------------------------------------------------------
// (a) values

/** Latent index of (b, c, y, x). */
const li = (b: number, c: number, p: number) => (b * k + c) * h * w + p;
const sgn = (v: number) => (v > 0 ? 1 : -1);

/** The six terms from the definition, in plain float64 loops. */
function expected(z: RefTensor, x: RefTensor, xhat: RefTensor, o: Omit<Magvit2LossOptions, "batch" | "resolution">): Record<string, number> {
  const tau = o.temperature ?? 0.01, gamma = o.diversityGamma ?? 1;
  let recon = 0;
  for (let i = 0; i < x.data.length; i++) {
    const d = xhat.data[i]! - x.data[i]!;
    recon += o.recon === "l2" ? d * d : Math.abs(d);
  }
  recon /= x.data.length;
  let commit = 0;
  for (const v of z.data) commit += (v - sgn(v)) ** 2;
  commit /= z.data.length;
  const n = B * h * w, avg = new Float64Array(K), logits = new Float64Array(K);
  let perSample = 0;
  for (let b = 0; b < B; b++) for (let p = 0; p < h * w; p++) {
    let m = -Infinity;
    for (let j = 0; j < K; j++) {
      let s = 0;
      for (let c = 0; c < k; c++) s += z.data[li(b, c, p)]! * ((j >> (k - 1 - c)) & 1 ? 1 : -1);
      logits[j] = (2 * s) / tau;
      m = Math.max(m, logits[j]!);
    }
    let se = 0;
    for (let j = 0; j < K; j++) se += Math.exp(logits[j]! - m);
    const lse = m + Math.log(se);
    for (let j = 0; j < K; j++) {
      const pj = Math.exp(logits[j]! - lse);
      perSample -= pj * (logits[j]! - lse);
      avg[j] = avg[j]! + pj / n;
    }
  }
  perSample /= n;
  let codebook = 0;
  for (const a of avg) codebook -= a * Math.log(Math.max(a, 1e-12));
  const entropy = perSample - gamma * codebook;
  return {
    loss: recon + (o.commitWeight ?? 0.25) * commit + (o.entropyWeight ?? 0.1) * entropy,
    loss_recon: recon, loss_commit: commit, loss_entropy: entropy, entropy_per_sample: perSample, entropy_codebook: codebook,
  };
}

/** The decoder's image of the latent's LFQ codes (Magvit2.decode: lfqDecode then the decoder). */
function decodedImage(z: RefTensor): RefTensor {
  const codes = tensor("i32", [B, h * w]);
  for (let b = 0; b < B; b++) for (let p = 0; p < h * w; p++) {
    let code = 0;
    for (let c = 0; c < k; c++) if (z.data[li(b, c, p)]! > 0) code += 2 ** (k - 1 - c);
    codes.data[b * h * w + p] = code;
  }
  return run(magvit2DecodeGraph(CFG, { batch: B, h, w }, model), { codes }, params)["image"]!;
}

test("the codebook: column j is code j's ±1 vector with channel 0 the most significant bit", () => {
  const g = trace("codebook", {}, () => ({ c: lfqCodebookT(k) }));
  const c = run(g, {})["c"]!;
  assert.deepEqual(c.shape, [k, K]);
  for (const j of [0, 1, 4096, 5, 8191, 2731]) {
    const col = Array.from({ length: k }, (_, ch) => c.data[ch * K + j]);
    assert.deepEqual(col, Array.from({ length: k }, (_, ch) => ((j >> (k - 1 - ch)) & 1 ? 1 : -1)), `code ${j}`);
  }
});

const VARIANTS: [string, Omit<Magvit2LossOptions, "batch" | "resolution">][] = [
  ["defaults (l1, 0.25, 0.1, τ 0.01, γ 1)", {}],
  ["l2, commit 0.5, entropy 0.05, τ 0.1, γ 0.5", { recon: "l2", commitWeight: 0.5, entropyWeight: 0.05, temperature: 0.1, diversityGamma: 0.5 }],
];

test("(a) every loss output equals the definition computed in plain float64 from the encoder's latent and the decoded codes", () => {
  const xhat = decodedImage(latent);
  for (const [what, o] of VARIANTS) {
    const g = magvit2LossGraph(CFG, { batch: B, resolution: R, ...o }, model);
    assert.deepEqual(g.outputs.map((x) => x.name), [...LOSS_OUTPUTS]);
    const got = run(g, { images }, params);
    const want = expected(latent, images, xhat, o);
    for (const name of LOSS_OUTPUTS) {
      const v = got[name]!;
      assert.deepEqual(v.shape, [], `${what}: ${name} is a scalar`);
      assert.ok(Math.abs(v.data[0]! - want[name]!) <= 1e-10 * Math.max(1, Math.abs(want[name]!)),
        `${what}: ${name} = ${v.data[0]}, expected ${want[name]}`);
    }
    // Entropies lie in [0, ln K].
    assert.ok(want["entropy_per_sample"]! >= 0 && want["entropy_codebook"]! > 0 && want["entropy_codebook"]! <= Math.log(K) + 1e-12);
    console.log(`# ${what}: ${LOSS_OUTPUTS.map((n) => `${n} ${got[n]!.data[0]!.toFixed(6)}`).join(", ")}`);
  }
});

test("more than 16 latent bits are refused (2^k codes would not fit)", () => {
  const wide: Magvit2Config = { ...CFG, name: "wide", zChannels: 17 };
  assert.throws(() => magvit2LossGraph(wide, { batch: 1, resolution: 16 }), /2\^17 codes.*refused above 16 bits/);
  assert.throws(() => magvit2LossGraph(CFG, { batch: 1, resolution: 18 }), /resolution 18 is not a positive multiple of 4/);
});

// ---------------------------------------------------------------------------------------------
// (b) gradients against central differences of the straight-through surrogate

const lossGraph = magvit2LossGraph(CFG, { batch: B, resolution: R }, model);
const gradGraph = grad(lossGraph, { loss: "loss" });
let gradRef: Record<string, RefTensor> | undefined;
const reference = (): Record<string, RefTensor> => (gradRef ??= run(gradGraph, { images }, params));

// The straight-through loss with q₀ − z₀ frozen: recon(decoder(z + offset)) + rest, where
// offset = q₀ − z₀ is fed in and rest = 0.25·commit + 0.1·entropy.
const surrogateGraph = trace("magvit2-loss-surrogate", {
  images: { dtype: "f32", shape: [B, 3, R, R] },
  offset: { dtype: "f32", shape: [B, k, h, w] },
}, (t: Record<string, Tensor>) => {
  const l = magvit2Losses(model, t["images"]!);
  const recon = model.decoder.forward(l.latent.add(t["offset"]!)).sub(t["images"]!).abs().mean();
  return { recon, rest: l.loss_commit.mul(0.25).add(l.loss_entropy.mul(0.1)), latent: l.latent };
});

const FD_H = 1e-6;
const FD_TOL = 1e-5;
const PROBED = [
  "encoder.conv_in.weight",
  "encoder.down.2.block.0.nin_shortcut.weight",
  "encoder.mid.attn_1.v.weight",
  "encoder.quant_conv.bias",
  "decoder.post_quant_conv.weight",
];

test(`(b) the straight-through gradients of loss and of loss_recon match central differences (h = ${FD_H}) on ${PROBED.length} tensors`, () => {
  const g = reference();
  // ∂loss_recon/∂θ alone: for encoder parameters it exists only through the straight-through zq.
  const gr = run(grad(lossGraph, { loss: "loss_recon" }), { images }, params);
  const offset = tensor("f32", latent.shape, latent.data.map((v) => sgn(v) - v));
  const base = run(surrogateGraph, { images, offset }, params);
  assert.ok(Math.abs(base["recon"]!.data[0]! + base["rest"]!.data[0]! - g["loss"]!.data[0]!) < 1e-12, "the surrogate equals the loss at the base point");
  const argmaxAbs = (t: RefTensor) => t.data.reduce((best, v, i) => (Math.abs(v) > Math.abs(t.data[best]!) ? i : best), 0);
  const maxAbs = (t: RefTensor) => Math.max(...t.data.map(Math.abs));
  for (const name of PROBED) {
    const total = g[gradName(name)]!, recon = gr[gradName(name)]!;
    const encoder = name.startsWith("encoder.");
    // Encoder tensors: the entry where the straight-through reconstruction gradient is largest.
    const at = argmaxAbs(encoder ? recon : total);
    const probe = (dx: number) => {
      const p = params[name]!, data = p.data.slice();
      data[at] = p.data[at]! + dx;
      const out = run(surrogateGraph, { images, offset }, { ...params, [name]: { ...p, data } });
      out["latent"]!.data.forEach((v, i) => assert.equal(sgn(v), sgn(latent.data[i]!), `${name}[${at}] ± ${FD_H} flips latent ${i}: pick a smaller step`));
      return out;
    };
    const [plus, minus] = [probe(FD_H), probe(-FD_H)];
    const fd = (o: string) => (plus[o]!.data[0]! - minus[o]!.data[0]!) / (2 * FD_H);
    const check = (what: string, analytic: number, numeric: number, tensorMax: number) => {
      const err = Math.abs(numeric - analytic) / Math.max(Math.abs(numeric), Math.abs(analytic), 0.01 * tensorMax);
      console.log(`# ${what} ${name}[${at}]: analytic ${analytic.toExponential(6)}, numeric ${numeric.toExponential(6)}, rel err ${err.toExponential(2)}`);
      assert.ok(err <= FD_TOL, `${what} ${name}[${at}]: analytic ${analytic}, numeric ${numeric} (relative error ${err.toExponential(2)} > ${FD_TOL})`);
    };
    check("loss", total.data[at]!, fd("recon") + fd("rest"), maxAbs(total));
    check("loss_recon", recon.data[at]!, fd("recon"), maxAbs(recon));
    if (encoder) assert.ok(Math.abs(recon.data[at]!) > 1e-3 * maxAbs(total), `${name}: no reconstruction gradient reaches the encoder`);
  }
});

// ---------------------------------------------------------------------------------------------
// (c) WGSL

test("(c) the backward graph on WGSL: loss and every gradient within 3e-4·max(1, max|ref|) of the reference", async (t) => {
  if (dev.skip) t.skip(dev.skip);
  const want = reference();
  const { outputs } = await runWgsl(dev.get(), gradGraph, { images }, params);
  let worst = 0, worstName = "";
  for (const [name, v] of Object.entries(want)) {
    const m = worstError(outputs[name]!, v);
    if (m.maxAbs / m.scale > worst) [worst, worstName] = [m.maxAbs / m.scale, name];
  }
  console.log(`# wgsl: ${Object.keys(want).length} outputs; worst error/scale ${worst.toExponential(2)} (${worstName})`);
  assertOutputsClose(outputs, want, () => 3e-4, "magvit2-tiny loss backward");
});
