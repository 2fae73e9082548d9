// Hand-built Kernel IR kernels shared by the printer snapshots and the device tests. Each states
// its shapes in its doc; the element type is a parameter wherever an f16 variant makes sense.

import type { ElemType, Expr, Kernel } from "../../compiler/kernels/kernel-ir.ts";
import {
  KernelBuilder, abs, add, bitcast, bitor, bitxor, builtin, cast, ceil, clamp, cos, div, eq, erf, exp, exp2, f32, floor, fma, ge,
  gt, inverseSqrt, lane, linearGlobalId, linearWorkgroupId, load, log, log2, lt, max, min, mul, neg, pow, rem, round, select,
  shl, shr, sin, sqrt, sub, subgroupAdd, subgroupBroadcastFirst, subgroupSize, tanh, trunc, u32, vec,
} from "../../compiler/kernels/build-kernel.ts";

/** y = a * x + y over n elements, one element per invocation. */
export function saxpyKernel(elem: "f32" | "f16", workgroup = 64): Kernel {
  const kb = new KernelBuilder(`saxpy_${elem}`, {
    doc: `y[i] = a * x[i] + y[i]\nshapes: x, y: ${elem}[n]; a: f32 (rounded to ${elem}); one invocation per element`,
    workgroupSize: [workgroup],
  });
  const x = kb.storage("x", elem, "read"), y = kb.storage("y", elem, "read_write");
  const a = kb.param("a", "f32"), n = kb.param("n", "u32");
  const b = kb.body;
  const i = b.let("i", builtin("global_invocation_id", 0));
  b.if(ge(i, n), (t) => t.return());
  b.store(y, i, fma(cast(elem, a), load(x, i), load(y, i)));
  return kb.build();
}

/** out[r, c] = (r << 16) | c over a [rows, cols] grid of 8×8 workgroups. */
export function index2dKernel(): Kernel {
  const kb = new KernelBuilder("index_2d", {
    doc: "out[r, c] = (r << 16) | c\nshapes: out: u32[rows, cols]; workgroups of 8x8 over (cols, rows)",
    workgroupSize: [8, 8],
  });
  const out = kb.storage("out", "u32", "read_write");
  const rows = kb.param("rows", "u32"), cols = kb.param("cols", "u32");
  const b = kb.body;
  const c = b.let("c", builtin("global_invocation_id", 0));
  const r = b.let("r", builtin("global_invocation_id", 1));
  b.if(ge(r, rows), (t) => t.return());
  b.if(ge(c, cols), (t) => t.return());
  b.store(out, add(mul(r, cols), c), bitor(shl(r, 16), c));
  return kb.build();
}

/**
 * out[r] = Σ_c x[r, c]: one workgroup per row; each invocation sums a strided slice in f32, then a
 * tree reduction in workgroup memory (a barrier per halving step).
 */
export function rowSumKernel(elem: "f32" | "f16", workgroup = 64): Kernel {
  const kb = new KernelBuilder(`row_sum_${elem}`, {
    doc: `out[r] = sum over c of x[r, c]\nshapes: x: ${elem}[rows, cols], out: ${elem}[rows]; grid: rows workgroups of ${workgroup}, accumulation in f32`,
    workgroupSize: [workgroup],
  });
  const x = kb.storage("x", elem, "read"), out = kb.storage("out", elem, "read_write");
  const cols = kb.param("cols", "u32");
  const partial = kb.sharedArray("partial", "f32", workgroup);
  const b = kb.body;
  const row = b.let("row", linearWorkgroupId());
  const t = b.let("t", builtin("local_invocation_id", 0));
  const acc = b.var("acc", "f32");
  b.for("c", t, cols, (l, c) => l.assign(acc, add(acc, cast("f32", load(x, add(mul(row, cols), c))))), workgroup);
  b.store(partial, t, acc);
  b.barrier();
  b.comment("tree reduction: halve the active invocations each step");
  const stride = b.var("stride", u32(workgroup / 2));
  b.while(gt(stride, 0), (l) => {
    l.if(lt(t, stride), (m) => m.store(partial, t, add(load(partial, t), load(partial, add(t, stride)))));
    l.barrier();
    l.assign(stride, shr(stride, 1));
  });
  b.if(eq(t, 0), (m) => m.store(out, row, cast(elem, load(partial, 0))));
  return kb.build();
}

/** out[i] = reverse(x[i]) * s + (1, 2, 3, 4) on vec4 views: one 16-byte load per invocation. */
export function vec4Kernel(): Kernel {
  const kb = new KernelBuilder("vec4_reverse_scale", {
    doc: "out[i] = (x[i].w, x[i].z, x[i].y, x[i].x) * s + (1, 2, 3, 4)\nshapes: x, out: f32[4 * n4] seen as vec4<f32>[n4]",
    workgroupSize: [32],
  });
  const x = kb.storage("x", "f32", "read", 4), out = kb.storage("out", "f32", "read_write", 4);
  const n4 = kb.param("n4", "u32"), s = kb.param("s", "f32");
  const b = kb.body;
  const i = b.let("i", builtin("global_invocation_id", 0));
  b.if(ge(i, n4), (t) => t.return());
  const v = b.let("v", load(x, i));
  const r = vec("vec4<f32>", lane(v, 3), lane(v, 2), lane(v, 1), lane(v, 0));
  b.store(out, i, add(mul(r, s), vec("vec4<f32>", 1, 2, 3, 4)));
  return kb.build();
}

/**
 * out[(y * gx + x) * 64 + l] = that index, for a logical grid (gx, gy) of 64-invocation workgroups.
 * No bounds check but the folding prologue's, so excess workgroups of a folded launch would show.
 */
export function linearIdKernel(): Kernel {
  const kb = new KernelBuilder("linear_id", {
    doc: "out[j] = j, j = (logical y * gx + logical x) * 64 + local id\nshapes: out: u32[gx * gy * 64]; grid: (gx, gy) logical workgroups, folded when gx > 65535",
    workgroupSize: [64],
  });
  const out = kb.storage("out", "u32", "read_write");
  const b = kb.body;
  const wg = b.let("wg", add(mul(builtin("logical_workgroup_id", 1), builtin("logical_num_workgroups", 0)), linearWorkgroupId()));
  const j = b.let("j", add(mul(wg, 64), builtin("local_invocation_id", 0)));
  b.store(out, j, j);
  return kb.build();
}

/** y[i] = erf(x[i]) over n elements. */
export function erfKernel(elem: "f32" | "f16" = "f32"): Kernel {
  const kb = new KernelBuilder(`erf_${elem}`, {
    doc: `y[i] = erf(x[i])\nshapes: x, y: ${elem}[n]; grid: ceil(n / 64) logical workgroups`,
    workgroupSize: [64],
  });
  const x = kb.storage("x", elem, "read"), y = kb.storage("y", elem, "read_write");
  const n = kb.param("n", "u32");
  const b = kb.body;
  const i = b.let("i", linearGlobalId(64));
  b.if(lt(i, n), (t) => t.store(y, i, erf(load(x, i))));
  return kb.build();
}

/**
 * Per invocation: the sum of x over its subgroup, the subgroup size, and the local index of the
 * subgroup's first invocation (which names the subgroup, however the device groups lanes).
 */
export function subgroupSumKernel(elem: ElemType & ("f32" | "f16") = "f32"): Kernel {
  const kb = new KernelBuilder(`subgroup_sum_${elem}`, {
    doc: `sum[i] = subgroupAdd(x[i]); size[i] = subgroup size; first[i] = global id of the subgroup's first active invocation\nshapes: x, sum: ${elem}[n], size, first: u32[n]; n a multiple of 64`,
    workgroupSize: [64],
  });
  const x = kb.storage("x", elem, "read"), sum = kb.storage("sum", elem, "read_write");
  const size = kb.storage("size", "u32", "read_write"), first = kb.storage("first", "u32", "read_write");
  const b = kb.body;
  const i = b.let("i", builtin("global_invocation_id", 0));
  b.store(sum, i, subgroupAdd(load(x, i)));
  b.store(size, i, subgroupSize());
  b.store(first, i, subgroupBroadcastFirst(i));
  return kb.build();
}

/** One probe of the expression kinds: its Kernel IR and its float64 meaning for input v. */
export interface Probe {
  readonly name: string;
  /** Absolute tolerance against the float64 value (WGSL allows some builtins a few ulp or more). */
  readonly tol: (want: number) => number;
  readonly js: (v: number) => number;
}

const exact = (): number => 0;
const rel = (r: number) => (want: number): number => r * Math.max(1, Math.abs(want));

/** The probes of exprProbeKernel, in output order. */
export const PROBES: readonly Probe[] = [
  { name: "exp(v - 2)", tol: rel(2e-6), js: (v) => Math.exp(v - 2) },
  { name: "log(v)", tol: rel(2e-6), js: Math.log },
  { name: "sqrt(v)", tol: rel(1e-6), js: Math.sqrt },
  { name: "inverseSqrt(v)", tol: rel(1e-6), js: (v) => 1 / Math.sqrt(v) },
  { name: "tanh(v - 2)", tol: rel(1e-5), js: (v) => Math.tanh(v - 2) },
  // WGSL promises sin/cos only to 2^-11 absolute on [-pi, pi].
  { name: "sin(v)", tol: () => 5e-4, js: Math.sin },
  { name: "cos(v)", tol: () => 5e-4, js: Math.cos },
  { name: "pow(v, 1.5)", tol: rel(1e-5), js: (v) => v ** 1.5 },
  { name: "abs(v - 2)", tol: exact, js: (v) => Math.abs(Math.fround(v - 2)) },
  { name: "floor(v)", tol: exact, js: Math.floor },
  { name: "ceil(v)", tol: exact, js: Math.ceil },
  { name: "round(v) (half to even)", tol: exact, js: (v) => { const f = Math.floor(v); const d = v - f; return d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f; } },
  { name: "trunc(v - 2)", tol: exact, js: (v) => Math.trunc(Math.fround(v - 2)) },
  { name: "min(v, 2)", tol: exact, js: (v) => Math.min(v, 2) },
  { name: "max(v, 2)", tol: exact, js: (v) => Math.max(v, 2) },
  { name: "clamp(v, 1, 3)", tol: exact, js: (v) => Math.min(Math.max(v, 1), 3) },
  { name: "select(v > 2, v, -v)", tol: exact, js: (v) => (v > 2 ? v : -v) },
  { name: "bitcast<u32>(v) >> 23", tol: exact, js: (v) => new Uint32Array(Float32Array.of(v).buffer)[0]! >>> 23 },
  { name: "(u32(v * 100) / 7) % 5", tol: exact, js: (v) => Math.floor(Math.trunc(Math.fround(v * 100)) / 7) % 5 },
  { name: "i32(-v * 100) % 7", tol: exact, js: (v) => Math.trunc(-Math.fround(v * 100)) % 7 },
  { name: "(u32(v * 1000) << 3) ^ 0x55", tol: exact, js: (v) => ((Math.trunc(Math.fround(v * 1000)) << 3) ^ 0x55) >>> 0 },
  { name: "steps of *1.5 until > 10 (while, break)", tol: exact, js: (v) => { let n = 0; for (let x = v; !(x > 10); x = Math.fround(x * 1.5)) n++; return n; } },
  { name: "sum of v * j over j != 3 (for, continue, local array)", tol: rel(1e-6), js: (v) => 25 * v },
  { name: "fma(v, v, -1)", tol: rel(1e-6), js: (v) => v * v - 1 },
  { name: "exp2(v - 2)", tol: rel(2e-6), js: (v) => 2 ** (v - 2) },
  { name: "log2(v)", tol: rel(2e-6), js: Math.log2 },
  { name: "-v", tol: exact, js: (v) => -v },
  { name: "f32(i32(-(v * 3)))", tol: exact, js: (v) => Math.trunc(-Math.fround(v * 3)) },
  { name: "dot of vec4(v, 1, 2, 3) with (1, 1, 1, 1) by lanes", tol: rel(1e-6), js: (v) => v + 6 },
];

/** out[i * PROBES.length + k] = probe k of x[i], for x in (0, 4]. Exercises every expression kind. */
export function exprProbeKernel(): Kernel {
  const K = PROBES.length;
  const kb = new KernelBuilder("expr_probe", {
    doc: `out[i, k] = probe k of x[i] (${K} probes: math, integer ops, casts, loops)\nshapes: x: f32[n], out: f32[n, ${K}]`,
    workgroupSize: [64],
  });
  const x = kb.storage("x", "f32", "read"), out = kb.storage("out", "f32", "read_write");
  const n = kb.param("n", "u32");
  const b = kb.body;
  const i = b.let("i", builtin("global_invocation_id", 0));
  b.if(ge(i, n), (t) => t.return());
  const v = b.let("v", load(x, i));
  const base = b.let("base", mul(i, K));
  const f = (e: Expr) => (e.type === "f32" ? e : cast("f32", e));
  const u = (e: Expr) => cast("u32", e);

  const steps = b.var("steps", u32(0));
  const w = b.var("w", v);
  b.while(true, (l) => {
    l.if(gt(w, f32(10)), (t) => t.break());
    l.assign(w, mul(w, 1.5));
    l.assign(steps, add(steps, 1));
  });
  const arr = b.array("arr", "f32", 8);
  b.for("j", u32(0), u32(8), (l, j) => {
    l.if(eq(j, 3), (t) => t.continue());
    l.store(arr, j, mul(v, cast("f32", j)));
  });
  const total = b.var("total", "f32");
  b.for("j", u32(0), u32(8), (l, j) => l.assign(total, add(total, load(arr, j))));
  const v4 = b.let("v4", vec("vec4<f32>", v, f32(1), f32(2), f32(3)));

  const values: Expr[] = [
    exp(sub(v, 2)), log(v), sqrt(v), inverseSqrt(v), tanh(sub(v, 2)), sin(v), cos(v), pow(v, 1.5), abs(sub(v, 2)),
    floor(v), ceil(v), round(v), trunc(sub(v, 2)), min(v, 2), max(v, 2), clamp(v, 1, 3), select(gt(v, 2), v, neg(v)),
    f(shr(bitcast("u32", v), 23)),
    f(rem(div(u(mul(v, 100)), 7), 5)),
    f(rem(cast("i32", neg(mul(v, 100))), 7)),
    f(bitxor(shl(u(mul(v, 1000)), 3), 0x55)),
    f(steps), total, fma(v, v, -1), exp2(sub(v, 2)), log2(v), neg(v), f(cast("i32", neg(mul(v, 3)))),
    add(add(lane(v4, 0), lane(v4, 1)), add(lane(v4, 2), lane(v4, 3))),
  ];
  if (values.length !== K) throw new Error(`exprProbeKernel: ${values.length} values for ${K} probes`);
  values.forEach((e, k) => b.store(out, add(base, k), e));
  return kb.build();
}
