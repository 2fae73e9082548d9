// `showo demo`: Show-o end to end on the WGSL backend, in well under a minute, with the shipped
// model (showo-shapes + magvit2-shapes, trained here on the shapes world). It generates images from
// a few prompts, two of them naming (colour, shape) pairs held out of training (text-to-image:
// MaskGIT decoding with classifier-free guidance, then the MAGVIT-v2 decoder), writes them as PNGs
// with 256 px copies and a contact sheet, reads each back and answers a question about it
// (understanding: image_transform, the MAGVIT-v2 encoder, greedy decoding with a KV cache), and
// prints the model's measured eval summary. --weights / --vq-weights run any other checkpoint.
//
// `showo demo --block`: the path from model code to gradients on one small Phi block, in a few
// seconds. It traces a Phi-style layer (QK-Norm, partial rotary, parallel residual) written in the
// DSL, prints what the Graph IR holds, runs it on the float64 reference interpreter with seeded
// random weights, builds the backward graph with autodiff, and checks a few gradient entries
// against central finite differences of the forward graph.

import type { Command } from "commander";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { openDevice } from "../../backends/wgsl/device.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import { Magvit2, magvit2DecodeGraph } from "../../models/magvit2.ts";
import { Showo, imageGrid } from "../../models/showo.ts";
import { compile } from "../../runtime/executable.ts";
import { contactSheet, upscaleNearest } from "../../runtime/contact-sheet.ts";
import type { Image } from "../../runtime/image.ts";
import { fromSigned, readPng, writePng } from "../../runtime/image.ts";
import { philoxNoise } from "../../runtime/sampling/noise.ts";
import { T2IForward, T2I_DEFAULTS, sampleT2I, t2iRows } from "../../runtime/sampling/t2i.ts";
import { detectScene } from "../../runtime/shapes/detect.ts";
import { DEFAULT_SHOWO_MODEL, SHIPPED_DIR, SHAPES_GUIDANCE, weightsFor } from "../../runtime/weights/shipped.ts";
import { MAGVIT2_KEYMAP, SHOWO_KEYMAP, loadWeights } from "../../runtime/weights/index.ts";
import type { EvalReport } from "./eval.ts";
import { summaryLine } from "./eval.ts";
import { showoConfigFor } from "./forward.ts";
import { collect, tokenize } from "./generate.ts";
import { answerText, encodeImages, questionPrompt, understand } from "./understand.ts";
import { magvit2ConfigFor } from "./vq.ts";
import { run } from "../../backends/reference/interpreter.ts";
import { arange, randn } from "../../compiler/dsl/init.ts";
import { initParams } from "../../compiler/dsl/nn.ts";
import type { Graph, Node } from "../../compiler/ir/graph.ts";
import { getOp } from "../../compiler/ir/ops.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { concreteShape, formatType } from "../../compiler/ir/types.ts";
import { grad } from "../../compiler/passes/autodiff.ts";
import type { PhiConfig } from "../../models/phi-block.ts";
import { PhiBlock, phiBlockGraph, rotaryDim } from "../../models/phi-block.ts";

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
// The main demo: text-to-image, then understanding, with the shipped model

export interface ShowoDemoOptions {
  readonly seed: number;
  readonly outDir: string;
  /** Prompts with a question to ask of each generated image. */
  readonly items: readonly DemoItem[];
  readonly steps: number;
  readonly guidance: number;
  readonly maxNewTokens: number;
  readonly model?: string;
  readonly weights?: string;
  readonly vqWeights?: string;
  /** Side of the upscaled copies and of the contact sheet's tiles. */
  readonly view?: number;
}

export interface DemoItem {
  readonly prompt: string;
  readonly question: string;
}

/** The demo's prompts: two of them name a (colour, shape) pair the model never saw in training. */
export const DEMO_ITEMS: readonly DemoItem[] = [
  { prompt: "a red circle", question: "What color is the circle?" },
  { prompt: "two blue squares on a white background", question: "How many squares are there?" },
  { prompt: "a large green triangle at the top", question: "Where is the triangle?" },
  { prompt: "a yellow circle and a red square", question: "What color is the square?" },
  { prompt: "a purple star", question: "What shape is in the image?" },
  { prompt: "a yellow cross on a black background", question: "What color is the background?" },
];

/** "red circle (left), blue square (right) on white", as the detector reads an image. */
export function describeDetection(img: Image): string {
  const d = detectScene(img);
  const objs = d.shapes.map((s) => `${s.size} ${s.color} ${s.shape} (${s.position})`);
  return `${objs.length ? objs.join(", ") : "no shapes"} on ${d.background}`;
}

export async function runShowoDemo(o: ShowoDemoOptions, log: (s: string) => void = console.log): Promise<{ images: string[]; sheet: string; answers: string[] }> {
  const t0 = performance.now();
  const cfg = showoConfigFor(o.model ?? DEFAULT_SHOWO_MODEL);
  const vq = magvit2ConfigFor(cfg.vqModel);
  const weightsPath = weightsFor(cfg.name, o.weights, "--weights"), vqPath = weightsFor(vq.name, o.vqWeights, "--vq-weights");
  const shipped = o.weights === undefined;
  log(`Show-o demo: text-to-image, then understanding, compiled to WGSL; ${cfg.name} + ${vq.name}${shipped ? " (the shipped weights, trained here on the shapes world: weights/shapes/MODEL_CARD.md)" : ` from ${weightsPath}`}.`);
  const model = new Showo(cfg);
  const weights = await loadWeights(weightsPath, model.namedParameters(), SHOWO_KEYMAP, { config: cfg });
  const vqModel = new Magvit2(vq);
  const vqWeights = await loadWeights(vqPath, vqModel.namedParameters(), MAGVIT2_KEYMAP, { config: vq });
  const prompts = o.items.map((i) => i.prompt);
  const texts = tokenize(prompts, cfg);
  const device = await openDevice();
  try {
    // 1. Text-to-image.
    const B = prompts.length, grid = imageGrid(cfg);
    const opts = { ...T2I_DEFAULTS, steps: o.steps, guidance: o.guidance };
    log("");
    log(`1. text-to-image: ${B} prompts, ${opts.steps} MaskGIT steps, guidance ${opts.guidance}, seed ${o.seed}, ${grid}×${grid} codes per image`);
    const { cond, uncond } = t2iRows(cfg, texts);
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
    const view = o.view ?? 256;
    const generated = prompts.map((_, b) => fromSigned(pixels, H, W, b * 3 * H * W));
    const images = prompts.map((p, b) => {
      const path = join(o.outDir, `t2i-${b}.png`);
      writePng(path, generated[b]!);
      writePng(join(o.outDir, `t2i-${b}-${view}px.png`), upscaleNearest(generated[b]!, view));
      log(`   "${p}" → ${path} (${W}×${H}; ${view} px copy beside it); the detector reads: ${describeDetection(generated[b]!)}`);
      return path;
    });
    const sheet = join(o.outDir, "sheet.png");
    writePng(sheet, contactSheet(generated.map((image, b) => ({ image, caption: prompts[b]! })), { tile: view, columns: Math.min(3, B) }));
    log(`   contact sheet: ${sheet}`);

    // 2. Understanding, on each image read back from its PNG.
    log("");
    log(`2. understanding: each PNG → image_transform → ${vq.name} encoder → [MMU] [SOI] codes [EOI] [SOT] question; greedy, KV cache`);
    const imgCodes = await encodeImages(images.map((p) => readPng(p)), cfg, vq, vqWeights, device);
    const r = await understand({ cfg, weights, prompts: o.items.map((it, b) => questionPrompt(cfg, imgCodes[b]!, it.question)), maxNewTokens: o.maxNewTokens, device });
    const answers = r.tokens.map((t) => answerText(t, cfg).trim());
    o.items.forEach((it, b) => log(`   ${images[b]}: ${it.question} → ${answers[b]}`));
    log(`   ${r.generated} tokens in ${r.runMs.toFixed(0)} ms after a ${r.compileMs.toFixed(0)} ms compile`);

    // 3. How good the model is, measured: the shipped eval (or how to measure another checkpoint).
    log("");
    const evalPath = join(SHIPPED_DIR, "eval.json");
    if (shipped && existsSync(evalPath)) {
      const e = JSON.parse(readFileSync(evalPath, "utf8")) as EvalReport;
      log(`3. the shipped model on ${e.n} held-out examples (weights/shapes/eval.json; rerun with npx showo eval shapes):`);
      log(`   ${summaryLine(e)}`);
    } else {
      log(`3. measure this checkpoint: npx showo eval shapes --model ${cfg.name} --weights ${weightsPath}`);
    }
    log("");
    log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return { images, sheet, answers };
  } finally {
    device.dispose();
  }
}

export function register(program: Command): void {
  program
    .command("demo")
    .description("Show-o end to end (WGSL) with the shipped model: text-to-image from a few prompts (PNGs, 256 px copies, a contact sheet), questions about each image, the model's eval summary; --block: the Phi-block IR/autodiff demo")
    .option("--block", "instead: trace a small Phi block, print its IR, run forward and backward on the reference interpreter, check gradients")
    .option("--seed <n>", "seed (sampling noise; --block: weights and inputs)", "0")
    .option("--out <dir>", "where the images go", "out/demo")
    .option("--model <name>", "Show-o model", DEFAULT_SHOWO_MODEL)
    .option("--weights <file>", "Show-o checkpoint (default: the shipped weights)")
    .option("--vq-weights <file>", "MAGVIT-v2 checkpoint (default: the shipped weights)")
    .option("--prompt <text>", "a prompt (repeatable; with --question, one question per prompt or one for all) instead of the demo's", collect, [] as string[])
    .option("--question <text>", "the question about each image (repeatable)", collect, [] as string[])
    .option("--steps <n>", "MaskGIT steps", String(T2I_DEFAULTS.steps))
    .option("--guidance <s>", "classifier-free guidance", String(SHAPES_GUIDANCE))
    .option("--max-new-tokens <n>", "answer length limit", "24")
    .option("--batch <n>", "--block: batch size", "2")
    .option("--seq <n>", "--block: sequence length", "12")
    .action(async (o: { block?: boolean; seed: string; out: string; model: string; weights?: string; vqWeights?: string; prompt: string[]; question: string[]; steps: string; guidance: string; maxNewTokens: string; batch: string; seq: string }) => {
      const seed = intOption(o.seed, "seed", 0);
      if (o.block) {
        runBlockDemo({ seed, batch: intOption(o.batch, "batch", 1), seq: intOption(o.seq, "seq", 1) });
        return;
      }
      let items = DEMO_ITEMS;
      if (o.prompt.length > 0) {
        if (o.question.length > 1 && o.question.length !== o.prompt.length) throw new Error(`give one --question, or one per --prompt (${o.prompt.length}); got ${o.question.length}`);
        items = o.prompt.map((prompt, i) => ({ prompt, question: o.question[o.question.length > 1 ? i : 0] ?? "What is in the image?" }));
      } else if (o.question.length > 0) {
        throw new Error("--question goes with --prompt");
      }
      const guidance = Number(o.guidance);
      if (!(Number.isFinite(guidance) && guidance >= 0)) throw new Error(`--guidance must be a number ≥ 0, got '${o.guidance}'`);
      await runShowoDemo({
        seed, outDir: o.out, items, steps: intOption(o.steps, "steps", 1), guidance, maxNewTokens: intOption(o.maxNewTokens, "max-new-tokens", 1), model: o.model,
        ...(o.weights !== undefined ? { weights: o.weights } : {}), ...(o.vqWeights !== undefined ? { vqWeights: o.vqWeights } : {}),
      });
    });
}
