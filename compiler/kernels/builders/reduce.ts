// Reductions: sum, max, min and mean over any set of axes, and argmax along one axis, each one
// dispatch. The input is read through ctx.value, so an elementwise producer (mean(x·x), a cast)
// is computed inside the reduction's loop instead of being stored first.
//
// shapes: x [d0, ..., dr-1]; reduced axes A (extent R = Π d[A]); out = x's shape without A (or with
// 1s there, keepdims), M = numel(out) elements, flattened row-major over the kept axes.
//
// Two kernel shapes, chosen by size and target (planTeam, which states the measured rule):
//   serial     one invocation per output element loops over its R inputs;
//   workgroup  one workgroup per output element: a strided loop per invocation, then a tree
//              reduction in workgroup memory (log2(WG) steps, a barrier after each).
// Float sums accumulate in f32 whatever the storage type (f16 included); integer sums wrap in
// their own type. argmax keeps the first maximum: strict `>` within an invocation's increasing
// indices, and the smaller index on ties when two invocations' candidates meet.
//
// The team helpers below (planTeam, teamFor, teamReduce) are shared with the row composites
// in norm.ts. There is no subgroup path: WGSL leaves the mapping of local_invocation_index to
// subgroups unspecified in compute shaders and the Kernel IR has no subgroup_id builtin, so a
// subgroup-first reduction would have no portable workgroup-memory slot per subgroup.

import type { Node } from "../../ir/graph.ts";
import { concreteShape, formatType } from "../../ir/types.ts";
import { attrsOf } from "../../ir/view.ts";
import type { FusionGroup, Partition } from "../fuse-elementwise.ts";
import type { Block } from "../build-kernel.ts";
import * as K from "../build-kernel.ts";
import type { Launch } from "../emit.ts";
import { KernelContext, iadd, unflatten } from "../emit.ts";
import type { ArrayRef, Expr, ScalarType } from "../kernel-ir.ts";
import { registerBuilder } from "../schedule.ts";
import type { TargetCaps } from "../target.ts";

// ---------------------------------------------------------------------------------------------
// Teams: the invocations that share one output (or one row)

/**
 * When a team (a workgroup per output) beats one invocation per output, per target.
 *
 * WGSL is measured on llvmpipe, where a workgroup's barriers are the dominant cost: it runs a
 * workgroup as 8-lane chunks that stop and resume at every barrier, so a tree reduction over 256
 * lanes costs far more than the loop it replaces. LayerNorm, GPU time, 2026-11-25 (load ~1.6–2.1):
 *
 *   rows × row length     workgroup of 256   of 64    of 8     one invocation per row
 *   256 × 256                  8.2 ms       2.0 ms   0.94 ms   0.60 ms
 *   256 × 1024                 7.0          3.0      1.9       1.5
 *   1024 × 256                22           10        2.5       1.5
 *   774 × 2048                27           21       14        11.5
 *   32 × 256                   0.80         0.34     0.17      0.15
 *
 * So WGSL rows stay serial up to 2048 elements, and get a (64-lane) workgroup only when the rows
 * are longer than that or too few to fill even one serial workgroup. The CUDA target keeps the
 * usual GPU rule: a warp-multiple workgroup from 128 elements, or from 32 when the outputs are too
 * few to fill the device one thread each.
 */
interface TeamPolicy {
  /** Extents above this always get a workgroup per output. */
  readonly serialMaxExtent: number;
  /** Fewer outputs than this, with extents of at least `fewExtent`, get a workgroup each too. */
  readonly fewOutputs: number;
  readonly fewExtent: number;
  readonly maxWorkgroup: number;
}
const POLICY: Readonly<Record<TargetCaps["target"], TeamPolicy>> = {
  wgsl: { serialMaxExtent: 2048, fewOutputs: 64, fewExtent: 32, maxWorkgroup: 64 },
  cuda: { serialMaxExtent: 127, fewOutputs: 1024, fewExtent: 32, maxWorkgroup: 256 },
};
const SERIAL_WG = 64;

export interface TeamPlan {
  /** One workgroup per output (true) or one invocation per output (false). */
  readonly workgroup: boolean;
  /** Invocations per workgroup. */
  readonly wg: number;
}

/**
 * How to cover `outputs` results that each fold `extent` inputs. `slotBytes` is the workgroup
 * memory one invocation needs for the tree reduction (so the workgroup fits the device).
 */
export function planTeam(extent: number, outputs: number, caps: TargetCaps, slotBytes: number): TeamPlan {
  const p = POLICY[caps.target];
  const workgroup = extent > p.serialMaxExtent || (extent >= p.fewExtent && outputs < p.fewOutputs);
  if (!workgroup) return { workgroup, wg: Math.min(SERIAL_WG, caps.maxInvocationsPerWorkgroup) };
  // A power of two (the tree halves it) no larger than the extent, so every invocation owns an input.
  const cap = Math.min(p.maxWorkgroup, caps.maxInvocationsPerWorkgroup, extent, Math.floor(caps.maxWorkgroupStorageBytes / slotBytes));
  let wg = 1;
  while (wg * 2 <= cap) wg *= 2;
  return { workgroup, wg };
}

/** The invocations working on one output: `lane` counts from 0 to `size` − 1 (size 1 when serial). */
export interface Team {
  readonly lane: Expr;
  readonly size: number;
}

/** for (k = lane; k < n; k += size): the team's share of n items. */
export function teamFor(b: Block, team: Team, n: number, name: string, body: (l: Block, k: Expr) => void): void {
  if (team.size === 1 && n === 1) {
    body(b, K.u32(0));
    return;
  }
  b.for(name, team.size === 1 ? K.u32(0) : team.lane, K.u32(n), body, team.size);
}

/**
 * The halving steps of a tree reduction over `size` slots (a power of two): while stride > 0,
 * lanes below the stride fold in slot lane + stride (`step`), then all lanes meet at a barrier.
 * The stride is uniform, so the barriers stay in uniform control flow.
 */
export function treeSteps(b: Block, lane: Expr, size: number, step: (t: Block, other: Expr) => void): void {
  const stride = b.var("stride", K.u32(size / 2));
  b.while(K.gt(stride, K.u32(0)), (l) => {
    l.if(K.lt(lane, stride), (t) => step(t, t.let("other", K.add(lane, stride))));
    l.barrier();
    l.assign(stride, K.shr(stride, K.u32(1)));
  });
}

/**
 * Combine every lane's `acc` with `combine`; every lane gets the result. Uses `partial`
 * (workgroup memory, one slot per lane) and leaves it free for the next reduction.
 * Call in uniform control flow (it has barriers).
 */
export function teamReduce(b: Block, team: Team, partial: ArrayRef | null, acc: Expr, combine: (x: Expr, y: Expr) => Expr, name: string): Expr {
  if (team.size === 1) return acc;
  if (!partial) throw new Error("internal: a workgroup reduction needs a workgroup array");
  const lane = team.lane;
  b.store(partial, lane, acc);
  b.barrier();
  treeSteps(b, lane, team.size, (t, other) => t.store(partial, lane, combine(K.load(partial, lane), K.load(partial, other))));
  const r = b.let(name, K.load(partial, K.u32(0)));
  b.barrier(); // every lane has read slot 0 before the array is written again
  return r;
}

/**
 * The team and the index of the output (or row) it works on, for `count` outputs. Serial
 * invocations past the end return (there are no barriers on that path).
 */
export function startTeam(ctx: KernelContext, plan: TeamPlan, count: number): { team: Team; out: Expr } {
  const b = ctx.body;
  if (plan.workgroup) {
    return { team: { lane: b.let("lane", K.builtin("local_invocation_id", 0)), size: plan.wg }, out: b.let("o", K.linearWorkgroupId()) };
  }
  const o = b.let("o", K.linearGlobalId(plan.wg));
  b.if(K.ge(o, K.u32(count)), (t) => t.return());
  return { team: { lane: K.u32(0), size: 1 }, out: o };
}

/** Launch grid: one workgroup per output, or enough workgroups for one invocation each. */
export function teamGrid(plan: TeamPlan, count: number): [number] {
  return [plan.workgroup ? count : Math.ceil(count / plan.wg)];
}

/**
 * The first item of the team's share of n: a starting value for max and min, which need no
 * identity then (a finite stand-in for −∞ would be wrong for inputs beyond it). Folding the item
 * in again is harmless. The plan keeps workgroups no wider than n, so every lane has one.
 */
export function teamFirst(team: Team): Expr {
  return team.size === 1 ? K.u32(0) : team.lane;
}

/** Statistics type of a value type: floats widen to f32, integers keep their type. */
export function accType(t: ScalarType): ScalarType {
  return t === "f16" || t === "f32" ? "f32" : t;
}

// ---------------------------------------------------------------------------------------------
// Index bookkeeping

interface Split {
  readonly shape: number[];
  readonly reduced: number[];
  readonly kept: number[];
  /** Π shape[reduced]. */
  readonly extent: number;
  /** Π shape[kept]. */
  readonly outputs: number;
}

function split(x: Node, axes: readonly number[]): Split {
  const shape = concreteShape(x.shape);
  const reduced = [...axes];
  const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const prod = (ax: number[]) => ax.reduce((p, a) => p * shape[a]!, 1);
  return { shape, reduced, kept, extent: prod(reduced), outputs: prod(kept) };
}

/** The input multi-index from the kept axes' indices and the reduced axes' indices. */
function assemble(s: Split, keptIdx: readonly Expr[], redIdx: readonly Expr[]): Expr[] {
  const idx: Expr[] = new Array<Expr>(s.shape.length);
  s.kept.forEach((a, i) => (idx[a] = keptIdx[i]!));
  s.reduced.forEach((a, i) => (idx[a] = redIdx[i]!));
  return idx;
}

/** Let-bind the non-constant parts of a multi-index (computed once, used in every loop). */
export function bindIndex(b: Block, idx: readonly Expr[], name: string): Expr[] {
  return idx.map((e) => (e.kind === "const" || e.kind === "local" ? e : b.let(name, e)));
}

/**
 * Visit the reduced elements of one output: nested loops over the reduced axes (serial), or a
 * strided loop over their flattened extent (workgroup).
 */
function forReduced(b: Block, team: Team, s: Split, body: (l: Block, redIdx: Expr[]) => void): void {
  const redShape = s.reduced.map((a) => s.shape[a]!);
  if (team.size > 1) {
    teamFor(b, team, s.extent, "r", (l, r) => body(l, unflatten(r, redShape)));
    return;
  }
  const nest = (blk: Block, depth: number, got: Expr[]): void => {
    if (depth === redShape.length) return body(blk, got);
    const d = redShape[depth]!;
    if (d === 1) return nest(blk, depth + 1, [...got, K.u32(0)]);
    blk.for(`k${depth}`, K.u32(0), K.u32(d), (l, k) => nest(l, depth + 1, [...got, k]));
  };
  nest(b, 0, []);
}

// ---------------------------------------------------------------------------------------------
// sum, max, min, mean

interface Fold {
  /** Sums start from 0; max and min from the lane's first element (see teamFirst). */
  readonly fromZero: boolean;
  readonly combine: (x: Expr, y: Expr) => Expr;
}

const FOLDS: Record<string, Fold> = {
  sum: { fromZero: true, combine: K.add },
  mean: { fromZero: true, combine: K.add },
  max: { fromZero: false, combine: K.max },
  min: { fromZero: false, combine: K.min },
};

function buildReduce(group: FusionGroup, caps: TargetCaps, part: Partition): Launch {
  const root = group.root, op = root.op, x = root.inputs[0]!;
  const fold = FOLDS[op];
  if (!fold) throw new Error(`internal: no reduction '${op}'`);
  const s = split(x, attrsOf(root, "sum", "max", "min", "mean").axes);
  if (s.extent === 0 && !fold.fromZero) throw new Error(`${op} over an empty extent (${formatType(x.dtype, x.shape)}, axes [${s.reduced.join(", ")}]) has no value`);
  const plan = planTeam(s.extent, s.outputs, caps, 4);
  const kind = plan.workgroup ? "workgroup" : "serial";
  const ctx = new KernelContext(`${op}_${kind}`, [
    `${op} over axes [${s.reduced.join(", ")}] of ${formatType(x.dtype, x.shape)} → ${formatType(root.dtype, root.shape)}`,
    `shapes: ${s.outputs} outputs × ${s.extent} reduced elements; ` +
      (plan.workgroup ? `one workgroup of ${plan.wg} per output, tree reduction in workgroup memory` : `one invocation per output, ${plan.wg} per workgroup`),
  ].join("\n"), [plan.wg], caps, part);
  const at = accType(ctx.typeOf(x));
  const b = ctx.body;
  const { team, out } = startTeam(ctx, plan, s.outputs);
  const keptIdx = bindIndex(b, unflatten(out, s.kept.map((a) => s.shape[a]!)), "i");
  const redShape = s.reduced.map((a) => s.shape[a]!);
  const acc = b.var("acc", fold.fromZero ? K.lit(at, 0) : K.cast(at, ctx.value(b, x, assemble(s, keptIdx, unflatten(teamFirst(team), redShape)))));
  forReduced(b, team, s, (l, redIdx) => {
    const v = ctx.value(l, x, assemble(s, keptIdx, redIdx));
    l.assign(acc, fold.combine(acc, K.cast(at, v)));
  });
  const partial = plan.workgroup ? ctx.kb.sharedArray("partial", at, plan.wg) : null;
  let total = teamReduce(b, team, partial, acc, fold.combine, "total");
  if (op === "mean") total = K.div(total, K.f32(s.extent));
  const y = ctx.tensor(root, "read_write");
  const result = K.cast(ctx.typeOf(root), total);
  if (plan.workgroup) b.if(K.eq(team.lane, K.u32(0)), (t) => ctx.store(t, y, out, result));
  else ctx.store(b, y, out, result);
  return ctx.launch(teamGrid(plan, s.outputs), `${op} ${formatType(root.dtype, root.shape)}`);
}

// ---------------------------------------------------------------------------------------------
// argmax

function buildArgmax(group: FusionGroup, caps: TargetCaps, part: Partition): Launch {
  const root = group.root, x = root.inputs[0]!;
  const axis = attrsOf(root, "argmax").axis;
  const s = split(x, [axis]);
  const plan = planTeam(s.extent, s.outputs, caps, 8);
  const kind = plan.workgroup ? "workgroup" : "serial";
  const ctx = new KernelContext(`argmax_${kind}`, [
    `argmax along axis ${axis} of ${formatType(x.dtype, x.shape)} → ${formatType(root.dtype, root.shape)} (first maximum)`,
    `shapes: ${s.outputs} outputs × ${s.extent} candidates; ` +
      (plan.workgroup ? `one workgroup of ${plan.wg} per output, tree reduction of (value, index) pairs` : `one invocation per output, ${plan.wg} per workgroup`),
  ].join("\n"), [plan.wg], caps, part);
  const vt = accType(ctx.typeOf(x));
  const b = ctx.body;
  const { team, out } = startTeam(ctx, plan, s.outputs);
  const keptIdx = bindIndex(b, unflatten(out, s.kept.map((a) => s.shape[a]!)), "i");
  const valueAt = (l: Block, k: Expr): Expr => K.cast(vt, ctx.value(l, x, assemble(s, keptIdx, [k])));
  // Each lane starts from its first candidate (teamFirst) and takes later ones only when strictly
  // greater, so it keeps its first maximum.
  const first = teamFirst(team);
  const best = b.var("best", valueAt(b, first));
  const bestIdx = b.var("best_idx", first);
  b.for("k", iadd(first, team.size), K.u32(s.extent), (l, k) => {
    const v = valueAt(l, k);
    const better = l.let("better", K.gt(v, best));
    l.assign(bestIdx, K.select(better, k, bestIdx));
    l.assign(best, K.select(better, v, best));
  }, team.size);
  const y = ctx.tensor(root, "read_write");
  if (!plan.workgroup) {
    ctx.store(b, y, out, K.cast("i32", bestIdx));
    return ctx.launch(teamGrid(plan, s.outputs), `argmax ${formatType(root.dtype, root.shape)}`);
  }
  const vals = ctx.kb.sharedArray("vals", vt, plan.wg);
  const idxs = ctx.kb.sharedArray("idxs", "u32", plan.wg);
  const lane = team.lane;
  b.store(vals, lane, best);
  b.store(idxs, lane, bestIdx);
  b.barrier();
  treeSteps(b, lane, plan.wg, (t, other) => {
    const va = t.let("va", K.load(vals, lane)), vb = t.let("vb", K.load(vals, other));
    const ia = t.let("ia", K.load(idxs, lane)), ib = t.let("ib", K.load(idxs, other));
    t.if(K.or(K.gt(vb, va), K.and(K.eq(vb, va), K.lt(ib, ia))), (u) => {
      u.store(vals, lane, vb);
      u.store(idxs, lane, ib);
    });
  });
  b.if(K.eq(lane, K.u32(0)), (t) => ctx.store(t, y, out, K.cast("i32", K.load(idxs, K.u32(0)))));
  return ctx.launch(teamGrid(plan, s.outputs), `argmax ${formatType(root.dtype, root.shape)}`);
}

for (const op of Object.keys(FOLDS)) registerBuilder(op, buildReduce);
registerBuilder("argmax", buildArgmax);
