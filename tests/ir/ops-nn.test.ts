// Neural-network composites (softmax, log_softmax, layer_norm, group_norm, gelu, silu, rotary,
// cross_entropy): references against formulas computed independently here, each decomposition
// against the direct reference, shape rules, and finite-difference VJP checks.

import assert from "node:assert/strict";
import { test } from "vitest";
import { evalNode } from "../../backends/reference/interpreter.ts";
import { apply, input } from "../../compiler/ir/build.ts";
import type { Attrs, Node } from "../../compiler/ir/graph.ts";
import { topoSort } from "../../compiler/ir/graph.ts";
import { getOp } from "../../compiler/ir/op.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import { checkOpGradients, gradTol } from "../util/gradcheck.ts";
import { mulberry32, randomInputFor, randomTensor, testSeed } from "../util/random.ts";

const seed = testSeed();
const rng = mulberry32(seed);
const at = `(TEST_SEED=${seed})`;
const COMPOSITES = ["softmax", "log_softmax", "layer_norm", "group_norm", "gelu", "silu", "rotary", "cross_entropy"];

const leavesFor = (ins: readonly Node[], xs: readonly RefTensor[]) => new Map<Node, RefTensor>(ins.map((n, i) => [n, xs[i]!]));

/** Evaluate op(xs){attrs} on the reference interpreter. */
function run(op: string, xs: readonly RefTensor[], attrs: Attrs = {}): RefTensor {
  const ins = xs.map((t, i) => input(`x${i}`, t.dtype, t.shape));
  return evalNode(apply(op, ins, attrs), leavesFor(ins, xs));
}

/** Max-norm relative error: max|a − b| / max|b| (absolute when b is all zeros). */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, "lengths differ");
  let d = 0, s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(b[i]!));
  }
  return s === 0 ? d : d / s;
}

/** Rows of the last axis of a tensor as arrays. */
function rows(t: RefTensor): number[][] {
  const D = t.shape[t.shape.length - 1]!;
  const out: number[][] = [];
  for (let r = 0; r < t.data.length / D; r++) out.push(Array.from(t.data.subarray(r * D, (r + 1) * D)));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reference values against independent formulas

test("softmax and log_softmax: rows sum to one, match exp/Σexp, and ignore a shift", () => {
  const x = randomTensor("f32", [4, 6], rng, { kind: "normal", scale: 3 });
  const y = run("softmax", [x], { axis: 1 }), ly = run("log_softmax", [x], { axis: 1 });
  rows(x).forEach((row, r) => {
    const e = row.map(Math.exp), s = e.reduce((p, v) => p + v, 0);
    assert.ok(relErr(rows(y)[r]!, e.map((v) => v / s)) < 1e-14, `softmax row ${r} ${at}`);
    assert.ok(relErr(rows(ly)[r]!, row.map((v) => v - Math.log(s))) < 1e-14, `log_softmax row ${r} ${at}`);
  });
  // Along axis 0 of a transposed copy gives the transposed result.
  const xt = tensor("f32", [6, 4], Array.from({ length: 24 }, (_, k) => x.data[(k % 4) * 6 + Math.floor(k / 4)]!));
  const yt = run("softmax", [xt], { axis: 0 });
  for (let i = 0; i < 4; i++) for (let j = 0; j < 6; j++) assert.ok(Math.abs(yt.data[j * 4 + i]! - y.data[i * 6 + j]!) < 1e-15);
  // Huge logits stay finite: the max is subtracted.
  const big = run("softmax", [tensor("f32", [3], [1000, 1001, 999])], { axis: 0 });
  assert.ok(big.data.every(Number.isFinite));
  assert.ok(Math.abs(big.data[1]! - 1 / (1 + Math.exp(-1) + Math.exp(-2))) < 1e-15);
});

test("layer_norm matches a manual mean/variance computation", () => {
  const D = 7;
  const x = randomTensor("f32", [3, 2, D], rng, { kind: "normal", scale: 5 });
  const w = randomTensor("f32", [D], rng), b = randomTensor("f32", [D], rng);
  const eps = 1e-4;
  const y = run("layer_norm", [x, w, b], { eps });
  rows(x).forEach((row, r) => {
    const m = row.reduce((p, v) => p + v, 0) / D;
    const v = row.reduce((p, u) => p + (u - m) * (u - m), 0) / D;
    const want = row.map((u, k) => ((u - m) / Math.sqrt(v + eps)) * w.data[k]! + b.data[k]!);
    assert.ok(relErr(rows(y)[r]!, want) < 1e-13, `row ${r} ${at}`);
  });
});

test("group_norm matches per-(sample, group) statistics computed by index", () => {
  const [N, C, H, W, G] = [2, 6, 3, 2, 3];
  const x = randomTensor("f32", [N, C, H, W], rng, { kind: "normal", scale: 2 });
  const w = randomTensor("f32", [C], rng), b = randomTensor("f32", [C], rng);
  const y = run("group_norm", [x, w, b], { groups: G });
  const at4 = (n: number, c: number, h: number, q: number) => ((n * C + c) * H + h) * W + q;
  for (let n = 0; n < N; n++) for (let g = 0; g < G; g++) {
    const vals: number[] = [];
    const cs = [2 * g, 2 * g + 1];
    for (const c of cs) for (let h = 0; h < H; h++) for (let q = 0; q < W; q++) vals.push(x.data[at4(n, c, h, q)]!);
    const m = vals.reduce((p, v) => p + v, 0) / vals.length;
    const v = vals.reduce((p, u) => p + (u - m) ** 2, 0) / vals.length;
    for (const c of cs) for (let h = 0; h < H; h++) for (let q = 0; q < W; q++) {
      const want = ((x.data[at4(n, c, h, q)]! - m) / Math.sqrt(v + 1e-6)) * w.data[c]! + b.data[c]!;
      assert.ok(Math.abs(y.data[at4(n, c, h, q)]! - want) < 1e-12, `n ${n} c ${c} ${at}`);
    }
  }
});

test("gelu (both forms) and silu match their formulas and known values", () => {
  const x = randomTensor("f32", [40], rng, { kind: "normal", scale: 3 });
  const tanhForm = run("gelu", [x], { approximate: "tanh" });
  const want = Array.from(x.data, (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))));
  assert.ok(relErr(tanhForm.data, want) < 1e-15, at);
  const silu = run("silu", [x]);
  assert.ok(relErr(silu.data, Array.from(x.data, (v) => v / (1 + Math.exp(-v)))) < 1e-15, at);
  // Exact GELU: x·Φ(x) with Φ(1) = 0.8413447460685429, Φ(−2) = 0.022750131948179195.
  const exact = run("gelu", [tensor("f32", [3], [1, -2, 0])], { approximate: "none" });
  assert.ok(Math.abs(exact.data[0]! - 0.8413447460685429) < 1e-15);
  assert.ok(Math.abs(exact.data[1]! - -2 * 0.022750131948179195) < 1e-15);
  assert.equal(exact.data[2], 0);
  // The two forms agree to about 1e-3 (the approximation's error).
  const none = run("gelu", [x], { approximate: "none" });
  assert.ok(relErr(tanhForm.data, none.data) < 2e-3);
  assert.ok(relErr(tanhForm.data, none.data) > 0);
});

test("rotary matches the docs formula, passes extra dims through, and preserves norms", () => {
  const [B, L, D, rd, base] = [2, 5, 10, 6, 1000];
  const x = randomTensor("f32", [B, L, D], rng);
  const pos = randomTensor("i32", [L], rng, { kind: "int", lo: 0, hi: 100 });
  const y = run("rotary", [x, pos], { rotary_dim: rd, base });
  const h = rd / 2;
  rows(x).forEach((row, r) => {
    const p = pos.data[r % L]!;
    // Rotate each pair (x[i], x[i+h]) as the complex number x[i] + i·x[i+h] times e^{iθ}.
    const want = [...row];
    for (let i = 0; i < h; i++) {
      const th = p / base ** ((2 * i) / rd);
      want[i] = row[i]! * Math.cos(th) - row[i + h]! * Math.sin(th);
      want[i + h] = row[i + h]! * Math.cos(th) + row[i]! * Math.sin(th);
    }
    const got = rows(y)[r]!;
    assert.ok(relErr(got, want) < 1e-12, `row ${r} ${at}`);
    for (let k = rd; k < D; k++) assert.equal(got[k], row[k]);
    const norm = (v: number[]) => Math.hypot(...v.slice(0, rd));
    assert.ok(Math.abs(norm(got) - norm(row)) < 1e-12);
  });
  // Position 0 is the identity; rotating by p then by −p is too.
  const zero = run("rotary", [x, tensor("i32", [L], [0, 0, 0, 0, 0])], { rotary_dim: rd });
  assert.deepEqual(Array.from(zero.data), Array.from(x.data));
  const neg = tensor("i32", [L], Array.from(pos.data, (v) => -v));
  assert.ok(relErr(run("rotary", [y, neg], { rotary_dim: rd, base }).data, x.data) < 1e-12);
});

test("cross_entropy matches −log softmax at the label, with ignore_index and every reduction", () => {
  const V = 6, labels = [3, -100, 0, 5, -100, 2];
  const logits = randomTensor("f32", [labels.length, V], rng, { kind: "normal", scale: 2 });
  const lab = tensor("i32", [labels.length], labels);
  const per = rows(logits).map((row, r) => {
    if (labels[r] === -100) return 0;
    const lse = Math.log(row.reduce((p, v) => p + Math.exp(v), 0));
    return lse - row[labels[r]!]!;
  });
  const none = run("cross_entropy", [logits, lab], { reduction: "none" });
  assert.ok(relErr(none.data, per) < 1e-14, at);
  const total = per.reduce((p, v) => p + v, 0);
  assert.ok(Math.abs(run("cross_entropy", [logits, lab], { reduction: "sum" }).data[0]! - total) < 1e-13);
  assert.ok(Math.abs(run("cross_entropy", [logits, lab]).data[0]! - total / 4) < 1e-13);
  const allIgnored = tensor("i32", [labels.length], labels.map(() => -100));
  assert.equal(run("cross_entropy", [logits, allIgnored]).data[0], 0);
  assert.throws(() => run("cross_entropy", [logits, tensor("i32", [6], [0, 1, 2, 6, 0, 0])]), /label 6 at row 3 is outside \[0, 6\)/);
});

// ---------------------------------------------------------------------------------------------
// Decompositions

const PRIMITIVE_FAMILIES = new Set(["source", "elementwise", "reduce", "movement", "index"]);

for (const name of COMPOSITES) {
  test(`${name}: the decomposition equals the reference on every example (1e-9 relative)`, () => {
    const def = getOp(name);
    def.examples().forEach((ex, k) => {
      const ins = ex.inputs.map((x, i) => input(`x${i}`, x.dtype, x.shape));
      const node = apply(name, ins, ex.attrs);
      const dec = def.decompose!(ins, node.attrs);
      assert.equal(dec.dtype, node.dtype);
      assert.deepEqual(dec.shape, node.shape);
      const used = topoSort([dec]).filter((n) => !ins.includes(n)).map((n) => getOp(n.op));
      for (const d of used) assert.ok(PRIMITIVE_FAMILIES.has(d.family), `${name} decomposes into ${d.name} (${d.family})`);
      const xs = ex.inputs.map((x) => randomInputFor(x, rng));
      const want = evalNode(node, leavesFor(ins, xs)), got = evalNode(dec, leavesFor(ins, xs));
      assert.ok(want.data.some((v) => v !== 0) || name === "cross_entropy", `${name} example ${k} is all zeros`);
      assert.ok(relErr(got.data, want.data) < 1e-9, `${name} example ${k} (${ex.note ?? JSON.stringify(ex.attrs)}): ${relErr(got.data, want.data)} ${at}`);
    });
  });
}

test("decompositions keep symbolic dims", () => {
  const x = input("x", "f32", ["B", "L", 8]);
  const cases: [string, Node[], Attrs][] = [
    ["softmax", [x], { axis: 2 }],
    ["layer_norm", [x, input("w", "f32", [8]), input("b", "f32", [8])], {}],
    ["rotary", [x, input("p", "i32", ["L"])], { rotary_dim: 4 }],
    ["cross_entropy", [x, input("y", "i32", ["B", "L"])], {}],
    ["group_norm", [input("g", "f32", ["B", 4, "H", "W"]), input("w", "f32", [4]), input("b", "f32", [4])], { groups: 2 }],
  ];
  for (const [op, ins, attrs] of cases) {
    const node = apply(op, ins, attrs);
    assert.deepEqual(getOp(op).decompose!(ins, node.attrs).shape, node.shape, op);
  }
});

// ---------------------------------------------------------------------------------------------
// Shape rules

test("shape rules refuse bad inputs with precise messages", () => {
  const f = (s: (number | string)[], d: "f32" | "i32" = "f32") => input("t", d, s);
  assert.throws(() => apply("softmax", [f([3, 4])], { axis: 2 }), /axis 2 out of range for rank 2/);
  assert.throws(() => apply("softmax", [f([3, 4])], { axis: -1 }), /axis -1 out of range/);
  assert.throws(() => apply("layer_norm", [f([3, 4]), f([5]), f([4])]), /weight must have shape \[4\].*got \[5\]/);
  assert.throws(() => apply("group_norm", [f([2, 6, 3]), f([6]), f([6])], { groups: 4 }), /channels 6 are not divisible by groups 4/);
  assert.throws(() => apply("group_norm", [f([2, 6, 3]), f([6]), f([3])], { groups: 3 }), /bias must have shape \[6\]/);
  assert.throws(() => apply("gelu", [f([3])], { approximate: "fast" }), /one of "tanh", "none"/);
  assert.throws(() => apply("gelu", [f([3])]), /missing attribute 'approximate'/);
  assert.throws(() => apply("rotary", [f([2, 5, 8]), f([5], "i32")], { rotary_dim: 5 }), /rotary_dim must be even/);
  assert.throws(() => apply("rotary", [f([2, 5, 8]), f([5], "i32")], { rotary_dim: 10 }), /2 ≤ rotary_dim ≤ 8/);
  assert.throws(() => apply("rotary", [f([2, 5, 8]), f([4], "i32")], { rotary_dim: 8 }), /positions must have shape \[5\]/);
  assert.throws(() => apply("rotary", [f([2, 5, 8]), f([5])], { rotary_dim: 8 }), /positions must be i32/);
  assert.throws(() => apply("cross_entropy", [f([4, 7]), f([5], "i32")]), /labels shape \[5\] must equal the logits shape without its last axis \[4\]/);
  assert.throws(() => apply("cross_entropy", [f([4, 7]), f([4])]), /labels must be i32/);
  assert.deepEqual(apply("cross_entropy", [f(["B", 7]), f(["B"], "i32")], { reduction: "none" }).shape, ["B"]);
  assert.deepEqual(apply("cross_entropy", [f(["B", 7]), f(["B"], "i32")]).shape, []);
});

// ---------------------------------------------------------------------------------------------
// VJPs

for (const name of COMPOSITES) {
  test(`${name}: VJP matches finite differences on every example`, () => {
    const def = getOp(name);
    def.examples().forEach((ex, k) => {
      const errs = checkOpGradients(def, ex, rng);
      errs.forEach((e, i) => {
        if (ex.inputs[i]!.dtype !== "f32") return assert.equal(e, null);
        assert.notEqual(e, null, `${name} example ${k} input ${i} was not checked`);
        assert.ok(e! < gradTol(ex), `${name} example ${k} (${ex.note ?? JSON.stringify(ex.attrs)}) input ${i}: rel err ${e} ${at}`);
      });
    });
  });
}
