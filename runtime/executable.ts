// Executables: a graph compiled for a device. `compile(graph, {target})` runs the backend
// pipeline (bind-dims → lower-composites → simplify → fuse-elementwise → schedule) and prepares
// the kernels; `run(inputs)` uploads inputs, records every launch into one command encoder,
// submits once, and reads the outputs back. Weights are uploaded once (`setParams`) and reused.

import type { Graph, Node } from "../compiler/ir/graph.ts";
import type { RefTensor } from "../compiler/ir/ref.ts";
import { concreteShape, formatShape, formatType } from "../compiler/ir/types.ts";
import type { Launch } from "../compiler/kernels/emit.ts";
import "../compiler/kernels/builders/index.ts";
import { schedule } from "../compiler/kernels/schedule.ts";
import type { TargetCaps } from "../compiler/kernels/target.ts";
import { shardPlan } from "../compiler/kernels/target.ts";
import { bindDims } from "../compiler/passes/bind-dims.ts";
import type { Partition } from "../compiler/passes/fuse-elementwise.ts";
import { partition } from "../compiler/passes/fuse-elementwise.ts";
import { lowerComposites } from "../compiler/passes/lower-composites.ts";
import { simplify } from "../compiler/passes/simplify.ts";
import type { CompiledKernel, DeviceBuffer, WgslDevice } from "../backends/wgsl/device.ts";
import { openDevice } from "../backends/wgsl/device.ts";
import { toDeviceBytes, fromDeviceBytes } from "./host.ts";

export interface CompileOptions {
  readonly target: "wgsl";
  /** An open device; one is opened (and owned by the executable) when absent. */
  readonly device?: WgslDevice;
  /** Values of symbolic dimensions. */
  readonly dims?: Readonly<Record<string, number>>;
  /** Fuse elementwise consumers into matmul epilogues (default true). */
  readonly epilogues?: boolean;
}

export interface CompiledGraph {
  readonly graph: Graph;
  readonly partition: Partition;
  readonly launches: readonly Launch[];
}

export function capsOf(device: WgslDevice): TargetCaps {
  const l = device.limits;
  return {
    target: "wgsl",
    maxBindingBytes: l.maxStorageBufferBindingSize,
    maxStorageBindings: l.maxStorageBuffersPerShaderStage,
    maxWorkgroupStorageBytes: l.maxComputeWorkgroupStorageSize,
    maxInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    maxWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
    f16: device.features.has("shader-f16"),
    subgroups: device.features.has("subgroups"),
  };
}

/** The device-independent part of compilation: graph → launches for the given capabilities. */
export function lower(graph: Graph, caps: TargetCaps, opts: { dims?: Readonly<Record<string, number>>; epilogues?: boolean } = {}): CompiledGraph {
  const bound = bindDims(graph, opts.dims ?? {});
  const lowered = simplify(lowerComposites(bound));
  const part = partition(lowered, { epilogues: opts.epilogues ?? true });
  return { graph: lowered, partition: part, launches: schedule(part, caps) };
}

export async function compile(graph: Graph, opts: CompileOptions): Promise<Executable> {
  if (opts.target !== "wgsl") throw new Error(`target '${opts.target}' is not supported yet`);
  const device = opts.device ?? (await openDevice());
  const caps = capsOf(device);
  const lowered = lower(graph, caps, { ...(opts.dims ? { dims: opts.dims } : {}), ...(opts.epilogues !== undefined ? { epilogues: opts.epilogues } : {}) });
  const kernels: CompiledKernel[] = [];
  for (const l of lowered.launches) kernels.push(await device.compile(l.kernel));
  const exe = new Executable(device, opts.device === undefined, lowered, kernels, caps);
  await exe.allocate();
  return exe;
}

export class Executable {
  readonly device: WgslDevice;
  readonly compiled: CompiledGraph;
  readonly caps: TargetCaps;
  readonly #ownsDevice: boolean;
  readonly #kernels: readonly CompiledKernel[];
  readonly #buffers = new Map<Node, DeviceBuffer[]>();
  #paramsSet = false;

  constructor(device: WgslDevice, ownsDevice: boolean, compiled: CompiledGraph, kernels: readonly CompiledKernel[], caps: TargetCaps) {
    this.device = device;
    this.#ownsDevice = ownsDevice;
    this.compiled = compiled;
    this.#kernels = kernels;
    this.caps = caps;
  }

  get graph(): Graph {
    return this.compiled.graph;
  }

  /** Dispatches per run. */
  get dispatchCount(): number {
    return this.compiled.launches.length;
  }

  /** One buffer per shard of every tensor the launches touch. */
  async allocate(): Promise<void> {
    const tensors = new Set<Node>([...this.graph.inputs, ...this.graph.params, ...this.compiled.partition.materialized]);
    for (const n of tensors) {
      const plan = shardPlan(n.dtype, n.shape, this.caps);
      const bytesPer = plan.elem === "f16" ? 2 : 4;
      const bufs: DeviceBuffer[] = [];
      for (let s = 0; s < plan.count; s++) {
        const elems = Math.min(plan.elemsPerShard, plan.numel - s * plan.elemsPerShard);
        const label = n.op === "input" || n.op === "param" ? String(n.attrs["name"]) : `${n.op}#${n.id}`;
        bufs.push(await this.device.createBuffer(`${label}${plan.count > 1 ? `[shard ${s}]` : ""}`, Math.max(4, elems * bytesPer)));
      }
      this.#buffers.set(n, bufs);
    }
  }

  #upload(node: Node, t: RefTensor, what: string): void {
    const want = concreteShape(node.shape);
    if (t.dtype !== node.dtype || t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i])) {
      throw new Error(`${what}: expected ${formatType(node.dtype, want)}, got ${formatType(t.dtype, t.shape)}`);
    }
    const plan = shardPlan(node.dtype, node.shape, this.caps);
    const bytes = toDeviceBytes(t.data, plan.elem);
    const bufs = this.#buffers.get(node)!;
    const per = plan.elemsPerShard * (plan.elem === "f16" ? 2 : 4);
    bufs.forEach((b, s) => this.device.upload(b, bytes.subarray(s * per, Math.min(bytes.byteLength, (s + 1) * per))));
  }

  /** Upload weights once; later runs reuse them. */
  setParams(params: Readonly<Record<string, RefTensor>>): void {
    for (const p of this.graph.params) {
      const name = String(p.attrs["name"]);
      const t = params[name];
      if (!t) throw new Error(`missing parameter '${name}' (${formatType(p.dtype, p.shape)})`);
      this.#upload(p, t, `parameter '${name}'`);
    }
    this.#paramsSet = true;
  }

  async run(inputs: Readonly<Record<string, RefTensor>>): Promise<Record<string, RefTensor>> {
    if (this.graph.params.length > 0 && !this.#paramsSet) throw new Error("call setParams(weights) before run()");
    for (const n of this.graph.inputs) {
      const name = String(n.attrs["name"]);
      const t = inputs[name];
      if (!t) throw new Error(`missing input '${name}' (${formatType(n.dtype, n.shape)})`);
      this.#upload(n, t, `input '${name}'`);
    }
    const rec = this.device.recorder();
    this.compiled.launches.forEach((l, k) => {
      const bindings: Record<string, DeviceBuffer> = {};
      for (const tb of l.tensors) bindings[tb.binding] = this.#buffers.get(tb.node)![tb.shard]!;
      rec.dispatch(this.#kernels[k]!, { grid: l.grid, bindings, params: l.params });
    });
    await rec.submit("run");
    const out: Record<string, RefTensor> = {};
    for (const o of this.graph.outputs) out[o.name] = await this.read(o.node);
    return out;
  }

  async read(node: Node): Promise<RefTensor> {
    const bufs = this.#buffers.get(node);
    if (!bufs) throw new Error(`${node} has no buffer (it was fused away)`);
    const plan = shardPlan(node.dtype, node.shape, this.caps);
    const parts: ArrayBuffer[] = [];
    for (const b of bufs) parts.push(await this.device.download(b));
    const shape = concreteShape(node.shape);
    return { dtype: node.dtype, shape, data: fromDeviceBytes(parts, plan.elem, node.dtype, plan.numel) };
  }

  dispose(): void {
    for (const bufs of this.#buffers.values()) for (const b of bufs) this.device.free(b);
    this.#buffers.clear();
    if (this.#ownsDevice) this.device.dispose();
  }
}

void formatShape;
