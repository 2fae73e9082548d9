// KernelContext: building one kernel for one fusion group.
//
// It owns the kernel's bindings (a materialized tensor becomes one binding, or one per shard when
// it is larger than a binding), loads and stores with the storage conversions (bool as u32, shard
// selection), and `value(node, index)`: the value of any graph node at a multi-index, computed
// inline through views and elementwise ops down to loads of materialized tensors. That function is
// what fusion means in this compiler: a builder asks for its inputs' values and gets the whole
// fused producer chain.

import type { Node } from "../ir/graph.ts";
import type { Partition } from "./fuse-elementwise.ts";
import { reshapeBase } from "./fuse-elementwise.ts";
import { concreteShape, formatType } from "../ir/types.ts";
import type { Block, ExprLike, StorageRef } from "./build-kernel.ts";
import * as K from "./build-kernel.ts";
import { KernelBuilder } from "./build-kernel.ts";
import type { Grid } from "./kernel-ir.ts";
import type { Access, Expr, Kernel, ScalarType } from "./kernel-ir.ts";
import { flatIndex } from "./index-math.ts";
import { inlineRule } from "./inline.ts";
import type { ShardPlan, TargetCaps } from "./target.ts";
import { computeType, shardPlan } from "./target.ts";

/** Which graph tensor (and which shard of it) a kernel binding holds. */
export interface TensorBinding {
  readonly binding: string;
  readonly node: Node;
  readonly shard: number;
  readonly access: Access;
}

/** One kernel launch of an executable: the kernel, what its bindings hold, how many workgroups. */
export interface Launch {
  readonly kernel: Kernel;
  readonly tensors: readonly TensorBinding[];
  /** Values of the kernel's scalar parameters. */
  readonly params: Readonly<Record<string, number>>;
  /** Logical workgroup counts (folded by the device when a dimension is too large). */
  readonly grid: Grid;
  /** The graph nodes this launch computes (its root and everything fused into it). */
  readonly label: string;
}

/** A materialized tensor as the kernel sees it. */
export interface TensorAccess {
  readonly node: Node;
  readonly shards: readonly StorageRef[];
  readonly plan: ShardPlan;
  readonly type: ScalarType;
  /** Elements per load/store: 1, or 2/4 for a vector view (indices then count vectors). */
  readonly lanes: 1 | 2 | 4;
  /**
   * Index of shards[0] in the tensor's shard plan: a launch restricted to a window of the tensor
   * (KernelContext.restrict) binds only the shards the window overlaps, first..first+shards.length−1.
   */
  readonly firstShard: number;
}

/** Thrown when a kernel would need more storage bindings than the target allows (builders may split the launch). */
export class BindingLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BindingLimitError";
  }
}

// The index arithmetic (iadd, imul, idiv, imod, flatIndex, unflatten) lives in index-math.ts, a
// leaf that the inline rules use too; it is re-exported here for the builders.
export { flatIndex, iadd, idiv, imod, imul, unflatten } from "./index-math.ts";

export function exprKey(e: Expr): string {
  return JSON.stringify(e);
}

export class KernelContext {
  readonly kb: KernelBuilder;
  readonly caps: TargetCaps;
  readonly part: Partition;
  readonly tensors: TensorBinding[] = [];
  // Views of each materialized tensor by lane count (a tensor may be read as scalars and as vec4).
  readonly #access = new Map<Node, Map<number, TensorAccess>>();
  #views = 0;
  readonly #cache = new Map<Block, Map<string, Expr>>();
  readonly #overrides = new Map<Node, Expr>();
  // Windows [start, end) of flat elements a launch touches, by memory node (restrict()).
  readonly #windows = new Map<Node, readonly [number, number]>();
  #counter = 0;

  constructor(name: string, doc: string, workgroupSize: readonly number[], caps: TargetCaps, part: Partition) {
    this.kb = new KernelBuilder(name, { doc, workgroupSize });
    this.caps = caps;
    this.part = part;
  }

  get body(): Block {
    return this.kb.body;
  }

  typeOf(n: Node): ScalarType {
    return computeType(n.dtype, this.caps);
  }

  /** A fresh identifier with a readable prefix. */
  fresh(prefix: string): string {
    return `${prefix}${this.#counter++}`;
  }

  isMaterialized(n: Node): boolean {
    return this.part.materialized.has(n);
  }

  /**
   * The materialized node whose memory holds `n`: n itself when it has a buffer, else the first
   * materialized node down its reshape chain (a reshape that is itself stored, e.g. a graph output,
   * has its own buffer), else its reshape base.
   */
  memoryOf(n: Node): Node {
    let m = n;
    while (!this.part.materialized.has(m) && m.op === "reshape") m = m.inputs[0]!;
    const base = this.part.materialized.has(m) ? m : reshapeBase(n);
    return this.part.aliases?.get(base) ?? base;
  }

  /**
   * Promise that this launch touches only flat elements [start, end) of `n`'s memory: it then binds
   * only the shards that range overlaps, so a launch over part of a sharded tensor needs fewer
   * bindings (a matmul split by output rows, buildMatmul). Call before the tensor is bound.
   */
  restrict(n: Node, start: number, end: number): void {
    const base = this.memoryOf(n);
    if (this.#access.has(base)) throw new Error(`internal: ${base} is already bound; restrict it before`);
    this.#windows.set(base, [start, end]);
  }

  /**
   * Bind a materialized tensor (or a reshape chain over one: same memory) for reading or writing.
   * `lanes` > 1 binds a vector view (array<vec4<f32>> ...): loads and stores then index vectors,
   * so the tensor's element count (and shard size) must be a multiple of `lanes`.
   */
  tensor(n: Node, access: Access, lanes: 1 | 2 | 4 = 1): TensorAccess {
    const base = this.memoryOf(n);
    if (!this.part.materialized.has(base)) throw new Error(`internal: ${base} is not materialized but a kernel reads its memory`);
    const views = this.#access.get(base);
    const hit = views?.get(lanes);
    if (hit) {
      if (access === "read_write" && hit.shards[0]!.access !== "read_write") {
        // A parameter read, then written in place (executable state): one binding, read_write.
        if (!this.#isAliasTarget(base)) throw new Error(`internal: ${base} bound read-only then written`);
        return this.#upgrade(base, hit);
      }
      return hit;
    }
    // Two views of one buffer may coexist only when both are read-only (WebGPU aliasing rule).
    if (views && (access === "read_write" || [...views.values()].some((v) => v.shards[0]!.access === "read_write"))) {
      throw new Error(`internal: ${base} is bound with ${lanes} and ${[...views.keys()].join("/")} lanes and written`);
    }
    const plan = shardPlan(base.dtype, base.shape, this.caps);
    if (lanes > 1 && (base.dtype === "bool" || plan.numel % lanes !== 0 || plan.elemsPerShard % lanes !== 0)) {
      throw new Error(`internal: ${base} cannot be viewed as ${lanes}-lane vectors`);
    }
    // Names depend only on the kernel's structure (never on node ids), so identical kernels print
    // identically and share one compiled pipeline.
    // (No parameter names either: every layer of a model then shares its kernels.)
    const role = `${access === "read" ? "x" : "y"}${this.#views++}${lanes > 1 ? `_v${lanes}` : ""}`;
    const shards: StorageRef[] = [];
    const win = this.#windows.get(base);
    const first = win ? Math.floor(win[0] / plan.elemsPerShard) : 0;
    const last = win ? Math.min(plan.count - 1, Math.floor(Math.max(win[0], win[1] - 1) / plan.elemsPerShard)) : plan.count - 1;
    for (let s = first; s <= last; s++) {
      const b = this.kb.storage(plan.count === 1 ? role : `${role}_s${s}`, plan.elem, access, lanes);
      shards.push(b);
      this.tensors.push({ binding: b.name, node: base, shard: s, access });
    }
    if (this.tensors.length > this.caps.maxStorageBindings) {
      const big = this.tensors.reduce((m, t) => (t.shard > m.shard ? t : m), this.tensors[0]!);
      const why = big.shard > 0
        ? `: ${big.node.dtype}[${big.node.shape.join(", ")}] takes ${big.shard + 1} bindings, since one binding holds at most ${fmtBytes(this.caps.maxBindingBytes)} (maxStorageBufferBindingSize); a smaller batch or sequence fits`
        : "";
      throw new BindingLimitError(`kernel ${this.kb.name} needs ${this.tensors.length} storage bindings; the device allows ${this.caps.maxStorageBindings}${why}`);
    }
    const t: TensorAccess = { node: base, shards, plan, type: this.typeOf(base), lanes, firstShard: first };
    if (views) views.set(lanes, t);
    else this.#access.set(base, new Map([[lanes, t]]));
    return t;
  }

  #isAliasTarget(n: Node): boolean {
    if (!this.part.aliases) return false;
    for (const v of this.part.aliases.values()) if (v === n) return true;
    return false;
  }

  /** Re-declares every shard of a view read_write, here and in the launch's binding list. */
  #upgrade(base: Node, view: TensorAccess): TensorAccess {
    const shards = view.shards.map((r) => this.kb.makeWritable(r));
    const names = new Set(shards.map((r) => r.name));
    this.tensors.forEach((t, i) => {
      if (names.has(t.binding)) this.tensors[i] = { ...t, access: "read_write" };
    });
    const up: TensorAccess = { ...view, shards };
    this.#access.get(base)!.set(view.lanes, up);
    return up;
  }

  /** Load element `flat` of a tensor (vector `flat` of a vector view), converted to its compute type. */
  load(t: TensorAccess, flat: Expr): Expr {
    // Shard s of the plan is binding s − firstShard (a restricted launch binds a window of them).
    const raw = (s: number, i: Expr) => K.load(t.shards[s - t.firstShard]!, i);
    let v: Expr;
    if (t.plan.count === 1) v = raw(0, flat);
    else {
      // Shards are selected by index; each load is clamped into its shard so every read is in bounds.
      const per = t.plan.elemsPerShard / t.lanes;
      const first = t.firstShard, last = first + t.shards.length - 1;
      const lastLen = (Math.min(t.plan.numel, (last + 1) * t.plan.elemsPerShard) - last * t.plan.elemsPerShard) / t.lanes;
      v = raw(last, K.min(K.sub(K.max(flat, K.u32(last * per)), K.u32(last * per)), K.u32(lastLen - 1)));
      for (let s = last - 1; s >= first; s--) {
        v = K.select(K.lt(flat, K.u32((s + 1) * per)), raw(s, K.min(K.sub(K.max(flat, K.u32(s * per)), K.u32(s * per)), K.u32(per - 1))), v);
      }
    }
    return t.type === "bool" ? K.ne(v, K.u32(0)) : v;
  }

  store(b: Block, t: TensorAccess, flat: Expr, value: Expr): void {
    const v = t.type === "bool" ? K.select(value, K.u32(1), K.u32(0)) : value;
    if (t.plan.count === 1) {
      b.store(t.shards[0]!, flat, v);
      return;
    }
    const per = t.plan.elemsPerShard / t.lanes;
    const first = t.firstShard, last = first + t.shards.length - 1;
    const at = (s: number) => t.shards[s - first]!;
    const emit = (blk: Block, s: number): void => {
      if (s === last) blk.store(at(s), K.sub(flat, K.u32(s * per)), v);
      else blk.if(K.lt(flat, K.u32((s + 1) * per)), (x) => x.store(at(s), K.sub(flat, K.u32(s * per)), v), (y) => emit(y, s + 1));
    };
    emit(b, first);
  }

  /** Within this kernel, `node`'s value is `expr` (a fused producer computed by the builder). */
  override(node: Node, expr: Expr): void {
    this.#overrides.set(node, expr);
  }

  /** The value of `node` at `idx`: a load if it is materialized, else computed inline. */
  value(b: Block, node: Node, idx: readonly Expr[]): Expr {
    const ov = this.#overrides.get(node);
    if (ov) return ov;
    const base = this.memoryOf(node);
    if (this.part.materialized.has(base)) {
      return this.#cached(b, node, idx, () => {
        const shape = concreteShape(node.shape);
        return b.let("v", this.load(this.tensor(node, "read"), flatIndex(idx, shape)));
      });
    }
    return this.compute(b, node, idx);
  }

  /** Compute `node` at `idx` from its inputs' values (ignoring whether it is materialized). */
  compute(b: Block, node: Node, idx: readonly Expr[]): Expr {
    return this.#cached(b, node, idx, () => {
      const e = inlineRule(node.op)(this, b, node, idx);
      // Name values worth naming; indices and constants stay expressions.
      return e.kind === "const" || e.kind === "local" || e.kind === "load" ? e : b.let("v", e);
    });
  }

  #cached(b: Block, node: Node, idx: readonly Expr[], make: () => Expr): Expr {
    let m = this.#cache.get(b);
    if (!m) this.#cache.set(b, (m = new Map()));
    const key = `${node.id}@${idx.map(exprKey).join("|")}`;
    let e = m.get(key);
    if (!e) m.set(key, (e = make()));
    return e;
  }

  /** Finish: the Launch for this kernel. */
  launch(grid: Grid, label: string, params: Record<string, number> = {}): Launch {
    // A kernel writing a parameter in place binds every other in-place parameter it reads
    // read_write too: they share the state arenas, and a buffer bound writable may not also be
    // bound read-only.
    if (this.tensors.some((t) => t.access === "read_write" && this.#isAliasTarget(t.node))) {
      for (const [base, views] of this.#access) {
        if (!this.#isAliasTarget(base)) continue;
        for (const v of [...views.values()]) if (v.shards[0]!.access !== "read_write") this.#upgrade(base, v);
      }
    }
    return { kernel: this.kb.build(), tensors: [...this.tensors], params, grid, label };
  }
}


/** A short description of a node for kernel docs: `matmul f32[2, 3]`. */
export function describe(n: Node): string {
  return `${n.op} ${formatType(n.dtype, n.shape)}`;
}

function fmtBytes(n: number): string {
  return n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(1)} GiB` : `${(n / 2 ** 20).toFixed(0)} MiB`;
}
