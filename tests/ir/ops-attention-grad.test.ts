// attention{lse} and the backward ops attention_grad_q / attention_grad_kv on the reference:
// the log-sum-exp column against an independent dense computation (and the mask value on empty
// rows), every decomposition against its reference on every example and on random T2I segments
// with PAD and DEAD, the backward ops on a consistent forward against finite differences of
// Σ attention·c, and the lse cotangent. Tolerances: decompositions 2e-5
// relative to max(1, max|ref|); finite differences 1e-5 relative (the oracle computes f32 in
// float64, unrounded; step 1e-6).

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
import { maskValue } from "../../compiler/ir/ops/attention.ts";
import { mulberry32, randInt, randomInputFor, randomTensor, testSeed } from "../util/random.ts";

const seed = testSeed();
const rng = mulberry32(seed);
const tag = (what: string) => `${what} (TEST_SEED=${seed})`;

function maxErr(a: RefTensor, b: RefTensor): { err: number; scale: number } {
  assert.deepEqual(a.shape, b.shape);
  let err = 0, scale = 1;
  for (let i = 0; i < a.data.length; i++) {
    err = Math.max(err, Math.abs(a.data[i]! - b.data[i]!));
    scale = Math.max(scale, Math.abs(b.data[i]!));
  }
  return { err, scale };
}

function decomposedVsReference(op: string, ex: OpExample, values?: RefTensor[]): void {
  const def = getOp(op);
  const nodes = ex.inputs.map((x, i) => input(`x${i}`, x.dtype, x.shape));
  const vals = values ?? ex.inputs.map((x) => randomInputFor(x, rng));
  const leaves = new Map<Node, RefTensor>(nodes.map((n, i) => [n, vals[i]!]));
  const out = apply(op, nodes, ex.attrs);
  const want = evalNode(out, leaves);
  const got = evalNode(def.decompose!(nodes, out.attrs), leaves);
  const { err, scale } = maxErr(got, want);
  assert.ok(err <= 2e-5 * scale, tag(`${op} ${ex.note ?? ""}: decomposition differs from the reference by ${err} (scale ${scale})`));
}

for (const op of ["attention", "attention_qknorm", "attention_grad_q", "attention_grad_kv"]) {
  test(`${op}: the decomposition matches the reference on every example`, () => {
    for (const ex of getOp(op).examples()) decomposedVsReference(op, ex);
  });
}

/** Random T2I rows: left padding (PAD or DEAD, per row) then text, then the image span. */
function t2iRows(B: number, L: number, dead = true): Segment[][] {
  return Array.from({ length: B }, () => {
    const pad = randInt(rng, 1, Math.floor(L / 3));
    const soi = randInt(rng, pad + 1, L - 2);
    return [{ kind: dead && rng() < 0.5 ? "dead" : "pad", start: 0, end: pad }, { kind: "span", start: soi, end: L }] as Segment[];
  });
}

test("attention{lse}: the last column is log Σ exp of the allowed scaled scores; empty rows get the mask value", () => {
  const [B, H, L, D] = [2, 2, 9, 4];
  const rows = t2iRows(B, L);
  rows[1] = [{ kind: "dead", start: 0, end: 3 }, { kind: "span", start: 5, end: L }]; // rows 0..2 empty
  const { shape, data } = packSegments(rows);
  const vals = [randomTensor("f32", [B, H, L, D], rng), randomTensor("f32", [B, H, L, D], rng), randomTensor("f32", [B, H, L, D], rng), tensor("i32", shape, data)];
  const nodes = vals.map((v, i) => input(`x${i}`, v.dtype, v.shape));
  const leaves = new Map<Node, RefTensor>(nodes.map((n, i) => [n, vals[i]!]));
  const scale = 0.5;
  const packed = evalNode(apply("attention", nodes, { scale, causal: true, lse: true }), leaves);
  const plain = evalNode(apply("attention", nodes, { scale, causal: true }), leaves);
  assert.deepEqual(packed.shape, [B, H, L, D + 1]);
  let empty = 0;
  for (let b = 0; b < B; b++) {
    const m = denseMask(unpackRow(data, shape[1]!, b, true), L, L);
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < L; i++) {
        const at = (t: RefTensor, w: number, r: number, c: number) => t.data[((b * H + h) * L + r) * w + c]!;
        let z = 0, any = false;
        for (let j = 0; j < L; j++) {
          if (!m[i * L + j]) continue;
          any = true;
          let dot = 0;
          for (let c = 0; c < D; c++) dot += at(vals[0]!, D, i, c) * at(vals[1]!, D, j, c);
          z += Math.exp(dot * scale);
        }
        const lse = at(packed, D + 1, i, D);
        if (!any) {
          empty++;
          assert.equal(lse, maskValue("f32"));
        } else assert.ok(Math.abs(lse - Math.log(z)) <= 1e-6 * Math.max(1, Math.abs(lse)), tag(`lse (${b}, ${h}, ${i}): ${lse} vs ${Math.log(z)}`));
        for (let c = 0; c < D; c++) assert.equal(at(packed, D + 1, i, c), at(plain, D, i, c));
      }
    }
  }
  assert.ok(empty >= 3, "the DEAD rows are empty");
  decomposedVsReference("attention", { inputs: vals.map((v) => ({ dtype: v.dtype, shape: v.shape })), attrs: { scale, causal: true, lse: true } }, vals);
});

test("attention_grad_q / _kv: decompositions match the references on random T2I rows with PAD and DEAD, and on MMU and decode shapes", () => {
  for (const [B, H, lq, lk, D, causal] of [[2, 2, 11, 11, 5, true], [1, 3, 3, 10, 4, true], [2, 1, 7, 7, 3, false]] as const) {
    const rows = lq === lk ? t2iRows(B, lk) : Array.from({ length: B }, () => [{ kind: "span", start: 0, end: randInt(rng, 2, 6) }] as Segment[]);
    const { shape, data } = packSegments(rows);
    const vals = [
      randomTensor("f32", [B, H, lq, D], rng), randomTensor("f32", [B, H, lk, D], rng), randomTensor("f32", [B, H, lk, D], rng),
      randomTensor("f32", [B, H, lq, D + 1], rng), randomTensor("f32", [B, H, lq, D + 1], rng), tensor("i32", shape, data),
    ];
    const ex: OpExample = { inputs: vals.map((v) => ({ dtype: v.dtype, shape: v.shape })), attrs: { scale: 0.4, causal } };
    decomposedVsReference("attention_grad_q", ex, vals);
    decomposedVsReference("attention_grad_kv", ex, vals);
  }
});

/** Σ attention{lse?}(q, k, v, seg)·c, in float64 from the reference, for finite differences. */
function lossOf(vals: RefTensor[], ct: RefTensor, attrs: Record<string, number | boolean>): number {
  const nodes = vals.map((v, i) => input(`x${i}`, v.dtype, v.shape));
  const out = evalNode(apply("attention", nodes, attrs), new Map(nodes.map((n, i) => [n, vals[i]!])));
  let s = 0;
  for (let i = 0; i < out.data.length; i++) s += out.data[i]! * ct.data[i]!;
  return s;
}

test("attention_grad_q / _kv on a consistent forward equal finite differences of Σ attention·c (with and without the lse cotangent)", () => {
  const [B, H, L, D] = [2, 1, 7, 3];
  // PAD only: an empty (DEAD) row's lse of −1e30 would swamp the finite differences of the loss.
  const { shape, data } = packSegments(t2iRows(B, L, false));
  const f64 = (shape: number[]) => randomTensor("f32", shape, rng); // the oracle keeps f32 unrounded
  for (const lse of [false, true]) {
    const vals = [f64([B, H, L, D]), f64([B, H, L, D]), f64([B, H, L, D]), tensor("i32", shape, data)];
    const attrs = { scale: 0.6, causal: true, lse };
    const ct = f64([B, H, L, lse ? D + 1 : D]);
    const nodes = vals.map((v, i) => input(`x${i}`, v.dtype, v.shape));
    const leaves = new Map<Node, RefTensor>(nodes.map((n, i) => [n, vals[i]!]));
    const packed = apply("attention", nodes, { scale: 0.6, causal: true, lse: true });
    const g = input("ct", ct.dtype, ct.shape);
    leaves.set(g, ct);
    const ins = [nodes[0]!, nodes[1]!, nodes[2]!, packed, g, nodes[3]!];
    const dq = evalNode(apply("attention_grad_q", ins, { scale: 0.6, causal: true }), leaves);
    const dkv = evalNode(apply("attention_grad_kv", ins, { scale: 0.6, causal: true }), leaves);
    const h = 1e-6;
    for (let which = 0; which < 3; which++) {
      const x = vals[which]!;
      for (let e = 0; e < x.data.length; e++) {
        const keep = x.data[e]!;
        x.data[e] = keep + h;
        const up = lossOf(vals, ct, attrs);
        x.data[e] = keep - h;
        const down = lossOf(vals, ct, attrs);
        x.data[e] = keep;
        const fd = (up - down) / (2 * h);
        const row = Math.floor(e / D), c = e % D;
        const got = which === 0 ? dq.data[e]! : dkv.data[row * 2 * D + (which === 1 ? c : D + c)]!;
        assert.ok(Math.abs(got - fd) <= 1e-5 * Math.max(1, Math.abs(fd)), tag(`lse ${lse}: d/d${"qkv"[which]}[${e}] = ${got}, finite differences ${fd}`));
      }
    }
  }
});
