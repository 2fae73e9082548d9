// `showo demo`: Show-o end to end on the WGSL backend, in well under a minute. It generates images
// from a few prompts (text-to-image: MaskGIT decoding with classifier-free guidance, then the
// MAGVIT-v2 decoder), writes them as PNGs, reads one back and answers a question about it
// (understanding: image_transform, the MAGVIT-v2 encoder, greedy decoding with a KV cache).
// No trained weights ship with the project, so it runs the seeded random showo-tiny and
// magvit2-tiny weights of the golden tests and says so: the images are noise and the answers are
// gibberish, but every stage is the real one.
//
// `showo demo --block`: the path from model code to gradients on one small Phi block, in a few
// seconds. It traces a Phi-style layer (QK-Norm, partial rotary, parallel residual) written in the
// DSL, prints what the Graph IR holds, runs it on the float64 reference interpreter with seeded
// random weights, builds the backward graph with autodiff, and checks a few gradient entries
// against central finite differences of the forward graph.

import type { Command } from "commander";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { openDevice } from "../../backends/wgsl/device.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import { MAGVIT2_TINY, Magvit2, magvit2DecodeGraph } from "../../models/magvit2.ts";
import { SHOWO_TINY, Showo, imageGrid } from "../../models/showo.ts";
import { compile } from "../../runtime/executable.ts";
import { fromSigned, readPng, writePng } from "../../runtime/image.ts";
import { philoxNoise } from "../../runtime/sampling/noise.ts";
import { T2IForward, T2I_DEFAULTS, sampleT2I, t2iRows } from "../../runtime/sampling/t2i.ts";
import { encode } from "../../runtime/tokenizer/index.ts";
import { MAGVIT2_KEYMAP, SHOWO_KEYMAP, loadWeights } from "../../runtime/weights/index.ts";
import { answerText, encodeImages, questionPrompt, textStreamer, understand } from "./understand.ts";
import { run } from "../../backends/reference/interpreter.ts";
import { arange, randn } from "../../compiler/dsl/init.ts";
import { initParams } from "../../compiler/dsl/nn.ts";
import type { Graph, Node } from "../../compiler/ir/graph.ts";
import { getOp } from "../../compiler/ir/ops.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { concreteShape, formatType } from "../../compiler/ir/types.ts";
import { grad } from "../../compiler/passes/autodiff.ts";
import type { PhiConfig } from "../../models/phi_block.ts";
import { PhiBlock, phiBlockGraph, rotaryDim } from "../../models/phi_block.ts";

export interface DemoOptions {
  readonly seed: number;
  readonly batch: number;
  readonly seq: number;
}

const CONFIG: PhiConfig = { hidden: 64, heads: 4, mlp: 256, partialRotary: 0.5, ropeBase: 10000, eps: 1e-5 };

const fmt = (x: number) => (Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? x.toFixed(5) : x.toExponential(3));
const pad = (s: string, n: number) => s.padEnd(n);

function stats(t: RefTensor): string {
  let sum = 0, sq = 0, lo = Infinity, hi = -Infinity, bad = 0;
  for (const v of t.data) {
    if (!Number.isFinite(v)) bad++;
    sum += v;
    sq += v * v;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const n = t.data.length, mean = sum / n;
  const std = Math.sqrt(Math.max(0, sq / n - mean * mean));
  return `mean ${fmt(mean)}  std ${fmt(std)}  min ${fmt(lo)}  max ${fmt(hi)}${bad ? `  NON-FINITE ${bad}` : ""}`;
}

function norm(t: RefTensor): number {
  let s = 0;
  for (const v of t.data) s += v * v;
  return Math.sqrt(s);
}

/** Node counts by family, then by op within each family. */
function summarize(g: Graph, log: (s: string) => void): void {
  const byFamily = new Map<string, Map<string, number>>();
  for (const n of g.nodes()) {
    const fam = getOp(n.op).family;
    const ops = byFamily.get(fam) ?? new Map<string, number>();
    ops.set(n.op, (ops.get(n.op) ?? 0) + 1);
    byFamily.set(fam, ops);
  }
  log(`graph '${g.name}': ${g.nodes().length} nodes`);
  for (const [fam, ops] of [...byFamily].sort(([a], [b]) => a.localeCompare(b))) {
    const total = [...ops.values()].reduce((a, b) => a + b, 0);
    const list = [...ops].sort(([a], [b]) => a.localeCompare(b)).map(([op, c]) => `${op} ${c}`).join(", ");
    log(`  ${pad(fam, 12)} ${String(total).padStart(3)}   ${list}`);
  }
}

function leafLine(n: Node): string {
  return `${n.attrs["name"] as string} ${formatType(n.dtype, n.shape)}`;
}

export function runBlockDemo(opts: DemoOptions, log: (s: string) => void = console.log): { maxRelErr: number } {
  const t0 = performance.now();
  const cfg = CONFIG, { batch: B, seq: L } = opts;
  log(`Phi block: hidden ${cfg.hidden}, ${cfg.heads} heads (head_dim ${cfg.hidden / cfg.heads}, rotary_dim ${rotaryDim(cfg)}), mlp ${cfg.mlp}, QK-Norm, batch ${B}, seq ${L}, seed ${opts.seed}`);

  // 1. Trace.
  const block = new PhiBlock(cfg);
  const fwd = phiBlockGraph(cfg, { batch: B, seq: L }, block);
  log("");
  summarize(fwd, log);
  log("inputs:");
  for (const n of fwd.inputs) log(`  ${leafLine(n)}`);
  log("outputs:");
  for (const o of fwd.outputs) log(`  ${o.name} ${formatType(o.node.dtype, o.node.shape)}`);
  log("params:");
  let total = 0;
  for (const p of fwd.params) {
    const count = concreteShape(p.shape).reduce((a, b) => a * b, 1);
    total += count;
    log(`  ${pad(leafLine(p), 44)} ${String(count).padStart(7)}`);
  }
  log(`  ${pad(`${fwd.params.length} tensors`, 44)} ${String(total).padStart(7)}`);

  // 2. Forward on the reference interpreter.
  const params = initParams(block, opts.seed);
  const inputs = { x: randn([B, L, cfg.hidden], opts.seed + 1), positions: arange(L) };
  let t = performance.now();
  const y = run(fwd, inputs, params);
  log("");
  log(`forward (reference, float64) in ${(performance.now() - t).toFixed(0)} ms`);
  log(`  out  ${formatType(y["out"]!.dtype, y["out"]!.shape)}  ${stats(y["out"]!)}`);
  log(`  loss = mean(out²) = ${y["loss"]!.data[0]!.toPrecision(10)}`);

  // 3. Backward.
  t = performance.now();
  const bwd = grad(fwd, { loss: "loss" });
  const buildMs = performance.now() - t;
  t = performance.now();
  const gy = run(bwd, inputs, params);
  log("");
  log(`backward: autodiff built ${bwd.nodes().length} nodes in ${buildMs.toFixed(0)} ms, ran in ${(performance.now() - t).toFixed(0)} ms`);
  for (const p of fwd.params) {
    const name = p.attrs["name"] as string;
    log(`  ${pad(name, 30)} ‖grad‖ = ${fmt(norm(gy[`grad.${name}`]!))}`);
  }

  // 4. Finite differences: d loss / d p[i] ≈ (loss(p + h) − loss(p − h)) / 2h at the entry of
  // largest gradient in a few parameters, one from each branch of the block.
  const h = 1e-5;
  const lossAt = (name: string, i: number, delta: number): number => {
    const base = params[name]!;
    const data = base.data.slice();
    data[i] = data[i]! + delta;
    return run(fwd, inputs, { ...params, [name]: { ...base, data } })["loss"]!.data[0]!;
  };
  log("");
  log(`finite-difference check (central, h = ${h}):`);
  let maxRelErr = 0;
  for (const name of ["self_attn.q_layernorm.weight", "self_attn.k_proj.weight", "mlp.fc1.bias", "input_layernorm.weight"]) {
    const g = gy[`grad.${name}`]!;
    let i = 0;
    g.data.forEach((v, k) => { if (Math.abs(v) > Math.abs(g.data[i]!)) i = k; });
    const analytic = g.data[i]!;
    const numeric = (lossAt(name, i, h) - lossAt(name, i, -h)) / (2 * h);
    const rel = Math.abs(analytic - numeric) / Math.max(Math.abs(analytic), Math.abs(numeric), 1e-12);
    maxRelErr = Math.max(maxRelErr, rel);
    log(`  ${pad(`${name}[${i}]`, 34)} autodiff ${fmt(analytic).padStart(12)}  finite diff ${fmt(numeric).padStart(12)}  rel err ${rel.toExponential(1)}`);
  }
  const ok = maxRelErr < 1e-4; // truncation error of h = 1e-5 is ~1e-6; a wrong rule is off by far more
  log(`  ${ok ? "ok" : "MISMATCH"}: largest relative error ${maxRelErr.toExponential(1)}`);
  log("");
  log(`done in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  if (!ok) throw new Error(`gradients disagree with finite differences (relative error ${maxRelErr.toExponential(1)})`);
  return { maxRelErr };
}

function intOption(v: string, name: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got '${v}'`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// The main demo: text-to-image, then understanding

const GOLDEN = new URL("../../tests/golden/fixtures/", import.meta.url).pathname;

export interface ShowoDemoOptions {
  readonly seed: number;
  readonly outDir: string;
  readonly prompts: readonly string[];
  readonly question: string;
  readonly steps: number;
  readonly maxNewTokens: number;
}

export const DEMO_PROMPTS = ["a red fox in the snow", "a lighthouse at dusk", "a bowl of ramen"];

export async function runShowoDemo(o: ShowoDemoOptions, log: (s: string) => void = console.log, write: (s: string) => void = (s) => process.stdout.write(s)): Promise<{ images: string[]; answer: number[] }> {
  const t0 = performance.now();
  const cfg = SHOWO_TINY, vq = MAGVIT2_TINY;
  const showoPath = join(GOLDEN, "showo-tiny.safetensors"), vqPath = join(GOLDEN, "magvit2-tiny.safetensors");
  log("Show-o demo: text-to-image, then understanding, compiled to WGSL.");
  log(`NOTE: no trained weights are bundled, so this runs seeded RANDOM weights (${cfg.name} + ${vq.name}, the golden-test`);
  log(`      weights in tests/golden/fixtures). Images come out as noise and answers as gibberish; every stage is the real one.`);
  const model = new Showo(cfg);
  const weights = await loadWeights(showoPath, model.namedParameters(), SHOWO_KEYMAP);
  const vqModel = new Magvit2(vq);
  const vqWeights = await loadWeights(vqPath, vqModel.namedParameters(), MAGVIT2_KEYMAP);
  const device = await openDevice();
  try {
    // 1. Text-to-image.
    const B = o.prompts.length, grid = imageGrid(cfg);
    const opts = { ...T2I_DEFAULTS, steps: o.steps };
    log("");
    log(`1. text-to-image: ${B} prompts, ${opts.steps} MaskGIT steps, guidance ${opts.guidance}, seed ${o.seed}, ${grid}×${grid} codes per image`);
    const { cond, uncond } = t2iRows(cfg, o.prompts.map((p) => encode(p)));
    const fwd = await T2IForward.create(cfg, opts.guidance > 0 ? 2 * B : B, weights, device);
    let codes: Int32Array;
    try {
      codes = await sampleT2I(cfg, cond, uncond, opts, philoxNoise(o.seed, { steps: opts.steps, batch: B, tokens: cfg.imageTokens }), fwd.logits);
      log(`   sampled in ${((fwd.compileMs + fwd.forwardMs) / 1000).toFixed(1)} s (compile ${fwd.compileMs.toFixed(0)} ms, ${opts.steps} forwards ${fwd.forwardMs.toFixed(0)} ms)`);
    } finally {
      fwd.dispose();
    }
    const dec = magvit2DecodeGraph(vq, { batch: B, h: grid, w: grid }, vqModel);
    const exe = await compile(dec, { target: "wgsl", device });
    let pixels: Float32Array, H: number, W: number;
    try {
      exe.setParams(Object.fromEntries(dec.params.map((p) => [String(p.attrs["name"]), vqWeights[String(p.attrs["name"])]!])));
      const { image } = await exe.run({ codes: tensor("i32", [B, grid * grid], codes) });
      [H, W] = [image!.shape[2]!, image!.shape[3]!];
      pixels = Float32Array.from(image!.data);
    } finally {
      exe.dispose();
    }
    mkdirSync(o.outDir, { recursive: true });
    const images = o.prompts.map((p, b) => {
      const path = join(o.outDir, `t2i-${b}.png`);
      writePng(path, fromSigned(pixels, H, W, b * 3 * H * W));
      const c = Array.from(codes.slice(b * cfg.imageTokens, b * cfg.imageTokens + 6));
      log(`   "${p}" → ${path} (${W}×${H} px; codes ${c.join(" ")} …)`);
      return path;
    });

    // 2. Understanding, on the first image read back from its PNG.
    log("");
    log(`2. understanding: ${images[0]} → image_transform → ${vq.name} encoder → [MMU] [SOI] codes [EOI] [SOT] question; greedy, KV cache`);
    const [imgCodes] = await encodeImages([readPng(images[0]!)], cfg, vq, vqWeights, device);
    log(`   USER: ${o.question}`);
    write("   ASSISTANT:");
    const stream = textStreamer(write, cfg);
    const r = await understand({ cfg, weights, prompts: [questionPrompt(cfg, imgCodes!, o.question)], maxNewTokens: o.maxNewTokens, device, onToken: (_b, t) => stream.push(t) });
    stream.end();
    write("\n");
    log(`   ${r.generated} tokens (${answerText(r.tokens[0]!, cfg).length} characters) in ${r.runMs.toFixed(0)} ms after a ${r.compileMs.toFixed(0)} ms compile`);
    log("");
    log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s (random weights: see the NOTE above)`);
    return { images, answer: r.tokens[0]! };
  } finally {
    device.dispose();
  }
}

export function register(program: Command): void {
  program
    .command("demo")
    .description("Show-o end to end (WGSL): text-to-image from a few prompts, then a question about one of the images (seeded random weights until trained ones exist); --block: the Phi-block IR/autodiff demo")
    .option("--block", "instead: trace a small Phi block, print its IR, run forward and backward on the reference interpreter, check gradients")
    .option("--seed <n>", "seed (sampling noise; --block: weights and inputs)", "0")
    .option("--out <dir>", "where the images go", "out/demo")
    .option("--question <text>", "the question about the first image", "What is in this image?")
    .option("--steps <n>", "MaskGIT steps", "16")
    .option("--max-new-tokens <n>", "answer length limit", "24")
    .option("--batch <n>", "--block: batch size", "2")
    .option("--seq <n>", "--block: sequence length", "12")
    .action(async (o: { block?: boolean; seed: string; out: string; question: string; steps: string; maxNewTokens: string; batch: string; seq: string }) => {
      const seed = intOption(o.seed, "seed", 0);
      if (o.block) {
        runBlockDemo({ seed, batch: intOption(o.batch, "batch", 1), seq: intOption(o.seq, "seq", 1) });
        return;
      }
      await runShowoDemo({ seed, outDir: o.out, prompts: DEMO_PROMPTS, question: o.question, steps: intOption(o.steps, "steps", 1), maxNewTokens: intOption(o.maxNewTokens, "max-new-tokens", 1) });
    });
}
