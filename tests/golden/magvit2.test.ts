// magvit2-tiny against the independent PyTorch implementation (tests/golden/reference.py, float64,
// written from design/showo.md §7): the same f16 weights loaded through runtime/weights (the LFQ
// buffers `quantize.embedding` and `quantize.power_vals` are in the file and checked by the
// loader), then
//   - encoding random 16×16 images compiled for $SHOWO_TARGET (WGSL by default; CUDA skips
//     without a driver): codes exactly, the pre-quantisation latent
//     within 1e-4·max|ref| (reference.py kept only images whose latent has no value within
//     1e-3·max of zero, so an f32 rounding cannot flip a code bit);
//   - decoding random 4×4 and 2×4 code grids compiled for the same target: pixels within 1e-4·max|ref|;
//   - the reference interpreter on the same inputs, to the same tolerances.

import assert from "node:assert/strict";
import { afterAll, beforeAll, test } from "vitest";
import { run } from "../../backends/reference/interpreter.ts";
import type { Graph } from "../../compiler/ir/graph.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import { MAGVIT2_TINY, Magvit2, magvit2DecodeGraph, magvit2EncodeGraph } from "../../models/magvit2.ts";
import { compile } from "../../runtime/executable.ts";
import { MAGVIT2_KEYMAP, loadWeights } from "../../runtime/weights/index.ts";
import { assertMaxNormClose, fixture, fixturePath, fixtureValues, goldenIndex, openGoldenDevice } from "./fixtures.ts";

const RTOL = 1e-4;
const index = goldenIndex().magvit2;
const model = new Magvit2(MAGVIT2_TINY);
let weights: Record<string, RefTensor>;
const dev = await openGoldenDevice();

beforeAll(async () => {
  weights = await loadWeights(fixturePath(index.weights), model.namedParameters(), MAGVIT2_KEYMAP);
});
afterAll(() => dev.dispose());

interface VqCase {
  readonly what: string;
  readonly graph: Graph;
  readonly inputs: Record<string, RefTensor>;
  check(out: Record<string, RefTensor>, backend: string): void;
}

function cases(): VqCase[] {
  const images = fixture(index.encode.images);
  const [B, , S] = images.shape as [number, number, number, number];
  const codes = fixtureValues(index.encode.codes);
  const out: VqCase[] = [{
    what: `encode ${B} images ${S}×${S}`,
    graph: magvit2EncodeGraph(MAGVIT2_TINY, { batch: B, size: S }, model),
    inputs: { image: tensor("f32", images.shape, fixtureValues(index.encode.images)) },
    check(o, backend) {
      assert.deepEqual(o["codes"]!.shape, [B, index.encode.grid[0] * index.encode.grid[1]]);
      assert.deepEqual([...o["codes"]!.data], [...codes], `${backend}: codes`);
      const e = assertMaxNormClose(o["latent"]!.data, fixtureValues(index.encode.latent), RTOL, `${backend}: latent`);
      console.log(`${backend} encode: codes exact, latent err/max ${e.toExponential(2)}`);
    },
  }];
  for (const d of index.decode) {
    const c = fixture(d.codes);
    const [h, w] = d.grid;
    out.push({
      what: `decode ${c.shape[0]} grids ${h}×${w}`,
      graph: magvit2DecodeGraph(MAGVIT2_TINY, { batch: c.shape[0]!, h, w }, model),
      inputs: { codes: tensor("i32", c.shape, fixtureValues(d.codes)) },
      check(o, backend) {
        const ref = fixture(d.pixels);
        assert.deepEqual(o["image"]!.shape, ref.shape);
        const e = assertMaxNormClose(o["image"]!.data, fixtureValues(d.pixels), RTOL, `${backend}: decoded ${h}×${w}`);
        console.log(`${backend} decode ${h}×${w}: pixels err/max ${e.toExponential(2)}`);
      },
    });
  }
  return out;
}

test(`golden MAGVIT-v2, ${dev.label}: codes exactly, latent and decoded pixels within 1e-4 of PyTorch`, async (t) => {
  if (dev.skip) t.skip(dev.skip);
  for (const c of cases()) {
    const exe = await compile(c.graph, { target: dev.target, device: dev.get() });
    try {
      // An encode or decode graph reads only its half of the weights.
      exe.setParams(Object.fromEntries(c.graph.params.map((n) => [String(n.attrs["name"]), weights[String(n.attrs["name"])]!])));
      c.check(await exe.run(c.inputs), `${dev.target} ${c.what}`);
    } finally {
      exe.dispose();
    }
  }
});

test("golden MAGVIT-v2, reference interpreter: the same cases", () => {
  for (const c of cases()) c.check(run(c.graph, c.inputs, weights), `interpreter ${c.what}`);
});
