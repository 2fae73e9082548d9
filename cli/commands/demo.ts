// `showo demo`: the path from model code to gradients on one small Phi block, in a few seconds.
//
// It traces a Phi-style layer (QK-Norm, partial rotary, parallel residual) written in the DSL,
// prints what the Graph IR holds, runs it on the float64 reference interpreter with seeded random
// weights, builds the backward graph with autodiff, and checks a few gradient entries against
// central finite differences of the forward graph.

import type { Command } from "commander";
import { run } from "../../backends/reference/interpreter.ts";
import { arange, randn } from "../../compiler/dsl/init.ts";
import { initParams } from "../../compiler/dsl/nn.ts";
import type { Graph, Node } from "../../compiler/ir/graph.ts";
import { getOp } from "../../compiler/ir/ops.ts";
import type { RefTensor } from "../../compiler/ir/ref.ts";
import { concreteShape, formatType } from "../../compiler/ir/types.ts";
import { grad } from "../../compiler/passes/autodiff.ts";
import type { PhiConfig } from "../../models/phi_block.ts";
import { PhiBlock, phiBlockGraph, rotaryDim } from "../../models/phi_block.ts";

export interface DemoOptions {
  readonly seed: number;
  readonly batch: number;
  readonly seq: number;
}

const CONFIG: PhiConfig = { hidden: 64, heads: 4, mlp: 256, partialRotary: 0.5, ropeBase: 10000, eps: 1e-5 };

const fmt = (x: number) => (Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? x.toFixed(5) : x.toExponential(3));
const pad = (s: string, n: number) => s.padEnd(n);

function stats(t: RefTensor): string {
  let sum = 0, sq = 0, lo = Infinity, hi = -Infinity, bad = 0;
  for (const v of t.data) {
    if (!Number.isFinite(v)) bad++;
    sum += v;
    sq += v * v;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const n = t.data.length, mean = sum / n;
  const std = Math.sqrt(Math.max(0, sq / n - mean * mean));
  return `mean ${fmt(mean)}  std ${fmt(std)}  min ${fmt(lo)}  max ${fmt(hi)}${bad ? `  NON-FINITE ${bad}` : ""}`;
}

function norm(t: RefTensor): number {
  let s = 0;
  for (const v of t.data) s += v * v;
  return Math.sqrt(s);
}

/** Node counts by family, then by op within each family. */
function summarize(g: Graph, log: (s: string) => void): void {
  const byFamily = new Map<string, Map<string, number>>();
  for (const n of g.nodes()) {
    const fam = getOp(n.op).family;
    const ops = byFamily.get(fam) ?? new Map<string, number>();
    ops.set(n.op, (ops.get(n.op) ?? 0) + 1);
    byFamily.set(fam, ops);
  }
  log(`graph '${g.name}': ${g.nodes().length} nodes`);
  for (const [fam, ops] of [...byFamily].sort(([a], [b]) => a.localeCompare(b))) {
    const total = [...ops.values()].reduce((a, b) => a + b, 0);
    const list = [...ops].sort(([a], [b]) => a.localeCompare(b)).map(([op, c]) => `${op} ${c}`).join(", ");
    log(`  ${pad(fam, 12)} ${String(total).padStart(3)}   ${list}`);
  }
}

function leafLine(n: Node): string {
  return `${n.attrs["name"] as string} ${formatType(n.dtype, n.shape)}`;
}

export function runDemo(opts: DemoOptions, log: (s: string) => void = console.log): { maxRelErr: number } {
  const t0 = performance.now();
  const cfg = CONFIG, { batch: B, seq: L } = opts;
  log(`Phi block: hidden ${cfg.hidden}, ${cfg.heads} heads (head_dim ${cfg.hidden / cfg.heads}, rotary_dim ${rotaryDim(cfg)}), mlp ${cfg.mlp}, QK-Norm, batch ${B}, seq ${L}, seed ${opts.seed}`);

  // 1. Trace.
  const block = new PhiBlock(cfg);
  const fwd = phiBlockGraph(cfg, { batch: B, seq: L }, block);
  log("");
  summarize(fwd, log);
  log("inputs:");
  for (const n of fwd.inputs) log(`  ${leafLine(n)}`);
  log("outputs:");
  for (const o of fwd.outputs) log(`  ${o.name} ${formatType(o.node.dtype, o.node.shape)}`);
  log("params:");
  let total = 0;
  for (const p of fwd.params) {
    const count = concreteShape(p.shape).reduce((a, b) => a * b, 1);
    total += count;
    log(`  ${pad(leafLine(p), 44)} ${String(count).padStart(7)}`);
  }
  log(`  ${pad(`${fwd.params.length} tensors`, 44)} ${String(total).padStart(7)}`);

  // 2. Forward on the reference interpreter.
  const params = initParams(block, opts.seed);
  const inputs = { x: randn([B, L, cfg.hidden], opts.seed + 1), positions: arange(L) };
  let t = performance.now();
  const y = run(fwd, inputs, params);
  log("");
  log(`forward (reference, float64) in ${(performance.now() - t).toFixed(0)} ms`);
  log(`  out  ${formatType(y["out"]!.dtype, y["out"]!.shape)}  ${stats(y["out"]!)}`);
  log(`  loss = mean(out²) = ${y["loss"]!.data[0]!.toPrecision(10)}`);

  // 3. Backward.
  t = performance.now();
  const bwd = grad(fwd, { loss: "loss" });
  const buildMs = performance.now() - t;
  t = performance.now();
  const gy = run(bwd, inputs, params);
  log("");
  log(`backward: autodiff built ${bwd.nodes().length} nodes in ${buildMs.toFixed(0)} ms, ran in ${(performance.now() - t).toFixed(0)} ms`);
  for (const p of fwd.params) {
    const name = p.attrs["name"] as string;
    log(`  ${pad(name, 30)} ‖grad‖ = ${fmt(norm(gy[`grad.${name}`]!))}`);
  }

  // 4. Finite differences: d loss / d p[i] ≈ (loss(p + h) − loss(p − h)) / 2h at the entry of
  // largest gradient in a few parameters, one from each branch of the block.
  const h = 1e-5;
  const lossAt = (name: string, i: number, delta: number): number => {
    const base = params[name]!;
    const data = base.data.slice();
    data[i] = data[i]! + delta;
    return run(fwd, inputs, { ...params, [name]: { ...base, data } })["loss"]!.data[0]!;
  };
  log("");
  log(`finite-difference check (central, h = ${h}):`);
  let maxRelErr = 0;
  for (const name of ["self_attn.q_layernorm.weight", "self_attn.k_proj.weight", "mlp.fc1.bias", "input_layernorm.weight"]) {
    const g = gy[`grad.${name}`]!;
    let i = 0;
    g.data.forEach((v, k) => { if (Math.abs(v) > Math.abs(g.data[i]!)) i = k; });
    const analytic = g.data[i]!;
    const numeric = (lossAt(name, i, h) - lossAt(name, i, -h)) / (2 * h);
    const rel = Math.abs(analytic - numeric) / Math.max(Math.abs(analytic), Math.abs(numeric), 1e-12);
    maxRelErr = Math.max(maxRelErr, rel);
    log(`  ${pad(`${name}[${i}]`, 34)} autodiff ${fmt(analytic).padStart(12)}  finite diff ${fmt(numeric).padStart(12)}  rel err ${rel.toExponential(1)}`);
  }
  const ok = maxRelErr < 1e-4; // truncation error of h = 1e-5 is ~1e-6; a wrong rule is off by far more
  log(`  ${ok ? "ok" : "MISMATCH"}: largest relative error ${maxRelErr.toExponential(1)}`);
  log("");
  log(`done in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  if (!ok) throw new Error(`gradients disagree with finite differences (relative error ${maxRelErr.toExponential(1)})`);
  return { maxRelErr };
}

function intOption(v: string, name: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got '${v}'`);
  return n;
}

export function register(program: Command): void {
  program
    .command("demo")
    .description("trace a small Phi block (QK-Norm, partial rotary), print its IR, run forward and backward on the reference interpreter, and check gradients by finite differences")
    .option("--seed <n>", "seed for weights and inputs", "0")
    .option("--batch <n>", "batch size", "2")
    .option("--seq <n>", "sequence length", "12")
    .action((o: { seed: string; batch: string; seq: string }) => {
      runDemo({ seed: intOption(o.seed, "seed", 0), batch: intOption(o.batch, "batch", 1), seq: intOption(o.seq, "seq", 1) });
    });
}
