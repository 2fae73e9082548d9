// Text K/V reuse in T2I sampling (runtime/sampling/t2i-graph.ts: t2iPrefixGraph + t2iStepGraph)
// against the full forward (t2iLogitsGraph) on the golden showo-tiny weights:
//   - the step graph's image logits equal the full forward's to 1e-5 relative, for the fixtures'
//     id rows with fresh random image states (a seeded mix of [MASK] and codes), on the reference
//     interpreter and compiled to WGSL;
//   - sampling with and without reuse gives identical codes (and the PyTorch sampler's) on the
//     golden fixtures, with one prefix run per generation;
//   - the work a reuse step avoids, as docs/sampling.md states it.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, test } from "vitest";
import { run as interpret } from "../../backends/reference/interpreter.ts";
import type { WgslDevice } from "../../backends/wgsl/device.ts";
import { openDevice } from "../../backends/wgsl/device.ts";
import type { Graph } from "../../compiler/ir/graph.ts";
import { packSegments } from "../../compiler/ir/mask.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import { SHOWO_256, SHOWO_TINY, Showo, t2iSeqLen } from "../../models/showo.ts";
import { IMAGE_OFFSET, MASK, positionsFor, segmentsFromIds } from "../../models/showo-prompts.ts";
import { readNoise } from "../../runtime/sampling/noise.ts";
import type { Annealing } from "../../runtime/sampling/schedule.ts";
import { T2IForward, sampleT2I } from "../../runtime/sampling/t2i.ts";
import { T2I_SEGMENT_SLOTS, imageStart, layerFlops, t2iLogitsGraph, t2iPrefixGraph, t2iStepGraph, textRows } from "../../runtime/sampling/t2i-graph.ts";
import { SHOWO_KEYMAP, loadWeights } from "../../runtime/weights/index.ts";
import { fixture, fixturePath } from "../golden/fixtures.ts";
import { mulberry32, testSeed } from "../util/random.ts";

interface SampleCase {
  ids: string; uncond: string; noise: string; codes: string;
  steps: number; guidance: number; temperature: number; schedule: string; annealing: Annealing;
}
const index = JSON.parse(readFileSync(fixturePath("sample.index.json"), "utf8")) as { cases: Record<string, SampleCase> };
const rowsOf = (name: string) => JSON.parse(readFileSync(fixturePath(name), "utf8")) as number[][];
const cfg = SHOWO_TINY, N = cfg.imageTokens, C = cfg.codebookSize;
let weights: Record<string, RefTensor>;
let device: WgslDevice;

beforeAll(async () => {
  weights = await loadWeights(fixturePath("showo-tiny.safetensors"), new Showo(cfg).namedParameters(), SHOWO_KEYMAP);
  device = await openDevice();
});
afterAll(() => device?.dispose());

/** The fixtures' conditional rows and twins (left-padded text blocks of different lengths), image positions a fresh random mix of [MASK] and codes. */
function randomRows(seed: number): number[][] {
  const rng = mulberry32(seed), s = imageStart(cfg);
  const rows = [...rowsOf("sample_t2i.ids.json"), ...rowsOf("sample_t2i.uncond.json")];
  return rows.map((r) => r.map((t, i) => (i >= s && i < s + N ? (rng() < 0.4 ? MASK : IMAGE_OFFSET + Math.floor(rng() * C)) : t)));
}

function paramsOf(g: Graph): Record<string, RefTensor> {
  return Object.fromEntries(g.params.map((p) => [String(p.attrs["name"]), weights[String(p.attrs["name"])]!]));
}

/** max |a − b| ≤ tol · max |ref|. */
function assertClose(got: ArrayLike<number>, ref: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(got.length, ref.length, what);
  let err = 0, scale = 0;
  for (let i = 0; i < ref.length; i++) {
    err = Math.max(err, Math.abs(got[i]! - ref[i]!));
    scale = Math.max(scale, Math.abs(ref[i]!));
  }
  assert.ok(scale > 0, `${what}: all-zero reference`);
  assert.ok(err <= tol * scale, `${what}: max error ${err} > ${tol} × ${scale}`);
}

test("reference interpreter: prefix + step logits equal the full forward's image logits (1e-5 relative)", () => {
  const model = new Showo(cfg), rows = randomRows(testSeed());
  const B = rows.length, L = t2iSeqLen(cfg), P = textRows(cfg);
  const p = packSegments(rows.map((r) => segmentsFromIds(r, "t2i")), T2I_SEGMENT_SLOTS);
  const segments = tensor("i32", p.shape, p.data);
  const full = t2iLogitsGraph(cfg, B, model), prefix = t2iPrefixGraph(cfg, B, model), step = t2iStepGraph(cfg, B, model);
  const want = interpret(full, { ids: tensor("i32", [B, L], rows.flat()), positions: tensor("i32", [L], positionsFor(L)), segments }, paramsOf(full))["logits"]!;
  const kv = interpret(prefix, { ids: tensor("i32", [B, P], rows.flatMap((r) => r.slice(0, P))), positions: tensor("i32", [P], positionsFor(P)), segments }, paramsOf(prefix));
  assert.deepEqual(Object.keys(kv).sort(), ["k0", "k1", "v0", "v1"]);
  assert.deepEqual(kv["k0"]!.shape, [B, cfg.heads, P, cfg.hidden / cfg.heads]);
  const got = interpret(step, {
    ids: tensor("i32", [B, L - P], rows.flatMap((r) => r.slice(P))),
    positions: tensor("i32", [L - P], positionsFor(L).slice(P)),
    segments,
    ...kv,
  }, paramsOf(step))["logits"]!;
  assert.deepEqual(got.shape, [B, N, C]);
  assertClose(got.data, want.data, 1e-5, "interpreter");
  // The prefix graph leaves out what no step reads: the head, the last layer's queries, attention output and MLP.
  const names = prefix.params.map((q) => String(q.attrs["name"]));
  assert.ok(names.includes("model.layers.1.self_attn.k_proj.weight"));
  assert.deepEqual(names.filter((n) => /lm_head|final_layernorm|layers\.1\.(mlp|self_attn\.(q_|dense))/.test(n)), []);
});

test("WGSL: the reuse forward's logits equal the full forward's (1e-5 relative), step after step, with one prefix run", async () => {
  const B = randomRows(0).length;
  const full = await T2IForward.create(cfg, B, weights, device, { reuse: false });
  const reuse = await T2IForward.create(cfg, B, weights, device);
  try {
    assert.equal(full.reuse, false);
    assert.equal(reuse.reuse, true);
    const seed = testSeed();
    // Same text blocks, three different image states: the text K/V is computed once.
    for (let s = 0; s < 3; s++) {
      const rows = randomRows(seed + s);
      assertClose(await reuse.logits(rows), await full.logits(rows), 1e-5, `WGSL state ${s}`);
    }
    assert.equal(reuse.prefixRuns, 1);
  } finally {
    full.dispose();
    reuse.dispose();
  }
});

for (const name of ["sample_t2i", "sample_inpaint"]) {
  test(`golden sampling (${name}): reuse and no-reuse give identical codes, the PyTorch sampler's`, async () => {
    const c = index.cases[name]!;
    const cond = rowsOf(c.ids), uncond = rowsOf(c.uncond);
    const noise = readNoise(fixturePath(c.noise), { steps: c.steps, batch: cond.length, tokens: N });
    const opts = { steps: c.steps, guidance: c.guidance, temperature: c.temperature, schedule: c.schedule, annealing: c.annealing };
    const codes: Int32Array[] = [];
    for (const reuse of [true, false]) {
      const fwd = await T2IForward.create(cfg, 2 * cond.length, weights, device, { reuse });
      try {
        codes.push(await sampleT2I(cfg, cond, uncond, opts, noise, fwd.logits));
        assert.equal(fwd.prefixRuns, reuse ? 1 : 0);
      } finally {
        fwd.dispose();
      }
    }
    assert.deepEqual([...codes[0]!], [...codes[1]!]);
    assert.deepEqual([...codes[0]!], [...(fixture(c.codes).data as Int32Array)]);
  });
}

test("work avoided per step at showo-256 with guidance: the 129 text rows of 387 in every layer", () => {
  const f = layerFlops(SHOWO_256, 2);
  assert.equal(textRows(SHOWO_256), 129);
  assert.equal(f.full - f.step, f.avoided);
  // Every layer's matmuls scale with the rows: the step does 258/387 of them.
  const H = SHOWO_256.hidden, F = SHOWO_256.mlp, perRow = 2 * (4 * H * H + 2 * H * F);
  const matmulsAvoided = 2 * SHOWO_256.layers * 129 * perRow;
  const attnAvoided = 2 * SHOWO_256.layers * 4 * H * 129 * 387;
  assert.equal(f.avoided, matmulsAvoided + attnAvoided);
  assert.ok(f.avoided / f.full > 0.33 && f.avoided / f.full < 0.34, `avoided share ${f.avoided / f.full}`);
});
