// The attention kernel on a WebGPU device against the reference interpreter, on fresh random
// inputs: every mask layout of mask.ts (none, causal, decode, T2I, MMU, GLOBAL, random segments),
// fully masked rows (exact zeros), head sizes 64 and 5, a key length longer than one chunk, fused
// q producers (still one dispatch), and the VJP graph of attention. Without a WebGPU adapter the
// tests fail with the set-up step to take (they skip with SHOWO_ALLOW_NO_ADAPTER=1).
//
// Tolerance: max |device − reference| ≤ 1e-4 · max(1, max |reference|) (f32 scores and softmax
// statistics against float64).

import assert from "node:assert/strict";
import { afterAll, test } from "vitest";
import { run } from "../../backends/reference/interpreter.ts";
import { apply, input } from "../../compiler/ir/build.ts";
import type { Node } from "../../compiler/ir/graph.ts";
import { Graph } from "../../compiler/ir/graph.ts";
import type { Segment } from "../../compiler/ir/mask.ts";
import { packSegments } from "../../compiler/ir/mask.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import "../../compiler/kernels/builders/index.ts";
import { hasBuilder } from "../../compiler/kernels/schedule.ts";
import { grad } from "../../compiler/passes/autodiff.ts";
import { bindDims } from "../../compiler/passes/bind-dims.ts";
import { partition } from "../../compiler/kernels/fuse-elementwise.ts";
import { lowerComposites } from "../../compiler/passes/lower-composites.ts";
import { simplify } from "../../compiler/passes/simplify.ts";
import { compile } from "../../runtime/executable.ts";
import type { Rng } from "../util/random.ts";
import { mulberry32, randInt, randomTensor, testSeed } from "../util/random.ts";
import { openTestDevice } from "./graph-check.ts";

const { dev, reason: noDevice } = await openTestDevice();
afterAll(() => dev?.dispose());

const seed = testSeed();
const rng: Rng = mulberry32(seed);
console.log(`# TEST_SEED=${seed}`);

// ---------------------------------------------------------------------------------------------
// Helpers

interface Built {
  graph: Graph;
  inputs: Record<string, RefTensor>;
}

/** max |got − want| ≤ rel · max(1, max |want|), per output. */
function assertClose(got: RefTensor, want: RefTensor, what: string, rel = 1e-4): void {
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  let ref = 0, err = 0, at = -1;
  for (let i = 0; i < want.data.length; i++) {
    ref = Math.max(ref, Math.abs(want.data[i]!));
    const e = Math.abs(got.data[i]! - want.data[i]!);
    if (!(e <= err)) [err, at] = [e, i]; // NaN counts as the worst error
  }
  const tol = rel * Math.max(1, ref);
  assert.ok(err <= tol, `${what}: max error ${err} at flat ${at} (got ${got.data[at]}, want ${want.data[at]}) > ${tol} (TEST_SEED=${seed})`);
}

/** Compile on the device, run, compare every output with the reference; returns the dispatch count. */
async function check(b: Built, what: string, rel = 1e-4): Promise<{ dispatches: number; out: Record<string, RefTensor>; materialized: ReadonlySet<Node> }> {
  const exe = await compile(b.graph, { target: "wgsl", device: dev! });
  try {
    const got = await exe.run(b.inputs);
    const want = run(b.graph, b.inputs);
    for (const name of Object.keys(want)) assertClose(got[name]!, want[name]!, `${what}: ${name}`, rel);
    return { dispatches: exe.dispatchCount, out: got, materialized: exe.compiled.partition.materialized };
  } finally {
    exe.dispose();
  }
}

function segTensor(rows: readonly (readonly Segment[])[], slots?: number): RefTensor {
  const { shape, data } = packSegments(rows, slots);
  return tensor("i32", shape, data);
}

interface AttnCase {
  B: number; H: number; Lq: number; Lk: number; D: number; Dv?: number;
  causal: boolean;
  segments?: readonly (readonly Segment[])[];
  dtype?: "f32" | "f16";
}

/** out = attention(q, k, v[, segments]) on random q, k, v. */
function attentionCase(c: AttnCase): Built {
  const dv = c.Dv ?? c.D, t = c.dtype ?? "f32";
  const q = input("q", t, [c.B, c.H, c.Lq, c.D]), k = input("k", t, [c.B, c.H, c.Lk, c.D]), v = input("v", t, [c.B, c.H, c.Lk, dv]);
  const leaves: Node[] = [q, k, v];
  const inputs: Record<string, RefTensor> = {
    q: randomTensor(t, [c.B, c.H, c.Lq, c.D], rng),
    k: randomTensor(t, [c.B, c.H, c.Lk, c.D], rng),
    v: randomTensor(t, [c.B, c.H, c.Lk, dv], rng),
  };
  if (c.segments) {
    const st = segTensor(c.segments);
    leaves.push(input("segments", "i32", st.shape));
    inputs["segments"] = st;
  }
  const out = apply("attention", leaves, { scale: 1 / Math.sqrt(c.D), causal: c.causal });
  return { graph: new Graph("attention", leaves, [], [{ name: "out", node: out }]), inputs };
}

async function checkAttention(c: AttnCase, what: string, rel = 1e-4): Promise<RefTensor> {
  const { dispatches, out } = await check(attentionCase(c), what, rel);
  assert.equal(dispatches, 1, `${what}: attention alone is one kernel`);
  return out["out"]!;
}

// ---------------------------------------------------------------------------------------------
// Mask layouts

test("attention without a mask (ragged Lq 5, Lk 7, D 3, Dv 4)", async (t) => {
  if (noDevice) t.skip(noDevice);
  await checkAttention({ B: 2, H: 2, Lq: 5, Lk: 7, D: 3, Dv: 4, causal: false }, "no mask");
});

test("causal attention with Lq = Lk", async (t) => {
  if (noDevice) t.skip(noDevice);
  await checkAttention({ B: 2, H: 3, Lq: 9, Lk: 9, D: 6, causal: true }, "causal");
});

test("causal decode: 2 queries over 11 keys", async (t) => {
  if (noDevice) t.skip(noDevice);
  await checkAttention({ B: 2, H: 2, Lq: 2, Lk: 11, D: 4, causal: true }, "decode");
});

test("T2I layout: left PAD + SPAN [SOI, EOI], different padding per batch row", async (t) => {
  if (noDevice) t.skip(noDevice);
  const L = 12;
  const pads = [randInt(rng, 1, 4), randInt(rng, 0, 4), 0];
  const segments = pads.map((p) => [{ kind: "pad", start: 0, end: p }, { kind: "span", start: p + 3, end: L - 1 }] as Segment[]);
  await checkAttention({ B: 3, H: 2, Lq: L, Lk: L, D: 5, causal: true, segments }, "T2I");
});

test("MMU layout: SPAN [0, EOI] per batch row, causal after", async (t) => {
  if (noDevice) t.skip(noDevice);
  const segments = [[{ kind: "span", start: 0, end: 5 }], [{ kind: "span", start: 0, end: randInt(rng, 1, 9) }]] as Segment[][];
  await checkAttention({ B: 2, H: 2, Lq: 9, Lk: 9, D: 4, causal: true, segments }, "MMU");
});

test("GLOBAL columns visible to every row, with unused slots and decode", async (t) => {
  if (noDevice) t.skip(noDevice);
  const segments = [
    [{ kind: "global", start: 6, end: 8 }, { kind: "pad", start: 0, end: 1 }, { kind: "span", start: 2, end: 5 }],
    [{ kind: "global", start: 7, end: 10 }],
  ] as Segment[][];
  await checkAttention({ B: 2, H: 2, Lq: 10, Lk: 10, D: 3, causal: true, segments }, "GLOBAL");
  await checkAttention({ B: 2, H: 1, Lq: 3, Lk: 10, D: 3, causal: true, segments }, "GLOBAL decode");
});

test("PAD without causal (pad rows still see everything)", async (t) => {
  if (noDevice) t.skip(noDevice);
  const segments = [[{ kind: "pad", start: 0, end: 3 }], [{ kind: "pad", start: 0, end: 1 }]] as Segment[][];
  await checkAttention({ B: 2, H: 2, Lq: 7, Lk: 7, D: 5, causal: false, segments }, "PAD non-causal");
});

test("random segment layouts, causal and not", async (t) => {
  if (noDevice) t.skip(noDevice);
  const kinds: Segment["kind"][] = ["pad", "span", "global"];
  for (const causal of [true, false]) {
    const L = randInt(rng, 6, 14), lq = randInt(rng, 1, L + 1);
    const segments = [0, 1, 2].map(() =>
      Array.from({ length: randInt(rng, 0, 4) }, () => {
        const a = randInt(rng, 0, L + 1), b = randInt(rng, 0, L + 1);
        return { kind: kinds[randInt(rng, 0, 3)]!, start: Math.min(a, b), end: Math.max(a, b) };
      }),
    );
    await checkAttention({ B: 3, H: 2, Lq: lq, Lk: L, D: 4, causal, segments }, `random segments (causal ${causal}, Lq ${lq}, Lk ${L}): ${JSON.stringify(segments)}`);
  }
});

test("fully masked rows (causal, Lq 5 > Lk 3) are exactly zero", async (t) => {
  if (noDevice) t.skip(noDevice);
  const out = await checkAttention({ B: 1, H: 2, Lq: 5, Lk: 3, D: 4, causal: true }, "fully masked");
  // Query rows 0 and 1 sit at positions −2 and −1: no key is at or before them.
  for (let h = 0; h < 2; h++) {
    for (let i = 0; i < 2; i++) {
      for (let c = 0; c < 4; c++) assert.equal(out.data[(h * 5 + i) * 4 + c], 0, `out[0, ${h}, ${i}, ${c}]`);
    }
    assert.ok([0, 1, 2, 3].some((c) => out.data[(h * 5 + 2) * 4 + c] !== 0), "row 2 sees key 0");
  }
});

// ---------------------------------------------------------------------------------------------
// Sizes

test("head size 64 (one output column per invocation)", async (t) => {
  if (noDevice) t.skip(noDevice);
  await checkAttention({ B: 1, H: 2, Lq: 7, Lk: 13, D: 64, causal: true }, "D 64");
});

test("ragged head size 5, and Dv 70 wider than the workgroup", async (t) => {
  if (noDevice) t.skip(noDevice);
  await checkAttention({ B: 2, H: 1, Lq: 6, Lk: 6, D: 5, causal: false }, "D 5");
  await checkAttention({ B: 1, H: 2, Lq: 3, Lk: 9, D: 5, Dv: 70, causal: true }, "Dv 70");
});

test("long key sequence (Lk 600) walked in two chunks, with a padded T2I mask", async (t) => {
  if (noDevice) t.skip(noDevice);
  await checkAttention({ B: 1, H: 2, Lq: 3, Lk: 600, D: 8, causal: true }, "Lk 600 decode");
  const segments = [[{ kind: "pad", start: 0, end: 37 }, { kind: "span", start: 100, end: 560 }]] as Segment[][];
  await checkAttention({ B: 1, H: 1, Lq: 600, Lk: 600, D: 4, causal: true, segments }, "Lk 600 T2I");
});

test("f16 q, k, v (f32 statistics, f16 result)", async (t) => {
  if (noDevice) t.skip(noDevice);
  if (!dev!.features.has("shader-f16")) await t.annotate("no shader-f16: f16 is widened to f32 storage");
  const segments = [[{ kind: "pad", start: 0, end: 2 }, { kind: "span", start: 4, end: 9 }], [{ kind: "span", start: 0, end: 3 }]] as Segment[][];
  // Results are rounded to f16 (relative step 2⁻¹⁰); one rounding apart from the reference.
  await checkAttention({ B: 2, H: 2, Lq: 10, Lk: 10, D: 6, causal: true, segments, dtype: "f16" }, "f16", 2e-3);
});

// ---------------------------------------------------------------------------------------------
// Fusion

test("a fused q producer (q·2 through a permute view) stays one kernel", async (t) => {
  if (noDevice) t.skip(noDevice);
  const [B, H, L, D] = [2, 3, 6, 4];
  const x = input("x", "f32", [B, L, H, D]); // q laid out [B, L, H, D] as a projection writes it
  const k = input("k", "f32", [B, H, L, D]), v = input("v", "f32", [B, H, L, D]);
  const permuted = apply("permute", [x], { perm: [0, 2, 1, 3] });
  const q = apply("mul", [permuted, apply("constant", [], { value: 2, dtype: "f32", shape: [B, H, L, D] })]);
  const out = apply("attention", [q, k, v], { scale: 0.5, causal: true });
  const graph = new Graph("fused_q", [x, k, v], [], [{ name: "out", node: out }]);
  const inputs = { x: randomTensor("f32", [B, L, H, D], rng), k: randomTensor("f32", [B, H, L, D], rng), v: randomTensor("f32", [B, H, L, D], rng) };
  const { dispatches } = await check({ graph, inputs }, "fused q");
  assert.equal(dispatches, 1, "the permute and the scale are computed in the attention kernel's loads");
});

test("partial rotary on q and k is computed in the attention kernel's loads", async (t) => {
  if (noDevice) t.skip(noDevice);
  const [B, H, L, D] = [1, 2, 9, 8];
  const x = input("x", "f32", [B, H, L, D]), y = input("y", "f32", [B, H, L, D]), v = input("v", "f32", [B, H, L, D]);
  const pos = input("pos", "i32", [L]);
  const rope = (t: Node) => apply("rotary", [t, pos], { rotary_dim: 4, base: 10000 });
  const out = apply("attention", [rope(x), rope(y), v], { scale: 1 / Math.sqrt(D), causal: true });
  const graph = new Graph("rotary_qk", [x, y, v, pos], [], [{ name: "out", node: out }]);
  const inputs = {
    x: randomTensor("f32", [B, H, L, D], rng), y: randomTensor("f32", [B, H, L, D], rng), v: randomTensor("f32", [B, H, L, D], rng),
    pos: randomTensor("i32", [L], rng, { kind: "int", lo: 0, hi: 64 }),
  };
  const { materialized } = await check({ graph, inputs }, "rotary q, k");
  // The small angle tables [L, rotary_dim / 2] may get buffers of their own (each is read more
  // than once); the rotated q and k never do: the rotation runs in the attention kernel's loads.
  const stored = [...materialized].filter((n) => n.op !== "input" && n.op !== "attention");
  assert.ok(stored.every((n) => n.shape.length === 2), `only angle tables are stored: ${stored.map((n) => n.toString()).join(", ")}`);
});

// ---------------------------------------------------------------------------------------------
// DEAD segments and the log-sum-exp column, in each of the three attention kernels: the blocked
// flash kernel (head dims multiples of 4), the row flash kernel (other head dims ≤ 128) and the
// one-row-per-workgroup kernel (longer heads).

interface LseCase extends AttnCase {
  lse: boolean;
}

function lseCase(c: LseCase): Built {
  const b = attentionCase(c);
  const out = b.graph.outputs[0]!.node;
  const node = apply("attention", out.inputs, { ...out.attrs, lse: c.lse });
  return { graph: new Graph("attention", b.graph.inputs, [], [{ name: "out", node }]), inputs: b.inputs };
}

test("DEAD rows give exact zeros and DEAD columns are hidden; lse column; all three kernels", async (t) => {
  if (noDevice) t.skip(noDevice);
  // T2I rows with DEAD left padding (different per row), an image SPAN, and a DEAD stretch
  // inside the text of row 1 (rows after it must not see it).
  const L = 23;
  const segments: Segment[][] = [
    [{ kind: "dead", start: 0, end: 5 }, { kind: "span", start: 12, end: L }],
    [{ kind: "dead", start: 0, end: 2 }, { kind: "dead", start: 6, end: 8 }, { kind: "span", start: 14, end: L }],
  ];
  const kernels: [string, number, number, RegExp][] = [
    ["blocked flash", 16, 8, /flash blocked/],
    ["row flash", 6, 5, /\(flash \d+×\d+/],
    ["one row per workgroup", 130, 7, /^attention f32\[[^(]*$/],
  ];
  for (const [what, D, Dv, label] of kernels) {
    for (const lse of [false, true]) {
      const built = lseCase({ B: 2, H: 2, Lq: L, Lk: L, D, Dv, causal: true, segments, lse });
      const exe = await compile(built.graph, { target: "wgsl", device: dev! });
      try {
        assert.match(exe.compiled.launches[0]!.label, label, `${what}: ${exe.compiled.launches[0]!.label}`);
        const got = (await exe.run(built.inputs))["out"]!;
        const want = run(built.graph, built.inputs)["out"]!;
        assertClose(got, want, `${what}${lse ? " + lse" : ""}`);
        const W = Dv + (lse ? 1 : 0);
        for (let b = 0; b < 2; b++) for (let h = 0; h < 2; h++) for (let i = 0; i < L; i++) {
          if (!segments[b]!.some((s) => s.kind === "dead" && i >= s.start && i < s.end)) continue;
          const row = Array.from(got.data.subarray(((b * 2 + h) * L + i) * W, ((b * 2 + h) * L + i + 1) * W));
          assert.ok(row.slice(0, Dv).every((x) => x === 0), `${what}: dead row ${b}/${h}/${i} is exact zeros, got ${row.slice(0, Dv).join(", ")}`);
          if (lse) assert.equal(row[Dv], Math.fround(-1e30), `${what}: dead row lse is the mask value`);
        }
      } finally {
        exe.dispose();
      }
    }
  }
});

// ---------------------------------------------------------------------------------------------
// Backward

/** Kernel kinds a graph needs that have no builder (other than what this file tests). */
function missingBuilders(graph: Graph): string[] {
  const part = partition(simplify(lowerComposites(bindDims(graph, {}))));
  return [...new Set(part.groups.map((g) => g.kind))].filter((k) => !hasBuilder(k)).sort();
}

function vjpCase(): Built {
  const [B, H, L, D] = [2, 2, 7, 5];
  const q = input("q", "f32", [B, H, L, D]), k = input("k", "f32", [B, H, L, D]), v = input("v", "f32", [B, H, L, D]);
  const ct = input("ct", "f32", [B, H, L, D]);
  const segments = [[{ kind: "pad", start: 0, end: 2 }, { kind: "span", start: 3, end: 6 }], [{ kind: "span", start: 0, end: 3 }]] as Segment[][];
  const st = segTensor(segments);
  const seg = input("segments", "i32", st.shape);
  const att = apply("attention", [q, k, v, seg], { scale: 1 / Math.sqrt(D), causal: true });
  const loss = apply("sum", [apply("mul", [att, ct])], { axes: [0, 1, 2, 3], keepdims: false });
  const fwd = new Graph("attention_loss", [q, k, v, ct, seg], [], [{ name: "loss", node: loss }]);
  const inputs: Record<string, RefTensor> = { segments: st };
  for (const n of ["q", "k", "v", "ct"]) inputs[n] = randomTensor("f32", [B, H, L, D], rng);
  return { graph: grad(fwd, { loss: "loss", inputsWrt: ["q", "k", "v"] }), inputs };
}

const vjp = vjpCase();
const vjpMissing = missingBuilders(vjp.graph);

test("the VJP graph of masked attention (grad of sum(attention · cotangent))", async (t) => {
  if (noDevice) t.skip(noDevice);
  if (vjpMissing.length) assert.fail(`the VJP graph needs kernel builders not written yet: ${vjpMissing.join(", ")}`);
  await check(vjp, "attention VJP");
});
