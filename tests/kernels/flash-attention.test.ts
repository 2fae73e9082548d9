// Flash attention on the WGSL backend against the reference interpreter.
//
// Show-o's layer (LayerNorm over the head dim, partial rotary, attention with segments) is traced
// unfused, compiled (fuse-qknorm-attention → specialize-masks → flash kernel with block lists),
// and compared with the reference run of the unfused graph, at head size 64 and ragged lengths
// (37, 70: not multiples of the 32-row tiles): T2I with random padding per row and its guidance
// twin, the sampling layout with DEAD padding (dead rows exact zeros), MMU, LM and a mixed batch.
// One executable is re-run with new padding (the lists change, the kernels do not). Plain
// attention runs a flash kernel without lists (causal, dense, segments, decode rows): the
// register-blocked form for head dims that are multiples of 4, the row form otherwise. The
// block_lists kernel equals the host classification exactly.
//
// Tolerance: max|wgsl − ref| ≤ 1e-3·max(1, max|ref|) with the rotary (WGSL's sin/cos are promised
// to 2⁻¹¹ only), 3e-4 for plain attention (exp chains).

import assert from "node:assert/strict";
import { afterAll, test } from "vitest";
import { attention } from "../../compiler/dsl/tensor.ts";
import { trace } from "../../compiler/dsl/trace.ts";
import { apply, input } from "../../compiler/ir/build.ts";
import type { Graph } from "../../compiler/ir/graph.ts";
import { Graph as G } from "../../compiler/ir/graph.ts";
import type { Segment } from "../../compiler/ir/mask.ts";
import { packSegments } from "../../compiler/ir/mask.ts";
import { blockLists } from "../../compiler/ir/ops/attention-qknorm.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import { run as reference } from "../../backends/reference/interpreter.ts";
import { withFlashOptions } from "../../compiler/kernels/builders/flash-attention.ts";
import type { FlashOptions } from "../../compiler/kernels/builders/flash-plan.ts";
import { compile } from "../../runtime/executable.ts";
import { assertClose, sharedDevice } from "../backends/util.ts";
import type { Rng } from "../util/random.ts";
import { mulberry32, randInt, randomTensor, testSeed } from "../util/random.ts";

const seed = testSeed();
const rng = mulberry32(seed);
const dev = await sharedDevice();
afterAll(() => dev.dispose());

const SLOTS = 3;

/** Show-o's layer around attention, unfused: q, k [B, H, L, D] before their per-head LayerNorm. */
function qknormGraph(B: number, H: number, L: number, D: number): Graph {
  const x = { dtype: "f32" as const, shape: [B, H, L, D] }, p = { dtype: "f32" as const, shape: [D] };
  return trace("qknorm_attention", { q: x, k: x, v: x, wq: p, bq: p, wk: p, bk: p, positions: { dtype: "i32", shape: [L] }, segments: { dtype: "i32", shape: [B, SLOTS, 3] } },
    ({ q, k, v, wq, bq, wk, bk, positions, segments }) => {
      const qn = q!.layerNorm(wq!, bq!, 1e-5).rotary(positions!, D / 2, 10000);
      const kn = k!.layerNorm(wk!, bk!, 1e-5).rotary(positions!, D / 2, 10000);
      return { y: attention(qn, kn, v!, { scale: 1 / Math.sqrt(D), causal: true, segments: segments! }) };
    });
}

/** T2I row: [pads][t2i][caption][eos][soi][image][eoi]; `pad` tokens of left padding. */
const t2i = (L: number, image: number, pad: number, kind: "pad" | "dead" = "pad"): Segment[] => [{ kind, start: 0, end: pad }, { kind: "span", start: L - image - 2, end: L }];
const mmu = (end: number): Segment[] => [{ kind: "span", start: 0, end }];

function inputsFor(B: number, H: number, L: number, D: number, rows: Segment[][], r: Rng): Record<string, RefTensor> {
  const seg = packSegments(rows, SLOTS);
  const x = () => randomTensor("f32", [B, H, L, D], r, { kind: "normal", scale: 2 });
  return {
    q: x(), k: x(), v: randomTensor("f32", [B, H, L, D], r),
    wq: randomTensor("f32", [D], r, { kind: "uniform", lo: 0.5, hi: 1.5 }), bq: randomTensor("f32", [D], r, { kind: "normal", scale: 0.1 }),
    wk: randomTensor("f32", [D], r, { kind: "uniform", lo: 0.5, hi: 1.5 }), bk: randomTensor("f32", [D], r, { kind: "normal", scale: 0.1 }),
    positions: tensor("i32", [L], Array.from({ length: L }, (_, i) => i)),
    segments: tensor("i32", seg.shape, seg.data),
  };
}

const TOL_ROT = 1e-3, TOL = 3e-4;

/**
 * Compiles `g` with `rows` query rows per invocation of the row form and `groups` query tiles per
 * workgroup when given (FlashOptions).
 */
async function compileRows(g: Graph, rows?: 1 | 2 | 4, groups?: number, extra: Partial<FlashOptions> = {}): ReturnType<typeof compile> {
  const opts: Partial<FlashOptions> = { ...(rows !== undefined ? { rowsPerInvocation: rows } : {}), ...(groups !== undefined ? { queryTilesPerWorkgroup: groups } : {}), ...extra };
  return await withFlashOptions(opts, () => compile(g, { target: "wgsl", device: dev.get() }));
}

/** The flash kernel's label must match `label` (the form chosen) when given. */
async function checkLayouts(what: string, B: number, H: number, L: number, D: number, layouts: Segment[][][], rows?: 1 | 2 | 4, groups?: number, label?: RegExp, extra: Partial<FlashOptions> = {}): Promise<void> {
  const g = qknormGraph(B, H, L, D);
  const exe = await compileRows(g, rows, groups, extra);
  try {
    const kinds = exe.compiled.launches.map((l) => l.kernel.name);
    const flashLabel = exe.compiled.launches.find((l) => l.kernel.name === "attention_qknorm_flash")?.label ?? "";
    if (rows !== undefined && D % 32 === 0) assert.match(flashLabel, new RegExp(`${rows} rows per invocation`), what);
    if (label) assert.match(flashLabel, label, what);
    assert.ok(kinds.includes("attention_qknorm_flash") && kinds.includes("block_lists"), `${what}: kernels ${kinds.join(", ")}`);
    assert.ok(!kinds.some((k) => k.startsWith("layer_norm")), `${what}: the q/k LayerNorms are fused: ${kinds.join(", ")}`);
    for (const rows of layouts) {
      const inputs = inputsFor(B, H, L, D, rows, rng);
      const got = await exe.run(inputs);
      assertClose(got["y"], reference(g, inputs)["y"]!, TOL_ROT, `${what} ${JSON.stringify(rows)} (TEST_SEED=${seed})`);
      // DEAD rows: exact zeros (never NaN, never a pad-attending value).
      rows.forEach((r, b) => {
        for (const s of r) {
          if (s.kind !== "dead") continue;
          for (let h = 0; h < H; h++) for (let i = s.start; i < s.end; i++) {
            const row = Array.from(got["y"]!.data.subarray(((b * H + h) * L + i) * D, ((b * H + h) * L + i + 1) * D));
            assert.ok(row.every((x) => x === 0), `${what}: dead row ${b}/${h}/${i} is not zero: ${row.slice(0, 4).join(", ")}…`);
          }
        }
      });
    }
  } finally {
    exe.dispose();
  }
}

test("T2I at head size 64, L = 37: random padding per row and the guidance twin; re-run with new padding, same kernels", async (t) => {
  if (dev.skip) t.skip(dev.skip);
  const L = 37, image = 16;
  const pad = () => randInt(rng, 0, 12);
  const twin = (p: number): Segment[][] => [t2i(L, image, p), t2i(L, image, L - image - 4)]; // unconditional: all text padded
  await checkLayouts("t2i", 2, 2, L, 64, [twin(pad()), twin(pad())]);
});

test("T2I sampling layout: DEAD left padding (rows skipped, exact zeros) beside PAD, head size 64, L = 37", async (t) => {
  if (dev.skip) t.skip(dev.skip);
  const L = 37, image = 16;
  const p1 = randInt(rng, 1, 12), p2 = randInt(rng, 1, 12);
  await checkLayouts("t2i dead", 2, 2, L, 64, [
    [t2i(L, image, p1, "dead"), t2i(L, image, L - image - 4, "dead")],
    [t2i(L, image, p2, "dead"), t2i(L, image, p1, "pad")],
  ]);
});

test("whole query tiles of DEAD rows (their workgroups only write zeros), key tiles from the end: head 64 (row form, 4 rows per invocation as big problems get) and 16 (blocked form), L = 70", async (t) => {
  if (dev.skip) t.skip(dev.skip);
  const L = 70;
  for (const D of [64, 16]) {
    const p = randInt(rng, 33, 45); // query tile 0 (rows 0–31) all dead, tile 1 partly
    await checkLayouts(`dead tiles, head ${D}`, 2, 2, L, D, [[t2i(L, 20, p, "dead"), t2i(L, 20, L - 24, "dead")], [t2i(L, 20, 3, "pad"), mmu(40)]], 4);
  }
});

test("attention_qknorm{lse} with whole DEAD query tiles: zeros and the mask value for dead rows, log-sum-exp for the others", async (t) => {
  if (dev.skip) t.skip(dev.skip);
  const B = 2, H = 2, L = 70, D = 64;
  const rows = [t2i(L, 20, 40, "dead"), t2i(L, 24, 3, "pad")];
  const inputs = inputsFor(B, H, L, D, rows, rng);
  const names = ["q", "k", "v", "wq", "bq", "wk", "bk", "positions", "segments"] as const;
  const ins = names.map((n) => input(n, inputs[n]!.dtype, inputs[n]!.shape));
  const y = apply("attention_qknorm", ins, { scale: 1 / Math.sqrt(D), causal: true, eps: 1e-5, rotary_dim: D / 2, base: 10000, lse: true });
  const g = new G("qknorm_lse", ins, [], [{ name: "y", node: y }]);
  const exe = await compile(g, { target: "wgsl", device: dev.get() });
  try {
    const got = (await exe.run(inputs))["y"]!;
    const want = reference(g, inputs)["y"]!;
    assertClose(got, want, TOL_ROT, `lse with dead tiles (TEST_SEED=${seed})`);
    for (let h = 0; h < H; h++) {
      const o = ((0 * H + h) * L + 5) * (D + 1); // batch row 0, row 5: dead, in an all-dead query tile
      assert.ok(Array.from(got.data.subarray(o, o + D)).every((x) => x === 0), "dead row: zeros");
      assert.ok(got.data[o + D]! < -1e29, `dead row: the mask value as log-sum-exp, got ${got.data[o + D]}`);
    }
  } finally {
    exe.dispose();
  }
});

test("query tiles grouped per workgroup (one normalized K chunk for all, the union of their lists): 4 rows per invocation, 2 tiles of 4 (last group short), and the single-tile form; 1 row per invocation, 3 tiles; T2I, DEAD, MMU, LM at head 64, L = 100", async (t) => {
  if (dev.skip) t.skip(dev.skip);
  const L = 100; // 4 query tiles of 32 rows, the last 4 rows long
  const layouts = (): Segment[][][] => [
    [t2i(L, 40, randInt(rng, 0, 40), "dead"), t2i(L, 40, L - 44, "dead")],
    [mmu(randInt(rng, 5, 60)), t2i(L, 32, randInt(rng, 0, 30))],
    [[], t2i(L, 64, 3, "dead")],
  ];
  // Each subgroup branches on its own tile's lists: only where every subgroup has exactly 8 lanes.
  const exact = dev.get().adapter.subgroupMinSize === 8 && dev.get().adapter.subgroupMaxSize === 8;
  const grouped = (n: number): RegExp | undefined => (exact ? new RegExp(`${n} query tiles per workgroup`) : undefined);
  await checkLayouts("4 rows, 2 tiles per workgroup", 2, 2, L, 64, layouts(), 4, 2, grouped(2));
  await checkLayouts("1 row, 3 tiles per workgroup", 2, 2, L, 64, layouts(), 1, 3, grouped(3));
  await checkLayouts("4 rows, single tile", 2, 2, L, 64, layouts(), 4, 1, /^(?!.*query tiles per workgroup)/);
});

test("tile skipping off (the lists not read, every key through the masked loop): the same results, DEAD rows zeros; T2I DEAD and MMU at head 64 (subgroup rows where the adapter has them) and 16 (blocked), L = 70", async (t) => {
  if (dev.skip) t.skip(dev.skip);
  const L = 70;
  for (const D of [64, 16]) {
    await checkLayouts(`no tile skipping, head ${D}`, 2, 2, L, D, [[t2i(L, 20, randInt(rng, 33, 45), "dead"), mmu(randInt(rng, 5, 60))]], undefined, undefined, /every key masked \(no lists\)/, { tileSkipping: false });
  }
});

test("MMU, LM and a mixed batch at head size 64, L = 70", async (t) => {
  if (dev.skip) t.skip(dev.skip);
  const L = 70;
  await checkLayouts("mixed", 3, 1, L, 64, [
    [t2i(L, 32, randInt(rng, 0, 20)), mmu(randInt(rng, 5, 40)), []],
    [mmu(L - 3), [], t2i(L, 40, 3)],
  ]);
});

/** Plain attention through the flash kernel (no lists) against the reference. */
async function checkAttention(what: string, B: number, H: number, lq: number, lk: number, D: number, causal: boolean, rows?: Segment[][]): Promise<void> {
  const q = { dtype: "f32" as const, shape: [B, H, lq, D] }, kv = { dtype: "f32" as const, shape: [B, H, lk, D] };
  const g = rows
    ? trace("attention", { q, k: kv, v: kv, segments: { dtype: "i32", shape: [B, SLOTS, 3] } }, ({ q, k, v, segments }) => ({ y: attention(q!, k!, v!, { scale: 1 / Math.sqrt(D), causal, segments: segments! }) }))
    : trace("attention", { q, k: kv, v: kv }, ({ q, k, v }) => ({ y: attention(q!, k!, v!, { scale: 1 / Math.sqrt(D), causal }) }));
  const inputs: Record<string, RefTensor> = { q: randomTensor("f32", q.shape, rng, { kind: "normal", scale: 2 }), k: randomTensor("f32", kv.shape, rng), v: randomTensor("f32", kv.shape, rng) };
  if (rows) {
    const s = packSegments(rows, SLOTS);
    inputs["segments"] = tensor("i32", s.shape, s.data);
  }
  const exe = await compile(g, { target: "wgsl", device: dev.get() });
  try {
    assert.deepEqual(exe.compiled.launches.map((l) => l.kernel.name), ["attention_flash"], what);
    if (!causal && !rows) assert.match(exe.compiled.launches[0]!.label, /no partial tiles: unmasked loop only/);
    assertClose((await exe.run(inputs))["y"], reference(g, inputs)["y"]!, TOL, `${what} (TEST_SEED=${seed})`);
  } finally {
    exe.dispose();
  }
}

test("plain attention, flash without lists: causal, dense, segments and decode rows at ragged sizes", async (t) => {
  if (dev.skip) t.skip(dev.skip);
  await checkAttention("causal L=37", 1, 2, 37, 37, 16, true);
  await checkAttention("dense L=37", 1, 2, 37, 37, 24, false);
  await checkAttention("segments L=70", 2, 1, 70, 70, 32, true, [t2i(70, 30, 7), mmu(20)]);
  await checkAttention("decode 3 over 40, segments", 2, 2, 3, 40, 16, true, [t2i(40, 20, 5), []]);
  await checkAttention("head 80, blocked form", 1, 1, 21, 21, 80, true);
  await checkAttention("head 78, row form: rows in private arrays, not registers", 1, 1, 21, 21, 78, true);
});

test("the block_lists kernel equals the host classification on random layouts", async (t) => {
  if (dev.skip) t.skip(dev.skip);
  for (let trial = 0; trial < 4; trial++) {
    const B = randInt(rng, 1, 4), lk = randInt(rng, 5, 90), lq = randInt(rng, 1, lk + 1);
    const a = { lq, lk, tile_q: randInt(rng, 2, 33), tile_k: randInt(rng, 2, 33), causal: rng() < 0.8, transpose: trial % 2 === 1, keys_from_end: trial >= 2 };
    const rows = Array.from({ length: B }, () => {
      const p = randInt(rng, 0, lk >> 1);
      return rng() < 0.5 ? t2i(lk, randInt(rng, 1, lk - p - 1), p, rng() < 0.5 ? "pad" : "dead") : [...mmu(randInt(rng, 1, lk)), { kind: "global" as const, start: randInt(rng, 0, lk), end: lk }];
    });
    const s = packSegments(rows, SLOTS);
    const seg = input("segments", "i32", s.shape);
    const g = new G("lists", [seg], [], [{ name: "y", node: apply("block_lists", [seg], a) }]);
    const exe = await compile(g, { target: "wgsl", device: dev.get() });
    try {
      const got = (await exe.run({ segments: tensor("i32", s.shape, s.data) }))["y"]!;
      const want = blockLists(s.data, B, SLOTS, { lq, lk, tileQ: a.tile_q, tileK: a.tile_k, causal: a.causal, transpose: a.transpose, keysFromEnd: a.keys_from_end });
      assert.deepEqual(Array.from(got.data), Array.from(want), `${JSON.stringify(rows)} ${JSON.stringify(a)} (TEST_SEED=${seed})`);
    } finally {
      exe.dispose();
    }
  }
});
