// The run-time of a compiled package: an executable's arenas, pipelines and launches on a given
// GPUDevice (a browser's navigator.gpu device or the `webgpu` package's in Node). It compiles
// nothing but the WGSL it is given: per run it uploads the inputs into their planned ranges,
// records every launch into one compute pass, submits once and reads the outputs back.
//
// Uniform values (kernel parameters, folded grid sizes) never change between runs, so they are
// written once, each launch's at its own aligned slot of one buffer (a dynamic offset). Bind groups are made once
// too, except for launches that read an input given as a KeptTensor of another executable (the
// T2I step reading the prefix's K/V where it lies).

import type { RefTensor } from "../../compiler/ir/ref.ts";
import type { Grid } from "../../compiler/kernels/kernel-ir.ts";
import { foldGrid } from "../../compiler/kernels/kernel-ir.ts";
import { packParams } from "../device.ts";
import { fromDeviceBytes, toDeviceShards } from "../host.ts";
import type { ExecutableData, KernelData, LeafData } from "./executable-data.ts";

// Values fixed by the WebGPU spec (Node's webgpu package defines no GPUBufferUsage globals).
const USAGE_MAP_READ = 0x1, USAGE_COPY_SRC = 0x4, USAGE_COPY_DST = 0x8, USAGE_UNIFORM = 0x40, USAGE_STORAGE = 0x80;
const MAP_MODE_READ = 0x1;
const STAGE_COMPUTE = 0x4;

interface Pipeline {
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
}

/** Pipelines of a package's kernel table on one device, made on first use and shared by its executables. */
export class PipelineCache {
  readonly device: GPUDevice;
  readonly kernels: readonly KernelData[];
  readonly #made = new Map<number, Promise<Pipeline>>();

  constructor(device: GPUDevice, kernels: readonly KernelData[]) {
    this.device = device;
    this.kernels = kernels;
  }

  get(index: number): Promise<Pipeline> {
    let p = this.#made.get(index);
    if (!p) {
      p = this.#make(index);
      this.#made.set(index, p);
    }
    return p;
  }

  async #make(index: number): Promise<Pipeline> {
    const k = this.kernels[index];
    if (!k) throw new Error(`internal: no kernel ${index} in the package's table`);
    const device = this.device;
    const module = device.createShaderModule({ code: k.source, label: k.name });
    const info = await module.getCompilationInfo();
    const errors = info.messages.filter((m) => m.type === "error");
    if (errors.length > 0) throw new Error(`kernel ${index} (${k.name}) does not compile on this device: ${errors.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join("; ")}`);
    const entries: GPUBindGroupLayoutEntry[] = k.bindings.map((b, i) => ({
      binding: i, visibility: STAGE_COMPUTE, buffer: { type: b.access === "read" ? "read-only-storage" : "storage" },
    }));
    // The same layout as the project's runtime (backends/wgsl/device.ts): identical WGSL and layout
    // make an identical pipeline, which drivers that cache compiled shaders (Mesa's disk cache,
    // Dawn's per-device cache) then compile once for both.
    if (k.uniform) entries.push({ binding: k.bindings.length, visibility: STAGE_COMPUTE, buffer: { type: "uniform", hasDynamicOffset: true, minBindingSize: k.uniform.size } });
    const layout = device.createBindGroupLayout({ entries, label: k.name });
    const pipeline = await device.createComputePipelineAsync({
      label: k.name,
      layout: device.createPipelineLayout({ bindGroupLayouts: [layout], label: k.name }),
      compute: { module, entryPoint: "main" },
    });
    return { pipeline, layout };
  }
}

/** An output left on the device by runKeeping: valid until its executable runs again or is disposed. */
export class KeptTensor {
  readonly name: string;
  readonly leaf: LeafData;
  readonly source: GpuExecutable;
  readonly #generation: number;
  /** Per shard: the buffer range holding it. */
  readonly ranges: readonly { readonly buffer: GPUBuffer; readonly offset: number; readonly size: number }[];

  constructor(source: GpuExecutable, leaf: LeafData, generation: number, ranges: KeptTensor["ranges"]) {
    this.source = source;
    this.name = leaf.name;
    this.leaf = leaf;
    this.#generation = generation;
    this.ranges = ranges;
  }

  get valid(): boolean {
    return !this.source.disposed && this.source.generation === this.#generation;
  }
}

interface LaunchState {
  readonly pipeline: Pipeline;
  readonly workgroups: readonly [number, number, number];
  readonly uniformOffset: number;
  readonly uniformSize: number;
  readonly group: GPUBindGroup;
}

function shapeText(l: { dtype: string; shape: readonly number[] }): string {
  return `${l.dtype}[${l.shape.join(", ")}]`;
}

export class GpuExecutable {
  readonly data: ExecutableData;
  readonly device: GPUDevice;
  readonly #arenas: GPUBuffer[];
  readonly #uniforms: GPUBuffer | null;
  readonly #launches: LaunchState[];
  #generation = 0;
  #disposed = false;
  #paramsSet = false;

  private constructor(device: GPUDevice, data: ExecutableData, arenas: GPUBuffer[], uniforms: GPUBuffer | null, launches: LaunchState[]) {
    this.device = device;
    this.data = data;
    this.#arenas = arenas;
    this.#uniforms = uniforms;
    this.#launches = launches;
  }

  /** Allocates the arenas, builds (or reuses) the pipelines and writes every launch's uniforms. */
  static async create(pipelines: PipelineCache, data: ExecutableData): Promise<GpuExecutable> {
    const device = pipelines.device;
    const arenas = data.arenas.map((bytes, i) => device.createBuffer({ size: Math.ceil(bytes / 4) * 4, usage: USAGE_STORAGE | USAGE_COPY_SRC | USAGE_COPY_DST, label: `${data.name}/arena${i}` }));
    const align = Math.max(256, device.limits.minUniformBufferOffsetAlignment);
    const maxPerDim = device.limits.maxComputeWorkgroupsPerDimension;
    const packed: { offset: number; bytes: Uint8Array | null }[] = [];
    let total = 0;
    const folded = data.launches.map((l, i) => {
      const k = pipelines.kernels[l.kernel]!;
      const d = foldGrid(l.grid as Grid, k.logicalGrid, maxPerDim);
      const bytes = k.uniform ? packParams(k.uniform, l.params, d.gridX, d.foldX, `${data.name} launch ${i} (${l.label})`) : null;
      packed.push({ offset: total, bytes });
      if (bytes) total += Math.ceil(bytes.byteLength / align) * align;
      return d;
    });
    let uniforms: GPUBuffer | null = null;
    if (total > 0) {
      uniforms = device.createBuffer({ size: total, usage: USAGE_UNIFORM | USAGE_COPY_DST, label: `${data.name}/uniforms` });
      const all = new Uint8Array(total);
      for (const p of packed) if (p.bytes) all.set(p.bytes, p.offset);
      device.queue.writeBuffer(uniforms, 0, all);
    }
    const states = await Promise.all(data.launches.map(async (l, i): Promise<LaunchState> => {
      const pipeline = await pipelines.get(l.kernel);
      const k = pipelines.kernels[l.kernel]!;
      const size = k.uniform?.size ?? 0;
      const st = { pipeline, workgroups: folded[i]!.workgroups, uniformOffset: packed[i]!.offset, uniformSize: size };
      return { ...st, group: makeGroup(device, st, l.bindings.map((b) => ({ buffer: arenas[b.arena]!, offset: b.offset, size: b.size })), uniforms) };
    }));
    return new GpuExecutable(device, data, arenas, uniforms, states);
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  get generation(): number {
    return this.#generation;
  }

  /** Uploads this executable's parameters (every one, with its exact type; extra names are ignored). */
  setParams(weights: Readonly<Record<string, RefTensor>>): void {
    this.#live();
    for (const p of this.data.params) {
      const t = weights[p.name];
      if (!t) throw new Error(`executable '${this.data.name}': missing parameter '${p.name}' (${shapeText(p)})`);
      this.#check(p, t, `executable '${this.data.name}': parameter '${p.name}'`);
      this.#upload(p, t);
    }
    this.#generation++;
    this.#paramsSet = true;
  }

  /** Uploads the inputs, runs every launch, reads every output back. */
  async run(inputs: Readonly<Record<string, RefTensor | KeptTensor>>): Promise<Record<string, RefTensor>> {
    return (await this.runKeeping(inputs, [])).outputs;
  }

  /** run(), leaving the outputs named in `keep` on the device for another executable's run. */
  async runKeeping(inputs: Readonly<Record<string, RefTensor | KeptTensor>>, keep: readonly string[]): Promise<{ outputs: Record<string, RefTensor>; kept: Record<string, KeptTensor> }> {
    this.#live();
    const where = `executable '${this.data.name}'`;
    if (this.data.params.length > 0 && !this.#paramsSet) throw new Error(`${where}: set the weights before running`);
    const known = new Set(this.data.inputs.map((x) => x.name));
    for (const k of Object.keys(inputs)) if (!known.has(k)) throw new Error(`${where}: unknown input '${k}' (inputs: ${[...known].join(", ")})`);
    for (const k of keep) if (!this.data.outputs.some((o) => o.name === k)) throw new Error(`${where}: cannot keep '${k}': no such output`);
    const overrides = new Map<number, KeptTensor>();
    this.data.inputs.forEach((leaf, i) => {
      const t = inputs[leaf.name];
      if (!t) throw new Error(`${where}: missing input '${leaf.name}' (${shapeText(leaf)})`);
      if (t instanceof KeptTensor) {
        if (!t.valid) throw new Error(`${where}: input '${leaf.name}': the kept tensor '${t.name}' is stale (its executable ran again or was disposed)`);
        if (t.source === this) throw new Error(`${where}: input '${leaf.name}' lies in this executable's own memory`);
        if (t.leaf.dtype !== leaf.dtype || shapeText(t.leaf) !== shapeText(leaf) || t.leaf.elem !== leaf.elem || t.ranges.length !== leaf.shards.length) {
          throw new Error(`${where}: input '${leaf.name}' expects ${shapeText(leaf)}, got kept '${t.name}' ${shapeText(t.leaf)}`);
        }
        overrides.set(i, t);
      } else this.#check(leaf, t, `${where}: input '${leaf.name}'`);
    });
    this.#generation++;
    this.data.inputs.forEach((leaf, i) => {
      if (!overrides.has(i)) this.#upload(leaf, inputs[leaf.name] as RefTensor);
    });
    const device = this.device;
    device.pushErrorScope("validation");
    const encoder = device.createCommandEncoder({ label: this.data.name });
    const pass = encoder.beginComputePass({ label: this.data.name });
    this.data.launches.forEach((l, k) => {
      const st = this.#launches[k]!;
      let group = st.group;
      if (overrides.size > 0 && l.bindings.some((b) => b.input && overrides.has(b.input[0]))) {
        group = makeGroup(device, st, l.bindings.map((b) => {
          const t = b.input ? overrides.get(b.input[0]) : undefined;
          return t ? t.ranges[b.input![1]]! : { buffer: this.#arenas[b.arena]!, offset: b.offset, size: b.size };
        }), this.#uniforms);
      }
      pass.setPipeline(st.pipeline.pipeline);
      pass.setBindGroup(0, group, st.uniformSize > 0 ? [st.uniformOffset] : []);
      pass.dispatchWorkgroups(st.workgroups[0], st.workgroups[1], st.workgroups[2]);
    });
    pass.end();
    // Every output not kept is copied into one staging buffer in the same submission.
    const read = this.data.outputs.filter((o) => !keep.includes(o.name));
    let staging: GPUBuffer | null = null;
    const at: number[] = [];
    let total = 0;
    for (const o of read) for (const s of o.shards) {
      at.push(total);
      total += Math.ceil((s.elems * (o.elem === "f16" ? 2 : 4)) / 4) * 4;
    }
    if (total > 0) {
      staging = device.createBuffer({ size: total, usage: USAGE_MAP_READ | USAGE_COPY_DST, label: `${this.data.name}/readback` });
      let j = 0;
      for (const o of read) for (const s of o.shards) {
        const bytes = Math.ceil((s.elems * (o.elem === "f16" ? 2 : 4)) / 4) * 4;
        if (bytes > 0) encoder.copyBufferToBuffer(this.#arenas[s.arena]!, s.offset, staging, at[j]!, bytes);
        j++;
      }
    }
    device.queue.submit([encoder.finish()]);
    const err = await device.popErrorScope();
    if (err) {
      staging?.destroy();
      throw new Error(`${where}: the GPU refused the run: ${err.message}`);
    }
    const outputs: Record<string, RefTensor> = {};
    if (staging) {
      await staging.mapAsync(MAP_MODE_READ);
      const all = staging.getMappedRange().slice(0);
      staging.unmap();
      staging.destroy();
      let j = 0;
      for (const o of read) {
        const parts = o.shards.map((s) => {
          const start = at[j++]!;
          return all.slice(start, start + s.elems * (o.elem === "f16" ? 2 : 4));
        });
        const numel = o.shape.reduce((a, b) => a * b, 1);
        outputs[o.name] = { dtype: o.dtype, shape: [...o.shape], data: fromDeviceBytes(parts, o.elem, o.dtype, numel) };
      }
    } else await device.queue.onSubmittedWorkDone();
    const kept: Record<string, KeptTensor> = {};
    for (const name of keep) {
      const o = this.data.outputs.find((x) => x.name === name)!;
      kept[name] = new KeptTensor(this, o, this.#generation, o.shards.map((s) => ({ buffer: this.#arenas[s.arena]!, offset: s.offset, size: Math.ceil((s.elems * (o.elem === "f16" ? 2 : 4)) / 4) * 4 })));
    }
    return { outputs, kept };
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const b of this.#arenas) b.destroy();
    this.#uniforms?.destroy();
  }

  #live(): void {
    if (this.#disposed) throw new Error(`executable '${this.data.name}' was disposed`);
  }

  #check(leaf: LeafData, t: RefTensor, what: string): void {
    if (t.dtype !== leaf.dtype || shapeText(t) !== shapeText(leaf)) throw new Error(`${what}: expected ${shapeText(leaf)}, got ${shapeText(t)}`);
    const n = leaf.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== n) throw new Error(`${what}: ${shapeText(t)} holds ${n} values but its data has ${t.data.length}`);
  }

  #upload(leaf: LeafData, t: RefTensor): void {
    const shards = toDeviceShards(t.data, leaf.elem, leaf.shards.map((s) => s.elems));
    leaf.shards.forEach((s, i) => {
      const bytes = shards[i]!;
      if (bytes.byteLength > 0) this.device.queue.writeBuffer(this.#arenas[s.arena]!, s.offset, bytes);
    });
  }
}

function makeGroup(device: GPUDevice, st: { pipeline: Pipeline; uniformOffset: number; uniformSize: number }, ranges: readonly { buffer: GPUBuffer; offset: number; size: number }[], uniforms: GPUBuffer | null): GPUBindGroup {
  const entries: GPUBindGroupEntry[] = ranges.map((r, i) => ({ binding: i, resource: { buffer: r.buffer, offset: r.offset, size: r.size } }));
  // The uniform binding's offset is dynamic (given at setBindGroup).
  if (st.uniformSize > 0 && uniforms) entries.push({ binding: ranges.length, resource: { buffer: uniforms, offset: 0, size: st.uniformSize } });
  return device.createBindGroup({ layout: st.pipeline.layout, entries });
}
