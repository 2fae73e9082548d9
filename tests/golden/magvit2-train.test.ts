// MAGVIT-v2's training objective (models/magvit2-loss.ts) against tests/golden/train.py, an
// independent float64 PyTorch program, for magvit2-tiny with the f16 weights of
// tests/golden/fixtures/magvit2-tiny.safetensors on the two 16×16 images of
// tests/golden/train-fixtures (index.json, key `magvit2`; every latent at least 1e-3·max|z| from 0,
// so f32 rounding cannot flip a code bit):
//   - on $SHOWO_TARGET (WGSL by default): the loss terms (total, L1 recon, commit, entropy and its
//     per-sample and codebook parts) within 1e-4 relative, the L2 recon of a second graph the
//     same, and the gradient of the total with respect to every parameter within 1e-4 of each
//     tensor's largest entry (8 tensors' gradients are zero in exact arithmetic, train.py holding
//     ~1e-18 residue: there ours must stay below 1e-6 of the model's largest gradient entry);
//   - on the reference interpreter, with train.py's latent z as an input (so the encoder is out of
//     it): each term's gradient with respect to z within 1e-4 of its largest entry (the recon
//     terms through the straight-through zq).

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { afterAll, test } from "vitest";
import { run } from "../../backends/reference/interpreter.ts";
import type { Tensor } from "../../compiler/dsl/tensor.ts";
import { trace } from "../../compiler/dsl/trace.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import { grad, gradName } from "../../compiler/passes/autodiff.ts";
import { MAGVIT2_TINY, Magvit2 } from "../../models/magvit2.ts";
import type { Magvit2Losses } from "../../models/magvit2-loss.ts";
import { magvit2LossGraph, magvit2LossTerms } from "../../models/magvit2-loss.ts";
import { compile } from "../../runtime/executable.ts";
import { npyToFloat64, readNpy } from "../../runtime/npy.ts";
import { MAGVIT2_KEYMAP, SafetensorsFile, loadWeights } from "../../runtime/weights/index.ts";
import { assertMaxNormClose, fixturePath, goldenIndex, openGoldenDevice } from "./fixtures.ts";

const DIR = new URL("./train-fixtures/", import.meta.url).pathname;
const TOL = 1e-4;

interface MagvitTrainIndex {
  model: string;
  images: string;
  images_shape: [number, number, number, number];
  latent: string;
  latent_shape: [number, number, number, number];
  objective: { commit_weight: number; entropy_weight: number; codebook_weight: number; tau: number; recon: string };
  values: Record<Term, number>;
  grad: { file: string; shapes: Record<string, number[]> };
  latent_grads: { file: string; keys: Term[] };
}
type Term = "recon_l1" | "recon_l2" | "commit" | "per_sample_entropy" | "codebook_entropy" | "entropy" | "total";

const M = (JSON.parse(readFileSync(`${DIR}index.json`, "utf8")) as { magvit2: MagvitTrainIndex }).magvit2;
const cfg = MAGVIT2_TINY;
assert.equal(M.model, cfg.name);
const [B, , R] = M.images_shape;
const opts = { commitWeight: M.objective.commit_weight, entropyWeight: M.objective.entropy_weight, temperature: M.objective.tau, diversityGamma: M.objective.codebook_weight };

/** Our output for each of train.py's terms (the L1 graph; recon_l2 comes from the L2 graph). */
const OURS: Record<Exclude<Term, "recon_l2">, keyof Magvit2Losses> = {
  total: "loss", recon_l1: "loss_recon", commit: "loss_commit", entropy: "loss_entropy",
  per_sample_entropy: "entropy_per_sample", codebook_entropy: "entropy_codebook",
};

const model = new Magvit2(cfg);
const weights = await loadWeights(fixturePath(goldenIndex().magvit2.weights), model.namedParameters(), MAGVIT2_KEYMAP);
const images = tensor("f32", M.images_shape, npyToFloat64(readNpy(`${DIR}${M.images}`), M.images));
const dev = await openGoldenDevice();
afterAll(() => dev.dispose());

async function readAll(file: string): Promise<Record<string, Float64Array>> {
  const f = await SafetensorsFile.open(`${DIR}${file}`);
  try {
    const out: Record<string, Float64Array> = {};
    for (const e of f.header.tensors) out[e.name] = await f.read(e.name, "f64");
    return out;
  } finally {
    await f.close();
  }
}

const closeRel = (got: number, want: number, what: string) =>
  assert.ok(Math.abs(got - want) <= TOL * Math.abs(want), `${what}: ${got} vs train.py ${want} (relative ${(Math.abs(got - want) / Math.abs(want)).toExponential(2)})`);

async function runOn(graph: ReturnType<typeof magvit2LossGraph>, params: Record<string, RefTensor>): Promise<Record<string, RefTensor>> {
  const exe = await compile(graph, { target: dev.target, device: dev.get() } as Parameters<typeof compile>[1]);
  try {
    exe.setParams(Object.fromEntries(graph.params.map((n) => [String(n.attrs["name"]), params[String(n.attrs["name"])]!])));
    return await exe.run({ images });
  } finally {
    exe.dispose();
  }
}

test(`golden MAGVIT-v2 objective, ${dev.label}: loss terms within 1e-4 and every parameter's gradient within 1e-4 of its largest entry`, async (t) => {
  if (dev.skip) t.skip(dev.skip);
  const out = await runOn(grad(magvit2LossGraph(cfg, { batch: B, resolution: R, recon: "l1", ...opts }, model), { loss: "loss" }), weights);
  for (const [term, name] of Object.entries(OURS)) closeRel(out[name]!.data[0]!, M.values[term as Term], `${term} (${name})`);
  const l2 = await runOn(magvit2LossGraph(cfg, { batch: B, resolution: R, recon: "l2", ...opts }, model), weights);
  closeRel(l2["loss_recon"]!.data[0]!, M.values.recon_l2, "recon_l2");
  const want = await readAll(M.grad.file);
  const names = model.namedParameters().map((p) => p.name);
  assert.deepEqual([...names].sort(), Object.keys(want).sort(), "train.py differentiates exactly our parameters");
  const maxAbs = (d: ArrayLike<number>) => {
    let m = 0;
    for (let i = 0; i < d.length; i++) m = Math.max(m, Math.abs(d[i]!));
    return m;
  };
  const top = Math.max(...names.map((n) => maxAbs(want[n]!)));
  let worst = 0, worstName = "";
  const zero: string[] = [];
  for (const name of names) {
    const got = out[gradName(name)]!.data;
    if (maxAbs(want[name]!) < 1e-12 * top) {
      // Exactly zero in exact arithmetic (a conv bias before a GroupNorm, an attention k bias):
      // train.py holds rounding residue of ~1e-18, so ours must only be negligible.
      assert.ok(maxAbs(got) <= 1e-6 * top, `${dev.target}: grad ${name} is zero in exact arithmetic, ours reaches ${maxAbs(got)}`);
      zero.push(name);
      continue;
    }
    const e = assertMaxNormClose(got, want[name]!, TOL, `${dev.target}: grad ${name}`);
    if (e > worst) [worst, worstName] = [e, name];
  }
  const terms = Object.keys(OURS).map((t) => `${t} ${(Math.abs(out[OURS[t as keyof typeof OURS]]!.data[0]! / M.values[t as Term] - 1)).toExponential(1)}`);
  console.log(`# ${dev.target}: relative errors of the terms: ${terms.join(", ")}; ${names.length - zero.length} gradients within ${worst.toExponential(2)} of their largest entries (worst ${worstName}); ${zero.length} zero in exact arithmetic: ${zero.join(", ")}`);
});

test("golden MAGVIT-v2 objective, reference interpreter: each term's gradient with respect to the latent z", async () => {
  const zg = await readAll(M.latent_grads.file);
  const latent = tensor("f32", M.latent_shape, npyToFloat64(readNpy(`${DIR}${M.latent}`), M.latent));
  const terms = (o: Parameters<typeof magvit2LossTerms>[3]) => trace("magvit2-terms", {
    images: { dtype: "f32", shape: M.images_shape },
    latent: { dtype: "f32", shape: M.latent_shape },
  }, (t: Record<string, Tensor>) => {
    const l = magvit2LossTerms(model, t["images"]!, t["latent"]!, o);
    return Object.fromEntries(Object.values(OURS).map((n) => [n, l[n]]));
  });
  const graphs = { l1: terms({ recon: "l1", ...opts }), l2: terms({ recon: "l2", ...opts }) };
  const params = Object.fromEntries(graphs.l1.params.map((n) => [String(n.attrs["name"]), weights[String(n.attrs["name"])]!]));
  const report: string[] = [];
  for (const term of M.latent_grads.keys) {
    const [g, output] = term === "recon_l2" ? [graphs.l2, "loss_recon"] : [graphs.l1, OURS[term]];
    const out = run(grad(g, { loss: output, wrt: [], inputsWrt: ["latent"] }), { images, latent }, params);
    const e = assertMaxNormClose(out[gradName("latent")]!.data, zg[term]!, TOL, `∂${term}/∂z`);
    report.push(`${term} ${e.toExponential(1)}`);
  }
  console.log(`# interpreter ∂term/∂z, error of the largest entry: ${report.join(", ")}`);
});
