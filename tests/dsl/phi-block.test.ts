// The Phi block (Show-o's layer) traces, runs on the reference interpreter, and equals a direct
// float64 implementation of design/showo.md §1.4 and §2 written out loop by loop here: pre-norm,
// q/k/v projections, per-head QK-Norm before split-half partial rotary, scaled causal attention
// (with or without omni-attention segments), dense, gelu_tanh MLP, parallel residual.

import assert from "node:assert/strict";
import { test } from "vitest";
import { run } from "../../backends/reference/interpreter.ts";
import { randn } from "../../compiler/dsl/init.ts";
import type { Segment } from "../../compiler/ir/mask.ts";
import { allowed, packSegments } from "../../compiler/ir/mask.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { tensor } from "../../compiler/ir/ref.ts";
import { grad } from "../../compiler/passes/autodiff.ts";
import type { PhiConfig } from "../../models/phi-block.ts";
import { PhiBlock, phiBlockGraph } from "../../models/phi-block.ts";
import { assertClose, freshSeed, geluTanh, layerLikeParams, layerNorm, linear } from "./manual.ts";

const SEED = freshSeed();
const CFG: PhiConfig = { hidden: 16, heads: 2, mlp: 24, partialRotary: 0.5, ropeBase: 10000, eps: 1e-5 };

/** The block by hand. x [B, L, H] flat; returns [B, L, H] flat. */
function phiManual(cfg: PhiConfig, p: Record<string, RefTensor>, x: Float64Array, B: number, L: number, pos: ArrayLike<number>, rows?: readonly (readonly Segment[])[]): Float64Array {
  const H = cfg.hidden, nh = cfg.heads, hd = H / nh, rd = hd * cfg.partialRotary, half = rd / 2;
  const P = (n: string) => p[n]!.data;
  const u = layerNorm(x, H, P("input_layernorm.weight"), P("input_layernorm.bias"), cfg.eps);
  const proj = (n: string) => linear(u, B * L, P(`self_attn.${n}.weight`), H, H, P(`self_attn.${n}.bias`));
  const q = proj("q_proj"), k = proj("k_proj"), v = proj("v_proj");
  // Per head: LayerNorm over hd (shared weights), then rotate the first rd dims.
  const prep = (t: Float64Array, norm: string) => {
    const out = layerNorm(t, hd, P(`self_attn.${norm}.weight`), P(`self_attn.${norm}.bias`), cfg.eps); // rows of [B, L, nh] × hd
    for (let b = 0; b < B; b++) for (let l = 0; l < L; l++) for (let h = 0; h < nh; h++) {
      const o = ((b * L + l) * nh + h) * hd;
      const seg = out.slice(o, o + hd);
      for (let i = 0; i < half; i++) {
        const th = pos[l]! * Math.pow(cfg.ropeBase, (-2 * i) / rd);
        out[o + i] = seg[i]! * Math.cos(th) - seg[i + half]! * Math.sin(th);
        out[o + i + half] = seg[i + half]! * Math.cos(th) + seg[i]! * Math.sin(th);
      }
    }
    return out;
  };
  const qn = prep(q, "q_layernorm"), kn = prep(k, "k_layernorm");
  const o = new Float64Array(B * L * H);
  for (let b = 0; b < B; b++) for (let h = 0; h < nh; h++) for (let i = 0; i < L; i++) {
    const row = { causal: true, segments: rows?.[b] ?? [] };
    const s: number[] = [];
    for (let j = 0; j < L; j++) {
      if (!allowed(row, i, j)) continue;
      let d = 0;
      for (let e = 0; e < hd; e++) d += qn[((b * L + i) * nh + h) * hd + e]! * kn[((b * L + j) * nh + h) * hd + e]!;
      s.push(j, d / Math.sqrt(hd));
    }
    const m = Math.max(...s.filter((_, t) => t % 2 === 1));
    let z = 0;
    for (let t = 1; t < s.length; t += 2) z += Math.exp(s[t]! - m);
    for (let t = 0; t < s.length; t += 2) {
      const w = Math.exp(s[t + 1]! - m) / z, j = s[t]!;
      for (let e = 0; e < hd; e++) o[(b * L + i) * H + h * hd + e]! += w * v[(b * L + j) * H + h * hd + e]!;
    }
  }
  const attn = linear(o, B * L, P("self_attn.dense.weight"), H, H, P("self_attn.dense.bias"));
  const f1 = linear(u, B * L, P("mlp.fc1.weight"), H, cfg.mlp, P("mlp.fc1.bias")).map(geluTanh);
  const mlp = linear(f1, B * L, P("mlp.fc2.weight"), cfg.mlp, H, P("mlp.fc2.bias"));
  return x.map((xv, i) => xv + attn[i]! + mlp[i]!);
}

test(`Phi block forward equals the hand-written layer (seed ${SEED})`, () => {
  const [B, L] = [2, 5];
  const blk = new PhiBlock(CFG);
  const g = phiBlockGraph(CFG, { batch: B, seq: L }, blk);
  assert.deepEqual(g.inputs.map((n) => n.attrs["name"]), ["x", "positions"]);
  assert.deepEqual(g.outputs.map((o) => o.name), ["out", "loss"]);
  assert.equal(g.params.length, 18);
  const ops = new Set(g.nodes().map((n) => n.op));
  for (const op of ["layer_norm", "rotary", "attention", "gelu", "matmul"]) assert.ok(ops.has(op), `graph lacks ${op}`);
  const p = layerLikeParams(blk, SEED);
  const x = randn([B, L, CFG.hidden], SEED + 1);
  // Positions need not start at 0 (a later chunk of a sequence).
  const positions = tensor("i32", [L], [3, 4, 5, 6, 7]);
  const r = run(g, { x, positions }, p);
  const want = phiManual(CFG, p, x.data, B, L, positions.data);
  assertClose(r["out"]!, { shape: [B, L, CFG.hidden], data: want }, 1e-10, "phi block");
  assertClose(r["loss"]!, { shape: [], data: [want.reduce((s, v) => s + v * v, 0) / want.length] }, 1e-10, "loss");
});

test(`Phi block with omni-attention segments and a target (seed ${SEED})`, () => {
  const [B, L] = [2, 7];
  const blk = new PhiBlock(CFG);
  const g = phiBlockGraph(CFG, { batch: B, seq: L, segmentSlots: 2, target: true }, blk);
  // Row 0: T2I-like (left pad 2, image span [4, 7)); row 1: MMU-like (bidirectional prefix [0, 3)).
  const rows: Segment[][] = [[{ kind: "pad", start: 0, end: 2 }, { kind: "span", start: 4, end: 7 }], [{ kind: "span", start: 0, end: 3 }]];
  const seg = packSegments(rows, 2);
  const segments = tensor("i32", seg.shape, seg.data);
  const p = layerLikeParams(blk, SEED);
  const x = randn([B, L, CFG.hidden], SEED + 1), target = randn([B, L, CFG.hidden], SEED + 2);
  const positions = tensor("i32", [L], [0, 1, 2, 3, 4, 5, 6]);
  const r = run(g, { x, positions, segments, target }, p);
  const want = phiManual(CFG, p, x.data, B, L, positions.data, rows);
  assertClose(r["out"]!, { shape: [B, L, CFG.hidden], data: want }, 1e-10, "phi block with segments");
  const mse = want.reduce((s, v, i) => s + (v - target.data[i]!) ** 2, 0) / want.length;
  assertClose(r["loss"]!, { shape: [], data: [mse] }, 1e-10, "mse loss");
  // The mask matters: plain causal attention gives a different result.
  const causal = phiManual(CFG, p, x.data, B, L, positions.data);
  assert.ok(causal.some((v, i) => Math.abs(v - want[i]!) > 1e-6));
});

test(`the traced block differentiates: gradients match finite differences (seed ${SEED})`, () => {
  const [B, L] = [1, 4];
  const blk = new PhiBlock(CFG);
  const g = phiBlockGraph(CFG, { batch: B, seq: L }, blk);
  const bwd = grad(g, { loss: "loss" });
  const p = layerLikeParams(blk, SEED);
  const inputs = { x: randn([B, L, CFG.hidden], SEED + 1), positions: tensor("i32", [L], [0, 1, 2, 3]) };
  const gr = run(bwd, inputs, p);
  const h = 1e-5;
  for (const name of ["self_attn.q_layernorm.weight", "self_attn.k_proj.weight", "mlp.fc1.weight", "input_layernorm.bias"]) {
    const gv = gr[`grad.${name}`]!;
    const i = (SEED + name.length) % gv.data.length;
    const lossWith = (d: number) => {
      const data = p[name]!.data.slice();
      data[i] = data[i]! + d;
      return run(g, inputs, { ...p, [name]: { ...p[name]!, data } })["loss"]!.data[0]!;
    };
    const fd = (lossWith(h) - lossWith(-h)) / (2 * h);
    assert.ok(Math.abs(fd - gv.data[i]!) <= 1e-5 * (1e-3 + Math.abs(fd)), `${name}[${i}]: autodiff ${gv.data[i]} vs finite difference ${fd}`);
  }
});
