// A WebGPU device for Kernel IR kernels: open, compile (pipelines cached by WGSL text), allocate,
// upload, download, and record many dispatches into one command encoder per run.
//
// Only WebGPU API calls on a GPU object: `navigator.gpu` in a browser, the `webgpu` package
// (Dawn) in Node, or one passed in. Errors say what happened: WGSL compile errors carry the
// numbered source lines around each error, allocation and submission run inside error scopes
// (out-of-memory, validation, internal), and a lost device makes every later call throw
// "device lost: <reason>".
//
// NOTE: with Dawn in Node the object returned by create() must stay strongly reachable while any
// device made from it lives, or dawn.node tears down under pending work and the process crashes
// (webgpu README, "Lifetime"); and every create() costs native memory the process does not get back
// (about 2 MiB: a Dawn instance with its adapters). So the process makes one, on the first
// openDevice() that needs it, keeps it in `processGpu` for the rest of its life and opens every
// later device from it. A GPU object passed in (OpenOptions.gpu) is held in `liveGpus` while
// devices made from it are open.
//
// Buffers: `WgslDevice.liveBuffers` counts the GPU buffers the device made and has not destroyed
// (createBuffer's until free(), a download's staging buffer until it is read back, the uniform
// arena until it is replaced or the device is disposed); leak tests read it.

import type { Access, Grid, Kernel, KernelInterface } from "../../compiler/kernels/kernel-ir.ts";
import { foldGrid, kernelFeatures, kernelInterface } from "../../compiler/kernels/kernel-ir.ts";
import type { DeviceLimits } from "./limits.ts";
import { REQUESTED_LIMITS, alignUp, kernelLimitProblems, limitsOf } from "./limits.ts";
import { printWgsl } from "./print.ts";
import { WaitHistory, quietly } from "./quiet-wait.ts";

// Shader compiles wait long (seconds on llvmpipe): their own history, so that they do not make
// the short waits of the same process (reads, decoding steps) look long (quiet-wait.ts).
const COMPILE_WAITS = new WaitHistory();
import type { BufferRange as GenericBufferRange, DispatchArgs as GenericDispatchArgs, GpuErrorKind } from "../../runtime/device.ts";
import { GpuError, packParams } from "../../runtime/device.ts";

// Values fixed by the WebGPU spec (Node has no GPUBufferUsage / GPUMapMode / GPUShaderStage globals).
const USAGE_MAP_READ = 0x1, USAGE_COPY_SRC = 0x4, USAGE_COPY_DST = 0x8, USAGE_UNIFORM = 0x40, USAGE_STORAGE = 0x80;
const MAP_MODE_READ = 0x1;
const STAGE_COMPUTE = 0x4;

export type DeviceFeature = "shader-f16" | "subgroups" | "timestamp-query";

export interface OpenOptions {
  /** The GPU object to use; default `navigator.gpu`, else the `webgpu` package's create([]). */
  gpu?: GPU;
  powerPreference?: GPUPowerPreference;
  /** Features to enable when the adapter has them (default: shader-f16 and subgroups). */
  features?: readonly DeviceFeature[];
  /** Features without which opening fails. */
  require?: readonly DeviceFeature[];
  label?: string;
}

export { GpuError };
export type { GpuErrorKind };

export interface AdapterDescription {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** The adapter's smallest subgroup (with the subgroups feature; Dawn's adapter.info.subgroupMinSize). */
  readonly subgroupMinSize?: number;
  /** The adapter's largest subgroup (Dawn's adapter.info.subgroupMaxSize). */
  readonly subgroupMaxSize?: number;
}

export interface DeviceBuffer {
  readonly id: number;
  readonly name: string;
  /** Bytes requested; the GPU buffer is this rounded up to 4. */
  readonly size: number;
  readonly gpu: GPUBuffer;
}

/** A byte range of a WebGPU buffer to bind; the default is the whole buffer. */
export type BufferRange = GenericBufferRange<DeviceBuffer>;

export interface CompiledKernel {
  readonly id: number;
  readonly iface: KernelInterface;
  readonly source: string;
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
}

/** One dispatch: logical workgroup counts (folded when a dimension is too large), bindings, params. */
export type DispatchArgs = GenericDispatchArgs<DeviceBuffer>;

export interface DeviceStats {
  dispatches: number;
  submits: number;
  pipelines: number;
  /** Milliseconds spent creating pipelines (shader compile included). */
  compileMs: number;
}

// GPU objects passed in, held while devices made from them are open (see the NOTE above).
const liveGpus = new Map<GPU, number>();

// The webgpu package's create([]) result: made once per process, never released (see the NOTE above).
let processGpu: Promise<GPU> | null = null;
let dawnCreates = 0;

/** How many times this process has called the webgpu package's create(): at most 1 (leak tests read it). */
export function dawnGpuObjectsCreated(): number {
  return dawnCreates;
}

function defaultGpu(): Promise<GPU> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return Promise.resolve(nav.gpu);
  if (!processGpu) {
    processGpu = createDawnGpu();
    processGpu.catch(() => { processGpu = null; }); // a failed load may be retried
  }
  return processGpu;
}

async function createDawnGpu(): Promise<GPU> {
  let webgpu: { create(options: string[]): GPU };
  try {
    webgpu = (await import("webgpu")) as unknown as typeof webgpu;
  } catch (e) {
    throw new GpuError("unavailable", `no WebGPU: navigator.gpu is absent and the webgpu package does not load (${(e as Error).message})`);
  }
  const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env;
  if (env && env["XDG_RUNTIME_DIR"] === undefined) env["XDG_RUNTIME_DIR"] = "/tmp"; // Dawn's Vulkan loader warns without it
  const gpu = webgpu.create([]);
  dawnCreates++;
  return gpu;
}

/** Requests an adapter, then a device with the adapter's limits and the wanted features it has. */
export async function openDevice(options: OpenOptions = {}): Promise<WgslDevice> {
  const gpu = options.gpu ?? (await defaultGpu());
  liveGpus.set(gpu, (liveGpus.get(gpu) ?? 0) + 1);
  try {
    const adapter = await gpu.requestAdapter(options.powerPreference ? { powerPreference: options.powerPreference } : {});
    if (!adapter) {
      throw new GpuError("unavailable", "no WebGPU adapter found (without a GPU, Dawn on Linux needs Mesa's Vulkan driver: see scripts/setup.sh)");
    }
    const info = adapter.info;
    const adapterDescription: AdapterDescription = {
      vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description,
      ...(adapter.features.has("subgroups") && typeof info.subgroupMinSize === "number" ? { subgroupMinSize: info.subgroupMinSize } : {}),
      ...(adapter.features.has("subgroups") && typeof info.subgroupMaxSize === "number" ? { subgroupMaxSize: info.subgroupMaxSize } : {}),
    };
    const name = describe(adapterDescription);
    for (const f of options.require ?? []) {
      if (!adapter.features.has(f)) throw new GpuError("unavailable", `adapter '${name}' lacks the required feature '${f}'`);
    }
    const wanted = new Set<string>([...(options.features ?? ["shader-f16", "subgroups"]), ...(options.require ?? [])]);
    const requiredFeatures = [...wanted].filter((f) => adapter.features.has(f)).sort() as GPUFeatureName[];
    const requiredLimits: Record<string, number> = {};
    for (const k of REQUESTED_LIMITS) {
      const v = adapter.limits[k];
      if (typeof v === "number") requiredLimits[k] = v;
    }
    let device: GPUDevice;
    try {
      device = await adapter.requestDevice({ requiredFeatures, requiredLimits, label: options.label ?? "showo" });
    } catch (e) {
      throw new GpuError("unavailable", `adapter '${name}' refused a device: ${(e as Error).message}`);
    }
    return new WgslDevice(gpu, device, adapterDescription, options.label ?? "showo");
  } catch (e) {
    releaseGpu(gpu);
    throw e;
  }
}

function releaseGpu(gpu: GPU): void {
  const n = (liveGpus.get(gpu) ?? 1) - 1;
  if (n <= 0) liveGpus.delete(gpu);
  else liveGpus.set(gpu, n);
}

function describe(a: AdapterDescription): string {
  return [a.vendor, a.architecture, a.device, a.description].filter((s) => s).join(" / ") || "unknown adapter";
}

export function formatBytes(n: number): string {
  const units = [["GiB", 2 ** 30], ["MiB", 2 ** 20], ["KiB", 2 ** 10]] as const;
  for (const [u, size] of units) {
    if (n >= size) {
      const v = n / size;
      return `${Number.isInteger(v) ? v : v.toFixed(1)} ${u}`;
    }
  }
  return `${n} B`;
}

let nextBufferId = 1;
let nextKernelId = 1;

export class WgslDevice {
  readonly gpu: GPUDevice;
  readonly limits: DeviceLimits;
  readonly features: ReadonlySet<string>;
  readonly adapter: AdapterDescription;
  /** One line naming the adapter, for logs and reports. */
  readonly description: string;
  readonly stats: DeviceStats = { dispatches: 0, submits: 0, pipelines: 0, compileMs: 0 };
  private readonly gpuObject: GPU;
  private readonly label: string;
  private readonly pipelines = new Map<string, Promise<CompiledKernel>>();
  private readonly freed = new WeakSet<DeviceBuffer>();
  private lostReason: string | null = null;
  private disposed = false;
  private readonly uncaptured: string[] = [];
  // One uniform buffer for every run, grown on demand; `uniformGeneration` keys cached bind groups.
  private uniformBuffer: GPUBuffer | null = null;
  private uniformGeneration = 0;
  private readonly bindGroups = new Map<string, GPUBindGroup>();
  private live = 0;

  constructor(gpuObject: GPU, device: GPUDevice, adapter: AdapterDescription, label: string) {
    this.gpuObject = gpuObject;
    this.gpu = device;
    this.label = label;
    this.adapter = adapter;
    this.description = describe(adapter);
    this.limits = limitsOf(device.limits);
    this.features = new Set([...device.features].map(String));
    device.lost.then((info) => {
      if (!this.disposed) this.lostReason = `${info.reason}${info.message ? ` (${info.message.trim()})` : ""}`;
    }, () => {});
    // dawn.node holds this handler strongly (a native root), so it must not capture the device,
    // or a disposed device and everything it references are never collected; dispose() also
    // removes it.
    const uncaptured = this.uncaptured;
    device.onuncapturederror = (ev) => {
      uncaptured.push(ev.error.message);
    };
  }

  /** Throws if the device can no longer be used, or if an error was raised outside any scope. */
  private check(): void {
    if (this.disposed) throw new GpuError("disposed", `device '${this.label}' was disposed`);
    if (this.lostReason !== null) throw new GpuError("lost", `device lost: ${this.lostReason}`);
    if (this.uncaptured.length > 0) {
      const msgs = this.uncaptured.splice(0);
      throw new GpuError("validation", `earlier GPU error${msgs.length > 1 ? "s" : ""}: ${msgs.join("; ")}`);
    }
  }

  get lost(): boolean {
    return this.lostReason !== null;
  }

  /**
   * GPU buffers this device made and has not destroyed: createBuffer's until free(), a download's
   * staging buffer until it is read back, and the uniform arena (one, from the first run with
   * parameters until dispose()). After dispose() it counts the buffers never freed (their memory
   * went with the device, but the missing free() is a leak for a device that stays open).
   */
  get liveBuffers(): number {
    return this.live;
  }

  // ---------------------------------------------------------------------------------------------
  // Kernels

  /** The pipeline for a kernel, compiled once per distinct WGSL text. */
  async compile(kernel: Kernel): Promise<CompiledKernel> {
    this.check();
    const f = kernelFeatures(kernel);
    if (f.f16 && !this.features.has("shader-f16")) {
      throw new GpuError("usage", `kernel '${kernel.name}' uses f16 but the device lacks 'shader-f16'; build it with f32`);
    }
    if (f.subgroups && !this.features.has("subgroups")) {
      throw new GpuError("usage", `kernel '${kernel.name}' uses subgroup operations but the device lacks 'subgroups'`);
    }
    const problems = kernelLimitProblems(kernel, this.limits);
    if (problems.length > 0) throw new GpuError("usage", `kernel '${kernel.name}' does not fit this device: ${problems.join("; ")}`);
    return this.compileWgsl(printWgsl(kernel), kernelInterface(kernel));
  }

  /** A pipeline from WGSL text (entry point `main`) with the given interface; cached by the text. */
  async compileWgsl(source: string, iface: KernelInterface): Promise<CompiledKernel> {
    this.check();
    let p = this.pipelines.get(source);
    if (!p) {
      p = this.createPipeline(source, iface);
      this.pipelines.set(source, p);
      p.catch(() => this.pipelines.delete(source));
    }
    return p;
  }

  private async createPipeline(source: string, iface: KernelInterface): Promise<CompiledKernel> {
    const t0 = performance.now();
    const device = this.gpu;
    // The scope keeps a compile error from also surfacing as an uncaptured error later.
    device.pushErrorScope("validation");
    const module = device.createShaderModule({ code: source, label: iface.name });
    const info = await quietly(module.getCompilationInfo(), COMPILE_WAITS);
    if (info.messages.some((m) => m.type === "error")) {
      await quietly(device.popErrorScope(), COMPILE_WAITS);
      throw new GpuError("compile", formatCompileError(iface.name, source, info.messages));
    }
    const entries: GPUBindGroupLayoutEntry[] = iface.bindings.map((b, i) => ({
      binding: i, visibility: STAGE_COMPUTE, buffer: { type: b.access === "read" ? "read-only-storage" : "storage" },
    }));
    if (iface.uniform) {
      entries.push({
        binding: iface.bindings.length, visibility: STAGE_COMPUTE,
        buffer: { type: "uniform", hasDynamicOffset: true, minBindingSize: iface.uniform.size },
      });
    }
    const layout = device.createBindGroupLayout({ entries, label: iface.name });
    let pipeline: GPUComputePipeline;
    try {
      pipeline = await quietly(device.createComputePipelineAsync({
        label: iface.name,
        layout: device.createPipelineLayout({ bindGroupLayouts: [layout], label: iface.name }),
        compute: { module, entryPoint: "main" },
      }), COMPILE_WAITS);
    } catch (e) {
      await quietly(device.popErrorScope(), COMPILE_WAITS);
      this.check();
      throw new GpuError("compile", `creating the pipeline of kernel '${iface.name}' failed: ${(e as Error).message}\n${numberedLines(source)}`);
    }
    const err = await quietly(device.popErrorScope(), COMPILE_WAITS);
    if (err) throw new GpuError("compile", `kernel '${iface.name}': ${err.message}\n${numberedLines(source)}`);
    this.stats.pipelines++;
    this.stats.compileMs += performance.now() - t0;
    return { id: nextKernelId++, iface, source, pipeline, layout };
  }

  // ---------------------------------------------------------------------------------------------
  // Buffers

  /** A storage buffer (also a copy source and destination). */
  async createBuffer(name: string, bytes: number): Promise<DeviceBuffer> {
    this.check();
    if (!Number.isInteger(bytes) || bytes <= 0) throw new GpuError("usage", `buffer '${name}': size must be a positive integer, got ${bytes}`);
    const size = alignUp(bytes, 4);
    if (size > this.limits.maxBufferSize) {
      throw new GpuError("out-of-memory", `buffer '${name}' of ${formatBytes(bytes)} exceeds the device's maxBufferSize (${formatBytes(this.limits.maxBufferSize)})`);
    }
    const device = this.gpu;
    device.pushErrorScope("out-of-memory");
    device.pushErrorScope("validation");
    const gpu = device.createBuffer({ size, usage: USAGE_STORAGE | USAGE_COPY_SRC | USAGE_COPY_DST, label: name });
    this.live++;
    let validation: GPUError | null, oom: GPUError | null;
    try {
      validation = await quietly(device.popErrorScope());
      oom = await quietly(device.popErrorScope());
      this.check();
    } catch (e) {
      this.destroyBuffer(gpu);
      throw e;
    }
    if (oom) {
      this.destroyBuffer(gpu);
      throw new GpuError("out-of-memory", `GPU out of memory allocating ${formatBytes(bytes)} buffer '${name}'`);
    }
    if (validation) {
      this.destroyBuffer(gpu);
      throw new GpuError("validation", `cannot allocate ${formatBytes(bytes)} buffer '${name}': ${validation.message}`);
    }
    return { id: nextBufferId++, name, size: bytes, gpu };
  }

  private destroyBuffer(gpu: GPUBuffer): void {
    gpu.destroy();
    this.live--;
  }

  /** Writes bytes at `offset` (a multiple of 4); queued before any later submit. */
  upload(buffer: DeviceBuffer, data: ArrayBufferView | ArrayBuffer, offset = 0): void {
    this.check();
    this.checkLive(buffer);
    let bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (offset % 4 !== 0) throw new GpuError("usage", `upload to '${buffer.name}': offset ${offset} is not a multiple of 4`);
    if (offset + bytes.byteLength > buffer.size) {
      throw new GpuError("usage", `upload to '${buffer.name}': ${bytes.byteLength} bytes at offset ${offset} overrun its ${buffer.size} bytes`);
    }
    if (bytes.byteLength % 4 !== 0) {
      // writeBuffer moves whole words; padding is only safe where the write ends the buffer.
      if (offset + bytes.byteLength !== buffer.size) {
        throw new GpuError("usage", `upload to '${buffer.name}': ${bytes.byteLength} bytes is not a multiple of 4 and does not end the buffer`);
      }
      const padded = new Uint8Array(alignUp(bytes.byteLength, 4));
      padded.set(bytes);
      bytes = padded;
    }
    this.gpu.queue.writeBuffer(buffer.gpu, offset, bytes);
  }

  /** Reads `bytes` from `offset` (a multiple of 4) after all submitted work. */
  async download(buffer: DeviceBuffer, offset = 0, bytes = buffer.size - offset): Promise<ArrayBuffer> {
    this.check();
    this.checkLive(buffer);
    if (offset % 4 !== 0) throw new GpuError("usage", `download from '${buffer.name}': offset ${offset} is not a multiple of 4`);
    if (bytes <= 0 || offset + bytes > buffer.size) {
      throw new GpuError("usage", `download from '${buffer.name}': ${bytes} bytes at offset ${offset} is outside its ${buffer.size} bytes`);
    }
    const size = alignUp(bytes, 4);
    const device = this.gpu;
    const staging = device.createBuffer({ size, usage: USAGE_MAP_READ | USAGE_COPY_DST, label: `${buffer.name} (readback)` });
    this.live++;
    try {
      const encoder = device.createCommandEncoder({ label: `download ${buffer.name}` });
      encoder.copyBufferToBuffer(buffer.gpu, offset, staging, 0, size);
      device.queue.submit([encoder.finish()]);
      try {
        await quietly(staging.mapAsync(MAP_MODE_READ));
      } catch (e) {
        this.check();
        throw new GpuError("validation", `reading back '${buffer.name}' failed: ${(e as Error).message}`);
      }
      const out = staging.getMappedRange().slice(0, bytes);
      staging.unmap();
      return out;
    } finally {
      this.destroyBuffer(staging);
    }
  }

  free(buffer: DeviceBuffer): void {
    if (this.freed.has(buffer)) return;
    this.freed.add(buffer);
    this.destroyBuffer(buffer.gpu);
  }

  private checkLive(buffer: DeviceBuffer): void {
    if (this.freed.has(buffer)) throw new GpuError("usage", `buffer '${buffer.name}' was freed`);
  }

  // ---------------------------------------------------------------------------------------------
  // Running

  /** A recorder for one run: many dispatches, one command encoder, one submit. */
  recorder(): Recorder {
    return new Recorder(this);
  }

  /** Compiles and runs one kernel; for tests and one-off work. */
  async run(kernel: Kernel | CompiledKernel, args: DispatchArgs): Promise<void> {
    const compiled = "pipeline" in kernel ? kernel : await this.compile(kernel);
    await this.recorder().dispatch(compiled, args).submit();
  }

  /** Resolves when all submitted work has finished. */
  async sync(): Promise<void> {
    this.check();
    await quietly(this.gpu.queue.onSubmittedWorkDone());
    this.check();
  }

  /** @internal Validates one dispatch and packs its uniform values (used by Recorder). */
  prepare(kernel: CompiledKernel, args: DispatchArgs): Recorded {
    this.check();
    const iface = kernel.iface;
    const where = `dispatch of kernel '${iface.name}'`;
    const dispatch = foldGrid(args.grid, iface.logicalGrid, this.limits.maxComputeWorkgroupsPerDimension);

    const known = new Set(iface.bindings.map((b) => b.name));
    for (const k of Object.keys(args.bindings)) if (!known.has(k)) throw new GpuError("usage", `${where}: no binding named '${k}'`);
    const ranges = iface.bindings.map((b) => {
      const arg = args.bindings[b.name];
      if (!arg) throw new GpuError("usage", `${where}: binding '${b.name}' is missing`);
      return this.resolveRange(arg, b.name, b.access, where);
    });
    checkAliasing(ranges, where);

    let uniform: Uint8Array | null = null;
    if (iface.uniform) uniform = packParams(iface.uniform, args.params ?? {}, dispatch.gridX, dispatch.foldX, where);
    else if (args.params && Object.keys(args.params).length > 0) {
      throw new GpuError("usage", `${where}: the kernel has no parameters, got ${Object.keys(args.params).join(", ")}`);
    }
    return { kernel, ranges, uniform, workgroups: dispatch.workgroups };
  }

  private resolveRange(arg: DeviceBuffer | BufferRange, name: string, access: Access, where: string): ResolvedRange {
    const buffer = "buffer" in arg ? arg.buffer : arg;
    this.checkLive(buffer);
    const offset = "buffer" in arg ? arg.offset ?? 0 : 0;
    const gpuSize = buffer.gpu.size;
    const size = "buffer" in arg && arg.size !== undefined ? arg.size : alignUp(buffer.size - offset, 4);
    const what = `${where}: binding '${name}' (${size} bytes at offset ${offset} of '${buffer.name}')`;
    if (offset % this.limits.minStorageBufferOffsetAlignment !== 0) {
      throw new GpuError("usage", `${what}: offset is not a multiple of ${this.limits.minStorageBufferOffsetAlignment}`);
    }
    if (size <= 0 || size % 4 !== 0) throw new GpuError("usage", `${what}: size must be a positive multiple of 4`);
    if (offset + size > gpuSize) throw new GpuError("usage", `${what}: the range ends past the buffer (${gpuSize} bytes)`);
    if (size > this.limits.maxStorageBufferBindingSize) {
      throw new GpuError("usage", `${what}: larger than maxStorageBufferBindingSize (${formatBytes(this.limits.maxStorageBufferBindingSize)}); split the tensor across bindings`);
    }
    return { buffer, offset, size, access, name };
  }

  /** @internal Encodes and submits recorded dispatches (used by Recorder). */
  async submitRecorded(items: readonly Recorded[], label: string): Promise<void> {
    this.check();
    if (items.length === 0) return;
    const device = this.gpu;
    const align = Math.max(256, this.limits.minUniformBufferOffsetAlignment);
    const offsets: number[] = [];
    let total = 0;
    for (const it of items) {
      offsets.push(total);
      if (it.uniform) total += alignUp(it.uniform.byteLength, align);
    }

    device.pushErrorScope("internal");
    device.pushErrorScope("out-of-memory");
    device.pushErrorScope("validation");
    let ubuf: GPUBuffer | null = null;
    if (total > 0) {
      ubuf = this.uniformArena(total);
      const data = new Uint8Array(total);
      items.forEach((it, i) => { if (it.uniform) data.set(it.uniform, offsets[i]!); });
      device.queue.writeBuffer(ubuf, 0, data);
    }
    const encoder = device.createCommandEncoder({ label });
    const pass = encoder.beginComputePass({ label });
    items.forEach((it, i) => {
      pass.setPipeline(it.kernel.pipeline);
      const group = this.bindGroup(it, ubuf);
      if (it.uniform) pass.setBindGroup(0, group, [offsets[i]!]);
      else pass.setBindGroup(0, group);
      const [x, y, z] = it.workgroups;
      pass.dispatchWorkgroups(x, y, z);
    });
    pass.end();
    device.queue.submit([encoder.finish()]);
    const validation = await quietly(device.popErrorScope());
    const oom = await quietly(device.popErrorScope());
    const internal = await quietly(device.popErrorScope());
    this.check();
    const kernels = [...new Set(items.map((it) => it.kernel.iface.name))].join(", ");
    const what = `run '${label}' of ${items.length} dispatch${items.length > 1 ? "es" : ""} (kernels: ${kernels})`;
    if (oom) throw new GpuError("out-of-memory", `GPU out of memory in ${what}: ${oom.message}`);
    if (validation) throw new GpuError("validation", `validation error in ${what}: ${validation.message}`);
    if (internal) throw new GpuError("internal", `internal GPU error in ${what}: ${internal.message}`);
    this.stats.submits++;
    this.stats.dispatches += items.length;
  }

  private uniformArena(bytes: number): GPUBuffer {
    if (!this.uniformBuffer || this.uniformBuffer.size < bytes) {
      // Destroying is safe while earlier submits still read it: WebGPU frees it after they finish.
      if (this.uniformBuffer) this.destroyBuffer(this.uniformBuffer);
      this.uniformBuffer = null;
      const size = Math.max(4096, 2 ** Math.ceil(Math.log2(bytes)));
      this.uniformBuffer = this.gpu.createBuffer({ size, usage: USAGE_UNIFORM | USAGE_COPY_DST, label: "uniforms" });
      this.live++;
      this.uniformGeneration++;
      this.bindGroups.clear();
    }
    return this.uniformBuffer;
  }

  // Bind groups are cached by (kernel, ranges, uniform buffer); the uniform slot is a dynamic offset.
  private bindGroup(it: Recorded, ubuf: GPUBuffer | null): GPUBindGroup {
    const key = `${it.kernel.id}|${this.uniformGeneration}|${it.ranges.map((r) => `${r.buffer.id}:${r.offset}:${r.size}`).join(",")}`;
    let group = this.bindGroups.get(key);
    if (!group) {
      const entries: GPUBindGroupEntry[] = it.ranges.map((r, i) => ({ binding: i, resource: { buffer: r.buffer.gpu, offset: r.offset, size: r.size } }));
      if (it.uniform && ubuf) {
        entries.push({ binding: it.ranges.length, resource: { buffer: ubuf, offset: 0, size: it.kernel.iface.uniform!.size } });
      }
      group = this.gpu.createBindGroup({ layout: it.kernel.layout, entries, label: it.kernel.iface.name });
      if (this.bindGroups.size >= 4096) this.bindGroups.clear();
      this.bindGroups.set(key, group);
    }
    return group;
  }

  /** Destroys the device; later calls throw. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.bindGroups.clear();
    this.pipelines.clear();
    if (this.uniformBuffer) this.destroyBuffer(this.uniformBuffer);
    this.uniformBuffer = null;
    this.gpu.destroy();
    this.gpu.onuncapturederror = null;
    releaseGpu(this.gpuObject);
  }
}

interface ResolvedRange {
  readonly buffer: DeviceBuffer;
  readonly offset: number;
  readonly size: number;
  readonly access: Access;
  readonly name: string;
}

/** One validated dispatch. */
export interface Recorded {
  readonly kernel: CompiledKernel;
  readonly ranges: readonly ResolvedRange[];
  readonly uniform: Uint8Array | null;
  readonly workgroups: readonly [number, number, number];
}

/**
 * Records the dispatches of one run; submit() writes all their uniform values into one buffer
 * (at minUniformBufferOffsetAlignment-aligned slots), encodes them into one command encoder and
 * submits once. The recorder is empty again afterwards.
 */
export class Recorder {
  private readonly device: WgslDevice;
  private readonly items: Recorded[] = [];

  constructor(device: WgslDevice) {
    this.device = device;
  }

  get count(): number {
    return this.items.length;
  }

  dispatch(kernel: CompiledKernel, args: DispatchArgs): this {
    this.items.push(this.device.prepare(kernel, args));
    return this;
  }

  async submit(label = "run"): Promise<void> {
    const items = this.items.splice(0);
    await this.device.submitRecorded(items, label);
  }
}

// Writable storage bindings may not overlap any other binding of the same dispatch (WebGPU rule).
function checkAliasing(ranges: readonly ResolvedRange[], where: string): void {
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      const a = ranges[i]!, b = ranges[j]!;
      if (a.buffer !== b.buffer || (a.access === "read" && b.access === "read")) continue;
      if (a.offset < b.offset + b.size && b.offset < a.offset + a.size) {
        throw new GpuError("usage", `${where}: bindings '${a.name}' and '${b.name}' overlap in buffer '${a.buffer.name}' and one is writable`);
      }
    }
  }
}


// ---------------------------------------------------------------------------------------------
// Compile errors with the source around them

function formatCompileError(name: string, source: string, messages: readonly GPUCompilationMessage[]): string {
  const lines = source.split("\n");
  const width = String(lines.length).length;
  const out = [`WGSL compile error in kernel '${name}':`];
  for (const m of messages) {
    if (m.type === "info") continue;
    out.push(`${m.type} at ${m.lineNum}:${m.linePos}: ${m.message.trim()}`);
    if (m.lineNum < 1) continue;
    for (let n = Math.max(1, m.lineNum - 3); n <= Math.min(lines.length, m.lineNum + 3); n++) {
      out.push(`${n === m.lineNum ? ">" : " "} ${String(n).padStart(width)} | ${lines[n - 1]}`);
      if (n === m.lineNum && m.linePos > 0) {
        out.push(`  ${" ".repeat(width)} | ${" ".repeat(m.linePos - 1)}${"^".repeat(Math.max(1, Math.min(m.length, 80)))}`);
      }
    }
  }
  return out.join("\n");
}

function numberedLines(source: string): string {
  const lines = source.split("\n");
  const width = String(lines.length).length;
  return lines.map((l, i) => `  ${String(i + 1).padStart(width)} | ${l}`).join("\n");
}
