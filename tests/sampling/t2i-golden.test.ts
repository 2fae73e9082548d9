// T2I sampling against the independent PyTorch sampler (tests/golden/sampler.py, float64, written
// from design/showo.md §6.2): for the golden showo-tiny weights, the fixtures' id rows
// (conditional and unconditional twins) and noise file, the codes must be EXACTLY the PyTorch
// sampler's — a guided two-prompt T2I run and an inpainting run (known codes with a [MASK] hole).
// The forward is the sliced-head graph compiled for $SHOWO_TARGET (WGSL by default; CUDA skips
// without a driver); the sampling loop runs on the host.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, test } from "vitest";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { SHOWO_256, SHOWO_TINY, Showo } from "../../models/showo.ts";
import { capsOf, lower } from "../../runtime/executable.ts";
import { t2iLogitsGraph } from "../../runtime/sampling/t2i-graph.ts";
import { MASK } from "../../models/showo-prompts.ts";
import { readNoise } from "../../runtime/sampling/noise.ts";
import type { Annealing } from "../../runtime/sampling/schedule.ts";
import { T2IForward, sampleT2I } from "../../runtime/sampling/t2i.ts";
import { SHOWO_KEYMAP, loadWeights } from "../../runtime/weights/index.ts";
import { fixture, fixturePath, openGoldenDevice } from "../golden/fixtures.ts";

interface SampleCase {
  ids: string; uncond: string; noise: string; codes: string;
  steps: number; guidance: number; temperature: number; schedule: string; annealing: Annealing;
}
const index = JSON.parse(readFileSync(fixturePath("sample.index.json"), "utf8")) as { cases: Record<string, SampleCase> };
let weights: Record<string, RefTensor>;
const dev = await openGoldenDevice();

beforeAll(async () => {
  weights = await loadWeights(fixturePath("showo-tiny.safetensors"), new Showo(SHOWO_TINY).namedParameters(), SHOWO_KEYMAP);
});
afterAll(() => dev.dispose());

const rowsOf = (name: string) => JSON.parse(readFileSync(fixturePath(name), "utf8")) as number[][];

for (const name of ["sample_t2i", "sample_inpaint"]) {
  test(`golden sampling (${name}): codes equal the PyTorch sampler's exactly`, async (t) => {
    if (dev.skip) t.skip(dev.skip);
    const c = index.cases[name]!;
    const cond = rowsOf(c.ids), uncond = rowsOf(c.uncond);
    const want = fixture(c.codes);
    const N = SHOWO_TINY.imageTokens;
    assert.deepEqual(want.shape, [cond.length, N]);
    const noise = readNoise(fixturePath(c.noise), { steps: c.steps, batch: cond.length, tokens: N });
    const fwd = await T2IForward.create(SHOWO_TINY, 2 * cond.length, weights, dev.get());
    const masked: number[][] = [];
    try {
      const codes = await sampleT2I(SHOWO_TINY, cond, uncond, { steps: c.steps, guidance: c.guidance, temperature: c.temperature, schedule: c.schedule, annealing: c.annealing }, noise, fwd.logits, (i) => masked.push(i.masked));
      assert.deepEqual([...codes], [...(want.data as Int32Array)]);
    } finally {
      fwd.dispose();
    }
    assert.equal(masked.length, c.steps);
    // Known codes of an inpainting row stay as given.
    cond.forEach((row, b) => row.slice(SHOWO_TINY.textBudget + 2, -1).forEach((t, n) => {
      if (t !== MASK) assert.equal((want.data as Int32Array)[b * N + n], t - 50305);
    }));
    console.log(`${name}: ${cond.length} rows, ${c.steps} steps, masked after each step ${JSON.stringify(masked)}`);
  });
}

test("the sliced-head forward lowers at full size: showo-256 with guidance ends in an f32[2, 256, 8192] head matmul", (t) => {
  if (dev.skip) t.skip(dev.skip);
  const c = lower(t2iLogitsGraph(SHOWO_256, 2), capsOf(dev.get()));
  const out = c.graph.outputs.find((o) => o.name === "logits")!;
  assert.deepEqual(out.node.shape, [2, 256, 8192]);
  const matmuls = c.launches.filter((l) => /^matmul/.test(l.label)).map((l) => l.label);
  assert.match(matmuls[matmuls.length - 1]!, /^matmul f32\[2, 256, 8192\]/);
  assert.ok(!matmuls.some((l) => /58498/.test(l)), "no launch spans the full vocabulary");
});
