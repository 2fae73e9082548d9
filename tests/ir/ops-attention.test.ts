// attention: the reference against an independent dense computation (dense mask from mask.ts,
// softmax by hand), the decomposition against the reference on every example and on random
// runtime segments, the VJP against finite differences, and fully masked rows.

import assert from "node:assert/strict";
import { test } from "vitest";
import { evalNode } from "../../backends/reference/interpreter.ts";
import { apply, input } from "../../compiler/ir/build.ts";
import type { Node } from "../../compiler/ir/graph.ts";
import type { Segment } from "../../compiler/ir/mask.ts";
import { denseMask, packSegments, unpackRow } from "../../compiler/ir/mask.ts";
import type { OpExample } from "../../compiler/ir/op.ts";
import { getOp } from "../../compiler/ir/op.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import { checkOpGradients, gradTol } from "../util/gradcheck.ts";
import type { Rng } from "../util/random.ts";
import { mulberry32, randInt, randomInputFor, testSeed } from "../util/random.ts";

const def = getOp("attention");
const seed = testSeed();
const rng = mulberry32(seed);
const tag = (what: string) => `${what} (TEST_SEED=${seed})`;

interface Case {
  nodes: Node[];
  values: RefTensor[];
  leaves: Map<Node, RefTensor>;
  out: Node;
}

function build(example: OpExample, r: Rng, values?: RefTensor[]): Case {
  const nodes = example.inputs.map((x, i) => input(`x${i}`, x.dtype, x.shape));
  const vals = values ?? example.inputs.map((x) => randomInputFor(x, r));
  return { nodes, values: vals, leaves: new Map(nodes.map((n, i) => [n, vals[i]!])), out: apply("attention", nodes, example.attrs) };
}

/** Independent dense attention: dense 0/1 mask per batch row, scores, softmax by hand, times v. */
function dense(values: readonly RefTensor[], scale: number, causal: boolean): number[] {
  const [q, k, v, seg] = values as [RefTensor, RefTensor, RefTensor, RefTensor | undefined];
  const [B, H, lq, D] = q.shape as [number, number, number, number];
  const lk = k.shape[2]!, dv = v.shape[3]!;
  const out: number[] = [];
  for (let b = 0; b < B; b++) {
    const row = seg ? unpackRow(seg.data, seg.shape[1]!, b, causal) : { causal, segments: [] };
    const m = denseMask(row, lq, lk);
    for (let h = 0; h < H; h++) {
      const at = (t: RefTensor, l: number, c: number, w: number) => t.data[((b * H + h) * t.shape[2]! + l) * w + c]!;
      for (let i = 0; i < lq; i++) {
        const logits: number[] = [];
        for (let j = 0; j < lk; j++) {
          let dot = 0;
          for (let c = 0; c < D; c++) dot += at(q, i, c, D) * at(k, j, c, D);
          logits.push(m[i * lk + j] ? dot * scale : -Infinity);
        }
        const mx = Math.max(...logits);
        const e = logits.map((x) => (mx === -Infinity ? 0 : Math.exp(x - mx)));
        const z = e.reduce((a, x) => a + x, 0);
        for (let c = 0; c < dv; c++) {
          let acc = 0;
          for (let j = 0; j < lk; j++) if (z > 0) acc += (e[j]! / z) * at(v, j, c, dv);
          out.push(acc);
        }
      }
    }
  }
  return out;
}

/** max |a − b| / (1 + |b|) over all elements. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
  return e;
}

const examples = def.examples();

test("attention examples cover the layouts: none, causal decode, T2I, MMU, GLOBAL, ragged, empty rows", () => {
  assert.ok(examples.length >= 7);
  const layouts = examples.filter((e) => e.inputs.length === 4).map((e) => e.note ?? "");
  for (const word of ["T2I", "MMU", "GLOBAL"]) assert.ok(layouts.some((n) => n.includes(word)), word);
  assert.ok(examples.some((e) => e.inputs[0]!.shape[2]! < e.inputs[1]!.shape[2]! && e.attrs["causal"] === true), "decode-like");
  assert.ok(examples.some((e) => e.inputs[0]!.shape[2]! === 7 && e.inputs[0]!.shape[3]! === 5), "ragged");
});

examples.forEach((ex, n) => {
  const name = `example ${n} (${ex.note ?? ""})`;

  test(`reference equals a dense computation: ${name}`, () => {
    const c = build(ex, rng);
    const packed = evalNode(c.out, c.leaves);
    const dv = ex.inputs[2]!.shape[3]!, lse = ex.attrs["lse"] === true; // with lse, column Dv (checked in ops-attention-grad.test.ts)
    assert.deepEqual(packed.shape, [ex.inputs[0]!.shape[0], ex.inputs[0]!.shape[1], ex.inputs[0]!.shape[2], dv + (lse ? 1 : 0)]);
    const got = lse ? { data: packed.data.filter((_, i) => i % (dv + 1) !== dv) } : packed;
    const want = dense(c.values, ex.attrs["scale"] as number, ex.attrs["causal"] as boolean);
    assert.ok(want.some((x) => Math.abs(x) > 1e-3), "non-trivial output");
    assert.ok(relErr(got.data, want) < 1e-12, tag(`${relErr(got.data, want)}`));
  });

  test(`decomposition equals the reference (1e-9): ${name}`, () => {
    const c = build(ex, rng);
    const ref = evalNode(c.out, c.leaves);
    const dec = evalNode(def.decompose!(c.nodes, c.out.attrs), c.leaves);
    assert.deepEqual(dec.shape, ref.shape);
    assert.ok(dec.data.every(Number.isFinite), "finite");
    assert.ok(relErr(dec.data, ref.data) < 1e-9, tag(`${relErr(dec.data, ref.data)}`));
  });

  test(`VJP matches finite differences: ${name}`, () => {
    const errs = checkOpGradients(def, ex, rng);
    assert.equal(errs.length, ex.inputs.length);
    errs.slice(0, 3).forEach((e, i) => {
      assert.ok(e !== null, `input ${i} checked`);
      assert.ok(e < gradTol(ex), tag(`input ${i}: relative error ${e}`));
    });
    if (ex.inputs.length === 4) assert.equal(errs[3], null);
  });
});

test("the VJP gives segments a null gradient", () => {
  const ex = examples.find((e) => e.inputs.length === 4)!;
  const c = build(ex, rng);
  const grads = def.vjp({ inputs: c.nodes, out: c.out, grad: input("g", c.out.dtype, c.out.shape), attrs: c.out.attrs });
  assert.equal(grads.length, 4);
  assert.equal(grads[3], null);
  grads.slice(0, 3).forEach((g, i) => assert.deepEqual(g!.shape, c.nodes[i]!.shape));
});

/** Random segment rows for an L-long sequence: any kinds (NONE slots included), any ranges. */
function randomSegments(r: Rng, B: number, S: number, L: number): RefTensor {
  const rows: Segment[][] = [];
  const kinds = ["pad", "span", "global"] as const;
  for (let b = 0; b < B; b++) {
    const row: Segment[] = [];
    const count = randInt(r, 0, S + 1);
    for (let s = 0; s < count; s++) {
      const start = randInt(r, 0, L + 1);
      row.push({ kind: kinds[randInt(r, 0, 3)]!, start, end: randInt(r, start, L + 1) });
    }
    rows.push(row);
  }
  const { shape, data } = packSegments(rows, S);
  return tensor("i32", shape, data);
}

test("the decomposition computes the mask on the device: one graph, many runtime segments", () => {
  for (const causal of [true, false]) {
    for (const [lq, lk] of [[6, 6], [3, 7], [6, 4]] as const) {
      const ex: OpExample = {
        inputs: [
          { dtype: "f32", shape: [3, 2, lq, 4] }, { dtype: "f32", shape: [3, 2, lk, 4] },
          { dtype: "f32", shape: [3, 2, lk, 3] }, { dtype: "i32", shape: [3, 3, 3] },
        ],
        attrs: { scale: 0.5, causal },
      };
      const c = build(ex, rng);
      const dec = def.decompose!(c.nodes, c.out.attrs); // built once
      for (let trial = 0; trial < 8; trial++) {
        const seg = randomSegments(rng, 3, 3, lk);
        const leaves = new Map(c.leaves);
        leaves.set(c.nodes[3]!, seg);
        const ref = evalNode(c.out, leaves);
        const got = evalNode(dec, leaves);
        const want = dense([...c.values.slice(0, 3), seg], 0.5, causal);
        assert.ok(relErr(ref.data, want) < 1e-12, tag(`reference vs dense, causal=${causal} ${lq}x${lk}`));
        assert.ok(relErr(got.data, ref.data) < 1e-9, tag(`decomposition vs reference, causal=${causal} ${lq}x${lk}: segments ${Array.from(seg.data)}`));
      }
    }
  }
});

test("a fully masked row gives exactly zeros (reference, decomposition and gradients)", () => {
  // Causal with Lq > Lk: query rows 0 and 1 sit at positions −2 and −1, before every key.
  const ex = examples.find((e) => e.inputs[0]!.shape[2]! > e.inputs[1]!.shape[2]! && e.attrs["causal"] === true)!;
  const c = build(ex, rng);
  const [B, H, lq] = ex.inputs[0]!.shape as [number, number, number];
  const lk = ex.inputs[1]!.shape[2]!, dv = ex.inputs[2]!.shape[3]!;
  const empty = lq - lk;
  assert.ok(empty > 0);
  const ref = evalNode(c.out, c.leaves);
  const dec = evalNode(def.decompose!(c.nodes, c.out.attrs), c.leaves);
  for (const t of [ref, dec]) {
    for (let bh = 0; bh < B * H; bh++) {
      for (let i = 0; i < lq; i++) {
        const row = Array.from(t.data.subarray((bh * lq + i) * dv, (bh * lq + i + 1) * dv));
        if (i < empty) assert.deepEqual(row, new Array(dv).fill(0), `row ${i} must be exactly zero`);
        else assert.ok(row.some((x) => x !== 0), `row ${i} is not masked`);
      }
    }
  }
  // q of an empty row receives no gradient; the VJP stays finite.
  const g = input("g", c.out.dtype, c.out.shape);
  const [dq] = def.vjp({ inputs: c.nodes, out: c.out, grad: g, attrs: c.out.attrs });
  const leaves = new Map(c.leaves);
  leaves.set(g, randomInputFor({ dtype: "f32", shape: [B, H, lq, dv] }, rng));
  const dqv = evalNode(dq!, leaves);
  const D = ex.inputs[0]!.shape[3]!;
  assert.ok(dqv.data.every(Number.isFinite));
  for (let bh = 0; bh < B * H; bh++) for (let i = 0; i < empty; i++) {
    assert.deepEqual(Array.from(dqv.data.subarray((bh * lq + i) * D, (bh * lq + i + 1) * D)), new Array(D).fill(0));
  }

  // A GLOBAL segment makes those rows see its columns again.
  const seg = packSegments([[{ kind: "global", start: 1, end: 2 }]]);
  const withGlobal = build({ ...ex, inputs: [...ex.inputs, { dtype: "i32", shape: seg.shape }] }, rng, [...c.values, tensor("i32", seg.shape, seg.data)]);
  const r2 = evalNode(withGlobal.out, withGlobal.leaves);
  const d2 = evalNode(def.decompose!(withGlobal.nodes, withGlobal.out.attrs), withGlobal.leaves);
  assert.ok(relErr(d2.data, r2.data) < 1e-9);
  // Row 0 (position −2) now attends only to key 1: its output is exactly v[.., 1, :].
  for (let c2 = 0; c2 < dv; c2++) assert.ok(Math.abs(r2.data[c2]! - c.values[2]!.data[1 * dv + c2]!) < 1e-15);
});

test("type rules name the mismatch", () => {
  const q = input("q", "f32", [2, 4, 5, 8]), k = input("k", "f32", [2, 4, 6, 8]), v = input("v", "f32", [2, 4, 6, 3]);
  const attrs = { scale: 0.35, causal: true };
  const o = apply("attention", [q, k, v], attrs);
  assert.deepEqual([o.dtype, ...o.shape], ["f32", 2, 4, 5, 3]);
  const sym = apply("attention", [input("q", "f32", ["B", 4, "L", 8]), input("k", "f32", ["B", 4, "L", 8]), input("v", "f32", ["B", 4, "L", 8]), input("s", "i32", ["B", 2, 3])], attrs);
  assert.deepEqual(sym.shape, ["B", 4, "L", 8]);
  assert.throws(() => apply("attention", [q, input("k", "f32", [2, 4, 6, 7]), v], attrs), /head dims/);
  assert.throws(() => apply("attention", [q, k, input("v", "f32", [2, 4, 5, 3])], attrs), /key lengths/);
  assert.throws(() => apply("attention", [q, k, v, input("s", "f32", [2, 1, 3])], attrs), /segments must be i32/);
  assert.throws(() => apply("attention", [q, k, v, input("s", "i32", [3, 1, 3])], attrs), /batch sizes of segments/);
  assert.throws(() => apply("attention", [q, k, input("v", "f16", [2, 4, 6, 3])], attrs), /dtypes/);
  assert.throws(() => apply("attention", [q, k, v], { scale: 0.35 }), /missing attribute 'causal'/);
});
