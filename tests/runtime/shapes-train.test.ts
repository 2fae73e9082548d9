// The shapes recipe end to end, in miniature: `showo data shapes` output feeds both trainers (the
// tokenizer, then Show-o with the tokenizer it just trained, through the words tokenizer and the
// compact vocabulary), and the result generates, answers and evaluates. A smoke test of the
// plumbing on a handful of images, not of quality (the shipped weights' test covers that).

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, test } from "vitest";
import { evalShapes, summaryLine } from "../../cli/commands/eval.ts";
import { MAGVIT2_SHAPES } from "../../models/magvit2.ts";
import { showoConfigOf, resolveConfig } from "../../runtime/training/config.ts";
import { openDeviceFor } from "../../runtime/executable.ts";
import { writeShapesData } from "../../runtime/shapes/files.ts";
import { Trainer } from "../../runtime/training/trainer.ts";

const root = mkdtempSync(join(tmpdir(), "showo-shapes-train-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const dev = await openDeviceFor("wgsl");
afterAll(() => dev.dispose());

test("shapes recipe in miniature: data → magvit2-shapes → showo-shapes (small sizes) → eval", async () => {
  const data = join(root, "data");
  writeShapesData({ out: data, n: 6, heldoutN: 2, seed: 3 });
  const vqOut = join(root, "vq");
  const vqCfg = resolveConfig([{ values: { model: "magvit2-shapes", images: join(data, "train"), batch: 3, steps: 2, lr: 1e-3, seed: 1 }, where: "test", dir: root }]);
  const vqLast = await new Trainer(vqCfg, vqOut).run({ out: vqOut, device: dev });
  assert.ok(vqLast && Number.isFinite(vqLast.losses["loss"]!));

  const out = join(root, "showo");
  const sizes = { layers: 1, hidden: 32, heads: 2, mlp: 64 };
  const c = resolveConfig([{
    values: {
      model: "showo-shapes", sizes, images: join(data, "train"), text: join(data, "train-text.jsonl"), qa: join(data, "train-qa.jsonl"),
      vqWeights: join(vqOut, "model.safetensors"), t2iBatch: 2, lmBatch: 1, mmuBatch: 2, steps: 2, lr: 1e-3, seed: 1,
    },
    where: "test",
    dir: root,
  }]);
  const last = await new Trainer(c, out).run({ out, device: dev });
  assert.ok(last && ["loss_t2i", "loss_lm", "loss_mmu"].every((k) => Number.isFinite(last.losses[k]!)), JSON.stringify(last?.losses));
  // An untrained model's cross-entropy is about ln V (V = 1,111 here, not Phi's 58,498).
  assert.ok(Math.abs(last.losses["loss_t2i"]! - Math.log(1111)) < 1.5, `loss_t2i ${last.losses["loss_t2i"]}`);

  const cfg = showoConfigOf(c);
  const r = await evalShapes({ cfg, vq: MAGVIT2_SHAPES, weights: join(out, "model.safetensors"), vqWeights: join(vqOut, "model.safetensors"), device: dev, n: 2, steps: 2, worldSeed: 3 });
  assert.equal(r.t2i.guided.scores.all.overall.n, 2);
  assert.ok(r.mmu.questions > 0 && Number.isFinite(r.tokenizer.psnr));
  assert.match(summaryLine(r), /^eval shapes: t2i \d\.\d\d \(color [\d.–]+, shape [\d.–]+, count [\d.–]+, position [\d.–]+\), mmu [\d.–]+, psnr -?\d+\.\d dB$/);
  assert.match(readFileSync(join(out, "config.json"), "utf8"), /"showo-shapes"/);
});
