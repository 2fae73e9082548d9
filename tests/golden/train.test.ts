// Show-o training against tests/golden/train.py (an independent float64 PyTorch program): for
// showo-tiny on a fixed mixed batch [T2I T2I | LM | MMU], the three losses and the gradient of
// every parameter, then 10 AdamW steps (warm-up 3, half-cosine, clipping at 1.0, the default decay
// filter) with the loss trajectory and the parameters after the last step. Ours: the loss graph of
// models/showo-loss.ts differentiated by autodiff, and the step of compiler/passes/adamw.ts run as
// one executable with its state on the device, on $SHOWO_TARGET (WGSL by default).
//
// The batch's ids and labels are the fixture's; the masks come from our own segmentsForBatch.
// Tolerances (f32 against float64): losses, gradient norms and the trajectory within 1e-4
// relative; each gradient within 1e-4 of its largest entry (the two [58498, 64] tensors on the
// stored row subset, plus their full per-row norms); the parameters after 10 steps within 1e-4 of
// each tensor's largest entry.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { afterAll, test } from "vitest";
import { packSegments } from "../../compiler/ir/mask.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import { grad } from "../../compiler/passes/autodiff.ts";
import { adamwStep, momentName, optimValues } from "../../compiler/passes/adamw.ts";
import { SHOWO_TINY, Showo } from "../../models/showo.ts";
import { showoLossGraph } from "../../models/showo-loss.ts";
import type { Task } from "../../models/showo-prompts.ts";
import { positionsFor, segmentsForBatch } from "../../models/showo-prompts.ts";
import { compile } from "../../runtime/executable.ts";
import { npyToFloat64, readNpy } from "../../runtime/npy.ts";
import { decays } from "../../runtime/training/optim.ts";
import { lrAt } from "../../runtime/training/schedule.ts";
import { TRAIN_SEGMENT_SLOTS } from "../../runtime/training/trainer.ts";
import { SHOWO_KEYMAP, SafetensorsFile, loadWeights } from "../../runtime/weights/index.ts";
import { openGoldenDevice } from "./fixtures.ts";

const DIR = new URL("./train-fixtures/", import.meta.url).pathname;
const WEIGHTS = new URL("./fixtures/showo-tiny.safetensors", import.meta.url).pathname;
const TOL = 1e-4;

interface Index {
  showo: {
    batch: { layout: { task: Task; rows: [number, number] }[]; seq_len: number; ids: number[][]; labels: number[][] };
    loss: { coefficients: { t2i: number; lm: number; mmu: number } };
    initial_losses: Record<"t2i" | "lm" | "mmu" | "total", number>;
    grad: { file: string; row_norms: Record<string, string> };
    rows: number[];
    train: {
      steps: number;
      optimizer: { lr: number; betas: [number, number]; eps: number; weight_decay: number };
      schedule: { warmup_steps: number; total_steps: number; base_lr: number };
      clip: { max_norm: number };
      no_decay: string[];
      trajectory: { step: number; losses: Record<string, number>; grad_norm: number; lr: number }[];
      final_losses: Record<string, number>;
      params: { file: string };
    };
  };
}

const index = JSON.parse(readFileSync(`${DIR}index.json`, "utf8")) as Index;
const S = index.showo;
const cfg = SHOWO_TINY;
const rowsOf = (t: Task) => S.batch.layout.filter((l) => l.task === t).reduce((n, l) => n + l.rows[1] - l.rows[0], 0);
const layout = { t2i: rowsOf("t2i"), lm: rowsOf("lm"), mmu: rowsOf("mmu"), segmentSlots: TRAIN_SEGMENT_SLOTS };
const B = S.batch.ids.length, L = S.batch.seq_len;
const tasks: Task[] = S.batch.ids.map((_, b) => S.batch.layout.find((l) => b >= l.rows[0] && b < l.rows[1])!.task);
const segs = packSegments(segmentsForBatch(S.batch.ids.map((ids, b) => ({ ids, task: tasks[b]! }))), TRAIN_SEGMENT_SLOTS);
const inputs: Record<string, RefTensor> = {
  ids: tensor("i32", [B, L], S.batch.ids.flat()),
  labels: tensor("i32", [B, L], S.batch.labels.flat()),
  positions: tensor("i32", [L], positionsFor(L)),
  segments: tensor("i32", segs.shape, segs.data),
};
const BIG = new Set(Object.keys(S.grad.row_norms));

const dev = await openGoldenDevice();
const target = dev.target;
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

/** Rows `rows` of a [V, H] tensor's values. */
function pickRows(data: ArrayLike<number>, H: number, rows: readonly number[]): Float64Array {
  const out = new Float64Array(rows.length * H);
  rows.forEach((r, i) => {
    for (let j = 0; j < H; j++) out[i * H + j] = data[r * H + j]!;
  });
  return out;
}

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string): number {
  assert.equal(got.length, want.length, `${what}: ${got.length} values, expected ${want.length}`);
  let scale = 0, err = 0, at = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]!));
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i]! - want[i]!);
    if (!(e <= err)) {
      err = e;
      at = i;
    }
  }
  const rel = err / Math.max(scale, 1e-30);
  assert.ok(rel <= TOL, `${what}: max error ${err.toExponential(3)} at ${at} (got ${got[at]}, want ${want[at]}) is ${rel.toExponential(3)} of the largest entry ${scale.toExponential(3)}`);
  return rel;
}

/**
 * Parameters after training: each within 1e-4 of the tensor's largest entry, except entries whose
 * exact gradient vanishes (below 1e-6 of the tensor's largest at step 0: the k LayerNorm's bias on
 * the dimensions rotary leaves alone, which softmax's shift invariance zeroes). There the
 * gradient is rounding noise on both sides, and Adam, which divides by its magnitude, turns noise
 * into steps of size lr in arbitrary directions; those entries are counted, not compared.
 */
function paramsClose(got: ArrayLike<number>, want: ArrayLike<number>, grad0: ArrayLike<number> | undefined, what: string): { rel: number; skipped: number } {
  let gmax = 0;
  if (grad0) for (let i = 0; i < grad0.length; i++) gmax = Math.max(gmax, Math.abs(grad0[i]!));
  const keep = (i: number) => !grad0 || Math.abs(grad0[i]!) > 1e-6 * gmax;
  const g: number[] = [], w: number[] = [];
  for (let i = 0; i < want.length; i++) {
    if (!keep(i)) continue;
    g.push(got[i]!);
    w.push(want[i]!);
  }
  return { rel: assertClose(g, w, what), skipped: want.length - w.length };
}

const closeRel = (got: number, want: number, what: string) =>
  assert.ok(Math.abs(got - want) <= TOL * Math.abs(want), `${what}: ${got} vs ${want} (relative ${(Math.abs(got - want) / Math.abs(want)).toExponential(2)})`);

const model = new Showo(cfg);
const weights = await loadWeights(WEIGHTS, model.namedParameters(), SHOWO_KEYMAP);
const lossGraph = showoLossGraph(cfg, layout, S.loss.coefficients, model);

test("showo-tiny losses and every parameter's gradient match train.py", async (t) => {
  if (dev.skip) t.skip(dev.skip);
  const g = grad(lossGraph, { loss: "loss" });
  const exe = await compile(g, { target, device: dev.get() } as Parameters<typeof compile>[1]);
  try {
    exe.setParams(weights);
    const out = await exe.run(inputs);
    for (const k of ["t2i", "lm", "mmu"] as const) closeRel(out[`loss_${k}`]!.data[0]!, S.initial_losses[k], `loss_${k}`);
    closeRel(out["loss"]!.data[0]!, S.initial_losses.total, "loss");
    const want = await readAll(S.grad.file);
    let worst = 0;
    for (const p of model.namedParameters()) {
      const got = out[`grad.${p.name}`]!;
      assert.ok(want[p.name], `train.py stored no gradient for '${p.name}'`);
      if (BIG.has(p.name)) {
        const H = got.shape[1]!;
        worst = Math.max(worst, assertClose(pickRows(got.data, H, S.rows), want[p.name]!, `grad ${p.name} (row subset)`));
        const norms = npyToFloat64(readNpy(`${DIR}${S.grad.row_norms[p.name]}`), p.name);
        const ours = new Float64Array(norms.length);
        for (let r = 0; r < norms.length; r++) {
          let s = 0;
          for (let j = 0; j < H; j++) s += got.data[r * H + j]! ** 2;
          ours[r] = Math.sqrt(s);
        }
        worst = Math.max(worst, assertClose(ours, norms, `grad ${p.name} (row norms)`));
      } else {
        worst = Math.max(worst, assertClose(got.data, want[p.name]!, `grad ${p.name}`));
      }
    }
    console.log(`# ${model.namedParameters().length} gradients within ${worst.toExponential(2)} of their largest entries (${target})`);
  } finally {
    exe.dispose();
  }
});

test("10 AdamW steps (warm-up, half-cosine, clipping, decay filter) follow train.py's trajectory", async (t) => {
  if (dev.skip) t.skip(dev.skip);
  const T = S.train, opt = T.optimizer;
  const step = adamwStep(lossGraph, { loss: "loss", beta1: opt.betas[0], beta2: opt.betas[1], eps: opt.eps, weightDecay: opt.weight_decay, decay: (p) => decays("default", p) });
  // Our default filter is the fixture's.
  assert.deepEqual([...step.trainable].filter((p) => !step.decayed.includes(p)).sort(), [...T.no_decay].sort());
  const exe = await compile(step.graph, { target, device: dev.get(), state: step.state } as Parameters<typeof compile>[1]);
  try {
    const params: Record<string, RefTensor> = { ...weights };
    for (const n of step.trainable) {
      for (const w of ["m", "v"] as const) params[momentName(w, n)] = tensor("f32", weights[n]!.shape);
    }
    exe.setParams(params);
    for (let k = 0; k < T.steps; k++) {
      const lr = lrAt(k, T.schedule.base_lr, T.schedule.warmup_steps, T.schedule.total_steps);
      const want = T.trajectory[k]!;
      assert.ok(Math.abs(lr - want.lr) <= 1e-12, `lr at step ${k}: ${lr} vs ${want.lr}`);
      const out = await exe.run({ ...inputs, optim: tensor("f32", [4], optimValues(k + 1, lr, T.clip.max_norm, opt.betas[0], opt.betas[1])) });
      for (const t of ["t2i", "lm", "mmu"]) closeRel(out[`loss_${t}`]!.data[0]!, want.losses[t]!, `step ${k} loss_${t}`);
      closeRel(out["loss"]!.data[0]!, want.losses["total"]!, `step ${k} loss`);
      closeRel(out["grad_norm"]!.data[0]!, want.grad_norm, `step ${k} grad_norm`);
    }
    const wantParams = await readAll(T.params.file);
    const wantGrad = await readAll(S.grad.file);
    let worst = 0, flat = 0;
    for (const p of model.namedParameters()) {
      const got = await exe.readParam(p.name);
      const ours = BIG.has(p.name) ? pickRows(got.data, got.shape[1]!, S.rows) : got.data;
      const { rel, skipped } = paramsClose(ours, wantParams[p.name]!, BIG.has(p.name) ? undefined : wantGrad[p.name]!, `${p.name} after ${T.steps} steps`);
      worst = Math.max(worst, rel);
      flat += skipped;
    }
    const last = await exe.run({ ...inputs, optim: tensor("f32", [4], optimValues(T.steps + 1, 0, null)) });
    closeRel(last["loss"]!.data[0]!, T.final_losses["total"]!, "loss after the last step");
    console.log(`# parameters after ${T.steps} steps within ${worst.toExponential(2)} of their largest entries (${target}); ${flat} entries with a vanishing gradient left out`);
  } finally {
    exe.dispose();
  }
});
