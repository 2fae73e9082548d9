// adamw: a loss graph → one training step as a graph: forward, backward, global-norm clipping and
// the AdamW update, all ordinary ops, so every pass and both targets see the whole step.
//
// shapes: the loss graph's inputs + optim f32[4] → its outputs + grad_norm f32[] + the new state
//
//   g      = ∂loss/∂p for every trainable p                        (the IR's backprop)
//   norm   = √(Σ_p Σ g²)                                           (reported before clipping)
//   c      = min(1, max_norm / (norm + 1e-6))                      (clip_grad_norm_; max_norm huge: off)
//   m'     = β₁·m + (1 − β₁)·c·g
//   v'     = β₂·v + (1 − β₂)·(c·g)²
//   p'     = p·(1 − lr·wd_p) − (lr / bc₁) · m' / (√v' / √bc₂ + ε)  (torch.optim.AdamW, decoupled decay)
//
// optim = [lr, lr / bc₁, √bc₂, max_norm] changes every step (bc = 1 − βᵗ at step t = 1, 2, …), so
// it is an input, uploaded with the batch; β, ε and each parameter's decay are constants of the
// step. The moments are parameters of the step graph (`optim.m.<p>`, `optim.v.<p>`, kept on the
// device like the weights); the outputs `new.<name>` carry the new values of p, m and v, and
// `state` maps each to the parameter it replaces (executable state: the runtime writes them over
// the parameters after every run, runtime/executable.ts). Clipping always runs: with clipping off
// max_norm is 3e38 and c is exactly 1, and every update then still waits for the last gradient,
// which is what lets the update run after every read of the old parameters.

import { Tensor } from "../dsl/tensor.ts";
import { backprop } from "../ir/backprop.ts";
import { apply, constant, input } from "../ir/build.ts";
import type { GraphOutput, Node } from "../ir/graph.ts";
import { Graph } from "../ir/graph.ts";
import { formatType, isFloat } from "../ir/types.ts";

export interface AdamWOptions {
  /** The scalar output to minimise. */
  readonly loss: string;
  /** Parameters to train; default every float parameter (the others stay as they are). */
  readonly trainable?: readonly string[];
  readonly beta1?: number;
  readonly beta2?: number;
  readonly eps?: number;
  readonly weightDecay?: number;
  /** Whether a parameter is decayed; default every trainable one. */
  readonly decay?: (param: string) => boolean;
}

export interface TrainStep {
  readonly graph: Graph;
  /** Output → the parameter it replaces after each run. */
  readonly state: Readonly<Record<string, string>>;
  readonly trainable: readonly string[];
  /** Trainable parameters that are decayed. */
  readonly decayed: readonly string[];
}

export const OPTIM_INPUT = "optim";
/** max_norm meaning "no clipping": c = min(1, 3e38 / (norm + 1e-6)) = 1 for every finite norm. */
export const NO_CLIP = 3e38;
export const momentName = (which: "m" | "v", param: string): string => `optim.${which}.${param}`;
export const newName = (name: string): string => `new.${name}`;

/** The host side of `optim` for step t (1-based) at learning rate lr. */
export function optimValues(t: number, lr: number, maxNorm: number | null, beta1 = 0.9, beta2 = 0.999): number[] {
  if (!Number.isInteger(t) || t < 1) throw new Error(`AdamW step must be a positive integer, got ${t}`);
  const bc1 = 1 - beta1 ** t, bc2 = 1 - beta2 ** t;
  return [lr, lr / bc1, Math.sqrt(bc2), maxNorm ?? NO_CLIP];
}

const leafName = (n: Node): string => String(n.attrs["name"]);

export function adamwStep(graph: Graph, opts: AdamWOptions): TrainStep {
  const beta1 = opts.beta1 ?? 0.9, beta2 = opts.beta2 ?? 0.999, eps = opts.eps ?? 1e-8, wd = opts.weightDecay ?? 0.01;
  for (const [k, v] of [["beta1", beta1], ["beta2", beta2]] as const) {
    if (!(v >= 0 && v < 1)) throw new Error(`AdamW: ${k} must be in [0, 1), got ${v}`);
  }
  if (!(eps > 0)) throw new Error(`AdamW: eps must be positive, got ${eps}`);
  if (!(wd >= 0)) throw new Error(`AdamW: weight decay must be non-negative, got ${wd}`);
  const loss = graph.output(opts.loss);
  if (!isFloat(loss.dtype) || !loss.shape.every((d) => d === 1)) throw new Error(`AdamW: loss '${opts.loss}' must be a float scalar, got ${formatType(loss.dtype, loss.shape)}`);
  if (graph.inputs.some((n) => leafName(n) === OPTIM_INPUT)) throw new Error(`AdamW: graph '${graph.name}' already has an input '${OPTIM_INPUT}'`);
  const byName = new Map(graph.params.map((p) => [leafName(p), p]));
  const names = opts.trainable ?? graph.params.filter((p) => isFloat(p.dtype)).map(leafName);
  const params = names.map((n) => {
    const p = byName.get(n);
    if (!p) throw new Error(`AdamW: graph '${graph.name}' has no parameter '${n}'`);
    if (p.dtype !== "f32") throw new Error(`AdamW: parameter '${n}' is ${p.dtype}; the optimizer trains f32 parameters`);
    return p;
  });
  if (params.length === 0) throw new Error("AdamW: nothing to train");

  const optim = input(OPTIM_INPUT, "f32", [4]);
  const scalar = (k: number) => new Tensor(optim).slice(0, k, k + 1).reshape([]);
  const [lr, stepSize, sqrtBc2, maxNorm] = [0, 1, 2, 3].map(scalar) as [Tensor, Tensor, Tensor, Tensor];

  const grads = backprop(loss, constant(1, loss.dtype, loss.shape), params).map((g, i) => new Tensor(g ?? constant(0, "f32", params[i]!.shape)));
  // Σ g² in two stages (each row's sum over the last axis, then over the rows), so a big
  // gradient's reduction runs across many invocations rather than one long serial loop.
  const sq = grads.map((g) => (g.shape.length >= 2 ? g.square().sum(-1).sum() : g.square().sum()));
  const norm = sq.reduce((a, b) => a.add(b)).sqrt();
  const clip = maxNorm.div(norm.add(1e-6)).minimum(1);

  const moments: Node[] = [];
  const outputs: GraphOutput[] = [...graph.outputs, { name: "grad_norm", node: norm.node }];
  const state: Record<string, string> = {};
  const decayed: string[] = [];
  const emit = (name: string, t: Tensor) => {
    const out = newName(name);
    if (outputs.some((o) => o.name === out)) throw new Error(`AdamW: output name '${out}' is already taken`);
    outputs.push({ name: out, node: t.node });
    state[out] = name;
  };
  params.forEach((pn, i) => {
    const name = leafName(pn);
    const m = apply("param", [], { name: momentName("m", name), dtype: "f32", shape: [...pn.shape] });
    const v = apply("param", [], { name: momentName("v", name), dtype: "f32", shape: [...pn.shape] });
    moments.push(m, v);
    const g = grads[i]!.mul(clip);
    const m2 = new Tensor(m).mul(beta1).add(g.mul(1 - beta1));
    const v2 = new Tensor(v).mul(beta2).add(g.square().mul(1 - beta2));
    const p = new Tensor(pn);
    const decays = wd > 0 && (opts.decay?.(name) ?? true);
    if (decays) decayed.push(name);
    const kept = decays ? p.mul(lr.mul(wd).neg().add(1)) : p;
    const p2 = kept.sub(stepSize.mul(m2).div(v2.sqrt().div(sqrtBc2).add(eps)));
    emit(name, p2);
    emit(momentName("m", name), m2);
    emit(momentName("v", name), v2);
  });
  const allParams = [...graph.params, ...moments].sort((a, b) => (leafName(a) < leafName(b) ? -1 : 1));
  return { graph: new Graph(`${graph.name}_step`, [...graph.inputs, optim], allParams, outputs), state, trainable: names, decayed };
}
