// Executables: a graph compiled for a device. `compile(graph, {target})` runs the backend
// pipeline (the graph passes of compiler/passes/lower-passes.ts: bind-dims → fuse-qknorm-attention
// → share-attention-lse → specialize-masks → lower-composites → simplify; then the fusion
// partition → schedule → plan-memory),
// compiles the kernels (WGSL: pipelines cached by WGSL text; CUDA: one translation unit, one nvcc
// call, cubins cached) and allocates the memory plan's arenas once. `setParams(weights)` uploads
// weights once into the weights arenas; `run(inputs)` uploads inputs, records every launch (bound
// to (arena, offset, size) ranges) into one command encoder or onto one stream, submits once, and
// reads the outputs back. Arenas are reused by every run; `dispose()` frees them.
// `runKeeping(inputs, keep)` leaves the named outputs on the device as DeviceTensors, which
// another executable on the same device takes as inputs: its launches bind their ranges directly,
// with no host round trip (a prefix's K/V cache handed to the step that reads it).
//
// Targets: "wgsl" (WebGPU through Dawn, backends/wgsl/device.ts) and "cuda" (the driver API
// through the addon, backends/cuda/device.ts). The executable only uses the target-neutral
// Device interface of runtime/device.ts.
//
// `lower(graph, caps)` is the device-free half (used by `showo compile`).

import type { Graph, Node } from "../compiler/ir/graph.ts";
import type { RefTensor } from "../compiler/ir/ref.ts";
import type { DType } from "../compiler/ir/types.ts";
import { concreteShape, formatType } from "../compiler/ir/types.ts";
import type { Launch } from "../compiler/kernels/emit.ts";
import "../compiler/kernels/builders/index.ts";
import { copyShardLaunch } from "../compiler/kernels/builders/copy.ts";
import { schedule } from "../compiler/kernels/schedule.ts";
import type { TargetCaps } from "../compiler/kernels/target.ts";
import { elemBytes, shardPlan } from "../compiler/kernels/target.ts";
import type { Partition } from "../compiler/kernels/fuse-elementwise.ts";
import { partition } from "../compiler/kernels/fuse-elementwise.ts";
import type { LowerPassOptions } from "../compiler/passes/lower-passes.ts";
import { lowerPasses } from "../compiler/passes/lower-passes.ts";
import type { PipelineOptions } from "../compiler/passes/pipeline.ts";
import { runPipeline } from "../compiler/passes/pipeline.ts";
import type { MemoryPlan, Placement } from "../compiler/passes/plan-memory.ts";
import { formatBytes, planMemory } from "../compiler/passes/plan-memory.ts";
import type { StateEntry } from "../compiler/passes/state-alias.ts";
import { stateAliases } from "../compiler/passes/state-alias.ts";
import { WgslDevice, openDevice } from "../backends/wgsl/device.ts";
import { capsFromLimits, deviceLimits } from "../backends/wgsl/compile-limits.ts";
import { WaitHistory, quietly } from "../backends/wgsl/quiet-wait.ts";
import { CudaDevice, openCudaDevice } from "../backends/cuda/device.ts";
import type { BufferRange, CompiledKernel, Device, DeviceBuffer, Target } from "./device.ts";
import { GpuError } from "./device.ts";
import { fromDeviceBytes, toDeviceShards } from "./host.ts";

export interface LowerOptions extends LowerPassOptions {
  /** How the graph passes are watched: IR dumps after passes, the rewrite log, notes (`showo compile --dump-after`, `--log`). */
  readonly pipeline?: PipelineOptions;
  /** Fuse elementwise consumers into matmul epilogues (default true). */
  readonly epilogues?: boolean;
  /**
   * Executable state: output name → parameter name. After every run the output's value replaces
   * the parameter's (copies appended after the last launch), so the next run reads it; such
   * outputs are not read back. A training step's new weights and optimizer moments use it.
   */
  readonly state?: Readonly<Record<string, string>>;
}

export interface CompileOptions extends LowerOptions {
  readonly target: Target;
  /** An open device of the target; one is opened (and owned by the executable) when absent. */
  readonly device?: Device;
  /** Plan for a smaller binding limit than the device's (to exercise sharding on small tensors). */
  readonly maxBindingBytes?: number;
  /** Plan for less workgroup memory than the device has (to exercise another target's tiles). */
  readonly maxWorkgroupStorageBytes?: number;
  /** Plan for fewer storage bindings per kernel than the device allows (to exercise split launches). */
  readonly maxStorageBindings?: number;
}

export interface WgslCompileOptions extends CompileOptions {
  readonly target: "wgsl";
  readonly device?: WgslDevice;
}

export interface CudaCompileOptions extends CompileOptions {
  readonly target: "cuda";
  readonly device?: CudaDevice;
}

export interface CompiledGraph {
  readonly graph: Graph;
  readonly partition: Partition;
  readonly launches: readonly Launch[];
  readonly plan: MemoryPlan;
  readonly caps: TargetCaps;
  /** Executable state (LowerOptions.state): output name → the parameter it replaces after each run. */
  readonly state: Readonly<Record<string, string>>;
  /** Milliseconds spent lowering (graph passes, kernel building, memory planning). */
  readonly lowerMs: number;
}

export interface ExecutableSummary {
  /** Distinct kernels (compiled pipelines) the executable uses. */
  readonly kernels: number;
  readonly dispatchesPerRun: number;
  readonly arenas: number;
  /** Bytes of every arena together (weights, inputs and activations). */
  readonly arenaBytes: number;
  /** Live bytes at the busiest launch (weights and inputs included). */
  readonly peakBytes: number;
  /** Milliseconds from graph to ready-to-run: lowering plus pipeline creation. */
  readonly compileMs: number;
}

/** The lowering capabilities of a device of either target. */
export function capsOf(device: Device): TargetCaps {
  if (device instanceof CudaDevice) return device.caps;
  if (!(device instanceof WgslDevice)) throw new Error(`capsOf: '${device.description}' is neither a WGSL nor a CUDA device`);
  return wgslCaps(device);
}

function wgslCaps(device: WgslDevice): TargetCaps {
  return capsFromLimits(deviceLimits(device));
}

/** The device-independent part of compilation: graph → launches and memory plan for the given capabilities. */
export function lower(graph: Graph, caps: TargetCaps, opts: LowerOptions = {}): CompiledGraph {
  const t0 = performance.now();
  const lowered = runPipeline(graph, lowerPasses(caps, opts.dims ? { dims: opts.dims } : {}), opts.pipeline);
  const part = partition(lowered, {
    epilogues: opts.epilogues ?? true,
    maxBindings: caps.maxStorageBindings,
    bindingsOf: (n) => shardPlan(n.dtype, n.shape, caps).count,
  });
  const entries = stateEntries(lowered, opts.state ?? {});
  const aliases = stateAliases(part, entries);
  const finalPart: Partition = aliases.size > 0 ? { ...part, aliases } : part;
  const launches = schedule(finalPart, caps);
  const copies = withStateCopies(launches, caps, entries.filter((e) => !aliases.has(e.o)));
  const plan = planMemory(lowered, copies, caps, {
    stateOutputs: new Set(entries.map((e) => e.o)),
    stateParams: new Set(entries.map((e) => e.p)),
    inPlace: new Set(aliases.values()),
  });
  return { graph: lowered, partition: finalPart, launches: copies, plan, caps, state: { ...opts.state }, lowerMs: performance.now() - t0 };
}

/** The state map checked against the graph: each output and the parameter it replaces. */
function stateEntries(graph: Graph, state: Readonly<Record<string, string>>): StateEntry[] {
  const entries: StateEntry[] = [];
  const targets = new Set<string>();
  for (const [out, param] of Object.entries(state)) {
    const where = `state '${out}' → '${param}'`;
    const o = graph.outputs.find((x) => x.name === out);
    if (!o) throw new Error(`${where}: graph '${graph.name}' has no output '${out}'`);
    const p = graph.params.find((x) => leafName(x) === param);
    if (!p) throw new Error(`${where}: graph '${graph.name}' has no parameter '${param}'`);
    if (targets.has(param)) throw new Error(`${where}: parameter '${param}' is the target of two state outputs`);
    targets.add(param);
    if (formatType(o.node.dtype, o.node.shape) !== formatType(p.dtype, p.shape)) {
      throw new Error(`${where}: output is ${formatType(o.node.dtype, o.node.shape)}, parameter is ${formatType(p.dtype, p.shape)}`);
    }
    if (o.node === p) continue; // unchanged: nothing to write
    if (o.node.op === "param" || o.node.op === "input") throw new Error(`${where}: the output is a leaf of the graph, not computed by the step`);
    const twin = graph.outputs.find((x) => x.node === o.node && x.name !== out);
    if (twin) throw new Error(`${where}: the output's tensor is also the output '${twin.name}'`);
    entries.push({ output: out, param, o: o.node, p });
  }
  return entries;
}

/**
 * The launch list with each remaining state output copied over its parameter (shard by shard) as
 * soon as both are done: after the launch that writes the output and after the last launch that
 * reads the parameter. The output's memory is then free for later tensors, and nothing reads the
 * parameter after it changed.
 */
function withStateCopies(launches: readonly Launch[], caps: TargetCaps, entries: readonly StateEntry[]): Launch[] {
  const after = new Map<number, Launch[]>();
  for (const { output, param, o, p } of entries) {
    let at = -1;
    launches.forEach((l, k) => {
      if (l.tensors.some((t) => (t.node === o && t.access !== "read") || t.node === p)) at = k;
    });
    if (at < 0) throw new Error(`internal: state '${output}' → '${param}': no launch writes the output`);
    const sp = shardPlan(p.dtype, p.shape, caps);
    const list = after.get(at) ?? [];
    for (let s = 0; s < sp.count; s++) {
      const elems = Math.min(sp.elemsPerShard, sp.numel - s * sp.elemsPerShard);
      if (elems > 0) list.push(copyShardLaunch(o, p, s, elems, sp.elem, `state ${output} → ${param}${sp.count > 1 ? ` shard ${s}` : ""}`));
    }
    after.set(at, list);
  }
  const all: Launch[] = [];
  launches.forEach((l, k) => all.push(l, ...(after.get(k) ?? [])));
  return all;
}

/** The target tests and tools run on when none is named: $SHOWO_TARGET ("wgsl" or "cuda"), default "wgsl". */
export function targetFromEnv(): Target {
  const t = process.env["SHOWO_TARGET"] ?? "wgsl";
  if (t !== "wgsl" && t !== "cuda") throw new Error(`SHOWO_TARGET is '${t}'; expected 'wgsl' or 'cuda'`);
  return t;
}

/** Opens the default device of a target (rejects with a GpuError "unavailable" when there is none). */
export function openDeviceFor(target: "wgsl"): Promise<WgslDevice>;
export function openDeviceFor(target: "cuda"): Promise<CudaDevice>;
export function openDeviceFor(target: Target): Promise<Device>;
export function openDeviceFor(target: Target): Promise<Device> {
  switch (target) {
    case "wgsl": return openDevice();
    case "cuda": return openCudaDevice();
  }
}

export function targetOf(device: Device): Target | null {
  return device instanceof CudaDevice ? "cuda" : device instanceof WgslDevice ? "wgsl" : null;
}

export function compile(graph: Graph, opts: WgslCompileOptions): Promise<Executable<WgslDevice>>;
export function compile(graph: Graph, opts: CudaCompileOptions): Promise<Executable<CudaDevice>>;
export function compile(graph: Graph, opts: CompileOptions): Promise<Executable<Device>>;
export async function compile(graph: Graph, opts: CompileOptions): Promise<Executable<Device>> {
  if (opts.target !== "wgsl" && opts.target !== "cuda") throw new Error(`target '${opts.target as string}' is not supported`);
  if (opts.device && targetOf(opts.device) !== opts.target) {
    throw new Error(`compile: target '${opts.target}' but the device given is ${targetOf(opts.device) ?? "of no known target"} (${opts.device.description})`);
  }
  const device = opts.device ?? (await openDeviceFor(opts.target));
  const t0 = performance.now(); // compile time excludes opening the device
  try {
    const devCaps = capsOf(device);
    const caps = {
      ...devCaps,
      ...(opts.maxBindingBytes !== undefined ? { maxBindingBytes: Math.min(devCaps.maxBindingBytes, opts.maxBindingBytes) } : {}),
      ...(opts.maxWorkgroupStorageBytes !== undefined ? { maxWorkgroupStorageBytes: Math.min(devCaps.maxWorkgroupStorageBytes, opts.maxWorkgroupStorageBytes) } : {}),
      ...(opts.maxStorageBindings !== undefined ? { maxStorageBindings: Math.min(devCaps.maxStorageBindings, opts.maxStorageBindings) } : {}),
    };
    const lowered = lower(graph, caps, {
      ...(opts.dims ? { dims: opts.dims } : {}),
      ...(opts.epilogues !== undefined ? { epilogues: opts.epilogues } : {}),
      ...(opts.state ? { state: opts.state } : {}),
    });
    const kernels = await compileKernels(device, graph.name, lowered.launches);
    const arenas = await allocateArenas(device, lowered);
    return new Executable(device, opts.device === undefined, lowered, kernels, arenas, performance.now() - t0);
  } catch (e) {
    if (opts.device === undefined) device.dispose();
    throw e;
  }
}

/** Every launch's kernel: all at once where the device batches (CUDA), else one by one, concurrently. */
async function compileKernels(device: Device, name: string, launches: readonly Launch[]): Promise<CompiledKernel[]> {
  if (device.compileMany && launches.length > 0) {
    try {
      return await device.compileMany(launches.map((l) => l.kernel));
    } catch (e) {
      const kernels = [...new Set(launches.map((l) => l.kernel.name))];
      withContext(`executable '${name}': kernels of ${launches.length} launches (${kernels.length} distinct: ${kernels.join(", ")})`, e);
    }
  }
  return Promise.all(launches.map((l, k) =>
    device.compile(l.kernel).catch((e: unknown) => withContext(`executable '${name}': kernel of launch ${k} (${l.label})`, e))));
}

/** One buffer per arena of the plan; on failure the ones made so far are freed. */
async function allocateArenas(device: Device, c: CompiledGraph): Promise<DeviceBuffer[]> {
  const bufs: DeviceBuffer[] = [];
  try {
    for (const a of c.plan.arenas) {
      const name = `${c.graph.name}/${a.kind}#${a.index}`;
      try {
        bufs.push(await device.createBuffer(name, a.bytes));
      } catch (e) {
        if (!(e instanceof GpuError)) throw e;
        const held = bufs.reduce((s, b) => s + b.size, 0);
        throw new GpuError(e.kind, `executable '${c.graph.name}': allocating ${a.kind} arena ${a.index} of ${c.plan.arenas.length} ` +
          `(${formatBytes(a.bytes)}; ${formatBytes(held)} already allocated, plan total ${formatBytes(c.plan.arenaBytes.total)}): ${e.message}`);
      }
    }
  } catch (e) {
    for (const b of bufs) device.free(b);
    throw e;
  }
  return bufs;
}

/** Re-throws device errors with what the executable was doing. */
function withContext(what: string, e: unknown): never {
  if (e instanceof GpuError) throw new GpuError(e.kind, `${what}: ${e.message}`);
  throw e;
}

function leafName(n: Node): string {
  return String(n.attrs["name"]);
}

/**
 * A graph output left on the device by `runKeeping`: the ranges of its executable's memory that
 * hold it, shard by shard. It stays valid until that executable runs again (or gets new
 * parameters) or is disposed; using it afterwards is an error, never stale data. Another
 * executable on the same device takes it as an input to `run` (its launches bind these ranges in
 * place of the input's own), and `read()` brings it to the host.
 */
export class DeviceTensor {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly #source: Executable<Device>;
  readonly #node: Node;
  readonly #generation: number;
  /** @internal Per shard: the range and its storage layout. */
  readonly shards: readonly { readonly range: BufferRange; readonly elem: Placement["elem"]; readonly elems: number }[];

  /** @internal Made by Executable.runKeeping. */
  constructor(source: Executable<Device>, name: string, node: Node, generation: number, shards: DeviceTensor["shards"]) {
    this.#source = source;
    this.name = name;
    this.#node = node;
    this.dtype = node.dtype;
    this.shape = concreteShape(node.shape);
    this.#generation = generation;
    this.shards = shards;
  }

  get device(): Device {
    return this.#source.device;
  }

  /** The executable whose memory holds it. */
  get source(): Executable<Device> {
    return this.#source;
  }

  /** False once the source executable has run again or been disposed. */
  get valid(): boolean {
    return !this.#source.disposed && this.#source.generation === this.#generation;
  }

  /** @internal Throws when the tensor is no longer valid; `what` names the use. */
  check(what: string): void {
    if (!this.valid) {
      throw new Error(`${what}: device tensor '${this.name}' of executable '${this.#source.graph.name}' is stale (that executable ${this.#source.disposed ? "was disposed" : "has run again"} since)`);
    }
  }

  /** Copies it to the host. */
  async read(): Promise<RefTensor> {
    this.check("read");
    return this.#source.read(this.#node);
  }
}

/** A compiled graph on a device; `Executable` alone is the WGSL one, `Executable<Device>` any target's. */
export class Executable<D extends Device = WgslDevice> {
  readonly device: D;
  readonly compiled: CompiledGraph;
  readonly caps: TargetCaps;
  /** Host → device traffic so far, for tests and reports. */
  readonly stats = { runs: 0, paramUploads: 0, inputUploads: 0, uploadedBytes: 0 };
  readonly #ownsDevice: boolean;
  readonly #kernels: readonly CompiledKernel[];
  readonly #arenas: DeviceBuffer[];
  readonly #compileMs: number;
  // Bindings of every launch, resolved once: binding name → (arena buffer, offset, size).
  readonly #bindings: readonly Readonly<Record<string, BufferRange>>[];
  #paramsSet = false;
  #disposed = false;
  // Bumped whenever the arenas' contents change (runs, setParams): DeviceTensors of older generations are stale.
  #generation = 0;
  // How long this executable's runs wait for the GPU: short waits keep Dawn's fast polls, long
  // ones throttle them (backends/wgsl/quiet-wait.ts). The first run (pipelines' first dispatch,
  // cold caches) waits on a history of its own, so that it does not count.
  readonly #waits = new WaitHistory();
  #waitsFor(): WaitHistory {
    return this.stats.runs > 0 ? this.#waits : new WaitHistory();
  }

  constructor(device: D, ownsDevice: boolean, compiled: CompiledGraph, kernels: readonly CompiledKernel[], arenas: DeviceBuffer[], compileMs: number) {
    this.device = device;
    this.#ownsDevice = ownsDevice;
    this.compiled = compiled;
    this.caps = compiled.caps;
    this.#kernels = kernels;
    this.#arenas = arenas;
    this.#compileMs = compileMs;
    this.#bindings = compiled.launches.map((l) => {
      const b: Record<string, BufferRange> = {};
      for (const t of l.tensors) b[t.binding] = this.#range(this.#placement(t.node, t.shard));
      return b;
    });
  }

  get graph(): Graph {
    return this.compiled.graph;
  }

  get plan(): MemoryPlan {
    return this.compiled.plan;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /** @internal Changes whenever the memory's contents may change (see DeviceTensor). */
  get generation(): number {
    return this.#generation;
  }

  /** Dispatches per run. */
  get dispatchCount(): number {
    return this.compiled.launches.length;
  }

  /** The arena buffers (allocated once, reused by every run). */
  get arenaBuffers(): readonly DeviceBuffer[] {
    return this.#arenas;
  }

  summary(): ExecutableSummary {
    return {
      kernels: new Set(this.#kernels.map((k) => k.id)).size,
      dispatchesPerRun: this.dispatchCount,
      arenas: this.plan.arenas.length,
      arenaBytes: this.plan.arenaBytes.total,
      peakBytes: this.plan.peak.total,
      compileMs: this.#compileMs,
    };
  }

  #placement(node: Node, shard: number): Placement {
    const p = this.plan.byNode.get(node)?.[shard];
    if (!p) throw new Error(`internal: the memory plan has no shard ${shard} of ${node}`);
    return p;
  }

  #range(p: Placement): BufferRange {
    return { buffer: this.#arenas[p.arena]!, offset: p.offset, size: p.bytes };
  }

  #checkLive(): void {
    if (this.#disposed) throw new Error(`executable '${this.graph.name}' was disposed`);
  }

  /** Checks a host tensor against a leaf's type; `what` names it in errors ("input 'x'"). */
  #check(node: Node, t: RefTensor, what: string): void {
    const want = concreteShape(node.shape);
    if (t.dtype !== node.dtype || t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i])) {
      throw new Error(`${what}: expected ${formatType(node.dtype, want)}, got ${formatType(t.dtype, t.shape)}`);
    }
    const n = want.reduce((a, b) => a * b, 1);
    if (t.data.length !== n) throw new Error(`${what}: ${formatType(t.dtype, t.shape)} holds ${n} values but its data has ${t.data.length}`);
  }

  /** Writes a host tensor into its planned ranges. Returns the bytes written. */
  #upload(node: Node, t: RefTensor): number {
    const places = this.plan.byNode.get(node);
    if (!places) throw new Error(`internal: the memory plan has no place for ${node}`);
    const shards = toDeviceShards(t.data, places[0]!.elem, places.map((p) => p.elems));
    let written = 0;
    places.forEach((p, s) => {
      const data = shards[s]!;
      if (data.byteLength === 0) return;
      this.device.upload(this.#arenas[p.arena]!, data, p.offset);
      written += data.byteLength;
    });
    return written;
  }

  /** Uploads weights once; later runs reuse them. Every parameter must be given, with its exact type. */
  setParams(params: Readonly<Record<string, RefTensor>>): void {
    this.#checkLive();
    const where = `executable '${this.graph.name}': setParams`;
    const known = new Set(this.graph.params.map(leafName));
    for (const k of Object.keys(params)) {
      if (!known.has(k)) throw new Error(`${where}: unknown parameter '${k}' (parameters: ${[...known].join(", ") || "none"})`);
    }
    for (const p of this.graph.params) {
      const name = leafName(p);
      const t = params[name];
      if (!t) throw new Error(`${where}: missing parameter '${name}' (expected ${formatType(p.dtype, p.shape)})`);
      this.#check(p, t, `${where}: parameter '${name}'`);
    }
    this.#generation++;
    try {
      for (const p of this.graph.params) {
        this.stats.uploadedBytes += this.#upload(p, params[leafName(p)]!);
        this.stats.paramUploads++;
      }
    } catch (e) {
      withContext(where, e);
    }
    this.#paramsSet = true;
  }

  /**
   * Uploads the inputs, runs every launch, reads the outputs back. An input may be a DeviceTensor
   * of another executable on the same device (runKeeping): it is bound where it lies, not uploaded.
   */
  async run(inputs: Readonly<Record<string, RefTensor | DeviceTensor>>): Promise<Record<string, RefTensor>> {
    return (await quietly(() => this.#run(inputs, [], "run"), this.#waitsFor())).outputs;
  }

  /**
   * run(), except that the outputs named in `keep` stay on the device: they come back as
   * DeviceTensors (valid until this executable runs again) instead of being read.
   */
  async runKeeping(inputs: Readonly<Record<string, RefTensor | DeviceTensor>>, keep: readonly string[]): Promise<{ outputs: Record<string, RefTensor>; kept: Record<string, DeviceTensor> }> {
    return quietly(() => this.#run(inputs, keep, "runKeeping"), this.#waitsFor());
  }

  async #run(inputs: Readonly<Record<string, RefTensor | DeviceTensor>>, keep: readonly string[], method: string): Promise<{ outputs: Record<string, RefTensor>; kept: Record<string, DeviceTensor> }> {
    this.#checkLive();
    const where = `executable '${this.graph.name}': ${method}`;
    if (this.graph.params.length > 0 && !this.#paramsSet) throw new Error(`${where}: call setParams(weights) before run()`);
    const known = new Set(this.graph.inputs.map(leafName));
    for (const k of Object.keys(inputs)) {
      if (!known.has(k)) throw new Error(`${where}: unknown input '${k}' (inputs: ${[...known].join(", ") || "none"})`);
    }
    const outNames = new Set(this.graph.outputs.map((o) => o.name));
    for (const k of keep) if (!outNames.has(k)) throw new Error(`${where}: cannot keep '${k}': no such output (outputs: ${[...outNames].join(", ")})`);
    // Inputs already on the device: their ranges replace the input's own in every launch that binds it.
    const onDevice = new Map<Node, readonly BufferRange[]>();
    for (const n of this.graph.inputs) {
      const name = leafName(n);
      const t = inputs[name];
      if (!t) throw new Error(`${where}: missing input '${name}' (expected ${formatType(n.dtype, n.shape)})`);
      if (t instanceof DeviceTensor) onDevice.set(n, this.#deviceInput(n, t, `${where}: input '${name}'`));
      else this.#check(n, t, `${where}: input '${name}'`);
    }
    try {
      this.#generation++;
      for (const n of this.graph.inputs) {
        const t = inputs[leafName(n)]!;
        if (t instanceof DeviceTensor) continue;
        this.stats.uploadedBytes += this.#upload(n, t);
        this.stats.inputUploads++;
      }
      const rec = this.device.recorder();
      this.compiled.launches.forEach((l, k) => {
        let bindings = this.#bindings[k]!;
        if (onDevice.size > 0) {
          const b: Record<string, BufferRange> = { ...bindings };
          for (const t of l.tensors) {
            const r = onDevice.get(t.node);
            if (r) b[t.binding] = r[t.shard]!;
          }
          bindings = b;
        }
        rec.dispatch(this.#kernels[k]!, { grid: l.grid, bindings, params: l.params });
      });
      await rec.submit(this.graph.name);
      const outputs: Record<string, RefTensor> = {}, kept: Record<string, DeviceTensor> = {};
      for (const o of this.graph.outputs) {
        if (o.name in this.compiled.state) continue; // now the parameter's value (readParam)
        if (keep.includes(o.name)) {
          const shards = this.plan.byNode.get(o.node)!.map((p) => ({ range: this.#range(p), elem: p.elem, elems: p.elems }));
          kept[o.name] = new DeviceTensor(this as Executable<Device>, o.name, o.node, this.#generation, shards);
        } else {
          outputs[o.name] = await this.#read(o.node);
        }
      }
      this.stats.runs++;
      return { outputs, kept };
    } catch (e) {
      withContext(where, e);
    }
  }

  /** Checks a DeviceTensor given for input `node` and returns its ranges, shard by shard. */
  #deviceInput(node: Node, t: DeviceTensor, what: string): readonly BufferRange[] {
    t.check(what);
    if (t.device !== this.device) throw new Error(`${what}: device tensor '${t.name}' lives on another device (${t.device.description})`);
    if (t.source === (this as Executable<Device>)) throw new Error(`${what}: device tensor '${t.name}' lives in this executable's own memory, which the run overwrites`);
    const want = concreteShape(node.shape);
    if (t.dtype !== node.dtype || t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i])) {
      throw new Error(`${what}: expected ${formatType(node.dtype, want)}, got device tensor '${t.name}' ${formatType(t.dtype, t.shape)}`);
    }
    const places = this.plan.byNode.get(node);
    if (!places) throw new Error(`internal: the memory plan has no place for ${node}`);
    const same = places.length === t.shards.length && places.every((p, s) => p.elem === t.shards[s]!.elem && p.elems === t.shards[s]!.elems);
    if (!same) {
      const fmt = (xs: readonly { elem: string; elems: number }[]) => xs.map((x) => `${x.elems} ${x.elem}`).join(" + ");
      throw new Error(`${what}: device tensor '${t.name}' is stored as ${fmt(t.shards)}, this executable expects ${fmt(places)}`);
    }
    return t.shards.map((x) => x.range);
  }

  /**
   * Reads a tensor back. Only tensors whose memory is not reused after the run (outputs, inputs,
   * params) hold their values afterwards; an intermediate's range belongs to later tensors.
   */
  async read(node: Node): Promise<RefTensor> {
    this.#checkLive();
    const places = this.plan.byNode.get(node);
    if (!places) throw new Error(`${node} has no memory of its own (it was fused away)`);
    if (places[0]!.kind === "activations" && places[0]!.last < this.plan.launches) {
      throw new Error(`${node} is an intermediate: its memory is reused by later tensors of the run, so it cannot be read afterwards (make it a graph output)`);
    }
    return this.#read(node);
  }

  async #read(node: Node): Promise<RefTensor> {
    const places = this.plan.byNode.get(node)!;
    const parts: ArrayBuffer[] = [];
    for (const p of places) {
      // Exactly the shard's bytes: a padding element (odd f16 counts) must not be read as data.
      if (p.elems > 0) parts.push(await this.device.download(this.#arenas[p.arena]!, p.offset, p.elems * elemBytes(p.elem)));
    }
    const shape = concreteShape(node.shape);
    const numel = shape.reduce((a, b) => a * b, 1);
    return { dtype: node.dtype, shape, data: fromDeviceBytes(parts, places[0]!.elem, node.dtype, numel) };
  }

  /** A parameter's current value (after runs with state, the updated one). */
  async readParam(name: string): Promise<RefTensor> {
    this.#checkLive();
    const p = this.graph.params.find((x) => leafName(x) === name);
    if (!p) throw new Error(`executable '${this.graph.name}': no parameter '${name}'`);
    if (!this.#paramsSet) throw new Error(`executable '${this.graph.name}': readParam('${name}') before setParams`);
    return quietly(() => this.#read(p), this.#waitsFor());
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const b of this.#arenas) this.device.free(b);
    this.#arenas.length = 0;
    if (this.#ownsDevice) this.device.dispose();
  }
}

