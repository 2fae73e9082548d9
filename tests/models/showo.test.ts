// Show-o in the DSL: parameter names and shapes equal the checkpoint keys of design/showo.md §8,
// and showo-tiny's traced forward, run on the reference interpreter, equals the model written out
// by hand from §1.4 and §2 (embedding, parallel Phi blocks with QK-Norm before split-half partial
// RoPE, scaled masked attention, gelu_tanh MLP, final LayerNorm, biased untied head).

import assert from "node:assert/strict";
import { test } from "vitest";
import { run } from "../../backends/reference/interpreter.ts";
import { initParams } from "../../compiler/dsl/nn.ts";
import type { Segment } from "../../compiler/ir/mask.ts";
import { allowed, packSegments } from "../../compiler/ir/mask.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import type { ShowoConfig } from "../../models/showo.ts";
import { SHOWO_256, SHOWO_512, SHOWO_TINY, Showo, getShowoConfig, showoGraph } from "../../models/showo.ts";
import { PAD, SOI, positionsFor, segmentsForBatch, t2iGenPrompt, t2iPrompt, t2iUncondPrompt, imageTokenIds } from "../../models/showo-prompts.ts";
import { assertClose, freshSeed, geluTanh, layerLikeParams, layerNorm, linear } from "../dsl/manual.ts";

const SEED = freshSeed();

/** §8's table, row by row, without the `showo.` prefix. */
function checkpointTable(layers: number): Map<string, number[]> {
  const [V, H, F, d] = [58498, 2048, 8192, 64];
  const t = new Map<string, number[]>([["model.embed_tokens.weight", [V, H]]]);
  for (let i = 0; i < layers; i++) {
    const p = `model.layers.${i}`;
    for (const w of ["weight", "bias"]) t.set(`${p}.input_layernorm.${w}`, [H]);
    for (const proj of ["q_proj", "k_proj", "v_proj", "dense"]) {
      t.set(`${p}.self_attn.${proj}.weight`, [H, H]);
      t.set(`${p}.self_attn.${proj}.bias`, [H]);
    }
    for (const norm of ["q_layernorm", "k_layernorm"]) for (const w of ["weight", "bias"]) t.set(`${p}.self_attn.${norm}.${w}`, [d]);
    t.set(`${p}.mlp.fc1.weight`, [F, H]);
    t.set(`${p}.mlp.fc1.bias`, [F]);
    t.set(`${p}.mlp.fc2.weight`, [H, F]);
    t.set(`${p}.mlp.fc2.bias`, [H]);
  }
  for (const w of ["weight", "bias"]) t.set(`model.final_layernorm.${w}`, [H]);
  t.set("lm_head.weight", [V, H]);
  t.set("lm_head.bias", [V]);
  return t;
}

test("showo-256 and showo-512 parameters are §8's 437 checkpoint tensors (1,448,176,770 values)", () => {
  for (const cfg of [SHOWO_256, SHOWO_512]) {
    const m = new Showo(cfg);
    const got = new Map(m.namedParameters().map((p) => [p.name, [...p.shape] as number[]]));
    const want = checkpointTable(24);
    assert.equal(got.size, 437, cfg.name);
    assert.deepEqual(got, want, cfg.name);
    assert.ok(m.namedParameters().every((p) => p.dtype === "f32"));
    assert.equal(m.numParams(), 1_448_176_770, cfg.name);
  }
  assert.equal(getShowoConfig("showo-tiny"), SHOWO_TINY);
  assert.throws(() => getShowoConfig("showo-7b"), /unknown Show-o config/);
});

test("showo-tiny: the real vocabulary, hidden 64, 2 layers of 4 heads × 16, MLP 256, rotary on 8 dims", () => {
  const m = new Showo(SHOWO_TINY);
  const shapes = new Map(m.namedParameters().map((p) => [p.name, [...p.shape] as number[]]));
  assert.equal(shapes.size, 1 + 2 * 18 + 2 + 2);
  assert.deepEqual(shapes.get("model.embed_tokens.weight"), [58498, 64]);
  assert.deepEqual(shapes.get("model.layers.1.self_attn.k_layernorm.bias"), [16]);
  assert.deepEqual(shapes.get("model.layers.0.mlp.fc1.weight"), [256, 64]);
  assert.deepEqual(shapes.get("lm_head.bias"), [58498]);
  assert.deepEqual([SHOWO_TINY.partialRotary, SHOWO_TINY.ropeBase, SHOWO_TINY.eps, SHOWO_TINY.imageTokens, SHOWO_TINY.textBudget], [0.5, 10000, 1e-5, 16, 16]);
});

test("showoGraph: ids i32[B, L], positions i32[L], segments i32[B, S, 3] → logits f32[B, L, V]", () => {
  const g = showoGraph(SHOWO_TINY, { batch: "B", seq: "L", segmentSlots: 2 });
  assert.deepEqual(g.inputs.map((n) => [n.attrs["name"], n.dtype, [...n.shape]]), [["ids", "i32", ["B", "L"]], ["positions", "i32", ["L"]], ["segments", "i32", ["B", 2, 3]]]);
  assert.deepEqual(g.outputs.map((o) => [o.name, o.node.dtype, [...o.node.shape]]), [["logits", "f32", ["B", "L", 58498]]]);
  assert.equal(g.params.length, 41);
  const plain = showoGraph(SHOWO_TINY, { batch: 1, seq: 4 });
  assert.deepEqual(plain.inputs.map((n) => n.attrs["name"]), ["ids", "positions"]);
  assert.equal(plain.nodes().filter((n) => n.op === "attention").length, SHOWO_TINY.layers);
});

// ---------------------------------------------------------------------------------------------
// The model by hand

/** Logits [B, L, V] of Show-o written loop by loop; `rows` are each batch row's segments. */
function showoManual(cfg: ShowoConfig, p: Record<string, RefTensor>, ids: readonly number[], B: number, L: number, rows: readonly (readonly Segment[])[]): Float64Array {
  const H = cfg.hidden, nh = cfg.heads, hd = H / nh, rd = hd * cfg.partialRotary, half = rd / 2, V = cfg.vocab;
  const P = (n: string) => p[n]!.data;
  let x = new Float64Array(B * L * H);
  const E = P("model.embed_tokens.weight");
  ids.forEach((t, r) => x.set(E.subarray(t * H, (t + 1) * H), r * H));
  for (let layer = 0; layer < cfg.layers; layer++) {
    const pre = `model.layers.${layer}.`;
    const Q = (n: string) => P(pre + n);
    const u = layerNorm(x, H, Q("input_layernorm.weight"), Q("input_layernorm.bias"), cfg.eps);
    const proj = (n: string) => linear(u, B * L, Q(`self_attn.${n}.weight`), H, H, Q(`self_attn.${n}.bias`));
    // QK-Norm: one LayerNorm over each head's hd values, shared by the heads; then rotate the
    // first rd dims by position l (0..L−1), split-half.
    const normRotate = (t: Float64Array, norm: string) => {
      const out = layerNorm(t, hd, Q(`self_attn.${norm}.weight`), Q(`self_attn.${norm}.bias`), cfg.eps);
      for (let b = 0; b < B; b++) for (let l = 0; l < L; l++) for (let h = 0; h < nh; h++) {
        const o = ((b * L + l) * nh + h) * hd;
        const v = out.slice(o, o + hd);
        for (let i = 0; i < half; i++) {
          const th = l * Math.pow(cfg.ropeBase, (-2 * i) / rd);
          out[o + i] = v[i]! * Math.cos(th) - v[i + half]! * Math.sin(th);
          out[o + i + half] = v[i + half]! * Math.cos(th) + v[i]! * Math.sin(th);
        }
      }
      return out;
    };
    const q = normRotate(proj("q_proj"), "q_layernorm"), k = normRotate(proj("k_proj"), "k_layernorm"), v = proj("v_proj");
    const o = new Float64Array(B * L * H);
    for (let b = 0; b < B; b++) {
      const row = { causal: true, segments: rows[b] ?? [] };
      for (let h = 0; h < nh; h++) for (let i = 0; i < L; i++) {
        const js: number[] = [], s: number[] = [];
        for (let j = 0; j < L; j++) {
          if (!allowed(row, i, j)) continue;
          let dot = 0;
          for (let e = 0; e < hd; e++) dot += q[((b * L + i) * nh + h) * hd + e]! * k[((b * L + j) * nh + h) * hd + e]!;
          js.push(j);
          s.push(dot / Math.sqrt(hd));
        }
        const m = Math.max(...s);
        const w = s.map((z) => Math.exp(z - m));
        const Z = w.reduce((a, c) => a + c, 0);
        js.forEach((j, t) => {
          for (let e = 0; e < hd; e++) o[(b * L + i) * H + h * hd + e]! += (w[t]! / Z) * v[(b * L + j) * H + h * hd + e]!;
        });
      }
    }
    const attn = linear(o, B * L, Q("self_attn.dense.weight"), H, H, Q("self_attn.dense.bias"));
    const f1 = linear(u, B * L, Q("mlp.fc1.weight"), H, cfg.mlp, Q("mlp.fc1.bias")).map(geluTanh);
    const mlp = linear(f1, B * L, Q("mlp.fc2.weight"), cfg.mlp, H, Q("mlp.fc2.bias"));
    x = x.map((xv, i) => xv + attn[i]! + mlp[i]!);
  }
  const hN = layerNorm(x, H, P("model.final_layernorm.weight"), P("model.final_layernorm.bias"), cfg.eps);
  return linear(hN, B * L, P("lm_head.weight"), H, V, P("lm_head.bias"));
}

function inputsFor(rows: readonly { ids: number[] }[], segs: readonly (readonly Segment[])[], slots: number) {
  const [B, L] = [rows.length, rows[0]!.ids.length];
  const packed = packSegments(segs, slots);
  return {
    ids: tensor("i32", [B, L], rows.flatMap((r) => r.ids)),
    positions: tensor("i32", [L], positionsFor(L)),
    segments: tensor("i32", packed.shape, packed.data),
  };
}

test(`showo-tiny T2I forward (conditional + unconditional rows, omni-attention) equals the hand-written model (seed ${SEED})`, () => {
  const cfg = SHOWO_TINY;
  const m = new Showo(cfg);
  const g = showoGraph(cfg, { batch: "B", seq: "L", segmentSlots: 2 }, m);
  const p = layerLikeParams(m, SEED);
  // A training row with some known codes and an unconditional generation row.
  const codes = imageTokenIds(Array.from({ length: 16 }, (_, i) => (SEED + 977 * i) % 8192));
  const rows = [t2iPrompt([11, 22, 33, 44], codes.map((c, i) => (i % 2 ? 58497 : c)), cfg), t2iUncondPrompt(cfg)];
  const segs = segmentsForBatch(rows);
  const [B, L] = [2, rows[0]!.ids.length];
  const out = run(g, inputsFor(rows, segs, 2), p)["logits"]!;
  assert.equal(out.dtype, "f32");
  const want = showoManual(cfg, p, rows.flatMap((r) => r.ids), B, L, segs);
  assertClose(out, { shape: [B, L, cfg.vocab], data: want }, 1e-9, "logits");
});

test(`showo-tiny without segments is plain causal attention, on a short sequence (seed ${SEED})`, () => {
  const cfg = SHOWO_TINY;
  const m = new Showo(cfg);
  const g = showoGraph(cfg, { batch: "B", seq: "L" }, m);
  const p = layerLikeParams(m, SEED + 1);
  const ids = [50256, 464, 3290, 50301, 50296, 58497];
  const out = run(g, { ids: tensor("i32", [1, 6], ids), positions: tensor("i32", [6], positionsFor(6)) }, p)["logits"]!;
  assertClose(out, { shape: [1, 6, cfg.vocab], data: showoManual(cfg, p, ids, 1, 6, [[]]) }, 1e-9, "causal logits");
});

test(`seeded initial weights: the mask changes exactly the rows it should (seed ${SEED})`, () => {
  // With initParams (normal(0.02) weights, LayerNorms at 1/0), run one T2I row with its segments
  // and with plain causal attention. Pad rows see only earlier pads either way, so their logits are
  // identical; text rows after the pads stop seeing pads, and image rows see the whole image.
  const cfg = SHOWO_TINY;
  const m = new Showo(cfg);
  const g = showoGraph(cfg, { batch: 1, seq: 35, segmentSlots: 2 }, m);
  const p = initParams(m, SEED);
  const row = t2iGenPrompt([7, 8, 9], cfg);
  const segs = segmentsForBatch([row]);
  const withMask = run(g, inputsFor([row], segs, 2), p)["logits"]!;
  const causal = run(g, inputsFor([row], [[]], 2), p)["logits"]!;
  const V = cfg.vocab;
  const rowDiff = (i: number) => {
    let d = 0;
    for (let v = 0; v < V; v++) d = Math.max(d, Math.abs(withMask.data[i * V + v]! - causal.data[i * V + v]!));
    return d;
  };
  const pads = row.ids.filter((t) => t === PAD).length, soi = row.ids.indexOf(SOI);
  assert.ok(withMask.data.every(Number.isFinite));
  for (let i = 0; i < pads; i++) assert.equal(rowDiff(i), 0, `pad row ${i}`);
  for (let i = pads; i < 35; i++) assert.ok(rowDiff(i) > 1e-9, `row ${i} should depend on the mask`);
  assert.equal(soi, 17);
});
