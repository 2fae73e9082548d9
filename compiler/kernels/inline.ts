// Inline lowering rules: how an elementwise, view or random op computes its value at an index
// inside whatever kernel consumes it. Views remap the index and ask for their input's value;
// elementwise ops combine their inputs' values at the same index.

import type { Node } from "../ir/graph.ts";
import { attrsOf } from "../ir/view.ts";
import { concreteShape } from "../ir/types.ts";
import { PHILOX_M0, PHILOX_M1, PHILOX_W0, PHILOX_W1 } from "../ir/philox.ts";
import type { Block } from "./build-kernel.ts";
import * as K from "./build-kernel.ts";
import { flatIndex, iadd, idiv, imul, unflatten } from "./index-math.ts";
import type { Expr, ScalarType } from "./kernel-ir.ts";

/**
 * What an inline rule needs of the kernel being built: emit.ts's KernelContext provides it (this
 * file does not import emit.ts, which imports the rules).
 */
export interface InlineContext {
  /** The compute type of a node's dtype on the target. */
  typeOf(n: Node): ScalarType;
  /** The value of `node` at the multi-index `idx`, computed inside block `b`. */
  value(b: Block, node: Node, idx: readonly Expr[]): Expr;
}

export type InlineRule = (ctx: InlineContext, b: Block, node: Node, idx: readonly Expr[]) => Expr;

const shapeOf = (n: Node): number[] => concreteShape(n.shape);
const lit = (t: ScalarType, v: number): Expr => K.lit(t, v);

/** A finite constant of a type (non-finite values are not portable to WGSL). */
function constant(t: ScalarType, v: number): Expr {
  if (t === "bool") return K.bool(v !== 0);
  if (!Number.isFinite(v)) {
    if (Number.isNaN(v)) throw new Error("a NaN constant cannot be lowered (WGSL assumes NaNs never occur)");
    v = v > 0 ? (t === "f16" ? 65504 : 3.4028234663852886e38) : (t === "f16" ? -65504 : -3.4028234663852886e38);
  }
  return lit(t, v);
}

function unaryMath(f: (x: Expr, t: ScalarType) => Expr): InlineRule {
  return (ctx, b, n, idx) => f(ctx.value(b, n.inputs[0]!, idx), ctx.typeOf(n));
}
function binaryMath(f: (x: Expr, y: Expr, t: ScalarType, inT: ScalarType) => Expr): InlineRule {
  return (ctx, b, n, idx) => f(ctx.value(b, n.inputs[0]!, idx), ctx.value(b, n.inputs[1]!, idx), ctx.typeOf(n), ctx.typeOf(n.inputs[0]!));
}
const isF = (t: ScalarType) => t === "f32" || t === "f16";

/** Round an f32 value to the nearest bf16 or f16 mantissa (normal range), for widened storage. */
function roundMantissa(x: Expr, dropBits: number): Expr {
  const bits = K.bitcast("u32", x);
  const half = (1 << (dropBits - 1)) - 1;
  const odd = K.bitand(K.shr(bits, dropBits), K.u32(1));
  const mask = (0xffffffff << dropBits) >>> 0;
  return K.bitcast("f32", K.bitand(K.add(K.add(bits, K.u32(half)), odd), K.u32(mask)));
}

function cast(ctx: InlineContext, x: Expr, from: ScalarType, n: Node): Expr {
  const to = ctx.typeOf(n);
  let v: Expr;
  if (from === to) v = x;
  else if (from === "bool") v = K.select(x, lit(to, 1), lit(to, 0));
  else if (to === "bool") v = K.ne(x, lit(from, 0));
  else v = K.cast(to, x);
  // Widened narrow floats keep their dtype's rounding.
  if (n.dtype === "bf16") v = roundMantissa(v, 16);
  if (n.dtype === "f16" && to === "f32") v = roundMantissa(v, 13);
  return v;
}

// --- Philox4x32-10 in kernel code (compiler/ir/philox.ts is the reference) -------------------

function mulhilo(b: Block, a: number, x: Expr): [Expr, Expr] {
  // 32×32→64 with 16-bit halves: targets without 64-bit integers (WGSL) need this.
  const aLo = a & 0xffff, aHi = a >>> 16;
  const xLo = b.let("xl", K.bitand(x, K.u32(0xffff))), xHi = b.let("xh", K.shr(x, K.u32(16)));
  const ll = b.let("ll", K.mul(xLo, K.u32(aLo))), hl = b.let("hl", K.mul(xHi, K.u32(aLo)));
  const lh = b.let("lh", K.mul(xLo, K.u32(aHi))), hh = K.mul(xHi, K.u32(aHi));
  const cross = b.let("cr", K.add(K.add(K.shr(ll, K.u32(16)), K.bitand(hl, K.u32(0xffff))), lh));
  const hi = b.let("hi", K.add(K.add(hh, K.shr(hl, K.u32(16))), K.shr(cross, K.u32(16))));
  const lo = b.let("lo", K.mul(x, K.u32(a)));
  return [hi, lo];
}

function philox(b: Block, counter: Expr[], key: [Expr, Expr]): Expr {
  let [c0, c1, c2, c3] = counter as [Expr, Expr, Expr, Expr];
  let [k0, k1] = key;
  for (let r = 0; r < 10; r++) {
    if (r > 0) {
      k0 = b.let("k0", K.add(k0, K.u32(PHILOX_W0)));
      k1 = b.let("k1", K.add(k1, K.u32(PHILOX_W1)));
    }
    const [hi0, lo0] = mulhilo(b, PHILOX_M0, c0);
    const [hi1, lo1] = mulhilo(b, PHILOX_M1, c2);
    const n0 = b.let("c0", K.bitxor(K.bitxor(hi1, c1), k0));
    const n2 = b.let("c2", K.bitxor(K.bitxor(hi0, c3), k1));
    [c0, c1, c2, c3] = [n0, lo1, n2, lo0];
  }
  return c0;
}

const RULES: Record<string, InlineRule> = {
  // --- sources ---
  constant: (ctx, _b, n) => constant(ctx.typeOf(n), attrsOf(n, "constant").value),
  iota: (ctx, _b, n, idx) => cast(ctx, idx[attrsOf(n, "iota").axis]!, "u32", n),
  random: (ctx, b, n, idx) => {
    const seed = n.inputs[0]!;
    const key: [Expr, Expr] = [ctx.value(b, seed, [K.u32(0)]), ctx.value(b, seed, [K.u32(1)])];
    const flat = flatIndex(idx, shapeOf(n));
    const x = philox(b, [flat, K.u32(attrsOf(n, "random").stream >>> 0), K.u32(0), K.u32(0)], key);
    // u = ((x >> 9) + 0.5) / 2^23, exact in f32 (see philox.ts).
    const u = b.let("u", K.mul(K.add(K.cast("f32", K.shr(x, K.u32(9))), K.f32(0.5)), K.f32(1 / 8388608)));
    return attrsOf(n, "random").dist === "gumbel" ? K.neg(K.log(K.neg(K.log(u)))) : u;
  },

  // --- elementwise ---
  neg: unaryMath((x) => K.neg(x)),
  abs: unaryMath((x) => K.abs(x)),
  sign: unaryMath((x, t) => K.select(K.gt(x, lit(t, 0)), lit(t, 1), K.select(K.lt(x, lit(t, 0)), lit(t, -1), lit(t, 0)))),
  exp: unaryMath((x) => K.exp(x)),
  log: unaryMath((x) => K.log(x)),
  sqrt: unaryMath((x) => K.sqrt(x)),
  rsqrt: unaryMath((x) => K.inverseSqrt(x)),
  reciprocal: unaryMath((x, t) => K.div(lit(t, 1), x)),
  // tanh and sigmoid clamp their argument: some drivers evaluate them through exp, which
  // overflows to inf (not portable) long before the results stop changing.
  tanh: unaryMath((x, t) => K.tanh(K.clamp(x, lit(t, -15), lit(t, 15)))),
  sigmoid: unaryMath((x, t) => K.div(lit(t, 1), K.add(lit(t, 1), K.exp(K.neg(K.clamp(x, lit(t, -80), lit(t, 80))))))),
  erf: unaryMath((x) => K.erf(x)),
  sin: unaryMath((x) => K.sin(x)),
  cos: unaryMath((x) => K.cos(x)),
  floor: unaryMath((x) => K.floor(x)),
  ceil: unaryMath((x) => K.ceil(x)),
  round: unaryMath((x) => K.round(x)),
  not: unaryMath((x) => K.not(x)),
  add: binaryMath((x, y) => K.add(x, y)),
  sub: binaryMath((x, y) => K.sub(x, y)),
  mul: binaryMath((x, y) => K.mul(x, y)),
  div: binaryMath((x, y) => K.div(x, y)),
  mod: binaryMath((x, y) => K.rem(x, y)),
  trunc_div: binaryMath((x, y, t) => (isF(t) ? K.trunc(K.div(x, y)) : K.div(x, y))),
  pow: binaryMath((x, y) => K.pow(x, y)),
  maximum: binaryMath((x, y) => K.max(x, y)),
  minimum: binaryMath((x, y) => K.min(x, y)),
  eq: binaryMath((x, y) => K.eq(x, y)),
  ne: binaryMath((x, y) => K.ne(x, y)),
  lt: binaryMath((x, y) => K.lt(x, y)),
  le: binaryMath((x, y) => K.le(x, y)),
  gt: binaryMath((x, y) => K.gt(x, y)),
  ge: binaryMath((x, y) => K.ge(x, y)),
  and: binaryMath((x, y, t) => (t === "bool" ? K.and(x, y) : K.bitand(x, y))),
  or: binaryMath((x, y, t) => (t === "bool" ? K.or(x, y) : K.bitor(x, y))),
  xor: binaryMath((x, y, t) => (t === "bool" ? K.ne(x, y) : K.bitxor(x, y))),
  where: (ctx, b, n, idx) => K.select(ctx.value(b, n.inputs[0]!, idx), ctx.value(b, n.inputs[1]!, idx), ctx.value(b, n.inputs[2]!, idx)),
  cast: (ctx, b, n, idx) => cast(ctx, ctx.value(b, n.inputs[0]!, idx), ctx.typeOf(n.inputs[0]!), n),

  // --- views ---
  reshape: (ctx, b, n, idx) => {
    const x = n.inputs[0]!;
    return ctx.value(b, x, unflatten(flatIndex(idx, shapeOf(n)), shapeOf(x)));
  },
  permute: (ctx, b, n, idx) => {
    const perm = attrsOf(n, "permute").perm;
    const inIdx = new Array<Expr>(perm.length);
    perm.forEach((p, i) => (inIdx[p] = idx[i]!));
    return ctx.value(b, n.inputs[0]!, inIdx);
  },
  broadcast: (ctx, b, n, idx) => {
    const x = n.inputs[0]!, xs = shapeOf(x), os = shapeOf(n);
    const off = os.length - xs.length;
    return ctx.value(b, x, xs.map((d, j) => (d === 1 && os[off + j] !== 1 ? K.u32(0) : idx[off + j]!)));
  },
  slice: (ctx, b, n, idx) => {
    const { axis, start, step } = attrsOf(n, "slice");
    const inIdx = [...idx];
    inIdx[axis] = iadd(imul(idx[axis]!, step), start);
    return ctx.value(b, n.inputs[0]!, inIdx);
  },
  pad: (ctx, b, n, idx) => {
    const x = n.inputs[0]!, xs = shapeOf(x);
    const pads = attrsOf(n, "pad").pads;
    const t = ctx.typeOf(n);
    let valid: Expr | undefined;
    const inIdx = idx.map((e, a) => {
      const before = pads[2 * a]!, after = pads[2 * a + 1]!;
      if (before === 0 && after === 0) return e;
      const ok = before === 0 ? K.lt(e, K.u32(xs[a]!)) : K.and(K.ge(e, K.u32(before)), K.lt(e, K.u32(before + xs[a]!)));
      valid = valid ? K.and(valid, ok) : ok;
      return K.select(ok, K.sub(e, K.u32(before)), K.u32(0));
    });
    const v = ctx.value(b, x, inIdx);
    return valid ? K.select(valid, v, constant(t, attrsOf(n, "pad").value)) : v;
  },
  concat: (ctx, b, n, idx) => {
    const axis = attrsOf(n, "concat").axis;
    const parts = n.inputs;
    const offs: number[] = [];
    let o = 0;
    for (const p of parts) {
      offs.push(o);
      o += shapeOf(p)[axis]!;
    }
    const at = (k: number): Expr => {
      const d = shapeOf(parts[k]!)[axis]!;
      const inIdx = [...idx];
      inIdx[axis] = offs[k] === 0 ? K.min(idx[axis]!, K.u32(d - 1)) : K.min(K.sub(K.max(idx[axis]!, K.u32(offs[k]!)), K.u32(offs[k]!)), K.u32(d - 1));
      return ctx.value(b, parts[k]!, inIdx);
    };
    let v = at(parts.length - 1);
    for (let k = parts.length - 2; k >= 0; k--) v = K.select(K.lt(idx[axis]!, K.u32(offs[k + 1]!)), at(k), v);
    return v;
  },
  upsample_nearest: (ctx, b, n, idx) => {
    const s = attrsOf(n, "upsample_nearest").scale;
    const r = idx.length;
    const inIdx = [...idx];
    inIdx[r - 2] = idiv(idx[r - 2]!, s);
    inIdx[r - 1] = idiv(idx[r - 1]!, s);
    return ctx.value(b, n.inputs[0]!, inIdx);
  },
  gather: (ctx, b, n, idx) => {
    const [table, indices] = n.inputs as [Node, Node];
    const axis = attrsOf(n, "gather").axis;
    const r = indices.rank;
    const dim = shapeOf(table)[axis]!;
    const k = ctx.value(b, indices, idx.slice(axis, axis + r));
    const row = K.cast("u32", K.clamp(k, K.i32(0), K.i32(dim - 1)));
    return ctx.value(b, table, [...idx.slice(0, axis), row, ...idx.slice(axis + r)]);
  },
  dynamic_slice: (ctx, b, n, idx) => {
    const [x, start] = n.inputs as [Node, Node];
    const { axis, size } = attrsOf(n, "dynamic_slice");
    const dim = shapeOf(x)[axis]!;
    const s = K.cast("u32", K.clamp(ctx.value(b, start, []), K.i32(0), K.i32(dim - size)));
    const inIdx = [...idx];
    inIdx[axis] = K.add(s, idx[axis]!);
    return ctx.value(b, x, inIdx);
  },
  update_slice: (ctx, b, n, idx) => {
    const [target, update, start] = n.inputs as [Node, Node, Node];
    const axis = attrsOf(n, "update_slice").axis;
    const dim = shapeOf(target)[axis]!, size = shapeOf(update)[axis]!;
    const s = b.let("s", K.cast("u32", K.clamp(ctx.value(b, start, []), K.i32(0), K.i32(dim - size))));
    const i = idx[axis]!;
    const inside = K.and(K.ge(i, s), K.lt(i, K.add(s, K.u32(size))));
    const uIdx = [...idx];
    uIdx[axis] = K.min(K.sub(K.max(i, s), s), K.u32(size - 1));
    return K.select(inside, ctx.value(b, update, uIdx), ctx.value(b, target, idx));
  },
};

export function inlineRule(op: string): InlineRule {
  const r = RULES[op];
  if (!r) throw new Error(`op '${op}' has no inline lowering; it needs a kernel of its own`);
  return r;
}

export function hasInlineRule(op: string): boolean {
  return op in RULES;
}

