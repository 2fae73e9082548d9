// Modules: parameters named by their path in a module tree, and the standard layers built from ops.
//
// A module registers children by name (`this.q_proj = this.child("q_proj", new Linear(...))`) and
// parameters by local name (`this.weight = this.param("weight", "f32", [out, in], normal(0.02))`).
// A parameter's graph name is its path from the root, PyTorch-style: `layers.0.self_attn.q_proj.weight`,
// so checkpoint keys map 1:1. Children are attached after their constructor ran, so the path is
// resolved lazily, when forward first uses the parameter; attaching a module whose parameters were
// already used is refused, since they would carry the wrong names.

import { apply } from "../ir/build.ts";
import type { SourceLoc } from "../ir/graph.ts";
import type { RefTensor } from "../ir/ref.ts";
import type { DType, Shape } from "../ir/types.ts";
import { concreteShape, formatType } from "../ir/types.ts";
import type { ParamInit } from "./init.ts";
import { initTensor, normal, ones, seedFor, uniform, zeros } from "./init.ts";
import { callerLoc } from "./loc.ts";
import { Tensor } from "./tensor.ts";

export interface ParamInfo {
  /** Full path, e.g. "layers.0.mlp.fc1.weight". */
  readonly name: string;
  readonly dtype: DType;
  readonly shape: Shape;
  readonly init: ParamInit;
}

interface OwnParam {
  readonly dtype: DType;
  readonly shape: Shape;
  readonly init: ParamInit;
  readonly tensor: Tensor;
}

const LOCAL_NAME = /^[A-Za-z0-9_]+$/;

export class Module {
  #parent: Module | undefined = undefined;
  #name: string | undefined = undefined;
  readonly #children = new Map<string, Module>();
  readonly #params = new Map<string, OwnParam>();

  /** Attach `m` as the child `name`; returns it so constructors can write `this.x = this.child(...)`. */
  child<M extends Module>(name: string, m: M): M {
    this.#checkLocal(name);
    if (m.#parent) throw new Error(`module is already attached as '${m.path}'; cannot attach it again as '${this.#join(name)}'`);
    for (let p: Module | undefined = this; p; p = p.#parent) {
      if (p === m) throw new Error(`attaching '${name}' would make a cycle in the module tree`);
    }
    const used = m.#firstResolved();
    if (used !== undefined) {
      throw new Error(`parameter '${used}' was used before its module was attached as '${this.#join(name)}'; attach children in the constructor, before forward`);
    }
    m.#parent = this;
    m.#name = name;
    this.#children.set(name, m);
    return m;
  }

  /** Declare a parameter; its graph node is made (with its full path as name) on first use. */
  param(name: string, dtype: DType, shape: Shape, init: ParamInit): Tensor {
    this.#checkLocal(name);
    const loc: SourceLoc | undefined = callerLoc();
    const tensor = new Tensor({
      dtype,
      shape,
      make: () => apply("param", [], { name: this.#join(name), dtype, shape: [...shape] }, loc),
    });
    this.#params.set(name, { dtype, shape, init, tensor });
    return tensor;
  }

  /** This module's path from the root ("" for the root). */
  get path(): string {
    const parts: string[] = [];
    for (let m: Module | undefined = this; m && m.#name !== undefined; m = m.#parent) parts.push(m.#name);
    return parts.reverse().join(".");
  }

  /**
   * Every parameter of this subtree: own parameters first, then each child's, in registration
   * order. Names are full paths from the root, the names the parameters have in traced graphs.
   */
  namedParameters(): ParamInfo[] {
    const out: ParamInfo[] = [];
    const walk = (m: Module) => {
      for (const [local, p] of m.#params) out.push({ name: m.#join(local), dtype: p.dtype, shape: p.shape, init: p.init });
      for (const c of m.#children.values()) walk(c);
    };
    walk(this);
    return out;
  }

  /** Children by local name, in registration order. */
  namedChildren(): [string, Module][] {
    return [...this.#children];
  }

  /** Total element count of all parameters (concrete shapes only). */
  numParams(): number {
    return this.namedParameters().reduce((n, p) => n + concreteShape(p.shape, p.name).reduce((a, b) => a * b, 1), 0);
  }

  #join(local: string): string {
    const p = this.path;
    return p ? `${p}.${local}` : local;
  }

  #checkLocal(name: string): void {
    if (!LOCAL_NAME.test(name)) throw new Error(`module member name '${name}' must match ${LOCAL_NAME}`);
    if (this.#children.has(name) || this.#params.has(name)) throw new Error(`'${this.#join(name)}' is declared twice`);
  }

  #firstResolved(): string | undefined {
    for (const [local, p] of this.#params) if (p.tensor.resolved) return this.#join(local);
    for (const c of this.#children.values()) {
      const r = c.#firstResolved();
      if (r !== undefined) return r;
    }
    return undefined;
  }
}

/** Children named 0, 1, 2, … (PyTorch's nn.ModuleList), e.g. `layers.3.mlp.fc1.weight`. */
export class ModuleList<M extends Module> extends Module {
  readonly items: readonly M[];
  constructor(items: Iterable<M>) {
    super();
    this.items = [...items].map((m, i) => this.child(String(i), m));
  }
  get length(): number {
    return this.items.length;
  }
  at(i: number): M {
    const m = this.items.at(i);
    if (!m) throw new Error(`index ${i} out of range for a list of ${this.items.length} modules`);
    return m;
  }
  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }
}

/** Initial values of every parameter, seeded per name (see init.ts). */
export function initParams(module: Module, seed: number): Record<string, RefTensor> {
  const out: Record<string, RefTensor> = {};
  for (const p of module.namedParameters()) {
    out[p.name] = initTensor(p.dtype, concreteShape(p.shape, `parameter ${p.name}`), p.init, seedFor(seed, p.name));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Layers

export interface LinearOptions {
  readonly bias?: boolean;
  readonly dtype?: DType;
  /** Weight init; default normal(0, 0.02²), Phi's initializer_range. Biases start at zero. */
  readonly init?: ParamInit;
}

/** y = x·Wᵀ + b with W [out, in] (PyTorch layout): x [..., in] → [..., out]. */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Tensor;
  readonly bias: Tensor | undefined;
  constructor(inFeatures: number, outFeatures: number, opts: LinearOptions = {}) {
    super();
    const dtype = opts.dtype ?? "f32";
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = this.param("weight", dtype, [outFeatures, inFeatures], opts.init ?? normal(0.02));
    this.bias = (opts.bias ?? true) ? this.param("bias", dtype, [outFeatures], zeros) : undefined;
  }
  forward(x: Tensor): Tensor {
    // matmul broadcasts the 2-D weight over x's leading axes; a vector is a one-row matrix.
    const y = x.rank === 1
      ? x.reshape(1, -1).matmul(this.weight, { transposeB: true }).reshape(-1)
      : x.matmul(this.weight, { transposeB: true });
    return this.bias ? y.add(this.bias) : y;
  }
}

/** LayerNorm over the last axis D, weight ones and bias zeros at init. */
export class LayerNorm extends Module {
  readonly eps: number;
  readonly weight: Tensor;
  readonly bias: Tensor;
  constructor(dim: number, eps = 1e-5, dtype: DType = "f32") {
    super();
    this.eps = eps;
    this.weight = this.param("weight", dtype, [dim], ones);
    this.bias = this.param("bias", dtype, [dim], zeros);
  }
  forward(x: Tensor): Tensor {
    return x.layerNorm(this.weight, this.bias, this.eps);
  }
}

/** GroupNorm of x [N, C, ...] with per-channel affine weight and bias [C]. */
export class GroupNorm extends Module {
  readonly groups: number;
  readonly eps: number;
  readonly weight: Tensor;
  readonly bias: Tensor;
  constructor(groups: number, channels: number, eps = 1e-6, dtype: DType = "f32") {
    super();
    if (channels % groups !== 0) throw new Error(`GroupNorm: ${channels} channels do not split into ${groups} groups`);
    this.groups = groups;
    this.eps = eps;
    this.weight = this.param("weight", dtype, [channels], ones);
    this.bias = this.param("bias", dtype, [channels], zeros);
  }
  forward(x: Tensor): Tensor {
    return x.groupNorm(this.groups, this.weight, this.bias, this.eps);
  }
}

/** Token embedding: ids i32[...] → [..., D] rows of weight [V, D]. */
export class Embedding extends Module {
  readonly weight: Tensor;
  constructor(vocab: number, dim: number, opts: { dtype?: DType; init?: ParamInit } = {}) {
    super();
    this.weight = this.param("weight", opts.dtype ?? "f32", [vocab, dim], opts.init ?? normal(0.02));
  }
  forward(ids: Tensor): Tensor {
    return this.weight.gather(ids, 0);
  }
}

export interface Conv2dModuleOptions {
  readonly stride?: number | readonly [number, number];
  readonly padding?: number | readonly [number, number] | readonly [number, number, number, number];
  readonly bias?: boolean;
  readonly dtype?: DType;
}

/** 2-D convolution x [N, C, H, W] → [N, O, Ho, Wo] with weight [O, C, kh, kw] and bias [O]. */
export class Conv2d extends Module {
  readonly stride: number | readonly [number, number];
  readonly padding: number | readonly [number, number] | readonly [number, number, number, number];
  readonly weight: Tensor;
  readonly bias: Tensor | undefined;
  constructor(inChannels: number, outChannels: number, kernel: number | readonly [number, number], opts: Conv2dModuleOptions = {}) {
    super();
    const [kh, kw] = typeof kernel === "number" ? [kernel, kernel] : kernel;
    const dtype = opts.dtype ?? "f32";
    // PyTorch's default: uniform in ±1/√fan_in for weight and bias.
    const bound = 1 / Math.sqrt(inChannels * kh * kw);
    this.stride = opts.stride ?? 1;
    this.padding = opts.padding ?? 0;
    this.weight = this.param("weight", dtype, [outChannels, inChannels, kh, kw], uniform(-bound, bound));
    this.bias = (opts.bias ?? true) ? this.param("bias", dtype, [outChannels], uniform(-bound, bound)) : undefined;
  }
  forward(x: Tensor): Tensor {
    return x.conv2d(this.weight, this.bias ? { stride: this.stride, padding: this.padding, bias: this.bias } : { stride: this.stride, padding: this.padding });
  }
}

export type Activation = "gelu_tanh" | "gelu" | "silu";

export function activate(x: Tensor, act: Activation): Tensor {
  switch (act) {
    case "gelu_tanh": return x.gelu("tanh");
    case "gelu": return x.gelu("none");
    case "silu": return x.silu();
  }
}

/** fc2(act(fc1(x))): [..., in] → [..., out]. */
export class MLP extends Module {
  readonly act: Activation;
  readonly fc1: Linear;
  readonly fc2: Linear;
  constructor(inFeatures: number, hidden: number, outFeatures: number, act: Activation = "gelu_tanh", opts: LinearOptions = {}) {
    super();
    this.act = act;
    this.fc1 = this.child("fc1", new Linear(inFeatures, hidden, opts));
    this.fc2 = this.child("fc2", new Linear(hidden, outFeatures, opts));
  }
  forward(x: Tensor): Tensor {
    return this.fc2.forward(activate(this.fc1.forward(x), this.act));
  }
}

/** One-line description of a parameter, e.g. "mlp.fc1.weight f32[256, 64]". */
export function formatParam(p: ParamInfo): string {
  return `${p.name} ${formatType(p.dtype, p.shape)}`;
}
