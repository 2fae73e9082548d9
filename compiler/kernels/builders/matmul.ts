// Batched matmul with a fused elementwise epilogue, register-blocked: each invocation computes an
// RM×RN block of outputs (4×4 normally) with RM + RN operand loads per k instead of 2·RM·RN, and
// uses no workgroup memory. On llvmpipe this form measured fastest (dev/kernels/matmul/ladder.ts;
// design/environment.md §2); it is also the usual inner loop of tiled GPU kernels.
//
// shapes: a [...batchA, M, K] ([..., K, M] with transpose_a), b [...batchB, K, N] ([..., N, K]
//         with transpose_b) → out [...batch, M, N]. Batch dims are right-aligned; the operand with
//         fewer is broadcast, so its batch index is the output's modulo its own batch count.
//
// Operands are read as raw contiguous memory (the partition guarantees a reshape chain over a
// materialized tensor), indexed with the operand's own shape. An operand is read as vec4 when the
// axis it is contiguous along allows it:
//   stored [rows, K] (a, or b with transpose_b): vec4 along K when K % 4 == 0;
//   stored [K, rows] (a with transpose_a, or b):  vec4 along rows when rows % 4 == 0 and RM/RN = 4;
// otherwise scalar loads. Rows past the edge are clamped for loading and never stored.
//
// Subgroup-shared rows of a (WGSL with the `subgroups` feature; a stored [M, K] with K % 4 == 0;
// N ≥ 16): llvmpipe turns every storage load into a loop over the SIMD lanes with a bounds check
// per component, and those loads, not the arithmetic, dominate the kernel's time there, while a
// subgroup broadcast is a register shuffle. So the workgroup becomes one row of 64 invocations
// along N that all work on the same subgroupRows (8) rows of a: lane l loads rows
// m0 + (l mod 4) + 4j only, and every lane takes row i from lane i mod 4 of its subgroup
// (subgroupBroadcast). That is valid for any subgroup size (WebGPU's minimum is 4) and any mapping
// of invocations to subgroups, because every lane of the workgroup needs the same rows. Loads per
// k-group fall from RM + RN = 8 vec4 for 16 vec4 products to 2 + 4 for 32. Lanes past N's last
// block stay in the loop (clamped loads; only their stores are skipped), so the broadcasts run in
// uniform control flow. Measured on llvmpipe (bench/matmul-variants.ts, round-robin, 2026-11-25):
// 1.5–2.9× the non-shared kernel at the Phi block's Linear shapes and at 1024³ (BENCHMARKS.md,
// "What the kernels should change").
//
// Epilogue: when the group has a producer, the matmul is that producer and the group's root ends
// a same-shape elementwise region (a chain, or branches that rejoin such as bias + GELU; see
// ../fuse-elementwise.ts). For each output element the accumulator lane becomes the
// matmul's value (ctx.override) and the root is computed from it; values that do not depend on
// the matmul (a bias at column n) are shared between the block's elements by the value cache.

import type { Node } from "../../ir/graph.ts";
import { concreteShape, formatType } from "../../ir/types.ts";
import { attrsOf, operandsOf } from "../../ir/view.ts";
import type { FusionGroup, Partition } from "../fuse-elementwise.ts";
import type { Block } from "../build-kernel.ts";
import * as K from "../build-kernel.ts";
import type { Launch, TensorAccess } from "../emit.ts";
import { BindingLimitError, KernelContext, describe, iadd, imul, unflatten } from "../emit.ts";
import type { Expr, Type } from "../kernel-ir.ts";
import { vectorOf } from "../kernel-ir.ts";
import { registerBuilder } from "../schedule.ts";
import type { TargetCaps } from "../target.ts";
import { shardPlan } from "../target.ts";

/** Knobs of the kernel; the defaults are what the ladder measured fastest. */
export interface MatmulOptions {
  /** Outputs per invocation along M and N (each at most 4; clipped to M and N). */
  readonly block: readonly [number, number];
  /** Use vec4 loads where the layout allows. */
  readonly vec4: boolean;
  /** Invocations per workgroup along N (x) and M (y) when both have several blocks. */
  readonly workgroup: readonly [number, number];
  /** Accumulate with fma() rather than a * b + c. */
  readonly fma: boolean;
  /** Store vec4 results when there is no epilogue and N allows. */
  readonly vecStore: boolean;
  /** Sum a k-group's four products as a tree before adding them to the accumulator. */
  readonly tree: boolean;
  /**
   * Rows of a shared through subgroup broadcasts (see the header) where the target and layout
   * allow it; 0 turns it off. Replaces block[0] in that mode. 8 by default: 12 and 16 rows
   * measured 0.8–1.7× and 1.0–1.4× of 8 under heavy load (noisy), but 16 doubles llvmpipe's
   * shader compile time, which every test and first run pays.
   */
  readonly subgroupRows: number;
}

export const DEFAULT_MATMUL_OPTIONS: MatmulOptions = Object.freeze({
  block: [4, 4] as const,
  vec4: true,
  workgroup: [8, 8] as const,
  fma: false,
  vecStore: true,
  tree: false,
  subgroupRows: 8,
});

/** N below this keeps the 2-D workgroup: a 64-lane row along N would mostly idle. */
const SHARED_MIN_N = 16;

/** The problem: sizes, batch broadcast and layouts. */
interface Problem {
  readonly batchShape: readonly number[];
  readonly batch: number;
  readonly batchA: number;
  readonly batchB: number;
  readonly M: number;
  readonly N: number;
  readonly K: number;
  readonly ta: boolean;
  readonly tb: boolean;
}

function problem(mm: Node): Problem {
  const { a, b } = operandsOf(mm, "matmul");
  const as = concreteShape(a.shape), bs = concreteShape(b.shape), os = concreteShape(mm.shape);
  const { transpose_a: ta, transpose_b: tb } = attrsOf(mm, "matmul");
  const prod = (s: readonly number[]) => s.reduce((x, y) => x * y, 1);
  const batchShape = os.slice(0, -2);
  return {
    batchShape,
    batch: prod(batchShape),
    batchA: prod(as.slice(0, -2)),
    batchB: prod(bs.slice(0, -2)),
    M: os[os.length - 2]!,
    N: os[os.length - 1]!,
    K: ta ? as[as.length - 2]! : as[as.length - 1]!,
    ta,
    tb,
  };
}

/**
 * One operand as the kernel reads it: element (r, k) of the operand's matrix for block row
 * r0 + t (t < rb), where "row" is M for a and N for b. `rk` layouts are stored [R, K], `kr`
 * layouts [K, R].
 */
interface OperandPlan {
  readonly node: Node;
  readonly R: number;
  readonly layout: "rk" | "kr";
  readonly vec: boolean;
  /** Matrices in the operand's own batch. */
  readonly count: number;
}

function operandPlan(node: Node, R: number, kDim: number, rowsFirst: boolean, rb: number, count: number, vec4: boolean): OperandPlan {
  const layout = rowsFirst ? "rk" : "kr";
  const vec = vec4 && kDim > 0 && (layout === "rk" ? kDim % 4 === 0 : R % 4 === 0 && rb === 4);
  return { node, R, layout, vec, count };
}

/** Per-invocation state of an operand: its binding and the offsets that do not change with k. */
interface OperandState {
  readonly plan: OperandPlan;
  readonly t: TensorAccess;
  /** rk: offset of each block row (in elements, or vec4s when vectorized); kr: offsets of block columns. */
  readonly offs: readonly Expr[];
  /** Rows come from subgroup broadcasts: offs[j] is this lane's row (lane mod 4) + 4j. */
  readonly shared: boolean;
}

/**
 * Offsets of an operand's block rows inside its batch matrix, computed once per invocation. With
 * `shared` (rk, vec4 only) this lane holds rows r0 + (lane mod 4) + 4j, j < ⌈rb / 4⌉, for its subgroup.
 */
function operandState(ctx: KernelContext, b: Block, name: string, p: OperandPlan, kDim: number, bat: Expr, r0: Expr, rb: number, batch: number, shared = false): OperandState {
  const t = ctx.tensor(p.node, "read", p.vec ? 4 : 1);
  const lanes = p.vec ? 4 : 1;
  const mat = p.R * kDim;
  // Which of this operand's matrices the output batch index reads (right-aligned broadcast).
  const bi = p.count === 1 ? K.u32(0) : p.count === batch ? bat : K.rem(bat, K.u32(p.count));
  const base = b.let(`${name}base`, imul(bi, mat / lanes));
  const offs: Expr[] = [];
  if (shared) {
    if (p.layout !== "rk" || !p.vec) throw new Error("internal: subgroup-shared rows need a vec4 [rows, K] operand");
    const mine = b.let(`${name}lane`, iadd(r0, K.rem(K.subgroupInvocationId(), K.u32(4))));
    for (let j = 0; j < Math.ceil(rb / 4); j++) {
      const r = b.let(`${name}r${j}`, K.min(iadd(mine, 4 * j), K.u32(p.R - 1)));
      offs.push(b.let(`${name}off${j}`, iadd(base, imul(r, kDim / lanes))));
    }
  } else if (p.layout === "kr" && p.vec) {
    // One vec4 of 4 consecutive rows per k; the block never straddles the edge (R % 4 == 0).
    offs.push(b.let(`${name}off`, iadd(base, K.div(r0, K.u32(4)))));
  } else {
    for (let i = 0; i < rb; i++) {
      const r = b.let(`${name}r${i}`, K.min(iadd(r0, i), K.u32(p.R - 1)));
      offs.push(b.let(`${name}off${i}`, p.layout === "rk" ? iadd(base, imul(r, kDim / lanes)) : iadd(base, r)));
    }
  }
  return { plan: p, t, offs, shared };
}

/**
 * Values of an operand for k = k0 + kk (kk < kc) and block rows t < rb: vals[t][kk], in f32.
 * `kq` is k0 / 4 (only used by vec4-along-K loads, where kc is 4).
 */
function operandValues(ctx: KernelContext, b: Block, name: string, s: OperandState, k0: Expr, kq: Expr, kc: number, rb: number): Expr[][] {
  const { plan: p, t, offs } = s;
  const f32 = (e: Expr): Expr => (e.type === "f32" || e.type === "vec4<f32>" ? e : K.cast(e.type.startsWith("vec") ? "vec4<f32>" : "f32", e));
  const vals: Expr[][] = Array.from({ length: rb }, () => []);
  if (s.shared) {
    const mine = offs.map((o, j) => b.let(`${name}m${j}`, f32(ctx.load(t, iadd(o, kq)))));
    for (let i = 0; i < rb; i++) {
      const v = b.let(`${name}${i}`, K.subgroupBroadcast(mine[Math.floor(i / 4)]!, i % 4));
      for (let kk = 0; kk < kc; kk++) vals[i]!.push(K.lane(v, kk as 0 | 1 | 2 | 3));
    }
  } else if (p.layout === "rk" && p.vec) {
    for (let i = 0; i < rb; i++) {
      const v = b.let(`${name}${i}`, f32(ctx.load(t, iadd(offs[i]!, kq))));
      for (let kk = 0; kk < kc; kk++) vals[i]!.push(K.lane(v, kk as 0 | 1 | 2 | 3));
    }
  } else if (p.layout === "kr" && p.vec) {
    for (let kk = 0; kk < kc; kk++) {
      const v = b.let(`${name}k${kk}`, f32(ctx.load(t, iadd(offs[0]!, imul(iadd(k0, kk), p.R / 4)))));
      for (let i = 0; i < rb; i++) vals[i]!.push(K.lane(v, i as 0 | 1 | 2 | 3));
    }
  } else {
    for (let i = 0; i < rb; i++) {
      for (let kk = 0; kk < kc; kk++) {
        const k = iadd(k0, kk);
        const at = p.layout === "rk" ? iadd(offs[i]!, k) : iadd(offs[i]!, imul(k, p.R));
        vals[i]!.push(b.let(`${name}${i}${kk}`, f32(ctx.load(t, at))));
      }
    }
  }
  return vals;
}

/**
 * Output rows [m0, m1) of batch matrix `bat`: what one launch of a split matmul computes
 * (buildMatmul splits when the whole product needs more storage bindings than the target has).
 */
export interface RowWindow {
  readonly bat: number;
  readonly m0: number;
  readonly m1: number;
}

/**
 * The matmul of a fusion group as launches: one, or, when its bindings exceed the target's
 * limit because the result is split across several bindings (Show-o's LM head: 58,498 columns per
 * row make f32[2, 1155, 58498] five 128 MiB shards, beside the weight's four), one launch per
 * run of output rows that lies in one shard of the result. Each such launch binds only that
 * shard of the output, so it needs (bindings − shards + 1); every output element is computed by
 * exactly one launch, with the same arithmetic in the same order, so results do not change.
 */
export function matmulLaunches(group: FusionGroup, caps: TargetCaps, part: Partition, opts: MatmulOptions = DEFAULT_MATMUL_OPTIONS): Launch[] {
  try {
    return [buildMatmul(group, caps, part, opts)];
  } catch (e) {
    if (!(e instanceof BindingLimitError)) throw e;
    const windows = outputWindows(group.producer ?? group.root, group.root, caps);
    // No split, or one that would be a launch per batch matrix of a huge batch: the binding
    // limit's own error says what is too big.
    if (windows.length <= 1 || windows.length > MAX_SPLIT_LAUNCHES) throw e;
    return windows.map((w) => buildMatmul(group, caps, part, opts, w));
  }
}

/** The most launches a split matmul is cut into; beyond it the binding-limit error stands. */
export const MAX_SPLIT_LAUNCHES = 1024;

/**
 * Runs of output rows, each inside one shard of the result and one batch matrix; stops counting
 * past MAX_SPLIT_LAUNCHES (the caller then refuses the split).
 */
export function outputWindows(mm: Node, root: Node, caps: TargetCaps): RowWindow[] {
  const os = concreteShape(mm.shape);
  const M = os[os.length - 2]!, N = os[os.length - 1]!;
  const batch = os.slice(0, -2).reduce((x, y) => x * y, 1);
  const plan = shardPlan(root.dtype, root.shape, caps);
  if (plan.count <= 1 || N === 0 || plan.elemsPerShard % N !== 0) return [];
  const rowsPerShard = plan.elemsPerShard / N;
  const out: RowWindow[] = [];
  for (let g = 0; g < batch * M;) {
    const bat = Math.floor(g / M), m0 = g % M;
    const end = Math.min((Math.floor(g / rowsPerShard) + 1) * rowsPerShard, (bat + 1) * M);
    out.push({ bat, m0, m1: end - bat * M });
    if (out.length > MAX_SPLIT_LAUNCHES) break;
    g = end;
  }
  return out;
}

/** One launch of the matmul: all of it, or the output rows of `win` only. */
export function buildMatmul(group: FusionGroup, caps: TargetCaps, part: Partition, opts: MatmulOptions = DEFAULT_MATMUL_OPTIONS, win?: RowWindow): Launch {
  const mm = group.producer ?? group.root;
  if (mm.op !== "matmul") throw new Error(`internal: matmul builder got ${mm}`);
  const root = group.root;
  const pr = problem(mm);
  const { M, N, K: Kd, batch } = pr;
  if (M * N * batch === 0) {
    // Nothing to compute: an empty launch keeps the schedule uniform.
    const ctx = new KernelContext("matmul_empty", `matmul with an empty result ${formatType(mm.dtype, mm.shape)}`, [1], caps, part);
    ctx.body.return();
    return ctx.launch([0], `matmul ${formatType(mm.dtype, mm.shape)} (empty)`);
  }
  // Rows of a shared through subgroup broadcasts (see the header): WGSL only, where it was measured.
  const shared = opts.subgroupRows > 0 && caps.target === "wgsl" && caps.subgroups && opts.vec4 && !pr.ta && Kd > 0 && Kd % 4 === 0 && N >= SHARED_MIN_N;
  // A window computes rows [m0, m1) of one batch matrix; otherwise every row of every matrix.
  const Mw = win ? win.m1 - win.m0 : M, mEnd = win ? win.m1 : M, grids = win ? 1 : batch;
  const RM = Math.max(1, Math.min(shared ? opts.subgroupRows : opts.block[0], Mw)), RN = Math.max(1, Math.min(opts.block[1], N));
  const blocksM = Math.ceil(Mw / RM), blocksN = Math.ceil(N / RN);
  // A single row (or column) of blocks gets a 1-D workgroup so no invocation idles; shared rows
  // need every lane of the workgroup on the same rows, so a 1-D workgroup along N.
  const wgSize = opts.workgroup[0] * opts.workgroup[1];
  const [WX, WY] = shared || blocksM === 1 ? [wgSize, 1] : blocksN === 1 ? [1, wgSize] : opts.workgroup;
  const tilesN = Math.ceil(blocksN / WX), tilesM = Math.ceil(blocksM / WY);

  const [a, bIn] = mm.inputs as [Node, Node];
  const pa = operandPlan(a, M, Kd, !pr.ta, RM, pr.batchA, opts.vec4);
  const pb = operandPlan(bIn, N, Kd, pr.tb, RN, pr.batchB, opts.vec4);
  const epi = group.producer !== undefined;
  const doc = [
    `matmul${pr.ta ? " (a transposed)" : ""}${pr.tb ? " (b transposed)" : ""}: a ${formatType(a.dtype, a.shape)} × b ${formatType(bIn.dtype, bIn.shape)} → ${formatType(mm.dtype, mm.shape)}`,
    `M=${M} N=${N} K=${Kd}, batch ${batch} (a ${pr.batchA}, b ${pr.batchB}); ${RM}×${RN} outputs per invocation, workgroup ${WX}×${WY};` +
      (shared ? ` a's ${RM} rows shared by subgroup broadcast;` : ""),
    `a ${pa.vec ? "vec4" : "scalar"} loads, b ${pb.vec ? "vec4" : "scalar"} loads${epi ? `; epilogue → ${describe(root)}` : ""}`,
    ...(win ? [`rows ${win.m0}..${win.m1 - 1} of batch matrix ${win.bat} only (the result spans several bindings; this launch binds the one these rows lie in)`] : []),
  ].join("\n");
  const ctx = new KernelContext("matmul", doc, [WX, WY], caps, part);
  const b = ctx.body;

  // Logical workgroup w = (batch, tile row, tile column), column fastest.
  const w = b.let("w", K.linearWorkgroupId());
  const bat = win ? K.u32(win.bat) : batch === 1 ? K.u32(0) : b.let("bat", K.div(w, K.u32(tilesN * tilesM)));
  const tile = tilesN * tilesM === 1 ? K.u32(0) : b.let("tile", grids === 1 ? w : K.rem(w, K.u32(tilesN * tilesM)));
  const bm = b.let("bm", iadd(imul(tilesN === 1 ? tile : K.div(tile, K.u32(tilesN)), WY), WY === 1 ? K.u32(0) : K.builtin("local_invocation_id", 1)));
  const bn = b.let("bn", iadd(imul(tilesN === 1 ? K.u32(0) : K.rem(tile, K.u32(tilesN)), WX), WX === 1 ? K.u32(0) : K.builtin("local_invocation_id", 0)));
  const outside: Expr[] = [];
  // Shared rows: lanes past the last column block compute a copy of it (clamped) and skip their
  // stores, so that every lane reaches the broadcasts.
  const inside: Expr[] = [];
  if (blocksM % WY !== 0) outside.push(K.ge(bm, K.u32(blocksM)));
  if (blocksN % WX !== 0) {
    if (shared) inside.push(b.let("in_n", K.lt(bn, K.u32(blocksN))));
    else outside.push(K.ge(bn, K.u32(blocksN)));
  }
  if (outside.length) b.if(outside.reduce((x, y) => K.or(x, y)), (x) => x.return());
  const m0 = b.let("m0", win && win.m0 > 0 ? iadd(imul(bm, RM), win.m0) : imul(bm, RM));
  const n0 = b.let("n0", imul(inside.length ? K.min(bn, K.u32(blocksN - 1)) : bn, RN));

  const sa = operandState(ctx, b, "a", pa, Kd, bat, m0, RM, batch, shared);
  const sb = operandState(ctx, b, "b", pb, Kd, bat, n0, RN, batch);

  // Accumulators: row t of the block, RN lanes (a scalar when RN is 1).
  const accType: Type = vectorOf("f32", RN as 1 | 2 | 3 | 4);
  const acc = Array.from({ length: RM }, (_, t) => b.var(`acc${t}`, accType));
  const step = (blk: Block, k0: Expr, kq: Expr, kc: number) => {
    const av = operandValues(ctx, blk, "a", sa, k0, kq, kc, RM);
    const bv = operandValues(ctx, blk, "b", sb, k0, kq, kc, RN);
    // B's row kk across the block's columns, as one vector (free when it was loaded as one).
    const rows = Array.from({ length: kc }, (_, kk) => {
      const parts = bv.map((r) => r[kk]!);
      return RN === 1 ? parts[0]! : reassemble(parts) ?? K.vec(accType as `vec${2 | 3 | 4}<f32>`, ...parts);
    });
    const splat = (x: Expr) => (RN === 1 ? x : K.vec(accType as `vec${2 | 3 | 4}<f32>`, x));
    for (let t = 0; t < RM; t++) {
      if (opts.tree && kc === 4) {
        const prods = rows.map((row, kk) => K.mul(av[t]![kk]!, row));
        blk.assign(acc[t]!, K.add(acc[t]!, K.add(K.add(prods[0]!, prods[1]!), K.add(prods[2]!, prods[3]!))));
        continue;
      }
      for (let kk = 0; kk < kc; kk++) {
        const x = av[t]![kk]!;
        blk.assign(acc[t]!, opts.fma ? K.fma(splat(x), rows[kk]!, acc[t]!) : K.add(acc[t]!, K.mul(x, rows[kk]!)));
      }
    }
  };
  // The trip count is a uniform, not a constant: with a constant, LLVM-based drivers (llvmpipe)
  // unroll the loop fully and the shader's first dispatch compiles several times slower.
  const K4 = Math.floor(Kd / 4);
  if (K4 > 0) b.for("kq", K.u32(0), ctx.kb.param("k_groups", "u32"), (lb, kq) => step(lb, imul(kq, 4), kq, 4));
  for (let k = K4 * 4; k < Kd; k++) step(b, K.u32(k), K.u32(0), 1);

  // Stores.
  const outType = ctx.typeOf(mm);
  const raggedM = Mw % RM !== 0, raggedN = N % RN !== 0;
  const outBase = batch === 1 ? K.u32(0) : b.let("obase", imul(bat, M * N));
  if (win) ctx.restrict(root, (win.bat * M + win.m0) * N, (win.bat * M + win.m1) * N);
  const bidx = unflatten(bat, pr.batchShape);
  const guard = (blk: Block, cond: Expr[], f: (x: Block) => void) => {
    if (cond.length === 0) f(blk);
    else blk.if(cond.reduce((x, y) => K.and(x, y)), f);
  };
  if (!epi && opts.vecStore && RN === 4 && N % 4 === 0 && root.dtype !== "bool") {
    const out = ctx.tensor(root, "read_write", 4);
    const vt = vectorOf(outType, 4);
    for (let t = 0; t < RM; t++) {
      const row = iadd(m0, t);
      guard(b, [...inside, ...(raggedM && t > 0 ? [K.lt(row, K.u32(mEnd))] : [])], (x) =>
        ctx.store(x, out, K.div(iadd(outBase, iadd(imul(row, N), n0)), K.u32(4)), K.cast(vt, acc[t]!)));
    }
  } else {
    const out = ctx.tensor(root, "read_write");
    // Clamped indices keep the epilogue's loads in bounds; the stores are guarded.
    const cols = Array.from({ length: RN }, (_, j) => (epi && raggedN ? b.let("ec", K.min(iadd(n0, j), K.u32(N - 1))) : iadd(n0, j)));
    for (let t = 0; t < RM; t++) {
      const row = iadd(m0, t);
      const r = epi && raggedM ? b.let("er", K.min(row, K.u32(M - 1))) : row;
      for (let j = 0; j < RN; j++) {
        const col = iadd(n0, j);
        let v = K.cast(outType, RN === 1 ? acc[t]! : K.lane(acc[t]!, j as 0 | 1 | 2 | 3));
        if (epi) {
          ctx.override(mm, v);
          v = ctx.compute(b, root, [...bidx, r, cols[j]!]);
        }
        const cond: Expr[] = [...inside];
        // The block's first row and column are always inside (m0 < M and n0 < N).
        if (raggedM && t > 0) cond.push(K.lt(row, K.u32(mEnd)));
        if (raggedN && j > 0) cond.push(K.lt(col, K.u32(N)));
        guard(b, cond, (x) => ctx.store(x, out, iadd(outBase, iadd(imul(row, N), col)), v));
      }
    }
  }
  const rows = win ? ` rows ${win.m0}..${win.m1 - 1}${batch > 1 ? ` of batch ${win.bat}` : ""}` : "";
  const label = epi ? `matmul ${formatType(mm.dtype, mm.shape)}${rows} + epilogue ${root.op}` : `matmul ${formatType(mm.dtype, mm.shape)}${rows}`;
  return ctx.launch([Math.max(1, grids * tilesM * tilesN)], label, K4 > 0 ? { k_groups: K4 } : {});
}

/** When parts are lanes 0..n-1 of one vector in order, that vector (no re-packing needed). */
function reassemble(parts: readonly Expr[]): Expr | null {
  const first = parts[0]!;
  if (first.kind !== "lane") return null;
  const v = first.vec;
  if (v.type !== vectorOf("f32", parts.length as 2 | 3 | 4)) return null;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.kind !== "lane" || p.lane !== i || p.vec !== v) return null;
  }
  return v;
}

registerBuilder("matmul", (group, caps, part) => matmulLaunches(group, caps, part));
