// showo-tiny against the independent PyTorch implementation (tests/golden/reference.py, float64,
// written from design/showo.md): the same f16 weights loaded through runtime/weights under the
// checkpoint's `showo.`-prefixed names, the same ids rebuilt with models/showo-prompts.ts, and
//   - the mask of every layout: denseMask of our segments equals PyTorch's dense mask exactly
//     (create_attention_mask_predict_next with rm_pad_in_image, create_attention_mask_for_mmu,
//     causal LM, and §3.3's toy matrices);
//   - logits compiled for $SHOWO_TARGET (WGSL by default; CUDA skips without a driver):
//     max|ours − ref| ≤ 1e-4·max|ref| at the stored full-vocabulary positions and over the image
//     columns [50305, 58497) at every T2I image position;
//   - the reference interpreter on the LM case, to the same tolerance.

import assert from "node:assert/strict";
import { afterAll, beforeAll, test } from "vitest";
import { run } from "../../backends/reference/interpreter.ts";
import type { Segment } from "../../compiler/ir/mask.ts";
import { denseMask, packSegments } from "../../compiler/ir/mask.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import { SHOWO_TINY, Showo, showoGraph } from "../../models/showo.ts";
import { lmPrompt, mmuPrompt, positionsFor, segmentsForBatch, t2iGenPrompt, t2iUncondPrompt } from "../../models/showo-prompts.ts";
import { compile } from "../../runtime/executable.ts";
import { SHOWO_KEYMAP, loadWeights } from "../../runtime/weights/index.ts";
import type { ShowoCase } from "./fixtures.ts";
import { assertMaxNormClose, fixture, fixturePath, fixtureValues, gatherRows, goldenIndex, openGoldenDevice, sliceLogits } from "./fixtures.ts";

const RTOL = 1e-4;
const index = goldenIndex();
const model = new Showo(SHOWO_TINY);
let weights: Record<string, RefTensor>;
const dev = await openGoldenDevice();

beforeAll(async () => {
  weights = await loadWeights(fixturePath(index.showo.weights), model.namedParameters(), SHOWO_KEYMAP);
});
afterAll(() => dev.dispose());

/** The case's rows rebuilt with our prompt builders from the same text, image and question ids. */
function buildIds(c: ShowoCase): number[][] {
  const { text, image, question, seq } = c.inputs;
  switch (c.task) {
    case "t2i": return [t2iGenPrompt(text!, SHOWO_TINY, image!).ids, t2iUncondPrompt(SHOWO_TINY, image!).ids];
    case "mmu": return [mmuPrompt(image!, question!, SHOWO_TINY).ids];
    case "lm": return [lmPrompt(text!, seq!).ids];
  }
}

function segmentsOf(task: ShowoCase["task"], rows: readonly number[][]): Segment[][] {
  return segmentsForBatch(rows.map((ids) => ({ ids, task })));
}

/** Graph inputs for a batch of rows: ids, positions 0..L−1 and (when any row has one) segments. */
function inputsFor(task: ShowoCase["task"], rows: number[][]): { inputs: Record<string, RefTensor>; slots: number } {
  const B = rows.length, L = rows[0]!.length;
  const segs = segmentsOf(task, rows);
  const slots = Math.max(0, ...segs.map((s) => s.length));
  const inputs: Record<string, RefTensor> = { ids: tensor("i32", [B, L], rows.flat()), positions: tensor("i32", [L], positionsFor(L)) };
  if (slots > 0) {
    const p = packSegments(segs, slots);
    inputs["segments"] = tensor("i32", p.shape, p.data);
  }
  return { inputs, slots };
}

function checkLogits(name: string, c: ShowoCase, logits: RefTensor, tol: number): string {
  const rows = assertMaxNormClose(gatherRows(logits, c.positions), fixtureValues(c.logits), tol, `${name}: full-vocabulary logits`);
  let msg = `${name}: full-vocab err/max ${rows.toExponential(2)}`;
  if (c.image_logits) {
    const img = assertMaxNormClose(sliceLogits(logits, c.image_positions!, c.image_columns!), fixtureValues(c.image_logits), tol, `${name}: image-column logits`);
    msg += `, image columns ${img.toExponential(2)}`;
  }
  return msg;
}

test("golden ids: our prompt builders make the reference's rows for T2I (+ unconditional twin), MMU and LM", () => {
  for (const [name, c] of Object.entries(index.showo.cases)) assert.deepEqual(buildIds(c), c.ids, name);
});

test("golden masks: denseMask of our segments equals PyTorch's dense masks exactly", () => {
  const all = [...Object.entries(index.showo.cases), ...Object.entries(index.masks)];
  assert.ok(all.length >= 5);
  for (const [name, c] of all) {
    const ref = fixture(c.mask);
    const [B, L] = [c.ids.length, c.ids[0]!.length];
    assert.deepEqual(ref.shape, [B, L, L], name);
    const segs = segmentsOf(c.task, c.ids);
    const ours = new Uint8Array(B * L * L);
    segs.forEach((s, b) => ours.set(denseMask({ causal: true, segments: s }, L, L), b * L * L));
    const refMask = ref.data as Uint8Array;
    const bad = ours.findIndex((v, i) => v !== refMask[i]);
    // (b, row, column) of the first difference; assert.deepEqual's diff of big arrays is too slow.
    assert.equal(bad, -1, `${name}: mask differs first at [${Math.floor(bad / (L * L))}, ${Math.floor(bad / L) % L}, ${bad % L}]: ours ${ours[bad]}, PyTorch ${refMask[bad]}`);
  }
});

test(`golden logits, ${dev.label}: T2I batch with its unconditional twin, MMU, LM within 1e-4 of PyTorch`, async (t) => {
  if (dev.skip) t.skip(dev.skip);
  for (const [name, c] of Object.entries(index.showo.cases)) {
    const rows = buildIds(c);
    const { inputs, slots } = inputsFor(c.task, rows);
    const graph = showoGraph(SHOWO_TINY, { batch: rows.length, seq: rows[0]!.length, segmentSlots: slots }, model);
    const exe = await compile(graph, { target: dev.target, device: dev.get() });
    try {
      exe.setParams(weights);
      const { logits } = await exe.run(inputs);
      console.log(checkLogits(name, c, logits!, RTOL));
    } finally {
      exe.dispose();
    }
  }
});

test("golden logits, reference interpreter: the LM case within 1e-4 of PyTorch", () => {
  const c = index.showo.cases["lm"]!;
  const rows = buildIds(c);
  const { inputs, slots } = inputsFor(c.task, rows);
  const graph = showoGraph(SHOWO_TINY, { batch: rows.length, seq: rows[0]!.length, segmentSlots: slots }, model);
  const { logits } = run(graph, inputs, weights);
  console.log(checkLogits("lm (interpreter)", c, logits!, RTOL));
});
