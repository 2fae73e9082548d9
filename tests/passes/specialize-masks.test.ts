// Block lists from mask structure: on random layouts (padding, DEAD padding, spans, globals,
// overlapping and unused slots, causal or not, decode rows with Lq < Lk, ragged tiles) the lists of
// blockLists() equal a brute-force tile-by-tile evaluation of mask.ts allowed(), for the
// per-query-tile lists and the transposed ones; and specialize-masks adds them to the graph
// without changing its values.

import assert from "node:assert/strict";
import { test } from "vitest";
import { apply, input } from "../../compiler/ir/build.ts";
import { Graph } from "../../compiler/ir/graph.ts";
import type { RowMask, Segment } from "../../compiler/ir/mask.ts";
import { allowed, packSegments } from "../../compiler/ir/mask.ts";
import "../../compiler/ir/ops.ts";
import { TILE_EMPTY, TILE_FULL, TILE_PARTIAL, blockLists, classifyTile, tileCount } from "../../compiler/ir/ops/attention-qknorm.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import { run } from "../../backends/reference/interpreter.ts";
import { specializeMasks } from "../../compiler/passes/specialize-masks.ts";
import type { Rng } from "../util/random.ts";
import { mulberry32, randInt, randomTensor, testSeed } from "../util/random.ts";

const seed = testSeed();
const rng = mulberry32(seed);

/** A random row layout: Show-o-like (pad prefix + image span) or anything (overlaps, globals). */
function randomRow(r: Rng, L: number): Segment[] {
  const seg = (kind: Segment["kind"]): Segment => {
    const a = randInt(r, 0, L + 1), b = randInt(r, 0, L + 1);
    return { kind, start: Math.min(a, b), end: Math.max(a, b) };
  };
  switch (randInt(r, 0, 5)) {
    case 0: return []; // LM
    case 1: { // T2I: [pads][text][soi][image][eoi]; sampling marks the pads DEAD
      const p = randInt(r, 0, L >> 1), soi = randInt(r, p, L);
      return [{ kind: r() < 0.5 ? "pad" : "dead", start: 0, end: p }, { kind: "span", start: soi, end: L }];
    }
    case 2: return [{ kind: "span", start: 0, end: randInt(r, 1, L + 1) }]; // MMU
    case 3: return [seg("dead"), seg("span"), ...(r() < 0.5 ? [seg("pad")] : [])]; // DEAD anywhere, overlapping others
    default: return Array.from({ length: randInt(r, 1, 4) }, () => seg((["pad", "span", "global", "dead"] as const)[randInt(r, 0, 4)]!));
  }
}

function bruteClass(row: RowMask, r0: number, r1: number, c0: number, c1: number): number {
  let any = false, all = true;
  for (let i = r0; i < r1; i++) for (let j = c0; j < c1; j++) {
    if (allowed(row, i, j)) any = true;
    else all = false;
  }
  return all ? TILE_FULL : any ? TILE_PARTIAL : TILE_EMPTY;
}

/** Lists of [B, outer, 2·inner + 2] rows decoded into per-(b, o, x) classes. */
function decode(lists: Int32Array, B: number, outer: number, inner: number): number[] {
  const cls = new Array<number>(B * outer * inner).fill(TILE_EMPTY);
  const W = 2 * inner + 2;
  for (let b = 0; b < B; b++) for (let o = 0; o < outer; o++) {
    const base = (b * outer + o) * W;
    const nP = lists[base]!, nF = lists[base + inner + 1]!;
    const p = Array.from(lists.subarray(base + 1, base + 1 + nP)), f = Array.from(lists.subarray(base + inner + 2, base + inner + 2 + nF));
    assert.deepEqual(p, [...p].sort((x, y) => x - y), "partial list ascending");
    assert.deepEqual(f, [...f].sort((x, y) => x - y), "full list ascending");
    for (const x of p) cls[(b * outer + o) * inner + x] = TILE_PARTIAL;
    for (const x of f) cls[(b * outer + o) * inner + x] = TILE_FULL;
    assert.ok(Array.from(lists.subarray(base + 1 + nP, base + inner + 1)).every((x) => x === 0), "unused entries are 0");
  }
  return cls;
}

test("property: block lists equal brute-force tile classification on random layouts", () => {
  let tiles = 0;
  const seen = new Set<number>();
  for (let trial = 0; trial < 300; trial++) {
    const lk = randInt(rng, 1, 41), lq = randInt(rng, 1, lk + 1);
    const tileQ = randInt(rng, 1, 9), tileK = randInt(rng, 1, 9), causal = rng() < 0.8, B = randInt(rng, 1, 4), keysFromEnd = rng() < 0.5;
    const ko = keysFromEnd ? (tileK - (lk % tileK)) % tileK : 0; // key tile kt starts at kt·tileK − ko
    const rows = Array.from({ length: B }, () => randomRow(rng, lk));
    const { shape, data } = packSegments(rows, 4);
    const QT = tileCount(lq, tileQ), KT = tileCount(lk, tileK), off = lk - lq;
    const want: number[] = [];
    for (let b = 0; b < B; b++) for (let qt = 0; qt < QT; qt++) for (let kt = 0; kt < KT; kt++) {
      const row: RowMask = { causal, segments: rows[b]! };
      const r0 = off + qt * tileQ, r1 = off + Math.min(lq, (qt + 1) * tileQ), c0 = Math.max(0, kt * tileK - ko), c1 = Math.min(lk, (kt + 1) * tileK - ko);
      const c = bruteClass(row, r0, r1, c0, c1);
      want.push(c);
      seen.add(c);
      assert.equal(classifyTile(row, r0, r1, c0, c1), c, `tile (${qt}, ${kt}) of ${JSON.stringify(rows[b])} causal=${causal} lq=${lq} lk=${lk} (TEST_SEED=${seed})`);
    }
    const a = { lq, lk, tileQ, tileK, causal, keysFromEnd };
    const got = decode(blockLists(data, B, shape[1], a), B, QT, KT);
    const what = `trial ${trial}: ${JSON.stringify(rows)} lq=${lq} lk=${lk} tiles ${tileQ}×${tileK} causal=${causal} keysFromEnd=${keysFromEnd} (TEST_SEED=${seed})`;
    assert.deepEqual(got, want, what);
    // Transposed: the same classes, indexed (b, kt, qt).
    const gotT = decode(blockLists(data, B, shape[1], { ...a, transpose: true }), B, KT, QT);
    const wantT = gotT.map((_, n) => {
      const b = Math.floor(n / (KT * QT)), kt = Math.floor(n / QT) % KT, qt = n % QT;
      return want[(b * QT + qt) * KT + kt]!;
    });
    assert.deepEqual(gotT, wantT, `transposed ${what}`);
    tiles += want.length;
  }
  assert.deepEqual([...seen].sort(), [TILE_EMPTY, TILE_PARTIAL, TILE_FULL], "every class occurs");
  console.log(`# ${tiles} tiles classified (TEST_SEED=${seed})`);
});

test("Show-o T2I at L = 387 (20-token caption): image tiles are full, only the diagonal and padding edges are partial", () => {
  // [pads 0..107][t2i][caption 20][eos][soi][256 image tokens][eoi]: SOI at 130, EOI at 386.
  const rows: Segment[][] = [[{ kind: "pad", start: 0, end: 108 }, { kind: "span", start: 130, end: 387 }]];
  const { data } = packSegments(rows);
  const lists = blockLists(data, 1, 2, { lq: 387, lk: 387, tileQ: 32, tileK: 32, causal: true });
  const cls = decode(lists, 1, 13, 13);
  const n = (c: number) => cls.filter((x) => x === c).length;
  assert.equal(n(TILE_EMPTY) + n(TILE_PARTIAL) + n(TILE_FULL), 169);
  assert.ok(n(TILE_EMPTY) > 0 && n(TILE_FULL) > n(TILE_PARTIAL), `empty ${n(TILE_EMPTY)}, partial ${n(TILE_PARTIAL)}, full ${n(TILE_FULL)}`);
});

test("specialize-masks adds block_lists to attention_qknorm with segments; values unchanged", () => {
  const B = 2, H = 2, L = 11, D = 8;
  const x = (name: string, shape: number[], dtype: "f32" | "i32" = "f32") => input(name, dtype, shape);
  const ins = [x("q", [B, H, L, D]), x("k", [B, H, L, D]), x("v", [B, H, L, D]), x("wq", [D]), x("bq", [D]), x("wk", [D]), x("bk", [D]), x("pos", [L], "i32"), x("seg", [B, 2, 3], "i32")];
  const y = apply("attention_qknorm", ins, { scale: 0.3, causal: true, rotary_dim: 4 });
  const g = new Graph("g", ins, [], [{ name: "y", node: y }]);
  const s = specializeMasks(g, { tileQ: 4, tileK: 3 });
  const op = s.nodes().find((n) => n.op === "attention_qknorm")!;
  assert.equal(op.inputs.length, 10);
  assert.equal(op.inputs[9]!.op, "block_lists");
  assert.deepEqual(op.inputs[9]!.shape, [B, 3, 2 * 4 + 2]);
  assert.equal(specializeMasks(s).nodes().filter((n) => n.op === "block_lists").length, 1, "idempotent");
  const seg = packSegments([[{ kind: "pad", start: 0, end: 3 }, { kind: "span", start: 6, end: 11 }], [{ kind: "span", start: 0, end: 4 }]]);
  const inputs: Record<string, ReturnType<typeof tensor>> = { seg: tensor("i32", seg.shape, seg.data), pos: tensor("i32", [L], Array.from({ length: L }, (_, i) => i)) };
  for (const n of ["q", "k", "v", "wq", "bq", "wk", "bk"]) inputs[n] = randomTensor("f32", n.length === 1 ? [B, H, L, D] : [D], rng);
  const want = run(g, inputs)["y"]!, got = run(s, inputs)["y"]!;
  assert.deepEqual(Array.from(got.data), Array.from(want.data));
});
