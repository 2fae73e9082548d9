// The training loop: one compiled step executable (forward, backward, clipping, AdamW; new
// parameters and moments written over the old on the device), fed batch by batch.
//
//   per step   host: the batch of step s + 1 is built while the device runs step s
//              up:   the batch and optim = [lr, lr/bc₁, √bc₂, max_norm] (compiler/passes/adamw.ts)
//              down: the scalar losses and the gradient norm
//   on save    the weights and moments are read back and written as a checkpoint
//
// A run is a pure function of its config and seed: the batches depend only on (seed, step)
// (runtime/training/data.ts), the learning rate only on the step, and the kernels are
// deterministic, so a run resumed from the checkpoint of step k ends with the same bytes as a run
// that never stopped.

import { tokenizerFor } from "../tokenizer/index.ts";
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { initParams } from "../../compiler/dsl/nn.ts";
import type { Module } from "../../compiler/dsl/nn.ts";
import type { Graph } from "../../compiler/ir/graph.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import type { TrainStep } from "../../compiler/passes/adamw.ts";
import { OPTIM_INPUT, adamwStep, momentName, optimValues } from "../../compiler/passes/adamw.ts";
import { Magvit2, downFactor, getMagvit2Config, magvit2EncodeGraph } from "../../models/magvit2.ts";
import { magvit2LossGraph } from "../../models/magvit2-loss.ts";
import { Showo, imageGrid } from "../../models/showo.ts";
import type { ShowoBatchLayout } from "../../models/showo-loss.ts";
import { LOSS_TERMS, showoLossGraph } from "../../models/showo-loss.ts";
import type { Device } from "../device.ts";
import type { Executable } from "../executable.ts";
import { compile, targetOf } from "../executable.ts";
import { MAGVIT2_KEYMAP, SHOWO_KEYMAP, loadWeights } from "../weights/index.ts";
import { loadCheckpoint, resolveCheckpointDir, saveCheckpoint, writeFileAtomic, writeTensorsAtomic, MODEL_FILE } from "./checkpoint.ts";
import type { TrainConfig } from "./config.ts";
import { magvit2ConfigOf, modelKind, showoConfigOf } from "./config.ts";
import { ImageData, ShowoData, readCaptionFolder, readImageFolder, readQaFile, readTextFile } from "./data.ts";
import { drawLossCurve } from "./plot.ts";
import { readSamplePrompts, writeTrainingSamples } from "./samples.ts";
import { decays } from "./optim.ts";
import { lrAt } from "./schedule.ts";

/** Segment slots of every Show-o training batch: T2I rows need at most 3, MMU 2, LM none. */
export const TRAIN_SEGMENT_SLOTS = 4;

export interface StepMetrics {
  /** Steps done (1-based index of the step just taken). */
  readonly step: number;
  readonly totalSteps: number;
  /** The weighted total and each term (absent terms are missing). */
  readonly losses: Readonly<Record<string, number>>;
  readonly lr: number;
  readonly gradNorm: number;
  readonly stepMs: number;
  /** Host time between the previous step's results and this step's submission (the device idles then). */
  readonly hostGapMs: number;
  /** Non-pad tokens (Show-o) or images (MAGVIT-v2) per second of this step. */
  readonly throughput: number;
  readonly throughputUnit: "tokens/s" | "images/s";
}

/** What a batch source gives the step: its inputs, and how much work it is. */
interface BatchSource {
  batch(step: number): { inputs: Record<string, RefTensor>; work: number };
}

export interface TrainerOptions {
  readonly out: string;
  /** A run folder or checkpoint folder to continue from. */
  readonly resume?: string;
  readonly device: Device;
  /** Called once the data is ready and the step compiled, before the first step. */
  readonly onReady?: (info: { startStep: number; compileMs: number; parameters: number; kernels: number; dispatches: number }) => void;
  readonly onStep?: (m: StepMetrics) => void;
  readonly onSave?: (dir: string) => void;
  /** Called with the PNG of each sample grid written (--sample-every). */
  readonly onSample?: (png: string) => void;
  readonly log?: (line: string) => void;
}

function deviceTarget(d: Device): "wgsl" | "cuda" {
  const t = targetOf(d);
  if (!t) throw new Error(`training: '${d.description}' is neither a WGSL nor a CUDA device`);
  return t;
}

export class Trainer {
  readonly config: TrainConfig;
  readonly out: string;
  readonly kind: "showo" | "magvit2";
  #stop = false;

  constructor(config: TrainConfig, out: string) {
    this.config = config;
    this.out = out;
    this.kind = modelKind(config.model);
  }

  /** Ask the loop to stop after the step in flight (it then saves a checkpoint). */
  requestStop(): void {
    this.#stop = true;
  }

  /** Runs from the start (or the resumed step) to config.steps; returns the last metrics. */
  async run(o: TrainerOptions): Promise<StepMetrics | undefined> {
    const c = this.config;
    const log = o.log ?? (() => {});
    mkdirSync(o.out, { recursive: true });
    const resumed = o.resume ? await loadCheckpoint(resolveCheckpointDir(o.resume)) : undefined;
    const startStep = resumed?.state.step ?? 0;
    if (resumed && resumed.state.model !== c.model) throw new Error(`--resume ${resumed.dir}: the checkpoint is of '${resumed.state.model}', the config trains '${c.model}'`);
    if (startStep > c.steps) throw new Error(`--resume ${resumed!.dir}: the checkpoint is at step ${startStep}, beyond the run's ${c.steps} steps`);
    writeFileAtomic(join(o.out, "config.json"), `${JSON.stringify(c, null, 2)}\n`);

    if (c.sampleEvery > 0 && this.kind === "showo") readSamplePrompts(c.samplePrompts!); // bad lines fail before any work
    const built = this.kind === "showo" ? await this.#showo(o.device, log) : this.#magvit2();
    const step = adamwStep(built.graph, {
      loss: "loss", beta1: c.beta1, beta2: c.beta2, eps: c.eps, weightDecay: c.weightDecay, decay: (p) => decays(c.decayFilter, p),
    });
    const t0 = performance.now();
    const exe = await compile(step.graph, { target: deviceTarget(o.device), device: o.device, state: step.state });
    try {
      const params = await this.#initialState(built.module, step, resumed);
      exe.setParams(params);
      const summary = exe.summary();
      o.onReady?.({ startStep, compileMs: performance.now() - t0, parameters: step.trainable.reduce((n, p) => n + params[p]!.data.length, 0), kernels: summary.kernels, dispatches: summary.dispatchesPerRun });
      const metricsFile = join(o.out, "metrics.csv");
      const columns = ["step", "loss", ...built.terms, "lr", "grad_norm", built.unit === "tokens/s" ? "tokens_per_s" : "images_per_s", "step_ms"];
      this.#startMetrics(metricsFile, columns, startStep);

      let last: StepMetrics | undefined;
      let next = startStep < c.steps ? built.source.batch(startStep) : undefined;
      let lastDone: number | undefined;
      for (let s = startStep; s < c.steps; s++) {
        const lr = lrAt(s, c.lr, c.warmup, c.steps);
        const optim = tensor("f32", [4], optimValues(s + 1, lr, c.clip, c.beta1, c.beta2));
        const cur = next!;
        const ts = performance.now();
        const hostGapMs = lastDone === undefined ? 0 : ts - lastDone;
        const running = exe.run({ ...cur.inputs, [OPTIM_INPUT]: optim });
        next = s + 1 < c.steps ? built.source.batch(s + 1) : undefined; // host work while the device runs
        const out = await running;
        const ms = performance.now() - ts;
        lastDone = performance.now();
        const losses: Record<string, number> = {};
        for (const k of ["loss", ...built.terms]) if (out[k]) losses[k] = out[k]!.data[0]!;
        const gradNorm = out["grad_norm"]!.data[0]!;
        const bad = Object.entries({ ...losses, grad_norm: gradNorm }).find(([, v]) => !Number.isFinite(v));
        if (bad) {
          throw new Error(`step ${s + 1}: ${bad[0]} is ${bad[1]} (lr ${lr}); stopping without saving this step's weights` +
            ` (the last checkpoint${resumed || c.saveEvery ? "" : ", if any,"} is intact; try a lower --lr or --clip)`);
        }
        last = { step: s + 1, totalSteps: c.steps, losses, lr, gradNorm, stepMs: ms, hostGapMs, throughput: cur.work / (ms / 1000), throughputUnit: built.unit };
        if ((s + 1) % c.logEvery === 0 || s + 1 === c.steps) {
          const row = [s + 1, losses["loss"], ...built.terms.map((t) => losses[t]), lr, gradNorm, last.throughput, ms];
          appendFileSync(metricsFile, `${row.map((v) => (v === undefined ? "" : String(v))).join(",")}\n`);
        }
        o.onStep?.(last);
        const stopping = this.#stop && s + 1 < c.steps;
        if (s + 1 === c.steps || stopping || (c.saveEvery > 0 && (s + 1) % c.saveEvery === 0)) {
          const dir = await this.#save(exe, step, s + 1);
          o.onSave?.(dir);
        }
        if (c.sampleEvery > 0 && this.kind === "showo" && (s + 1) % c.sampleEvery === 0) {
          const weights: Record<string, RefTensor> = {};
          for (const p of built.module.namedParameters()) weights[p.name] = await exe.readParam(p.name);
          const vqModel = c.vqModel ?? showoConfigOf(c).vqModel;
          if (!c.vqWeights) throw new Error("config field 'vqWeights': --sample-every decodes images with the MAGVIT-v2 tokenizer (--vq-weights FILE)");
          const png = await writeTrainingSamples({
            device: o.device, model: c.model, modelConfig: showoConfigOf(c), weights, vqModel, vqWeights: c.vqWeights, promptsFile: c.samplePrompts!,
            guidance: c.sampleGuidance, steps: c.sampleSteps, seed: c.seed, step: s + 1, outDir: o.out,
          });
          o.onSample?.(png);
        }
        if (stopping) {
          log(`stopped at step ${s + 1} of ${c.steps}; resume with --resume ${o.out}`);
          break;
        }
      }
      if (startStep === c.steps) log(`the checkpoint is already at step ${c.steps}: nothing to do`);
      return last;
    } finally {
      exe.dispose();
    }
  }

  #startMetrics(file: string, columns: string[], startStep: number): void {
    const header = `${columns.join(",")}\n`;
    if (startStep === 0 || !existsSync(file)) {
      writeFileAtomic(file, header);
      return;
    }
    // Resuming: keep the rows up to the checkpoint's step (a later crash may have logged more).
    const lines = readFileSync(file, "utf8").split("\n").filter((l) => l.length > 0);
    if (lines[0] !== header.trimEnd()) {
      writeFileAtomic(file, header);
      return;
    }
    const kept = lines.slice(1).filter((l) => Number(l.split(",")[0]) <= startStep);
    writeFileAtomic(file, [header.trimEnd(), ...kept].join("\n") + "\n");
  }

  /** Weights (initial, --init-weights, or the checkpoint's) and moments (zero or the checkpoint's). */
  async #initialState(module: Module, step: TrainStep, resumed: Awaited<ReturnType<typeof loadCheckpoint>> | undefined): Promise<Record<string, RefTensor>> {
    const c = this.config;
    const expected = module.namedParameters();
    let weights: Record<string, RefTensor>;
    if (resumed) {
      weights = {};
      for (const p of expected) {
        const t = resumed.weights[p.name];
        if (!t) throw new Error(`checkpoint ${resumed.dir}: ${MODEL_FILE} has no tensor '${p.name}'`);
        weights[p.name] = t;
      }
    } else if (c.initWeights) {
      weights = await loadWeights(c.initWeights, expected, this.kind === "showo" ? SHOWO_KEYMAP : MAGVIT2_KEYMAP, { config: (module as Showo | Magvit2).cfg });
    } else {
      weights = initParams(module, c.seed);
    }
    const all: Record<string, RefTensor> = {};
    for (const p of expected) {
      const t = weights[p.name]!;
      all[p.name] = t.dtype === "f32" ? t : tensor("f32", t.shape, t.data);
    }
    for (const name of step.trainable) {
      for (const which of ["m", "v"] as const) {
        const key = momentName(which, name);
        const t = resumed?.moments[key];
        if (resumed && !t) throw new Error(`checkpoint ${resumed.dir}: the optimizer state has no tensor '${key}'`);
        all[key] = t ?? tensor("f32", all[name]!.shape, new Float32Array(all[name]!.data.length));
      }
    }
    return all;
  }

  async #save(exe: Executable<Device>, step: TrainStep, stepsDone: number): Promise<string> {
    const c = this.config;
    const weights: Record<string, RefTensor> = {}, moments: Record<string, RefTensor> = {};
    for (const p of exe.graph.params) {
      const name = String(p.attrs["name"]);
      (name.startsWith("optim.") ? moments : weights)[name] = await exe.readParam(name);
    }
    void step;
    const dir = await saveCheckpoint(this.out, {
      step: stepsDone, totalSteps: c.steps, model: c.model, seed: c.seed, rng: { seed: c.seed, nextStep: stepsDone },
    }, weights, moments, c.keepCheckpoints);
    const modelConfig = this.kind === "showo" ? showoConfigOf(c) : magvit2ConfigOf(c);
    await writeTensorsAtomic(join(this.out, MODEL_FILE), weights, { format: "pt", model: c.model, config: JSON.stringify(modelConfig), step: String(stepsDone) });
    drawLossCurve(join(this.out, "metrics.csv"), join(this.out, "loss.png"));
    return dir;
  }

  async #showo(device: Device, log: (l: string) => void): Promise<{ graph: Graph; module: Module; source: BatchSource; terms: string[]; unit: "tokens/s" }> {
    const c = this.config;
    const cfg = showoConfigOf(c);
    const captions = c.images ? readCaptionFolder(c.images) : undefined;
    const text = c.text ? readTextFile(c.text) : undefined;
    const qa = c.qa ? readQaFile(c.qa) : undefined;
    const rows = { t2i: captions ? c.t2iBatch : 0, lm: text ? c.lmBatch : 0, mmu: qa ? c.mmuBatch : 0 };
    const layout: ShowoBatchLayout = { ...rows, segmentSlots: TRAIN_SEGMENT_SLOTS };
    const vqCfg = getMagvit2Config(c.vqModel ?? cfg.vqModel);
    if (2 ** vqCfg.zChannels !== cfg.codebookSize) throw new Error(`config field 'vqModel': ${vqCfg.name} has ${2 ** vqCfg.zChannels} codes; ${cfg.name} has ${cfg.codebookSize} image ids`);
    const resolution = imageGrid(cfg) * downFactor(vqCfg);
    let encoder: Executable<Device> | undefined;
    const encodeImages = async (pixels: Float32Array[]): Promise<number[][]> => {
      if (!encoder) {
        const vq = new Magvit2(vqCfg);
        const weights = await loadWeights(c.vqWeights!, vq.namedParameters(), MAGVIT2_KEYMAP, { config: vqCfg });
        encoder = await compile(magvit2EncodeGraph(vqCfg, { batch: 1, size: resolution }, vq), { target: deviceTarget(device), device });
        const used = new Set(encoder.graph.params.map((p) => String(p.attrs["name"])));
        encoder.setParams(Object.fromEntries(Object.entries(weights).filter(([k]) => used.has(k))));
      }
      const out: number[][] = [];
      for (const px of pixels) {
        const r = await encoder.run({ image: tensor("f32", [1, 3, resolution, resolution], px) });
        out.push(Array.from(r["codes"]!.data));
      }
      return out;
    };
    const data = new ShowoData({
      config: cfg, resolution, ...(captions ? { captions } : {}), ...(text ? { text } : {}), ...(qa ? { qa } : {}),
      rows, seed: c.seed, condDropout: c.condDropout, selfLabelSoiEoi: c.selfLabelSoiEoi, backgroundKeep: c.backgroundKeep, segmentSlots: TRAIN_SEGMENT_SLOTS, encodeImages,
      tokenizer: tokenizerFor(cfg),
    });
    try {
      const n = data.images().length;
      if (n > 0) log(`tokenizing ${n} images with ${vqCfg.name} at ${resolution}×${resolution}`);
      await data.prepare();
    } finally {
      encoder?.dispose();
    }
    const model = new Showo(cfg);
    const graph = showoLossGraph(cfg, layout, { t2i: c.t2iCoeff, lm: c.lmCoeff, mmu: c.mmuCoeff }, model);
    const source: BatchSource = {
      batch(s) {
        const b = data.batch(s);
        return {
          inputs: {
            ids: tensor("i32", [b.B, b.L], b.ids), labels: tensor("i32", [b.B, b.L], b.labels),
            positions: tensor("i32", [b.L], b.positions), segments: tensor("i32", [b.B, b.S, 3], b.segments),
          },
          work: b.tokens,
        };
      },
    };
    return { graph, module: model, source, terms: LOSS_TERMS.filter((t) => rows[t] > 0).map((t) => `loss_${t}`), unit: "tokens/s" };
  }

  #magvit2(): { graph: Graph; module: Module; source: BatchSource; terms: string[]; unit: "images/s" } {
    const c = this.config;
    const cfg = magvit2ConfigOf(c);
    const images = readImageFolder(c.images!);
    const resolution = c.resolution ?? (cfg.ch <= 32 ? 32 : 256);
    const data = new ImageData({ images, resolution, rows: c.batch, seed: c.seed });
    const model = new Magvit2(cfg);
    const graph = magvit2LossGraph(cfg, { batch: c.batch, resolution, recon: c.recon, commitWeight: c.commitWeight, entropyWeight: c.entropyWeight, temperature: c.temperature }, model);
    const source: BatchSource = {
      batch(s) {
        const b = data.batch(s);
        return { inputs: { images: tensor("f32", [b.B, 3, b.R, b.R], b.images) }, work: b.B };
      },
    };
    return { graph, module: model, source, terms: ["loss_recon", "loss_commit", "loss_entropy"], unit: "images/s" };
  }
}
