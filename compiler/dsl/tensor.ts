// The typed symbolic Tensor a model author writes with.
//
// A Tensor wraps one IR node. Its methods only build nodes (through `apply`, the one constructor
// of typed nodes) and add what the IR leaves to the front end: numpy-style implicit broadcasting
// (align ranks with `reshape`, then `broadcast`), JS numbers as splat constants of the tensor's
// dtype, negative axes, Python-like slice bounds, and default attributes. Every call records the
// caller's source line, and a type error is reported as a ShapeError naming the op, the operand
// types and that line:
//
//   matmul: f32[2, 16, 64] and f32[32, 64]: inner dimensions 64 and 32 differ
//     at models/phi-block.ts:42:17

import { IRError, apply } from "../ir/build.ts";
import type { AttrValue, Attrs, SourceLoc } from "../ir/graph.ts";
import { Node, formatLoc } from "../ir/graph.ts";
import type { DType, Dim, Shape } from "../ir/types.ts";
import { dim, dimDiv, dimEq, dimMul, formatType, normAxis, numel, shapeEq } from "../ir/types.ts";
import { callerLoc } from "./loc.ts";

/** A shape or dtype error found while tracing, located at the model line that made it. */
export class ShapeError extends Error {
  readonly op: string;
  /** Operand types as printed, e.g. "f32[2, 16, 64]". */
  readonly types: readonly string[];
  readonly reason: string;
  readonly loc: SourceLoc | undefined;
  constructor(op: string, operands: readonly { dtype: DType; shape: Shape }[], reason: string, loc: SourceLoc | undefined) {
    const types = operands.map((t) => formatType(t.dtype, t.shape));
    super(`${op}: ${joinTypes(types)}${types.length ? ": " : ""}${reason}\n  at ${formatLoc(loc)}`);
    this.name = "ShapeError";
    this.op = op;
    this.types = types;
    this.reason = reason;
    this.loc = loc;
  }
}

function joinTypes(types: readonly string[]): string {
  if (types.length <= 2) return types.join(" and ");
  return `${types.slice(0, -1).join(", ")} and ${types[types.length - 1]}`;
}

/** A node made on first use (parameters, whose names are known only once the module tree is). */
export interface LazyNode {
  readonly dtype: DType;
  readonly shape: Shape;
  readonly make: () => Node;
}

export type Operand = Tensor | number;
type Axes = number | readonly number[];

export interface MatmulOptions {
  readonly transposeA?: boolean;
  readonly transposeB?: boolean;
}
export interface Conv2dOptions {
  /** One stride for both axes, or [sh, sw]. */
  readonly stride?: number | readonly [number, number];
  /** p (all sides), [ph, pw] (symmetric), or [top, bottom, left, right]. */
  readonly padding?: number | readonly [number, number] | readonly [number, number, number, number];
  /** Per-output-channel bias [O], added after the convolution. */
  readonly bias?: Tensor;
}
export interface CrossEntropyOptions {
  readonly ignoreIndex?: number;
  readonly reduction?: "mean" | "sum" | "none";
}
export interface AttentionOptions {
  /** Multiplies q·kᵀ; default 1/√D. */
  readonly scale?: number;
  readonly causal?: boolean;
  /** Structured mask segments i32[B, S, 3] (see compiler/ir/mask.ts). */
  readonly segments?: Tensor;
}

/** Build `op(inputs){attrs}` at `loc`, turning the IR's type errors into located ShapeErrors. */
function build(op: string, inputs: readonly Tensor[], attrs: Attrs, loc: SourceLoc | undefined): Tensor {
  try {
    return new Tensor(apply(op, inputs.map((t) => t.node), attrs, loc));
  } catch (e) {
    if (e instanceof IRError) throw new ShapeError(e.op, inputs, e.reason, loc);
    throw e;
  }
}

/** Normalize axes for a rank: negatives counted from the end, sorted, duplicates refused. */
function normAxes(op: string, x: Tensor, axes: Axes | undefined, loc: SourceLoc | undefined): number[] {
  if (axes === undefined) return x.shape.map((_, i) => i);
  const list = typeof axes === "number" ? [axes] : [...axes];
  const out = list.map((a) => axisOf(op, x, a, loc));
  if (new Set(out).size !== out.length) throw new ShapeError(op, [x], `repeated axis in [${list.join(", ")}]`, loc);
  return out.sort((a, b) => a - b);
}

function axisOf(op: string, x: Tensor, axis: number, loc: SourceLoc | undefined): number {
  try {
    return normAxis(axis, x.rank);
  } catch (e) {
    throw new ShapeError(op, [x], (e as Error).message, loc);
  }
}

/** The numpy broadcast of several shapes (right-aligned; each dim 1 or equal). */
function broadcastShape(op: string, xs: readonly Tensor[], loc: SourceLoc | undefined): Dim[] {
  const rank = Math.max(...xs.map((t) => t.rank));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let d: Dim = 1;
    for (const t of xs) {
      const di = t.shape[i - (rank - t.rank)] ?? 1;
      if (di === 1) continue;
      if (d === 1) d = di;
      else if (!dimEq(d, di)) {
        throw new ShapeError(op, xs, `shapes cannot be broadcast: dimension ${i - rank} is ${d} in one and ${di} in another`, loc);
      }
    }
    out.push(d);
  }
  return out;
}

/** `x` broadcast to `shape` (already known compatible): reshape to align ranks, then broadcast. */
function expand(x: Tensor, shape: Shape, loc: SourceLoc | undefined): Tensor {
  if (shapeEq(x.shape, shape)) return x;
  let y = x;
  if (x.rank < shape.length) y = build("reshape", [x], { shape: [...new Array<Dim>(shape.length - x.rank).fill(1), ...x.shape] }, loc);
  return shapeEq(y.shape, shape) ? y : build("broadcast", [y], { shape: [...shape] }, loc);
}

/** Bring operands to one shape; numbers become splat constants of `dtype`. */
function align(op: string, xs: readonly Operand[], dtype: DType, loc: SourceLoc | undefined): Tensor[] {
  const tensors = xs.filter((x): x is Tensor => x instanceof Tensor);
  const shape = broadcastShape(op, tensors, loc);
  return xs.map((x) => (x instanceof Tensor ? expand(x, shape, loc) : build("constant", [], { value: x, dtype, shape }, loc)));
}

function binary(op: string, a: Operand, b: Operand, loc: SourceLoc | undefined): Tensor {
  const t = a instanceof Tensor ? a : b instanceof Tensor ? b : undefined;
  if (!t) throw new Error(`${op}: at least one operand must be a Tensor (at ${formatLoc(loc)})`);
  const [x, y] = align(op, [a, b], t.dtype, loc);
  return build(op, [x!, y!], {}, loc);
}

function pair(v: number | readonly number[], what: string): [number, number] {
  if (typeof v === "number") return [v, v];
  if (v.length !== 2) throw new Error(`${what} needs 1 or 2 values, got ${v.length}`);
  return [v[0]!, v[1]!];
}

export class Tensor {
  #node: Node | undefined;
  readonly #lazy: LazyNode | undefined;

  constructor(node: Node | LazyNode) {
    if (node instanceof Node) {
      this.#node = node;
      this.#lazy = undefined;
    } else {
      this.#node = undefined;
      this.#lazy = node;
    }
  }

  /** The IR node (made now if this tensor was created lazily). */
  get node(): Node {
    if (!this.#node) {
      const lazy = this.#lazy!;
      const n = lazy.make();
      if (n.dtype !== lazy.dtype || !shapeEq(n.shape, lazy.shape)) {
        throw new Error(`lazy tensor made ${formatType(n.dtype, n.shape)}, declared ${formatType(lazy.dtype, lazy.shape)}`);
      }
      this.#node = n;
    }
    return this.#node;
  }
  /** Whether the node exists yet (always, except for lazy tensors not used so far). */
  get resolved(): boolean {
    return this.#node !== undefined;
  }
  get dtype(): DType {
    return this.#node ? this.#node.dtype : this.#lazy!.dtype;
  }
  get shape(): Shape {
    return this.#node ? this.#node.shape : this.#lazy!.shape.map(dim);
  }
  get rank(): number {
    return this.shape.length;
  }
  /** Size of one axis (negative counts from the end). */
  dim(axis: number): Dim {
    return this.shape[normAxis(axis, this.rank)]!;
  }
  toString(): string {
    return `Tensor ${formatType(this.dtype, this.shape)}`;
  }

  // -------------------------------------------------------------------------------------------
  // Leaves

  static input(name: string, dtype: DType, shape: Shape): Tensor {
    return build("input", [], { name, dtype, shape: [...shape] }, callerLoc());
  }
  static param(name: string, dtype: DType, shape: Shape): Tensor {
    return build("param", [], { name, dtype, shape: [...shape] }, callerLoc());
  }
  static constant(value: number, dtype: DType = "f32", shape: Shape = []): Tensor {
    return build("constant", [], { value, dtype, shape: [...shape] }, callerLoc());
  }
  /** Each element is its index along `axis`. */
  static iota(shape: Shape, axis: number, dtype: DType = "i32"): Tensor {
    return build("iota", [], { shape: [...shape], axis: normAxis(axis, shape.length), dtype }, callerLoc());
  }

  // -------------------------------------------------------------------------------------------
  // Elementwise, with implicit broadcasting

  add(other: Operand): Tensor { return binary("add", this, other, callerLoc()); }
  sub(other: Operand): Tensor { return binary("sub", this, other, callerLoc()); }
  mul(other: Operand): Tensor { return binary("mul", this, other, callerLoc()); }
  div(other: Operand): Tensor { return binary("div", this, other, callerLoc()); }
  mod(other: Operand): Tensor { return binary("mod", this, other, callerLoc()); }
  maximum(other: Operand): Tensor { return binary("maximum", this, other, callerLoc()); }
  minimum(other: Operand): Tensor { return binary("minimum", this, other, callerLoc()); }
  pow(exponent: Operand): Tensor {
    const loc = callerLoc();
    // x² is common (losses, variances) and x·x keeps negative bases out of pow's log(a) gradient.
    if (exponent === 2) return binary("mul", this, this, loc);
    return binary("pow", this, exponent, loc);
  }
  square(): Tensor { return binary("mul", this, this, callerLoc()); }

  eq(other: Operand): Tensor { return binary("eq", this, other, callerLoc()); }
  ne(other: Operand): Tensor { return binary("ne", this, other, callerLoc()); }
  lt(other: Operand): Tensor { return binary("lt", this, other, callerLoc()); }
  le(other: Operand): Tensor { return binary("le", this, other, callerLoc()); }
  gt(other: Operand): Tensor { return binary("gt", this, other, callerLoc()); }
  ge(other: Operand): Tensor { return binary("ge", this, other, callerLoc()); }
  and(other: Operand): Tensor { return binary("and", this, other, callerLoc()); }
  or(other: Operand): Tensor { return binary("or", this, other, callerLoc()); }

  neg(): Tensor { return build("neg", [this], {}, callerLoc()); }
  abs(): Tensor { return build("abs", [this], {}, callerLoc()); }
  sign(): Tensor { return build("sign", [this], {}, callerLoc()); }
  exp(): Tensor { return build("exp", [this], {}, callerLoc()); }
  log(): Tensor { return build("log", [this], {}, callerLoc()); }
  sqrt(): Tensor { return build("sqrt", [this], {}, callerLoc()); }
  rsqrt(): Tensor { return build("rsqrt", [this], {}, callerLoc()); }
  reciprocal(): Tensor { return build("reciprocal", [this], {}, callerLoc()); }
  tanh(): Tensor { return build("tanh", [this], {}, callerLoc()); }
  sigmoid(): Tensor { return build("sigmoid", [this], {}, callerLoc()); }
  erf(): Tensor { return build("erf", [this], {}, callerLoc()); }
  sin(): Tensor { return build("sin", [this], {}, callerLoc()); }
  cos(): Tensor { return build("cos", [this], {}, callerLoc()); }
  floor(): Tensor { return build("floor", [this], {}, callerLoc()); }
  not(): Tensor { return build("not", [this], {}, callerLoc()); }
  /** This tensor in the forward; no gradient flows back through it (PyTorch's detach). */
  stopGradient(): Tensor { return build("stop_gradient", [this], {}, callerLoc()); }

  /** this ? a : b, broadcasting all three (this is the bool condition). */
  where(a: Operand, b: Operand): Tensor {
    return whereAt(this, a, b, callerLoc());
  }
  static where(cond: Tensor, a: Operand, b: Operand): Tensor {
    return whereAt(cond, a, b, callerLoc());
  }

  cast(dtype: DType): Tensor {
    return dtype === this.dtype ? this : build("cast", [this], { to: dtype }, callerLoc());
  }

  // -------------------------------------------------------------------------------------------
  // Contractions

  /** [..., M, K] · [..., K, N] → [..., M, N]; batch dims broadcast as the IR's matmul says. */
  matmul(other: Tensor, opts: MatmulOptions = {}): Tensor {
    return build("matmul", [this, other], { transpose_a: opts.transposeA ?? false, transpose_b: opts.transposeB ?? false }, callerLoc());
  }

  /** x [N, C, H, W] ⊛ w [O, C, kh, kw] → [N, O, Ho, Wo], plus an optional bias [O]. */
  conv2d(w: Tensor, opts: Conv2dOptions = {}): Tensor {
    const loc = callerLoc();
    const stride = pair(opts.stride ?? 1, "stride");
    const p = opts.padding ?? 0;
    const padding = typeof p === "number" ? [p, p, p, p] : p.length === 2 ? [p[0], p[0], p[1], p[1]] : [...p];
    const y = build("conv2d", [this, w], { stride, padding }, loc);
    if (!opts.bias) return y;
    const b = build("reshape", [opts.bias], { shape: [1, ...opts.bias.shape, 1, 1] }, loc);
    return binary("add", y, b, loc);
  }

  upsampleNearest(scale: number): Tensor {
    return build("upsample_nearest", [this], { scale }, callerLoc());
  }

  // -------------------------------------------------------------------------------------------
  // Movement

  /** New shape with the same elements; one dimension may be -1 (inferred). */
  reshape(...dims: Dim[] | [readonly Dim[]]): Tensor {
    const loc = callerLoc();
    const list: readonly Dim[] = dims.length === 1 && Array.isArray(dims[0]) ? dims[0] : (dims as Dim[]);
    const holes = list.filter((d) => d === -1).length;
    if (holes > 1) throw new ShapeError("reshape", [this], `at most one -1 in [${list.join(", ")}]`, loc);
    let shape: Dim[] = [...list];
    if (holes === 1) {
      const known = list.filter((d) => d !== -1).reduce<Dim>((acc, d) => dimMul(acc, d), 1);
      const rest = dimDiv(numel(this.shape), known);
      if (rest === undefined) {
        throw new ShapeError("reshape", [this], `cannot infer -1 in [${list.join(", ")}]: ${numel(this.shape)} elements do not divide by ${known}`, loc);
      }
      shape = list.map((d) => (d === -1 ? rest : d));
    }
    return shapeEq(shape, this.shape) ? this : build("reshape", [this], { shape }, loc);
  }

  /** Reorder axes: out.shape[i] = this.shape[axes[i]] (negative axes allowed). */
  permute(...axes: number[] | [readonly number[]]): Tensor {
    const loc = callerLoc();
    const list: readonly number[] = axes.length === 1 && Array.isArray(axes[0]) ? axes[0] : (axes as number[]);
    if (list.length !== this.rank) throw new ShapeError("permute", [this], `needs ${this.rank} axes, got [${list.join(", ")}]`, loc);
    const perm = list.map((a) => axisOf("permute", this, a, loc));
    return perm.every((p, i) => p === i) ? this : build("permute", [this], { perm }, loc);
  }

  /** Swap two axes (default: the last two). */
  transpose(a = -2, b = -1): Tensor {
    const loc = callerLoc();
    const i = axisOf("transpose", this, a, loc), j = axisOf("transpose", this, b, loc);
    if (i === j) return this;
    const perm = this.shape.map((_, k) => (k === i ? j : k === j ? i : k));
    return build("permute", [this], { perm }, loc);
  }

  /** numpy broadcast to `shape` (ranks aligned on the right). */
  broadcastTo(shape: Shape): Tensor {
    const loc = callerLoc();
    const target = shape.map(dim);
    const ok = this.rank <= target.length &&
      this.shape.every((d, i) => d === 1 || dimEq(d, target[i + target.length - this.rank]!));
    if (!ok) throw new ShapeError("broadcast", [this], `cannot broadcast to [${target.join(", ")}]`, loc);
    return expand(this, target, loc);
  }

  /**
   * `x[start:end:step]` along one axis with Python's rules: negative bounds count from the end,
   * omitted bounds mean the whole axis, out-of-range bounds clamp.
   */
  slice(axis: number, start?: number, end?: number, step = 1): Tensor {
    const loc = callerLoc();
    const ax = axisOf("slice", this, axis, loc);
    const n = this.shape[ax]!;
    if (!Number.isInteger(step) || step < 1) throw new ShapeError("slice", [this], `step must be a positive integer, got ${step}`, loc);
    if (typeof n !== "number") {
      // A symbolic axis can be cut only at known, non-negative offsets.
      if (start === undefined || end === undefined || start < 0 || end < 0) {
        throw new ShapeError("slice", [this], `axis ${ax} has symbolic size ${n}: give non-negative start and end`, loc);
      }
      return build("slice", [this], { axis: ax, start, end: Math.max(start, end), step }, loc);
    }
    const norm = (v: number | undefined, dflt: number) => {
      if (v === undefined) return dflt;
      if (!Number.isInteger(v)) throw new ShapeError("slice", [this], `bounds must be integers, got ${v}`, loc);
      return Math.min(Math.max(v < 0 ? v + n : v, 0), n);
    };
    const s = norm(start, 0), e = Math.max(s, norm(end, n));
    if (s === 0 && e === n && step === 1) return this;
    return build("slice", [this], { axis: ax, start: s, end: e, step }, loc);
  }

  /** Join along `axis` (negative allowed); other dims must agree. */
  static concat(xs: readonly Tensor[], axis = 0): Tensor {
    const loc = callerLoc();
    if (xs.length === 0) throw new Error(`concat needs at least one tensor (at ${formatLoc(loc)})`);
    const ax = axisOf("concat", xs[0]!, axis, loc);
    return xs.length === 1 ? xs[0]! : build("concat", xs, { axis: ax }, loc);
  }

  /**
   * Constant padding: `pads` lists [before, after] per axis, aligned to the last axes when
   * shorter than the rank (so [[1, 1], [1, 1]] pads H and W of an [N, C, H, W] tensor).
   */
  pad(pads: readonly (readonly [number, number])[], value = 0): Tensor {
    const loc = callerLoc();
    if (pads.length > this.rank) throw new ShapeError("pad", [this], `${pads.length} [before, after] pairs for rank ${this.rank}`, loc);
    const flat: number[] = [];
    for (let i = 0; i < this.rank - pads.length; i++) flat.push(0, 0);
    for (const [b, a] of pads) flat.push(b, a);
    return build("pad", [this], { pads: flat, value }, loc);
  }

  /** `take` along `axis`: this.shape[:axis] + indices.shape + this.shape[axis+1:]. */
  gather(indices: Tensor, axis = 0): Tensor {
    const loc = callerLoc();
    return build("gather", [this, indices], { axis: axisOf("gather", this, axis, loc) }, loc);
  }

  // -------------------------------------------------------------------------------------------
  // Reductions (axes default to all; negative allowed)

  sum(axes?: Axes, keepdims = false): Tensor { return reduce("sum", this, axes, keepdims, callerLoc()); }
  mean(axes?: Axes, keepdims = false): Tensor { return reduce("mean", this, axes, keepdims, callerLoc()); }
  max(axes?: Axes, keepdims = false): Tensor { return reduce("max", this, axes, keepdims, callerLoc()); }
  min(axes?: Axes, keepdims = false): Tensor { return reduce("min", this, axes, keepdims, callerLoc()); }
  /** i32 index of the first maximum along `axis`. */
  argmax(axis = -1, keepdims = false): Tensor {
    const loc = callerLoc();
    return build("argmax", [this], { axis: axisOf("argmax", this, axis, loc), keepdims }, loc);
  }

  // -------------------------------------------------------------------------------------------
  // Neural-network composites

  softmax(axis = -1): Tensor {
    const loc = callerLoc();
    return build("softmax", [this], { axis: axisOf("softmax", this, axis, loc) }, loc);
  }
  logSoftmax(axis = -1): Tensor {
    const loc = callerLoc();
    return build("log_softmax", [this], { axis: axisOf("log_softmax", this, axis, loc) }, loc);
  }

  /** LayerNorm over the last axis; a missing weight is ones, a missing bias zeros. */
  layerNorm(weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
    const loc = callerLoc();
    const d = this.shape.length ? [this.shape[this.rank - 1]!] : [];
    const w = weight ?? build("constant", [], { value: 1, dtype: this.dtype, shape: d }, loc);
    const b = bias ?? build("constant", [], { value: 0, dtype: this.dtype, shape: d }, loc);
    return build("layer_norm", [this, w, b], { eps }, loc);
  }

  /** GroupNorm of [N, C, ...] with `groups` groups; a missing weight is ones, a missing bias zeros. */
  groupNorm(groups: number, weight?: Tensor | null, bias?: Tensor | null, eps = 1e-6): Tensor {
    const loc = callerLoc();
    const c = this.rank >= 2 ? [this.shape[1]!] : [];
    const w = weight ?? build("constant", [], { value: 1, dtype: this.dtype, shape: c }, loc);
    const b = bias ?? build("constant", [], { value: 0, dtype: this.dtype, shape: c }, loc);
    return build("group_norm", [this, w, b], { groups, eps }, loc);
  }

  /** GELU: "none" is the exact erf form, "tanh" the approximation (Phi's gelu_new). */
  gelu(approximate: "none" | "tanh" = "none"): Tensor {
    return build("gelu", [this], { approximate }, callerLoc());
  }
  silu(): Tensor {
    return build("silu", [this], {}, callerLoc());
  }

  /** Split-half RoPE on the first `rotaryDim` features of [..., L, D] at positions i32[L]. */
  rotary(positions: Tensor, rotaryDim?: number, base = 10000): Tensor {
    const loc = callerLoc();
    const d = this.shape[this.rank - 1];
    const rd = rotaryDim ?? d;
    if (typeof rd !== "number") throw new ShapeError("rotary", [this, positions], `give rotaryDim: the last axis ${rd} is symbolic`, loc);
    return build("rotary", [this, positions], { rotary_dim: rd, base }, loc);
  }

  /** −log softmax(this)[label] over the last axis, for logits [..., V] and labels i32[...]. */
  crossEntropy(labels: Tensor, opts: CrossEntropyOptions = {}): Tensor {
    return build("cross_entropy", [this, labels], { ignore_index: opts.ignoreIndex ?? -100, reduction: opts.reduction ?? "mean" }, callerLoc());
  }
}

function whereAt(cond: Tensor, a: Operand, b: Operand, loc: SourceLoc | undefined): Tensor {
  const like = a instanceof Tensor ? a : b instanceof Tensor ? b : undefined;
  const [c, x, y] = align("where", [cond, a, b], like?.dtype ?? "f32", loc);
  return build("where", [c!, x!, y!], {}, loc);
}

function reduce(op: string, x: Tensor, axes: Axes | undefined, keepdims: boolean, loc: SourceLoc | undefined): Tensor {
  const list = normAxes(op, x, axes, loc);
  if (list.length === 0) return x;
  const attrs: Record<string, AttrValue> = { axes: list, keepdims };
  return build(op, [x], attrs, loc);
}

// ---------------------------------------------------------------------------------------------
// Free functions: the same ops when the left operand is a number, and attention.

export function add(a: Operand, b: Operand): Tensor { return binary("add", a, b, callerLoc()); }
export function sub(a: Operand, b: Operand): Tensor { return binary("sub", a, b, callerLoc()); }
export function mul(a: Operand, b: Operand): Tensor { return binary("mul", a, b, callerLoc()); }
export function div(a: Operand, b: Operand): Tensor { return binary("div", a, b, callerLoc()); }
export function maximum(a: Operand, b: Operand): Tensor { return binary("maximum", a, b, callerLoc()); }
export function minimum(a: Operand, b: Operand): Tensor { return binary("minimum", a, b, callerLoc()); }
export function where(cond: Tensor, a: Operand, b: Operand): Tensor { return whereAt(cond, a, b, callerLoc()); }

/**
 * softmax(q·kᵀ·scale + mask)·v for q [B, H, Lq, D], k [B, H, Lk, D], v [B, H, Lk, Dv] →
 * [B, H, Lq, Dv]. The mask is structure: `causal` and optional `segments` (compiler/ir/mask.ts).
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
  const loc = callerLoc();
  let scale = opts.scale;
  if (scale === undefined) {
    const d = q.shape[q.rank - 1];
    if (typeof d !== "number") throw new ShapeError("attention", [q, k, v], `give a scale: head dim ${d} is symbolic`, loc);
    scale = 1 / Math.sqrt(d);
  }
  const inputs = opts.segments ? [q, k, v, opts.segments] : [q, k, v];
  return build("attention", inputs, { scale, causal: opts.causal ?? false }, loc);
}
