// Row composites: softmax and log_softmax along any axis, layer_norm over the last axis and
// group_norm over (C/groups × spatial), each one dispatch. A row is read two or three times
// inside the kernel (softmax: max, then Σ exp, then write; norms: mean, then variance, then
// write), always through ctx.value, so an elementwise prologue (softmax(x·scale + mask)) is
// recomputed on each pass instead of being stored. Statistics are f32 whatever the storage type.
//
// shapes:
//   softmax, log_softmax  x [outer..., n, inner...] → same; a row is one line along `axis`
//   layer_norm            x [rows..., D], weight [D], bias [D] → x's shape; a row is the last axis
//   group_norm            x [N, C, spatial...], weight [C], bias [C] → x's shape; a row is the
//                         contiguous run of C/groups channels × spatial of one (n, group)
//
// Kernel shape (planTeam in reduce.ts, which states the measured rule per target): one invocation
// per row, or one workgroup per row with strided loops (rows may be longer than the workgroup) and
// tree reductions in workgroup memory. On WGSL (llvmpipe) rows up to 2048 stay serial: there the
// barriers of the workgroup form cost 3–14× more than the loop they replace.

import type { Node } from "../../ir/graph.ts";
import { concreteShape, formatType } from "../../ir/types.ts";
import { attrsOf } from "../../ir/view.ts";
import type { FusionGroup, Partition } from "../fuse-elementwise.ts";
import type { Block } from "../build-kernel.ts";
import * as K from "../build-kernel.ts";
import type { Launch } from "../emit.ts";
import { KernelContext, iadd, idiv, imod, imul, unflatten } from "../emit.ts";
import type { ArrayRef, Expr } from "../kernel-ir.ts";
import { registerBuilder } from "../schedule.ts";
import type { TargetCaps } from "../target.ts";
import type { Team, TeamPlan } from "./reduce.ts";
import { bindIndex as bind, planTeam, startTeam, teamFirst, teamFor, teamGrid, teamReduce } from "./reduce.ts";

const prod = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);

/** One row kernel in the making: its context, the team on this row, and the row's index. */
interface Rows {
  readonly ctx: KernelContext;
  readonly plan: TeamPlan;
  readonly team: Team;
  readonly row: Expr;
  readonly partial: ArrayRef | null;
  readonly n: number;
  readonly count: number;
}

function openRows(group: FusionGroup, caps: TargetCaps, part: Partition, what: string, n: number, count: number): Rows {
  const root = group.root;
  if (n === 0) throw new Error(`${root.op} of ${formatType(root.dtype, root.shape)}: its rows are empty`);
  const plan = planTeam(n, count, caps, 4);
  const ctx = new KernelContext(`${root.op}_${plan.workgroup ? "workgroup" : "serial"}`, [
    what,
    `shapes: ${count} rows × ${n}; ` +
      (plan.workgroup ? `one workgroup of ${plan.wg} per row, strided loops, tree reductions in workgroup memory` : `one invocation per row, ${plan.wg} per workgroup`) +
      "; f32 statistics",
  ].join("\n"), [plan.wg], caps, part);
  const { team, out } = startTeam(ctx, plan, count);
  const partial = plan.workgroup ? ctx.kb.sharedArray("partial", "f32", plan.wg) : null;
  return { ctx, plan, team, row: out, partial, n, count };
}

/**
 * Σ or max over the row of f(element k), in f32, starting from `init` (0 for sums, the lane's
 * first element for max); every lane of the team gets the result.
 */
function rowFold(r: Rows, name: string, f: (l: Block, k: Expr) => Expr, combine: (x: Expr, y: Expr) => Expr, init: Expr): Expr {
  const b = r.ctx.body;
  const acc = b.var(`${name}_acc`, init);
  teamFor(b, r.team, r.n, "k", (l, k) => l.assign(acc, combine(acc, f(l, k))));
  return teamReduce(b, r.team, r.partial, acc, combine, name);
}

function finish(r: Rows, root: Node): Launch {
  return r.ctx.launch(teamGrid(r.plan, r.count), `${root.op} ${formatType(root.dtype, root.shape)}`);
}

// ---------------------------------------------------------------------------------------------
// softmax, log_softmax

function buildSoftmax(group: FusionGroup, caps: TargetCaps, part: Partition): Launch {
  const root = group.root, x = root.inputs[0]!, log = root.op === "log_softmax";
  const shape = concreteShape(x.shape), axis = attrsOf(root, "softmax", "log_softmax").axis;
  const n = shape[axis]!, outerShape = shape.slice(0, axis), innerShape = shape.slice(axis + 1), inner = prod(innerShape);
  const r = openRows(group, caps, part, `${root.op} along axis ${axis} of ${formatType(x.dtype, x.shape)} (max-subtracted)`, n, prod(shape) / n);
  const { ctx } = r, b = ctx.body;
  // Row ρ = (o, i): element k sits at [outer index o, k, inner index i], flat (o·n + k)·inner + i.
  const o = bind(b, [idiv(r.row, inner)], "outer")[0]!, i = bind(b, [imod(r.row, inner)], "inner")[0]!;
  const lead = bind(b, unflatten(o, outerShape), "o"), trail = bind(b, unflatten(i, innerShape), "i");
  const base = b.let("base", iadd(imul(o, n * inner), i));
  const at = (l: Block, k: Expr): Expr => K.cast("f32", ctx.value(l, x, [...lead, k, ...trail]));

  const m = rowFold(r, "row_max", at, K.max, at(b, teamFirst(r.team)));
  const s = rowFold(r, "row_sum", (l, k) => K.exp(K.sub(at(l, k), m)), K.add, K.f32(0));
  const scale = b.let(log ? "log_sum" : "inv_sum", log ? K.log(s) : K.div(K.f32(1), s));
  const y = ctx.tensor(root, "read_write"), yt = ctx.typeOf(root);
  teamFor(b, r.team, n, "k", (l, k) => {
    const z = K.sub(at(l, k), m);
    const v = log ? K.sub(z, scale) : K.mul(K.exp(z), scale);
    ctx.store(l, y, iadd(base, imul(k, inner)), K.cast(yt, v));
  });
  return finish(r, root);
}

// ---------------------------------------------------------------------------------------------
// layer_norm, group_norm: mean, then variance around it, then (x − mean)·rstd·weight + bias

/**
 * The normalization passes over a row whose element k is `at(l, k)` (f32), stored at flat index `flat(k)`
 * with per-element affine parameters `affine(l, k)` → [weight, bias] (f32).
 */
function normalizeRow(r: Rows, root: Node, eps: number, at: (l: Block, k: Expr) => Expr,
  affine: (l: Block, k: Expr) => [Expr, Expr], flat: (k: Expr) => Expr): void {
  const { ctx } = r, b = ctx.body;
  const mean = b.let("mean", K.div(rowFold(r, "row_sum", at, K.add, K.f32(0)), K.f32(r.n)));
  const sq = (l: Block, k: Expr): Expr => {
    const d = l.let("d", K.sub(at(l, k), mean));
    return K.mul(d, d);
  };
  const variance = K.div(rowFold(r, "row_sq", sq, K.add, K.f32(0)), K.f32(r.n));
  const rstd = b.let("rstd", K.inverseSqrt(K.add(variance, K.f32(eps))));
  const y = ctx.tensor(root, "read_write"), yt = ctx.typeOf(root);
  teamFor(b, r.team, r.n, "k", (l, k) => {
    const [w, bias] = affine(l, k);
    const v = K.add(K.mul(K.mul(K.sub(at(l, k), mean), rstd), w), bias);
    ctx.store(l, y, flat(k), K.cast(yt, v));
  });
}

function buildLayerNorm(group: FusionGroup, caps: TargetCaps, part: Partition): Launch {
  const root = group.root, [x, w, bias] = root.inputs as [Node, Node, Node];
  const shape = concreteShape(x.shape), D = shape[shape.length - 1]!;
  const r = openRows(group, caps, part, `layer_norm over the last axis of ${formatType(x.dtype, x.shape)}, weight and bias [${D}], biased variance`, D, prod(shape) / D);
  const b = r.ctx.body, ctx = r.ctx;
  const lead = bind(b, unflatten(r.row, shape.slice(0, -1)), "i");
  const base = b.let("base", imul(r.row, D));
  normalizeRow(r, root, attrsOf(root, "layer_norm").eps,
    (l, k) => K.cast("f32", ctx.value(l, x, [...lead, k])),
    (l, k) => [K.cast("f32", ctx.value(l, w, [k])), K.cast("f32", ctx.value(l, bias, [k]))],
    (k) => iadd(base, k));
  return finish(r, root);
}

function buildGroupNorm(group: FusionGroup, caps: TargetCaps, part: Partition): Launch {
  const root = group.root, [x, w, bias] = root.inputs as [Node, Node, Node];
  const shape = concreteShape(x.shape), G = attrsOf(root, "group_norm").groups;
  const N = shape[0]!, C = shape[1]!, spatial = shape.slice(2), S = prod(spatial), cg = C / G, run = cg * S;
  const r = openRows(group, caps, part,
    `group_norm of ${formatType(x.dtype, x.shape)} in ${G} groups (${cg} channels × ${S} per row), weight and bias [${C}]`, run, N * G);
  const b = r.ctx.body, ctx = r.ctx;
  // Row p = (n, g); its element k is channel g·cg + k / S at spatial position k mod S.
  const nIdx = bind(b, [idiv(r.row, G)], "n")[0]!;
  const c0 = bind(b, [imul(imod(r.row, G), cg)], "c0")[0]!;
  const base = b.let("base", imul(r.row, run));
  // Per loop body (each has one k): the channel and the spatial multi-index of element k.
  const places = new Map<Block, { c: Expr; sp: Expr[] }>();
  const place = (l: Block, k: Expr): { c: Expr; sp: Expr[] } => {
    let p = places.get(l);
    if (!p) {
      const c = bind(l, [iadd(c0, idiv(k, S))], "c")[0]!, s = bind(l, [imod(k, S)], "s")[0]!;
      p = { c, sp: unflatten(s, spatial) };
      places.set(l, p);
    }
    return p;
  };
  normalizeRow(r, root, attrsOf(root, "group_norm").eps,
    (l, k) => {
      const { c, sp } = place(l, k);
      return K.cast("f32", ctx.value(l, x, [nIdx, c, ...sp]));
    },
    (l, k) => {
      const { c } = place(l, k);
      return [K.cast("f32", ctx.value(l, w, [c])), K.cast("f32", ctx.value(l, bias, [c]))];
    },
    (k) => iadd(base, k));
  return finish(r, root);
}

registerBuilder("softmax", buildSoftmax);
registerBuilder("log_softmax", buildSoftmax);
registerBuilder("layer_norm", buildLayerNorm);
registerBuilder("group_norm", buildGroupNorm);
