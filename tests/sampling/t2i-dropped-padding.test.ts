// T2I reuse without the left padding nothing reads (runtime/sampling/t2i-graph.ts: t2iBatchLayout,
// the prefix over P' = P − d rows, the step against P' + M keys, the remaining pads DEAD):
//   - segmentsFromIds with deadPads: the same mask for every non-pad row, nothing for pad rows;
//   - the layout: d = the batch's fewest leading pads rounded down to the granule, segments shifted
//     by −d, the twins' extra pads DEAD;
//   - the compiled prefix really has P' rows, the step P' cached keys;
//   - on the reference interpreter, for a batch of prompts of different lengths with their twins
//     and guidance, the dropped-padding + DEAD logits equal the full forward's image logits
//     (1e-5 relative) and sampling gives exactly the full forward's codes, DEAD or PAD;
//   - compiled (WGSL), the default forward (granule 8, DEAD, the K/V left on the device between
//     the prefix and the steps) and all common padding dropped with PAD (K/V through the host)
//     give the codes of the no-reuse full forward; all common padding dropped with DEAD gives
//     the golden fixtures' codes;
//   - the work avoided (t2iWork), as docs/sampling.md states it for showo-256.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, test } from "vitest";
import { run as interpret } from "../../backends/reference/interpreter.ts";
import type { WgslDevice } from "../../backends/wgsl/device.ts";
import { openDevice } from "../../backends/wgsl/device.ts";
import type { Graph } from "../../compiler/ir/graph.ts";
import { denseMask, packSegments } from "../../compiler/ir/mask.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import { SHOWO_256, SHOWO_TINY, Showo, t2iSeqLen } from "../../models/showo.ts";
import { PAD, positionsFor, segmentsFromIds } from "../../models/showo-prompts.ts";
import { philoxNoise, readNoise } from "../../runtime/sampling/noise.ts";
import type { Annealing } from "../../runtime/sampling/schedule.ts";
import type { LogitsFn } from "../../runtime/sampling/t2i.ts";
import { T2IForward, T2I_DEFAULTS, sampleT2I, t2iRows } from "../../runtime/sampling/t2i.ts";
import type { T2ILayoutOptions } from "../../runtime/sampling/t2i-graph.ts";
import { DROP_GRANULE, T2I_SEGMENT_SLOTS, leadingPads, t2iBatchLayout, t2iLogitsGraph, t2iPrefixGraph, t2iStepGraph, t2iWork, textRows } from "../../runtime/sampling/t2i-graph.ts";
import { SHOWO_KEYMAP, loadWeights } from "../../runtime/weights/index.ts";
import { fixture, fixturePath } from "../golden/fixtures.ts";
import { mulberry32, testSeed } from "../util/random.ts";

const cfg = SHOWO_TINY, N = cfg.imageTokens, L = t2iSeqLen(cfg), P = textRows(cfg);
let weights: Record<string, RefTensor>;
let device: WgslDevice;

beforeAll(async () => {
  weights = await loadWeights(fixturePath("showo-tiny.safetensors"), new Showo(cfg).namedParameters(), SHOWO_KEYMAP);
  device = await openDevice();
});
afterAll(() => device?.dispose());

/** Two captions of fresh random ids, 2 and 5 tokens (text blocks of 5 and 8: 12 and 9 pads; the twins 14). */
function captions(seed: number): number[][] {
  const rng = mulberry32(seed);
  return [2, 5].map((n) => Array.from({ length: n }, () => 1000 + Math.floor(rng() * 40000)));
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

/** The full forward of all L rows on the interpreter (the reference's work, PAD segments). */
function fullLogits(B: number): LogitsFn {
  const g = t2iLogitsGraph(cfg, B), params = paramsOf(g);
  return async (rows) => {
    const p = packSegments(rows.map((r) => segmentsFromIds(r, "t2i")), T2I_SEGMENT_SLOTS);
    return interpret(g, { ids: tensor("i32", [B, L], rows.flat()), positions: tensor("i32", [L], positionsFor(L)), segments: tensor("i32", p.shape, p.data) }, params)["logits"]!.data;
  };
}

/** Dropped padding on the interpreter: the prefix over P' rows, then the step against P' + M keys. */
function droppedLogits(B: number, opts: T2ILayoutOptions): LogitsFn & { textLens: number[] } {
  const textLens: number[] = [];
  const f = async (rows: readonly (readonly number[])[]) => {
    const layout = t2iBatchLayout(cfg, rows, opts), d = layout.dropped, Pp = layout.textLen;
    textLens.push(Pp);
    const prefix = t2iPrefixGraph(cfg, B, undefined, Pp), step = t2iStepGraph(cfg, B, undefined, Pp);
    const p = packSegments(layout.segments, T2I_SEGMENT_SLOTS), segments = tensor("i32", p.shape, p.data);
    const kv = interpret(prefix, { ids: tensor("i32", [B, Pp], rows.flatMap((r) => r.slice(d, P))), positions: tensor("i32", [Pp], positionsFor(P).slice(d)), segments }, paramsOf(prefix));
    assert.deepEqual(kv["k0"]!.shape, [B, cfg.heads, Pp, cfg.hidden / cfg.heads]);
    return interpret(step, { ids: tensor("i32", [B, L - P], rows.flatMap((r) => r.slice(P))), positions: tensor("i32", [L - P], positionsFor(L).slice(P)), segments, ...kv }, paramsOf(step))["logits"]!.data;
  };
  return Object.assign(f, { textLens });
}

test("layout: d = the fewest leading pads (twins included) rounded down to the granule; segments shifted by −d; the rest DEAD", () => {
  const { cond, uncond } = t2iRows(cfg, captions(testSeed()));
  const rows = [...cond, ...uncond];
  assert.deepEqual(rows.map((r) => leadingPads(r)), [12, 9, 14, 14]);
  const exact = t2iBatchLayout(cfg, rows, { granule: 1 });
  assert.equal(exact.dropped, 9);
  assert.equal(exact.textLen, P - 9);
  const soi = P - 9, eoi = L - 9 - 1;
  assert.deepEqual(exact.segments[0], [{ kind: "dead", start: 0, end: 3 }, { kind: "span", start: soi, end: eoi + 1 }]);
  assert.deepEqual(exact.segments[1], [{ kind: "span", start: soi, end: eoi + 1 }], "the row with the fewest pads keeps none");
  assert.deepEqual(exact.segments[2], [{ kind: "dead", start: 0, end: 5 }, { kind: "span", start: soi, end: eoi + 1 }]);
  const coarse = t2iBatchLayout(cfg, rows);
  assert.equal(DROP_GRANULE, 8);
  assert.equal(coarse.dropped, 8);
  assert.deepEqual(coarse.segments[1]![0], { kind: "dead", start: 0, end: 1 });
  assert.deepEqual(t2iBatchLayout(cfg, rows, { granule: 1, deadPads: false }).segments[2]![0], { kind: "pad", start: 0, end: 5 });
  assert.equal(t2iBatchLayout(cfg, rows, { dropPadding: false }).dropped, 0);
  // A row with no padding at all: nothing to drop.
  const full = rows[0]!.map((t, i) => (t === PAD ? 1000 + i : t));
  assert.equal(t2iBatchLayout(cfg, [full, ...rows.slice(1)], { granule: 1 }).dropped, 0);
});

test("segmentsFromIds(…, { deadPads: true }): DEAD instead of PAD, the same mask for every non-pad row, nothing for the pad rows", () => {
  const { cond, uncond } = t2iRows(cfg, captions(testSeed()));
  for (const row of [...cond, ...uncond]) {
    const p = leadingPads(row);
    const pad = segmentsFromIds(row, "t2i"), dead = segmentsFromIds(row, "t2i", { deadPads: true });
    assert.deepEqual(pad[0], { kind: "pad", start: 0, end: p });
    assert.deepEqual(dead, [{ kind: "dead", start: 0, end: p }, ...pad.slice(1)]);
    const a = denseMask({ causal: true, segments: pad }, L, L), b = denseMask({ causal: true, segments: dead }, L, L);
    for (let i = 0; i < L; i++) {
      const ra = a.subarray(i * L, (i + 1) * L), rb = b.subarray(i * L, (i + 1) * L);
      if (i >= p) assert.deepEqual(rb, ra, `row ${i}`);
      else assert.ok(rb.every((v) => v === 0) && ra.some((v) => v === 1), `pad row ${i}`);
    }
  }
});

test("interpreter: dropped padding + DEAD gives the full forward's image logits (1e-5) and exactly its codes, with guidance and prompts of different lengths", async () => {
  const seed = testSeed();
  const { cond, uncond } = t2iRows(cfg, captions(seed));
  const B = cond.length, steps = 4;
  const opts = { ...T2I_DEFAULTS, steps, guidance: 1.75 };
  const noise = philoxNoise(seed, { steps, batch: B, tokens: N });
  const full = fullLogits(2 * B), dead = droppedLogits(2 * B, { granule: 1 }), pad = droppedLogits(2 * B, { granule: 1, deadPads: false });
  const rows = [...cond, ...uncond];
  assertClose(await dead(rows), await full(rows), 1e-5, `logits (seed ${seed})`);
  const want = await sampleT2I(cfg, cond, uncond, opts, noise, full);
  const gotDead = await sampleT2I(cfg, cond, uncond, opts, noise, dead);
  const gotPad = await sampleT2I(cfg, cond, uncond, opts, noise, pad);
  assert.deepEqual([...gotDead], [...want], `DEAD codes (seed ${seed})`);
  assert.deepEqual([...gotPad], [...want], `PAD codes (seed ${seed})`);
  assert.deepEqual(dead.textLens, new Array<number>(steps + 1).fill(P - 9), "the prefix ran over P' = P − 9 rows");
});

test("WGSL: the default forward (padding dropped, DEAD) compiles a prefix of P' rows and gives the no-reuse full forward's codes", async () => {
  const seed = testSeed();
  const { cond, uncond } = t2iRows(cfg, captions(seed));
  const B = cond.length, steps = 4;
  const opts = { ...T2I_DEFAULTS, steps };
  const noise = philoxNoise(seed, { steps, batch: B, tokens: N });
  const codes: Int32Array[] = [];
  // The full forward; ours (granule 8, DEAD, K/V left on the device); all common padding dropped
  // but PAD, K/V through the host (DEAD with granule 1: the golden test below).
  for (const o of [{ reuse: false }, {}, { granule: 1, deadPads: false, kvOnDevice: false }] as { reuse?: boolean; granule?: number; deadPads?: boolean; kvOnDevice?: boolean }[]) {
    const fwd = await T2IForward.create(cfg, 2 * B, weights, device, o);
    try {
      codes.push(await sampleT2I(cfg, cond, uncond, opts, noise, fwd.logits));
      if (fwd.reuse) {
        const Pp = P - (o.granule === 1 ? 9 : 8);
        assert.deepEqual(fwd.compiled.map((c) => c.textLen), [Pp]);
        const exe = fwd.compiled[0]!;
        // The work is really gone: the prefix's ids are [2B, P'] and its caches [2B, nh, P', hd], the step's keys P'.
        assert.deepEqual(exe.prefix.graph.inputs.find((n) => n.attrs["name"] === "ids")!.shape, [2 * B, Pp]);
        assert.deepEqual(exe.prefix.graph.outputs.find((x) => x.name === "k0")!.node.shape, [2 * B, cfg.heads, Pp, cfg.hidden / cfg.heads]);
        assert.deepEqual(exe.step.graph.inputs.find((n) => n.attrs["name"] === "k1")!.shape, [2 * B, cfg.heads, Pp, cfg.hidden / cfg.heads]);
        assert.equal(fwd.layout?.dropped, P - Pp);
        // Every step uploads ids, positions and segments; the cached K/V (k0, v0, k1, v1) only when it goes through the host.
        assert.equal(exe.step.stats.runs, steps);
        assert.equal(exe.step.stats.inputUploads, steps * (o.kvOnDevice === false ? 3 + 2 * cfg.layers : 3));
      }
    } finally {
      fwd.dispose();
    }
  }
  for (let i = 1; i < codes.length; i++) assert.deepEqual([...codes[i]!], [...codes[0]!], `variant ${i} (seed ${seed})`);
});

interface SampleCase {
  ids: string; uncond: string; noise: string; codes: string;
  steps: number; guidance: number; temperature: number; schedule: string; annealing: Annealing;
}

test("WGSL golden: all common padding dropped (granule 1), DEAD, gives the PyTorch sampler's codes", async () => {
  const index = JSON.parse(readFileSync(fixturePath("sample.index.json"), "utf8")) as { cases: Record<string, SampleCase> };
  const c = index.cases["sample_t2i"]!;
  const rowsOf = (name: string) => JSON.parse(readFileSync(fixturePath(name), "utf8")) as number[][];
  const cond = rowsOf(c.ids), uncond = rowsOf(c.uncond);
  const noise = readNoise(fixturePath(c.noise), { steps: c.steps, batch: cond.length, tokens: N });
  const fwd = await T2IForward.create(cfg, 2 * cond.length, weights, device, { granule: 1 });
  try {
    const codes = await sampleT2I(cfg, cond, uncond, { steps: c.steps, guidance: c.guidance, temperature: c.temperature, schedule: c.schedule, annealing: c.annealing }, noise, fwd.logits);
    assert.deepEqual([...codes], [...(fixture(c.codes).data as Int32Array)]);
    assert.equal(fwd.layout?.dropped, 7, "the fixture's rows have 9, 7, 14 and 14 leading pads");
  } finally {
    fwd.dispose();
  }
});

test("work avoided: showo-256 with guidance, a 20-token caption, 16 steps", () => {
  const pads = [129 - 23, 129 - 3]; // [T2I] BOS 20 tokens EOS; the twin [T2I] BOS EOS
  const d = Math.floor(Math.min(...pads) / DROP_GRANULE) * DROP_GRANULE;
  assert.equal(d, 104);
  const w = t2iWork(SHOWO_256, pads, 16, d);
  assert.equal(w.textLen, 25);
  assert.equal(w.deadRows, 2 + 22);
  assert.equal(w.ours, w.prefix + 16 * w.step);
  assert.equal(w.avoided, w.reference - w.ours);
  // The reference: 16 full forwards of 2 × 387 rows, head over all 58,498 columns.
  const H = SHOWO_256.hidden, F = SHOWO_256.mlp, perRow = 2 * (4 * H * H + 2 * H * F);
  assert.equal(w.reference, 16 * 2 * (24 * (387 * perRow + 4 * H * 387 * 387) + 2 * 387 * H * 58498));
  // One step: 258 rows against 25 + 258 keys, and the sliced head.
  assert.equal(w.step, 2 * (24 * (258 * perRow + 4 * H * 258 * 283) + 2 * 256 * H * 8192));
  // Without dropping, the prefix runs over all 129 rows: 602.3 GFLOP instead of 116.7.
  const kept = t2iWork(SHOWO_256, pads, 16, 0);
  assert.ok(Math.abs(kept.prefix / 1e9 - 602.3) < 0.1 && Math.abs(w.prefix / 1e9 - 116.7) < 0.1, `prefix ${kept.prefix / 1e9} → ${w.prefix / 1e9} GFLOP`);
  assert.ok(Math.abs(w.reference / 1e12 - 33.83) < 0.01 && Math.abs(w.ours / 1e12 - 20.80) < 0.01, `${w.reference / 1e12} → ${w.ours / 1e12} TFLOP`);
  assert.ok(w.share > 0.385 && w.share < 0.386, `share ${w.share}`);
});
