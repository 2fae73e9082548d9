// scatter_add (the VJP of gather), deterministic: WGSL has no f32 atomics, so instead of each
// update adding itself somewhere, each output element gathers the updates that land on it.
//
// shapes: target [outer..., n, inner...], indices i32 [m...] (any rank), updates
//         [outer..., m..., inner...] → out like target. One invocation per output element
//         (o, p, in): out = target[o, p, in] + Σ_j updates[o, j, in] over index positions j (in
//         row-major order) whose index, clamped to [0, n − 1] as gather clamps, equals p.
//
// The sum runs in index order, so results do not depend on scheduling. Two forms:
//   gathering  (above) numel(target) · m index reads: right when m ≥ n (few rows, many updates).
//   row sums   two launches. The first copies target into out; the second runs one invocation
//              per (o, j, in) and only the first index position j of each distinct row p does
//              work: it sums updates[o, j', in] over every j' ≥ j with the same row (index order)
//              and adds the sum to out[o, p, in]. Distinct rows are written by distinct
//              invocations, so there are no races and no atomics: numel(target) + outer·m²·inner.
//              An embedding gradient (n = 58,498 rows, m = B·L positions) costs a copy, not
//              n·m index reads per element.

import type { Node } from "../../ir/graph.ts";
import { concreteShape, formatType } from "../../ir/types.ts";
import { attrsOf } from "../../ir/view.ts";
import type { FusionGroup, Partition } from "../fuse-elementwise.ts";
import * as K from "../build-kernel.ts";
import type { Launch } from "../emit.ts";
import { KernelContext, flatIndex as flatIndexOf, unflatten } from "../emit.ts";
import type { Expr, ScalarType } from "../kernel-ir.ts";
import { registerBuilder } from "../schedule.ts";
import type { TargetCaps } from "../target.ts";

const WG = 64;

export function buildScatterAdd(group: FusionGroup, caps: TargetCaps, part: Partition): Launch | Launch[] {
  const root = group.root;
  const axis = attrsOf(root, "scatter_add").axis;
  const n = concreteShape(root.shape)[axis]!;
  const m = concreteShape(root.inputs[1]!.shape).reduce((a, b) => a * b, 1);
  return m < n ? buildScatterAddRows(group, caps, part) : buildScatterAddGather(group, caps, part);
}

/** The row-sums form: out = target, then each distinct row's updates added by one invocation. */
function buildScatterAddRows(group: FusionGroup, caps: TargetCaps, part: Partition): Launch[] {
  const root = group.root;
  const [target, indices, updates] = root.inputs as [Node, Node, Node];
  const axis = attrsOf(root, "scatter_add").axis;
  const shape = concreteShape(root.shape);
  const ishape = concreteShape(indices.shape);
  const n = shape[axis]!;
  const m = ishape.reduce((a, b) => a * b, 1);
  const numel = shape.reduce((a, b) => a * b, 1);
  const outer = shape.slice(0, axis), inner = shape.slice(axis + 1);
  const outerN = outer.reduce((a, b) => a * b, 1), innerN = inner.reduce((a, b) => a * b, 1);
  const what = `target ${formatType(target.dtype, target.shape)}, indices ${formatType(indices.dtype, indices.shape)}, updates ${formatType(updates.dtype, updates.shape)}`;

  const init = new KernelContext("scatter_add_init", `scatter_add along axis ${axis}, row-sums form, 1 of 2: out = target (${what})`, [WG], caps, part);
  {
    const b = init.body;
    const e = b.let("e", K.linearGlobalId(WG));
    b.if(K.ge(e, K.u32(numel)), (x) => x.return());
    const outType = init.typeOf(root);
    init.store(b, init.tensor(root, "read_write"), e, K.cast(outType, init.value(b, target, unflatten(e, shape))));
  }
  const rows = new KernelContext("scatter_add_rows", [
    `scatter_add along axis ${axis}, row-sums form, 2 of 2 (${what}): one invocation per (outer, index position j, inner);`,
    `the first position j of each row p (indices clamped to [0, ${n - 1}]) adds the sum of that row's updates, in index order`,
  ].join("\n"), [WG], caps, part);
  {
    const b = rows.body;
    const total = outerN * m * innerN;
    const e = b.let("e", K.linearGlobalId(WG));
    b.if(K.ge(e, K.u32(total)), (x) => x.return());
    const [o, j, i] = unflatten(e, [outerN, m, innerN]) as [Expr, Expr, Expr];
    const oidx = unflatten(o, outer.length ? outer : [1]).slice(0, outer.length);
    const iidx = unflatten(i, inner.length ? inner : [1]).slice(0, inner.length);
    const rowAt = (bb: typeof b, jj: Expr) => K.clamp(rows.value(bb, indices, unflatten(jj, ishape)), K.i32(0), K.i32(n - 1));
    const p = b.let("p", rowAt(b, j));
    // Leave unless j is the first position of row p.
    const first = b.var("first", K.bool(true));
    b.for("k", K.u32(0), j, (lb, k) => {
      lb.if(K.eq(rowAt(lb, k), p), (hb) => hb.assign(first, K.bool(false)));
    });
    b.if(K.not(first), (x) => x.return());
    const outType = rows.typeOf(root);
    const accType: ScalarType = outType === "f16" ? "f32" : outType;
    const acc = b.var("acc", K.cast(accType, K.u32(0)));
    b.for("k", j, K.u32(m), (lb, k) => {
      lb.if(K.eq(rowAt(lb, k), p), (hb) => {
        const u: Expr = rows.value(hb, updates, [...oidx, ...unflatten(k, ishape), ...iidx]);
        hb.assign(acc, K.add(acc, K.cast(accType, u)));
      });
    });
    const out = rows.tensor(root, "read_write");
    const at = b.let("at", flatIndexOf([...oidx, K.cast("u32", p), ...iidx], shape));
    rows.store(b, out, at, K.cast(outType, K.add(K.cast(accType, rows.load(out, at)), acc)));
  }
  const label = `scatter_add ${formatType(root.dtype, root.shape)}`;
  return [init.launch([Math.max(1, Math.ceil(numel / WG))], `${label} (init)`), rows.launch([Math.max(1, Math.ceil((outerN * m * innerN) / WG))], `${label} (rows)`)];
}

/** The gathering form: one invocation per output element, reading every index. */
function buildScatterAddGather(group: FusionGroup, caps: TargetCaps, part: Partition): Launch {
  const root = group.root;
  const [target, indices, updates] = root.inputs as [Node, Node, Node];
  const axis = attrsOf(root, "scatter_add").axis;
  const shape = concreteShape(root.shape);
  const ishape = concreteShape(indices.shape);
  const n = shape[axis]!;
  const m = ishape.reduce((a, b) => a * b, 1);
  const numel = shape.reduce((a, b) => a * b, 1);

  const doc = [
    `scatter_add along axis ${axis}: target ${formatType(target.dtype, target.shape)}, indices ${formatType(indices.dtype, indices.shape)},`,
    `updates ${formatType(updates.dtype, updates.shape)} → out ${formatType(root.dtype, root.shape)}; one invocation per output element,`,
    `summing the ${m} index positions in order (indices clamped to [0, ${n - 1}])`,
  ].join("\n");
  const ctx = new KernelContext("scatter_add", doc, [WG], caps, part);
  const b = ctx.body;
  const outType = ctx.typeOf(root);
  // Narrow floats accumulate in f32; integers in their own type.
  const accType: ScalarType = outType === "f16" ? "f32" : outType;

  const e = b.let("e", K.linearGlobalId(WG));
  b.if(K.ge(e, K.u32(numel)), (x) => x.return());
  const idx = unflatten(e, shape);
  const p = b.let("p", K.cast("i32", idx[axis]!));
  const acc = b.var("acc", K.cast(accType, ctx.value(b, target, idx)));
  b.for("j", K.u32(0), K.u32(m), (lb, j) => {
    const jidx = unflatten(j, ishape);
    const at = lb.let("at", K.clamp(ctx.value(lb, indices, jidx), K.i32(0), K.i32(n - 1)));
    lb.if(K.eq(at, p), (hb) => {
      const u: Expr = ctx.value(hb, updates, [...idx.slice(0, axis), ...jidx, ...idx.slice(axis + 1)]);
      hb.assign(acc, K.add(acc, K.cast(accType, u)));
    });
  });
  ctx.store(b, ctx.tensor(root, "read_write"), e, K.cast(outType, acc));
  return ctx.launch([Math.max(1, Math.ceil(numel / WG))], `scatter_add ${formatType(root.dtype, root.shape)}`);
}

registerBuilder("scatter_add", buildScatterAdd);
