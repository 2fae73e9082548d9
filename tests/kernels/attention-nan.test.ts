// A NaN in the input of attention propagates on the WGSL flash kernels as in the float64
// reference: a query row holding a NaN gives a NaN output row (and a NaN log-sum-exp), where the
// kernels used to write zeros. The zero-row rule belongs to rows whose mask allows nothing: such a
// row (DEAD, or a causal query before the first key) still gives exact zeros and the mask value as
// log-sum-exp, NaN in its q or not, and every other row matches the reference.
//
// The kernels told an empty row by its softmax sum ℓ > 0 and a masked score by s > REAL; NaN fails
// both comparisons, so a NaN row looked empty (ℓ = NaN) or its scores masked (p = 0, ℓ = 0). Now
// an empty row is ℓ == 0 exactly and a masked score s ≤ REAL, which NaN fails the other way.
//
// Each flash form is compiled on its own: the blocked kernel's subgroup row form (where the
// adapter has subgroups) and its tiled form (subgroupLanes: 0), and the row kernel
// (form: "rows"); each on two layouts: segments (every key through the masked loop, DEAD
// rows) and causal with more queries than keys (the unmasked loop below the diagonal, a masked
// band, and the rows before the first key empty). Tolerance: |wgsl − ref| ≤ 3e-4·max(1, |ref|) per element (exp chains).

import assert from "node:assert/strict";
import { afterAll, test } from "vitest";
import { apply, input } from "../../compiler/ir/build.ts";
import { Graph } from "../../compiler/ir/graph.ts";
import type { Segment } from "../../compiler/ir/mask.ts";
import { packSegments } from "../../compiler/ir/mask.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import { run as reference } from "../../backends/reference/interpreter.ts";
import { withFlashOptions } from "../../compiler/kernels/builders/flash-attention.ts";
import type { FlashOptions } from "../../compiler/kernels/builders/flash-plan.ts";
import { compile } from "../../runtime/executable.ts";
import { sharedDevice } from "../backends/util.ts";
import { mulberry32, randomTensor, testSeed } from "../util/random.ts";

const seed = testSeed();
const rng = mulberry32(seed);
const dev = await sharedDevice();
afterAll(() => dev.dispose());

const B = 2, H = 2, D = 32, SLOTS = 2, TOL = 3e-4;

/** A test case: causal attention{lse} over Lq query rows and Lk keys, with segments or not. */
interface Case {
  readonly name: string;
  readonly lq: number;
  readonly lk: number;
  readonly segments?: Segment[][];
  /** [b, h, i] of the query rows given a NaN. */
  readonly nanRows: readonly (readonly [number, number, number])[];
  /** Whether query row i of batch row b has nothing allowed. */
  readonly empty: (b: number, i: number) => boolean;
}

const CASES: readonly Case[] = [
  {
    // Batch row 0: DEAD rows 0–3, a span over the last 8; row 1: a left PAD of 2. Every key masked.
    name: "segments",
    lq: 20, lk: 20,
    segments: [[{ kind: "dead", start: 0, end: 4 }, { kind: "span", start: 12, end: 20 }], [{ kind: "pad", start: 0, end: 2 }]],
    nanRows: [[0, 1, 12], [0, 0, 19], [1, 1, 2], [0, 0, 1]],
    empty: (b, i) => b === 0 && i < 4,
  },
  {
    // 20 queries over 16 keys: rows 0–3 sit before the first key. Unmasked keys below the diagonal, a masked band.
    name: "causal, Lq > Lk",
    lq: 20, lk: 16,
    nanRows: [[0, 1, 12], [1, 0, 19], [0, 0, 4], [1, 1, 2]],
    empty: (_b, i) => i < 4,
  },
];

/** attention{lse}, causal: out [B, H, Lq, D + 1], column D the log-sum-exp. */
function attentionGraph(c: Case): Graph {
  const ins = [input("q", "f32", [B, H, c.lq, D]), input("k", "f32", [B, H, c.lk, D]), input("v", "f32", [B, H, c.lk, D])];
  if (c.segments) ins.push(input("segments", "i32", [B, SLOTS, 3]));
  const y = apply("attention", ins, { scale: 1 / Math.sqrt(D), causal: true, lse: true });
  return new Graph("attention_nan", ins, [], [{ name: "y", node: y }]);
}

function inputs(c: Case): Record<string, RefTensor> {
  const q = randomTensor("f32", [B, H, c.lq, D], rng, { kind: "normal", scale: 2 });
  for (const [b, h, i] of c.nanRows) q.data[((b * H + h) * c.lq + i) * D + ((i * 7) % D)] = Number.NaN; // one element of the row
  const kv = () => randomTensor("f32", [B, H, c.lk, D], rng);
  const out: Record<string, RefTensor> = { q, k: kv(), v: kv() };
  if (c.segments) {
    const s = packSegments(c.segments, SLOTS);
    out["segments"] = tensor("i32", s.shape, s.data);
  }
  return out;
}

/** Compiles with the given flash options. */
async function compileWith(g: Graph, opts: Partial<FlashOptions>): ReturnType<typeof compile> {
  return await withFlashOptions(opts, () => compile(g, { target: "wgsl", device: dev.get() }));
}

async function check(form: string, opts: Partial<FlashOptions>, label: RegExp): Promise<void> {
  for (const c of CASES) {
    const what = `${form}, ${c.name}`;
    const g = attentionGraph(c);
    const exe = await compileWith(g, opts);
    try {
      const flash = exe.compiled.launches.find((l) => l.kernel.name === "attention_flash");
      assert.ok(flash, `${what}: kernels ${exe.compiled.launches.map((l) => l.kernel.name).join(", ")}`);
      assert.match(flash.label, label, what);
      const ins = inputs(c);
      compareRows(what, c, (await exe.run(ins))["y"]!.data, reference(g, ins)["y"]!.data);
    } finally {
      exe.dispose();
    }
  }
}

function compareRows(what: string, c: Case, got: ArrayLike<number>, want: ArrayLike<number>): void {
  const W = D + 1;
  const row = (d: ArrayLike<number>, b: number, h: number, i: number) => Array.from({ length: W }, (_, k) => d[((b * H + h) * c.lq + i) * W + k]!);
  // The reference's own picture: NaN rows are NaN throughout, an empty row with a NaN is zeros.
  for (const [b, h, i] of c.nanRows) {
    const r = row(want, b, h, i);
    assert.ok(c.empty(b, i) ? r.slice(0, D).every((x) => x === 0) : r.every(Number.isNaN), `reference row ${b}/${h}/${i}`);
  }
  for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) for (let i = 0; i < c.lq; i++) {
    const gr = row(got, b, h, i), wr = row(want, b, h, i);
    const at = `${what}: row ${b}/${h}/${i} (TEST_SEED=${seed})`;
    if (c.empty(b, i)) {
      assert.ok(gr.slice(0, D).every((x) => x === 0), `${at}: a row with nothing allowed gives zeros, got ${gr.slice(0, 4).join(", ")}…`);
      assert.ok(gr[D]! < -1e29, `${at}: the mask value as log-sum-exp, got ${gr[D]}`);
      continue;
    }
    gr.forEach((x, k) => {
      const w = wr[k]!;
      if (Number.isNaN(w)) assert.ok(Number.isNaN(x), `${at}, column ${k}: NaN in the reference, ${x} on WGSL`);
      else assert.ok(Math.abs(x - w) <= TOL * Math.max(1, Math.abs(w)), `${at}, column ${k}: ${x} vs ${w}`);
    });
  }
}

test("a NaN query row gives NaN, as the reference, on the blocked flash kernel (subgroup row form where there are subgroups); empty rows stay zeros", async (t) => {
  if (dev.skip) t.skip(dev.skip);
  await check("blocked", {}, /flash (rows|blocked)/);
});

test("… on the blocked kernel's tiled form", async (t) => {
  if (dev.skip) t.skip(dev.skip);
  await check("blocked, tiled", { subgroupLanes: 0 }, /flash blocked/);
});

test("… on the row kernel (one query row per invocation)", async (t) => {
  if (dev.skip) t.skip(dev.skip);
  await check("rows", { form: "rows" }, /^attention.*\(flash \d+×\d+;/);
});
