// Memorisation: 200 AdamW steps of showo-tiny on one fixed mixed batch (a T2I row with a third of
// its image masked, an LM row) on WGSL drive the weighted loss below 5% of its start. A model
// that cannot fit two rows in 200 steps has a broken gradient, optimizer or state update; the
// golden test (tests/golden/train.test.ts) checks the numbers, this one checks that learning
// happens over a run long enough for errors in the state handling to compound.

import assert from "node:assert/strict";
import { afterAll, test } from "vitest";
import { initParams } from "../../compiler/dsl/nn.ts";
import { packSegments } from "../../compiler/ir/mask.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import { adamwStep, momentName, optimValues } from "../../compiler/passes/adamw.ts";
import { SHOWO_TINY, Showo } from "../../models/showo.ts";
import { showoLossGraph } from "../../models/showo-loss.ts";
import { IGNORE, MASK, lmPrompt, positionsFor, segmentsForBatch, t2iPrompt } from "../../models/showo-prompts.ts";
import { compile, openDeviceFor } from "../../runtime/executable.ts";
import { decays } from "../../runtime/training/optim.ts";
import { lrAt } from "../../runtime/training/schedule.ts";
import { TRAIN_SEGMENT_SLOTS } from "../../runtime/training/trainer.ts";

const STEPS = 200, FRACTION = 0.05;

const dev = await openDeviceFor("wgsl");
afterAll(() => dev.dispose());

test(`${STEPS} steps on one fixed batch drive showo-tiny's loss below ${FRACTION} of its start`, async () => {
  const cfg = SHOWO_TINY, model = new Showo(cfg);
  const lossGraph = showoLossGraph(cfg, { t2i: 1, lm: 1, mmu: 0, segmentSlots: TRAIN_SEGMENT_SLOTS }, undefined, model);
  const step = adamwStep(lossGraph, { loss: "loss", decay: (p) => decays("default", p) });
  const codes = Array.from({ length: cfg.imageTokens }, (_, i) => 50305 + ((i * 37) % 8192));
  const masked = (i: number) => i % 3 === 0;
  const rows = [
    t2iPrompt([64, 4590, 286, 257, 3797], codes.map((c, i) => (masked(i) ? MASK : c)), cfg, { imageLabels: codes.map((c, i) => (masked(i) ? c : IGNORE)) }),
    lmPrompt([464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290], cfg.textBudget + cfg.imageTokens + 3),
  ];
  const B = rows.length, L = rows[0]!.ids.length;
  const segs = packSegments(segmentsForBatch(rows), TRAIN_SEGMENT_SLOTS);
  const inputs: Record<string, RefTensor> = {
    ids: tensor("i32", [B, L], rows.flatMap((r) => r.ids)), labels: tensor("i32", [B, L], rows.flatMap((r) => r.labels!)),
    positions: tensor("i32", [L], positionsFor(L)), segments: tensor("i32", segs.shape, segs.data),
  };
  const exe = await compile(step.graph, { target: "wgsl", device: dev, state: step.state });
  try {
    const params = initParams(model, 1);
    for (const n of step.trainable) for (const w of ["m", "v"] as const) params[momentName(w, n)] = tensor("f32", params[n]!.shape);
    exe.setParams(params);
    const losses: number[] = [];
    for (let k = 0; k < STEPS; k++) {
      const out = await exe.run({ ...inputs, optim: tensor("f32", [4], optimValues(k + 1, lrAt(k, 3e-3, 10, STEPS), 1.0)) });
      losses.push(out["loss"]!.data[0]!);
    }
    assert.ok(losses.every(Number.isFinite), "a loss was not finite");
    const last = losses[STEPS - 1]!;
    console.log(`# loss ${losses[0]!.toFixed(3)} → ${last.toFixed(4)} in ${STEPS} steps (${(last / losses[0]!).toExponential(2)} of the start)`);
    assert.ok(last < FRACTION * losses[0]!, `loss ${losses[0]} → ${last} after ${STEPS} steps; expected below ${FRACTION} of the start`);
  } finally {
    exe.dispose();
  }
});
