// MAGVIT-v2's training objective as a graph, for the encoder, decoder and lookup-free quantiser of
// models/magvit2.ts: reconstruction, commitment and LFQ entropy terms (no perceptual, GAN or
// LeCAM terms: those need other networks).
//
// shapes: images f32[B, 3, R, R] in [−1, 1] → loss, loss_recon, loss_commit, loss_entropy,
//         entropy_per_sample, entropy_codebook: f32[] each
//
// With k latent bits, K = 2^k codes, a latent grid h × w = R/f × R/f and n = B·h·w positions:
//   z   = encoder(x)                                   [B, k, h, w]  (quant_conv included)
//   q   = where(z > 0, +1, −1)                         the LFQ's ±1 vector (exactly 0 is −1)
//   zq  = z + stop_gradient(q − z)                     straight-through: q forward, ∂/∂z = identity
//   x̂   = decoder(zq)                                  post_quant_conv included, as Magvit2.decode
//   recon  = mean |x̂ − x|  ("l1", default)  or  mean (x̂ − x)²  ("l2")
//   commit = mean (z − stop_gradient(q))²
//   entropy, over the full codebook C [K, k], C[j, c] = +1 if bit (k−1−c) of j is set else −1
//   (channel 0 the most significant bit, as the LFQ codes):
//     logits[n, j] = 2·⟨z_n, C_j⟩ / τ;  p = softmax(logits) over the K codes
//     per_sample = mean_n (−Σ_j p_nj · log_softmax(logits)_nj)
//     avg        = mean_n p_n                          [K]
//     codebook   = −Σ_j avg_j · log(max(avg_j, 1e−12))
//     entropy    = per_sample − γ·codebook
//   loss = recon + commitWeight·commit + entropyWeight·entropy
//
// Computed: each row of logits shifted by its maximum (2/τ)‖z_n‖₁, which code q_n reaches, as
//   logits'[n, j] = −(2/τ)·(relu(z_n)·(1 − C_j) + relu(−z_n)·(1 + C_j))   (one [n, 2k]·[2k, K] matmul)
// softmax and log_softmax ignore a per-row shift, so every output is the definition's exactly; but
// in f32 the raw logits reach ~2000 at τ = 0.01 (their rounding alone is ~1e−4 in log p, which the
// entropy's gradient turns into noise as large as 1e−4 of the whole gradient), while here every
// product is of a non-negative number with 0 or 2, nothing cancels, and q_n's logit is exactly 0.
//
// The batch ("codebook") entropy is the entropy of the code distribution averaged over every
// position of every image of the batch (all n = B·h·w rows of p at once), over all 2^k codes; it
// is not factorised per bit (the sum of k two-way entropies of the per-bit averages would be an
// upper bound, not this). So the graph holds an [n, 2^k] logits matrix: 2^13 = 8192 codes cost
// n·32 KiB of f32 per tensor of that shape, and k > 16 is refused.

import { trace } from "../compiler/dsl/trace.ts";
import { Tensor } from "../compiler/dsl/tensor.ts";
import type { Graph } from "../compiler/ir/graph.ts";
import type { Magvit2Config } from "./magvit2.ts";
import { Magvit2, downFactor, lfqDecode } from "./magvit2.ts";

/** The largest latent width whose full 2^k codebook the entropy term will build. */
export const MAX_ENTROPY_BITS = 16;

export interface Magvit2LossOptions {
  readonly batch: number;
  /** Image side R = H = W (a multiple of the downsampling factor). */
  readonly resolution: number;
  /** Reconstruction term: mean absolute ("l1", the default) or mean squared ("l2") error. */
  readonly recon?: "l1" | "l2";
  /** Weight of the commitment term (default 0.25). */
  readonly commitWeight?: number;
  /** Weight of the entropy term (default 0.1). */
  readonly entropyWeight?: number;
  /** Softmax temperature τ of the code distribution (default 0.01). */
  readonly temperature?: number;
  /** Weight γ of the batch (codebook) entropy inside the entropy term (default 1.0). */
  readonly diversityGamma?: number;
}

/** The graph's outputs, plus `latent` (z) and `reconstruction` (x̂) for tests and diagnostics. */
export interface Magvit2Losses {
  readonly loss: Tensor;
  readonly loss_recon: Tensor;
  readonly loss_commit: Tensor;
  readonly loss_entropy: Tensor;
  readonly entropy_per_sample: Tensor;
  readonly entropy_codebook: Tensor;
  readonly latent: Tensor;
  readonly reconstruction: Tensor;
}

export const LOSS_OUTPUTS = ["loss", "loss_recon", "loss_commit", "loss_entropy", "entropy_per_sample", "entropy_codebook"] as const;

/** The codebook transposed, f32[k, 2^k]: column j is code j's ±1 vector (channel 0 the MSB). */
export function lfqCodebookT(k: number): Tensor {
  const K = 2 ** k;
  // lfqDecode maps codes i32[1, K] (here 0..K−1) to ±1 vectors [1, k, 1, K].
  return lfqDecode(Tensor.iota([1, K], 1), k, 1, K, false).reshape(k, K);
}

/** Every term of the objective for images x [B, 3, R, R] (see the header). */
export function magvit2Losses(model: Magvit2, x: Tensor, opts: Omit<Magvit2LossOptions, "batch" | "resolution"> = {}): Magvit2Losses {
  checkBits(model);
  return magvit2LossTerms(model, x, model.encoder.forward(x), opts);
}

function checkBits(model: Magvit2): void {
  const k = model.cfg.zChannels;
  if (k > MAX_ENTROPY_BITS) {
    throw new Error(`${model.cfg.name}: the entropy term builds all 2^${k} codes (an [n, ${2 ** k}] logits matrix); `
      + `refused above ${MAX_ENTROPY_BITS} bits`);
  }
}

/**
 * The objective given the encoder's latent z [B, k, h, w] of images x (everything after the
 * encoder: quantiser, decoder, terms); `latent` in the result is z itself.
 */
export function magvit2LossTerms(model: Magvit2, x: Tensor, z: Tensor, opts: Omit<Magvit2LossOptions, "batch" | "resolution"> = {}): Magvit2Losses {
  checkBits(model);
  const k = model.cfg.zChannels;
  if (z.dim(1) !== k) throw new Error(`${model.cfg.name}: the latent has ${z.dim(1)} channels, expected ${k}`);
  const tau = opts.temperature ?? 0.01;
  if (!(tau > 0)) throw new Error(`temperature must be positive, got ${tau}`);
  const gamma = opts.diversityGamma ?? 1.0;
  const commitWeight = opts.commitWeight ?? 0.25, entropyWeight = opts.entropyWeight ?? 0.1;
  const recon = opts.recon ?? "l1";

  const q = z.gt(0).where(1, -1);
  const zq = z.add(q.sub(z).stopGradient());
  const xhat = model.decoder.forward(zq);
  const diff = xhat.sub(x);
  const lossRecon = recon === "l1" ? diff.abs().mean() : diff.square().mean();
  const lossCommit = z.sub(q.stopGradient()).square().mean();

  // [B, k, h, w] → [B, h, w, k] → [n, k]; logits [n, K], each row shifted by its maximum (see the header)
  const zf = z.permute(0, 2, 3, 1).reshape(-1, k);
  const ct = lfqCodebookT(k); // [k, K]
  const parts = Tensor.concat([zf.maximum(0), zf.neg().maximum(0)], 1); // [n, 2k]: relu(z), relu(−z)
  const logits = parts.matmul(Tensor.concat([ct.neg().add(1), ct.add(1)], 0)).mul(-2 / tau); // [2k, K] of 0 and 2
  const p = logits.softmax(-1);
  const perSample = p.mul(logits.logSoftmax(-1)).sum(-1).mean().neg();
  const avg = p.mean(0); // [K]
  const codebook = avg.mul(avg.maximum(1e-12).log()).sum().neg();
  const lossEntropy = perSample.sub(codebook.mul(gamma));

  const loss = lossRecon.add(lossCommit.mul(commitWeight)).add(lossEntropy.mul(entropyWeight));
  return {
    loss, loss_recon: lossRecon, loss_commit: lossCommit, loss_entropy: lossEntropy,
    entropy_per_sample: perSample, entropy_codebook: codebook, latent: z, reconstruction: xhat,
  };
}

/**
 * The objective traced: input `images` f32[B, 3, R, R]; outputs `loss` (the total), `loss_recon`,
 * `loss_commit`, `loss_entropy`, `entropy_per_sample` and `entropy_codebook`, all f32 scalars.
 * Differentiate `loss` with compiler/passes/autodiff.ts's grad().
 */
export function magvit2LossGraph(cfg: Magvit2Config, opts: Magvit2LossOptions, model: Magvit2 = new Magvit2(cfg)): Graph {
  const f = downFactor(cfg);
  if (!Number.isInteger(opts.batch) || opts.batch < 1) throw new Error(`${cfg.name}: batch must be a positive integer, got ${opts.batch}`);
  if (!Number.isInteger(opts.resolution) || opts.resolution < f || opts.resolution % f !== 0) {
    throw new Error(`${cfg.name}: resolution ${opts.resolution} is not a positive multiple of ${f}`);
  }
  const inputs = { images: { dtype: "f32" as const, shape: [opts.batch, cfg.inChannels, opts.resolution, opts.resolution] } };
  return trace(`${cfg.name}-loss`, inputs, (t: Record<string, Tensor>) => {
    const l = magvit2Losses(model, t["images"]!, opts);
    return Object.fromEntries(LOSS_OUTPUTS.map((name) => [name, l[name]]));
  });
}
